"""`gi log`: the activity stream, oldest first; `--follow` keeps streaming as changes land."""

from __future__ import annotations

import argparse
import json
import signal
import sys

from gitissues.cli.common import open_cli_store
from gitissues.cli.output import emit_json, plural, printable, warn

TYPE_CHECKING = False  # typing costs ~3 ms to import; only type checkers need it
if TYPE_CHECKING:
    from typing import Any


class _Stop(Exception):
    """SIGTERM: leave the follow loop the way Ctrl-C does."""


def cmd_log(args: argparse.Namespace) -> int:
    from gitissues import activity

    limit = args.limit or None
    store = open_cli_store()
    if store.mode == "tree":
        sys.stderr.write(f"gi: note: {activity.TREE_NOTE}\n")
    pairs, mark = activity.listing_and_mark(store, since=args.since, issue=args.id,
                                            agent=args.agent,
                                            limit=None if limit is None else limit + 1)
    more = limit is not None and len(pairs) > limit
    pairs = pairs[-limit:] if limit else pairs
    events = [e for _, e in pairs]
    if args.follow:
        return _follow(store, args, events, more, mark)
    if args.json:
        emit_json(events)
    else:
        for e in events:
            print(line(e))
    if more:
        warn(f"showing the last {plural(limit, 'event')}; "
             "use --since, --limit N or --limit 0 for all")
    return 0


def _follow(store: Any, args: argparse.Namespace, events: list[dict], more: bool,
            after: int) -> int:
    """Print what was listed, then every event that lands after it, until SIGINT/SIGTERM."""
    from gitissues import activity

    for e in events:
        _print(e, args.json)
    if more:
        warn(f"showing the last {plural(args.limit, 'earlier event')}; following new ones")

    def stop(signum: int, frame: Any) -> None:
        raise _Stop

    signal.signal(signal.SIGTERM, stop)
    try:
        for e in activity.follow(store, issue=args.id, agent=args.agent, after=after,
                                 since=args.since):
            _print(e, args.json)
    except (KeyboardInterrupt, _Stop):
        pass
    return 0


def _print(event: dict, as_json: bool) -> None:
    sys.stdout.write((json.dumps(event, ensure_ascii=False) if as_json else line(event)) + "\n")
    sys.stdout.flush()


def line(e: dict[str, Any]) -> str:
    """One event as a line a person can scan: time, actor, issue, type, what changed."""
    return printable(f"{e['time']}  {e['actor'] or '?'}  {e['issue'] or '-'}  {e['type']}  "
                     f"{summary(e)}")


def _short(value: Any, width: int = 60) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: width - 1] + "…"


def summary(e: dict[str, Any]) -> str:
    f, kind = e["fields"], e["type"]
    if kind == "issue.created":
        return _short(f.get("title"))
    if kind == "status.changed":
        return f"{f['status']['old']} → {f['status']['new']}"
    if kind == "comment.added":
        return f"{f.get('comment')}: {_short(f.get('body'))}"
    if kind == "claim.acquired":
        return f"{f.get('agent')} until {f.get('expires_at')}"
    if kind in ("claim.expired", "claim.released"):
        return f"{f.get('agent')} (it ran until {f.get('expires_at')})"
    if kind == "claim.extended":
        return f"{f.get('agent')} until {f['expires_at']['new']}"
    if kind.startswith("lease."):
        until = f.get("expires_at")
        until = until.get("new") if isinstance(until, dict) else until
        return f"{f.get('resource')} {f.get('holder')} until {until}"
    if kind.startswith("dependency."):
        return f"on {f.get('dependency')}"
    if kind == "commit.linked":
        return str(f.get("commit", ""))[:12]
    if kind == "merge.conflict_resolved":
        kept, lost = _short(f.get("kept"), 30), _short(f.get("lost"), 30)
        return f"{f.get('field')}: kept {kept} over {lost}"
    return "; ".join(f"{k}: {_changed_words(v.get('old'), v.get('new'))}"
                     if isinstance(v, dict) and "old" in v else f"{k}: {_short(v)}"
                     for k, v in f.items())


def _changed_words(old: Any, new: Any, width: int = 30) -> str:
    """`old → new`; when long texts would look alike cut to `width`, only the part that
    changed, git word-diff style, with a few words around it: `…on empty [-password-]{+form+}`.
    """
    a, b = _short(old, 10**6), _short(new, 10**6)
    if not (isinstance(old, str) and isinstance(new, str)) or max(len(a), len(b)) <= width:
        return f"{_short(old, width)} → {_short(new, width)}"
    aw, bw = a.split(" "), b.split(" ")
    head = 0
    while head < min(len(aw), len(bw)) and aw[head] == bw[head]:
        head += 1
    tail = 0
    while (tail < min(len(aw), len(bw)) - head
           and aw[len(aw) - 1 - tail] == bw[len(bw) - 1 - tail]):
        tail += 1
    gone, added = " ".join(aw[head:len(aw) - tail]), " ".join(bw[head:len(bw) - tail])
    before = " ".join(aw[max(0, head - 3):head])
    after = " ".join(aw[len(aw) - tail:len(aw) - tail + 3])
    parts = [("…" if head > 3 else "") + before,
             f"[-{_short(gone, width)}-]" if gone else "",
             f"{{+{_short(added, width)}+}}" if added else "",
             after + ("…" if tail > 3 else "")]
    return " ".join(p for p in parts if p)
