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
from support import ROOT, by_snippet, executed_blocks, lesson_slugs
from test_build import METHODS, runs_on

LANGUAGES = ("zh", "en")
ORIGINAL_SUMMARY = {"zh": "原文给出的输出", "en": "Output given in the original"}
LESSON_PAGES = [(slug, language) for slug in lesson_slugs() for language in LANGUAGES]
"""Every lesson in both languages: each is held to what the daemon lesson is."""


def html_path(slug: str, language: str) -> str:
    return f"{slug}/index.html" if language == "zh" else f"en/{slug}/index.html"


def source(slug: str, language: str) -> str:
    """The page's Markdown; a lesson not translated yet shows its Chinese original in English too."""
    translated = f"{slug}.{language}.md"
    return translated if language != "zh" and (ROOT / "docs" / translated).is_file() else f"{slug}.md"


def soup(site: Path, slug: str, language: str) -> BeautifulSoup:
    return BeautifulSoup((site / html_path(slug, language)).read_text(encoding="utf-8"), "html.parser")


every_lesson_page = pytest.mark.parametrize(
    ("slug", "language"), LESSON_PAGES, ids=[f"{s}-{lang}" for s, lang in LESSON_PAGES]
)


@every_lesson_page
def test_every_example_shows_real_outputs_under_its_methods(
    built_site: Path, slug: str, language: str
) -> None:
    blocks = runs_on(built_site / html_path(slug, language))
    fences = executed_blocks(source(slug, language))
    assert len(blocks) == len(fences)
    for block, fence in zip(blocks, fences, strict=True):
        methods = fence.options.get("start_methods", " ".join(METHODS)).split()
        assert list(block) == methods, fence.site
        assert all(output.strip() for output in block.values()), f"{fence.site}: an empty output"


@every_lesson_page
def test_every_lesson_has_four_programs_and_two_exercises(slug: str, language: str) -> None:
    """What the course promises of a lesson: at least four programs, two exercises with hidden answers."""
    text = (ROOT / "docs" / source(slug, language)).read_text(encoding="utf-8")
    programs = {fence.include for fence in executed_blocks(source(slug, language))}
    assert len(programs) >= 4, f"{slug}: {len(programs)} programs"
    assert text.count("??? success") >= 2, f"{slug}: fewer than two exercises with hidden answers"


def test_the_daemon_lessons_outputs_show_what_it_teaches(built_site: Path) -> None:
    for language in LANGUAGES:
        blocks = by_snippet(source("daemon", language), runs_on(built_site / html_path("daemon", language)))
        assert all("子进程1 is running" in out for out in blocks["daemon/daemon_join.py"].values())
        assert all(
            "daemonic processes are not allowed" in out
            for out in blocks["daemon/daemon_child_join.py"].values()
        )
        assert all(
            out.strip().endswith("end456") for out in blocks["daemon/exercise_daemon_killed.py"].values()
        )


@every_lesson_page
def test_errata_sit_beside_the_originals_claims(built_site: Path, slug: str, language: str) -> None:
    page = soup(built_site, slug, language)
    originals = [d for d in page.select("details") if ORIGINAL_SUMMARY[language] in d.summary.get_text()]
    claims = [block for block in executed_blocks(source(slug, language)) if "claim" in block.options]
    assert len(originals) == len(claims)
    assert all(not d.has_attr("open") for d in originals), "the original's claims start collapsed"
    text = (ROOT / "docs" / source(slug, language)).read_text(encoding="utf-8")
    assert len(page.select(".admonition.warning")) == text.count("!!! warning")
    if slug == "daemon":
        shown = {
            block.options["claim"]: d.select_one("pre").get_text()
            for block, d in zip(claims, originals, strict=True)
        }
        assert shown["daemon/original/daemon_join.txt"].strip() == "主"


@every_lesson_page
def test_exercise_answers_stay_hidden_until_opened(built_site: Path, slug: str, language: str) -> None:
    answers = soup(built_site, slug, language).select("details.success")
    text = (ROOT / "docs" / source(slug, language)).read_text(encoding="utf-8")
    assert len(answers) == text.count("??? success")
    for answer in answers:
        assert not answer.has_attr("open")
        assert answer.select_one(".lessonkit-runs") is not None, "the real output is inside the answer"


@every_lesson_page
def test_each_output_names_its_provenance(built_site: Path, slug: str, language: str) -> None:
    captions = soup(built_site, slug, language).select(".lessonkit-caption")
    fences = executed_blocks(source(slug, language))
    methods = sum(len(f.options.get("start_methods", " ".join(METHODS)).split()) for f in fences)
    assert len(captions) == methods
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
