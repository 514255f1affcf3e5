"""The lines of one outcome marked against another's, as the tabs' other outcomes and the chart's
legend show them: a sign and a colour for each line, so a difference is seen without reading both."""

from __future__ import annotations

import html

from lessonkit.results.outcomes import MarkedLine, Mask, mark_differences

MARKS = {"added": "+", "missing": "−", "moved": "↕", "same": " "}
"""The gutter sign of each kind of marked line."""


def marked_line(marked: MarkedLine, label: str | None = None) -> str:
    """One marked line as HTML: its sign, then its text (``<ins>`` if added, ``<del>`` if missing).

    With *label*, a screen reader hears the label (what the sign means) instead of the sign.
    """
    body = html.escape(marked.text, quote=False)
    if marked.mark == "added":
        body = f"<ins>{body}</ins>"
    elif marked.mark == "missing":
        body = f"<del>{body}</del>"
    sign = MARKS[marked.mark]
    if label is not None:
        sign = f'<span aria-hidden="true">{sign}</span><span class="lk-sr">{html.escape(label)}</span>'
    return f'<span class="lessonkit-line lessonkit-{marked.mark}">{sign} {body}</span>'


def marked_lines(shown: str, other: str, mask: Mask) -> str:
    """*other*'s lines as HTML, each with its sign against *shown*: ``+`` not in it, ``−`` missing
    (struck through where it would be), ``↕`` in another place."""
    return "\n".join(marked_line(marked) for marked in mark_differences(shown, other, mask))
