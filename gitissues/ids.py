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
    import hashlib
    import os

    digest = hashlib.sha256(seed.encode() + os.urandom(16)).hexdigest()
    return f"{prefix}-{digest[:length]}"


def issue_path(issue_id: str) -> str:
    """Store-relative path; fanned out by the first two hex digits so a change to one issue
    rewrites a small tree (a flat 10k-entry tree would cost ~240 KiB per commit)."""
    _, hexpart = split_id(issue_id)
    return f"{ISSUES_DIR}/{hexpart[:2]}/{issue_id}.yaml"
