"""`gi`: parse the arguments, call the store, print. Nothing else lives here.

The parser is argparse (stdlib) rather than typer: typer costs 65–85 ms to import on this
machine, more than the whole 60 ms budget of a read, and agents call `gi` thousands of times.
"""

from __future__ import annotations

import json
import os
import sys

from gitissues.errors import GiError, UsageError

_exit_collection_skipped = False


def main(argv: list[str] | None = None) -> int:
    _skip_exit_collection()
    argv = list(sys.argv[1:] if argv is None else argv)
    as_json = "--json" in argv[: argv.index("--")] if "--" in argv else "--json" in argv
    try:
        from gitissues.cli.parser import parse

        args = parse(argv)
        if getattr(args, "C", None):
            _change_dir(args.C)
        result = args.handler(args)
        sys.stdout.flush()
        return int(result or 0)
    except GiError as exc:
        _report(exc, as_json)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # a bug: say so plainly, keep the traceback for GI_DEBUG
        if os.environ.get("GI_DEBUG"):
            raise
        _report(GiError(f"unexpected error: {type(exc).__name__}: {exc}"), as_json)
        return 1


def _skip_exit_collection() -> None:
    """When the interpreter exits it runs the cyclic garbage collector over every object still
    alive, which after a command is every module, class and function it loaded: ~2.5 ms of a
    40 ms `gi show`. Freezing them first (gc.freeze, as the last exit handler) lets that pass
    skip them. Objects still alive are freed as before when their modules are torn down; only
    finalizers of cycles left at exit may not run, which Python never promises anyway."""
    global _exit_collection_skipped
    if not _exit_collection_skipped:
        import atexit
        import gc

        atexit.register(gc.freeze)
        _exit_collection_skipped = True


def _change_dir(path: str) -> None:
    """`-C PATH`: a path that is not a directory is the caller's mistake (exit 2)."""
    try:
        os.chdir(path)
    except OSError as exc:
        raise UsageError(f"-C {path}: cannot change to it: {exc.strerror}", path=path) from None


def _report(exc: GiError, as_json: bool) -> None:
    if as_json:
        sys.stderr.write(json.dumps(exc.to_json(), ensure_ascii=False) + "\n")
    else:
        from gitissues.cli.output import printable

        sys.stderr.write(f"gi: {printable(exc.message, multiline=True)}\n")


__all__ = ["main", "UsageError"]
