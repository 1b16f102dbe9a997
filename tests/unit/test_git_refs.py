"""`refs.update_ref`, the in-process compare-and-swap, against git's own: lost races (moved
ref, held lock), creation, packed refs, reflogs written where and as git writes them, and many
processes (some of them moving the ref with `git update-ref`) racing each other and
`git pack-refs` without losing an update."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from gitissues.errors import GiError
from gitissues.git import RepoPaths, find_repo
from gitissues.git.commits import write_commit
from gitissues.git.gitconfig import bool_value, read_config
from gitissues.git.refs import current_value, update_ref

AUTHOR = ("Unit Tester", "unit@example.invalid")
REF = "refs/heads/issue-facade"


@pytest.fixture
def sb(sandbox, monkeypatch):
    """The sandbox, with this process's git environment made the same as its git's."""
    for key in ("HOME", "XDG_CONFIG_HOME", "GIT_CONFIG_GLOBAL", "GIT_CONFIG_NOSYSTEM"):
        monkeypatch.setenv(key, sandbox.env[key])
    for key in ("GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL", "EMAIL", "GIT_CONFIG_COUNT"):
        monkeypatch.delenv(key, raising=False)
    return sandbox


def commits(sb, n: int) -> list[str]:
    paths = find_repo(sb.repo)
    out, tip = [], None
    for k in range(n):
        tip = write_commit(paths, tip, {"n": b"%d\n" % k}, f"c{k}", AUTHOR)
        out.append(tip)
    return out


def log_lines(sb, name: str, gitdir: bool = False) -> list[str]:
    path = sb.repo / ".git" / "logs" / name
    return path.read_text().splitlines() if path.exists() else []


def test_moves_the_ref_and_logs_like_git(sb):
    paths = find_repo(sb.repo)
    a, b = commits(sb, 2)
    assert update_ref(paths, REF, a, None)
    assert update_ref(paths, REF, b, a, "gi:  edit\n gi-1 \t")
    assert sb.git("rev-parse", REF) == b
    assert (sb.repo / ".git" / REF).read_text() == b + "\n"
    assert not (sb.repo / ".git" / (REF + ".lock")).exists()
    sb.git("update-ref", "-m", "gi:  edit\n gi-1 \t", "refs/heads/by-git", b)
    ours, theirs = log_lines(sb, REF)[-1], log_lines(sb, "refs/heads/by-git")[-1]
    assert ours.startswith(f"{a} {b} Test User <test@example.com> ")
    assert ours.endswith(" +0000\tgi: edit gi-1")
    def who_and_why(line: str) -> str:
        return line.split(" ", 2)[2].split(">")[0] + line.split("\t")[1]

    assert who_and_why(ours) == who_and_why(theirs)
    assert log_lines(sb, REF)[0].startswith("0" * 40 + f" {a} ")
    assert sb.git("reflog", "show", "--format=%H %gs", REF).splitlines() == [
        f"{b} gi: edit gi-1", f"{a} gi: update store"]
    sb.git("fsck", "--strict")


def test_lost_race_when_the_ref_moved(sb):
    paths = find_repo(sb.repo)
    a, b, c = commits(sb, 3)
    assert update_ref(paths, REF, a, None)
    before = log_lines(sb, REF)
    assert not update_ref(paths, REF, c, b)
    assert not update_ref(paths, REF, c, None)  # create: it exists already
    assert not update_ref(paths, REF, c, "0" * 40)  # the same, as git spells it
    assert sb.git("rev-parse", REF) == a
    assert log_lines(sb, REF) == before
    assert not (sb.repo / ".git" / (REF + ".lock")).exists()
    assert not update_ref(paths, "refs/heads/absent", c, a)  # expected a value: there is none
    assert not sb.git_ok("rev-parse", "--verify", "-q", "refs/heads/absent")


def test_lost_race_when_the_lock_is_held(sb):
    paths = find_repo(sb.repo)
    a, b = commits(sb, 2)
    assert update_ref(paths, REF, a, None)
    lock = sb.repo / ".git" / (REF + ".lock")
    lock.write_text("someone else's\n")
    assert not update_ref(paths, REF, b, a)
    assert lock.read_text() == "someone else's\n"  # not ours to remove
    assert sb.git("rev-parse", REF) == a
    lock.unlink()
    assert update_ref(paths, REF, b, a)


def test_packed_ref(sb):
    paths = find_repo(sb.repo)
    a, b, c = commits(sb, 3)
    sb.git("update-ref", REF, a)
    sb.git("tag", "-a", "-m", "annotated", "v1", a)  # a peeled line in packed-refs
    sb.git("pack-refs", "--all")
    assert not (sb.repo / ".git" / REF).exists() and current_value(paths, REF) == a
    assert not update_ref(paths, REF, c, b)
    assert not update_ref(paths, REF, c, None)
    assert update_ref(paths, REF, b, a)
    assert (sb.repo / ".git" / REF).read_text() == b + "\n"
    assert sb.git("rev-parse", REF) == b
    sb.git("pack-refs", "--all")
    assert update_ref(paths, REF, c, b)
    assert sb.git("rev-parse", REF, "v1^{}") == f"{c}\n{a}"
    sb.git("fsck", "--strict")


@pytest.mark.parametrize("setting", [None, "true", "false", "always"])
def test_reflogs_are_created_where_git_creates_them(sb, setting):
    paths = find_repo(sb.repo)
    [a] = commits(sb, 1)
    if setting is not None:
        sb.git("config", "core.logAllRefUpdates", setting)
    for ours, theirs in (("refs/heads/o", "refs/heads/g"), ("refs/gi/o", "refs/gi/g"),
                         ("refs/notes/o", "refs/notes/g")):
        assert update_ref(paths, ours, a, None)
        sb.git("update-ref", "-m", "x", theirs, a)
        assert bool(log_lines(sb, ours)) == bool(log_lines(sb, theirs)), (setting, ours)
    assert bool(log_lines(sb, "refs/heads/o")) == (setting != "false")


def test_existing_reflog_is_appended_even_when_logging_is_off(sb):
    paths = find_repo(sb.repo)
    a, b = commits(sb, 2)
    assert update_ref(paths, "refs/gi/x", a, None)
    assert not log_lines(sb, "refs/gi/x")
    (sb.repo / ".git" / "logs" / "refs" / "gi").mkdir(parents=True)
    (sb.repo / ".git" / "logs" / "refs" / "gi" / "x").touch()
    sb.git("config", "core.logAllRefUpdates", "false")
    assert update_ref(paths, "refs/gi/x", b, a)
    assert [line[:81] for line in log_lines(sb, "refs/gi/x")] == [f"{a} {b}"]


def test_head_log_when_head_points_at_the_ref(sb):
    paths = find_repo(sb.repo)
    main = sb.git("rev-parse", "main")
    [a] = commits(sb, 1)
    assert update_ref(paths, "refs/heads/main", a, main, "gi: moved main")
    assert log_lines(sb, "HEAD")[-1] == log_lines(sb, "refs/heads/main")[-1]
    assert log_lines(sb, "HEAD")[-1].startswith(f"{main} {a} ")
    assert update_ref(paths, REF, a, None)
    assert log_lines(sb, "HEAD")[-1].startswith(f"{main} {a} ")  # not HEAD's branch: no line


def test_bare_repository_logs_nothing_by_default(sb, tmp_path):
    bare = tmp_path / "bare.git"
    sb.git("clone", "-q", "--bare", str(sb.repo), str(bare))
    paths = RepoPaths(bare, bare, bare)
    head = sb.git("rev-parse", "main")
    assert update_ref(paths, "refs/heads/o", head, None)
    sb.git("update-ref", "-m", "x", "refs/heads/g", head, cwd=bare)
    assert not (bare / "logs" / "refs" / "heads" / "o").exists()
    assert not (bare / "logs" / "refs" / "heads" / "g").exists()


@pytest.mark.parametrize("name", ["HEAD", "main", "refs/heads/../x", "refs/heads/a.lock",
                                  "refs/heads/a b", "refs/heads/.x", "refs/heads/x/",
                                  "refs//x", "refs/heads/x.", "refs/heads/a@{1}",
                                  "refs/worktree/x", "refs/bisect/bad", "refs/heads/a:b"])
def test_refuses_ref_names_git_would_not_take(sb, name):
    [a] = commits(sb, 1)
    with pytest.raises(GiError):
        update_ref(find_repo(sb.repo), name, a, None)


def test_refuses_bad_ids_symbolic_broken_and_clashing_refs(sb):
    paths = find_repo(sb.repo)
    [a] = commits(sb, 1)
    for new, old in (("HEAD", None), (a, "main"), (a.upper(), None), ("0" * 40, a)):
        with pytest.raises(GiError):
            update_ref(paths, REF, new, old)
    sb.git("symbolic-ref", "refs/heads/sym", "refs/heads/main")
    (sb.repo / ".git" / "refs" / "heads" / "broken").write_text("not an id\n")
    sb.git("update-ref", "refs/heads/d/e", a)
    for ref in ("refs/heads/sym", "refs/heads/broken", "refs/heads/d", "refs/heads/main/x"):
        with pytest.raises(GiError):
            update_ref(paths, ref, a, None)
        assert not list((sb.repo / ".git" / "refs").rglob("*.lock")), ref
    assert sb.git("rev-parse", "refs/heads/d/e") == a


# --- racing processes ------------------------------------------------------------------------

WORKER = r"""
import sys
sys.path.insert(0, sys.argv[5])  # tests/, for gitref
from gitref import fast_import_commit, git_update_ref
from gitissues.git import find_repo, read_ref
from gitissues.git.commits import parse_commit, parse_tree, write_commit
from gitissues.git.objects import ObjectStore
from gitissues.git.refs import update_ref

repo, n, how, me = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
paths = find_repo(repo)
ref = "refs/heads/issue-facade"
store = ObjectStore(paths)
done = lost = 0
while done < n:
    tip = read_ref(paths, ref)
    tree = parse_commit(store.read(tip)[1]).tree
    [blob] = [e.oid for e in parse_tree(store.read(tree)[1]) if e.name == "counter"]
    count = int(store.read(blob)[1])
    changes = {"counter": b"%d\n" % (count + 1)}
    if how == "git":
        new = fast_import_commit(paths, tip, changes, f"+1 by {how} {me}", ("w", "w@x"))
        moved = git_update_ref(paths, ref, new, tip)
    else:
        new = write_commit(paths, tip, changes, f"+1 by {how} {me}", ("w", "w@x"),
                           store=store)
        moved = update_ref(paths, ref, new, tip, f"gi: +1 to {count + 1}")
    done += moved
    lost += not moved
print(lost)
"""


def race(sb, workers: list[str], n: int, pack_refs: bool) -> None:
    paths = find_repo(sb.repo)
    start = write_commit(paths, None, {"counter": b"0\n"}, "start", AUTHOR)
    assert update_ref(paths, REF, start, None)
    stop, packed = threading.Event(), []

    def pack_loop() -> None:
        while not stop.is_set():
            packed.append(subprocess.run(["git", "pack-refs", "--all"], cwd=sb.repo,
                                         env=sb.env, capture_output=True).returncode)

    packer = threading.Thread(target=pack_loop)
    if pack_refs:
        packer.start()
    tests = str(Path(__file__).resolve().parents[1])
    procs = [subprocess.Popen([sys.executable, "-c", WORKER, str(sb.repo), str(n), how, str(k),
                               tests],
                              env={**os.environ, **sb.env}, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
             for k, how in enumerate(workers)]
    try:
        results = [p.communicate(timeout=300) for p in procs]
    finally:
        stop.set()
        if pack_refs:
            packer.join()
    assert [p.returncode for p in procs] == [0] * len(procs), results
    total = n * len(workers)
    tip = sb.git("rev-parse", REF)
    assert sb.git("cat-file", "blob", f"{tip}:counter") == str(total)
    assert sb.git("rev-list", "--count", tip) == str(total + 1)
    lines = log_lines(sb, REF)
    assert len(lines) == total + 1
    assert all(x.split()[1] == y.split()[0] for x, y in zip(lines, lines[1:], strict=False))
    assert lines[-1].split()[1] == tip
    assert not list((sb.repo / ".git" / "refs").rglob("*.lock"))
    sb.git("fsck", "--strict")
    if pack_refs:
        assert len(packed) > 3


def test_racing_processes_and_pack_refs_lose_no_update(sb):
    race(sb, ["gi"] * 8, 50, pack_refs=True)


def test_racing_gi_and_git_update_ref_lose_no_update(sb):
    """Not with pack-refs running: `git update-ref` itself then sometimes reads a stale
    packed-refs and reports success for an update that moved nothing."""
    race(sb, ["gi"] * 6 + ["git"] * 2, 50, pack_refs=False)


# --- git configuration -----------------------------------------------------------------------

def test_config_values_read_as_git_reads_them(sb, monkeypatch):
    config = sb.repo / ".git" / "config"
    config.write_text(config.read_text() + '[user]\n\tname = "  Quoted ; not a comment " # c\n'
                      '\temail = a\\tb@example.invalid ; comment\n'
                      '[core "sub"]\n\tbare = true\n[Core] logAllRefUpdates\n')
    paths = find_repo(sb.repo)
    got = read_config(paths)
    for key in ("user.name", "user.email", "core.bare"):
        assert got[key] == sb.git("config", "--get", key), key
    assert bool_value(got["core.logallrefupdates"])
    assert sb.git("config", "--bool", "--get", "core.logAllRefUpdates") == "true"
    monkeypatch.setenv("GIT_CONFIG_COUNT", "1")
    monkeypatch.setenv("GIT_CONFIG_KEY_0", "user.Name")
    monkeypatch.setenv("GIT_CONFIG_VALUE_0", "From Env")
    assert read_config(paths)["user.name"] == "From Env"
    assert [bool_value(v) for v in ("yes", "On", "1", "0", "no", "", "off", "2")] == [
        True, True, True, False, False, False, False, True]
