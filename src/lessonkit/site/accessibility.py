"""Page-level fixes that make every page usable by keyboard, whatever its author wrote."""

from __future__ import annotations

import re

_CODE_BLOCK = re.compile(r"(<pre(?:\s[^>]*)?>(?:<span></span>)?)<code>")


def focusable_code_blocks(html: str) -> str:
    """Give each code block's ``<code>`` a ``tabindex="0"``, so a reader can reach it by keyboard
    and scroll it sideways with the arrow keys.

    A long line makes a block scroll on a narrow screen, and a region that scrolls must be
    reachable by keyboard (axe: scrollable-region-focusable). Material does not make code
    blocks focusable, and which ones scroll depends on the reader's screen, so all are.
    """
    return _CODE_BLOCK.sub(r'\1<code tabindex="0">', html)
