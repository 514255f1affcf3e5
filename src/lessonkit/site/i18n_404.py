"""The ``i18n-404`` plugin: one 404 page per language, not just the last language built.

mkdocs-static-i18n builds every language into the same ``site_dir``, so each build
overwrites ``404.html`` and only the last language's survives. This plugin keeps
each language's rendering and writes it under that language's link: the default
language at ``/404.html``, English at ``/en/404.html``. Hosts that serve the
nearest ``404.html`` for a missing URL (as the tests' server does) then answer in
the reader's language.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority, get_plugin_logger

log = get_plugin_logger(__name__)

PAGE = "404.html"


class Localized404Plugin(BasePlugin):
    """Write ``404.html`` once per language, under that language's link."""

    def __init__(self) -> None:
        self.pages: dict[str, str] = {}
        self.depth = 0

    def on_pre_build(self, *, config: MkDocsConfig) -> None:
        """Count nested builds; the outermost one starts with no pages kept."""
        self._i18n(config)
        if self.depth == 0:
            self.pages = {}
        self.depth += 1

    def on_post_template(self, output_content: str, *, template_name: str, config: MkDocsConfig) -> str:
        """Keep the 404 page rendered for the language being built."""
        if template_name == PAGE:
            language = self._i18n(config).current_language_config
            self.pages[language.link] = output_content
        return output_content

    @event_priority(-150)  # after mkdocs-static-i18n (-100) has built every language
    def on_post_build(self, *, config: MkDocsConfig) -> None:
        """Once every language is built, write each one's 404 page under its link."""
        self.depth -= 1
        if self.depth > 0:
            return  # a nested build; the outermost one writes every page
        for link, content in self.pages.items():
            target = Path(config.site_dir) / link.strip("/") / PAGE
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(content, encoding="utf-8")
        log.debug(f"wrote {PAGE} for {', '.join(sorted(self.pages))}")

    def on_build_error(self, *, error: Exception) -> None:
        """Start the next build afresh."""
        self.depth = 0

    @staticmethod
    def _i18n(config: MkDocsConfig) -> Any:  # mkdocs-static-i18n has no public plugin type
        plugin = config.plugins.get("i18n")
        if plugin is None:
            raise PluginError("i18n-404 needs the mkdocs-static-i18n plugin ('i18n') listed before it")
        return plugin
