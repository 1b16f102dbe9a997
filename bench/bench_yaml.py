"""Reading one issue file: the canonical reader against ruamel's C safe loader.

    python bench/bench_yaml.py [--runs 2000]

Prints the median time per parse of a typical issue file (and of a large one) by each, and
checks they return the same data.
"""

from __future__ import annotations

import argparse
import statistics
import time

from gitissues import yaml_canonical
from gitissues.model import Claim, Comment, Issue


def typical() -> str:
    body = ("The login page crashes when the password contains a quote.\n\n"
            "Steps:\n  1. open /login\n  2. type `a\"b`\n\nExpected: an error message.\n")
    comments = [Comment(f"c{n}", "agent-7", "2026-11-24T07:00:00Z", f"Looked at it ({n}).\n")
                for n in range(3)]
    return Issue(
        id="gi-7f3a9c", title="Login crashes on a quote in the password", status="in_progress",
        priority=1, labels=["bug", "auth", "needs triage"], assignees=["alice"],
        depends_on=["gi-1a2b3c"], author="bob", created="2026-11-24T06:00:00Z",
        updated="2026-11-24T08:30:00Z",
        claim=Claim("agent-7", "2026-11-24T08:00:00Z", "2026-11-24T10:00:00Z"),
        links={"commits": ["0123456789abcdef0123456789abcdef01234567"]},
        body=body, comments=comments,
    ).to_yaml()


def median_us(fn: object, text: str, runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn(text)  # type: ignore[operator]
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1e6


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=2000)
    args = ap.parse_args()
    from ruamel.yaml import YAML

    slow = YAML(typ="safe", pure=False).load  # what load_fast falls back to
    for name, text in (("typical", typical()), ("50 comments", typical() + "".join(
            f"extra{n}: |\n  line one of a longer note\n  and a second line\n"
            for n in range(50)))):
        assert yaml_canonical.parse(text) == slow(text)
        fast_us = median_us(yaml_canonical.parse, text, args.runs)
        slow_us = median_us(slow, text, args.runs)
        print(f"{name:12} {len(text):6} bytes  canonical {fast_us:7.1f} µs  "
              f"ruamel C {slow_us:7.1f} µs  ({slow_us / fast_us:.1f}x)")


if __name__ == "__main__":
    main()
