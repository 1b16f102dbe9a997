"""Editing a hand-written YAML document in place: a `gi` edit of one field changes only that
field's node, so comments, key order, formatting and unknown keys of the file survive (SPEC §2).
Used by the model for files that are not in gi's own canonical layout."""

from __future__ import annotations

from gitissues import timeutil, yamlio

TYPE_CHECKING = False  # typing costs ~3 ms to import; only type checkers need it
if TYPE_CHECKING:
    from typing import Any


def _plain(v: Any) -> Any:
    """A document node as plain values (ruamel containers and datetimes), for comparing."""
    if isinstance(v, dict):
        return {str(k): _plain(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_plain(x) for x in v]
    if hasattr(v, "isoformat"):
        return timeutil.normalize_time(v)
    return str(v) if isinstance(v, str) else v


def merge_into(doc: Any, before: dict, after: dict, order: tuple[str, ...]) -> None:
    """Make the round-trip document `doc` (which says `before`) say `after`, touching only the
    keys that changed; a key the file leaves out is added only when its value stops being the
    default. New keys go where `order` (the canonical key order) puts them."""
    for key in list(doc.keys()):
        if key not in after:
            del doc[key]
    for key, value in after.items():
        if before.get(key) == value:
            continue
        if key in doc:
            doc[key] = _update_node(doc[key], value)
        else:
            doc.insert(_insert_pos(doc, key, order), key, _node(value))


def _insert_pos(doc: Any, key: str, order: tuple[str, ...]) -> int:
    """After the last present key that comes before `key` in canonical order."""
    if key not in order:
        return len(doc)
    before = set(order[: order.index(key)])
    pos = 0
    for n, k in enumerate(doc.keys()):
        if k in before:
            pos = n + 1
    return pos


def _node(value: Any) -> Any:
    if isinstance(value, str) and "\n" in value:
        return yamlio.literal(value)
    if isinstance(value, list) and value and all(not isinstance(x, dict | list) for x in value):
        from ruamel.yaml.comments import CommentedSeq

        seq = CommentedSeq(value)
        seq.fa.set_flow_style()
        return seq
    if isinstance(value, list):
        return [_node(x) for x in value]
    if isinstance(value, dict):
        return {k: _node(v) for k, v in value.items()}
    return value


def _update_node(node: Any, value: Any) -> Any:
    """Change a document node in place where it is a container (keeps its style and comments)."""
    if isinstance(node, dict) and isinstance(value, dict):
        old = _plain(dict(node))
        for k in list(node.keys()):
            if k not in value:
                del node[k]
        for k, v in value.items():
            if k not in node:
                node[k] = _node(v)
            elif old.get(k) != v:
                node[k] = _update_node(node[k], v)
        return node
    if isinstance(node, list) and isinstance(value, list):
        old = _plain(list(node))
        fa = getattr(node, "fa", None)
        if fa is not None and all(not isinstance(x, dict | list) for x in value) and (
                not old or fa.flow_style()):
            fa.set_flow_style()
        if old == value[: len(old)]:  # an append (new comments, labels)
            node.extend(_node(x) for x in value[len(old):])
        else:
            del node[:]
            node.extend(_node(x) for x in value)
        return node
    return _node(value)
