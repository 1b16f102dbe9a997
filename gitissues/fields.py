"""Reading one field of an issue file: text that can be written back as UTF-8, lists of text,
times, mappings of plain values; each failure names the file and the field (`InvalidData`)."""

from __future__ import annotations

from gitissues import timeutil
from gitissues.errors import InvalidData

TYPE_CHECKING = False  # typing costs ~3 ms to import; only type checkers need it
if TYPE_CHECKING:
    from typing import Any

MAX_KEY = 1000  # YAML readers refuse an implicit key over 1024 characters


def fail(where: str, key: str, message: str) -> InvalidData:
    return InvalidData(f"{where}: field {key!r}: {message}", file=where, field=key)


def text(v: str, where: str, key: str) -> str:
    """Text that can be written as UTF-8: undecodable bytes (which Python keeps as lone
    surrogates, U+D800 to U+DFFF, the only code points UTF-8 cannot encode) are refused here,
    before a file that nothing can read is written."""
    if not v.isascii() and not encodable(v):
        raise fail(where, key, "not valid UTF-8 text (it holds undecodable bytes)")
    return v


def encodable(v: str) -> bool:
    try:
        v.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def string(d: dict, key: str, where: str, default: str | None = "") -> Any:
    v = d.get(key, default)
    if v is None:
        return default
    if isinstance(v, bool) or not isinstance(v, str | int | float):
        raise fail(where, key, f"expected text, got {type(v).__name__}")
    return text(str(v), where, key)


def str_list(d: dict, key: str, where: str) -> list[str]:
    v = d.get(key)
    if v is None:
        return []
    if isinstance(v, str):
        v = [v]
    if not isinstance(v, list) or not all(isinstance(x, str | int) for x in v):
        raise fail(where, key, "expected a list of text values")
    out: list[str] = []
    for x in v:  # keep order, drop duplicates
        if str(x) not in out:
            out.append(text(str(x), where, key))
    return out


def time(d: dict, key: str, where: str, required: bool = False) -> str | None:
    v = d.get(key)
    if v is None or v == "":
        if required:
            raise fail(where, key, "a time is required")
        return None
    try:
        return timeutil.normalize_time(v)
    except (ValueError, TypeError):
        raise fail(where, key, f"not an RFC 3339 time: {v!r}") from None


def mapping(d: dict, key: str, where: str) -> dict:
    v = d.get(key)
    if v is None:
        return {}
    if not isinstance(v, dict):
        raise fail(where, key, "expected a mapping")
    return plain(v, where, key)


def plain(v: Any, where: str = "<input>", key: str = "?") -> Any:
    """Loader types (datetimes, ruamel containers) as plain JSON-able values."""
    if isinstance(v, dict):
        if any(len(str(k)) > MAX_KEY for k in v):
            raise fail(where, key, f"a key is longer than {MAX_KEY} characters")
        return {text(str(k), where, key): plain(x, where, key) for k, x in v.items()}
    if isinstance(v, list):
        return [plain(x, where, key) for x in v]
    if hasattr(v, "isoformat"):
        return timeutil.normalize_time(v)
    if isinstance(v, str):
        return text(str(v), where, key)
    return v
