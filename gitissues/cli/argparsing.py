"""The argparse pieces `grammar` builds `gi` from: a parser that remembers its arguments and
sub-commands and turns errors into usage errors, a light help formatter, and the stand-in for
parsers that are not built."""

from __future__ import annotations

import argparse
import os
import sys

from gitissues.errors import UsageError

TYPE_CHECKING = False  # typing costs ~3 ms to import; only type checkers need it
if TYPE_CHECKING:
    from typing import Any, NoReturn

MAX_LIMIT = 2**62  # SQLite integers are 64-bit; anything larger means "all" anyway


def _translate_once() -> None:
    """argparse passes each message it makes through `gettext.gettext` (a parser makes several
    even when nothing is printed), and every such call looks the catalogue up again: it imports
    `locale` (~1.5 ms) and stats the locale directories. Look it up once, with the same domain
    and directory gettext would use; where that directory does not exist there is no catalogue
    (and no `locale` import): the messages stay as written, as gettext would leave them."""
    import gettext

    domain = gettext.textdomain()
    localedir = gettext.bindtextdomain(domain)
    if os.path.isdir(localedir):
        found = gettext.translation(domain, localedir, fallback=True)
    else:
        found = gettext.NullTranslations()
    argparse._ = found.gettext  # type: ignore[attr-defined]
    argparse.ngettext = found.ngettext  # type: ignore[attr-defined]


_translate_once()


_widths: dict[str, int] = {}  # $COLUMNS -> the width help is wrapped at


def _help_width() -> int:
    """$COLUMNS, else the terminal's width, less 2, between 40 and 100. Looked up once per
    value of $COLUMNS: argparse builds a formatter for every argument it adds."""
    columns = os.environ.get("COLUMNS", "")
    if columns not in _widths:
        try:
            width = int(columns) - 2
        except ValueError:
            try:
                width = os.get_terminal_size(sys.stdout.fileno()).columns - 2
            except (OSError, ValueError):
                width = 78
        _widths[columns] = min(max(width, 40), 100)
    return _widths[columns]


class _Formatter(argparse.RawDescriptionHelpFormatter):
    """Keeps the epilogs' line breaks. argparse's own width lookup imports shutil (~3 ms), and
    every parser builds a formatter though help is rarely printed."""

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24,
                 width: int | None = None, **kwargs: Any) -> None:
        width = _help_width() if width is None else min(max(width, 40), 100)
        super().__init__(prog, indent_increment, max_help_position, width, **kwargs)


class GiParser(argparse.ArgumentParser):
    """Keeps what it was given (`arguments`, `commands`) so help hints and the completion
    scripts can walk the grammar through public attributes, and reports errors as usage
    errors (exit 2) rather than exiting."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.arguments: list[argparse.Action] = []  # before super(): it adds --help
        self.commands: dict[str, GiParser] = {}
        kwargs.setdefault("formatter_class", _Formatter)
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def add_argument(self, *args: Any, **kwargs: Any) -> argparse.Action:
        return self.record(super().add_argument(*args, **kwargs))

    def record(self, action: argparse.Action) -> argparse.Action:
        """Remember an argument added through a group."""
        self.arguments.append(action)
        return action

    def option_names(self) -> list[str]:
        return [o for a in self.arguments for o in a.option_strings]

    def error(self, message: str) -> NoReturn:
        where = self.prog.split(" ", 1)[-1] if " " in self.prog else ""
        raise UsageError(f"{message} (see 'gi help {where}')" if where else
                         f"{message} (see 'gi help')")


class Ignored:
    """Stands in for the parsers of commands not being run."""

    def __getattr__(self, name: str) -> Any:
        return lambda *args, **kwargs: self


def limit_value(text: str) -> int:
    """`--limit N`: a whole number, 0 or more; one too large for SQLite means "all"."""
    digits = text.strip()
    if digits.isdigit() and len(digits) > 18:
        return MAX_LIMIT
    try:
        n = int(digits)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if n < 0:
        raise argparse.ArgumentTypeError(f"must be 0 (all) or more, got {n}")
    return min(n, MAX_LIMIT)
