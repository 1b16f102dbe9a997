"""`gi web` reads (SPEC §11), against a real server subprocess: the board's columns and cards,
the filter, the issue page, the graph, the JSON API as `gi list/show --json`, and `/events`."""

from __future__ import annotations

import json
import re
from html import unescape

import pytest

from tests.conftest import Sandbox
from tests.webserver import Web, events, import_issues, sample

STATUSES = ("open", "in_progress", "blocked", "closed")


@pytest.fixture(scope="module")
def store(make_sandbox) -> Sandbox:
    """150 open issues, 4 blocked, 60 closed (closed one a minute apart), a dependency chain,
    a claimed one, a hostile title."""
    box = make_sandbox("web-read")
    closed = sample(60, start=1000, status="closed")
    for n, issue in enumerate(closed):
        issue["closed"] = f"2026-02-01T{n // 60:02d}:{n % 60:02d}:00Z"
    import_issues(box, [*sample(150), *sample(4, start=500, status="blocked"), *closed])
    box.sink = box.create("Sink <b>bold</b> & \"quoted\"", "--label", "auth", "--body",
                          "# Plan\n\n- **one**\n- `two`\n\n<script>alert(1)</script>")
    box.top = box.create("Blocker", "--priority", "0")
    box.mid = box.create("Middle", "--depends-on", box.top)
    assert box.gi("dep", "add", box.sink, box.mid).code == 0
    assert box.gi("comment", box.sink, "Seen *here* too").code == 0
    assert box.gi("claim", box.mid, "--ttl", "1h").code == 0
    return box


def columns(page: str) -> dict[str, list[str]]:
    """Card ids per column, in page order."""
    out = {}
    for m in re.finditer(r'<section class="column" data-status="(\w+)"(.*?)</section>', page,
                         re.S):
        out[m.group(1)] = re.findall(r'<article class="card[^"]*" data-id="([^"]+)"', m.group(2))
    return out


def test_board_has_a_column_per_status_with_cards(web: Web, store: Sandbox):
    status, headers, page = web.call("GET", "/")
    assert status == 200 and headers["content-type"].startswith("text/html")
    cols = columns(page)
    assert list(cols) == list(STATUSES)
    assert len(cols["open"]) == 100  # at most 100 cards, and a count of the rest
    assert 'data-total="152"' in page and "and 52 more" in page
    assert len(cols["blocked"]) == 4 and cols["in_progress"] == [store.mid]
    assert len(cols["closed"]) == 50  # the 50 most recently closed, newest first
    assert cols["closed"][0] == "gi-000423aa" and cols["closed"][-1] == "gi-0003f2aa"
    card = re.search(rf'<article[^>]*data-id="{store.mid}".*?</article>', page, re.S).group(0)
    claim = store.show(store.mid)["claim"]
    assert f'data-claim-expires="{claim["expires_at"]}"' in card
    assert "tester" in card and re.search(r"\d+m left", card) and ">P2<" in card
    assert ">auth<" in page  # labels
    assert re.search(r'<meta name="gi-token" content="[^"]{20,}">', page)


def test_board_order_is_gi_lists_order(web: Web, store: Sandbox):
    listed = [i["id"] for i in store.gi("list", "status:open", "--limit", "0", "--json").json]
    assert columns(web.call("GET", "/")[2])["open"] == listed[:100]


def test_every_value_is_escaped(web: Web, store: Sandbox):
    page = web.call("GET", "/")[2]
    assert "Sink &lt;b&gt;bold&lt;/b&gt; &amp; &quot;quoted&quot;" in page
    assert "<b>bold" not in page
    issue = web.call("GET", f"/issues/{store.sink}")[2]
    assert "<script>alert" not in issue and "&lt;script&gt;alert(1)&lt;/script&gt;" in issue
    assert "<strong>one</strong>" in issue and "<code>two</code>" in issue  # Markdown, safely
    assert "<em>here</em>" in issue


def test_filter_shows_what_gi_list_matches(web: Web, store: Sandbox):
    status, _, page = web.call("GET", "/?q=label:auth%20priority:%3C=1")
    assert status == 200
    cols = columns(page)
    listed = store.gi("list", "label:auth", "priority:<=1", "--limit", "0", "--json").json
    shown = [x for s in ("open", "in_progress", "blocked") for x in cols[s]]
    assert sorted(shown) == sorted(i["id"] for i in listed if i["status"] != "closed")
    assert 'value="label:auth priority:&lt;=1"' in page  # the box keeps the filter


def test_closed_column_ignores_the_filters_status_terms(web: Web, store: Sandbox):
    page = web.call("GET", "/?q=label:auth%20is:open")[2]
    cols = columns(page)
    closed_auth = store.gi("list", "label:auth", "is:closed", "--limit", "0", "--json").json
    assert cols["closed"] and set(cols["closed"]) <= {i["id"] for i in closed_auth}


def test_a_bad_filter_term_is_named(web: Web):
    status, _, page = web.call("GET", "/?q=label:auth%20colour:red")
    assert status == 400
    error = re.search(r'<p class="error" role="alert">(.*?)</p>', page, re.S).group(1)
    assert "colour:" in unescape(error)
    assert 'value="label:auth colour:red"' in page


def test_issue_page(web: Web, store: Sandbox):
    status, _, page = web.call("GET", f"/issues/{store.mid}")
    assert status == 200
    assert f'href="/issues/{store.top}"' in page  # depends on
    assert f'href="/issues/{store.sink}"' in page  # blocks (the other way)
    history = re.search(r'<section class="history">(.*?)</section>', page, re.S).group(1)
    assert "claim acquired by tester" in history and "created" in history
    sink = web.call("GET", f"/issues/{store.sink}")[2]
    assert "Seen <em>here</em> too" in sink and 'class="comment"' in sink


def test_issue_page_by_prefix_redirects_and_unknown_is_404(web: Web, store: Sandbox):
    status, headers, _ = web.call("GET", f"/issues/{store.sink[:7]}")
    assert status == 302 and headers["location"] == f"/issues/{store.sink}"
    status, headers, page = web.call("GET", "/issues/gi-ffffffffff")
    assert status == 404 and "no issue" in page


def test_agents_page_names_holders_and_claims(web: Web, store: Sandbox):
    status, _, page = web.call("GET", "/agents")
    assert status == 200
    assert 'data-agent="tester"' in page and f'href="/issues/{store.mid}"' in page


def test_graph_is_svg_with_blockers_above(web: Web, store: Sandbox):
    status, headers, svg = web.call("GET", f"/graph?q=id:{store.sink[3:]},{store.mid[3:]},"
                                           f"{store.top[3:]}")
    assert status == 200 and headers["content-type"].startswith("image/svg+xml")
    assert "<script" not in svg
    nodes = {m.group(1): (m.group(2), float(m.group(3))) for m in re.finditer(
        r'<a href="/issues/([^"]+)" data-id="[^"]+" data-state="(\w+)">.*?<rect x="[\d.]+" '
        r'y="([\d.]+)"', svg, re.S)}
    assert set(nodes) == {store.sink, store.mid, store.top}
    assert nodes[store.top][1] < nodes[store.mid][1] < nodes[store.sink][1]
    assert nodes[store.top][0] == "ready" and nodes[store.sink][0] == "blocked"
    assert all(f">{x}</text>" in svg for x in nodes)  # each node labelled with its id


def test_graph_around_an_issue_and_a_cap_note(web: Web, store: Sandbox):
    svg = web.call("GET", f"/graph?around={store.top}&depth=1")[2]
    ids = set(re.findall(r'data-id="([^"]+)"', svg))
    assert ids == {store.top, store.mid}
    big = web.call("GET", "/graph?q=status:open,closed")[2]
    assert "showing 200 of" in big and "around=ID&amp;depth=N" in big
    assert web.call("GET", "/graph?around=gi-ffffffffff")[0] == 404
    status, _, body = web.call("GET", "/graph?q=nope:x")
    assert status == 400 and json.loads(body)["error"]["code"] == "usage"
    assert web.call("GET", f"/graph?around={store.top}&depth=x")[0] == 400


def test_api_list_is_gi_list_json(web: Web, store: Sandbox):
    for query, limit in (("label:auth", None), ("is:closed sort:created-asc", "7"),
                         ("", "0")):
        path = f"/api/issues?q={query.replace(' ', '%20')}" + (f"&limit={limit}" if limit
                                                                 else "")
        status, headers, body = web.call("GET", path)
        args = ["list", *query.split(), "--json", "--limit", limit or "50"]
        assert status == 200 and headers["content-type"].startswith("application/json")
        assert json.loads(body) == store.gi(*args).json
    assert web.call("GET", "/api/issues?q=label:auth")[1].get("x-gi-more") == "true"
    for bad in ("/api/issues?limit=-1", "/api/issues?limit=x", "/api/issues?q=x:y"):
        status, _, body = web.call("GET", bad)
        assert status == 400 and json.loads(body)["error"]["code"] == "usage"


def test_api_show_is_gi_show_json(web: Web, store: Sandbox):
    status, _, body = web.call("GET", f"/api/issues/{store.sink}")
    assert status == 200 and json.loads(body) == store.show(store.sink)
    status, _, body = web.call("GET", "/api/issues/gi-ffffffffff")
    assert status == 404 and json.loads(body)["error"]["code"] == "not_found"


def test_events_resume_after_last_event_id(web: Web, store: Sandbox):
    log = store.gi("log", "--json", "--limit", "0").json
    at = next(n for n, e in enumerate(log) if e["issue"] == store.sink)  # its creation
    first, rest = log[at], log[at + 1:]
    assert len(rest) >= 3
    got = events(web, len(rest), {"Last-Event-ID": first["id"]})
    assert [e["id"] for e in got] == [e["id"] for e in rest]
    assert [e["event"] for e in got] == [e["type"] for e in rest]
    assert [json.loads(e["data"]) for e in got][-1]["issue"] == rest[-1]["issue"]


def test_unknown_path_and_wrong_method(web: Web):
    status, _, body = web.call("GET", "/nothing/here")
    assert status == 404 and json.loads(body)["error"]["code"] == "not_found"
    status, headers, _ = web.call("DELETE", "/api/issues")
    assert status == 405 and set(headers["allow"].split(", ")) == {"GET", "POST"}


def test_nothing_is_loaded_from_outside_and_no_cors(web: Web, store: Sandbox):
    for path in ("/", f"/issues/{store.sink}", "/agents", "/static/app.js", "/static/board.js",
                 "/static/app.css", "/graph"):
        status, headers, body = web.call("GET", path, headers={"Origin": "http://evil.test"})
        assert status == 200, path
        assert not any(k.startswith("access-control-") for k in headers), path
        assert not re.search(r'(src|href)="(https?:)?//|url\((?!#)|@import', body), path
        if path != "/graph":
            assert "default-src 'none'" in headers["content-security-policy"]
