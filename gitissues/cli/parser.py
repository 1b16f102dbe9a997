"""The argument grammar of `gi` (SPEC §3). Handlers live in the command modules."""

from __future__ import annotations

import argparse
import importlib
import os
import re
import sys

from gitissues.errors import UsageError

TYPE_CHECKING = False  # typing costs ~3 ms to import; only type checkers need it
if TYPE_CHECKING:
    from typing import Any, NoReturn

# Commands whose free arguments are query terms: `-label:x` there is a negated qualifier.
COMMANDS = {"init", "create", "show", "list", "search", "ready", "edit", "close", "reopen",
            "comment", "export", "import", "doctor", "reindex", "schema", "config", "whoami",
            "claim", "release", "extend", "claims", "prime", "sync", "pull", "push", "merge-driver",
            "dep", "blocked", "graph", "log", "progress"}
QUERY_COMMANDS = {"list", "search", "ready", "export", "claim", "blocked", "graph"}
_NEGATED_TERM = re.compile(r"^-[a-z][a-z-]*:")


class _Formatter(argparse.HelpFormatter):
    """argparse's formatter imports shutil (~3 ms) just for the terminal width; every parser
    builds one, though help is rarely printed."""

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24,
                 width: int | None = None) -> None:
        if width is None:
            try:
                width = int(os.environ.get("COLUMNS", "")) - 2
            except ValueError:
                try:
                    width = os.get_terminal_size(sys.stdout.fileno()).columns - 2
                except (OSError, ValueError):
                    width = 78
        super().__init__(prog, indent_increment, max_help_position, width)


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see 'gi {self.prog.split(' ', 1)[-1]} --help')"
                         if " " in self.prog else message)


class _Ignored:
    """Stands in for the parsers of commands not being run: building all of them costs
    ~10 ms, a sixth of a read's budget."""

    def __getattr__(self, name: str) -> Any:
        return lambda *args, **kwargs: self


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", default=argparse.SUPPRESS,
                   help="print one JSON document")


def _limit(p: argparse.ArgumentParser, default: int = 50) -> None:
    p.add_argument("--limit", type=int, default=default, help="at most N results (0: all)")


def _body(p: argparse.ArgumentParser) -> None:
    p.add_argument("--body", help="text (Markdown)")
    p.add_argument("--body-file", metavar="F", help="read the text from F, or - for stdin")


def build(only: str | None = None) -> argparse.ArgumentParser:
    """The parser; with `only`, just that subcommand gets its arguments (a read stays fast)."""
    top = _Parser(prog="gi", description="Issue Facade: git-native issues for agents and people",
                  allow_abbrev=False)
    top.add_argument("--json", action="store_true", help="print one JSON document")
    top.add_argument("-C", metavar="PATH", help="run as if started in PATH")
    sub = top.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    def cmd(name: str, handler: str, help: str, **kw: Any) -> argparse.ArgumentParser:
        if only is not None and name != only:
            return _Ignored()  # type: ignore[return-value]
        p = sub.add_parser(name, help=help, description=help, allow_abbrev=False,
                           formatter_class=_Formatter, **kw)
        p.set_defaults(handler=handler)
        _common(p)
        return p

    p = cmd("init", "admin:cmd_init", "create the store (idempotent)")
    p.add_argument("--mode", choices=["branch", "tree"], default=None,
                   help="branch (default for a new store) or tree")
    p.add_argument("--prefix", help="id prefix (default gi)")

    p = cmd("create", "issues:cmd_create", "create an issue; prints its id")
    p.add_argument("title")
    _body(p)
    p.add_argument("--type", "-t", default="task")
    p.add_argument("--priority", "-p", type=int, default=2)
    p.add_argument("--label", "-l", action="append", default=[])
    p.add_argument("--assignee", "-a", action="append", default=[])
    p.add_argument("--depends-on", action="append", default=[], metavar="ID")
    p.add_argument("--parent", metavar="ID")
    p.add_argument("--milestone")
    p.add_argument("--commit", action="store_true", help="tree mode: commit the file")

    p = cmd("show", "issues:cmd_show", "show one issue")
    p.add_argument("id")

    for name, help in (("list", "list issues matching a query (default is:open)"),
                       ("search", "the same as list")):
        p = cmd(name, "issues:cmd_list", help)
        p.add_argument("query", nargs="*")
        _limit(p)

    p = cmd("ready", "issues:cmd_ready", "open, unclaimed issues whose dependencies are closed")
    p.add_argument("query", nargs="*")
    _limit(p)

    p = cmd("edit", "issues:cmd_edit", "update fields of an issue")
    p.add_argument("id")
    p.add_argument("--title")
    _body(p)
    p.add_argument("--status")
    p.add_argument("--type")
    p.add_argument("--priority", type=int)
    p.add_argument("--add-label", action="append", default=[])
    p.add_argument("--remove-label", action="append", default=[])
    p.add_argument("--assign", action="append", default=[])
    p.add_argument("--unassign", action="append", default=[])
    p.add_argument("--milestone")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    p.add_argument("--file", metavar="F", help="replace the issue with this YAML file")
    p.add_argument("--commit", action="store_true")

    p = cmd("close", "issues:cmd_close", "close an issue")
    p.add_argument("id")
    p.add_argument("--reason")
    p.add_argument("--commit", action="store_true")

    p = cmd("reopen", "issues:cmd_reopen", "reopen a closed issue")
    p.add_argument("id")
    p.add_argument("--commit", action="store_true")

    p = cmd("comment", "issues:cmd_comment", "add a comment")
    p.add_argument("id")
    p.add_argument("text", nargs="?")
    p.add_argument("--body-file", metavar="F")
    p.add_argument("--commit", action="store_true")

    p = cmd("claim", "work:cmd_claim", "take exclusive work on an issue (or --next ready one)")
    p.add_argument("id", nargs="?")
    p.add_argument("--next", action="store_true", help="take the first ready issue")
    p.add_argument("query", nargs="*", default=[])
    p.add_argument("--ttl", help="how long the claim lasts (default 30m)")
    p.add_argument("--remote", nargs="?", const="", default=None, metavar="REMOTE",
                   help="arbitrate through a git remote (default origin)")

    p = cmd("release", "work:cmd_release", "give a claim back")
    p.add_argument("id")
    p.add_argument("--remote", nargs="?", const="", default=None, metavar="REMOTE")

    p = cmd("extend", "work:cmd_extend", "prolong your claim")
    p.add_argument("id")
    p.add_argument("--ttl", help="new time left (default 30m)")
    p.add_argument("--remote", nargs="?", const="", default=None, metavar="REMOTE")

    p = cmd("claims", "work:cmd_claims", "live claims of every agent (or --expired)")
    p.add_argument("--expired", action="store_true")

    for name, help in (("sync", "fetch, merge and push the store with a git remote"),
                       ("pull", "fetch and merge the store from a git remote"),
                       ("push", "push the store to a git remote")):
        p = cmd(name, "sync_cmd:cmd_" + name, help)
        p.add_argument("remote", nargs="?", default=None)
        p.add_argument("--strategy", default=None,
                       help="merge|ours|theirs|newer|command:PROGRAM")

    p = cmd("merge-driver", "sync_cmd:cmd_merge_driver", "git merge driver for issue files")
    for a in ("base", "ours", "theirs"):
        p.add_argument(a)
    p.add_argument("path", nargs="?", default="")
    p.add_argument("--strategy", default=None)

    p = cmd("dep", "graph_cmd:cmd_dep", "dependencies: add A B (A depends on B), rm A B, tree ID")
    p.add_argument("action", choices=["add", "rm", "tree"])
    p.add_argument("ids", nargs="+", metavar="ID")

    p = cmd("blocked", "graph_cmd:cmd_blocked", "open issues with an unclosed dependency")
    p.add_argument("query", nargs="*")
    _limit(p)

    p = cmd("graph", "graph_cmd:cmd_graph", "the dependency graph as dot or mermaid")
    p.add_argument("query", nargs="*")
    p.add_argument("--format", choices=["dot", "mermaid"], default="dot")

    p = cmd("log", "log_cmd:cmd_log", "activity stream, oldest first")
    p.add_argument("id", nargs="?")
    p.add_argument("--agent")
    p.add_argument("--since")
    p.add_argument("--follow", action="store_true")
    _limit(p)

    p = cmd("progress", "graph_cmd:cmd_progress", "structured agent metadata")
    p.add_argument("id")
    p.add_argument("--progress", type=float)
    p.add_argument("--stage")
    p.add_argument("--checkpoint", action="append", default=[])

    p = cmd("export", "admin:cmd_export", "JSON Lines, one issue a line (no query: every issue)")
    p.add_argument("query", nargs="*")

    p = cmd("import", "admin:cmd_import", "import JSON Lines (one commit for the batch)")
    p.add_argument("file", metavar="FILE", help="a .jsonl file, or - for stdin")

    p = cmd("doctor", "admin:cmd_doctor", "check the store; --fix repairs what it can")
    p.add_argument("--fix", action="store_true")

    p = cmd("config", "config_cmd:cmd_config", "auto-configuration and settings (SPEC §7)")
    csub = p.add_subparsers(dest="action", metavar="ACTION", parser_class=_Parser)
    csub.required = True
    for name, help in (("detect", "what would be used and where each value came from"),
                       ("init", "detect, confirm, save"), ("show", "every setting, secrets masked"),
                       ("get", "one value"), ("set", "save one value"),
                       ("unset", "remove one setting"),
                       ("edit", "open the settings file in $VISUAL/$EDITOR")):
        c = csub.add_parser(name, help=help, description=help, allow_abbrev=False,
                            formatter_class=_Formatter)
        _common(c)
        c.add_argument("--remote", help="the git remote to read (default: origin, else the only)")
        if name in ("get", "set", "unset"):
            c.add_argument("key")
        if name == "set":
            c.add_argument("value")
        if name in ("set", "unset", "edit"):
            where = c.add_mutually_exclusive_group()
            where.add_argument("--user", action="store_true", help="the user config file")
            where.add_argument("--repo", action="store_true", help="the repository settings")
        if name == "init":
            c.add_argument("--yes", "-y", action="store_true", help="save without asking")
            c.add_argument("--platform", help="gitea|github|gitlab|jira|linear")

    cmd("whoami", "config_cmd:cmd_whoami", "the agent identity and where it came from")
    cmd("prime", "admin:cmd_prime", "the short workflow guide an agent needs at start-up")
    cmd("reindex", "admin:cmd_reindex", "rebuild the derived index")
    cmd("schema", "admin:cmd_schema", "print the JSON Schema of the issue file")
    return top


def parse(argv: list[str]) -> argparse.Namespace:
    words = [a for a in argv if not a.startswith("-")]
    only = words[0] if words and words[0] in COMMANDS and "-C" not in argv else None
    args, extra = build(only).parse_known_args(argv)
    if extra:
        if args.command in QUERY_COMMANDS and all(
            _NEGATED_TERM.match(x) or not x.startswith("-") for x in extra
        ):
            args.query = [*args.query, *extra]
        else:
            raise UsageError(f"unknown argument(s): {' '.join(extra)} "
                             f"(see 'gi {args.command} --help')")
    args.json = bool(getattr(args, "json", False))
    module, _, func = args.handler.partition(":")
    args.handler = getattr(importlib.import_module(f"gitissues.cli.{module}"), func)
    return args


