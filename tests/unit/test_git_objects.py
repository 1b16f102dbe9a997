"""The in-process object store (gitissues.git.objects, packs, commits) against the real git:
every object of loose, packed, deeply deltified (OFS and REF deltas), thin-fetched and
re-indexed repositories reads back as `git cat-file` shows it; written objects, trees and
commits are byte for byte what git writes."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from gitref import fast_import_commit

from gitissues.errors import GiError, InvalidData
from gitissues.git import find_repo
from gitissues.git.commits import (
    TreeEntry,
    parse_commit,
    parse_tree,
    serialize_tree,
    write_commit,
)
from gitissues.git.objects import Corrupt, Missing, ObjectStore, object_id
from gitissues.git.packs import REF_DELTA, Pack

AUTHOR = ("Unit Tester", "unit@example.invalid")


@pytest.fixture
def sb(sandbox, monkeypatch):
    """The sandbox, with this process's git environment made the same as its git's."""
    for key in ("HOME", "XDG_CONFIG_HOME", "GIT_CONFIG_GLOBAL", "GIT_CONFIG_NOSYSTEM"):
        monkeypatch.setenv(key, sandbox.env[key])
    return sandbox


def git_objects(sb, repo: Path | None = None) -> dict[str, tuple[str, bytes]]:
    """Every object git finds in the repository: {id: (type, contents)}."""
    proc = subprocess.run(["git", "cat-file", "--batch-all-objects", "--batch"],
                          cwd=repo or sb.repo, env=sb.env, capture_output=True, check=True)
    out, pos, data = {}, 0, proc.stdout
    while pos < len(data):
        end = data.index(b"\n", pos)
        oid, kind, size = data[pos:end].decode().split()
        out[oid] = (kind, data[end + 1:end + 1 + int(size)])
        pos = end + 1 + int(size) + 1
    return out


def assert_reads_like_git(sb, repo: Path | None = None) -> int:
    want = git_objects(sb, repo)
    with ObjectStore(find_repo(repo or sb.repo)) as store:
        for oid, (kind, data) in want.items():
            assert store.read(oid) == (kind, data), oid
            assert store.kind(oid) == kind
    return len(want)


def fast_import(sb, commits: int, repo: Path | None = None, start: int = 0) -> None:
    """A history git writes itself: a document edited a line at a time (long delta chains),
    issue files added and changed, a binary file, an empty one, an annotated tag."""
    doc = [f"line {k}: " + "lorem ipsum dolor sit amet " * 3 for k in range(300)]
    parts = []
    for n in range(start, start + commits):
        doc[(n * 37) % len(doc)] = f"line edited in commit {n}"
        files = {"doc.txt": "\n".join(doc).encode(), f"issues/{n % 7}/gi-{n:04x}.yaml":
                 f"id: gi-{n:04x}\ntitle: issue {n}\n".encode(), "empty": b"",
                 "bin": bytes(range(256)) * (n % 3 + 1)}
        body = b"".join(b"M 100644 inline %s\ndata %d\n%s\n" % (p.encode(), len(d), d)
                        for p, d in files.items())
        parts.append(b"commit refs/heads/main\ncommitter C <c@x> %d +0000\ndata 8\ncommit %d\n"
                     % (1700000000 + n, n % 10)
                     + (b"from refs/heads/main^0\n" if n == start else b"")  # then its tip
                     + body + b"\n")
    parts.append(b"tag v%d\nfrom refs/heads/main\ntagger T <t@x> 1700000000 +0000\ndata 4\n"
                 b"tag\n" % (start + commits))
    subprocess.run(["git", "fast-import", "--quiet"], cwd=repo or sb.repo, env=sb.env,
                   input=b"".join(parts), check=True)


def pack_kinds(pack_file: Path, offsets: list[int]) -> set[int]:
    pack = Pack(pack_file.with_suffix(".idx"))
    try:
        return {pack.entry(o)[0] for o in offsets}
    finally:
        pack.close()


def verify_pack(sb, repo: Path | None = None) -> tuple[Path, list[int], int]:
    """The one pack: its path, the offset of every object (from git) and the longest chain."""
    [idx] = (repo or sb.repo).glob(".git/objects/pack/*.idx")
    out = subprocess.run(["git", "verify-pack", "-v", str(idx)], env=sb.env,
                         capture_output=True, text=True, check=True).stdout
    offsets, depth = [], 0
    for line in out.splitlines():
        f = line.split()
        if len(f) >= 5 and len(f[0]) == 40:
            offsets.append(int(f[4]))
            depth = max(depth, int(f[5]) if len(f) >= 7 else 0)
    return idx.with_suffix(".pack"), offsets, depth


# --- reading ---------------------------------------------------------------------------------

def test_loose_objects_read_like_git(sb):
    fast_import(sb, 5)
    for pack in sb.repo.glob(".git/objects/pack/*.pack"):  # fast-import packs: unpack them
        data = pack.read_bytes()
        for f in pack.parent.glob(pack.stem + ".*"):
            f.unlink()
        subprocess.run(["git", "unpack-objects", "-q"], cwd=sb.repo, env=sb.env, input=data,
                       check=True)
    assert not list(sb.repo.glob(".git/objects/pack/*.pack"))
    assert assert_reads_like_git(sb) > 20


def test_deep_ofs_delta_chains_after_aggressive_repack(sb):
    fast_import(sb, 120)
    sb.git("gc", "-q", "--aggressive")
    sb.git("repack", "-q", "-a", "-d", "-f", "--depth=50", "--window=250")
    pack, offsets, depth = verify_pack(sb)
    assert depth >= 20, depth
    assert 6 in pack_kinds(pack, offsets)  # OFS_DELTA
    assert assert_reads_like_git(sb) > 300


def test_ref_deltas_and_index_versions(sb):
    fast_import(sb, 60)
    sb.git("-c", "repack.useDeltaBaseOffset=false", "repack", "-q", "-a", "-d", "-f",
           "--depth=50", "--window=50")
    pack, offsets, depth = verify_pack(sb)
    assert depth >= 10 and pack_kinds(pack, offsets) >= {REF_DELTA}, depth
    assert_reads_like_git(sb)
    # the same pack indexed as v1, then as v2 with every offset past 64 in the 8-byte table
    for version in ("1", "2,0x40"):
        pack.with_suffix(".idx").unlink()
        sb.git("index-pack", f"--index-version={version}", str(pack))
        idx = Pack(pack.with_suffix(".idx"))
        assert idx.version == int(version[0]) and idx.count == len(offsets)
        idx.close()
        assert_reads_like_git(sb)


def test_thin_pack_fetch_ref_deltas(sb, tmp_path):
    fast_import(sb, 30)
    clone = tmp_path / "clone"
    sb.git("clone", "-q", "--no-local", str(sb.repo), str(clone))
    fast_import(sb, 10, start=30)
    subprocess.run(["git", "-c", "fetch.unpackLimit=1", "fetch", "-q", "origin"], cwd=clone,
                   env=sb.env, check=True)
    packs = sorted(clone.glob(".git/objects/pack/*.pack"), key=lambda p: p.stat().st_mtime)
    assert len(packs) == 2
    fetched = Pack(packs[-1].with_suffix(".idx"))
    kinds = {fetched.entry(fetched.find(bytes.fromhex(oid)))[0] for oid in fetched.all_ids()}
    fetched.close()
    assert REF_DELTA in kinds  # deltas against objects the clone had (the thin pack's bases)
    assert assert_reads_like_git(sb, clone) > 100


def test_ref_delta_whose_base_is_outside_the_pack_is_corrupt(sb):
    """git resolves a REF_DELTA only against its own pack (a thin pack is completed when it
    is received); the reader refuses one whose base is elsewhere, as git does."""
    base = b"the base text of this object, long enough to copy from\n" * 4
    with ObjectStore(find_repo(sb.repo)) as store:
        base_id = store.write("blob", base)  # loose
    target = base[:100] + b"INSERTED" + base[100:]
    delta = (varint(len(base)) + varint(len(target)) + bytes([0x90, 100])  # copy base[0:100]
             + bytes([8]) + b"INSERTED" + bytes([0x91, 100, len(base) - 100]))  # the rest
    header = bytes([0x80 | (REF_DELTA << 4) | (len(delta) & 15)]) + varint(len(delta) >> 4)
    target_id = object_id("blob", target)
    write_pack(sb.repo, [(target_id, header + bytes.fromhex(base_id) + zlib.compress(delta))])
    assert not sb.git_ok("cat-file", "blob", target_id)
    with ObjectStore(find_repo(sb.repo)) as store, pytest.raises(Corrupt, match=base_id):
        store.read(target_id)
    # the same delta with its base in the pack reads back
    with ObjectStore(find_repo(sb.repo)) as store:
        raw_base = bytes([0x80 | (3 << 4) | (len(base) & 15)]) + varint(len(base) >> 4)
        for f in sb.repo.glob(".git/objects/pack/*"):
            f.unlink()
        write_pack(sb.repo, [(target_id, header + bytes.fromhex(base_id) + zlib.compress(delta)),
                             (base_id, raw_base + zlib.compress(base))])
        assert store.read(target_id) == ("blob", target)
    assert sb.git_bytes("cat-file", "blob", target_id) == target


def varint(n: int) -> bytes:
    out = bytearray()
    while True:
        out.append((n & 0x7F) | (0x80 if n > 0x7F else 0))
        n >>= 7
        if not n:
            return bytes(out)


def write_pack(repo: Path, entries: list[tuple[str, bytes]]) -> None:
    """A pack (v2) and its index (v2) written by hand: entries are (id, raw entry bytes)."""
    from hashlib import sha1

    body, offsets = b"PACK" + (2).to_bytes(4, "big") + len(entries).to_bytes(4, "big"), {}
    for oid, raw in entries:
        offsets[oid] = len(body)
        body += raw
    pack = body + sha1(body).digest()
    ids = sorted(offsets)
    fanout = b"".join(sum(1 for i in ids if int(i[:2], 16) <= b).to_bytes(4, "big")
                      for b in range(256))
    idx = (b"\377tOc" + (2).to_bytes(4, "big") + fanout + b"".join(bytes.fromhex(i) for i in ids)
           + bytes(4 * len(ids)) + b"".join(offsets[i].to_bytes(4, "big") for i in ids)
           + pack[-20:])
    name = repo / ".git" / "objects" / "pack" / f"pack-{pack[-20:].hex()}"
    name.parent.mkdir(parents=True, exist_ok=True)
    name.with_suffix(".pack").write_bytes(pack)
    name.with_suffix(".idx").write_bytes(idx + sha1(idx).digest())


def test_objects_found_again_after_gc_removed_the_mapped_pack(sb):
    fast_import(sb, 20)
    sb.git("repack", "-q", "-a", "-d")
    [old_pack] = sb.repo.glob(".git/objects/pack/*.pack")
    old_tip = sb.git("rev-parse", "main")
    store = ObjectStore(find_repo(sb.repo))
    unmapped = ObjectStore(find_repo(sb.repo))  # has the index, never mapped the pack
    assert store.read(old_tip)[0] == "commit"
    fast_import(sb, 5, start=20)
    new_tip = sb.git("rev-parse", "main")
    sb.git("gc", "-q", "--prune=now")
    assert not old_pack.exists()
    assert store.read(new_tip)[0] == "commit"  # in the new pack only: found by a re-scan
    assert store.read(old_tip)[0] == "commit"
    assert unmapped.read(old_tip)[0] == "commit"  # its pack is gone: re-scanned, found anew
    assert unmapped.read(new_tip)[0] == "commit"
    for s in (store, unmapped):
        assert [p.pack_path.exists() for p in s.packs] == [True]
        s.close()
    assert_reads_like_git(sb)


def test_alternates(sb, tmp_path):
    fast_import(sb, 10)
    sb.git("repack", "-q", "-a", "-d")
    shared = tmp_path / "shared"
    sb.git("clone", "-q", "--shared", str(sb.repo), str(shared))
    assert (shared / ".git" / "objects" / "info" / "alternates").is_file()
    assert not list(shared.glob(".git/objects/pack/*"))
    assert assert_reads_like_git(sb, shared) > 50
    with ObjectStore(find_repo(shared)) as store:
        oid = store.write("blob", b"only in the clone\n")
    assert (shared / ".git" / "objects" / oid[:2] / oid[2:]).is_file()
    assert not (sb.repo / ".git" / "objects" / oid[:2]).joinpath(oid[2:]).exists()


def test_missing_and_corrupt_objects(sb):
    with ObjectStore(find_repo(sb.repo)) as store:
        absent = "0123456789abcdef0123456789abcdef01234567"
        with pytest.raises(Missing) as e:
            store.read(absent)
        assert isinstance(e.value, InvalidData) and e.value.exit_code == 5
        assert absent in e.value.message
        assert store.kind(absent) is None and not store.has(absent)
        with pytest.raises(ValueError):
            store.read("HEAD")
        oid = store.write("blob", b"soon broken\n")
        path = sb.repo / ".git" / "objects" / oid[:2] / oid[2:]
        path.chmod(0o644)
        path.write_bytes(zlib.compress(b"blob 99\0soon broken\n"))
        with pytest.raises(Corrupt):
            store.read(oid)
        path.write_bytes(b"not zlib at all")
        with pytest.raises(Corrupt):
            store.read(oid)


# --- writing ---------------------------------------------------------------------------------

def test_write_is_git_hash_object(sb):
    repo = find_repo(sb.repo)
    umask = os.umask(0o022)
    os.umask(umask)
    with ObjectStore(repo) as store:
        for kind, data in (("blob", b""), ("blob", b"x\n" * 1000), ("blob", bytes(range(256))),
                           ("tree", b""), ("commit", sb.git_bytes("cat-file", "commit", "HEAD"))):
            oid = store.write(kind, data)
            expected = subprocess.run(["git", "hash-object", "-t", kind, "--stdin"],
                                      cwd=sb.repo, env=sb.env, input=data, capture_output=True,
                                      check=True).stdout.decode().strip()
            assert oid == expected == object_id(kind, data)
            path = sb.repo / ".git" / "objects" / oid[:2] / oid[2:]
            assert stat.S_IMODE(path.stat().st_mode) == 0o444 & ~umask
            assert zlib.decompress(path.read_bytes()) == b"%s %d\0" % (kind.encode(),
                                                                       len(data)) + data
            assert sb.git_bytes("cat-file", kind, oid) == data
    assert not list(sb.repo.glob(".git/objects/**/tmp_obj_*"))
    sb.git("fsck", "--strict")


def test_write_existing_object_only_freshens_it(sb):
    (sb.repo / "hello").write_text("hello\n")
    sb.git("add", "hello")
    sb.git("commit", "-q", "-m", "hello")
    with ObjectStore(find_repo(sb.repo)) as store:
        oid = store.write("blob", b"hello\n")
        path = sb.repo / ".git" / "objects" / oid[:2] / oid[2:]
        os.utime(path, (1_000_000, 1_000_000))
        inode = path.stat().st_ino
        assert store.write("blob", b"hello\n") == oid
        assert path.stat().st_ino == inode and path.stat().st_mtime > 1_000_000
    sb.git("gc", "-q", "--prune=now")
    assert not path.exists()
    [pack] = sb.repo.glob(".git/objects/pack/*.pack")
    os.utime(pack, (1_000_000, 1_000_000))
    with ObjectStore(find_repo(sb.repo)) as store:
        assert store.write("blob", b"hello\n") == oid
    assert not path.exists() and pack.stat().st_mtime > 1_000_000


def test_concurrent_writers_of_the_same_objects(sb):
    """Eight processes write the same 300 objects at once (fan-out directories appearing,
    links racing): every write succeeds, every object is whole, no temporary file is left."""
    script = ("import sys\nfrom gitissues.git import find_repo\n"
              "from gitissues.git.objects import ObjectStore\n"
              "s = ObjectStore(find_repo(sys.argv[1]))\n"
              "for k in range(300):\n    s.write('blob', b'object %d\\n' % k * 50)\n")
    procs = [subprocess.Popen([sys.executable, "-c", script, str(sb.repo)]) for _ in range(8)]
    assert [p.wait(timeout=120) for p in procs] == [0] * 8
    assert not list(sb.repo.glob(".git/objects/**/tmp_obj_*"))
    with ObjectStore(find_repo(sb.repo)) as store:
        for k in range(300):
            data = b"object %d\n" % k * 50
            assert store.read(object_id("blob", data)) == ("blob", data)
    sb.git("fsck", "--strict")


# --- trees and commits -----------------------------------------------------------------------

def test_tree_order_and_modes_are_gits(sb):
    blob = sb.git("hash-object", "-w", "--stdin", input="x\n")
    tree = sb.git("mktree", input=f"100644 blob {blob}\tinner\n")
    names = [("a", tree), ("a-b", blob), ("a.b", blob), ("a0", blob), ("a_b", blob),
             ("b.c", tree), ("b", blob), ("b-c", tree), ("ab", blob)]
    listing = "".join(f"{'040000 tree' if o == tree else '100644 blob'} {o}\t{n}\n"
                      for n, o in names)
    expected = sb.git("mktree", input=listing)
    entries = [TreeEntry("40000" if o == tree else "100644", n, o) for n, o in names]
    data = serialize_tree(reversed(entries))
    assert object_id("tree", data) == expected
    assert sb.git_bytes("cat-file", "tree", expected) == data
    parsed = parse_tree(data)
    assert [e.name for e in parsed] == ["a-b", "a.b", "a", "a0", "a_b", "ab", "b", "b-c", "b.c"]
    assert {e.mode for e in parsed} == {"100644", "40000"}
    with pytest.raises(GiError):
        parse_tree(data[:-3])


def committed_by_git(sb, ours: str, env_extra: dict | None = None) -> str:
    """`git commit-tree` of the same tree, parents, author, time and message as `ours`."""
    commit = parse_commit(sb.git_bytes("cat-file", "commit", ours))
    who, _, when = commit.author.rpartition("> ")
    name, _, email = who.partition(" <")
    env = {"GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email, "GIT_COMMITTER_NAME": name,
           "GIT_COMMITTER_EMAIL": email, "GIT_AUTHOR_DATE": f"@{when}",
           "GIT_COMMITTER_DATE": f"@{when}", **(env_extra or {})}
    args = ["git", "commit-tree", commit.tree, *[a for p in commit.parents for a in ("-p", p)]]
    return subprocess.run(args, cwd=sb.repo, env={**sb.env, **env}, input=commit.message,
                          capture_output=True, check=True).stdout.decode().strip()


def test_commits_are_byte_identical_to_commit_tree(sb):
    repo = find_repo(sb.repo)
    root = write_commit(repo, None, {"issues/1/a.yaml": b"a\n"}, "root", AUTHOR)
    assert committed_by_git(sb, root) == root
    head = sb.git("rev-parse", "HEAD")
    merge = write_commit(repo, root, {"issues/2/b.yaml": b"b\n"}, "Zusammenführung ✓\n\nbody\n",
                         ("Bob <bob>\n", "<bob@example.invalid>\n"), merged=[head])
    assert committed_by_git(sb, merge) == merge
    commit = parse_commit(sb.git_bytes("cat-file", "commit", merge))
    assert commit.parents == [root, head]
    assert commit.author.startswith("Bob bob <bob@example.invalid> ")
    assert commit.author.endswith(" +0000") and commit.author == commit.committer
    sb.git("fsck", "--strict")


def test_write_commit_rewrites_only_the_trees_along_the_path(sb):
    repo = find_repo(sb.repo)
    files = {f"issues/{k % 4}/{k % 3}/gi-{k}.yaml": b"%d\n" % k for k in range(40)}
    tip = write_commit(repo, None, {**files, "settings.yaml": b"v: 1\n"}, "all", AUTHOR)

    def loose() -> set[Path]:
        return set(sb.repo.glob(".git/objects/??/*"))

    before = loose()
    new = write_commit(repo, tip, {"issues/1/2/gi-5.yaml": b"changed\n"}, "one", AUTHOR)
    assert len(loose() - before) == 6  # blob, 4 trees (2/, 1/, issues/, root), commit
    assert sb.git("diff-tree", "-r", "--name-only", "--no-commit-id", tip, new) == \
        "issues/1/2/gi-5.yaml"
    # remove everything in a directory: the directory goes, and its parent if left empty
    gone = {p: None for p in files if p.startswith("issues/3/")}
    new = write_commit(repo, new, gone, "rm dir", AUTHOR)
    assert sb.git("ls-tree", "--name-only", f"{new}:issues") == "0\n1\n2"
    # a move reuses the blob; removing the last file leaves the empty tree
    blob = sb.git("rev-parse", f"{new}:settings.yaml")
    moved = write_commit(repo, new, {"settings.yaml": None, "config/settings.yaml": (blob,)},
                         "mv", AUTHOR)
    assert sb.git("rev-parse", f"{moved}:config/settings.yaml") == blob
    rest = sb.git("ls-tree", "-r", "--name-only", moved).splitlines()
    empty = write_commit(repo, moved, dict.fromkeys(rest), "rm all", AUTHOR)
    assert sb.git("rev-parse", f"{empty}^{{tree}}") == "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
    assert sb.git("rev-parse", f"{empty}^") == moved
    sb.git("fsck", "--strict")


def test_write_commit_reuses_an_open_store_with_packed_parents(sb):
    repo = find_repo(sb.repo)
    tip = write_commit(repo, None, {"a/b/c.yaml": b"1\n"}, "one", AUTHOR)
    sb.git("update-ref", "refs/heads/store", tip)
    sb.git("gc", "-q", "--prune=now")
    assert not list(sb.repo.glob(".git/objects/??/*"))
    with ObjectStore(repo) as store:
        new = write_commit(repo, tip, {"a/b/d.yaml": b"2\n"}, "two", AUTHOR, store=store)
        assert store.packs and store.read(new)[0] == "commit"
    assert sb.git("ls-tree", "-r", "--name-only", new) == "a/b/c.yaml\na/b/d.yaml"


@pytest.mark.parametrize("path", ["../x", "a//b", "/a", "a/", "a/./b", "a/../b", "..", ".git/x",
                                  "a/.GIT/b", "a b", "a\nb", ""])
def test_write_commit_refuses_unsafe_paths(sb, path):
    with pytest.raises(GiError, match="unsafe"):
        write_commit(find_repo(sb.repo), None, {path: b"x"}, "m", AUTHOR)


def test_write_commit_refuses_missing_and_wrong_objects(sb):
    repo = find_repo(sb.repo)
    absent = "0123456789abcdef0123456789abcdef01234567"
    head = sb.git("rev-parse", "HEAD")
    tree = sb.git("rev-parse", "HEAD^{tree}")
    with pytest.raises(Missing):
        write_commit(repo, absent, {"a": b"x"}, "m", AUTHOR)
    with pytest.raises(Missing):
        write_commit(repo, head, {"a": (absent,)}, "m", AUTHOR)
    with pytest.raises(GiError, match="not a blob"):
        write_commit(repo, head, {"a": (tree,)}, "m", AUTHOR)
    with pytest.raises(Missing):
        write_commit(repo, head, {"a": b"x"}, "m", AUTHOR, merged=[absent])
    with pytest.raises(GiError, match="not a commit"):
        write_commit(repo, tree, {"a": b"x"}, "m", AUTHOR)
    with pytest.raises(GiError):
        write_commit(repo, "HEAD", {"a": b"x"}, "m", AUTHOR)
    with pytest.raises(GiError):
        write_commit(repo, head, {"a": ("HEAD",)}, "m", AUTHOR)


def test_same_result_as_fast_import_for_clashing_paths(sb):
    """A file replacing a directory and back, and removals below a file, in one commit."""
    repo = find_repo(sb.repo)
    tip = write_commit(repo, None, {"d/x": b"1", "d/y": b"2", "f": b"3", "g/h": b"4"}, "m",
                       AUTHOR)
    for changes in ({"d": b"file now", "f/z": None}, {"d": None, "d/x": b"new"},
                    {"f/z": b"dir now", "g": None, "g/h/i": None}, {"d/x/y": None, "q": None}):
        ours = write_commit(repo, tip, changes, "m", AUTHOR)
        theirs = fast_import_commit(repo, tip, changes, "m", AUTHOR)
        trees = sb.git("rev-parse", f"{ours}^{{tree}}", f"{theirs}^{{tree}}").split()
        assert trees[0] == trees[1], changes


def test_worktree_writes_go_to_the_common_directory(sb, tmp_path):
    from gitissues.git.refs import update_ref

    other = tmp_path / "other"
    sb.git("worktree", "add", "-q", "-b", "other", str(other))
    paths = find_repo(other)
    assert paths.gitdir != paths.commondir
    commit = write_commit(paths, None, {"issues/a.yaml": b"a\n"}, "from a worktree", AUTHOR)
    assert update_ref(paths, "refs/heads/issue-facade", commit, None)
    assert (paths.commondir / "objects" / commit[:2] / commit[2:]).is_file()
    assert sb.git("rev-parse", "issue-facade") == commit  # seen from the main worktree
    assert sb.git("rev-parse", "issue-facade", cwd=other) == commit
    sb.git("fsck", "--strict")


def test_importing_starts_nothing_heavy():
    code = ("import sys\nimport gitissues.git.refs, gitissues.git.commits\n"
            "print(sorted(m for m in ('subprocess', 'hashlib', '_hashlib', 'pygit2', 'tempfile',"
            " 'typing', 'ruamel', 'filelock') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


def test_read_path_finds_a_file_as_git_show_does(sb):
    from gitissues.git.commits import read_path

    repo = find_repo(sb.repo)
    tip = write_commit(repo, None, {"a/b/c.yaml": b"deep\n", "top.yaml": b"top\n"}, "m", AUTHOR)
    assert read_path(repo, tip, "a/b/c.yaml") == b"deep\n"
    assert read_path(repo, tip, "top.yaml") == b"top\n"
    assert read_path(repo, tip, "a/b") is None  # a tree, not a file
    assert read_path(repo, tip, "a/x.yaml") is None
    assert read_path(repo, None, "top.yaml") is None
    sb.git("update-ref", "refs/heads/t", tip)
    sb.git("gc", "-q")
    shown = sb.git("show", f"{tip}:a/b/c.yaml").encode() + b"\n"
    assert read_path(repo, tip, "a/b/c.yaml") == shown  # from the pack now
