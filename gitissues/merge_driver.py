"""`gi merge-driver %O %A %B %P`: git calls it for issue files when code branches merge in
tree mode, so an ordinary `git merge` merges issues field by field with no conflict markers.

The losing value of a both-sides change is kept in the issue under `conflicts:` (a record
`{issue, field, kept, lost, at}`), and `gi log` shows each record that a merge commit added as
a `merge.conflict_resolved` event (`new_records`). The output is a function of the three
inputs alone — `at` is the merged `updated`, never the clock, and the bytes do not depend on
which branch is "ours" — so replaying a merge, or merging the other way round, gives the same
file.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from gitissues.errors import GiError, InvalidData
from gitissues.merge import RECORDS, check_strategy, merge_issues
from gitissues.model import Issue


def _text_merge(base: str, ours: str, theirs: str) -> str | None:
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory(prefix="gi-body-") as tmp:
        files = []
        for name, text in (("ours", ours), ("base", base), ("theirs", theirs)):
            f = Path(tmp) / name
            f.write_text(text, encoding="utf-8")
            files.append(str(f))
        proc = subprocess.run(["git", "merge-file", "-p", *files], capture_output=True)
    return proc.stdout.decode("utf-8") if proc.returncode == 0 else None


def merge_file(base_text: str, ours_text: str, theirs_text: str, where: str,
               strategy: str = "merge") -> str:
    """The merged file, with a record of every conflict it resolved under `conflicts:`."""
    mine = Issue.from_yaml(ours_text, where)
    other = Issue.from_yaml(theirs_text, where)
    old = Issue.from_yaml(base_text, where) if base_text.strip() else None
    merged, conflicts = merge_issues(old, mine, other, strategy, _text_merge)
    kept = merged.extra.get(RECORDS)
    if conflicts and (kept is None or isinstance(kept, list)):
        merged.extra[RECORDS] = [*(kept or []),
                                 *({**c.to_json(), "at": merged.updated} for c in conflicts)]
    return merged.to_yaml()


def _records(data: bytes | None, where: str) -> tuple[str | None, list[dict]]:
    try:
        issue = Issue.from_yaml(data.decode("utf-8"), where) if data else None
    except (InvalidData, UnicodeDecodeError):
        return None, []
    found = issue.extra.get(RECORDS) if issue else None
    return (issue.id if issue else None,
            [r for r in found if isinstance(r, dict)] if isinstance(found, list) else [])


def new_records(merged: bytes, parents: list[bytes | None], where: str) -> list[dict]:
    """The conflict records a merge commit added to one issue file: those of the merged
    version that none of its parents' versions holds (what the merge driver resolved)."""
    issue_id, found = _records(merged, where)
    seen = {json.dumps(r, sort_keys=True) for p in parents for r in _records(p, where)[1]}
    return [{**r, "issue": r.get("issue") or issue_id} for r in found
            if json.dumps(r, sort_keys=True) not in seen]


def run(base: str, ours: str, theirs: str, path: str, strategy: str | None) -> int:
    """Write the merge into OURS; a non-zero exit (SPEC §4's code) makes git report a
    conflict for the file and leaves OURS as it was."""
    where = path or ours
    try:
        strategy = check_strategy(strategy)
        ours_text = Path(ours).read_text(encoding="utf-8")
        theirs_text = Path(theirs).read_text(encoding="utf-8")
        base_text = Path(base).read_text(encoding="utf-8") if Path(base).exists() else ""
        if strategy.startswith("command:"):
            from gitissues.storemerge import resolve_with_command

            result = resolve_with_command(strategy[len("command:"):], base_text.encode(),
                                          ours_text.encode(), theirs_text.encode(), where)
            Path(ours).write_bytes(result)
            return 0
        merged = merge_file(base_text, ours_text, theirs_text, where, strategy)
        Path(ours).write_text(merged, encoding="utf-8")
        return 0
    except GiError as exc:
        sys.stderr.write(f"gi merge-driver: {where}: {exc.message}\n")
        return exc.exit_code
    except UnicodeDecodeError as exc:
        sys.stderr.write(f"gi merge-driver: {where}: not UTF-8 text: {exc}\n")
        return InvalidData.exit_code
    except OSError as exc:
        sys.stderr.write(f"gi merge-driver: {where}: {exc}\n")
        return 1
