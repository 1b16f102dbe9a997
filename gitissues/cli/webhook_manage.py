"""`gi webhook manage`: not built yet."""

from __future__ import annotations

import argparse

from gitissues.errors import UsageError


def cmd_manage(args: argparse.Namespace) -> int:
    raise UsageError("gi webhook: not built yet")
