"""No broken internal link or anchor anywhere in the built site, found by crawling its HTML."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from bs4 import BeautifulSoup

BASE = "http://site.invalid/"
"""A stand-in origin, so relative links resolve as a browser resolves them."""


def page_url(site: Path, html_file: Path) -> str:
    relative = html_file.relative_to(site).as_posix()
    if relative.endswith("index.html"):
        relative = relative.removesuffix("index.html")
    return BASE + relative


def target_file(site: Path, url: str) -> Path:
    path = unquote(urlsplit(url).path).removeprefix("/")
    target = site / path
    return target / "index.html" if path == "" or path.endswith("/") or target.is_dir() else target


def anchors(html: str) -> set[str]:
    soup = BeautifulSoup(html, "html.parser")
    return {tag["id"] for tag in soup.select("[id]")} | {tag["name"] for tag in soup.select("a[name]")}


def broken_links(site: Path, not_built: frozenset[str] = frozenset()) -> tuple[list[str], int]:
    """Crawl every HTML file of *site*; return the broken internal links and anchors, and how many
    links were checked. Every file is crawled, so a page added tomorrow is checked too.

    Links to the files named in *not_built* (relative to the site) are not followed.
    """
    pages = sorted(site.rglob("*.html"))
    ids = {page: anchors(page.read_text(encoding="utf-8")) for page in pages}
    broken, checked = [], 0
    for page in pages:
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        if page.name == "404.html":
            continue  # its links are absolute from the site root, as a host serves it anywhere
        for tag, attribute in (("a", "href"), ("link", "href"), ("script", "src"), ("img", "src")):
            for element in soup.find_all(tag):
                link = element.get(attribute)
                if not link or link.startswith(("mailto:", "javascript:", "data:")):
                    continue
                url = urljoin(page_url(site, page), link)
                if not url.startswith(BASE):
                    continue  # an external link: not ours to crawl (and there must be none loaded)
                checked += 1
                target = target_file(site, url)
                if target.relative_to(site).as_posix() in not_built:
                    continue
                where = f"{page.relative_to(site)}: {tag} {attribute}={link!r}"
                if not target.is_file():
                    broken.append(f"{where} -> missing {target.relative_to(site)}")
                    continue
                fragment = urlsplit(url).fragment
                if fragment and target.suffix == ".html":
                    known = ids.get(target) or anchors(target.read_text(encoding="utf-8"))
                    if unquote(fragment) not in known:
                        broken.append(f"{where} -> no #{fragment} in {target.relative_to(site)}")
    return broken, checked


def test_every_internal_link_and_anchor_resolves(built_site: Path) -> None:
    assert len(list(built_site.rglob("*.html"))) >= 6
    broken, checked = broken_links(built_site)
    assert checked > 100, f"only {checked} links were checked"
    assert broken == [], "\n".join(broken)


def test_every_link_resolves_in_a_build_that_runs_nothing(quick_site: Path) -> None:
    """The fast loop's check (``-m "not slow"``): the same crawl, on the pages built in seconds.

    Such a build runs nothing, so it writes no outcomes.json (its report page says it ran nothing).
    """
    broken, checked = broken_links(quick_site, not_built=frozenset({"outcomes.json"}))
    assert checked > 100, f"only {checked} links were checked"
    assert broken == [], "\n".join(broken)


def test_the_404_pages_link_to_existing_pages(built_site: Path) -> None:
    for page in (built_site / "404.html", built_site / "en/404.html"):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        for element in soup.select("a[href^='/'], link[href^='/'], script[src^='/']"):
            link = element.get("href") or element.get("src")
            assert target_file(built_site, urljoin(BASE, link)).is_file(), f"{page.name}: {link}"
