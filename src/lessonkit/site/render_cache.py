"""Rendered blocks kept between builds, so that a warm build does not draw them again.

Rendering one executed block from its cached runs (the tabs converted as Markdown, the
outputs, captions, outcome lists and timelines) costs a few milliseconds; with hundreds of
blocks in two languages that was most of a warm build. So each block's finished HTML is
stored, one JSON file per block and language, in ``rendered/`` beside the results of the
Python that made them (``.cache/lessonkit/cpython-3.11.7/rendered/``), and taken from there
when nothing it depends on changed. Its key covers all of it:

- what is shown: every start method's outcomes (outputs, counts, which runs, the claim's
  verdicts, the trace) and the shown run of each (its caption: Python, system, terminal,
  sandbox), the mask and the claim;
- where: the language built and the page's URL (timelines are linked relative to it);
- how: a digest of lessonkit's own source (the renderer, its translations, the captions),
  the versions of the Markdown packages that convert the tabs, and a digest of ``mkdocs.yml``
  (the Markdown extensions and their settings), given by the plugin as the *salt*.

Whether the runs came from the cache this time is not part of it (it is never shown).
The ids in the tabs are numbered by markdown-exec in the order blocks are converted
(``exec-38--__tabbed_1_1``); a stored block keeps a stand-in for that prefix, and the
counter is advanced just as a conversion would, so a page is the same byte for byte
whether its blocks were rendered now or taken from here.

An entry that cannot be read back intact is ignored and rendered again; writes are atomic;
after a build, entries it did not use are deleted. Delete the folder to clear it.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from lessonkit.results.outcomes import BlockOutcomes, Mask
from lessonkit.running.cache import write_json_atomically
from lessonkit.running.runner import ExampleResult

log = logging.getLogger("mkdocs.plugins.lessonkit")

FORMAT = 1
"""Version of the entry layout; entries of another format are ignored."""

FOLDER = "rendered"
"""The entries' folder, inside the results folder of the Python that made the runs."""

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

    def html(self, id_prefix: str) -> str:
        """Return the finished HTML, with markdown-exec's *id_prefix* (``exec-N--``)."""
        converted = self.template.replace(ID_PREFIX, id_prefix)
        for placeholder, fragment in self.fragments.items():
            converted = converted.replace(placeholder, fragment)
        return converted

    def to_json(self) -> dict[str, object]:
        return {"template": self.template, "fragments": self.fragments, "assets": self.assets}


def _digest(payload: object) -> str:
    blob = json.dumps(payload, sort_keys=True, ensure_ascii=False).encode("utf-8")
    return hashlib.sha256(blob).hexdigest()


def _shown_json(result: ExampleResult) -> dict[str, object]:
    data = result.to_json()
    del data["duration"]  # the medians are in the outcomes; one run's time is never shown
    return data


class RenderCache:
    """Finished HTML of executed blocks, stored as ``DIRECTORY/KEY.json``."""

    def __init__(self, directory: Path, salt: str = "") -> None:
        """Keep entries in *directory*; *salt* is added to every key (the site's configuration)."""
        self.directory = directory
        self.salt = salt
        self.used: set[str] = set()
        """The keys this cache handed out or stored since the last :meth:`prune`."""

    @classmethod
    def kept(cls, cache: RenderCache | None, directory: Path, salt: str) -> RenderCache:
        """Return *cache* if it has this *directory* and *salt* (with the keys it used), else a new one."""
        if cache is not None and (cache.directory, cache.salt) == (directory, salt):
            return cache
        return cls(directory, salt)

    def key(
        self,
        block: BlockOutcomes,
        samples: Sequence[Sequence[ExampleResult]],
        *,
        language: str,
        page_url: str,
        mask: Mask,
        claim: str | None,
        timelines: bool,
    ) -> str:
        """Return the key of *block*'s HTML: everything its rendering reads (see the module)."""
        methods = []
        for outcomes, results in zip(block.methods, samples, strict=True):
            methods.append(
                {
                    **outcomes.to_json(),
                    "method": outcomes.method,
                    "cached": None,
                    "runs_of": [list(outcome.runs) for outcome in outcomes.outcomes],
                    "shown": _shown_json(results[outcomes.shown.runs[0] - 1]),
                }
            )
        return _digest(
            {
                "format": FORMAT,
                "renderer": renderer_digest(),
                "salt": self.salt,
                "language": language,
                "page_url": page_url,
                "mask": mask.pattern,
                "claim": claim,
                "claim_path": block.claim,
                "timelines": timelines,
                "methods": methods,
            }
        )

    def _path(self, key: str) -> Path:
        return self.directory / f"{key}.json"

    def get(self, key: str) -> RenderedBlock | None:
        """Return the stored block for *key*, or None if absent or damaged."""
        path = self._path(key)
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
            if entry["format"] != FORMAT or entry["key"] != key:
                raise ValueError("entry belongs to another key or format")
            if entry["sha256"] != _digest(entry["block"]):
                raise ValueError("checksum mismatch")
            data = entry["block"]
            block = RenderedBlock(
                template=str(data["template"]), fragments=dict(data["fragments"]), assets=dict(data["assets"])
            )
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError) as error:
            log.info("lessonkit: ignoring damaged rendered block %s (%s); it is rendered again", path, error)
            return None
        self.used.add(key)
        return block

    def put(self, key: str, block: RenderedBlock) -> None:
        """Store *block* under *key* atomically (a temporary file, then renamed).

        A folder that cannot be written is logged, not fatal: the page is rendered all the same.
        """
        self.used.add(key)
        payload = block.to_json()
        entry = {"format": FORMAT, "key": key, "sha256": _digest(payload), "block": payload}
        try:
            write_json_atomically(self._path(key), entry)
        except OSError as error:  # the page is rendered all the same; only the next build is slower
            log.info("lessonkit: cannot store a rendered block in %s (%s)", self.directory, error)

    def prune(self) -> int:
        """Delete the entries not used since the last prune; return how many. Start counting afresh."""
        removed = 0
        if self.directory.is_dir():
            for path in self.directory.glob("*.json"):
                if path.stem not in self.used:
                    with contextlib.suppress(FileNotFoundError):
                        path.unlink()
                        removed += 1
        self.used = set()
        return removed
