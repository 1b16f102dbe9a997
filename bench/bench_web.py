"""`gi web` in a real browser (Debian's chromium through Playwright), SPEC §11 and issue 14:
- the board of N issues ready in the browser (navigation start → load event, every card drawn;
  at most 100 cards a column, closed 50, with a count of the rest), p50 of `--loads`;
- a change reaching an open page: from the exit of `gi edit` in another process to the moment
  the page shows the new title (a MutationObserver stamps it), p50 of `--changes`;
- 20 open pages do not slow writes: p50 of `gi comment` with 0, then with `--pages` open pages
  (each in its own browser context, so each holds its own /events stream), then 0 again.
Usage: .venv/bin/python bench/bench_web.py [--issues 10000] [--loads 15] [--changes 15]
       [--pages 20] [--writes 30]"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from common import GI, gi, report, sample_issues, scratch_repo  # noqa: E402

ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
WATCH = """([id, title]) => {
    window.__seen = null;
    const seen = () => {
        const el = document.querySelector(`[data-id="${id}"] .title`);
        return el && el.textContent === title;
    };
    new MutationObserver((_, obs) => {
        if (seen()) {
            obs.disconnect();
            window.__seen = performance.timeOrigin + performance.now();
        }
    }).observe(document.getElementById('board'), {childList: true, subtree: true,
                                                  characterData: true});
}"""


def start_server(repo: Path) -> tuple[subprocess.Popen, str]:
    env = {**os.environ, "GI_AGENT": "bench"}
    proc = subprocess.Popen([GI, "web", "--port", "0"], cwd=repo, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    found = re.search(r"http://\S+/", line)
    if not found:
        raise SystemExit(f"gi web did not start: {line!r}")
    return proc, found.group(0)


def p50(values: list[float]) -> float:
    return round(statistics.median(values), 1)


def board_loads(browser, url: str, n: int) -> dict:  # noqa: ANN001
    page = browser.new_page(viewport={"width": 1366, "height": 860})
    times, server = [], []
    for _ in range(n):
        page.goto(url, wait_until="load")
        nav = page.evaluate("JSON.stringify(performance.getEntriesByType('navigation')[0])")
        entry = json.loads(nav)
        times.append(entry["loadEventEnd"] - entry["startTime"])
        server.append(entry["responseEnd"] - entry["requestStart"])
    cards = page.evaluate("""Object.fromEntries([...document.querySelectorAll('.column')].map(
        c => [c.dataset.status, [c.querySelectorAll('.card').length, +c.dataset.total]]))""")
    page.close()
    return {"ready_p50_ms": p50(times), "ready_max_ms": round(max(times), 1),
            "html_p50_ms": p50(server), "cards_shown_and_total": cards}


def change_latency(browser, repo: Path, url: str, n: int) -> dict:  # noqa: ANN001
    page = browser.new_page()
    page.goto(url, wait_until="load")
    target = page.eval_on_selector('[data-status="open"] .card', "c => c.dataset.id")
    page.wait_for_function("() => document.body.dataset.live === '1'")
    lags = []
    for k in range(n):
        title = f"Changed elsewhere {k}"
        page.evaluate(WATCH, [target, title])
        gi(repo, "edit", target, "--title", title)
        exited = time.time() * 1000
        page.wait_for_function("() => window.__seen !== null", timeout=30_000)
        lags.append(page.evaluate("window.__seen") - exited)
    page.close()
    return {"change_to_page_p50_ms": p50(lags), "change_to_page_max_ms": round(max(lags), 1)}


def write_p50(repo: Path, issue: str, n: int) -> float:
    times = []
    for k in range(n):
        t = time.perf_counter()
        gi(repo, "comment", issue, f"comment {k}")
        times.append((time.perf_counter() - t) * 1000)
    return p50(times)


def writes_with_pages(browser, repo: Path, url: str, pages: int, n: int) -> dict:  # noqa: ANN001
    issue = gi(repo, "list", "--limit", "1", "--json").stdout
    issue = json.loads(issue)[0]["id"]
    write_p50(repo, issue, 3)  # warm the caches
    alone = write_p50(repo, issue, n)
    contexts = [browser.new_context() for _ in range(pages)]
    opened = []
    for c in contexts:
        p = c.new_page()
        p.goto(url, wait_until="load")
        p.wait_for_function("() => document.body.dataset.live === '1'")
        opened.append(p)
    watched = write_p50(repo, issue, n)
    for c in contexts:
        c.close()
    again = write_p50(repo, issue, n)  # 0 pages again: how much the machine itself moved
    return {"write_p50_ms_0_pages": alone, f"write_p50_ms_{pages}_pages": watched,
            "write_p50_ms_0_pages_after": again}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--issues", type=int, default=10_000)
    ap.add_argument("--loads", type=int, default=15)
    ap.add_argument("--changes", type=int, default=15)
    ap.add_argument("--pages", type=int, default=20)
    ap.add_argument("--writes", type=int, default=30)
    a = ap.parse_args()
    from playwright.sync_api import sync_playwright

    repo = scratch_repo()
    proc = None
    try:
        data = "".join(json.dumps(i) + "\n" for i in sample_issues(a.issues))
        gi(repo, "import", "-", input=data)
        proc, url = start_server(repo)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            results = {"issues": a.issues, **board_loads(browser, url, a.loads),
                       **change_latency(browser, repo, url, a.changes),
                       **writes_with_pages(browser, repo, url, a.pages, a.writes)}
            browser.close()
        report("web", results)
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait()
        shutil.rmtree(repo, ignore_errors=True)


if __name__ == "__main__":
    main()
