"""git's matcher, ported: `wildmatch(pattern, text)` is wildmatch.c's `dowild` with WM_PATHNAME
(what git's pathspecs and ignore files use), byte for byte, so a lease pattern means what it means
to git. The pre-commit guard matches paths with it; `patterns` builds its automata from the same
bracket reader and checks its answers against it in the tests."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

SLASH = ord("/")
ALL = (1 << 256) - 2  # every byte but NUL (no path holds one)
NOSLASH = ALL & ~(1 << SLASH)


def _mask(test: Callable[[int], bool]) -> int:
    return sum(1 << b for b in range(1, 256) if test(b))


def _ascii(chars: str) -> frozenset[int]:
    return frozenset(map(ord, chars))


_LOWER, _UPPER, _DIGIT = (_ascii("abcdefghijklmnopqrstuvwxyz"),
                          _ascii("ABCDEFGHIJKLMNOPQRSTUVWXYZ"), _ascii("0123456789"))
_SPACE = _ascii(" \t\n\r")  # git's own isspace (sane_ctype): no \v nor \f
_PUNCT = _ascii("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
# the character classes of wildmatch.c, ASCII only as git's sane_ctype has them
CLASSES: dict[bytes, Callable[[int], bool]] = {
    b"alnum": lambda c: c in _LOWER or c in _UPPER or c in _DIGIT,
    b"alpha": lambda c: c in _LOWER or c in _UPPER,
    b"blank": lambda c: c in (9, 32),
    b"cntrl": lambda c: c < 32 or c == 127,
    b"digit": lambda c: c in _DIGIT,
    b"graph": lambda c: 33 <= c <= 126,
    b"lower": lambda c: c in _LOWER,
    b"print": lambda c: 32 <= c <= 126,
    b"punct": lambda c: c in _PUNCT,
    b"space": lambda c: c in _SPACE,
    b"upper": lambda c: c in _UPPER,
    b"xdigit": lambda c: c in _DIGIT or c in _ascii("abcdefABCDEF"),
}


class BadPattern(ValueError):
    """A pattern git's matcher would abort on (an open bracket, a trailing backslash, an
    unknown [:class:]): refused rather than leased, since it could match nothing."""


def wildmatch(pattern: bytes, text: bytes) -> bool:
    """git's `wildmatch(pattern, text, WM_PATHNAME)`: `*`, `?` and `[...]` stop at `/`; `**`
    between slashes (or at either end) crosses them, `**/` also matching no folder at all."""
    return _dowild(pattern, 0, text, 0) == _MATCH


_MATCH, _NOMATCH, _ABORT_ALL, _ABORT_TO_STARSTAR = 0, 1, -1, -2
_GLOB_SPECIAL = frozenset(b"*?[\\")


def _dowild(p: bytes, pi: int, t: bytes, ti: int) -> int:  # noqa: C901 — as git's own
    start = pi
    while pi < len(p):
        p_ch = p[pi]
        t_ch = t[ti] if ti < len(t) else 0
        if t_ch == 0 and p_ch != 42:  # '*'
            return _ABORT_ALL
        if p_ch == 92:  # '\\': the next byte literally
            pi += 1
            if pi >= len(p) or t_ch != p[pi]:
                return _NOMATCH
        elif p_ch == 63:  # '?'
            if t_ch == SLASH:
                return _NOMATCH
        elif p_ch == 91:  # '['
            found, pi = bracket(p, pi, t_ch)
            if found is None:
                return _ABORT_ALL
            if not found or t_ch == SLASH:
                return _NOMATCH
        elif p_ch == 42:  # '*'
            pi += 1
            match_slash = False
            if pi < len(p) and p[pi] == 42:
                prev = pi - 2
                while pi < len(p) and p[pi] == 42:
                    pi += 1
                if (prev < start or p[prev] == SLASH) and (
                        pi == len(p) or p[pi] == SLASH
                        or (p[pi] == 92 and pi + 1 < len(p) and p[pi + 1] == SLASH)):
                    if pi < len(p) and p[pi] == SLASH and \
                            _dowild(p, pi + 1, t, ti) == _MATCH:
                        return _MATCH
                    match_slash = True
            if pi == len(p):
                return _MATCH if match_slash or SLASH not in t[ti:] else _NOMATCH
            if not match_slash and p[pi] == SLASH:
                slash = t.find(b"/", ti)
                if slash < 0:
                    return _NOMATCH
                pi, ti = pi + 1, slash + 1  # `*/` reads up to the next slash, and it
                continue
            while True:
                if ti >= len(t):
                    break
                if p[pi] not in _GLOB_SPECIAL:
                    want = p[pi]
                    while ti < len(t) and (match_slash or t[ti] != SLASH) and t[ti] != want:
                        ti += 1
                    if ti >= len(t) or t[ti] != want:
                        return _ABORT_ALL if match_slash else _ABORT_TO_STARSTAR
                matched = _dowild(p, pi, t, ti)
                if matched != _NOMATCH:
                    if not match_slash or matched != _ABORT_TO_STARSTAR:
                        return matched
                elif not match_slash and t[ti] == SLASH:
                    return _ABORT_TO_STARSTAR
                ti += 1
            return _ABORT_ALL
        elif t_ch != p_ch:
            return _NOMATCH
        pi += 1
        ti += 1
    return _MATCH if ti >= len(t) else _NOMATCH


def bracket(p: bytes, pi: int, t_ch: int) -> tuple[bool | None, int]:
    """A `[...]` at `pi`: (whether `t_ch` is in it, or None when the bracket is malformed; the
    index of its closing `]`). As wildmatch.c: `!` or `^` negates, `]` first is a member,
    `a-z` a range, `\\` escapes, `[:alpha:]` a class."""
    n = len(p)

    def at(k: int) -> int:
        return p[k] if k < n else 0

    pi += 1
    negated = at(pi) in (33, 94)  # '!' '^'
    if negated:
        pi += 1
    p_ch, prev_ch, matched = at(pi), 0, False
    while True:
        if not p_ch:
            return None, pi
        if p_ch == 92:
            pi += 1
            p_ch = at(pi)
            if not p_ch:
                return None, pi
            matched = matched or t_ch == p_ch
        elif p_ch == 45 and prev_ch and at(pi + 1) and at(pi + 1) != 93:  # a-z
            pi += 1
            p_ch = at(pi)
            if p_ch == 92:
                pi += 1
                p_ch = at(pi)
                if not p_ch:
                    return None, pi
            matched = matched or prev_ch <= t_ch <= p_ch
            p_ch = 0
        elif p_ch == 91 and at(pi + 1) == 58:  # [:class:]
            s = pi = pi + 2
            while at(pi) and at(pi) != 93:
                pi += 1
            if not at(pi):
                return None, pi
            if pi - s - 1 < 0 or p[pi - 1] != 58:
                pi, p_ch = s - 2, 91  # not a class: a plain '['
                matched = matched or t_ch == 91
                prev_ch = p_ch
                pi += 1
                p_ch = at(pi)
                if p_ch == 93:
                    break
                continue
            test = CLASSES.get(p[s:pi - 1])
            if test is None:
                return None, pi
            matched = matched or (bool(t_ch) and test(t_ch))
            p_ch = 0
        else:
            matched = matched or t_ch == p_ch
        prev_ch = p_ch
        pi += 1
        p_ch = at(pi)
        if p_ch == 93:
            break
    return matched != negated, pi


def bracket_mask(p: bytes, pi: int) -> tuple[int, int]:
    """The bytes a `[...]` at `pi` matches (never `/`), and the index of its `]`."""
    members = 0
    end = pi
    for b in range(1, 256):
        found, end = bracket(p, pi, b)
        if found is None:
            raise BadPattern(f"the bracket at byte {pi} of the pattern is not closed or "
                             "names an unknown [:class:]")
        if found:
            members |= 1 << b
    return members & NOSLASH, end
