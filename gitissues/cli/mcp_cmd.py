"""`gi mcp` (SPEC §3): serve the Model Context Protocol over stdin/stdout until the client
closes it. The SDK and the server load only here, so no other command pays for them."""

from __future__ import annotations

import argparse

from gitissues.errors import GiError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from gitissues.cli.argparsing import GiParser


def arguments(p: GiParser) -> None:
    """No arguments: the repository is the working directory (or `gi -C PATH mcp`)."""
    p.epilog = ("Register it with an agent: gi setup claude|codex|cursor. Tools: ready, claim, "
                "release, extend, show, list, create, edit, comment, close, progress, dep_add, "
                "dep_rm, blocked, log, sync.")


def cmd_mcp(args: argparse.Namespace) -> int:
    try:
        from gitissues.mcp.server import serve
    except ImportError as exc:  # a broken install: say what is missing
        raise GiError(f"gi mcp needs the mcp package (pip install 'mcp>=2.3,<3'): {exc}"
                      ) from None
    serve(".")
    return 0
