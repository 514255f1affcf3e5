"""Predict, then check, in a real browser: built by keyboard alone or by touch, checked against the
published runs; without JavaScript the exercise is its answer box.

The expected counts come from ``outcomes.json`` (through the same comparison the widget's data is
built with), never from a number written here: nothing asserts how a race went.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support import published_block
from test_accessibility import serious_violations

from lessonkit.results.outcomes import Mask
from lessonkit.site.predict import Prediction, build_prediction, count_prediction

COUNT = {"zh": "{method}：{runs} 次中 {count} 次", "en": "{method}: {count} of {runs} runs"}


def exercises(site: Path) -> list[tuple[dict, Prediction]]:
    """Every exercise answer block of the Chinese pages, with what its widget compares."""
    found = []
    for entry in json.loads((site / "outcomes.json").read_text(encoding="utf-8"))["blocks"]:
        if "exercise" not in (entry["snippet"] or "") or entry["page"].endswith(".en.md"):
            continue
        block = published_block(entry)
        found.append((entry, build_prediction(block, Mask(entry["mask"]))))
    return found


def chosen(site: Path) -> tuple[dict, Prediction, list[str]]:
    """An exercise whose first method's most common outcome has two different first lines (so that
    moving a line matters), and those lines."""
    for entry, prediction in exercises(site):
        lines = [prediction.pool[i] for i in prediction.outcomes[0]]
        if len(lines) >= 2 and lines[0] != lines[1]:
            return entry, prediction, lines
    raise AssertionError("no exercise prints two different lines")


def url(entry: dict, language: str) -> str:
    slug = entry["page"].removeprefix("docs/").removesuffix(".md")
    return f"/{slug}/" if language == "zh" else f"/en/{slug}/"


@pytest.mark.parametrize("language", ["zh", "en"])
def test_a_prediction_built_by_keyboard_alone_gets_the_published_counts(
    page, built_site: Path, axe_source: str, language: str
) -> None:
    entry, prediction, target = chosen(built_site)
    page.goto(url(entry, language))
    answer = page.locator(f"details:has([id='{entry['anchor']}'])")
    widget = answer.locator("xpath=preceding-sibling::*[1]")
    assert "lk-predict" in (widget.get_attribute("class") or "")
    pool = json.loads(widget.locator("script.lk-predict-data").text_content())["pool"]
    assert set(prediction.pool) <= set(pool), "every printed line is in the pool (the claim's may join)"
    # The order to add: the target's first two lines swapped (fixed below by a move), then one more line.
    order = [target[1], target[0], *target[2:], pool[0]]
    widget.locator(".lk-add").first.focus()
    at = 0
    for line in order:
        wanted = pool.index(line)
        for _ in range(abs(wanted - at)):
            page.keyboard.press("Tab" if wanted > at else "Shift+Tab")
        at = wanted
        page.keyboard.press("Enter")
    items = widget.locator(".lk-predict-guess li")
    assert items.locator("code").all_inner_texts() == order
    # To line 2's "up" button: past the pool, then line 1's three buttons.
    for _ in range(len(pool) - 1 - at + 1 + 3):
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.classList.contains('lk-up')")
    page.keyboard.press("Enter")
    assert items.locator("code").all_inner_texts() == [*target, pool[0]]
    # To the last line's "remove" (focus stayed on the moved line's "up", now line 1's), then remove it.
    for _ in range(3 * (len(order) - 1) + 2):
        page.keyboard.press("Tab")
    page.keyboard.press(" ")
    assert items.locator("code").all_inner_texts() == target
    page.keyboard.press("Tab")  # from the last line's "remove" to "check"
    assert page.evaluate("document.activeElement.classList.contains('lk-check')")
    assert not answer.evaluate("(details) => details.open")
    page.keyboard.press("Enter")

    counts = widget.locator(".lk-predict-counts li")
    expected = count_prediction(prediction, target)
    assert counts.all_inner_texts() == [
        COUNT[language].format(method=method, count=count, runs=runs)
        for method, (count, runs) in expected.items()
    ]
    assert all(count > 0 for count, _ in [expected[next(iter(expected))]]), "the target is a real outcome"
    assert answer.evaluate("(details) => details.open"), "the answer opens once the prediction is checked"
    assert serious_violations(page, axe_source) == []


def test_a_prediction_tapped_on_a_phone_shows_the_closest_real_outcome(
    browser, site_url: str, built_site: Path
):
    entry, prediction, target = chosen(built_site)
    context = browser.new_context(
        base_url=site_url, viewport={"width": 360, "height": 740}, has_touch=True, is_mobile=True
    )
    try:
        page = context.new_page()
        page.goto(url(entry, "zh"))
        answer = page.locator(f"details:has([id='{entry['anchor']}'])")
        widget = answer.locator("xpath=preceding-sibling::*[1]")
        pool = json.loads(widget.locator("script.lk-predict-data").text_content())["pool"]
        wrong = [target[0], target[0], *target[1:]]  # a line too many: no run printed this
        for line in wrong:
            widget.locator(f".lk-add[data-add='{pool.index(line)}']").tap()
        widget.locator(".lk-check").tap()
        texts = widget.locator(".lk-predict-counts li").all_inner_texts()
        assert texts == [
            COUNT["zh"].format(method=method, count=0, runs=runs) for method, runs, _ in prediction.counts
        ]
        diff = widget.locator(".lk-predict-diff .lessonkit-line")
        assert diff.count() > 0 and widget.locator(".lk-predict-diff .lessonkit-missing").count() >= 1
        assert answer.evaluate("(details) => details.open")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, f"the checked widget widens the page to {width} px"
    finally:
        context.close()


def test_without_javascript_the_exercise_is_its_answer_box(browser, site_url: str, built_site: Path) -> None:
    entry, _, _ = chosen(built_site)
    context = browser.new_context(base_url=site_url, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(url(entry, "en"))
        assert page.locator(".lk-predict").count() >= 2
        assert page.locator(".lk-predict:visible").count() == 0, "a widget that cannot work is hidden"
        answer = page.locator(f"details:has([id='{entry['anchor']}'])")
        answer.locator(":scope > summary").click()
        assert answer.locator(".lessonkit-runs").first.is_visible()
    finally:
        context.close()
