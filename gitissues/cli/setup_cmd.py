"""`gi setup claude|codex|cursor|agents-md [--remove]` (SPEC §3): parse, call
`gitissues.agents.setup`, print what changed in which file."""

from __future__ import annotations

import argparse

from gitissues.cli import helptext as h
from gitissues.cli.output import emit_json, printable

TYPE_CHECKING = False
if TYPE_CHECKING:
    from gitissues.cli.argparsing import GiParser


def arguments(p: GiParser) -> None:
    """One action per agent tool, each with --remove."""
    from gitissues.cli.grammar import actions

    for _name, c in actions(p, "setup", h.SETUP_ACTIONS):
        c.add_argument("--remove", action="store_true",
                       help="take gi's part out again (a file gi created is deleted)")
    p.epilog = ("Only gi's own keys or marked section are written; running it again changes "
                "nothing; --remove after an install gives back each file as it was.")


def cmd_setup(args: argparse.Namespace) -> int:
    from gitissues import git
    from gitissues.agents import setup

    result = setup.run(git.find_repo("."), args.action, args.remove)
    if getattr(args, "json", False):
        emit_json(result)
        return 0
    for f in result["files"]:
        print(printable(f"{f['file']}: {f['change']}"))
    if result.get("note"):
        print(printable(result["note"]))
    return 0
