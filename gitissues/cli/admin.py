"""Store-wide commands: init, export, import, doctor, reindex, schema; and prime."""

from __future__ import annotations

import argparse
import json
import sys

from gitissues.cli.common import open_cli_store, read_file_arg
from gitissues.cli.output import emit_json, plural, printable, warn
from gitissues.errors import InvalidData, UsageError

TYPE_CHECKING = False  # typing costs ~3 ms to import; only type checkers need it
if TYPE_CHECKING:
    from typing import Any


def cmd_init(args: argparse.Namespace) -> int:
    info = open_cli_store().init(args.mode, args.prefix)
    if args.json:
        emit_json(info)
    else:
        state = "created" if info["created"] else "already initialised"
        print(f"issue store {state}: {info['mode']} mode, prefix {info['prefix']}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    store = open_cli_store()
    issues = store.list(args.query, None).issues if args.query else store.all_issues()
    for message in store.warnings():
        warn(f"skipped a malformed issue file: {message}")
    if args.json:
        emit_json([i.to_json() for i in issues])
        return 0
    out = sys.stdout
    for issue in issues:
        out.write(json.dumps(issue.to_json(), ensure_ascii=False) + "\n")
    return 0


def _records(name: str) -> Any:
    lines = read_file_arg(name).splitlines()
    where = "stdin" if name == "-" else name
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            yield f"{where}:{n}", json.loads(line)
        except json.JSONDecodeError as exc:
            raise InvalidData(f"{where}:{n}: not JSON: {exc.msg}", file=where, line=n) from None


def cmd_import(args: argparse.Namespace) -> int:
    if args.source == "beads":
        return _import_beads(args)
    imported = open_cli_store().import_issues(_records(args.file))
    if args.json:
        emit_json([i.to_json() for i in imported])
    else:
        print(f"imported {plural(len(imported), 'issue')}")
    return 0


def _import_beads(args: argparse.Namespace) -> int:
    done = open_cli_store().import_beads(_records(args.file))
    if args.json:
        emit_json(done.to_json())
        return 0
    skipped = done.skipped
    print(f"imported {plural(len(done.issues), 'issue')} from beads; skipped "
          f"{plural(skipped['tombstone'], 'tombstone')} and "
          f"{skipped['existing']} imported before")
    if done.dependencies:
        kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(done.dependencies.items()))
        print(printable(f"dependencies: {kinds}"))
    return 0


def cmd_doctor(args: argparse.Namespace) -> int:
    problems = open_cli_store().doctor(args.fix)
    open_problems = [p for p in problems if not p["fixed"]]
    if args.json:
        emit_json({"ok": not open_problems, "problems": problems})
    else:
        for p in problems:
            print(printable(f"{'fixed' if p['fixed'] else 'problem'}: {p['kind']}: "
                            f"{p['message']}"))
        if not problems:
            print("store is clean")
    return 5 if open_problems else 0


def cmd_reindex(args: argparse.Namespace) -> int:
    count = open_cli_store().reindex()
    if args.json:
        emit_json({"issues": count})
    else:
        print(f"indexed {plural(count, 'issue')}")
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    from importlib import resources

    text = resources.files("gitissues").joinpath("issue.schema.json").read_text()
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return 0


def replace_from_file(store: Any, ref: str, file: str, commit: bool) -> Any:
    """`gi edit ID --file F` (see edits.edit_from_file)."""
    from gitissues import edits

    return edits.edit_from_file(store, ref, read_file_arg(file), file, commit)


def cmd_prime(args: argparse.Namespace) -> int:
    """The workflow guide for an agent's start-up hook (gitissues.agents.guide)."""
    from gitissues import git
    from gitissues.agents import guide

    try:
        paths = git.find_repo(".")
    except UsageError:
        paths = None
    facts = guide.facts(paths)
    text = guide.text(facts)
    if args.json:
        emit_json({**facts, "guide": text})
    else:
        sys.stdout.write(text)
    return 0
