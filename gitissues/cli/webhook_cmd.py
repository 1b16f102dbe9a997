"""`gi webhook serve|register|list|remove` (SPEC §9): the grammar of the four actions; `serve`
is handled in `webhook_serve`, the others (which talk to the tracker's API) in
`webhook_manage`."""

from __future__ import annotations

import argparse

from gitissues.cli import helptext as h

TYPE_CHECKING = False
if TYPE_CHECKING:
    from gitissues.cli.argparsing import GiParser


def arguments(p: GiParser) -> None:
    """The actions of `gi webhook` and their arguments."""
    from gitissues.cli.grammar import actions

    for name, c in actions(p, "webhook", h.WEBHOOK_ACTIONS):
        if name == "serve":
            c.add_argument("--host", default="127.0.0.1", help="the address to listen on "
                                                               "(default 127.0.0.1)")
            c.add_argument("--port", type=int, default=8787, help="default 8787")
            c.add_argument("--secret", metavar="S",
                           help="the shared secret (default: GI_WEBHOOK_SECRET)")
        else:
            c.add_argument("names", nargs="*" if name == "list" else "?", metavar="BRIDGE",
                           help="a saved bridge (default: the only one)")
            if name == "register":
                c.add_argument("--url", required=True,
                               help="where the tracker posts: this server's public address, "
                                    "e.g. https://hooks.example.com/hooks/github")
            if name == "remove":
                c.add_argument("--id", dest="hook_id", metavar="HOOK_ID",
                               help="the hook to delete (default: the one register made)")


def cmd_webhook(args: argparse.Namespace) -> int:
    if args.action == "serve":
        from gitissues.cli.webhook_serve import cmd_serve

        return cmd_serve(args)
    from gitissues.cli.webhook_manage import cmd_manage

    return cmd_manage(args)
