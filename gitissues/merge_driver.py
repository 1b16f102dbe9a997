"""`gi merge-driver %O %A %B %P`: git calls it for issue files when code branches merge in
tree mode, so an ordinary `git merge` merges issues field by field with no conflict markers.
The losing value of a both-sides change is kept in the issue under `conflicts:`."""

from __future__ import annotations

import sys
from pathlib import Path

from gitissues import timeutil
from gitissues.errors import GiError, InvalidData
from gitissues.merge import check_strategy, merge_issues
from gitissues.model import Issue

ATTRIBUTES_LINE = ".issue-facade/issues/** merge=issue-facade"


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


def run(base: str, ours: str, theirs: str, path: str, strategy: str | None) -> int:
    where = path or ours
    try:
        strategy = check_strategy(strategy)
        ours_text = Path(ours).read_text(encoding="utf-8")
        theirs_text = Path(theirs).read_text(encoding="utf-8")
        base_text = Path(base).read_text(encoding="utf-8") if Path(base).exists() else ""
        if strategy.startswith("command:"):
            from gitissues.sync import resolve_with_command

            result = resolve_with_command(strategy[len("command:"):], base_text.encode(),
                                          ours_text.encode(), theirs_text.encode(), where)
            Path(ours).write_bytes(result)
            return 0
        mine = Issue.from_yaml(ours_text, where)
        other = Issue.from_yaml(theirs_text, where)
        old = Issue.from_yaml(base_text, where) if base_text.strip() else None
        merged, conflicts = merge_issues(old, mine, other, strategy, _text_merge)
        if conflicts:
            record = merged.extra.setdefault("conflicts", [])
            at = timeutil.now_str()
            record.extend({**c.to_json(), "at": at} for c in conflicts)
        Path(ours).write_text(merged.to_yaml(), encoding="utf-8")
        return 0
    except (GiError, InvalidData, OSError, UnicodeDecodeError) as exc:
        sys.stderr.write(f"gi merge-driver: {where}: {getattr(exc, 'message', exc)}\n")
        return 1
