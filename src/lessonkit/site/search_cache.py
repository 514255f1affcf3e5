"""Search entries kept between builds, so that a warm build does not index unchanged pages again.

Material's search plugin indexes each page as it is built (``SearchIndex.add_entry_from_context``):
it parses the page's HTML into sections and runs jieba over every run of Chinese text in them.
On a site whose pages show their examples' outputs that was most of what a warm build did beyond
a build that runs nothing. So the entries each page adds are stored, one JSON file per page and
language, in ``search/`` beside the results of the Python that made them
(``.cache/lessonkit/cpython-3.11.7/search/``), and taken from there when nothing they depend on
changed. The plugin wraps the method of the search index each build's search plugin makes in its
``on_config`` (mkdocs-static-i18n runs every plugin's events again for each other language, so
each language's build has its own index, and each is wrapped). Its key covers everything the
method reads, from the search plugin's source:

- the page: its HTML (``page.content``, as the search plugin gets it, after every other plugin's
  ``on_page_context``), its URL, its title, and of its front matter ``search`` (``exclude``,
  ``boost``), ``tags`` and ``title`` (and whether ``title`` is set at all);
- its table of contents: each item's id, URL, title and level, and its children, recursively
  (a section's location is the page's URL and the item's URL, found by the heading's id);
- the search plugin's configuration (all of it, as the index holds it: ``lang``, ``separator``,
  ``pipeline``, ``fields``, ``jieba_dict``, ``jieba_dict_user``...);
- jieba: whether the search plugin could import it, its version, and the content of the
  ``jieba_dict`` and ``jieba_dict_user`` files when they are set (read as the plugin reads
  them, relative to the working directory);
- the code that makes the entries: the versions of mkdocs-material and backrefs (the Han script
  pattern), a digest of the search plugin's source file, the class and functions the index uses,
  the Python that runs (its HTML parser) and a digest of this module's own source (the *salt*).

Entries are stored only when they read back as they were made (plain JSON); a page whose
entries do not is indexed every time. An entry that cannot be read back intact is ignored and
the page indexed again; writes are atomic; no error of the cache ever fails a build (it is
logged, and the search plugin's own method runs). After a full build, the entries it did not
use are deleted, except those the last full build of the other kind used (with and without
``LESSONKIT_EXEC=0``, whose pages differ); a partial ``mkdocs serve --dirty`` build deletes
nothing. ``LESSONKIT_SEARCH_CACHE=0`` turns the cache off. Delete the folder to clear it.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import json
import logging
import os
import re
import sys
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from lessonkit.running.cache import write_json_atomically

log = logging.getLogger("mkdocs.plugins.lessonkit")

FORMAT = 1
"""Version of the entry layout; entries of another format are ignored."""

FOLDER = "search"
"""The entries' folder, inside the results folder of the Python that builds."""

SEARCH_PLUGINS = ("material/search", "search")
"""The names Material's search plugin is registered under."""

PACKAGES = ("mkdocs-material", "backrefs", "jieba")
"""The packages whose code makes the entries."""

KEY = re.compile(r"[0-9a-f]{64}")
"""An entry's file name, without ``.json``; anything else in the folder is not an entry."""

MATERIAL = "material.plugins.search"
"""The module of Material's search index, whose inputs the key covers."""

WRAPPED = "lessonkit_search_cache"
"""The attribute that marks a wrapped ``add_entry_from_context`` (it holds the cache)."""


def _digest(payload: object) -> str:
    blob = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=repr).encode("utf-8")
    return hashlib.sha256(blob).hexdigest()


def _file_digest(path: str | os.PathLike[str] | None) -> str:
    if path is None:
        return "none"
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError as error:
        return f"unreadable: {type(error).__name__}"


def _version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "absent"


@cache
def own_digest() -> str:
    """A digest of this module's source: how entries are keyed, stored and given back."""
    return _file_digest(__file__)


@cache
def _source_digest(path: str | None) -> str:
    return _file_digest(path)


def _function(cls: type, name: str) -> str:
    function = getattr(cls, name, None)
    return f"{getattr(function, '__module__', '?')}.{getattr(function, '__qualname__', '?')}"


def index_digest(index: Any) -> str:
    """A digest of everything about *index* and its code that can change its entries (see the module)."""
    cls = type(index)
    module = sys.modules.get(cls.__module__)
    jieba = getattr(module, "jieba", None)
    config = dict(getattr(index, "config", {}))
    jieba_files = {}
    for option in ("jieba_dict", "jieba_dict_user"):
        value = config.get(option)
        jieba_files[option] = _file_digest(os.path.normpath(value)) if value else None
    return _digest(
        {
            "format": FORMAT,
            "salt": own_digest(),
            "python": sys.version,
            "packages": {name: _version(name) for name in PACKAGES},
            "index": f"{cls.__module__}.{cls.__qualname__}",
            "functions": [
                _function(cls, name)
                for name in (
                    "add_entry_from_context",
                    "create_entry_for_section",
                    "_find_toc_by_id",
                    "_segment_chinese",
                )
            ],
            "source": _source_digest(getattr(module, "__file__", None)),
            "config": config,
            "jieba": None if jieba is None else str(getattr(jieba, "__version__", "unknown")),
            "jieba_files": jieba_files,
        }
    )


def _toc(items: Any) -> list[dict[str, Any]]:
    return [
        {
            "id": getattr(item, "id", None),
            "url": getattr(item, "url", None),
            "title": getattr(item, "title", None),
            "level": getattr(item, "level", None),
            "children": _toc(getattr(item, "children", None) or []),
        }
        for item in items or []
    ]


_ABSENT = "lessonkit: absent"


def page_inputs(page: Any) -> dict[str, Any]:
    """What ``add_entry_from_context`` reads of *page* (see the module)."""
    meta = getattr(page, "meta", None) or {}
    return {
        "content": page.content,
        "url": page.url,
        "title": page.title,
        "meta": {name: meta.get(name, _ABSENT) for name in ("search", "tags", "title")},
        "meta_title_set": "title" in meta,
        "toc": _toc(page.toc),
    }


def _plain(entries: list[Any]) -> list[Any] | None:
    """*entries* as JSON reads them back, or None when that would not be the same entries."""
    try:
        copy = json.loads(json.dumps(entries, ensure_ascii=False, allow_nan=False))
    except (TypeError, ValueError):
        return None
    return copy if copy == entries else None


class SearchCache:
    """The search entries of pages, stored as ``DIRECTORY/KEY.json``."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.used: set[str] = set()
        """The keys this cache handed out or stored since the last :meth:`prune`."""
        self.hits = 0
        self.misses = 0

    @classmethod
    def kept(cls, cache: SearchCache | None, directory: Path) -> SearchCache:
        """Return *cache* if it is for *directory* (with the keys it used), else a new one."""
        if cache is not None and cache.directory == directory:
            return cache
        return cls(directory)

    @staticmethod
    def key(index_key: str, page: Any) -> str:
        """The key of *page*'s entries in an index whose :func:`index_digest` is *index_key*."""
        return _digest({"index": index_key, "page": page_inputs(page)})

    def _path(self, key: str) -> Path:
        return self.directory / f"{key}.json"

    def get(self, key: str) -> list[Any] | None:
        """Return the entries stored for *key*, or None if absent or damaged."""
        path = self._path(key)
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
            if entry["format"] != FORMAT or entry["key"] != key:
                raise ValueError("entry belongs to another key or format")
            entries = entry["entries"]
            if not isinstance(entries, list) or entry["sha256"] != _digest(entries):
                raise ValueError("checksum mismatch")
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError) as error:
            log.info(
                "lessonkit: ignoring damaged search entries %s (%s); the page is indexed again", path, error
            )
            return None
        self.used.add(key)
        return entries

    def put(self, key: str, entries: list[Any]) -> None:
        """Store *entries* under *key* atomically; a folder that cannot be written is only logged."""
        self.used.add(key)
        entry = {"format": FORMAT, "key": key, "sha256": _digest(entries), "entries": entries}
        try:
            write_json_atomically(self._path(key), entry)
        except (OSError, ValueError) as error:  # only the next build is slower
            log.info("lessonkit: cannot store search entries in %s (%s)", self.directory, error)

    def prune(self, kind: str) -> int:
        """Delete the entries neither this build nor the last full build of another *kind* used.

        Note this build's keys as *kind*'s (``used-KIND.txt``); return how many entries were
        deleted, and start counting afresh.
        """
        removed = 0
        keep = set(self.used)
        if not self.used and not self.directory.is_dir():
            return 0
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            (self.directory / f"used-{kind}.txt").write_text("".join(f"{k}\n" for k in sorted(self.used)))
            for listed in self.directory.glob("used-*.txt"):
                if listed.name != f"used-{kind}.txt":
                    keep.update(listed.read_text().split())
            for path in self.directory.glob("*.json"):
                if KEY.fullmatch(path.stem) and path.stem not in keep:
                    with contextlib.suppress(FileNotFoundError):
                        path.unlink()
                        removed += 1
        except OSError as error:
            log.info("lessonkit: cannot prune the search entries in %s (%s)", self.directory, error)
        self.used = set()
        return removed

    def wrap(self, index: Any) -> bool:
        """Make *index* (a Material ``SearchIndex``) take each page's entries from this cache.

        Return False, wrapping nothing, when *index* is not one this module knows how to key.
        """
        method = getattr(index, "add_entry_from_context", None)
        original: Callable[[Any], Any] | None = getattr(method, "original", method)
        if original is None or not isinstance(getattr(index, "entries", None), list):
            return False
        state: dict[str, str] = {}

        def add_entry_from_context(page: Any) -> Any:
            try:
                if "index" not in state:
                    state["index"] = index_digest(index)
                key = self.key(state["index"], page)
                entries = self.get(key)
            except Exception as error:  # the cache must never fail a build
                log.info("lessonkit: search cache unavailable for %s (%r); indexing it", page.url, error)
                return original(page)
            if entries is not None:
                self.hits += 1
                index.entries.extend(entries)
                return None
            self.misses += 1
            before = len(index.entries)
            result = original(page)
            try:
                if len(index.entries) >= before:
                    added = _plain(index.entries[before:])
                    if added is not None:
                        self.put(key, added)
            except Exception as error:
                log.info("lessonkit: cannot store the search entries of %s (%r)", page.url, error)
            return result

        add_entry_from_context.original = original  # type: ignore[attr-defined]
        setattr(add_entry_from_context, WRAPPED, self)
        index.add_entry_from_context = add_entry_from_context
        return True


def search_indexes(config: Any) -> list[Any]:
    """The search indexes of this build: Material's search plugin's, once its ``on_config`` has run.

    Another search plugin's index (MkDocs' own) reads other things of a page: it is left alone.
    """
    found = []
    for name in SEARCH_PLUGINS:
        plugin = config.plugins.get(name)
        if plugin is None or not getattr(getattr(plugin, "config", None), "enabled", True):
            continue
        index = getattr(plugin, "search_index", None)
        if index is not None and type(index).__module__.startswith(MATERIAL) and index not in found:
            found.append(index)
    return found
