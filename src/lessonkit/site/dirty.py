"""``mkdocs serve --dirty``: rebuild only the pages whose prose changed, or everything.

MkDocs' dirty build renders only the pages whose source is newer than their output
(``File.is_modified()``) and leaves every other file of the site as the last build wrote it.
That is right for a prose edit and wrong for anything else: a snippet, a claim file, the
plugin's code or ``mkdocs.yml`` changes pages whose source did not change, and a page's
title or its blocks appear on other pages (the navigation, the report). So the plugin
compares each build with the last one it completed (:class:`Snapshot`) and lets a dirty
build stay partial only when the pages' prose is all that changed; otherwise it empties
the site directory, so that MkDocs' dirty build renders every page: a full build.

A partial build renders only the changed pages; what the plugin writes for the whole site
is kept whole by merging: ``outcomes.json`` and the search index keep the other pages'
entries from the last build, and replace the rendered pages' entries. The report pages
are not rendered again (their source did not change, and neither did any block, which
is what they show).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

from mkdocs.utils import meta

from lessonkit.site.lessons import _H1

DIRTY_WARNING = "A 'dirty' build is being performed"
"""The start of MkDocs' own warning at each dirty build (``mkdocs.commands.build``)."""


class DirtyWarningAsInfo(logging.Filter):
    """Log MkDocs' dirty-build warning as INFO, so that ``mkdocs serve --dirty`` can stay strict.

    Installed only under ``mkdocs serve --dirty``, where lessonkit makes the dirty build
    correct (a partial build only for prose edits, a full one otherwise); the message is
    still printed, and every other warning still fails the strict build.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno == logging.WARNING and str(record.msg).startswith(DIRTY_WARNING):
            record.levelno = logging.INFO
            record.levelname = "INFO"
        return True


@dataclass
class Snapshot:
    """What a build saw: enough to tell whether the next dirty build may render only some pages."""

    config: str = ""
    """A hash of ``mkdocs.yml``."""
    watched: dict[str, tuple[int, int]] = field(default_factory=dict)
    """Every file outside the docs directory that ``mkdocs serve`` watches, with its mtime and size."""
    pages: dict[str, str] = field(default_factory=dict)
    """Each page (``docs/x.md``) and a hash of its source."""
    headings: dict[str, str] = field(default_factory=dict)
    """Each page's front matter and first heading: what other pages show of it."""
    blocks: dict[str, list[str]] = field(default_factory=dict)
    """Each page's executed blocks in order, without their lines: what they run and how they are judged."""
    aggregates: set[str] = field(default_factory=set)
    """The pages that show every page (the report)."""

    def why_full(self, last: Snapshot | None) -> str:
        """Return why a dirty build after *last* must render every page, or "" when it need not."""
        if last is None:
            return "no earlier build in this process"
        if self.config != last.config:
            return "mkdocs.yml changed"
        if self.watched != last.watched:
            changed = sorted(
                path
                for path in self.watched.keys() | last.watched.keys()
                if self.watched.get(path) != last.watched.get(path)
            )
            return f"{changed[0]} changed" + (f" (and {len(changed) - 1} more)" if len(changed) > 1 else "")
        if self.pages.keys() != last.pages.keys():
            return "a page was added or removed"
        for page in self.changed(last):
            if self.headings[page] != last.headings[page]:
                return f"{page}: its front matter or title changed"
            if self.blocks.get(page) != last.blocks.get(page):
                return f"{page}: its executed blocks changed"
            if page in self.aggregates or page in last.aggregates:
                return f"{page} is a report page"
        return ""

    def changed(self, last: Snapshot) -> list[str]:
        """The pages whose source changed since *last*."""
        return sorted(page for page, digest in self.pages.items() if last.pages.get(page) != digest)


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", errors="surrogateescape")).hexdigest()


def heading(content: str) -> str:
    """A page's front matter and first ``#`` heading, which the navigation and the home pages show."""
    body, front = meta.get_data(content)
    first = _H1.search(body)
    return json.dumps([front, first[0] if first else ""], sort_keys=True, default=str, ensure_ascii=False)


def watched_files(roots: list[Path], docs_dir: Path) -> dict[str, tuple[int, int]]:
    """Every file under *roots* (the directories and files serve watches) outside *docs_dir*."""
    found: dict[str, tuple[int, int]] = {}
    docs = str(docs_dir.resolve())
    for root in roots:
        if not root.exists() or str(root.resolve()).startswith(docs):
            continue
        if root.is_file():
            stat = root.stat()
            found[str(root)] = (stat.st_mtime_ns, stat.st_size)
            continue
        for folder, dirs, names in os.walk(root):
            dirs[:] = [d for d in dirs if d != "__pycache__"]
            for name in names:
                path = os.path.join(folder, name)
                try:
                    stat = os.stat(path)
                except OSError:
                    continue
                found[path] = (stat.st_mtime_ns, stat.st_size)
    return found


def merge_outcomes(last: dict | None, now: dict, pages: set[str]) -> dict:
    """``outcomes.json`` after a partial build: *now*'s blocks for *pages*, *last*'s for the others."""
    if last is None:
        return now
    kept = [block for block in last.get("blocks", []) if block.get("page") not in pages]
    blocks = sorted(kept + list(now.get("blocks", [])), key=lambda block: (block["page"], block["line"]))
    return {**now, "blocks": blocks}


def merge_search_index(last: dict | None, now: dict, urls: set[str]) -> dict:
    """The search index after a partial build: *now*'s entries for the pages at *urls*, *last*'s for
    the others, in *last*'s order (a rebuilt page's entries where its old ones were)."""
    if last is None:
        return now

    def page_of(entry: dict) -> str:
        return str(entry.get("location", "")).split("#", 1)[0]

    fresh: dict[str, list[dict]] = {}
    for entry in now.get("docs", []):
        fresh.setdefault(page_of(entry), []).append(entry)
    docs: list[dict] = []
    for entry in last.get("docs", []):
        page = page_of(entry)
        if page not in urls:
            docs.append(entry)
        elif page in fresh:
            docs += fresh.pop(page)
    for page in sorted(fresh):
        if page in urls:
            docs += fresh[page]
    return {**now, "docs": docs}
