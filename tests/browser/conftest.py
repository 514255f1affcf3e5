"""Browser fixtures: the built site on a local HTTP server, and Debian's Chromium driven by Playwright.

Chromium is never downloaded. Without ``/usr/bin/chromium`` these tests skip with
a reason, unless ``LESSONKIT_REQUIRE_BROWSER=1`` (set by CI) turns that into a failure.
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Iterator
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

CHROMIUM = Path(os.environ.get("LESSONKIT_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PAGES = ["/", "/daemon/", "/en/", "/en/daemon/"]


class SiteHandler(SimpleHTTPRequestHandler):
    """Serve the site quietly; a missing URL gets the nearest ``404.html`` (per language)."""

    def log_message(self, format: str, *args: object) -> None:
        pass

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        if code != HTTPStatus.NOT_FOUND:
            super().send_error(code, message, explain)
            return
        directory = Path(self.directory)
        parts = [p for p in urlsplit(self.path).path.split("/") if p and p != ".."]
        for depth in range(len(parts), -1, -1):
            page = directory.joinpath(*parts[:depth], "404.html")
            if page.is_file():
                body = page.read_bytes()
                self.send_response(HTTPStatus.NOT_FOUND)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
        super().send_error(code, message, explain)


@pytest.fixture(scope="session")
def site_url(built_site: Path) -> Iterator[str]:
    """Serve the built site on 127.0.0.1 on a free port; yield its base URL."""
    handler = functools.partial(SiteHandler, directory=str(built_site))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def browser():
    """Launch Debian's Chromium headless through Playwright."""
    if not CHROMIUM.is_file():
        reason = f"Chromium not found at {CHROMIUM}; install it with: apt-get install -y chromium"
        if os.environ.get("LESSONKIT_REQUIRE_BROWSER") == "1":
            pytest.fail(f"LESSONKIT_REQUIRE_BROWSER=1 but {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def context(browser, site_url: str):
    """A fresh browser context that may use the clipboard, recording every request it makes."""
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"], base_url=site_url)
    context.requested = []  # type: ignore[attr-defined]
    context.on("request", lambda request: context.requested.append(request.url))  # type: ignore[attr-defined]
    yield context
    context.close()


@pytest.fixture
def page(context):
    """A page that fails the test on any JavaScript error or console error."""
    page = context.new_page()
    page.errors = []  # type: ignore[attr-defined]
    page.on("pageerror", lambda error: page.errors.append(str(error)))  # type: ignore[attr-defined]
    page.on(
        "response",
        lambda response: (
            page.errors.append(f"HTTP {response.status} for {response.url}")  # type: ignore[attr-defined]
            if response.status >= 400
            else None
        ),
    )
    page.on(
        "console",
        lambda message: page.errors.append(message.text) if message.type == "error" else None,  # type: ignore[attr-defined]
    )
    yield page
    assert page.errors == [], f"errors in the browser console: {page.errors}"
