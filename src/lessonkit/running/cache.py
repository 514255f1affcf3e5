"""A directory of finished runs, keyed by everything that can change a result.

Each entry is one JSON file named by its key, holding every sample of one
(block, start method): all of them or none. Entries live in one folder per
interpreter (``cpython-3.11.7/``), so pruning after a build with one Python never
deletes the results another Python made (a drift check's, or the site's). Writes go to a temporary file
that is then renamed, so concurrent builds never see half an entry. An entry
that cannot be read back intact is ignored (and logged), and the run is redone.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import tempfile
import uuid
from collections.abc import Sequence
from pathlib import Path

from lessonkit.running.interpreter import Interpreter, current
from lessonkit.running.runner import ExampleResult

log = logging.getLogger("mkdocs.plugins.lessonkit")

FORMAT = 2
"""Version of the entry layout; entries of another format are ignored."""


def _digest(payload: object) -> str:
    blob = json.dumps(payload, sort_keys=True, ensure_ascii=False).encode("utf-8")
    return hashlib.sha256(blob).hexdigest()


def results_digest(results: Sequence[ExampleResult]) -> str:
    """The digest of every sample of one (block, start method): what an entry's ``sha256`` holds."""
    return _digest([result.to_json() for result in results])


def write_text_atomically(path: Path, text: str, *, shared: bool = False) -> None:
    """Write *text* to *path* so that no reader sees half of it: a temporary file in the same
    folder (created if missing), then a rename over *path*.

    The file is private to its owner, unless *shared*: then it gets the permissions of any new
    file (``0o666`` less the umask), as a file that becomes part of a site must.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    if shared:
        temporary = str(path.parent / f".{path.stem[:12]}-{uuid.uuid4().hex}.tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    else:
        fd, temporary = tempfile.mkstemp(prefix=f".{path.stem[:12]}-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def write_json_atomically(path: Path, data: object) -> None:
    """Write *data* as JSON to *path* atomically (:func:`write_text_atomically`)."""
    write_text_atomically(path, json.dumps(data, ensure_ascii=False))


class ResultCache:
    """Finished, successful samples stored as ``ROOT/PYTHON/KEY.json``, one file per (block, method)."""

    def __init__(self, root: Path, python: Interpreter | None = None) -> None:
        """Keep the results *python* (default: the one running lessonkit) made, under *root*."""
        self.root = root
        self.python = python or current()
        self.directory = root / self.python.tag
        """Where this interpreter's entries are."""

    def for_python(self, python: Interpreter) -> ResultCache:
        """Return the same cache, for the results *python* makes."""
        return self if python == self.python else ResultCache(self.root, python)

    def _path(self, key: str) -> Path:
        return self.directory / f"{key}.json"

    def get(self, key: str) -> tuple[ExampleResult, ...] | None:
        """Return the stored samples for *key*, in run order, or None if absent or damaged."""
        loaded = self.load(key)
        return None if loaded is None else loaded[0]

    def load(self, key: str) -> tuple[tuple[ExampleResult, ...], str] | None:
        """Return the stored samples for *key* and their :func:`results_digest`, or None if absent
        or damaged."""
        path = self._path(key)
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
            if entry["format"] != FORMAT or entry["key"] != key:
                raise ValueError("entry belongs to another key or format")
            digest = _digest(entry["results"])
            if entry["sha256"] != digest:
                raise ValueError("checksum mismatch")
            results = tuple(ExampleResult.from_json(item) for item in entry["results"])
            if not results:
                raise ValueError("no samples")
            return results, digest
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError) as error:
            log.info("lessonkit: ignoring damaged cache entry %s (%s); the example runs again", path, error)
            return None

    def put(self, key: str, results: Sequence[ExampleResult]) -> str:
        """Store every sample of *key* atomically (a temporary file, then renamed); return their
        :func:`results_digest`."""
        payload = [result.to_json() for result in results]
        digest = _digest(payload)
        entry = {"format": FORMAT, "key": key, "sha256": digest, "results": payload}
        write_json_atomically(self._path(key), entry)
        return digest

    def keys(self) -> set[str]:
        """Return the keys of every entry on disk."""
        if not self.directory.is_dir():
            return set()
        return {path.stem for path in self.directory.glob("*.json")}

    def prune(self, keep: set[str]) -> int:
        """Delete this interpreter's entries whose key is not in *keep*; return how many were deleted.

        Entries of other interpreters stay. So do the files of the layout before one folder
        per interpreter (``ROOT/KEY.json``), which no lookup reads: they go too.
        """
        removed = 0
        stale = [self._path(key) for key in self.keys() - keep]
        stale += list(self.root.glob("*.json")) if self.root.is_dir() else []
        for path in stale:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
                removed += 1
        return removed
