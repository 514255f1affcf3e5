"""A directory of finished runs, keyed by everything that can change a result.

Each entry is one JSON file named by its key, holding every sample of one
(block, start method): all of them or none. Writes go to a temporary file
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
from collections.abc import Sequence
from pathlib import Path

from lessonkit.running.runner import ExampleResult

log = logging.getLogger("mkdocs.plugins.lessonkit")

FORMAT = 2
"""Version of the entry layout; entries of another format are ignored."""


def _digest(payload: object) -> str:
    blob = json.dumps(payload, sort_keys=True, ensure_ascii=False).encode("utf-8")
    return hashlib.sha256(blob).hexdigest()


class ResultCache:
    """Finished, successful samples stored as ``DIRECTORY/KEY.json``, one file per (block, method)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _path(self, key: str) -> Path:
        return self.directory / f"{key}.json"

    def get(self, key: str) -> tuple[ExampleResult, ...] | None:
        """Return the stored samples for *key*, in run order, or None if absent or damaged."""
        path = self._path(key)
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
            if entry["format"] != FORMAT or entry["key"] != key:
                raise ValueError("entry belongs to another key or format")
            if entry["sha256"] != _digest(entry["results"]):
                raise ValueError("checksum mismatch")
            results = tuple(ExampleResult.from_json(item) for item in entry["results"])
            if not results:
                raise ValueError("no samples")
            return results
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError) as error:
            log.info("lessonkit: ignoring damaged cache entry %s (%s); the example runs again", path, error)
            return None

    def put(self, key: str, results: Sequence[ExampleResult]) -> None:
        """Store every sample of *key* atomically: write a temporary file, then rename it."""
        self.directory.mkdir(parents=True, exist_ok=True)
        payload = [result.to_json() for result in results]
        entry = {"format": FORMAT, "key": key, "sha256": _digest(payload), "results": payload}
        fd, temporary = tempfile.mkstemp(prefix=f".{key[:12]}-", suffix=".tmp", dir=self.directory)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(entry, handle, ensure_ascii=False)
            os.replace(temporary, self._path(key))
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
            raise

    def keys(self) -> set[str]:
        """Return the keys of every entry on disk."""
        if not self.directory.is_dir():
            return set()
        return {path.stem for path in self.directory.glob("*.json")}

    def prune(self, keep: set[str]) -> int:
        """Delete entries whose key is not in *keep*; return how many were deleted."""
        removed = 0
        for key in self.keys() - keep:
            with contextlib.suppress(FileNotFoundError):
                self._path(key).unlink()
                removed += 1
        return removed
