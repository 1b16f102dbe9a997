"""Expected errors never exit 1 (SPEC §4): a bad -C path, a missing --file, absurd --limit and
--ttl values, a thousand query terms, and text that looks like FTS5 syntax (searched literally).
"""

from __future__ import annotations

import pytest

HUGE = str(10**30)


def usage_error(sb, *args: str, naming: str = "", **kw):
    r = sb.gi(*args, **kw)
    assert r.code == 2, r
    assert naming in r.err and "Traceback" not in r.err and "unexpected error" not in r.err, r
    j = sb.gi(*args, "--json", **kw)
    assert j.code == 2 and j.err_json["error"]["code"] == "usage", j
    return r


def test_a_missing_C_directory_is_a_usage_error_naming_it(sandbox, tmp_path):
    usage_error(sandbox, "-C", "/nonexistent/dir", "list", naming="/nonexistent/dir")
    a_file = tmp_path / "plain.txt"
    a_file.write_text("")
    usage_error(sandbox, "-C", str(a_file), "list", naming=str(a_file))


def test_edit_from_a_missing_file_is_a_usage_error_naming_it(sandbox):
    issue = sandbox.create("Edit me")
    usage_error(sandbox, "edit", issue, "--file", "missing.yaml", naming="missing.yaml")
    (sandbox.repo / "latin1.yaml").write_bytes(b"id: x\ntitle: caf\xe9\n")
    r = sandbox.gi("edit", issue, "--file", "latin1.yaml")  # undecodable input: usage, as
    assert r.code == 2 and "latin1.yaml" in r.err and "UTF-8" in r.err, r  # every input


@pytest.mark.parametrize("command", ["list", "search", "ready", "blocked", "log"])
def test_a_huge_limit_means_all(sandbox, command):
    a = sandbox.create("Blocker")
    sandbox.create("Waiting", "--depends-on", a)
    r = sandbox.gi(command, "--limit", HUGE, "--json")
    assert r.code == 0, r
    assert len(r.json) >= 1 and r.err == ""


@pytest.mark.parametrize("value, naming", [("-1", "0 (all) or more"), ("ten", "'ten'"),
                                           ("1e3", "'1e3'")])
def test_a_bad_limit_is_a_usage_error(sandbox, value, naming):
    for command in ("list", "log", "blocked"):
        usage_error(sandbox, command, "--limit", value, naming=naming)


def test_a_huge_duration_is_a_usage_error_naming_it(sandbox):
    issue = sandbox.create("Claim me")
    huge = "99999999999999d"
    usage_error(sandbox, "claim", issue, "--ttl", huge, naming=huge)
    usage_error(sandbox, "claim", "--next", "--ttl", huge, naming=huge)
    assert sandbox.gi("claim", issue).code == 0
    usage_error(sandbox, "extend", issue, "--ttl", huge, naming=huge)
    usage_error(sandbox, "log", "--since", huge, naming=huge)
    usage_error(sandbox, "extend", issue, "--ttl", "9" * 5000 + "s", naming="too long")
    assert sandbox.gi("extend", issue, "--ttl", "36500d").code == 0


@pytest.mark.parametrize("make", [
    lambda n: f"label:l{n}", lambda n: f"-label:l{n}", lambda n: f"word{n}",
    lambda n: f"-word{n}", lambda n: f"priority:{n % 3}..4",
])
def test_a_thousand_query_terms_work(sandbox, make):
    keep = sandbox.create("word0 " + " ".join(f"word{n}" for n in range(1, 1000)),
                          *[x for n in range(1000) for x in ("--label", f"l{n}")])
    terms = [make(n) for n in range(1000)]
    r = sandbox.gi("list", "--json", *terms)
    assert r.code == 0, r
    negated = terms[0].startswith("-")
    assert [i["id"] for i in r.json] == ([] if negated else [keep]), terms[:2]


def test_a_thousand_values_of_one_qualifier_work(sandbox):
    keep = sandbox.create("Labelled", "--label", "l999")
    r = sandbox.gi("list", "--json", "label:" + ",".join(f"l{n}" for n in range(1000)))
    assert r.code == 0, r
    assert [i["id"] for i in r.json] == [keep]


def test_too_many_query_terms_is_a_usage_error(sandbox):
    terms = [f"label:l{n}" for n in range(2001)]
    r = usage_error(sandbox, "list", *terms, naming="too many query terms")
    assert "at most 2000" in r.err and "term 2001" in r.err


@pytest.fixture(scope="module")
def texts(make_sandbox):
    sb = make_sandbox("fts")
    sb.ids = {
        "and": sb.create("Foo and bar together"),
        "foo": sb.create("Only foo here"),
        "quote": sb.create('An "unclosed quote in the title'),
        "near": sb.create("NEAR(foo bar) and OR NOT are words"),
        "caret": sb.create("Caret ^start and title:colon"),
    }
    return sb


@pytest.mark.parametrize("terms, found", [
    (["foo AND"], ["and"]),  # one argv word: the phrase "foo and"
    (["foo", "AND"], ["and", "near"]),  # two words, both present
    (['"unclosed'], ["quote"]),
    (['"unclosed quote'], ["quote"]),
    (['unclosed"'], ["quote"]),
    (["NEAR(foo"], ["near"]),
    (["foo OR"], []),
    (["OR", "NOT"], ["near"]),
    (["^start"], ["caret"]),
    (['"title:colon"'], ["caret"]),
    (["(", ")", "*", '"', "-"], ["and", "foo", "quote", "near", "caret"]),
    (["foo*"], ["and", "foo", "near"]),
    (["-foo", '-"'], ["quote", "caret"]),
])
def test_text_that_looks_like_fts_syntax_is_searched_literally(texts, terms, found):
    r = texts.gi("list", "--json", "--", *terms)
    assert r.code == 0, r
    assert sorted(i["id"] for i in r.json) == sorted(texts.ids[k] for k in found)
