"""The outcome chart under every racy block: its counts are `outcomes.json`'s; only racy blocks get one.

The real site is read as built (both languages); the chart's own rules (one outcome, one style
in every row) are checked on outcomes made up here. Nothing asserts how a race went: only that
the chart shows the same counts as the published outcomes, whatever they are.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

from bs4 import BeautifulSoup

from lessonkit.results.outcomes import BlockOutcomes, Mask, MethodOutcomes, Outcome
from lessonkit.site.chart import STYLES, chart_outcomes, is_racy, render_bar, render_chart


def _page_html(site: Path, page: str) -> Path:
    """The built HTML of ``docs/NAME.md`` or ``docs/NAME.en.md``."""
    name = page.removeprefix("docs/").removesuffix(".md")
    root = site / "en" if name.endswith(".en") else site
    name = name.removesuffix(".en")
    return root / "index.html" if name == "index" else root / name / "index.html"


def test_every_racy_block_has_a_chart_with_the_published_counts(built_site: Path) -> None:
    blocks = json.loads((built_site / "outcomes.json").read_text(encoding="utf-8"))["blocks"]
    charts = 0
    for block in blocks:
        page = BeautifulSoup(_page_html(built_site, block["page"]).read_text(encoding="utf-8"), "html.parser")
        element = page.find(id=block["anchor"])
        assert element is not None, f"{block['page']}: no #{block['anchor']}"
        chart = element.select_one("figure.lk-chart")
        racy = any(len(method["outcomes"]) > 1 for method in block["methods"].values())
        where = f"{block['page']}#{block['anchor']}"
        if not racy:
            assert chart is None, f"{where}: one outcome under every method, yet a chart"
            continue
        charts += 1
        assert chart is not None, f"{where}: a racy block without a chart"
        rows = chart.select("tbody tr")
        assert [row.th.get_text() for row in rows] == list(block["methods"]), where
        distinct = {o["output"] for m in block["methods"].values() for o in m["outcomes"]}
        for row, (method, published) in zip(rows, block["methods"].items(), strict=True):
            segments = row.select(".lk-seg")
            counts = [int(s.select_one(".lk-seg-count").get_text()) for s in segments]
            assert sum(counts) == published["runs"], f"{where} {method}: the bar holds every run"
            styles = [next(c for c in s["class"] if c.startswith("lk-o")) for s in segments]
            assert len(styles) == len(set(styles)), f"{where} {method}: one segment per outcome"
            expected = sorted(o["count"] for o in published["outcomes"])
            if len(distinct) <= STYLES:  # else the rarest share one segment
                assert sorted(counts) == expected, f"{where} {method}: {counts} vs {expected}"
            for segment, count in zip(segments, counts, strict=True):  # the words say the same number
                assert f"{count} of {published['runs']}" in segment.get_text() or (
                    f"{published['runs']} 次中 {count} 次" in segment.get_text()
                ), segment.get_text()
    assert charts > 0, "the course has racy blocks; none got a chart"


def _block(*methods: tuple[str, list[tuple[str, int]]]) -> BlockOutcomes:
    return BlockOutcomes(
        page="docs/x.md",
        line=1,
        snippet=None,
        claim=None,
        methods=tuple(
            MethodOutcomes(
                method=name,
                runs=sum(count for _, count in outcomes),
                outcomes=tuple(Outcome(output=text, count=count, runs=()) for text, count in outcomes),
            )
            for name, outcomes in methods
        ),
    )


def test_one_outcome_has_one_style_in_every_row() -> None:
    block = _block(
        ("fork", [("a\nb\n", 5), ("b\na\n", 15)]),
        ("spawn", [("a\nb\n", 20)]),
    )
    assert is_racy(block)
    assert chart_outcomes(block, Mask()) == [("a\nb\n", {"fork": 5, "spawn": 20}), ("b\na\n", {"fork": 15})]
    html = render_chart(block, "en")
    soup = BeautifulSoup(html, "html.parser")
    fork, spawn = soup.select("tbody tr")
    assert [s["class"][1] for s in fork.select(".lk-seg")] == ["lk-o1", "lk-o2"]
    assert [s["class"][1] for s in spawn.select(".lk-seg")] == ["lk-o1"], "a\\nb is outcome 1 in both rows"
    assert "load changes how races go" in soup.figcaption.get_text()


def test_a_block_with_one_outcome_per_method_has_no_chart() -> None:
    block = _block(("fork", [("x\n", 20)]), ("spawn", [("y\n", 20)]))
    assert not is_racy(block) and render_chart(block, "zh") == ""


def test_outcomes_equal_once_masked_are_one() -> None:
    block = _block(("fork", [("pid 4\n", 1), ("pid 5\n", 1)]), ("spawn", [("pid 9\n", 2)]))
    assert len(chart_outcomes(block, Mask(r"(?<=pid )\d+"))) == 1


def test_the_rarest_outcomes_share_one_segment() -> None:
    outcomes = [(f"{n}\n", 1) for n in range(STYLES + 3)]
    soup = BeautifulSoup(render_chart(_block(("fork", outcomes)), "zh"), "html.parser")
    segments = soup.select(".lk-seg")
    assert len(segments) == STYLES + 1 and "lk-o-rest" in segments[-1]["class"]
    assert segments[-1].select_one(".lk-seg-count").get_text() == "3"
    assert "其他 3 种结果" in soup.select(".lk-chart-legend > li")[-1].get_text()


def test_the_report_s_bar_has_the_chart_s_styles() -> None:
    block = replace(
        _block(("fork", [("pid 4\n", 3), ("x\n", 1)]), ("spawn", [("pid 5\n", 4)])), mask=r"(?<=pid )\d+"
    )
    spawn = BeautifulSoup(render_bar(block, "spawn", "en"), "html.parser")
    assert [s["class"][1] for s in spawn.select(".lk-seg")] == ["lk-o1"], "pid 4 and pid 5 are one outcome"
    assert "4 of 4 runs" in spawn.get_text()
    assert render_bar(_block(("fork", [("x\n", 2)])), "fork", "en") == ""


def _summaries(html: str) -> list[str]:
    """The text of each legend entry's summary (what a reader sees before opening it)."""
    soup = BeautifulSoup(html, "html.parser")
    return [entry.get_text() for entry in soup.select(".lk-chart-legend > li > details > summary")]


def test_outcomes_that_share_their_start_are_told_apart_by_their_first_differences() -> None:
    start = "start\npid {pid}\nworker A done\n"  # the same in every outcome, once pid is masked
    block = replace(
        _block(
            (
                "fork",
                [
                    (start.format(pid=4) + "worker B done\nend\n", 10),
                    (start.format(pid=5) + "worker C done\nend\n", 5),
                    (start.format(pid=6) + "worker D done\nworker E done\nend\n", 3),
                ],
            ),
        ),
        mask=r"(?<=pid )\d+",
    )
    first, second, third = _summaries(render_chart(block, "en"))
    assert "start" in first and "pid 4" in first, "outcome 1 is named by its first lines"
    assert len({first, second, third}) == 3, "no two entries look the same before they are opened"
    for summary, line in ((second, "worker C done"), (third, "worker D done")):
        assert "… 3 lines as in outcome 1" in summary, summary  # the masked pid line is not a difference
        assert f"+line not in outcome 1: {line}" in summary, summary  # sign, screen-reader words, line
        assert "start" not in summary and "pid" not in summary, summary
    assert "worker E done" in third and "worker B done" not in third, "at most two differing lines"
    soup = BeautifulSoup(render_chart(block, "en"), "html.parser")
    shown = soup.select(".lk-chart-legend > li")[1].select_one("summary .lessonkit-added")
    assert (
        shown.select_one("[aria-hidden=true]").get_text() == "+" and shown.ins.get_text() == "worker C done"
    )
    zh = _summaries(render_chart(block, "zh"))
    assert "……前 3 行与结果 1 相同" in zh[1] and "多出的行：" in zh[1] and "worker C done" in zh[1]


def test_the_other_outcomes_entry_opens_to_each_of_them_with_its_runs() -> None:
    fork = [
        ("o0", 20),
        ("o1", 10),
        ("o2", 8),
        ("o3", 6),
        ("o4", 5),
        ("o5", 4),
        ("o6", 2),
        ("o7", 1),
        ("o8", 1),
    ]
    spawn = [("o0", 15), ("o5", 3), ("o7", 2), ("o9", 1)]
    block = _block(("fork", [(f"{t}\n", c) for t, c in fork]), ("spawn", [(f"{t}\n", c) for t, c in spawn]))
    grouped = [text for text, _ in chart_outcomes(block, Mask())[STYLES:]]
    assert grouped == ["o7\n", "o6\n", "o8\n", "o9\n"]
    soup = BeautifulSoup(render_chart(block, "en"), "html.parser")
    entry = soup.select(".lk-chart-legend > li")[-1]
    assert entry.details.summary.get_text() == "4 other outcomes", "it opens, like the other entries"
    items = entry.select(".lk-chart-rest > li")
    assert [item.select_one(".lk-chart-name").get_text() for item in items] == [
        f"Outcome {n}" for n in range(STYLES + 1, STYLES + 5)
    ]
    listed = {"fork": 0, "spawn": 0}
    for item, text in zip(items, grouped, strict=True):
        counts = dict(re.findall(r"(fork|spawn) (\d+)", item.select_one(".lk-chart-count").get_text()))
        assert set(counts) == set(listed), counts
        for method, count in counts.items():
            listed[method] += int(count)
        summary = item.select_one(".lk-chart-lines").get_text()  # its first lines that differ from outcome 1
        assert f"+line not in outcome 1: {text.strip()}" in summary, summary
        assert "−line missing: o0" in summary, summary
    for row in soup.select("tbody tr"):
        rest = row.select_one(".lk-seg.lk-o-rest .lk-seg-count").get_text()
        assert listed[row.th.get_text()] == int(rest), "the list holds the grey segment's runs"
    one = _block(("fork", [(f"{n}\n", count) for n, count in enumerate([9, 8, 7, 6, 5, 4, 3, 1])]))
    rest = BeautifulSoup(render_chart(one, "zh"), "html.parser").select(".lk-chart-rest .lk-chart-count")
    assert [count.get_text() for count in rest] == ["结果 7（3 次）", "结果 8（1 次）"]
