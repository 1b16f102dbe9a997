"""examples/ci/jira-github-actions.yml: a sync that ends in exit 4 (a status no Jira transition
reaches, everything else synced) still pushes the store back."""

from __future__ import annotations

from pathlib import Path

from ruamel.yaml import YAML

JOB = Path(__file__).resolve().parents[2] / "examples" / "ci" / "jira-github-actions.yml"


def test_the_store_is_pushed_back_even_when_the_sync_fails():
    steps = YAML(typ="safe").load(JOB.read_text())["jobs"]["sync"]["steps"]
    sync = next(s for s in steps if "gi bridge sync" in s.get("run", ""))
    push = next(s for s in steps if s.get("run", "").strip() == "gi push")
    assert steps.index(sync) < steps.index(push) and push.get("if") == "always()"
    assert set(sync["env"]) >= {"JIRA_EMAIL", "JIRA_TOKEN"}
