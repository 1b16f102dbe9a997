"""Points where a test can widen a race window or kill a command at a chosen moment, through
the environment: `GI_TEST_PAUSE_<POINT>=seconds` sleeps there, `GI_TEST_DIE_<POINT>=1` ends the
process there as SIGKILL would (no cleanup). Unset, each costs one dictionary lookup."""

from __future__ import annotations

import os


def pause(point: str) -> None:
    seconds = os.environ.get(f"GI_TEST_PAUSE_{point}")
    if seconds:
        import time

        time.sleep(float(seconds))


def die(point: str) -> None:
    if os.environ.get(f"GI_TEST_DIE_{point}"):
        os._exit(137)
