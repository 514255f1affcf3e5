"""The clean environment an example script runs in.

An example runs as ``python NAME.py`` in a fresh interpreter. Its start method
is chosen before the script starts by a ``sitecustomize`` module on
``PYTHONPATH``: it changes the *default* context only, so the source shown on the
page is never edited, and a script that calls ``set_start_method()`` itself
still works.
"""

from __future__ import annotations

import os
from pathlib import Path

from lessonkit.running.start_method import StartMethod

START_METHOD_VARIABLE = "LESSONKIT_START_METHOD"
"""Names the start method that ``sitecustomize`` makes the default."""

TRACE_FILE_VARIABLE = "LESSONKIT_TRACE_FILE"
"""Where :mod:`lessonkit.running.tracer` writes its events; unset, nothing is traced."""

TRACER_MODULE = "lessonkit_trace"
"""The tracer's module name in the run's tools directory."""

INHERITED_VARIABLES = ("SYSTEMROOT", "TZ")
"""The only variables passed on from the builder's environment. ``PATH`` is made afresh:
the example's Python first, then the system's directories, never the builder's own."""

SITECUSTOMIZE = '''\
"""Written by lessonkit: make LESSONKIT_START_METHOD the default start method,
and trace the run's processes when LESSONKIT_TRACE_FILE is set."""
import os as _os

_method = _os.environ.get("LESSONKIT_START_METHOD")
if _method:
    import multiprocessing.context as _context

    _context._default_context._default_context = _context._concrete_contexts[_method]
if _os.environ.get("LESSONKIT_TRACE_FILE"):
    import lessonkit_trace
'''


def write_sitecustomize(directory: Path) -> Path:
    """Write ``sitecustomize.py`` and the tracer into *directory* and return the directory."""
    from lessonkit.running import tracer

    directory.mkdir(parents=True, exist_ok=True)
    (directory / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
    (directory / f"{TRACER_MODULE}.py").write_text(
        Path(tracer.__file__).read_text(encoding="utf-8"), encoding="utf-8"
    )
    return directory


def script_environment(
    start_method: StartMethod,
    *,
    site_dir: str,
    home: str,
    terminal: bool,
    path: str,
    trace_file: str | None = None,
    unbuffered: bool = True,
) -> dict[str, str]:
    """Return the minimal environment for one run: nothing secret is inherited.

    Parameters:
        start_method: The default start method ``sitecustomize`` sets.
        site_dir: Where ``sitecustomize.py`` is, as the example sees it.
        home: The example's ``HOME``, as it sees it.
        terminal: Whether it runs under a terminal.
        path: The example's ``PATH``.
        trace_file: Where the tracer writes, as the example sees it; None: no tracing.
        unbuffered: Without a terminal, set ``PYTHONUNBUFFERED=1``, so that pipes interleave
            the output as a terminal would (where the OS has no pseudo-terminal). False: a
            plain pipe, block-buffered, as with ``python NAME.py > out.txt``. Never inherited.
    """
    env = {name: os.environ[name] for name in INHERITED_VARIABLES if name in os.environ}
    env.update(
        {
            "PATH": path,
            "HOME": home,
            "LANG": "C.UTF-8",
            "LC_ALL": "C.UTF-8",
            "PYTHONIOENCODING": "utf-8",
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONPATH": site_dir,
            START_METHOD_VARIABLE: start_method.value,
        }
    )
    if trace_file is not None:
        env[TRACE_FILE_VARIABLE] = trace_file
    if terminal:
        env["TERM"] = "dumb"  # the terminal is 80x24 (set on the pty itself), without colours
    elif unbuffered:
        env["PYTHONUNBUFFERED"] = "1"
    return env
