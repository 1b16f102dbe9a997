"""`gi import --from beads FILE` (SPEC §3): the JSONL of beads and beads_rust becomes gi issues in
one commit; every field maps, beads ids still resolve, a second import adds nothing, a malformed
line writes nothing, and the ready set equals beads' own on real exports (tests/data/beads)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[1] / "data" / "beads"
SAMPLE = DATA / "sample.jsonl"
# The real exports (see tests/data/beads/README.md) and what importing each must report.
REAL = {
    "beads.issues.jsonl": dict(
        lines=846, imported=538, tombstones=308, ready=26,
        dependencies={"blocks": 109, "discovered-from": 33, "parent-child": 119,
                      "relates-to": 3}),
    "beads_rust.issues.jsonl": dict(
        lines=513, imported=512, tombstones=1, ready=8,
        dependencies={"blocks": 289, "discovered-from": 26, "parent-child": 133,
                      "relates-to": 16}),
}


def beads_ready(path: Path) -> set[str]:
    """beads' ready set, computed from the JSONL alone: status open, and every `blocks`
    dependency closed (one on an issue that is deleted or not in the file blocks nothing,
    as in beads)."""
    rows = {}
    for line in path.read_text().splitlines():
        if line.strip():
            rec = json.loads(line)
            rows[rec["id"]] = rec

    def blocks(dep: dict) -> bool:
        target = rows.get(dep["depends_on_id"])
        return ((dep.get("type") or "blocks") == "blocks" and target is not None
                and target["status"] not in ("closed", "tombstone"))

    return {bid for bid, rec in rows.items() if rec.get("status", "open") == "open"
            and not any(blocks(d) for d in rec.get("dependencies") or [])}


def gi_ready(sb) -> set[str]:
    r = sb.gi("ready", "--json", "--limit", "0")
    assert r.code == 0, r
    return {issue["links"]["beads"] for issue in r.json}


@pytest.fixture(scope="module")
def sample(make_sandbox):
    sb = make_sandbox("beads-sample")
    r = sb.gi("import", "--from", "beads", str(SAMPLE), "--json")
    assert r.code == 0, r
    sb.result = r.json
    return sb


def test_sample_import_counts(sample):
    res = sample.result
    assert res["imported"] == 12
    assert res["skipped"] == {"tombstone": 1, "existing": 0}
    assert res["dependencies"] == {"blocks": 5, "discovered-from": 1, "parent-child": 2,
                                   "related": 1}
    assert res["unresolved"] == 3  # bd-gone, ext-zz9 (not in the file), bd-dead (deleted)
    assert len(res["issues"]) == 12
    assert all(i["id"].startswith("gi-") and i["links"]["beads"] for i in res["issues"])


def test_every_field_maps(sample):
    a = sample.show("bd-a1b2")
    c, e, epic = (sample.show(x) for x in ("bd-c3d4", "bd-e5f6", "bd-epic"))
    assert a["id"].startswith("gi-") and a["links"]["beads"] == "bd-a1b2"
    assert (a["title"], a["status"], a["type"], a["priority"]) == (
        "Login crashes on empty password", "open", "bug", 1)
    assert a["labels"] == ["auth", "ui"] and a["assignees"] == ["alice"]
    assert a["author"] == "bob"
    assert (a["created"], a["updated"], a["closed"]) == (
        "2025-12-01T18:00:00Z", "2025-12-02T10:00:00Z", None)
    assert a["body"] == ("Steps to reproduce.\n\n## Design\n\nCheck the length first.\n\n"
                         "## Acceptance criteria\n\nNo crash.\n\n## Notes\n\nSeen on main.\n")
    assert [(k["author"], k["created"], k["body"]) for k in a["comments"]] == [
        ("carol", "2025-12-01T11:00:00Z", "Reproduced."),
        ("dave", "2025-12-01T12:00:00Z", "Me too.")]
    assert a["depends_on"] == [c["id"]]  # blocks
    assert a["parent"] == epic["id"]  # parent-child
    assert a["links"]["related"] == [e["id"]]
    assert a["links"]["discovered-from"] == ["bd-gone"]  # not in the file: kept as it was
    assert (c["status"], c["closed"]) == ("closed", "2025-12-03T09:00:00Z")
    assert c["comments"][-1]["body"] == "Closed: fixed in 1a2b3c"
    assert c["comments"][-1]["created"] == c["closed"]
    assert (e["status"], e["type"], e["links"]["external_ref"]) == ("in_progress", "feature",
                                                                     "gh-42")
    assert sample.show("bd-epic.1")["parent"] == epic["id"]  # parent_child (beads_rust)
    free = sample.show("bd-free")  # blocked only by a deleted and a missing issue
    assert (free["depends_on"], free["links"]["blocks"]) == ([], ["bd-dead", "ext-zz9"])


@pytest.mark.parametrize(("bid", "status", "label"), [
    ("bd-later", "blocked", "status:deferred"), ("bd-hook", "in_progress", "status:hooked"),
    ("bd-pin", "blocked", "status:pinned"), ("bd-rev", "blocked", "status:review"),
    ("bd-blk", "blocked", None)])
def test_statuses_without_a_gi_twin_keep_their_name(sample, bid, status, label):
    issue = sample.show(bid)
    assert issue["status"] == status
    assert [x for x in issue["labels"] if x.startswith("status:")] == ([label] if label else [])


def test_foreign_type_becomes_task_with_a_label(sample):
    issue = sample.show("bd-rev")
    assert issue["type"] == "task" and "type:merge-request" in issue["labels"]


def test_tombstone_is_skipped_and_its_id_names_nothing(sample):
    r = sample.gi("show", "bd-dead", "--json")
    assert r.code == 3, r
    assert r.err_json["error"]["code"] == "not_found"


def test_sample_ready_set_equals_beads(sample):
    assert gi_ready(sample) == beads_ready(SAMPLE) == {"bd-a1b2", "bd-epic", "bd-free",
                                                       "beads_rust-07b"}


def test_old_ids_resolve_everywhere(sample):
    new = sample.show("beads_rust-07b")["id"]
    for args in (("show", "beads_rust-07b"), ("comment", "bd-epic.1", "still here"),
                 ("dep", "add", "beads_rust-07b", "bd-epic"), ("claim", "bd-free")):
        r = sample.gi(*args)
        assert r.code == 0, r
    assert sample.show(new)["depends_on"][-1] == sample.show("bd-epic")["id"]
    assert sample.show("bd-free")["claim"]["agent"] == "tester"
    r = sample.gi("show", "bd-nope", "--json")
    assert r.code == 3, r
    r = sample.gi("show", "beads_rust-nope.1", "--json")
    assert r.code == 3, r


def test_old_id_survives_a_reindex(sample):
    before = sample.show("bd-a1b2")["id"]
    assert sample.gi("reindex").code == 0
    assert sample.show("bd-a1b2")["id"] == before


def test_import_is_one_commit_and_a_second_adds_nothing(sandbox):
    sb = sandbox
    sb.create("Already here")
    before = sb.store_commits()
    r = sb.gi("import", "--from", "beads", str(SAMPLE))
    assert r.code == 0, r
    assert r.out.splitlines()[0] == ("imported 12 issues from beads; skipped 1 tombstone and "
                                     "0 imported before")
    assert sb.store_commits() == before + 1
    ids = {i["id"] for i in sb.gi("export", "--json").json}
    r = sb.gi("import", "--from", "beads", str(SAMPLE), "--json")
    assert r.code == 0, r
    assert (r.json["imported"], r.json["skipped"]) == (0, {"tombstone": 1, "existing": 12})
    assert sb.store_commits() == before + 1
    assert {i["id"] for i in sb.gi("export", "--json").json} == ids


def test_a_new_issue_in_the_file_is_added_and_linked_to_the_old_ones(sandbox, tmp_path):
    first = tmp_path / "first.jsonl"
    lines = SAMPLE.read_text().splitlines()
    first.write_text("\n".join(lines[1:]) + "\n")  # without bd-a1b2
    assert sandbox.gi("import", "--from", "beads", str(first)).code == 0
    r = sandbox.gi("import", "--from", "beads", str(SAMPLE), "--json")
    assert r.code == 0, r
    assert (r.json["imported"], r.json["skipped"]["existing"]) == (1, 11)
    a = sandbox.show("bd-a1b2")
    assert a["depends_on"] == [sandbox.show("bd-c3d4")["id"]]


def test_two_clones_that_import_the_same_file_sync_without_duplicates(sandbox, tmp_path):
    """The new ids come from the beads ids, so the same file gives the same issues on every
    clone, and `gi sync` joins them instead of doubling them."""
    bare = tmp_path / "remote.git"
    sandbox.git("init", "-q", "--bare", str(bare))
    sandbox.git("remote", "add", "origin", str(bare))
    sandbox.git("push", "-q", "origin", "HEAD")
    other = tmp_path / "other"
    sandbox.git("clone", "-q", str(bare), str(other))
    for cwd, agent in ((sandbox.repo, "alice"), (other, "bob")):
        r = sandbox.gi("import", "--from", "beads", str(SAMPLE), cwd=cwd, env={"GI_AGENT": agent})
        assert r.code == 0, r
    for cwd in (sandbox.repo, other, sandbox.repo):
        r = sandbox.gi("sync", cwd=cwd)
        assert r.code == 0, r
    exports = [sandbox.gi("export", "--json", cwd=c).json for c in (sandbox.repo, other)]
    assert len(exports[0]) == 12
    assert [i["id"] for i in exports[0]] == [i["id"] for i in exports[1]]
    assert sandbox.show("bd-a1b2")["id"] == sandbox.gi("show", "bd-a1b2", "--json",
                                                      cwd=other).json["id"]


def test_an_exact_old_id_wins_over_an_id_prefix(sandbox, tmp_path):
    assert sandbox.gi("init", "--prefix", "bd").code == 0
    own = sandbox.create("Native issue")
    prefix = own[: len("bd-") + 4]  # e.g. bd-7f3a: a prefix of the native id …
    data = tmp_path / "clash.jsonl"  # … and the beads id of an imported one
    data.write_text(json.dumps({"id": prefix, "title": "From beads", "status": "open"}) + "\n")
    assert sandbox.gi("import", "--from", "beads", str(data)).code == 0
    assert sandbox.show(prefix)["title"] == "From beads"
    assert sandbox.show(own)["title"] == "Native issue"


@pytest.mark.parametrize(("line", "field"), [
    ('{"id": "bd-x1", "title": "t"', None),  # not JSON
    ('["bd-x1"]', None),
    ('{"id": "../../etc", "title": "t"}', "id"),
    ('{"id": "bd-x1", "title": "t", "priority": 9}', "priority"),
    ('{"id": "bd-x1", "title": "t", "created_at": "yesterday"}', "created_at"),
    ('{"id": "bd-x1", "title": "t", "labels": "a,b"}', "labels"),
    ('{"id": "bd-x1", "title": "t", "dependencies": [{"type": "blocks"}]}', "dependencies"),
    ('{"id": "bd-x1", "title": "t", "comments": [{"text": 3}]}', "comments"),
    ('{"id": "bd-a1b2", "title": "twice"}', None),
])
def test_a_malformed_line_is_named_and_nothing_is_written(sandbox, tmp_path, line, field):
    bad = tmp_path / "issues.jsonl"
    bad.write_text(SAMPLE.read_text() + "\n" + line + "\n")  # a blank line, then line 15
    sandbox.create("Already here")
    before = (sandbox.store_commits(), sandbox.gi("export").out)
    r = sandbox.gi("import", "--from", "beads", str(bad), "--json")
    assert r.code == 5, r
    error = r.err_json["error"]
    assert error["code"] == "invalid"
    assert f"{bad}:15:" in error["message"], error
    if field:
        assert error.get("field") == field, error
    assert "Traceback" not in r.err
    assert (sandbox.store_commits(), sandbox.gi("export").out) == before


def test_from_gi_is_the_default_format(sandbox, tmp_path):
    src = tmp_path / "gi.jsonl"
    src.write_text(json.dumps({"id": "gi-abcdef", "title": "Plain"}) + "\n")
    r = sandbox.gi("import", "--from", "gi", str(src), "--json")
    assert r.code == 0, r
    assert [i["id"] for i in r.json] == ["gi-abcdef"]
    r = sandbox.gi("import", "--from", "jira", str(src))
    assert r.code == 2, r


@pytest.mark.parametrize("name", sorted(REAL))
def test_real_export(make_sandbox, name):
    """A real .beads/issues.jsonl: the counts, a clean store, old ids resolve, and the ready
    set is beads' own."""
    path, want = DATA / name, REAL[name]
    assert len(path.read_text().splitlines()) == want["lines"]
    sb = make_sandbox("beads-real")
    r = sb.gi("import", "--from", "beads", str(path), "--json", timeout=300)
    assert r.code == 0, r
    res = r.json
    assert (res["imported"], res["skipped"]["tombstone"]) == (want["imported"],
                                                               want["tombstones"])
    assert res["dependencies"] == want["dependencies"]
    ready = beads_ready(path)
    assert len(ready) == want["ready"]
    assert gi_ready(sb) == ready
    r = sb.gi("doctor", "--json")
    assert r.code == 0, r
    dotted = sorted(i["links"]["beads"] for i in res["issues"] if "." in i["links"]["beads"])
    for bid in (res["issues"][0]["links"]["beads"], dotted[0]):
        assert sb.show(bid)["links"]["beads"] == bid


def test_an_edited_old_id_moves_with_the_issue(sandbox):
    assert sandbox.gi("import", "--from", "beads", str(SAMPLE)).code == 0
    own = sandbox.show("bd-a1b2")["id"]
    r = sandbox.gi("edit", "bd-a1b2", "--set", "links.beads=bd-renamed")
    assert r.code == 0, r
    assert sandbox.show("bd-renamed")["id"] == own
    r = sandbox.gi("show", "bd-a1b2", "--json")
    assert r.code == 3, r


def test_two_issues_with_one_old_id_are_ambiguous(sandbox):
    assert sandbox.gi("import", "--from", "beads", str(SAMPLE)).code == 0
    r = sandbox.gi("edit", "bd-c3d4", "--set", "links.beads=bd-a1b2")
    assert r.code == 0, r
    r = sandbox.gi("show", "bd-a1b2", "--json")
    assert r.code == 3, r
    error = r.err_json["error"]
    assert error["code"] == "ambiguous" and len(error["candidates"]) == 2


def test_reads_stdin_and_an_empty_file_imports_nothing(sandbox):
    r = sandbox.gi("import", "--from", "beads", "-", input=SAMPLE.read_text())
    assert r.code == 0, r
    assert sandbox.show("bd-epic.1")["links"]["beads"] == "bd-epic.1"
    before = sandbox.store_commits()
    r = sandbox.gi("import", "--from", "beads", "-", "--json", input="\n")
    assert r.code == 0, r
    assert r.json["imported"] == 0 and sandbox.store_commits() == before
