"""Shared fixtures: fresh git repositories and an isolated environment for every `gi` run.

Every `gi` run gets HOME and XDG_CONFIG_HOME inside the test's temporary directory,
`GI_AGENT=tester`, and `GIT_CONFIG_GLOBAL` pointing at an empty file, so neither the
machine's git configuration nor a user's `gi` configuration leaks into a test. PATH is kept.

Fixtures:
- `sandbox`: a `Sandbox` (environment + fresh repository) for one test;
- `repo`: the repository's path; `gi`: `run_gi` bound to it; `git`: plain git bound to it;
- `run_gi`: `run_gi(*args, cwd=..., input=None, env=None)` with the test's environment;
- `make_sandbox`: session-scoped factory for module-scoped shared stores.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import ruamel.yaml  # noqa: F401  (imported before pyfakefs runs, which would unload it)

DEFAULT_TIMEOUT = 60
# Passed through from the machine: nothing that could change what git or gi do.
_PASS_THROUGH = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR", "TZ")


def gi_executable() -> str:
    """The `gi` console script of the interpreter running the tests, else the one on PATH."""
    beside = Path(sys.executable).parent / "gi"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    found = shutil.which("gi")
    if not found:
        raise RuntimeError("the gi console script is not installed")
    return found


GI = gi_executable()


@dataclass
class Result:
    args: tuple[str, ...]
    code: int
    out: str
    err: str

    @property
    def json(self) -> Any:
        """stdout parsed as one JSON document."""
        return json.loads(self.out)

    @property
    def err_json(self) -> Any:
        """The last non-empty line of stderr parsed as JSON (SPEC §4 error object)."""
        lines = [x for x in self.err.splitlines() if x.strip()]
        assert lines, f"stderr is empty: {self!r}"
        return json.loads(lines[-1])

    def __repr__(self) -> str:
        def cut(s: str) -> str:
            return s if len(s) < 2000 else s[:1000] + " … " + s[-1000:]

        return (f"gi {' '.join(self.args)!r} -> exit {self.code}\n"
                f"--- stdout ---\n{cut(self.out)}\n--- stderr ---\n{cut(self.err)}")


def isolated_env(base: Path) -> dict[str, str]:
    """A fresh environment rooted in `base` (created if needed)."""
    home = base / "home"
    xdg = home / ".config"
    xdg.mkdir(parents=True, exist_ok=True)
    gitconfig = base / "gitconfig-global"
    gitconfig.touch()
    env = {k: os.environ[k] for k in _PASS_THROUGH if k in os.environ}
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(xdg),
        GI_AGENT="tester",
        GIT_CONFIG_GLOBAL=str(gitconfig),
        GIT_CONFIG_NOSYSTEM="1",
        GIT_TERMINAL_PROMPT="0",
    )
    return env


def run_gi_with(base_env: dict[str, str], *args: str, cwd: str | os.PathLike[str],
                input: str | bytes | None = None, env: dict[str, str] | None = None,
                timeout: float = DEFAULT_TIMEOUT) -> Result:
    """Run `gi ARGS…` in `cwd` with `base_env` (+ `env` overrides), as a user would."""
    full_env = {**base_env, **(env or {})}
    text_input = input.decode() if isinstance(input, bytes) else input
    proc = subprocess.run(
        [GI, *args], cwd=cwd, input=text_input, capture_output=True, text=True,
        env=full_env, timeout=timeout,
    )
    return Result(tuple(args), proc.returncode, proc.stdout, proc.stderr)


class Sandbox:
    """An isolated environment plus a fresh repository with one empty commit."""

    gi_path = GI

    def __init__(self, base: Path) -> None:
        self.base = base
        self.env = isolated_env(base)
        self.repo = base / "repo"
        self.repo.mkdir()
        self.git("init", "-q", "-b", "main")
        self.git("config", "user.name", "Test User")
        self.git("config", "user.email", "test@example.com")
        self.git("commit", "-q", "--allow-empty", "-m", "initial")

    def gi(self, *args: str, cwd: str | os.PathLike[str] | None = None,
           input: str | bytes | None = None, env: dict[str, str] | None = None,
           timeout: float = DEFAULT_TIMEOUT) -> Result:
        return run_gi_with(self.env, *args, cwd=cwd or self.repo, input=input, env=env,
                           timeout=timeout)

    def git(self, *args: str, cwd: str | os.PathLike[str] | None = None, check: bool = True,
            env: dict[str, str] | None = None, input: str | None = None) -> str:
        """Run git; return stdout with the trailing newline removed (raise on failure)."""
        proc = subprocess.run(
            ["git", *args], cwd=cwd or self.repo, capture_output=True, text=True,
            env={**self.env, **(env or {})}, input=input, timeout=DEFAULT_TIMEOUT,
        )
        if check and proc.returncode != 0:
            raise AssertionError(f"git {' '.join(args)} failed ({proc.returncode}): "
                                 f"{proc.stderr}")
        return proc.stdout.rstrip("\n")

    def git_bytes(self, *args: str) -> bytes:
        """Run git; return stdout exactly as bytes (raise on failure)."""
        proc = subprocess.run(["git", *args], cwd=self.repo, capture_output=True,
                              env=self.env, timeout=DEFAULT_TIMEOUT)
        if proc.returncode != 0:
            raise AssertionError(f"git {' '.join(args)} failed: {proc.stderr!r}")
        return proc.stdout

    def git_ok(self, *args: str) -> bool:
        proc = subprocess.run(["git", *args], cwd=self.repo, capture_output=True,
                              env=self.env, timeout=DEFAULT_TIMEOUT)
        return proc.returncode == 0

    # --- the store as git sees it ---------------------------------------------------------

    STORE_REF = "refs/heads/issue-facade"

    def store_tip(self) -> str | None:
        out = self.git("rev-parse", "--verify", "-q", self.STORE_REF, check=False)
        return out or None

    def store_commits(self) -> int:
        """How many commits the store branch has (0 when it does not exist)."""
        if self.store_tip() is None:
            return 0
        return int(self.git("rev-list", "--count", self.STORE_REF))

    def commit_store_file(self, path: str, data: bytes) -> None:
        """Put a file on the store branch with git plumbing, as a pull from another clone (or
        an older or broken gi) would, bypassing gi's checks."""
        tip = self.store_tip()
        blob = subprocess.run(["git", "hash-object", "-w", "--stdin"], cwd=self.repo,
                              env=self.env, input=data, capture_output=True,
                              check=True).stdout.decode().strip()
        index = {**self.env, "GIT_INDEX_FILE": str(self.base / "tmp-store-index")}
        if tip:
            subprocess.run(["git", "read-tree", tip], cwd=self.repo, env=index, check=True)
        subprocess.run(["git", "update-index", "--add", "--cacheinfo", f"100644,{blob},{path}"],
                       cwd=self.repo, env=index, check=True)
        tree = subprocess.run(["git", "write-tree"], cwd=self.repo, env=index,
                              capture_output=True, check=True).stdout.decode().strip()
        parent = ["-p", tip] if tip else []
        commit = self.git("commit-tree", tree, *parent, "-m", "from elsewhere")
        self.git("update-ref", self.STORE_REF, commit, *([tip] if tip else []))

    def create(self, title: str, *args: str) -> str:
        """`gi create`; returns the new id (the test fails if the command does)."""
        r = self.gi("create", title, *args)
        assert r.code == 0, r
        return r.out.strip()

    def show(self, issue_id: str) -> dict[str, Any]:
        r = self.gi("show", issue_id, "--json")
        assert r.code == 0, r
        return r.json


@pytest.fixture(scope="session")
def make_sandbox(tmp_path_factory: pytest.TempPathFactory):
    """Factory for sandboxes that outlive one test (module-scoped shared stores)."""

    def make(name: str = "sandbox") -> Sandbox:
        return Sandbox(tmp_path_factory.mktemp(name))

    return make


@pytest.fixture
def sandbox(tmp_path: Path) -> Sandbox:
    return Sandbox(tmp_path)


@pytest.fixture
def repo(sandbox: Sandbox) -> Path:
    """A fresh `git init` repository with one empty commit and a local user."""
    return sandbox.repo


@pytest.fixture
def gi(sandbox: Sandbox):
    """`gi(*args, cwd=None, input=None, env=None)`: run gi in the test's repository."""
    return sandbox.gi


@pytest.fixture
def git(sandbox: Sandbox):
    """`git(*args)`: run git in the test's repository; returns stdout."""
    return sandbox.git


@pytest.fixture
def run_gi(sandbox: Sandbox):
    """`run_gi(*args, cwd=..., input=None, env=None)` with the test's isolated environment."""

    def run(*args: str, cwd: str | os.PathLike[str], input: str | bytes | None = None,
            env: dict[str, str] | None = None, timeout: float = DEFAULT_TIMEOUT) -> Result:
        return run_gi_with(sandbox.env, *args, cwd=cwd, input=input, env=env, timeout=timeout)

    return run


def appending_editor(tmp_path: Path, text: str) -> str:
    """An $EDITOR script that appends `text` to the file it is given (for `gi config edit`)."""
    body = tmp_path / "append.yaml"
    body.write_text(text)
    script = tmp_path / "editor.sh"
    script.write_text(f"#!/bin/sh\ncat '{body}' >> \"$1\"\n")
    script.chmod(0o755)
    return str(script)


@pytest.fixture(scope="module")
def web(store: Sandbox):
    """`gi web` serving the module's `store` fixture (tests/webserver.py); stopped at the end.
    A module that serves something else defines its own `web`."""
    from tests.webserver import Web

    server = Web(store)
    yield server
    server.stop()
