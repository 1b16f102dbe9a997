"""Trees and commits in git's exact encoding, and a commit that changes a few files of its
parent written without starting git.

A change to one issue rewrites only the trees along its path (five at most in the fanned-out
layout, whatever the store's size): the parent's trees are read from the object store, the new
ones written as loose objects, byte for byte what `git write-tree` and `git commit-tree` make.
"""

from __future__ import annotations

import time
from collections import namedtuple

from gitissues.errors import GiError
from gitissues.git import RepoPaths, is_oid
from gitissues.git.objects import Missing, ObjectStore

TYPE_CHECKING = False  # typing costs ~3 ms to import; only type checkers need it
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

BLOB_MODE, TREE_MODE = "100644", "40000"  # git writes a tree's mode without the leading 0
# string checks, not regular expressions: compiling those would cost each process ~0.3 ms
_PATH_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-")
_IDENT_DROP = str.maketrans("", "", "<>\n\r\0")

# mode and name as git writes them (str; a name that is not UTF-8 keeps its bytes as
# surrogates), oid as 40 hex digits
TreeEntry = namedtuple("TreeEntry", "mode name oid")
Commit = namedtuple("Commit", "tree parents author committer message")


def is_tree(mode: str) -> bool:
    return int(mode, 8) & 0o170000 == 0o040000


def safe_path(path: str) -> bool:
    """A store path gi writes: `/`-separated names of letters, digits, `.`, `_` and `-`, none
    of them `.`, `..` or `.git` (which git itself refuses to check out)."""
    return isinstance(path, str) and all(
        part and _PATH_CHARS.issuperset(part) and part not in (".", "..")
        and part.lower() != ".git" for part in path.split("/"))


def _name_bytes(name: str) -> bytes:
    return name.encode("utf-8", "surrogateescape")


def parse_tree(data: bytes) -> list[TreeEntry]:
    """The entries of a tree object: `<mode> <name>\\0<20-byte id>` each."""
    out, pos, end = [], 0, len(data)
    try:
        while pos < end:
            space = data.index(b" ", pos)
            nul = data.index(b"\0", space)
            if nul + 21 > end:
                raise ValueError
            out.append(TreeEntry(data[pos:space].decode("ascii"),
                                 data[space + 1:nul].decode("utf-8", "surrogateescape"),
                                 data[nul + 1:nul + 21].hex()))
            pos = nul + 21
    except ValueError:
        raise GiError(f"malformed tree object at byte {pos}") from None
    return out


def tree_key(entry: TreeEntry) -> bytes:
    """git's order: by name bytes, a directory compared as if its name ended with '/'."""
    name = _name_bytes(entry.name)
    return name + b"/" if is_tree(entry.mode) else name


def serialize_tree(entries: Iterable[TreeEntry]) -> bytes:
    return b"".join(b"%s %s\0%s" % (e.mode.encode(), _name_bytes(e.name), bytes.fromhex(e.oid))
                    for e in sorted(entries, key=tree_key))


def parse_commit(data: bytes) -> Commit:
    """The tree, parents, author and committer lines (without their keyword) and message."""
    head, _, message = data.partition(b"\n\n")
    tree, parents, author, committer = None, [], None, None
    for line in head.split(b"\n"):
        key, _, value = line.partition(b" ")
        if key == b"tree" and tree is None:
            tree = value.decode("ascii", "replace")
        elif key == b"parent":
            parents.append(value.decode("ascii", "replace"))
        elif key == b"author" and author is None:
            author = value.decode("utf-8", "replace")
        elif key == b"committer" and committer is None:
            committer = value.decode("utf-8", "replace")
    if tree is None or not is_oid(tree) or not all(is_oid(p) for p in parents):
        raise GiError("malformed commit object: no valid tree or parent line")
    return Commit(tree, parents, author, committer, message)


def serialize_commit(tree: str, parents: Iterable[str], author: str, committer: str,
                     message: bytes) -> bytes:
    lines = [f"tree {tree}", *(f"parent {p}" for p in parents), f"author {author}",
             f"committer {committer}"]
    return "\n".join(lines).encode() + b"\n\n" + message


class _Dir(dict):
    """The changes below one directory: name -> new content, None, (blob id,) or a `_Dir`.
    `fresh`: the directory replaces a file or a removed directory of the same name, so
    nothing of the parent's entry is kept (fast-import's `D a` then `M a/b`)."""

    fresh = False


def _nest(changes: Mapping[str, bytes | tuple[str] | None]) -> _Dir:
    root = _Dir()
    for path, content in sorted(changes.items()):  # "a" before "a/b": the later one wins
        if not safe_path(path):
            raise GiError(f"refusing to write an unsafe store path: {path!r}")
        if isinstance(content, tuple) and (len(content) != 1 or not isinstance(content[0], str)
                                           or not is_oid(content[0])):
            raise GiError(f"not a blob id for {path}: {content!r}")
        *dirs, leaf = path.split("/")
        node: _Dir | None = root
        for part in dirs:
            sub = node.get(part)
            if part in node and not isinstance(sub, _Dir):  # this commit set or removed `part`
                if content is None:  # nothing below a file (or a removed path) to remove
                    node = None
                    break
                sub = node[part] = _Dir()
                sub.fresh = True
            elif sub is None:
                sub = node[part] = _Dir()
            node = sub
        if node is not None:
            node[leaf] = content
    return root


def _rewrite(store: ObjectStore, tree: str | None, changes: _Dir) -> str | None:
    """The id of `tree` with `changes` applied (None when nothing is left in it)."""
    entries: dict[str, TreeEntry] = {}
    if tree is not None and not changes.fresh:
        entries = {e.name: e for e in parse_tree(_read(store, tree, "tree"))}
    before = dict(entries)
    for name, change in changes.items():
        if isinstance(change, _Dir):
            old = entries.get(name)
            old_tree = old.oid if old is not None and is_tree(old.mode) else None
            sub = _rewrite(store, old_tree, change)
            if sub is not None:
                entries[name] = TreeEntry(TREE_MODE, name, sub)
            elif old_tree is not None or change.fresh:
                entries.pop(name, None)  # a directory left empty goes
            # else: only removals below a file, which stays
        elif change is None:
            entries.pop(name, None)
        elif isinstance(change, tuple):
            kind = store.kind(change[0])
            if kind is None:
                raise Missing(f"blob {change[0]} (for {name}) is missing from the repository",
                              oid=change[0])
            if kind != "blob":
                raise GiError(f"object {change[0]} (for {name}) is a {kind}, not a blob")
            entries[name] = TreeEntry(BLOB_MODE, name, change[0])
        else:
            entries[name] = TreeEntry(BLOB_MODE, name, store.write("blob", bytes(change)))
    if not entries:
        return None
    if tree is not None and entries == before:
        return tree
    return store.write("tree", serialize_tree(entries.values()))


def _read(store: ObjectStore, oid: str, kind: str) -> bytes:
    found, data = store.read(oid)
    if found != kind:
        raise GiError(f"object {oid} is a {found}, not a {kind}")
    return data


def read_path(paths: RepoPaths, commit: str | None, path: str,
              store: ObjectStore | None = None) -> bytes | None:
    """The blob at `path` in `commit` (None: no commit, no such file, or not a file), read
    in-process: a settings or issue file without starting git."""
    if commit is None:
        return None
    own = store is None
    if store is None:
        store = ObjectStore(paths)
    try:
        oid = parse_commit(_read(store, commit, "commit")).tree
        for name in path.split("/"):
            entry = next((e for e in parse_tree(_read(store, oid, "tree")) if e.name == name),
                         None)
            if entry is None:
                return None
            oid = entry.oid
        kind, data = store.read(oid)
        return data if kind == "blob" else None
    finally:
        if own:
            store.close()


def signature(author: tuple[str, str], when: int | None = None) -> str:
    """`name <email> <unix time> +0000`, without the characters that would break the line."""
    name = author[0].translate(_IDENT_DROP).strip() or "gi"
    email = author[1].translate(_IDENT_DROP).strip() or "gi@issue-facade.invalid"
    return f"{name} <{email}> {int(time.time()) if when is None else when} +0000"


def write_commit(paths: RepoPaths, parent: str | None,
                 changes: Mapping[str, bytes | tuple[str] | None], message: str,
                 author: tuple[str, str], merged: Iterable[str] = (), *,
                 store: ObjectStore | None = None) -> str:
    """A commit on `parent` (None: a root commit) with files set (bytes), moved in from an
    existing blob (`(blob_id,)`) or removed (None); `merged` adds parents. Returns its id;
    no ref moves (see `refs.update_ref`). Pass an open `store` to reuse its mapped packs."""
    own = store is None
    if store is None:
        store = ObjectStore(paths)
    try:
        parents = [parent] if parent is not None else []
        parents += list(merged)
        for p in parents:
            if not isinstance(p, str) or not is_oid(p):
                raise GiError(f"not an object id: {p!r}")
        nested = _nest(changes)
        base = parse_commit(_read(store, parent, "commit")).tree if parent else None
        for p in parents[1:]:
            if store.kind(p) != "commit":
                raise Missing(f"the commit {p} to merge is missing from the repository", oid=p)
        tree = _rewrite(store, base, nested)
        if tree is None:
            tree = store.write("tree", b"")
        stamp = signature(author)
        return store.write("commit", serialize_commit(tree, parents, stamp, stamp,
                                                      message.encode("utf-8")))
    finally:
        if own:
            store.close()
