"""The ``lessonkit`` MkDocs plugin: python fences run as real scripts."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

from markdown_exec._internal.main import validator as markdown_exec_validator
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority, get_plugin_logger
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page

from lessonkit.config import LessonkitConfig
from lessonkit.executor import Executor
from lessonkit.fence import format_fence
from lessonkit.pages import FenceSite, find_exec_fences, mark_fences, missing_snippets
from lessonkit.render import page_language
from lessonkit.start_method import StartMethod

log = get_plugin_logger(__name__)

PYTHON_FENCES = ("python", "py")


class LessonkitPlugin(BasePlugin[LessonkitConfig]):
    """Make markdown-exec's ``python`` fences run through lessonkit."""

    def __init__(self) -> None:
        self.executor: Executor | None = None
        self.sites: dict[str, FenceSite] = {}
        self.page: Page | None = None

    @event_priority(-100)  # after markdown-exec has registered its fences
    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        """Point markdown-exec's python fences at lessonkit's formatter (idempotent)."""
        self.root = Path(config.config_file_path).parent.resolve()
        if self.executor is None:
            self.executor = Executor(repo_root=self.root, jobs=self.config.jobs)
        fences = config.mdx_configs.get("pymdownx.superfences", {}).get("custom_fences", [])
        python_fences = [
            f
            for f in fences
            if f.get("name") in PYTHON_FENCES and f.get("validator") is markdown_exec_validator
        ]
        if not python_fences:
            raise PluginError(
                "lessonkit: no markdown-exec python fence found. List 'markdown-exec' under plugins: "
                "in mkdocs.yml and enable the pymdownx.superfences extension."
            )
        formatter = partial(
            format_fence,
            executor=self.executor,
            default_start_methods=tuple(StartMethod(m) for m in self.config.start_methods),
            default_timeout=float(self.config.timeout),
            site_for=self._site,
            language_for=self._language,
        )
        for fence in python_fences:
            fence["format"] = partial(_superfences_format, formatter=formatter)
        return config

    def on_page_markdown(self, markdown: str, *, page: Page, config: MkDocsConfig, files: Files) -> str:
        """Tag each executed fence with its page and line, and check its snippet exists."""
        self.page = page
        page_path = f"{Path(config.docs_dir).name}/{page.file.src_uri}"
        fences = find_exec_fences(markdown, page_path, self.config.snippets_dir)
        missing = missing_snippets(fences, self.root)
        if missing:
            where = "; ".join(f"{s.page}:{s.line} includes {s.snippet}" for s in missing)
            raise PluginError(f"lessonkit: snippet file not found: {where}. Create it or fix the path.")
        tokens = []
        for fence in fences:
            token = str(len(self.sites))
            self.sites[token] = fence.site
            tokens.append(token)
        return mark_fences(markdown, fences, tokens)

    def _site(self, token: str | None) -> FenceSite:
        if token is not None and token in self.sites:
            return self.sites[token]
        page = f"docs/{self.page.file.src_uri}" if self.page else "an unknown page"
        return FenceSite(page=page, line=0)

    def _language(self) -> str:
        return page_language(self.page.file.src_uri) if self.page else "zh"


def _superfences_format(
    source: str,
    language: str,
    css_class: str,
    options: dict[str, Any],
    md: Any,
    **kwargs: Any,
) -> str:
    """Adapt SuperFences' formatter signature to :func:`lessonkit.fence.format_fence`."""
    formatter = kwargs.pop("formatter")
    return formatter(code=source, md=md, **options)
