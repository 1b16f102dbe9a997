"""`gi init` (SPEC §1, §3): branch and tree stores, idempotence, prefixes, no-init writes."""

from __future__ import annotations

import re
from pathlib import Path

STORE_REF = "refs/heads/issue-facade"


def _user_state(sb) -> dict:
    """What branch mode must never touch: HEAD, the index file and `git status`."""
    index = sb.repo / ".git" / "index"
    return {
        "head": sb.git("rev-parse", "HEAD"),
        "head_ref": sb.git("symbolic-ref", "HEAD"),
        "index": index.read_bytes() if index.exists() else None,
        "status": sb.git("status", "--porcelain", "--untracked-files=all"),
    }


def _dirty_worktree(sb) -> None:
    """A tracked file, staged and unstaged changes and an untracked file."""
    (sb.repo / "tracked.txt").write_text("one\n")
    (sb.repo / "staged.txt").write_text("s\n")
    sb.git("add", "tracked.txt")
    sb.git("commit", "-q", "-m", "add tracked")
    (sb.repo / "tracked.txt").write_text("one\ntwo\n")
    sb.git("add", "staged.txt")
    (sb.repo / "untracked.txt").write_text("u\n")


def test_init_branch_mode_creates_store_branch_and_leaves_user_state(sandbox):
    sb = sandbox
    _dirty_worktree(sb)
    before = _user_state(sb)
    assert before["status"] != ""

    r = sb.gi("init", "--json")
    assert r.code == 0, r
    doc = r.json
    assert doc["created"] is True
    assert doc["mode"] == "branch"
    assert doc["prefix"] == "gi"

    assert sb.store_tip() is not None, "refs/heads/issue-facade was not created"
    top = sb.git("ls-tree", "--name-only", STORE_REF).splitlines()
    assert "config.yaml" in top
    assert _user_state(sb) == before

    # every write in branch mode leaves them untouched too
    issue_id = sb.create("A first issue")
    r = sb.gi("comment", issue_id, "a comment")
    assert r.code == 0, r
    assert _user_state(sb) == before
    assert sb.git("symbolic-ref", "HEAD") == "refs/heads/main"


def test_init_is_idempotent(sandbox):
    sb = sandbox
    r = sb.gi("init")
    assert r.code == 0, r
    tip = sb.store_tip()
    r = sb.gi("init", "--json")
    assert r.code == 0, r
    assert r.json["created"] is False
    assert r.json["mode"] == "branch"
    assert sb.store_tip() == tip, "a second init must not rewrite the store"


def test_init_excludes_read_only_copy(sandbox):
    sb = sandbox
    assert sb.gi("init").code == 0
    issue_id = sb.create("Excluded copy")
    exclude = (sb.repo / ".git" / "info" / "exclude").read_text().splitlines()
    patterns = {line.strip().lstrip("/").rstrip("/") for line in exclude
                if line.strip() and not line.startswith("#")}
    assert ".issue-facade" in patterns, exclude
    assert list((sb.repo / ".issue-facade").rglob(f"{issue_id}.yaml")), "no read-only copy"
    assert sb.git("status", "--porcelain", "--untracked-files=all") == ""


def test_init_tree_mode(sandbox):
    sb = sandbox
    r = sb.gi("init", "--mode", "tree", "--json")
    assert r.code == 0, r
    assert r.json["mode"] == "tree"
    assert r.json["created"] is True
    assert (sb.repo / ".issue-facade" / "config.yaml").is_file()
    assert (sb.repo / ".issue-facade" / "issues").is_dir()

    r = sb.gi("init", "--mode", "tree", "--json")
    assert r.code == 0, r
    assert r.json["created"] is False

    issue_id = sb.create("Tree issue")
    files = list((sb.repo / ".issue-facade" / "issues").rglob("*.yaml"))
    assert [f.name for f in files] == [f"{issue_id}.yaml"]


def test_init_prefix(sandbox):
    sb = sandbox
    r = sb.gi("init", "--prefix", "proj", "--json")
    assert r.code == 0, r
    assert r.json["prefix"] == "proj"
    r = sb.gi("create", "Prefixed")
    assert r.code == 0, r
    assert re.fullmatch(r"proj-[0-9a-f]{6,12}\n", r.out), r


def test_init_invalid_prefix_is_usage_error(sandbox):
    sb = sandbox
    for bad in ("Bad_Prefix!", "9lives", "a b"):
        r = sb.gi("init", "--prefix", bad, "--json")
        assert r.code == 2, r
        assert r.err_json["error"]["code"] == "usage"
        assert r.out == ""
    assert sb.store_tip() is None, "a refused init must not create the store"
    assert not (Path(sb.repo) / ".issue-facade" / "config.yaml").exists()


def test_create_without_init_creates_branch_store(sandbox):
    sb = sandbox
    assert sb.store_tip() is None
    before = _user_state(sb)
    issue_id = sb.create("No init needed")
    assert re.fullmatch(r"gi-[0-9a-f]{6}", issue_id)
    assert sb.store_tip() is not None
    files = sb.git("ls-tree", "-r", "--name-only", STORE_REF).splitlines()
    shown = sb.show(issue_id)
    assert shown["title"] == "No init needed"
    assert re.fullmatch(rf"issues/[0-9a-f]/[0-9a-f]/[0-9a-f]/{issue_id}\.yaml", shown["path"]), (
        shown["path"])
    assert shown["path"] in files
    assert _user_state(sb) == before
