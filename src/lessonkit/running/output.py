"""Turn the raw bytes an example printed into text that is safe to publish."""

from __future__ import annotations

import re
import sys
import sysconfig
from collections.abc import Sequence
from pathlib import Path

MAX_OUTPUT_BYTES = 64 * 1024
"""Output beyond this many bytes is cut, with a visible notice."""

_ANSI_ESCAPE = re.compile(
    r"""
    \x1b\[[0-?]*[ -/]*[@-~]          # CSI sequences: colours, cursor moves
    | \x1b\][^\x07\x1b]*(?:\x07|\x1b\\)  # OSC sequences: titles, links
    | \x1b[ -/]*[0-~]                # other escapes: ESC 7, ESC ( B, ESC =, ESC M
    """,
    re.VERBOSE,
)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x0c\x0e-\x1f\x7f\x80-\x9f]")
"""Control characters other than tab, newline and carriage return: a terminal shows none of them."""


_OVERWRITES = re.compile(r"[\r\b]")


def apply_screen(text: str) -> str:
    r"""Apply carriage returns and backspaces as a terminal does, line by line.

    A progress line printed as ``\rprogress  50%\rprogress 100%`` leaves ``progress 100%``
    on a terminal's screen, and that is what comes back. Lines without either character are
    returned unchanged, byte for byte. pyte, a terminal emulator, draws each such line on a
    screen wide enough that it never wraps; the spaces the screen pads it with are dropped.
    """
    if not _OVERWRITES.search(text):
        return text
    import pyte  # only for the outputs that need it

    lines = text.split("\n")
    for number, line in enumerate(lines):
        if _OVERWRITES.search(line):
            screen = pyte.Screen(2 * len(line) + 1, 1)  # a wide character takes two columns
            pyte.Stream(screen).feed(line)
            lines[number] = screen.display[0].rstrip(" ")
    return "\n".join(lines)


def truncation_notice(omitted: int) -> str:
    """Return the line that replaces the part of an output that was cut."""
    return f"[lessonkit: output cut here, {omitted} more bytes not shown]"


def _library_roots() -> list[str]:
    """Return the directories whose prefix is replaced by ``...``: stdlib and site-packages."""
    roots: set[str] = set()
    bases = {"base": sys.base_prefix, "platbase": sys.base_exec_prefix}
    for paths in (sysconfig.get_paths(), sysconfig.get_paths(vars=bases)):
        roots |= {paths[key] for key in ("stdlib", "platstdlib", "purelib", "platlib") if key in paths}
    return sorted(roots, key=len, reverse=True)


def _machine_paths() -> list[tuple[str, str]]:
    """Return (path, replacement) for directories of this machine that remain after the libraries.

    The Python installation (``sys.prefix``, ``sys.executable``, ``sys.path``) becomes ``...``
    and the builder's home directory ``~``.
    """
    pairs = {prefix: "..." for prefix in (sys.base_prefix, sys.base_exec_prefix, sys.prefix)}
    home = str(Path.home())
    if home not in ("/", ""):
        pairs.setdefault(home, "~")
    return sorted(((path, text) for path, text in pairs.items() if len(path) > 1), key=lambda p: -len(p[0]))


def _replace_path(text: str, path: str, replacement: str) -> str:
    """Replace *path* where it is a whole path or a leading part of one (not ``/rootfs`` for ``/root``)."""
    return re.sub(re.escape(path.rstrip("/")) + r"(?![\w.-])", lambda _: replacement, text)


def normalize_output(
    raw: bytes,
    *,
    omitted: int = 0,
    script_path: Path,
    workdir: Path,
    home: Path | None = None,
    run_root: Path | None = None,
    repo_root: Path | None = None,
    screen: bool = True,
    libraries: Sequence[str] = (),
) -> str:
    """Decode, clean and shorten an example's output for the page.

    Parameters:
        raw: What the example printed, stdout and stderr interleaved, already cut.
        omitted: How many bytes were cut off the end of *raw*.
        script_path: The temporary script; its path becomes its bare file name.
        workdir: The run's working directory, as the example saw it; its path is removed.
        home: The example's home directory, as it saw it; it becomes ``~``.
        run_root: The run's temporary directory on this machine; it becomes ``...``.
        repo_root: The project's root; its path is removed.
        screen: Apply carriage returns and backspaces (see :func:`apply_screen`); when
            False, a carriage return stays in the text and a backspace is dropped.
        libraries: The installation directories of the Python that ran it, if not the one
            running lessonkit; like this one's, they become ``...``.

    Returns:
        LF line endings, no escapes or control characters but tabs and line ends, no
        absolute path of this machine.
    """
    text = raw.decode("utf-8", errors="replace")
    text = text.replace("\r\n", "\n")
    text = _ANSI_ESCAPE.sub("", text)
    if screen:
        text = apply_screen(text)
    text = _CONTROL.sub("", text.replace("\x1b", ""))
    text = text.replace(str(script_path), script_path.name)
    for root in sorted({*_library_roots(), *libraries}, key=len, reverse=True):
        text = text.replace(root.rstrip("/") + "/", ".../")
    for prefix in (workdir, repo_root):
        if prefix is not None:
            text = text.replace(str(prefix).rstrip("/") + "/", "")
            text = _replace_path(text, str(prefix), ".")
    if home is not None:
        text = _replace_path(text, str(home), "~")
    if run_root is not None:
        text = _replace_path(text, str(run_root), "...")
    for path, replacement in _machine_paths():
        text = _replace_path(text, path, replacement)
    if omitted:
        text = text.rstrip("\n") + "\n" + truncation_notice(omitted) + "\n"
    return text
