"""The words of `gi --help`: one line per command, the groups of the overview, what each kind
of value may be, and the short query-language guide. Kept apart from the grammar so the parser
reads as a list of arguments, and so `gi help`, the completion scripts and the parser agree.

Nothing here may point at files the package does not install (docs/ is not installed).
"""

from __future__ import annotations

# Every command with its one line of help, in the order `gi help` lists them by group.
SUMMARY = {
    "create": "create an issue; prints its id",
    "show": "show one issue",
    "list": "list issues matching a query (default is:open)",
    "search": "the same as list",
    "edit": "update fields of an issue",
    "close": "close an issue",
    "reopen": "reopen a closed issue",
    "comment": "add a comment",
    "ready": "open, unclaimed issues whose dependencies are closed",
    "claim": "take exclusive work on an issue (or --next ready one)",
    "progress": "record an agent's progress, stage and checkpoints",
    "extend": "prolong your claim",
    "release": "give a claim back",
    "claims": "live claims of every agent (or --expired)",
    "lease": "exclusive use of a name or of paths: acquire, release, extend, list, show, check",
    "dep": "dependencies: add A B (A depends on B), rm A B, tree ID",
    "blocked": "open issues with an unclosed dependency",
    "graph": "the dependency graph as dot or mermaid",
    "log": "activity stream, oldest first",
    "sync": "fetch, merge and push the store with a git remote",
    "pull": "fetch and merge the store from a git remote",
    "push": "push the store to a git remote",
    "merge-driver": "git merge driver for issue files (set up by gi init --mode tree)",
    "bridge": "mirror issues to Gitea/Forgejo, GitHub, GitLab, Jira, Linear: add, sync, …",
    "hooks": "git hooks that link commits to issues: install, uninstall, status",
    "webhook": "real-time events from the trackers: serve, register, list, remove",
    "web": "a live board of the store in a browser",
    "init": "create the store (idempotent)",
    "export": "JSON Lines, one issue a line (no query: every issue); --json: one array",
    "import": "import JSON Lines (one commit for the batch); --from beads: .beads/issues.jsonl",
    "doctor": "check the store; --fix repairs what it can",
    "reindex": "rebuild the derived index",
    "schema": "print the JSON Schema of the issue file",
    "config": "auto-configuration and settings",
    "whoami": "the agent identity and where it came from",
    "prime": "the short workflow guide an agent needs at start-up",
    "mcp": "Model Context Protocol server over stdio, for agents",
    "setup": "set up an agent tool: claude, codex, cursor or agents-md (--remove undoes)",
    "completion": "print a shell completion script (bash, zsh or fish)",
    "help": "show help for gi or for one command",
}

# Commands whose handler module also defines their arguments: `arguments(parser)` beside
# `cmd_<name>`, so a new command needs no edit of the grammar module.
PLUGGED = {
    "hooks": "hooks_cmd",
    "webhook": "webhook_cmd",
    "web": "web_cmd",
    "mcp": "mcp_cmd",
    "setup": "setup_cmd",
    "lease": "lease_cmd",
}

GROUPS = (
    ("Work with issues", ("create", "show", "list", "search", "edit", "close", "reopen",
                          "comment")),
    ("The agents' loop", ("ready", "claim", "progress", "extend", "release", "claims",
                          "lease")),
    ("The work graph and history", ("dep", "blocked", "graph", "log", "web")),
    ("Many clones", ("sync", "pull", "push", "merge-driver", "bridge")),
    ("The store", ("init", "export", "import", "doctor", "reindex", "schema")),
    ("Setup", ("config", "hooks", "webhook", "whoami", "prime", "mcp", "setup", "completion",
               "help")),
)

BRIDGE_ACTIONS = {
    "add": "save a bridge (what is not given comes from gi config detect)",
    "list": "the saved bridges and when each last pulled and pushed",
    "rm": "forget a bridge (its issues keep their remote.NAME mapping)",
    "pull": "bring new and changed remote issues into the store",
    "push": "send new and changed issues to the tracker",
    "sync": "pull, then push",
}

HOOKS_ACTIONS = {
    "install": "install the hooks (again: idempotent), keeping any hook already there",
    "uninstall": "remove the hooks and put back the ones they kept",
    "status": "which hooks are installed, and where",
    "run": "what an installed hook calls (HOOK ARGS…); not for typing",
}

WEBHOOK_ACTIONS = {
    "serve": "receive the trackers' webhooks and pull what they name",
    "register": "create the webhook on the tracker (secret generated, kept in the user config)",
    "list": "the webhooks the tracker has for the project",
    "remove": "delete the webhook on the tracker",
}

SETUP_ACTIONS = {
    "claude": "Claude Code: .mcp.json server entry, SessionStart hook in .claude/settings.json",
    "codex": "Codex: [mcp_servers.gi] in .codex/config.toml, SessionStart hook in "
             ".codex/hooks.json",
    "cursor": "Cursor: server entry in .cursor/mcp.json",
    "agents-md": "a marked section in AGENTS.md",
}

LEASE_ACTIONS = {
    "acquire": "take the lease on RESOURCE (the holder again: extend it); exit 4 if held",
    "release": "give the lease back",
    "extend": "prolong your lease by --ttl from now",
    "list": "live leases of every agent (or --expired)",
    "show": "the lease on RESOURCE (exit 3 if none)",
    "check": "exit 4 naming each PATH (or --staged path) another agent's lease covers",
}

CONFIG_ACTIONS = {
    "detect": "what would be used and where each value came from",
    "init": "detect, confirm, save",
    "show": "every setting, secrets masked",
    "get": "one value",
    "set": "save one value",
    "unset": "remove one value",
    "edit": "open the settings file in $VISUAL/$EDITOR",
}

# The commands whose first word is an action, and their actions (`gi config set`, …).
ACTIONS = {"config": CONFIG_ACTIONS, "bridge": BRIDGE_ACTIONS, "hooks": HOOKS_ACTIONS,
           "webhook": WEBHOOK_ACTIONS, "setup": SETUP_ACTIONS, "lease": LEASE_ACTIONS}

STATUSES = ("open", "in_progress", "blocked", "closed")  # as model.STATUSES (a test checks)
TYPES = ("bug", "feature", "task", "epic", "chore")  # as model.TYPES
STRATEGIES = ("merge", "ours", "theirs", "newer")  # as merge.STRATEGIES, plus command:PROGRAM
PLATFORMS = ("gitea", "github", "gitlab", "jira", "linear")
STATUS = "open, in_progress, blocked or closed"
TYPE = "bug, feature, task, epic or chore"
PRIORITY = "0 to 4: 0 critical, 1 high, 2 normal, 3 low, 4 backlog"
DURATIONS = "90s, 30m, 2h, 1d or 2w"
STRATEGY = ("how an issue changed on both sides merges: merge (the default: field by field, a "
            "field changed on both sides takes the later edit), ours or theirs (such a field "
            "keeps this clone's or the remote's value), newer (the whole issue edited last "
            "wins), command:PROGRAM (runs PROGRAM BASE OURS THEIRS, takes the YAML it prints)")
LIMIT = "show at most N (default {default}; 0: all)"

QUERY = """\
query: terms separated by spaces, all of which must match; a leading - negates one.
  is:open|closed|in_progress|blocked|ready|claimed   status:S   type:T
  label:L   assignee:NAME|me|none   author:NAME   milestone:M   stage:S
  priority:1  priority:'<=1'  priority:1..3          (0 critical … 4 backlog)
  created:'<7d'  updated:'>24h'  closed:2026-11-01..2026-11-20   (ages: s m h d w)
  parent:ID   claimed-by:NAME|me|none   id:PREFIX
  sort:priority|created|updated[-asc|-desc]
  commas OR inside one value: label:auth,ui   type:bug,chore
  any other word or "quoted phrase" is searched in title, body and comments (word* for a
  prefix); it is always searched literally, so AND, OR, NOT, NEAR and quotes are just words.
  Unless a term names a status, closed issues are left out.
examples:
{examples}"""
EXAMPLES = ("label:auth priority:'<=1' crash", "assignee:me is:in_progress sort:updated",
            "type:bug,feature -label:wontfix created:'<7d'")
OWN_EXAMPLES = {  # where the general ones read oddly
    "ready": ("label:backend", "priority:'<=1' type:bug", "-label:needs-human sort:created-asc"),
    "claim --next": ("label:backend", "priority:'<=1' type:bug", "assignee:me"),
    "export": ("is:closed closed:'<30d'", "label:auth status:open,blocked"),
    "graph": ("label:auth", 'milestone:"Q1 Release" is:open'),
}


def overview() -> str:
    """The command list of `gi help`, by group."""
    lines = []
    for title, names in GROUPS:
        lines.append(f"{title}:" if not lines else f"\n{title}:")
        lines += [f"  {n:<13} {SUMMARY[n]}" for n in names]
    lines.append("\n'gi help COMMAND' (or 'gi COMMAND --help') shows a command's arguments.")
    return "\n".join(lines)


def query_epilog(cmd: str) -> str:
    """The query guide that ends the help of `cmd`, with examples written for it."""
    examples = OWN_EXAMPLES.get(cmd, EXAMPLES)
    return QUERY.format(examples="\n".join(f"  gi {cmd} {e}" for e in examples))


def suggestion(word: str, options: list[str] | tuple[str, ...]) -> str:
    """`; did you mean 'list'?` for a near miss, else nothing (difflib only on this error path).
    """
    import difflib

    close = difflib.get_close_matches(word, options, n=2, cutoff=0.6)
    if not close:
        return ""
    return "; did you mean " + " or ".join(f"'{c}'" for c in close) + "?"
