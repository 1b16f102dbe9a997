"""Edit one key of a JSON file in place: every byte outside it stays as it was.

Agent tools keep their settings in JSON that people format by hand, so gi never re-serialises
a whole file. It finds where each value lies in the text (`scan`), inserts a member or an array
item after the last one with the separators the file already uses, and removes it by cutting
exactly what it inserted — so an insertion followed by a removal gives back the same bytes.
"""

from __future__ import annotations

import json

from gitissues.errors import InvalidData

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

_WS = " \t\r\n"


class Node:
    """A value's place in the text: [start, end); an object's members as (key, key start,
    value), an array's items."""

    def __init__(self, kind: str, start: int) -> None:
        self.kind, self.start, self.end = kind, start, start
        self.members: list[tuple[str, int, Node]] = []
        self.items: list[Node] = []

    def member(self, key: str) -> Node | None:
        return next((v for k, _, v in self.members if k == key), None)


def scan(text: str, where: str) -> Node:
    """The document's top value, with positions (InvalidData naming the file if it is not
    JSON)."""
    try:
        json.loads(text)
    except ValueError as exc:
        raise InvalidData(f"{where}: not valid JSON ({exc}); gi leaves it alone", file=where
                          ) from None
    node, _ = _value(text, _skip(text, 0))
    return node


def _skip(text: str, i: int) -> int:
    while i < len(text) and text[i] in _WS:
        i += 1
    return i


def _value(text: str, i: int) -> tuple[Node, int]:
    c = text[i]
    if c == "{":
        node, i = Node("object", i), _skip(text, i + 1)
        while text[i] != "}":
            key_start = i
            key, i = _string(text, i)
            value, i = _value(text, _skip(text, _skip(text, i) + 1))
            node.members.append((key, key_start, value))
            i = _skip(text, i)
            if text[i] == ",":
                i = _skip(text, i + 1)
    elif c == "[":
        node, i = Node("array", i), _skip(text, i + 1)
        while text[i] != "]":
            item, i = _value(text, i)
            node.items.append(item)
            i = _skip(text, i)
            if text[i] == ",":
                i = _skip(text, i + 1)
    else:
        node = Node("scalar", i)
        if c == '"':
            return _end(node, _string(text, i)[1])
        while i < len(text) and text[i] not in _WS + ",]}":
            i += 1
        return _end(node, i)
    return _end(node, i + 1)


def _end(node: Node, end: int) -> tuple[Node, int]:
    node.end = end
    return node, end


def _string(text: str, i: int) -> tuple[str, int]:
    j = i + 1
    while text[j] != '"':
        j += 2 if text[j] == "\\" else 1
    return json.loads(text[i:j + 1]), j + 1


# --- formatting like the file -------------------------------------------------------------------

def _unit(text: str) -> str:
    """The file's indentation step (two spaces when it shows none)."""
    for line in text.splitlines()[1:]:
        stripped = line.lstrip(" \t")
        if stripped and len(stripped) < len(line):
            return line[: len(line) - len(stripped)]
    return "  "


def _separator(text: str, node: Node) -> str | None:
    """What comes between the opening bracket and the first child: "\\n    " in a file laid
    out one member a line, "" or " " in one written inline; None for an empty container."""
    children = node.members or node.items
    if not children:
        return None
    first = children[0][1] if node.members else children[0].start  # type: ignore[index]
    return text[node.start + 1: first]


def _formatted(value: Any, sep: str, unit: str) -> str:
    """`value` as JSON laid out to sit after `sep` (inline when the container is inline)."""
    if "\n" not in sep:
        return json.dumps(value, ensure_ascii=False)
    indent = sep[sep.rindex("\n") + 1:]
    return json.dumps(value, ensure_ascii=False, indent=unit).replace("\n", "\n" + indent)


def _depth_indent(text: str, node: Node) -> str:
    """The indentation of the line the container opens on."""
    start = text.rfind("\n", 0, node.start) + 1
    line = text[start: node.start]
    return line[: len(line) - len(line.lstrip(" \t"))]


def _insert(text: str, node: Node, piece: Callable[[str], str]) -> str:
    """`text` with a child added at the end of `node`; `piece(sep)` is the child's text."""
    sep = _separator(text, node)
    if sep is None:  # an empty container: lay it out afresh
        outer = _depth_indent(text, node)
        inner = "\n" + outer + _unit(text)
        opening, closing = text[node.start], text[node.end - 1]
        return (text[: node.start] + opening + inner + piece(inner) + "\n" + outer + closing
                + text[node.end:])
    ends = [v.end for _, _, v in node.members] if node.members else [n.end for n in node.items]
    starts = [k for _, k, _ in node.members] if node.members else [n.start for n in node.items]
    # as the file separates its children, else as its first child sits
    between = text[ends[0]: starts[1]] if len(ends) > 1 else "," + (sep if "\n" in sep
                                                                      else " ")
    return text[: ends[-1]] + between + piece(sep) + text[ends[-1]:]


def _cut(text: str, node: Node, index: int) -> str:
    """`text` without child `index` of `node`: exactly the inverse of `_insert` for the last
    child, and the child with its following separator otherwise."""
    starts = [k for _, k, _ in node.members] if node.members else [n.start for n in node.items]
    ends = [v.end for _, _, v in node.members] if node.members else [n.end for n in node.items]
    if len(starts) == 1:
        return text[: node.start] + text[node.start] + text[node.end - 1] + text[node.end:]
    if index == len(starts) - 1:
        return text[: ends[index - 1]] + text[ends[index]:]
    return text[: starts[index]] + text[starts[index + 1]:]


# --- the operations -------------------------------------------------------------------------

def _nested(path: list[str], value: Any) -> Any:
    for key in reversed(path):
        value = {key: value}
    return value


def _container(text: str, where: str, path: list[str]) -> tuple[Node, list[str]]:
    """The deepest value along `path` that exists, and the keys still missing below it."""
    node = scan(text, where)
    for n, key in enumerate(path):
        if node.kind != "object":
            name = ".".join(path[:n]) or "the top"
            raise InvalidData(f"{where}: {name} is not a JSON object; gi leaves it alone",
                              file=where)
        child = node.member(key)
        if child is None:
            return node, path[n:]
        node = child
    return node, []


def _expect(node: Node, kind: str, where: str, path: list[str]) -> None:
    if node.kind != kind:
        name = ".".join(path) or "the top"
        raise InvalidData(f"{where}: {name} is not a JSON {kind}; gi leaves it alone",
                          file=where)


def put_member(text: str, where: str, path: list[str], key: str, value: Any) -> str:
    """`text` with `path.key` set to `value` (the objects on `path` made when missing)."""
    node, missing = _container(text, where, path)
    unit = _unit(text)
    _expect(node, "object", where, path[: len(path) - len(missing)])
    if missing:
        new = _nested(missing[1:] + [key], value)
        return _insert(text, node, lambda sep: f"{json.dumps(missing[0])}: "
                                               f"{_formatted(new, sep, unit)}")
    current = node.member(key)
    if current is None:
        return _insert(text, node, lambda sep: f"{json.dumps(key)}: "
                                               f"{_formatted(value, sep, unit)}")
    if json.loads(text[current.start: current.end]) == value:
        return text
    sep = _separator(text, node) or "\n"
    return text[: current.start] + _formatted(value, sep, unit) + text[current.end:]


def drop_member(text: str, where: str, path: list[str], key: str) -> str:
    """`text` without `path.key`; each object on `path` it leaves empty goes too."""
    chain = [scan(text, where)]
    for part in path:
        child = chain[-1].member(part) if chain[-1].kind == "object" else None
        if child is None:
            return text
        chain.append(child)
    keys = [k for k, _, _ in chain[-1].members] if chain[-1].kind == "object" else []
    if key not in keys:
        return text
    return _prune(text, where, path, chain, keys.index(key))


def _prune(text: str, where: str, path: list[str], chain: list[Node], index: int) -> str:
    """Cut child `index` of the last node of `chain`; then cut the parents emptied by it."""
    level = len(chain) - 1
    while level > 0 and len(chain[level].members or chain[level].items) == 1:
        parent = chain[level - 1]
        index = [k for k, _, _ in parent.members].index(path[level - 1])
        level -= 1
    return _cut(text, chain[level], index)


def put_item(text: str, where: str, path: list[str], item: Any,
             ours: Callable[[Any], bool]) -> str:
    """`text` with `item` in the array at `path` (made when missing), in place of the item
    `ours` recognises, if any."""
    node, missing = _container(text, where, path)
    unit = _unit(text)
    if missing:
        _expect(node, "object", where, path[: len(path) - len(missing)])
        new = _nested(missing[1:], [item])
        return _insert(text, node, lambda sep: f"{json.dumps(missing[0])}: "
                                               f"{_formatted(new, sep, unit)}")
    _expect(node, "array", where, path)
    for child in node.items:
        if ours(json.loads(text[child.start: child.end])):
            if json.loads(text[child.start: child.end]) == item:
                return text
            sep = _separator(text, node) or "\n"
            return text[: child.start] + _formatted(item, sep, unit) + text[child.end:]
    return _insert(text, node, lambda sep: _formatted(item, sep, unit))


def drop_item(text: str, where: str, path: list[str], ours: Callable[[Any], bool]) -> str:
    """`text` without the array item `ours` recognises; parents emptied by it go too."""
    chain = [scan(text, where)]
    for part in path:
        child = chain[-1].member(part) if chain[-1].kind == "object" else None
        if child is None:
            return text
        chain.append(child)
    if chain[-1].kind != "array":
        return text
    for n, child in enumerate(chain[-1].items):
        if ours(json.loads(text[child.start: child.end])):
            return _prune(text, where, path, chain, n)
    return text


def is_empty_object(text: str) -> bool:
    try:
        return json.loads(text) == {}
    except ValueError:
        return False
