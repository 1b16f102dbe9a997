"""`gi webhook serve` at the HTTP edge: oversize, malformed and misaddressed requests, replays
of one delivery, 200 deliveries at once, and a tracker that is slow to answer the pull (the
fake holds the request: no sleeps). The real console script as a subprocess, real HTTP."""

from __future__ import annotations

import http.client
import socket
import threading
from urllib.parse import urlsplit

import pytest
from fakes.github import FakeGitHub
from fakes.webhooks import github_event, post, signed, whsec
from webhookserve import DEADLINE, Served, listed

TOKEN = "forge-token-0123456789"
SECRET = whsec(b"the receiver's key")
ENV = {"GITHUB_TOKEN": TOKEN, "GI_BRIDGE_PACE": "0", "GI_WEBHOOK_SECRET": SECRET}


@pytest.fixture
def github():
    with FakeGitHub(token=TOKEN) as fake:
        yield fake


@pytest.fixture
def served(sandbox, github):
    r = sandbox.gi("bridge", "add", "hub", "--platform", "github", "--url", github.base_url,
                   "--project", "acme/widgets")
    assert r.code == 0, r
    s = Served(sandbox, env=ENV)
    yield s
    s.stop()


def raw(url: str, head: str, body: bytes = b"") -> bytes:
    """Send `head` (the request line and headers) and the start of a body on a plain socket
    and read the answer, without sending the rest of any body the headers announce."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=DEADLINE) as s:
        s.sendall(head.replace("\n", "\r\n").encode() + b"\r\n" + body)
        got = b""
        while chunk := s.recv(65536):  # an early answer closes the connection after it
            got += chunk
    return got


def at_once(calls: list) -> list:
    """Run every call on its own thread, all released together; their results in order."""
    start = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i: int) -> None:
        start.wait()
        results[i] = calls[i]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(DEADLINE)
    return results


def delivery(fake, number: int, delivery_id: str) -> tuple[bytes, dict[str, str]]:
    body = github_event(fake, number)
    return body, signed("github", body, SECRET, delivery_id)


@pytest.mark.parametrize("size", [10_000_000, 10 * 1024 * 1024])
def test_a_10_mb_body_is_413_before_a_byte_of_it_is_read(served, github, size: int) -> None:
    """The answer comes while the sender has sent 1 KB of its 10 MB: the receiver judged the
    declared length, it did not wait for (or keep) the body."""
    got = raw(served.url, f"POST /hooks/github HTTP/1.1\nHost: hooks\nContent-Length: {size}\n"
                          "X-GitHub-Delivery: big\nX-Hub-Signature-256: sha256=00\n",
              b"{" + b" " * 1023)
    assert got.startswith(b"HTTP/1.1 413 "), got
    assert b"Connection: close" in got
    whole = b'{"a": "' + b"x" * size + b'"}'  # a sender that pushes it all still hears 413
    assert post(f"{served.url}/hooks/github", whole, {"X-GitHub-Delivery": "big-2"})[0] == 413
    body, headers = delivery(github, github.add_issue("After the big one").number, "ok-1")
    assert post(f"{served.url}/hooks/github", body, headers)[0] == 202
    assert " hub #" in served.outcome("ok-1")
    assert "413" in served.lines("big")[0] and "413" in served.lines("big-2")[0]


def test_malformed_json_misaddressed_and_unframed_requests(served) -> None:
    hook = f"{served.url}/hooks/github"
    for n, bad in enumerate((b"{", b"[1, 2]", b"\xff\xfe")):
        status, doc = post(hook, bad, signed("github", bad, SECRET, f"bad-{n}"))
        assert status == 400 and "error" in doc, (bad, doc)
    assert post(hook, b"{", {})[0] == 401  # unsigned, its JSON is never looked at
    assert post(f"{served.url}/hooks/bitbucket", b"{}", {})[0] == 404
    assert post(f"{served.url}/", b"", {}, method="GET")[0] == 404
    status, _ = post(hook, b"", {}, method="GET")
    assert status == 405
    conn = http.client.HTTPConnection(*urlsplit(served.url).netloc.split(":"), timeout=DEADLINE)
    conn.request("PUT", "/hooks/gitlab", body=b"{}")
    answer = conn.getresponse()
    assert (answer.status, answer.getheader("Allow")) == (405, "POST")
    conn.close()
    head = "POST /hooks/github HTTP/1.1\nHost: hooks\nTransfer-Encoding: chunked\n"
    assert raw(served.url, head, b"2\r\n{}\r\n0\r\n\r\n").startswith(b"HTTP/1.1 411 ")
    assert raw(served.url, "POST /hooks/github HTTP/1.1\nHost: hooks\n").startswith(
        b"HTTP/1.1 411 ")
    assert raw(served.url, "POST /hooks/github HTTP/1.1\nHost: hooks\nContent-Length: -5\n"
               ).startswith(b"HTTP/1.1 400 ")


def test_one_delivery_sent_again_and_again_is_applied_once(served, github) -> None:
    issue = github.add_issue("Sent five times")
    body, headers = delivery(github, issue.number, "same-id")
    hook = f"{served.url}/hooks/github"
    answers = at_once([lambda: post(hook, body, headers)] * 5)
    assert sorted(a[0] for a in answers) == [200, 200, 200, 200, 202], answers
    assert sorted(a[1]["status"] for a in answers) == ["duplicate"] * 4 + ["queued"]
    served.outcome("same-id")
    assert post(hook, body, headers) == (200, {"status": "duplicate", "delivery": "same-id"})
    assert github.count("GET", rf"/issues/{issue.number}\Z") == 1
    assert len(served.lines("same-id")) == 6  # one line per delivery
    assert len(listed(served.sandbox)) == 1


def test_200_deliveries_at_once_are_each_applied_exactly_once(served, github) -> None:
    numbers = [github.add_issue(f"Parallel {n}").number for n in range(200)]
    hook = f"{served.url}/hooks/github"
    sent = [delivery(github, n, f"p-{n}") for n in numbers]
    answers = at_once([lambda b=b, h=h: post(hook, b, h) for b, h in sent])
    assert [a[0] for a in answers] == [202] * 200, [a for a in answers if a[0] != 202][:3]
    outcomes = [served.outcome(f"p-{n}") for n in numbers]
    assert all(line.endswith(" created") for line in outcomes), outcomes[:3]
    local = listed(served.sandbox)
    assert sorted(local) == sorted(f"Parallel {n}" for n in range(200))
    assert sorted(int(i["remote"]["hub"]["number"]) for i in local.values()) == sorted(numbers)
    assert [github.count("GET", rf"/issues/{n}\Z") for n in numbers] == [1] * 200


def test_the_server_keeps_answering_while_a_pull_is_slow(served, github) -> None:
    slow = github.add_issue("Slow to fetch")
    held = github.hold("GET", rf"/issues/{slow.number}\b")
    hook = f"{served.url}/hooks/github"
    body, headers = delivery(github, slow.number, "slow-1")
    assert post(hook, body, headers)[0] == 202
    assert held.reached.wait(DEADLINE)  # the worker is now stuck in that pull
    others = [github.add_issue(f"Meanwhile {n}").number for n in range(20)]
    answers = [post(hook, *delivery(github, n, f"m-{n}")) for n in others]
    assert [a[0] for a in answers] == [202] * 20
    assert post(hook, b"", {}, method="GET")[0] == 405
    assert not held.released.is_set() and "Slow to fetch" not in listed(served.sandbox)
    held.release()
    assert " hub #" in served.outcome("slow-1")
    for n in others:
        assert served.outcome(f"m-{n}").endswith(" created")
    assert len(listed(served.sandbox)) == 21
