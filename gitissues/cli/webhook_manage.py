"""`gi webhook register|list|remove` (SPEC §9): parse, call `gitissues.webhooks.manage`,
print. The secret is never printed: only where it is kept."""

from __future__ import annotations

import argparse

from gitissues.cli.common import open_cli_store
from gitissues.cli.output import emit_json, printable, warn

ACTIONS = {"created": "created", "reused": "kept (already registered)", "replaced": "created"}


def cmd_manage(args: argparse.Namespace) -> int:
    from gitissues.webhooks import manage

    store = open_cli_store()
    as_json = getattr(args, "json", False)
    if args.action == "register":
        hook = manage.register(store, args.names, args.url, warn)
        if as_json:
            emit_json(hook)
            return 0
        bridge = printable(hook["bridge"])
        print(f"{bridge}: {ACTIONS[hook['action']]} webhook {printable(hook['id'])} posting "
              f"{_events(hook)} to {printable(hook['url'])}")
        for old in hook["removed"]:
            print(f"{bridge}: removed webhook {printable(old['id'])} ({printable(old['url'])})")
        print(f"its secret is {hook['secret_key']} in {printable(hook['config'])} "
              "(gi webhook serve reads it there)")
        return 0
    if args.action == "list":
        rows = manage.listing(store, list(args.names), warn)
        if as_json:
            emit_json(rows)
            return 0
        for r in rows:
            mark = "\tregistered by gi" if r["registered"] else ""
            print(f"{printable(r['bridge'])}\t{printable(r['id'])}\t"
                  f"{'active' if r['active'] else 'inactive'}\t{printable(r['url'])}\t"
                  f"{_events(r)}{mark}")
        if not rows:
            print("no webhooks")
        return 0
    result = manage.remove(store, args.names, args.hook_id, warn)
    if as_json:
        emit_json(result)
        return 0
    done = "was already gone from the tracker" if result["already_gone"] else "removed"
    forgot = (f"; forgot its secret ({printable(result['config'])})"
              if result["forgot_secret"] else "")
    print(f"{printable(result['bridge'])}: webhook {printable(result['id'])} {done}{forgot}")
    return 0


def _events(hook: dict) -> str:
    return printable(",".join(hook["events"]) or "no events")
