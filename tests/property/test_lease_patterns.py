"""Property: two path leases conflict exactly when some file path matches both patterns.

The decision procedure (`patterns.witness`, a product of automata) is checked both ways against
brute force with `wildmatch`, a separate port of git's matcher (itself checked against git in
tests/unit/test_lease_wildmatch.py): every path of up to 6 bytes over {a, b, c, /} that both
patterns match makes `conflict` true (complete), and whenever `conflict` is true its witness is
a file path that both patterns match (sound), whatever its length."""

from __future__ import annotations

import itertools
from functools import cache

from hypothesis import example, given, settings
from hypothesis import strategies as st

from gitissues.leases.patterns import PATH, can_match, conflict, witness
from gitissues.leases.wildmatch import wildmatch

PIECES = ["a", "b", "c", "/", "*", "**", "?", "[ab]", "[!a]", "[a-b]", "[^b]", "[]a]", "**/",
          "/**", "/**/", "\\a", "\\*", "[[:alpha:]]"]
patterns = st.lists(st.sampled_from(PIECES), min_size=1, max_size=6).map("".join)


@cache
def _paths() -> tuple[bytes, ...]:
    """Every file path of 1 to 6 bytes over a, b, c and /."""
    out = []
    for n in range(1, 7):
        for t in itertools.product(b"abc/", repeat=n):
            p = bytes(t)
            if not (p.startswith(b"/") or p.endswith(b"/") or b"//" in p):
                out.append(p)
    return tuple(out)


@cache
def _matched(pattern: bytes) -> frozenset[bytes]:
    return frozenset(p for p in _paths() if wildmatch(pattern, p))


def _valid_path(p: bytes) -> bool:
    return bool(p) and not p.startswith(b"/") and not p.endswith(b"/") and b"//" not in p \
        and b"\0" not in p


@settings(max_examples=400, deadline=None)
@given(patterns, patterns)
@example("src/auth/**", "src/*")  # src/auth would have to be a file and a folder
@example("src/auth/**", "src/**/*.py")
@example("**/x", "x")
@example("a/**/b", "a/b")
@example("*.py", "a/*.py")
@example("a*", "*b")
@example("[!a]", "a")
def test_conflict_iff_a_common_path_exists(a: str, b: str) -> None:
    pa, pb = a.encode(), b.encode()
    common = _matched(pa) & _matched(pb)
    found = witness(pa, pb)
    if common:
        assert found is not None, (a, b, sorted(common)[:3])
    if found is not None:
        assert _valid_path(found), (a, b, found)
        assert wildmatch(pa, found) and wildmatch(pb, found), (a, b, found)
    assert conflict(PATH + a, PATH + b) == (found is not None)
    assert conflict(PATH + a, PATH + b) == conflict(PATH + b, PATH + a)


@settings(max_examples=200, deadline=None)
@given(patterns)
def test_a_pattern_matches_some_path_iff_can_match(a: str) -> None:
    pa = a.encode()
    if _matched(pa):
        assert can_match(pa)
    found = witness(pa, pa)
    assert (found is not None) == can_match(pa)
    if found is not None:
        assert _valid_path(found) and wildmatch(pa, found)


def test_names_meet_only_themselves_and_never_a_path() -> None:
    assert conflict("db-migration", "db-migration")
    assert not conflict("db-migration", "db-migrations")
    assert not conflict("src/auth", "path:src/auth")
    assert not conflict("path:**", "anything")


def test_overlapping_and_disjoint_patterns() -> None:
    overlapping = [("src/auth/**", "src/auth/login.py"), ("src/**", "**/*.py"),
                   ("src/*/x.py", "src/auth/*"), ("**", "docs/a.md"), ("src/[a-c]*", "src/b?")]
    disjoint = [("src/auth/**", "src/billing/**"), ("*.py", "*.md"), ("src/*", "src/a/*"),
                ("docs/**", "src/**"), ("src/[a-c]*", "src/[!a-c]*"), ("a/**/b", "a/**/c")]
    for a, b in overlapping:
        assert conflict(PATH + a, PATH + b), (a, b)
    for a, b in disjoint:
        assert not conflict(PATH + a, PATH + b), (a, b)
