"""`History.commit_changes` compares trees entry by entry and skips subtrees that are the same
on both sides; it must report exactly what a full pygit2 diff of the two trees reports (the
way it was computed before): files added, removed and changed, a mode change, a file replaced
by a directory and back, nested directories, a root commit, a commit that leaves `top` alone,
and `top` appearing and disappearing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gitissues.git import find_repo
from gitissues.git.history import History

TOP = ".issue-facade/issues"


def full_diff(h: History, commit, top: str) -> list[tuple[str, str | None, str | None]]:
    """The reference: pygit2's diff of the whole trees, kept to the paths below `top`."""
    repo = h.repo
    new_tree = repo[commit.id].tree
    diff = (repo.diff(repo[commit.parents[0]].tree, new_tree) if commit.parents
            else new_tree.diff_to_tree(swap=True))
    out = []
    for d in diff.deltas:
        path = d.new_file.path if d.status_char() != "D" else d.old_file.path
        if path.startswith(top + "/"):
            out.append((path, None if d.status_char() == "A" else str(d.old_file.id),
                        None if d.status_char() == "D" else str(d.new_file.id)))
    return sorted(out)


@pytest.fixture
def history_repo(sandbox) -> Path:
    """A branch whose commits change files below TOP in every way a tree can change."""
    repo = sandbox.repo
    top = repo / TOP

    def write(rel: str, text: str) -> None:
        p = top / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)

    def commit(message: str) -> None:
        sandbox.git("add", "-A")
        sandbox.git("commit", "-q", "--allow-empty", "-m", message)

    write("a.yaml", "a\n")
    write("0/b.yaml", "b\n")
    for n in range(30):
        write(f"{n % 4}/{n % 3}/i{n}.yaml", f"issue {n}\n")
    commit("many files")
    write("0/b.yaml", "b changed\n")
    commit("one file changed")
    write("new/deep/c.yaml", "c\n")
    (top / "a.yaml").unlink()
    commit("added deep, removed one")
    os.chmod(top / "0/b.yaml", 0o755)
    commit("mode only")
    (top / "0/b.yaml").unlink()
    write("0/b.yaml/inner.yaml", "now a directory\n")
    commit("a file becomes a directory")
    (top / "0/b.yaml/inner.yaml").unlink()
    (top / "0/b.yaml").rmdir()
    write("0/b.yaml", "a file again\n")
    commit("and a file again")
    (repo / "outside.txt").write_text("not an issue\n")
    commit("touches nothing below top")
    write("1/0/i4.yaml", "issue 4 edited\n")
    (repo / "outside.txt").write_text("changed too\n")
    commit("below top and outside")
    for p in sorted(top.rglob("*"), reverse=True):
        p.unlink() if p.is_file() else p.rmdir()
    commit("top removed")
    write("z.yaml", "back\n")
    commit("top again")
    return repo


def test_commit_changes_reports_what_a_full_diff_reports(history_repo: Path):
    h = History(find_repo(history_repo))
    head = (history_repo / ".git" / "HEAD").read_text().split()[-1]
    tip = h.repo.references[head].target
    commits = list(h.commits(str(tip)))
    assert len(commits) >= 11
    seen_kinds = set()
    for c in commits:
        got = list(h.commit_changes(c, TOP))
        assert got == full_diff(h, c, TOP), c.message
        seen_kinds |= {(old is None, new is None) for _, old, new in got}
        assert list(h.commit_changes(c, "elsewhere")) == []
    assert seen_kinds == {(True, False), (False, True), (False, False)}  # added, gone, changed


def test_a_root_commit_adds_every_file_below_top(history_repo: Path):
    h = History(find_repo(history_repo))
    root = [c for c in h.commits(str(h.repo.head.target)) if not c.parents]
    assert len(root) == 1
    got = list(h.commit_changes(root[0], TOP))
    assert got == full_diff(h, root[0], TOP) and got == []  # (the sandbox's first commit)
