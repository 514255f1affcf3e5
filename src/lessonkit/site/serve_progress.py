"""Under ``mkdocs serve``: ask for a rebuild as the runs of the blocks shown in progress end.

Serve rebuilds when a file changes under a folder it watches. A thread started after a build
that showed blocks in progress writes a file in such a folder when every block of one more page
has its runs (at most every ``every`` seconds) and when the last run ends; the rebuild shows
them, and the open pages reload. No MkDocs import: the plugin passes the folder and the blocks.
"""

from __future__ import annotations

import contextlib
import threading
import time
from pathlib import Path

from lessonkit.running.executor import Example, Executor

Pending = dict[str, tuple[str, Example]]
"""The blocks a build showed in progress: token: (page, example)."""


class RebuildSignal:
    """Watches the blocks the last build showed in progress and signals serve as their runs end."""

    def __init__(self, *, every: float = 5.0) -> None:
        self.every = every
        self.executor: Executor | None = None
        self.folder: Path | None = None
        """The folder serve watches (set once serve calls on_serve, after its first build)."""
        self.pending: Pending = {}
        self._thread: threading.Thread | None = None

    def watch(self, pending: Pending, executor: Executor) -> None:
        """Follow *pending* (the last build's), starting the thread unless it is running."""
        self.pending, self.executor = pending, executor
        if pending and (self._thread is None or not self._thread.is_alive()):
            self._thread = threading.Thread(target=self._run, name="lessonkit-serve", daemon=True)
            self._thread.start()

    def _still_running(self, pending: Pending) -> set[str]:
        assert self.executor is not None
        return {token for token, (_, example) in pending.items() if self.executor.progress(example)}

    def _run(self) -> None:
        deadline = time.monotonic() + 300
        while self.folder is None and time.monotonic() < deadline:
            time.sleep(0.1)
        signalled: set[str] | None = None  # the pages still waiting when last signalled
        last = 0.0
        while True:
            pending = self.pending
            still = self._still_running(pending)
            pages = {pending[token][0] for token in still}
            if not still:
                self._signal(f"{len(pending)} of {len(pending)} blocks")
                return
            if signalled is None:
                signalled = pages
            elif pages < signalled and time.monotonic() - last >= self.every:
                self._signal(f"{len(pending) - len(still)} of {len(pending)} blocks")
                signalled, last = pages, time.monotonic()
            time.sleep(0.5)

    def _signal(self, text: str) -> None:
        """Write the watched file: serve rebuilds, and the open pages reload."""
        if self.folder is None:  # serve never called on_serve (e.g. --no-livereload): nothing watches
            return
        with contextlib.suppress(OSError):
            (self.folder / "progress").write_text(text + "\n", encoding="utf-8")
