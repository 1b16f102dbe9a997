"""Lease resources (SPEC §12): a name (`db-migration`) or a path pattern (`path:src/auth/**`) in
git's wildmatch with WM_PATHNAME, and the question every lease asks: can two resources meet?

Two names meet when they are equal; a name and a path never meet; two path patterns meet when
some file path matches both. That last question has an exact answer: each pattern is a finite
automaton over bytes, and so is "a file path" (non-empty segments between single slashes), so
the patterns meet exactly when the product of the three automata reaches an accepting state.
The search also yields a witness path, which the tests check with `wildmatch`, a separate port
of git's own matcher (wildmatch.c `dowild`), the one the pre-commit guard matches paths with.
"""

from __future__ import annotations

from functools import lru_cache

from gitissues.errors import UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

PATH = "path:"
MAX_NAME = 256
MAX_PATTERN = 1024
_NAME_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._/:-")
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


# --- resources ------------------------------------------------------------------------------

def is_path(resource: str) -> bool:
    return resource.startswith(PATH)


def check_resource(resource: str) -> str:
    """`resource` if it is a valid name or path pattern, else a usage error saying why."""
    if not isinstance(resource, str) or not resource:
        raise UsageError("a lease needs a resource: a name (db-migration) or path:PATTERN")
    if not is_path(resource):
        if len(resource) > MAX_NAME or not _NAME_CHARS.issuperset(resource) or (
                resource.startswith("-")):
            raise UsageError(f"invalid resource {resource!r}: a name is letters, digits and "
                             f". - _ / : (not starting with -; at most {MAX_NAME}), or "
                             "path:PATTERN for files", resource=resource)
        return resource
    pattern = resource[len(PATH):]
    raw = pattern.encode("utf-8", "surrogateescape")
    why = ""
    if not pattern:
        why = "the pattern is empty"
    elif len(raw) > MAX_PATTERN:
        why = f"the pattern is longer than {MAX_PATTERN} bytes"
    elif any(b < 32 or b == 127 for b in raw):
        why = "the pattern holds a control character"
    elif pattern.startswith(("/", "./")) or "//" in pattern:
        why = ("a pattern is a path from the top of the repository (no leading / or ./, "
               "no //)")
    elif _stray_double_star(raw):
        why = ("** must be a whole part of the path (src/**, **/x.py, src/**/x.py); "
               "within a name use *")
    else:
        try:
            if not can_match(raw):
                why = "no file path can match it"
        except BadPattern as exc:
            why = str(exc)
    if why:
        raise UsageError(f"invalid resource {resource!r}: {why}", resource=resource)
    return resource


def _stray_double_star(p: bytes) -> bool:
    """A `**` with more than `/` beside it (`src**`, `**.py`): wildmatch reads it as `*`,
    but git's own pathspecs and ignore files match their literal start first and then read
    the rest anew (`src/a**/x` matches `src/ab/c/x` there), so such a pattern is refused."""
    i, n = 0, len(p)
    while i < n:
        if p[i] == 92:  # '\\'
            i += 2
            continue
        if p[i] == 42:
            j = i
            while j < n and p[j] == 42:
                j += 1
            if j - i >= 2 and not ((i == 0 or p[i - 1] == SLASH) and (j == n or p[j] == SLASH)):
                return True
            i = j
            continue
        i += 1
    return False


def conflict(a: str, b: str) -> bool:
    """Whether leases on resources `a` and `b` exclude each other."""
    if is_path(a) != is_path(b):
        return False
    if not is_path(a):
        return a == b
    return witness(a[len(PATH):].encode("utf-8", "surrogateescape"),
                   b[len(PATH):].encode("utf-8", "surrogateescape")) is not None


def matches(resource: str, path: str | bytes) -> bool:
    """Whether a path lease covers the file `path` (a name covers no file)."""
    if not is_path(resource):
        return False
    raw = path if isinstance(path, bytes) else path.encode("utf-8", "surrogateescape")
    return wildmatch(resource[len(PATH):].encode("utf-8", "surrogateescape"), raw)


# --- git's matcher, ported ------------------------------------------------------------------

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
            found, pi = _bracket(p, pi, t_ch)
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


def _bracket(p: bytes, pi: int, t_ch: int) -> tuple[bool | None, int]:
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


def _bracket_mask(p: bytes, pi: int) -> tuple[int, int]:
    """The bytes a `[...]` at `pi` matches (never `/`), and the index of its `]`."""
    members = 0
    end = pi
    for b in range(1, 256):
        found, end = _bracket(p, pi, b)
        if found is None:
            raise BadPattern(f"the bracket at byte {pi} of the pattern is not closed or "
                             "names an unknown [:class:]")
        if found:
            members |= 1 << b
    return members & NOSLASH, end


# --- the pattern as an automaton --------------------------------------------------------------

class Automaton:
    """A pattern as an NFA over bytes: `moves[s]` are (byte mask, next state), `free[s]` the
    states reached without reading, `final` the accepting state."""

    def __init__(self, pattern: bytes) -> None:
        self.moves: list[list[tuple[int, int]]] = [[]]
        self.free: list[list[int]] = [[]]
        self.final = self._build(pattern)
        self.closures = [self._closure(s) for s in range(len(self.moves))]

    def _new(self) -> int:
        self.moves.append([])
        self.free.append([])
        return len(self.moves) - 1

    def _step(self, state: int, mask: int) -> int:
        nxt = self._new()
        self.moves[state].append((mask, nxt))
        return nxt

    def _build(self, p: bytes) -> int:
        cur, i, n = 0, 0, len(p)
        while i < n:
            c = p[i]
            if c == 92:  # '\\'
                if i + 1 >= n:
                    raise BadPattern("the pattern ends in a backslash")
                cur, i = self._step(cur, 1 << p[i + 1]), i + 2
            elif c == 63:  # '?'
                cur, i = self._step(cur, NOSLASH), i + 1
            elif c == 91:  # '['
                mask, end = _bracket_mask(p, i)
                cur, i = self._step(cur, mask), end + 1
            elif c == 42:  # '*'
                j = i
                while j < n and p[j] == 42:
                    j += 1
                whole = j - i >= 2 and (i == 0 or p[i - 1] == SLASH) and (
                    j == n or p[j] == SLASH or (p[j] == 92 and j + 1 < n and p[j + 1] == SLASH))
                if whole and j < n and p[j] == SLASH:  # `**/`: no folder, or any ending in /
                    loop, after = self._new(), self._new()
                    self.free[cur] += [loop, after]
                    self.moves[loop] += [(ALL, loop), (1 << SLASH, after)]
                    cur, i = after, j + 1
                    continue
                loop = self._new()
                self.free[cur].append(loop)
                self.moves[loop].append((ALL if whole else NOSLASH, loop))
                cur, i = loop, j
            else:
                cur, i = self._step(cur, 1 << c), i + 1
        return cur

    def _closure(self, state: int) -> tuple[int, ...]:
        seen, todo = {state}, [state]
        while todo:
            for t in self.free[todo.pop()]:
                if t not in seen:
                    seen.add(t)
                    todo.append(t)
        return tuple(sorted(seen))


@lru_cache(maxsize=256)
def automaton(pattern: bytes) -> Automaton:
    return Automaton(pattern)


def _pick(mask: int) -> int:
    """A readable byte of `mask` for a witness path."""
    for b in b"abcxyz0123456789_.-ABC":
        if mask >> b & 1:
            return b
    return (mask & -mask).bit_length() - 1


def witness(a: bytes, b: bytes) -> bytes | None:
    """A file path both patterns match, or None when there is none. Breadth first over
    (state of a, state of b, inside a path segment?), so the witness is a shortest one."""
    one, two = automaton(a), automaton(b)
    start = [(x, y, 0) for x in one.closures[0] for y in two.closures[0]]
    parent: dict[tuple[int, int, int], tuple[tuple[int, int, int], int] | None] = dict.fromkeys(
        start)
    todo = list(start)
    for state in todo:  # grows while it is walked: a queue
        x, y, inside = state
        if x == one.final and y == two.final and inside:
            out = []
            at: tuple[int, int, int] = state
            while parent[at] is not None:
                at, byte = parent[at]  # type: ignore[misc]
                out.append(byte)
            return bytes(reversed(out))
        for m1, t1 in one.moves[x]:
            for m2, t2 in two.moves[y]:
                both = m1 & m2
                for mask, seg in ((both & NOSLASH, 1), (both & (1 << SLASH) if inside else 0, 0)):
                    if not mask:
                        continue
                    byte = _pick(mask)
                    for u in one.closures[t1]:
                        for v in two.closures[t2]:
                            nxt = (u, v, seg)
                            if nxt not in parent:
                                parent[nxt] = (state, byte)
                                todo.append(nxt)
    return None


def can_match(pattern: bytes) -> bool:
    """Whether some file path matches `pattern` (a malformed one raises BadPattern)."""
    return witness(pattern, pattern) is not None
