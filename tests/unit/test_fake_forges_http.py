"""The fake forges behave as their APIs do over HTTP: pages and their headers, incremental pulls
by update time, token refusal, conditional GETs, and faults exactly where and as often as asked."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fakes.gitea import FakeGitea
from fakes.github import FakeGitHub
from fakes.gitlab import FakeGitLab

FORGES = {  # fake, the issue list's path, its page-size parameter
    "gitea": (FakeGitea, "/api/v1/repos/acme/widgets/issues", "limit"),
    "github": (FakeGitHub, "/repos/acme/widgets/issues", "per_page"),
    "gitlab": (FakeGitLab, "/api/v4/projects/acme%2Fwidgets/issues", "per_page"),
}


def follow(client: httpx.Client, url: str, params: dict[str, Any]) -> list[httpx.Response]:
    """Every page of a list, by its Link rel=next."""
    pages = [client.get(url, params=params)]
    while "next" in pages[-1].links:
        pages.append(client.get(pages[-1].links["next"]["url"]))
    return pages


def number(issue: dict[str, Any]) -> int:
    return issue.get("number") or issue["iid"]


@pytest.mark.parametrize("forge", FORGES)
def test_lists_page_through_every_issue(forge: str) -> None:
    cls, path, size = FORGES[forge]
    with cls() as fake, httpx.Client(base_url=fake.base_url, headers=fake.auth) as c:
        for n in range(7):
            fake.add_issue(f"issue {n}", state="closed" if n % 2 else "open")
        pages = follow(c, path, {"state": "all", size: 3})
        assert [p.status_code for p in pages] == [200, 200, 200]
        assert [[number(i) for i in p.json()] for p in pages] == [[7, 6, 5], [4, 3, 2], [1]]
        first, last = pages[0].headers, pages[-1].headers
        if forge == "gitea":
            assert first["X-Total-Count"] == "7"
        if forge == "gitlab":
            assert (first["X-Total"], first["X-Total-Pages"], first["X-Next-Page"]) == \
                ("7", "3", "2")
            assert (last["X-Page"], last["X-Next-Page"], last["X-Per-Page"]) == ("3", "", "3")
        assert 'rel="last"' in first["Link"] and "next" not in pages[-1].links
        open_only = follow(c, path, {"state": "opened" if forge == "gitlab" else "open"})
        assert sorted(number(i) for p in open_only for i in p.json()) == [1, 3, 5, 7]


def test_github_lists_pull_requests_and_gitea_filters_them() -> None:
    for cls, path, kw in [(FakeGitHub, FORGES["github"][1], {}),
                          (FakeGitea, FORGES["gitea"][1], {"type": "issues"})]:
        with cls() as fake:
            fake.add_issue("an issue")
            fake.add_issue("a pull request", pull_request=True)
            both = httpx.get(fake.base_url + path, headers=fake.auth).json()
            assert [("pull_request" in i and i["pull_request"] is not None) for i in both] == \
                [True, False]
            if kw:
                only = httpx.get(fake.base_url + path, params=kw, headers=fake.auth).json()
                assert [i["number"] for i in only] == [1]


@pytest.mark.parametrize("forge", FORGES)
def test_changes_advance_update_times_for_incremental_pulls(forge: str) -> None:
    cls, path, _ = FORGES[forge]
    since = "updated_after" if forge == "gitlab" else "since"
    with cls() as fake, httpx.Client(base_url=fake.base_url, headers=fake.auth) as c:
        for n in range(3):
            fake.add_issue(f"issue {n}")
        before = {number(i): i["updated_at"] for i in c.get(path, params={"state": "all"}).json()}
        cursor = max(before.values())
        url = f"{path}/2"
        edit = {"gitea": lambda: c.patch(url, json={"state": "closed"}),
                "github": lambda: c.patch(url, json={"state": "closed"}),
                "gitlab": lambda: c.put(url, json={"state_event": "close"})}[forge]
        changed = edit().json()
        assert changed["updated_at"] > cursor and changed["closed_at"] >= cursor
        assert changed["created_at"] == before[2]
        later = c.get(path, params={"state": "all", since: changed["updated_at"]}).json()
        assert [number(i) for i in later] == [2]


def test_gitlab_keyset_pages_and_uncounted_totals() -> None:
    cls, path, _ = FORGES["gitlab"]
    with cls() as fake, httpx.Client(base_url=fake.base_url, headers=fake.auth) as c:
        for n in range(5):
            fake.add_issue(f"issue {n}")
        c.put(f"{path}/2", json={"title": "touched again"})
        pages = follow(c, path, {"pagination": "keyset", "order_by": "updated_at",
                                 "sort": "asc", "per_page": 2})
        assert [[i["iid"] for i in p.json()] for p in pages] == [[1, 3], [4, 5], [2]]
        assert all("X-Total" not in p.headers and "cursor=" in p.links.get("next", {"url":
                   "cursor="})["url"] for p in pages)
        for n in range(10_000 - 5 + 1):
            fake.add_issue(f"bulk {n}")
        big = c.get(path, params={"per_page": 100, "page": 2})
        assert big.headers["X-Next-Page"] == "3" and "next" in big.links
        assert "X-Total" not in big.headers and "X-Total-Pages" not in big.headers
        assert 'rel="last"' not in big.headers["Link"]


@pytest.mark.parametrize("forge", FORGES)
def test_a_missing_or_wrong_token_is_refused(forge: str) -> None:
    cls, path, _ = FORGES[forge]
    other = {"gitea": {"Authorization": "Bearer T"}, "github": {"Authorization": "token T"},
             "gitlab": {"Authorization": "Bearer T"}}[forge]
    wrong = {k: v.replace("T", "nope") for k, v in other.items()}
    with cls(token="T") as fake:
        assert httpx.get(fake.base_url + path).status_code == 401
        assert httpx.get(fake.base_url + path, headers=wrong).status_code == 401
        assert httpx.get(fake.base_url + path, headers=other).status_code == 200
        assert httpx.get(fake.base_url + path, headers=fake.auth).status_code == 200
        assert [r.status for r in fake.requests] == [401, 401, 200, 200]


@pytest.mark.parametrize("forge", ["github", "gitlab"])
def test_a_matching_etag_is_a_304_without_body(forge: str) -> None:
    cls, path, _ = FORGES[forge]
    remaining = "x-ratelimit-remaining" if forge == "github" else "ratelimit-remaining"
    with cls() as fake, httpx.Client(base_url=fake.base_url, headers=fake.auth) as c:
        fake.add_issue("one")
        first = c.get(f"{path}/1")
        tag = first.headers["ETag"]
        again = c.get(f"{path}/1", headers={"If-None-Match": tag})
        assert (again.status_code, again.content, again.headers["ETag"]) == (304, b"", tag)
        if forge == "github":
            assert again.headers[remaining] == first.headers[remaining]
        assert c.get(f"{path}/1", headers={"If-None-Match": 'W/"other"'}).status_code == 200
        fake.add_comment(1, "changes the issue")
        changed = c.get(f"{path}/1", headers={"If-None-Match": tag})
        assert changed.status_code == 200 and changed.headers["ETag"] != tag
        if forge == "github":
            assert int(changed.headers[remaining]) == int(first.headers[remaining]) - 2


@pytest.mark.parametrize("forge", FORGES)
def test_a_fault_hits_only_where_and_as_often_as_asked(forge: str) -> None:
    cls, path, size = FORGES[forge]
    with cls() as fake, httpx.Client(base_url=fake.base_url, headers=fake.auth) as c:
        for n in range(9):
            fake.add_issue(f"issue {n}")
        fake.fail(500, path=r"[?&]page=3\b", times=2)
        fake.fail(429, method="POST", headers={"Retry-After": "2"})
        statuses = [c.get(path, params={size: 2, "page": p}).status_code for p in (1, 2, 3, 4)]
        assert statuses == [200, 200, 500, 200]
        assert c.get(path, params={size: 2, "page": 3}).status_code == 500
        assert c.get(path, params={size: 2, "page": 3}).status_code == 200
        limited = c.post(path, json={"title": "x"})
        assert (limited.status_code, limited.headers["Retry-After"]) == (429, "2")
        assert c.post(path, json={"title": "x"}).status_code == 201
        assert fake.count("GET", r"/issues$") == 6 and fake.count("POST") == 2
        assert [r.status for r in fake.requests if r.status >= 400] == [500, 500, 429]
        assert fake.requests[2].query == {size: "2", "page": "3"}


def test_github_secondary_rate_limit_403() -> None:
    body = {"message": "You have exceeded a secondary rate limit. Please wait a few minutes "
                       "before you try again.", "documentation_url": "https://docs.github.com/"
                       "rest/overview/rate-limits-for-the-rest-api", "status": "403"}
    with FakeGitHub() as fake:
        fake.fail(403, path="/issues", headers={"retry-after": "60"}, body=body)
        r = httpx.get(fake.base_url + FORGES["github"][1], headers=fake.auth)
        assert (r.status_code, r.headers["retry-after"], r.json()) == (403, "60", body)
        assert r.headers["x-ratelimit-resource"] == "core"
        assert httpx.get(fake.base_url + FORGES["github"][1], headers=fake.auth).is_success
