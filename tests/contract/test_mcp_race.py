"""Four `gi mcp` servers (four agents, each its own process) drain 40 ready issues with
`claim {next: true}` at once: every issue is claimed exactly once."""

from __future__ import annotations

import anyio
from mcpclient import connect, jsonl, run, server_env

AGENTS = 4
ISSUES = 40


def test_four_servers_claiming_next_take_each_issue_exactly_once(sandbox) -> None:
    records = [{"id": f"gi-{n:06x}", "title": f"Task {n}"} for n in range(1, ISSUES + 1)]
    assert sandbox.gi("import", "-", input=jsonl(records)).code == 0
    taken: dict[str, list[str]] = {f"agent-{n}": [] for n in range(AGENTS)}
    endings: dict[str, dict] = {}

    async def body() -> None:
        connected = 0
        go = anyio.Event()  # the barrier: no claim before every server is up

        async def agent(name: str) -> None:
            nonlocal connected
            env = server_env(sandbox, drop=("GI_AGENT",))
            async with connect(sandbox, name, env=env) as s:
                connected += 1
                if connected == AGENTS:
                    go.set()
                await go.wait()
                while True:
                    error, doc, _ = await s.call("claim", {"next": True})
                    if error:
                        endings[name] = doc["error"]
                        return
                    taken[name].append(doc["issue"].split(" ", 1)[0])
                    assert doc["issue"].endswith(f"@{name}")

        async with anyio.create_task_group() as tg:
            for name in taken:
                tg.start_soon(agent, name)

    run(body)
    claimed = [i for ids in taken.values() for i in ids]
    assert sorted(claimed) == sorted(r["id"] for r in records), taken
    assert all(e["code"] == "not_found" and e["exit_code"] == 3 for e in endings.values())
    holders = {i["id"]: i["claim"]["agent"] for i in sandbox.gi("claims", "--json").json}
    assert holders == {i: name for name, ids in taken.items() for i in ids}
