"""The MCP server over stdio, on the official SDK's low-level `Server` (its input schemas are
ours, kept small by hand, rather than generated from Python signatures).

A tool's failure is a result with `isError` whose text is SPEC §4's error object plus the exit
code the CLI would give (`{"error": {"code": "conflict", "exit_code": 4, "message": …,
"holder": …}}`); nothing a caller sends ends the server. An unknown tool is a protocol error
(invalid params), as the MCP specification asks.
"""

from __future__ import annotations

import os

import anyio
import mcp_types as types
from mcp.server.lowlevel import Server
from mcp.server.stdio import stdio_server
from mcp.shared.exceptions import MCPError

from gitissues import __version__, git
from gitissues.errors import GiError
from gitissues.mcp import catalog, render
from gitissues.mcp.tools import HANDLERS, SessionStore

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

INSTRUCTIONS = """\
gi: this repository's issues, kept in git. The loop: ready → claim (next: true) → work, \
progress → commit with "Fixes <id>" in the message → close. A claim lasts its ttl: extend it \
while you work, release it if you stop. A conflict (exit_code 4) names who holds the issue: \
take another. Lists give a total and a cursor for the next page. Run `gi prime` for more."""


class Session:
    """The server's state: one store, opened at the first call and kept (its reads check the
    store's ref tip, so it never serves stale data)."""

    def __init__(self, path: str = ".") -> None:
        self.path = os.path.abspath(path)
        self.store: SessionStore | None = None

    def open(self) -> SessionStore:
        if self.store is None:
            self.store = SessionStore(git.find_repo(self.path))
        return self.store

    def call(self, name: str, arguments: Any, client: str | None) -> types.CallToolResult:
        try:
            args = catalog.checked(name, arguments)
            store = self.open()
            store.client = client
            doc = HANDLERS[name](store, args)
            return _result(render.fitted(doc), error=False)
        except GiError as exc:
            error = exc.to_json()
            error["error"]["exit_code"] = exc.exit_code
            return _result(render.fitted(error), error=True)
        except Exception as exc:  # a bug: the session goes on, the caller sees what happened
            message = f"unexpected error: {type(exc).__name__}: {exc}"
            return _result(render.fitted({"error": {"code": "error", "exit_code": 1,
                                                    "message": message}}), error=True)


def _result(text: str, error: bool) -> types.CallToolResult:
    return types.CallToolResult(content=[types.TextContent(text=text)], is_error=error)


def tool_list() -> list[types.Tool]:
    return [types.Tool(name=name, description=t["description"], input_schema=t["inputSchema"])
            for name, t in catalog.TOOLS.items()]


def build(session: Session) -> Server:
    tools = tool_list()

    async def list_tools(ctx: Any, params: Any) -> types.ListToolsResult:
        return types.ListToolsResult(tools=tools)

    async def call_tool(ctx: Any, params: types.CallToolRequestParams
                        ) -> types.CallToolResult:
        if params.name not in HANDLERS:
            raise MCPError(code=types.INVALID_PARAMS,
                           message=f"unknown tool {params.name!r}; the tools are "
                                   f"{', '.join(HANDLERS)}")
        return session.call(params.name, params.arguments, _client_name(ctx))

    return Server("gi", version=__version__, title="Issue Facade", instructions=INSTRUCTIONS,
                  on_list_tools=list_tools, on_call_tool=call_tool)


def _client_name(ctx: Any) -> str | None:
    """The client's name from `initialize` (or the request's envelope on newer protocols); one
    that could not be an agent id (not one printable line of at most 200 characters) is left
    out, so identity falls through to git's user.name rather than failing every call."""
    params = getattr(ctx.session, "client_params", None)
    info = getattr(params, "client_info", None)
    name = getattr(info, "name", None)
    if not isinstance(name, str):
        return None
    name = name.strip()
    return name if name and name.isprintable() and len(name) <= 200 else None


def serve(path: str = ".") -> None:
    """Serve one client over stdin/stdout until it closes the connection."""
    server = build(Session(path))

    async def main() -> None:
        async with stdio_server() as (read, write):
            await server.run(read, write, server.create_initialization_options())

    anyio.run(main)
