"""The edge-by-edge merge of dependencies across a bridge (`gitissues.bridges.links`)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from gitissues.bridges.links import agreed, merged

edges = st.sets(st.sampled_from("abcdef"))


def test_a_change_on_one_side_wins_and_the_first_time_joins():
    assert merged({"a", "b"}, {"a", "b", "c"}, {"a"}) == {"a", "c"}  # c added here, b gone there
    assert merged(None, {"a"}, {"b"}) == {"a", "b"}
    assert merged({"a"}, set(), set()) == set()


@given(edges, edges, edges)
def test_merge_keeps_what_neither_side_changed_and_takes_every_change(base, mine, theirs):
    out = merged(base, mine, theirs)
    for x in base | mine | theirs:
        if x in mine and x in theirs:
            assert x in out
        if x not in mine and x not in theirs:
            assert x not in out
        if (x in mine) == (x in base):  # only the other side moved it (or nobody)
            assert (x in out) == (x in theirs)


@given(edges, edges, edges)
def test_agreed_is_what_both_hold_else_the_old_base(base, a, b):
    out = agreed(base, a, b)
    assert a & b <= out and out <= a | b | base
    assert agreed(base, a, a) == a
