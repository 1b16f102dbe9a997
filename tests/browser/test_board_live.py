"""The board following changes made with `gi` in another process, in a real headless chromium:
the whole board takes the changed cards from its stream (it asks the server nothing) and
updates a card where it stands (the same element: one text changes, nothing is laid out
anew); a filtered board asks for its cards; a page whose stream broke before the cards of an
event came asks for them when the stream is back; a tab opened after an upgrade does not join
an older shared worker."""

from __future__ import annotations

import json

import pytest

from tests.conftest import Sandbox
from tests.webserver import Web, import_issues, sample

WAIT = 60_000  # ms: a deadline on a loaded machine, not a measurement
COUNT = "s => document.querySelector(`[data-status='${s}'] h2 .count`).textContent"


@pytest.fixture(scope="module")
def store(make_sandbox) -> Sandbox:
    box = make_sandbox("web-board-live")
    import_issues(box, sample(150))  # more open issues than the column shows
    return box


@pytest.fixture
def context(browser):
    ctx = browser.new_context(viewport={"width": 1366, "height": 860})
    yield ctx
    ctx.close()


def asked(requests: list[str], path: str) -> list[str]:
    return [u for u in requests if f"/{path}" in u]


def open_board(context, url: str):  # noqa: ANN001, ANN201
    page = context.new_page()
    page.set_default_timeout(WAIT)
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(url)
    page.wait_for_function("() => document.body.dataset.live === '1'")
    return page, requests


def test_the_whole_board_takes_its_cards_from_the_stream(context, web: Web, store: Sandbox):
    page, requests = open_board(context, web.url)
    target = page.eval_on_selector('[data-status="open"] .card', "c => c.dataset.id")
    page.eval_on_selector(f'[data-id="{target}"]', "c => { c.__kept = true; }")
    opened = int(page.evaluate(COUNT, "open"))

    assert store.gi("edit", target, "--title", "Renamed <elsewhere>").code == 0
    page.wait_for_selector(f'[data-id="{target}"] .title:text-is("Renamed <elsewhere>")')
    assert page.eval_on_selector(f'[data-id="{target}"]', "c => c.__kept === true")

    assert store.gi("close", target).code == 0
    page.wait_for_selector(f'[data-status="closed"] [data-id="{target}"]')
    page.wait_for_function(f"() => ({COUNT})('open') === '{opened - 1}'")
    assert page.locator(f'[data-id="{target}"]').count() == 1

    fresh = store.create("Arrived while watching", "--priority", "0")
    page.wait_for_selector(f'[data-status="open"] [data-id="{fresh}"]')
    page.wait_for_function(f"() => ({COUNT})('open') === '{opened}'")
    assert asked(requests, "api/board") == []  # every card came with the stream


def test_a_filtered_board_asks_for_its_cards(context, web: Web, store: Sandbox):
    page, requests = open_board(context, web.url + "?q=label:auth")
    target = page.eval_on_selector('[data-status="open"] .card', "c => c.dataset.id")
    before = int(page.evaluate(COUNT, "open"))

    assert store.gi("edit", target, "--title", "Still about auth").code == 0
    page.wait_for_selector(f'[data-id="{target}"] .title:text-is("Still about auth")')
    assert store.gi("edit", target, "--remove-label", "auth").code == 0  # leaves the filter
    page.wait_for_function("id => !document.querySelector(`[data-id='${id}']`)", arg=target)
    page.wait_for_function(f"() => ({COUNT})('open') === '{before - 1}'")
    assert asked(requests, "api/board?q=label%3Aauth&ids=")


def test_cards_missed_with_a_broken_stream_are_asked_for_when_it_is_back(context, web: Web,
                                                                         store: Sandbox):
    """The page's own stream (no shared worker): the first answer of /events holds an event
    but not its cards and ends; when the stream is back the page asks for that card."""
    context.add_init_script("delete window.SharedWorker;")
    target = store.gi("list", "--limit", "1", "--json").json[0]["id"]
    streams: list[str] = []

    def events(route) -> None:  # noqa: ANN001
        streams.append(route.request.url)
        if len(streams) > 1:
            route.continue_()
            return
        assert store.gi("edit", target, "--title", "Changed while the stream broke").code == 0
        event = store.gi("log", target, "--json", "--limit", "1").json[-1]
        body = (f"retry: 200\nid: {event['id']}\nevent: {event['type']}\n"
                f"data: {json.dumps(event)}\n\n")
        route.fulfill(status=200, headers={"Content-Type": "text/event-stream"}, body=body)

    page = context.new_page()
    page.set_default_timeout(WAIT)
    page.route("**/events*", events)
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(web.url)
    page.wait_for_selector(f'[data-id="{target}"] .title:text-is("Changed while the stream broke")')
    assert len(streams) >= 2 and "cards=1" in streams[0]
    assert asked(requests, f"api/board?q=&ids={target}")


def test_a_tab_opened_after_an_upgrade_never_joins_an_older_worker(context, web: Web,
                                                                   store: Sandbox):
    """A shared worker lives while any tab uses it: a board tab opened after gi was upgraded
    must not join one running an older script (one that asks for no cards)."""
    older = ('onconnect = (e) => { const port = e.ports[0]; port.start();'
             ' port.onmessage = () => port.postMessage({ state: "open" }); };')
    context.route("**/static/live-worker.js", lambda r: r.fulfill(
        status=200, headers={"Content-Type": "text/javascript"}, body=older))
    old_tab = context.new_page()
    old_tab.goto(web.url + "static/app.css")  # any page of the server's origin
    old_tab.evaluate("""() => new Promise((done) => {
        window.kept = new SharedWorker('/static/live-worker.js', { name: 'gi-events' });
        window.kept.port.onmessage = () => done();
        window.kept.port.start();
        window.kept.port.postMessage({ hello: true });
    })""")
    context.unroute("**/static/live-worker.js")
    page, _ = open_board(context, web.url)
    target = page.eval_on_selector('[data-status="open"] .card', "c => c.dataset.id")
    assert store.gi("edit", target, "--title", "Seen by the new tab").code == 0
    page.wait_for_selector(f'[data-id="{target}"] .title:text-is("Seen by the new tab")')
