"""Exchange the store with a git remote: fetch and push with the system `git` (so ssh keys,
credential helpers and proxies work), and join diverged histories with a merge commit whose
tree is the field-level merge of every issue (gitissues.merge).

The local ref still moves only by compare-and-swap, so a sync racing local writers loses
nothing: a lost race recomputes the merge on the new tip.
"""

from __future__ import annotations

import json
import random
import time
from typing import TYPE_CHECKING, Any

from gitissues import git, ids, yamlio
from gitissues.errors import AuthError, Conflict, InvalidData, RemoteError
from gitissues.merge import Conflict as MergeConflict
from gitissues.merge import check_strategy, merge_issues
from gitissues.model import Issue
from gitissues.store.backend import REF, Change

if TYPE_CHECKING:
    from gitissues.store import Store

SETTINGS = "config.yaml"
_AUTH_HINTS = ("authentication failed", "permission denied", "403", "401",
               "could not read username", "access denied")
MAX_PUSH_ATTEMPTS = 20


def remote_name(store: Store, remote: str | None) -> str:
    if remote:
        return remote
    claims = store._settings_or_empty().get("claims") or {}
    configured = claims.get("remote") if isinstance(claims, dict) else None
    return str(configured) if configured else "origin"


def tracking_ref(remote: str) -> str:
    return f"refs/remotes/{remote}/issue-facade"


def _git_failure(action: str, remote: str, stderr: str) -> Exception:
    text = stderr.strip()
    if any(h in text.lower() for h in _AUTH_HINTS):
        return AuthError(f"{action} {remote}: {text}", remote=remote)
    return RemoteError(f"{action} {remote}: {text or 'git failed'}", remote=remote)


def fetch(store: Store, remote: str) -> str | None:
    """The remote's store commit (None when the remote has no store yet)."""
    proc = git.run(store.paths, "fetch", "--quiet", "--no-tags", remote,
                   f"+{REF}:{tracking_ref(remote)}", check=False,
                   env={"GIT_TERMINAL_PROMPT": "0"})
    if proc.returncode != 0:
        if "couldn't find remote ref" in proc.stderr.lower():
            return None
        raise _git_failure("cannot fetch from", remote, proc.stderr)
    return git.read_ref(store.paths, tracking_ref(remote))


def push_commit(store: Store, remote: str, commit: str) -> bool:
    """Push `commit` as the remote's store branch without force; False when rejected because
    the remote moved (someone else pushed first)."""
    proc = git.run(store.paths, "push", "--porcelain", "--quiet", remote,
                   f"{commit}:{REF}", check=False, env={"GIT_TERMINAL_PROMPT": "0"})
    if proc.returncode == 0:
        git.run(store.paths, "update-ref", tracking_ref(remote), commit, check=False)
        return True
    out = (proc.stdout + proc.stderr).lower()
    if "rejected" in out or "non-fast-forward" in out or "fetch first" in out or (
            "failed to update ref" in out) or "cannot lock ref" in out:
        return False
    raise _git_failure("cannot push to", remote, proc.stderr or proc.stdout)


def merge_remote(store: Store, theirs: str | None, strategy: str | None = None
                 ) -> dict[str, Any]:
    """Bring `theirs` into the local store branch: fast-forward, or a merge commit."""
    strategy = check_strategy(strategy)
    backend: Any = store.backend
    objects = backend.objects
    for _ in range(200):
        ours = backend.tip()
        if theirs is None or (ours is not None and objects.is_ancestor(theirs, ours)):
            return {"merged": False, "fast_forward": False, "conflicts": []}
        if ours is None or objects.is_ancestor(ours, theirs):
            if objects.cas_ref(REF, theirs, ours):
                backend.refresh(store.index)
                return {"merged": True, "fast_forward": True, "conflicts": []}
            continue
        changes, conflicts = merge_trees(store, objects.merge_base(ours, theirs), ours, theirs,
                                         strategy)
        message = _merge_message(store, theirs, conflicts)
        author = backend._author(Change(op="sync", actor=store.actor, summary="merge"))
        commit = objects.commit_files(ours, changes, message, author, merged=(theirs,))
        if objects.cas_ref(REF, commit, ours):
            backend.refresh(store.index)
            return {"merged": True, "fast_forward": False,
                    "conflicts": [c.to_json() for c in conflicts]}
        time.sleep(random.uniform(0, 0.01))
    raise Conflict("the store kept changing during the merge; run gi sync again")


def _merge_message(store: Store, theirs: str, conflicts: list[MergeConflict]) -> str:
    lines = [f"sync: merge {theirs[:12]}", "", f"Gi-Actor: {store.actor}", "Gi-Op: sync"]
    lines += ["Gi-Conflict: " + json.dumps(c.to_json(), ensure_ascii=False, sort_keys=True)
              for c in conflicts]
    return "\n".join(lines) + "\n"


def merge_trees(store: Store, base: str | None, ours: str, theirs: str, strategy: str
                ) -> tuple[dict[str, bytes | None], list[MergeConflict]]:
    """The changes to make to `ours` so that it also holds what `theirs` did since `base`."""
    objects = store.backend.objects  # type: ignore[attr-defined]
    top = ids.ISSUES_DIR
    mine = dict(objects.changed_files(base, ours, top))
    other = dict(objects.changed_files(base, theirs, top))
    changes: dict[str, bytes | None] = {}
    conflicts: list[MergeConflict] = []
    for path, their_blob in other.items():
        if path not in mine:
            changes[path] = None if their_blob is None else objects.blob(their_blob)
            continue
        my_blob = mine[path]
        if my_blob == their_blob:
            continue
        if my_blob is None:  # deleted here, changed there: keep their version, lose nothing
            changes[path] = objects.blob(their_blob)
            continue
        if their_blob is None:
            continue
        merged = _merge_file(store, path, _base_version(objects, base, ours, theirs, path),
                             objects.blob(my_blob),
                             objects.blob(their_blob), strategy, conflicts)
        if merged is not None:
            changes[path] = merged
    settings = _merge_settings(objects, base, ours, theirs)
    if settings is not None:
        changes[SETTINGS] = settings
    return changes, conflicts


def _base_version(objects: Any, base: str | None, ours: str, theirs: str, path: str
                  ) -> bytes | dict | None:
    """The common version of a file. A file that both sides added (the same import on two
    clones) has none in the merge base; then the fields on which both sides' first versions
    agree are the common base, so only real edits count as changes."""
    found = objects.blob_at(base, path) if base else None
    if found is not None:
        return found
    mine, other = (objects.first_version(tip, base, path) for tip in (ours, theirs))
    if mine is None or other is None:
        return None
    try:
        a = Issue.from_yaml(mine.decode("utf-8"), path).to_dict()
        b = Issue.from_yaml(other.decode("utf-8"), path).to_dict()
    except (InvalidData, UnicodeDecodeError):
        return None
    return {k: v for k, v in a.items() if k in b and b[k] == v}


def _merge_file(store: Store, path: str, base: bytes | dict | None, ours: bytes, theirs: bytes,
                strategy: str, conflicts: list[MergeConflict]) -> bytes | None:
    """One issue changed on both sides; None keeps ours as it is."""
    try:
        mine = Issue.from_yaml(ours.decode("utf-8"), path)
    except (InvalidData, UnicodeDecodeError):
        return theirs  # ours is unreadable: theirs is the only version worth keeping
    try:
        other = Issue.from_yaml(theirs.decode("utf-8"), path)
    except (InvalidData, UnicodeDecodeError):
        return None
    old: Issue | dict | None = base if isinstance(base, dict) else None
    if isinstance(base, bytes):
        try:
            old = Issue.from_yaml(base.decode("utf-8"), path)
        except (InvalidData, UnicodeDecodeError):
            old = None
    if strategy.startswith("command:"):
        raw = base if isinstance(base, bytes) else None
        return resolve_with_command(strategy[len("command:"):], raw, ours, theirs, path)
    merged, found = merge_issues(old, mine, other, strategy,
                                 store.backend.objects.merge_text)  # type: ignore[attr-defined]
    conflicts.extend(found)
    return merged.to_yaml().encode("utf-8")


def resolve_with_command(program: str, base: bytes | None, ours: bytes, theirs: bytes,
                         path: str) -> bytes:
    """Hand the three versions to PROGRAM BASE OURS THEIRS; it prints the merged YAML (or
    writes it into OURS, like a git merge driver). What it returns is validated."""
    import shlex
    import subprocess
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory(prefix="gi-merge-") as tmp:
        files = []
        for name, data in (("base", base or b""), ("ours", ours), ("theirs", theirs)):
            f = Path(tmp) / f"{name}.yaml"
            f.write_bytes(data)
            files.append(str(f))
        proc = subprocess.run([*shlex.split(program), *files], capture_output=True)
        if proc.returncode != 0:
            raise Conflict(f"{path}: merge program {program!r} failed "
                           f"({proc.returncode}): {proc.stderr.decode(errors='replace')}")
        result = proc.stdout or Path(files[1]).read_bytes()
    want = Issue.from_yaml(ours.decode("utf-8"), path).id
    try:
        merged = Issue.from_yaml(result.decode("utf-8"), f"{path} (from {program})")
    except (InvalidData, UnicodeDecodeError) as exc:
        raise Conflict(f"{path}: merge program {program!r} returned an invalid issue: "
                       f"{getattr(exc, 'message', exc)}") from None
    if merged.id != want:
        raise Conflict(f"{path}: merge program returned issue {merged.id}, expected {want}")
    return result


def _merge_settings(objects: Any, base: str | None, ours: str, theirs: str) -> bytes | None:
    b, o, t = (objects.blob_at(c, SETTINGS) if c else None for c in (base, ours, theirs))
    if t is None or o == t or t == b:
        return None
    if o is None or o == b:
        return t
    def load(data: bytes | None) -> dict:
        return yamlio.load_fast(data.decode("utf-8"), SETTINGS) if data else {}

    merged = {**load(b), **load(t), **load(o)}  # keys changed here win; theirs added
    return yamlio.emit(merged).encode()


def sync(store: Store, remote: str | None, strategy: str | None, *, pull: bool = True,
         push: bool = True) -> dict[str, Any]:
    """fetch → merge → push, retrying when someone pushed in between."""
    name = remote_name(store, remote)
    check_strategy(strategy)
    result: dict[str, Any] = {"remote": name, "merged": False, "fast_forward": False,
                              "conflicts": [], "pushed": False}
    if pull or push:
        theirs = fetch(store, name)
        result.update(merge_remote(store, theirs, strategy))
    if not push:
        return result
    backend: Any = store.backend
    for _ in range(MAX_PUSH_ATTEMPTS):
        ours = backend.tip()
        if ours is None:
            return result
        if git.read_ref(store.paths, tracking_ref(name)) == ours:
            result["pushed"] = False
            result["up_to_date"] = True
            return result
        if push_commit(store, name, ours):
            result["pushed"] = True
            return result
        merged = merge_remote(store, fetch(store, name), strategy)
        result["conflicts"] += merged["conflicts"]
        result["merged"] = result["merged"] or merged["merged"]
        time.sleep(random.uniform(0, 0.05))
    raise Conflict(f"{name} kept moving while pushing the store; run gi sync again")
