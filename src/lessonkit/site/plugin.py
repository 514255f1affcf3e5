"""The ``lessonkit`` MkDocs plugin: python fences run as real scripts, once, in parallel, cached.

Environment variables:
    LESSONKIT_REFRESH=1: ignore stored results and run every example again.
    LESSONKIT_EXEC=0: render pages without running anything (a placeholder stands in for outputs).
    LESSONKIT_CACHE_DIR: store results here instead of the ``cache_dir`` option.
    LESSONKIT_TRACE=0: do not trace what each process does (no timelines, no ``trace`` data).
    LESSONKIT_SEARCH_CACHE=0: let the search plugin index every page afresh (no stored entries).

The build writes ``outcomes.json`` at the site root: every executed block of every page,
in every language, with each start method's outcomes and their counts.
"""

from __future__ import annotations

import datetime
import hashlib
import importlib.metadata
import json
import logging
import os
import platform
import time
from dataclasses import dataclass
from functools import partial
from pathlib import Path, PurePosixPath
from typing import Any

import markdown as python_markdown
from markdown_exec import validator as markdown_exec_validator
from mkdocs.config import load_config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, CombinedEvent, event_priority, get_plugin_logger
from mkdocs.structure.files import File, Files, InclusionLevel, get_files
from mkdocs.structure.pages import Page
from mkdocs.utils import clean_directory, get_relative_url, meta

from lessonkit.results.outcomes import BlockOutcomes, Execution, OutcomesReport
from lessonkit.running.cache import ResultCache
from lessonkit.running.executor import Batch, Example, Executor, RunSummary
from lessonkit.running.limits import ResourceLimits
from lessonkit.running.options import MAX_SAMPLES, FenceOptionError, RunDefaults
from lessonkit.running.sandbox import Isolation, IsolationUnavailable
from lessonkit.running.start_method import StartMethod
from lessonkit.site.accessibility import focusable_code_blocks
from lessonkit.site.config import LessonkitConfig
from lessonkit.site.dirty import (
    DirtyWarningAsInfo,
    Snapshot,
    digest,
    heading,
    merge_outcomes,
    merge_search_index,
    watched_files,
)
from lessonkit.site.discovery import SnippetExpander
from lessonkit.site.fence import FenceContext, FenceRecorder, Judging, format_fence, validate_fence
from lessonkit.site.lessons import MARKER, lesson_list, translation, untranslated_banner
from lessonkit.site.pages import (
    FenceSite,
    fence_token,
    front_matter_problem,
    locate_fences,
    mark_fences,
    missing_snippets,
)
from lessonkit.site.predict import PredictError, lift_predictions
from lessonkit.site.render_cache import FOLDER, RenderCache
from lessonkit.site.report import (
    MARKERS,
    TIME_SLOTS,
    ReportedPage,
    fill_times,
    render_runs,
    render_summary,
    slot,
)
from lessonkit.site.search_cache import FOLDER as SEARCH_FOLDER
from lessonkit.site.search_cache import SearchCache, search_indexes
from lessonkit.site.serve_progress import RebuildSignal

log = get_plugin_logger(__name__)

PYTHON_FENCES = ("python", "py")

ASSETS_DIR = "assets/lessonkit"
"""Where the files lessonkit draws (timelines) go, in each language's site."""

LESSONKIT_VERSION = importlib.metadata.version("lessonkit")

REBUILD_EVERY = 5.0
"""Under mkdocs serve, the fewest seconds between two rebuilds asked for as results arrive."""

OUTCOMES_FILE = "outcomes.json"
"""Written at the site root: every block's outcomes, the data behind the counts on the pages."""

SEARCH_INDEX = "search/search_index.json"
"""The search plugin's index, under the site root: merged after a partial dirty build."""


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() not in {"0", "no", "off", "false"}


class LessonkitPlugin(BasePlugin[LessonkitConfig]):
    """Make markdown-exec's ``python`` fences run through lessonkit.

    Before any page renders, every page MkDocs will build is converted once with the
    site's own Markdown extensions, the formatter only recording the fences it is handed
    (discovery). Their options are checked and their runs started then; while pages
    render, each waits only for its own. After the build, the fences discovered and the
    fences rendered must be the same: a difference fails the build.
    """

    def __init__(self) -> None:
        self.executor: Executor | None = None
        self.sites: dict[str, FenceSite] = {}
        self.page: Page | None = None
        self.batch: Batch | None = None
        self.batch_keys: set[str] = set()
        self.discovered: set[str] = set()
        self.examples: list[Example] = []
        """Every executed block the last discovery found, as it will run."""
        self.depth = 0
        self.command = "build"
        self.context: FenceContext | None = None
        self._discovered_pages: dict[tuple[object, ...], FenceRecorder] = {}
        self._page_path_now: str | None = None
        self._assets: list[dict[str, str]] = []
        """Files drawn while rendering, one dict per (nested) build, written when it ends."""
        self._pages_built: list[list[Page]] = []
        """Each (nested) build's pages, for the report page."""
        self.dirty = False
        """MkDocs builds dirty (``--dirty``): only the pages whose source is newer than their output."""
        self.partial = False
        """This build is dirty and renders only the pages whose prose changed (``lessonkit.site.dirty``)."""
        self._warning_filter: DirtyWarningAsInfo | None = None
        self._snapshot: Snapshot | None = None
        """What this build saw; kept as ``_last`` once it completes."""
        self._last: Snapshot | None = None
        self._last_outcomes: dict[str, Any] | None = None
        self._last_search: dict[str, Any] | None = None
        self._titles: dict[tuple[str, str], str] = {}
        """Each page's title in each language, as the last build rendered it."""
        self._rendered_pages: set[str] = set()
        """The pages (``docs/x.md``) rendered in this build, in any language."""
        self._rendered_urls: set[str] = set()
        self.search_cache: SearchCache | None = None
        """The search entries of pages, kept across the languages' nested builds (``search_cache``)."""
        self.rebuild_signal = RebuildSignal(every=REBUILD_EVERY)
        """Under ``mkdocs serve``: follows the blocks the last build showed in progress."""

    def on_startup(self, *, command: str, dirty: bool) -> None:
        """Remember the command; also makes ``mkdocs serve`` keep this instance, and its results.

        Under ``mkdocs serve --dirty``, MkDocs' warning that a dirty build is being performed
        is logged as INFO, so the strict build goes on: lessonkit keeps a dirty build correct.
        """
        self.command = command
        self.dirty = dirty
        if command == "serve" and dirty and self._warning_filter is None:
            self._warning_filter = DirtyWarningAsInfo()
            logging.getLogger("mkdocs.commands.build").addFilter(self._warning_filter)

    def on_shutdown(self) -> None:
        if self._warning_filter is not None:
            logging.getLogger("mkdocs.commands.build").removeFilter(self._warning_filter)
            self._warning_filter = None

    @event_priority(-100)  # after markdown-exec has registered its fences
    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        """Point markdown-exec's python fences at lessonkit's validator and formatter (idempotent)."""
        self.root = Path(config.config_file_path).parent.resolve()
        self.execute = _flag("LESSONKIT_EXEC", True)
        self.docs_dir = config.docs_dir
        self.i18n = config.plugins.get("i18n")
        if self.dirty:
            _index_only_this_build(config)
        if self.config.timeout <= 0 or self.config.jobs < 1:
            raise PluginError(
                "lessonkit: 'timeout' must be a positive number of seconds and 'jobs' at least 1"
            )
        if not 1 <= self.config.samples <= MAX_SAMPLES:
            raise PluginError(
                f"lessonkit: 'samples' is {self.config.samples} in mkdocs.yml; it must be from 1 to "
                f"{MAX_SAMPLES} runs per start method"
            )
        try:
            limits = ResourceLimits().with_values(
                {name: str(self.config[name]) for name in ("max_memory", "max_processes", "max_file_size")}
            )
        except ValueError as error:
            raise PluginError(f"lessonkit: bad plugin option in mkdocs.yml: {error}") from None
        chosen = "off" if self.config.isolation is False else self.config.isolation
        try:
            isolation = Isolation(chosen)
        except ValueError:
            choices = ", ".join(i.value for i in Isolation)
            raise PluginError(
                f"lessonkit: 'isolation' is {chosen!r} in mkdocs.yml; it must be one of {choices}"
            ) from None
        trace = _flag("LESSONKIT_TRACE", True)
        cache_dir = Path(os.environ.get("LESSONKIT_CACHE_DIR") or self.root / self.config.cache_dir)
        executor = self.executor
        if (
            executor is None
            or executor.cache is None
            or executor.cache.root != cache_dir
            or executor.isolation is not isolation
            or executor.trace != trace
        ):
            try:
                self.executor = Executor(
                    repo_root=self.root,
                    jobs=self.config.jobs,
                    cache=ResultCache(cache_dir),
                    refresh=_flag("LESSONKIT_REFRESH", False),
                    isolation=isolation,
                    trace=trace,
                )
            except IsolationUnavailable as error:
                raise PluginError(str(error)) from None
        self.defaults = RunDefaults(
            start_methods=tuple(StartMethod(m) for m in self.config.start_methods),
            timeout=float(self.config.timeout),
            limits=limits,
            samples=self.config.samples,
        )
        self.expander = SnippetExpander(dict(config.mdx_configs.get("pymdownx.snippets", {})))
        fences = config.mdx_configs.get("pymdownx.superfences", {}).get("custom_fences", [])
        python_fences = [
            f
            for f in fences
            if f.get("name") in PYTHON_FENCES
            and f.get("validator") in (markdown_exec_validator, validate_fence)
        ]
        if not python_fences:
            raise PluginError(
                "lessonkit: no markdown-exec python fence found. List 'markdown-exec' before 'lessonkit' "
                "under plugins: in mkdocs.yml, and enable the pymdownx.superfences extension."
            )
        if self.context is None:  # kept across the nested builds of other languages, and serve's rebuilds
            self.context = FenceContext(
                executor=self.executor,
                defaults=self.defaults,
                site_for=self._site,
                language_for=self._language,
                read_claim=self._read_claim,
                read_file=self._read_module_file,
                publish=self._publish,
            )
        self.context.executor = self.executor
        self.context.defaults = self.defaults
        self.context.execute = self.execute
        # mkdocs serve shows pages at once, each block in progress until its runs end; a build waits.
        self.context.wait = self.command != "serve"
        self.context.page_url = lambda: self.page.url if self.page is not None else ""
        site_config = hashlib.sha256(Path(config.config_file_path).read_bytes()).hexdigest()
        self.context.render_cache = RenderCache.kept(
            self.context.render_cache, self.executor.cache.directory / FOLDER, site_config
        )  # the same one across the languages' nested builds: it notes which entries they used
        self._wrap_search(config)
        for fence in python_fences:
            fence["validator"] = validate_fence
            fence["format"] = partial(
                _superfences_format, formatter=partial(format_fence, context=self.context)
            )
        return config

    def _wrap_search(self, config: MkDocsConfig) -> None:
        """Make this build's search index take unchanged pages' entries from the search cache.

        The search plugin makes a new index in each build's ``on_config`` (before this one):
        the outermost build's and each other language's.
        """
        if not _flag("LESSONKIT_SEARCH_CACHE", True):
            self.search_cache = None
            return
        self.search_cache = SearchCache.kept(self.search_cache, self.executor.cache.directory / SEARCH_FOLDER)
        for index in search_indexes(config):
            self.search_cache.wrap(index)

    def on_pre_build(self, *, config: MkDocsConfig) -> None:
        """Count nested builds: mkdocs-static-i18n builds the other languages from inside the first."""
        self.depth += 1
        self._assets.append({})
        self._pages_built.append([])

    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files:
        """Discover every executed block of every page in every built language, check them, start them.

        Runs before mkdocs-static-i18n narrows *files* to one language, and only in the
        outermost build; the runs go on in the background while pages render.
        """
        if self.depth > 1:
            return files
        self.sites = {}
        self.context.rendered.clear()
        self.context.pending = {}
        self._rendered_pages = set()
        self._rendered_urls = set()
        started = time.monotonic()
        pages = self._pages(files)
        recorder = self._discover(pages, config)
        self._snapshot = self._take_snapshot(pages, recorder, config)
        self.partial = False
        if self.dirty:
            self._plan_dirty_build(config)
        found = (
            f"found {len(recorder.seen)} executed blocks on {len(pages)} pages "
            f"in {time.monotonic() - started:.2f} s"
        )
        if recorder.errors:
            listed = "\n".join(f"  - {message}" for message in sorted(recorder.errors.values()))
            raise PluginError(
                f"lessonkit: {len(recorder.errors)} executed block(s) have options lessonkit cannot use; "
                f"nothing was run:\n{listed}"
            )
        self.discovered = set(recorder.seen)
        self.examples = list(recorder.examples.values())
        self.context.outcomes = None
        if not self.execute:
            log.info(f"{found}; LESSONKIT_EXEC=0: pages render with a placeholder instead of running them")
            return files
        if self.context.wait:  # a failure from the previous build gets another run
            self.executor.drop_failures()
        # Under mkdocs serve, whose own signal rebuilds the site as runs end, a failure stays until
        # its example changes (a new key): running it again would show it in progress, rebuild, fail...
        self.executor.reset_used()
        self.batch_keys = {
            self.executor.key(example, m) for example in self.examples for m in example.options.start_methods
        }
        self.context.outcomes = OutcomesReport(
            python=self.executor.python.label,
            os=platform.system(),
            parallel_runs=self.executor.jobs,
            cpus=os.cpu_count(),
            lessonkit=LESSONKIT_VERSION,
            built_at=datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        )
        self.batch = self.executor.start(self.examples, report=_report_progress)
        self.context.reused = self.batch.reused
        sandbox = "each in a sandbox" if self.executor.isolated else "without a sandbox (captions say so)"
        log.info(
            f"{found}; {len(self.batch_keys)} examples (blocks × start methods): {self.batch.cached} cached, "
            f"running {self.batch.submitted} ({self.batch.total_runs} runs, their samples), "
            f"up to {self.executor.jobs} at once, {sandbox}"
        )
        return files

    def _take_snapshot(self, pages: list[File], recorder: FenceRecorder, config: MkDocsConfig) -> Snapshot:
        """What this build sees, to compare the next dirty build with."""
        snapshot = Snapshot(config=digest(Path(config.config_file_path).read_text(encoding="utf-8")))
        if not self.dirty:
            return snapshot
        roots = [Path(path) for path in config.watch] + [Path(config.config_file_path)]
        snapshot.watched = watched_files(roots + self.expander.base_paths, Path(self.docs_dir))
        docs = Path(self.docs_dir).name
        for file in pages:
            page_path = f"{docs}/{file.src_uri}"
            content = file.content_string
            snapshot.pages[page_path] = digest(content)
            snapshot.headings[page_path] = heading(content)
            if any(marker in content for marker in MARKERS):
                snapshot.aggregates.add(page_path)
        located = sorted(
            (self.sites[token].page, self.sites[token].line, token) for token in recorder.examples
        )
        for page_path, _, token in located:
            site = self.sites[token]
            judging = recorder.judging.get(token)
            snapshot.blocks.setdefault(page_path, []).append(
                repr((site.anchor, site.snippet, recorder.examples[token], judging))
            )
        return snapshot

    def _plan_dirty_build(self, config: MkDocsConfig) -> None:
        """Let a dirty build render only the changed pages if their prose is all that changed;
        otherwise empty the site directory, so that it renders every page."""
        why = self._snapshot.why_full(self._last)
        if not why and self.rebuild_signal.pending:
            why = f"{len(self.rebuild_signal.pending)} blocks were shown in progress by the last build"
        if why:
            log.info(f"dirty build of every page ({why})")
            clean_directory(config.site_dir)
            return
        self.partial = True
        changed = self._snapshot.changed(self._last)
        log.info(
            f"dirty build: only prose changed ({', '.join(changed) or 'no page'}); rendering those "
            f"pages only. {OUTCOMES_FILE} and the search index are merged; the report pages stay "
            "as the last build wrote them (no block changed)"
        )

    def _read_claim(self, path: str) -> tuple[str, str]:
        """Read a fence's ``claim`` file, found as snippets are; return its display path and text."""
        for base in self.expander.base_paths:
            candidate = (base / path).resolve()
            if candidate.is_file() and candidate.is_relative_to(base):
                try:
                    text = candidate.read_text(encoding="utf-8")
                except (OSError, UnicodeDecodeError) as error:
                    raise FenceOptionError(f'claim="{path}" cannot be read: {error}') from None
                shown = candidate.relative_to(self.root) if candidate.is_relative_to(self.root) else candidate
                return shown.as_posix(), text
        bases = ", ".join(
            str(b.relative_to(self.root) if b.is_relative_to(self.root) else b)
            for b in self.expander.base_paths
        )
        raise FenceOptionError(
            f'claim="{path}": no such file under the snippets base ({bases}). '
            'Give the claimed output\'s file relative to it, e.g. claim="lesson/original/example.txt"'
        )

    def _snippets_bases(self) -> str:
        """The snippets base paths, as a contributor names them (``snippets``)."""
        return ", ".join(
            str(b.relative_to(self.root) if b.is_relative_to(self.root) else b)
            for b in self.expander.base_paths
        )

    def _module_file(self, path: str) -> Path | None:
        """Where a ``files`` path is, found as snippets are; None if it is under no base.

        Raises:
            FenceOptionError: The path is absolute or leaves the snippets base.
        """
        if PurePosixPath(path).is_absolute() or Path(path).is_absolute():
            raise FenceOptionError(
                f"an absolute path is not allowed; give it relative to the snippets base "
                f"({self._snippets_bases()})"
            )
        if ".." in PurePosixPath(path).parts:
            raise FenceOptionError(
                f"leaves the snippets base ({self._snippets_bases()}); '..' is not allowed"
            )
        for base in self.expander.base_paths:
            candidate = (base / path).resolve()
            if candidate.is_file():
                if not candidate.is_relative_to(base):
                    raise FenceOptionError(
                        f"leads out of the snippets base ({self._snippets_bases()}) through a link"
                    )
                return candidate
        return None

    def _read_module_file(self, path: str) -> str:
        """Read one path of a fence's ``files`` option, found as snippets are; return its text."""
        found = self._module_file(path)
        if found is None:
            raise FenceOptionError(
                f"no such file under the snippets base ({self._snippets_bases()}). Give the module's "
                'file relative to it, e.g. files="lesson/worker.py"'
            )
        try:
            return found.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise FenceOptionError(f"cannot be read: {error}") from None

    def _pages(self, files: Files) -> list[File]:
        """Return the Markdown files MkDocs will build, in the languages that are built."""
        inclusion = InclusionLevel.is_in_serve if self.command == "serve" else InclusionLevel.is_included
        pages = files.documentation_pages(inclusion=inclusion)
        languages = getattr(self.i18n, "all_languages", None) if self.i18n is not None else None
        built = getattr(self.i18n, "build_languages", None) if self.i18n is not None else None
        if not languages or built is None:
            return list(pages)
        skipped = {f".{language}" for language in set(languages) - set(built)}
        return [page for page in pages if not set(Path(page.src_uri).suffixes[-2:-1]) & skipped]

    def _discover(self, pages: list[File], config: MkDocsConfig) -> FenceRecorder:
        """Convert each page with the site's Markdown extensions, recording the fences SuperFences
        hands to the formatter; every located fence must be among them.

        A page whose text, included snippets and ``mkdocs.yml`` are unchanged since the last
        build (``mkdocs serve``) is not converted again: its fences are remembered.
        """
        recorder = FenceRecorder()
        located: dict[str, FenceSite] = {}
        missing: list[FenceSite] = []
        site_config = hashlib.sha256(Path(config.config_file_path).read_bytes()).hexdigest()
        md = python_markdown.Markdown(
            extensions=config.markdown_extensions, extension_configs=_discovery_configs(config)
        )
        memo: dict[tuple[object, ...], FenceRecorder] = {}
        unreadable: list[str] = []
        try:
            for file in pages:
                text, _ = meta.get_data(file.content_string)
                page_path = f"{Path(self.docs_dir).name}/{file.src_uri}"
                problem = front_matter_problem(page_path, file.content_string)
                if problem is not None:
                    unreadable.append(problem)
                    continue  # reported below, with every other page's
                fences = locate_fences(text, file.content_string, page_path, self.config.snippets_dir)
                missing += missing_snippets(fences, self.expander.base_paths)
                if missing:
                    continue  # reported below, with every other page's missing snippets
                marked = self._mark(text, fences)
                located.update({fence_token(f.site): f.site for f in fences})
                key = (site_config, page_path, marked, self._snippet_stamps(fences))
                found = self._discovered_pages.get(key)
                if found is None:
                    found = self._discover_page(md, page_path, marked)
                memo[key] = found
                recorder.seen |= found.seen
                recorder.examples.update(found.examples)
                recorder.judging.update(found.judging)
                recorder.errors.update(found.errors)
        finally:
            self._discovered_pages = memo
        if unreadable:
            raise PluginError(
                "lessonkit: MkDocs would drop these pages' front matter without a word (the block "
                "would show as text and the page lose its title and description): " + "; ".join(unreadable)
            )
        if missing:
            where = "; ".join(f"{s.page}:{s.line} includes {s.snippet}" for s in missing)
            raise PluginError(f"lessonkit: snippet file not found: {where}. Create it or fix the path.")
        vanished = [site for token, site in located.items() if token not in recorder.seen]
        if vanished:
            where = "; ".join(site.describe() for site in vanished)
            raise PluginError(
                f"lessonkit: executed block(s) at {where} never reach markdown-exec: the page would "
                "silently lose them. Check the fence's indentation, its closing fence and its options."
            )
        return recorder

    def _discover_page(self, md: python_markdown.Markdown, page_path: str, marked: str) -> FenceRecorder:
        """Convert one page (already marked with tokens), recording its fences."""
        found = FenceRecorder()
        self.context.recorder = found
        self._page_path_now = page_path
        try:
            md.reset().convert(marked)
        except Exception as error:
            raise PluginError(
                f"lessonkit: could not read {page_path} to find its examples: {type(error).__name__}: {error}"
            ) from None
        finally:
            self.context.recorder = None
            self._page_path_now = None
        return found

    def _snippet_stamps(self, fences: list[Any]) -> tuple[tuple[str, int, int], ...]:
        """Return the size and modification time of each snippet the fences include, and of each
        module file their ``files`` options name (a block runs them too)."""
        stamps = []
        for fence in fences:
            paths = [fence.include] if fence.include else []
            paths += fence.options.get("files", "").split()
            for relative in paths:
                for base in self.expander.base_paths:
                    path = base / relative
                    if path.is_file():
                        stat = path.stat()
                        stamps.append((str(path), stat.st_mtime_ns, stat.st_size))
        return tuple(stamps)

    def _mark(self, markdown: str, fences: list[Any]) -> str:
        tokens = []
        for fence in fences:
            token = fence_token(fence.site)
            self.sites[token] = fence.site
            tokens.append(token)
        return mark_fences(markdown, fences, tokens)

    @event_priority(-150)  # after mkdocs-static-i18n (-100) has run the other languages' builds
    def on_post_build(self, *, config: MkDocsConfig) -> None:
        """After the outermost build: check that discovery and rendering agree, report, prune.

        After every build, the outermost and each language's: write the files it drew.
        """
        self._write_assets(Path(config.site_dir))
        if self._pages_built:
            self._pages_built.pop()
        self.depth -= 1
        if self.depth > 0:
            return
        rendered = set(self.context.rendered)
        discovered = self.discovered
        if self.partial:  # only the changed pages were rendered: check their blocks
            discovered = {t for t in discovered if self._site(t).page in self._rendered_pages}
        missed = rendered - self.discovered
        lost = discovered - rendered
        if missed or lost:
            self._fail_mismatch(missed, lost)
        shown = dict(self.context.pending)
        self.rebuild_signal.watch(shown, self.executor)
        if shown:  # mkdocs serve: the runs go on; a rebuild as they end shows them
            log.info(
                f"serving {len(shown)} blocks as in progress while their runs go on; "
                "the pages reload as results arrive"
            )
        elif self.batch is not None:
            summary = self._finish_runs()
            self.batch = None
            log.info(summary.line())
            self._write_outcomes(Path(config.site_dir))
            if self.executor.cache is not None:
                removed = self.executor.cache.prune(self.batch_keys | self.executor.used)
                if removed:
                    log.info(f"pruned {removed} stored results that no page uses any more")
            # A partial build used only its pages' rendered blocks; the others' stay for the next.
            if self.context.render_cache is not None and not self.partial:
                self.context.render_cache.prune()
        self._finish_search_cache()
        if self.dirty:
            self._merge_search_index(Path(config.site_dir))
        self._last = self._snapshot

    def _finish_search_cache(self) -> None:
        """Say how many pages' search entries came from the cache; prune it after a full build."""
        search = self.search_cache
        if search is None:
            return
        if search.hits or search.misses:
            log.info(
                f"search entries: {search.hits} pages from the cache, {search.misses} indexed "
                f"(cache in {search.directory})"
            )
        search.hits = search.misses = 0
        if self.partial:  # only the changed pages were indexed: the others' entries stay for the next
            return
        removed = search.prune("exec" if self.execute else "no-exec")
        if removed:
            log.info(f"pruned {removed} pages' search entries that no page uses any more")

    def _may_wait(self) -> bool:
        """Whether this build may wait for its runs: always, but under mkdocs serve while some go on."""
        if self.context.wait or self.batch is None:
            return True
        return all(future.done() for future in self.batch.futures)

    def on_serve(self, server: Any, *, config: MkDocsConfig, builder: Any) -> Any:
        """Watch a folder of lessonkit's: a file written there as runs end makes serve rebuild."""
        if self.executor is not None and self.executor.cache is not None:
            folder = self.executor.cache.root / "serve"
            folder.mkdir(parents=True, exist_ok=True)
            server.watch(str(folder))
            self.rebuild_signal.folder = folder
        return server

    def _finish_runs(self) -> RunSummary:
        """Wait for every run of this build; note what the execution phase did in the outcomes."""
        summary = self.executor.finish(self.batch)
        if self.context.outcomes is not None:
            self.context.outcomes.execution = Execution(
                wall_seconds=round(summary.seconds, 2),
                ran=summary.ran,
                cached=summary.cached,
                runs=summary.samples_run,
            )
        return summary

    def _publish(self, name: str, text: str) -> str:
        """Keep a drawn file for this build's site; return its URL from the page being rendered."""
        if self._assets:
            self._assets[-1][name] = text
        page_url = self.page.url if self.page is not None else ""
        return get_relative_url(f"{ASSETS_DIR}/{name}", page_url)

    def _write_assets(self, site_dir: Path) -> None:
        if not self._assets:
            return
        assets = self._assets.pop()
        if not assets:
            return
        directory = site_dir / ASSETS_DIR
        directory.mkdir(parents=True, exist_ok=True)
        cache = self.context.render_cache if self.context is not None else None
        for name, text in assets.items():
            if cache is None:
                (directory / name).write_text(text, encoding="utf-8")
            else:  # a hard link to the copy it keeps: far cheaper than a new file
                cache.place(directory, name, text)

    def _write_outcomes(self, site_dir: Path) -> None:
        """Write ``outcomes.json``: every rendered block's outcomes, in page and line order.

        After a partial dirty build, the other pages' blocks are the last build's.
        """
        report = self.context.outcomes
        if report is None:
            return
        data = report.to_json()
        if self.partial:
            data = merge_outcomes(self._last_outcomes, data, self._rendered_pages)
        if self.dirty:
            self._last_outcomes = data
        path = site_dir / OUTCOMES_FILE
        path.write_text(outcomes_text(data), encoding="utf-8")
        log.info(f"wrote {path.name}: {len(data['blocks'])} blocks with their outcomes")

    def _merge_search_index(self, site_dir: Path) -> None:
        """After a partial dirty build, put the other pages' entries back in the search index.

        The search plugin indexes the pages a build renders; in a partial build, only the changed ones.
        """
        path = site_dir / SEARCH_INDEX
        if not path.is_file():
            return
        index = json.loads(path.read_text(encoding="utf-8"))
        if self.partial:
            index = merge_search_index(self._last_search, index, self._rendered_urls)
            path.write_text(json.dumps(index, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
        self._last_search = index

    def _fail_mismatch(self, missed: set[str], lost: set[str]) -> None:
        def describe(tokens: set[str]) -> str:
            return "; ".join(sorted(self._site(t).describe() if t in self.sites else t for t in tokens))

        problems = []
        if lost:
            problems.append(f"discovered but never rendered: {describe(lost)}")
        if missed:
            problems.append(
                f"rendered but never discovered (so never checked before running): {describe(missed)}"
            )
        raise PluginError(
            "lessonkit: the executed blocks found before the build and those rendered differ. "
            + ". ".join(problems)
            + ". Please report this with the page: lessonkit must find every block it runs."
        )

    def on_build_error(self, *, error: Exception) -> None:
        """Cancel queued runs and reset the depth, so the next build (``mkdocs serve``) starts afresh.

        The next dirty build renders every page: this one may have written only some.
        """
        self.depth = 0
        self._last = None
        self.batch = None
        self._assets = []
        self._pages_built = []
        if self.executor is not None:
            self.executor.cancel_pending()

    def on_page_markdown(self, markdown: str, *, page: Page, config: MkDocsConfig, files: Files) -> str:
        """Tag each executed fence with its page and line, as discovery did."""
        self.page = page
        page_path = self._page_path(page)
        self._rendered_pages.add(page_path)
        self._rendered_urls.add(page.url)
        fences = locate_fences(markdown, page.file.content_string, page_path, self.config.snippets_dir)
        markdown = self._mark(markdown, fences)
        if MARKER in markdown:
            home = page.file.src_uri.split(".")[0] + ".md"
            lessons = lesson_list(config.nav, Path(self.docs_dir), self._language(), home)
            markdown = markdown.replace(MARKER, lessons)
        for marker in MARKERS:
            markdown = markdown.replace(marker, slot(marker))
        return markdown

    def on_page_content(self, html: str, *, page: Page, config: MkDocsConfig, files: Files) -> str:
        """Note the page for the report; make its code blocks reachable by keyboard; mark a page
        shown in Chinese because it has no translation yet: a banner, and lang="zh"."""
        if self._pages_built:
            self._pages_built[-1].append(page)
        html = focusable_code_blocks(html)
        try:
            html = lift_predictions(html)
        except PredictError as error:
            log.warning(str(error))  # fatal under --strict, as a fence's own errors are
        language = self._language()
        if self._translated(page, language):
            return html
        banner = untranslated_banner(language, page.file.src_uri, page.url)
        return f'{banner}<div lang="zh">{html}</div>'

    def _translated(self, page: Page, language: str) -> bool:
        """Whether *page*, built in *language*, is written in it (not shown in Chinese until translated)."""
        if language == "zh" or self.i18n is None:
            return True
        uri = page.file.src_uri
        return uri.endswith(f".{language}.md") or translation(Path(self.docs_dir), uri, language) is not None

    @event_priority(-110)  # after mkdocs-static-i18n (-100) has made this language's navigation
    def on_nav(self, nav: Any, *, config: MkDocsConfig, files: Files) -> Any:
        """In a partial dirty build, give the pages MkDocs does not read their titles from the last
        build, for the navigation of the pages it renders (it would show their file names)."""
        if not self.partial:
            return nav
        language = self._language()
        for file in files.documentation_pages():
            title = self._titles.get((language, file.src_uri))
            if file.page is not None and title is not None and not file.is_modified():
                file.page.title = title
        return nav

    @event_priority(50)  # before the search plugin indexes the page's content
    def _fill_report(self, context: dict[str, Any], *, page: Page, config: MkDocsConfig, nav: Any) -> Any:
        """Fill the report page's tables, once every page of this language has run its blocks.

        With Material's search, the build's time and its runs' wall time are filled in only once
        the page is indexed (:meth:`_fill_report_times`): they are kept out of the index, and out
        of the search-entry cache's key, which would otherwise change in every build.
        """
        if self.dirty and page.title is not None:
            self._titles[(self._language(), page.file.src_uri)] = page.title
        if page.content is None or not any(slot(marker) in page.content for marker in MARKERS):
            return context
        report = self.context.outcomes
        if self.batch is not None and report is not None and report.execution is None and self._may_wait():
            self._finish_runs()  # the other language's blocks may still be running
        language = self._language()
        blocks: dict[str, list[BlockOutcomes]] = {}
        for block in report.blocks if report is not None else []:
            blocks.setdefault(block.page, []).append(block)
        pages = [
            ReportedPage(
                link=get_relative_url(built.url, page.url),
                title=built.title or built.url,
                blocks=tuple(sorted(blocks.get(self._page_path(built), []), key=lambda block: block.line)),
                lang=language if self._translated(built, language) else "zh",
            )
            for built in (self._pages_built[-1] if self._pages_built else [])
        ]
        pages.sort(key=lambda reported: (reported.blocks[0].page if reported.blocks else "", reported.link))
        times_later = bool(search_indexes(config))  # Material's search: it honours data-search-exclude
        filled = {
            slot(MARKERS[0]): render_summary(
                report, pages, language, lessonkit_version=LESSONKIT_VERSION, times_later=times_later
            ),
            slot(MARKERS[1]): render_runs(report, pages, language),
        }
        for placeholder, table in filled.items():
            page.content = page.content.replace(placeholder, table)
        return context

    @event_priority(-100)  # after the search plugin (0) has indexed the page
    def _fill_report_times(
        self, context: dict[str, Any], *, page: Page, config: MkDocsConfig, nav: Any
    ) -> Any:
        """Put the build's time and its runs' wall time in the report page (:meth:`_fill_report`)."""
        if page.content is not None and any(name in page.content for name in TIME_SLOTS):
            page.content = fill_times(page.content, self.context.outcomes, self._language())
        return context

    on_page_context = CombinedEvent(_fill_report, _fill_report_times)

    def _site(self, token: str | None) -> FenceSite:
        if token is not None and token in self.sites:
            return self.sites[token]
        if self._page_path_now:
            return FenceSite(page=self._page_path_now, line=0)
        return FenceSite(page=self._page_path(self.page) if self.page else "an unknown page", line=0)

    def _page_path(self, page: Page) -> str:
        """Return the page's source path as a contributor sees it, e.g. ``docs/daemon.md``."""
        return f"{Path(self.docs_dir).name}/{page.file.src_uri}"

    def _language(self) -> str:
        """Return the language being built (not the page file's): ``zh`` or ``en`` captions."""
        current = getattr(self.i18n, "current_language", None) if self.i18n is not None else None
        return "zh" if (current or "zh").lower().startswith("zh") else "en"


@dataclass(frozen=True)
class SiteBlock:
    """One executed block of the site: where it is, what runs, and how its runs are judged."""

    site: FenceSite
    example: Example
    judging: Judging


@dataclass(frozen=True)
class SiteExamples:
    """Every executed block of a site, and how its build runs them."""

    blocks: list[SiteBlock]
    isolation: Isolation
    trace: bool
    jobs: int
    cache_dir: Path


def find_site_examples(config_file: Path) -> SiteExamples:
    """Find every executed block of the site as its build does, without running or writing anything.

    Raises:
        PluginError: A block cannot be run (a bad option, a missing snippet...), as the build says.
        mkdocs.exceptions.ConfigurationError: ``mkdocs.yml`` is not valid.
    """
    config = load_config(str(config_file))
    config.plugins.on_startup(command="build", dirty=False)
    try:
        config = config.plugins.on_config(config)
        plugin = config.plugins.get("lessonkit")
        if not isinstance(plugin, LessonkitPlugin):
            raise PluginError(f"lessonkit: {config_file} does not use the lessonkit plugin")
        recorder = plugin._discover(plugin._pages(get_files(config)), config)
    finally:
        config.plugins.on_shutdown()
    if recorder.errors:
        listed = "\n".join(f"  - {message}" for message in sorted(recorder.errors.values()))
        raise PluginError(f"lessonkit: executed block(s) have options lessonkit cannot use:\n{listed}")
    blocks = [
        SiteBlock(site=plugin.sites[token], example=example, judging=recorder.judging[token])
        for token, example in recorder.examples.items()
    ]
    blocks.sort(key=lambda block: (block.site.page, block.site.line))
    return SiteExamples(
        blocks=blocks,
        isolation=plugin.executor.isolation,
        trace=plugin.executor.trace,
        jobs=plugin.executor.jobs,
        cache_dir=plugin.executor.cache.root,
    )


def outcomes_text(data: dict[str, Any]) -> str:
    """``outcomes.json``'s text: each field of the report on its own line, and each block.

    Compact JSON, so that the C encoder writes it (an indented dump takes Python's own encoder,
    several times slower on a site's thousands of outcomes), yet a diff still shows which blocks changed.
    """

    def dump(value: object) -> str:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))

    fields = []
    for name, value in data.items():
        if name == "blocks" and isinstance(value, list) and value:
            value_text = "[\n" + ",\n".join(dump(block) for block in value) + "\n]"
        else:
            value_text = dump(value)
        fields.append(f"{dump(name)}:{value_text}")
    return "{\n" + ",\n".join(fields) + "\n}\n"


def _index_only_this_build(config: MkDocsConfig) -> None:
    """Make Material's search plugin index only the pages this build renders, as in a clean build.

    Under ``--dirty`` it merges each index it writes with the one it wrote before, guessing the
    page from the first entry; with mkdocs-static-i18n writing the index once per language and
    again for both, that repeats entries. lessonkit merges a partial build's index itself.
    """
    for name in ("material/search", "search"):
        search = config.plugins.get(name)
        if search is not None and getattr(search, "is_dirty", False):
            search.is_dirty = False
            search.search_index_prev = None


def _report_progress(done: int, total: int) -> None:
    """Log how far the runs have got; called from the executor's worker threads."""
    log.info(f"{done} of {total} runs done")


def _discovery_configs(config: MkDocsConfig) -> dict[str, Any]:
    """The site's extension settings, minus the costly work that cannot change which fences execute.

    Highlighting the code blocks that do not execute is most of a page's conversion time.
    """
    configs = dict(config.mdx_configs)
    configs["pymdownx.highlight"] = {**configs.get("pymdownx.highlight", {}), "use_pygments": False}
    return configs


def _superfences_format(
    source: str, language: str, css_class: str, options: dict[str, Any], md: Any, **kwargs: Any
) -> str:
    """Adapt SuperFences' formatter signature to :func:`lessonkit.site.fence.format_fence`."""
    formatter = kwargs.pop("formatter")
    return formatter(code=source, md=md, **options)
