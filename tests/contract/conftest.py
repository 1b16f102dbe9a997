"""Fixtures of the contract tests that race clones through a real git daemon."""

from __future__ import annotations

import pytest

from tests.conftest import isolated_env
from tests.gitdaemon import GitDaemon


@pytest.fixture(scope="module")
def daemon(tmp_path_factory):
    """A `git daemon` on 127.0.0.1 with receive-pack, for the tests of one module."""
    root = tmp_path_factory.mktemp("daemon")
    with GitDaemon(root / "srv", isolated_env(root / "env")) as d:
        yield d
