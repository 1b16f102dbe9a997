"""The argument grammar of `gi` (SPEC §3), as argparse parsers. Handlers live in the command
modules; the words of the help live in `helptext`; `parser` reads argv with it.

Only the parser of the command being run is built: building all of them costs ~10 ms, a sixth
of a read's budget. `gi help`, `--help` and `gi completion` build what they show.
"""

from __future__ import annotations

import argparse

from gitissues import __version__
from gitissues.cli import helptext as h
from gitissues.cli.argparsing import GiParser, Ignored, limit_value

TYPE_CHECKING = False  # typing costs ~3 ms to import; only type checkers need it
if TYPE_CHECKING:
    from typing import Any

COMMANDS = frozenset(h.SUMMARY)
# The first word after these commands is one of a fixed set (checked early, for a hint).
SUBWORDS = {"dep": ("add", "rm", "tree"), "completion": ("bash", "zsh", "fish"),
            **{command: tuple(actions) for command, actions in h.ACTIONS.items()}}
def _common(p: Any) -> None:
    p.add_argument("--json", action="store_true", default=argparse.SUPPRESS,
                   help="print one JSON document")


def _limit(p: Any, default: int = 50) -> None:
    p.add_argument("--limit", type=limit_value, default=default, metavar="N",
                   help=h.LIMIT.format(default=default))


def _query(p: Any, name: str, what: str = "query terms (see below)") -> None:
    p.add_argument("query", nargs="*", metavar="QUERY", help=what)
    p.epilog = h.query_epilog(name)


def _body(p: Any) -> None:
    p.add_argument("--body", metavar="TEXT", help="the description (Markdown)")
    p.add_argument("--body-file", metavar="F", help="read the description from F, or - for stdin")


def _id(p: Any, what: str = "the issue: its id or any unique prefix (gi-7f3a9c, 7f3a)") -> None:
    p.add_argument("id", metavar="ID", help=what)


def _commit(p: Any) -> None:
    p.add_argument("--commit", action="store_true", help="tree mode: also commit the file")


def _remote(p: Any) -> None:
    p.add_argument("--remote", nargs="?", const="", default=None, metavar="REMOTE",
                   help="arbitrate through a git remote (default origin)")


def build(only: str | None = None) -> GiParser:
    """The parser; with `only`, just that subcommand gets its arguments ("" : none)."""
    top = GiParser(prog="gi", usage="gi [--version] [-C PATH] [--json] COMMAND [ARGS…]",
                  description="Issue Facade: git-native issues for agents and people",
                  epilog=h.overview())
    top.add_argument("--version", action="version", version=f"gi {__version__}")
    top.add_argument("--json", action="store_true", help="print one JSON document")
    top.add_argument("-C", metavar="PATH", help="run as if started in PATH")
    sub = top.add_subparsers(dest="command", metavar="COMMAND", parser_class=GiParser,
                             help=argparse.SUPPRESS, prog="gi")
    sub.required = True

    def cmd(name: str, handler: str) -> Any:
        if only is not None and name != only:
            return Ignored()
        p = sub.add_parser(name, help=h.SUMMARY[name], description=h.SUMMARY[name])
        p.set_defaults(handler=handler)
        _common(p)
        top.commands[name] = p
        return p

    p = cmd("init", "admin:cmd_init")
    p.add_argument("--mode", choices=["branch", "tree"], default=None,
                   help="branch (default for a new store; an existing store keeps its mode): "
                        "the orphan branch issue-facade; tree: files beside "
                        "the code in .issue-facade/issues/")
    p.add_argument("--prefix", help="the id prefix (default gi)")

    p = cmd("create", "issues:cmd_create")
    p.add_argument("title", metavar="TITLE", help="one line")
    _body(p)
    p.add_argument("--type", "-t", default="task", metavar="T",
                   help=f"{h.TYPE} (default task)")
    p.add_argument("--priority", "-p", type=int, default=2, metavar="N",
                   help=f"{h.PRIORITY} (default 2)")
    p.add_argument("--label", "-l", action="append", default=[], metavar="L",
                   help="add a label (repeat for more)")
    p.add_argument("--assignee", "-a", action="append", default=[], metavar="NAME",
                   help="assign someone (repeat for more)")
    p.add_argument("--depends-on", action="append", default=[], metavar="ID",
                   help="an issue that must close first (repeat for more)")
    p.add_argument("--parent", metavar="ID", help="the parent issue (an epic)")
    p.add_argument("--milestone", metavar="M")
    _commit(p)

    _id(cmd("show", "issues:cmd_show"))

    for name in ("list", "search", "ready"):
        p = cmd(name, "issues:cmd_" + ("ready" if name == "ready" else "list"))
        _query(p, name)
        _limit(p)

    p = cmd("edit", "issues:cmd_edit")
    _id(p)
    p.add_argument("--title", metavar="TEXT")
    _body(p)
    p.add_argument("--status", metavar="S", help=h.STATUS)
    p.add_argument("--type", metavar="T", help=h.TYPE)
    p.add_argument("--priority", type=int, metavar="N", help=h.PRIORITY)
    for flag, what in (("--add-label", "L"), ("--remove-label", "L"), ("--assign", "NAME"),
                       ("--unassign", "NAME")):
        p.add_argument(flag, action="append", default=[], metavar=what, help="repeatable")
    p.add_argument("--milestone", metavar="M", help="the milestone ('' clears it)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="set any field, e.g. agent.stage=design (VALUE is read as YAML)")
    p.add_argument("--file", metavar="F", help="replace the issue with this YAML file (- stdin)")
    _commit(p)

    p = cmd("close", "issues:cmd_close")
    _id(p)
    p.add_argument("--reason", metavar="TEXT", help="why, recorded as a comment")
    _commit(p)

    p = cmd("reopen", "issues:cmd_reopen")
    _id(p)
    _commit(p)

    p = cmd("comment", "issues:cmd_comment")
    _id(p)
    p.add_argument("text", nargs="?", metavar="TEXT", help="the comment (Markdown)")
    p.add_argument("--body-file", metavar="F", help="read the comment from F, or - for stdin")
    _commit(p)

    p = cmd("claim", "work:cmd_claim")
    p.add_argument("id", nargs="?", metavar="ID", help="the issue to claim")
    p.add_argument("--next", action="store_true",
                   help="take the first ready issue (that QUERY matches); exit 3 if none")
    _query(p, "claim --next", "with --next: narrows the ready issues (see below)")
    p.add_argument("--ttl", metavar="DURATION",
                   help=f"how long the claim lasts: {h.DURATIONS} (default 30m)")
    _remote(p)

    p = cmd("release", "work:cmd_release")
    _id(p)
    _remote(p)

    p = cmd("extend", "work:cmd_extend")
    _id(p)
    p.add_argument("--ttl", metavar="DURATION",
                   help=f"the new time left: {h.DURATIONS} (default 30m)")
    _remote(p)

    p = cmd("claims", "work:cmd_claims")
    p.add_argument("--expired", action="store_true", help="expired claims instead of live ones")

    for name in ("sync", "pull", "push"):
        p = cmd(name, "sync_cmd:cmd_" + name)
        p.add_argument("remote", nargs="?", default=None, metavar="REMOTE",
                       help="the git remote (default origin)")
        p.add_argument("--strategy", default=None, metavar="S", help=h.STRATEGY)

    p = cmd("merge-driver", "sync_cmd:cmd_merge_driver")
    for a, mark in (("base", "%%O"), ("ours", "%%A"), ("theirs", "%%B")):  # argparse %-formats
        p.add_argument(a, metavar=a.upper(), help=f"the {a} version's file (git's {mark})")
    p.add_argument("path", nargs="?", default="", metavar="PATH", help="the file's path (%%P)")
    p.add_argument("--strategy", default=None, metavar="S", help=h.STRATEGY)

    p = cmd("dep", "graph_cmd:cmd_dep")
    p.add_argument("action", choices=SUBWORDS["dep"], metavar="add|rm|tree",
                   help="add A B: A depends on B; rm A B: not any more; tree ID: both ways")
    p.add_argument("ids", nargs="+", metavar="ID")

    p = cmd("blocked", "graph_cmd:cmd_blocked")
    _query(p, "blocked")
    _limit(p)

    p = cmd("graph", "graph_cmd:cmd_graph")
    _query(p, "graph", "which issues to draw (default is:open; see below)")
    p.add_argument("--format", choices=["dot", "mermaid"], default="dot",
                   help="dot (default, for Graphviz) or mermaid")

    p = cmd("log", "log_cmd:cmd_log")
    p.add_argument("id", nargs="?", metavar="ID", help="only this issue's events")
    p.add_argument("--agent", metavar="NAME", help="only this actor's events")
    p.add_argument("--since", metavar="WHEN", help=f"an age ({h.DURATIONS} ago) or an RFC 3339 "
                                                   "time (2026-11-24, 2026-11-24T06:00:00Z)")
    p.add_argument("--follow", action="store_true", help="keep printing new events (Ctrl-C)")
    _limit(p)

    p = cmd("progress", "graph_cmd:cmd_progress")
    _id(p)
    p.add_argument("--progress", type=float, metavar="F", help="how far: 0 to 1 (0.5: half)")
    p.add_argument("--stage", metavar="S", help="a word for the phase: design, review, …")
    p.add_argument("--checkpoint", action="append", default=[], metavar="C",
                   help="a milestone reached (repeatable)")

    p = cmd("export", "admin:cmd_export")
    _query(p, "export", "which issues (default: every issue, closed too; see below)")

    p = cmd("import", "admin:cmd_import")
    p.add_argument("file", metavar="FILE", help="a .jsonl file, or - for stdin")
    p.add_argument("--from", dest="source", choices=("gi", "beads"), default="gi",
                   help="the file's format: gi's own export (default), or the JSONL that beads"
                        " and beads_rust keep in .beads/issues.jsonl")

    p = cmd("doctor", "admin:cmd_doctor")
    p.add_argument("--fix", action="store_true", help="repair what can be repaired")

    p = cmd("config", "config_cmd:cmd_config")
    if isinstance(p, GiParser):
        _config_actions(p)

    p = cmd("bridge", "bridge_cmd:cmd_bridge")
    if isinstance(p, GiParser):
        _bridge_actions(p)

    for name, module in (("whoami", "config_cmd"), ("prime", "admin"), ("reindex", "admin"),
                         ("schema", "admin")):
        cmd(name, f"{module}:cmd_{name}")

    for name, module in h.PLUGGED.items():  # commands whose grammar lives beside the handler
        p = cmd(name, f"{module}:cmd_{name.replace('-', '_')}")
        if isinstance(p, GiParser):
            import importlib

            importlib.import_module(f"gitissues.cli.{module}").arguments(p)

    p = cmd("completion", "completion:cmd_completion")
    p.add_argument("shell", choices=SUBWORDS["completion"], metavar="bash|zsh|fish")
    p.epilog = ("bash: source <(gi completion bash)   (e.g. in ~/.bashrc)\n"
                "zsh:  source <(gi completion zsh)    (in ~/.zshrc, after compinit)\n"
                "fish: gi completion fish > ~/.config/fish/completions/gi.fish")

    p = cmd("help", "help_cmd:cmd_help")
    p.add_argument("topic", nargs="*", metavar="COMMAND", help="e.g. list, or config set")
    return top


def actions(p: GiParser, command: str, words: dict[str, str]) -> list[tuple[str, Any]]:
    """The sub-parsers of a command's actions (`gi config set`, `gi bridge sync`, …), each with
    its one line of help and `--json`."""
    sub = p.add_subparsers(dest="action", metavar="ACTION", parser_class=GiParser,
                           prog=f"gi {command}")
    sub.required = True
    made = []
    for name, help in words.items():
        c = sub.add_parser(name, help=help, description=help)
        p.commands[name] = c
        _common(c)
        made.append((name, c))
    return made


def _bridge_actions(p: GiParser) -> None:
    for name, c in actions(p, "bridge", h.BRIDGE_ACTIONS):
        if name == "add":
            c.add_argument("name", metavar="NAME", help="letters, digits, - and _")
            c.add_argument("--platform", help=", ".join(h.PLATFORMS))
            c.add_argument("--url", help="the instance root (https://gitea.example.com), for "
                                         "GitHub the API root (https://api.github.com)")
            c.add_argument("--project", help="owner/repo, or a GitLab path or id")
            c.add_argument("--token-env", metavar="VAR",
                           help="the variable that holds the token (default: the "
                                "platform's, e.g. GITEA_TOKEN)")
            c.add_argument("--deployment", choices=("cloud", "datacenter"),
                           help="Jira: cloud (REST v3, JIRA_EMAIL + JIRA_TOKEN) or datacenter "
                                "(REST v2, JIRA_TOKEN as a personal access token)")
        elif name == "rm":
            c.add_argument("name", metavar="NAME")
        elif name in ("pull", "push", "sync"):
            c.add_argument("names", nargs="*", metavar="NAME", help="default: every bridge")
            c.add_argument("--dry-run", action="store_true",
                           help="say what would change and change nothing")


def _config_actions(p: GiParser) -> None:
    for name, c in actions(p, "config", h.CONFIG_ACTIONS):
        c.add_argument("--remote", help="the git remote to read (default: origin, else the only)")
        if name in ("get", "set", "unset"):
            c.add_argument("key", metavar="KEY", help="a dotted settings key, e.g. agent.id")
        if name == "set":
            c.add_argument("value", metavar="VALUE", help="read as YAML: 30m, true, [a, b]")
        if name in ("set", "unset", "edit"):
            where = c.add_mutually_exclusive_group()
            c.record(where.add_argument("--user", action="store_true",
                                        help="the user config file"))
            c.record(where.add_argument("--repo", action="store_true",
                                        help="the repository settings"))
        if name == "init":
            c.add_argument("--yes", "-y", action="store_true", help="save without asking")
            c.add_argument("--platform", help=", ".join(h.PLATFORMS))
