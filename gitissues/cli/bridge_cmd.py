"""`gi bridge add|list|rm|pull|push|sync` (SPEC §8): parse, call `gitissues.bridges.run`,
print."""

from __future__ import annotations

import argparse

from gitissues.cli.common import open_cli_store
from gitissues.cli.output import emit_json, plural, printable, warn
from gitissues.errors import Conflict


def cmd_bridge(args: argparse.Namespace) -> int:
    from gitissues.bridges import run

    store = open_cli_store()
    as_json = getattr(args, "json", False)
    if args.action == "add":
        entry = run.add(store, args.name, args.platform,
                        {"url": args.url, "project": args.project, "token_env": args.token_env,
                         "deployment": args.deployment})
        if as_json:
            emit_json(entry)
        else:
            print(f"bridge {printable(entry['name'])}: {entry['platform']} "
                  f"{printable(entry['url'])} {printable(entry['project'])}")
        return 0
    if args.action == "list":
        rows = run.listing(store)
        if as_json:
            emit_json(rows)
        for r in [] if as_json else rows:
            print(f"{printable(r['name'])}\t{r['platform']}\t{printable(r['url'])}\t"
                  f"{printable(r['project'])}\tpulled {r['last_pull'] or 'never'}\t"
                  f"pushed {r['last_push'] or 'never'}")
        return 0
    if args.action == "rm":
        run.remove(store, args.name)
        if as_json:
            emit_json({"name": args.name, "removed": True})
        else:
            print(f"bridge {printable(args.name)} removed")
        return 0
    results = run.run(store, list(args.names), args.action, dry_run=args.dry_run,
                      say=warn)
    if as_json:
        emit_json(results)
    verb = "would be " if args.dry_run else ""
    for r in [] if as_json else results:
        print(f"{printable(r['name'])} {r['direction']}: {r['created']} {verb}created, "
              f"{r['updated']} {verb}updated, {r['unchanged']} unchanged "
              f"({plural(r['requests'], 'request')})")
    problems = [f"{r['name']} {p}" for r in results for p in r.get("problems") or []]
    if problems:  # the rest went through; what did not is named, and the exit says so
        raise Conflict(f"{plural(len(problems), 'change')} the tracker did not take: "
                       + "; ".join(problems), problems=problems)
    return 0
