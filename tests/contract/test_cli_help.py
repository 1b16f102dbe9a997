"""A CLI a newcomer is at home in: --version, gi help, did-you-mean hints, help text that names
the allowed values, and shell completion that really completes (SPEC §3, §4)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest

import gitissues

COMMANDS = ("create", "show", "list", "search", "edit", "close", "reopen", "comment", "ready",
            "claim", "progress", "extend", "release", "claims", "dep", "blocked", "graph", "log",
            "sync", "pull", "push", "merge-driver", "init", "export", "import", "doctor",
            "reindex", "schema", "config", "whoami", "prime", "completion", "help")
CONFIG_ACTIONS = ("detect", "init", "show", "get", "set", "unset", "edit")


def test_version(gi):
    r = gi("--version")
    assert r.code == 0, r
    assert r.out == f"gi {gitissues.__version__}\n"


def test_bare_gi_prints_the_usage_on_stderr_and_exits_2(gi):
    r = gi()
    assert r.code == 2, r
    assert r.out == ""
    assert "usage: gi" in r.err and "no command given" in r.err
    for name in ("create", "list", "ready", "claim", "help"):
        assert f"\n  {name} " in r.err


def test_gi_help_lists_every_command_by_group(gi):
    r = gi("help")
    assert r.code == 0, r
    assert r.out.startswith("usage: gi")
    for name in COMMANDS:
        assert f"\n  {name} " in r.out, name
    assert "The agents' loop:" in r.out
    assert gi("--help").out == r.out


@pytest.mark.parametrize("topic, usage, expected", [
    (["list"], "usage: gi list", ["--limit N", "QUERY", "examples:"]),
    (["config"], "usage: gi config", [*CONFIG_ACTIONS]),
    (["config", "set"], "usage: gi config set", ["KEY", "VALUE", "--user", "--repo"]),
    (["config", "unset"], "usage: gi config unset", ["KEY", "--user", "--repo"]),
    (["completion"], "usage: gi completion", ["bash", "zsh", "fish"]),
])
def test_gi_help_command_prints_that_commands_help(gi, topic, usage, expected):
    r = gi("help", *topic)
    assert r.code == 0, r
    assert r.out.startswith(usage), r.out
    for word in expected:
        assert word in r.out, word
    assert gi(*topic, "--help").out == r.out


def test_help_for_an_unknown_topic_suggests(gi):
    r = gi("help", "confg")
    assert r.code == 2, r
    assert "did you mean 'config'?" in r.err
    r = gi("help", "config", "st")
    assert r.code == 2 and "did you mean 'set'" in r.err, r


@pytest.mark.parametrize("argv, named, hint", [
    (["lst"], "'lst'", "did you mean 'list'?"),
    (["claimz", "x"], "'claimz'", "did you mean 'claim' or 'claims'?"),
    (["list", "--lmit", "3"], "'--lmit'", "did you mean '--limit'?"),
    (["list", "-limit", "3"], "'-limit'", "did you mean '--limit'?"),
    (["show", "gi-1", "--jsn"], "'--jsn'", "did you mean '--json'?"),
    (["config", "sett", "a", "b"], "'sett'", "did you mean 'set'"),
    (["config", "set", "a", "b", "--usr"], "'--usr'", "did you mean '--user'?"),
    (["dep", "ad", "a", "b"], "'ad'", "did you mean 'add'?"),
    (["show", "gi-1", "gi-2"], "'gi-2'", ""),
    (["--versin"], "'--versin'", "did you mean '--version'?"),
    (["--bogus", "list"], "'--bogus'", ""),
    (["list", "-C", "/tmp"], "-C PATH goes before the command", ""),
    (["list", "-json"], "'-json'", "did you mean '--json'?"),
])
def test_mistakes_are_usage_errors_that_name_the_word(gi, argv, named, hint):
    r = gi(*argv)
    assert r.code == 2, r
    assert named in r.err and hint in r.err and "Traceback" not in r.err, r
    r = gi(*argv, "--json")
    assert r.code == 2 and r.err_json["error"]["code"] == "usage", r


def test_config_unset_arguments_are_checked_like_set(gi):
    r = gi("config", "unset")
    assert r.code == 2 and "KEY" in r.err, r
    r = gi("config", "unset", "agent.id", "--user", "--repo")
    assert r.code == 2 and "not allowed with" in r.err, r


def test_a_negated_word_in_a_query_excludes_it(sandbox):
    keep = sandbox.create("Slow start-up")
    sandbox.create("Crash on save")
    r = sandbox.gi("list", "-crash", "--json")
    assert r.code == 0, r
    assert [i["id"] for i in r.json] == [keep]


@pytest.mark.parametrize("command, words", [
    ("create", ["bug", "feature", "task", "epic", "chore", "0 critical", "4 backlog"]),
    ("edit", ["open", "in_progress", "blocked", "closed", "bug", "chore", "0 critical"]),
    ("claim", ["90s", "30m", "2h", "1d", "default 30m"]),
    ("extend", ["90s", "30m", "2h", "1d"]),
    ("log", ["90s", "30m", "2h", "1d", "RFC 3339"]),
    ("sync", ["merge", "ours", "theirs", "newer", "command:PROGRAM"]),
    ("pull", ["merge", "ours", "theirs", "newer", "command:PROGRAM"]),
    ("graph", ["dot", "mermaid"]),
    ("init", ["branch", "tree"]),
    ("list", ["label:", "priority:", "is:open", "sort:", "examples:", "default 50; 0: all"]),
    ("search", ["label:", "examples:", "gi search "]),
    ("ready", ["label:", "examples:", "gi ready "]),
    ("blocked", ["label:", "examples:"]),
])
def test_help_names_the_allowed_values(gi, command, words):
    r = gi(command, "--help")
    assert r.code == 0, r
    text = " ".join(r.out.split())
    for word in words:
        assert word in text, (command, word)


@pytest.mark.parametrize("topic", [[c] for c in COMMANDS] + [["config", a]
                                                                for a in CONFIG_ACTIONS])
def test_help_points_at_nothing_the_package_does_not_ship(gi, topic):
    r = gi("help", *topic)
    assert r.code == 0, r
    for unshipped in ("docs/", ".md", "SPEC", "README"):
        assert unshipped not in r.out, (topic, unshipped)


# --- completion ---------------------------------------------------------------------------------

def _script(sandbox, shell: str):
    r = sandbox.gi("completion", shell)
    assert r.code == 0 and r.err == "", r
    path = sandbox.base / f"gi.{shell}"
    path.write_text(r.out)
    return path


def _bash_complete(sandbox, script, line: str) -> list[str]:
    """What bash offers for the last word of `line` (a trailing space: a new word)."""
    words = line.split() + ([""] if line.endswith(" ") else [])
    quoted = " ".join("'" + w + "'" for w in words)
    program = (f"source '{script}'; COMP_WORDS=({quoted}); COMP_CWORD={len(words) - 1}; _gi; "
               'printf "%s\\n" "${COMPREPLY[@]}"')
    proc = subprocess.run(["bash", "-c", program], capture_output=True, text=True,
                          cwd=sandbox.repo, env=sandbox.env, timeout=30)
    assert proc.returncode == 0 and proc.stderr == "", proc
    return [x for x in proc.stdout.splitlines() if x]


@pytest.mark.parametrize("line, offered", [
    ("gi li", ["list"]),
    ("gi cl", ["close", "claim", "claims"]),
    ("gi -C /tmp li", ["list"]),
    ("gi --json sh", ["show"]),
    ("gi config s", ["show", "set"]),
    ("gi config un", ["unset"]),
    ("gi config set --u", ["--user"]),
    ("gi config unset agent.id --r", ["--remote", "--repo"]),
    ("gi list --l", ["--limit"]),
    ("gi graph --format m", ["mermaid"]),
    ("gi create x --type b", ["bug"]),
    ("gi edit x --status in", ["in_progress"]),
    ("gi sync --strategy t", ["theirs"]),
    ("gi dep ", ["add", "rm", "tree", "-h", "--help", "--json"]),
    ("gi completion z", ["zsh"]),
    ("gi help conf", ["config"]),
    ("gi help config un", ["unset"]),
])
def test_bash_completion_completes(sandbox, line, offered):
    script = _script(sandbox, "bash")
    assert sorted(_bash_complete(sandbox, script, line)) == sorted(offered)


def test_bash_completion_offers_each_commands_options(sandbox):
    script = _script(sandbox, "bash")
    for command in COMMANDS:
        got = _bash_complete(sandbox, script, f"gi {command} --")
        assert "--json" in got and "--help" in got, (command, got)
    assert "--body-file" in _bash_complete(sandbox, script, "gi create T --")
    (sandbox.repo / "issues.jsonl").write_text("")
    assert _bash_complete(sandbox, script, "gi import iss") == ["issues.jsonl"]


def test_zsh_and_fish_scripts_are_produced(sandbox):
    zsh = _script(sandbox, "zsh").read_text()
    assert zsh.startswith("#compdef gi") and "compdef _gi gi" in zsh
    fish = _script(sandbox, "fish").read_text()
    assert "complete -c gi " in fish
    for name in COMMANDS:
        assert f"'{name}:" in zsh and f"-a '{name}'" in fish, name
    for option in ("--limit", "--strategy", "--ttl", "--user"):
        assert f"'{option}:" in zsh and f"-l {option[2:]}" in fish, option


# zsh completes only inside its line editor; stand-ins for the completion system's output
# functions print what _gi offers, so the script's own logic runs in a real zsh.
ZSH_HARNESS = """\
compdef() { print "compdef $*"; }
_describe() { local arr=${@[-1]}; print -rl -- "${(@P)arr}"; }
compadd() { [[ $1 == -a ]] && { print -rl -- "${(@P)2}"; return; }; print -rl -- "$@"; }
_files() { print "<files $*>"; }
source "$1"
words=(${=2}); CURRENT=${#words}
[[ $2 == *' ' ]] && { words+=(''); CURRENT=$((CURRENT + 1)); }
_gi
"""


@pytest.mark.skipif(shutil.which("zsh") is None and not os.environ.get("GI_TEST_REQUIRE_ALL"),
                    reason="zsh is not installed here (CI installs it and requires it)")
@pytest.mark.parametrize("line, offered, not_offered", [
    ("gi li", ["list:list issues matching a query (default is:open)", "--version:"], []),
    ("gi config s", ["set:save one value", "unset:remove one value"], ["list:"]),
    ("gi config set --u", ["--user:the user config file"], ["set:"]),
    ("gi graph --format m", ["dot", "mermaid"], ["--json:"]),
    ("gi -C /tmp ", ["list:"], []),
    ("gi create T --body-file ", ["<files >"], []),
    ("gi help config ", ["unset:remove one value"], ["list:"]),
])
def test_zsh_completion_offers_the_right_words(sandbox, line, offered, not_offered):
    script = _script(sandbox, "zsh")
    harness = sandbox.base / "harness.zsh"
    harness.write_text(ZSH_HARNESS)
    proc = subprocess.run(["zsh", "-f", str(harness), str(script), line], capture_output=True,
                          text=True, cwd=sandbox.repo, env=sandbox.env, timeout=30)
    assert proc.returncode == 0 and proc.stderr == "", proc
    got = proc.stdout.splitlines()
    assert got[0] == "compdef _gi gi"
    for word in offered:
        assert any(g.startswith(word) for g in got), (word, got)
    for word in not_offered:
        assert not any(g.startswith(word) for g in got), (word, got)


@pytest.mark.skipif(shutil.which("fish") is None and not os.environ.get("GI_TEST_REQUIRE_ALL"),
                    reason="fish is not installed here (CI installs it and requires it)")
@pytest.mark.parametrize("line, offered", [
    ("gi li", ["list"]),
    ("gi config s", ["set", "show"]),
    ("gi config set --u", ["--user"]),
    ("gi graph --format m", ["mermaid"]),
    ("gi -C /tmp li", ["list"]),
    ("gi init --m", ["--mode"]),
    ("gi help config u", ["unset"]),
])
def test_fish_completion_completes(sandbox, line, offered):
    script = _script(sandbox, "fish")
    proc = subprocess.run(["fish", "--no-config", "-c", f"source '{script}'; complete -C'{line}'"],
                          capture_output=True, text=True, cwd=sandbox.repo, env=sandbox.env,
                          timeout=30)
    assert proc.returncode == 0, proc
    assert sorted(x.split("\t")[0] for x in proc.stdout.splitlines()) == sorted(offered), proc


def test_doctor_without_a_store_says_there_is_none(sandbox):
    r = sandbox.gi("doctor")
    assert r.code == 3 and "no issue store" in r.err and "gi init" in r.err, r
    assert "clean" not in r.out
    r = sandbox.gi("doctor", "--json")
    assert r.code == 3 and json.loads(r.err)["error"]["code"] == "not_found", r
