"""A headless Chromium for the tests of the HTML report: launched offline, with a record of what each page asked for."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium() -> str:
    """Debian's Chromium (package ``chromium``), or ``$ZARR_CONFORMANCE_CHROMIUM``; its absence is an error,
    not a skip."""
    found = os.environ.get("ZARR_CONFORMANCE_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        pytest.fail(
            "no Chromium for the browser test: install Debian's package 'chromium' (the README's test command "
            "does) or set ZARR_CONFORMANCE_CHROMIUM to a Chromium binary",
            pytrace=False,
        )
    return found


@contextmanager
def launched() -> Iterator[Any]:
    """A Chromium browser (playwright's ``Browser``), closed on exit."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium(), args=FLAGS)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class PageLog:
    """Console errors, uncaught exceptions and every URL a page requested."""

    problems: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def watch(self, page: Any) -> Any:
        page.on("console", lambda message: self.problems.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: self.problems.append(str(error)))
        page.on("request", lambda request: self.requests.append(request.url))
        return page

    def assert_clean_and_offline(self, page_url: str) -> None:
        """No console error, and the page asked for nothing but its own file (the fragment aside)."""
        assert not self.problems, f"console errors: {self.problems}"
        others = [url for url in self.requests if url.split("#")[0] != page_url.split("#")[0]]
        assert not others, f"the page asked for more than itself: {others}"
