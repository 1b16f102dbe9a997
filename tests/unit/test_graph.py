"""gitissues.graph: cycles, blocked issues, children progress, agent progress, pictures."""

from __future__ import annotations

import pytest

from gitissues import cycles, graph
from gitissues.errors import Conflict, NotFound, UsageError
from gitissues.store import open_store


@pytest.fixture
def store(sandbox, monkeypatch):
    for key, value in sandbox.env.items():
        monkeypatch.setenv(key, value)
    return open_store(sandbox.repo)


def make(store, *titles: str) -> list[str]:
    return [store.create(t).id for t in titles]


# --- the pure cycle search -----------------------------------------------------------------------

def test_cycle_of_length_one():
    assert cycles.cycle_path({}, "a", "a") == ["a", "a"]


def test_cycle_of_length_two():
    assert cycles.cycle_path({"b": ["a"]}, "a", "b") == ["a", "b", "a"]


def test_cycle_of_length_five_is_named_in_order():
    deps = {"b": ["c"], "c": ["d"], "d": ["e"], "e": ["a"]}
    assert cycles.cycle_path(deps, "a", "b") == ["a", "b", "c", "d", "e", "a"]


def test_diamond_is_no_cycle():
    deps = {"a": ["b", "c"], "b": ["d"], "c": ["d"]}
    assert cycles.cycle_path(deps, "a", "d") is None
    assert cycles.cycle_path(deps, "b", "c") is None


def test_the_shortest_cycle_is_named():
    deps = {"b": ["c", "a"], "c": ["a"]}
    assert cycles.cycle_path(deps, "a", "b") == ["a", "b", "a"]


# --- dependencies through the store --------------------------------------------------------------

def test_dep_add_is_one_commit_and_idempotent(store, sandbox):
    a, b = make(store, "A", "B")
    n = sandbox.store_commits()
    assert store.dep_add(a, b).depends_on == [b]
    assert sandbox.store_commits() == n + 1
    assert "Gi-Op: dep.add" in sandbox.git("log", "-1", "--format=%B", sandbox.STORE_REF)
    store.dep_add(a, b)
    assert sandbox.store_commits() == n + 1


@pytest.mark.parametrize("length", [1, 2, 5])
def test_cycles_are_refused_and_nothing_is_written(store, sandbox, length):
    ids = make(store, *[f"I{k}" for k in range(length)])
    for k in range(length - 1):
        store.dep_add(ids[k], ids[k + 1])
    n = sandbox.store_commits()
    with pytest.raises(Conflict) as err:
        store.dep_add(ids[-1], ids[0])
    expected = [ids[-1], *ids[: length - 1], ids[-1]] if length > 1 else [ids[0], ids[0]]
    assert err.value.details["cycle"] == expected
    assert " → ".join(expected) in err.value.message
    assert sandbox.store_commits() == n


def test_dep_rm(store):
    a, b = make(store, "A", "B")
    store.dep_add(a, b)
    assert store.dep_rm(a, b).depends_on == []
    with pytest.raises(NotFound):
        store.dep_rm(a, b)


def test_dep_add_unknown_issue_is_not_found(store):
    (a,) = make(store, "A")
    with pytest.raises(NotFound):
        store.dep_add(a, "gi-ffffff")


# --- blocked ------------------------------------------------------------------------------------

def test_blocked_chain_diamond_and_closed_blockers(store):
    top, left, right, bottom, done, free = make(store, "top", "left", "right", "bottom",
                                                "done", "free")
    for a, b in ((top, left), (top, right), (left, bottom), (right, bottom), (free, done)):
        store.dep_add(a, b)
    store.close(done)
    got = {i.id: [b.id for b in bs] for i, bs in store.blocked()}
    assert got == {top: [left, right], left: [bottom], right: [bottom]}
    ready = {i.id for i in store.ready().issues}
    assert ready == {bottom, free}
    store.close(bottom)
    assert {i.id for i, _ in store.blocked()} == {top}
    assert {i.id for i in store.ready().issues} == {left, right, free}


def test_blocked_takes_a_query_and_a_limit(store):
    a, b, c = make(store, "A", "B", "C")
    store.dep_add(a, c)
    store.dep_add(b, c)
    store.edit(a, add_labels=["x"])
    assert [i.id for i, _ in store.blocked("label:x")] == [a]
    assert len(store.blocked((), limit=1)) == 1


# --- children, progress, tree, pictures ---------------------------------------------------------

def test_children_progress(store):
    epic = store.create("Epic", type="epic").id
    kids = [store.create(f"kid {k}", parent=epic).id for k in range(3)]
    assert graph.children_progress(store, epic) == (0, 3)
    store.close(kids[0])
    assert graph.children_progress(store, epic) == (1, 3)
    assert graph.children_progress(store, kids[1]) == (0, 0)


def test_progress_sets_keeps_and_validates(store, sandbox):
    (a,) = make(store, "A")
    store.edit(a, set_fields={"agent.model": "m1"})
    n = sandbox.store_commits()
    issue = store.progress(a, 0.25, "design", ["analysis"])
    assert issue.agent == {"model": "m1", "progress": 0.25, "stage": "design",
                           "checkpoints": ["analysis"]}
    assert sandbox.store_commits() == n + 1
    issue = store.progress(a, None, None, ["analysis", "design", "design"])
    assert issue.agent["checkpoints"] == ["analysis", "design"]
    assert [i.id for i in store.list("stage:design").issues] == [a]
    for bad in (-0.1, 1.5, float("nan")):
        with pytest.raises(UsageError):
            store.progress(a, bad)


def test_tree_both_directions(store):
    a, b, c, d = make(store, "A", "B", "C", "D")
    store.dep_add(a, b)
    store.dep_add(b, c)
    store.dep_add(d, a)
    t = graph.tree(store, a)
    assert [n["id"] for n in t["depends_on"]] == [b]
    assert [n["id"] for n in t["depends_on"][0]["children"]] == [c]
    assert [n["id"] for n in t["needed_by"]] == [d]
    text = graph.render_tree(t)
    assert text.splitlines()[0].startswith(f"{a}  [open]  A")
    assert all(x in text for x in (b, c, d, "depends on", "needed by"))


def test_tree_expands_a_shared_dependency_once(store):
    top, left, right, bottom, deeper = make(store, "top", "left", "right", "bottom", "deeper")
    for a, b in ((top, left), (top, right), (left, bottom), (right, bottom), (bottom, deeper)):
        store.dep_add(a, b)
    t = graph.tree(store, top)
    first, second = (n["children"][0] for n in t["depends_on"])
    assert first["id"] == second["id"] == bottom
    assert [n["id"] for n in first["children"]] == [deeper] and "repeated" not in first
    assert second["repeated"] is True and second["children"] == []
    assert "(see above)" in graph.render_tree(t)


def test_pictures(store):
    a, b, c = make(store, "A \"quoted\"", "B", "C")
    store.dep_add(a, b)
    store.close(c)
    dot = graph.picture(store, (), "dot")
    assert dot.startswith("digraph issues {") and dot.rstrip().endswith("}")
    assert f'"{a}" -> "{b}";' in dot and '\\"quoted\\"' in dot and c not in dot
    mermaid = graph.picture(store, (), "mermaid")
    assert mermaid.startswith("graph TD")
    assert f"{a.replace('-', '_')} --> {b.replace('-', '_')}" in mermaid
