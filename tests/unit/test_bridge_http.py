"""The bridges' HTTP policy (SPEC §8, §4): retries, rate limits, error mapping, pacing.

A real HTTP server on 127.0.0.1 answers in the shapes of the recorded GitHub, GitLab and Gitea
exchanges; a real httpx.Client talks to it; waits go to a fake clock and are recorded.
"""

from __future__ import annotations

from email.utils import formatdate

import httpx
import pytest
from fakehttp import NOW, STALL, Kit, http_transcript, pygithub_exchanges, recorded_dir, script

from gitissues.bridges.http import Http, server_message
from gitissues.errors import AuthError, NotFound, RemoteError

# Connecting may be slow on a loaded machine; only waiting for the answer must time out.
READ_TIMEOUT = httpx.Timeout(10.0, read=0.2)
ISSUES = [{"number": 1, "title": "first"}]
GITHUB_LIMITS = {"X-RateLimit-Limit": "5000", "X-RateLimit-Remaining": "4992",
                 "X-RateLimit-Reset": str(int(NOW) + 3000)}


@pytest.fixture
def kit():
    k = Kit()
    yield k
    k.close()


def recorded(*parts: str):
    base = recorded_dir()
    if base is None:
        pytest.skip("shared/recorded (the recorded API exchanges) is not next to this checkout")
    return base.joinpath(*parts)


# -- retries ---------------------------------------------------------------------------------

def test_get_is_retried_on_5xx_then_succeeds(kit: Kit):
    server = kit.serve(script((500, {}, {"message": "boom"}), (502, {}, "<html>bad gateway"),
                              (200, GITHUB_LIMITS, ISSUES)))
    http = kit.http(server.url)
    assert http.request("GET", "/repos/o/r/issues").json() == ISSUES
    assert len(server.seen) == 3 and http.requests == 3
    assert len(kit.clock.sleeps) == 2
    assert all(0 < s <= http.max_wait for s in kit.clock.sleeps)
    assert "gi: bridge work: server error 500 on GET" in kit.clock.said[0]
    assert "waiting" in kit.clock.said[0]


def test_backoff_grows_and_stays_under_max_wait(kit: Kit):
    server = kit.serve(lambda seen: (503, {}, {"message": "down"}))
    http = kit.http(server.url, retries=8, max_wait=5.0)
    with pytest.raises(RemoteError) as caught:
        http.request("GET", "/x")
    assert len(server.seen) == 9 and len(kit.clock.sleeps) == 8
    assert all(0 < s <= 5.0 for s in kit.clock.sleeps)
    assert kit.clock.sleeps[-1] >= 2.5  # capped at 5 s, half of it fixed
    assert "server error 503" in caught.value.message and "gave up after 9 attempts" in str(
        caught.value)


@pytest.mark.parametrize("method", ["POST", "PATCH"])
def test_post_and_patch_are_not_retried_on_5xx(kit: Kit, method: str):
    server = kit.serve(script((500, {}, {"message": "Server Error"})))
    http = kit.http(server.url)
    with pytest.raises(RemoteError) as caught:
        http.request(method, "/repos/o/r/issues", json={"title": "t"})
    assert caught.value.exit_code == 6
    assert f"bridge work: server error 500 on {method} {server.url}/repos/o/r/issues" in str(
        caught.value)
    assert len(server.seen) == 1 and kit.clock.sleeps == []


def test_post_is_retried_on_5xx_when_the_caller_says_it_is_idempotent(kit: Kit):
    server = kit.serve(script((502, {}, ""), (201, {}, {"id": 5})))
    http = kit.http(server.url)
    assert http.request("POST", "/graphql", json={}, idempotent=True).json() == {"id": 5}
    assert len(server.seen) == 2


def test_get_is_not_retried_when_the_caller_says_it_is_not_idempotent(kit: Kit):
    server = kit.serve(script((500, {}, {})))
    with pytest.raises(RemoteError):
        kit.http(server.url).request("GET", "/x", idempotent=False)
    assert len(server.seen) == 1


def test_post_is_retried_on_429_with_retry_after_seconds(kit: Kit):
    server = kit.serve(script((429, {"Retry-After": "7"}, {"message": "slow down"}),
                              (201, {}, {"number": 9})))
    http = kit.http(server.url)
    assert http.request("POST", "/repos/o/r/issues", json={"title": "t"}).json() == {"number": 9}
    assert kit.clock.sleeps == [7.0]
    assert kit.clock.said == ["gi: bridge work: rate limited, waiting 7 s"]
    assert [s.body for s in server.seen] == [b'{"title":"t"}'] * 2


def test_retry_after_as_an_http_date(kit: Kit):
    later = formatdate(NOW + 12, usegmt=True)  # "Tue, 14 Nov 2023 22:13:32 GMT"
    server = kit.serve(script((429, {"Retry-After": later}, {}), (200, {}, [])))
    kit.http(server.url).request("GET", "/x")
    assert kit.clock.sleeps == [12.0]


def test_gitlab_429_transcript_waits_for_ratelimit_reset_even_for_a_post(kit: Kit):
    status, headers, body = http_transcript(recorded(
        "gitlab", "issue-transcripts", "gitlab.com_429_project_export_2020-01-30.http"))
    kit.clock.now = 1580393656.0  # its Date: Thu, 30 Jan 2020 14:14:16 GMT
    server = kit.serve(script((status, headers, body), (202, {}, {"message": "202 Accepted"})))
    http = kit.http(server.url, max_wait=90)
    http.request("POST", "/api/v4/projects/1/export")
    assert kit.clock.sleeps == [61.0]  # RateLimit-Reset 1580393717 = 14:15:17
    assert len(server.seen) == 2


def test_gitlab_429_transcript_longer_than_max_wait_names_the_reset(kit: Kit):
    status, headers, body = http_transcript(recorded(
        "gitlab", "issue-transcripts", "gitlab.com_429_project_export_2020-01-30.http"))
    kit.clock.now = 1580393656.0
    server = kit.serve(script((status, headers, body)))
    with pytest.raises(RemoteError) as caught:
        kit.http(server.url, max_wait=60).request("POST", "/api/v4/projects/1/export")
    assert caught.value.exit_code == 6
    assert "rate limited (429) until 2020-01-30T14:15:17Z" in caught.value.message
    assert "more than the 60 s" in caught.value.message
    assert kit.clock.sleeps == [] and len(server.seen) == 1


def test_github_secondary_limit_403_with_retry_after_is_waited_out(kit: Kit):
    exchanges = pygithub_exchanges(recorded("github", "pygithub-replaydata",
                                            "SpecificExceptions.testAuthenticatedRateLimitExceeded.txt"))
    status, headers, body = exchanges[1]
    assert status == 403 and ("Retry-After", "60") in headers
    server = kit.serve(script((status, headers, body), (200, GITHUB_LIMITS, ISSUES)))
    http = kit.http(server.url)
    assert http.request("POST", "/repos/o/r/issues", json={}).json() == ISSUES
    assert kit.clock.sleeps == [60.0]
    assert kit.clock.said == ["gi: bridge work: rate limited, waiting 60 s"]


def test_github_primary_limit_403_with_remaining_0_waits_for_x_ratelimit_reset(kit: Kit):
    spent = {**GITHUB_LIMITS, "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(NOW) + 25)}
    server = kit.serve(script((403, spent, {"message": "API rate limit exceeded for user ID 1."}),
                              (200, GITHUB_LIMITS, ISSUES)))
    assert kit.http(server.url).request("GET", "/x").json() == ISSUES
    assert kit.clock.sleeps == [25.0]  # once, not again before the retry


def test_remaining_0_makes_the_next_request_wait_for_the_reset(kit: Kit):
    times: list[float] = []

    def answer(seen):
        times.append(kit.clock.now)
        if len(times) == 1:
            return 200, {"RateLimit-Remaining": "0", "RateLimit-Reset": str(int(NOW) + 30)}, ISSUES
        return 200, {"RateLimit-Remaining": "599"}, ISSUES

    server = kit.serve(answer)
    http = kit.http(server.url)
    http.request("GET", "/a")
    assert kit.clock.sleeps == []
    http.request("GET", "/b")
    http.request("GET", "/c")
    assert kit.clock.sleeps == [30.0] and times == [NOW, NOW + 30, NOW + 30]
    assert kit.clock.said == ["gi: bridge work: rate limited, waiting 30 s"]


def test_remaining_0_with_a_reset_beyond_max_wait_stops_before_the_next_request(kit: Kit):
    reset = int(NOW) + 3600
    server = kit.serve(script((200, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(reset)},
                               ISSUES)))
    http = kit.http(server.url)
    http.request("GET", "/a")
    with pytest.raises(RemoteError) as caught:
        http.request("GET", "/b")
    assert "rate limited until 2023-11-14T23:13:20Z" in caught.value.message
    assert len(server.seen) == 1


def test_429_without_headers_backs_off_and_gives_up_after_retries(kit: Kit):
    server = kit.serve(lambda seen: (429, {}, {"message": "Too Many Requests"}))
    with pytest.raises(RemoteError) as caught:
        kit.http(server.url, retries=2).request("POST", "/x")
    assert len(server.seen) == 3 and len(kit.clock.sleeps) == 2
    assert all(1.0 <= s <= 60 for s in kit.clock.sleeps)
    assert "still rate limited (429)" in caught.value.message


def test_pace_keeps_seconds_between_posts_only(kit: Kit):
    server = kit.serve(lambda seen: (201 if seen.method == "POST" else 200, {}, {}))
    http = kit.http(server.url, pace=1.0)
    http.request("POST", "/a")
    http.request("GET", "/b")
    http.request("POST", "/c")
    kit.clock.now += 5  # time passed on its own: no wait needed
    http.request("POST", "/d")
    assert kit.clock.sleeps == [1.0]


def test_waits_are_said_on_stderr_by_default(kit: Kit, capsys):
    server = kit.serve(script((429, {"Retry-After": "0"}, {}), (200, {}, [])))
    client = httpx.Client(base_url=server.url)
    kit.clients.append(client)
    Http(client, bridge="work", sleep=kit.clock.sleep, clock=kit.clock.time).request("GET", "/x")
    assert capsys.readouterr().err == "gi: bridge work: rate limited, waiting 1 s\n"


# -- errors ----------------------------------------------------------------------------------

def test_401_is_an_auth_error_naming_the_variable(kit: Kit):
    status, headers, body = 401, {"status": "401 Unauthorized"}, '{"message":"Bad credentials"}'
    server = kit.serve(script((status, headers, body)))
    with pytest.raises(AuthError) as caught:
        kit.http(server.url).request("GET", "/user")
    assert caught.value.exit_code == 7
    assert caught.value.message == (
        "bridge work: the server refused the token (401: Bad credentials); set GITEA_TOKEN")
    assert len(server.seen) == 1


def test_403_that_is_not_a_limit_is_a_permission_error_with_the_servers_words(kit: Kit):
    server = kit.serve(script((403, GITHUB_LIMITS, {"message": "Must have admin rights to "
                                                    "Repository.", "documentation_url": "x"})))
    with pytest.raises(AuthError) as caught:
        kit.http(server.url).request("POST", "/repos/o/r/labels", json={})
    assert "permission denied (403) on POST" in caught.value.message
    assert caught.value.message.endswith(": Must have admin rights to Repository.")
    assert kit.clock.sleeps == []


def test_404_is_not_found(kit: Kit):
    server = kit.serve(script((404, GITHUB_LIMITS, '{"message":"Not Found"}')))
    with pytest.raises(NotFound) as caught:
        kit.http(server.url).request("GET", "/repos/jacquev6/Xxx")
    assert caught.value.exit_code == 3
    assert caught.value.message == (
        f"bridge work: not found (404): GET {server.url}/repos/jacquev6/Xxx: Not Found")


def test_422_is_a_remote_error_with_the_servers_message(kit: Kit):
    body = ('{"message":"Validation Failed","errors":[{"field":"key","resource":"PublicKey",'
            '"message":"key is invalid. It must begin with \'ssh-rsa\' or \'ssh-dss\'.",'
            '"code":"custom"}]}')
    server = kit.serve(script((422, {}, body)))
    with pytest.raises(RemoteError) as caught:
        kit.http(server.url).request("POST", "/user/keys", json={"key": "xxx"})
    assert caught.value.exit_code == 6
    assert caught.value.message == (
        f"bridge work: POST {server.url}/user/keys refused (422): Validation Failed; "
        "key is invalid. It must begin with 'ssh-rsa' or 'ssh-dss'.")
    assert caught.value.to_json()["error"]["status"] == 422


@pytest.mark.parametrize("body, words", [
    ('{"message":{"error":"This endpoint has been requested too many times."}}',
     "error: This endpoint has been requested too many times."),  # GitLab
    ('{"message":{"title":["can\'t be blank"]}}', "title: can't be blank"),  # GitLab 400
    ('{"error":"invalid_token","error_description":"Token was revoked."}',
     "Token was revoked.; invalid_token"),  # GitLab 401
    ('{"errorMessages":["Issue does not exist"],"errors":{}}', "Issue does not exist"),  # Jira
    ('{"errorMessages":[],"errors":{"summary":"You must specify a summary."}}',
     "summary: You must specify a summary."),  # Jira 400
    ('{"errors":[{"message":"Entity not found","extensions":{}}]}', "Entity not found"),  # Linear
    ("<html><body>Bad   Gateway</body></html>", "<html><body>Bad Gateway</body></html>"),
])
def test_server_message_reads_each_trackers_error_shape(kit: Kit, body: str, words: str):
    server = kit.serve(script((400, {}, body)))
    response = kit.http(server.url).client.get("/x")
    assert server_message(response) == words


def test_timeout_is_retried_for_get_then_a_remote_error(kit: Kit):
    server = kit.serve(lambda seen: (200, {}, STALL))
    http = kit.http(server.url, timeout=READ_TIMEOUT, retries=2)
    with pytest.raises(RemoteError) as caught:
        http.request("GET", "/slow")
    assert caught.value.exit_code == 6
    assert caught.value.message.startswith(f"bridge work: timed out on GET {server.url}/slow")
    assert "gave up after 3 attempts" in caught.value.message
    assert len(server.seen) == 3 and len(kit.clock.sleeps) == 2 and http.requests == 3


def test_timeout_of_a_post_is_not_retried(kit: Kit):
    server = kit.serve(lambda seen: (200, {}, STALL))
    with pytest.raises(RemoteError):
        kit.http(server.url, timeout=READ_TIMEOUT).request("POST", "/slow", json={})
    assert len(server.seen) == 1 and kit.clock.sleeps == []


def test_refused_connection_is_retried_even_for_a_post_then_a_remote_error(kit: Kit):
    server = kit.serve(script())
    url = server.url
    server.close()  # nothing listens on that port any more
    http = kit.http(url, retries=2)
    with pytest.raises(RemoteError) as caught:
        http.request("POST", "/repos/o/r/issues", json={})
    assert f"bridge work: could not connect on POST {url}/repos/o/r/issues" in caught.value.message
    assert len(kit.clock.sleeps) == 2 and http.requests == 0


def test_an_unfollowed_redirect_is_a_remote_error(kit: Kit):
    server = kit.serve(script((301, {"Location": "https://elsewhere.example/x"}, None)))
    with pytest.raises(RemoteError) as caught:
        kit.http(server.url).request("GET", "/moved")
    assert "unexpected redirect (301)" in caught.value.message
