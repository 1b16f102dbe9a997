"""Atlassian Document Format (Jira Cloud's rich text) as gi's Markdown (SPEC §8).

The Markdown written here is the one form `jira_markdown.from_markdown` reads back into the
same document: paragraphs, headings, nested lists, code blocks, quotes, rules, simple tables,
links, emphasis, strike-through, inline code and mentions (`[@Name](mention:ACCOUNT_ID)`, a
link whose scheme keeps the account id, so a mention survives the trip). A line break inside a
paragraph (ADF `hardBreak`) is a plain newline, so a body's own line breaks travel unchanged.

Nothing is dropped: a block node this module does not know (a panel, an expand, media, a table
with merged cells) is kept whole as a fenced ```` ```adf ```` block holding its JSON, which
`from_markdown` turns back into the node; an unknown inline node is written as its text.
Formatting Markdown cannot say (underline, colour) is left out; its text stays.
"""

from __future__ import annotations

import json
import re

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

ADF_FENCE = "adf"  # the info string of a block kept as its JSON
MENTION = "mention:"  # the link scheme of a mention
_ORDER = ("link", "strong", "em", "strike", "code")  # marks Markdown can say, outermost first
_PUNCT = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"


def to_markdown(doc: Any) -> str:
    """Markdown for an ADF document (a plain string, as Jira's v2 API sends, passes as is)."""
    if doc is None:
        return ""
    if isinstance(doc, str):
        return doc
    if not isinstance(doc, dict):
        return str(doc)
    nodes = doc.get("content") if doc.get("type") == "doc" else [doc]
    return _blocks(nodes or []).strip("\n")


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
    inline = _atom_text(node) if node.get("type") in _ATOMS else ""
    return inline + plain_text(node.get("content") or [])


# --- blocks ------------------------------------------------------------------------------

def _blocks(nodes: list[Any]) -> str:
    out: list[str] = []
    last_list: tuple[str, str] | None = None  # (kind, delimiter) of the list just written
    for node in nodes:
        if not isinstance(node, dict):
            continue
        kind = node.get("type")
        if kind in ("bulletList", "orderedList"):
            # two lists in a row would read back as one: the second takes the other delimiter
            plain = "-" if kind == "bulletList" else "."
            other = "*" if kind == "bulletList" else ")"
            delim = other if last_list == (kind, plain) else plain
            out.append(_list(node, delim))
            last_list = (kind, delim)
            continue
        last_list = None
        text = _block(node)
        if text is not None:
            out.append(text)
    return "\n\n".join(out)


def _block(node: dict[str, Any]) -> str | None:
    kind = node.get("type")
    content = node.get("content") or []
    if kind == "paragraph":
        text = _paragraph(content)
        return text if text.strip() else None
    if kind == "heading":
        level = _level(node)
        text = _inline(content).replace("\n", " ").strip()
        return "#" * level + (" " + re.sub(r"(#+)$", r"\\\1", text) if text else "")
    if kind == "codeBlock":
        return _fence(plain_text(content), str((node.get("attrs") or {}).get("language") or ""))
    if kind == "blockquote":
        inner = _blocks(content)
        return "\n".join(">" + (" " + line if line else "") for line in inner.split("\n"))
    if kind == "rule":
        return "---"
    if kind == "table" and _simple_table(node):
        return _table(node)
    return _fence(json.dumps(node, ensure_ascii=False, separators=(",", ":")), ADF_FENCE)


def _level(node: dict[str, Any]) -> int:
    try:
        return min(6, max(1, int((node.get("attrs") or {}).get("level") or 1)))
    except (TypeError, ValueError):
        return 1


def _fence(text: str, info: str) -> str:
    info = info.replace("`", "").replace("\n", " ").strip()
    runs = [len(m) for m in re.findall(r"^ *(`{3,})", text, re.M)]
    fence = "`" * max(3, *(r + 1 for r in runs)) if runs else "```"
    return f"{fence}{info}\n{text}\n{fence}" if text else f"{fence}{info}\n{fence}"


def _list(node: dict[str, Any], delim: str) -> str:
    ordered = node.get("type") == "orderedList"
    try:
        start = int((node.get("attrs") or {}).get("order") or 1) if ordered else 1
    except (TypeError, ValueError):
        start = 1
    items, loose = [], False
    for n, item in enumerate(i for i in node.get("content") or [] if isinstance(i, dict)):
        marker = f"{start + n}{delim} " if ordered else f"{delim} "
        body, spread = _item(item.get("content") or [] if item.get("type") == "listItem"
                             else [item])
        loose = loose or spread
        pad = " " * len(marker)
        lines = body.split("\n")
        first = (marker + lines[0]).rstrip() if lines[0] else marker.rstrip()
        items.append("\n".join([first, *(pad + x if x else "" for x in lines[1:])]))
    return ("\n\n" if loose else "\n").join(items)


def _item(children: list[Any]) -> tuple[str, bool]:
    """A list item's Markdown (without its marker) and whether it needs blank lines."""
    parts: list[str] = []
    spread = False
    previous = None
    last_list: tuple[str, str] | None = None
    for child in children:
        if not isinstance(child, dict):
            continue
        kind = child.get("type")
        if kind in ("bulletList", "orderedList"):
            plain = "-" if kind == "bulletList" else "."
            delim = ("*" if kind == "bulletList" else ")") if last_list == (kind, plain) \
                else plain
            text = _list(child, delim)
            last_list = (kind, delim)
        else:
            text = _block(child)
            last_list = None
        if text is None:
            continue
        if parts:
            # a list or a fence may follow a paragraph line directly; anything else (and an
            # ordered list not starting at 1, which cannot interrupt a paragraph) needs a gap
            direct = previous == "paragraph" and (
                kind == "bulletList" or kind == "codeBlock"
                or (kind == "orderedList" and text.startswith(("1.", "1)"))))
            spread = spread or not direct
            parts.append("\n" if direct else "\n\n")
        parts.append(text)
        previous = kind
    return "".join(parts), spread


def _simple_table(node: dict[str, Any]) -> bool:
    """A table Markdown can hold: a header row, then plain rows of equal width, each cell at
    most one paragraph without line breaks, nothing merged."""
    rows = [r for r in node.get("content") or [] if isinstance(r, dict)]
    if not rows or any(r.get("type") != "tableRow" for r in rows):
        return False
    width = None
    for n, row in enumerate(rows):
        cells = row.get("content") or []
        want = "tableHeader" if n == 0 else "tableCell"
        if not cells or (width is not None and len(cells) != width):
            return False
        width = len(cells)
        for cell in cells:
            attrs = cell.get("attrs") or {}
            if cell.get("type") != want or (attrs.get("colspan") or 1) != 1 \
                    or (attrs.get("rowspan") or 1) != 1:
                return False
            inner = cell.get("content") or []
            if len(inner) > 1 or (inner and inner[0].get("type") != "paragraph"):
                return False
            if inner and any(x.get("type") == "hardBreak" for x in inner[0].get("content") or []):
                return False
    return True


def _table(node: dict[str, Any]) -> str:
    lines = []
    for n, row in enumerate(node.get("content") or []):
        cells = []
        for cell in row.get("content") or []:
            inner = cell.get("content") or []
            text = _inline(inner[0].get("content") or []) if inner else ""
            cells.append(text.replace("|", "\\|").strip())
        lines.append("| " + " | ".join(cells) + " |")
        if n == 0:
            lines.append("| " + " | ".join("---" for _ in cells) + " |")
    return "\n".join(lines)


# --- inline ------------------------------------------------------------------------------

_LINE_START = [
    re.compile(r"^(\s*)(#{1,6})(?=\s|$)"),  # a heading
    re.compile(r"^(\s*)(>)"),  # a quote
    re.compile(r"^(\s*)([-+*])(?=\s|$)"),  # a bullet
    re.compile(r"^(\s*)(=+|-+)(?=\s*$)"),  # a setext underline
    re.compile(r"^(\s*)([-*_])(?=(?:\s*\2){2,}\s*$)"),  # a rule
]
_ORDERED_START = re.compile(r"^(\s*\d{1,9})([.)])(?=\s|$)")


def _paragraph(content: list[Any]) -> str:
    """A paragraph's inline Markdown, with every line kept from starting a block."""
    lines = _inline(content).strip("\n").split("\n")
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


def _inline(nodes: list[Any]) -> str:
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
            out.append(_leaf(node, "code" in marks))
            i += 1
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
            out.append("\\<" if after.isalpha() or after in "/!?" else ch)
        elif ch == "&":
            rest = text[i + 1:i + 34]
            out.append("\\&" if re.match(r"#\d{1,7};|#[xX][0-9a-fA-F]{1,6};|[A-Za-z][A-Za-z0-9]*;",
                                         rest) else ch)
        elif ch == "!" and after == "[":
            out.append("\\!")
        else:
            out.append(ch)
    return "".join(out)
