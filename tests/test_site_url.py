"""The site's URLs come from SITE_URL: sitemap, canonical links, language alternates, 404 pages.

GitHub Pages serves a project site under a path (``https://OWNER.github.io/REPO/``), and answers
every missing URL there with the root ``404.html``; both are checked on a build for such a URL.
"""

from __future__ import annotations

import gzip
import json
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from support import SUBPATH_URL

from lessonkit.site.site_server import serve_site, url_prefix

LOCAL_URL = "http://127.0.0.1:8000/"
"""mkdocs.yml's default site_url, where ``mkdocs serve`` serves the site."""

NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}


def url_of(site: Path, page: Path, site_url: str) -> str:
    """The URL of *page*, an index.html of *site*, under *site_url*."""
    directory = page.parent.relative_to(site).as_posix()
    return site_url if directory == "." else f"{site_url}{directory}/"


def page_urls(site: Path, site_url: str) -> set[str]:
    """The URL of every page of *site* under *site_url*."""
    return {url_of(site, page, site_url) for page in site.rglob("index.html")}


def canonical(page: Path) -> str:
    link = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser").select_one("link[rel=canonical]")
    assert link is not None, f"{page}: no canonical link"
    return str(link["href"])


def test_the_sitemap_lists_every_page_under_the_site_url_with_its_alternates(subpath_site: Path) -> None:
    tree = ET.parse(subpath_site / "sitemap.xml")
    entries = tree.getroot().findall("s:url", NS)
    locations = [entry.findtext("s:loc", namespaces=NS) for entry in entries]
    assert set(locations) == page_urls(subpath_site, SUBPATH_URL)
    for entry, location in zip(entries, locations, strict=True):
        alternates = {
            link.get("hreflang"): link.get("href") for link in entry.findall("x:link[@rel='alternate']", NS)
        }
        assert set(alternates) == {"zh", "en"}, location
        assert location in alternates.values()
        assert all(href.startswith(SUBPATH_URL) for href in alternates.values()), alternates
        assert alternates["en"].startswith(SUBPATH_URL + "en/"), alternates
        assert not alternates["zh"].startswith(SUBPATH_URL + "en/"), alternates
    # The compressed copy Material writes says the same.
    assert (
        gzip.decompress((subpath_site / "sitemap.xml.gz").read_bytes())
        == (subpath_site / "sitemap.xml").read_bytes()
    )


def test_every_page_is_canonical_at_its_url_under_the_site_url(subpath_site: Path) -> None:
    pages = list(subpath_site.rglob("index.html"))
    assert len(pages) >= 6
    for page in pages:
        assert canonical(page) == url_of(subpath_site, page, SUBPATH_URL)


def test_without_site_url_the_urls_are_local(built_site: Path) -> None:
    """The tests' builds do not see a SITE_URL set for publishing; the default is mkdocs serve's."""
    assert canonical(built_site / "en/daemon/index.html") == LOCAL_URL + "en/daemon/"
    tree = ET.parse(built_site / "sitemap.xml")
    locations = {loc.text for loc in tree.getroot().findall("s:url/s:loc", NS)}
    assert locations == page_urls(built_site, LOCAL_URL)


@pytest.mark.parametrize("page", ["404.html", "en/404.html"])
def test_the_404_pages_load_everything_from_the_site_path(subpath_site: Path, page: str) -> None:
    """A 404 page is served at any depth, so its links are absolute: they must include /mp-lessons/."""
    soup = BeautifulSoup((subpath_site / page).read_text(encoding="utf-8"), "html.parser")
    links = [
        str(element.get("href") or element.get("src"))
        for element in soup.select("a[href], link[href], script[src]")
        if not str(element.get("href") or element.get("src")).startswith(("https://", "#"))
    ]
    assert len(links) > 5
    prefix = url_prefix(SUBPATH_URL)
    for link in links:
        assert link.startswith(prefix), f"{page}: {link}"
        target = subpath_site / link.removeprefix(prefix)
        assert (target / "index.html" if link.endswith(("/", "/.")) else target).is_file(), f"{page}: {link}"


def test_the_root_404_page_carries_each_languages_404_text(subpath_site: Path) -> None:
    """The English strings in the root 404 page are the English build's, for GitHub Pages' sake."""
    root = BeautifulSoup((subpath_site / "404.html").read_text(encoding="utf-8"), "html.parser")
    english = BeautifulSoup((subpath_site / "en/404.html").read_text(encoding="utf-8"), "html.parser")
    entries = {entry["lang"]: entry for entry in json.loads(root.select_one("#__lessonkit_404").string)}
    assert set(entries) == {"zh", "en"}
    assert entries["en"]["home"] == "/mp-lessons/en/" and entries["zh"]["home"] == "/mp-lessons/"
    assert entries["en"]["content"] == english.select_one("[data-lessonkit-404]").decode_contents()
    assert entries["en"]["title"] == english.title.string
    assert entries["zh"]["content"] == root.select_one("[data-lessonkit-404]").decode_contents()


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@pytest.mark.parametrize(
    ("not_found", "expected"), [("nearest", "en/404.html"), ("root", "404.html")], ids=["nearest", "github"]
)
def test_a_missing_english_url_under_the_path_gets_the_hosts_404(
    subpath_site: Path, not_found: str, expected: str
) -> None:
    with serve_site(subpath_site, url_prefix(SUBPATH_URL), not_found=not_found) as base:  # type: ignore[arg-type]
        assert base.endswith("/mp-lessons")
        status, body = fetch(base + "/en/no-such-page/")
        assert status == 404 and body == (subpath_site / expected).read_text(encoding="utf-8")
        status, body = fetch(base + "/en/daemon/")
        assert status == 200 and body == (subpath_site / "en/daemon/index.html").read_text(encoding="utf-8")
        status, body = fetch(base.removesuffix("/mp-lessons") + "/en/daemon/")
        assert status == 404 and "多进程" not in body, "nothing is served outside the site's path"
