"""Old ids of imported issues (`links.beads`): the shape `ids.is_alias` accepts is exactly the
pattern below, so nothing path-like or option-like ever reaches a lookup, and `aliases_of`
reads only the tracker keys it knows."""

from __future__ import annotations

import re

from hypothesis import example, given, settings
from hypothesis import strategies as st

from gitissues import ids

ALIAS = r"[A-Za-z][A-Za-z0-9_.-]{0,99}"
_CHARS = "abzAZ09_.-/ \n\t#:\u0663\u00e9\x00~"


@settings(max_examples=1500, deadline=None)
@given(st.text(alphabet=st.sampled_from(_CHARS), max_size=110) | st.text(max_size=20))
@example("bd-a1b2")
@example("beads_rust-0v1.1.2")
@example("bd-..")
@example("-bd-1")
@example("a" * 99 + "-")
def test_alias_shape(s: str) -> None:
    want = bool(re.fullmatch(ALIAS, s)) and "-" in s and ".." not in s
    assert ids.is_alias(s) == want
    if ids.is_alias(s):
        assert "/" not in s and not s.startswith(("-", ".")) and s.isprintable()


def test_real_beads_ids_are_aliases() -> None:
    for bid in ("bd-a1b2", "bd-1dez.1", "beads_rust-07b", "bd-wisp-0385z", "bd-main-idj"):
        assert ids.is_alias(bid)
    for bad in ("../x", "bd", "bd-a/b", "bd-a..b", "", "-x", "bd-a b", "bd-\u0663"):
        assert not ids.is_alias(bad)


def test_aliases_of_reads_the_tracker_keys_only() -> None:
    assert ids.aliases_of({"beads": "bd-a1b2", "commits": []}) == ["bd-a1b2"]
    assert ids.aliases_of({"related": ["bd-a1b2"], "beads": ["bd-x-1"]}) == []
    assert ids.aliases_of({"beads": "../etc"}) == []
    assert ids.aliases_of(None) == [] and ids.aliases_of("bd-a1b2") == []
