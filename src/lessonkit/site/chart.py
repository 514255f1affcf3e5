"""An outcome chart: how the runs of one racy block split, one bar per start method.

Drawn at build time as HTML and CSS (``docs/assets/lessonkit.css``): no JavaScript, no request.
It is a real table, so a screen reader reads the same numbers the bars show: one row per start
method, one segment per outcome, as wide as its share of the runs and labelled with its count.
An outcome has the same colour *and* pattern in every row (colour is never the only cue), so a
reader sees at a glance that ``spawn`` is one colour and ``fork`` is not. Under the bars, a
legend names the first outcome by its first lines, and each other by its first lines that differ
from the first outcome's (outcomes often share their start and part further down); opening one
shows all its lines, marked against the first outcome as the tabs mark them. The rarest outcomes,
grouped in one grey segment, open to a list of them, each with its runs and its marked lines.

The numbers are those of the block's :class:`~lessonkit.results.outcomes.BlockOutcomes`, the
object ``outcomes.json`` and the tabs are written from. Pure text: no MkDocs import.
"""

from __future__ import annotations

import html

from lessonkit.results.outcomes import BlockOutcomes, Mask, MethodOutcomes, mark_differences
from lessonkit.site.marks import marked_line, marked_lines

STYLES = 6
"""Outcomes with a colour and pattern of their own; the rarer ones share one grey segment."""

FIRST_LINES = 2
"""Lines of an outcome the legend shows before it is opened."""

FIRST_DIFFERENCES = 2
"""Lines that differ from the first outcome the legend shows of each other outcome before it is opened."""

_TEXT = {
    "zh": {
        "caption": "每种启动方式的 {runs} 次运行分成了几种结果：每行一种启动方式，每段一种结果，"
        "长度与出现次数成正比，段上的数字是次数。"
        "这些运行在一台共享的机器上并行进行，机器的负载会改变竞争的走向。",
        "method": "启动方式",
        "outcomes": "各种结果的次数",
        "outcome": "结果 {n}",
        "rest": "其他 {n} 种结果",
        "segment": "{name}：{runs} 次中 {count} 次",
        "empty": "（没有输出）",
        "more": "……还有 {n} 行",
        "compare": "与结果 1 相比：+ 多出的行 · − 缺少的行 · ↕ 换了位置的行",
        "same_start": ("……前 1 行与结果 1 相同", "……前 {n} 行与结果 1 相同"),
        "gap": "……",
        "gap_sr": "（中间省略了一些行）",
        "more_differences": ("……还有 1 处不同", "……还有 {n} 处不同"),
        "marks": {"added": "多出的行：", "missing": "缺少的行：", "moved": "换了位置的行："},
        "runs": ("（1 次）", "（{n} 次）"),
        "by_method": "（次数：{counts}）",
    },
    "en": {
        "caption": "How the {runs} runs under each start method split into outcomes: one row per start "
        "method, one segment per outcome, as long as its share of the runs, labelled with its count. "
        "The runs went in parallel on a shared machine, and load changes how races go.",
        "method": "Start method",
        "outcomes": "Runs per outcome",
        "outcome": "Outcome {n}",
        "rest": "{n} other outcomes",
        "segment": "{name}: {count} of {runs} runs",
        "empty": "(no output)",
        "more": "… {n} more lines",
        "compare": "Compared with outcome 1: + line not in it · − line missing · ↕ line in another place",
        "same_start": ("… 1 line as in outcome 1", "… {n} lines as in outcome 1"),
        "gap": "…",
        "gap_sr": "(some lines skipped)",
        "more_differences": ("… 1 more difference", "… {n} more differences"),
        "marks": {
            "added": "line not in outcome 1:",
            "missing": "line missing:",
            "moved": "line in another place:",
        },
        "runs": (" (1 run)", " ({n} runs)"),
        "by_method": " (runs: {counts})",
    },
}


def is_racy(block: BlockOutcomes) -> bool:
    """Whether the block's runs gave more than one outcome under some start method."""
    return any(len(method.outcomes) > 1 for method in block.methods)


Outcomes = tuple[str, dict[str, int]]
"""An outcome of the chart: the real text of its first run, and its count under each start method."""


def chart_outcomes(block: BlockOutcomes, mask: Mask) -> list[Outcomes]:
    """Every distinct outcome of the block, across its start methods, with its count under each.

    The same output (after *mask*) under two methods is one outcome. The most common over all
    methods comes first (ties: the one seen first, in method order); each is given by the real
    text of its first run.
    """
    found: dict[str, tuple[str, dict[str, int]]] = {}
    for method in block.methods:
        for outcome in method.outcomes:
            key = mask.apply(outcome.output)
            _, counts = found.setdefault(key, (outcome.output, {}))
            counts[method.method] = counts.get(method.method, 0) + outcome.count
    ordered = sorted(enumerate(found.values()), key=lambda item: (-sum(item[1][1].values()), item[0]))
    return [entry for _, entry in ordered]


def _lines(text: str) -> list[str]:
    return text.rstrip("\n").split("\n") if text.strip() else []


def _counted(forms: tuple[str, str], n: int) -> str:
    """*n* in the singular or plural form of a text."""
    return forms[0] if n == 1 else forms[1].format(n=n)


def _first_differences(first: str, text: str, mask: Mask, language: str) -> str | None:
    """The summary of an outcome after the first: its first lines that differ from *first*'s (after
    *mask*, as the tabs compare), marked as the tabs mark them, with "…" where lines were skipped;
    None when no line differs (outcomes that differ only once masked as a whole).

    The outcome's own lines (``+``, ``↕``) come first: outcomes that lack the same lines of the first
    outcome (``−``) would all look alike. Lines missing from it fill the summary when it has fewer.
    """
    words = _TEXT[language]
    marked = mark_differences(first, text, mask)
    differing = [index for index, line in enumerate(marked) if line.mark != "same"]
    if not differing:
        return None
    own = [index for index in differing if marked[index].mark != "missing"]
    missing = [index for index in differing if marked[index].mark == "missing"]
    shown = sorted((own + missing)[:FIRST_DIFFERENCES])
    same_before = sum(line.mark == "same" for line in marked[: shown[0]])
    parts = []
    if same_before:
        parts.append(html.escape(_counted(words["same_start"], same_before)))
    for position, index in enumerate(shown):
        if position and index > shown[position - 1] + 1:
            parts.append(
                f'<span aria-hidden="true">{html.escape(words["gap"])}</span>'
                f'<span class="lk-sr">{html.escape(words["gap_sr"])}</span>'
            )
        parts.append(marked_line(marked[index], words["marks"][marked[index].mark]))
    if len(differing) > len(shown):
        parts.append(html.escape(_counted(words["more_differences"], len(differing) - len(shown))))
    return "\n".join(parts)


def _summary(number: int, text: str, first: str, mask: Mask, language: str) -> str:
    """An outcome in a line or two: the first outcome by its first lines, another by its first
    lines that differ from the first outcome's."""
    words = _TEXT[language]
    lines = _lines(text)
    head = _first_differences(first, text, mask, language) if number > 1 and lines else None
    if head is None:  # the first outcome, an empty one, or one no line of which differs
        head = "\n".join(html.escape(line, quote=False) for line in lines[:FIRST_LINES])
        head = head or html.escape(words["empty"])
        if len(lines) > FIRST_LINES:
            head += "\n" + html.escape(words["more"].format(n=len(lines) - FIRST_LINES))
    return head


def _legend_entry(number: int, text: str, first: str, mask: Mask, language: str, style: str) -> str:
    words = _TEXT[language]
    name = words["outcome"].format(n=number)
    head = _summary(number, text, first, mask, language)
    if number == 1:
        body = html.escape(text.rstrip("\n"), quote=False) or html.escape(words["empty"])
        note = ""
    else:
        body = marked_lines(first, text, mask)
        note = f'<p class="lessonkit-legend">{html.escape(words["compare"])}</p>'
    return (
        f'<li><details class="lk-chart-outcome"><summary><span class="lk-swatch {style}" aria-hidden="true">'
        f'</span><span class="lk-chart-name">{html.escape(name)}</span>'
        f'<code class="lk-chart-lines">{head}</code></summary>{note}'
        f'<div class="no-copy highlight lessonkit-diff"><pre><span></span><code>{body}\n</code></pre></div>'
        "</details></li>"
    )


def _rest_entry(rest: list[Outcomes], first: str, mask: Mask, methods: list[str], language: str) -> str:
    """The legend's entry of the rarest outcomes, which share one grey segment: it opens to each of
    them, numbered on from the styled ones, with its runs under each method and its first lines that
    differ from the first outcome's. (All their lines are in the tabs' other outcomes: listing them
    here too would double a racy page's elements.)"""
    words = _TEXT[language]
    items = []
    for number, (text, counts) in enumerate(rest, start=STYLES + 1):
        if len(methods) == 1:
            seen = _counted(words["runs"], counts.get(methods[0], 0))
        else:
            seen = words["by_method"].format(counts=" · ".join(f"{m} {counts.get(m, 0)}" for m in methods))
        items.append(
            f'<li><p class="lk-chart-count"><span class="lk-chart-name">'
            f"{html.escape(words['outcome'].format(n=number))}</span>{html.escape(seen)}</p>"
            f'<code class="lk-chart-lines">{_summary(number, text, first, mask, language)}</code></li>'
        )
    name = html.escape(words["rest"].format(n=len(rest)))
    return (
        '<li><details class="lk-chart-outcome"><summary><span class="lk-swatch lk-o-rest" aria-hidden="true">'
        f'</span><span class="lk-chart-name">{name}</span></summary>'
        f'<p class="lessonkit-legend">{html.escape(words["compare"])}</p>'
        f'<ol class="lk-chart-rest">{"".join(items)}</ol></details></li>'
    )


def _bar(method: MethodOutcomes, styled: list[Outcomes], rest: list[Outcomes], language: str) -> str:
    """One start method's bar: a segment per outcome, in the chart's order and styles."""
    words = _TEXT[language]
    segments = []
    for number, (_, counts) in enumerate(styled, start=1):
        if counts.get(method.method, 0):
            segments.append((f"lk-o{number}", words["outcome"].format(n=number), counts[method.method]))
    rest_count = sum(counts.get(method.method, 0) for _, counts in rest)
    if rest_count:
        segments.append(("lk-o-rest", words["rest"].format(n=len(rest)), rest_count))
    cells = "".join(
        f'<span class="lk-seg {style}" style="flex-grow: {count}">'
        f'<span class="lk-seg-count" aria-hidden="true">{count}</span><span class="lk-sr">'
        + html.escape(words["segment"].format(name=name, count=count, runs=method.runs))
        + "</span></span>"
        for style, name, count in segments
    )
    return f'<span class="lk-bar">{cells}</span>'


def render_bar(block: BlockOutcomes, method: str, language: str) -> str:
    """The bar of one start method of a racy block, for the report's row of that method; ``""``
    for a block that is not racy. Its outcomes have the styles of the block's chart."""
    if not is_racy(block):
        return ""
    outcomes = chart_outcomes(block, Mask(block.mask))
    found = next(m for m in block.methods if m.method == method)
    bar = _bar(found, outcomes[:STYLES], outcomes[STYLES:], language)
    return f'<span class="lk-chart lk-chart-compact" lang="{language}">{bar}</span>'


def render_chart(block: BlockOutcomes, language: str) -> str:
    """Return the chart of *block*'s outcomes as HTML, or ``""`` when the block is not racy."""
    if not is_racy(block):
        return ""
    words = _TEXT[language]
    mask = Mask(block.mask)
    outcomes = chart_outcomes(block, mask)
    styled, rest = outcomes[:STYLES], outcomes[STYLES:]
    rows = [
        f'<tr><th scope="row">{html.escape(method.method)}</th>'
        f"<td>{_bar(method, styled, rest, language)}</td></tr>"
        for method in block.methods
    ]
    runs = "/".join(sorted({str(method.runs) for method in block.methods}))
    head = "".join(f'<th scope="col">{html.escape(words[name])}</th>' for name in ("method", "outcomes"))
    table = (
        f'<table class="lk-chart-table"><thead class="lk-sr"><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )
    first = styled[0][0]
    legend = [
        _legend_entry(number, text, first, mask, language, f"lk-o{number}")
        for number, (text, _) in enumerate(styled, start=1)
    ]
    if rest:
        legend.append(_rest_entry(rest, first, mask, [method.method for method in block.methods], language))
    caption = html.escape(words["caption"].format(runs=runs))
    return (
        f'<figure class="lk-chart" lang="{language}">{table}'
        f'<ol class="lk-chart-legend">{"".join(legend)}</ol>'
        f"<figcaption>{caption}</figcaption></figure>"
    )
