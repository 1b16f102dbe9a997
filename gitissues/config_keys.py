"""What setting names mean: which ones hold secrets, and the known settings with their
defaults and allowed values (SPEC §1, §6, §7); and ConfigError, which every config module
raises (it lives here, at the bottom of the config modules, so none of them import in a circle).

One place for both, so `gi config set`, `gi config edit`, `gi config show` and the layers all
agree. Pure functions over plain data; the few validators that need another module import it
when they run (the CLI's read path imports this module).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

TYPE_CHECKING = False  # typing (and dataclasses) cost ms to import; `gi prime` loads this
if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path
    from typing import Any


class ConfigError(Exception):
    """A configuration problem the user must fix; `path` and `line` point at it when known."""

    def __init__(self, message: str, *, path: str | Path | None = None, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line


# --- secrets -------------------------------------------------------------------------------

# A key segment names a credential when it is one of these words, or ends in `_<word>`.
_SECRET_WORDS = frozenset({
    "token", "tokens", "api_key", "api_keys", "apikey", "password", "passwords", "passwd",
    "passphrase", "secret", "secrets", "private_key", "auth", "credential", "credentials",
    "pat", "bearer",
})
# `max_tokens` counts tokens: a plural `_tokens` suffix names no credential.
_SUFFIX_WORDS = _SECRET_WORDS - {"tokens"}
# Long enough to be unambiguous as a bare suffix too (`accesstoken`, `clientsecret`).
_SECRET_SUFFIXES = ("token", "apikey", "api_key", "password", "passwd", "secret", "private_key")
# Patterns as text: `re` compiles and caches each on first use, not when the CLI starts.
_CAMEL = r"(?<=[a-z0-9])(?=[A-Z])"
_INDEX = r"\[\d+\]"


def is_secret_name(name: str) -> bool:
    """One key segment (`token`, `basic_auth`, `apiKey`, `github-pat`) that names a
    credential. Whole words only for the short names: `path`, `pattern`, `author`,
    `max_tokens` and `token_env` (which names a variable) are not secrets."""
    word = re.sub(_CAMEL, "_", name).replace("-", "_").lower()
    if word in _SECRET_WORDS or word.endswith(_SECRET_SUFFIXES):
        return True
    return any(word.endswith("_" + w) for w in _SUFFIX_WORDS)


def is_secret(key: str) -> bool:
    """A dotted key (`gitea.token`, `bridges[0].token`, `credentials.user`) with any segment
    naming a credential: everything under a `credentials:` section is secret too."""
    return any(is_secret_name(part) for part in re.sub(_INDEX, "", str(key)).split("."))


def mask(value: str) -> str:
    """Enough of a secret to tell two apart, never enough to use: short ones show nothing."""
    if not value:
        return ""
    if len(value) < 12:
        return "****"
    return f"{value[:2]}…{value[-2:]}"


def _has_value(value: Any) -> bool:
    if isinstance(value, Mapping):
        return any(_has_value(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_has_value(v) for v in value)
    return value is not None and value != ""


def secret_paths(data: Any, prefix: str = "") -> list[str]:
    """Where secrets sit in a settings document, at any depth (lists of mappings too), as
    `a.b` / `a[0].b` paths. An empty placeholder (`token:`) holds nothing and is not listed."""
    found: list[str] = []
    if isinstance(data, Mapping):
        for key, value in data.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            if is_secret(str(key)):
                if _has_value(value):
                    found.append(path)
            else:
                found += secret_paths(value, path)
    elif isinstance(data, list | tuple):
        for i, value in enumerate(data):
            found += secret_paths(value, f"{prefix}[{i}]")
    return found


def without_secrets(data: Any) -> Any:
    """A copy with every secret key removed, at any depth: what the repository settings may
    contribute (a secret that was hand-edited or pulled in is never used)."""
    if isinstance(data, Mapping):
        return {k: without_secrets(v) for k, v in data.items() if not is_secret(str(k))}
    if isinstance(data, list | tuple):
        return [without_secrets(v) for v in data]
    return data


def clone(data: Any) -> Any:
    """A copy of plain settings data (mappings and lists copied, scalars shared), without
    importing `copy` on the CLI's read path."""
    if isinstance(data, Mapping):
        return {k: clone(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [clone(v) for v in data]
    return data


def masked_tree(value: Any, secret: bool = False) -> Any:
    """`value` fit to print: every secret leaf masked, wherever it is."""
    if isinstance(value, Mapping):
        return {k: masked_tree(v, secret or is_secret(str(k))) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [masked_tree(v, secret) for v in value]
    if secret and value is not None:
        return mask(str(value))
    return value


# --- dotted keys -----------------------------------------------------------------------------

_MISSING = object()


def get_dotted(data: Any, key: str, default: Any = None) -> Any:
    """`get_dotted(d, "a.b")` is `d["a"]["b"]`; a literal `"a.b"` key is honoured too."""
    if not isinstance(data, Mapping):
        return default
    if key in data:
        return data[key]
    for i, char in enumerate(key):
        if char == "." and isinstance(data.get(key[:i]), Mapping):
            found = get_dotted(data[key[:i]], key[i + 1 :], _MISSING)
            if found is not _MISSING:
                return found
    return default


# --- known settings ------------------------------------------------------------------------

MAX_LINE = 200
_CONTROL_CHARS = frozenset([*map(chr, range(0x20)), "\x7f"])
_REMOTE = r"[A-Za-z0-9._/][A-Za-z0-9._/-]{0,99}"
_URL = r"https?://[^\s/?#@]+(/\S*)?"
CLAIM_TTL = "30m"  # claims.DEFAULT_TTL: the value SPEC §6 names
LEASE_TTL = "10m"  # leases.ops.DEFAULT_TTL: the value SPEC §12's synopsis shows


def has_control_chars(text: str) -> bool:
    """Whether `text` holds a C0 control character or DEL (a value must be one line)."""
    return not _CONTROL_CHARS.isdisjoint(text)


class Known:
    """A setting the code reads: the allowed form (for messages), a check that returns the
    value to store or raises ValueError, its default, and whether only the repository
    settings count for it (the store reads it from there alone)."""

    __slots__ = ("form", "check", "default", "repo_only", "settable")

    def __init__(self, form: str, check: Callable[[Any], Any], default: str | None = None, *,
                 repo_only: bool = False, settable: bool = True) -> None:
        self.form, self.check, self.default = form, check, default
        self.repo_only, self.settable = repo_only, settable


def _one_line(value: Any) -> Any:
    if isinstance(value, Mapping | list | tuple | bool) or value is None:
        raise ValueError
    text = str(value)
    if not text.strip() or has_control_chars(text) or len(text) > MAX_LINE:
        raise ValueError
    return value


def _duration(value: Any) -> str:
    from gitissues import timeutil
    from gitissues.errors import GiError

    if not isinstance(value, str):
        raise ValueError
    try:
        timeutil.parse_duration(value)
    except GiError:
        raise ValueError from None
    return value


def _remote(value: Any) -> str:
    """A git remote name; never anything git could read as an option (`--upload-pack=…`)."""
    if not isinstance(value, str) or not re.fullmatch(_REMOTE, value) or ".." in value:
        raise ValueError
    return value


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError
    return value


def _prefix(value: Any) -> str:
    from gitissues import ids
    from gitissues.errors import GiError

    try:
        return ids.check_prefix(str(value))
    except GiError:
        raise ValueError from None


def _platform(value: Any) -> str:
    from gitissues.remote_url import normalize_platform

    return normalize_platform(str(_one_line(value)))


def _url(value: Any) -> str:
    if not isinstance(value, str) or not re.fullmatch(_URL, value):
        raise ValueError
    return value


def _mode(value: Any) -> str:
    if value not in ("branch", "tree"):
        raise ValueError
    return value


_LINE = "one line of at most 200 printable characters"
_URL_FORM = "an http:// or https:// URL, without credentials in it"
_BRIDGE_PLATFORMS = ("gitea", "github", "gitlab", "jira", "linear")

KNOWN: dict[str, Known] = {
    "mode": Known("branch or tree, chosen by 'gi init --mode'", _mode, repo_only=True,
                  settable=False),
    "prefix": Known("lowercase letters and digits, starting with a letter (dashes allowed "
                    "between words), at most 20 characters", _prefix, "gi", repo_only=True),
    "claims.ttl": Known("a duration: a number and s, m, h, d or w (90s, 30m, 2h, 1d, 2w)",
                        _duration, CLAIM_TTL, repo_only=True),
    "claims.remote": Known("a git remote name: letters, digits, '.', '_', '-' and '/', not "
                           "starting with '-'", _remote, repo_only=True),
    "leases.ttl": Known("a duration: a number and s, m, h, d or w (90s, 30m, 2h, 1d, 2w)",
                        _duration, LEASE_TTL, repo_only=True),
    "leases.remote": Known("a git remote name: letters, digits, '.', '_', '-' and '/', not "
                           "starting with '-'", _remote, repo_only=True),
    "commit": Known("true or false (tree mode: commit every change)", _bool, "false",
                    repo_only=True),
    "hooks.push_store": Known("true or false (the pre-push hook pushes the store branch "
                              "along; off when unset)", _bool),
    "agent.id": Known(_LINE, _one_line),
    "agent.type": Known(_LINE, _one_line),
    "platform": Known("one of gitea, github, gitlab, jira, linear, bitbucket (or forgejo, "
                      "codeberg)", _platform),
    "*.platform": Known("one of gitea, github, gitlab, jira, linear, bitbucket", _platform),
    "base_url": Known(_URL_FORM, _url),
    "owner": Known(_LINE, _one_line),
    "repo": Known(_LINE, _one_line),
    "github.api_url": Known(_URL_FORM, _url),
    "linear.team": Known(_LINE, _one_line),
    "jira.email": Known(_LINE, _one_line),
    **{f"{p}.url": Known(_URL_FORM, _url) for p in _BRIDGE_PLATFORMS},
    **{f"{p}.{f}": Known(_LINE, _one_line) for p in _BRIDGE_PLATFORMS
       for f in ("owner", "repo", "project")},
}


def known(key: str) -> Known | None:
    """The entry for `key`: an exact name first, then a `*` pattern."""
    if key in KNOWN:
        return KNOWN[key]
    from fnmatch import fnmatchcase

    return next((k for p, k in KNOWN.items() if "*" in p and fnmatchcase(key, p)), None)


def check(key: str, value: Any, *, user: bool = False) -> Any:
    """The value to store for `key` (in the user config when `user`), or ValueError naming
    the key and the allowed form. Unknown keys are free-form settings and pass as they are."""
    entry = known(key)
    if entry is None:
        return value
    if user and entry.repo_only:
        raise ValueError(f"{key} is a repository setting (the store reads it from there "
                         f"alone), not one for the user config: gi config set {key} VALUE")
    try:
        return entry.check(value)
    except ValueError as exc:
        detail = f" ({exc})" if str(exc) else ""
        raise ValueError(f"invalid {key} {_shown(value)}{detail}: expected {entry.form}") from None


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "…'"


def defaults(mode: str | None) -> dict[str, str]:
    """The defaults that apply in a store of `mode` (None outside a repository: none do)."""
    if mode is None:
        return {}
    found = {"mode": mode}
    for key, entry in KNOWN.items():
        if entry.default is not None and (key != "commit" or mode == "tree"):
            found[key] = entry.default
    return found
