"""`gi webhook serve` (SPEC §9): run the webhook receiver until SIGINT or SIGTERM.

The receiver itself is `gitissues.webhooks.Receiver`; this only checks that a secret exists,
says where it listens (stderr; with `--json` one document on stdout) and waits.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from gitissues.cli.common import open_cli_store
from gitissues.cli.output import emit_json
from gitissues.errors import UsageError

PLATFORMS = ("gitea", "github", "gitlab", "jira", "linear")


def cmd_serve(args: argparse.Namespace) -> int:
    from gitissues.webhooks import Receiver

    if args.secret is not None and not args.secret.strip():
        raise UsageError("--secret is empty")
    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port is 0 to 65535 (0: any free port), not {args.port}")
    store = open_cli_store()
    receiver = Receiver(store, secret=args.secret, host=args.host, port=args.port)
    if not receiver.secrets():
        raise UsageError("no webhook secret: give --secret, set GI_WEBHOOK_SECRET, or run "
                         "gi webhook register (it keeps one per bridge in the user config)")
    try:
        receiver.start()
    except OSError as exc:
        raise UsageError(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}"
                         ) from None
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda signum, frame: stop.set())
    hooks = [f"{receiver.url}/hooks/{p}" for p in PLATFORMS]
    if getattr(args, "json", False):
        emit_json({"url": receiver.url, "hooks": hooks})
        sys.stdout.flush()
    sys.stderr.write(f"gi webhook: listening on {receiver.url}/hooks/"
                     f"{{{','.join(PLATFORMS)}}} (Ctrl-C stops)\n")
    sys.stderr.flush()
    try:
        while not stop.wait(1.0):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        receiver.stop()
    return 0
