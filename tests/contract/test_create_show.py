"""`gi create` and `gi show` (SPEC §1–§4): ids, JSON shape, paths, id resolution, errors,
commits with trailers, and the read-only copy."""

from __future__ import annotations

import hashlib
import json
import re

import pytest

SPEC_KEYS = {
    "id", "title", "status", "type", "priority", "labels", "assignees", "milestone", "parent",
    "depends_on", "author", "created", "updated", "closed", "claim", "agent", "links", "remote",
    "body", "comments",
}
TIME_RE = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"


def branch_path_re(issue_id: str) -> str:
    """Store layout 2: three levels of one hex digit of sha1(id) (README: Where issues live)."""
    h = hashlib.sha1(issue_id.encode()).hexdigest()
    return rf"issues/{h[0]}/{h[1]}/{h[2]}/{re.escape(issue_id)}\.yaml"


def trailers(sb, rev: str = "refs/heads/issue-facade") -> list[str]:
    return sb.git("log", "-1", "--format=%(trailers:only,unfold)", rev).splitlines()


# --- a shared read-only store: issues until two share their first hex digit ----------------

@pytest.fixture(scope="module")
def shared(make_sandbox):
    sb = make_sandbox("create-show")
    ids: list[str] = []
    while True:
        ids.append(sb.create(f"Issue {len(ids)}", "--body", f"body {len(ids)}"))
        firsts = [i[3] for i in ids]
        if len(set(firsts)) < len(firsts):
            break
        assert len(ids) <= 17
    sb.ids = ids
    return sb


def test_create_prints_only_the_id(sandbox):
    r = sandbox.gi("create", "Login crashes on empty password")
    assert r.code == 0, r
    assert re.fullmatch(r"gi-[0-9a-f]{6}\n", r.out), r


def test_create_json_has_every_key(sandbox):
    sb = sandbox
    parent = sb.create("An epic", "--type", "epic")
    dep = sb.create("A prerequisite")
    r = sb.gi(
        "create", "Login crashes on empty password", "--body", "Steps:\n1. empty\n",
        "--type", "bug", "--priority", "1", "--label", "auth", "--label", "ui",
        "--assignee", "agent-coder", "--assignee", "alice", "--milestone", "Q1 Release",
        "--depends-on", dep, "--parent", parent, "--json",
    )
    assert r.code == 0, r
    doc = r.json
    assert isinstance(doc, dict)
    assert set(doc) >= SPEC_KEYS | {"path"}, SPEC_KEYS - set(doc)
    assert re.fullmatch(r"gi-[0-9a-f]{6}", doc["id"])
    assert doc["title"] == "Login crashes on empty password"
    assert doc["body"] == "Steps:\n1. empty\n"
    assert doc["status"] == "open"
    assert doc["type"] == "bug"
    assert doc["priority"] == 1
    assert doc["labels"] == ["auth", "ui"]
    assert doc["assignees"] == ["agent-coder", "alice"]
    assert doc["milestone"] == "Q1 Release"
    assert doc["depends_on"] == [dep]
    assert doc["parent"] == parent
    assert doc["author"] == "tester"
    assert re.fullmatch(TIME_RE, doc["created"])
    assert doc["updated"] == doc["created"]
    assert doc["closed"] is None
    assert doc["claim"] is None
    assert doc["comments"] == []
    assert doc["links"] == {"commits": []}
    assert doc["remote"] == {}
    assert re.fullmatch(branch_path_re(doc["id"]), doc["path"]), doc["path"]

    shown = sb.show(doc["id"])
    assert shown == doc


def test_create_defaults(sandbox):
    doc = sandbox.show(sandbox.create("Defaults"))
    assert (doc["status"], doc["type"], doc["priority"]) == ("open", "task", 2)
    assert (doc["labels"], doc["assignees"], doc["depends_on"]) == ([], [], [])
    assert (doc["milestone"], doc["parent"], doc["body"]) == (None, None, "")


def test_create_tree_mode_path(sandbox):
    sb = sandbox
    assert sb.gi("init", "--mode", "tree").code == 0
    r = sb.gi("create", "In the tree", "--json")
    assert r.code == 0, r
    issue_id = r.json["id"]
    path = r.json["path"]
    assert re.fullmatch(r"\.issue-facade/" + branch_path_re(issue_id), path), path
    assert (sb.repo / path).is_file()
    assert sb.show(issue_id)["path"] == path
    assert sb.store_tip() is None, "tree mode must not write the store branch"


def test_body_file_and_stdin(sandbox, tmp_path):
    sb = sandbox
    text = "# Heading\n\nLine with `code` and: colon\n  indented\n\ttab\nünïcödé\n"
    f = tmp_path / "body.md"
    f.write_text(text, encoding="utf-8")
    a = sb.create("From file", "--body-file", str(f))
    assert sb.show(a)["body"] == text
    r = sb.gi("create", "From stdin", "--body-file", "-", input=text)
    assert r.code == 0, r
    assert sb.show(r.out.strip())["body"] == text


def test_show_by_unique_prefix_and_bare_hex(shared):
    sb = shared
    target = sb.ids[0]
    for ref in (target, target[:-1], target[3:]):
        r = sb.gi("show", ref, "--json")
        assert r.code == 0, r
        assert r.json["id"] == target
    # the shortest hex prefix that names only the target
    unique = next(target[3:3 + n] for n in range(1, 7)
                  if sum(i[3:].startswith(target[3:3 + n]) for i in sb.ids) == 1)
    for ref in (unique, "gi-" + unique):
        r = sb.gi("show", ref, "--json")
        assert r.code == 0, r
        assert r.json["id"] == target
        assert r.json["title"] == "Issue 0"


def test_show_human_output(shared):
    r = shared.gi("show", shared.ids[1])
    assert r.code == 0, r
    assert shared.ids[1] in r.out
    assert "Issue 1" in r.out


def test_ambiguous_prefix_exits_3(shared):
    sb = shared
    digit = sb.ids[-1][3]
    clash = sorted(i for i in sb.ids if i[3] == digit)
    assert len(clash) >= 2
    for ref in (digit, "gi-" + digit):
        r = sb.gi("show", ref)
        assert r.code == 3, r
        for issue_id in clash:
            assert issue_id in r.err, f"an ambiguous prefix should name the candidates: {r!r}"
    r = sb.gi("show", digit, "--json")
    assert r.code == 3, r
    assert r.out == ""
    assert "error" in r.err_json


def test_missing_id_exits_3(shared):
    sb = shared
    missing = next(h for h in ("0" * 12, "f" * 12, "a" * 12)
                   if not any(i[3:].startswith(h[:6]) for i in sb.ids))
    for ref in (missing, "gi-" + missing[:6]):
        r = sb.gi("show", ref, "--json")
        assert r.code == 3, r
        assert r.out == ""
        assert isinstance(r.err_json["error"]["message"], str)


@pytest.mark.parametrize("ref", ["../x", "/etc/passwd", "", "gi-../../etc/passwd", "..", "a/b"])
def test_path_like_ids_are_usage_errors(shared, ref):
    r = shared.gi("show", ref, "--json")
    assert r.code == 2, r
    assert r.err_json["error"]["code"] == "usage"
    assert "Traceback" not in r.err


def test_path_like_id_refused_on_write(shared):
    before = shared.store_commits()
    r = shared.gi("edit", "../x", "--title", "nope")
    assert r.code == 2, r
    r = shared.gi("comment", "/etc/passwd", "nope")
    assert r.code == 2, r
    assert shared.store_commits() == before


def test_unknown_flag_is_usage_error(shared):
    r = shared.gi("show", shared.ids[0], "--bogus")
    assert r.code == 2, r
    assert "--bogus" in r.err
    r = shared.gi("create", "x", "--bogus", "--json")
    assert r.code == 2, r
    assert r.out == ""
    err = r.err_json["error"]
    assert err["code"] == "usage"
    assert isinstance(err["message"], str) and err["message"]
    assert "Traceback" not in r.err


def test_outside_a_git_repository(sandbox, tmp_path):
    elsewhere = tmp_path / "not-a-repo"
    elsewhere.mkdir()
    if sandbox.git_ok("-C", str(elsewhere), "rev-parse", "--git-dir"):
        pytest.skip("the temporary directory is itself inside a git repository")
    for args in (("create", "x"), ("show", "gi-abcdef"), ("list",)):
        r = sandbox.gi(*args, "--json", cwd=elsewhere)
        assert r.code == 2, r
        assert "error" in r.err_json
        assert "Traceback" not in r.err
    assert not (elsewhere / ".issue-facade").exists()


def test_from_a_subdirectory(sandbox):
    sb = sandbox
    sub = sb.repo / "src" / "deep"
    sub.mkdir(parents=True)
    r = sb.gi("create", "From below", "--json", cwd=sub)
    assert r.code == 0, r
    issue_id = r.json["id"]
    assert re.fullmatch(branch_path_re(issue_id), r.json["path"])
    r = sb.gi("show", issue_id, "--json", cwd=sub)
    assert r.code == 0, r
    assert r.json["title"] == "From below"
    r = sb.gi("comment", issue_id, "hi", cwd=sub)
    assert r.code == 0, r
    r = sb.gi("list", "--json", cwd=sub)
    assert r.code == 0, r
    assert [i["id"] for i in r.json] == [issue_id]
    assert not (sub / ".issue-facade").exists()
    assert sb.git("status", "--porcelain", "--untracked-files=all") == ""


def test_from_a_subdirectory_tree_mode(sandbox):
    sb = sandbox
    assert sb.gi("init", "--mode", "tree").code == 0
    sub = sb.repo / "src"
    sub.mkdir()
    r = sb.gi("create", "Tree from below", "--json", cwd=sub)
    assert r.code == 0, r
    assert (sb.repo / r.json["path"]).is_file()
    assert not (sub / ".issue-facade").exists()


@pytest.mark.parametrize("args", [
    ("--priority", "9"), ("--priority", "-1"), ("--priority", "high"), ("--type", "nope"),
])
def test_invalid_field_values_are_usage_errors(sandbox, args):
    r = sandbox.gi("create", "Bad", *args, "--json")
    assert r.code == 2, r
    assert r.err_json["error"]["code"] == "usage"
    assert sandbox.store_tip() is None, "nothing may be written"


def test_each_write_is_one_commit_with_trailers(sandbox):
    sb = sandbox
    assert sb.gi("init").code == 0
    head = sb.git("rev-parse", "HEAD")
    n = sb.store_commits()
    issue_id = sb.create("Trailers")
    assert sb.store_commits() == n + 1
    t = trailers(sb)
    assert "Gi-Actor: tester" in t, t
    assert "Gi-Op: create" in t, t
    assert f"Gi-Issue: {issue_id}" in t, t

    for args in (("edit", issue_id, "--title", "Renamed"), ("comment", issue_id, "note"),
                 ("close", issue_id), ("reopen", issue_id)):
        n = sb.store_commits()
        r = sb.gi(*args)
        assert r.code == 0, r
        assert sb.store_commits() == n + 1, args
        t = trailers(sb)
        assert f"Gi-Issue: {issue_id}" in t, (args, t)
        assert "Gi-Actor: tester" in t, (args, t)
        assert any(x.startswith("Gi-Op: ") for x in t), (args, t)
    assert sb.git("rev-parse", "HEAD") == head


def test_read_only_copy_matches_store(sandbox):
    sb = sandbox
    r = sb.gi("create", "Copied", "--label", "x", "--json")
    assert r.code == 0, r
    issue_id, path = r.json["id"], r.json["path"]
    copy = sb.repo / ".issue-facade" / path
    assert copy.is_file()
    assert copy.read_bytes() == sb.git_bytes("show", f"issue-facade:{path}")

    assert sb.gi("edit", issue_id, "--title", "Copied and edited").code == 0
    stored = sb.git_bytes("show", f"issue-facade:{path}")
    assert b"Copied and edited" in stored
    assert copy.read_bytes() == stored
    assert sb.git("status", "--porcelain", "--untracked-files=all") == ""


def test_show_human_output_names_the_links(sandbox):
    sha = "a" * 40
    record = {"id": "gi-0a0b0c", "title": "Linked", "links": {
        "commits": [sha], "beads": ["bd-12"], "related": ["gi-123456", "gi-abcdef"]}}
    r = sandbox.gi("import", "-", input=json.dumps(record) + "\n")
    assert r.code == 0, r
    r = sandbox.gi("show", "gi-0a0b0c")
    assert r.code == 0, r
    lines = r.out.splitlines()
    assert f"links.commits: {sha[:12]}" in lines
    assert "links.beads: bd-12" in lines
    assert "links.related: gi-123456, gi-abcdef" in lines
    assert sandbox.gi("show", "gi-0a0b0c", "--json").json["links"]["commits"] == [sha]
