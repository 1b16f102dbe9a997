"""`gi web` in a real browser (Debian's chromium through Playwright), SPEC §11 and issue 14:
- the board of N issues ready in the browser (navigation start → load event, every card drawn;
  at most 100 cards a column, closed 50, with a count of the rest), p50 of `--loads`;
- a change reaching an open page: from the exit of `gi edit` in another process to the moment
  the page shows the new title (a MutationObserver stamps it), p50 of `--changes`;
- 20 open pages do not slow writes: p50 of `gi edit --title` (a change every page shows) with
  nothing open, with `--pages` browser pages (each in its own context, so each holds its own
  /events stream), with `--pages` plain streams that ask what a page of the whole board asks
  (the server's share without the browsers' own work on this 2-core machine) and with
  `--pages` streams that ask for the cards after every event (as a filtered page does),
  alternated twice; and the server's CPU time per write in each, and the browser's (every
  chromium process: the pages' own work, which a supervisor's laptop does on its own cores,
  here shares the writer's two).
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
    """CPU time the process has used so far (user + system), from /proc; 0 once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def chromium_pids() -> list[int]:
    """The browser's processes (browser, renderers, GPU, utility) below this one."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    out, todo = [], [os.getpid()]
    while todo:
        for kid in children.get(todo.pop(), []):
            todo.append(kid)
            try:
                exe = os.readlink(f"/proc/{kid}/exe")
            except OSError:
                continue
            if "chrom" in Path(exe).name:
                out.append(kid)
    return out


def chromium_cpu() -> dict[int, float]:
    return {pid: cpu_ms(pid) for pid in chromium_pids()}


def chromium_used(before: dict[int, float]) -> float:
    """CPU time the browser's processes used since `before` (those that ran all along)."""
    after = chromium_cpu()
    return sum(max(after[pid] - used, 0.0) for pid, used in before.items() if pid in after)


class Streams:
    """`n` readers of /events that ask what a page asks (the server's whole share of an open
    page, without a browser's own work): a page of the whole board gets its cards in the
    stream (`?cards=1`) and asks nothing; with `ask`, each asks for the cards every event
    names, as a filtered page does (and as every page did before the cards came in the
    stream)."""

    def __init__(self, url: str, n: int, ask: bool = False) -> None:
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._read, args=(url, ask), daemon=True)
                        for _ in range(n)]
        for t in self.threads:
            t.start()

    def _read(self, url: str, ask_back: bool) -> None:
        parts = urlsplit(url)
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        conn.request("GET", "/events" if ask_back else "/events?cards=1")
        reply = conn.getresponse()
        ask = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        kind = ""
        while not self.stop.is_set():
            line = reply.fp.readline().decode()
            if line.startswith("event: "):
                kind = line[7:].strip()
            elif line.startswith("data: ") and (ask_back or kind == "cards"):
                doc = json.loads(line[6:])
                if kind == "cards" and not doc.get("redraw"):
                    continue  # the cards came with the stream: nothing to ask
                path = "/api/board?q=" + ("" if kind == "cards" else f"&ids={doc.get('issue')}")
                ask.request("GET", path)
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
    times: dict[str, list[float]] = {"none": [], "pages": [], "streams": [], "asking": []}
    cpu: dict[str, float] = dict.fromkeys(times, 0.0)
    browser_cpu: dict[str, float] = dict.fromkeys(times, 0.0)

    def block(kind: str) -> None:
        before, browser_before = cpu_ms(pid), chromium_cpu()
        write_p50(repo, issue, n, times[kind])
        cpu[kind] += cpu_ms(pid) - before
        time.sleep(0.5)  # (the pages' work for the last write is counted too)
        browser_cpu[kind] += chromium_used(browser_before)

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
        for kind in ("streams", "asking"):
            streams = Streams(url, pages, ask=kind == "asking")
            time.sleep(1)  # (let them connect)
            block(kind)
            streams.close()
    writes = 2 * n
    return {"write_p50_ms_0_pages": p50(times["none"]),
            f"write_p50_ms_{pages}_browser_pages": p50(times["pages"]),
            f"write_p50_ms_{pages}_plain_streams": p50(times["streams"]),
            f"write_p50_ms_{pages}_asking_streams": p50(times["asking"]),
            "server_cpu_ms_per_write_0_pages": round(cpu["none"] / writes, 1),
            f"server_cpu_ms_per_write_{pages}_pages": round(cpu["pages"] / writes, 1),
            f"server_cpu_ms_per_write_{pages}_streams": round(cpu["streams"] / writes, 1),
            f"server_cpu_ms_per_write_{pages}_asking_streams": round(cpu["asking"] / writes, 1),
            "chromium_cpu_ms_per_write_0_pages": round(browser_cpu["none"] / writes, 1),
            f"chromium_cpu_ms_per_write_{pages}_pages": round(browser_cpu["pages"] / writes, 1)}


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
