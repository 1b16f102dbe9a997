#!/usr/bin/env python3
"""An agent's work loop over the Python API: ready → claim → progress → close with a comment.

    python examples/agent-loop/agent.py [--repo PATH] [--agent NAME] [--ttl 10m]
                                        [--remote origin] [--wait SECONDS] [--max-issues N]
                                        [--json] [QUERY ...]

Each round it lists the ready issues (open, unclaimed, every dependency closed), claims the
first one it can and works on it: progress through the stages of its work, then the close,
with a comment that says what it did. A claim that another agent won first raises
`Conflict` (exit code 4 on the CLI); the loop then simply tries the next issue. It stops
when nothing is left to do: no ready issue, and (with --wait) none that another agent's work
could still make ready within that many idle seconds.

With --remote the shared git remote arbitrates every claim (agents on other clones included),
and each close is pushed at once with `sync`, so the other clones learn of it.

`do_work` is where a real agent does its work. The identity is --agent, else GI_AGENT, else
what `gi whoami` says. Exit 0 when done; the exit code of SPEC §4 on an error.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from gitissues import open_store
from gitissues.errors import Conflict, GiError, NotFound, RemoteError

if TYPE_CHECKING:
    from gitissues.model import Issue
    from gitissues.store import Store

STAGES = ("implementation", "review")


def do_work(issue: Issue, report: Callable[[float, str], None]) -> str:
    """The agent's real work goes here; it reports progress and returns what it did."""
    for step, stage in enumerate(STAGES, 1):
        report(step / len(STAGES), stage)
    return f"{issue.title}: worked through {' and '.join(STAGES)}."


class Agent:
    def __init__(self, store: Store, args: argparse.Namespace) -> None:
        self.store, self.args = store, args
        self.done: list[str] = []
        self.conflicts = 0
        self.published = True  # the remote has all this agent did (always, without one)

    def say(self, text: str) -> None:
        if not self.args.json:
            print(f"{self.store.actor}: {text}", flush=True)

    def claim_one(self) -> Issue | None:
        """Claim the first ready issue that no other agent took first; None when none is."""
        for issue in self.store.ready(self.args.query, limit=20).issues:
            try:
                return self.store.claim(issue.id, ttl=self.args.ttl, remote=self.args.remote)
            except (Conflict, NotFound):  # exit 4 (or gone): another agent got there first
                self.conflicts += 1
                continue
        return None

    def work_on(self, issue: Issue) -> None:
        self.say(f"claimed {issue.id} {issue.title}")

        def report(fraction: float, stage: str) -> None:
            self.store.progress(issue.id, progress=fraction, stage=stage, checkpoints=[stage])

        summary = do_work(issue, report)
        self.store.close(issue.id, reason=summary)  # the reason is kept as a comment
        self.published = self.publish()
        self.done.append(issue.id)
        self.say(f"closed {issue.id}")

    def publish(self) -> bool:
        """Through a remote: push what this clone did and take in what the others did. A push
        that lost a race is tried again at the next round (the remote keeps the claims); False
        while this clone has work the remote does not."""
        if not self.args.remote:
            return True
        try:
            self.store.sync(self.args.remote)
        except (Conflict, RemoteError) as exc:
            self.say(f"sync will be tried again: {exc.message}")
            return False
        return True

    def more_may_come(self) -> bool:
        """Open work that is not ready yet: claimed by others or waiting on a dependency."""
        return bool(self.store.list(["is:open", "-status:blocked", *self.args.query],
                                    limit=1).issues)

    def run(self) -> None:
        self.published = self.publish()  # through a remote, start from what the others did
        idle_since = time.monotonic()
        while self.args.max_issues is None or len(self.done) < self.args.max_issues:
            issue = self.claim_one()
            if issue is not None:
                self.work_on(issue)
                idle_since = time.monotonic()
                continue
            self.published = self.publish()  # through a remote, also what the others did
            if time.monotonic() - idle_since >= self.args.wait or (
                    self.published and not self.more_may_come()):
                break
            time.sleep(self.args.poll)
        if not (self.published or self.publish()):
            print(f"{self.store.actor}: this clone has work the remote does not have yet; "
                  "run gi sync", file=sys.stderr)


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("query", nargs="*", help="which issues this agent takes (gi's query language)")
    p.add_argument("--repo", default=".", help="a path inside the repository (default: here)")
    p.add_argument("--agent", help="the agent's name (default: GI_AGENT, then gi whoami)")
    p.add_argument("--ttl", default="10m", help="how long a claim lasts (default 10m)")
    p.add_argument("--remote", help="let this git remote arbitrate claims (e.g. origin)")
    p.add_argument("--wait", type=float, default=0.0,
                   help="seconds to wait for work that others may still unblock (default 0)")
    p.add_argument("--poll", type=float, default=0.2, help="seconds between looks while waiting")
    p.add_argument("--max-issues", type=int, help="stop after this many issues")
    p.add_argument("--json", action="store_true", help="print one JSON summary at the end")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    if args.agent:
        os.environ["GI_AGENT"] = args.agent
    try:
        agent = Agent(open_store(args.repo), args)
        agent.run()
    except GiError as exc:  # the message and exit code of SPEC §4
        print(f"agent: {exc.message}", file=sys.stderr)
        return exc.exit_code
    if args.json:
        print(json.dumps({"agent": agent.store.actor, "done": agent.done,
                          "conflicts": agent.conflicts}))
    else:
        agent.say(f"finished: {len(agent.done)} issues done, {agent.conflicts} taken by others")
    return 0


if __name__ == "__main__":
    sys.exit(main())
