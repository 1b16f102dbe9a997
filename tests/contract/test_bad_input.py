"""Malformed and hostile input (SPEC §4): a bad file makes only that issue unavailable."""

from __future__ import annotations

import re

import pytest

ISSUES = ".issue-facade/issues"

# Line 4 is where the YAML stops parsing ("mapping values are not allowed here").
BROKEN_YAML = """\
id: gi-bad001
title: Broken file
status: open
  priority: 2
"""
# Parses, but line 3 does not validate.
BAD_STATUS = """\
id: gi-bad002
title: Bad status
status: bogus
priority: 2
"""


def alias_bomb(issue_id: str, levels: int = 9) -> str:
    """A 'billion laughs' document: 9 levels of 9 aliases each (9**9 leaves if expanded)."""
    names = [chr(ord("a") + n) for n in range(levels)]
    lines = [f"id: {issue_id}", "title: Alias bomb",
             f'{names[0]}: &{names[0]} ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip(names, names[1:], strict=False):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def _write(sb, rel: str, text: str) -> None:
    path = sb.repo / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


@pytest.fixture(scope="module")
def tree_store(make_sandbox):
    sb = make_sandbox("bad-tree")
    r = sb.gi("init", "--mode", "tree")
    assert r.code == 0, r
    sb.good = [sb.create("Good one"), sb.create("Good two")]
    _write(sb, f"{ISSUES}/ba/gi-bad001.yaml", BROKEN_YAML)
    _write(sb, f"{ISSUES}/ba/gi-bad002.yaml", BAD_STATUS)
    _write(sb, f"{ISSUES}/b0/gi-b0b000.yaml", alias_bomb("gi-b0b000"))
    return sb


def test_list_skips_malformed_files_and_warns(tree_store):
    sb = tree_store
    r = sb.gi("list", "--json", timeout=10)
    assert r.code == 0, r
    assert sorted(i["id"] for i in r.json) == sorted(sb.good)
    for name in ("gi-bad001.yaml", "gi-bad002.yaml", "gi-b0b000.yaml"):
        assert name in r.err, f"list should warn about {name}: {r!r}"

    r = sb.gi("list", timeout=10)
    assert r.code == 0, r
    assert len(r.out.splitlines()) == 2
    assert "gi-bad001.yaml" in r.err


def test_show_good_issue_still_works(tree_store):
    r = tree_store.gi("show", tree_store.good[0], "--json", timeout=10)
    assert r.code == 0, r
    assert r.json["title"] == "Good one"


def test_show_broken_yaml_names_file_and_line(tree_store):
    r = tree_store.gi("show", "gi-bad001", "--json", timeout=10)
    assert r.code == 5, r
    msg = r.err_json["error"]["message"]
    assert "gi-bad001.yaml" in msg, msg
    assert re.search(r"gi-bad001\.yaml:4\b|line 4\b", msg), msg
    assert "Traceback" not in r.err


def test_show_invalid_field_names_file_line_and_field(tree_store):
    r = tree_store.gi("show", "gi-bad002", timeout=10)
    assert r.code == 5, r
    assert "gi-bad002.yaml" in r.err, r
    assert re.search(r"gi-bad002\.yaml:3\b|line 3\b", r.err), r
    assert "status" in r.err, r


def test_alias_bomb_is_refused(tree_store):
    r = tree_store.gi("show", "gi-b0b000", "--json", timeout=10)
    assert r.code == 5, r
    assert "gi-b0b000.yaml" in r.err


def test_write_to_malformed_issue_is_refused(tree_store):
    sb = tree_store
    before = (sb.repo / ISSUES / "ba" / "gi-bad001.yaml").read_text()
    r = sb.gi("edit", "gi-bad001", "--title", "fixed?", timeout=10)
    assert r.code == 5, r
    assert (sb.repo / ISSUES / "ba" / "gi-bad001.yaml").read_text() == before


def test_doctor_names_bad_files(tree_store):
    r = tree_store.gi("doctor", timeout=10)
    assert r.code == 5, r
    for name in ("gi-bad001.yaml", "gi-bad002.yaml", "gi-b0b000.yaml"):
        assert name in r.out + r.err, r
    for good in tree_store.good:
        assert good not in r.out + r.err
    r = tree_store.gi("doctor", "--json", timeout=10)
    assert r.code == 5, r
    assert "gi-bad001.yaml" in r.out


def test_doctor_clean_store(sandbox):
    sb = sandbox
    sb.create("Fine")
    r = sb.gi("doctor")
    assert r.code == 0, r
    r = sb.gi("doctor", "--json")
    assert r.code == 0, r
    assert isinstance(r.json, dict | list)


def _commit_blob_to_store(sb, path: str, text: str) -> None:
    """Put a file on the store branch with plumbing only (the user's index is untouched)."""
    blob = sb.git("hash-object", "-w", "--stdin", input=text)
    idx = str(sb.base / "plumbing-index")
    env = {"GIT_INDEX_FILE": idx}
    sb.git("read-tree", "refs/heads/issue-facade", env=env)
    sb.git("update-index", "--add", "--cacheinfo", f"100644,{blob},{path}", env=env)
    tree = sb.git("write-tree", env=env)
    commit = sb.git("commit-tree", tree, "-p", "refs/heads/issue-facade", "-m", "broken file")
    sb.git("update-ref", "refs/heads/issue-facade", commit)


def test_malformed_file_in_branch_mode(sandbox):
    sb = sandbox
    good = sb.create("Good in branch")
    _commit_blob_to_store(sb, "issues/ba/gi-bad001.yaml", BROKEN_YAML)
    _commit_blob_to_store(sb, "issues/b0/gi-b0b000.yaml", alias_bomb("gi-b0b000"))

    r = sb.gi("list", "--json", timeout=10)
    assert r.code == 0, r
    assert [i["id"] for i in r.json] == [good]
    assert "gi-bad001.yaml" in r.err and "gi-b0b000.yaml" in r.err, r

    r = sb.gi("show", "gi-bad001", timeout=10)
    assert r.code == 5, r
    assert re.search(r"gi-bad001\.yaml:4\b|line 4\b", r.err), r
    r = sb.gi("show", "gi-b0b000", timeout=10)
    assert r.code == 5, r

    r = sb.gi("doctor", timeout=10)
    assert r.code == 5, r
    assert "gi-bad001.yaml" in r.out + r.err

    # the store still takes writes to the good issues
    assert sb.gi("comment", good, "still fine").code == 0
    assert sb.show(good)["comments"][-1]["body"] == "still fine"
    assert sb.git("status", "--porcelain", "--untracked-files=all") == ""


def test_huge_body_is_refused_and_nothing_written(sandbox, tmp_path):
    sb = sandbox
    issue_id = sb.create("Small")
    big = tmp_path / "big.md"
    big.write_text(("y" * 99 + "\n") * 21_000)  # 2.1 MB
    assert big.stat().st_size > 2_000_000
    n, tip = sb.store_commits(), sb.store_tip()

    r = sb.gi("create", "Huge", "--body-file", str(big), "--json")
    assert r.code == 5, r
    assert "error" in r.err_json
    r = sb.gi("edit", issue_id, "--body-file", str(big))
    assert r.code == 5, r
    r = sb.gi("comment", issue_id, "--body-file", str(big))
    assert r.code == 5, r

    assert sb.store_commits() == n
    assert sb.store_tip() == tip
    assert sb.show(issue_id)["body"] == ""


def test_doctor_reports_id_not_matching_file_name(sandbox):
    sb = sandbox
    assert sb.gi("init", "--mode", "tree").code == 0
    _write(sb, f"{ISSUES}/aa/gi-aaaaaa.yaml", "id: gi-bbbbbb\ntitle: Misnamed\n")
    r = sb.gi("doctor")
    assert r.code == 5, r
    assert "gi-aaaaaa.yaml" in r.out + r.err, r
