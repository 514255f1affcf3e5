"""Predict, then see: an exercise where the reader builds the output they expect, then checks it
against the real runs.

A block with ``predict="on"`` (inside an exercise's answer box) gets, before that box, a widget:

- a **pool** of every line any run printed (and the lines of the original's claim, if the block
  has one), each a button that adds it to the prediction; the pool is in a natural order
  (``worker 2`` before ``worker 10``), never in the order of a run, so it gives nothing away;
- the **prediction**, an ordered list the reader arranges with buttons (up, down, remove): a
  keyboard, a mouse and a finger all work, and no drag is needed;
- **check**, which shows per start method how many runs printed exactly the prediction, and the
  real outcome closest to it with the differing lines marked as the tabs mark them; then the
  answer box opens.

The widget is drawn here, at build time, as plain HTML; ``docs/assets/predict.js`` (no
dependency) only handles its buttons. What it compares comes from the page itself: a JSON
``<script type="application/json">`` inside the widget holds the pool, each distinct outcome as a
list of pool indices, and each method's count of runs per outcome. The numbers are those of the
block's :class:`~lessonkit.results.outcomes.BlockOutcomes` (the tabs' and ``outcomes.json``'s).
Nothing about the reader is stored.

Runs are compared as a claim is (:func:`~lessonkit.results.outcomes.match_claim`): after the
block's mask, with trailing spaces trimmed, and with each traceback cut to its last line (nobody
predicts a traceback's frames); the widget says so. Without JavaScript the widget is hidden
(``overrides/main.html``) and the exercise is the answer box, as before.

Pure text: no MkDocs import. :func:`lift_predictions` moves each widget out of the answer box it
was rendered in (the fence sits inside it) to just before it.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass

from lessonkit.results.outcomes import (
    MASKED,
    TRACEBACK_HEADER,
    BlockOutcomes,
    Mask,
    abridge_tracebacks,
    trimmed,
)

NO_MASK = Mask()
"""Addresses only: the mask of a block without a ``mask`` option."""

ELLIPSIS = "…"
"""How a masked value reads in the pool (``Starting: daemon …``)."""

_TEXT = {
    "zh": {
        "title": "先预测，再核对",
        "intro": "从下面的行里挑出你认为会打印的，排成你预料的顺序，再按“核对”。"
        "这些行是各次运行打印过的所有行{claim}，按字符顺序排列，不透露真实的顺序；同一行可以加入多次。",
        "claim": "以及原文给出的输出",
        "tracebacks": "回溯信息（traceback）只比较最后一行。",
        "masked": "“…”处的值每次运行都不同，比较时不计入。",
        "pool": "可选的行",
        "guess": "你的预测",
        "empty": "还没有加入任何一行。",
        "blank": "（空行）",
        "add": "加入：{line}",
        "up": "上移第 {n} 行（{line}）",
        "down": "下移第 {n} 行（{line}）",
        "remove": "删除第 {n} 行（{line}）",
        "check": "核对",
        "clear": "清空",
        "added": "已加入第 {n} 行：{line}",
        "moved": "已移到第 {n} 行：{line}",
        "removed": "已删除：{line}",
        "cleared": "预测已清空。",
        "result": "你的预测在真实运行中出现的次数：",
        "count": "{method}：{runs} 次中 {count} 次",
        "exact": "这正是真实运行打印过的一种结果。",
        "closest": "最接近的真实结果（{counts}），和你的预测不同的行已标出：",
        "legend": "+ 运行打印了、你没有预测的行 · − 你预测了、运行没有打印的行 · ↕ 位置不同的行",
        "answer": "答案已经在下面展开。",
        "nothing": "（没有输出）",
    },
    "en": {
        "title": "Predict, then check",
        "intro": "Pick the lines you expect the program to print, put them in the order you expect, "
        "then press “Check”. These are all the lines any run printed{claim}, in character order, "
        "which gives nothing away; a line can be added more than once.",
        "claim": ", and the lines of the original's output",
        "tracebacks": "A traceback is compared by its last line only.",
        "masked": "A value shown as “…” differs in every run and is not compared.",
        "pool": "Lines to choose from",
        "guess": "Your prediction",
        "empty": "No line added yet.",
        "blank": "(blank line)",
        "add": "Add: {line}",
        "up": "Move line {n} up ({line})",
        "down": "Move line {n} down ({line})",
        "remove": "Remove line {n} ({line})",
        "check": "Check",
        "clear": "Clear",
        "added": "Added as line {n}: {line}",
        "moved": "Moved to line {n}: {line}",
        "removed": "Removed: {line}",
        "cleared": "The prediction is cleared.",
        "result": "How many real runs printed your prediction:",
        "count": "{method}: {count} of {runs} runs",
        "exact": "This is exactly one of the outcomes real runs printed.",
        "closest": "The real outcome closest to it ({counts}), with the lines that differ marked:",
        "legend": "+ printed by the run, not in your prediction · − in your prediction, not printed · "
        "↕ in another place",
        "answer": "The answer is open below.",
        "nothing": "(no output)",
    },
}
"""The widget's words: drawn into the page, and handed to the script for what it writes."""

MARKER = "<!--lk-predict {where}-->"
END_MARKER = "<!--/lk-predict-->"
_WIDGET = re.compile(r"<!--lk-predict (.*?)-->.*?<!--/lk-predict-->", re.DOTALL)
_DETAILS = re.compile(r"<details\b|</details>")


class PredictError(ValueError):
    """A widget that cannot be placed: its block is not inside an answer box."""


def prediction_lines(output: str, mask: Mask = NO_MASK) -> tuple[str, ...]:
    """The lines of *output* a prediction is compared with: masked, trimmed, tracebacks cut to
    their last line; a masked value reads ``…``."""
    text = trimmed(abridge_tracebacks(mask.apply(output)))
    return tuple(text.replace(MASKED, ELLIPSIS).splitlines()) if text else ()


def _natural(line: str) -> tuple[object, ...]:
    """Sort key: text in character order, numbers by value (``w2`` before ``w10``)."""
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", line)), line


@dataclass(frozen=True)
class Prediction:
    """What a block's widget compares a prediction with."""

    pool: tuple[str, ...]
    """Every line any run printed (and the claim's), once each, in natural order."""
    outcomes: tuple[tuple[int, ...], ...]
    """Each distinct outcome (as compared) as indices into :attr:`pool`."""
    counts: tuple[tuple[str, int, tuple[int, ...]], ...]
    """Per start method: its name, its runs, and how many of them gave each outcome."""
    tracebacks: bool
    """Some run printed a traceback (the widget says how it is compared)."""
    masked: bool
    """Some line holds a masked value."""
    claimed: bool
    """The pool holds the claim's lines."""

    def to_json(self) -> dict[str, object]:
        return {
            "pool": list(self.pool),
            "outcomes": [list(o) for o in self.outcomes],
            "methods": [[method, runs, list(counts)] for method, runs, counts in self.counts],
        }


def build_prediction(block: BlockOutcomes, mask: Mask = NO_MASK, claim: str | None = None) -> Prediction:
    """Gather *block*'s outcomes as a prediction is compared with them (outcomes equal once
    compared so are one, and their counts add up)."""
    keyed: dict[tuple[str, ...], int] = {}
    per_method: list[tuple[str, int, dict[int, int]]] = []
    tracebacks = masked = False
    for method in block.methods:
        counts: dict[int, int] = {}
        for outcome in method.outcomes:
            tracebacks |= TRACEBACK_HEADER in outcome.output
            masked |= MASKED in mask.apply(outcome.output)
            index = keyed.setdefault(prediction_lines(outcome.output, mask), len(keyed))
            counts[index] = counts.get(index, 0) + outcome.count
        per_method.append((method.method, method.runs, counts))
    lines = {line for outcome in keyed for line in outcome}
    if claim is not None:
        lines.update(prediction_lines(claim, mask))
    pool = tuple(sorted(lines, key=_natural))
    position = {line: index for index, line in enumerate(pool)}
    return Prediction(
        pool=pool,
        outcomes=tuple(tuple(position[line] for line in outcome) for outcome in keyed),
        counts=tuple(
            (name, runs, tuple(counts.get(index, 0) for index in range(len(keyed))))
            for name, runs, counts in per_method
        ),
        tracebacks=tracebacks,
        masked=masked,
        claimed=claim is not None,
    )


def count_prediction(prediction: Prediction, lines: Iterable[str]) -> dict[str, tuple[int, int]]:
    """Per start method, how many runs printed exactly *lines* (as compared), and of how many:
    what the widget shows when *lines* are checked."""
    wanted = tuple(lines)
    try:
        index = [tuple(prediction.pool[i] for i in outcome) for outcome in prediction.outcomes].index(wanted)
    except ValueError:
        return {method: (0, runs) for method, runs, _ in prediction.counts}
    return {method: (counts[index], runs) for method, runs, counts in prediction.counts}


def render_prediction(prediction: Prediction, *, language: str, where: str, ident: str) -> str:
    """The widget's HTML, between the markers :func:`lift_predictions` looks for.

    *where* names the fence for an error (``docs/daemon.md:104 (snippet …)``), *ident* is a
    prefix for ids, unique on the page.
    """
    text = _TEXT[language]
    notes = [text["intro"].format(claim=text["claim"] if prediction.claimed else "")]
    if prediction.tracebacks:
        notes.append(text["tracebacks"])
    if prediction.masked:
        notes.append(text["masked"])

    def shown(line_text: str) -> str:
        return html.escape(line_text, quote=False) if line_text else f"<em>{text['blank']}</em>"

    pool = "".join(
        f'<li><button type="button" class="lk-add" data-add="{index}" '
        f'aria-label="{html.escape(text["add"].format(line=line_text or text["blank"]))}">'
        f'<span aria-hidden="true">+</span> <code>{shown(line_text)}</code></button></li>'
        for index, line_text in enumerate(prediction.pool)
    )
    words = {key: text[key] for key in _SCRIPT_WORDS}
    data = json.dumps({**prediction.to_json(), "text": words}, ensure_ascii=False, separators=(",", ":"))
    data = data.replace("<", "\\u003c")  # no output can end the script element or open a comment in it
    return (
        MARKER.format(where=where.replace("--", "- -"))
        + f'<section class="lk-predict" aria-labelledby="{ident}-title" lang="{language}">'
        f'<p class="lk-predict-title" id="{ident}-title"><strong>{text["title"]}</strong></p>'
        f"<p>{' '.join(html.escape(note, quote=False) for note in notes)}</p>"
        '<div class="lk-predict-columns">'
        f'<div class="lk-predict-pool"><p id="{ident}-pool">{text["pool"]}</p>'
        f'<ul aria-labelledby="{ident}-pool">{pool}</ul></div>'
        f'<div class="lk-predict-guess"><p id="{ident}-guess">{text["guess"]}</p>'
        f'<ol aria-labelledby="{ident}-guess"></ol>'
        f'<p class="lk-predict-empty">{text["empty"]}</p></div>'
        "</div>"
        '<p class="lk-predict-actions">'
        f'<button type="button" class="md-button md-button--primary lk-check">{text["check"]}</button> '
        f'<button type="button" class="md-button lk-clear">{text["clear"]}</button></p>'
        '<p class="lk-sr lk-predict-status" role="status"></p>'
        '<div class="lk-predict-result" aria-live="polite"></div>'
        f'<script type="application/json" class="lk-predict-data">{data}</script>'
        "</section>" + END_MARKER
    )


_SCRIPT_WORDS = (
    "blank",
    "up",
    "down",
    "remove",
    "added",
    "moved",
    "removed",
    "cleared",
    "result",
    "count",
    "exact",
    "closest",
    "legend",
    "answer",
    "nothing",
)
"""The words the script writes itself (the rest is drawn here)."""


def lift_predictions(page_html: str) -> str:
    """Move each widget on the page to just before the answer box (``<details>``) it is in.

    Raises :class:`PredictError`, naming the fence's page, line and snippet, for a widget that
    is not inside one: ``predict="on"`` belongs on the block of an exercise's answer.
    """
    widgets = list(_WIDGET.finditer(page_html))
    for widget in reversed(widgets):
        if page_html[widget.end() :].lstrip().startswith("<details"):
            continue  # already where it belongs
        opened: list[int] = []
        for tag in _DETAILS.finditer(page_html, 0, widget.start()):
            if tag.group() == "</details>":
                if opened:
                    opened.pop()
            else:
                opened.append(tag.start())
        if not opened:
            raise PredictError(
                f'{widget.group(1)}: predict="on" needs the block inside an answer box '
                '(??? success "…" after the exercise\'s question), so the reader can predict before it opens'
            )
        box = opened[-1]
        moved = widget.group()
        page_html = page_html[:box] + moved + page_html[box : widget.start()] + page_html[widget.end() :]
    return page_html
