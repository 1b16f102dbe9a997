"""gi's Markdown as an Atlassian Document Format document (Jira Cloud), and back through
`jira_adf.to_markdown`; `jira_wiki` reaches Data Center's wiki markup through the same ADF.

Read with markdown-it (CommonMark with tables and strike-through, HTML off), so what Jira
shows is what a Markdown viewer would: a `[@Name](mention:ID)` link is a mention, an
```` ```adf ```` fence holding a node's JSON is that node again (see `jira_adf`). ADF cannot
hold everything Markdown can: an image becomes its text linked to its address, a heading or a
rule inside a quote or a list item becomes a paragraph, and inline code keeps only a link
beside it (Jira refuses code combined with other marks). A line break, soft or hard, is an ADF
`hardBreak`, so the lines of a body stay as they were written.
"""

from __future__ import annotations

import json

from gitissues.bridges.jira_adf import ADF_FENCE, MENTION

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

_MARKS = {"strong_open": "strong", "em_open": "em", "s_open": "strike"}
_CLOSE = {"strong_close": "strong", "em_close": "em", "s_close": "strike"}
# what ADF lets a list item and a quote hold directly
_IN_ITEM = ("paragraph", "bulletList", "orderedList", "codeBlock", "mediaSingle")
_IN_QUOTE = ("paragraph", "bulletList", "orderedList", "codeBlock", "mediaGroup", "mediaSingle")

_PARSER: Any = None


def _parser() -> Any:
    global _PARSER
    if _PARSER is None:
        from markdown_it import MarkdownIt

        md = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])
        md.normalizeLink = lambda url: url  # keep addresses as written (no %-encoding)
        md.normalizeLinkText = lambda text: text
        _PARSER = md
    return _PARSER


def from_markdown(text: str) -> dict[str, Any]:
    """The ADF document (`{"type": "doc", "version": 1, ...}`) for Markdown `text`."""
    tokens = _parser().parse(text or "")
    content, _ = _blocks(tokens, 0, None)
    return {"type": "doc", "version": 1, "content": content}


def _blocks(tokens: list[Any], i: int, until: str | None) -> tuple[list[dict[str, Any]], int]:
    """The block nodes from token `i` up to the closing token `until`; (nodes, next index)."""
    out: list[dict[str, Any]] = []
    while i < len(tokens):
        t = tokens[i]
        if until is not None and t.type == until:
            return out, i + 1
        kind = t.type
        if kind == "paragraph_open":
            out.append(_paragraph(tokens[i + 1]))
            i += 3
        elif kind == "heading_open":
            level = int(t.tag[1]) if t.tag[1:].isdigit() else 1
            node: dict[str, Any] = {"type": "heading", "attrs": {"level": level},
                                    "content": _inline(tokens[i + 1].children or [])}
            out.append(node)
            i += 3
        elif kind in ("bullet_list_open", "ordered_list_open"):
            node, i = _list(tokens, i)
            out.append(node)
        elif kind in ("fence", "code_block"):
            out.append(_code(t))
            i += 1
        elif kind == "blockquote_open":
            inner, i = _blocks(tokens, i + 1, "blockquote_close")
            out.append({"type": "blockquote", "content": _fit(inner, _IN_QUOTE)})
        elif kind == "hr":
            out.append({"type": "rule"})
            i += 1
        elif kind == "table_open":
            node, i = _table(tokens, i + 1)
            out.append(node)
        elif kind == "html_block":  # not produced with HTML off; kept as text if it is
            out.append(_text_paragraph(t.content.rstrip("\n")))
            i += 1
        else:
            i += 1
    return out, i


def _paragraph(inline: Any) -> dict[str, Any]:
    content = _inline(inline.children or [])
    while content and content[0]["type"] == "hardBreak":
        del content[0]
    while content and content[-1]["type"] == "hardBreak":
        del content[-1]
    return {"type": "paragraph", "content": content}


def _text_paragraph(text: str) -> dict[str, Any]:
    return {"type": "paragraph", "content": [{"type": "text", "text": text}] if text else []}


def _list(tokens: list[Any], i: int) -> tuple[dict[str, Any], int]:
    t = tokens[i]
    ordered = t.type == "ordered_list_open"
    close = "ordered_list_close" if ordered else "bullet_list_close"
    node: dict[str, Any] = {"type": "orderedList" if ordered else "bulletList", "content": []}
    if ordered:
        start = t.attrs.get("start")
        node["attrs"] = {"order": int(start) if start is not None else 1}
    i += 1
    while i < len(tokens) and tokens[i].type != close:
        if tokens[i].type == "list_item_open":
            inner, i = _blocks(tokens, i + 1, "list_item_close")
            inner = _fit(inner, _IN_ITEM)
            if not inner or inner[0]["type"] not in ("paragraph", "codeBlock", "mediaSingle"):
                inner.insert(0, {"type": "paragraph", "content": []})
            node["content"].append({"type": "listItem", "content": inner})
        else:
            i += 1
    return node, i + 1


def _fit(nodes: list[dict[str, Any]], allowed: tuple[str, ...]) -> list[dict[str, Any]]:
    """Nodes a container may hold: a heading becomes a paragraph of its text, a nested quote
    gives up its content, a rule becomes a paragraph `---`; the text always stays."""
    out: list[dict[str, Any]] = []
    for node in nodes:
        kind = node["type"]
        if kind in allowed:
            out.append(node)
        elif kind == "heading":
            out.append({"type": "paragraph", "content": node.get("content") or []})
        elif kind == "blockquote":
            out += _fit(node.get("content") or [], allowed)
        elif kind == "rule":
            out.append(_text_paragraph("---"))
        else:  # a table, say: kept whole as the fence jira_adf writes for it
            out.append({"type": "codeBlock", "attrs": {"language": ADF_FENCE},
                        "content": [{"type": "text", "text": json.dumps(
                            node, ensure_ascii=False, separators=(",", ":"))}]})
    return out


def _code(t: Any) -> dict[str, Any]:
    text = t.content[:-1] if t.content.endswith("\n") else t.content
    info = (t.info or "").strip().split(" ")[0] if t.type == "fence" else ""
    if info == ADF_FENCE:
        try:
            kept = json.loads(text)
        except ValueError:
            kept = None
        if isinstance(kept, dict) and isinstance(kept.get("type"), str):
            return kept
    node: dict[str, Any] = {"type": "codeBlock"}
    if info:
        node["attrs"] = {"language": info}
    node["content"] = [{"type": "text", "text": text}] if text else []
    return node


def _table(tokens: list[Any], i: int) -> tuple[dict[str, Any], int]:
    rows: list[dict[str, Any]] = []
    cells: list[dict[str, Any]] = []
    while i < len(tokens) and tokens[i].type != "table_close":
        t = tokens[i]
        if t.type == "tr_open":
            cells = []
        elif t.type == "tr_close":
            rows.append({"type": "tableRow", "content": cells})
        elif t.type in ("th_open", "td_open"):
            inline = _inline(tokens[i + 1].children or [])
            cells.append({"type": "tableHeader" if t.type == "th_open" else "tableCell",
                          "attrs": {}, "content": [{"type": "paragraph", "content": inline}]})
            i += 2
        i += 1
    return {"type": "table", "attrs": {"isNumberColumnEnabled": False, "layout": "default"},
            "content": rows}, i + 1


# --- inline ------------------------------------------------------------------------------

def _inline(children: list[Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    marks: list[dict[str, Any]] = []
    k = 0
    while k < len(children):
        c = children[k]
        kind = c.type
        if kind == "text":
            _add(out, c.content, marks)
        elif kind in ("softbreak", "hardbreak"):
            if out and out[-1]["type"] == "text" and "code" not in str(out[-1].get("marks")):
                out[-1]["text"] = out[-1]["text"].rstrip(" ")  # Markdown drops them too
                if not out[-1]["text"]:
                    out.pop()
            out.append({"type": "hardBreak"})
        elif kind == "code_inline":
            _add(out, c.content, [m for m in marks if m["type"] == "link"] + [{"type": "code"}])
        elif kind in _MARKS:
            marks.append({"type": _MARKS[kind]})
        elif kind in _CLOSE:
            _drop(marks, _CLOSE[kind])
        elif kind == "link_open":
            href = str(c.attrs.get("href") or "")
            if href.startswith(MENTION):
                k, text = _link_text(children, k + 1)
                out.append({"type": "mention", "attrs": {"id": href[len(MENTION):],
                                                          "text": text}})
                continue
            attrs = {"href": href}
            if c.attrs.get("title"):
                attrs["title"] = str(c.attrs["title"])
            marks.append({"type": "link", "attrs": attrs})
        elif kind == "link_close":
            _drop(marks, "link")
        elif kind == "image":
            src = str(c.attrs.get("src") or "")
            alt = "".join(x.content for x in c.children or []) or src
            _add(out, alt, [m for m in marks if m["type"] != "link"]
                 + [{"type": "link", "attrs": {"href": src}}])
        elif kind == "html_inline":
            _add(out, c.content, marks)
        k += 1
    return out


def _link_text(children: list[Any], k: int) -> tuple[int, str]:
    """The plain text of a link from child `k` to its close; (index after the close, text)."""
    parts = []
    while k < len(children) and children[k].type != "link_close":
        parts.append(children[k].content or "")
        k += 1
    return k + 1, "".join(parts)


def _drop(marks: list[dict[str, Any]], kind: str) -> None:
    for n in range(len(marks) - 1, -1, -1):
        if marks[n]["type"] == kind:
            del marks[n]
            return


def _add(out: list[dict[str, Any]], text: str, marks: list[dict[str, Any]]) -> None:
    """Append a text node, joined to the one before when their marks are the same."""
    if not text:
        return
    order = {"link": 0, "strong": 1, "em": 2, "strike": 3, "code": 4}
    kept = sorted((dict(m) for m in marks), key=lambda m: order.get(m["type"], 9))
    if out and out[-1].get("type") == "text" and (out[-1].get("marks") or []) == kept:
        out[-1]["text"] += text
        return
    node: dict[str, Any] = {"type": "text", "text": text}
    if kept:
        node["marks"] = kept
    out.append(node)
