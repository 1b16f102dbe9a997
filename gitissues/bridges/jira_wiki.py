"""Jira Data Center's wiki markup, written from an ADF document (SPEC §8).

Markdown reaches wiki markup through the ADF document `jira_markdown` builds, and comes back
through `jira_wiki_read` (wiki → ADF) and `jira_adf` (ADF → Markdown), so both deployments
share one converter per direction. Emphasis takes Jira's `{*}…{*}` form where the plain form
would not be read inside a word; a mention is `[~name]`; a block the wiki cannot say (a table
with merged cells, a kept ```` ```adf ```` block) is `{code:adf}` with its JSON, and a wiki
macro this module does not know comes back from `jira_wiki_read` as a `jira-wiki` code block
and is written out again as it was.
"""

from __future__ import annotations

import json
import re

from gitissues.bridges.jira_adf import ADF_FENCE, plain_text

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

RAW = "jira-wiki"  # the language of a code block holding wiki markup kept as it was
DELIMS = {"strong": "*", "em": "_", "strike": "-", "underline": "+"}
SUBSUP = {"sub": "~", "sup": "^"}
_ORDER = ("link", "strong", "em", "strike", "underline", "subsup", "code")


def from_adf(doc: Any) -> str:
    """Wiki markup for an ADF document."""
    if not isinstance(doc, dict):
        return str(doc or "")
    nodes = doc.get("content") if doc.get("type") == "doc" else [doc]
    return "\n\n".join(b for b in (_block(n) for n in nodes or [] if isinstance(n, dict))
                       if b is not None)


def _block(node: dict[str, Any]) -> str | None:
    kind = node.get("type")
    content = node.get("content") or []
    if kind == "paragraph":
        text = _paragraph(content)
        return text if text.strip() else None
    if kind == "heading":
        try:
            level = min(6, max(1, int((node.get("attrs") or {}).get("level") or 1)))
        except (TypeError, ValueError):
            level = 1
        return f"h{level}. " + _inline(content, " ").strip()
    if kind in ("bulletList", "orderedList"):
        return "\n".join(_list(node, ""))
    if kind == "codeBlock":
        text = plain_text(content)
        language = str((node.get("attrs") or {}).get("language") or "")
        if language == RAW:
            return text
        if not language:
            return "{noformat}\n" + text + "\n{noformat}"
        return "{code:" + re.sub(r"[^\w+#.-]", "", language) + "}\n" + text + "\n{code}"
    if kind == "blockquote":
        return "{quote}\n" + from_adf({"type": "doc", "content": content}) + "\n{quote}"
    if kind == "rule":
        return "----"
    if kind == "table" and _plain_table(node):
        return _table(node)
    kept = json.dumps(node, ensure_ascii=False, separators=(",", ":"))
    return "{code:" + ADF_FENCE + "}\n" + kept + "\n{code}"


def _list(node: dict[str, Any], prefix: str) -> list[str]:
    mark = prefix + ("#" if node.get("type") == "orderedList" else "*")
    lines: list[str] = []
    for item in node.get("content") or []:
        if not isinstance(item, dict):
            continue
        texts: list[str] = []
        nested: list[str] = []
        for child in item.get("content") or [] if item.get("type") == "listItem" else [item]:
            if not isinstance(child, dict):
                continue
            if child.get("type") in ("bulletList", "orderedList"):
                nested += _list(child, mark)
            elif child.get("type") == "paragraph":
                texts.append(_inline(child.get("content") or [], "\\\\"))
            else:  # a wiki list item is one line: other blocks go on it as their text
                texts.append(_inline([{"type": "text", "text": plain_text(child)}], "\\\\"))
        lines.append(f"{mark} " + " \\\\ ".join(t for t in texts if t.strip()))
        lines += nested
    return lines


def _plain_table(node: dict[str, Any]) -> bool:
    for row in node.get("content") or []:
        for cell in (row or {}).get("content") or []:
            attrs = (cell or {}).get("attrs") or {}
            inner = (cell or {}).get("content") or []
            if (attrs.get("colspan") or 1) != 1 or (attrs.get("rowspan") or 1) != 1 \
                    or len(inner) > 1 or (inner and inner[0].get("type") != "paragraph"):
                return False
    return True


def _table(node: dict[str, Any]) -> str:
    rows = []
    for row in node.get("content") or []:
        cells = []
        for cell in row.get("content") or []:
            bar = "||" if cell.get("type") == "tableHeader" else "|"
            inner = cell.get("content") or []
            text = _inline(inner[0].get("content") or [], "\\\\") if inner else ""
            cells.append(bar + (text.replace("|", "\\|").strip() or " "))
        rows.append("".join(cells) + ("||" if cells and cells[-1].startswith("||") else "|"))
    return "\n".join(rows)


# --- inline ------------------------------------------------------------------------------

_LINE = re.compile(r"^(h[1-6]\.|bq\.|[*#]+(?=\s)|-(?=\s)|-{4,}|\|)")


def _paragraph(content: list[Any]) -> str:
    lines = _inline(content, "\n").split("\n")
    return "\n".join(_LINE.sub(lambda m: "\\" + m.group(1), line.lstrip(" \t"), count=1)
                     for line in lines)


def _marks(node: dict[str, Any]) -> dict[str, Any]:
    return {m["type"]: m for m in node.get("marks") or []
            if isinstance(m, dict) and m.get("type") in _ORDER}


def _same(a: Any, b: Any) -> bool:
    return a is not None and b is not None and a.get("type") == b.get("type") \
        and (a.get("attrs") or {}) == (b.get("attrs") or {})


def _inline(nodes: list[Any], newline: str) -> str:
    items = [(n, _marks(n)) for n in nodes if isinstance(n, dict)]
    return _render(_run(items, newline), "", "")


def _run(items: list[tuple[dict[str, Any], dict[str, Any]]], newline: str) -> list[Any]:
    """The nodes as a tree of strings and (delimiter, pieces) pairs: the mark covering the
    longest stretch opens first, so marks nest; `_render` places the delimiters."""
    out: list[Any] = []
    i = 0
    while i < len(items):
        node, marks = items[i]
        wrapping = {k: v for k, v in marks.items() if k != "code"}
        if not wrapping:
            out.append(_leaf(node, "code" in marks, newline))
            i += 1
            continue
        best, end_at = None, i
        for kind in _ORDER:
            if kind in wrapping:
                end = i
                while end < len(items) and _same(items[end][1].get(kind), wrapping[kind]):
                    end += 1
                if end > end_at:
                    best, end_at = kind, end
        assert best is not None
        inner = _run([(n, {k: v for k, v in m.items() if k != best})
                      for n, m in items[i:end_at]], newline)
        out.append(_wrap(best, wrapping[best], inner))
        i = end_at
    return out


def _wrap(kind: str, mark: dict[str, Any], inner: list[Any]) -> Any:
    if kind == "link":
        href = str((mark.get("attrs") or {}).get("href") or "")
        text = _render(inner, "", "")
        if not href:
            return text
        if _unescaped(text) == href:
            return "[" + href.replace("|", "%7C").replace("]", "%5D") + "]"
        label = text.replace("|", "\\|").replace("]", "\\]")
        return "[" + label + "|" + href.replace("]", "%5D") + "]"
    if kind == "subsup":
        delim = SUBSUP.get(str((mark.get("attrs") or {}).get("type")), "")
    else:
        delim = DELIMS[kind]
    return (delim, inner) if delim else inner


def _unescaped(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text).replace("&#92;", "\\")


def _render(tree: list[Any], before: str, after: str) -> str:
    """Place each delimiter: the plain form where Jira reads it (not against a letter or a
    digit outside), else the braced form `{*}…{*}`; spaces at its inner edges go outside."""
    out = ""
    for n, piece in enumerate(tree):
        if isinstance(piece, str):
            out += piece
            continue
        if isinstance(piece, list):
            out += _render(piece, (before + out)[-1:], _first(tree[n + 1:]) or after)
            continue
        delim, sub = piece
        inner = _render(sub, "", "")
        core = inner.strip(" ")
        if not core:
            out += inner
            continue
        lead, tail = inner[:len(inner) - len(inner.lstrip(" "))], inner[len(inner.rstrip(" ")):]
        prev = (before + out + lead)[-1:]
        nxt = tail[:1] or _first(tree[n + 1:]) or after
        mark = "{" + delim + "}" if prev.isalnum() or nxt.isalnum() else delim
        out += lead + mark + core + mark + tail
    return out


def _first(pieces: list[Any]) -> str:
    for piece in pieces:
        if isinstance(piece, str):
            if piece:
                return piece[0]
        elif isinstance(piece, list):
            found = _first(piece)
            if found:
                return found
        else:
            return piece[0][:1]
    return ""


def _leaf(node: dict[str, Any], code: bool, newline: str) -> str:
    kind = node.get("type")
    if kind == "text":
        text = str(node.get("text") or "")
        if code:
            return "{{" + text.replace("\n", " ").replace("}}", "} }") + "}}"
        return escape(text).replace("\n", newline)
    if kind == "hardBreak":
        return newline
    if kind == "mention":
        return "[~" + str((node.get("attrs") or {}).get("id") or "") + "]"
    return escape(plain_text(node) or f"[{kind}]")


_EMPH = "*_-+^~"


def escape(text: str) -> str:
    """Text as wiki markup that reads back as itself: a backslash as an entity, and any
    character that could open or close markup where it stands escaped."""
    out = []
    n = len(text)
    for i, ch in enumerate(text):
        # past either end of the text lies another node, which may be anything
        before = text[i - 1] if i else None
        after = text[i + 1] if i + 1 < n else None
        if ch == "\\":
            out.append("&#92;")
        elif ch == "&" and re.match(r"#\d{1,7};", text[i + 1:i + 10]):
            out.append("&#38;")
        elif ch in "[{":
            out.append("\\" + ch)
        elif ch in _EMPH:
            opens = (before is None or not before.isalnum()) and (
                after is None or not after.isspace())
            closes = (before is None or not before.isspace()) and (
                after is None or not after.isalnum())
            out.append("\\" + ch if opens or closes else ch)
        elif ch == "?" and "?" in (before, after):
            out.append("\\?")
        elif ch == "!" and (after is None or not after.isspace()):
            out.append("\\!")
        else:
            out.append(ch)
    return "".join(out)
