"""Never commit a file `gi` cannot read (issue: core hardening §2).

Undecodable bytes in any input are refused before anything is written; an unreadable file that
arrives on the branch makes only that issue unavailable (exit 5 naming the file) and `gi doctor`
reports it; no value can forge a commit trailer; generated ids never clash.
"""

from __future__ import annotations

import json
import os
import subprocess

import pytest
from conftest import GI

BAD = b"caf\xe9 \xff\xfe"  # Latin-1, not UTF-8


def _run_bytes(sb, *args: bytes | str, input: bytes | None = None) -> tuple[int, str, str]:
    """gi with raw byte arguments (as a shell passes them), bytes on stdin."""
    proc = subprocess.run([GI.encode(), *[a if isinstance(a, bytes) else a.encode()
                                          for a in args]],
                          cwd=sb.repo, env=sb.env, input=input, capture_output=True)
    return proc.returncode, proc.stdout.decode(errors="replace"), proc.stderr.decode(
        errors="replace")


def _state(sb) -> tuple[str | None, str]:
    return sb.store_tip(), sb.gi("export").out


@pytest.fixture
def store(sandbox):
    issue_id = sandbox.create("A good issue", "--body", "good body")
    return sandbox, issue_id


def test_undecodable_arguments_are_refused_and_nothing_is_written(store):
    sb, issue_id = store
    before = _state(sb)
    for args in ([b"create", b"title " + BAD], [b"create", b"ok", b"--body", BAD],
                 [b"create", b"ok", b"--label", BAD],
                 [b"edit", issue_id.encode(), b"--title", BAD],
                 [b"edit", issue_id.encode(), b"--body", BAD],
                 [b"edit", issue_id.encode(), b"--add-label", BAD],
                 [b"edit", issue_id.encode(), b"--set", b"agent.note=" + BAD],
                 [b"comment", issue_id.encode(), BAD],
                 [b"close", issue_id.encode(), b"--reason", BAD]):
        code, out, err = _run_bytes(sb, *args, b"--json")
        assert code == 2, (args, code, err)
        assert "UTF-8" in err and "Traceback" not in err, err
    assert _state(sb) == before
    assert sb.show(issue_id)["body"] == "good body"


def test_undecodable_files_and_stdin_are_refused(store, tmp_path):
    sb, issue_id = store
    bad_file = tmp_path / "body.txt"
    bad_file.write_bytes(b"line\n" + BAD + b"\n")
    before = _state(sb)
    cases = [([b"create", b"x", b"--body-file", str(bad_file).encode()], None),
             ([b"create", b"x", b"--body-file", b"-"], BAD),
             ([b"edit", issue_id.encode(), b"--body-file", str(bad_file).encode()], None),
             ([b"comment", issue_id.encode(), b"--body-file", b"-"], BAD),
             ([b"import", str(bad_file).encode()], None),
             ([b"import", b"-"], b'{"title": "' + BAD + b'"}\n')]
    for args, stdin in cases:
        code, out, err = _run_bytes(sb, *args, input=stdin)
        assert code == 2, (args, code, err)
        assert "UTF-8" in err and "Traceback" not in err, err
    assert _state(sb) == before


def test_json_escaped_lone_surrogates_in_an_import_are_refused(store):
    sb, _ = store
    before = _state(sb)
    r = sb.gi("import", "-", input='{"title": "bad \\udcff title"}\n')
    assert r.code == 5, r  # the record's data is invalid (SPEC §4), not the command line
    assert "UTF-8" in r.err
    assert _state(sb) == before


@pytest.mark.parametrize("content", [
    b"id: gi-abc123\ntitle: " + BAD + b"\n",  # not UTF-8
    b"id: gi-def456\ntitle: the id inside is another one\n",  # id does not match the name
])
def test_an_unreadable_file_on_the_branch_is_exit_5_naming_it(store, content):
    sb, good = store
    path = json.loads(sb.gi("show", good, "--json").out)["path"]
    bad_path = path.rsplit("/", 1)[0] + "/gi-abc123.yaml"
    sb.commit_store_file(bad_path, content)
    for args in (["show", "abc123"], ["edit", "abc123", "--title", "x"],
                 ["comment", "abc123", "text"], ["close", "abc123"]):
        r = sb.gi(*args, "--json")
        assert r.code == 5, r
        assert "gi-abc123.yaml" in r.err_json["error"]["message"], r
    r = sb.gi("list", "--json")
    assert r.code == 0 and [i["id"] for i in r.json] == [good]
    assert "gi-abc123.yaml" in r.err
    r = sb.gi("doctor", "--json")
    assert r.code == 5
    assert any(p["kind"] == "invalid-file" and "gi-abc123.yaml" in p["path"]
               for p in r.json["problems"]), r.json
    assert sb.gi("comment", good, "the rest keeps working").code == 0


def test_a_multi_line_title_is_refused(store):
    sb, issue_id = store
    before = _state(sb)
    for args in (["create", "one\ntwo"], ["edit", issue_id, "--title", "one\r\ntwo"],
                 ["edit", issue_id, "--set", "title=\"one\\ntwo\""]):
        r = sb.gi(*args, "--json")
        assert r.code == 2, r
    assert _state(sb) == before


def test_no_value_can_forge_a_commit_trailer(store):
    sb, issue_id = store
    forged = "done\n\nGi-Actor: alice\nGi-Op: claim"
    assert sb.gi("close", issue_id, "--reason", forged).code == 0
    message = sb.git("log", "-1", "--format=%B", "refs/heads/issue-facade")
    subject, _, trailers = message.partition("\n\n")
    assert "\n" not in subject
    assert "Gi-Actor: tester" in trailers and "alice" not in trailers
    events = sb.gi("log", issue_id, "--json").json
    assert {e["actor"] for e in events} == {"tester"}
    r = sb.gi("comment", issue_id, "x", env={"GI_AGENT": "bob\nGi-Actor: alice"})
    assert r.code == 2, r


def test_ten_thousand_imported_records_without_ids_get_distinct_ids(sandbox):
    sb = sandbox
    records = "".join(json.dumps({"title": f"Imported {k}"}) + "\n" for k in range(10_000))
    r = sb.gi("import", "-", "--json", input=records, timeout=300)
    assert r.code == 0, r
    ids = [i["id"] for i in r.json]
    assert len(set(ids)) == 10_000
    assert sb.gi("list", "--limit", "0", "--json", timeout=120).code == 0


def test_generated_ids_step_around_a_clash(sandbox, monkeypatch):
    """The same collision handling for create and import: a clash makes the next id longer."""
    from gitissues import ids, open_store

    sb = sandbox
    os.chdir(sb.repo)
    monkeypatch.setenv("GI_AGENT", "tester")
    store = open_store(sb.repo)
    first = store.create("First")
    real = ids.new_id
    calls = []

    def clashing(prefix: str, seed: str, length: int = 6) -> str:
        calls.append(length)
        return first.id if len(calls) == 1 else real(prefix, seed, length)

    monkeypatch.setattr(ids, "new_id", clashing)
    second = store.create("Second")
    assert second.id != first.id and len(calls) == 2
    calls.clear()
    imported = store.import_issues([("line 1", {"title": "Imported"})])
    assert imported[0].id != first.id and len(calls) == 2
