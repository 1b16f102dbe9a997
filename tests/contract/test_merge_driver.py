"""Tree mode (SPEC §1, §6): `gi init --mode tree` registers `gi merge-driver`, so an ordinary
`git merge` of two code branches that changed the same issue merges it field by field, with no
conflict markers, and keeps the losing value of a both-sides change under `conflicts:`."""

from __future__ import annotations

import os
import shlex
import subprocess
import time
from pathlib import Path

import pytest

BODY = "l1\nl2\nl3\nl4\nl5\nl6\n"
ISSUE_FILES = ".issue-facade/issues"


def _git_no_gi(sb, *args: str) -> subprocess.CompletedProcess:
    """git with a PATH that has no `gi` on it: the registered driver must still run."""
    path = os.pathsep.join(d for d in ("/usr/local/bin", "/usr/bin", "/bin")
                           if not (Path(d) / "gi").exists())
    return subprocess.run(["git", *args], cwd=sb.repo, capture_output=True, text=True,
                          env={**sb.env, "PATH": path}, timeout=60)


def test_init_tree_registers_the_merge_driver(sandbox):
    sb = sandbox
    r = sb.gi("init", "--mode", "tree")
    assert r.code == 0, r
    assert sb.gi("init", "--mode", "tree").code == 0  # idempotent

    attributes = (sb.repo / ".gitattributes").read_text()
    lines = [x for x in attributes.splitlines() if "merge=issue-facade" in x]
    assert len(lines) == 1, attributes
    probe = f"{ISSUE_FILES}/ab/gi-abcdef.yaml"
    assert sb.git("check-attr", "merge", "--", probe).endswith(": merge: issue-facade")

    driver = sb.git("config", "merge.issue-facade.driver")
    argv = shlex.split(driver)
    assert os.path.isabs(argv[0]) and os.access(argv[0], os.X_OK), driver
    assert "merge-driver" in argv
    for placeholder in ("%O", "%A", "%B"):
        assert placeholder in argv, driver


@pytest.fixture(scope="module")
def merged(make_sandbox):
    """main and feature both change one issue (and each adds one); feature is merged."""
    sb = make_sandbox("tree-merge")
    assert sb.gi("init", "--mode", "tree").code == 0
    ids = {
        "shared": sb.create("Original", "--label", "base", "--assignee", "x", "--body", BODY),
        "clash": sb.create("Body clash", "--body", BODY),
    }
    sb.git("add", "-A")
    sb.git("commit", "-q", "-m", "issues")

    sb.git("checkout", "-q", "-b", "feature")
    assert sb.gi("edit", ids["shared"], "--title", "feature title", "--add-label", "feat",
                 "--assign", "feature-dev", "--milestone", "M-feature",
                 "--body", BODY.replace("l1", "l1 feature")).code == 0
    assert sb.gi("comment", ids["shared"], "said on feature").code == 0
    assert sb.gi("edit", ids["clash"], "--body", BODY.replace("l3", "l3 feature")).code == 0
    ids["feature_new"] = sb.create("Made on feature")
    sb.git("add", "-A")
    sb.git("commit", "-q", "-m", "feature work")

    sb.git("checkout", "-q", "main")
    time.sleep(1.1)  # main's changes are the later ones
    assert sb.gi("edit", ids["shared"], "--title", "main title", "--priority", "0",
                 "--add-label", "mainl", "--remove-label", "base",
                 "--body", BODY.replace("l6", "l6 main")).code == 0
    assert sb.gi("comment", ids["shared"], "said on main").code == 0
    assert sb.gi("edit", ids["clash"], "--body", BODY.replace("l3", "l3 main")).code == 0
    ids["main_new"] = sb.create("Made on main")
    sb.git("add", "-A")
    sb.git("commit", "-q", "-m", "main work")

    proc = _git_no_gi(sb, "merge", "--no-edit", "feature")
    return {"sb": sb, "ids": ids, "merge": proc}


def test_git_merge_completes_without_conflict_markers(merged):
    sb, proc = merged["sb"], merged["merge"]
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert sb.git("status", "--porcelain") == ""
    assert len(sb.git("log", "-1", "--format=%P").split()) == 2
    for f in (sb.repo / ISSUE_FILES).rglob("*.yaml"):
        text = f.read_text()
        for marker in ("<<<<<<<", "=======", ">>>>>>>"):
            assert marker not in text, f"{f}:\n{text}"


def test_both_branches_changes_are_present(merged):
    sb, ids = merged["sb"], merged["ids"]
    got = sb.show(ids["shared"])
    assert got["title"] == "main title"  # both changed it; main's is later
    assert got["priority"] == 0  # main only
    assert got["milestone"] == "M-feature"  # feature only
    assert sorted(got["labels"]) == ["feat", "mainl"]
    assert sorted(got["assignees"]) == ["feature-dev", "x"]
    assert [c["body"] for c in got["comments"]] == ["said on feature", "said on main"]
    assert got["body"] == BODY.replace("l1", "l1 feature").replace("l6", "l6 main")
    assert sb.show(ids["feature_new"])["title"] == "Made on feature"
    assert sb.show(ids["main_new"])["title"] == "Made on main"


def test_the_losing_scalar_is_kept_under_conflicts(merged):
    sb, ids = merged["sb"], merged["ids"]
    got = sb.show(ids["shared"])
    conflicts = got.get("conflicts")
    assert isinstance(conflicts, list), got
    assert [(c["field"], c["kept"], c["lost"]) for c in conflicts] == [
        ("title", "main title", "feature title")], conflicts

    clash = sb.show(ids["clash"])
    assert clash["body"] == BODY.replace("l3", "l3 main")
    assert [(c["field"], c["kept"], c["lost"]) for c in clash["conflicts"]] == [
        ("body", BODY.replace("l3", "l3 main"), BODY.replace("l3", "l3 feature"))]


def test_the_merged_store_is_sound(merged):
    sb = merged["sb"]
    r = sb.gi("doctor")
    assert r.code == 0, r
    r = sb.gi("list", "--json")
    assert r.code == 0 and not r.err.strip(), r
    assert len(r.json) == 4


def test_merge_driver_called_directly(sandbox, tmp_path):
    sb = sandbox
    assert sb.gi("init", "--mode", "tree").code == 0
    issue_id = sb.create("Direct", "--label", "base")
    path = next((sb.repo / ISSUE_FILES).rglob(f"{issue_id}.yaml"))
    base = path.read_text()
    ours = tmp_path / "ours.yaml"
    theirs = tmp_path / "theirs.yaml"
    base_file = tmp_path / "base.yaml"
    base_file.write_text(base)
    ours.write_text(base.replace("labels: [base]", "labels: [base, ours]"))
    theirs.write_text(base.replace("title: Direct", "title: Direct theirs"))
    r = sb.gi("merge-driver", str(base_file), str(ours), str(theirs), "x.yaml")
    assert r.code == 0, r
    text = ours.read_text()
    assert "title: Direct theirs" in text and "ours" in text, text

    theirs.write_text("title: [not: valid\n")
    before = ours.read_text()
    r = sb.gi("merge-driver", str(base_file), str(ours), str(theirs), "x.yaml")
    assert r.code == 5, r  # invalid data (SPEC §4); git then reports a conflict for the file
    assert "theirs" in r.err or "x.yaml" in r.err, r
    assert ours.read_text() == before


def test_gi_log_shows_the_conflicts_the_merge_resolved(merged):
    sb, ids = merged["sb"], merged["ids"]
    r = sb.gi("log", "--json", "--limit", "0")
    assert r.code == 0, r
    resolved = [(e["issue"], e["fields"]) for e in r.json
                if e["type"] == "merge.conflict_resolved"]
    merge_commit = sb.git("rev-parse", "HEAD")
    assert sorted(resolved, key=lambda x: x[0]) == sorted([
        (ids["shared"], {"field": "title", "kept": "main title", "lost": "feature title"}),
        (ids["clash"], {"field": "body", "kept": BODY.replace("l3", "l3 main"),
                        "lost": BODY.replace("l3", "l3 feature")}),
    ], key=lambda x: x[0]), r.json
    assert all(e["id"].startswith(merge_commit) for e in r.json
               if e["type"] == "merge.conflict_resolved")
    one = sb.gi("log", ids["shared"], "--json", "--limit", "0").json
    assert [e["fields"]["field"] for e in one if e["type"] == "merge.conflict_resolved"] == [
        "title"]


def _three_versions(sb, tmp_path) -> tuple[Path, Path, Path]:
    """Base, and two versions that changed the same field (and more) of one issue, as git
    hands them to the driver; the second is the later one."""
    assert sb.gi("init", "--mode", "tree").code == 0
    issue_id = sb.create("Direct", "--label", "base", "--body", BODY)
    path = next((sb.repo / ISSUE_FILES).rglob(f"{issue_id}.yaml"))
    base = tmp_path / "base.yaml"
    base.write_text(path.read_text())
    assert sb.gi("edit", issue_id, "--title", "title one", "--set", "zeta=1",
                 "--set", "agent.stage=review", "--add-label", "one").code == 0
    one = tmp_path / "one.yaml"
    one.write_text(path.read_text())
    path.write_text(base.read_text())
    time.sleep(1.1)  # a later `updated`
    assert sb.gi("edit", issue_id, "--title", "title two", "--set", "alpha=2",
                 "--set", "agent.progress=0.5", "--add-label", "two").code == 0
    two = tmp_path / "two.yaml"
    two.write_text(path.read_text())
    return base, one, two


def _drive(sb, base: Path, ours: Path, theirs: Path, out: Path) -> str:
    out.write_text(ours.read_text())
    r = sb.gi("merge-driver", str(base), str(out), str(theirs), "x.yaml")
    assert r.code == 0, r
    return out.read_text()


def test_the_driver_gives_the_same_bytes_on_replay_and_either_way_round(sandbox, tmp_path):
    sb = sandbox
    base, one, two = _three_versions(sb, tmp_path)
    first = _drive(sb, base, one, two, tmp_path / "a.yaml")
    time.sleep(1.1)  # a replay one second later: nothing in the result may follow the clock
    assert _drive(sb, base, one, two, tmp_path / "b.yaml") == first
    assert _drive(sb, base, two, one, tmp_path / "c.yaml") == first
    merged_issue = yaml_load(first)
    assert merged_issue["title"] == "title two"
    assert merged_issue["zeta"] == 1 and merged_issue["alpha"] == 2
    assert merged_issue["agent"] == {"stage": "review", "progress": 0.5}
    [record] = merged_issue["conflicts"]
    assert (record["field"], record["kept"], record["lost"]) == ("title", "title two",
                                                                 "title one")
    assert record["at"] == yaml_load(two.read_text())["updated"]  # the later side's time


def yaml_load(text: str) -> dict:
    from ruamel.yaml import YAML

    return YAML(typ="safe").load(text)


def test_driver_with_a_missing_merge_program_exits_4_and_changes_nothing(sandbox, tmp_path):
    sb = sandbox
    base, one, two = _three_versions(sb, tmp_path)
    out = tmp_path / "out.yaml"
    out.write_text(one.read_text())
    r = sb.gi("merge-driver", str(base), str(out), str(two), "x.yaml",
              "--strategy", "command:/no/such/merge-program")
    assert r.code == 4, r
    assert "/no/such/merge-program" in r.err and "Traceback" not in r.err, r
    assert out.read_text() == one.read_text()
