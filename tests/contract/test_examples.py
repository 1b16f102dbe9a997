"""examples/: each program runs as a user runs it, on real repositories, and does what its
README line says. A lost claim (exit 4) is forced by a real second agent claiming between the
example's `ready` and its `claim`, so the "pick another" path runs on every test run."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import GI

from gitissues import git
from gitissues.store import Store

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
AGENT = EXAMPLES / "agent-loop" / "agent.py"
SHELL_AGENT = EXAMPLES / "shell-agent" / "agent.sh"
TIMEOUT = 300  # a deadline for a stuck run, not a speed target


def _run(sb, *argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(list(argv), cwd=sb.repo, env={**sb.env, **(env or {})},
                          capture_output=True, text=True, timeout=TIMEOUT)


def _make(sb, count: int) -> list[str]:
    return [sb.create(f"Example task {n}", "--label", "demo") for n in range(count)]


def _log(sb, cwd: Path | None = None) -> list[dict]:
    r = sb.gi("log", "--json", "--limit", "0", cwd=cwd)
    assert r.code == 0, r
    return r.json


def _claims_and_closes(events: list[dict]) -> tuple[dict[str, list[str]],
                                                      dict[str, list[str]]]:
    """Per issue: the agents that claimed it, and those that closed it, from `gi log`."""
    claims: dict[str, list[str]] = {}
    closes: dict[str, list[str]] = {}
    for e in events:
        if e["type"] == "claim.acquired":
            claims.setdefault(e["issue"], []).append(e["fields"]["agent"])
        elif e["type"] == "status.changed" and e["fields"]["status"]["new"] == "closed":
            closes.setdefault(e["issue"], []).append(e["actor"])
    return claims, closes


# --- (a) the agent loop over the Python API -------------------------------------------------

def test_python_agent_loop_does_every_ready_issue(sandbox):
    ids = _make(sandbox, 3)
    blocked = sandbox.create("Waits for the first", "--depends-on", ids[0])
    p = _run(sandbox, sys.executable, str(AGENT), "--agent", "solo")
    assert p.returncode == 0, p.stderr
    assert p.stdout.splitlines()[-1] == "solo: finished: 4 issues done, 0 taken by others"
    for issue_id in [*ids, blocked]:
        issue = sandbox.show(issue_id)
        assert issue["status"] == "closed" and issue["assignees"] == ["solo"]
        assert issue["agent"] == {"progress": 1.0, "stage": "review",
                                  "checkpoints": ["implementation", "review"]}
        assert [c["body"] for c in issue["comments"]] == [
            f"Closed: {issue['title']}: worked through implementation and review."]
        assert f"claimed {issue_id} " in p.stdout and f"closed {issue_id}" in p.stdout
    # the dependency was closed before its dependent was claimed
    assert p.stdout.index(f"closed {ids[0]}") < p.stdout.index(f"claimed {blocked}")


def _load_agent_module():
    spec = importlib.util.spec_from_file_location("example_agent", AGENT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_python_agent_takes_the_next_issue_when_a_claim_is_lost(sandbox, monkeypatch):
    ids = _make(sandbox, 3)
    for key in ("HOME", "XDG_CONFIG_HOME", "GIT_CONFIG_GLOBAL", "GIT_CONFIG_NOSYSTEM"):
        monkeypatch.setenv(key, sandbox.env[key])
    monkeypatch.setenv("GI_AGENT", "solo")

    class Raced(Store):
        """A real store; its first `ready` answer goes stale: another agent (a real `gi`
        process) claims the first ready issue right after it."""
        raced = False

        def ready(self, query=(), limit=50):
            found = super().ready(query, limit)
            if not Raced.raced:
                Raced.raced = True
                r = sandbox.gi("claim", found.issues[0].id, env={"GI_AGENT": "other"})
                assert r.code == 0, r
            return found

    module = _load_agent_module()
    monkeypatch.chdir(sandbox.repo)
    args = module.parse(["--repo", str(sandbox.repo), "--json"])
    agent = module.Agent(Raced(git.find_repo(sandbox.repo)), args)
    agent.run()
    taken = [i["id"] for i in sandbox.gi("claims", "--json").json]
    assert len(taken) == 1 and sandbox.show(taken[0])["claim"]["agent"] == "other"
    assert agent.conflicts == 1
    assert sorted(agent.done) == sorted(set(ids) - set(taken))


def test_python_agent_reports_an_error_with_its_exit_code(tmp_path, sandbox):
    p = subprocess.run([sys.executable, str(AGENT), "--repo", str(tmp_path)], env=sandbox.env,
                       capture_output=True, text=True, timeout=TIMEOUT)
    assert p.returncode not in (0, 1), p
    assert "Traceback" not in p.stderr and p.stderr.startswith("agent: ")


# --- (b) the shell agent loop over gi --json ------------------------------------------------

RACING_GI = """#!/usr/bin/env bash
# gi, except that right after the first `gi ready` another agent claims its first issue
if [ "$1" = ready ] && [ ! -e "$RACE_MARK" ]; then
  : > "$RACE_MARK"
  out=$("$REAL_GI" "$@")
  first=$(printf '%s' "$out" | "$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
  GI_AGENT=other "$REAL_GI" claim "$first" >/dev/null
  printf '%s\\n' "$out"
  exit 0
fi
exec "$REAL_GI" "$@"
"""


def _path_without_jq(tmp_path: Path) -> str:
    """A PATH with only what the script and gi call, so python3 reads the JSON."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("bash", "git", "mktemp", "rm", "cat"):
        (bin_dir / tool).symlink_to(os.path.realpath(shutil.which(tool)))
    (bin_dir / "python3").symlink_to(os.path.realpath(sys.executable))  # (not a pyenv shim)
    assert shutil.which("jq", path=str(bin_dir)) is None
    return str(bin_dir)


@pytest.mark.parametrize("json_tool", ["python3", "whatever PATH has (jq when installed)"])
def test_shell_agent_loop(sandbox, tmp_path, json_tool):
    ids = _make(sandbox, 4)
    racing = tmp_path / "racing-gi"
    racing.write_text(RACING_GI)
    racing.chmod(0o755)
    env = {"GI": str(racing), "REAL_GI": GI, "PYTHON": sys.executable,
           "RACE_MARK": str(tmp_path / "raced"), "GI_AGENT": "shelly"}
    if json_tool == "python3":
        env["PATH"] = _path_without_jq(tmp_path)
    p = _run(sandbox, shutil.which("bash"), str(SHELL_AGENT), "label:demo", env=env)
    assert p.returncode == 0, p.stderr
    assert p.stdout.splitlines()[-1] == "finished: 3 issues done, 1 taken by other agents"
    taken = [i["id"] for i in sandbox.gi("claims", "--json").json]
    assert len(taken) == 1 and sandbox.show(taken[0])["claim"]["agent"] == "other"
    for issue_id in set(ids) - set(taken):
        issue = sandbox.show(issue_id)
        assert issue["status"] == "closed" and issue["assignees"] == ["shelly"]
        assert issue["agent"]["stage"] == "implementation"
        assert [c["body"] for c in issue["comments"]] == [
            "Implemented by shelly (shell agent).", "Closed: done"]


def test_shell_agent_passes_on_an_error_exit_code(sandbox, tmp_path):
    sandbox.create("Something")
    p = _run(sandbox, shutil.which("bash"), str(SHELL_AGENT), "bogus:qualifier",
             env={"GI": GI})
    assert p.returncode == 2, p
    assert "bogus" in p.stderr


# --- (c) many agents on one repository ------------------------------------------------------

def test_multi_agent_demo_does_each_issue_exactly_once(sandbox):
    env = {k: v for k, v in sandbox.env.items() if k != "GI_AGENT"}
    p = subprocess.run([sys.executable, str(EXAMPLES / "multi-agent" / "demo.py"), "--agents",
                        "4", "--issues", "40", "--repo", str(sandbox.repo), "--json"],
                       env=env, capture_output=True, text=True, timeout=TIMEOUT)
    assert p.returncode == 0, p.stderr
    report = json.loads(p.stdout)
    assert report["problems"] == [] and report["issues"] == 40
    assert set(report["agents"]) == {f"agent-{k}" for k in range(1, 5)}
    # checked again here from `gi log --json`: one claim and one close per issue, same agent
    r = sandbox.gi("list", "label:demo", "is:closed", "--json", "--limit", "0")
    issues = {i["id"] for i in r.json}
    assert len(issues) == 40
    claims, closes = _claims_and_closes(_log(sandbox))
    assert set(claims) == set(closes) == issues
    for issue_id in issues:
        assert len(claims[issue_id]) == 1, (issue_id, claims[issue_id])
        assert closes[issue_id] == claims[issue_id]
        assert report["done_by"][issue_id] == claims[issue_id][0]
    assert sorted(i for done in report["agents"].values() for i in done) == sorted(issues)


# --- (d) two clones, one bare remote, --remote claims ---------------------------------------

def test_two_clone_demo_shares_the_work_and_converges(sandbox, tmp_path):
    root = tmp_path / "demo"
    env = {k: v for k, v in sandbox.env.items() if k != "GI_AGENT"}
    p = subprocess.run([sys.executable, str(EXAMPLES / "two-clones" / "demo.py"), "--issues",
                        "12", "--dir", str(root), "--json"], env=env, capture_output=True,
                       text=True, timeout=TIMEOUT)
    assert p.returncode == 0, p.stderr
    report = json.loads(p.stdout)
    assert report["problems"] == [] and report["issues"] == 12
    clones = [root / "clone-1", root / "clone-2"]
    tips = {sandbox.git("rev-parse", "refs/heads/issue-facade", cwd=c)
            for c in [root / "remote.git", *clones]}
    assert len(tips) == 1  # gi sync converged: one store commit everywhere
    exports = [sandbox.gi("export", cwd=c).out for c in clones]
    assert exports[0] == exports[1]
    for clone in clones:
        claims, closes = _claims_and_closes(_log(sandbox, cwd=clone))
        assert len(claims) == 12
        for issue_id, agents in claims.items():
            assert len(agents) == 1 and closes[issue_id] == agents, (issue_id, agents)
    issues = [json.loads(line) for line in exports[0].splitlines()]
    assert len(issues) == 12 and all(i["status"] == "closed" for i in issues)
    assert os.path.isdir(root / "remote.git")
