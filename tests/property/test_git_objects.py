"""`commits.write_commit` builds exactly the trees git builds.

Random files (names that sort differently with and without a trailing `/`: `a`, `a-b`, `a.b`,
`a0`, `a/…`) and random changes (add, modify, move an existing blob, delete a file, delete
everything in a directory, delete a path that is a directory or nothing at all, set or delete a
path below a file, replace or delete a directory and set a file in it in the same commit)
applied commit by commit. After each commit: the tree equals the one
`git write-tree` makes from the same end state in a temporary index, and the one
`git fast-import` (tests/gitref.py) makes from the same
parent and changes. `git fsck --strict` is clean at the end. Real git; derandomized.
"""

from __future__ import annotations

import os
import subprocess

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gitissues.git import find_repo
from gitissues.git.commits import write_commit
from gitissues.git.objects import object_id

NAMES = ("a", "a-b", "a.b", "a0", "a_b", "b")
AUTHOR = ("Prop Tester", "prop@example.invalid")

paths = st.lists(st.sampled_from(NAMES), min_size=1, max_size=3).map("/".join)
contents = st.binary(max_size=24)


def apply(state: dict[str, bytes], changes: dict[str, bytes | tuple[str] | None],
          blobs: dict[str, bytes]) -> None:
    """fast-import's rules, in path order: a removal below a file is nothing; setting a path
    replaces a file at any of its parent paths and a directory at the path itself; removing a
    path removes the file or the whole directory there."""
    for path, content in sorted(changes.items()):
        parents = ["/".join(path.split("/")[:k]) for k in range(1, path.count("/") + 1)]
        if content is None and any(p in state for p in parents):
            continue
        for p in parents:
            state.pop(p, None)
        for p in [q for q in state if q == path or q.startswith(path + "/")]:
            del state[p]
        if content is not None:
            state[path] = blobs[content[0]] if isinstance(content, tuple) else content


def git(repo, *args: str, input: bytes | None = None, env: dict | None = None) -> str:
    proc = subprocess.run(["git", *args], cwd=repo, input=input, capture_output=True,
                          env={**os.environ, **(env or {})}, timeout=60)
    assert proc.returncode == 0, (args, proc.stderr)
    return proc.stdout.decode().strip()


def expected_tree(repo, state: dict[str, bytes]) -> str:
    """The tree git's index writes for `state` (a temporary index, the real object store)."""
    index = repo / ".git" / "prop-index"
    index.unlink(missing_ok=True)
    env = {"GIT_INDEX_FILE": str(index)}
    lines = [f"100644 {git(repo, 'hash-object', '-w', '--stdin', input=data)}\t{path}\n"
             for path, data in state.items()]
    git(repo, "update-index", "--add", "--index-info", input="".join(lines).encode(), env=env)
    return git(repo, "write-tree", env=env)


@st.composite
def step(draw, state: dict[str, bytes]) -> dict[str, bytes | tuple[str] | None]:
    """1–4 changes to `state`."""
    changes: dict[str, bytes | tuple[str] | None] = {}
    files = sorted(state)
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["set", "set", "modify", "move", "delete", "delete_dir",
                                     "delete_any", "under_file", "over_dir"]))
        if kind == "set" or not files:
            changes[draw(paths)] = draw(contents)
        elif kind == "modify":
            changes[draw(st.sampled_from(files))] = draw(contents)
        elif kind == "move":
            src = draw(st.sampled_from(files))
            changes[src] = None
            changes[draw(paths)] = (object_id("blob", state[src]),)
        elif kind == "delete":
            changes[draw(st.sampled_from(files))] = None
        elif kind == "delete_dir":
            top = draw(st.sampled_from(files)).rpartition("/")[0]
            changes.update({f: None for f in files if f.startswith(top + "/") or not top})
        elif kind == "under_file":  # a file set or removed below an existing file
            below = f"{draw(st.sampled_from(files))}/{draw(st.sampled_from(NAMES))}"
            changes[below] = draw(st.none() | contents)
        elif kind == "over_dir":  # a directory replaced (or removed), then a file set in it
            top = draw(st.sampled_from(files)).rpartition("/")[0] or draw(paths)
            changes[top] = draw(st.none() | contents)
            changes[f"{top}/{draw(st.sampled_from(NAMES))}"] = draw(contents)
        else:
            changes[draw(paths)] = None
    return changes


@settings(max_examples=60, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_write_commit_builds_the_trees_git_builds(tmp_path_factory, data):
    repo = tmp_path_factory.mktemp("prop") / "repo"
    git(repo.parent, "init", "-q", "-b", "main", str(repo))
    repo_paths = find_repo(repo)
    state: dict[str, bytes] = {}
    tip = None
    for n in range(data.draw(st.integers(1, 6), label="steps") + 1):
        if tip is None:  # the root commit, from files that may clash (`a` and `a/b`)
            changes = data.draw(st.dictionaries(paths, contents, max_size=8), label="initial")
        else:
            changes = data.draw(step(state), label=f"step {n}")
        blobs = {object_id("blob", v): v for v in state.values()}
        apply(state, changes, blobs)
        ours = write_commit(repo_paths, tip, changes, f"step {n}\n", AUTHOR)
        got = git(repo, "rev-parse", f"{ours}^{{tree}}")
        assert got == expected_tree(repo, state), (changes, state,
                                                   git(repo, "ls-tree", "-r", "-t", ours))
        parents = git(repo, "rev-list", "--parents", "-n1", ours).split()[1:]
        assert parents == ([tip] if tip else [])
        tip = ours
    listed = git(repo, "ls-tree", "-r", "-z", "--format=%(objectname) %(path)", tip)
    assert sorted(x for x in listed.split("\0") if x) == sorted(
        f"{object_id('blob', v)} {p}" for p, v in state.items())
    git(repo, "fsck", "--strict", "--no-dangling")
