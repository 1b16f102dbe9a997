"""Browser fixtures: Debian's chromium driven by Playwright (never a browser Playwright
downloads), one browser per module. Without playwright or /usr/bin/chromium the browser tests
skip — except under GI_TEST_REQUIRE_ALL=1 (set by .ci/run), where that is a failure."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.webserver import CHROMIUM, browser_args, require_all


def _missing() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e '.[test]')"
    if not (os.access(CHROMIUM, os.X_OK) or shutil.which("chromium")):
        return f"{CHROMIUM} is missing (apt-get install chromium)"
    return None


@pytest.fixture(scope="module")
def browser():
    why = _missing()
    if why:
        if require_all():
            pytest.fail(f"GI_TEST_REQUIRE_ALL is set but {why}")
        pytest.skip(why)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        path = CHROMIUM if os.access(CHROMIUM, os.X_OK) else shutil.which("chromium")
        b = p.chromium.launch(executable_path=path, args=browser_args())
        yield b
        b.close()


@pytest.fixture(scope="session")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where screenshots are kept (a pytest temporary directory)."""
    return tmp_path_factory.mktemp("web-artifacts")
