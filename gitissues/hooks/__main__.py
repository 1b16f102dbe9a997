"""`python -m gitissues.hooks HOOK ARGS…`: what the installed hooks run (the same as `gi hooks
run`, without the command-line parser: it runs on every commit that refers to an issue)."""

import sys

from gitissues.cli.hooks_cmd import run_hook

sys.exit(run_hook(sys.argv[1], sys.argv[2:]))
