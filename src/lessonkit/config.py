"""The ``lessonkit`` plugin's options in ``mkdocs.yml``."""

from __future__ import annotations

from mkdocs.config import base
from mkdocs.config import config_options as c

from lessonkit.start_method import DEFAULT_START_METHODS, StartMethod


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

    jobs = c.Type(int, default=8)
    """How many example runs go at once; they mostly sleep, so more than the core count is fine."""

    cache_dir = c.Type(str, default=".cache/lessonkit")
    """Where finished runs are stored, relative to ``mkdocs.yml``; ``LESSONKIT_CACHE_DIR`` overrides it."""
