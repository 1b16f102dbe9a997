"""Drive `gi mcp` as an agent's tool does: the official SDK's client starts the real `gi mcp`
console script as a subprocess and talks to it over stdio.

Tests are plain functions that call `run(coroutine_function)`; inside, `connect(sandbox, …)`
opens a session whose `ok`/`err` calls parse each answer's JSON text and check `isError`.
Imported by tests/contract/test_mcp*.py (tests/ is on sys.path, like conftest).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import anyio
from conftest import GI, Sandbox
from mcp import Client, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp_types import Implementation

TIMEOUT = 120  # seconds for a whole test's session work, on a loaded machine


def run(fn: Callable[[], Awaitable[Any]]) -> Any:
    """Run an async test body to its end (failing it after TIMEOUT seconds)."""

    async def bounded() -> Any:
        with anyio.fail_after(TIMEOUT):
            return await fn()

    return anyio.run(bounded)


class Session:
    """One connected client; every answer is the JSON document in the result's text."""

    def __init__(self, client: Client, errlog: Any) -> None:
        self.client, self.errlog = client, errlog

    async def call(self, tool: str, args: dict[str, Any] | None = None
                   ) -> tuple[bool, dict[str, Any], str]:
        result = await self.client.call_tool(tool, args or {})
        text = result.content[0].text  # type: ignore[union-attr]
        return result.is_error, json.loads(text), text

    async def ok(self, tool: str, args: dict[str, Any] | None = None) -> dict[str, Any]:
        error, doc, text = await self.call(tool, args)
        assert not error, f"{tool} {args} failed: {text}"
        return doc

    async def err(self, tool: str, args: dict[str, Any] | None = None) -> dict[str, Any]:
        error, doc, text = await self.call(tool, args)
        assert error, f"{tool} {args} should have failed: {text}"
        return doc["error"]

    def stderr(self) -> str:
        self.errlog.flush()
        self.errlog.seek(0)
        return self.errlog.read()


def server_env(sandbox: Sandbox, drop: tuple[str, ...] = (), **extra: str) -> dict[str, str]:
    """The sandbox's isolated environment for the server, less `drop`, plus `extra`."""
    env = {k: v for k, v in sandbox.env.items() if k not in drop}
    env.update(extra)
    return env


@asynccontextmanager
async def connect(sandbox: Sandbox, name: str = "test-client", *, cwd: Any = None,
                  env: dict[str, str] | None = None, mode: str = "legacy"
                  ) -> AsyncIterator[Session]:
    """A session with a fresh `gi mcp` in the sandbox's repository (or `cwd`), the client
    introducing itself as `name`, with the sandbox's environment (GI_AGENT=tester) or `env`
    (over the few variables the SDK passes on: HOME, PATH, USER…). The server's stderr is kept
    for `Session.stderr`."""
    params = StdioServerParameters(command=GI, args=["mcp"], cwd=str(cwd or sandbox.repo),
                                   env=env if env is not None else server_env(sandbox))
    with tempfile.TemporaryFile("w+", encoding="utf-8") as errlog:
        async with Client(stdio_client(params, errlog=errlog),
                          client_info=Implementation(name=name, version="1.0"),
                          mode=mode, cache=None, read_timeout_seconds=TIMEOUT,
                          ) as client:
            yield Session(client, errlog)


def jsonl(issues: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(i) + "\n" for i in issues)


def write_file(path: Any, text: str) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
