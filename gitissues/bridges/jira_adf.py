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

from gitissues.bridges.jira_adf_inline import MENTION, inline, paragraph, plain_text

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

ADF_FENCE = "adf"  # the info string of a block kept as its JSON
__all__ = ["ADF_FENCE", "MENTION", "plain_text", "to_markdown"]


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
        text = paragraph(content)
        return text if text.strip() else None
    if kind == "heading":
        level = _level(node)
        text = inline(content).replace("\n", " ").strip()
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
            text = inline(inner[0].get("content") or []) if inner else ""
            cells.append(text.replace("|", "\\|").strip())
        lines.append("| " + " | ".join(cells) + " |")
        if n == 0:
            lines.append("| " + " | ".join("---" for _ in cells) + " |")
    return "\n".join(lines)
