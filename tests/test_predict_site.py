"""Every exercise of the built course is predicted before its answer opens, with the published numbers.

The widget's data is read from each lesson page (both languages) and compared with the block's
entry in ``outcomes.json``: the same outcomes, the same counts. Nothing asserts how a race went.
"""

from __future__ import annotations

import json
from pathlib import Path

from bs4 import BeautifulSoup
from support import ROOT, lesson_slugs, published_block

from lessonkit.results.outcomes import Mask
from lessonkit.site.predict import build_prediction


def test_every_exercise_is_predicted_with_the_published_outcomes_before_its_answer(built_site: Path) -> None:
    published = json.loads((built_site / "outcomes.json").read_text(encoding="utf-8"))["blocks"]
    by_anchor = {(entry["page"], entry["anchor"]): entry for entry in published}
    checked = 0
    for slug in lesson_slugs():
        for prefix, suffix in (("", ".md"), ("en/", ".en.md")):
            page = f"docs/{slug}{suffix}"
            if not (ROOT / page).is_file():  # not translated yet: the Chinese page stands in
                page = f"docs/{slug}.md"
            html = (built_site / prefix / slug / "index.html").read_text(encoding="utf-8")
            soup = BeautifulSoup(html, "html.parser")
            answers = soup.select("details.success")
            assert answers, f"{page}: no exercise"
            assert len(soup.select("section.lk-predict")) == len(answers), (
                f'{page}: an exercise\'s answer block without predict="on" (contributing, "Fence options")'
            )
            for answer in answers:
                widget = answer.find_previous_sibling()
                assert widget.name == "section" and "lk-predict" in widget["class"], f"{page}: {widget.name}"
                anchor = answer.select_one(".lessonkit-block")["id"]
                entry = by_anchor[(page, anchor)]
                data = json.loads(widget.select_one("script.lk-predict-data").string)
                expected = build_prediction(published_block(entry), Mask(entry["mask"]))

                def lines(pool, outcomes):
                    return [[pool[i] for i in outcome] for outcome in outcomes]

                assert lines(data["pool"], data["outcomes"]) == lines(expected.pool, expected.outcomes)
                assert data["methods"] == [[m, runs, list(counts)] for m, runs, counts in expected.counts]
                assert set(expected.pool) <= set(data["pool"]), "the claim's lines may join the pool"
                for method, runs, counts in data["methods"]:
                    where = f"{page}#{anchor} {method}"
                    assert sum(counts) == runs == entry["methods"][method]["runs"], where
                checked += 1
    assert checked >= 2 * 2 * len(lesson_slugs())
