"""Jira Data Center's wiki markup read into an ADF document (then `jira_adf` makes Markdown).

Blocks: `h1.`–`h6.`, `bq.`, `{quote}`, `{code[:lang]}`, `{noformat}`, `----`, lists of `*`,
`#` and `-` (nested by repeating: `*#`), tables of `||` header and `|` cells; a line break in a
paragraph is a line break (`\\\\` too). Inline: `*strong*`, `_em_`, `-strike-`, `+underline+`,
`^sup^`, `~sub~`, `??cite??` (as emphasis), the braced `{*}…{*}` forms, `{{code}}`,
`[text|url]`, `[url]`, `[~name]` (a mention; `[~accountid:…]` too), `{color:…}…{color}` (its
text), `\\` escapes and `&#NN;`. A block macro this module does not know (`{panel}`, `{info}`,
…) is kept whole as a `jira-wiki` code block, so it is written back as it was; an inline one
stays as its text. Nothing is dropped.
"""

from __future__ import annotations

import re

from gitissues.bridges.jira_wiki import RAW
from gitissues.bridges.jira_wiki_inline import inline

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

_BLOCK_MACROS = ("panel", "info", "note", "warning", "tip", "section", "column", "expand",
                 "html", "color", "div", "table-plus", "excerpt")
_HEADING = re.compile(r"^h([1-6])\.\s*(.*)$")
_LIST = re.compile(r"^\s*([*#]+|-)\s+(.*)$")


def to_adf(text: str) -> dict[str, Any]:
    """The ADF document for wiki markup `text`."""
    lines = (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return {"type": "doc", "version": 1, "content": _blocks(lines)}


def _blocks(lines: list[str]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    para: list[str] = []
    lists: list[tuple[str, dict[str, Any]]] = []  # (marker prefix, list node) open now

    def flush() -> None:
        if para:
            out.append({"type": "paragraph", "content": inline("\n".join(para))})
            para.clear()

    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        found = _macro_block(lines, i)
        if found is not None:
            flush()
            lists.clear()
            node, i = found
            out.append(node)
            continue
        item = _LIST.match(line)
        if item and not para:
            _list_item(out, lists, item.group(1), item.group(2))
            i += 1
            continue
        lists.clear()
        if not stripped:
            flush()
        elif (m := _HEADING.match(stripped)) is not None:
            flush()
            out.append({"type": "heading", "attrs": {"level": int(m.group(1))},
                        "content": inline(m.group(2).strip())})
        elif stripped.startswith("bq. ") or stripped == "bq.":
            flush()
            out.append({"type": "blockquote", "content": [
                {"type": "paragraph", "content": inline(stripped[3:].strip())}]})
        elif re.fullmatch(r"-{4,}", stripped):
            flush()
            out.append({"type": "rule"})
        elif stripped.startswith("|"):
            flush()
            rows = []
            while i < len(lines) and lines[i].strip().startswith("|"):
                rows.append(_row(lines[i].strip()))
                i += 1
            out.append({"type": "table", "attrs": {"isNumberColumnEnabled": False,
                                                   "layout": "default"}, "content": rows})
            continue
        else:
            if item and para:  # a list line right after a paragraph starts the list
                flush()
                _list_item(out, lists, item.group(1), item.group(2))
            else:
                para.append(line)
        i += 1
    flush()
    return out


def _list_item(out: list[dict[str, Any]], lists: list[tuple[str, dict[str, Any]]],
               marker: str, text: str) -> None:
    """Add an item at the depth its marker says, opening or closing nested lists."""
    marker = "*" if marker == "-" else marker
    while lists and not (marker.startswith(lists[-1][0]) and len(lists[-1][0]) <= len(marker)):
        lists.pop()
    if lists and lists[-1][0] == marker:
        target = lists[-1][1]
    else:
        kind = "orderedList" if marker[-1] == "#" else "bulletList"
        target = {"type": kind, "content": []}
        if kind == "orderedList":
            target["attrs"] = {"order": 1}
        if lists and lists[-1][1]["content"]:
            lists[-1][1]["content"][-1]["content"].append(target)
        else:
            out.append(target)
        lists.append((marker, target))
    target["content"].append({"type": "listItem", "content": [
        {"type": "paragraph", "content": inline(text.strip())}]})


def _macro_block(lines: list[str], i: int) -> tuple[dict[str, Any], int] | None:
    """A `{code}`, `{noformat}` or `{quote}` block, or another block macro kept raw, starting
    at line `i`: (node, the line after it); None when line `i` starts none."""
    stripped = lines[i].strip()
    m = re.match(r"^\{(code|noformat|quote|[a-z][\w-]*)(?::([^}]*))?\}", stripped)
    if m is None:
        return None
    name = m.group(1)
    if name not in ("code", "noformat", "quote") and name not in _BLOCK_MACROS:
        return None
    closing = "{" + name + "}"
    rest = stripped[m.end():]
    body: list[str] = []
    j = i
    if closing in rest:
        inner, _, after = rest.partition(closing)
        if after.strip():
            return None  # an inline macro at the start of a paragraph
        body = [inner]
        j = i + 1
    else:
        if rest:
            body.append(rest)
        j = i + 1
        while j < len(lines) and closing not in lines[j]:
            body.append(lines[j])
            j += 1
        if j >= len(lines):
            return None  # never closed: plain text
        before, _, _after = lines[j].partition(closing)
        if before:
            body.append(before)
        j += 1
    if name in ("code", "noformat"):
        language = (m.group(2) or "").split("|")[0]
        language = language.partition("=")[2] if "=" in language else language
        node: dict[str, Any] = {"type": "codeBlock"}
        if name == "code" and language:
            node["attrs"] = {"language": language}
        text = "\n".join(body)
        node["content"] = [{"type": "text", "text": text}] if text else []
        return node, j
    if name == "quote":
        return {"type": "blockquote", "content": _blocks(body) or [
            {"type": "paragraph", "content": []}]}, j
    raw = "\n".join(lines[i:j])
    return {"type": "codeBlock", "attrs": {"language": RAW},
            "content": [{"type": "text", "text": raw}]}, j


def _row(line: str) -> dict[str, Any]:
    cells = []
    for header, text in _cells(line):
        cells.append({"type": "tableHeader" if header else "tableCell", "attrs": {},
                      "content": [{"type": "paragraph", "content": inline(text.strip())}]})
    return {"type": "tableRow", "content": cells}


def _cells(line: str) -> list[tuple[bool, str]]:
    """(header?, text) of each cell; a `|` inside a link or escaped is text."""
    cells: list[tuple[bool, str]] = []
    i, n, depth = 0, len(line), 0
    header, start = False, None
    while i < n:
        ch = line[i]
        if ch == "\\" and i + 1 < n:
            i += 2
            continue
        if ch == "[":
            depth += 1
        elif ch == "]" and depth:
            depth -= 1
        elif ch == "|" and not depth:
            if start is not None:
                cells.append((header, line[start:i]))
            header = line[i:i + 2] == "||"
            i += 2 if header else 1
            start = i
            continue
        i += 1
    if start is not None and line[start:].strip():
        cells.append((header, line[start:]))
    return cells
