"""Claims: claim, release, extend, claims."""

from __future__ import annotations

import argparse

from gitissues.cli.issues import _store
from gitissues.cli.output import emit_json, print_issues
from gitissues.errors import UsageError

TYPE_CHECKING = False  # typing costs ~3 ms to import; only type checkers need it
if TYPE_CHECKING:
    from typing import Any


def _print_claim(issue: Any, args: argparse.Namespace, verb: str) -> None:
    if args.json:
        emit_json(issue.to_json())
    elif issue.claim:
        print(f"{verb} {issue.id} ({issue.claim.agent} until {issue.claim.expires_at}): "
              f"{issue.title}")
    else:
        print(f"{verb} {issue.id}: {issue.title}")


def cmd_claim(args: argparse.Namespace) -> int:
    store = _store()
    if args.next:
        terms = ([args.id] if args.id else []) + list(args.query)
        issue = store.claim_next(terms, args.ttl, args.remote)
    else:
        if not args.id:
            raise UsageError("give an issue ID, or --next [QUERY…]")
        if args.query:
            raise UsageError(f"unexpected argument(s): {' '.join(args.query)}")
        issue = store.claim(args.id, args.ttl, args.remote)
    _print_claim(issue, args, "claimed")
    return 0


def cmd_release(args: argparse.Namespace) -> int:
    _print_claim(_store().release(args.id, args.remote), args, "released")
    return 0


def cmd_extend(args: argparse.Namespace) -> int:
    _print_claim(_store().extend(args.id, args.ttl, args.remote), args, "extended")
    return 0


def cmd_claims(args: argparse.Namespace) -> int:
    issues = _store().claims(args.expired)
    if args.json:
        print_issues(issues, True)
        return 0
    for i in issues:
        assert i.claim is not None
        print(f"{i.id}  {i.claim.agent:<16}  until {i.claim.expires_at}  {i.title}")
    return 0
