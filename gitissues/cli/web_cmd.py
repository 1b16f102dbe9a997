"""`gi web [--host 127.0.0.1] [--port 8788] [--read-only] [--open] [--token T]` (SPEC §11):
parse, start `gitissues.web`, say where it listens (the first line of stdout, so a script that
asked for `--port 0` learns the port)."""

from __future__ import annotations

import argparse
import json
import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from gitissues.cli.argparsing import GiParser


def arguments(p: GiParser) -> None:
    p.add_argument("--host", default="127.0.0.1",
                   help="the address to listen on (default 127.0.0.1; any other needs a token)")
    p.add_argument("--port", type=int, default=8788,
                   help="default 8788; 0 lets the system pick a free one")
    p.add_argument("--read-only", action="store_true", help="refuse every write (405)")
    p.add_argument("--open", action="store_true", help="open the board in a browser")
    p.add_argument("--token", metavar="T",
                   help="the access token every request must carry (default: GI_WEB_TOKEN)")


def cmd_web(args: argparse.Namespace) -> int:
    from gitissues.cli.common import open_cli_store
    from gitissues.cli.output import printable
    from gitissues.errors import UsageError
    from gitissues.web.app import App, serve

    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port must be 0 to 65535, got {args.port}")
    store = open_cli_store()
    store.fresh()  # a store that cannot be read is reported now, not on the first page
    token = args.token or os.environ.get("GI_WEB_TOKEN") or None
    app = App(store.paths, host=args.host, port=args.port, read_only=args.read_only,
              access_token=token)

    def ready(url: str) -> None:
        if args.json:
            print(json.dumps({"url": url, "read_only": args.read_only, "repository":
                              store.paths.top}), flush=True)
        else:
            mode = " (read-only)" if args.read_only else ""
            print(f"gi web: serving {printable(store.paths.top)} at {url}{mode}", flush=True)
        if args.open:
            import webbrowser

            webbrowser.open(url + (f"?token={token}" if token else ""))

    serve(app, ready)
    sys.stdout.flush()
    return 0
