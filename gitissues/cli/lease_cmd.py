"""`gi lease acquire|release|extend|list|show|check` (SPEC §12): parse, call
`gitissues.leases`, print. `check` is what the pre-commit hook runs."""

from __future__ import annotations

import argparse
import sys

from gitissues.cli import helptext as h
from gitissues.cli.common import open_cli_store
from gitissues.cli.output import emit_json, printable, warn

TYPE_CHECKING = False
if TYPE_CHECKING:
    from gitissues.cli.argparsing import GiParser
    from gitissues.errors import Conflict
    from gitissues.leases.model import Lease

RESOURCE = "a name (db-migration: letters, digits, . - _ / :) or path:PATTERN (git's wildmatch)"


def arguments(p: GiParser) -> None:
    """The actions of `gi lease` and their arguments."""
    from gitissues.cli.grammar import actions

    for name, c in actions(p, "lease", h.LEASE_ACTIONS):
        if name in ("acquire", "release", "extend", "show"):
            c.add_argument("resource", metavar="RESOURCE", help=RESOURCE)
        if name in ("acquire", "extend"):
            c.add_argument("--ttl", metavar="DURATION",
                           help=f"how long it lasts from now: {h.DURATIONS} (default 10m, or "
                                "leases.ttl)")
        if name in ("acquire", "release", "extend"):
            c.add_argument("--remote", nargs="?", const="", default=None, metavar="REMOTE",
                           help="arbitrate through a git remote (default: leases.remote, "
                                "else claims.remote, else origin)")
        if name == "acquire":
            c.add_argument("--wait", metavar="DURATION",
                           help="while another agent holds it, try again until this has "
                                "passed (then exit 4)")
        elif name == "list":
            c.add_argument("--expired", action="store_true",
                           help="expired leases instead of live ones")
        elif name == "check":
            c.add_argument("paths", nargs="*", metavar="PATH",
                           help="file paths from the top of the repository")
            c.add_argument("--staged", action="store_true",
                           help="also every path the next commit changes (the pre-commit "
                                "hook's check)")


def _line(lease: Lease) -> str:
    return printable(f"{lease.resource}  {lease.holder}  until {lease.expires_at}")


def cmd_lease(args: argparse.Namespace) -> int:
    from gitissues.leases import ops

    store = open_cli_store()
    as_json = getattr(args, "json", False)
    action = args.action
    if action == "check":
        return _check(store, args.paths, args.staged, as_json)
    if action == "list":
        warnings: list[str] = []
        leases = ops.listing(store, args.expired, warnings)
        for warning in warnings:
            warn(warning)
        if as_json:
            emit_json([x.to_json() for x in leases])
        for lease in [] if as_json else leases:
            print(_line(lease))
        return 0
    if action == "show":
        lease = ops.show(store, args.resource)
    elif action == "acquire":
        lease = ops.acquire(store, args.resource, args.ttl, args.remote, args.wait,
                            lambda exc: _waiting(exc, args.wait))
    elif action == "extend":
        lease = ops.extend(store, args.resource, args.ttl, args.remote)
    else:
        lease = ops.release(store, args.resource, args.remote)
    if as_json:
        emit_json(lease.to_json())
    elif action == "show":
        from gitissues import timeutil

        state = "" if lease.live(timeutil.now_str()) else "  (expired)"
        print(printable(f"{lease.resource}\nholder: {lease.holder}\nacquired: "
                        f"{lease.acquired_at}\nexpires: {lease.expires_at}{state}", True))
    else:
        verb = {"acquire": "leased", "extend": "extended", "release": "released"}[action]
        print(printable(f"{verb} {lease.resource} ({lease.holder} until "
                        f"{lease.expires_at})"))
    return 0


def _waiting(exc: Conflict, wait: str) -> None:
    sys.stderr.write(f"gi: {printable(exc.message)}; waiting up to {printable(wait)}\n")
    sys.stderr.flush()


def _check(store: object, paths: list[str], staged: bool, as_json: bool) -> int:
    """Exit 4 naming each path that a live lease of another agent covers, with the lease and
    its holder; 0 (and nothing on stdout but `[]` with --json) when none does."""
    from gitissues.errors import Conflict
    from gitissues.leases import guard

    found = guard.blocked(store, paths, staged)  # type: ignore[arg-type]
    for warning in guard.warnings(store):  # type: ignore[arg-type]
        warn(warning)
    if not found:
        if as_json:
            emit_json([])
        return 0
    rows = [{"path": path, **lease.to_json()} for path, lease in found]
    lines = [f"{r['path']} is leased by {r['holder']} until {r['expires_at']} "
             f"(lease {r['resource']})" for r in rows]
    first = rows[0]
    raise Conflict("\n".join(lines), path=first["path"], lease=first["resource"],
                   holder=first["holder"], expires_at=first["expires_at"], blocked=rows)
