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


PRIME_TOKENS = 400  # characters / 4


def test_prime_follows_the_loop_and_says_what_exit_4_means(gi) -> None:
    text = gi("prime").out
    steps = ["gi ready", "gi claim --next", "gi progress", "Fixes ID", "gi close ID"]
    places = [text.index(s) for s in steps]
    assert places == sorted(places), text
    assert "Exit 4" in text and "take another" in text
    assert "a claim lasts 30m" in text and "ids look like gi-" in text
    assert "MCP is set up" not in text and "Bridges" not in text


def test_prime_is_tailored_to_the_repository(sandbox, gi, git) -> None:
    git("init", "-q", "--bare", str(sandbox.base / "remote.git"))
    git("remote", "add", "origin", str(sandbox.base / "remote.git"))
    for args in (("init", "--prefix", "acme"), ("config", "set", "claims.ttl", "2h"),
                 ("config", "set", "claims.remote", "origin"),
                 ("bridge", "add", "work", "--platform", "gitea", "--url",
                  "https://gitea.example.com", "--project", "acme/widgets"),
                 ("setup", "claude"), ("setup", "cursor"), ("hooks", "install")):
        r = gi(*args)
        assert r.code == 0, r
    r = gi("prime")
    assert r.code == 0, r
    text = r.out
    assert "ids look like acme-7f3a9c" in text
    assert "a claim lasts 2h; claims go through the remote origin" in text
    assert "gi extend ID --ttl 2h" in text
    assert "MCP is set up (claude, cursor)" in text
    assert "Bridges mirror these issues to work (gitea)" in text
    # all five hooks installed: they link, and close on the default branch
    assert ("the hooks link the commit, and close the issue when it reaches the default "
            "branch") in text
    assert len(text) / 4 <= PRIME_TOKENS, len(text)
    facts = gi("prime", "--json").json
    assert facts["claim_ttl"] == "2h" and facts["claims_remote"] == "origin"
    assert facts["bridges"] == {"work": "gitea"} and facts["prefix"] == "acme"
    assert facts["mcp"] == {"claude": True, "codex": False, "cursor": True,
                            "agents-md": False}
    assert "post-commit" in facts["hooks"] and facts["guide"] == text


def test_prime_in_tree_mode_and_outside_a_repository(sandbox, gi, run_gi) -> None:
    assert gi("init", "--mode", "tree").code == 0
    assert "files in .issue-facade/issues/, committed with code" in gi("prime").out
    assert "gi sync" not in gi("prime").out
    elsewhere = sandbox.base / "elsewhere"
    elsewhere.mkdir()
    r = run_gi("prime", cwd=elsewhere)
    assert r.code == 0 and "gi ready" in r.out, r
