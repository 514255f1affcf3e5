"""The outcome charts in a real browser, with JavaScript off: what a reader sees is ``outcomes.json``.

For every block of every page, in both languages: a racy block's chart shows, per start method,
counts that add up to the runs and are the published outcomes' counts; a block that is not racy
has no chart; each outcome of the legend opens to its lines. Nothing asserts how a race went.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

from lessonkit.site.chart import STYLES


def _url(page: str) -> str:
    name = page.removeprefix("docs/").removesuffix(".md")
    prefix = "/en/" if name.endswith(".en") else "/"
    name = name.removesuffix(".en")
    return prefix if name == "index" else f"{prefix}{name}/"


def test_each_chart_shows_the_published_counts_without_javascript(
    browser, site_url: str, built_site: Path
) -> None:
    blocks = json.loads((built_site / "outcomes.json").read_text(encoding="utf-8"))["blocks"]
    by_page: dict[str, list[dict]] = defaultdict(list)
    for block in blocks:
        by_page[_url(block["page"])].append(block)
    context = browser.new_context(base_url=site_url, java_script_enabled=False)
    charts = 0
    try:
        page = context.new_page()
        for url, page_blocks in by_page.items():
            page.goto(url)
            for block in page_blocks:
                where = f"{url}#{block['anchor']}"
                chart = page.locator(f"[id='{block['anchor']}'] figure.lk-chart")
                racy = any(len(m["outcomes"]) > 1 for m in block["methods"].values())
                if not racy:
                    assert chart.count() == 0, where
                    continue
                charts += 1
                assert chart.count() == 1, where
                page.evaluate(  # an exercise's chart is in its answer: open it, as a reader does
                    "(id) => { for (let e = document.getElementById(id); e; e = e.parentElement)"
                    " if (e.tagName === 'DETAILS') e.open = true; }",
                    block["anchor"],
                )
                rows = chart.locator("tbody tr")
                assert rows.locator("th").all_inner_texts() == list(block["methods"]), where
                distinct = {o["output"] for m in block["methods"].values() for o in m["outcomes"]}
                for row, (method, published) in zip(rows.all(), block["methods"].items(), strict=True):
                    counts = [int(text) for text in row.locator(".lk-seg-count").all_inner_texts()]
                    assert sum(counts) == published["runs"], (where, method, counts)
                    if len(distinct) <= STYLES:
                        assert sorted(counts) == sorted(o["count"] for o in published["outcomes"]), where
                first = chart.locator("details.lk-chart-outcome").first
                lines = first.locator(".lessonkit-diff")
                first.locator(":scope > summary").click()
                lines.wait_for(state="visible")
    finally:
        context.close()
    assert charts > 0, "the course has racy blocks"
