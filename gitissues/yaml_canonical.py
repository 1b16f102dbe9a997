"""A fast reader for the YAML that `yamlio.emit` writes, so most loads never import ruamel.

`parse(text)` returns exactly what ruamel's safe (C) loader returns for `text`, or
`NOT_CANONICAL` when the text is outside the small layout the emitter produces: comments,
anchors, tags, flow mappings, other scalar styles, blank lines, odd indentation, duplicate keys,
an unquoted word YAML could read as something we do not handle... The caller then asks ruamel.
It never guesses: a plain scalar is only read if it has one of the few shapes the emitter writes
and we know how YAML 1.2 (as ruamel resolves it) types it; anything else is refused.
"""

from __future__ import annotations

import re

TYPE_CHECKING = False  # typing costs ~3 ms to import; only type checkers need it
if TYPE_CHECKING:
    from typing import Any

NOT_CANONICAL: Any = object()

_MAX_DEPTH = 64  # nesting; deeper documents go to ruamel
_MAX_KEY = 512  # libyaml refuses an implicit key of 1024 characters or more

# Regular expressions are compiled when first needed (`re` caches them), and the shapes every
# write reads back (plain words, whole numbers, times to the second) are checked by hand:
# compiling all of them cost each process ~1 ms.
# Characters the emitter never writes unescaped (all but tab, newline and printable ones).
_ASCII_BAD = frozenset([*map(chr, range(0x09)), *map(chr, range(0x0B, 0x20)), "\x7f"])
_OTHER_BAD = "[\x80-\x9f\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff]"
# A plain scalar: a first character, then the others ([A-Za-z_/][A-Za-z0-9 _./@()'!?+=-]*);
# in a flow no space, parentheses or `?` (libyaml stops at `?` in a flow).
_PLAIN_FIRST = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_/")
_PLAIN = (_PLAIN_FIRST, _PLAIN_FIRST | frozenset("0123456789 .@()'!?+=-"))
_FLOW_PLAIN = (_PLAIN_FIRST, _PLAIN[1] - frozenset(" ()?"))
# An int, a float as repr() writes it (groups 1, 2), or a UTC time (groups 3-9); ASCII digits.
_NUMBER = (r"(-?(?:0|[1-9]\d*))|(-?\d+(?:\.\d+(?:e[-+]\d+)?|e[-+]\d+))"
           r"|(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d+))?Z")
_DIGITS = frozenset("0123456789")
_DQ = r'"([^"\\\t]*(?:\\[^\t][^"\\\t]*)*)"'  # one line; escapes checked below
_ESCAPE = r"\\(?:x(..)|u(....)|U(........)|(.))"
_ESCAPED = {"\\": "\\", '"': '"', "n": "\n", "r": "\r", "t": "\t", "0": "\0"}
_WORDS = {"true", "false", "null", "yes", "no", "on", "off", "y", "n"}  # any case: refuse

_INF = 1e300 * 1e300
_NAN = -_INF / _INF  # the value ruamel's constructor uses
_KNOWN = {"true": True, "false": False, "null": None, ".inf": _INF, "-.inf": -_INF, ".nan": _NAN}
_KEYS: dict[str, Any] = {}  # plain key text -> key (all immutable)
_UTC: Any = None  # datetime's timezone(timedelta(0), "Z"), made on first use


class _Refuse(Exception):
    """The text is outside the canonical layout."""


def parse(text: str) -> Any:
    """The loaded document, or NOT_CANONICAL when ruamel has to decide."""
    if text in ("", "\n"):
        return None
    if text[-1] != "\n" or text[0] == " " or not _ASCII_BAD.isdisjoint(text):
        return NOT_CANONICAL
    if not text.isascii() and re.search(_OTHER_BAD, text):
        return NOT_CANONICAL
    reader = _Reader(text[:-1].split("\n"))
    try:
        data = reader.mapping(0, reader.lines[0], 0)
    except (_Refuse, ValueError, OverflowError):  # int/datetime refuse what ruamel refuses
        return NOT_CANONICAL
    return data if reader.i == len(reader.lines) else NOT_CANONICAL


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


class _Reader:
    """Reads the lines of one document; `i` is the next line to read."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.i = 0

    def mapping(self, indent: int, rest: str, depth: int) -> dict:
        """A block mapping whose keys start at column `indent`; `rest` is the first entry's text
        (on line `i`, after the indentation or a sequence's `- `)."""
        out: dict = {}
        while True:
            key, after = _key(rest)
            if key in out:
                raise _Refuse
            self.i += 1
            if after == "":
                out[key] = self.nested(indent + 2, depth + 1)
            elif after[0] == " ":
                out[key] = self.inline(after[1:], indent + 2)
            else:
                raise _Refuse
            if not self.continues(indent):
                return out
            rest = self.lines[self.i][indent:]

    def sequence(self, indent: int, depth: int) -> list:
        """A block sequence whose `-` are at column `indent`, starting on line `i`."""
        out: list = []
        while True:
            rest = self.lines[self.i][indent:]
            if rest == "-":  # a non-empty list of lists, on the lines below
                self.i += 1
                item = self.nested(indent + 2, depth + 1, only_sequence=True)
            elif rest.startswith("- "):
                body = rest[2:]
                if _is_entry(body):
                    item = self.mapping(indent + 2, body, depth + 1)
                else:
                    self.i += 1
                    item = self.inline(body, indent + 2)
            else:
                raise _Refuse
            out.append(item)
            if not self.continues(indent):
                return out

    def continues(self, indent: int) -> bool:
        """Whether line `i` is the next entry of the collection at column `indent`; False when
        the collection has ended (end of text, or a line less indented)."""
        if self.i == len(self.lines):
            return False
        line = self.lines[self.i]
        n = _indent(line)
        if n < indent and line:
            return False
        if n != indent:
            raise _Refuse
        return True

    def nested(self, indent: int, depth: int, only_sequence: bool = False) -> Any:
        """The non-empty mapping or sequence that starts at column `indent` on line `i`."""
        if depth > _MAX_DEPTH or self.i == len(self.lines):
            raise _Refuse
        line = self.lines[self.i]
        if _indent(line) != indent:
            raise _Refuse
        rest = line[indent:]
        if rest == "-" or rest.startswith("- "):
            return self.sequence(indent, depth)
        if only_sequence:
            raise _Refuse
        return self.mapping(indent, rest, depth)

    def inline(self, text: str, indent: int) -> Any:
        """A value written after `key: ` or `- `; a block scalar's lines are at `indent`."""
        if not text:
            raise _Refuse
        if text == "{}":
            return {}
        if text == "[]":
            return []
        first = text[0]
        if first == "[":
            return _flow(text)
        if first == "|":
            return self.block(text, indent)
        if first == '"':
            value, end = _quoted(text, 0)
            if end != len(text):
                raise _Refuse
            return value
        return _plain(text, _PLAIN, True)

    def block(self, header: str, indent: int) -> str:
        """A literal block scalar: `|` keeps one final newline, `|-` none, `|+` all."""
        if header not in ("|", "|-", "|+"):
            raise _Refuse
        lines, i, pad = self.lines, self.i, " " * indent
        out: list[str] = []
        while i < len(lines):
            line = lines[i]
            if line.startswith(pad) and len(line) > indent:
                if line[indent] == "\t" or (not out and line[indent] == " "):
                    raise _Refuse  # YAML would read the indentation differently
                out.append(line[indent:])
            elif line == "":
                out.append("")
            elif line.strip(" ") == "":
                raise _Refuse  # a blank line of spaces: not what the emitter writes
            else:
                break
            i += 1
        if not out or out[0] == "":
            raise _Refuse
        self.i = i
        kept = len(out)
        while out[kept - 1] == "":
            kept -= 1
        if header == "|+":
            if kept == len(out):
                raise _Refuse
            return "\n".join(out) + "\n"
        if kept != len(out):
            raise _Refuse
        return "\n".join(out) + ("\n" if header == "|" else "")


def _is_entry(text: str) -> bool:
    """Whether a sequence item's text starts a mapping (`- key: value`)."""
    first = text[:1]
    if first in ("[", "|", "{", ""):
        return False
    if first == '"':
        end = _quoted(text, 0)[1]
        return text[end : end + 1] == ":"
    return ": " in text or text.endswith(":")


def _key(rest: str) -> tuple[Any, str]:
    """A mapping key at the start of `rest`, and the text after its `:`."""
    if rest[:1] == '"':
        key, end = _quoted(rest, 0)
        if end > _MAX_KEY or rest[end : end + 1] != ":":
            raise _Refuse
        return key, rest[end + 1 :]
    cut = rest.find(": ")
    if cut < 0:
        if not rest.endswith(":"):
            raise _Refuse
        cut = len(rest) - 1
    text = rest[:cut]
    key = _KEYS.get(text, _KEYS)
    if key is _KEYS:
        if cut > _MAX_KEY:
            raise _Refuse
        key = _plain(text, _PLAIN, True)
        if len(_KEYS) < 1000:  # the same few keys in every file
            _KEYS[text] = key
    return key, rest[cut + 1 :]


def _flow(text: str) -> list:
    """`[a, "b", 1]`: a one-line list of scalars."""
    if text[-1] != "]":
        raise _Refuse
    out = []
    pos, last = 1, len(text) - 1
    while True:
        if text[pos] == '"':
            value, pos = _quoted(text, pos)
        else:  # a plain scalar in a flow has no `,` (nor space, nor bracket: _plain checks)
            end = text.find(",", pos)
            end = last if end < 0 else end
            value, pos = _plain(text[pos:end], _FLOW_PLAIN, False), end
        out.append(value)
        if pos == last:
            return out
        if not text.startswith(", ", pos):
            raise _Refuse
        pos += 2


def _quoted(text: str, pos: int) -> tuple[str, int]:
    """A double-quoted scalar at `pos` with only the escapes the emitter writes, and where it
    ends."""
    m = re.compile(_DQ).match(text, pos)
    if m is None:
        raise _Refuse
    body = m.group(1)
    if "\\" in body:
        body = re.sub(_ESCAPE, _unescape, body)
    return body, m.end()


def _unescape(m: re.Match) -> str:
    """One of the escapes the emitter writes; any other is refused."""
    if m.group(4) is not None:
        if m.group(4) not in _ESCAPED:
            raise _Refuse
        return _ESCAPED[m.group(4)]
    digits = m.group(1) or m.group(2) or m.group(3)
    if digits.strip("0123456789abcdefABCDEF"):
        raise _Refuse
    code = int(digits, 16)
    if 0xD800 <= code <= 0xDFFF or code > 0x10FFFF:
        raise _Refuse  # libyaml refuses these escapes
    return chr(code)


def _plain(s: str, chars: tuple[frozenset[str], frozenset[str]], block: bool) -> Any:
    """A plain scalar typed as ruamel's YAML 1.2 resolver types it; refused when unsure."""
    if s in _KNOWN:
        return _KNOWN[s]
    if s[:1] in chars[0] and chars[1].issuperset(s):
        if s.lower() in _WORDS or s.endswith(" ") or "  " in s:
            raise _Refuse
        return s
    if _DIGITS.issuperset(s) and s:  # the common shapes by hand, as _NUMBER reads them
        if s[0] == "0" and s != "0":
            raise _Refuse
        return int(s)
    whole, dot, fraction = s.partition(".")
    if dot and whole and fraction and _DIGITS.issuperset(whole) and _DIGITS.issuperset(fraction):
        return float(s)
    if (len(s) == 20 and _DIGITS.issuperset(s[:4] + s[5:7] + s[8:10] + s[11:13] + s[14:16]
                                            + s[17:19])
            and s[4] + s[7] + s[10] + s[13] + s[16] + s[19] == "--T::Z"):
        if not block:
            raise _Refuse
        return _time(s[:4], s[5:7], s[8:10], s[11:13], s[14:16], s[17:19], None)
    m = re.fullmatch(_NUMBER, s, re.ASCII)
    if m is None:
        raise _Refuse
    if m.group(1):
        return int(s)
    if m.group(2):
        return float(s)
    if not block:  # the emitter quotes a time in a flow
        raise _Refuse
    return _time(*m.groups()[2:])


def _time(year: str, month: str, day: str, hour: str, minute: str, second: str,
          fraction: str | None) -> Any:
    """The datetime ruamel builds for a UTC time (its rounding of long fractions included)."""
    global _UTC
    from gitissues.timeutil import datetime, timedelta, timezone

    if _UTC is None:
        _UTC = timezone(timedelta(0), "Z")
    micro, carry = 0, False
    if fraction:
        micro = int(fraction[:6].ljust(6, "0"))
        if len(fraction) > 6 and fraction[6] > "4":
            micro += 1
        if micro > 999999:
            micro, carry = 0, True
    t = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second), micro,
                 _UTC)
    return t + timedelta(seconds=1) if carry else t
