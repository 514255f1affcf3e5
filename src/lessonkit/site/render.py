"""Render the runs of one example: one content tab per start method, with its outcomes.

Each tab shows the most common outcome's real text, with how often it was seen, and,
when the runs did not all print the same, the other outcomes in a collapsed block, each
with its count and its lines marked against the most common one. A block with a claim
gets, after the tabs, the collapsed box with the claimed output and its verdicts.
No JavaScript: ``<details>`` opens by itself.

What an example printed is never Markdown. Each output becomes HTML here, escaped,
and stands in the tabs' Markdown only as a placeholder that is swapped in after
conversion, so no extension (snippet includes, attribute lists, raw HTML) ever sees it.
"""

from __future__ import annotations

import html
import itertools
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from textwrap import indent

from lessonkit.results.outcomes import BlockOutcomes, Mask, MethodOutcomes
from lessonkit.running.runner import ExampleResult
from lessonkit.site.chart import render_chart
from lessonkit.site.marks import MARKS, marked_lines
from lessonkit.site.timeline import COLOURS, lane_of, render_trace

_TEXT = {
    "zh": {
        "terminal": "在伪终端中运行",
        "pipes": "经管道运行（无终端，已设 PYTHONUNBUFFERED=1）",
        "empty": "（没有输出）",
        "method": "启动方式",
        "unisolated": "未隔离运行（本机没有可用的 bubblewrap 沙箱）",
        "stuck": "卡住了：它的进程都停了 {seconds} 秒，没有一个在运行，于是连同所有进程一起被停止",
        "seen": "{runs} 次运行中出现 {count} 次",
        "once": "只运行了 1 次",
        "others": "其他 {n} 种结果",
        "legend": "与最常见的结果相比：{added} 多出的行 · {missing} 缺少的行 · {moved} 换了位置的行",
        "outcome_seen": "出现 {count} 次：",
        "outcome_once": "出现 1 次：",
        "claim": "原文给出的输出",
        "verdict": "在真实运行中出现的次数：",
        "abridged": "原文只摘录了回溯（traceback）的最后一行：比较时，真实输出里的回溯也只保留最后一行。",
    },
    "en": {
        "terminal": "run in a pseudo-terminal",
        "pipes": "run through pipes (no terminal, PYTHONUNBUFFERED=1)",
        "empty": "(no output)",
        "method": "start method",
        "unisolated": "not sandboxed (no bubblewrap sandbox on the building machine)",
        "stuck": "stuck: none of its processes ran for {seconds} s, so it was stopped with all of them",
        "seen": "seen in {count} of {runs} runs",
        "once": "run once",
        "others": "{n} other outcomes",
        "legend": "Compared with the most common outcome: {added} line not in it · "
        "{missing} line missing · {moved} line in another place",
        "outcome_seen": "Seen {count} times:",
        "outcome_once": "Seen 1 time:",
        "claim": "Output given in the original",
        "verdict": "Times a real run printed it: ",
        "abridged": "The original quotes only the last line of the traceback, so the runs' tracebacks "
        "are cut to their last line too when compared.",
    },
}


def _one_other(language: str) -> str:
    return "其他 1 种结果" if language == "zh" else "1 other outcome"


def caption(result: ExampleResult, language: str, outcomes: MethodOutcomes | None = None) -> str:
    """Return the provenance line shown under one output, as HTML.

    With *outcomes*, it also says how often the shown output was seen (that load changes the
    counts is said once on the page, and on the outcome chart of a racy block).
    """
    text = _TEXT[language]
    method = result.start_method
    parts = [
        f"{result.python_implementation} {result.python_version}",
        result.system,
        f"{text['method']} {method.value}: {method.default_on[language]}",
        text["terminal"] if result.terminal else text["pipes"],
    ]
    if not result.isolated:
        parts.append(text["unisolated"])
    if result.stuck:  # only a block with stuck_after shows such a run
        parts.append(text["stuck"].format(seconds=f"{result.stuck:.0f}"))
    line = html.escape(" · ".join(parts))
    if outcomes is not None:
        if outcomes.runs == 1:
            seen = text["once"]
        else:  # the load note is the page's, once, and the chart's
            seen = text["seen"].format(count=outcomes.shown.count, runs=outcomes.runs)
        line += f'<br><span class="lessonkit-count">{html.escape(seen)}</span>'
    return f'<p class="lessonkit-caption">{line}</p>'


def render_other_outcomes(outcomes: MethodOutcomes, mask: Mask, language: str) -> str:
    """Return the collapsed block listing every outcome but the most common, or ``""``.

    Each outcome's lines carry a sign, ``+`` (not in the most common outcome), ``−``
    (missing from this one, shown struck through where it would be) or ``↕`` (there, but
    in another place), so the difference is seen without reading both outputs line by line.
    """
    others = outcomes.outcomes[1:]
    if not others:
        return ""
    text = _TEXT[language]
    title = _one_other(language) if len(others) == 1 else text["others"].format(n=len(others))
    legend = text["legend"].format(added=MARKS["added"], missing=MARKS["missing"], moved=MARKS["moved"])
    parts = [
        f'<details class="abstract lessonkit-others"><summary>{html.escape(title)}</summary>',
        f'<p class="lessonkit-legend">{html.escape(legend)}</p>',
    ]
    for outcome in others:
        lines = marked_lines(outcomes.shown.output, outcome.output, mask)
        seen = (
            text["outcome_once"] if outcome.count == 1 else text["outcome_seen"].format(count=outcome.count)
        )
        parts.append(f'<p class="lessonkit-outcome-count">{html.escape(seen)}</p>')
        parts.append(
            '<div class="no-copy highlight lessonkit-diff"><pre><span></span><code>'
            + lines
            + "\n</code></pre></div>"
        )
    parts.append("</details>")
    return "".join(parts)


def render_claim(claim: str, block: BlockOutcomes, language: str) -> str:
    """Return the collapsed box with the output a lesson claims and how many runs printed it."""
    text = _TEXT[language]
    verdicts = " · ".join(f"{m.method} {m.claim_seen}/{m.runs}" for m in block.methods)
    parts = [
        f'<details class="quote lessonkit-claim" lang="{language}">'
        f"<summary>{html.escape(text['claim'])}</summary>",
        render_output(claim, language),
        f'<p class="lessonkit-verdict">{html.escape(text["verdict"])}'
        f"<strong>{html.escape(verdicts)}</strong></p>",
    ]
    if any(m.claim_abridged for m in block.methods):
        parts.append(f"<p>{html.escape(text['abridged'])}</p>")
    parts.append("</details>")
    return "".join(parts)


def render_output(output: str, language: str, owners: Sequence[tuple[str, int] | None] | None = None) -> str:
    """Return one output as literal, escaped HTML, styled like a highlighted code block.

    Outputs get no copy button (``.no-copy``): a reader copies code, not output, and
    dozens of buttons slow the page down.

    Parameters:
        output: What the run printed.
        language: ``zh`` or ``en``.
        owners: For each line, the process that printed it and its lane, or None: the line
            gets a gutter in the lane's colour and the name as its title (the timeline's
            text alternative names it for a screen reader).
    """
    if not output.strip():
        return f"<p>{html.escape(_TEXT[language]['empty'])}</p>"
    lines = output.rstrip("\n").split("\n")
    if owners is None or len(owners) != len(lines):
        body = html.escape(output.rstrip("\n"), quote=False)
    else:
        # Consecutive lines of one process share one gutter: a traceback is one element, not 20.
        marked = []
        for owner, group in itertools.groupby(zip(lines, owners, strict=True), key=lambda pair: pair[1]):
            text = html.escape("\n".join(line for line, _ in group), quote=False)
            if owner is None:
                marked.append(text)
            else:
                name, lane = owner
                marked.append(
                    f'<span class="lk-by lk-lane-{lane % COLOURS}" title="{html.escape(name)}">{text}</span>'
                )
        body = "\n".join(marked)
    return f'<div class="no-copy highlight"><pre><span></span><code>{body}\n</code></pre></div>'


def _owners(outcomes: MethodOutcomes) -> list[tuple[str, int] | None] | None:
    """Return who printed each line of the shown output, from its trace."""
    if outcomes.trace is None:
        return None
    lanes = lane_of(outcomes.trace)
    prints = [e["process"] for e in outcomes.trace["events"] if e["kind"] == "print"]
    return [(name, lanes[name]) if name in lanes else None for name in prints]


def _timeline(outcomes: MethodOutcomes, language: str, publish: Callable[[str, str], str] | None) -> str:
    if outcomes.trace is None or publish is None:
        return ""
    return render_trace(outcomes.trace, language=language, method=outcomes.method, publish=publish)


@dataclass
class RenderedRuns:
    """The tabs' Markdown, with placeholders, and the literal HTML each placeholder stands for."""

    markdown: str
    stash: dict[str, str] = field(default_factory=dict)

    def hold(self, fragment: str) -> str:
        """Stash *fragment* and return the placeholder to put in the Markdown instead.

        The placeholder is a word alone in its paragraph, which every extension leaves as
        it is; the paragraph it becomes is what is replaced.
        """
        word = f"lessonkitoutput{uuid.uuid4().hex}"
        self.stash[f"<p>{word}</p>"] = fragment
        return word

    def fill(self, converted: str) -> str:
        """Return *converted* (the Markdown converted to HTML) with each placeholder's HTML put back."""
        for placeholder, fragment in self.stash.items():
            converted = converted.replace(placeholder, fragment)
        return converted


def render_block(
    block: BlockOutcomes,
    samples: Sequence[Sequence[ExampleResult]],
    language: str,
    *,
    mask: Mask = Mask(),  # noqa: B008 - frozen, so a safe default
    claim: str | None = None,
    publish: Callable[[str, str], str] | None = None,
) -> RenderedRuns:
    """Return one content tab per start method, then the claim box, outputs held apart.

    Parameters:
        block: The block's outcomes, one :class:`MethodOutcomes` per start method.
        samples: The runs of each start method, in the same order, for each caption.
        language: ``zh`` or ``en``.
        mask: The block's mask, to mark differing lines as outcomes were grouped.
        claim: The output the lesson claims, if the block names one.
        publish: Stores a file of the site and returns its URL from the page; without it,
            no timeline is drawn.
    """
    rendered = RenderedRuns(markdown="")
    tabs = []
    for outcomes, results in zip(block.methods, samples, strict=True):
        shown = results[outcomes.shown.runs[0] - 1]
        fragment = (
            render_output(outcomes.shown.output, language, _owners(outcomes))
            + caption(shown, language, outcomes)
            + _timeline(outcomes, language, publish)
            + render_other_outcomes(outcomes, mask, language)
        )
        tabs.append(f'=== "{outcomes.method}"\n\n{indent(rendered.hold(fragment), "    ")}\n')
    # lang: the captions are in the language built, also inside a page not translated yet (lang="zh").
    rendered.markdown = (
        f'<div class="lessonkit-runs" lang="{language}" markdown>\n\n' + "\n".join(tabs) + "\n</div>\n"
    )
    chart = render_chart(block, language)
    if chart:  # a racy block: how every method's runs split, at a glance
        rendered.markdown += "\n" + rendered.hold(chart) + "\n"
    if claim is not None:
        rendered.markdown += "\n" + rendered.hold(render_claim(claim, block, language)) + "\n"
    return rendered


PLACEHOLDER = {
    "zh": "（未运行：LESSONKIT_EXEC=0 时只渲染页面，不运行例子。）",
    "en": "(Not run: with LESSONKIT_EXEC=0 the pages render without running the examples.)",
}


PENDING = {
    "zh": "运行中：已完成 {done} / {total} 次运行。结果到齐后，这一页会自动刷新。",
    "en": "Running: {done} of {total} runs done. This page reloads by itself when the results are in.",
}


def render_pending(done: int, total: int, *, language: str) -> str:
    """Return the stand-in for a block whose runs are still going (``mkdocs serve`` only)."""
    text = PENDING[language].format(done=done, total=total)
    return f'<p class="lessonkit-placeholder lessonkit-pending">{html.escape(text)}</p>\n'


def render_placeholder(code: str, *, language: str) -> str:
    """Return the visible stand-in for an output when examples are not run."""
    del code
    return f'<p class="lessonkit-placeholder">{html.escape(PLACEHOLDER[language])}</p>\n'
