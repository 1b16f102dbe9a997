"""The derived index is never stale and loses nothing (SPEC §1: derived files are disposable)."""

from __future__ import annotations

from pathlib import Path


def _ids(sb, *query: str) -> list[str]:
    r = sb.gi("list", "--limit", "0", *query, "--json")
    assert r.code == 0, r
    return sorted(i["id"] for i in r.json)


def test_index_follows_ref_moves(sandbox):
    sb = sandbox
    a = sb.create("First version of A")
    c1 = sb.store_tip()
    assert sb.gi("edit", a, "--title", "Second version of A").code == 0
    b = sb.create("B exists later")
    c3 = sb.store_tip()
    assert _ids(sb) == sorted([a, b])

    # as `git reset` on the store branch would
    sb.git("update-ref", "refs/heads/issue-facade", c1)
    assert _ids(sb) == [a]
    assert sb.show(a)["title"] == "First version of A"
    r = sb.gi("show", b)
    assert r.code == 3, r

    sb.git("update-ref", "refs/heads/issue-facade", c3)
    assert sb.show(a)["title"] == "Second version of A"
    assert _ids(sb) == sorted([a, b])
    assert sb.show(b)["title"] == "B exists later"

    # a write after moving back builds on the moved ref, not on the index's idea of it
    sb.git("update-ref", "refs/heads/issue-facade", c1)
    assert sb.gi("comment", a, "after the reset").code == 0
    assert sb.git("rev-parse", "refs/heads/issue-facade~1") == c1
    doc = sb.show(a)
    assert doc["title"] == "First version of A"
    assert [c["body"] for c in doc["comments"]] == ["after the reset"]


def test_index_follows_unrelated_history(sandbox):
    """The ref pointed at a commit with no relation to what the index saw."""
    sb = sandbox
    a = sb.create("In the old history")
    old = sb.store_tip()
    sb.git("update-ref", "-d", "refs/heads/issue-facade")
    b = sb.create("In a brand new history")
    assert _ids(sb) == [b]
    sb.git("update-ref", "refs/heads/issue-facade", old)
    assert _ids(sb) == [a]


def _index_files(repo: Path) -> list[Path]:
    return [p for p in (repo / ".git").rglob("*.sqlite*") if p.is_file()]


def test_deleting_the_index_loses_nothing(sandbox):
    sb = sandbox
    created = sorted(sb.create(f"Issue {n}") for n in range(3))
    assert sb.gi("close", created[0]).code == 0
    files = _index_files(sb.repo)
    assert files, "the index should live under .git"
    assert not list(sb.repo.glob("*.sqlite*"))
    for f in files:
        f.unlink()
    assert _ids(sb, "is:closed") == [created[0]]
    assert _ids(sb) == created[1:]
    assert sb.show(created[1])["title"] in {"Issue 0", "Issue 1", "Issue 2"}


def test_reindex_reports_count(sandbox):
    sb = sandbox
    for n in range(3):
        sb.create(f"Issue {n}")
    r = sb.gi("reindex", "--json")
    assert r.code == 0, r
    doc = r.json
    assert isinstance(doc, dict)
    assert doc.get("issues", doc.get("count")) == 3, doc
    assert len(_ids(sb)) == 3


def test_tree_mode_hand_edits_are_seen(sandbox):
    sb = sandbox
    assert sb.gi("init", "--mode", "tree").code == 0
    a = sb.create("Title AAAA")
    path = sb.repo / sb.show(a)["path"]
    text = path.read_text()
    assert "Title AAAA" in text
    # same length: a change of size alone must not be what the index watches
    path.write_text(text.replace("Title AAAA", "Title BBBB"))
    assert sb.show(a)["title"] == "Title BBBB"

    # a file added by hand is an issue; a file removed by hand is gone
    new = sb.repo / ".issue-facade" / "issues" / "fe" / "gi-fedcba.yaml"
    new.parent.mkdir(parents=True, exist_ok=True)
    new.write_text("id: gi-fedcba\ntitle: Dropped in by an agent\n")
    assert _ids(sb) == sorted([a, "gi-fedcba"])
    assert sb.show("gi-fedcba")["title"] == "Dropped in by an agent"
    path.unlink()
    assert _ids(sb) == ["gi-fedcba"]
    assert sb.gi("show", a).code == 3


def test_an_issue_updated_in_place_answers_as_a_rebuilt_index_does(sandbox):
    """A write updates its issue's index rows in place and rewrites only the parts that changed
    (labels, assignees, dependencies, the full text): every query answers as it does from an
    index rebuilt from the store."""
    sb = sandbox
    a = sb.create("Parser crashes on tabs", "--label", "bug", "--assignee", "alice")
    b = sb.create("Tokenizer cleanup")
    steps = [("edit", a, "--add-label", "ui"), ("edit", a, "--remove-label", "bug"),
             ("edit", a, "--assign", "bob"), ("edit", a, "--unassign", "alice"),
             ("dep", "add", a, b), ("edit", a, "--priority", "0", "--status", "in_progress"),
             ("edit", a, "--title", "Lexer crashes on tabs"), ("comment", a, "zebra stripes"),
             ("edit", a, "--body", "giraffe necks"), ("claim", a), ("release", a),
             ("edit", a, "--add-label", "ui")]  # (no change: nothing written)
    queries = [(), ("label:ui",), ("label:bug",), ("assignee:bob",), ("assignee:alice",),
               ("is:blocked",), ("is:ready",), ("priority:0",), ("status:in_progress",),
               ("lexer",), ("parser",), ("zebra",), ("giraffe",), ("tokenizer",)]
    for step in steps:
        assert sb.gi(*step).code == 0, step
    seen = {q: _ids(sb, *q) for q in queries}
    assert seen[("lexer",)] == seen[("zebra",)] == seen[("giraffe",)] == [a]
    assert seen[("parser",)] == seen[("label:bug",)] == seen[("assignee:alice",)] == []
    assert seen[("label:ui",)] == seen[("assignee:bob",)] == seen[("is:blocked",)] == [a]
    assert sb.gi("reindex").code == 0
    assert {q: _ids(sb, *q) for q in queries} == seen
