"""Joining two versions of the store: what a merge commit must change in `ours` so that it also
holds what `theirs` did since their common base.

Issues are matched by id, not by path, so the two sides may be in different store layouts (one
clone migrated, the other not): every merged issue lands where the merged layout puts it. Each
issue changed on both sides is merged field by field (gitissues.merge); the settings file is
merged key by key at any depth; then no dependency cycle that the merge would create is left
(gitissues.mergecycles). The tree written does not depend on which side is ours.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from gitissues import ids, yamlio
from gitissues.errors import Conflict, InvalidData
from gitissues.git import commits, plumbing, refs
from gitissues.merge import Conflict as MergeConflict
from gitissues.merge import merge_issues, merge_mappings
from gitissues.model import Issue

if TYPE_CHECKING:
    from gitissues.git import RepoPaths
    from gitissues.git.history import History

SETTINGS = "config.yaml"
Files = dict[str, Any]  # path → bytes, (blob id,) to reuse a blob, or None to remove


def _by_id(changes: dict[str, str | None]) -> dict[str, tuple[str | None, str | None]]:
    """A side's changes as {id: (path it is at now or None, blob or None)}."""
    out: dict[str, tuple[str | None, str | None]] = {}
    for path, blob in sorted(changes.items(), key=lambda kv: kv[1] is not None):
        issue_id = ids.id_of_path(path)
        if issue_id is not None:
            out[issue_id] = (path, blob) if blob is not None else out.get(issue_id, (None, None))
    return out


def merge_trees(paths: RepoPaths, objects: History, base: str | None, ours: str,
                theirs: str, strategy: str) -> tuple[Files, list[MergeConflict]]:
    """The changes to make to `ours`, and the conflicts resolved on the way."""
    top = ids.ISSUES_DIR
    diff = (lambda tip: plumbing.diff_tree(paths, base, tip, top)) if base else (
        lambda tip: dict(plumbing.ls_tree(paths, tip, top)))
    mine_paths, other_paths = diff(ours), diff(theirs)
    mine, other = _by_id(mine_paths), _by_id(other_paths)
    base_files = plumbing.ls_tree(paths, base, top) if base else {}
    base_path = {ids.id_of_path(p): p for p in base_files}
    settings, layout, conflicts = _merged_settings(paths, base, ours, theirs, strategy)
    changes: Files = {}

    def place(issue_id: str, current: str | None, content: Any) -> None:
        target = ids.issue_path(issue_id, layout) if ids.is_id(issue_id) else current
        if current and current != target:
            changes[current] = None
        if target:
            changes[target] = content

    for issue_id, (their_path, their_blob) in other.items():
        my_path, my_blob = mine.get(issue_id, (base_path.get(issue_id), None))
        if issue_id not in mine:
            my_blob = base_files.get(my_path) if my_path else None
            if their_blob is None:
                if my_path:
                    changes[my_path] = None
                continue
            place(issue_id, my_path, (their_blob,))
            continue
        if my_blob == their_blob or their_blob is None:
            continue  # the same on both sides, or deleted there: keep ours, lose nothing
        if my_blob is None:  # deleted here, changed there: keep theirs
            place(issue_id, None, (their_blob,))
            continue
        merged = _merge_file(paths, objects, my_path or their_path or "", base, ours, theirs,
                             base_path.get(issue_id), my_blob, their_blob, strategy, conflicts)
        if merged is not None:
            place(issue_id, my_path, merged)
        elif my_path and my_path != ids.issue_path(issue_id, layout):
            place(issue_id, my_path, (my_blob,))
    if layout > ids.layout_of(_settings_at(paths, ours)):  # theirs migrated: move ours too
        for path, blob in plumbing.ls_tree(paths, ours, top).items():
            issue_id = ids.id_of_path(path)
            if issue_id and path not in changes and ids.issue_path(issue_id, layout) != path:
                place(issue_id, path, (blob,))
    conflicts += _break_cycles(paths, changes, mine, other, base_files, base_path)
    if settings is not None:
        changes[SETTINGS] = settings
    from gitissues.leases.merge import merge_leases  # one holder per lease, as for claims

    lease_changes, lease_conflicts = merge_leases(paths, base, ours, theirs)
    changes.update(lease_changes)
    conflicts += lease_conflicts
    return changes, sorted(conflicts, key=lambda c: (c.file or "", c.issue or ""))


def _break_cycles(paths: RepoPaths, changes: Files, mine: dict, other: dict,
                  base_files: dict[str, str], base_path: dict[str | None, str]
                  ) -> list[MergeConflict]:
    """No merge creates a dependency cycle (gitissues.mergecycles)."""
    from gitissues.mergecycles import break_cycles

    def base_blob(issue_id: str) -> str | None:
        path = base_path.get(issue_id)
        return base_files.get(path) if path else None

    def ours_blob(issue_id: str) -> str | None:
        return mine[issue_id][1] if issue_id in mine else base_blob(issue_id)

    def ours_path(issue_id: str) -> str | None:
        return mine[issue_id][0] if issue_id in mine else base_path.get(issue_id)

    return break_cycles(paths, changes, mine.keys() | other.keys(), ours_blob, base_blob,
                        ours_path)


def _settings_at(paths: RepoPaths, commit: str | None) -> dict:
    return _settings_file(paths, commit)[1]


def _settings_file(paths: RepoPaths, commit: str | None) -> tuple[bytes | None, dict]:
    data = commits.read_path(paths, commit, SETTINGS) if commit else None
    try:
        loaded = yamlio.load_fast(data.decode("utf-8"), SETTINGS) if data else {}
    except (InvalidData, UnicodeDecodeError):
        return data, {}
    return data, loaded if isinstance(loaded, dict) else {}


def _changed_at(paths: RepoPaths, base: str | None, tip: str) -> str:
    """When `tip`'s side last changed the settings: the time of its newest commit since
    `base` that touched the file (seconds since the epoch, zero-padded to compare as text)."""
    from gitissues import git

    span = f"{base}..{tip}" if base else tip
    proc = git.run(paths, "log", "-1", "--format=%ct", span, "--", SETTINGS, check=False)
    stamp = proc.stdout.strip() if proc.returncode == 0 else ""
    return stamp.zfill(12) if stamp.isdigit() else ""


def _merged_settings(paths: RepoPaths, base: str | None, ours: str, theirs: str,
                     strategy: str) -> tuple[bytes | None, int, list[MergeConflict]]:
    """(the new settings file or None to keep ours, the merged layout, the conflicts). Keys
    merge one by one at any depth (gitissues.merge.merge_mappings): changed on one side, that
    side's value; on both, the side that changed the file later (then the larger value),
    the other value on record. `layout` is the larger of the two."""
    _, b = _settings_file(paths, base)
    o_raw, o = _settings_file(paths, ours)
    t_raw, t = _settings_file(paths, theirs)
    layout = max(ids.layout_of(o), ids.layout_of(t))
    if o == t or t == b:
        merged, conflicts = dict(o), []
    elif o == b:
        merged, conflicts = dict(t), []
    else:
        merged, conflicts = merge_mappings(
            _without_layout(b), _without_layout(o), _without_layout(t),
            _changed_at(paths, base, ours), _changed_at(paths, base, theirs), strategy,
            SETTINGS)
    if layout > 1:
        merged["layout"] = layout
    if merged == o and (merged != t or o_raw == t_raw):
        return None, layout, conflicts
    if merged == t and t_raw is not None:
        return t_raw, layout, conflicts
    return yamlio.emit(merged).encode(), layout, conflicts


def _without_layout(settings: dict) -> dict:
    return {k: v for k, v in settings.items() if k != "layout"}


def _merge_file(paths: RepoPaths, objects: History, path: str, base: str | None,
                ours: str, theirs: str, base_file: str | None, my_blob: str, their_blob: str,
                strategy: str, conflicts: list[MergeConflict]) -> bytes | None:
    """One issue changed on both sides; None keeps ours as it is."""
    blobs = plumbing.read_objects(paths, [my_blob, their_blob])
    mine_raw, other_raw = blobs[my_blob] or b"", blobs[their_blob] or b""
    try:
        mine = Issue.from_yaml(mine_raw.decode("utf-8"), path)
    except (InvalidData, UnicodeDecodeError):
        return other_raw  # ours is unreadable: theirs is the only version worth keeping
    try:
        other = Issue.from_yaml(other_raw.decode("utf-8"), path)
    except (InvalidData, UnicodeDecodeError):
        return None
    raw_base = commits.read_path(paths, base, base_file) if base and base_file else None
    old: Issue | dict | None = None
    if raw_base is not None:
        try:
            old = Issue.from_yaml(raw_base.decode("utf-8"), path)
        except (InvalidData, UnicodeDecodeError):
            old = None
    else:
        old = _common_first_version(objects, base, ours, theirs, mine.id)
    if strategy.startswith("command:"):
        return resolve_with_command(strategy[len("command:"):], raw_base, mine_raw, other_raw,
                                    path)
    merged, found = merge_issues(old, mine, other, strategy, objects.merge_text)
    conflicts.extend(found)
    return merged.to_yaml().encode("utf-8")  # in the base's layout, as the merge driver


def _common_first_version(objects: History, base: str | None, ours: str, theirs: str,
                          issue_id: str) -> dict | None:
    """A file both sides added (the same import on two clones) has no version in the merge
    base; then the fields on which both sides' first versions agree are the common base, so
    only real edits count as changes."""
    firsts = []
    for tip in (ours, theirs):
        data = None
        for layout in (ids.LAYOUT, 1):
            data = data or objects.first_version(tip, base, ids.issue_path(issue_id, layout))
        if data is None:
            return None
        try:
            firsts.append(Issue.from_yaml(data.decode("utf-8"), issue_id).to_dict())
        except (InvalidData, UnicodeDecodeError):
            return None
    a, b = firsts
    return {k: v for k, v in a.items() if k in b and b[k] == v}


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
        try:
            proc = subprocess.run([*shlex.split(program), *files], capture_output=True)
        except (OSError, ValueError) as exc:
            raise Conflict(f"{path}: cannot run the merge program {program!r}: "
                           f"{getattr(exc, 'strerror', None) or exc}") from None
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


def merge_into(paths: RepoPaths, ref: str, theirs: str, strategy: str, actor: str,
               author: tuple[str, str]) -> dict[str, Any]:
    """Bring commit `theirs` into `ref`: a fast-forward, or a merge commit; the ref moves only
    by compare-and-swap, and a lost race merges again on the new tip."""
    import random
    import time

    from gitissues.git import read_ref

    objects = None
    made: tuple[str, str] | None = None  # (ours, the merge commit written on it)
    waiting = refs.watch(paths, ref)
    seen: list[str | None] = []  # each tip tried: 200 moves by others and we give up
    while len(seen) < 200:
        ours = read_ref(paths, ref)
        if not seen or seen[-1] != ours:
            seen.append(ours)
        if ours is not None and plumbing.is_ancestor(paths, theirs, ours):
            return {"merged": False, "fast_forward": False, "conflicts": []}
        if ours is None or plumbing.is_ancestor(paths, ours, theirs):
            if refs.update_ref(paths, ref, theirs, ours, "gi: fast-forward"):
                return {"merged": True, "fast_forward": True, "conflicts": []}
        else:
            if made is None or made[0] != ours:  # merge again only when the ref moved
                if objects is None:
                    from gitissues.git.history import History

                    objects = History(paths)
                changes, conflicts = merge_trees(paths, objects,
                                                 objects.merge_base(ours, theirs), ours,
                                                 theirs, strategy)
                made = (ours, commits.write_commit(
                    paths, ours, changes, merge_message(actor, theirs, conflicts), author,
                    merged=(theirs,)))
            if refs.update_ref(paths, ref, made[1], ours, "gi: merge"):
                return {"merged": True, "fast_forward": False,
                        "conflicts": [c.to_json() for c in conflicts]}
        if waiting.stuck():  # a killed writer's lock: say so instead of spinning
            raise waiting.conflict(ref)
        time.sleep(random.uniform(0, 0.01))
    raise Conflict("the store kept changing during the merge; run gi sync again")


def merge_message(actor: str, theirs: str, conflicts: list[MergeConflict]) -> str:
    from gitissues.store.backend import one_line

    lines = [f"sync: merge {theirs[:12]}", "", f"Gi-Actor: {one_line(actor)}", "Gi-Op: sync"]
    lines += ["Gi-Conflict: " + json.dumps(c.to_json(), ensure_ascii=True, sort_keys=True)
              for c in conflicts]
    return "\n".join(lines) + "\n"
