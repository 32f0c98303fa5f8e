"""A real browser with the network blocked, for tests of the shared pages: Debian's
chromium (installed by `make test`) driven by Playwright. Import the fixture and helpers
from test files: `from conftest_browser import browser, offline_page  # noqa: F401`."""

from __future__ import annotations

from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium "
                    "(apt-get install -y --no-install-recommends chromium); never download a browser")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield b
        finally:
            b.close()


class OfflinePage:
    """A page in its own context where every request that is not file:// is aborted and
    recorded (`blocked`), console and page errors are kept (`errors`), and every dialog
    (alert, confirm, prompt) is dismissed and kept (`dialogs`)."""

    def __init__(self, browser):
        self.context = browser.new_context()
        self.page = self.context.new_page()
        self.blocked, self.errors, self.dialogs = [], [], []
        self.page.route("**/*", self._route)
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", lambda d: (self.dialogs.append((self.page.url, d.message)), d.dismiss()))

    def _route(self, r):
        if r.request.url.startswith("file://"):
            r.continue_()
        else:
            self.blocked.append(r.request.url)
            r.abort()

    def open(self, path: Path, settle_ms: int = 300):
        self.page.goto(Path(path).resolve().as_uri(), wait_until="load")
        self.page.wait_for_timeout(settle_ms)
        return self.page

    def close(self):
        self.context.close()


def offline_page(browser) -> OfflinePage:
    return OfflinePage(browser)
