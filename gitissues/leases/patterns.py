"""Lease resources (SPEC §12): a name (`db-migration`) or a path pattern (`path:src/auth/**`) in
git's wildmatch with WM_PATHNAME, and the question every lease asks: can two resources meet?

Two names meet when they are equal; a name and a path never meet; two path patterns meet when
some file path matches both. That last question has an exact answer: each pattern is a finite
automaton over bytes, and so is "a file path" (non-empty segments between single slashes), so
the patterns meet exactly when the product of the three automata reaches an accepting state.
The search also yields a witness path, which the tests check with `wildmatch`, a separate port
of git's own matcher (gitissues.leases.wildmatch), the one the pre-commit guard matches paths
with.
"""

from __future__ import annotations

from functools import lru_cache

from gitissues.errors import UsageError
from gitissues.leases.wildmatch import ALL, NOSLASH, SLASH, BadPattern, bracket_mask, wildmatch

PATH = "path:"
MAX_NAME = 256
MAX_PATTERN = 1024
_NAME_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._/:-")


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
                mask, end = bracket_mask(p, i)
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
