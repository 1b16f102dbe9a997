"""examples/ci: each job file parses, runs on a schedule and on a push of the store branch,
and runs only commands that exist (every `gi` line is one `gi` accepts)."""

from __future__ import annotations

import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import GI
from ruamel.yaml import YAML

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "ci"
FILES = sorted(EXAMPLES.glob("*.yml"))
KNOWN = {"git", "gi", "pip"}


def _load(path: Path) -> dict:
    return YAML(typ="safe").load(path.read_text())


def _commands(path: Path, doc: dict) -> list[str]:
    lines: list[str] = []
    if "jobs" in doc:  # GitHub / Gitea / Forgejo Actions
        for job in doc["jobs"].values():
            for step in job["steps"]:
                lines += step.get("run", "").splitlines()
    else:  # GitLab CI
        for job in doc.values():
            if isinstance(job, dict) and "script" in job:
                lines += job["script"]
    return [x.strip() for x in lines if x.strip()]


def test_there_is_a_job_for_each_forge():
    assert {f.name for f in FILES} == {"github-actions.yml", "gitea-actions.yml",
                                       "gitlab-ci.yml", "linear-github-actions.yml",
                                       "jira-github-actions.yml"}


@pytest.mark.parametrize("path", FILES, ids=[f.name for f in FILES])
def test_runs_on_a_schedule_and_on_a_push_of_the_store(path):
    doc = _load(path)
    if "jobs" in doc:
        triggers = doc["on"]
        assert triggers["schedule"][0]["cron"] and "issue-facade" in triggers["push"]["branches"]
    else:
        rules = doc["issue-facade-bridge"]["rules"]
        assert any("schedule" in r["if"] for r in rules)
        assert any("issue-facade" in r["if"] for r in rules)


@pytest.mark.parametrize("path", FILES, ids=[f.name for f in FILES])
def test_runs_only_commands_that_exist(path, sandbox):
    commands = _commands(path, _load(path))
    assert any(c.startswith("gi bridge sync") for c in commands)
    assert commands.index("gi pull") < commands.index("gi bridge sync") < commands.index("gi push")
    for line in commands:
        words = shlex.split(line)
        assert words[0] in KNOWN, line
        if words[0] == "gi":
            r = subprocess.run([GI, *words[1:], "--help"], cwd=sandbox.repo, env=sandbox.env,
                               capture_output=True, text=True, timeout=60)
            assert r.returncode == 0, (line, r.stderr)
        elif words[0] == "git":
            assert shutil.which("git")
            r = subprocess.run(["git", words[1], "-h"], capture_output=True, text=True)
            assert "usage: git " + words[1] in r.stdout + r.stderr, line
