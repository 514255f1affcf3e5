"""The ``lessonkit`` MkDocs plugin: python fences run as real scripts, once, in parallel, cached.

Environment variables:
    LESSONKIT_REFRESH=1: ignore stored results and run every example again.
    LESSONKIT_EXEC=0: render pages without running anything (a placeholder stands in for outputs).
    LESSONKIT_CACHE_DIR: store results here instead of the ``cache_dir`` option.
"""

from __future__ import annotations

import os
from functools import partial
from pathlib import Path
from typing import Any

from markdown_exec._internal.main import validator as markdown_exec_validator
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority, get_plugin_logger
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page

from lessonkit.cache import ResultCache
from lessonkit.config import LessonkitConfig
from lessonkit.discovery import SnippetExpander, find_examples, read_pages
from lessonkit.executor import Batch, Executor
from lessonkit.fence import FenceContext, format_fence
from lessonkit.options import FenceOptionError, RunDefaults, parse_returncode
from lessonkit.pages import FenceSite, find_exec_fences, mark_fences, missing_snippets
from lessonkit.render import page_language
from lessonkit.start_method import StartMethod

log = get_plugin_logger(__name__)

PYTHON_FENCES = ("python", "py")


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() not in {"0", "no", "off", "false"}


class LessonkitPlugin(BasePlugin[LessonkitConfig]):
    """Make markdown-exec's ``python`` fences run through lessonkit."""

    def __init__(self) -> None:
        self.executor: Executor | None = None
        self.sites: dict[str, FenceSite] = {}
        self.page: Page | None = None
        self.batch: Batch | None = None
        self.batch_keys: set[str] = set()
        self.depth = 0

    def on_startup(self, *, command: str, dirty: bool) -> None:
        """Exist so that ``mkdocs serve`` keeps this instance, and its results, across rebuilds."""

    @event_priority(-100)  # after markdown-exec has registered its fences
    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        """Point markdown-exec's python fences at lessonkit's formatter (idempotent)."""
        self.root = Path(config.config_file_path).parent.resolve()
        self.execute = _flag("LESSONKIT_EXEC", True)
        self.docs_dir = config.docs_dir
        if self.config.timeout <= 0 or self.config.jobs < 1:
            raise PluginError(
                "lessonkit: 'timeout' must be a positive number of seconds and 'jobs' at least 1"
            )
        cache_dir = Path(os.environ.get("LESSONKIT_CACHE_DIR") or self.root / self.config.cache_dir)
        if self.executor is None or self.executor.cache is None or self.executor.cache.directory != cache_dir:
            self.executor = Executor(
                repo_root=self.root,
                jobs=self.config.jobs,
                cache=ResultCache(cache_dir),
                refresh=_flag("LESSONKIT_REFRESH", False),
            )
        self.defaults = RunDefaults(
            start_methods=tuple(StartMethod(m) for m in self.config.start_methods),
            timeout=float(self.config.timeout),
        )
        self.expander = SnippetExpander(dict(config.mdx_configs.get("pymdownx.snippets", {})))
        fences = config.mdx_configs.get("pymdownx.superfences", {}).get("custom_fences", [])
        python_fences = [
            f
            for f in fences
            if f.get("name") in PYTHON_FENCES and f.get("validator") is markdown_exec_validator
        ]
        if not python_fences:
            raise PluginError(
                "lessonkit: no markdown-exec python fence found. List 'markdown-exec' before 'lessonkit' "
                "under plugins: in mkdocs.yml, and enable the pymdownx.superfences extension."
            )
        context = FenceContext(
            executor=self.executor,
            defaults=self.defaults,
            site_for=self._site,
            language_for=self._language,
            execute=self.execute,
        )
        for fence in python_fences:
            fence["format"] = partial(_superfences_format, formatter=partial(format_fence, context=context))
        return config

    def on_pre_build(self, *, config: MkDocsConfig) -> None:
        """Start every example of every page, in every language, before any page renders.

        The runs go on in the background while pages render; a page waits only for its own.
        mkdocs-static-i18n builds the other languages from inside the first build, so only the
        outermost build starts (and later reports) a batch.
        """
        self.sites = {}
        self.depth += 1
        if self.depth > 1:
            return
        if not self.execute:
            log.info("LESSONKIT_EXEC=0: pages render with a placeholder instead of running any example")
            return
        self.executor.drop_failures()  # a failure from the previous build gets another run
        self.executor.reset_used()
        pages = read_pages(Path(config.docs_dir))
        examples = find_examples(pages, self.expander, self.defaults, self.config.snippets_dir)
        self.batch_keys = {example.key(m) for example in examples for m in example.options.start_methods}
        self.batch = self.executor.start(examples)
        log.info(
            f"{len(self.batch_keys)} examples (blocks × start methods): {self.batch.cached} cached, "
            f"running {self.batch.submitted}, up to {self.executor.jobs} at once"
        )

    @event_priority(-150)  # after mkdocs-static-i18n (-100) has run the other languages' builds
    def on_post_build(self, *, config: MkDocsConfig) -> None:
        """After the outermost build, report the batch and prune stored results no page uses."""
        self.depth -= 1
        if self.depth > 0 or self.batch is None:
            return
        summary = self.executor.finish(self.batch)
        self.batch = None
        log.info(summary.line())
        if self.executor.cache is not None:
            removed = self.executor.cache.prune(self.batch_keys | self.executor.used)
            if removed:
                log.info(f"pruned {removed} stored results that no page uses any more")

    def on_build_error(self, *, error: Exception) -> None:
        """Cancel queued runs and reset the depth, so the next build (``mkdocs serve``) starts afresh."""
        self.depth = 0
        self.batch = None
        if self.executor is not None:
            self.executor.cancel_pending()

    def on_page_markdown(self, markdown: str, *, page: Page, config: MkDocsConfig, files: Files) -> str:
        """Tag each executed fence with its page and line, and check its snippet and options."""
        self.page = page
        page_path = self._page_path(page)
        fences = find_exec_fences(markdown, page_path, self.config.snippets_dir)
        # MkDocs has cut the front matter off *markdown*; take line numbers from the file itself.
        in_file = find_exec_fences(page.file.content_string, page_path, self.config.snippets_dir)
        if [f.body for f in in_file] == [f.body for f in fences]:
            for fence, original in zip(fences, in_file, strict=True):
                fence.site = original.site
        missing = missing_snippets(fences, self.expander.base_paths)
        if missing:
            where = "; ".join(f"{s.page}:{s.line} includes {s.snippet}" for s in missing)
            raise PluginError(f"lessonkit: snippet file not found: {where}. Create it or fix the path.")
        for fence in fences:
            try:
                parse_returncode(fence.options.get("returncode", "0"))
            except FenceOptionError as error:
                raise PluginError(
                    f"lessonkit: bad fence option at {fence.site.describe()}: {error}"
                ) from None
        tokens = []
        for fence in fences:
            token = str(len(self.sites))
            self.sites[token] = fence.site
            tokens.append(token)
        return mark_fences(markdown, fences, tokens)

    def _site(self, token: str | None) -> FenceSite:
        if token is not None and token in self.sites:
            return self.sites[token]
        return FenceSite(page=self._page_path(self.page) if self.page else "an unknown page", line=0)

    def _page_path(self, page: Page) -> str:
        """Return the page's source path as a contributor sees it, e.g. ``docs/daemon.md``."""
        return f"{Path(self.docs_dir).name}/{page.file.src_uri}"

    def _language(self) -> str:
        return page_language(self.page.file.src_uri) if self.page else "zh"


def _superfences_format(
    source: str, language: str, css_class: str, options: dict[str, Any], md: Any, **kwargs: Any
) -> str:
    """Adapt SuperFences' formatter signature to :func:`lessonkit.fence.format_fence`."""
    formatter = kwargs.pop("formatter")
    return formatter(code=source, md=md, **options)
