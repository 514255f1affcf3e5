"""Draw what each process of a run did: an SVG timeline, and the same events in words.

The picture reads like ``git log --graph``, because that fits a phone: time runs down,
one narrow lane per process on the left, and one row of plain words per event on the
right, which names the process, so nothing needs a legend:

- a lane starts where its parent starts it (a branch from the parent's lane) and ends
  at its exit: a square with the exit code, or a cross when it was terminated;
- a waiting ``join`` is drawn dashed on the waiting lane, and the child's lane merges
  back into it when the join returns;
- helper processes (forkserver, resource tracker) get thin lanes, named in the first row;
- consecutive lines printed by one process share a row (``+N lines``).

Rows are in time order, each with its time; they are evenly spaced, so the picture is
not to scale, and its caption says so. No JavaScript: it is a standalone SVG file shown
with ``<img loading="lazy">``, so a page of fifteen pictures stays light (each is one
element, fetched only when its tab is shown). It carries its own colours for the light
palette; the page's stylesheet inverts it for the dark one.
"""

from __future__ import annotations

import hashlib
import html
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lessonkit.results.trace import describe_events

WIDTH = 360
"""The picture's width in SVG units: drawn for a phone, scaled down never below legibility."""
ROW = 20
LANE = 13
TOP = 14
FONT = 11.0
BURST = 0.05
"""Seconds within which consecutive lines of one process share a row (a traceback's lines)."""
COLOURS = 6
"""Lane colours; lanes past that reuse them (the rows name the process)."""

LANE_COLOURS = ("#455a64", "#c2185b", "#1565c0", "#2e7d32", "#bf360c", "#6a1b9a")
"""The same colours as the output gutters' in lessonkit.css (light palette)."""

STYLE = (
    "text{font:11px system-ui,-apple-system,'Segoe UI',Roboto,'Noto Sans CJK SC',sans-serif;fill:#1f2328}"
    ".lk-lane{fill:none;stroke-width:2.5}.lk-helper{stroke-width:1}"
    ".lk-killed{fill:none;stroke-width:2}"
    ".lk-wait{fill:none;stroke:#fff;stroke-width:3;stroke-dasharray:3 3}"
    + "".join(
        f".lk-lane-{n}{{stroke:{colour}}}.lk-mark.lk-lane-{n}{{fill:{colour};stroke:none}}"
        for n, colour in enumerate(LANE_COLOURS)
    )
)

_WORDS = {
    "en": {
        "title": "What each process did, {method}",
        "caption": "Time runs down, one row per event, not to scale.",
        "in_words": "The timeline in words",
        "main": "{process} runs the script",
        "helper": "{process}: a helper process multiprocessing started",
        "start": "{process} starts {child}",
        "start_daemon": "{process} starts {child} (daemon)",
        "print": "{process}: {text}",
        "print_more": "{process}: {text} (+{more} lines)",
        "print_unknown": "?: {text}",
        "join_begin": "{process} waits for {child} (join)",
        "join_end": "{child} done, {process} goes on",
        "terminate_main_end": "{process} done: stops daemon {child}",
        "terminate_call": "{process} calls {how} on {child}",
        "exit": "{process} exits, code {code}",
        "exit_signal": "{process} terminated (code {code})",
        "stopped": "{process} never ends: stopped",
        "seconds": "{t:.3f} s",
    },
    "zh": {
        "title": "各进程做了什么（{method}）",
        "caption": "时间从上往下，每行一个事件，不按比例。",
        "in_words": "时间线的文字版",
        "main": "{process} 运行脚本",
        "helper": "{process}：multiprocessing 启动的辅助进程",
        "start": "{process} 启动 {child}",
        "start_daemon": "{process} 启动 {child}（守护进程）",
        "print": "{process}：{text}",
        "print_more": "{process}：{text}（另有 {more} 行）",
        "print_unknown": "?：{text}",
        "join_begin": "{process} 等待 {child}（join）",
        "join_end": "{child} 结束，{process} 继续",
        "terminate_main_end": "{process} 代码执行完，终止 {child}",
        "terminate_call": "{process} 对 {child} 调用 {how}",
        "exit": "{process} 退出，退出码 {code}",
        "exit_signal": "{process} 被终止（退出码 {code}）",
        "stopped": "{process} 一直没结束：被停止",
        "seconds": "{t:.3f} 秒",
    },
}


def text_width(text: str, size: float = FONT) -> float:
    """Estimate *text*'s width in SVG units: wide (CJK) characters count double."""
    return sum(size if unicodedata.east_asian_width(c) in "WF" else size * 0.6 for c in text)


def fit(text: str, room: float, size: float = FONT) -> str:
    """Return *text*, cut with an ellipsis to fit *room* units."""
    if text_width(text, size) <= room:
        return text
    while text and text_width(text + "…", size) > room:
        text = text[:-1]
    return text + "…"


@dataclass
class _Row:
    t: float
    lane: int
    words: str
    mark: str
    """``start``, ``print``, ``wait``, ``resume``, ``exit``, ``killed`` or ``note``."""
    other: int | None = None
    """For ``start`` and ``resume``: the child's lane."""
    process: str | None = None
    lines: int = 1
    """For ``print``: how many consecutive lines of one process the row stands for."""
    last_t: float = 0.0


def lane_of(trace: dict[str, Any]) -> dict[str | None, int]:
    """Return the lane of each process: the main process first, then the others as they appear."""
    return {process["name"]: lane for lane, process in enumerate(trace["processes"])}


def _rows(trace: dict[str, Any], language: str) -> list[_Row]:
    """Return one row per event (consecutive prints of one process share one), in time order."""
    words = _WORDS[language]
    lanes = lane_of(trace)
    rows = [_Row(0.0, 0, words["main"].format(process="MainProcess"), "note")]
    for process in trace["processes"]:
        if process["role"] == "helper":
            rows.append(
                _Row(0.0, lanes[process["name"]], words["helper"].format(process=process["name"]), "note")
            )
    for event in trace["events"]:
        kind, process, t = event["kind"], event["process"], event["t"]
        lane = lanes.get(process, 0)
        if kind == "print":
            last = rows[-1]
            burst = t - (last.last_t or last.t) < BURST
            if last.mark == "print" and last.process == process and process is not None and burst:
                last.lines += 1
                last.last_t = t
            else:
                rows.append(_Row(t, lane, event["text"], "print", process=process))
        elif kind == "start":
            key = "start_daemon" if event.get("daemon") else "start"
            child = lanes.get(event["child"], lane)
            rows.append(
                _Row(t, lane, words[key].format(process=process, child=event["child"]), "start", child)
            )
        elif kind == "join" and event["phase"] == "begin":
            rows.append(
                _Row(t, lane, words["join_begin"].format(process=process, child=event["child"]), "wait")
            )
        elif kind == "join":
            child = lanes.get(event["child"], lane)
            sentence = words["join_end"].format(process=process, child=event["child"])
            rows.append(_Row(t, lane, sentence, "resume", child))
        elif kind == "terminate":
            key = "terminate_main_end" if event.get("reason") == "main_end" else "terminate_call"
            sentence = words[key].format(process=process, child=event["child"], how=event.get("how", ""))
            rows.append(_Row(t, lane, sentence, "note"))
        elif kind == "exit" and event.get("stopped"):
            rows.append(_Row(t, lane, words["stopped"].format(process=process), "killed"))
        elif kind == "exit":
            code = event.get("exitcode")
            killed = isinstance(code, int) and code < 0
            key = "exit_signal" if killed else "exit"
            rows.append(
                _Row(t, lane, words[key].format(process=process, code=code), "killed" if killed else "exit")
            )
    for row in rows:
        if row.mark != "print":
            continue
        if row.process is None:
            row.words = words["print_unknown"].format(text=row.words)
        elif row.lines > 1:
            row.words = words["print_more"].format(process=row.process, text=row.words, more=row.lines - 1)
        else:
            row.words = words["print"].format(process=row.process, text=row.words)
    return rows


def render_timeline(trace: dict[str, Any], *, language: str, method: str) -> str:
    """Return the timeline of one traced run as a standalone SVG document.

    Parameters:
        trace: The run's ``trace``, as in ``outcomes.json``.
        language: ``zh`` or ``en``.
        method: The start method, for the picture's title.
    """
    words = _WORDS[language]
    rows = _rows(trace, language)
    lanes = lane_of(trace)
    helpers = {lanes[p["name"]] for p in trace["processes"] if p["role"] == "helper"}
    left = 8 + LANE * len(lanes)
    text_x = left + 6
    height = TOP + ROW * len(rows)
    y_of = [TOP + ROW * index for index in range(len(rows))]
    first: dict[int, int] = {0: 0}
    last: dict[int, int] = {}
    waits: list[tuple[int, int, int]] = []
    open_wait: dict[int, int] = {}
    for index, row in enumerate(rows):
        if row.mark == "start" and row.other is not None:
            first.setdefault(row.other, index)
        if row.mark == "note" and row.lane in helpers:
            first.setdefault(row.lane, index)
        if row.mark in ("exit", "killed"):
            last[row.lane] = index
        if row.mark == "wait":
            open_wait[row.lane] = index
        if row.mark == "resume" and row.lane in open_wait:
            waits.append((row.lane, open_wait.pop(row.lane), index))
    for lane, begin in open_wait.items():
        waits.append((lane, begin, len(rows) - 1))
    x_of = [8 + LANE * lane + LANE / 2 for lane in range(len(lanes))]
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}">',
        f"<title>{html.escape(words['title'].format(method=method))}</title>",
        f"<style>{STYLE}</style>",
    ]
    for lane in range(len(lanes)):
        begin = first.get(lane, 0)
        end = last.get(lane, len(rows) - 1)
        colour = f"lk-lane-{lane % COLOURS}"
        thin = " lk-helper" if lane in helpers else ""
        path = f"M{x_of[lane]:.1f} {y_of[begin]} V{y_of[end]}"
        marks = []
        for index, row in enumerate(rows):
            x, y = x_of[lane], y_of[index]
            if row.lane == lane and row.mark == "print":
                marks.append(f"M{x - 3:.1f} {y}a3 3 0 1 0 6 0a3 3 0 1 0 -6 0")
            elif row.lane == lane and row.mark == "exit":
                marks.append(f"M{x - 3.5:.1f} {y - 3.5}h7v7h-7z")
            if row.mark == "start" and row.other == lane and lane != row.lane:
                px = x_of[row.lane]
                path += f"M{px:.1f} {y}C{x:.1f} {y} {x:.1f} {y} {x:.1f} {y + ROW / 2}"
            if row.mark == "resume" and row.other == lane and lane != row.lane:
                px = x_of[row.lane]
                path += f"M{x:.1f} {y_of[last.get(lane, index)]}C{x:.1f} {y} {x:.1f} {y} {px:.1f} {y}"
        parts.append(f'<path class="lk-lane {colour}{thin}" d="{path}"/>')
        crosses = [
            f"M{x_of[lane] - 4:.1f} {y_of[i] - 4}l8 8m0 -8l-8 8"
            for i, row in enumerate(rows)
            if row.lane == lane and row.mark == "killed"
        ]
        if marks or crosses:
            parts.append(f'<path class="lk-mark {colour}" d="{"".join(marks)}"/>')
        if crosses:
            parts.append(f'<path class="lk-killed {colour}" d="{"".join(crosses)}" stroke-linecap="round"/>')
    if waits:
        dashes = "".join(f"M{x_of[lane]:.1f} {y_of[begin]}V{y_of[end]}" for lane, begin, end in waits)
        parts.append(f'<path class="lk-wait" d="{dashes}"/>')
    room = WIDTH - text_x - 2
    for index, row in enumerate(rows):
        stamp = words["seconds"].format(t=row.t)
        label = fit(f"{stamp}  {row.words}", room)
        parts.append(f'<text x="{text_x}" y="{y_of[index] + 4}">{html.escape(label)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def render_trace(
    trace: dict[str, Any], *, language: str, method: str, publish: Callable[[str, str], str]
) -> str:
    """Return the timeline figure (a lazy ``<img>``), its caption, and the events in words, folded.

    Parameters:
        trace: The run's ``trace``.
        language: ``zh`` or ``en``.
        method: The start method.
        publish: Stores a file of the site (its name, its text) and returns its URL from the page.
    """
    words = _WORDS[language]
    svg = render_timeline(trace, language=language, method=method)
    name = f"timeline-{hashlib.sha256(svg.encode()).hexdigest()[:16]}.svg"
    url = publish(name, svg)
    title = words["title"].format(method=method)
    height = svg.split('height="', 1)[1].split('"', 1)[0]
    sentences = "\n".join(describe_events(trace, language))
    return (
        '<figure class="lessonkit-figure">'
        f'<img class="lessonkit-timeline" src="{html.escape(url)}" alt="{html.escape(title)}" '
        f'width="{WIDTH}" height="{height}" loading="lazy" decoding="async">'
        f"<figcaption>{html.escape(words['caption'])}</figcaption></figure>"
        f'<details class="lessonkit-trace-text"><summary>{html.escape(words["in_words"])}</summary>'
        f"<p>{html.escape(sentences)}</p></details>"
    )
