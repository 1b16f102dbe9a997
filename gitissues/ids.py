"""Issue ids: `<prefix>-<hex>`, hash-based, and where each one lives in the store.

Anything a user types as an id is checked here before it can reach the file system.
"""

from __future__ import annotations

from gitissues.errors import UsageError

# The shapes below are checked with sets of characters, not regular expressions: compiling
# those cost every `gi` ~0.5 ms. A prefix: lower-case words of letters and digits joined by
# single dashes, the first starting with a letter ([a-z][a-z0-9]*(-[a-z0-9]+)*); an id: a
# prefix, a dash and 6 to 12 lower-case hex digits; what a user may type to name an issue: a
# whole id, an id prefix (prefix, dash, up to 12 hex digits) or 1 to 12 hex digits; a remote
# reference: `#N` or `NAME#N` (NAME of [A-Za-z0-9_.-], N decimal digits).
_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyz")
_WORD = _LETTERS | frozenset("0123456789")
_HEX = frozenset("0123456789abcdef")
_REMOTE_NAME = _WORD | frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ_.-")
DEFAULT_PREFIX = "gi"
# `links` keys that hold the issue's id in the tracker it was imported from (see `aliases_of`)
ALIAS_LINKS = ("beads",)
ISSUES_DIR = "issues"
# 1: issues/<first two hex digits of the id>/<id>.yaml (stores made before layout 2);
# 2: issues/<h0>/<h1>/<h2>/<id>.yaml, h = sha1 of the id: any set of ids (sequential numbers
#    from another tracker included) spreads evenly, and one change rewrites four small trees.
LAYOUT = 2


def _is_prefix(text: str) -> bool:
    return text[:1] in _LETTERS and all(w and _WORD.issuperset(w) for w in text.split("-"))


def _is_hex(text: str, least: int, most: int) -> bool:
    return least <= len(text) <= most and _HEX.issuperset(text)


def check_prefix(prefix: str) -> str:
    if not _is_prefix(prefix) or len(prefix) > 20:
        raise UsageError(
            f"invalid id prefix {prefix!r}: use lowercase letters and digits, "
            "starting with a letter (dashes allowed between words)"
        )
    return prefix


def is_id(text: str) -> bool:
    prefix, dash, hexpart = text.rpartition("-")
    return bool(dash) and _is_hex(hexpart, 6, 12) and _is_prefix(prefix)


def split_id(issue_id: str) -> tuple[str, str]:
    if not is_id(issue_id):
        raise UsageError(f"not an issue id: {issue_id!r}")
    prefix, _, hexpart = issue_id.rpartition("-")
    return prefix, hexpart


def remote_ref(text: str) -> tuple[str | None, str] | None:
    """(NAME or None, N) of a `#N` or `NAME#N` reference; None for anything else."""
    name, hash_, number = text.partition("#")
    if (not hash_ or not number or not all(c.isdecimal() for c in number)
            or not _REMOTE_NAME.issuperset(name)):
        return None
    return name or None, number


def check_ref(text: str) -> str:
    """Refuse anything that is not an id, an id prefix, bare hex or `#N`/`NAME#N`."""
    t = text.strip()
    prefix, dash, hexpart = t.rpartition("-")
    if (_is_hex(t, 1, 12) if not dash else _is_hex(hexpart, 0, 12) and _is_prefix(prefix)) or (
            remote_ref(t) is not None):
        return t
    raise UsageError(f"not an issue id: {text!r} (expected e.g. gi-7f3a9c, 7f3a or #42)")


def is_alias(text: str) -> bool:
    """The shape of an id another tracker gave an issue that was imported from it (beads:
    `bd-a1b2`, `bd-1dez.1`, `beads_rust-07b`): letters, digits, `_`, `.` and `-`, starting
    with a letter, with a dash, never `..`, at most 100 characters. Path-like text never fits."""
    return (0 < len(text) <= 100 and text[0].isascii() and text[0].isalpha() and "-" in text
            and ".." not in text and _REMOTE_NAME.issuperset(text))


def aliases_of(links: object) -> list[str]:
    """The old ids an issue keeps in `links.<tracker>` (`ALIAS_LINKS`), by which it still
    resolves (`gi show bd-a1b2`)."""
    if not isinstance(links, dict):
        return []
    found = (links.get(key) for key in ALIAS_LINKS)
    return [v for v in found if isinstance(v, str) and is_alias(v)]


def new_id(prefix: str, seed: str, length: int = 6) -> str:
    """A fresh id: a hash of what the issue says plus randomness, so racing creators differ."""
    import os

    digest = sha1_hex(seed.encode(errors="surrogatepass") + os.urandom(16))
    return f"{prefix}-{digest[:length]}"


def issue_path(issue_id: str, layout: int = LAYOUT) -> str:
    """Store-relative path of an issue file. Fanned out so that one change rewrites only small
    trees: a flat 10k-entry tree costs ~240 KiB per commit; three levels of 16 by a hash of the
    id keep a change near 4 KiB of trees at 100,000 issues, whatever the ids look like."""
    _, hexpart = split_id(issue_id)
    if layout == 1:
        return f"{ISSUES_DIR}/{hexpart[:2]}/{issue_id}.yaml"
    h = sha1_hex(issue_id.encode())
    return f"{ISSUES_DIR}/{h[0]}/{h[1]}/{h[2]}/{issue_id}.yaml"


def sha1_hex(data: bytes) -> str:
    """SHA-1 without loading OpenSSL (`hashlib` costs ~2.5 ms to import; CPython's own
    `_sha1` nothing), for layout paths and git object ids."""
    try:
        from _sha1 import sha1
    except ImportError:  # another Python: the portable module
        from hashlib import sha1
    return sha1(data).hexdigest()


def id_of_path(path: str) -> str | None:
    """The id an issue file's name says (`…/gi-7f3a9c.yaml`), None for any other file."""
    name = path.rsplit("/", 1)[-1]
    if not name.endswith(".yaml"):
        return None
    stem = name[: -len(".yaml")]
    return stem if is_id(stem) else None


def layout_of(settings: dict) -> int:
    """The layout a store's settings declare; stores from before layouts were named are 1."""
    value = settings.get("layout")
    return value if isinstance(value, int) and not isinstance(value, bool) else 1
