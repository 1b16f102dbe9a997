"""Issue ids: `<prefix>-<hex>`, hash-based, and where each one lives in the store.

Anything a user types as an id is checked here before it can reach the file system.
"""

from __future__ import annotations

import re

from gitissues.errors import UsageError

PREFIX_RE = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")
ID_RE = re.compile(r"^([a-z][a-z0-9]*(?:-[a-z0-9]+)*)-([0-9a-f]{6,12})$")
# What a user may type to name an issue: a whole id, an id prefix, or bare hex.
_REF_RE = re.compile(r"^(?:[a-z][a-z0-9]*(?:-[a-z0-9]+)*-[0-9a-f]{0,12}|[0-9a-f]{1,12})$")
REMOTE_REF_RE = re.compile(r"^(?:([A-Za-z0-9_.-]+))?#(\d+)$")
DEFAULT_PREFIX = "gi"
ISSUES_DIR = "issues"
# 1: issues/<first two hex digits of the id>/<id>.yaml (stores made before layout 2);
# 2: issues/<h0>/<h1>/<h2>/<id>.yaml, h = sha1 of the id: any set of ids (sequential numbers
#    from another tracker included) spreads evenly, and one change rewrites four small trees.
LAYOUT = 2


def check_prefix(prefix: str) -> str:
    if not PREFIX_RE.fullmatch(prefix) or len(prefix) > 20:
        raise UsageError(
            f"invalid id prefix {prefix!r}: use lowercase letters and digits, "
            "starting with a letter (dashes allowed between words)"
        )
    return prefix


def is_id(text: str) -> bool:
    return bool(ID_RE.fullmatch(text))


def split_id(issue_id: str) -> tuple[str, str]:
    m = ID_RE.fullmatch(issue_id)
    if not m:
        raise UsageError(f"not an issue id: {issue_id!r}")
    return m.group(1), m.group(2)


def check_ref(text: str) -> str:
    """Refuse anything that is not an id, an id prefix, bare hex or `#N`/`NAME#N`."""
    t = text.strip()
    if _REF_RE.fullmatch(t) or REMOTE_REF_RE.fullmatch(t):
        return t
    raise UsageError(f"not an issue id: {text!r} (expected e.g. gi-7f3a9c, 7f3a or #42)")


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
