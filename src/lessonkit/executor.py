"""Run examples under their start methods, reusing every result that cannot have changed."""

from __future__ import annotations

import hashlib
import json
import platform
import threading
import time
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from lessonkit import output, runner, script_env
from lessonkit.cache import ResultCache
from lessonkit.checks import find_problem
from lessonkit.options import RunOptions
from lessonkit.runner import HAS_TERMINAL, ExampleResult, run_example
from lessonkit.start_method import StartMethod


def executor_version() -> str:
    """Digest of the modules that decide what a run produces; editing them invalidates the cache."""
    digest = hashlib.sha256()
    for module in (runner, output, script_env):
        digest.update(Path(module.__file__).read_bytes())
    return digest.hexdigest()[:16]


EXECUTOR_VERSION = executor_version()


@dataclass(frozen=True)
class Example:
    """One executed block: its code after snippet expansion, how to run it, its file name."""

    code: str
    options: RunOptions
    filename: str

    def key(self, start_method: StartMethod) -> str:
        """Return the cache key of this example's run under *start_method*."""
        return run_key(self.code, start_method, self.options, self.filename)


def run_key(code: str, start_method: StartMethod, options: RunOptions, filename: str) -> str:
    """Return a digest of everything that can change the result of one run."""
    material = {
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
        return f"lessonkit: ran {self.ran} examples ({self.cached} cached) in {self.seconds:.1f} s"


@dataclass
class Batch:
    """Runs started together by :meth:`Executor.start`; :meth:`Executor.finish` waits for them."""

    started: float
    cached: int = 0
    submitted: int = 0
    futures: list[Future[ExampleResult]] = field(default_factory=list)
    last_done: float = 0.0

    def add(self, future: Future[ExampleResult]) -> None:
        """Wait for *future* too, and note when it completes."""
        self.futures.append(future)
        future.add_done_callback(self._note_done)

    def _note_done(self, _future: Future[ExampleResult]) -> None:
        self.last_done = max(self.last_done, time.monotonic())


class Executor:
    """Runs examples and keeps their results: in memory for this process, on disk across builds.

    Runs go to a pool of ``jobs`` threads, each waiting on its own subprocess. Pages
    can render while a batch is still running; asking for a result waits only for it.

    Attributes:
        runs: How many real runs (one per start method) this executor has made.
    """

    def __init__(
        self,
        *,
        repo_root: Path | None = None,
        jobs: int = 8,
        cache: ResultCache | None = None,
        refresh: bool = False,
    ) -> None:
        self.repo_root = repo_root
        self.jobs = max(1, jobs)
        self.cache = cache
        self.refresh = refresh
        self.runs = 0
        self._memory: dict[str, ExampleResult] = {}
        self._running: dict[str, Future[ExampleResult]] = {}
        self._pool = ThreadPoolExecutor(max_workers=self.jobs, thread_name_prefix="lessonkit")
        self._lock = threading.Lock()

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
        result = run_example(
            example.code,
            start_method=method,
            timeout=example.options.timeout,
            filename=example.filename,
            repo_root=self.repo_root,
        )
        if self.cache is not None and find_problem(result, example.options) is None:
            self.cache.put(key, result)  # failures are never stored
        with self._lock:
            self.runs += 1
            self._memory[key] = result
            self._running.pop(key, None)
        return result

    def start(self, examples: Iterable[Example]) -> Batch:
        """Start every missing (example, start method) run in the background, ``jobs`` at a time."""
        batch = Batch(started=time.monotonic())
        seen: set[str] = set()
        with self._lock:
            for example in examples:
                for method in example.options.start_methods:
                    key = example.key(method)
                    if key in seen:
                        continue
                    seen.add(key)
                    if key in self._running:
                        batch.add(self._running[key])
                    elif self._lookup(key) is not None:
                        batch.cached += 1
                    else:
                        future = self._pool.submit(self._run, example, method, key)
                        self._running[key] = future
                        batch.add(future)
                        batch.submitted += 1
        return batch

    def finish(self, batch: Batch) -> RunSummary:
        """Wait for every run of *batch* and return what it did."""
        for future in batch.futures:
            future.result()
        seconds = max(0.0, batch.last_done - batch.started) if batch.futures else 0.0
        return RunSummary(ran=batch.submitted, cached=batch.cached, seconds=seconds)

    def results(self, example: Example) -> tuple[list[ExampleResult], int]:
        """Return one result per start method, and how many runs this call had to start itself."""
        batch = self.start([example])
        self.finish(batch)
        return [self._memory[example.key(m)] for m in example.options.start_methods], batch.submitted

    def forget(self, example: Example) -> None:
        """Drop an example's results from memory, so a failed one runs again next time."""
        with self._lock:
            for method in example.options.start_methods:
                self._memory.pop(example.key(method), None)
