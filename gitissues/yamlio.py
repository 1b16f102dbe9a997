"""YAML in and out of the store.

Three paths, each for its job:
- `load_fast`: for indexing thousands of files: our own reader of the canonical layout
  (`yaml_canonical`, no ruamel import), else ruamel's C-backed safe loader;
- `load_roundtrip` / `dump_roundtrip`: ruamel round-trip, so a `gi` edit of one field keeps the
  comments, key order and formatting of a hand-edited file;
- `emit`: our own small emitter for files `gi` writes from scratch (fast, canonical layout).
Every loaded document is size-checked first and refused if it uses anchors or aliases (alias
bombs; and a shared node would be edited in two places at once).
"""

from __future__ import annotations

import io
from functools import cache

from gitissues.errors import InvalidData

TYPE_CHECKING = False  # typing costs ~3 ms to import; only type checkers need it
if TYPE_CHECKING:
    from typing import Any

MAX_FILE_BYTES = 1 << 20


def _time_shaped(s: str) -> bool:
    """`YYYY-MM-DDTHH:MM:SS[.f]Z` (any decimal digits, as `\\d` takes them), with at most six
    fraction digits: the loader rounds more, which can overflow (…59.9999995Z). Checked by
    hand: a regular expression costs every process ~0.1 ms to compile."""
    if not 20 <= len(s) <= 27 or s[-1] != "Z" or s[4] + s[7] + s[10] + s[13] + s[16] != "--T::":
        return False
    if len(s) > 20 and (s[19] != "." or len(s) == 21):
        return False
    digits = s[:4] + s[5:7] + s[8:10] + s[11:13] + s[14:16] + s[17:19] + s[20:-1]
    return digits.isdecimal()


def is_time(s: str) -> bool:
    """A canonical UTC time that a YAML loader would read back as that same time."""
    if not _time_shaped(s):
        return False
    from gitissues.timeutil import datetime

    try:
        datetime.fromisoformat(s[:-1] + "+00:00")
    except ValueError:
        return False
    return True


def _check_size(text: str, where: str) -> None:
    if len(text) > MAX_FILE_BYTES:
        raise InvalidData(
            f"{where}: file is {len(text)} bytes, larger than the {MAX_FILE_BYTES} byte limit",
            file=where,
        )


def _yaml_error(exc: Exception, where: str) -> InvalidData:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line = mark.line + 1 if mark is not None else None
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    loc = f"{where}:{line}" if line else where
    return InvalidData(f"{loc}: YAML does not parse: {problem}", file=where, line=line)


class _AnchorFound(Exception):
    """Raised from inside ruamel's composer; `_load` turns it into InvalidData."""


def uses_anchors(text: str) -> bool:
    """Whether a document uses a YAML anchor or alias, on a scalar or a collection (ruamel's
    YAMLError if it does not parse). Every alias needs an anchor, and an anchor needs an `&`:
    without one there is nothing to find; with one (`R&D`, `a && b`), the parser's events tell."""
    if "&" not in text:
        return False
    return any(getattr(event, "anchor", None) is not None for event in _safe_yaml().parse(text))


@cache
def _safe_yaml() -> Any:
    from ruamel.yaml import YAML

    try:
        return YAML(typ="safe", pure=False)
    except Exception:  # no C extension here: the pure loader gives the same result, slower
        return YAML(typ="safe", pure=True)


def _str_representer(representer: Any, data: str) -> Any:
    from ruamel.yaml.representer import RoundTripRepresenter

    if is_time(data):
        return representer.represent_scalar("tag:yaml.org,2002:timestamp", data)
    return RoundTripRepresenter.represent_str(representer, data)


@cache
def _rt_yaml() -> Any:
    from ruamel.yaml import YAML
    from ruamel.yaml.composer import Composer

    class NoAnchorComposer(Composer):
        """Refuses a node with an anchor, or an alias, before the tree is built."""

        def compose_node(self, parent: Any, index: Any) -> Any:
            if getattr(self.parser.peek_event(), "anchor", None) is not None:
                raise _AnchorFound
            return super().compose_node(parent, index)

    y = YAML()
    y.Composer = NoAnchorComposer
    y.width = 4096
    y.indent(mapping=2, sequence=4, offset=2)
    y.preserve_quotes = True
    y.representer.add_representer(str, _str_representer)
    return y


def _load(yaml: Any, text: str, where: str, prescan: bool) -> Any:
    _check_size(text, where)
    try:
        if prescan and uses_anchors(text):
            raise _AnchorFound
        return yaml.load(text)
    except _AnchorFound:
        message = f"{where}: YAML anchors and aliases are not allowed"
        raise InvalidData(message, file=where) from None
    except Exception as exc:
        raise _yaml_error(exc, where) from None
    finally:  # ruamel keeps one record per document it loads: a long-lived process would grow
        infos = getattr(yaml, "doc_infos", None)
        if isinstance(infos, list):
            infos.clear()


def load_fast(text: str, where: str) -> Any:
    """A document as plain Python values (datetimes for times). The canonical reader handles
    what `emit` wrote; anything else goes to ruamel, whose result it would equal."""
    from gitissues import yaml_canonical  # its regexes cost ~0.5 ms: only for callers that read

    _check_size(text, where)
    data = yaml_canonical.parse(text)
    if data is not yaml_canonical.NOT_CANONICAL:
        return data
    return _load(_safe_yaml(), text, where, prescan=True)


def load_roundtrip(text: str, where: str) -> Any:
    """A document that keeps comments and layout, for editing in place."""
    return _load(_rt_yaml(), text, where, prescan=False)  # its composer refuses anchors


def dump_roundtrip(doc: Any) -> str:
    buf = io.StringIO()
    _rt_yaml().dump(doc, buf)
    return buf.getvalue()


def literal(text: str) -> Any:
    """A multi-line string that ruamel should write as a `|` block."""
    from ruamel.yaml.scalarstring import LiteralScalarString

    return LiteralScalarString(text) if _block_ok(text) else text


# --- the canonical emitter -------------------------------------------------------------------

# What the emitter writes unquoted: a first character, then the others ([A-Za-z_/] then
# [A-Za-z0-9 _./@()'!?+=-]*); in a flow no space, parentheses or `?` (libyaml stops at `?`).
_PLAIN_FIRST = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_/")
_PLAIN_REST = _PLAIN_FIRST | frozenset("0123456789 .@()'!?+=-")
_FLOW_PLAIN_REST = _PLAIN_REST - frozenset(" ()?")
_RESERVED = {"true", "false", "yes", "no", "on", "off", "null", "y", "n", "~", ""}
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r", "\0": "\\0"}


def _printable(ch: str) -> bool:
    c = ord(ch)
    if c < 0x80:
        return 0x20 <= c < 0x7F
    return (
        0xA0 <= c <= 0xD7FF and c not in (0x2028, 0x2029)
        or 0xE000 <= c <= 0xFFFD and c != 0xFEFF
        or 0x10000 <= c <= 0x10FFFF
    )


def _quoted(s: str) -> str:
    out = []
    for ch in s:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif _printable(ch):
            out.append(ch)
        elif ord(ch) <= 0xFF:
            out.append(f"\\x{ord(ch):02x}")
        elif ord(ch) <= 0xFFFF:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(f"\\U{ord(ch):08x}")
    return '"' + "".join(out) + '"'


def _block_ok(s: str) -> bool:
    if "\n" not in s or s.startswith(("\n", " ", "\t")):
        return False
    return all(line == "" or not line.startswith("\t") for line in s.split("\n")) and all(
        ch == "\n" or ch == "\t" or _printable(ch) for ch in s
    )


def _plain_ok(s: str, flow: bool) -> bool:
    if s.lower() in _RESERVED or s.endswith(" ") or "  " in s:
        return False
    return s[:1] in _PLAIN_FIRST and (_FLOW_PLAIN_REST if flow else _PLAIN_REST).issuperset(s)


def _scalar(v: Any, flow: bool = False) -> str:
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if v != v:
            return ".nan"
        if v in (float("inf"), float("-inf")):
            return ".inf" if v > 0 else "-.inf"
        return repr(v)
    s = str(v)
    if (is_time(s) and not flow) or _plain_ok(s, flow):
        return s
    return _quoted(s)


def _is_scalar(v: Any) -> bool:
    return not isinstance(v, dict | list)


def _emit_block(s: str, indent: int) -> str:
    body = s.rstrip("\n")
    trailing = len(s) - len(body)
    chomp = "-" if trailing == 0 else ("" if trailing == 1 else "+")
    pad = " " * indent
    lines = [pad + line if line else "" for line in body.split("\n")]
    extra = [""] * (trailing - 1) if trailing > 1 else []
    return f"|{chomp}\n" + "\n".join(lines + extra)


def _emit_value(v: Any, indent: int) -> str:
    """The text after `key:` (including the leading space or newline)."""
    if isinstance(v, dict):
        if not v:
            return " {}"
        return "\n" + _emit_mapping(v, indent + 2)
    if isinstance(v, list):
        if not v:
            return " []"
        if all(_is_scalar(x) for x in v):
            parts = [_scalar(x, flow=True) for x in v]
            return " [" + ", ".join(parts) + "]"
        return "\n" + _emit_sequence(v, indent + 2)
    if isinstance(v, str) and _block_ok(v):
        return " " + _emit_block(v, indent + 2)
    return " " + _scalar(v)


def _emit_mapping(d: dict, indent: int) -> str:
    pad = " " * indent
    return "\n".join(f"{pad}{_key(k)}:{_emit_value(v, indent)}" for k, v in d.items())


def _key(k: Any) -> str:
    """A mapping key: plain where safe; a key that looks like a time is quoted, or it would
    load as a datetime."""
    if not isinstance(k, str) or _plain_ok(k, False):
        return _scalar(k)
    return _quoted(k)


def _emit_sequence(items: list, indent: int) -> str:
    pad = " " * indent
    out = []
    for item in items:
        if isinstance(item, dict) and item:
            inner = _emit_mapping(item, indent + 2)
            out.append(pad + "- " + inner[indent + 2 :])
        elif isinstance(item, list) and item:
            out.append(pad + "-" + _emit_value(item, indent))
        else:
            out.append(pad + "- " + _emit_value(item, indent).lstrip(" "))
    return "\n".join(out)


def emit(data: dict) -> str:
    """A canonical YAML document for a mapping of plain values (str, int, float, bool, None,
    list, dict); `load_fast(emit(d))` gives `d` back."""
    return _emit_mapping(data, 0) + "\n"
