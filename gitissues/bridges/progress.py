"""A progress bar for long bridge runs on a terminal (rich), and silence elsewhere: in CI
(`CI` set) or with stderr not a terminal, the command's one summary line is all that shows."""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable


def wanted() -> bool:
    return sys.stderr.isatty() and not os.environ.get("CI")


class Bar:
    """`with Bar("work pull") as tick: tick()` once per issue handled."""

    def __init__(self, label: str) -> None:
        self.label = label
        self._progress = None
        self._task = None

    def __enter__(self) -> Callable[[int], None]:
        if not wanted():
            return lambda n=1: None
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        self._progress = Progress(TextColumn("{task.description}"), BarColumn(),
                                  MofNCompleteColumn(), console=Console(stderr=True),
                                  transient=True)
        self._progress.start()
        self._task = self._progress.add_task(self.label, total=None)
        return self._tick

    def _tick(self, n: int = 1) -> None:
        assert self._progress is not None and self._task is not None
        self._progress.advance(self._task, n)

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()
