"""Render the runs of one example: one content tab per start method.

What an example printed is never Markdown. Each output becomes HTML here, escaped,
and stands in the tabs' Markdown only as a placeholder that is swapped in after
conversion, so no extension (snippet includes, attribute lists, raw HTML) ever sees it.
"""

from __future__ import annotations

import html
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from textwrap import indent

from lessonkit.running.runner import ExampleResult

_TEXT = {
    "zh": {
        "terminal": "在伪终端中运行",
        "pipes": "经管道运行（无终端，已设 PYTHONUNBUFFERED=1）",
        "empty": "（没有输出）",
        "method": "启动方式",
        "unisolated": "未隔离运行（本机没有可用的 bubblewrap 沙箱）",
    },
    "en": {
        "terminal": "run in a pseudo-terminal",
        "pipes": "run through pipes (no terminal, PYTHONUNBUFFERED=1)",
        "empty": "(no output)",
        "method": "start method",
        "unisolated": "not sandboxed (no bubblewrap sandbox on the building machine)",
    },
}


def caption(result: ExampleResult, language: str) -> str:
    """Return the provenance line shown under one output, as HTML."""
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
    return f'<p class="lessonkit-caption">{html.escape(" · ".join(parts))}</p>'


def render_output(output: str, language: str) -> str:
    """Return one output as literal, escaped HTML, styled like a highlighted code block.

    Outputs get no copy button (``.no-copy``): a reader copies code, not output, and
    dozens of buttons slow the page down.
    """
    if not output.strip():
        return f"<p>{html.escape(_TEXT[language]['empty'])}</p>"
    body = html.escape(output.rstrip("\n"), quote=False)
    return f'<div class="no-copy highlight"><pre><span></span><code>{body}\n</code></pre></div>'


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


def render_results(results: Sequence[ExampleResult], language: str) -> RenderedRuns:
    """Return one content tab per start method, in the given order, outputs held apart."""
    rendered = RenderedRuns(markdown="")
    tabs = []
    for result in results:
        body = rendered.hold(render_output(result.output, language) + caption(result, language))
        tabs.append(f'=== "{result.start_method.value}"\n\n{indent(body, "    ")}\n')
    rendered.markdown = '<div class="lessonkit-runs" markdown>\n\n' + "\n".join(tabs) + "\n</div>\n"
    return rendered


PLACEHOLDER = {
    "zh": "（未运行：LESSONKIT_EXEC=0 时只渲染页面，不运行例子。）",
    "en": "(Not run: with LESSONKIT_EXEC=0 the pages render without running the examples.)",
}


def render_placeholder(code: str, *, language: str) -> str:
    """Return the visible stand-in for an output when examples are not run."""
    del code
    return f'<p class="lessonkit-placeholder">{html.escape(PLACEHOLDER[language])}</p>\n'
