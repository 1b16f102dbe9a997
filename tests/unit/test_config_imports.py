"""The configuration modules sit below the store and the CLI: none of them reaches itself
through its imports (lazy imports inside functions count too), so each loads on its own."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import gitissues

ROOT = Path(gitissues.__file__).parent
CONFIG_MODULES = ["gitissues.config", "gitissues.config_keys", "gitissues.config_files",
                  "gitissues.bridge_target", "gitissues.remote_url", "gitissues.identity",
                  "gitissues.settings", "gitissues.cli.config_cmd", "gitissues.cli.config_write"]


def _name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _graph() -> dict[str, set[str]]:
    files = {_name(p): p for p in ROOT.rglob("*.py")}
    edges: dict[str, set[str]] = {}
    for mod, path in files.items():
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                subs = {f"{node.module}.{a.name}" for a in node.names} & set(files)
                found.update(subs)
                if len(subs) < len(node.names):  # names taken from the module itself
                    found.add(node.module)
        edges[mod] = {m for m in found if m in files and m != mod}
    return edges


@pytest.mark.parametrize("module", CONFIG_MODULES)
def test_no_import_circle_through(module):
    edges = _graph()
    seen, todo = set(), [(module, [module])]
    while todo:
        here, trail = todo.pop()
        for nxt in edges.get(here, ()):
            assert nxt != module, "import circle: " + " -> ".join([*trail, nxt])
            if nxt not in seen:
                seen.add(nxt)
                todo.append((nxt, [*trail, nxt]))
