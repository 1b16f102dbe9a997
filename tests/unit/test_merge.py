"""The three-way merge of one issue (gitissues.merge, SPEC §6), in-process: every field rule,
the strategies, and properties: the result does not depend on which side is "ours", and merging
a version with itself or with an unchanged base changes nothing."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gitissues.errors import UsageError
from gitissues.merge import check_strategy, merge_issues
from gitissues.model import Issue

T0, T1, T2, T3 = ("2026-01-01T00:00:00Z", "2026-01-01T01:00:00Z", "2026-01-01T02:00:00Z",
                  "2026-01-01T03:00:00Z")


def issue(**fields) -> Issue:
    data = {"id": "gi-abc123", "title": "Base", "author": "alice", "created": T0,
            "updated": T0, **fields}
    return Issue.from_dict(data, "gi-abc123.yaml")


def comment(cid: str, created: str, body: str, author: str = "alice") -> dict:
    return {"id": cid, "author": author, "created": created, "body": body}


def git_merge_text(base: str, ours: str, theirs: str) -> str | None:
    """git's line merge, as the store uses it; None where edits overlap."""
    with tempfile.TemporaryDirectory() as tmp:
        files = []
        for name, text in (("ours", ours), ("base", base), ("theirs", theirs)):
            f = Path(tmp) / name
            f.write_text(text)
            files.append(str(f))
        proc = subprocess.run(["git", "merge-file", "-p", *files], capture_output=True,
                              text=True, timeout=30)
    return proc.stdout if proc.returncode == 0 else None


def merge(base, ours, theirs, strategy="merge", text=git_merge_text):
    merged, conflicts = merge_issues(base, ours, theirs, strategy, text)
    return merged.to_dict(), [(c.field, c.kept, c.lost) for c in conflicts]


def both_ways(base, a, b, **kw):
    """Merge a into b and b into a: the result must be the same."""
    one, c1 = merge(base, a, b, **kw)
    two, c2 = merge(base, b, a, **kw)
    assert one == two
    assert sorted(map(repr, c1)) == sorted(map(repr, c2))
    return one, c1


# --- field rules -----------------------------------------------------------------------------


def test_a_field_changed_on_one_side_takes_that_side():
    base = issue(priority=2)
    a = issue(title="New title", updated=T1, priority=2)
    b = issue(priority=0, milestone="M1", updated=T2)
    got, conflicts = both_ways(base, a, b)
    assert (got["title"], got["priority"], got["milestone"]) == ("New title", 0, "M1")
    assert got["updated"] == T2
    assert conflicts == []


def test_a_scalar_changed_on_both_sides_goes_to_the_later_update():
    base = issue(priority=2)
    older = issue(title="Older", priority=1, updated=T1)
    newer = issue(title="Newer", priority=1, updated=T2)
    got, conflicts = both_ways(base, older, newer)
    assert got["title"] == "Newer"
    assert got["priority"] == 1  # the same change on both sides is no conflict
    assert conflicts == [("title", "Newer", "Older")]


def test_a_tie_on_updated_is_broken_the_same_way_on_both_sides():
    base = issue()
    a, b = issue(title="Apple", updated=T1), issue(title="Banana", updated=T1)
    got, conflicts = both_ways(base, a, b)
    assert got["title"] in ("Apple", "Banana")
    assert len(conflicts) == 1 and conflicts[0][0] == "title"


def test_sets_merge_the_adds_and_removes_of_both_sides():
    base = issue(labels=["keep", "drop-a", "drop-b", "both"], assignees=["x", "y"],
                 depends_on=["gi-000001", "gi-000002"],
                 links={"commits": ["a" * 40, "b" * 40]})
    a = issue(labels=["keep", "drop-b", "a-new", "shared"], assignees=["y", "alice"],
              depends_on=["gi-000002", "gi-000003"],
              links={"commits": ["a" * 40, "b" * 40, "c" * 40]}, updated=T1)
    b = issue(labels=["keep", "drop-a", "b-new", "shared"], assignees=["x", "y", "bob"],
              depends_on=["gi-000001", "gi-000002", "gi-000004"],
              links={"commits": ["b" * 40, "d" * 40]}, updated=T2)
    got, conflicts = both_ways(base, a, b)
    assert sorted(got["labels"]) == ["a-new", "b-new", "keep", "shared"]
    assert got["labels"].count("shared") == 1
    assert sorted(got["assignees"]) == ["alice", "bob", "y"]
    assert sorted(got["depends_on"]) == ["gi-000002", "gi-000003", "gi-000004"]
    assert sorted(got["links"]["commits"]) == ["b" * 40, "c" * 40, "d" * 40]
    assert conflicts == []


def test_comments_are_united_by_id_in_time_order():
    c0 = comment("c-0", T0, "base comment")
    base = issue(comments=[c0])
    a = issue(comments=[c0, comment("c-a1", T1, "alice"), comment("c-a3", T3, "alice later")],
              updated=T3)
    b = issue(comments=[c0, comment("c-b2", T2, "bob", "bob")], updated=T2)
    got, conflicts = both_ways(base, a, b)
    assert [c["id"] for c in got["comments"]] == ["c-0", "c-a1", "c-b2", "c-a3"]
    assert conflicts == []


def test_a_comment_deleted_on_one_side_stays_deleted_unless_edited_on_the_other():
    c1, c2 = comment("c-1", T0, "one"), comment("c-2", T0, "two")
    base = issue(comments=[c1, c2])
    a = issue(comments=[c2], updated=T1)  # deleted c-1
    b = issue(comments=[c1, {**c2, "body": "two, edited"}], updated=T2)
    got, _ = both_ways(base, a, b)
    assert [(c["id"], c["body"]) for c in got["comments"]] == [("c-2", "two, edited")]

    b2 = issue(comments=[{**c1, "body": "one, edited"}, c2], updated=T2)
    got, _ = both_ways(base, a, b2)
    assert ("c-1", "one, edited") in [(c["id"], c["body"]) for c in got["comments"]]


def test_body_edits_on_different_lines_are_both_kept():
    text = "one\ntwo\nthree\nfour\nfive\n"
    base = issue(body=text)
    a = issue(body=text.replace("one", "ONE"), updated=T1)
    b = issue(body=text.replace("five", "FIVE"), updated=T2)
    got, conflicts = both_ways(base, a, b)
    assert got["body"] == "ONE\ntwo\nthree\nfour\nFIVE\n"
    assert conflicts == []


def test_overlapping_body_edits_follow_the_scalar_rule():
    text = "one\ntwo\nthree\n"
    base = issue(body=text)
    a = issue(body=text.replace("two", "two by a"), updated=T1)
    b = issue(body=text.replace("two", "two by b"), updated=T2)
    got, conflicts = both_ways(base, a, b)
    assert got["body"] == text.replace("two", "two by b")
    assert conflicts == [("body", text.replace("two", "two by b"),
                          text.replace("two", "two by a"))]


def test_without_a_base_every_difference_is_a_both_sides_change():
    a = issue(title="A's", labels=["a"], updated=T1)
    b = issue(title="B's", labels=["b"], updated=T2)
    got, conflicts = both_ways(None, a, b)
    assert got["title"] == "B's"
    assert sorted(got["labels"]) == ["a", "b"]
    assert ("title", "B's", "A's") in conflicts


def test_a_close_on_one_side_keeps_the_other_sides_edits():
    base = issue(status="in_progress",
                 claim={"agent": "alice", "claimed_at": T0, "expires_at": T3})
    closed = issue(status="closed", closed=T1, updated=T1, claim=None)
    edited = issue(status="in_progress", labels=["later"], updated=T2,
                   claim={"agent": "alice", "claimed_at": T0, "expires_at": T3})
    got, _ = both_ways(base, closed, edited)
    assert got["status"] == "closed"
    assert got["closed"] == T1
    assert got["claim"] is None
    assert got["labels"] == ["later"]


def test_a_reopen_clears_closed():
    base = issue(status="closed", closed=T0)
    reopened = issue(status="open", updated=T1)
    labelled = issue(status="closed", closed=T0, labels=["x"], updated=T2)
    got, _ = both_ways(base, reopened, labelled)
    assert got["status"] == "open" and got["closed"] is None
    assert got["labels"] == ["x"]


def test_a_claim_is_one_value_never_a_mix_of_two():
    base = issue()
    a = issue(status="in_progress", updated=T1,
              claim={"agent": "alice", "claimed_at": T1, "expires_at": T2})
    b = issue(status="in_progress", updated=T2,
              claim={"agent": "bob", "claimed_at": T2, "expires_at": T3})
    got, conflicts = both_ways(base, a, b)
    assert got["claim"] == {"agent": "bob", "claimed_at": T2, "expires_at": T3}
    assert [c[0] for c in conflicts] == ["claim"]


def test_unknown_keys_and_nested_mappings_merge_key_by_key():
    base = issue(agent={"stage": "design"}, extra_key="base")
    a = issue(agent={"stage": "design", "progress": 0.5}, extra_key="base", mine=1, updated=T1)
    b = issue(agent={"stage": "review"}, extra_key="changed", updated=T2)
    got, conflicts = both_ways(base, a, b)
    assert got["agent"] == {"stage": "review", "progress": 0.5}
    assert got["extra_key"] == "changed"
    assert got["mine"] == 1
    assert conflicts == []


# --- strategies ------------------------------------------------------------------------------


def test_strategies_ours_theirs_newer():
    base = issue(priority=2)
    ours = issue(title="Ours (older)", labels=["o"], updated=T1)
    theirs = issue(title="Theirs (newer)", priority=4, updated=T2)

    got, conflicts = merge(base, ours, theirs, "ours")
    assert got["title"] == "Ours (older)" and got["priority"] == 4 and got["labels"] == ["o"]
    assert conflicts == [("title", "Ours (older)", "Theirs (newer)")]

    got, conflicts = merge(base, ours, theirs, "theirs")
    assert got["title"] == "Theirs (newer)" and got["labels"] == ["o"]

    got, _ = merge(base, ours, theirs, "newer")
    assert got["title"] == "Theirs (newer)"
    got, _ = merge(base, theirs, ours, "newer")
    assert got["title"] == "Theirs (newer)"


@pytest.mark.parametrize("good", [None, "merge", "ours", "theirs", "newer", "command:prog x"])
def test_valid_strategies(good):
    assert check_strategy(good) == (good or "merge")


@pytest.mark.parametrize("bad", ["best", "command:", "OURS"])
def test_invalid_strategies_are_usage_errors(bad):
    with pytest.raises(UsageError):
        check_strategy(bad)


# --- properties ------------------------------------------------------------------------------

LABELS = ["a", "b", "c", "d"]
TIMES = [T1, T2, T3]


@st.composite
def side(draw, base: dict) -> dict:
    """A version of `base` after some edits on one side."""
    d = dict(base)
    if draw(st.booleans()):
        d["title"] = draw(st.sampled_from(["Base", "X", "Y"]))
    if draw(st.booleans()):
        d["priority"] = draw(st.integers(0, 4))
    if draw(st.booleans()):
        d["status"] = draw(st.sampled_from(["open", "blocked", "closed"]))
        d["closed"] = T1 if d["status"] == "closed" else None
    d["labels"] = draw(st.lists(st.sampled_from(LABELS), unique=True))
    d["assignees"] = draw(st.lists(st.sampled_from(["al", "bo"]), unique=True))
    own = draw(st.lists(st.tuples(st.integers(0, 9999), st.sampled_from(TIMES)), max_size=2,
                        unique_by=lambda x: x[0]))
    d["comments"] = [c for c in base["comments"] if draw(st.booleans())] + [
        comment(f"c-{n:04d}", t, "x") for n, t in sorted(own, key=lambda x: (x[1], x[0]))]
    if draw(st.booleans()):
        d["body"] = draw(st.sampled_from(["b1\n", "b2\n", "b1\nb2\n"]))
    d["updated"] = draw(st.sampled_from(TIMES))
    return d


@st.composite
def triples(draw):
    base = {"id": "gi-abc123", "title": "Base", "author": "al", "created": T0, "updated": T0,
            "labels": draw(st.lists(st.sampled_from(LABELS), unique=True)),
            "comments": [comment("c-base", T0, "base")], "body": "b0\n"}
    return (Issue.from_dict(base, "base"), Issue.from_dict(draw(side(base)), "ours"),
            Issue.from_dict(draw(side(base)), "theirs"))


def _no_text_merge(base: str, ours: str, theirs: str) -> None:
    return None


@settings(max_examples=300, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(triples())
def test_the_merge_does_not_depend_on_which_side_is_ours(t):
    base, a, b = t
    got, _ = both_ways(base, a, b, text=_no_text_merge)
    base_d, a_d, b_d = base.to_dict(), a.to_dict(), b.to_dict()
    # nothing added on either side is lost
    for label in set(a_d["labels"]) | set(b_d["labels"]):
        if label not in base_d["labels"]:
            assert label in got["labels"]
    base_ids = {c["id"] for c in base_d["comments"]}
    for c in a_d["comments"] + b_d["comments"]:
        if c["id"] not in base_ids:
            assert c["id"] in {x["id"] for x in got["comments"]}
    assert got["updated"] == max(a_d["updated"], b_d["updated"])
    assert (got["status"] == "closed") == (got["closed"] is not None)


def _as_sets(d: dict) -> dict:
    """Sets compare without their order."""
    return {**d, **{k: sorted(d[k]) for k in ("labels", "assignees", "depends_on")}}


@settings(max_examples=150, deadline=None, derandomize=True)
@given(triples())
def test_merging_with_itself_or_an_untouched_side_changes_nothing(t):
    base, a, _ = t
    same, conflicts = merge(base, a, a, text=_no_text_merge)
    assert _as_sets(same) == _as_sets(a.to_dict()) and conflicts == []
    if a.updated >= base.updated:
        got, conflicts = merge(base, base, a, text=_no_text_merge)
        assert _as_sets(got) == _as_sets(a.to_dict()) and conflicts == []
