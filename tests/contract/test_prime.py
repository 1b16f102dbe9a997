"""`gi prime`: the workflow guide an agent start-up hook prints."""

from __future__ import annotations


def test_prime_names_the_agent_and_the_loop(gi) -> None:
    r = gi("prime")
    assert r.code == 0, r
    assert "tester (env:GI_AGENT)" in r.out
    for step in ("gi ready", "gi claim --next", "gi close ID"):
        assert step in r.out


def test_prime_json(gi) -> None:
    r = gi("prime", "--json")
    assert r.code == 0, r
    assert r.json["agent"] == "tester"
    assert r.json["agent_source"] == "env:GI_AGENT"
    assert r.json["guide"].startswith("# Issue Facade (gi)")
