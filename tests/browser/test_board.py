"""The board end to end in a real headless chromium (Playwright): load a store of 200 issues,
filter, open an issue, comment from the page and find it in `gi show`; a change made with `gi`
in another process moves the card without a reload; a `<script>` title is text; writes without
the token or from another origin are refused; no request leaves the server."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.conftest import Sandbox
from tests.webserver import Web, import_issues, sample

HOSTILE = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">'
WAIT = 60_000  # ms: a deadline on a loaded machine, not a measurement


@pytest.fixture(scope="module")
def store(make_sandbox) -> Sandbox:
    box = make_sandbox("web-browser")
    issues = sample(200)
    for n, issue in enumerate(issues):
        if n % 10 == 0:
            issue.update(status="closed", closed=f"2026-03-01T00:00:{n % 60:02d}Z")
        elif n % 10 == 1:
            issue.update(status="blocked")
    import_issues(box, issues)
    box.hostile = box.create(HOSTILE, "--priority", "0")
    return box


@pytest.fixture
def page(browser, web: Web):
    """A page in a fresh context; at the end, every request it made went to the server."""
    context = browser.new_context(viewport={"width": 1366, "height": 860})
    seen: list[str] = []
    context.on("request", lambda r: seen.append(r.url))
    p = context.new_page()
    p.set_default_timeout(WAIT)
    yield p
    context.close()
    assert seen, "the page made no request at all"
    foreign = [u for u in seen if urlsplit(u).netloc != urlsplit(web.url).netloc]
    assert not foreign, f"requests that left the server: {foreign}"


def open_ids(store: Sandbox, *query: str) -> list[str]:
    return [i["id"] for i in store.gi("list", *query, "--limit", "0", "--json").json
            if i["status"] != "closed"]


def test_board_filter_issue_and_comment(page, web: Web, store: Sandbox, artifacts: Path):
    page.goto(web.url)
    page.wait_for_selector('[data-status="open"] [data-id]')
    assert page.eval_on_selector_all(".column", "cs => cs.map(c => c.dataset.status)") == [
        "open", "in_progress", "blocked", "closed"]
    assert page.locator('[data-status="open"] .card').count() == 100
    assert page.locator('[data-status="blocked"] .card').count() == 20
    assert page.locator('[data-status="closed"] .card').count() == 20
    assert "and 61 more" in page.inner_text('[data-status="open"] .rest')
    page.screenshot(path=str(artifacts / "board.png"))
    shutil.copy(artifacts / "board.png", "/tmp/board.png")

    page.fill('input[name="q"]', "label:auth priority:<=1")
    page.press('input[name="q"]', "Enter")
    page.wait_for_url("**/?q=*")
    shown = page.eval_on_selector_all(
        '.column:not([data-status="closed"]) .card', "cs => cs.map(c => c.dataset.id)")
    assert sorted(shown) == sorted(open_ids(store, "label:auth", "priority:<=1"))
    assert all("auth" in page.inner_text(f'[data-id="{x}"] .labels') for x in shown)

    page.fill('input[name="q"]', "label:auth colour:red")
    page.press('input[name="q"]', "Enter")
    page.wait_for_selector("p.error")
    assert '"colour:"' in page.inner_text("p.error")

    page.goto(web.url)
    target = shown[0]
    page.click(f'[data-id="{target}"] a.title')
    page.wait_for_url(f"**/issues/{target}")
    assert target in page.inner_text("h1")
    page.fill("#actor", "dana")
    page.dispatch_event("#actor", "change")
    page.fill('#comment textarea[name="body"]', "Checked from the **board**")
    page.click('#comment button[type="submit"]')
    page.wait_for_selector('.comment:has-text("Checked from the board")')
    assert page.inner_html(".comment:last-of-type .markdown").count("<strong>board</strong>")
    last = store.show(target)["comments"][-1]
    assert (last["author"], last["body"]) == ("dana", "Checked from the **board**")
    page.evaluate("window.__stayed = 7")
    assert store.gi("comment", target, "And from the command line").code == 0
    page.wait_for_selector('.comment:has-text("And from the command line")')
    assert page.evaluate("window.__stayed") == 7  # the issue page followed, no reload


def test_a_change_by_gi_moves_the_card_without_a_reload(page, web: Web, store: Sandbox):
    page.goto(web.url)
    page.wait_for_selector('[data-status="open"] [data-id]')
    target = page.eval_on_selector(
        f'[data-status="open"] .card:not([data-id="{store.hostile}"])', "c => c.dataset.id")
    navigations: list[str] = []
    page.on("framenavigated", lambda f: navigations.append(f.url))
    page.evaluate("window.__stayed = 42")
    before = int(page.inner_text('[data-status="in_progress"] h2 .count'))

    assert store.gi("claim", target, "--ttl", "2h").code == 0
    card = page.wait_for_selector(f'[data-status="in_progress"] [data-id="{target}"]')
    assert page.locator(f'[data-status="open"] [data-id="{target}"]').count() == 0
    assert card.get_attribute("data-claim-expires") == store.show(target)["claim"]["expires_at"]
    assert "tester" in card.inner_text() and "left" in card.inner_text()
    page.wait_for_function(
        "n => document.querySelector('[data-status=\"in_progress\"] h2 .count').textContent"
        " === String(n)", arg=before + 1)

    fresh = store.create("Arrived while watching", "--priority", "0", "--label", "live")
    page.wait_for_selector(f'[data-status="open"] [data-id="{fresh}"]')
    assert store.gi("edit", fresh, "--title", "Renamed elsewhere").code == 0
    page.wait_for_selector(f'[data-id="{fresh}"] .title:has-text("Renamed elsewhere")')
    assert store.gi("close", fresh).code == 0
    page.wait_for_selector(f'[data-status="closed"] [data-id="{fresh}"]')

    blocker = store.create("Blocker seen live", "--priority", "0")
    waiting = store.create("Waits for it", "--priority", "0", "--depends-on", blocker)
    page.wait_for_selector(f'[data-status="open"] [data-id="{waiting}"] .waits')
    assert store.gi("close", blocker).code == 0  # the card that waited on it says so no more
    page.wait_for_function("id => { const c = document.querySelector(`[data-id='${id}']`);"
                           " return c && !c.querySelector('.waits'); }", arg=waiting)

    assert page.evaluate("window.__stayed") == 42 and navigations == []


def test_a_script_title_renders_as_text(page, web: Web, store: Sandbox):
    page.goto(f"{web.url}?q=id:{store.hostile[3:]}")
    title = page.wait_for_selector(f'[data-id="{store.hostile}"] .title')
    assert title.inner_text() == HOSTILE
    assert page.locator(".card script, .card img").count() == 0
    page.goto(f"{web.url}issues/{store.hostile}")
    assert page.inner_text("h1 .title") == HOSTILE
    assert page.evaluate("window.__pwned") is None


def test_writes_without_the_token_or_from_another_origin_are_refused(page, browser, web: Web,
                                                                     store: Sandbox):
    page.goto(web.url)
    token = page.get_attribute('meta[name="gi-token"]', "content")
    post = """async ([headers]) => {
        const r = await fetch('/api/issues', {method: 'POST', headers,
                                              body: JSON.stringify({title: 'from the page'})});
        return [r.status, await r.json()];
    }"""
    status, doc = page.evaluate(post, [{"Content-Type": "application/json"}])
    assert status == 403 and doc["error"]["code"] == "forbidden"
    status, doc = page.evaluate(post, [{"Content-Type": "application/json", "X-GI-Token": token}])
    assert status == 201 and store.show(doc["id"])["title"] == "from the page"

    answer = page.request.post(web.url + "api/issues", data=json.dumps({"title": "evil"}),
                               headers={"X-GI-Token": token, "Origin": "http://evil.example",
                                        "Content-Type": "application/json"})
    assert answer.status == 403
    assert "access-control-allow-origin" not in answer.headers

    # a page of another site posts to the board: its request carries that Origin (refused),
    # and with the token header it cannot even be sent (no CORS pre-flight is granted)
    tip = store.store_tip()
    other = browser.new_context()
    try:
        evil = other.new_page()
        evil.route("http://evil.test/", lambda r: r.fulfill(content_type="text/html",
                                                            body="<p>another site</p>"))
        evil.goto("http://evil.test/")
        results = evil.evaluate("""async ([url, token]) => {
            const out = [];
            await fetch(url, {method: 'POST', mode: 'no-cors',
                              body: JSON.stringify({title: 'evil'})}).then(
                () => out.push('sent'), () => out.push('failed'));
            await fetch(url, {method: 'POST', headers: {'X-GI-Token': token},
                              body: JSON.stringify({title: 'evil'})}).then(
                () => out.push('read'), () => out.push('blocked'));
            return out;
        }""", [web.url + "api/issues", token])
        assert results[1] == "blocked"
    finally:
        other.close()
    assert store.store_tip() == tip  # nothing written


def test_phone_layout_screenshot(browser, web: Web, artifacts: Path):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                                  has_touch=True, device_scale_factor=2)
    try:
        phone = context.new_page()
        phone.goto(web.url)
        phone.wait_for_selector('[data-status="open"] [data-id]')
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 390  # the page itself never scrolls sideways; the board does
        phone.screenshot(path=str(artifacts / "board-phone.png"))
        shutil.copy(artifacts / "board-phone.png", "/tmp/board-phone.png")
    finally:
        context.close()


def test_many_tabs_share_one_stream_and_all_follow(browser, web: Web, store: Sandbox):
    """A browser keeps six connections to a server: eight tabs of the board all load, and a
    change reaches every one of them (one /events stream for all, in a shared worker)."""
    context = browser.new_context()
    try:
        tabs = []
        for _ in range(8):
            tab = context.new_page()
            tab.set_default_timeout(WAIT)
            tab.goto(web.url)
            tab.wait_for_function("() => document.body.dataset.live === '1'")
            tabs.append(tab)
        fresh = store.create("Seen in every tab", "--priority", "0")
        for tab in tabs:
            tab.wait_for_selector(f'[data-status="open"] [data-id="{fresh}"]')
        late = context.new_page()  # drawn after the change, it still follows the next one
        late.goto(web.url)
        late.wait_for_selector(f'[data-id="{fresh}"]')
        assert store.gi("close", fresh).code == 0
        for tab in [*tabs, late]:
            tab.wait_for_selector(f'[data-status="closed"] [data-id="{fresh}"]')
    finally:
        context.close()
