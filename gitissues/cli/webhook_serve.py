"""`gi webhook serve` (SPEC §9): run the webhook receiver until SIGINT or SIGTERM.

The receiver itself is `gitissues.webhooks.Receiver`; this only checks that a secret exists,
says where it listens (stderr; with `--json` one document on stdout) and waits for SIGINT or
SIGTERM.
"""

from __future__ import annotations

import argparse
import signal
import sys
import time

from gitissues.cli.common import open_cli_store
from gitissues.cli.output import emit_json
from gitissues.errors import UsageError

PLATFORMS = ("gitea", "github", "gitlab", "jira", "linear")
STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}


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
    # SIGINT and SIGTERM are blocked before any thread starts (the receiver's threads inherit
    # the mask) and taken below with sigwait: the kernel cannot hand one to a thread that
    # ignores it, leaving the main thread asleep, and no handler runs at an arbitrary point.
    # They stay blocked to the end: a second one cannot cut short the stop, which applies what
    # was accepted.
    waits = hasattr(signal, "pthread_sigmask")
    if waits:
        signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        try:
            receiver.start()
        except OSError as exc:
            raise UsageError(f"cannot listen on {args.host}:{args.port}: "
                             f"{exc.strerror or exc}") from None
        if getattr(args, "json", False):
            emit_json({"url": receiver.url,
                       "hooks": [f"{receiver.url}/hooks/{p}" for p in PLATFORMS]})
            sys.stdout.flush()
        sys.stderr.write(f"gi webhook: listening on {receiver.url}/hooks/"
                         f"{{{','.join(PLATFORMS)}}} (Ctrl-C stops)\n")
        sys.stderr.flush()
        _wait_for_stop(waits)
    finally:
        receiver.stop()
    return 0


def _wait_for_stop(waits: bool) -> None:
    if waits:
        signal.sigwait(STOP_SIGNALS)
        return
    try:  # no signal masks (Windows): Ctrl-C interrupts a short sleep
        while True:
            time.sleep(0.2)
    except KeyboardInterrupt:
        pass
