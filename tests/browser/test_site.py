"""The built site in a real browser: language switch, tabs, answers, copy, search, offline, 404, links."""

from __future__ import annotations

import contextlib
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from support import ROOT, executed_blocks

LESSON = {"zh": "/daemon/", "en": "/en/daemon/"}
SOURCE = {"zh": "daemon.md", "en": "daemon.en.md"}


def heading(page) -> str:
    """The page's first heading, without its permalink sign."""
    return page.locator("h1").first.inner_text().removesuffix("¶")


def search(page, query: str) -> None:
    """Type *query* into the search box as a reader does (Material listens for key events).

    Waits until the search worker is ready, as a reader waits for "Type to start searching".
    """
    page.click(".md-search__input")
    page.wait_for_function(
        """() => document.querySelector('.md-search-result__meta').textContent.trim() ===
            JSON.parse(document.getElementById('__config').textContent).translations['search.result.placeholder']"""
    )
    if query.isascii():
        page.keyboard.type(query)
    else:  # Chinese arrives from an input method as committed text, then the reader presses a key
        page.keyboard.insert_text(query)
        page.keyboard.press("End")


def open_page(page, path: str) -> None:
    page.goto(path)
    page.wait_for_load_state("load")


def switch_language(page, hreflang: str) -> None:
    page.hover(".md-header__option .md-select")
    page.click(f".md-select__link[hreflang='{hreflang}']")
    page.wait_for_load_state("load")


def test_language_switcher_stays_on_the_lesson(page) -> None:
    open_page(page, LESSON["zh"])
    switch_language(page, "en")
    page.wait_for_url(re.compile(r"/en/daemon/$"))
    assert page.locator("html").get_attribute("lang") == "en"
    assert heading(page) == "Daemon processes"
    switch_language(page, "zh")
    page.wait_for_url(re.compile(r"/daemon/$"))
    assert not urlsplit(page.url).path.startswith("/en/")
    assert heading(page) == "守护进程"


def test_language_switcher_keeps_the_section(page) -> None:
    open_page(page, LESSON["zh"] + "#exercises")
    switch_language(page, "en")
    page.wait_for_url(re.compile(r"/en/daemon/"))
    assert page.locator("#exercises").inner_text().startswith("Exercises")


@pytest.mark.parametrize("language", ["zh", "en"])
def test_each_start_method_tab_shows_its_own_output(page, language: str) -> None:
    open_page(page, LESSON[language])
    for answer in page.locator("details.success").all():
        answer.locator(":scope > summary").click()
    tab_sets = page.locator(".lessonkit-runs .tabbed-set")
    assert tab_sets.count() == len(executed_blocks(SOURCE[language]))
    for index in range(tab_sets.count()):
        tabs = tab_sets.nth(index)
        labels = tabs.locator(".tabbed-labels > label")
        blocks = tabs.locator(".tabbed-content > .tabbed-block")
        assert [label.inner_text() for label in labels.all()] == ["fork", "spawn", "forkserver"]
        for chosen in range(3):
            labels.nth(chosen).click()
            visible = [block.is_visible() for block in blocks.all()]
            assert visible == [i == chosen for i in range(3)], f"tab set {index}, tab {chosen}"
            caption = blocks.nth(chosen).locator(".lessonkit-caption").inner_text()
            assert ["fork", "spawn", "forkserver"][chosen] in caption


@pytest.mark.parametrize("language", ["zh", "en"])
def test_exercise_1_fork_and_spawn_tabs_show_their_real_outputs(
    page, language: str, built_site: Path
) -> None:
    open_page(page, LESSON[language])
    answer = page.locator("details.success").first
    answer.locator(":scope > summary").click()
    tabs = answer.locator(".lessonkit-runs .tabbed-set").first
    outputs = {}
    for method in ("fork", "spawn"):
        tabs.locator(".tabbed-labels > label", has_text=re.compile(f"^{method}$")).click()
        shown = tabs.locator(".tabbed-block:visible > .highlight pre")
        outputs[method] = shown.inner_text().rstrip("\n")
        lines = outputs[method].split("\n")
        assert lines[-1] == "end456" and "end123" not in lines, outputs[method]
        assert method in tabs.locator(".tabbed-block:visible .lessonkit-caption").inner_text()
    # Each tab shows the output that was really run under that method (the cached run's text).
    from bs4 import BeautifulSoup

    html = (built_site / LESSON[language].strip("/") / "index.html").read_text(encoding="utf-8")
    runs = BeautifulSoup(html, "html.parser").select("details.success .lessonkit-runs")[0]
    blocks = runs.select(".tabbed-block > .highlight pre")
    assert outputs == {"fork": blocks[0].get_text().rstrip("\n"), "spawn": blocks[1].get_text().rstrip("\n")}


COUNT = {
    "zh": re.compile(r"(?P<runs>\d+) 次运行中出现 (?P<shown>\d+) 次"),
    "en": re.compile(r"seen in (?P<shown>\d+) of (?P<runs>\d+) runs"),
}
OTHER_COUNT = {"zh": re.compile(r"出现 (\d+) 次"), "en": re.compile(r"Seen (\d+) times?")}


@pytest.mark.parametrize("language", ["zh", "en"])
def test_every_tab_accounts_for_all_its_runs_without_javascript(
    browser, site_url: str, language: str
) -> None:
    """Each tab's count plus its other outcomes' counts is every run; the outcomes open with no script."""
    context = browser.new_context(base_url=site_url, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(LESSON[language])
        for answer in page.locator("details.success").all():
            answer.locator(":scope > summary").click()
        tab_sets = page.locator(".lessonkit-runs .tabbed-set")
        assert tab_sets.count() == len(executed_blocks(SOURCE[language]))
        opened = 0
        for tabs in tab_sets.all():
            for label in tabs.locator(".tabbed-labels > label").all():
                label.click()
                block = tabs.locator(".tabbed-block:visible")
                numbers = COUNT[language].search(block.locator(".lessonkit-count").inner_text())
                assert numbers, block.inner_text()
                runs, shown = int(numbers["runs"]), int(numbers["shown"])
                others = block.locator("details.lessonkit-others")
                seen = shown
                if others.count():
                    diff = others.locator(".lessonkit-diff").first
                    assert not diff.is_visible(), "other outcomes start folded"
                    others.locator("summary").click()
                    diff.wait_for(state="visible")
                    opened += 1
                    for line in others.locator(".lessonkit-outcome-count").all():
                        seen += int(OTHER_COUNT[language].search(line.inner_text()).group(1))
                assert seen == runs == 20, (label.inner_text(), seen, runs)
        # How many tabs have other outcomes depends on how the races went; how it is drawn does not.
        print(f"{language}: {opened} tabs with other outcomes, each opened without JavaScript")
    finally:
        context.close()


@pytest.mark.parametrize("language", ["zh", "en"])
def test_exercise_answers_are_hidden_until_opened(page, language: str) -> None:
    open_page(page, LESSON[language])
    answers = page.locator("details.success")
    assert answers.count() == (ROOT / "docs" / SOURCE[language]).read_text(encoding="utf-8").count(
        "??? success"
    )
    for answer in answers.all():
        output = answer.locator(".lessonkit-runs")
        assert not output.is_visible()
        answer.locator(":scope > summary").click()
        output.wait_for(state="visible")
        assert "main-------" in output.inner_text()


@pytest.mark.parametrize("language", ["zh", "en"])
def test_copy_button_copies_the_snippet(page, language: str) -> None:
    open_page(page, LESSON[language])
    first_code = page.locator(".md-content pre").first
    first_code.hover()
    first_code.locator("button[data-md-type='copy']").click()
    copied = page.evaluate("navigator.clipboard.readText()")
    snippet = (ROOT / "snippets/daemon/daemon_join.py").read_text(encoding="utf-8")
    assert copied.strip() == snippet.strip()


@pytest.mark.parametrize("language", ["zh", "en"])
def test_every_code_block_gets_its_copy_button_once_seen(page, language: str) -> None:
    """Material mounts code blocks when they first scroll into view (``content.lazy``):
    every copyable block must have its button after the reader has scrolled past it."""
    open_page(page, LESSON[language])
    copyable = "[...document.querySelectorAll('.md-content pre > code')].filter(c => !c.closest('.no-copy'))"
    blocks = page.evaluate(f"{copyable}.length")
    assert blocks >= 5  # the lesson's snippets; outputs are .no-copy
    height = page.evaluate("document.documentElement.scrollHeight")
    for top in range(0, height, 300):
        page.evaluate(f"window.scrollTo(0, {top})")
        page.wait_for_timeout(50)
    buttons = f"{copyable}.filter(c => c.closest('pre').querySelector('button[data-md-type=copy]')).length"
    page.wait_for_function(f"{buttons} === {blocks}", timeout=10_000)


STORED_SCHEME = """Object.keys(localStorage).filter(key => key.endsWith('.__palette'))
    .map(key => JSON.parse(localStorage.getItem(key)).color.scheme)[0] || null"""


def palette_state(page) -> tuple[str | None, list[bool], str | None]:
    """The body's colour scheme, which toggle labels are hidden, and the stored choice's scheme."""
    return (
        page.locator("body").get_attribute("data-md-color-scheme"),
        page.locator("[data-lessonkit-palette] label").evaluate_all("labels => labels.map(l => l.hidden)"),
        page.evaluate(STORED_SCHEME),
    )


@pytest.mark.parametrize("system", ["light", "dark"])
def test_the_palette_toggle_switches_and_remembers_the_choice(page, system: str) -> None:
    """The light/dark toggle (partials/lessonkit-palette.html, in place of Material's component):
    the system's preference at first, one click to switch, the choice kept on every page and
    after a reload, and Enter on the focused option switches back (the page fixture fails on any
    script error)."""
    page.emulate_media(color_scheme=system)
    first, other = ("default", "slate") if system == "light" else ("slate", "default")
    open_page(page, LESSON["zh"])
    assert palette_state(page) == (first, [system == "dark", system == "light"], None)
    page.locator("[data-lessonkit-palette] label:not([hidden])").click()
    assert palette_state(page) == (other, [system == "light", system == "dark"], other)
    page.wait_for_function("!document.body.hasAttribute('data-md-color-switching')")
    for path in ("/en/report/", LESSON["en"]):
        open_page(page, path)
        assert palette_state(page)[::2] == (other, other)
    page.reload()
    assert palette_state(page)[::2] == (other, other)
    page.focus("[data-lessonkit-palette] input:checked")
    page.keyboard.press("Enter")
    assert palette_state(page)[::2] == (first, first)
    assert page.evaluate("document.querySelector('meta[name=color-scheme]').content") == (
        "dark" if first == "slate" else "light"
    )


SEARCHES = [
    ("zh", "守护进程", "/daemon/"),
    ("zh", "孤儿进程", "/daemon/"),
    ("en", "daemon", "/en/daemon/"),
    ("en", "orphan", "/en/daemon/"),
    # Each lesson by a Chinese and an English term of its own.
    ("zh", "开启进程", "/process/"),
    ("zh", "退出码", "/process/"),
    ("en", "subclass", "/en/process/"),
    ("zh", "主模块", "/start-methods/"),
    ("en", "picklable", "/en/start-methods/"),
    ("zh", "互斥锁", "/locks/"),
    ("en", "reentrant", "/en/locks/"),
    ("zh", "生产者", "/queues/"),
    ("en", "sentinel", "/en/queues/"),
    ("zh", "进程池", "/pools/"),
    ("en", "callback", "/en/pools/"),
    ("zh", "共享内存", "/shared-state/"),
    ("en", "Manager", "/en/shared-state/"),
]


@pytest.mark.parametrize(("language", "query", "expected"), SEARCHES, ids=[q for _, q, _ in SEARCHES])
def test_search_finds_the_lesson_in_its_language(page, language: str, query: str, expected: str) -> None:
    """The lesson is among the first three pages found, and the first result is in the reader's language.

    Not necessarily first: with seven lessons, a word of one lesson's title is in others' prose
    too (守护进程 ranks the pools lesson, whose title is made of 进程, before the daemon lesson).
    """
    open_page(page, "/" if language == "zh" else "/en/")
    search(page, query)
    results = page.locator(".md-search-result__item > a")
    results.first.wait_for(state="attached", timeout=15000)
    # Material searches after every key, so the first results may answer a prefix ("o", "or", ...).
    # Wait for the answer to the whole word; if it never comes, the assertion shows what did.
    found_in_top = """([expected, english]) => {
        const pages = [...document.querySelectorAll('.md-search-result__item > a')]
            .map((a) => new URL(a.href).pathname).filter((path) => !path.includes('#'));
        const first = pages[0];
        return first && first.startsWith('/en/') === english
            && [...new Set(pages)].slice(0, 3).some((path) => path.endsWith(expected));
    }"""
    with contextlib.suppress(PlaywrightTimeoutError):
        page.wait_for_function(found_in_top, arg=[expected, language == "en"], timeout=10000)
    hrefs = [urlsplit(a.get_attribute("href")).path for a in results.all()]
    pages = list(dict.fromkeys(hrefs))  # a path once: its sections share it (urlsplit drops the #)
    assert pages and pages[0].startswith("/en/") == (language == "en"), pages
    assert any(p.endswith(expected) for p in pages[:3]), pages


def test_the_search_index_holds_segmented_chinese_words(built_site: Path) -> None:
    import json

    index = json.loads((built_site / "search/search_index.json").read_text(encoding="utf-8"))
    text = " ".join(doc["text"] for doc in index["docs"])
    words = set(re.split(index["config"]["separator"], text))
    assert {"守护进程", "孤儿进程", "子进程", "互斥锁", "进程池", "共享内存", "生产者"} <= words
    assert "进程" in words, "jieba also splits other text into words"


def test_the_site_makes_no_request_to_another_host(context, site_url: str, content_pages: list[str]) -> None:
    host = urlsplit(site_url).netloc
    blocked = []

    def offline(route) -> None:
        if urlsplit(route.request.url).netloc == host:
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    context.route("**/*", offline)
    page = context.new_page()
    for path in content_pages:
        page.goto(path)
        page.wait_for_load_state("networkidle")
        assert page.locator("h1").first.is_visible()
        assert page.evaluate("document.fonts.status") == "loaded"
    search(page, "daemon")
    page.locator(".md-search-result__item").first.wait_for(state="attached", timeout=15000)
    others = [url for url in context.requested if urlsplit(url).netloc != host]
    assert others == [] and blocked == []
    assert len(context.requested) > 10, "requests were recorded"


@pytest.mark.parametrize(
    ("path", "language", "title"),
    [("/en/no-such-page/", "en", "404 - Page not found"), ("/no-such-page/", "zh", "404 - 页面不存在")],
)
def test_a_missing_page_gets_a_404_in_its_language(page, path: str, language: str, title: str) -> None:
    response = page.goto(path)
    assert response is not None and response.status == 404
    assert page.locator("html").get_attribute("lang") == language
    assert heading(page) == title
    assert page.locator(".md-header__title").is_visible(), "the 404 page has the site's styles"
    page.errors[:] = [e for e in page.errors if "404" not in e]  # the missing page itself
