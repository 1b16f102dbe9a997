"""`gi hooks install|uninstall|status|run` (SPEC §9): parse, call `gitissues.hooks`, print.
`run` is what the installed hooks call: it prints warnings and always exits 0, so gi never
blocks a commit."""

from __future__ import annotations

import argparse

from gitissues.cli import helptext as h
from gitissues.cli.output import emit_json, printable, warn

TYPE_CHECKING = False
if TYPE_CHECKING:
    from gitissues.cli.argparsing import GiParser


def arguments(p: GiParser) -> None:
    """The actions of `gi hooks` and their arguments."""
    from gitissues.cli.grammar import actions
    from gitissues.hooks.install import HOOKS

    for name, c in actions(p, "hooks", h.HOOKS_ACTIONS):
        if name == "run":
            c.add_argument("hook", choices=HOOKS, metavar="HOOK")
            c.add_argument("hook_args", nargs="*", metavar="ARG", help="git's arguments")


def cmd_hooks(args: argparse.Namespace) -> int:
    if args.action == "run":
        return _run(args.hook, list(args.hook_args))
    from gitissues import git
    from gitissues.hooks import install

    paths = git.find_repo(".")
    as_json = getattr(args, "json", False)
    result = getattr(install, args.action)(paths)
    if as_json:
        emit_json(result)
        return 0
    where = printable(result["hooks_dir"])
    if args.action == "install":
        kept = "".join(f"; kept {n} as {n}.gi-chained" for n in result["chained"])
        print(f"installed {', '.join(result['installed'])} in {where}{kept}")
    elif args.action == "uninstall":
        restored = "".join(f"; restored {n}" for n in result["restored"])
        print(f"removed {', '.join(result['removed']) or 'nothing'} from {where}{restored}")
    else:
        for name, hook in result["hooks"].items():
            chained = " (chains to the hook it replaced)" if hook["chained"] else ""
            print(f"{name}\t{hook['state']}{chained}")
        print(f"hooks directory: {where}")
    return 0


def _run(hook: str, hook_args: list[str]) -> int:
    import sys

    from gitissues.hooks import run

    try:
        stdin = sys.stdin.read() if hook in run.TAKES_STDIN else ""
        warnings = run.run(hook, hook_args, stdin)
    except Exception as exc:  # noqa: BLE001 — a hook of ours must never fail a git command
        message = getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
        warnings = [f"the {hook} hook failed: {message}"]
    for w in warnings:
        warn(w)
    return 0
