"""`gi webhook register|list|remove` end to end (SPEC §9): the real `gi` against the fake
Gitea/Forgejo, GitHub and GitLab over real HTTP, in a fresh repository with a saved bridge and
the token in the environment, as a user runs it. The secret goes to the tracker and to the user
config (0600), never to output, the repository or the store branch."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest
from fakes.gitea import FakeGitea
from fakes.github import FakeGitHub
from fakes.gitlab import FakeGitLab

from gitissues import yamlio

TOKEN = "s3cret-forge-token"
URL = "https://hooks.example.com/hooks/tracker"
FORGES = {  # the fake, gi's platform, the token variable
    "gitea": (lambda: FakeGitea(token=TOKEN), "gitea", "GITEA_TOKEN"),
    "forgejo": (lambda: FakeGitea(token=TOKEN, flavor="forgejo"), "gitea", "GITEA_TOKEN"),
    "github": (lambda: FakeGitHub(token=TOKEN), "github", "GITHUB_TOKEN"),
    "gitlab": (lambda: FakeGitLab(token=TOKEN), "gitlab", "GITLAB_TOKEN"),
}


class Forge:
    """A fake tracker, the sandbox whose bridge `work` points at it, and the token's env."""

    def __init__(self, kind: str, fake, sb) -> None:
        self.kind, self.fake, self.sb = kind, fake, sb
        self.platform, self.var = FORGES[kind][1], FORGES[kind][2]
        self.env = {self.var: TOKEN, "GI_BRIDGE_PACE": "0"}

    def gi(self, *args: str, env: dict[str, str] | None = None):
        return self.sb.gi("webhook", *args, env={**self.env, **(env or {})})

    def ok(self, *args: str):
        r = self.gi(*args, "--json")
        assert r.code == 0, r
        assert TOKEN not in r.out + r.err
        for hook in self.fake.state.hooks.values():
            assert not hook.secret or hook.secret not in r.out + r.err
        return r.json

    @property
    def config_file(self) -> Path:
        return Path(self.sb.env["XDG_CONFIG_HOME"]) / "issue-facade" / "config.yaml"

    def stored(self, bridge: str = "work") -> dict:
        if not self.config_file.exists():
            return {}
        data = yamlio.load_fast(self.config_file.read_text(), "config.yaml") or {}
        return (data.get("webhooks") or {}).get(bridge) or {}


@pytest.fixture(params=FORGES)
def forge(request, sandbox):
    with FORGES[request.param][0]() as fake:
        f = Forge(request.param, fake, sandbox)
        r = sandbox.gi("bridge", "add", "work", "--platform", f.platform, "--url",
                       fake.base_url, "--project", "acme/widgets")
        assert r.code == 0, r
        yield f


def issue_and_comment_events(f: Forge, hook) -> bool:
    """The hook posts issue and comment events (and nothing else), checking certificates."""
    if f.kind == "gitlab":
        return hook.events == ["issues", "note"] and hook.extra["enable_ssl_verification"]
    extra = hook.extra
    return hook.events == ["issues", "issue_comment"] and extra["content_type"] == "json" \
        and extra.get("insecure_ssl", "0") == "0" and extra.get("type", "gitea") == "gitea"


def nowhere_in_the_repository(sb, secret: str) -> None:
    """Not in any git object (the store branch's included), nor any file under the
    repository, .git and its derived files included."""
    objects = subprocess.run(["git", "cat-file", "--batch-all-objects", "--batch"],
                             cwd=sb.repo, env=sb.env, capture_output=True, check=True).stdout
    assert objects and secret.encode() not in objects
    for path in sb.repo.rglob("*"):
        if path.is_file():
            assert secret.encode() not in path.read_bytes(), path
    shown = sb.gi("config", "show", "--json")
    assert shown.code == 0 and secret not in shown.out + shown.err
    settings = sb.git("show", "refs/heads/issue-facade:config.yaml")
    assert "bridges:" in settings and "webhooks" not in settings and secret not in settings


def test_register_list_remove(forge) -> None:
    f = forge
    made = f.ok("register", "--url", URL)
    assert (made["bridge"], made["url"], made["action"], made["active"]) == \
        ("work", URL, "created", True)
    assert "secret" not in made and made["secret_key"] == "webhooks.work.secret"
    assert made["config"] == str(f.config_file)
    [hook] = f.fake.state.hooks.values()
    assert str(hook.id) == made["id"] and hook.url == URL and hook.active
    assert issue_and_comment_events(f, hook), hook
    secret = hook.secret
    assert len(secret) == 64 and int(secret, 16) >= 0
    assert f.stored() == {"secret": secret, "hook_id": made["id"], "base_url": f.fake.base_url,
                          "project": "acme/widgets"}
    assert stat.S_IMODE(os.stat(f.config_file).st_mode) == 0o600
    nowhere_in_the_repository(f.sb, secret)

    listed = f.ok("list")
    assert listed == [{"bridge": "work", "id": made["id"], "url": URL,
                       "events": made["events"], "active": True, "registered": True}]
    text = f.gi("list")
    assert text.code == 0 and "registered by gi" in text.out and URL in text.out
    assert secret not in text.out + text.err

    removed = f.ok("remove")
    assert (removed["id"], removed["removed"], removed["forgot_secret"]) == \
        (made["id"], True, True)
    assert f.fake.state.hooks == {} and f.stored() == {}
    assert secret not in f.config_file.read_text()
    assert f.ok("list") == []
    again = f.gi("remove")
    assert again.code == 3 and "no webhook" in again.err, again


def test_registering_again_reuses_or_replaces_but_never_doubles(forge) -> None:
    f = forge
    first = f.ok("register", "--url", URL)
    secret = f.stored()["secret"]
    again = f.ok("register", "--url", URL)
    assert (again["action"], again["id"], again["removed"]) == ("reused", first["id"], [])
    assert len(f.fake.state.hooks) == 1 and f.stored()["secret"] == secret
    text = f.gi("register", "--url", URL)
    assert text.code == 0 and "already registered" in text.out, text
    # the secret is lost (another machine registered it): the hook is replaced, not doubled
    f.config_file.write_text("{}\n")
    replaced = f.ok("register", "--url", URL)
    assert replaced["action"] == "replaced" and replaced["removed"] == [
        {"id": first["id"], "url": URL}]
    [hook] = f.fake.state.hooks.values()
    assert str(hook.id) == replaced["id"] != first["id"]
    assert hook.secret == f.stored()["secret"] != secret


def test_a_new_url_moves_the_registered_hook_and_leaves_others(forge) -> None:
    f = forge
    other = f.fake.state.add_hook("https://ci.example.com/push", ["push"])
    first = f.ok("register", "--url", URL)
    moved = f.ok("register", "--url", URL + "2")
    assert moved["action"] == "replaced" and moved["removed"] == [{"id": first["id"],
                                                                    "url": URL}]
    assert sorted(h.url for h in f.fake.state.hooks.values()) == [
        "https://ci.example.com/push", URL + "2"]
    assert f.stored()["hook_id"] == moved["id"]
    marks = {h["url"]: h["registered"] for h in f.ok("list")}
    assert marks == {"https://ci.example.com/push": False, URL + "2": True}
    # --id removes another hook and keeps the registered one's secret
    gone = f.ok("remove", "--id", str(other.id))
    assert (gone["removed"], gone["forgot_secret"]) == (True, False)
    assert f.stored()["hook_id"] == moved["id"] and len(f.fake.state.hooks) == 1


def test_a_registered_hook_deleted_on_the_tracker_is_forgotten(forge) -> None:
    f = forge
    f.ok("register", "--url", URL)
    f.fake.state.hooks.clear()
    listed = f.gi("list")
    assert listed.code == 0 and "no longer on the tracker" in listed.err, listed
    gone = f.ok("remove")
    assert (gone["removed"], gone["already_gone"], gone["forgot_secret"]) == (False, True, True)
    assert f.stored() == {}


def test_a_bad_or_missing_token_is_exit_7_naming_the_variable(forge) -> None:
    f = forge
    for args in (("register", "--url", URL), ("list",), ("remove", "--id", "1")):
        r = f.gi(*args, "--json", env={f.var: "wrong-token"})
        assert r.code == 7, r
        assert f.var in r.err and "wrong-token" not in r.out + r.err
        assert r.err_json["error"]["code"] == "auth"
        r = f.gi(*args, env={f.var: ""})
        assert r.code == 7 and f.var in r.err, r
    assert f.fake.state.hooks == {} and f.stored() == {}


def test_a_token_without_admin_rights_says_what_it_takes(forge) -> None:
    f = forge
    f.fake.fail(403, method="POST", path=r"/hooks")
    r = f.gi("register", "--url", URL)
    assert r.code == 7 and "managing webhooks takes" in r.err, r
    assert f.fake.state.hooks == {} and f.stored() == {}
    f.fake.fail(404, method="GET", path=r"/hooks")
    r = f.gi("list")
    assert r.code == 3 and "managing webhooks takes" in r.err, r


def test_other_http_failures_are_exit_6(forge) -> None:
    f = forge
    f.fake.fail(422 if f.kind != "gitlab" else 400, method="POST", path=r"/hooks")
    r = f.gi("register", "--url", URL)
    assert r.code == 6, r
    assert f.stored() == {}


def test_lists_follow_every_page(forge) -> None:
    f = forge
    for n in range(120):
        f.fake.state.add_hook(f"https://h.example.com/{n}", ["push"])
    assert len(f.ok("list")) == 120
    assert f.fake.count("GET", r"/hooks$") >= 2


@pytest.mark.parametrize("url", ["ftp://h.example.com/x", "https://user:pw@h.example.com/x",
                                 "hooks.example.com", "https://h.example.com/a b", "https://"])
def test_a_bad_url_is_a_usage_error(sandbox, url) -> None:
    r = sandbox.gi("webhook", "register", "--url", url, "--json")
    assert r.code == 2 and "--url" in r.err, r
    assert "pw@" not in r.out + r.err


def test_a_bad_hook_id_is_a_usage_error(sandbox) -> None:
    r = sandbox.gi("webhook", "remove", "--id", "../../x")
    assert r.code == 2 and "--id" in r.err, r


def test_an_unknown_bridge_is_not_found(forge) -> None:
    for args in (("register", "nope", "--url", URL), ("list", "nope"), ("remove", "nope")):
        r = forge.gi(*args)
        assert r.code == 3 and "no bridge 'nope'" in r.err and "work" in r.err, r


def test_no_bridge_at_all_is_not_found(sandbox) -> None:
    for args in (("register", "--url", URL), ("list",), ("remove",)):
        r = sandbox.gi("webhook", *args)
        assert r.code == 3 and "gi bridge add" in r.err, r


def test_several_bridges_need_a_name(forge) -> None:
    f = forge
    r = f.sb.gi("bridge", "add", "more", "--platform", f.platform, "--url", f.fake.base_url,
                "--project", "acme/widgets")
    assert r.code == 0, r
    r = f.gi("register", "--url", URL)
    assert r.code == 2 and "more, work" in r.err and "gi webhook register more" in r.err, r
    assert f.ok("register", "work", "--url", URL)["bridge"] == "work"
    assert [h["bridge"] for h in f.ok("list")] == ["more", "work"]  # both see the one hook


def test_a_platform_without_webhook_management_is_a_usage_error(forge) -> None:
    """A bridge on a platform gi has no `HookAdmin` for is named; listing every bridge leaves
    it out with a warning."""
    f = forge
    for key, value in (("platform", "bitbucket"), ("url", "https://bitbucket.example.com"),
                       ("project", "acme/widgets")):
        r = f.sb.gi("config", "set", f"bridges.bb.{key}", value)
        assert r.code == 0, r
    for args in (("register", "bb", "--url", URL), ("list", "bb"), ("remove", "bb")):
        r = f.gi(*args, "--json")
        assert r.code == 2 and "bitbucket" in r.err, r
        assert r.err_json["error"]["code"] == "usage"
    f.ok("register", "work", "--url", URL)
    r = f.gi("list")
    assert r.code == 0 and "bitbucket" in r.err and URL in r.out, r


def test_a_detected_bridge_is_saved_by_register(sandbox) -> None:
    """`GITEA_TOKEN=… gi webhook register --url U` in a clone whose remote is on Gitea, with no
    bridge saved: the detected one is used and saved, as `gi bridge pull` does."""
    with FakeGitea(token=TOKEN) as fake:
        sandbox.git("remote", "add", "origin", f"{fake.base_url}/acme/widgets.git")
        env = {"GITEA_TOKEN": TOKEN, "GITEA_URL": fake.base_url}
        listed = sandbox.gi("webhook", "list", "--json", env=env)
        assert listed.code == 0 and listed.json == [], listed
        assert sandbox.gi("bridge", "list", "--json").json == []  # list saves nothing
        r = sandbox.gi("webhook", "register", "--url", URL, "--json", env=env)
        assert r.code == 0 and r.json["bridge"] == "gitea", r
        assert [b["name"] for b in sandbox.gi("bridge", "list", "--json").json] == ["gitea"]
        assert len(fake.state.hooks) == 1
        secret = next(iter(fake.state.hooks.values())).secret
        nowhere_in_the_repository(sandbox, secret)


def test_a_register_killed_after_the_create_is_replaced_by_the_next(forge) -> None:
    """Killed between the remote create and keeping its secret: that hook's secret is known to
    nobody, so the next register replaces it instead of adding a second one."""
    f = forge
    r = f.gi("register", "--url", URL, env={"GI_TEST_DIE_WEBHOOK_AFTER_CREATE": "1"})
    assert r.code == 137 and len(f.fake.state.hooks) == 1 and f.stored() == {}, r
    [lost] = f.fake.state.hooks
    again = f.ok("register", "--url", URL)
    assert again["action"] == "replaced" and again["removed"] == [{"id": str(lost),
                                                                    "url": URL}]
    [hook] = f.fake.state.hooks.values()
    assert hook.secret == f.stored()["secret"]


def test_registrations_at_once_keep_every_secret(sandbox) -> None:
    """Two bridges registered at the same moment, each writing the user config after reading
    it (a pause widens the window): both secrets stay."""
    with FakeGitea(token=TOKEN) as fake:
        for name in ("one", "two"):
            r = sandbox.gi("bridge", "add", name, "--platform", "gitea", "--url", fake.base_url,
                           "--project", "acme/widgets")
            assert r.code == 0, r
        env = {**sandbox.env, "GITEA_TOKEN": TOKEN, "GI_TEST_PAUSE_WEBHOOK_CONFIG_WRITE": "1"}
        procs = [subprocess.Popen([sandbox.gi_path, "webhook", "register", name, "--url",
                                   f"{URL}/{name}"], cwd=sandbox.repo, env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for name in ("one", "two")]
        for proc in procs:
            out, err = proc.communicate(timeout=120)
            assert proc.returncode == 0, (out, err)
        config = Path(sandbox.env["XDG_CONFIG_HOME"]) / "issue-facade" / "config.yaml"
        kept = yamlio.load_fast(config.read_text(), "config.yaml")["webhooks"]
        by_url = {h.url: h.secret for h in fake.state.hooks.values()}
        assert {kept[n]["secret"] for n in ("one", "two")} == {by_url[f"{URL}/one"],
                                                               by_url[f"{URL}/two"]}


class EchoingGitHub(FakeGitHub):
    """A server whose refusal repeats the request's secret back."""

    said = ""

    def create_github_hook(self, q):
        from fakes.server import ApiError

        self.said = q.body["config"]["secret"]
        raise ApiError(422, "secret", errors=[{"resource": "Hook", "code": "custom",
                                               "message": f"secret {self.said} is weak"}])


def test_a_server_repeating_the_secret_never_gets_it_printed(sandbox) -> None:
    with EchoingGitHub(token=TOKEN) as fake:
        r = sandbox.gi("bridge", "add", "hub", "--platform", "github", "--url", fake.base_url,
                       "--project", "acme/widgets")
        assert r.code == 0, r
        r = sandbox.gi("webhook", "register", "--url", URL, "--json",
                       env={"GITHUB_TOKEN": TOKEN, "GI_BRIDGE_PACE": "0"})
        assert r.code == 6 and fake.said and "is weak" in r.err, r
        assert fake.said not in r.out + r.err and "secret *** is weak" in r.err


def test_register_prints_the_hook_and_where_its_secret_is(sandbox) -> None:
    with FakeGitea(token=TOKEN) as fake:
        sandbox.gi("bridge", "add", "work", "--platform", "gitea", "--url", fake.base_url,
                   "--project", "acme/widgets")
        fake.state.add_hook(URL, ["push"])  # made by hand: its secret is not known here
        r = sandbox.gi("webhook", "register", "--url", URL, env={"GITEA_TOKEN": TOKEN})
        assert r.code == 0, r
        [hook] = fake.state.hooks.values()
        config = Path(sandbox.env["XDG_CONFIG_HOME"]) / "issue-facade" / "config.yaml"
        assert r.out.splitlines() == [
            f"work: created webhook {hook.id} posting issues,issue_comment to {URL}",
            f"work: removed webhook {hook.id - 1} ({URL})",
            f"its secret is webhooks.work.secret in {config} (gi webhook serve reads it there)"]
        assert hook.secret not in r.out + r.err
        r = sandbox.gi("webhook", "remove", env={"GITEA_TOKEN": TOKEN})
        assert r.code == 0 and r.out == f"work: webhook {hook.id} removed; forgot its secret " \
            f"({config})\n", r


def test_a_record_about_another_project_is_left_alone_until_register_replaces_it(sandbox):
    """The user config serves every repository: a `webhooks.work` record another repository's
    `work` bridge made (another project) is not this bridge's."""
    with FakeGitea(token=TOKEN) as fake:
        sandbox.gi("bridge", "add", "work", "--platform", "gitea", "--url", fake.base_url,
                   "--project", "acme/widgets")
        env = {"GITEA_TOKEN": TOKEN}
        r = sandbox.gi("webhook", "register", "--url", URL, env=env)
        assert r.code == 0, r
        config = Path(sandbox.env["XDG_CONFIG_HOME"]) / "issue-facade" / "config.yaml"
        elsewhere = config.read_text().replace("acme/widgets", "acme/elsewhere")
        config.write_text(elsewhere)
        listed = sandbox.gi("webhook", "list", "--json", env=env)
        assert [h["registered"] for h in listed.json] == [False], listed
        r = sandbox.gi("webhook", "remove", env=env)
        assert r.code == 3 and "acme/elsewhere, not this bridge's tracker: it is kept" in r.err
        assert config.read_text() == elsewhere and len(fake.state.hooks) == 1
        r = sandbox.gi("webhook", "register", "--url", URL, "--json", env=env)
        assert r.code == 0 and r.json["action"] == "replaced", r
        assert "acme/elsewhere was replaced" in r.err
        [hook] = fake.state.hooks.values()
        assert "acme/elsewhere" not in config.read_text() and hook.secret in config.read_text()
