"""What shell completion offers, read from the grammar itself (`gi completion` renders it for
bash, zsh and fish in `completion_scripts`), so commands, config actions, options and option
values never drift from what `gi` accepts.

Each script finds the command and the word after it (a config action, a dep action…) as the
first words that are neither options nor option values, looks that "key" up in one table
(`table()`) and offers its words and options; after an option such as `--format` it offers
the option's values instead.
"""

from __future__ import annotations

import argparse

from gitissues.cli import helptext as h
from gitissues.cli.argparsing import GiParser
from gitissues.cli.grammar import build

# Values offered after options that take free text in the grammar.
_NUMBERS = ("0", "1", "2", "3", "4")
VALUE_WORDS = {"--type": h.TYPES, "-t": h.TYPES, "--status": h.STATUSES,
               "--strategy": (*h.STRATEGIES, "command:"), "--priority": _NUMBERS,
               "-p": _NUMBERS, "--platform": h.PLATFORMS}
FILE_FLAGS = ("--body-file", "--file")


class Entry:
    """What to offer at one key: `pattern` is "", "CMD", "CMD SUB" or "CMD *" (any SUB)."""

    def __init__(self, pattern: str, words: list[tuple[str, str]],
                 options: list[tuple[str, str]], files: bool = False) -> None:
        self.pattern, self.words, self.options, self.files = pattern, words, options, files


def _options(p: GiParser) -> list[tuple[str, str]]:
    return [(flag, _short_help(a)) for a in p.arguments for flag in a.option_strings]


def _short_help(action: argparse.Action) -> str:
    text = action.help if isinstance(action.help, str) and action.help != argparse.SUPPRESS \
        else ""
    text = text.replace("%%", "%")  # argparse %-formats help
    return text if len(text) <= 60 else text[:59] + "…"


def table() -> tuple[list[Entry], dict[str, tuple[str, ...]]]:
    """Every key with its words, and every option that takes a value → the values to offer
    (empty: free text; file options are in FILE_FLAGS)."""
    top = build(None)
    commands = list(h.SUMMARY.items())
    actions = list(h.CONFIG_ACTIONS.items())
    entries = [Entry("", commands, _options(top))]
    values: dict[str, tuple[str, ...]] = {"-C": ()}
    for name, p in top.commands.items():
        options = _options(p)
        fixed = next((a for a in p.arguments if not a.option_strings and a.choices), None)
        if p.commands:  # config
            entries.append(Entry(name, actions, options))
            entries += [Entry(f"{name} {a}", [], _options(s)) for a, s in p.commands.items()]
        elif name == "help":
            entries += [Entry("help", commands, options), Entry("help config", actions, []),
                        Entry("help *", [], options)]
        elif fixed is not None:  # dep, completion
            entries += [Entry(name, [(str(c), "") for c in fixed.choices], options),
                        Entry(f"{name} *", [], options)]
        else:
            files = any(a.metavar == "FILE" and not a.option_strings for a in p.arguments)
            entries += [Entry(name, [], options, files), Entry(f"{name} *", [], options, files)]
        for parser in (p, *p.commands.values()):
            for a in parser.arguments:
                for flag in a.option_strings:
                    if a.nargs is None:  # takes exactly one value
                        values[flag] = tuple(map(str, a.choices or VALUE_WORDS.get(flag, ())))
    return entries, values


def sq(text: str) -> str:
    """`text` single-quoted for bash and zsh."""
    return "'" + text.replace("'", "'\\''") + "'"


def case_pattern(entry: Entry) -> str:
    """The entry's key as a bash/zsh `case` pattern."""
    if entry.pattern.endswith(" *"):
        return sq(entry.pattern[:-1]) + "*"
    return sq(entry.pattern)


def key_loop(values: dict[str, tuple[str, ...]]) -> str:
    """Shell code (bash and zsh alike) that sets `cmd` and `sub` from the words before the
    cursor, `ws[first]` up to (not including) `ws[last]`, skipping options and their values."""
    flags = "|".join(sorted(values))
    return f"""\
    local cmd="" sub="" i w
    for ((i = first; i < last; i++)); do
        w="${{ws[i]}}"
        case "$w" in
            {flags}) ((i++)) ;;
            -*) ;;
            *) if [[ -z $cmd ]]; then cmd="$w"; elif [[ -z $sub ]]; then sub="$w"; fi ;;
        esac
    done
    local key="$cmd"
    [[ -n $sub ]] && key="$cmd $sub\""""
