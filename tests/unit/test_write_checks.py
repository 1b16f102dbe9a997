"""The last line of defence of every write (core hardening §2): each file is checked to read
back as the issue it holds before anything is committed, in both store modes."""

from __future__ import annotations

import os

import pytest

from gitissues import open_store
from gitissues.errors import InvalidData
from gitissues.model import Issue


@pytest.mark.parametrize("mode", ["branch", "tree"])
@pytest.mark.parametrize("bad", [
    lambda text: text.replace("title:", "title: [unclosed"),   # does not parse
    lambda text: text.replace("priority: 2", "priority: 3"),   # parses as another issue
    lambda text: text + "\ud800",                              # cannot be encoded
])
def test_a_file_that_would_not_read_back_is_never_written(sandbox, monkeypatch, mode, bad):
    sb = sandbox
    assert sb.gi("init", "--mode", mode).code == 0
    issue_id = sb.create("Good")
    before = (sb.store_tip(), sb.gi("export").out, sb.git("status", "--porcelain"))
    monkeypatch.chdir(sb.repo)
    monkeypatch.setenv("GI_AGENT", "tester")
    real = Issue.to_yaml
    monkeypatch.setattr(Issue, "to_yaml", lambda self: bad(real(self)))
    store = open_store(os.getcwd())
    with pytest.raises(InvalidData, match="read"):
        store.edit(issue_id, title="Changed")
    with pytest.raises(InvalidData, match="read"):
        store.create("New")
    assert (sb.store_tip(), sb.gi("export").out, sb.git("status", "--porcelain")) == before
