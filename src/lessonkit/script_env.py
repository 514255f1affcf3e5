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

from lessonkit.start_method import StartMethod

START_METHOD_VARIABLE = "LESSONKIT_START_METHOD"
"""Names the start method that ``sitecustomize`` makes the default."""

INHERITED_VARIABLES = ("PATH", "SYSTEMROOT", "TMPDIR", "TZ")
"""The only variables passed on from the builder's environment."""

SITECUSTOMIZE = '''\
"""Written by lessonkit: make LESSONKIT_START_METHOD the default start method."""
import os as _os

_method = _os.environ.get("LESSONKIT_START_METHOD")
if _method:
    import multiprocessing.context as _context

    _context._default_context._default_context = _context._concrete_contexts[_method]
'''


def write_sitecustomize(directory: Path) -> Path:
    """Write the start-method ``sitecustomize.py`` into *directory* and return the directory."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
    return directory


def script_environment(
    start_method: StartMethod, *, site_dir: Path, home: Path, terminal: bool
) -> dict[str, str]:
    """Return the minimal environment for one run: nothing secret is inherited."""
    env = {name: os.environ[name] for name in INHERITED_VARIABLES if name in os.environ}
    env.update(
        {
            "HOME": str(home),
            "LANG": "C.UTF-8",
            "LC_ALL": "C.UTF-8",
            "PYTHONIOENCODING": "utf-8",
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONPATH": str(site_dir),
            START_METHOD_VARIABLE: start_method.value,
        }
    )
    if terminal:
        env["TERM"] = "dumb"
        env["COLUMNS"] = "80"
    else:
        env["PYTHONUNBUFFERED"] = "1"
    return env
