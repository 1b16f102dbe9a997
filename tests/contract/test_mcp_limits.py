"""`gi mcp` stays small in an agent's context: all tool descriptions and schemas within 2,500
tokens, and no answer over ~8k tokens (32,000 characters) whatever the store holds."""

from __future__ import annotations

import json

from mcpclient import connect, jsonl, run

TOKEN_BUDGET = 2_500  # tokens, counted as characters / 4
ANSWER_LIMIT = 32_000  # characters of one tool result's text


def test_tool_descriptions_and_schemas_fit_the_token_budget(sandbox) -> None:
    async def body() -> int:
        async with connect(sandbox) as s:
            tools = (await s.client.list_tools()).tools
            return sum(len(json.dumps({"name": t.name, "description": t.description,
                                       "inputSchema": t.input_schema}, ensure_ascii=False))
                       for t in tools)

    chars = run(body)
    assert chars / 4 <= TOKEN_BUDGET, f"{chars / 4:.0f} tokens > {TOKEN_BUDGET}"


def _huge_issue() -> dict:
    """An issue file near the 1 MiB bound: a long body, hundreds of comments, many labels."""
    return {"id": "gi-0b1600", "title": "Huge " + "x" * 300,
            "body": "Line of a very long description.\n" * 15_000,
            "labels": [f"label-{n}" for n in range(400)],
            "comments": [{"id": f"c-{n:06x}", "author": "someone",
                          "created": "2026-11-01T00:00:00Z", "body": "comment text " * 60}
                         for n in range(300)]}


def test_no_answer_exceeds_the_limit_however_large_the_issue(sandbox) -> None:
    huge = _huge_issue()
    r = sandbox.gi("import", "-", input=jsonl([huge]))
    assert r.code == 0, r

    async def body() -> None:
        async with connect(sandbox) as s:
            compact = await s.call("show", {"id": huge["id"]})
            full = await s.call("show", {"id": huge["id"], "full": True})
            for error, _doc, text in (compact, full):
                assert not error and len(text) <= ANSWER_LIMIT, len(text)
            c, f = compact[1], full[1]
            assert len(c["body"]) <= 2_000 and len(c["comments"]) == 3
            assert len(c["labels"]) == 50 and len(full[2]) > len(compact[2])
            assert len(f["body"]) >= 8_000  # the body keeps the larger share
            assert any(n.startswith("body:") for n in c["notes"])
            assert f["comments"][-1]["id"] == "c-00012b"  # the newest comments are kept
            assert any(huge["id"] in n and n.startswith("the whole issue is in")
                       for n in f["notes"])
            assert (sandbox.repo / f["file"]).is_file()
            listed = await s.call("list", {"limit": 100})
            assert len(listed[2]) <= ANSWER_LIMIT
            assert len(listed[1]["issues"][0]) < 200
    run(body)


def test_no_list_exceeds_the_limit_in_a_large_store(sandbox) -> None:
    """1,500 issues with long titles and long holder names, many blockers each, long edits in
    the log: the longest page of every list tool still fits."""
    long = "word " * 60
    records = [{"id": f"gi-{n:06x}", "title": f"{n} {long}", "priority": 1,
                "depends_on": [f"gi-{m:06x}" for m in range(1, 41)] if n > 40 else [],
                "claim": {"agent": "agent-" + "z" * 150, "claimed_at": "2026-01-01T00:00:00Z",
                          "expires_at": "2999-01-01T00:00:00Z"} if n % 2 else None,
                "status": "in_progress" if n % 2 else "open"}
               for n in range(1, 1_501)]
    r = sandbox.gi("import", "-", input=jsonl(records))
    assert r.code == 0, r
    for n in range(3):
        assert sandbox.gi("edit", "gi-000002", "--body", f"{n} " + "long text " * 3_000).code == 0

    async def body() -> None:
        async with connect(sandbox) as s:
            for tool in ("list", "ready", "blocked", "log"):
                error, doc, text = await s.call(tool, {"limit": 100})
                assert not error and len(text) <= ANSWER_LIMIT, (tool, len(text))
                assert doc["total"] > 0
            blocked = await s.ok("blocked", {"limit": 1})
            assert blocked["total"] == 1_460 and "<- gi-000001" in blocked["issues"][0]
    run(body)
