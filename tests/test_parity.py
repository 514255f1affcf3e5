"""Chinese and English pages match: same pages, same anchors, same executed blocks.

A Chinese page may have no translation yet (a lesson just imported): that is allowed and
visible, since ``/en/`` shows the Chinese page under a banner, marked ``lang="zh"``. A
translation that exists must match its original: a drifted one fails.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from support import ROOT

from lessonkit.site.pages import find_exec_fences

pytestmark = pytest.mark.content  # reads the real site's pages and snippets

DOCS = ROOT / "docs"
HEADING = re.compile(r"^(#{1,6})\s+(?P<title>.*?)\s*(?:\{\s*#(?P<anchor>[\w-]+)\s*\})?\s*$")
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")


def chinese_pages() -> list[Path]:
    return sorted(p for p in DOCS.rglob("*.md") if not p.name.endswith(".en.md"))


def english_of(page: Path) -> Path:
    return page.with_name(page.name.removesuffix(".md") + ".en.md")


def translated_pages() -> list[Path]:
    return [page for page in chinese_pages() if english_of(page).is_file()]


def untranslated_pages(docs: Path = DOCS) -> list[Path]:
    return [
        page
        for page in sorted(docs.rglob("*.md"))
        if not page.name.endswith(".en.md") and not english_of(page).is_file()
    ]


def headings(page: Path) -> list[tuple[int, str | None]]:
    """Return (level, anchor) for every Markdown heading outside code fences.

    A fence closes, as CommonMark says, on a line of its own character at least as long as the
    one that opened it, so a ````` ````markdown ````` fence may show a ```` ``` ```` one inside.
    """
    found, fence = [], ""
    for line in page.read_text(encoding="utf-8").splitlines():
        marker = re.match(r"^\s*(`{3,}|~{3,})(.*)$", line)
        if (
            fence
            and marker
            and marker[1][0] == fence[0]
            and len(marker[1]) >= len(fence)
            and not marker[2].strip()
        ):
            fence = ""
        elif not fence and marker:
            fence = marker[1]
        elif not fence and (m := HEADING.match(line)):
            found.append((len(m[1]), m["anchor"]))
    return found


def page_id(page: Path) -> str:
    return str(page.relative_to(ROOT))


def test_every_english_page_translates_a_chinese_one() -> None:
    zh = {p.relative_to(DOCS).as_posix().removesuffix(".md") for p in chinese_pages()}
    en = {p.relative_to(DOCS).as_posix().removesuffix(".en.md") for p in DOCS.rglob("*.en.md")}
    assert zh, "no pages found"
    assert en - zh == set(), f"English pages without a Chinese original (NAME.md): {sorted(en - zh)}"
    assert {"index", "daemon"} <= en, "the home page and the daemon lesson are translated"


def test_a_page_not_translated_yet_says_so_in_english(built_site: Path) -> None:
    """Each Chinese page without NAME.en.md is shown at /en/ under a banner, marked lang="zh"."""
    for page in untranslated_pages():
        name = page.relative_to(DOCS).as_posix().removesuffix(".md")
        html = (built_site / "en" / name / "index.html").read_text(encoding="utf-8")
        article = BeautifulSoup(html, "html.parser").select_one("article")
        assert article is not None and article.select_one(".lessonkit-untranslated[lang=en]"), name
        assert article.select_one("div[lang=zh] h1"), name
    for page in translated_pages():
        name = page.relative_to(DOCS).as_posix().removesuffix(".md")
        html = (built_site / "en" / (name if name != "index" else "") / "index.html").read_text(
            encoding="utf-8"
        )
        assert "lessonkit-untranslated" not in html, f"{name} is translated: no banner"


@pytest.mark.parametrize("page", translated_pages(), ids=page_id)
def test_headings_have_the_same_explicit_anchors_in_order(page: Path) -> None:
    zh, en = headings(page), headings(english_of(page))
    missing = [level for level, anchor in zh + en if anchor is None]
    assert not missing, f"every heading needs an explicit {{ #anchor }} in {page.name} and its translation"
    assert zh == en


@pytest.mark.parametrize("page", translated_pages(), ids=page_id)
def test_the_same_blocks_run_in_the_same_order(page: Path) -> None:
    def blocks(path: Path) -> list[tuple[str, dict[str, str]]]:
        fences = find_exec_fences(path.read_text(encoding="utf-8"), path.name)
        return [("\n".join(f.body), f.options) for f in fences]

    assert blocks(page) == blocks(english_of(page))


def english_prose(html: str) -> str:
    """The article's text without code, outputs and marked glosses."""
    article = BeautifulSoup(html, "html.parser").select_one("article")
    assert article is not None
    for element in article.select("code, pre, .lessonkit-runs, .lessonkit-caption, [lang^=zh]"):
        element.decompose()
    return article.get_text(" ")


def test_english_prose_has_no_chinese_left(built_site: Path) -> None:
    pages = sorted((built_site / "en").rglob("*.html"))
    assert len(pages) >= 2
    leftovers = {}
    for page in pages:
        found = CJK.findall(english_prose(page.read_text(encoding="utf-8")))
        if found:
            leftovers[str(page.relative_to(built_site))] = "".join(found)
    assert leftovers == {}
