"""Render the runs of one example as Markdown: one content tab per start method."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from textwrap import indent

from lessonkit.runner import ExampleResult

_TEXT = {
    "zh": {
        "terminal": "在伪终端中运行",
        "pipes": "经管道运行（无终端，已设 PYTHONUNBUFFERED=1）",
        "empty": "（没有输出）",
        "method": "启动方式",
    },
    "en": {
        "terminal": "run in a pseudo-terminal",
        "pipes": "run through pipes (no terminal, PYTHONUNBUFFERED=1)",
        "empty": "(no output)",
        "method": "start method",
    },
}


def page_language(src_uri: str) -> str:
    """Return ``"en"`` for ``NAME.en.md`` pages and ``"zh"`` (the default) otherwise."""
    return "en" if src_uri.endswith(".en.md") else "zh"


def _fence(text: str) -> str:
    """Return a code fence longer than any backtick run in *text*."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


def caption(result: ExampleResult, language: str) -> str:
    """Return the provenance line shown under one output, as a Markdown paragraph."""
    text = _TEXT[language]
    method = result.start_method
    parts = [
        f"{result.python_implementation} {result.python_version}",
        result.system,
        f"{text['method']} {method.value}: {method.default_on[language]}",
        text["terminal"] if result.terminal else text["pipes"],
    ]
    return html.escape(" · ".join(parts)) + "\n{: .lessonkit-caption }"


def render_output(output: str, language: str) -> str:
    """Return one output as a Markdown code block; highlighting escapes its HTML.

    Outputs get no copy button (``.no-copy``): a reader copies code, not output, and
    dozens of buttons slow the page down.
    """
    if not output.strip():
        return f"<p>{html.escape(_TEXT[language]['empty'])}</p>"
    fence = _fence(output)
    return f"{fence} {{ .text .no-copy }}\n{output.rstrip(chr(10))}\n{fence}"


def render_results(results: Sequence[ExampleResult], language: str) -> str:
    """Return Markdown with one content tab per start method, in the given order."""
    tabs = []
    for result in results:
        body = render_output(result.output, language) + "\n\n" + caption(result, language)
        tabs.append(f'=== "{result.start_method.value}"\n\n{indent(body, "    ", lambda _: True)}\n')
    return '<div class="lessonkit-runs" markdown>\n\n' + "\n".join(tabs) + "\n</div>\n"


PLACEHOLDER = {
    "zh": "（未运行：LESSONKIT_EXEC=0 时只渲染页面，不运行例子。）",
    "en": "(Not run: with LESSONKIT_EXEC=0 the pages render without running the examples.)",
}


def render_placeholder(code: str, *, language: str) -> str:
    """Return the visible stand-in for an output when examples are not run."""
    del code
    return f'<p class="lessonkit-placeholder">{html.escape(PLACEHOLDER[language])}</p>\n'
