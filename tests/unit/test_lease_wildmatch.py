"""`gitissues.leases.wildmatch` is git's matcher: for 60 patterns (fixed ones and a seeded random
sample over the characters that matter), the paths it matches among every path of up to 5
bytes over {a, b, /} are the ones real `git ls-files -- ':(glob)PATTERN'` lists.

Only patterns a lease accepts are compared: a pathspec adds things of its own, which leases
refuse (a leading `/`, `//`, a trailing `/`, and a `**` that is not a whole part of the path,
which a pathspec reads anew after its literal start). A pathspec also covers what lies below a
path it matches (a folder): those paths are left out."""

from __future__ import annotations

import itertools
import random
import subprocess

from gitissues.errors import UsageError
from gitissues.leases.patterns import PATH, check_resource
from gitissues.leases.wildmatch import wildmatch

PIECES = ["a", "b", "/", "*", "**", "?", "[ab]", "[!a]", "\\a", "[a-b]", "**/", "/**",
          "[^b/]", "[]a]", "[[:alpha:]]", "[[:digit:]a]", "[a-]"]
FIXED = ["**", "a/**", "**/b", "a/**/b", "*", "*/*", "a*", "*b", "?", "??/a", "a/**/**",
         "[!a]*", "a/*/b", "\\*", "[[:alpha:]]/a"]


def _paths() -> list[str]:
    out = []
    for n in range(1, 6):
        for t in itertools.product("ab/", repeat=n):
            p = "".join(t)
            if not (p.startswith("/") or p.endswith("/") or "//" in p):
                out.append(p)
    return out


def _groups(paths: list[str]) -> list[list[str]]:
    """Sets of paths an index can hold together (no path is a folder of another)."""
    out: list[list[str]] = []
    for p in paths:
        for g in out:
            if all(not (q.startswith(p + "/") or p.startswith(q + "/")) for q in g):
                g.append(p)
                break
        else:
            out.append([p])
    return out


def _leasable(pattern: str) -> bool:
    try:
        check_resource(PATH + pattern)
    except UsageError:
        return False
    return True


def _patterns() -> list[str]:
    rnd = random.Random(15)
    out = list(FIXED)
    while len(out) < 60:
        p = "".join(rnd.choice(PIECES) for _ in range(rnd.randint(1, 5)))
        if p not in out and _leasable(p):
            out.append(p)
    return out


def test_wildmatch_agrees_with_git(tmp_path, sandbox):
    paths = _paths()
    blob = sandbox.git("hash-object", "-w", "--stdin", input="x\n")
    indexes = []
    for k, group in enumerate(_groups(paths)):
        env = {"GIT_INDEX_FILE": str(tmp_path / f"index-{k}")}
        sandbox.git("update-index", "--add", "--index-info", env=env,
                    input="".join(f"100644 {blob}\t{p}\n" for p in group))
        indexes.append(env)
    for pattern in _patterns():
        listed: set[str] = set()
        for env in indexes:
            out = sandbox.git("ls-files", "-z", "--", f":(glob){pattern}", env=env)
            listed |= {p for p in out.split("\0") if p}
        mine = {p for p in paths if wildmatch(pattern.encode(), p.encode())}
        below = {p for p in listed - mine if any(p.startswith(q + "/") for q in mine)}
        assert listed - below == mine, (pattern, sorted(listed - below - mine)[:5],
                                        sorted(mine - listed)[:5])


def test_git_examples():
    """Cases from git's own t3070-wildmatch that concern WM_PATHNAME."""
    yes = [("foo/**/bar", "foo/bar"), ("foo/**/bar", "foo/baz/bar"), ("**/foo", "foo"),
           ("**/foo", "XXX/foo"), ("foo/**", "foo/bar/baz"), ("*/foo", "bar/foo"),
           ("[[:alpha:]][[:digit:]][[:upper:]]", "a1B"), ("a[]]b", "a]b"),
           ("[\\-^]", "^"), ("**/*a*b*g*n*t", "abcd/abcdefg/abcdefghijk/abcdefghijklmnop.txt")]
    no = [("foo/*", "foo/bar/baz"), ("*/foo", "bar/baz/foo"), ("foo?bar", "foo/bar"),
          ("foo[/]bar", "foo/bar"), ("f[^eiu][^eiu][^eiu][^eiu][^eiu]r", "foo/bar"),
          ("**/foo", "foo/bar"), ("a[", "a["), ("\\", "\\")]
    for pattern, text in yes:
        assert wildmatch(pattern.encode(), text.encode()), (pattern, text)
    for pattern, text in no:
        assert not wildmatch(pattern.encode(), text.encode()), (pattern, text)
    assert not subprocess.run(["git", "--version"], capture_output=True).returncode
