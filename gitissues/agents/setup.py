"""`gi setup claude|codex|cursor|agents-md [--remove]`: register `gi mcp` and a start-up hook
running `gi prime` in the project files each agent tool reads, or a marked section in
AGENTS.md.

| tool      | file                    | gi's part                                       |
|-----------|-------------------------|-------------------------------------------------|
| claude    | .mcp.json               | mcpServers.gi                                   |
|           | .claude/settings.json   | one hooks.SessionStart entry running gi prime   |
| codex     | .codex/config.toml      | a marked [mcp_servers.gi] block                 |
|           | .codex/hooks.json       | one hooks.SessionStart entry running gi prime   |
| cursor    | .cursor/mcp.json        | mcpServers.gi                                   |
| agents-md | AGENTS.md               | a marked section                                |

Only gi's part is ever written (`jsonedit`, `blocks`); running it again changes nothing;
`--remove` takes the part out, and the containers it leaves empty, and deletes a file that
ends up empty — so after an install and a removal with nothing else changed in between, every
file is byte for byte what it was (or gone again).
"""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil

from gitissues.agents import blocks, jsonedit
from gitissues.agents.records import Records
from gitissues.errors import Conflict, InvalidData

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from gitissues import git

    Edit = Callable[[str, str], str]

TOOLS = ("claude", "codex", "cursor", "agents-md")
SERVER = "gi"
CODEX_START, CODEX_END = "# >>> gi setup codex >>>", "# <<< gi setup codex <<<"
AGENTS_START = "<!-- gi setup agents-md: start (gi setup agents-md --remove takes it out) -->"
AGENTS_END = "<!-- gi setup agents-md: end -->"
AGENTS_SECTION = """\
## Issues: gi (Issue Facade)

This repository tracks its work with `gi`; the issues live in git. Run `gi prime` at the start
of a session for this repository's guide. The loop: `gi ready` → `gi claim --next` (exit 4:
someone else holds it, take another) → work, `gi progress ID --stage S` → commit with
`Fixes ID` in the message → `gi close ID --reason "…"`. Every command takes `--json`;
`gi mcp` serves the same operations as MCP tools.
"""
NOTES = {
    "claude": "Claude Code asks to approve the project's MCP server on first use; the "
              "SessionStart hook adds gi prime's guide to each session",
    "codex": "Codex reads .codex/ in trusted projects only, and runs a new hook once it is "
             "reviewed (/hooks)",
    "cursor": "Cursor lists the server under MCP in its settings; the server's instructions "
              "carry the workflow guide",
    "agents-md": "agents that read AGENTS.md now find the gi workflow there",
}


def gi_program() -> list[str]:
    """How the configs start gi: plain `gi` when that is the gi running now (so a committed
    config works on every machine), else its absolute path."""
    from gitissues.hooks.install import gi_command

    argv = gi_command()
    found = shutil.which("gi")
    if len(argv) == 1 and found and os.path.realpath(found) == os.path.realpath(argv[0]):
        return ["gi"]
    return argv


def runs_prime(command: Any) -> bool:
    """Whether a hook command is gi's `gi prime` (by whatever path gi was named)."""
    try:
        argv = shlex.split(command) if isinstance(command, str) else []
    except ValueError:
        return False
    return (len(argv) >= 2 and argv[-1] == "prime"
            and (os.path.basename(argv[0]) == "gi" or argv[-2] == "gitissues"))


def _hook_ours(item: Any) -> bool:
    hooks = item.get("hooks") if isinstance(item, dict) else None
    return isinstance(hooks, list) and any(
        isinstance(h, dict) and runs_prime(h.get("command")) for h in hooks)


def _server(gi: list[str], typed: bool) -> dict[str, Any]:
    entry: dict[str, Any] = {"type": "stdio"} if typed else {}
    return {**entry, "command": gi[0], "args": [*gi[1:], "mcp"]}


def _hook(gi: list[str]) -> dict[str, Any]:
    return {"hooks": [{"type": "command", "command": shlex.join([*gi, "prime"])}]}


def _json_member(path: list[str], key: str, value: Any) -> tuple[Edit, Edit]:
    return (lambda text, where: jsonedit.put_member(text or "{}", where, path, key, value),
            lambda text, where: jsonedit.drop_member(text, where, path, key))


def _json_item(path: list[str], item: Any) -> tuple[Edit, Edit]:
    return (lambda text, where: jsonedit.put_item(text or "{}", where, path, item, _hook_ours),
            lambda text, where: jsonedit.drop_item(text, where, path, _hook_ours))


def _codex_block(gi: list[str]) -> str:
    import json

    args = ", ".join(json.dumps(a) for a in [*gi[1:], "mcp"])
    return (f"{CODEX_START}\n# gi's MCP server (gi setup codex --remove takes it out)\n"
            f"[mcp_servers.{SERVER}]\ncommand = {json.dumps(gi[0])}\nargs = [{args}]\n"
            f"{CODEX_END}\n")


def _codex_put(gi: list[str]) -> Edit:
    def put(text: str, where: str) -> str:
        import tomllib

        outside = blocks.drop(text, CODEX_START, CODEX_END, where)
        try:
            servers = tomllib.loads(outside).get("mcp_servers") or {}
        except tomllib.TOMLDecodeError as exc:
            raise InvalidData(f"{where}: not valid TOML ({exc}); gi leaves it alone",
                              file=where) from None
        if isinstance(servers, dict) and SERVER in servers:
            raise Conflict(f"{where} already defines [mcp_servers.{SERVER}] outside gi's "
                           "block; remove that table, or keep it and skip gi setup codex",
                           file=where)
        return blocks.put(text, _codex_block(gi), CODEX_START, CODEX_END, where)
    return put


def _agents_block() -> str:
    return f"{AGENTS_START}\n{AGENTS_SECTION}{AGENTS_END}\n"


def plan(tool: str, gi: list[str]) -> list[tuple[str, Edit, Edit]]:
    """(file, how to put gi's part in, how to take it out) for each file of `tool`."""
    hooks = ["hooks", "SessionStart"]
    if tool == "claude":
        return [(".mcp.json", *_json_member(["mcpServers"], SERVER, _server(gi, True))),
                (".claude/settings.json", *_json_item(hooks, _hook(gi)))]
    if tool == "codex":
        return [(".codex/config.toml", _codex_put(gi),
                 lambda text, where: blocks.drop(text, CODEX_START, CODEX_END, where)),
                (".codex/hooks.json", *_json_item(hooks, _hook(gi)))]
    if tool == "cursor":
        return [(".cursor/mcp.json", *_json_member(["mcpServers"], SERVER, _server(gi, False)))]
    block = _agents_block()
    return [("AGENTS.md",
             lambda text, where: blocks.put(text, block, AGENTS_START, AGENTS_END, where),
             lambda text, where: blocks.drop(text, AGENTS_START, AGENTS_END, where))]


def run(paths: git.RepoPaths, tool: str, remove: bool = False) -> dict[str, Any]:
    """Install (or with `remove`, take out) `tool`'s integration in the repository."""
    records = Records(paths.git_dir)
    files = []
    for rel, put, drop in plan(tool, gi_program()):
        change = (_remove(paths.top, rel, drop, records) if remove else
                  _install(paths.top, rel, put, drop, records))
        files.append({"file": rel, "change": change})
    return {"tool": tool, "removed" if remove else "installed": True, "files": files,
            **({} if remove else {"note": NOTES[tool]})}


def _read(top: str, rel: str) -> tuple[bytes | None, str]:
    try:
        with open(os.path.join(top, rel), "rb") as f:
            data = f.read()
    except FileNotFoundError:
        return None, ""
    try:
        return data, data.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidData(f"{rel}: not UTF-8 text; gi leaves it alone", file=rel) from None


def _install(top: str, rel: str, put: Edit, drop: Edit, records: Records) -> str:
    data, old = _read(top, rel)
    new = put(old, rel) + ("\n" if data is None and rel.endswith(".json") else "")
    if data is not None and new == old:
        return "unchanged"
    encoded = new.encode("utf-8")
    _write(os.path.join(top, rel), encoded)
    kept = records.get(rel, data)
    if data is None or drop(old, rel) == old:  # gi's part was not there: remember the file
        records.put(rel, old if data is not None else None, encoded)
    elif kept is not None:  # gi's own earlier version, untouched since: same "before"
        records.put(rel, kept["before"], encoded)
    else:
        records.forget(rel)
    return "created" if data is None else "updated"


def _remove(top: str, rel: str, drop: Edit, records: Records) -> str:
    path = os.path.join(top, rel)
    data, old = _read(top, rel)
    kept = records.get(rel, data)
    records.forget(rel)
    if data is None:
        return "absent"
    if kept is not None:  # nothing changed since gi wrote it: the bytes from before
        if kept["before"] is None:
            return _delete(top, rel)
        _write(path, kept["before"].encode("utf-8"))
        return "removed"
    new = drop(old, rel)
    if new == old:
        return "absent"
    if not new.strip() or (rel.endswith(".json") and jsonedit.is_empty_object(new)):
        return _delete(top, rel)
    _write(path, new.encode("utf-8"))
    return "removed"


def _delete(top: str, rel: str) -> str:
    os.remove(os.path.join(top, rel))
    _drop_empty_dir(top, os.path.dirname(rel))
    return "deleted"


def _write(path: str, data: bytes) -> None:
    """Replace the file in one step, keeping its permissions."""
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    tmp = f"{path}.gi-setup.{os.getpid()}"
    try:
        with open(tmp, "wb") as f:
            f.write(data)
        if os.path.exists(path):
            shutil.copymode(path, tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def _drop_empty_dir(top: str, rel_dir: str) -> None:
    """The tool's folder (.claude/, .codex/, .cursor/) goes when gi's file was all it held."""
    if rel_dir:
        with contextlib.suppress(OSError):
            os.rmdir(os.path.join(top, rel_dir))


def status(top: str) -> dict[str, bool]:
    """Which tools have gi's MCP server (or, for agents-md, gi's section) set up."""
    import json

    def server_in(rel: str) -> bool:
        try:
            with open(os.path.join(top, rel), encoding="utf-8") as f:
                servers = json.load(f).get("mcpServers")
        except (OSError, ValueError, AttributeError):
            return False
        return isinstance(servers, dict) and SERVER in servers

    def marked(rel: str, start: str) -> bool:
        try:
            with open(os.path.join(top, rel), encoding="utf-8") as f:
                return any(line.startswith(start) for line in f)
        except (OSError, UnicodeDecodeError):
            return False

    return {"claude": server_in(".mcp.json"), "codex": marked(".codex/config.toml", CODEX_START),
            "cursor": server_in(".cursor/mcp.json"), "agents-md": marked("AGENTS.md",
                                                                         AGENTS_START)}
