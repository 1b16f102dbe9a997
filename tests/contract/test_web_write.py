"""`gi web` writes and security (SPEC §11), against a real server subprocess: each write goes
through the store as the CLI's would (seen by `gi show`), as the named actor; the write token,
the origin check, `--read-only`, the access token for other hosts, and the error shapes."""

from __future__ import annotations

import json
import socket
import threading

import pytest

from tests.conftest import Sandbox
from tests.webserver import Web, events

WRITES = (("POST", "/api/issues", {"title": "t"}),
          ("PATCH", "/api/issues/{id}", {"priority": 1}),
          ("POST", "/api/issues/{id}/comments", {"body": "b"}),
          ("POST", "/api/issues/{id}/claim", {}),
          ("POST", "/api/issues/{id}/release", {}))


@pytest.fixture
def web(sandbox: Sandbox):
    server = Web(sandbox)
    yield server
    server.stop()


def test_create_as_a_named_person(web: Web, sandbox: Sandbox):
    status, doc = web.write("POST", "/api/issues", {
        "title": "From the board", "body": "Some *text*", "type": "bug", "priority": 1,
        "labels": ["ui", "web"], "actor": "alice"})
    assert status == 201
    shown = sandbox.show(doc["id"])
    assert doc == shown
    assert (shown["author"], shown["type"], shown["priority"], shown["labels"]) == (
        "alice", "bug", 1, ["ui", "web"])
    status, doc = web.write("POST", "/api/issues", {"title": "No actor"})
    assert status == 201 and sandbox.show(doc["id"])["author"] == "tester"  # the server's


def test_edit_status_priority_title_and_labels(web: Web, sandbox: Sandbox):
    issue = sandbox.create("Edit me", "--label", "old", "--label", "keep")
    status, doc = web.write("PATCH", f"/api/issues/{issue}", {
        "title": "Edited", "status": "blocked", "priority": 0, "labels": ["keep", "new"]})
    assert status == 200 and doc == sandbox.show(issue)
    assert (doc["title"], doc["status"], doc["priority"], doc["labels"]) == (
        "Edited", "blocked", 0, ["keep", "new"])
    status, doc = web.write("PATCH", f"/api/issues/{issue}", {"status": "closed"})
    assert status == 200 and doc["closed"]
    log = sandbox.gi("log", issue, "--json").json
    assert [e["type"] for e in log].count("status.changed") == 2


def test_comment_claim_and_release_as_named_people(web: Web, sandbox: Sandbox):
    issue = sandbox.create("Work")
    status, doc = web.write("POST", f"/api/issues/{issue}/comments",
                            {"body": "On it", "actor": "bob"})
    assert status == 200 and doc["comments"][-1]["author"] == "bob"
    assert sandbox.show(issue)["comments"][-1]["body"] == "On it"
    status, doc = web.write("POST", f"/api/issues/{issue}/claim", {"actor": "bob", "ttl": "2h"})
    assert status == 200 and doc["claim"]["agent"] == "bob" and doc["status"] == "in_progress"
    status, doc = web.write("POST", f"/api/issues/{issue}/claim", {"actor": "carol"})
    assert status == 409
    assert doc["error"]["code"] == "conflict" and doc["error"]["holder"] == "bob"
    status, doc = web.write("POST", f"/api/issues/{issue}/release", {"actor": "carol"})
    assert status == 409 and doc["error"]["holder"] == "bob"
    status, doc = web.write("POST", f"/api/issues/{issue}/release", {"actor": "bob"})
    assert status == 200 and doc["claim"] is None and sandbox.show(issue)["claim"] is None


@pytest.mark.parametrize(("method", "path", "body", "word"), [
    ("POST", "/api/issues", {"title": ""}, "title"),
    ("POST", "/api/issues", {"body": "no title"}, "title"),
    ("POST", "/api/issues", {"title": "t", "colour": "red"}, "colour"),
    ("POST", "/api/issues", {"title": "t", "priority": 9}, "priority"),
    ("POST", "/api/issues", {"title": "t", "labels": "a,b"}, "labels"),
    ("POST", "/api/issues", {"title": "t", "actor": "a\nb"}, "actor"),
    ("POST", "/api/issues", ["not", "an", "object"], "object"),
    ("POST", "/api/issues", "{not json", "JSON"),
    ("PATCH", "/api/issues/{id}", {}, "nothing to change"),
    ("PATCH", "/api/issues/{id}", {"status": "done"}, "status"),
    ("POST", "/api/issues/{id}/comments", {"body": "  "}, "text"),
    ("POST", "/api/issues/{id}/claim", {"ttl": "forever"}, "duration"),
])
def test_bad_writes_are_400_naming_the_fault(web: Web, sandbox: Sandbox, method, path, body,
                                             word):
    issue = sandbox.create("Target")
    status, doc = web.write(method, path.format(id=issue),
                            body if not isinstance(body, str) else body.encode())
    assert status == 400 and doc["error"]["code"] == "usage"
    assert word in doc["error"]["message"]


def test_writes_to_an_unknown_issue_are_404(web: Web):
    for method, path, body in WRITES[1:]:
        status, doc = web.write(method, path.format(id="gi-ffffffffff"), body)
        assert status == 404 and doc["error"]["code"] == "not_found", path


def test_writes_need_the_pages_token_and_the_same_origin(web: Web, sandbox: Sandbox):
    issue = sandbox.create("Guarded")
    before = sandbox.store_tip()
    for method, path, body in WRITES:
        path = path.format(id=issue)
        for headers in ({"X-GI-Token": ""}, {"X-GI-Token": "wrong"},
                        {"Origin": "http://evil.example"},  # with the right token
                        {"Origin": "null"}, {"Sec-Fetch-Site": "cross-site"}):
            status, doc = web.write(method, path, body, headers=headers)
            assert status == 403 and doc["error"]["code"] == "forbidden", (path, headers)
        status, _, text = web.call(method, path, json.dumps(body),
                                   {"Content-Type": "application/json"})
        assert status == 403 and json.loads(text)["error"]["code"] == "forbidden"
    assert sandbox.store_tip() == before  # nothing was written
    status, _, _ = web.call("POST", "/api/issues", json.dumps({"title": "no Origin"}),
                            {"X-GI-Token": web.token()})  # a script's request: no Origin
    assert status == 201


def test_a_foreign_host_header_is_refused(web: Web):
    status, headers, text = web.call("GET", "/", headers={"Host": f"evil.example:{web.port}"})
    assert status == 403 and "access-control-allow-origin" not in headers
    assert web.call("GET", "/", headers={"Host": f"localhost:{web.port}"})[0] == 200


def test_options_and_answers_carry_no_cors_header(web: Web):
    status, headers, _ = web.call("OPTIONS", "/api/issues",
                                  headers={"Origin": "http://evil.example",
                                           "Access-Control-Request-Method": "POST"})
    assert status == 405 and not any(k.startswith("access-control-") for k in headers)


def test_a_too_large_body_is_413(web: Web):
    with socket.create_connection((web.host, web.port), timeout=60) as s:
        s.sendall(b"POST /api/issues HTTP/1.1\r\nHost: " + f"{web.host}:{web.port}".encode()
                  + b"\r\nContent-Length: 2000000\r\n\r\n")
        head = s.recv(4096).decode()
    assert head.startswith("HTTP/1.1 413 ")


def test_read_only_answers_405_to_every_write(sandbox: Sandbox):
    issue = sandbox.create("Read only")
    server = Web(sandbox, "--read-only")
    try:
        token = server.token()
        for method, path, body in WRITES:
            for headers in ({}, {"X-GI-Token": token, "Origin": server.origin},
                            {"X-GI-Token": "x", "Origin": "http://evil.example"}):
                status, _, text = server.call(method, path.format(id=issue),
                                              json.dumps(body), headers)
                assert status == 405, (path, headers)
                assert json.loads(text)["error"]["code"] == "read_only"
        assert server.call("GET", f"/api/issues/{issue}")[0] == 200
        assert 'id="new-issue"' not in server.call("GET", "/")[2]
    finally:
        server.stop()


def test_another_host_needs_a_token(sandbox: Sandbox):
    r = sandbox.gi("web", "--host", "0.0.0.0", "--port", "0")
    assert r.code == 2 and "GI_WEB_TOKEN" in r.err


@pytest.mark.parametrize("given", ["flag", "environment"])
def test_with_a_token_every_request_carries_it(sandbox: Sandbox, given: str):
    server = (Web(sandbox, "--token", "s3cret-token-value") if given == "flag"
              else Web(sandbox, env={"GI_WEB_TOKEN": "s3cret-token-value"}))
    try:
        for path in ("/", "/api/issues", "/events", "/static/app.js", "/graph"):
            status, headers, _ = server.call("HEAD" if path == "/events" else "GET", path)
            assert status == 401, path
        status, headers, _ = server.call("GET", "/?token=s3cret-token-value")
        assert status == 200 and "HttpOnly" in headers["set-cookie"]
        cookie = headers["set-cookie"].split(";")[0]
        assert server.call("GET", "/api/issues", headers={"Cookie": cookie})[0] == 200
        assert server.call("GET", "/api/issues", headers={
            "Authorization": "Bearer s3cret-token-value"})[0] == 200
        assert server.call("GET", "/api/issues?token=wrong")[0] == 401
    finally:
        server.stop()


def test_a_change_by_another_process_reaches_events(web: Web, sandbox: Sandbox):
    issue = sandbox.create("Watched")
    got: list[dict[str, str]] = []
    reader = threading.Thread(target=lambda: got.extend(events(web, 2)))
    reader.start()
    # the stream starts at the newest event: write until the reader has seen two
    for _ in range(200):
        assert sandbox.gi("comment", issue, "ping").code == 0
        if not reader.is_alive():
            break
    reader.join(60)
    assert len(got) == 2
    # (the create may come first: the stream starts where the server's follower stood)
    seen = [e for e in got if e["event"] == "comment.added"]
    assert seen and {e["event"] for e in got} <= {"issue.created", "comment.added"}
    doc = json.loads(seen[0]["data"])
    assert doc["type"] == "comment.added" and doc["issue"] == issue
    assert doc["fields"]["body"] == "ping" and doc["actor"] == "tester"
    assert seen[0]["id"] == doc["id"] and set(doc) == {"id", "type", "time", "actor", "issue",
                                                       "fields"}


def test_a_tree_mode_store(sandbox: Sandbox):
    assert sandbox.gi("init", "--mode", "tree").code == 0
    issue = sandbox.create("In the working tree")
    server = Web(sandbox)
    try:
        status, _, page = server.call("GET", "/")
        assert status == 200 and f'data-id="{issue}"' in page
        status, doc = server.write("POST", f"/api/issues/{issue}/comments", {"body": "hi"})
        assert status == 200 and sandbox.show(issue)["comments"][-1]["body"] == "hi"
        assert server.call("GET", f"/issues/{issue}")[0] == 200
    finally:
        server.stop()
