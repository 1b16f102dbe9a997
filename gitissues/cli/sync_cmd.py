"""Remote exchange and merging: sync, pull, push, merge-driver."""

from __future__ import annotations

import argparse

from gitissues.cli.common import open_cli_store
from gitissues.cli.output import emit_json, plural, printable

TYPE_CHECKING = False  # typing costs ~3 ms to import; only type checkers need it
if TYPE_CHECKING:
    from typing import Any


def _report(result: dict[str, Any], args: argparse.Namespace) -> int:
    if args.json:
        emit_json(result)
        return 0
    parts = []
    if result.get("fast_forward"):
        parts.append("fast-forwarded")
    elif result.get("merged"):
        parts.append("merged")
    if result.get("conflicts"):
        count = plural(len(result["conflicts"]), "field conflict")
        parts.append(f"{count} resolved (see gi log)")
    if result.get("pushed"):
        parts.append("pushed")
    print(printable(f"{result['remote']}: " + (", ".join(parts) if parts else "up to date")))
    return 0


def cmd_sync(args: argparse.Namespace) -> int:
    return _report(open_cli_store().sync(args.remote, args.strategy), args)


def cmd_pull(args: argparse.Namespace) -> int:
    return _report(open_cli_store().sync(args.remote, args.strategy, push=False), args)


def cmd_push(args: argparse.Namespace) -> int:
    return _report(open_cli_store().sync(args.remote, args.strategy, pull=False), args)


def cmd_merge_driver(args: argparse.Namespace) -> int:
    from gitissues.merge_driver import run

    return run(args.base, args.ours, args.theirs, args.path, args.strategy)
