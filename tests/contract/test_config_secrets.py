"""Secrets and the repository settings (SPEC §1, §7): refused at any depth by `gi config set`
and `gi config edit`; when one arrives anyway (hand-edited, or pulled from another clone) it is
never used, never printed, and every read warns that it must be removed and rotated."""

from __future__ import annotations

import subprocess

import pytest
from conftest import appending_editor
from gitdaemon import Cluster

SECRETS = {
    "pat": "pat-9c8b7a6d5e4f30112233",
    "token": "tok-1a2b3c4d5e6f77889900",
    "password": "pw-aabbccddeeff00112233",
    "bearer": "brr-0f1e2d3c4b5a69788796",
}

LEAKY_SETTINGS = f"""\
mode: {{mode}}
prefix: gi
claims:
  ttl: 45m
gitea:
  url: https://gitea.example.com
  pat: {SECRETS['pat']}
bridges:
  - name: work
    platform: gitea
    token: {SECRETS['token']}
  - name: other
    auth:
      user: bob
      password: {SECRETS['password']}
linear:
  team: ENG
  bearer: {SECRETS['bearer']}
"""
LEAKED_KEYS = ["gitea.pat", "bridges[0].token", "bridges[1].auth", "linear.bearer"]


def assert_no_secret(*outputs: str) -> None:
    """Not a secret, nor enough of one to use (a third of it)."""
    for out in outputs:
        for secret in SECRETS.values():
            for i in range(0, len(secret) - 7):
                assert secret[i:i + 8] not in out, (secret, out)


def commit_settings(git, tip: str, text: str) -> None:
    """Replace config.yaml on the store branch with plain git plumbing, as a hand edit or an
    older gi would; the issue files stay. `git(*args, input=None)` runs in the clone."""
    blob = git("hash-object", "-w", "--stdin", input=text)
    entries = [line for line in git("ls-tree", "refs/heads/issue-facade").splitlines()
               if not line.endswith("\tconfig.yaml")]
    entries.append(f"100644 blob {blob}\tconfig.yaml")
    tree = git("mktree", input="\n".join(entries) + "\n")
    commit = git("commit-tree", tree, "-p", tip, "-m", "settings edited by hand")
    git("update-ref", "refs/heads/issue-facade", commit)


def leak(sb, mode: str) -> None:
    assert sb.gi("init", "--mode", mode).code == 0
    if mode == "tree":
        (sb.repo / ".issue-facade" / "config.yaml").write_text(LEAKY_SETTINGS.format(mode=mode))
    else:
        commit_settings(sb.git, sb.store_tip(), LEAKY_SETTINGS.format(mode=mode))


def assert_warned(err: str) -> None:
    for key in LEAKED_KEYS:
        assert f"{key} is a secret in the repository settings" in err, err
    assert "rotate" in err


@pytest.mark.parametrize("mode", ["branch", "tree"])
def test_leaked_secrets_are_masked_ignored_and_warned_about(sandbox, mode):
    sb = sandbox
    sb.git("remote", "add", "origin", "https://gitea.example.com/o/r.git")
    leak(sb, mode)
    human = sb.gi("config", "show")
    shown = sb.gi("config", "show", "--json")
    assert human.code == 0 and shown.code == 0, (human, shown)
    assert_no_secret(human.out, human.err, shown.out, shown.err)
    assert_warned(human.err)
    assert_warned(shown.err)
    settings = shown.json["settings"]
    assert sorted(shown.json["ignored"]) == sorted(LEAKED_KEYS)
    for key in LEAKED_KEYS:
        assert not any(k == key or k.startswith(key + ".") for k in settings), settings
    # what is not secret still counts
    assert settings["claims.ttl"] == "45m"
    assert settings["bridges[0].name"] == "work" and settings["bridges[1].name"] == "other"
    assert settings["linear.team"] == "ENG"
    for key in ("gitea.pat", "linear.bearer", "bridges", "bridges[0].token"):
        r = sb.gi("config", "get", key)
        assert r.code == 3, r
        assert_no_secret(r.out, r.err)
        assert_warned(r.err)
    r = sb.gi("config", "get", "gitea.pat", "--json")
    assert r.code == 3 and "rotate" in r.err_json["error"]["message"], r


def test_a_secret_pulled_from_another_clone_is_never_used(tmp_path):
    cluster = Cluster(tmp_path)
    alice = cluster.seed("alice")
    alice.ok("init")
    alice.create("First")
    alice.sync()
    bob = cluster.clone("bob")
    bob.sync()

    def git(*args: str, input: str | None = None) -> str:
        proc = subprocess.run(["git", *args], cwd=alice.path, env=alice.env, input=input,
                              capture_output=True, text=True, check=True)
        return proc.stdout.strip()

    commit_settings(git, alice.tip(), LEAKY_SETTINGS.format(mode="branch"))
    alice.sync()
    bob.sync()
    assert SECRETS["pat"] in bob.git("show", "refs/heads/issue-facade:config.yaml")  # arrived
    shown = bob.gi("config", "show", "--json")
    assert shown.code == 0, shown
    assert_no_secret(shown.out, shown.err)
    assert_warned(shown.err)
    assert sorted(shown.json["ignored"]) == sorted(LEAKED_KEYS)
    assert shown.json["settings"]["claims.ttl"] == "45m"


# --- refused on the way in -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "value", "named"),
    [
        ("bridges", f"[{{name: work, token: {SECRETS['token']}}}]", "bridges[0].token"),
        ("gitea.pat", SECRETS["pat"], "gitea.pat"),
        ("jira.basic_auth", SECRETS["password"], "jira.basic_auth"),
        ("linear", f"{{team: ENG, bearer: {SECRETS['bearer']}}}", "linear.bearer"),
        ("aws.credentials.user", "bob", "aws.credentials.user"),
    ],
)
def test_set_refuses_a_secret_at_any_depth(sandbox, key, value, named):
    assert sandbox.gi("init").code == 0
    tip = sandbox.store_tip()
    for where in ((), ("--repo",)):
        r = sandbox.gi("config", "set", *where, key, value, "--json")
        assert r.code == 2, r
        message = r.err_json["error"]["message"]
        assert message.startswith(f"{named} is a secret"), message
        assert "environment variable" in message and "user config" in message
        assert_no_secret(r.out, r.err)
    assert sandbox.store_tip() == tip
    assert_no_secret(sandbox.git("log", "-p", "--all"))


@pytest.mark.parametrize("mode", ["branch", "tree"])
def test_edit_refuses_a_secret_in_a_list(sandbox, tmp_path, mode):
    sb = sandbox
    assert sb.gi("init", "--mode", mode).code == 0
    settings_file = sb.repo / ".issue-facade" / "config.yaml"
    before = (sb.store_tip(), settings_file.read_text() if mode == "tree" else None)
    script = appending_editor(tmp_path,
                              f"bridges:\n  - name: work\n    token: {SECRETS['token']}\n")
    r = sb.gi("config", "edit", "--json", env={"EDITOR": script})
    assert r.code == 2, r
    message = r.err_json["error"]["message"]
    assert message.startswith("bridges[0].token is a secret") and "nothing saved" in message
    assert (sb.store_tip(), settings_file.read_text() if mode == "tree" else None) == before
    assert_no_secret(sb.git("log", "-p", "--all"))
    # the user config is where it belongs
    r = sb.gi("config", "edit", "--user", env={"EDITOR": script})
    assert r.code == 0, r


def test_user_secrets_are_masked_wherever_they_sit(sandbox):
    sb = sandbox
    r = sb.gi("config", "set", "--user", "gitea",
              f"{{url: 'https://gitea.example.com', token: {SECRETS['token']}}}")
    assert r.code == 0, r
    r2 = sb.gi("config", "set", "--user", "bridges", "--json",
               f"[{{name: work, auth: {{user: bob, password: {SECRETS['password']}}}}}]")
    assert r2.code == 0, r2
    assert r2.json["value"] == [{"name": "work", "auth": {"user": "****", "password": "pw…33"}}]
    show = sb.gi("config", "show")
    show_json = sb.gi("config", "show", "--json")
    get = sb.gi("config", "get", "bridges[0].auth.password")
    assert_no_secret(r.out, r.err, r2.out, show.out, show.err, show_json.out, get.out)
    assert show_json.json["settings"]["bridges[0].name"] == "work"
    assert show_json.json["settings"]["gitea.token"] == "to…00"
    assert get.out.strip() == "pw…33"
    assert "is a secret" not in show.err  # the user config is where secrets belong
