"""`gi dep add|rm|tree`, `gi ready`, `gi blocked`, `gi graph` (SPEC §3, issue 4)."""

from __future__ import annotations

import pytest


def ok(sb, *args: str):
    r = sb.gi(*args)
    assert r.code == 0, r
    return r


def ids_of(sb, *args: str) -> list[str]:
    return [i["id"] for i in ok(sb, *args, "--json").json]


# --- dep add / rm -------------------------------------------------------------------------------

def test_dep_add_and_rm(sandbox):
    sb = sandbox
    a, b = sb.create("A"), sb.create("B")
    n = sb.store_commits()
    r = ok(sb, "dep", "add", a, b)
    assert a in r.out and b in r.out
    assert sb.show(a)["depends_on"] == [b]
    assert sb.store_commits() == n + 1
    r = ok(sb, "dep", "rm", a, b, "--json")
    assert r.json["id"] == a and r.json["depends_on"] == []
    r = sb.gi("dep", "rm", a, b, "--json")
    assert r.code == 3, r
    assert r.err_json["error"]["code"] == "not_found"


def test_dep_add_accepts_prefixes_and_rejects_unknown_ids(sandbox):
    sb = sandbox
    a, b = sb.create("A"), sb.create("B")
    ok(sb, "dep", "add", a.split("-")[1][:5], b)
    assert sb.show(a)["depends_on"] == [b]
    assert sb.gi("dep", "add", a, "gi-ffffff").code == 3
    assert sb.gi("dep", "add", a).code == 2
    assert sb.gi("dep", "tree", a, b).code == 2
    assert sb.gi("dep", "link", a, b).code == 2


@pytest.mark.parametrize("length", [1, 2, 5])
def test_a_cycle_is_refused_and_named(sandbox, length):
    sb = sandbox
    ids = [sb.create(f"I{k}") for k in range(length)]
    for k in range(length - 1):
        ok(sb, "dep", "add", ids[k], ids[k + 1])
    n = sb.store_commits()
    r = sb.gi("dep", "add", ids[-1], ids[0])
    assert r.code == 4, r
    cycle = [ids[-1], *ids[: length - 1], ids[-1]] if length > 1 else [ids[0]] * 2
    assert " → ".join(cycle) in r.err
    r = sb.gi("dep", "add", ids[-1], ids[0], "--json")
    assert r.code == 4 and r.err_json["error"]["code"] == "conflict"
    assert r.err_json["error"]["cycle"] == cycle
    assert sb.store_commits() == n
    assert sb.show(ids[-1])["depends_on"] == []


def test_racing_opposite_edges_never_leave_a_cycle(sandbox):
    """`dep add A B` and `dep add B A` at once: the store never keeps both, and each command's
    exit code says whether its edge stayed."""
    import subprocess

    sb = sandbox
    a, b = sb.create("A"), sb.create("B")
    for _ in range(3):
        procs = [subprocess.Popen([sb.gi_path, "dep", "add", x, y], cwd=sb.repo, env=sb.env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                 for x, y in ((a, b), (b, a))]
        codes = [p.wait(timeout=60) for p in procs]
        assert set(codes) <= {0, 4}, codes
        kept = [b in sb.show(a)["depends_on"], a in sb.show(b)["depends_on"]]
        assert kept == [c == 0 for c in codes]
        assert kept != [True, True]
        for x, y in ((a, b), (b, a)):
            sb.gi("dep", "rm", x, y)


# --- ready / blocked ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def work(make_sandbox):
    """top → left, right → bottom (a diamond); chain c1 → c2 → c3; free → done (closed)."""
    sb = make_sandbox("graph")
    names = ["top", "left", "right", "bottom", "c1", "c2", "c3", "free", "done"]
    sb.ids = {n: sb.create(n, "--priority", "1" if n == "c3" else "2") for n in names}
    for a, b in (("top", "left"), ("top", "right"), ("left", "bottom"), ("right", "bottom"),
                 ("c1", "c2"), ("c2", "c3"), ("free", "done")):
        ok(sb, "dep", "add", sb.ids[a], sb.ids[b])
    ok(sb, "close", sb.ids["done"])
    sb.names = {v: k for k, v in sb.ids.items()}
    return sb


def names(sb, *args: str) -> set[str]:
    return {sb.names[i] for i in ids_of(sb, *args)}


def test_ready_across_chains_diamonds_and_closed_blockers(work):
    assert names(work, "ready") == {"bottom", "c3", "free"}
    first = ids_of(work, "ready", "--limit", "1")
    assert [work.names[i] for i in first] == ["c3"]  # priority first


def test_blocked_lists_what_blocks_each_issue(work):
    r = ok(work, "blocked", "--json")
    got = {work.names[i["id"]]: [work.names[x] for x in i["blocked_by"]] for i in r.json}
    assert got == {"top": ["left", "right"], "left": ["bottom"], "right": ["bottom"],
                   "c1": ["c2"], "c2": ["c3"]}
    assert all("title" in i and "path" in i for i in r.json)
    text = ok(work, "blocked").out
    top_line = next(n for n, line in enumerate(text.splitlines()) if work.ids["top"] in line
                    and "blocked by" not in line)
    after = text.splitlines()[top_line + 1: top_line + 3]
    assert [work.ids["left"] in after[0], work.ids["right"] in after[1]] == [True, True]


def test_blocked_limit_says_when_cut(work):
    r = ok(work, "blocked", "--limit", "2", "--json")
    assert len(r.json) == 2
    assert "--limit" in r.err


def test_closing_a_blocker_unblocks(sandbox):
    sb = sandbox
    a, b, c = sb.create("A"), sb.create("B"), sb.create("C")
    ok(sb, "dep", "add", a, b)
    ok(sb, "dep", "add", a, c)
    ok(sb, "close", b)
    assert ids_of(sb, "blocked") == [a]
    assert a not in ids_of(sb, "ready")
    ok(sb, "close", c)
    assert ids_of(sb, "blocked") == []
    assert a in ids_of(sb, "ready")


# --- tree, epics, pictures ----------------------------------------------------------------------

def test_dep_tree_both_directions_and_epic_progress(sandbox):
    sb = sandbox
    epic = sb.create("Epic", "--type", "epic")
    k1 = sb.create("Kid one", "--parent", epic)
    k2 = sb.create("Kid two", "--parent", epic)
    ok(sb, "dep", "add", k1, k2)
    ok(sb, "dep", "add", epic, k1)
    ok(sb, "close", k2)
    text = ok(sb, "dep", "tree", k1).out
    lines = text.splitlines()
    assert lines[0].startswith(k1) and "[open]" in lines[0]
    assert any(k2 in x and "[closed]" in x for x in lines)
    assert text.index("depends on") < text.index(k2) < text.index("needed by") < text.index(epic)
    tree = ok(sb, "dep", "tree", epic, "--json").json
    assert tree["id"] == epic
    assert tree["depends_on"][0]["id"] == k1
    assert tree["depends_on"][0]["children"][0]["id"] == k2
    assert tree["progress"] == {"closed": 1, "total": 2}
    assert {c["id"] for c in tree["children"]} == {k1, k2}
    assert "1/2 closed" in ok(sb, "dep", "tree", epic).out


def test_graph_dot_and_mermaid(sandbox):
    sb = sandbox
    a, b, c = sb.create("Alpha"), sb.create("Beta"), sb.create("Gamma")
    ok(sb, "dep", "add", a, b)
    ok(sb, "close", b)
    dot = ok(sb, "graph").out
    assert dot.startswith("digraph issues {") and dot.rstrip().endswith("}")
    assert f'"{a}" -> "{b}";' in dot and "Alpha" in dot and "Beta" in dot and c in dot
    only = ok(sb, "graph", "Alpha").out  # a query narrows it, direct dependencies stay
    assert b in only and c not in only
    mermaid = ok(sb, "graph", "--format", "mermaid").out
    assert mermaid.startswith("graph TD")
    assert f"{a.replace('-', '_')} --> {b.replace('-', '_')}" in mermaid
    assert sb.gi("graph", "--format", "png").code == 2
