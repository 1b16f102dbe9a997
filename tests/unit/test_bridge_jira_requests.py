"""What the Jira bridge sends, checked against the Jira Cloud platform OpenAPI description:
every request of a pull and of pushes that create, edit, move, link and comment goes to a path
and method the description has, with query parameters it names (and those it requires), and a
body that fits the request schema."""

from __future__ import annotations

import json
import re

import pytest
from fakes.jira import FakeJira
from fakes.schemas import SPECS, check, jira_schema, need

from gitissues.bridges import engine
from gitissues.bridges.registry import open_platform
from gitissues.store import open_store


@pytest.fixture
def store(sandbox, monkeypatch):
    for key, value in sandbox.env.items():
        monkeypatch.setenv(key, value)
    return open_store(sandbox.repo)


def _operations() -> list[tuple[re.Pattern[str], str, dict]]:
    doc = json.loads(need(SPECS / "jira-cloud-platform-v3.openapi.json").read_text())
    out = []
    for path, methods in doc["paths"].items():
        pattern = re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", path) + "$")
        out += [(pattern, m.upper(), op) for m, op in methods.items()]
    return out


def test_every_request_fits_the_cloud_description(store):
    operations = _operations()
    with FakeJira(token="t", flavor="cloud") as fake:
        fake.state.add_user("mia")
        fake.add_issue("Remote", "text", fix_versions=["v1"])
        fake.add_comment("ACME-1", "hello", author="mia")
        fake.state.add_link("ACME-1", "ACME-1")
        target = {"platform": "jira", "base_url": fake.base_url, "project": "ACME",
                  "token": "t", "email": fake.email, "deployment": "cloud"}
        jira = open_platform("work", target, settings={})
        engine.pull(store, "work", jira, None)
        blocker = store.create("Blocker", milestone="v2", assignees=[
            fake.state.users["mia"].account_id])
        blocked = store.create("Blocked", depends_on=[blocker.id], type="bug", priority=0)
        store.comment(blocked.id, "a comment")
        engine.push(store, "work", jira)
        store.update(blocked.id, lambda i: setattr(i, "status", "closed") or "close", "edit")
        store.update(blocker.id, lambda i: setattr(i, "status", "blocked") or "block", "edit")
        store.update(blocked.id, lambda i: setattr(i, "depends_on", []) or "undepend", "edit")
        store.update(blocked.id, lambda i: setattr(i, "title", "Blocked no more") or "t", "edit")
        engine.push(store, "work", jira, since="2024-03-01T09:00:00Z")
        assert jira.get("ACME-1") is not None and jira.problems  # To Do → Blocked: none
        engine.pull(store, "work", jira, "2024-03-01T09:00:00Z")
        sent = list(fake.sent)
    seen = set()
    for method, path, query, body in sent:
        found = [op for pattern, m, op in operations if m == method and pattern.match(path)]
        assert found, f"{method} {path} is not in the description"
        op = found[0]
        params = {p["name"]: p for p in op.get("parameters", []) if p["in"] == "query"}
        assert set(query) <= set(params), (method, path, set(query) - set(params))
        assert {n for n, p in params.items() if p.get("required")} <= set(query), (method, path)
        schema = (op.get("requestBody") or {}).get("content", {}).get(
            "application/json", {}).get("schema")
        if body is not None:
            assert schema, f"{method} {path} takes no body"
            check(body, jira_schema(schema["$ref"].rpartition("/")[2]))
        seen.add((method, re.sub(r"ACME-\d+", "KEY", path)))
    assert {("POST", "/rest/api/3/issue"), ("PUT", "/rest/api/3/issue/KEY"),
            ("POST", "/rest/api/3/issue/KEY/transitions"), ("POST", "/rest/api/3/issueLink"),
            ("POST", "/rest/api/3/issue/KEY/comment"), ("POST", "/rest/api/3/version"),
            ("GET", "/rest/api/3/search/jql"), ("GET", "/rest/api/3/myself"),
            ("GET", "/rest/api/3/user/assignable/search")} <= seen
    assert any(m == "DELETE" and "issueLink" in p for m, p in seen)
