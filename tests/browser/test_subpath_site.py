"""The site built for a URL with a path, served under that path, in a real browser.

GitHub Pages serves a project site at ``https://OWNER.github.io/REPO/`` and answers every
missing URL with the root ``404.html``; other hosts answer with the nearest ``404.html``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from conftest import watched_page
from support import SUBPATH_URL
from test_site import heading, search

from lessonkit.site.site_server import serve_site, url_prefix

PREFIX = "/mp-lessons/"
ASSETS = """() => [...document.querySelectorAll(
    'img[src], script[src], link[rel~="stylesheet"], link[rel~="icon"]'
)].map(element => element.src || element.href)"""
"""Every file a page loads, lazy pictures (timelines in folded answers) included."""
FETCH = "urls => Promise.all(urls.map(url => fetch(url).then(r => r.arrayBuffer().then(() => r.status))))"
"""Each URL's status, each body read whole (a body left unread is aborted, a failed request)."""


@pytest.fixture(scope="module")
def subpath_url(subpath_site: Path) -> Iterator[str]:
    assert url_prefix(SUBPATH_URL) == PREFIX
    with serve_site(subpath_site, PREFIX) as url:
        yield url


@pytest.fixture
def watched(browser):
    """A new page, in its own context, that records errors and failed requests; none may remain."""
    context = browser.new_context()
    page = watched_page(context)
    page.on("requestfailed", lambda request: page.errors.append(f"{request.failure}: {request.url}"))
    page.requested = []
    page.on("request", lambda request: page.requested.append(request.url))
    yield page
    context.close()
    assert page.errors == [], f"errors in the browser: {page.errors}"


def test_every_page_loads_everything_from_under_the_path(
    watched, subpath_url: str, content_pages: list[str]
) -> None:
    checked = []
    for path in content_pages:
        response = watched.goto(subpath_url + path)
        assert response is not None and response.status == 200
        watched.wait_for_load_state("networkidle")
        assert watched.evaluate("document.fonts.status") == "loaded"
        assert watched.locator(".md-header").evaluate("e => getComputedStyle(e).position") == "sticky"
        assets = watched.evaluate(ASSETS)
        assert len(assets) > 3, assets
        statuses = watched.evaluate(FETCH, assets)
        assert [url for url, status in zip(assets, statuses, strict=True) if status != 200] == []
        checked += assets
    search(watched, "daemon")  # the search worker and the index, from under the path
    first = watched.locator(".md-search-result__item a").first
    first.wait_for(state="attached", timeout=15000)
    assert first.get_attribute("href").startswith(subpath_url + "/")
    outside = [url for url in watched.requested if not url.startswith(subpath_url + "/")]
    assert outside == [], "every request stays under the site's path"
    assert any("/assets/lessonkit/timeline-" in url for url in checked), "the lesson's timelines were checked"


@pytest.mark.parametrize(
    ("path", "language"), [("/no-such-page/", "zh"), ("/en/no-such-page/", "en")], ids=["zh", "en"]
)
def test_the_404_pages_have_their_styles_under_the_path(
    watched, subpath_url: str, subpath_site: Path, path: str, language: str
) -> None:
    """As hosts that serve the nearest 404.html do: each language's own 404 page."""
    response = watched.goto(subpath_url + path)
    assert response is not None and response.status == 404
    watched.wait_for_load_state("networkidle")
    own = subpath_site / ("en/404.html" if language == "en" else "404.html")
    expected = BeautifulSoup(own.read_text(encoding="utf-8"), "html.parser")
    assert watched.locator("html").get_attribute("lang") == language
    assert heading(watched) == expected.h1.get_text()
    assert watched.locator(".md-header").evaluate("e => getComputedStyle(e).position") == "sticky"
    assert watched.evaluate("document.styleSheets.length") >= 3
    expected_errors(watched, subpath_url + path)


def expected_errors(page, url: str) -> None:
    """Drop the errors the missing page itself causes; any other file's 404 stays, with its URL."""
    document = [
        f"HTTP 404 for {url}",
        "Failed to load resource: the server responded with a status of 404 (Not Found)",
    ]
    for error in document:
        page.errors.remove(error)


def english_404(site: Path) -> dict[str, str]:
    """What the English build's 404 page says, to compare the root one's English with."""
    soup = BeautifulSoup((site / "en/404.html").read_text(encoding="utf-8"), "html.parser")
    return {
        "title": soup.title.get_text(),
        "heading": soup.h1.get_text(),
        "text": soup.select_one("[data-lessonkit-404] p").get_text(),
        "home": soup.select_one("[data-lessonkit-404] a")["href"],
        "site_name": soup.select_one(".md-header__topic .md-ellipsis").get_text().strip(),
    }


@pytest.mark.parametrize("prefix", ["/", PREFIX], ids=["root", "path"])
@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_like_github_pages_the_root_404_answers_under_en_in_english(
    browser, request, prefix: str, javascript: bool
) -> None:
    """GitHub Pages serves the root 404.html for /en/missing/ too: English with a script, Chinese without."""
    site = request.getfixturevalue("built_site" if prefix == "/" else "subpath_site")
    english = english_404(site)
    assert english["home"] == prefix + "en/"
    chinese = BeautifulSoup((site / "404.html").read_text(encoding="utf-8"), "html.parser")
    with serve_site(site, prefix, not_found="root") as base:
        context = browser.new_context(java_script_enabled=javascript)
        try:
            page = watched_page(context)
            for path, language in (
                ("/en/no-such-page/", "en" if javascript else "zh"),
                ("/no-such-page/", "zh"),
            ):
                response = page.goto(base + path)
                assert response is not None and response.status == 404
                assert response.text() == (site / "404.html").read_text(encoding="utf-8"), "the root 404.html"
                page.wait_for_load_state("networkidle")
                assert page.locator("html").get_attribute("lang") == language
                shown = page.locator("[data-lessonkit-404]")
                if language == "en":
                    assert page.title() == english["title"]
                    assert heading(page) == english["heading"]
                    assert shown.locator("p").inner_text() == english["text"]
                    assert shown.locator("a").get_attribute("href") == english["home"]
                    assert (
                        page.locator(".md-header__topic .md-ellipsis").first.inner_text()
                        == english["site_name"]
                    )
                    assert page.locator(".md-header a.md-logo").get_attribute("href") == english["home"]
                    assert page.locator(".md-search__input").get_attribute("placeholder") == "Search"
                else:
                    assert page.title() == chinese.title.get_text()
                    assert heading(page) == chinese.h1.get_text()
                    assert shown.locator("a").get_attribute("href") == prefix
                assert page.locator(".md-header").evaluate("e => getComputedStyle(e).position") == "sticky"
                expected_errors(page, base + path)
                assert page.errors == [], page.errors
        finally:
            context.close()
