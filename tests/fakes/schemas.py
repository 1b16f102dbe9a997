"""The official response descriptions and real recordings the fakes are checked against, read
from `../shared` beside the repository (CI keeps it there); tests skip when it is absent.

Each description is loaded as its publisher wrote it and adapted only where its dialect is not
JSON Schema: OpenAPI 3.0 `nullable: true` becomes "or null"; Swagger 2.0 (Gitea, Forgejo) cannot
say that a Go nil pointer or slice is `null`, so `$ref`, date-time and array properties also
accept null; GitLab's older `"type": "date"`/`"uri"` read as strings. Gitea's definitions list
every field Gitea sends but mark none required, so `strict` requires them all and forbids others.
"""

from __future__ import annotations

import ast
import copy
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012


def _shared() -> Path:
    """../shared beside the repository root; for a linked worktree (`.git` is a file), beside
    the main checkout that owns it."""
    root = Path(__file__).resolve().parents[2]
    dot_git = root / ".git"
    if not (root.parent / "shared").exists() and dot_git.is_file():
        gitdir = Path(dot_git.read_text().removeprefix("gitdir:").strip())
        common = gitdir / "commondir"
        if common.is_file():
            return (gitdir / common.read_text().strip()).resolve().parent.parent / "shared"
    return root.parent / "shared"


SHARED = _shared()
SPECS, RECORDED = SHARED / "specs", SHARED / "recorded"


def need(path: Path) -> Path:
    """`path` inside ../shared, or skip the test saying what is missing."""
    if not path.exists():
        pytest.skip(f"{path} is not present (the API descriptions and recordings live in "
                    "../shared beside the checkout)")
    return path


def _nullable(node: Any) -> Any:
    """OpenAPI 3.0 to JSON Schema: `nullable: true` means the value may also be null."""
    if isinstance(node, list):
        return [_nullable(x) for x in node]
    if not isinstance(node, dict):
        return node
    out = {k: _nullable(v) for k, v in node.items() if k != "nullable"}
    return {"anyOf": [out, {"type": "null"}]} if node.get("nullable") is True else out


def _go_nil(prop: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in prop or prop.get("type") == "array" or prop.get("format") == "date-time":
        return {"anyOf": [prop, {"type": "null"}]}
    return prop


@cache
def _registry() -> Registry:
    resources = []
    for name in ("gitea-1.22.0", "forgejo-16.0.1"):
        doc = json.loads(need(SPECS / f"{name}.swagger.v1.json").read_text())
        for d in doc["definitions"].values():
            if "properties" in d:
                d["properties"] = {k: _go_nil(v) for k, v in d["properties"].items()}
        resources.append((name, doc))
    gh = json.loads(need(SPECS / "github-api.github.com.issues-subset.openapi.json").read_text())
    resources.append(("github", _nullable(gh)))
    jira = json.loads(need(SPECS / "jira-cloud-platform-v3.openapi.json").read_text())
    resources.append(("jira", _nullable({"components": jira["components"]})))
    return Registry().with_resources(
        (uri, Resource.from_contents(doc, default_specification=DRAFT202012))
        for uri, doc in resources)


def gitea_schema(flavor: str, name: str, strict: bool = True) -> dict[str, Any]:
    """A Gitea/Forgejo definition; `strict`: every listed field present, no other field."""
    uri = "gitea-1.22.0" if flavor == "gitea" else "forgejo-16.0.1"
    if not strict:
        return {"$ref": f"{uri}#/definitions/{name}"}
    d = copy.deepcopy(_registry().contents(uri)["definitions"][name])
    d["required"], d["additionalProperties"] = sorted(d["properties"]), False
    d = json.loads(json.dumps(d).replace('"#/definitions/', f'"{uri}#/definitions/'))
    return d


def github_schema(name: str, strict: bool = True) -> dict[str, Any]:
    """A GitHub components/schemas entry; `strict`: no field the description does not list."""
    d = copy.deepcopy(_registry().contents("github")["components"]["schemas"][name])
    d = json.loads(json.dumps(d).replace('"#/components/', '"github#/components/'))
    if strict:
        d["additionalProperties"] = False
    return d


@cache
def _with_full_github() -> Registry:
    """`_registry` plus the whole GitHub description (webhooks are not in the issues subset)."""
    import gzip

    with gzip.open(need(SPECS / "github-api.github.com.full.openapi.json.gz")) as f:
        doc = _nullable(json.load(f))
    return _registry().with_resource(
        "github-full", Resource.from_contents(doc, default_specification=DRAFT202012))


def github_full_schema(name: str, strict: bool = True) -> dict[str, Any]:
    """`github_schema` from the whole GitHub description."""
    d = copy.deepcopy(_with_full_github().contents("github-full")["components"]["schemas"][name])
    d = json.loads(json.dumps(d).replace('"#/components/', '"github-full#/components/'))
    if strict:
        d["additionalProperties"] = False
    return d


def jira_schema(name: str, required: bool = True) -> dict[str, Any]:
    """A Jira Cloud (v3) components/schemas entry; `required=False` drops what it requires
    (an issue's `issuelinks` carry one side of an IssueLink, the one the other issue is on)."""
    d = copy.deepcopy(_registry().contents("jira")["components"]["schemas"][name])
    d = json.loads(json.dumps(d).replace('"#/components/', '"jira#/components/'))
    if not required:
        d.pop("required", None)
    return d


def _gitlab_types(node: Any, key: str = "") -> Any:
    if isinstance(node, list):
        return [_gitlab_types(x) for x in node]
    if not isinstance(node, dict):
        return node
    out = {k: _gitlab_types(v, k) for k, v in node.items()}
    if out.get("type") == "uri":
        out["type"] = "string"
    if out.get("type") == "date":
        out["type"] = ["string", "null"] if key in ("due_date", "start_date") else "string"
    return out


def gitlab_schema(name: str) -> dict[str, Any]:
    doc = json.loads(need(SPECS / "gitlab-response-json-schemas" / f"{name}.json").read_text())
    return _gitlab_types(doc)


def check(instance: Any, schema: dict[str, Any]) -> None:
    """Fail with every violation (path and message) when `instance` does not fit `schema`."""
    full = "github-full#" in json.dumps(schema)
    registry = _with_full_github() if full else _registry()
    validator = Draft202012Validator(schema, registry=registry, format_checker=FormatChecker())
    errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message[:300]}" for e in errors)


def pygithub_exchanges(name: str) -> list[dict[str, Any]]:
    """The exchanges of one PyGithub replay file: method, path, status, headers, body."""
    lines = need(RECORDED / "github" / "pygithub-replaydata" / name).read_text().split("\n")
    out, i = [], 0
    while i + 9 < len(lines):
        if lines[i] in ("http", "https"):
            body = lines[i + 9]
            out.append({"method": lines[i + 1], "path": lines[i + 4], "status": int(lines[i + 7]),
                        "headers": dict((k.lower(), v) for k, v in ast.literal_eval(lines[i + 8])),
                        "body": json.loads(body) if body.strip() else None})
            i += 10
        else:
            i += 1
    return out


def vcr_body(path: Path) -> str:
    """The first response body of a go-vcr cassette (YAML; a quoted or block scalar)."""
    text = need(path).read_text()
    m = re.search(r"response:\n\s+body: '(.*?)'\n\s+headers:", text, re.S)
    if m is None:
        m = re.search(r"response:\n\s+body: \|\n\s+(.*?)\n", text)
    return re.sub(r"\n\s+", " ", m.group(1)) if m else ""
