"""The ``i18n-404`` plugin: one 404 page per language, not just the last language built.

mkdocs-static-i18n builds every language into the same ``site_dir``, so each build
overwrites ``404.html`` and only the last language's survives. This plugin keeps
each language's rendering and writes it under that language's link: the default
language at ``/404.html``, English at ``/en/404.html``. Hosts that serve the
nearest ``404.html`` for a missing URL (Netlify, the tests' server by default) then
answer in the reader's language.

GitHub Pages serves the root ``404.html`` for every missing URL. So the 404 template
writes its own language's strings into the page as data (a JSON list in
``<script id="__lessonkit_404">``), and this plugin puts every language's entries into
every 404 page; the template's script shows the language whose home the URL is under.
The strings come from each language's own rendering, never written twice.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from jinja2.utils import htmlsafe_json_dumps
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority, get_plugin_logger

log = get_plugin_logger(__name__)

PAGE = "404.html"

DATA = re.compile(r'(<script type="application/json" id="__lessonkit_404">)(.*?)(</script>)', re.DOTALL)
"""The 404 template's data: a JSON list of entries, one per language."""


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
        entries = [entry for content in self.pages.values() for entry in self._entries(content)]
        for link, content in self.pages.items():
            target = Path(config.site_dir) / link.strip("/") / PAGE
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(self._with_entries(content, entries), encoding="utf-8")
        log.debug(f"wrote {PAGE} for {', '.join(sorted(self.pages))}")

    def on_build_error(self, *, error: Exception) -> None:
        """Start the next build afresh."""
        self.depth = 0

    @staticmethod
    def _entries(content: str) -> list[Any]:
        found = DATA.search(content)
        if found is None:
            log.warning(f"a {PAGE} has no __lessonkit_404 data: is overrides/{PAGE} lessonkit's template?")
            return []
        return list(json.loads(found.group(2)))

    @staticmethod
    def _with_entries(content: str, entries: list[Any]) -> str:
        data = str(htmlsafe_json_dumps(entries, ensure_ascii=False))
        return DATA.sub(lambda found: found.group(1) + data + found.group(3), content, count=1)

    @staticmethod
    def _i18n(config: MkDocsConfig) -> Any:  # mkdocs-static-i18n has no public plugin type
        plugin = config.plugins.get("i18n")
        if plugin is None:
            raise PluginError("i18n-404 needs the mkdocs-static-i18n plugin ('i18n') listed before it")
        return plugin
