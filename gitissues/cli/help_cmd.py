"""`gi help [COMMAND [ACTION]]`: the overview, or one command's (or config action's) help."""

from __future__ import annotations

import argparse
import sys

from gitissues.cli import helptext
from gitissues.cli.grammar import COMMANDS, SUBWORDS, build
from gitissues.errors import UsageError


def cmd_help(args: argparse.Namespace) -> int:
    topic = list(args.topic)
    if not topic:
        sys.stdout.write(build("").format_help())
        return 0
    name = topic[0]
    if name not in COMMANDS:
        raise UsageError(f"no help for '{name}': not a command"
                         f"{helptext.suggestion(name, sorted(COMMANDS))} (see 'gi help')")
    parser = build(name).commands[name]
    if len(topic) > 1 and parser.commands:
        action = topic[1]
        if action not in parser.commands:
            raise UsageError(f"no help for '{name} {action}'"
                             f"{helptext.suggestion(action, SUBWORDS[name])}; "
                             f"use {', '.join(parser.commands)}")
        parser = parser.commands[action]
    elif len(topic) > 1 and name not in SUBWORDS:
        raise UsageError(f"'{name}' has no sub-commands (see 'gi help {name}')")
    sys.stdout.write(parser.format_help())
    return 0
