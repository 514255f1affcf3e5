"""Where pymdownx.snippets looks for ``--8<--`` includes, configured as the site is.

Discovery itself (which blocks a page executes, and with what code) is done by
converting each page with the site's own Markdown extensions: see
:meth:`lessonkit.site.plugin.LessonkitPlugin.on_files`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import markdown


class SnippetExpander:
    """pymdownx.snippets itself, configured as the site is, asked where includes are found."""

    def __init__(self, snippets_config: dict[str, Any]) -> None:
        self._md = markdown.Markdown(
            extensions=["pymdownx.snippets"], extension_configs={"pymdownx.snippets": snippets_config}
        )

    @property
    def base_paths(self) -> list[Path]:
        """The directories includes are looked up in, as pymdownx.snippets resolves them."""
        return [Path(base).resolve() for base in self._md.preprocessors["snippet"].base_path]
