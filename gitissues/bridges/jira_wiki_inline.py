"""The inline half of `jira_wiki_read`: a run of wiki markup (emphasis, `{{code}}`, links,
mentions, escapes, `{color}`) as ADF inline nodes; nothing in it is dropped."""

from __future__ import annotations

import re

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

_MARKS = {"*": "strong", "_": "em", "-": "strike", "+": "underline", "^": "sup", "~": "sub",
          "??": "em"}


_PLAIN = re.compile(r"[^\\\n&{\[*_\-+^~?]+")
_ENTITY = re.compile(r"&#(\d{1,7});")
_COLOR = re.compile(r"\{color(?::[^}]*)?\}")
_BRACED = re.compile(r"\{(\*|_|-|\+|\^|~|\?\?)\}")


def inline(text: str, marks: tuple[dict[str, Any], ...] = ()) -> list[dict[str, Any]]:
    """The ADF inline nodes of a run of wiki text (newlines are line breaks)."""
    out: list[dict[str, Any]] = []
    buf: list[str] = []

    def text_out() -> None:
        if buf:
            _add(out, "".join(buf), marks)
            buf.clear()

    i, n = 0, len(text)
    while i < n:
        plain = _PLAIN.match(text, i)
        if plain is not None:  # a run of characters that start nothing
            buf.append(plain.group())
            i = plain.end()
            continue
        ch = text[i]
        if text.startswith("\\\\", i):
            text_out()
            out.append({"type": "hardBreak"})
            i += 2
        elif ch == "\\" and i + 1 < n:
            buf.append(text[i + 1])
            i += 2
        elif ch == "\n":
            text_out()
            out.append({"type": "hardBreak"})
            i += 1
        elif (m := _ENTITY.match(text, i)) is not None:
            buf.append(chr(int(m.group(1))) if int(m.group(1)) < 0x110000 else m.group(0))
            i = m.end()
        elif text.startswith("{{", i) and (end := text.find("}}", i + 2)) > i + 2:
            text_out()
            _add(out, text[i + 2:end], tuple(x for x in marks if x["type"] == "link")
                 + ({"type": "code"},))
            i = end + 2
        elif ch == "[" and (end := _close_bracket(text, i)) > 0:
            text_out()
            out += _link(text[i + 1:end], marks)
            i = end + 1
        elif (m := _COLOR.match(text, i)) is not None:
            i = m.end()  # the colour goes, the text stays
        elif (span := _emphasis(text, i)) is not None:
            text_out()
            delim, inner_start, inner_end, after = span
            mark = _mark(delim)
            out += inline(text[inner_start:inner_end], marks + (mark,))
            i = after
        else:
            buf.append(ch)
            i += 1
    text_out()
    return out


def _mark(delim: str) -> dict[str, Any]:
    kind = _MARKS[delim]
    if kind in ("sup", "sub"):
        return {"type": "subsup", "attrs": {"type": kind}}
    return {"type": kind}


def _emphasis(text: str, i: int) -> tuple[str, int, int, int] | None:
    """(delimiter, inner start, inner end, index after) of an emphasis span opening at `i`."""
    braced = _BRACED.match(text, i)
    if braced:
        delim = braced.group(1)
        close = "{" + delim + "}"
        end = _find(text, close, i + len(close))
        if end < 0 or end == i + len(close):
            return None
        return delim, i + len(close), end, end + len(close)
    delim = "??" if text.startswith("??", i) else text[i]
    if delim not in _MARKS:
        return None
    before = text[i - 1] if i else " "
    first = text[i + len(delim)] if i + len(delim) < len(text) else " "
    if before.isalnum() or first.isspace():
        return None
    j = i + len(delim) + 1
    while (j := _find(text, delim, j)) >= 0:
        last = text[j - 1]
        after = text[j + len(delim)] if j + len(delim) < len(text) else " "
        if not last.isspace() and not after.isalnum() and text[j - 1] != "\\":
            return delim, i + len(delim), j, j + len(delim)
        j += 1
    return None


def _find(text: str, what: str, start: int) -> int:
    """The next unescaped `what` at or after `start`, outside `{{…}}`, or -1."""
    i = start
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text.startswith("{{", i):
            end = text.find("}}", i + 2)
            if end > 0:
                i = end + 2
                continue
        if text.startswith(what, i):
            return i
        i += 1
    return -1


def _close_bracket(text: str, i: int) -> int:
    j = i + 1
    while j < len(text) and text[j] != "]":
        if text[j] == "\n":
            return -1
        j += 2 if text[j] == "\\" else 1
    return j if j < len(text) and j > i + 1 else -1


def _link(inside: str, marks: tuple[dict[str, Any], ...]) -> list[dict[str, Any]]:
    if inside.startswith("~"):
        name = inside[1:]
        name = name[len("accountid:"):] if name.lower().startswith("accountid:") else name
        return [{"type": "mention", "attrs": {"id": name, "text": "@" + name}}]
    label, bar, href = _split_bar(inside)
    if not bar:
        href = label = inside
        return _linked([_plain(href)], href, marks)
    return _linked(inline(label, ()), href.strip(), marks)


def _plain(text: str) -> dict[str, Any]:
    return {"type": "text", "text": text}


def _split_bar(inside: str) -> tuple[str, str, str]:
    i = 0
    while i < len(inside):
        if inside[i] == "\\":
            i += 2
            continue
        if inside[i] == "|":
            return inside[:i], "|", inside[i + 1:]
        i += 1
    return inside, "", ""


def _linked(nodes: list[dict[str, Any]], href: str, marks: tuple[dict[str, Any], ...]
            ) -> list[dict[str, Any]]:
    link = {"type": "link", "attrs": {"href": href}}
    out: list[dict[str, Any]] = []
    for node in nodes:
        if node.get("type") == "text":
            _add(out, node["text"], marks + (link,) + tuple(node.get("marks") or ()))
        else:
            out.append(node)
    return out


def _add(out: list[dict[str, Any]], text: str, marks: tuple[dict[str, Any], ...]) -> None:
    if not text:
        return
    order = {"link": 0, "strong": 1, "em": 2, "strike": 3, "underline": 4, "subsup": 5,
             "code": 6}
    kept: list[dict[str, Any]] = []
    for mark in sorted(marks, key=lambda m: order.get(m["type"], 9)):
        if mark not in kept and not any(k["type"] == mark["type"] for k in kept):
            kept.append(dict(mark))
    if any(m["type"] == "code" for m in kept):
        kept = [m for m in kept if m["type"] in ("link", "code")]
    if out and out[-1].get("type") == "text" and (out[-1].get("marks") or []) == kept:
        out[-1]["text"] += text
        return
    node: dict[str, Any] = {"type": "text", "text": text}
    if kept:
        node["marks"] = kept
    out.append(node)
