"""Rendered blocks kept between builds, so that a warm build does not draw them again.

Rendering one executed block from its cached runs (the tabs converted as Markdown, the
outputs, captions, outcome lists and timelines) costs a few milliseconds; with hundreds of
blocks in two languages that was most of a warm build. So each block's finished HTML is
stored, one JSON file per block and language, in ``rendered/`` beside the results of the
Python that made them (``.cache/lessonkit/cpython-3.11.7/rendered/``), and taken from there
when nothing it depends on changed. With it, each entry keeps the block's judged outcomes (each
start method's outcomes, counts, claim verdicts, trace and median), so that a warm build neither
renders nor judges the runs again: ``outcomes.json`` and the report take them from the entry.
Its key covers everything both are made of:

- what is judged and shown: every start method's name and the digest of all its stored samples
  (the ``sha256`` of their entry in the results cache: every field of every run, so new runs of
  the same code, after ``LESSONKIT_REFRESH=1``, make a new key), the mask, the claim and the
  claim's file;
- where: the language built and the page's URL (timelines are linked relative to it);
- how: a digest of lessonkit's own source (the renderer, its translations, the captions, and
  the judging: grouping, claims, traces), the versions of the Markdown packages that convert
  the tabs, and a digest of ``mkdocs.yml`` (the Markdown extensions and their settings), given
  by the plugin as the *salt*.

Whether the runs came from the cache this time is not part of it (it is never shown).
The ids in the tabs are numbered by markdown-exec in the order blocks are converted
(``exec-38--__tabbed_1_1``); a stored block keeps a stand-in for that prefix, and the
counter is advanced just as a conversion would, so a page is the same byte for byte
whether its blocks were rendered now or taken from here.

An entry is a line of JSON (format, key, and the ``sha256`` of the rest), then the block as
JSON: its integrity is checked by hashing the bytes read, without serialising the block again.
An entry that cannot be read back intact is ignored and rendered again; writes are atomic;
after a build, entries it did not use are deleted. Delete the folder to clear it.

The files a block draws (its timelines, named by a digest of their text) are also kept one file
each in ``rendered/assets/``, and put in the site as hard links to those (:meth:`RenderCache.place`):
creating a new file costs a filesystem far more than linking one that exists, and a site has a
thousand timelines. A kept file is used only if its text is the one the page links to (read and
compared each time), otherwise it is written again; where a link cannot be made (the site on
another filesystem), the file is written as before.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import json
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from lessonkit.results.outcomes import Mask, MethodOutcomes
from lessonkit.running.cache import write_text_atomically

log = logging.getLogger("mkdocs.plugins.lessonkit")

FORMAT = 2
"""Version of the entry layout; entries of another format are ignored."""

FOLDER = "rendered"
"""The entries' folder, inside the results folder of the Python that made the runs."""

ASSETS = "assets"
"""The folder, inside :data:`FOLDER`, of the files blocks drew, linked into each site."""

ID_PREFIX = "lessonkit-exec-id-prefix--"
"""Stands in a stored block for markdown-exec's per-conversion id prefix (``exec-N--``)."""

PACKAGES = ("markdown", "pymdown-extensions", "markdown-exec", "mkdocs-material")
"""The packages whose code turns the tabs' Markdown into HTML."""


@cache
def renderer_digest() -> str:
    """A digest of lessonkit's own source and of the Markdown packages' versions."""
    digest = hashlib.sha256()
    package = Path(__file__).resolve().parent.parent
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    for name in PACKAGES:
        try:
            version = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            version = "absent"
        digest.update(f"{name}={version}\0".encode())
    return digest.hexdigest()


@dataclass
class RenderedBlock:
    """One block's runs as HTML: a template with the id prefix stood in, and what fills it."""

    template: str
    """The tabs converted as Markdown, with :data:`ID_PREFIX` for markdown-exec's id prefix and
    a placeholder paragraph for each fragment."""
    fragments: dict[str, str] = field(default_factory=dict)
    """Each placeholder paragraph, and the literal HTML that replaces it (outputs, captions...)."""
    assets: dict[str, str] = field(default_factory=dict)
    """The files the block drew (timelines): name, and text."""
    methods: tuple[MethodOutcomes, ...] = ()
    """The block's judged runs, one per start method (``cached`` is not kept: each build sets it)."""

    def html(self, id_prefix: str) -> str:
        """Return the finished HTML, with markdown-exec's *id_prefix* (``exec-N--``)."""
        converted = self.template.replace(ID_PREFIX, id_prefix)
        for placeholder, fragment in self.fragments.items():
            converted = converted.replace(placeholder, fragment)
        return converted

    def to_json(self) -> dict[str, object]:
        return {
            "template": self.template,
            "fragments": self.fragments,
            "assets": self.assets,
            "methods": [method.to_record() for method in self.methods],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RenderedBlock:
        return cls(
            template=str(data["template"]),
            fragments=dict(data["fragments"]),
            assets=dict(data["assets"]),
            methods=tuple(MethodOutcomes.from_record(record) for record in data["methods"]),
        )


def _digest(payload: object) -> str:
    blob = json.dumps(payload, sort_keys=True, ensure_ascii=False).encode("utf-8")
    return hashlib.sha256(blob).hexdigest()


class RenderCache:
    """Finished HTML of executed blocks, stored as ``DIRECTORY/KEY.json``."""

    def __init__(self, directory: Path, salt: str = "") -> None:
        """Keep entries in *directory*; *salt* is added to every key (the site's configuration)."""
        self.directory = directory
        self.salt = salt
        self.used: set[str] = set()
        """The keys this cache handed out or stored since the last :meth:`prune`."""
        self.used_assets: set[str] = set()
        """The drawn files :meth:`place` put in a site since the last :meth:`prune`."""

    @classmethod
    def kept(cls, cache: RenderCache | None, directory: Path, salt: str) -> RenderCache:
        """Return *cache* if it has this *directory* and *salt* (with the keys it used), else a new one."""
        if cache is not None and (cache.directory, cache.salt) == (directory, salt):
            return cache
        return cls(directory, salt)

    def key(
        self,
        samples: Sequence[tuple[str, str]],
        *,
        language: str,
        page_url: str,
        mask: Mask,
        claim: str | None,
        claim_path: str | None,
        timelines: bool,
    ) -> str:
        """Return the key of a block's HTML and judged runs: everything they are made of (see the module).

        *samples* holds, for each start method in the block's order, its name and the digest of
        its samples (``lessonkit.running.cache.results_digest``).
        """
        return _digest(
            {
                "format": FORMAT,
                "renderer": renderer_digest(),
                "salt": self.salt,
                "language": language,
                "page_url": page_url,
                "mask": mask.pattern,
                "claim": claim,
                "claim_path": claim_path,
                "timelines": timelines,
                "samples": [list(pair) for pair in samples],
            }
        )

    def _path(self, key: str) -> Path:
        return self.directory / f"{key}.json"

    def get(self, key: str) -> RenderedBlock | None:
        """Return the stored block for *key*, or None if absent or damaged."""
        path = self._path(key)
        try:
            header, _, body = path.read_bytes().partition(b"\n")
            entry = json.loads(header)
            if entry["format"] != FORMAT or entry["key"] != key:
                raise ValueError("entry belongs to another key or format")
            if entry["sha256"] != hashlib.sha256(body).hexdigest():
                raise ValueError("checksum mismatch")
            block = RenderedBlock.from_json(json.loads(body))
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
            log.info("lessonkit: ignoring damaged rendered block %s (%s); it is rendered again", path, error)
            return None
        self.used.add(key)
        return block

    def put(self, key: str, block: RenderedBlock) -> None:
        """Store *block* under *key* atomically (a temporary file, then renamed).

        A folder that cannot be written is logged, not fatal: the page is rendered all the same.
        """
        self.used.add(key)
        body = json.dumps(block.to_json(), ensure_ascii=False)
        header = {"format": FORMAT, "key": key, "sha256": hashlib.sha256(body.encode("utf-8")).hexdigest()}
        try:
            write_text_atomically(self._path(key), json.dumps(header) + "\n" + body)
        except OSError as error:  # the page is rendered all the same; only the next build is slower
            log.info("lessonkit: cannot store a rendered block in %s (%s)", self.directory, error)

    def place(self, directory: Path, name: str, text: str) -> None:
        """Put the drawn file *name*, whose content is *text*, in the site's *directory*.

        It becomes a hard link to the copy kept in ``assets/``, after that copy is read and
        compared with *text* (and written again, atomically, if it differs or is missing). If no
        link can be made, the file is written. Raises OSError only when it cannot be written.
        """
        self.used_assets.add(name)
        target = directory / name
        kept = self.directory / ASSETS / name
        try:
            try:
                intact = kept.read_text(encoding="utf-8") == text
            except (OSError, ValueError):
                intact = False
            if not intact:
                write_text_atomically(kept, text, shared=True)  # the site's file is this one
            try:
                os.link(kept, target)
            except FileExistsError:  # a dirty build: the site kept the last build's files
                target.unlink()
                os.link(kept, target)
            return
        except OSError as error:  # another filesystem, or the cache cannot be written
            log.debug("lessonkit: cannot link %s into the site (%s); writing it", name, error)
        target.write_text(text, encoding="utf-8")

    def prune(self) -> int:
        """Delete the entries (and drawn files) not used since the last prune; return how many
        entries. Start counting afresh."""
        removed = 0
        if self.directory.is_dir():
            for path in self.directory.glob("*.json"):
                if path.stem not in self.used:
                    with contextlib.suppress(FileNotFoundError):
                        path.unlink()
                        removed += 1
            for path in (self.directory / ASSETS).glob("*"):
                if path.name not in self.used_assets:
                    with contextlib.suppress(FileNotFoundError, IsADirectoryError):
                        path.unlink()
        self.used = set()
        self.used_assets = set()
        return removed
