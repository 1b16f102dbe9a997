"""`gi mcp` paging: the true total and a cursor that holds the last row's sort key, so paging
through a list gives every issue once, in the CLI's order, even while other processes write."""

from __future__ import annotations

from mcpclient import connect, jsonl, run


def _import(sandbox, count: int, **extra) -> list[str]:
    """`count` issues in one `gi import`, with priorities and creation times that tie often
    (the order then also rests on the tie-break)."""
    records = [{"id": f"gi-{n:06x}", "title": f"Issue {n}", "priority": n % 3,
                "created": f"2026-11-{1 + n % 7:02d}T10:00:00Z", **extra}
               for n in range(1, count + 1)]
    r = sandbox.gi("import", "-", input=jsonl(records))
    assert r.code == 0, r
    return [rec["id"] for rec in records]


def _ids(lines: list[str]) -> list[str]:
    return [line.split(" ", 1)[0] for line in lines]


async def _all_pages(s, tool: str, args: dict, limit: int) -> tuple[list[str], list[int]]:
    seen: list[str] = []
    totals = []
    cursor = None
    while True:
        page = await s.ok(tool, {**args, "limit": limit, **({"cursor": cursor} if cursor else {})})
        totals.append(page["total"])
        seen += _ids(page["issues"])
        cursor = page.get("cursor")
        if not cursor:
            return seen, totals
        assert len(page["issues"]) == limit


def test_paging_through_120_issues_gives_each_once_in_the_cli_order(sandbox) -> None:
    ids = _import(sandbox, 120)
    cli = [i["id"] for i in sandbox.gi("list", "--limit", "0", "--json").json]
    cli_oldest = [i["id"] for i in sandbox.gi("ready", "sort:created-asc", "--limit", "0",
                                              "--json").json]

    async def body() -> None:
        async with connect(sandbox) as s:
            seen, totals = await _all_pages(s, "list", {}, 25)
            assert seen == cli and sorted(seen) == sorted(ids)
            assert set(totals) == {120} and len(totals) == 5
            seen, _ = await _all_pages(s, "ready", {"query": "sort:created-asc"}, 50)
            assert seen == cli_oldest
            first = await s.ok("list", {"limit": 10})
            assert first["cursor"] and first["total"] == 120
            other = await s.err("list", {"query": "label:x", "cursor": first["cursor"]})
            assert other["code"] == "usage" and "cursor" in other["message"]
            lone = await s.ok("list", {"query": "Issue 7", "limit": 100})
            assert "cursor" not in lone and lone["total"] == len(lone["issues"])
    run(body)


def test_a_page_after_concurrent_writes_neither_repeats_nor_skips(sandbox) -> None:
    """Between pages the CLI creates issues that sort first, closes one already shown and one
    not yet shown: the rest of the walk still gives every other issue exactly once."""
    ids = _import(sandbox, 120)

    async def body() -> None:
        async with connect(sandbox) as s:
            page = await s.ok("list", {"limit": 30})
            shown = _ids(page["issues"])
            cursor = page["cursor"]
            later = [i for i in ids if i not in shown]
            for n in range(5):
                sandbox.create(f"Urgent {n}", "--priority", "0")
            assert sandbox.gi("close", shown[3]).code == 0
            assert sandbox.gi("close", later[-1]).code == 0
            rest = []
            total = None
            while cursor:
                page = await s.ok("list", {"limit": 30, "cursor": cursor})
                rest += _ids(page["issues"])
                cursor = page.get("cursor")
                total = page["total"]
            assert total == 120 + 5 - 2
            assert len(rest) == len(set(rest)) and not set(rest) & set(shown)
            assert sorted(rest) == sorted(later[:-1])
    run(body)


def test_log_pages_back_from_the_newest(sandbox) -> None:
    _import(sandbox, 40)
    for n in range(5):
        assert sandbox.gi("comment", "gi-000001", f"note {n}").code == 0

    async def body() -> None:
        async with connect(sandbox) as s:
            newest = await s.ok("log", {"limit": 5})
            assert newest["total"] == 45
            assert all("comment.added" in line for line in newest["events"])
            events, cursor = list(newest["events"]), newest["cursor"]
            while cursor:
                page = await s.ok("log", {"limit": 15, "cursor": cursor})
                events = page["events"] + events
                cursor = page.get("cursor")
            assert len(events) == 45 == len(set(events))
            assert sum("issue.created" in e for e in events) == 40
            one = await s.ok("log", {"id": "gi-000001", "limit": 2})
            assert one["total"] == 6 and len(one["events"]) == 2
    run(body)


def test_a_total_counts_a_claim_that_ran_out_since(sandbox) -> None:
    """Totals are reused while the store stays the same, but not past a claim's expiry: the
    issue it held is ready again, and counted."""
    import time
    from datetime import UTC, datetime, timedelta

    async def body() -> None:
        async with connect(sandbox) as s:
            soon = (datetime.now(UTC) + timedelta(seconds=10)).strftime("%Y-%m-%dT%H:%M:%SZ")
            claim = {"agent": "gone", "claimed_at": "2026-01-01T00:00:00Z",
                     "expires_at": soon}
            records = [{"id": f"gi-{n:06x}", "title": f"Issue {n}"} for n in (1, 2)]
            records.append({"id": "gi-000003", "title": "Held", "status": "in_progress",
                            "claim": claim, "assignees": ["gone"]})
            assert sandbox.gi("import", "-", input=jsonl(records)).code == 0
            first = await s.ok("ready", {"limit": 1})
            again = await s.ok("ready", {"limit": 1})
            assert first["total"] == again["total"] == 2
            deadline = time.monotonic() + 60
            while len(sandbox.gi("ready", "--json").json) < 3:  # the claim runs out
                assert time.monotonic() < deadline, "the claim never expired"
                time.sleep(0.2)
            assert (await s.ok("ready", {"limit": 1}))["total"] == 3
            assert (await s.ok("list", {"query": "claimed-by:none", "limit": 1}))["total"] == 3
    run(body)
