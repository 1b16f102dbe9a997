"""`gi completion bash|zsh|fish`: print the completion script for that shell."""

from __future__ import annotations

import argparse
import sys

from gitissues.cli import completion_scripts as scripts
from gitissues.cli.completion_model import table


def cmd_completion(args: argparse.Namespace) -> int:
    render = {"bash": scripts.bash, "zsh": scripts.zsh, "fish": scripts.fish}[args.shell]
    sys.stdout.write(render(*table()))
    return 0
