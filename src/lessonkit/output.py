"""Turn the raw bytes an example printed into text that is safe to publish."""

from __future__ import annotations

import re
import sysconfig
from pathlib import Path

MAX_OUTPUT_BYTES = 64 * 1024
"""Output beyond this many bytes is cut, with a visible notice."""

_ANSI_ESCAPE = re.compile(
    r"""
    \x1b\[[0-?]*[ -/]*[@-~]          # CSI sequences: colours, cursor moves
    | \x1b\][^\x07\x1b]*(?:\x07|\x1b\\)  # OSC sequences: titles, links
    | \x1b[@-Z\\-_]                  # two-byte escapes
    """,
    re.VERBOSE,
)


def truncation_notice(omitted: int) -> str:
    """Return the line that replaces the part of an output that was cut."""
    return f"[lessonkit: output cut here, {omitted} more bytes not shown]"


def _library_roots() -> list[str]:
    """Return the directories whose prefix is replaced by ``...``: stdlib and site-packages."""
    paths = sysconfig.get_paths()
    roots = {paths[key] for key in ("stdlib", "platstdlib", "purelib", "platlib") if key in paths}
    return sorted(roots, key=len, reverse=True)


def normalize_output(
    raw: bytes,
    *,
    omitted: int = 0,
    script_path: Path,
    workdir: Path,
    repo_root: Path | None = None,
) -> str:
    """Decode, clean and shorten an example's output for the page.

    Parameters:
        raw: What the example printed, stdout and stderr interleaved, already cut.
        omitted: How many bytes were cut off the end of *raw*.
        script_path: The temporary script; its path becomes its bare file name.
        workdir: The run's temporary directory; its path is removed.
        repo_root: The project's root; its path is removed.

    Returns:
        LF line endings, no ANSI escapes, no absolute path of this machine.
    """
    text = raw.decode("utf-8", errors="replace")
    text = text.replace("\r\n", "\n")
    text = _ANSI_ESCAPE.sub("", text)
    text = text.replace(str(script_path), script_path.name)
    for root in _library_roots():
        text = text.replace(root.rstrip("/") + "/", ".../")
    for prefix in (workdir, repo_root):
        if prefix is not None:
            text = text.replace(str(prefix).rstrip("/") + "/", "")
            text = text.replace(str(prefix), ".")
    if omitted:
        text = text.rstrip("\n") + "\n" + truncation_notice(omitted) + "\n"
    return text
