"""The inline half of `jira_adf`: ADF text, marks, mentions and other inline nodes as gi's
Markdown, escaped so that it reads back as the same text (see `jira_adf` for the whole)."""

from __future__ import annotations

import re

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

MENTION = "mention:"  # the link scheme of a mention
_ORDER = ("link", "strong", "em", "strike", "code")  # marks Markdown can say, outermost first


def plain_text(node: Any) -> str:
    """The text of a node and everything in it, for titles and messages."""
    if isinstance(node, list):
        return "".join(plain_text(n) for n in node)
    if not isinstance(node, dict):
        return ""
    if node.get("type") == "text":
        return str(node.get("text") or "")
    if node.get("type") == "hardBreak":
        return "\n"
    own = _atom_text(node) if node.get("type") in _ATOMS else ""
    return own + plain_text(node.get("content") or [])


_LINE_START = [
    re.compile(r"^(\s*)(#{1,6})(?=\s|$)"),  # a heading
    re.compile(r"^(\s*)(>)"),  # a quote
    re.compile(r"^(\s*)([-+*])(?=\s|$)"),  # a bullet
    re.compile(r"^(\s*)(=+|-+)(?=\s*$)"),  # a setext underline
    re.compile(r"^(\s*)([-*_])(?=(?:\s*\2){2,}\s*$)"),  # a rule
]
_ORDERED_START = re.compile(r"^(\s*\d{1,9})([.)])(?=\s|$)")


def paragraph(content: list[Any]) -> str:
    """A paragraph's inline Markdown, with every line kept from starting a block."""
    lines = inline(content).strip("\n").split("\n")
    out = []
    for line in lines:
        line = line.strip(" \t")
        for pattern in _LINE_START:
            line = pattern.sub(lambda m: m.group(1) + "\\" + m.group(2), line, count=1)
        line = _ORDERED_START.sub(lambda m: m.group(1) + "\\" + m.group(2), line, count=1)
        out.append(line)
    return "\n".join(out)


def _marks(node: dict[str, Any]) -> dict[str, Any]:
    """The marks of a node that Markdown can say, by type (a link with its attributes)."""
    found = {}
    for mark in node.get("marks") or []:
        if isinstance(mark, dict) and mark.get("type") in _ORDER:
            found[mark["type"]] = mark
    return found


def _same(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return False
    return a.get("type") == b.get("type") and (a.get("attrs") or {}) == (b.get("attrs") or {})


def inline(nodes: list[Any]) -> str:
    items = [n for n in nodes if isinstance(n, dict)]
    return _run([(n, _marks(n)) for n in items])


def _run(items: list[tuple[dict[str, Any], dict[str, Any]]]) -> str:
    """Render nodes with their open marks: the mark covering the longest stretch from the
    current node opens first (links outermost on a tie), so marks nest as Markdown needs."""
    out: list[str] = []
    i = 0
    while i < len(items):
        node, marks = items[i]
        wrapping = {k: v for k, v in marks.items() if k != "code"}
        if not wrapping:
            # plain text nodes side by side are one text: what to escape depends on the
            # character after, which may be the next node's first
            code, end = "code" in marks, i + 1
            while node.get("type") == "text" and end < len(items) and items[end][0].get(
                    "type") == "text" and set(items[end][1]) == ({"code"} if code else set()):
                end += 1
            text = "".join(str(n.get("text") or "") for n, _ in items[i:end])
            out.append(_leaf({"type": "text", "text": text} if end > i + 1 else node, code))
            i = end
            continue
        best, best_end = None, i
        for kind in _ORDER:
            if kind not in wrapping:
                continue
            end = i
            while end < len(items) and _same(items[end][1].get(kind), wrapping[kind]):
                end += 1
            if end > best_end:
                best, best_end = kind, end
        assert best is not None
        inner = _run([(n, {k: v for k, v in m.items() if k != best})
                      for n, m in items[i:best_end]])
        out.append(_wrap(best, wrapping[best], inner))
        i = best_end
    return "".join(out)


def _wrap(kind: str, mark: dict[str, Any], inner: str) -> str:
    if kind == "link":
        href = str((mark.get("attrs") or {}).get("href") or "")
        title = (mark.get("attrs") or {}).get("title")
        if not inner.strip() or not href:
            return inner
        return f"[{_bracketed(inner)}]({_destination(href)}{_title(title)})"
    delim = {"strong": "**", "em": "*", "strike": "~~"}[kind]
    core = inner.strip(" \n")
    if not core:
        return inner
    lead = inner[:len(inner) - len(inner.lstrip(" \n"))]
    tail = inner[len(inner.rstrip(" \n")):]
    return f"{lead}{delim}{core}{delim}{tail}"


def _bracketed(text: str) -> str:
    """Link text: a `]` not escaped yet would end it early."""
    return re.sub(r"(?<!\\)\]", r"\\]", text)


def _destination(href: str) -> str:
    if re.search(r"[\s<>]", href) or href.count("(") != href.count(")"):
        return "<" + href.replace("\\", "\\\\").replace("<", "\\<").replace(">", "\\>") + ">"
    return href.replace("\\", "\\\\")


def _title(title: Any) -> str:
    if not title:
        return ""
    return ' "' + str(title).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _leaf(node: dict[str, Any], code: bool) -> str:
    kind = node.get("type")
    if kind == "text":
        text = str(node.get("text") or "")
        return _code(text) if code else escape(text)
    if kind == "hardBreak":
        return "\n"
    if kind == "mention":
        attrs = node.get("attrs") or {}
        name = str(attrs.get("text") or attrs.get("id") or "")
        return f"[{_bracketed(escape(name))}]({_destination(MENTION + str(attrs.get('id') or ''))})"
    return escape(_atom_text(node))


_ATOMS = ("emoji", "inlineCard", "date", "status", "mention", "mediaInline", "placeholder")


def _atom_text(node: dict[str, Any]) -> str:
    """An inline node other than text as its text: an emoji as itself, a card as its URL, a
    date as YYYY-MM-DD, a status as [TEXT]; anything else as its text or its type."""
    from datetime import UTC, datetime

    kind, attrs = node.get("type"), node.get("attrs") or {}
    if kind == "emoji":
        return str(attrs.get("text") or attrs.get("shortName") or "")
    if kind == "inlineCard":
        return str(attrs.get("url") or "")
    if kind == "date":
        try:
            stamp = int(str(attrs.get("timestamp"))) / 1000
            return datetime.fromtimestamp(stamp, UTC).strftime("%Y-%m-%d")
        except (TypeError, ValueError, OverflowError, OSError):
            return str(attrs.get("timestamp") or "")
    if kind == "status":
        return f"[{attrs.get('text') or ''}]"
    if kind == "mention":
        return str(attrs.get("text") or attrs.get("id") or "")
    text = attrs.get("text") or plain_text(node.get("content") or [])
    return str(text) if text else f"[{kind}]"


def _code(text: str) -> str:
    text = text.replace("\n", " ")
    longest = max((len(r) for r in re.findall(r"`+", text)), default=0)
    ticks = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or (
        text.startswith(" ") and text.endswith(" ") and text.strip()) else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def escape(text: str) -> str:
    """Text as Markdown that reads back as exactly this text, escaping only what could start
    markup where it stands (an underscore inside a word, say, never does)."""
    out = []
    n = len(text)
    for i, ch in enumerate(text):
        before = text[i - 1] if i else ""
        after = text[i + 1] if i + 1 < n else ""
        if ch in "\\`*[":
            out.append("\\" + ch)
        elif ch == "_":
            out.append(ch if before.isalnum() and after.isalnum() else "\\_")
        elif ch == "~":
            out.append("\\~" if "~" in (before, after) else ch)
        elif ch == "<":
            out.append("\\<" if after.isalpha() or (after and after in "/!?") else ch)
        elif ch == "&":
            rest = text[i + 1:i + 34]
            out.append("\\&" if re.match(r"#\d{1,7};|#[xX][0-9a-fA-F]{1,6};|[A-Za-z][A-Za-z0-9]*;",
                                         rest) else ch)
        elif ch == "!" and after == "[":
            out.append("\\!")
        else:
            out.append(ch)
    return "".join(out)
