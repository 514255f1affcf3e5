"""The ``lessonkit`` plugin's options in ``mkdocs.yml``."""

from __future__ import annotations

from mkdocs.config import base
from mkdocs.config import config_options as c

from lessonkit.running.sandbox import Isolation
from lessonkit.running.start_method import DEFAULT_START_METHODS, StartMethod


class LessonkitConfig(base.Config):
    """Options of the ``lessonkit`` plugin."""

    start_methods = c.ListOfItems(
        c.Choice([m.value for m in StartMethod]),
        default=[m.value for m in DEFAULT_START_METHODS],
    )
    """Start methods every executed block runs under, unless its fence says otherwise."""

    timeout = c.Type((int, float), default=30)
    """Seconds an example may run before it is killed and the build fails."""

    snippets_dir = c.Type(str, default="snippets")
    """Where ``--8<--`` includes are found, relative to ``mkdocs.yml``."""

    samples = c.Type(int, default=20)
    """How many times each executed block runs under each start method (1 to 200); a fence's
    ``samples`` overrides it. The runs are grouped into outcomes, each shown with its count."""

    jobs = c.Type(int, default=8)
    """How many example runs go at once; they mostly sleep, so more than the core count is fine."""

    cache_dir = c.Type(str, default=".cache/lessonkit")
    """Where finished runs are stored, relative to ``mkdocs.yml``; ``LESSONKIT_CACHE_DIR`` overrides it."""

    isolation = c.Type((str, bool), default=Isolation.AUTO.value)
    """``auto``: sandbox examples where bubblewrap works, else run them directly and say so;
    ``required``: sandbox or fail the build (CI); ``off``: never sandbox. YAML reads a bare ``off``
    (``isolation: off``, or ``off`` through ``!ENV``) as false, which means ``off`` too."""

    max_memory = c.Type((int, str), default="1GiB")
    """Memory all of one run's processes may use together, e.g. ``1GiB`` or ``512MiB``."""

    max_processes = c.Type(int, default=64)
    """Processes one run may have alive at once, the main process included."""

    max_file_size = c.Type((int, str), default="64MiB")
    """Size one file written by a run may grow to."""
