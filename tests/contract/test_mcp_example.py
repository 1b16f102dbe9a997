"""examples/mcp/: the client configurations are what `gi setup` writes, and the example client
(the official SDK, reading each configuration) works an issue through the loop with them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "mcp"
CONFIGS = {"claude": ("claude-code.mcp.json", ".mcp.json"),
           "cursor": ("cursor.mcp.json", ".cursor/mcp.json"),
           "codex": ("codex.config.toml", ".codex/config.toml")}


def _entry(path: Path) -> dict:
    if path.suffix == ".toml":
        return tomllib.loads(path.read_text())["mcp_servers"]["gi"]
    return json.loads(path.read_text())["mcpServers"]["gi"]


@pytest.mark.parametrize("tool", list(CONFIGS))
def test_the_example_configuration_is_what_setup_writes(sandbox, gi, tool) -> None:
    example, written = CONFIGS[tool]
    assert gi("setup", tool).code == 0
    ours = _entry(sandbox.repo / written)
    assert os.path.basename(ours.pop("command")) == "gi"
    expected = _entry(EXAMPLES / example)
    assert expected.pop("command") == "gi"
    assert ours == expected


@pytest.mark.parametrize("tool", list(CONFIGS))
def test_the_example_client_works_an_issue_through_the_loop(sandbox, tool) -> None:
    issue = sandbox.create("Try the MCP server")
    env = {**sandbox.env, "PATH": f"{Path(sandbox.gi_path).parent}{os.pathsep}"
                                  f"{sandbox.env.get('PATH', '')}"}
    env.pop("GI_AGENT")  # the client's name is the agent
    proc = subprocess.run([sys.executable, str(EXAMPLES / "client.py"),
                           str(EXAMPLES / CONFIGS[tool][0])], cwd=sandbox.repo, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"claim {{\"next\": true}} -> {{\"issue\": \"{issue} in_progress" in proc.stdout
    done = sandbox.show(issue)
    assert done["status"] == "closed" and done["agent"]["stage"] == "implementation"
    assert done["comments"][0]["author"] == "example-agent"
    assert done["comments"][0]["body"] == "Done by the example client."
