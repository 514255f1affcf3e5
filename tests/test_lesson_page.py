"""The built lesson: its examples with real outputs, errata beside the original's claims, hidden answers.

Numbers come from the page's source (its executed blocks, claims, warnings and answers), and
blocks are looked up by snippet, so adding an example never means editing these tests.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urljoin

import pytest
import yaml
from bs4 import BeautifulSoup
from support import ROOT, by_snippet, executed_blocks
from test_build import METHODS, runs_on

PAGES = {"zh": "daemon/index.html", "en": "en/daemon/index.html"}
SOURCES = {"zh": "daemon.md", "en": "daemon.en.md"}
ORIGINAL_SUMMARY = {"zh": "原文给出的输出", "en": "Output given in the original"}


def soup(site: Path, language: str) -> BeautifulSoup:
    return BeautifulSoup((site / PAGES[language]).read_text(encoding="utf-8"), "html.parser")


@pytest.mark.parametrize("language", PAGES)
def test_every_example_shows_real_outputs_under_three_methods(built_site: Path, language: str) -> None:
    blocks = by_snippet(SOURCES[language], runs_on(built_site / PAGES[language]))
    for block in blocks.values():
        assert list(block) == METHODS
        assert all(output.strip() for output in block.values())
    assert all("子进程1 is running" in out for out in blocks["daemon/daemon_join.py"].values())
    assert all(
        "daemonic processes are not allowed" in out for out in blocks["daemon/daemon_child_join.py"].values()
    )
    assert all(out.strip().endswith("end456") for out in blocks["daemon/exercise_daemon_killed.py"].values())


@pytest.mark.parametrize("language", PAGES)
def test_errata_sit_beside_the_originals_claims(built_site: Path, language: str) -> None:
    page = soup(built_site, language)
    originals = [d for d in page.select("details") if ORIGINAL_SUMMARY[language] in d.summary.get_text()]
    claims = [block for block in executed_blocks(SOURCES[language]) if "claim" in block.options]
    assert len(originals) == len(claims)
    assert all(not d.has_attr("open") for d in originals), "the original's claims start collapsed"
    shown = {
        block.options["claim"]: d.select_one("pre").get_text()
        for block, d in zip(claims, originals, strict=True)
    }
    assert shown["daemon/original/daemon_join.txt"].strip() == "主"
    source = (ROOT / "docs" / SOURCES[language]).read_text(encoding="utf-8")
    assert len(page.select(".admonition.warning")) == source.count("!!! warning")


@pytest.mark.parametrize("language", PAGES)
def test_exercise_answers_stay_hidden_until_opened(built_site: Path, language: str) -> None:
    page = soup(built_site, language)
    answers = page.select("details.success")
    source = (ROOT / "docs" / SOURCES[language]).read_text(encoding="utf-8")
    assert len(answers) == source.count("??? success") > 0
    for answer in answers:
        assert not answer.has_attr("open")
        assert answer.select_one(".lessonkit-runs") is not None, "the real output is inside the answer"


@pytest.mark.parametrize("language", PAGES)
def test_each_output_names_its_provenance(built_site: Path, language: str) -> None:
    captions = soup(built_site, language).select(".lessonkit-caption")
    assert len(captions) == len(executed_blocks(SOURCES[language])) * len(METHODS)
    word = "伪终端" if language == "zh" else "pseudo-terminal"
    assert all("CPython" in c.get_text() and word in c.get_text() for c in captions)


def course() -> list[str]:
    """The lessons, in the order of ``nav`` in mkdocs.yml (the home page comes first)."""
    nav = yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=yaml.BaseLoader)["nav"]
    return [page.removesuffix(".md") for page in nav if page != "index.md"]


def test_home_pages_list_the_course_in_order_with_a_line_each(built_site: Path) -> None:
    lessons = course()
    for home in ("index.html", "en/index.html"):
        page = BeautifulSoup((built_site / home).read_text(encoding="utf-8"), "html.parser")
        items = page.select("#lessons + ol > li")
        assert [li.a["href"].rstrip("/") for li in items] == lessons
        for li in items:
            line = li.get_text().split("：" if home == "index.html" else ": ", 1)
            assert len(line) == 2 and len(line[1].strip()) > 10, (
                f"{home}: {li.get_text()} says what it teaches"
            )


def test_every_lesson_links_the_previous_and_the_next(built_site: Path) -> None:
    pages = ["", *course()]  # the home page, then the lessons
    for prefix in ("", "en/"):
        for number, slug in enumerate(pages[1:], start=1):
            here = f"/{prefix}{slug}/"
            html = (built_site / prefix / slug / "index.html").read_text(encoding="utf-8")
            footer = BeautifulSoup(html, "html.parser").select_one("footer .md-footer__inner")
            links = {
                kind: urljoin(here, a["href"])
                for kind in ("prev", "next")
                if (a := footer.select_one(f"a.md-footer__link--{kind}")) is not None
            }
            before = pages[number - 1]
            assert links.get("prev") == f"/{prefix}{before}/".replace("//", "/"), (here, links)
            after = pages[number + 1] if number + 1 < len(pages) else None
            assert links.get("next") == (f"/{prefix}{after}/" if after else None), (here, links)
