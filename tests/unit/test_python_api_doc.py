"""docs/python-api.md cannot drift from the store: every public method and attribute of the
object `open_store` returns is documented, each documented method exists with exactly the
parameters its heading names, the fields listed for create/edit are the ones they take, every
error class is in the table with its exit code, and the example at the top runs."""

from __future__ import annotations

import inspect
import re
import subprocess
import sys
from pathlib import Path

import pytest

import gitissues
from gitissues import edits, errors
from gitissues.store import Store, open_store

DOC = Path(__file__).resolve().parents[2] / "docs" / "python-api.md"
TEXT = DOC.read_text()
HEADING = re.compile(r"^### store\.(\w+)\((.*)\)$", re.MULTILINE)


def _public(obj: object) -> set[str]:
    return {n for n in dir(obj) if not n.startswith("_")}


def _params(text: str) -> list[str]:
    """Parameter names of a heading's `(a, b=1, **fields)`, stars kept."""
    names = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        names.append(part.split("=")[0].strip())
    return names


def _documented() -> dict[str, list[str]]:
    found = {}
    for name, params in HEADING.findall(TEXT):
        assert name not in found, f"store.{name} is documented twice"
        found[name] = _params(params)
    return found


@pytest.fixture
def store(sandbox, monkeypatch):
    for key, value in sandbox.env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.chdir(sandbox.repo)
    return open_store(sandbox.repo)


def test_every_public_name_of_the_store_is_documented(store):
    documented = _documented()
    names = _public(store)
    methods = {n for n in names
               if inspect.isfunction(inspect.getattr_static(type(store), n, None))}
    assert methods, "the store has methods"
    missing = sorted(methods - documented.keys())
    assert not missing, f"methods without a '### store.NAME(…)' section: {missing}"
    attributes = names - methods
    undocumented = sorted(a for a in attributes if f"`store.{a}`" not in TEXT)
    assert not undocumented, f"attributes missing from the table: {undocumented}"


def test_every_documented_method_exists_with_those_parameters():
    for name, params in _documented().items():
        method = getattr(Store, name, None)
        assert inspect.isroutine(method), f"store.{name} is documented but does not exist"
        real = []
        for p in list(inspect.signature(method).parameters.values())[1:]:  # not self
            star = {p.VAR_POSITIONAL: "*", p.VAR_KEYWORD: "**"}.get(p.kind, "")
            real.append(star + p.name)
        assert params == real, f"store.{name}: documented {params}, real {real}"


@pytest.mark.parametrize(("method", "impl"), [("create", edits.create), ("edit", edits.edit)])
def test_the_fields_of_create_and_edit_are_the_ones_they_take(method, impl):
    section = TEXT.split(f"### store.{method}(")[1].split("\n### ")[0]
    fields = section.split("Fields, with their CLI flags:")[1].split("Raises")[0]
    listed = set(re.findall(r"`(\w+)`(?=\s*\(`--|\.)", fields))
    taken = {p.name for p in inspect.signature(impl).parameters.values()
             if p.kind == p.KEYWORD_ONLY}
    assert listed == taken, (method, listed ^ taken)


def test_open_store_is_documented_with_its_parameters():
    assert "### open_store(path=\".\")" in TEXT
    assert list(inspect.signature(gitissues.open_store).parameters) == ["path"]


def test_every_error_class_is_in_the_table_with_its_exit_code():
    classes = [c for c in vars(errors).values()
               if isinstance(c, type) and issubclass(c, errors.GiError) and c is not
               errors.GiError]
    assert classes
    for cls in classes:
        row = re.search(rf"^\| `{cls.__name__}`[^|]*\| `(\w+)` \| (\d) \|", TEXT, re.MULTILINE)
        assert row, f"{cls.__name__} is not in the error table"
        assert (row.group(1), int(row.group(2))) == (cls.code, cls.exit_code), cls


def test_the_example_at_the_top_runs(sandbox, tmp_path):
    """Run as a program in the sandbox repository (the example opens ".")."""
    code = TEXT.split("```python\n", 1)[1].split("```", 1)[0]
    script = tmp_path / "example.py"
    script.write_text(code)
    p = subprocess.run([sys.executable, str(script)], cwd=sandbox.repo, env=sandbox.env,
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    closed = sandbox.gi("list", "is:closed", "--json").json
    assert [i["title"] for i in closed] == ["Login crashes"]
    assert closed[0]["comments"][-1]["body"] == "Closed: fixed"
