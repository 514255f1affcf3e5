"""The execution report page: what ran to build this language's pages, where, and how long it took.

A page holding ``<!-- lessonkit: report-summary -->`` and ``<!-- lessonkit: report-runs -->``
gets, in their place, a table of provenance and totals and a table with one row per
executed block and start method. Both come from the data written to ``outcomes.json``
(:class:`lessonkit.results.outcomes.OutcomesReport`), never from text written by hand.

The two values that change in every build, when it was built and how long its runs took, are
marked ``data-search-exclude`` (Material's search leaves them out of the index) and can be
filled in after the search plugin has indexed the page (:func:`fill_times`): the page the search
plugin reads, and the search-entry cache keys on, is then the same in every build that ran the
same blocks, while the page shown still says when it was built.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

from lessonkit.results.outcomes import BlockOutcomes, Execution, OutcomesReport
from lessonkit.site.chart import render_bar

SUMMARY_MARKER = "<!-- lessonkit: report-summary -->"
RUNS_MARKER = "<!-- lessonkit: report-runs -->"
MARKERS = (SUMMARY_MARKER, RUNS_MARKER)

TABLE = "lessonkit-table"
TABLE_WRAP = "lessonkit-table-wrap"
"""The report's tables carry a class, and a wrapper of ours scrolls them sideways on a phone.

Material styles class-less tables, and its bundle takes every one of them out of the page and
puts it back in a wrapper as the page loads, so the browser lays the table out again: on the
report page, with its 150 cells, ~250 ms of Lighthouse's Total Blocking Time (a phone's CPU).
With a class Material leaves them alone; docs/assets/lessonkit.css gives them Material's look.
"""


def slot(marker: str) -> str:
    """Return what stands for *marker* in the converted page until every page has run."""
    return marker.replace("lessonkit:", "lessonkit-slot:")


TIME_SLOTS = ("lessonkit-slot-built-at", "lessonkit-slot-wall-time")
"""What stands for the build's time and its runs' wall time until :func:`fill_times`."""


def _times(report: OutcomesReport, language: str) -> tuple[str, str]:
    text = TEXT[language]
    wall = report.execution.wall_seconds if report.execution is not None else 0.0
    return report.built_at or text["unknown"], text["seconds"].format(value=wall)


def fill_times(content: str, report: OutcomesReport | None, language: str) -> str:
    """Put the build's time and its runs' wall time in place of their :data:`TIME_SLOTS`."""
    if report is None or not any(name in content for name in TIME_SLOTS):
        return content
    for name, value in zip(TIME_SLOTS, _times(report, language), strict=True):
        content = content.replace(name, html.escape(value))
    return content


@dataclass(frozen=True)
class ReportedPage:
    """One page of the language being built, with its executed blocks in page order."""

    link: str
    """The page's URL relative to the report page."""
    title: str
    blocks: tuple[BlockOutcomes, ...]
    lang: str | None = None
    """The language of the page's title, when it is not the report's (a page not translated yet)."""


TEXT = {
    "zh": {
        "python": "Python",
        "os": "操作系统",
        "lessonkit": "lessonkit 版本",
        "built_at": "构建时间",
        "load": "同时运行",
        "load_value": "最多 {jobs} 个运行同时进行，共 {cpus} 个 CPU",
        "blocks": "本语言页面上运行的例子",
        "blocks_value": "{pages} 个页面上的 {blocks} 个例子，{rows} 行（例子 × 启动方式）",
        "runs": "这些行的运行次数",
        "phase": "执行阶段（整次构建，两种语言共用）",
        "phase_value": "墙钟时间 {seconds}；运行了 {ran} 组（{runs} 次运行），{cached} 组来自缓存",
        "hits": "本表中来自缓存的行",
        "hits_value": "{hits} / {rows}",
        "summary_caption": "来源与总计",
        "runs_caption": "每个例子在每种启动方式下一行",
        "page": "页面",
        "snippet": "代码文件",
        "method": "启动方式",
        "count": "运行次数",
        "outcomes": "结果种数",
        "claim": "原文输出出现次数",
        "median": "单次运行时间中位数",
        "cached": "来自缓存",
        "yes": "是",
        "no": "否",
        "none": "无",
        "inline": "（页面内代码）",
        "seconds": "{value:.2f} 秒",
        "abridged": "（截短回溯后）",
        "not_run": "本次构建没有运行例子（LESSONKIT_EXEC=0），所以没有可报告的运行。",
        "unknown": "未知",
    },
    "en": {
        "python": "Python",
        "os": "Operating system",
        "lessonkit": "lessonkit version",
        "built_at": "Built at",
        "load": "Runs at once",
        "load_value": "up to {jobs} runs at once, on {cpus} CPUs",
        "blocks": "Examples run for this language's pages",
        "blocks_value": "{blocks} examples on {pages} pages, {rows} rows (example × start method)",
        "runs": "Runs behind these rows",
        "phase": "Execution phase (the whole build, shared by both languages)",
        "phase_value": "{seconds} wall time; ran {ran} sets ({runs} runs), {cached} sets from the cache",
        "hits": "Rows of this table from the cache",
        "hits_value": "{hits} of {rows}",
        "summary_caption": "Provenance and totals",
        "runs_caption": "One row per example and start method",
        "page": "Page",
        "snippet": "Snippet",
        "method": "Start method",
        "count": "Runs",
        "outcomes": "Outcomes",
        "claim": "Runs that printed the claimed output",
        "median": "Median run time",
        "cached": "From the cache",
        "yes": "yes",
        "no": "no",
        "none": "none",
        "inline": "(code in the page)",
        "seconds": "{value:.2f} s",
        "abridged": " (tracebacks abridged)",
        "not_run": "This build ran no examples (LESSONKIT_EXEC=0), so there are no runs to report.",
        "unknown": "unknown",
    },
}


def render_summary(
    report: OutcomesReport | None,
    pages: Sequence[ReportedPage],
    language: str,
    *,
    lessonkit_version: str,
    times_later: bool = False,
) -> str:
    """Return the provenance and totals table for *pages* (the pages of one language).

    With *times_later*, the build's time and the runs' wall time are left as :data:`TIME_SLOTS`
    for :func:`fill_times`.
    """
    text = TEXT[language]
    if report is None:
        return f"<p>{html.escape(text['not_run'])}</p>"
    blocks = [block for page in pages for block in page.blocks]
    rows = [method for block in blocks for method in block.methods]
    execution = report.execution or Execution(wall_seconds=0.0, ran=0, cached=0, runs=0)
    built_at, wall = (
        f'<span data-search-exclude="time">{value}</span>'
        for value in (TIME_SLOTS if times_later else map(html.escape, _times(report, language)))
    )
    entries = [
        ("python", html.escape(report.python)),
        ("os", html.escape(report.os)),
        ("lessonkit", html.escape(lessonkit_version)),
        ("built_at", built_at),
        (
            "load",
            html.escape(
                text["load_value"].format(jobs=report.parallel_runs, cpus=report.cpus or text["unknown"])
            ),
        ),
        (
            "blocks",
            html.escape(
                text["blocks_value"].format(
                    blocks=len(blocks), pages=sum(1 for page in pages if page.blocks), rows=len(rows)
                )
            ),
        ),
        ("runs", str(sum(method.runs for method in rows))),
        (
            "phase",
            html.escape(
                text["phase_value"].format(
                    seconds="\0", ran=execution.ran, runs=execution.runs, cached=execution.cached
                )
            ).replace("\0", wall),
        ),
        (
            "hits",
            html.escape(text["hits_value"].format(hits=sum(1 for m in rows if m.cached), rows=len(rows))),
        ),
    ]
    body = "".join(
        f'<tr><th scope="row">{html.escape(text[name])}</th><td>{value}</td></tr>' for name, value in entries
    )
    caption = html.escape(text["summary_caption"])
    return (
        f'<div class="lessonkit-report-summary {TABLE_WRAP}"><table class="{TABLE}">'
        f"<caption>{caption}</caption><tbody>{body}</tbody></table></div>"
    )


def _breakable_path(path: str) -> str:
    """*path* escaped, with a line break allowed only after each ``/`` and ``_`` (the CSS forbids others).

    A narrow column then shows ``exercise_join_daemon.py`` as whole words, not cut mid-word.
    """
    escaped = html.escape(path)
    return escaped.replace("/", "/<wbr>").replace("_", "_<wbr>")


def render_runs(report: OutcomesReport | None, pages: Sequence[ReportedPage], language: str) -> str:
    """Return the table with one row per executed block of *pages* and start method."""
    text = TEXT[language]
    if report is None:
        return ""
    heads = ("page", "snippet", "method", "count", "outcomes", "claim", "median", "cached")
    head = "".join(f'<th scope="col">{html.escape(text[name])}</th>' for name in heads)
    rows = []
    for page in pages:
        for block in page.blocks:
            link = f"{page.link}#{block.anchor}" if block.anchor else page.link
            lang = f' lang="{page.lang}"' if page.lang and page.lang != language else ""
            where = f'<a href="{html.escape(link)}"{lang}>{html.escape(page.title)}</a>'
            snippet = (
                f"<code>{_breakable_path(block.snippet.removeprefix('snippets/'))}</code>"
                if block.snippet
                else html.escape(text["inline"])
            )
            for method in block.methods:
                if method.claim_seen is None:
                    claim = text["none"]
                else:
                    claim = f"{method.claim_seen}/{method.runs}" + (
                        text["abridged"] if method.claim_abridged else ""
                    )
                median = (
                    text["unknown"]
                    if method.median_seconds is None
                    else text["seconds"].format(value=method.median_seconds)
                )
                cached = text["unknown"] if method.cached is None else text["yes" if method.cached else "no"]
                cells = (
                    html.escape(method.method),
                    str(method.runs),
                    str(len(method.outcomes)) + render_bar(block, method.method, language),
                    html.escape(claim),
                    html.escape(median),
                    html.escape(cached),
                )
                rows.append(
                    f"<tr><td>{where}</td><td>{snippet}</td>"
                    + "".join(f"<td>{c}</td>" for c in cells)
                    + "</tr>"
                )
    return (
        f'<div class="lessonkit-report-runs {TABLE_WRAP}"><table class="{TABLE}">'
        f"<caption>{html.escape(text['runs_caption'])}</caption>"
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
    )
