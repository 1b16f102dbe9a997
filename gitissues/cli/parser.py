"""Reading argv: find the command, build just its parser (`grammar`), and turn what argparse
leaves over into query terms or a usage error that names the word (with a near match)."""

from __future__ import annotations

import argparse
import sys

from gitissues.cli import helptext as h
from gitissues.cli.grammar import COMMANDS, SUBWORDS, build
from gitissues.errors import UsageError

TYPE_CHECKING = False  # typing costs ~3 ms to import; only type checkers need it
if TYPE_CHECKING:
    from gitissues.cli.argparsing import GiParser

# Commands whose free arguments are query terms: `-label:x` or `-word` there is a negated term.
QUERY_COMMANDS = {"list", "search", "ready", "export", "claim", "blocked", "graph"}


def _negated_term(word: str) -> bool:
    """`-x…` but not `--…`."""
    return len(word) > 1 and word[0] == "-" and word[1] != "-"


def command_word(argv: list[str]) -> tuple[int, str | None]:
    """Where the command is in argv, and the command: the first word that is not a top-level
    option or its value ((len(argv), None) when there is none)."""
    skip = False
    for n, word in enumerate(argv):
        if skip:
            skip = False
        elif word == "-C":
            skip = True
        elif word == "--":
            break
        elif not word.startswith("-"):
            return n, word
    return len(argv), None


def parse(argv: list[str]) -> argparse.Namespace:
    at, command = command_word(argv)
    if command is None and not {"-h", "--help", "--version"} & set(argv):
        stray = [w for n, w in enumerate(argv) if w.startswith("-") and w != "-C"
                 and w != "--json" and (n == 0 or argv[n - 1] != "-C")]
        if stray:
            raise UsageError(f"unknown option '{stray[0]}'"
                             f"{h.suggestion(stray[0], ['--json', '--version', '--help', '-C'])}"
                             " (see 'gi help')")
        sys.stderr.write(build("").format_help())
        raise UsageError("no command given (see 'gi help')")
    if command is not None and command not in COMMANDS:
        raise UsageError(f"unknown command '{command}'{h.suggestion(command, sorted(COMMANDS))}"
                         " (see 'gi help')")
    if command in SUBWORDS:
        _check_subword(command, argv[at + 1:])
    top = build(command or "")
    args, extra = top.parse_known_args(argv)
    if extra:
        _place_extra(top, args, extra)
    args.json = bool(getattr(args, "json", False))
    module, _, func = args.handler.partition(":")
    name = f"gitissues.cli.{module}"
    __import__(name)  # (the importlib package costs ~0.2 ms to import)
    args.handler = getattr(sys.modules[name], func)
    return args


def _check_subword(command: str, rest: list[str]) -> None:
    word = next((w for w in rest if not w.startswith("-")), None)
    if word is not None and word not in SUBWORDS[command]:
        raise UsageError(f"unknown {command} action '{word}'"
                         f"{h.suggestion(word, SUBWORDS[command])} (use "
                         f"{', '.join(SUBWORDS[command])}; see 'gi help {command}')")


def _place_extra(top: GiParser, args: argparse.Namespace, extra: list[str]) -> None:
    """Words argparse did not take: negated query terms where a query is read, else an error
    that names the first unknown option (with a near match) or the unexpected word."""
    p = top.commands[args.command]
    if getattr(args, "action", None) in p.commands:
        p = p.commands[args.action]
    options = list(dict.fromkeys([*p.option_names(), "--json", "-C"]))
    if args.command in QUERY_COMMANDS:
        stray = [x for x in extra
                 if not _negated_term(x) or x in options or "--" + x[1:] in options]
        if not stray:
            args.query = [*args.query, *extra]
            return
        extra = stray
    flag = next((x for x in extra if x.startswith("-")), None)
    where = f"gi help {p.prog.split(' ', 1)[-1]}"
    if flag == "-C":
        raise UsageError(f"-C PATH goes before the command: gi -C PATH {args.command} …")
    if flag is not None:
        name = flag.partition("=")[0]
        raise UsageError(f"unknown option '{name}'{h.suggestion(name, options)} (see '{where}')")
    raise UsageError(f"unexpected argument '{extra[0]}' (see '{where}')")
