"""The built lesson: five examples with real outputs, errata beside the original's claims, hidden answers."""

from __future__ import annotations

from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from test_build import METHODS, runs_on

PAGES = {"zh": "daemon/index.html", "en": "en/daemon/index.html"}
ORIGINAL_SUMMARY = {"zh": "原文给出的输出", "en": "Output given in the original"}


def soup(site: Path, language: str) -> BeautifulSoup:
    return BeautifulSoup((site / PAGES[language]).read_text(encoding="utf-8"), "html.parser")


@pytest.mark.parametrize("language", PAGES)
def test_all_five_examples_show_real_outputs_under_three_methods(built_site: Path, language: str) -> None:
    blocks = runs_on(built_site / PAGES[language])
    assert len(blocks) == 5
    for block in blocks:
        assert list(block) == METHODS
        assert all(output.strip() for output in block.values())
    assert all("子进程1 is running" in out for out in blocks[0].values())
    assert all("daemonic processes are not allowed" in out for out in blocks[2].values())
    assert all(out.strip().endswith("end456") for out in blocks[3].values())


@pytest.mark.parametrize("language", PAGES)
def test_errata_sit_beside_the_originals_claims(built_site: Path, language: str) -> None:
    page = soup(built_site, language)
    originals = [d for d in page.select("details") if ORIGINAL_SUMMARY[language] in d.summary.get_text()]
    assert len(originals) == 5
    assert all(not d.has_attr("open") for d in originals), "the original's claims start collapsed"
    assert originals[0].select_one("pre").get_text().strip() == "主"
    assert len(page.select(".admonition.warning")) == 3  # one erratum per divergent claim


@pytest.mark.parametrize("language", PAGES)
def test_exercise_answers_stay_hidden_until_opened(built_site: Path, language: str) -> None:
    page = soup(built_site, language)
    answers = page.select("details.success")
    assert len(answers) == 2
    for answer in answers:
        assert not answer.has_attr("open")
        assert answer.select_one(".lessonkit-runs") is not None, "the real output is inside the answer"


@pytest.mark.parametrize("language", PAGES)
def test_each_output_names_its_provenance(built_site: Path, language: str) -> None:
    captions = soup(built_site, language).select(".lessonkit-caption")
    assert len(captions) == 15
    word = "伪终端" if language == "zh" else "pseudo-terminal"
    assert all("CPython" in c.get_text() and word in c.get_text() for c in captions)


def test_home_pages_link_to_the_lesson(built_site: Path) -> None:
    for home in ("index.html", "en/index.html"):
        links = [
            a["href"]
            for a in BeautifulSoup((built_site / home).read_text(), "html.parser").select("article a")
        ]
        assert any(href.rstrip("/").endswith("daemon") for href in links), links
