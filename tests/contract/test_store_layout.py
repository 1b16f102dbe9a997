"""Where the files live (SPEC §1, issue: core hardening §4, concurrency core #2, #3): the hash
fan-out keeps every change small whatever the ids look like, older stores migrate in one commit,
every worktree's read-only copy stays complete and fresh, and a missing tip commit is reported,
never read as an empty store."""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path

import pytest

STORE_REF = "refs/heads/issue-facade"


def _added_bytes(repo: Path, old: str, new: str) -> int:
    """Bytes the objects reachable from `new` but not from `old` take as stored (a loose
    object's zlib file). Counting every file under .git/objects instead would also count a
    background `git gc --auto` packing meanwhile (526 KB once in CI)."""
    listed = subprocess.run(["git", "rev-list", "--objects", new, "--not", old], cwd=repo,
                            capture_output=True, text=True, check=True).stdout
    sizes = subprocess.run(["git", "cat-file", "--batch-check=%(objectsize:disk)"], cwd=repo,
                           input="".join(x.split()[0] + "\n" for x in listed.splitlines()),
                           capture_output=True, text=True, check=True).stdout
    return sum(int(x) for x in sizes.split())


def test_sequential_ids_spread_evenly_and_a_change_stays_small(sandbox):
    """Imported sequential ids (gi-00000001…) used to share one directory; a change to one of
    5,000 then rewrote a ~130 KiB tree."""
    sb = sandbox
    records = "".join(json.dumps({"id": f"gi-{k:08x}", "title": f"Sequential {k}"}) + "\n"
                      for k in range(5000))
    assert sb.gi("import", "-", input=records, timeout=300).code == 0
    before = sb.git("rev-parse", STORE_REF).strip()
    assert sb.gi("edit", "gi-00000007", "--priority", "0").code == 0
    grown = _added_bytes(sb.repo, before, sb.git("rev-parse", STORE_REF).strip())
    assert 500 < grown <= 16 * 1024, grown
    path = sb.show("gi-00000007")["path"]
    h = hashlib.sha1(b"gi-00000007").hexdigest()
    assert path == f"issues/{h[0]}/{h[1]}/{h[2]}/gi-00000007.yaml"
    folders = {p.rsplit("/", 1)[0] for p in sb.git("ls-tree", "-r", "--name-only",
                                                   STORE_REF).splitlines()
               if p.startswith("issues/")}
    assert len(folders) > 1000  # 5,000 ids over 4,096 folders, not one


def _layout1_store(sb) -> list[str]:
    """A store as gi wrote it before layout 2: files under issues/<first two hex>/, settings
    without `layout` (made with plumbing, as an older gi left it)."""
    ids = ["gi-aa0001", "gi-aa0002", "gi-bb0003"]
    index = {**sb.env, "GIT_INDEX_FILE": str(sb.base / "tmp-index")}
    entries = {"config.yaml": b"mode: branch\nprefix: gi\n"}
    for n, i in enumerate(ids):
        entries[f"issues/{i[3:5]}/{i}.yaml"] = (
            f"id: {i}\ntitle: Old issue {n}\nstatus: open\ntype: task\npriority: 2\n"
            f"labels: []\nassignees: []\nauthor: old\ncreated: 2026-01-0{n + 1}T00:00:00Z\n"
            f"updated: 2026-01-0{n + 1}T00:00:00Z\n").encode()
    for path, data in entries.items():
        blob = subprocess.run(["git", "hash-object", "-w", "--stdin"], cwd=sb.repo, env=sb.env,
                              input=data, capture_output=True, check=True).stdout.decode().strip()
        subprocess.run(["git", "update-index", "--add", "--cacheinfo", f"100644,{blob},{path}"],
                       cwd=sb.repo, env=index, check=True)
    tree = subprocess.run(["git", "write-tree"], cwd=sb.repo, env=index, capture_output=True,
                          check=True).stdout.decode().strip()
    commit = sb.git("commit-tree", tree, "-m", "an older store")
    sb.git("update-ref", STORE_REF, commit)
    return ids


def test_an_older_store_is_read_as_it_is_and_migrated_in_one_commit(sandbox):
    sb = sandbox
    ids = _layout1_store(sb)
    assert sb.show(ids[0])["path"] == f"issues/aa/{ids[0]}.yaml"  # reads need no migration
    r = sb.gi("doctor", "--json")
    assert r.code == 5 and any(p["kind"] == "layout" for p in r.json["problems"]), r
    commits = sb.store_commits()
    assert sb.gi("comment", ids[1], "after the move").code == 0
    assert sb.store_commits() == commits + 2  # the migration, then the comment
    migrate = sb.git("log", "-1", "--skip=1", "--format=%B", STORE_REF)
    assert "Gi-Op: migrate" in migrate
    for i in ids:
        h = hashlib.sha1(i.encode()).hexdigest()
        assert sb.show(i)["path"] == f"issues/{h[0]}/{h[1]}/{h[2]}/{i}.yaml"
    files = sb.git("ls-tree", "-r", "--name-only", STORE_REF).splitlines()
    assert not any(f.startswith("issues/aa/") for f in files)
    assert "layout: 2" in sb.git("show", f"{STORE_REF}:config.yaml")
    events = sb.gi("log", "--json").json
    assert [e["type"] for e in events].count("issue.created") == 3  # a move is no new issue
    assert sb.gi("doctor").code == 0
    copy = sb.repo / ".issue-facade" / "issues"
    assert sorted(p.name for p in copy.rglob("*.yaml")) == sorted(f"{i}.yaml" for i in ids)


def test_doctor_fix_migrates_an_older_store(sandbox):
    sb = sandbox
    ids = _layout1_store(sb)
    r = sb.gi("doctor", "--fix", "--json")
    assert r.code == 0, r
    assert sb.gi("doctor").code == 0
    h = hashlib.sha1(ids[2].encode()).hexdigest()
    assert sb.show(ids[2])["path"] == f"issues/{h[0]}/{h[1]}/{h[2]}/{ids[2]}.yaml"


def _copy(repo: Path) -> dict[str, str]:
    root = repo / ".issue-facade"
    return {p.relative_to(root).as_posix(): p.read_text() for p in root.rglob("*.yaml")}


def _store_files(sb) -> dict[str, str]:
    names = sb.git("ls-tree", "-r", "--name-only", STORE_REF).splitlines()
    return {n: sb.git("show", f"{STORE_REF}:{n}") + "\n" for n in names
            if n.startswith("issues/")}


def test_every_worktree_copy_stays_complete_and_fresh(sandbox, tmp_path):
    sb = sandbox
    first = sb.create("Before the worktree")
    other = tmp_path / "second-worktree"
    sb.git("worktree", "add", "-q", str(other))
    assert sb.gi("list", cwd=other).code == 0
    second = sb.gi("create", "Written in the second worktree", cwd=other).out.strip()
    third = sb.create("Written in the first worktree")
    # no gi command ran in `other` since the last write: its copy must still be fresh
    want = _store_files(sb)
    assert _copy(other) == want
    assert _copy(sb.repo) == want
    assert {first, second, third} <= {Path(p).stem for p in want}


def test_git_clean_of_the_copy_is_repaired_and_doctor_checks_the_copy(sandbox):
    sb = sandbox
    issue_id = sb.create("Kept")
    sb.git("clean", "-fdXq")
    assert not (sb.repo / ".issue-facade").exists()
    assert sb.gi("list").code == 0
    assert _copy(sb.repo) == _store_files(sb)
    victim = next((sb.repo / ".issue-facade").rglob(f"{issue_id}.yaml"))
    victim.chmod(0o644)
    victim.write_text("tampered\n")
    r = sb.gi("doctor", "--json")
    assert r.code == 5 and any(p["kind"] == "stale-copy" for p in r.json["problems"]), r
    assert sb.gi("doctor", "--fix").code == 0
    assert _copy(sb.repo) == _store_files(sb)
    assert sb.gi("doctor").code == 0


@pytest.fixture
def lost_tip(sandbox):
    """A store whose tip commit object is gone (a broken clone, a bad gc)."""
    sb = sandbox
    sb.create("One")
    tip = sb.store_tip()
    sb.git("repack", "-adq")  # every object in one pack, then no pack: all objects gone
    for f in (sb.repo / ".git" / "objects" / "pack").iterdir():
        f.unlink()
    index = sb.repo / ".git" / "issue-facade" / "index-branch.sqlite"
    return sb, tip, index


def test_a_missing_tip_is_reported_and_nothing_is_touched(lost_tip):
    sb, tip, index = lost_tip
    copy_before = _copy(sb.repo)
    for f in index.parent.glob("index-branch.sqlite*"):
        f.unlink()  # a read must rebuild: it cannot read the tip
    for args in (["reindex"], ["list"], ["show", "gi-"], ["create", "Two"], ["doctor"]):
        r = sb.gi(*args, "--json")
        assert r.code == 5, r
        assert tip in r.err + r.out, r
    assert _copy(sb.repo) == copy_before  # the read-only copy is not deleted
    assert sb.store_tip() == tip


def test_a_missing_tip_behind_a_fresh_index_fails_a_write_with_exit_5(lost_tip):
    sb, tip, _ = lost_tip
    r = sb.gi("create", "Two", "--json")
    assert r.code == 5, r
    assert sb.store_tip() == tip
