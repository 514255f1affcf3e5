"""Run examples under their start methods, reusing every result that cannot have changed."""

from __future__ import annotations

import hashlib
import json
import logging
import platform
import threading
import time
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from lessonkit.results.checks import find_problem
from lessonkit.running import output, runner, sandbox, script_env, supervisor
from lessonkit.running.cache import ResultCache
from lessonkit.running.options import RunOptions
from lessonkit.running.runner import HAS_TERMINAL, ExampleResult, run_example
from lessonkit.running.sandbox import Isolation, use_sandbox
from lessonkit.running.start_method import StartMethod

log = logging.getLogger("mkdocs.plugins.lessonkit")


def executor_version() -> str:
    """Digest of the modules that decide what a run produces; editing them invalidates the cache."""
    digest = hashlib.sha256()
    for module in (runner, output, script_env, sandbox, supervisor):
        digest.update(Path(module.__file__).read_bytes())
    return digest.hexdigest()[:16]


EXECUTOR_VERSION = executor_version()


@dataclass(frozen=True)
class Example:
    """One executed block: its code after snippet expansion, how to run it, its file name."""

    code: str
    options: RunOptions
    filename: str

    def key(self, start_method: StartMethod, isolated: bool = False) -> str:
        """Return the cache key of this example's run under *start_method*."""
        return run_key(self.code, start_method, self.options, self.filename, isolated)


def run_key(
    code: str, start_method: StartMethod, options: RunOptions, filename: str, isolated: bool = False
) -> str:
    """Return a digest of everything that can change the result of one run."""
    material = {
        "isolated": isolated,
        "limits": [options.limits.max_memory, options.limits.max_processes, options.limits.max_file_size],
        "code": code,
        "filename": filename,
        "start_method": start_method.value,
        "timeout": options.timeout,
        "expect": options.expect,
        "returncode": options.returncode,
        "python": [platform.python_implementation(), platform.python_version()],
        "os": [platform.system(), platform.machine()],
        "terminal": HAS_TERMINAL,
        "executor": EXECUTOR_VERSION,
    }
    blob = json.dumps(material, sort_keys=True, ensure_ascii=False).encode("utf-8")
    return hashlib.sha256(blob).hexdigest()


@dataclass
class RunSummary:
    """What one batch of runs did: how many ran, how many were already known, how long it took."""

    ran: int
    cached: int
    seconds: float

    def line(self) -> str:
        """Return the progress line printed after pre-execution."""
        return f"ran {self.ran} examples ({self.cached} cached) in {self.seconds:.1f} s"


@dataclass
class Batch:
    """Runs started together by :meth:`Executor.start`; :meth:`Executor.finish` waits for them."""

    started: float
    cached: int = 0
    submitted: int = 0
    futures: list[Future[ExampleResult]] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)

    def wait_for(self, key: str, future: Future[ExampleResult]) -> None:
        """Include the run of *key* in this batch."""
        self.keys.append(key)
        self.futures.append(future)


class Executor:
    """Runs examples and keeps their results: in memory for this process, on disk across builds.

    Runs go to a pool of ``jobs`` threads, each waiting on its own subprocess. Pages
    can render while a batch is still running; asking for a result waits only for it.
    A failed run stays in memory, so every page showing it reports the same failure,
    until :meth:`drop_failures` (at the start of the next build) lets it run again.

    Attributes:
        runs: How many real runs (one per start method) this executor has made.
        used: The keys of every result handed out since :meth:`reset_used`.
    """

    def __init__(
        self,
        *,
        repo_root: Path | None = None,
        jobs: int = 8,
        cache: ResultCache | None = None,
        refresh: bool = False,
        isolation: Isolation = Isolation.AUTO,
    ) -> None:
        """Create an executor.

        Raises:
            IsolationUnavailable: *isolation* is required but this machine cannot sandbox.
        """
        self.isolation = isolation
        self.isolated = use_sandbox(isolation)
        self.repo_root = repo_root
        self.jobs = max(1, jobs)
        self.cache = cache
        self.refresh = refresh
        self.runs = 0
        self.used: set[str] = set()
        self._memory: dict[str, ExampleResult] = {}
        self._failed: set[str] = set()
        self._finished_at: dict[str, float] = {}
        self._running: dict[str, Future[ExampleResult]] = {}
        self._pool = ThreadPoolExecutor(max_workers=self.jobs, thread_name_prefix="lessonkit")
        self._lock = threading.Lock()

    def key(self, example: Example, method: StartMethod) -> str:
        """Return the cache key of *example*'s run under *method* on this executor."""
        return example.key(method, self.isolated)

    def _lookup(self, key: str) -> ExampleResult | None:
        if key in self._memory:
            return self._memory[key]
        if self.cache is None or self.refresh:
            return None
        result = self.cache.get(key)
        if result is not None:
            self._memory[key] = result
        return result

    def _run(self, example: Example, method: StartMethod, key: str) -> ExampleResult:
        try:
            result = run_example(
                example.code,
                start_method=method,
                timeout=example.options.timeout,
                filename=example.filename,
                repo_root=self.repo_root,
                isolation=Isolation.REQUIRED if self.isolated else Isolation.OFF,
                limits=example.options.limits,
            )
            failed = find_problem(result, example.options) is not None
            if self.cache is not None and not failed:  # failures are never stored
                try:
                    self.cache.put(key, result)
                except OSError as error:
                    log.warning(f"lessonkit: could not store a result in {self.cache.directory}: {error}")
            with self._lock:
                self.runs += 1
                self._memory[key] = result
                self._finished_at[key] = time.monotonic()
                if failed:
                    self._failed.add(key)
            return result
        finally:
            with self._lock:
                self._running.pop(key, None)

    def start(self, examples: Iterable[Example]) -> Batch:
        """Start every missing (example, start method) run in the background, ``jobs`` at a time."""
        batch = Batch(started=time.monotonic())
        seen: set[str] = set()
        with self._lock:
            for example in examples:
                for method in example.options.start_methods:
                    key = self.key(example, method)
                    if key in seen:
                        continue
                    seen.add(key)
                    if key in self._running:
                        batch.wait_for(key, self._running[key])
                    elif self._lookup(key) is not None:
                        batch.cached += 1
                    else:
                        future = self._pool.submit(self._run, example, method, key)
                        self._running[key] = future
                        batch.wait_for(key, future)
                        batch.submitted += 1
        return batch

    def finish(self, batch: Batch) -> RunSummary:
        """Wait for every run of *batch* and return what it did.

        Raises:
            Exception: Whatever a run raised (not a failed example, which is a result).
        """
        for future in batch.futures:
            future.result()
        with self._lock:
            last = max(
                (self._finished_at.get(key, batch.started) for key in batch.keys), default=batch.started
            )
        return RunSummary(ran=batch.submitted, cached=batch.cached, seconds=max(0.0, last - batch.started))

    def results(self, example: Example) -> tuple[list[ExampleResult], int]:
        """Return one result per start method, and how many runs this call had to start itself."""
        batch = self.start([example])
        self.finish(batch)
        keys = [self.key(example, m) for m in example.options.start_methods]
        with self._lock:
            self.used.update(keys)
            return [self._memory[key] for key in keys], batch.submitted

    def reset_used(self) -> None:
        """Start recording, afresh, which results a build hands out."""
        with self._lock:
            self.used = set()

    def drop_failures(self) -> None:
        """Forget failed results, so the next build runs those examples again."""
        with self._lock:
            for key in self._failed:
                self._memory.pop(key, None)
            self._failed.clear()

    def cancel_pending(self) -> int:
        """Cancel runs that have not started yet (a build failed); return how many."""
        with self._lock:
            pending = [key for key, future in self._running.items() if future.cancel()]
            for key in pending:
                del self._running[key]
        return len(pending)
