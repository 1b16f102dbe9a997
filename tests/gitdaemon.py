"""Helpers for the tests that exchange the store between clones: a loopback `git daemon`, bare
remotes, clones with their own agent identity, and `gi` processes started side by side.

Imported by tests/contract/test_remote_claims.py, test_sync.py, test_merge_driver.py and
tests/property/test_convergence.py (tests/ is on sys.path, like conftest).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from conftest import DEFAULT_TIMEOUT, GI, Result, isolated_env, run_gi_with

STORE_REF = "refs/heads/issue-facade"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def git(*args: str, cwd: Path, env: dict[str, str], check: bool = True,
        timeout: float = DEFAULT_TIMEOUT) -> str:
    proc = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} in {cwd} failed ({proc.returncode}): "
                             f"{proc.stderr}")
    return proc.stdout.rstrip("\n")


def make_bare(path: Path, env: dict[str, str]) -> Path:
    """An empty bare repository that a git daemon lets clients push to."""
    path.mkdir(parents=True)
    git("init", "-q", "--bare", "-b", "main", str(path), cwd=path.parent, env=env)
    git("config", "daemon.receivepack", "true", cwd=path, env=env)
    return path


class GitDaemon:
    """`git daemon` serving every repository under `root` on a free loopback port, with
    receive-pack enabled. Use as a context manager; `url(name)` is a clone URL."""

    def __init__(self, root: Path, env: dict[str, str]) -> None:
        self.root, self.env = root, env
        self.proc: subprocess.Popen | None = None
        self.port = 0
        root.mkdir(parents=True, exist_ok=True)

    def start(self, attempts: int = 5) -> GitDaemon:
        log = self.root.parent / f"{self.root.name}-daemon.log"
        for _ in range(attempts):
            self.port = free_port()
            with open(log, "ab") as out:
                self.proc = subprocess.Popen(
                    ["git", "daemon", "--reuseaddr", f"--base-path={self.root}", "--export-all",
                     "--enable=receive-pack", "--listen=127.0.0.1", f"--port={self.port}",
                     str(self.root)],
                    env=self.env, stdout=subprocess.DEVNULL, stderr=out,
                    start_new_session=True)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and self.proc.poll() is None:
                if _accepts(self.port):
                    return self
                time.sleep(0.05)
            self.stop()  # exited (port taken meanwhile?) or never listened: another port
        raise RuntimeError(f"git daemon did not start; see {log}: {log.read_text()[-2000:]}")

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None:
            return
        if proc.poll() is None:
            with suppress(ProcessLookupError):  # the daemon and the children it forked
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)

    def url(self, name: str) -> str:
        return f"git://127.0.0.1:{self.port}/{name}"

    def __enter__(self) -> GitDaemon:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class Clone:
    """One clone of a shared remote, with its own agent identity (GI_AGENT)."""

    def __init__(self, path: Path, env: dict[str, str], agent: str) -> None:
        self.path, self.agent = path, agent
        self.env = {**env, "GI_AGENT": agent}

    def __repr__(self) -> str:
        return f"Clone({self.agent} at {self.path})"

    def gi(self, *args: str, input: str | None = None, env: dict[str, str] | None = None,
           timeout: float = DEFAULT_TIMEOUT) -> Result:
        return run_gi_with(self.env, *args, cwd=self.path, input=input, env=env,
                           timeout=timeout)

    def ok(self, *args: str, **kw: Any) -> Result:
        """`gi ARGS`, which must exit 0."""
        r = self.gi(*args, **kw)
        assert r.code == 0, r
        return r

    def git(self, *args: str, check: bool = True) -> str:
        return git(*args, cwd=self.path, env=self.env, check=check)

    def start(self, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
        """`gi ARGS` as a background process (its own session, so a kill reaches git too)."""
        return subprocess.Popen([GI, *args], cwd=self.path, env={**self.env, **(env or {})},
                                text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                start_new_session=True)

    # --- the store ------------------------------------------------------------------------

    def create(self, title: str, *args: str) -> str:
        return self.ok("create", title, *args).out.strip()

    def show(self, issue_id: str) -> dict[str, Any]:
        return self.ok("show", issue_id, "--json").json

    def export(self) -> str:
        return self.ok("export").out

    def issues(self) -> dict[str, dict[str, Any]]:
        return {d["id"]: d for d in map(json.loads, self.export().splitlines())}

    def sync(self, *args: str) -> Result:
        return self.ok("sync", *args)

    def tip(self) -> str | None:
        return self.git("rev-parse", "--verify", "-q", STORE_REF, check=False) or None

    def commit_messages(self, rev: str = STORE_REF, *extra: str) -> list[str]:
        out = self.git("log", "--format=%B%x00", *extra, rev)
        return [m.strip() for m in out.split("\x00") if m.strip()]

    def conflict_trailers(self) -> list[dict[str, Any]]:
        """Every `Gi-Conflict: {json}` trailer of the store's merge commits, newest first."""
        found = []
        for message in self.commit_messages(STORE_REF, "--merges"):
            for line in message.splitlines():
                if line.startswith("Gi-Conflict:"):
                    found.append(json.loads(line.split(":", 1)[1]))
        return found


def clone(url: str | Path, dest: Path, env: dict[str, str], agent: str) -> Clone:
    git("clone", "-q", str(url), str(dest), cwd=dest.parent, env=env)
    c = Clone(dest, env, agent)
    c.git("config", "user.name", agent)
    c.git("config", "user.email", f"{agent}@example.com")
    return c


def seed(url: str | Path, dest: Path, env: dict[str, str], agent: str = "seeder") -> Clone:
    """The first clone of an empty remote: an empty commit pushed to main."""
    c = clone(url, dest, env, agent)
    c.git("commit", "-q", "--allow-empty", "-m", "initial")
    c.git("push", "-q", "origin", "HEAD:main")
    return c


def served(daemon: GitDaemon, base: Path, name: str) -> Cluster:
    """A new bare remote `name` that `daemon` serves, and its (not yet made) clones."""
    bare = make_bare(daemon.root / f"{name}.git", daemon.env)
    return Cluster(base, remote=bare, url=daemon.url(f"{name}.git"))


class Cluster:
    """A bare remote and its clones. The clones reach it at `url`: its path, unless a git
    daemon serves it (then `git://…`)."""

    def __init__(self, base: Path, remote: Path | None = None, url: str | None = None) -> None:
        self.base = base
        self.env = isolated_env(base / "env")
        self.remote = remote if remote is not None else make_bare(base / "remote.git",
                                                                   self.env)
        self.url: str | Path = url if url is not None else self.remote
        self.clones: list[Clone] = []

    def seed(self, agent: str = "alice") -> Clone:
        c = seed(self.url, self.base / agent, self.env, agent)
        self.clones.append(c)
        return c

    def clone(self, agent: str) -> Clone:
        c = clone(self.url, self.base / agent, self.env, agent)
        self.clones.append(c)
        return c

    def remote_git(self, *args: str, check: bool = True) -> str:
        return git(*args, cwd=self.remote, env=self.env, check=check)

    def remote_tip(self) -> str | None:
        return self.remote_git("rev-parse", "--verify", "-q", STORE_REF, check=False) or None


def converge(*clones: Clone) -> str:
    """Sync every clone in order, twice (the first pass may create merges the second spreads);
    then every clone must hold the same store commit and export the same issues."""
    for _ in range(2):
        for c in clones:
            c.sync()
    tips = {c.agent: c.tip() for c in clones}
    assert len(set(tips.values())) == 1, tips
    exports = {c.agent: c.export() for c in clones}
    first = exports[clones[0].agent]
    for agent, text in exports.items():
        assert text == first, f"{agent} exports differently from {clones[0].agent}"
    return first


@contextmanager
def running(procs: list[subprocess.Popen], timeout: float = 120) -> Iterator[None]:
    """Kill whatever is still running when the block ends (a failed assertion, a timeout)."""
    try:
        yield
    finally:
        for p in procs:
            if p.poll() is None:
                with suppress(ProcessLookupError):
                    os.killpg(p.pid, signal.SIGKILL)
                p.wait(timeout=10)


def finish(p: subprocess.Popen, timeout: float = 120) -> tuple[int, str, str]:
    out, err = p.communicate(timeout=timeout)
    return p.returncode, out, err
