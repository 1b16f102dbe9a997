"""`gi mcp` (SPEC §3): an MCP session over stdio with the official SDK's client, against the
real `gi mcp` subprocess — initialize, tools/list, every tool, errors as results, identity, and
reads that see what other processes wrote."""

from __future__ import annotations

import json
import subprocess
import threading

import pytest
from mcp.shared.exceptions import MCPError
from mcpclient import connect, run, server_env

import gitissues

SPEC_TOOLS = ["ready", "claim", "release", "extend", "show", "list", "create", "edit",
              "comment", "close", "progress", "dep_add", "dep_rm", "blocked", "log", "sync"]


def test_initialize_names_the_server_and_lists_every_tool(sandbox) -> None:
    async def body() -> None:
        async with connect(sandbox) as s:
            info = s.client.server_info
            assert info is not None and info.name == "gi"
            assert info.version == gitissues.__version__
            assert "claim" in (s.client.instructions or "")
            tools = (await s.client.list_tools()).tools
            assert [t.name for t in tools] == SPEC_TOOLS
            for t in tools:
                assert t.description and t.input_schema["type"] == "object", t.name
            claim = next(t for t in tools if t.name == "claim")
            assert set(claim.input_schema["properties"]) == {"id", "next", "query", "ttl"}
    run(body)


def test_every_tool_in_one_session(sandbox, git) -> None:
    remote = sandbox.base / "remote.git"
    git("init", "-q", "--bare", str(remote))
    git("remote", "add", "origin", str(remote))

    async def body() -> None:
        async with connect(sandbox) as s:
            a = await s.ok("create", {"title": "Login crashes", "body": "On empty password.",
                                      "type": "bug", "priority": 1, "label": ["auth"]})
            b = await s.ok("create", {"title": "Write the schema", "depends_on": [a["id"]]})
            assert a["issue"] == f"{a['id']} open P1 Login crashes"
            shown = await s.ok("show", {"id": a["id"][3:7]})
            assert shown["body"] == "On empty password." and shown["labels"] == ["auth"]
            assert shown["type"] == "bug" and "claim" not in shown
            assert (sandbox.repo / shown["file"]).is_file()
            full = await s.ok("show", {"id": a["id"], "full": True})
            assert full["path"] and full["author"] == "tester" and "links" in full
            listed = await s.ok("list", {"query": "label:auth"})
            assert listed == {"total": 1, "issues": [a["issue"]]}
            ready = await s.ok("ready")
            assert ready["total"] == 1 and ready["issues"][0].startswith(a["id"])
            blocked = await s.ok("blocked")
            assert blocked["issues"] == [f"{b['id']} open P2 Write the schema <- {a['id']}"]
            claimed = await s.ok("claim", {"id": a["id"], "ttl": "1h"})
            assert claimed["issue"].endswith("@tester") and claimed["expires_at"]
            extended = await s.ok("extend", {"id": a["id"], "ttl": "2h"})
            assert extended["expires_at"] > claimed["expires_at"]
            progress = await s.ok("progress", {"id": a["id"], "progress": 0.5,
                                               "stage": "fix", "checkpoint": ["repro"]})
            assert progress["agent"] == {"progress": 0.5, "stage": "fix",
                                         "checkpoints": ["repro"]}
            commented = await s.ok("comment", {"id": a["id"], "text": "Found it."})
            assert commented["comment"].startswith("c-")
            edited = await s.ok("edit", {"id": a["id"], "add_label": ["ui"],
                                         "set": {"agent.note": "x"}})
            assert edited["issue"].startswith(a["id"])
            assert (await s.ok("dep_rm", {"id": b["id"], "depends_on": a["id"]}))["issue"]
            assert (await s.ok("blocked"))["total"] == 0
            assert (await s.ok("dep_add", {"id": b["id"], "depends_on": a["id"]}))["issue"]
            released = await s.ok("release", {"id": a["id"]})
            assert released["issue"] == f"{a['id']} open P1 Login crashes"
            nxt = await s.ok("claim", {"next": True, "query": "label:auth priority:1"})
            assert nxt["issue"].startswith(a["id"])
            closed = await s.ok("close", {"id": a["id"], "reason": "fixed"})
            assert closed["issue"].startswith(f"{a['id']} closed")
            again = await s.ok("close", {"id": a["id"]})
            assert again["changed"] is False
            log = await s.ok("log", {"id": a["id"]})
            kinds = [line.split(" ")[3] for line in log["events"]]
            assert kinds[0] == "issue.created" and "claim.acquired" in kinds
            assert "status.changed" in kinds and log["total"] == len(log["events"])
            synced = await s.ok("sync")
            assert synced
    run(body)
    cli = sandbox.show(sandbox.gi("list", "is:closed", "--json").json[0]["id"])
    assert cli["labels"] == ["auth", "ui"] and cli["agent"]["note"] == "x"
    assert sandbox.git("ls-remote", str(remote), "refs/heads/issue-facade")


def test_errors_are_results_with_the_exit_code_and_the_server_lives_on(sandbox) -> None:
    issue = sandbox.create("Held elsewhere")
    r = sandbox.gi("claim", issue, env={"GI_AGENT": "other-agent"})
    assert r.code == 0, r

    async def body() -> None:
        async with connect(sandbox) as s:
            held = await s.err("claim", {"id": issue})
            assert held["code"] == "conflict" and held["exit_code"] == 4
            assert held["holder"] == "other-agent" and "other-agent" in held["message"]
            missing = await s.err("show", {"id": "gi-abcdef"})
            assert (missing["code"], missing["exit_code"]) == ("not_found", 3)
            for tool, args, word in [
                ("show", {"id": 7}, "string"), ("list", {"limit": "ten"}, "integer"),
                ("list", {"limit": 0}, "between"), ("create", {"title": "x", "bogus": 1},
                                                    "bogus"),
                ("create", {"title": "x", "label": "one"}, "array"),
                ("edit", {"id": issue, "status": "done"}, "one of"),
                ("claim", {}, "id"), ("comment", {"id": issue}, "text"),
                ("show", {"id": "-rf"}, "id"), ("list", {"query": "nosuch:x"}, "nosuch"),
                ("list", {"cursor": "garbage!"}, "cursor"),
                ("log", {"since": "yesterday-ish"}, "since"),
            ]:
                error = await s.err(tool, args)
                assert (error["code"], error["exit_code"]) == ("usage", 2), (tool, error)
                assert word in error["message"], (tool, error)
            with pytest.raises(MCPError, match="unknown tool 'nope'"):
                await s.client.call_tool("nope", {})
            assert (await s.ok("list"))["total"] == 1  # still serving
            assert "Traceback" not in s.stderr()
    run(body)


def test_outside_a_repository_every_call_is_a_usage_error(sandbox) -> None:
    elsewhere = sandbox.base / "not-a-repo"
    elsewhere.mkdir()

    async def body() -> None:
        async with connect(sandbox, cwd=elsewhere) as s:
            error = await s.err("list")
            assert error["exit_code"] == 2 and "not a git repository" in error["message"]
    run(body)


def test_reads_see_what_other_processes_wrote(sandbox, git) -> None:
    """One long-lived server: the CLI writes, another agent claims, the branch is reset as a
    pull would move it — each shows on the very next call."""
    first = sandbox.create("First")

    async def body() -> None:
        async with connect(sandbox) as s:
            assert (await s.ok("list"))["total"] == 1
            before = sandbox.store_tip()
            second = sandbox.create("Second", "--priority", "0")
            listed = await s.ok("list")
            assert listed["total"] == 2 and listed["issues"][0].startswith(second)
            assert sandbox.gi("edit", first, "--title", "First, renamed").code == 0
            assert (await s.ok("show", {"id": first}))["title"] == "First, renamed"
            assert sandbox.gi("claim", second, env={"GI_AGENT": "rival"}).code == 0
            held = await s.err("claim", {"id": second})
            assert held["holder"] == "rival"
            assert (await s.ok("ready"))["total"] == 1
            git("update-ref", "refs/heads/issue-facade", before)  # as a reset or a pull would
            listed = await s.ok("list")
            assert listed["total"] == 1 and listed["issues"] == [f"{first} open P2 First"]
    run(body)


def test_tree_mode_hand_edits_show_at_once(sandbox) -> None:
    assert sandbox.gi("init", "--mode", "tree").code == 0
    issue = sandbox.create("Tree issue")

    async def body() -> None:
        async with connect(sandbox) as s:
            shown = await s.ok("show", {"id": issue})
            path = sandbox.repo / shown["file"]
            assert shown["file"].startswith(".issue-facade/issues/") and path.is_file()
            path.write_text(path.read_text().replace("title: Tree issue",
                                                     "title: Edited by hand"))
            assert (await s.ok("show", {"id": issue}))["title"] == "Edited by hand"
            created = await s.ok("create", {"title": "From MCP"})
            assert sandbox.show(created["id"])["title"] == "From MCP"
    run(body)


@pytest.mark.parametrize("mode", ["legacy", "auto"])
def test_identity_is_the_client_name_after_agent_id_and_before_git_user(sandbox, mode) -> None:
    """SPEC §7 with the MCP client's name: GI_AGENT > agent.id > client name > user.name."""
    issue = sandbox.create("Who am I")

    async def holder(name: str, **env: str) -> str:
        async with connect(sandbox, name, mode=mode,
                           env=server_env(sandbox, drop=("GI_AGENT",), **env)) as s:
            claimed = await s.ok("claim", {"id": issue})
            await s.ok("release", {"id": issue})
            return claimed["issue"].rsplit("@", 1)[1]

    async def body() -> None:
        assert await holder("claude-code") == "claude-code"
        assert await holder("") == "Test User"  # no client name: git's user.name
        assert await holder("claude-code", GI_AGENT="env-agent") == "env-agent"
        assert sandbox.gi("config", "set", "agent.id", "repo-agent").code == 0
        assert await holder("claude-code") == "repo-agent"
    run(body)
    actors = {e["actor"] for e in sandbox.gi("log", issue, "--json").json}
    assert {"claude-code", "Test User", "env-agent", "repo-agent"} <= actors


def test_a_setting_changed_during_a_session_counts_at_once(sandbox) -> None:
    issue = sandbox.create("Mine")

    async def body() -> None:
        async with connect(sandbox, "cursor", env=server_env(sandbox, drop=("GI_AGENT",))) as s:
            assert (await s.ok("claim", {"id": issue}))["issue"].endswith("@cursor")
            await s.ok("release", {"id": issue})
            assert sandbox.gi("config", "set", "agent.id", "named-later").code == 0
            assert (await s.ok("claim", {"id": issue}))["issue"].endswith("@named-later")
            mine = await s.ok("list", {"query": "assignee:me"})
            assert mine["total"] == 1
    run(body)


def test_garbage_on_the_wire_does_not_end_the_server(sandbox) -> None:
    """Below the SDK's client: raw JSON-RPC lines, some of them nonsense, each request
    answered before the next is sent."""
    sandbox.create("Still here")
    proc = subprocess.Popen([sandbox.gi_path, "mcp"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=sandbox.repo, env=sandbox.env)
    assert proc.stdin and proc.stdout
    watchdog = threading.Timer(120, proc.kill)  # a hung server fails the test, never hangs it
    watchdog.start()

    def send(message: object) -> None:
        proc.stdin.write((message if isinstance(message, str) else json.dumps(message)) + "\n")
        proc.stdin.flush()

    def answer(request_id: int, method: str, params: object = None) -> dict:
        send({"jsonrpc": "2.0", "id": request_id, "method": method,
              **({} if params is None else {"params": params})})
        while True:
            line = proc.stdout.readline()
            assert line, "the server closed its output"
            message = json.loads(line)
            if message.get("id") == request_id:
                return message

    try:
        init = answer(1, "initialize", {"protocolVersion": "2025-06-18", "capabilities": {},
                                        "clientInfo": {"name": "raw", "version": "0"}})
        assert init["result"]["serverInfo"]["name"] == "gi"
        send({"jsonrpc": "2.0", "method": "notifications/initialized"})
        send("this is not JSON")
        send('{"jsonrpc": "2.0", "id": 99, "method": "tools/call", "params": {"name": ')
        assert "error" in answer(2, "tools/call", {"name": "list", "arguments": "no object"})
        assert "error" in answer(3, "tools/call", {})
        assert "error" in answer(4, "no/such/method")
        bad = answer(5, "tools/call", {"name": "show", "arguments": {"id": None}})
        assert bad["result"]["isError"] is True
        last = answer(6, "tools/call", {"name": "list", "arguments": {}})
        doc = json.loads(last["result"]["content"][0]["text"])
        assert doc["total"] == 1 and doc["issues"][0].endswith("open P2 Still here")
    finally:
        proc.stdin.close()
        proc.wait(timeout=60)
        watchdog.cancel()
        err = proc.stderr.read() if proc.stderr else ""
        proc.stdout.close()
        if proc.stderr:
            proc.stderr.close()
    assert proc.returncode == 0, err
    assert "Traceback" not in err
