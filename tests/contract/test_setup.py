"""`gi setup claude|codex|cursor|agents-md [--remove]` (SPEC §3): gi writes only its own keys
or marked section, a second run changes nothing, and --remove gives back every file byte for
byte (deleting the files it created)."""

from __future__ import annotations

import json
import tomllib

import pytest

FILES = {"claude": (".mcp.json", ".claude/settings.json"),
         "codex": (".codex/config.toml", ".codex/hooks.json"),
         "cursor": (".cursor/mcp.json",), "agents-md": ("AGENTS.md",)}

# What a user may already have, written the way people write them (4 spaces, inline objects,
# tabs, CRLF, no final line break, comments in TOML, prose in AGENTS.md).
EXISTING = {
    ".mcp.json": '{\n    "mcpServers": {\n        "db": {"command": "db-mcp", "args": []}\n'
                 "    }\n}\n",
    ".claude/settings.json": '{\r\n  "model": "opus",\r\n  "hooks": {\r\n    "SessionStart": '
                             '[\r\n      {"matcher": "startup", "hooks": [{"type": "command",'
                             ' "command": "echo hi"}]}\r\n    ]\r\n  }\r\n}',
    ".codex/config.toml": '# my settings\nmodel = "o4"\n\n[mcp_servers.docs]\ncommand = '
                          '"docs-mcp"  # keep\n',
    ".codex/hooks.json": '{"hooks": {"Stop": [{"hooks": [{"type": "command", '
                         '"command": "notify"}]}]}}',
    ".cursor/mcp.json": '{\n\t"mcpServers": {}\n}\n',
    "AGENTS.md": "# Agents\n\nRun the tests with make test.",
}


def _snapshot(repo, names) -> dict[str, bytes | None]:
    return {n: (repo / n).read_bytes() if (repo / n).exists() else None for n in names}


@pytest.mark.parametrize("tool", list(FILES))
def test_setup_creates_its_files_and_remove_deletes_them(sandbox, gi, tool) -> None:
    r = gi("setup", tool, "--json")
    assert r.code == 0, r
    assert [f["change"] for f in r.json["files"]] == ["created"] * len(FILES[tool])
    assert [f["file"] for f in r.json["files"]] == list(FILES[tool])
    again = gi("setup", tool, "--json")
    assert [f["change"] for f in again.json["files"]] == ["unchanged"] * len(FILES[tool])
    gone = gi("setup", tool, "--remove")
    assert gone.code == 0, gone
    for name in FILES[tool]:
        assert not (sandbox.repo / name).exists(), name
        assert f"{name}: deleted" in gone.out
    assert sorted(p.name for p in sandbox.repo.iterdir()) == [".git"]
    assert sandbox.git("status", "--porcelain") == ""


@pytest.mark.parametrize("tool", list(FILES))
def test_setup_touches_nothing_else_and_remove_restores_each_byte(sandbox, gi, tool) -> None:
    for name in FILES[tool]:
        path = sandbox.repo / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(EXISTING[name].encode())
    before = _snapshot(sandbox.repo, FILES[tool])
    r = gi("setup", tool)
    assert r.code == 0, r
    installed = _snapshot(sandbox.repo, FILES[tool])
    for name in FILES[tool]:
        text = installed[name].decode()  # type: ignore[union-attr]
        assert text.startswith(before[name].decode().rstrip("}\r\n \t")[:20])
        _check_content(name, text, before[name].decode())  # type: ignore[union-attr]
    assert gi("setup", tool).code == 0
    assert _snapshot(sandbox.repo, FILES[tool]) == installed  # idempotent
    assert gi("setup", tool, "--remove").code == 0
    assert _snapshot(sandbox.repo, FILES[tool]) == before


def _check_content(name: str, text: str, old: str) -> None:
    """gi's part is there and what was there before is all still there."""
    if name.endswith(".json"):
        data, was = json.loads(text), json.loads(old)
        if "mcpServers" in data:
            assert data["mcpServers"]["gi"]["args"][-1] == "mcp"
            assert {k: v for k, v in data["mcpServers"].items() if k != "gi"} == \
                was["mcpServers"]
        else:
            ours = data["hooks"]["SessionStart"][-1]["hooks"][0]
            assert ours["type"] == "command" and ours["command"].endswith("gi prime")
            assert data["hooks"]["SessionStart"][:-1] == was["hooks"].get("SessionStart", [])
        assert {k: v for k, v in data.items() if k not in ("mcpServers", "hooks")} == \
            {k: v for k, v in was.items() if k not in ("mcpServers", "hooks")}
    elif name.endswith(".toml"):
        data = tomllib.loads(text)
        assert data["mcp_servers"]["gi"]["args"] == ["mcp"]
        assert data["mcp_servers"]["docs"] == {"command": "docs-mcp"}
        assert data["model"] == "o4" and text.startswith(old)
    else:
        assert text.startswith(old) and "gi prime" in text and "gi claim --next" in text


def test_setup_keeps_what_the_user_added_after_it(sandbox, gi) -> None:
    """--remove takes out only gi's part even when the file changed since."""
    assert gi("setup", "claude").code == 0
    assert gi("setup", "agents-md").code == 0
    mcp = sandbox.repo / ".mcp.json"
    data = json.loads(mcp.read_text())
    data["mcpServers"]["later"] = {"command": "later-mcp"}
    mcp.write_text(json.dumps(data, indent=2) + "\n")
    agents = sandbox.repo / "AGENTS.md"
    agents.write_text(agents.read_text() + "\n## Written later\n")
    assert gi("setup", "claude", "--remove").code == 0
    assert gi("setup", "agents-md", "--remove").code == 0
    assert json.loads(mcp.read_text()) == {"mcpServers": {"later": {"command": "later-mcp"}}}
    assert agents.read_text() == "\n## Written later\n"
    assert not (sandbox.repo / ".claude").exists()


def test_setup_updates_its_own_entry_in_place(sandbox, gi) -> None:
    """An entry of gi's with another command (gi moved) is replaced, not doubled."""
    path = sandbox.repo / ".cursor" / "mcp.json"
    path.parent.mkdir()
    path.write_text('{\n  "mcpServers": {\n    "gi": {"command": "/old/gi", "args": ["mcp"]},'
                    '\n    "x": {"command": "x"}\n  }\n}\n')
    r = gi("setup", "cursor", "--json")
    assert r.json["files"][0]["change"] == "updated"
    data = json.loads(path.read_text())
    assert list(data["mcpServers"]) == ["gi", "x"]
    assert data["mcpServers"]["gi"]["command"] != "/old/gi"
    hooks = sandbox.repo / ".claude" / "settings.json"
    hooks.parent.mkdir()
    hooks.write_text('{"hooks": {"SessionStart": [{"hooks": [{"type": "command", "command": '
                     '"/old/path/gi prime"}]}]}}\n')
    assert gi("setup", "claude").code == 0
    assert len(json.loads(hooks.read_text())["hooks"]["SessionStart"]) == 1


def test_setup_refuses_files_it_cannot_read_and_changes_nothing(sandbox, gi) -> None:
    broken = sandbox.repo / ".mcp.json"
    broken.write_text('{"mcpServers": {,}')
    r = gi("setup", "claude", "--json")
    assert r.code == 5 and r.err_json["error"]["file"] == ".mcp.json", r
    assert broken.read_text() == '{"mcpServers": {,}'
    assert not (sandbox.repo / ".claude").exists()
    toml = sandbox.repo / ".codex" / "config.toml"
    toml.parent.mkdir()
    toml.write_text('[mcp_servers.gi]\ncommand = "mine"\n')
    r = gi("setup", "codex")
    assert r.code == 4 and "[mcp_servers.gi]" in r.err, r
    assert toml.read_text() == '[mcp_servers.gi]\ncommand = "mine"\n'
    toml.write_text("not = [toml")
    assert gi("setup", "codex").code == 5
    odd = sandbox.repo / ".cursor" / "mcp.json"
    odd.parent.mkdir()
    odd.write_text('{"mcpServers": ["not", "an", "object"]}')
    r = gi("setup", "cursor")
    assert r.code == 5 and "mcpServers is not a JSON object" in r.err, r


def test_setup_outside_a_repository_and_a_mistyped_tool(sandbox, gi, run_gi) -> None:
    elsewhere = sandbox.base / "elsewhere"
    elsewhere.mkdir()
    assert run_gi("setup", "claude", cwd=elsewhere).code == 2
    r = gi("setup", "claud")
    assert r.code == 2 and "claude" in r.err, r


def test_setup_from_a_subdirectory_writes_at_the_top(sandbox, gi, run_gi) -> None:
    sub = sandbox.repo / "src" / "deep"
    sub.mkdir(parents=True)
    assert run_gi("setup", "codex", cwd=sub).code == 0
    assert (sandbox.repo / ".codex" / "config.toml").is_file()
    assert not (sub / ".codex").exists()


@pytest.mark.parametrize("tool", ["claude", "codex", "agents-md"])
def test_remove_in_another_clone_cuts_exactly_what_setup_added(sandbox, gi, tool) -> None:
    """Without gi's record of the file (a clone that got the files committed), --remove cuts
    gi's part out of the text, which gives back the same bytes too."""
    for name in FILES[tool]:
        path = sandbox.repo / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(EXISTING[name].encode())
    before = _snapshot(sandbox.repo, FILES[tool])
    assert gi("setup", tool).code == 0
    (sandbox.repo / ".git" / "issue-facade" / "setup.json").unlink()
    assert gi("setup", tool, "--remove").code == 0
    assert _snapshot(sandbox.repo, FILES[tool]) == before
