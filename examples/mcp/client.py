"""An MCP client for `gi mcp`, as an agent's tool runs it: it reads the server entry from a
client configuration (a `.mcp.json` / `.cursor/mcp.json` file, or Codex's `config.toml`),
starts that command in the current repository, and works one issue through the loop:
ready → claim (next) → progress → comment → close.

    python examples/mcp/client.py examples/mcp/claude-code.mcp.json

Needs the `mcp` package (a dependency of gi) and `gi` on PATH.
"""

from __future__ import annotations

import json
import os
import sys
import tomllib

import anyio
from mcp import Client, StdioServerParameters
from mcp_types import Implementation


def server_from(config_path: str) -> StdioServerParameters:
    """The `gi` server entry of a client configuration."""
    with open(config_path, "rb") as f:
        if config_path.endswith(".toml"):
            entry = tomllib.load(f)["mcp_servers"]["gi"]
        else:
            entry = json.load(f)["mcpServers"]["gi"]
    return StdioServerParameters(command=entry["command"], args=entry.get("args", []),
                                 env={**os.environ, **entry.get("env", {})}, cwd=os.getcwd())


async def work_one_issue(server: StdioServerParameters) -> int:
    async with Client(server, client_info=Implementation(name="example-agent", version="1"),
                      mode="legacy") as client:

        async def call(tool: str, **args: object) -> tuple[bool, dict]:
            result = await client.call_tool(tool, args)
            answer = json.loads(result.content[0].text)
            print(f"{tool} {json.dumps(args)} -> {json.dumps(answer)}")
            return result.is_error, answer

        await call("ready", limit=5)
        error, claimed = await call("claim", next=True)
        if error:  # exit_code 3: nothing is ready; 4: someone else was faster
            return claimed["error"]["exit_code"]
        issue = claimed["issue"].split(" ", 1)[0]
        await call("progress", id=issue, progress=0.5, stage="implementation")
        await call("comment", id=issue, text="Done by the example client.")
        error, _ = await call("close", id=issue, reason="worked through by the example")
        return 1 if error else 0


if __name__ == "__main__":
    sys.exit(anyio.run(work_one_issue, server_from(sys.argv[1])))
