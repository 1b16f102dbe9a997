"""Start-up: what a command loads, and what it leaves behind (issue: CLI start-up time).

Agents run `gi` thousands of times, one process each, so most of a command's time is the
interpreter starting and importing. These tests run a command in a fresh interpreter and check
that it did not import what it does not need (pathlib and what it drags in, locale, typing, the
git object and ref writers on a read, the sync and merge modules on a local write, …). They run
with `-S` (no site-packages: an editable install's import hook itself imports pathlib) and the
package from its own directory, so they see only what `gi` imports.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import gitissues

PACKAGE_ROOT = str(Path(gitissues.__file__).resolve().parent.parent)
# Imported by any command of gi's before this work, never needed by the ones tested here.
NEVER = {
    "pathlib", "ntpath", "urllib.parse", "ipaddress", "fnmatch", "locale", "typing", "copy",
    "weakref", "contextlib", "datetime", "sqlite3", "sqlite3.dbapi2", "importlib", "random",
    "ruamel.yaml", "pygit2", "filelock", "httpx", "dataclasses", "inspect",
}
# `gi mcp` alone loads the MCP SDK (~1 s of imports) and the server built on it. (These runs
# have no site-packages, so a command that imported the SDK would fail outright, too.)
MCP = {"mcp", "mcp_types", "anyio", "pydantic", "starlette", "gitissues.mcp",
       "gitissues.mcp.server", "gitissues.mcp.tools"}
GIT_WRITING = {"gitissues.git.objects", "gitissues.git.packs", "gitissues.git.commits",
               "gitissues.git.refs", "gitissues.git.gitconfig", "gitissues.store.branch_read"}
# A local write needs none of these: git's config files are parsed only to decide whether to
# create a reflog (the committer comes from git's own answer, kept by `git.user_config`).
WRITE_NEVER = {"gitissues.git.gitconfig"}
MERGING = {"gitissues.sync", "gitissues.merge", "gitissues.storemerge", "gitissues.claimmerge",
           "gitissues.git.transport", "gitissues.git.history"}


def imported_by(sb, *args: str) -> set[str]:
    """The modules `gi ARGS…` imports, run in a fresh interpreter (the command must succeed)."""
    code = "import sys; from gitissues.cli import main; sys.exit(main())"
    env = {**sb.env, "PYTHONPATH": PACKAGE_ROOT}
    proc = subprocess.run([sys.executable, "-S", "-X", "importtime", "-c", code, *args],
                          cwd=sb.repo, env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    lines = [x for x in proc.stderr.splitlines() if x.startswith("import time:")]
    return {line.rsplit("|", 1)[1].strip() for line in lines[1:]}


@pytest.fixture
def store(sandbox):
    """A store with one issue, written twice (so git's user.name is cached, as on every write
    after the first: the first asks `git config`)."""
    issue = sandbox.create("Login crashes", "--label", "auth")
    assert sandbox.gi("edit", issue, "--priority", "1").code == 0
    return sandbox, issue


@pytest.mark.parametrize("command", [["show", "{id}"], ["show", "{id}", "--json"],
                                     ["list", "label:auth", "--limit", "20"],
                                     ["ready", "--limit", "5"]])
def test_a_read_loads_no_writer_and_no_heavy_module(store, command):
    sb, issue = store
    loaded = imported_by(sb, *(w.format(id=issue) for w in command))
    assert "gitissues.store.index" in loaded  # (the check sees gi's own imports)
    assert not loaded & (NEVER | GIT_WRITING | MERGING | MCP | {"gitissues.config",
                                                               "subprocess"})


@pytest.mark.parametrize("command", [["edit", "{id}", "--add-label", "ui"],
                                     ["comment", "{id}", "seen"], ["create", "Another"],
                                     ["claim", "{id}"], ["progress", "{id}", "--progress", "0.5"]])
def test_a_local_write_loads_no_merge_code_and_no_heavy_module(store, command):
    sb, issue = store
    loaded = imported_by(sb, *(w.format(id=issue) for w in command))
    assert "gitissues.git.refs" in loaded
    assert not loaded & (NEVER | MERGING | WRITE_NEVER | MCP | {"gitissues.config",
                                                               "subprocess"})


@pytest.mark.parametrize("command", [["prime"], ["setup", "agents-md"], ["help"],
                                     ["help", "mcp"]])
def test_the_agent_commands_do_not_load_the_mcp_sdk(store, command):
    """Only `gi mcp` pays for the SDK: not the start-up hook's `gi prime`, not `gi setup`."""
    sb, _ = store
    loaded = imported_by(sb, *command)
    assert not loaded & MCP, loaded & MCP


def test_a_command_leaves_the_index_folded_and_closed(store):
    """The index's connection is closed when the command is done (its WAL folded back and
    removed), although `gi` skips the garbage collector's pass at exit."""
    sb, issue = store
    folder = sb.repo / ".git" / "issue-facade"
    for args in (("edit", issue, "--add-label", "x"), ("show", issue), ("list",)):
        assert sb.gi(*args).code == 0
        assert not (folder / "index-branch.sqlite-wal").exists(), args
        assert not (folder / "index-branch.sqlite-shm").exists(), args


def test_argparse_messages_still_pass_through_gettext(store, tmp_path):
    """argparse's messages are looked up in gettext's catalogue once per process, not once per
    message: a catalogue that exists is still used."""
    sb, _ = store
    catalogue = tmp_path / "locale" / "xx" / "LC_MESSAGES"
    catalogue.mkdir(parents=True)
    _write_mo(catalogue / "messages.mo", {"show this help message and exit": "HELP-IN-XX"})
    code = ("import gettext, sys; gettext.bindtextdomain('messages', sys.argv[1]); "
            "from gitissues.cli import main; sys.argv[1:2] = []; sys.exit(main())")
    env = {**sb.env, "PYTHONPATH": PACKAGE_ROOT, "LANGUAGE": "xx"}
    proc = subprocess.run([sys.executable, "-S", "-c", code, str(tmp_path / "locale"),
                           "show", "--help"], cwd=sb.repo, env=env, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "HELP-IN-XX" in proc.stdout


def _write_mo(path: Path, messages: dict[str, str]) -> None:
    """A GNU .mo catalogue (little-endian, no hash table)."""
    import struct

    keys = sorted(messages)
    ids = b"".join(k.encode() + b"\0" for k in keys)
    strs = b"".join(messages[k].encode() + b"\0" for k in keys)
    start = 7 * 4 + 16 * len(keys)
    offsets, pos = [], 0
    for k in keys:
        offsets.append((len(k.encode()), start + pos))
        pos += len(k.encode()) + 1
    values, pos = [], 0
    for k in keys:
        values.append((len(messages[k].encode()), start + len(ids) + pos))
        pos += len(messages[k].encode()) + 1
    header = struct.pack("<7I", 0x950412DE, 0, len(keys), 28, 28 + 8 * len(keys), 0, 0)
    table = b"".join(struct.pack("<2I", *o) for o in offsets + values)
    path.write_bytes(header + table + ids + strs)
    assert os.path.getsize(path) > 0
