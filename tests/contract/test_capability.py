"""CAPABILITY.yaml (the project root) is a machine-readable account of what gi offers. These
tests hold it to the code so it cannot drift: every command, action, argument and flag of the
real parser (`gitissues.cli.grammar.build()`), every tool and argument of the real `gi mcp`
`tools/list`, the exit codes of `gitissues.errors`, the issue's JSON keys, the event types and
the environment variables of `gitissues.config`.

When one fails, its message is the YAML to put in CAPABILITY.yaml (and says where).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import pytest
from mcpclient import connect, run
from ruamel.yaml import YAML

from gitissues import activity, config, errors
from gitissues.cli import helptext
from gitissues.cli.grammar import build
from gitissues.model import Issue

ROOT = Path(__file__).resolve().parents[2]
CAPABILITY = ROOT / "CAPABILITY.yaml"
SKIP_FLAGS = {"--help", "--json"}  # every command has them (said once, at the top)


def _load() -> dict[str, Any]:
    return YAML(typ="safe").load(CAPABILITY.read_text(encoding="utf-8"))


def _value(action: argparse.Action) -> str | None:
    """How a flag takes its value: None for a switch, `[X]` optional, `X…` repeatable."""
    if action.nargs == 0:
        return None
    word = "|".join(map(str, action.choices)) if action.choices else (
        action.metavar or action.dest.upper())
    if action.nargs == "?":
        return f"[{word}]"
    if isinstance(action, argparse._AppendAction):
        return f"{word}…"
    return str(word)


def _arg(action: argparse.Action) -> str:
    word = str(action.metavar or action.dest.upper())
    return {"?": f"[{word}]", "*": f"[{word}…]", "+": f"{word}…"}.get(
        action.nargs if isinstance(action.nargs, str) else "", word)


def grammar_of(parser: Any) -> dict[str, Any]:
    """A command's (or action's) arguments and flags, as the parser has them."""
    out: dict[str, Any] = {"args": [], "flags": {}}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            continue
        if action.option_strings:
            names = [o for o in action.option_strings if o.startswith("--")]
            if names and names[0] not in SKIP_FLAGS:
                out["flags"][names[0]] = _value(action)
        elif action.dest != "action":
            out["args"].append(_arg(action))
    if parser.commands:
        out["actions"] = {name: grammar_of(p) for name, p in parser.commands.items()}
    return out


def parser_commands() -> dict[str, Any]:
    return {name: grammar_of(p) for name, p in build().commands.items()}


def _yaml_block(name: str, grammar: dict[str, Any], indent: str = "  ") -> str:
    """The CAPABILITY.yaml entry for a command, to paste under `commands:`."""
    summary = json.dumps(helptext.SUMMARY.get(name, "…"), ensure_ascii=False)
    lines = [f"{indent}{name}:", f"{indent}  summary: {summary}"]
    lines += _grammar_lines(grammar, indent + "  ")
    if "actions" not in grammar:
        lines.append(f"{indent}  json: …  # a name under json_shapes, or none")
    return "\n".join(lines)


def _grammar_lines(grammar: dict[str, Any], indent: str) -> list[str]:
    lines = [f"{indent}args: {json.dumps(grammar['args'], ensure_ascii=False)}",
             f"{indent}flags: {json.dumps(grammar['flags'], ensure_ascii=False)}"]
    for name, sub in grammar.get("actions", {}).items():
        lines += [f"{indent}actions:"] if name == next(iter(grammar["actions"])) else []
        lines.append(f"{indent}  {name}:")
        lines += _grammar_lines(sub, indent + "    ")
        lines.append(f"{indent}    json: …  # a name under json_shapes, or none")
    return lines


def _strip(entry: dict[str, Any]) -> dict[str, Any]:
    """An entry of CAPABILITY.yaml with only what the parser can say."""
    out = {"args": list(entry.get("args") or []), "flags": dict(entry.get("flags") or {})}
    if entry.get("actions"):
        out["actions"] = {n: _strip(a) for n, a in entry["actions"].items()}
    return out


def test_every_command_of_the_parser_is_described_as_it_is() -> None:
    declared = _load()["commands"]
    actual = parser_commands()
    missing = [n for n in actual if n not in declared]
    assert not missing, ("CAPABILITY.yaml lacks " + ", ".join(missing) + "; add under "
                         "'commands:' (fill in json and the actions' json):\n\n"
                         + "\n".join(_yaml_block(n, actual[n]) for n in missing))
    gone = [n for n in declared if n not in actual]
    assert not gone, f"CAPABILITY.yaml describes {gone}, which gi no longer has: remove them"
    for name, grammar in actual.items():
        assert _strip(declared[name]) == grammar, (
            f"CAPABILITY.yaml: command '{name}' changed; replace its entry with (keeping its "
            f"summary and json):\n\n{_yaml_block(name, grammar)}")


def test_every_command_and_action_names_its_json_shape() -> None:
    doc = _load()
    shapes = set(doc["json_shapes"]) | {"none"}
    for name, entry in doc["commands"].items():
        assert entry.get("summary"), f"CAPABILITY.yaml: commands.{name} needs a summary"
        for where, e in [(name, entry), *((f"{name} {a}", x) for a, x in
                                          (entry.get("actions") or {}).items())]:
            assert e.get("json") in shapes or (e.get("actions") and "json" not in e), (
                f"CAPABILITY.yaml: '{where}' needs json: one of {sorted(shapes)}")


def test_the_issue_and_event_shapes_are_the_real_ones() -> None:
    shapes = _load()["json_shapes"]
    keys = list(Issue(id="gi-000000", title="t").to_json())
    assert shapes["issue"]["keys"] == keys, f"CAPABILITY.yaml json_shapes.issue.keys: {keys}"
    assert shapes["event"]["types"] == list(activity.TYPES), (
        f"CAPABILITY.yaml json_shapes.event.types: {list(activity.TYPES)}")


def test_exit_codes_are_those_of_the_errors() -> None:
    import importlib
    import pkgutil

    import gitissues

    for module in pkgutil.walk_packages(gitissues.__path__, "gitissues."):
        if not module.name.endswith("__main__"):  # (that one runs gi)
            importlib.import_module(module.name)  # every error class gi defines, anywhere
    doc = _load()
    codes = {c.code: c.exit_code for c in _subclasses(errors.GiError)}
    codes[errors.GiError.code] = errors.GiError.exit_code
    assert doc["error_codes"] == codes, f"CAPABILITY.yaml error_codes: {codes}"
    assert set(doc["exit_codes"]) == {0, *codes.values()}


def _subclasses(cls: type) -> list[type]:
    return [c for sub in cls.__subclasses__() for c in (sub, *_subclasses(sub))]


def test_environment_variables_are_the_real_ones() -> None:
    declared = _load()["environment"]
    missing = [v for v in config.ENV_KEYS if v not in declared]
    assert not missing, f"CAPABILITY.yaml environment lacks {missing} (gitissues.config reads them)"
    source = "\n".join(p.read_text(encoding="utf-8")
                       for p in (ROOT / "gitissues").rglob("*.py"))
    unknown = [v for v in declared if v.rstrip("*") not in source]
    assert not unknown, f"CAPABILITY.yaml environment names {unknown}, which gi never reads"


def _tool_grammar(tool: Any) -> dict[str, Any]:
    schema = tool.input_schema
    args = {}
    for name, spec in schema.get("properties", {}).items():
        if "enum" in spec:
            args[name] = "|".join(spec["enum"])
        elif spec.get("type") == "array":
            args[name] = f"{spec['items']['type']}[]"
        else:
            args[name] = spec["type"]
    return {"args": args, "required": list(schema.get("required", []))}


@pytest.fixture(scope="module")
def mcp_tools(make_sandbox) -> dict[str, Any]:
    sandbox = make_sandbox("capability")

    async def body() -> list[Any]:
        async with connect(sandbox) as s:
            return (await s.client.list_tools()).tools

    return {t.name: _tool_grammar(t) for t in run(body)}


def test_every_mcp_tool_is_described_as_tools_list_has_it(mcp_tools) -> None:
    declared = _load()["mcp"]["tools"]
    for name, grammar in mcp_tools.items():
        block = (f"    {name}:\n      args: {json.dumps(grammar['args'])}\n"
                 f"      required: {json.dumps(grammar['required'])}\n      answer: …")
        assert name in declared, f"CAPABILITY.yaml lacks the MCP tool {name}; add under " \
                                 f"mcp.tools:\n\n{block}"
        entry = {"args": declared[name].get("args") or {},
                 "required": declared[name].get("required") or []}
        assert entry == grammar, f"CAPABILITY.yaml: MCP tool {name} changed; use:\n\n{block}"
        assert declared[name].get("answer") in _load()["mcp"]["answers"], name
    gone = [n for n in declared if n not in mcp_tools]
    assert not gone, f"CAPABILITY.yaml describes MCP tools {gone} that gi mcp lacks: remove"
