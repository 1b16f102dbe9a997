"""Human output a terminal can show safely and a person can read: control characters as visible
escapes (with --json exact), what a long title edit changed, singular and plural, one JSON array
from `gi export --json`, and `gi graph` byte-identical from run to run (SPEC §3, §4)."""

from __future__ import annotations

import json

import pytest

# An escape sequence that recolours, one that sets the window title (ended by BEL), a carriage
# return that would hide what came before it, a C1 CSI and a right-to-left override.
EVIL = "Evil \x1b[31mred\x1b[0m\rHIDDEN \x9b2J \x1b]0;pwned\x07 \u202eevil"
RAW = ("\x1b", "\r", "\x9b", "\x07", "\u202e")
SHOWN = ("\\x1b[31mred", "\\rHIDDEN", "\\x9b2J", "\\x07", "\\u202e")


def ok(sb, *args: str, **kw):
    r = sb.gi(*args, **kw)
    assert r.code == 0, r
    return r


def assert_harmless(text: str) -> None:
    for ch in RAW:
        assert ch not in text, (ch, text)


@pytest.fixture(scope="module")
def evil(make_sandbox):
    sb = make_sandbox("evil")
    env = {"GI_AGENT": "agent\u202emal"}
    blocker = sb.create(EVIL, "--label", "l\x1b[2J", "--assignee", "bob\x9b",
                        "--milestone", "m\x1b[1m", "--body", "line one\n\x1b[5mline two\r\n")
    waiting = sb.create("Waits on the evil one", "--depends-on", blocker)
    sb.create(EVIL + " ready")
    ok(sb, "comment", blocker, "see \x1b[8mhidden\x1b[0m")
    ok(sb, "edit", blocker, "--title", EVIL + " again")
    ok(sb, "claim", blocker, env=env)
    sb.ids = (blocker, waiting)
    return sb


@pytest.mark.parametrize("argv", [
    ["list"], ["search", "evil"], ["ready"], ["show", "{0}"], ["log"],
    ["log", "{0}"], ["claims"], ["blocked"], ["dep", "tree", "{0}"], ["dep", "tree", "{1}"],
])
def test_human_output_shows_control_characters_as_escapes(evil, argv):
    r = ok(evil, *(a.format(*evil.ids) for a in argv))
    assert EVIL.split("\x1b")[0] in r.out, r
    assert_harmless(r.out)
    assert "\\x1b[31mred" in r.out and "\\u202e" in r.out, r.out


def test_show_keeps_the_body_lines_and_escapes_the_rest(evil):
    out = ok(evil, "show", evil.ids[0]).out
    assert "\nline one\n\\x1b[5mline two\\r\n" in out
    assert "see \\x1b[8mhidden\\x1b[0m" in out
    assert "labels: l\\x1b[2J" in out and "assignees: bob\\x9b" in out
    assert "claim: agent\\u202emal until" in out


def test_json_output_stays_exact(evil):
    shown = ok(evil, "show", evil.ids[0], "--json").json
    assert shown["title"] == EVIL + " again"
    assert shown["labels"] == ["l\x1b[2J"] and shown["body"] == "line one\n\x1b[5mline two\r\n"
    listed = ok(evil, "list", "--json").json
    assert EVIL + " again" in [i["title"] for i in listed]
    events = ok(evil, "log", evil.ids[0], "--json").json
    assert events[0]["fields"]["title"] == EVIL


def test_log_shows_what_changed_in_a_long_title(sandbox):
    prefix = "When the session expires the login form of the settings page now shows"
    assert len(prefix) >= 70
    issue = sandbox.create(prefix + " a blank screen")
    ok(sandbox, "edit", issue, "--title", prefix + " an error message")
    line = ok(sandbox, "log", issue).out.splitlines()[-1]
    assert "issue.updated" in line
    assert "blank screen" in line and "error message" in line, line
    short = sandbox.create("Short one")
    ok(sandbox, "edit", short, "--title", "Short two")
    assert "title: Short one → Short two" in ok(sandbox, "log", short).out


def test_counts_are_singular_or_plural(sandbox):
    one = json.dumps({"id": "gi-aaaa01", "title": "Imported alone"})
    assert ok(sandbox, "import", "-", input=one + "\n").out == "imported 1 issue\n"
    assert ok(sandbox, "reindex").out == "indexed 1 issue\n"
    two = "".join(json.dumps({"id": f"gi-bbbb0{n}", "title": f"Pair {n}"}) + "\n"
                  for n in (1, 2))
    assert ok(sandbox, "import", "-", input=two).out == "imported 2 issues\n"
    assert ok(sandbox, "reindex").out == "indexed 3 issues\n"
    r = ok(sandbox, "list", "--limit", "1")
    assert "showing the first 1 result;" in r.err, r
    r = ok(sandbox, "log", "--limit", "1")
    assert "showing the last 1 event;" in r.err, r
    r = sandbox.gi("dep", "add", "gi-aaaa01")
    assert r.code == 2 and "(1 id given;" in r.err, r
    r = sandbox.gi("dep", "tree", "gi-aaaa01", "gi-bbbb01")
    assert r.code == 2 and "(2 ids given;" in r.err, r


def test_sync_counts_field_conflicts_in_the_singular(sandbox, tmp_path):
    sb = sandbox
    issue = sb.create("Shared")
    remote = tmp_path / "remote.git"
    sb.git("init", "-q", "--bare", str(remote))
    sb.git("remote", "add", "origin", str(remote))
    ok(sb, "push")
    other = tmp_path / "other"
    sb.git("clone", "-q", str(remote), str(other))
    ok(sb, "edit", issue, "--title", "Ours")
    r = sb.gi("edit", issue, "--title", "Theirs", cwd=other)
    assert r.code == 0, r
    assert sb.gi("sync", cwd=other).code == 0
    r = ok(sb, "sync")
    assert "merged, 1 field conflict resolved (see gi log)" in r.out, r


def test_export_json_is_one_array_and_json_lines_stay_the_default(sandbox):
    a, b = sandbox.create("First"), sandbox.create("Second")
    ok(sandbox, "close", a)
    lines = [json.loads(x) for x in ok(sandbox, "export").out.splitlines()]
    array = ok(sandbox, "export", "--json").json
    assert isinstance(array, list) and array == lines
    assert {i["id"] for i in array} == {a, b}
    assert [i["id"] for i in ok(sandbox, "export", "is:open", "--json").json] == [b]


def test_graph_is_byte_identical_from_run_to_run(sandbox):
    sb = sandbox
    ids = [sb.create(f"Node {n}") for n in range(8)]
    for a, b in ((0, 1), (0, 2), (1, 3), (2, 3), (4, 5), (6, 7), (0, 4)):
        ok(sb, "dep", "add", ids[a], ids[b])
    for n in (3, 5):
        ok(sb, "close", ids[n])
    for fmt in ("dot", "mermaid"):
        # Python salts its string hashes per process; a fixed seed per run shows set order.
        seen = {ok(sb, "graph", "--format", fmt, env={"PYTHONHASHSEED": str(seed)}).out
                for seed in range(6)}
        assert len(seen) == 1, f"{fmt}: {len(seen)} different outputs"
        assert all(i in next(iter(seen)) for i in ids[:3])
