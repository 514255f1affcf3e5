"""Browser fixtures: the built site on a local HTTP server, and Debian's Chromium driven by Playwright.

Chromium is never downloaded. Without ``/usr/bin/chromium`` these tests skip with
a reason, unless ``LESSONKIT_REQUIRE_BROWSER=1`` (set by CI) turns that into a failure.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from lessonkit.site.built_pages import BuiltPage, built_pages
from lessonkit.site.site_server import serve_site

CHROMIUM = Path(os.environ.get("LESSONKIT_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
AXE = Path(__file__).resolve().parents[2] / "node_modules/axe-core/axe.min.js"


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core's script, from the npm package pinned in package.json (``npm ci``)."""
    if not AXE.is_file():
        reason = f"{AXE} is missing; run `npm ci`"
        if os.environ.get("LESSONKIT_REQUIRE_BROWSER") == "1":
            pytest.fail(f"LESSONKIT_REQUIRE_BROWSER=1 but {reason}")
        pytest.skip(reason)
    return AXE.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def site_pages(built_site: Path) -> list[BuiltPage]:
    """Every page of the built site, found in the site itself (no list to edit: a new page is in)."""
    return built_pages(built_site)


@pytest.fixture(scope="session")
def content_pages(site_pages: list[BuiltPage]) -> list[str]:
    """The URL paths of every page a link leads to (the not-found pages aside)."""
    return [page.path for page in site_pages if page.kind != "404"]


@pytest.fixture(scope="session")
def site_url(built_site: Path) -> Iterator[str]:
    """Serve the built site on 127.0.0.1 on a free port, as a static host does; yield its base URL."""
    with serve_site(built_site) as url:
        yield url


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


def watched_page(context):
    """A new page of *context* whose ``errors`` collect JavaScript errors, console errors and HTTP errors."""
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
    return page


@pytest.fixture
def page(context):
    """A page that fails the test on any JavaScript error, console error or HTTP error."""
    page = watched_page(context)
    yield page
    assert page.errors == [], f"errors in the browser console: {page.errors}"
