"""On a phone-sized screen nothing overflows the page and tab labels stay on one line."""

from __future__ import annotations

import pytest

from lessonkit.site.built_pages import largest_of_each_kind


@pytest.fixture
def phone(browser, site_url: str):
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, base_url=site_url)
    yield context.new_page()
    context.close()


LAYOUT = """() => ({
    width: document.documentElement.clientWidth,
    scrollWidth: document.documentElement.scrollWidth,
    blocks: document.querySelectorAll('.lessonkit-runs').length,
    labelRows: [...document.querySelectorAll('.lessonkit-runs .tabbed-labels')].map(
        labels => new Set([...labels.children].map(label => label.offsetTop)).size),
    captionsFit: [...document.querySelectorAll('.lessonkit-caption')].every(
        caption => caption.scrollWidth <= caption.clientWidth),
})"""


def phone_layout_problems(phone, paths: list[str]) -> list[str]:
    """Open each of *paths* on the phone, every ``<details>`` open; return what does not fit."""
    problems = []
    for path in paths:
        phone.goto(path)
        phone.wait_for_load_state("networkidle")
        phone.evaluate("document.querySelectorAll('details').forEach((element) => { element.open = true; })")
        layout = phone.evaluate(LAYOUT)
        if layout["scrollWidth"] > layout["width"]:
            problems.append(f"{path}: {layout['scrollWidth']} px wide on a {layout['width']} px screen")
        if len(layout["labelRows"]) != layout["blocks"]:
            problems.append(
                f"{path}: {layout['blocks']} executed blocks, {len(layout['labelRows'])} with tabs"
            )
        if set(layout["labelRows"]) - {1}:
            problems.append(f"{path}: a set of start-method tabs takes more than one line")
        if not layout["captionsFit"]:
            problems.append(f"{path}: a caption is wider than its block")
    return problems


def test_every_page_fits_a_phone_screen(phone, site_pages) -> None:
    """Nothing overflows, tab labels stay on one line, captions fit: on every page of the built
    site, found in the site itself, so a page added tomorrow is checked too."""
    paths = [page.path for page in site_pages]
    assert any(page.kind == "lesson" for page in site_pages), "a lesson page was found"
    problems = phone_layout_problems(phone, paths)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("language", ["zh", "en"])
def test_each_timeline_shows_in_its_tab_named_and_within_a_phone_screen(
    phone, site_pages, language: str
) -> None:
    """On the largest lesson page of each language, found in the built site."""
    [lesson] = largest_of_each_kind([page for page in site_pages if page.language == language], ("lesson",))
    phone.goto(lesson.path)
    phone.wait_for_load_state("networkidle")
    for answer in phone.locator("details.success").all():
        answer.locator(":scope > summary").click()
    width = phone.evaluate("document.documentElement.clientWidth")
    tab_sets = phone.locator(".lessonkit-runs .tabbed-set")
    seen = 0
    for tabs in tab_sets.all():
        for label in tabs.locator(".tabbed-labels > label").all():
            label.click()
            timeline = tabs.locator(".tabbed-block:visible img.lessonkit-timeline")
            assert timeline.count() == 1
            timeline.scroll_into_view_if_needed()
            phone.wait_for_function(
                "image => image.complete && image.naturalWidth > 0", arg=timeline.element_handle()
            )
            assert timeline.is_visible()
            name = timeline.get_attribute("alt")
            assert label.inner_text().strip() in name, name
            box = timeline.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= width, "the picture fits the screen"
            assert box["width"] >= 300, "scaled to the phone, not shrunk past legibility"
            seen += 1
        assert phone.evaluate("document.documentElement.scrollWidth") <= width
    assert seen == phone.locator(".lessonkit-runs .tabbed-labels > label").count() > 0


@pytest.mark.parametrize("path", ["/report/", "/en/report/"])
def test_the_report_tables_stay_where_they_are_and_scroll_sideways(phone, path: str) -> None:
    """The report's tables carry a class, so Material's bundle does not take them out and put them
    back in its own wrapper at load (report.py, TABLE); ours scrolls the wide table on a phone."""
    phone.goto(path)
    phone.wait_for_load_state("networkidle")
    tables = phone.evaluate(
        """() => [...document.querySelectorAll('.md-content table')].map(table => [
            table.className, table.parentElement.classList.contains('lessonkit-table-wrap'),
            table.parentElement.scrollWidth > table.parentElement.clientWidth])"""
    )
    assert [table[:2] for table in tables] == [["lessonkit-table", True]] * 2
    assert phone.locator(".md-typeset__scrollwrap").count() == 0
    assert tables[1][2], "the runs table is wider than a phone and scrolls inside its wrapper"


@pytest.mark.parametrize("path", ["/report/", "/en/report/"])
def test_every_column_of_the_runs_table_fits_a_desktop_screen(browser, site_url: str, path: str) -> None:
    """On a desktop the runs table's eight columns fit the content column (no hidden last column),
    and a snippet's path breaks only after a / or _ (report.py puts a <wbr> there)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=site_url)
    page = context.new_page()
    try:
        page.goto(path)
        page.wait_for_load_state("networkidle")
        wrap, columns, paths = page.evaluate(
            """() => {
                const wrap = document.querySelector('.lessonkit-report-runs');
                return [[wrap.scrollWidth, wrap.clientWidth],
                        wrap.querySelectorAll('thead th').length,
                        [...wrap.querySelectorAll('td code')].map(code =>
                            [code.textContent, code.innerHTML,
                             getComputedStyle(code).wordBreak, getComputedStyle(code).overflowWrap])];
            }"""
        )
    finally:
        context.close()
    assert columns == 8
    assert wrap[0] <= wrap[1], f"the runs table is {wrap[0]} px wide in a {wrap[1]} px column"
    assert paths, "the report lists the lesson's snippets"
    for text, inner, word_break, overflow_wrap in paths:
        assert (word_break, overflow_wrap) == ("normal", "normal"), "no break inside a word"
        assert "/" in text and text.endswith(".py")
        # the only break opportunities are the <wbr> after each / and _
        assert inner.replace("<wbr>", "") == text.replace("&", "&amp;").replace("<", "&lt;")
        assert inner.count("<wbr>") == text.count("/") + text.count("_")
