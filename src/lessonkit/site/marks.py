"""The lines of one outcome marked against another's, as the tabs' other outcomes and the chart's
legend show them: a sign and a colour for each line, so a difference is seen without reading both."""

from __future__ import annotations

import html

from lessonkit.results.outcomes import Mask, mark_differences

MARKS = {"added": "+", "missing": "−", "moved": "↕", "same": " "}
"""The gutter sign of each kind of marked line."""


def marked_lines(shown: str, other: str, mask: Mask) -> str:
    """*other*'s lines as HTML, each with its sign against *shown*: ``+`` not in it, ``−`` missing
    (struck through where it would be), ``↕`` in another place."""
    lines = []
    for marked in mark_differences(shown, other, mask):
        body = html.escape(marked.text, quote=False)
        if marked.mark == "added":
            body = f"<ins>{body}</ins>"
        elif marked.mark == "missing":
            body = f"<del>{body}</del>"
        lines.append(
            f'<span class="lessonkit-line lessonkit-{marked.mark}">{MARKS[marked.mark]} {body}</span>'
        )
    return "\n".join(lines)
