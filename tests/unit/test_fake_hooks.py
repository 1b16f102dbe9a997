"""The fake forges' webhook routes answer as the real APIs do: the shapes of the official
descriptions (Gitea/Forgejo swagger `Hook`, GitHub's `hook`, GitLab's documented hook object),
their refusals of a request without a required field, 401 without a token, 404 for a hook that
is not there, and lists paged with `Link`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fakes.gitea import FakeGitea
from fakes.github import FakeGitHub
from fakes.gitlab import FakeGitLab
from fakes.schemas import check, gitea_schema, github_full_schema, github_schema

# The hook object of GitLab's doc/api/project_webhooks.md ("Get a project webhook"); GitLab
# publishes no JSON schema for it in ../shared, so its documented fields and types are checked.
GITLAB_HOOK = {"type": "object", "required": [
    "id", "url", "name", "description", "project_id", "push_events",
    "push_events_branch_filter", "issues_events", "confidential_issues_events",
    "merge_requests_events", "tag_push_events", "note_events", "confidential_note_events",
    "job_events", "pipeline_events", "wiki_page_events", "deployment_events",
    "releases_events", "feature_flag_events", "enable_ssl_verification",
    "repository_update_events", "alert_status", "disabled_until", "url_variables",
    "created_at", "resource_access_token_events", "custom_webhook_template", "custom_headers"],
    "properties": {
        "id": {"type": "integer"}, "project_id": {"type": "integer"}, "url": {"type": "string"},
        "name": {"type": "string"}, "description": {"type": "string"},
        "alert_status": {"enum": ["executable", "disabled", "temporarily_disabled"]},
        "disabled_until": {"type": ["string", "null"]},
        "push_events_branch_filter": {"type": ["string", "null"]},
        "custom_webhook_template": {"type": ["string", "null"]},
        "url_variables": {"type": "array"}, "custom_headers": {"type": "array"},
        "created_at": {"type": "string", "format": "date-time"}},
    "patternProperties": {"_events$": {"type": "boolean"},
                          "^enable_ssl_verification$": {"type": "boolean"}}}

FAKES = {  # the fake, the API root, the hooks resource under it
    "gitea": (lambda: FakeGitea(), "/api/v1", "/repos/acme/widgets/hooks"),
    "forgejo": (lambda: FakeGitea(flavor="forgejo"), "/api/v1", "/repos/acme/widgets/hooks"),
    "github": (lambda: FakeGitHub(), "", "/repos/acme/widgets/hooks"),
    "gitlab": (lambda: FakeGitLab(), "/api/v4", "/projects/acme%2Fwidgets/hooks"),
}
CREATE = {  # a valid request creating a hook for issues and comments
    "gitea": {"type": "gitea", "active": True, "events": ["issues", "issue_comment"],
              "config": {"url": "https://h.example/g", "content_type": "json", "secret": "s"}},
    "github": {"name": "web", "active": True, "events": ["issues", "issue_comment"],
               "config": {"url": "https://h.example/g", "content_type": "json", "secret": "s",
                          "insecure_ssl": "0"}},
    "gitlab": {"url": "https://h.example/g", "token": "s", "issues_events": True,
               "note_events": True, "push_events": False, "enable_ssl_verification": True},
}
CREATE["forgejo"] = CREATE["gitea"]


@pytest.fixture(params=FAKES)
def forge(request: pytest.FixtureRequest) -> Iterator[tuple[str, Any, httpx.Client, str]]:
    make, root, path = FAKES[request.param]
    with make() as fake, httpx.Client(base_url=fake.base_url + root, headers=fake.auth) as c:
        yield request.param, fake, c, path


def fits(kind: str, hook: dict[str, Any]) -> None:
    if kind in ("gitea", "forgejo"):
        check(hook, gitea_schema(kind, "Hook"))
    elif kind == "github":
        check(hook, github_full_schema("hook"))
    else:
        check(hook, GITLAB_HOOK)


def test_created_listed_fetched_and_deleted_in_the_real_shapes(forge) -> None:
    kind, fake, c, path = forge
    made = c.post(path, json=CREATE[kind])
    assert made.status_code == 201, made.text
    hook = made.json()
    fits(kind, hook)
    kept = fake.state.hooks[hook["id"]]
    assert (kept.url, kept.secret, kept.active) == ("https://h.example/g", "s", True)
    assert "s" not in {str(v) for v in hook.values()} and '"s"' not in made.text
    if kind == "gitlab":
        assert (hook["issues_events"], hook["note_events"], hook["push_events"]) == \
            (True, True, False)
    else:
        assert hook["events"] == ["issues", "issue_comment"]
    listed = c.get(path)
    assert listed.status_code == 200 and [h["id"] for h in listed.json()] == [hook["id"]]
    for value in listed.json():
        fits(kind, value)
    fetched = c.get(f"{path}/{hook['id']}")
    assert fetched.status_code == 200 and fetched.json() == hook
    assert c.delete(f"{path}/{hook['id']}").status_code == 204
    assert c.delete(f"{path}/{hook['id']}").status_code == 404
    assert c.get(f"{path}/{hook['id']}").status_code == 404
    assert fake.state.hooks == {}


def test_lists_are_paged_with_link(forge) -> None:
    kind, fake, c, path = forge
    for n in range(5):
        fake.state.add_hook(f"https://h.example/{n}", ["issues"])
    size = "limit" if kind in ("gitea", "forgejo") else "per_page"
    pages = [c.get(path, params={size: 2})]
    while "next" in pages[-1].links:
        pages.append(c.get(pages[-1].links["next"]["url"]))
    assert [len(p.json()) for p in pages] == [2, 2, 1]
    assert sorted(h["id"] for p in pages for h in p.json()) == sorted(fake.state.hooks)


def test_a_request_without_a_token_is_401(forge) -> None:
    kind, fake, c, path = forge
    root = FAKES[kind][1]
    assert httpx.get(fake.base_url + root + path).status_code == 401
    assert httpx.post(fake.base_url + root + path, json=CREATE[kind]).status_code == 401
    assert fake.state.hooks == {}


def test_a_hook_without_its_required_fields_is_refused_as_the_api_does(forge) -> None:
    kind, fake, c, path = forge
    if kind in ("gitea", "forgejo"):
        for body, said in [({"config": {"url": "u", "content_type": "json"}}, "Type"),
                           ({"type": "gitea"}, "Config"),
                           ({"type": "gitea", "config": {"content_type": "json"}}, "url"),
                           ({"type": "gitea", "config": {"url": "u"}}, "content_type"),
                           ({"type": "nope", "config": {"url": "u", "content_type": "json"}},
                            "Invalid hook type")]:
            r = c.post(path, json=body)
            assert r.status_code == 422 and said in r.json()["message"], (body, r.text)
            check(r.json(), gitea_schema("forgejo", "APIValidationError"))
    elif kind == "github":
        r = c.post(path, json={"events": ["issues"], "config": {}})
        assert r.status_code == 422 and r.json()["message"] == "Validation Failed"
        check(r.json(), github_schema("validation-error", strict=False))
        assert c.post(path, json=CREATE[kind]).status_code == 201
        again = c.post(path, json=CREATE[kind])
        assert again.status_code == 422
        assert again.json()["errors"][0]["message"] == "Hook already exists on this repository"
    else:
        r = c.post(path, json={"token": "s"})
        assert (r.status_code, r.json()) == (400, {"error": "url is missing"})
    assert len(fake.state.hooks) == (1 if kind == "github" else 0)


def test_defaults_are_the_apis_own(forge) -> None:
    """What a request leaves out: Gitea makes an inactive push hook, GitHub an active push
    hook, GitLab a push hook."""
    kind, fake, c, path = forge
    body = {"gitea": {"type": "gitea", "config": {"url": "u", "content_type": "json"}},
            "github": {"config": {"url": "u"}}, "gitlab": {"url": "u"}}[
        "gitea" if kind == "forgejo" else kind]
    hook = c.post(path, json=body).json()
    kept = fake.state.hooks[hook["id"]]
    assert kept.events == ["push"]
    assert kept.active is (kind in ("github", "gitlab"))
