"""The bridges' pagination schemes and conditional GETs (SPEC §8), on a real local server.

Header names and shapes are those of the recorded exchanges: GitHub `Link` with rel="next" and
rel="last", Gitea `X-Total-Count`, GitLab `X-Next-Page` and weak ETags.
"""

from __future__ import annotations

import json

import pytest
from fakehttp import Kit, script

from gitissues.bridges.http import EtagCache
from gitissues.errors import RemoteError

ROWS = [{"id": n} for n in range(1, 8)]  # 7 rows, pages of 3: 3 + 3 + 1


@pytest.fixture
def kit():
    k = Kit()
    yield k
    k.close()


def _page(seen) -> int:
    return int(seen.query.get("page", "1"))


def _flaky_page_3(answer):
    """The first request for page 3 fails with a 500; the retry gets the real answer."""
    failed: list[int] = []

    def flaky(seen):
        if _page(seen) == 3 and not failed:
            failed.append(3)
            return 500, {}, {"message": "500 Internal Server Error"}
        return answer(seen)

    return flaky


def test_link_scheme_follows_rel_next_across_pages_and_retries_page_3(kit: Kit):
    def answer(seen):
        page = _page(seen)
        base = f"{server.url}/repos/o/r/issues?state=all&per_page=3"
        links = []
        if page < 3:
            links.append(f'<{base}&page={page + 1}>; rel="next"')
        links.append(f'<{base}&page=3>; rel="last"')
        return 200, {"Link": ", ".join(links), "X-RateLimit-Remaining": "4990"}, \
            ROWS[(page - 1) * 3:page * 3]

    server = kit.serve(_flaky_page_3(answer))
    http = kit.http(server.url)
    got = list(http.pages("/repos/o/r/issues", {"state": "all", "per_page": 3}))
    assert got == ROWS
    assert [_page(s) for s in server.seen] == [1, 2, 3, 3]
    assert [s.query["state"] for s in server.seen] == ["all"] * 4
    assert http.requests == 4 and len(kit.clock.sleeps) == 1


def test_total_count_scheme_counts_gitea_rows_and_retries_page_3(kit: Kit):
    def answer(seen):
        page, limit = _page(seen), int(seen.query["limit"])
        rows = ROWS[(page - 1) * limit:page * limit]
        return 200, {"Access-Control-Expose-Headers": "X-Total-Count",
                     "X-Total-Count": str(len(ROWS))}, rows

    server = kit.serve(_flaky_page_3(answer))
    got = list(kit.http(server.url).pages("/api/v1/repos/o/r/issues",
                                          {"limit": 3, "type": "issues"}, scheme="total-count"))
    assert got == ROWS
    assert [_page(s) for s in server.seen] == [1, 2, 3, 3]


def test_total_count_stops_when_all_are_counted_without_an_extra_request(kit: Kit):
    server = kit.serve(lambda seen: (200, {"X-Total-Count": "6"}, ROWS[(_page(seen) - 1) * 3:
                                                                      _page(seen) * 3]))
    got = list(kit.http(server.url).pages("/x", scheme="total-count"))  # no limit param
    assert got == ROWS[:6] and len(server.seen) == 2


def test_total_count_without_the_header_stops_at_an_empty_page(kit: Kit):
    server = kit.serve(lambda seen: (200, {}, ROWS[(_page(seen) - 1) * 3:_page(seen) * 3]))
    got = list(kit.http(server.url).pages("/x", scheme="total-count"))
    assert got == ROWS and [_page(s) for s in server.seen] == [1, 2, 3, 4]


def test_next_page_scheme_follows_gitlab_x_next_page_and_retries_page_3(kit: Kit):
    def answer(seen):
        page = _page(seen)
        headers = {"X-Page": str(page), "X-Per-Page": "3", "X-Prev-Page": str(page - 1 or ""),
                   "X-Next-Page": str(page + 1) if page < 3 else ""}
        return 200, headers, ROWS[(page - 1) * 3:page * 3]  # no X-Total: past 10,000 rows

    server = kit.serve(_flaky_page_3(answer))
    got = list(kit.http(server.url).pages("/api/v4/projects/7/issues", {"per_page": 3},
                                          scheme="next-page"))
    assert got == ROWS
    assert [_page(s) for s in server.seen] == [1, 2, 3, 3]


def test_next_page_scheme_with_keyset_follows_the_link_header(kit: Kit):
    cursors = {None: ("a", ROWS[:3]), "a": ("b", ROWS[3:6]), "b": (None, ROWS[6:])}

    def answer(seen):
        after, rows = cursors[seen.query.get("id_after")]
        headers = {}
        if after:
            headers["Link"] = (f'<{server.url}/api/v4/projects/7/issues?id_after={after}'
                               '&order_by=id&pagination=keyset&per_page=3&sort=asc>; rel="next"')
        return 200, headers, rows

    server = kit.serve(answer)
    got = list(kit.http(server.url).pages(
        "/api/v4/projects/7/issues",
        {"pagination": "keyset", "per_page": 3, "order_by": "id", "sort": "asc"},
        scheme="next-page"))
    assert got == ROWS and len(server.seen) == 3


def test_pages_are_fetched_only_as_the_caller_reads(kit: Kit):
    server = kit.serve(lambda seen: (200, {"X-Next-Page": str(_page(seen) + 1)}, ROWS[:3]))
    items = kit.http(server.url).pages("/x", scheme="next-page")
    assert [next(items) for _ in range(4)] == ROWS[:3] + ROWS[:1]
    assert len(server.seen) == 2


def test_a_page_that_is_not_a_list_is_a_remote_error(kit: Kit):
    server = kit.serve(script((200, {}, {"total_count": 1, "items": []})))
    with pytest.raises(RemoteError) as caught:
        list(kit.http(server.url).pages("/search/issues", {"q": "x"}))
    assert "is not a JSON list but dict" in caught.value.message


def test_a_next_link_to_another_server_is_refused(kit: Kit):
    thief = kit.serve(script())
    server = kit.serve(script((200, {"Link": f'<{thief.url}/steal?page=2>; rel="next"'}, ROWS)))
    http = kit.http(server.url, headers={"Authorization": "token gho_abcdef"})
    with pytest.raises(RemoteError) as caught:
        list(http.pages("/x"))
    assert "the next page is on another server" in caught.value.message
    assert thief.seen == []


def test_a_link_that_loops_back_is_a_remote_error(kit: Kit):
    server = kit.serve(lambda seen: (200, {"Link": f'<{server.url}/x?page=1>; rel="next"'}, ROWS))
    with pytest.raises(RemoteError) as caught:
        list(kit.http(server.url).pages("/x", {"page": 1}))
    assert "loop back" in caught.value.message and len(server.seen) == 2


def test_an_unknown_scheme_is_a_programming_error(kit: Kit):
    server = kit.serve(lambda seen: (200, {}, ROWS))
    with pytest.raises(ValueError, match="unknown pagination scheme"):
        list(kit.http(server.url).pages("/x", scheme="cursor"))


# -- conditional requests ----------------------------------------------------------------------

GITLAB_ETAG = 'W/"add54269ca3bfda0908ec842e6ac52f5"'  # from gitlab/sourcegraph-vcr
PROJECT = {"id": 2009901, "path_with_namespace": "gitlab-org/gitaly"}


def _conditional(seen):
    if seen.headers.get("if-none-match") == GITLAB_ETAG:
        return 304, {"Etag": GITLAB_ETAG}, None
    return 200, {"Etag": GITLAB_ETAG, "Cache-Control": "max-age=0, private, must-revalidate"}, \
        PROJECT


def test_get_json_sends_if_none_match_and_a_304_returns_the_cached_body(kit: Kit):
    server = kit.serve(_conditional)
    http = kit.http(server.url)
    assert http.get_json("/api/v4/projects/gitlab-org%2Fgitaly") == PROJECT
    assert http.get_json("/api/v4/projects/gitlab-org%2Fgitaly") == PROJECT
    assert [s.headers.get("if-none-match") for s in server.seen] == [None, GITLAB_ETAG]
    assert http.requests == 2  # a 304 is a request too (one that costs no GitHub quota)


def test_the_etag_key_sorts_params(kit: Kit):
    server = kit.serve(_conditional)
    http = kit.http(server.url)
    http.get_json("/issues", {"state": "all", "labels": "bug"})
    http.get_json("/issues", {"labels": "bug", "state": "all"})
    http.get_json("/issues", {"labels": "bug"})
    assert [s.headers.get("if-none-match") for s in server.seen] == [None, GITLAB_ETAG, None]


def test_the_etag_cache_survives_a_save_and_load(kit: Kit, tmp_path):
    server = kit.serve(_conditional)
    path = tmp_path / "state" / "etags.json"
    first = kit.http(server.url)
    first.get_json("/p")
    first.etags.save(path)
    assert [p.name for p in path.parent.iterdir()] == ["etags.json"]  # no temp file left
    assert json.loads(path.read_text()) == {"/p": [GITLAB_ETAG, PROJECT]}
    second = kit.http(server.url, etags=EtagCache.load(path))
    assert second.get_json("/p") == PROJECT
    assert server.seen[-1].headers["if-none-match"] == GITLAB_ETAG
    assert [s.headers.get("if-none-match") for s in server.seen] == [None, GITLAB_ETAG]


@pytest.mark.parametrize("text", [None, "", "{not json", "[1, 2]", '{"k": "no pair"}'])
def test_a_missing_or_damaged_cache_loads_empty(tmp_path, text):
    path = tmp_path / "etags.json"
    if text is not None:
        path.write_text(text)
    assert len(EtagCache.load(path)) == 0


def test_a_304_without_a_cached_copy_is_a_remote_error(kit: Kit):
    server = kit.serve(script((304, {}, None)))
    with pytest.raises(RemoteError, match="without a cached copy"):
        kit.http(server.url).get_json("/p")


def test_a_body_that_is_not_json_is_a_remote_error(kit: Kit):
    server = kit.serve(script((200, {"Content-Type": "text/html"}, "<html>login</html>")))
    with pytest.raises(RemoteError, match="not JSON"):
        kit.http(server.url).get_json("/p")


def test_a_query_in_the_url_is_kept_alongside_params_on_every_page(kit: Kit):
    server = kit.serve(lambda seen: (200, {"X-Total-Count": "7"},
                                     ROWS[(_page(seen) - 1) * 3:_page(seen) * 3]))
    got = list(kit.http(server.url).pages("/issues?limit=3&state=all", {"type": "issues"},
                                          scheme="total-count"))
    assert got == ROWS
    assert [s.query for s in server.seen] == [
        {"limit": "3", "state": "all", "type": "issues"},
        {"limit": "3", "state": "all", "type": "issues", "page": "2"},
        {"limit": "3", "state": "all", "type": "issues", "page": "3"}]
