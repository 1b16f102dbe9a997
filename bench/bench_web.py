"""`gi web` in a real browser (Debian's chromium through Playwright), SPEC §11 and issue 14:
- the board of N issues ready in the browser (navigation start → load event, every card drawn;
  at most 100 cards a column, closed 50, with a count of the rest), p50 of `--loads`;
- a change reaching an open page: from the exit of `gi edit` in another process to the moment
  the page shows the new title (a MutationObserver stamps it), p50 of `--changes`;
- 20 open pages do not slow writes: p50 of `gi edit --title` (a change every page shows) with
  nothing open, with `--pages` browser pages (each in its own context, so each holds its own
  /events stream) and with `--pages` plain streams that ask what a page asks (the server's
  share without the browsers' own work on this 2-core machine), alternated twice; and the
  server's CPU time per write in each.
Usage: .venv/bin/python bench/bench_web.py [--issues 10000] [--loads 15] [--changes 15]
       [--pages 20] [--writes 30]"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

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


def write_p50(repo: Path, issue: str, n: int, times: list[float]) -> None:
    """`n` edits of a card's title (every open page moves that card), timed into `times`."""
    for k in range(n):
        t = time.perf_counter()
        gi(repo, "edit", issue, "--title", f"Edited {k} at {t}")
        times.append((time.perf_counter() - t) * 1000)


def cpu_ms(pid: int) -> float:
    """CPU time the process has used so far (user + system), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


class Streams:
    """`n` readers of /events that ask for the cards each event names, as a page does (the
    server's whole share of an open page, without a browser's own work)."""

    def __init__(self, url: str, n: int) -> None:
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._read, args=(url,), daemon=True)
                        for _ in range(n)]
        for t in self.threads:
            t.start()

    def _read(self, url: str) -> None:
        parts = urlsplit(url)
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        conn.request("GET", "/events")
        reply = conn.getresponse()
        ask = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        while not self.stop.is_set():
            line = reply.fp.readline().decode()
            if line.startswith("data: "):
                issue = json.loads(line[6:]).get("issue") or ""
                ask.request("GET", f"/api/board?q=&ids={issue}")
                ask.getresponse().read()
        conn.close()

    def close(self) -> None:
        self.stop.set()


def writes_with_pages(browser, repo: Path, url: str, pid: int, pages: int, n: int  # noqa: ANN001
                      ) -> dict:
    """Rounds of writes with nothing open, with `pages` browser pages open and with `pages`
    plain streams, alternated twice so that a change of the machine's other load falls on all
    alike; with the server's CPU time per write in each."""
    issue = json.loads(gi(repo, "list", "--limit", "1", "--json").stdout)[0]["id"]
    write_p50(repo, issue, 3, [])  # warm the caches
    times: dict[str, list[float]] = {"none": [], "pages": [], "streams": []}
    cpu: dict[str, float] = dict.fromkeys(times, 0.0)

    def block(kind: str) -> None:
        before = cpu_ms(pid)
        write_p50(repo, issue, n, times[kind])
        cpu[kind] += cpu_ms(pid) - before

    for _ in range(2):
        block("none")
        contexts = [browser.new_context() for _ in range(pages)]
        for c in contexts:
            p = c.new_page()
            p.goto(url, wait_until="load")
            p.wait_for_function("() => document.body.dataset.live === '1'")
        block("pages")
        for c in contexts:
            c.close()
        streams = Streams(url, pages)
        time.sleep(1)  # (let them connect)
        block("streams")
        streams.close()
    writes = 2 * n
    return {"write_p50_ms_0_pages": p50(times["none"]),
            f"write_p50_ms_{pages}_browser_pages": p50(times["pages"]),
            f"write_p50_ms_{pages}_plain_streams": p50(times["streams"]),
            "server_cpu_ms_per_write_0_pages": round(cpu["none"] / writes, 1),
            f"server_cpu_ms_per_write_{pages}_pages": round(cpu["pages"] / writes, 1),
            f"server_cpu_ms_per_write_{pages}_streams": round(cpu["streams"] / writes, 1)}


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
                       **writes_with_pages(browser, repo, url, proc.pid, a.pages, a.writes)}
            browser.close()
        report("web", results)
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait()
        shutil.rmtree(repo, ignore_errors=True)


if __name__ == "__main__":
    main()
