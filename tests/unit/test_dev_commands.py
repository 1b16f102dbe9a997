"""The Makefile, README.md and .ci/run give the same commands, so none of them drifts: `make test`
is the README's test command and the one CI runs, `make lint` is CI's ruff line, `make dev` is
CI's set-up, `make bench` runs the README's benchmarks and `make demo` the README's demo."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def recipes() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    target = None
    for line in (ROOT / "Makefile").read_text().splitlines():
        if line.startswith("\t") and target:
            out[target].append(line.strip())
        elif m := re.match(r"([\w./-]+):", line):
            target = m.group(1)
            out[target] = []
        elif not line.startswith("#"):
            target = None
    return out


def ci_lines() -> list[str]:
    return [x.strip() for x in (ROOT / ".ci/run").read_text().splitlines()
            if x.strip() and not x.lstrip().startswith("#")]


def readme_commands() -> list[str]:
    """The commands in README.md's sh code blocks, comments cut."""
    blocks = re.findall(r"```sh\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
    return [line.split("  #")[0].strip() for b in blocks for line in b.splitlines()
            if line.strip()]


def test_make_test_is_the_readme_test_command_that_ci_runs():
    assert recipes()["test"] == [".venv/bin/python -m pytest -q"]
    assert ".venv/bin/python -m pytest -q" in readme_commands()
    assert ".venv/bin/python -m pytest -q" in ci_lines()


def test_make_lint_is_cis_ruff_line():
    ruff = [x for x in ci_lines() if "ruff" in x]
    assert recipes()["lint"] == ruff and len(ruff) == 1


def test_make_dev_sets_up_like_ci():
    lines = ci_lines()
    start = lines.index("python3 -m venv .venv")
    end = next(n for n, x in enumerate(lines) if x.startswith("pip install -q -e"))
    dev = recipes()["dev"]
    assert dev[0] == lines[start]
    assert dev[1].split(" && ") == lines[start + 1:end + 1]


def test_make_bench_runs_the_readmes_benchmarks():
    def scripts(commands: list[str]) -> list[str]:
        return [m.group(0) for c in commands if (m := re.search(r"bench/bench_\w+\.py", c))]

    named = scripts(readme_commands())
    assert named == ["bench/bench_core.py", "bench/bench_graph.py", "bench/bench_claims.py",
                     "bench/bench_bridges.py"]
    assert scripts(recipes()["bench"]) == named


def test_make_demo_runs_the_readmes_demo():
    assert recipes()["demo"] == ["scripts/demo.sh"]
    assert "scripts/demo.sh" in readme_commands()
