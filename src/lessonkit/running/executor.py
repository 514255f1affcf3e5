"""Run examples under their start methods, reusing every result that cannot have changed."""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import platform
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future, InvalidStateError, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from lessonkit.results.checks import find_problem
from lessonkit.running import output, runner, sandbox, script_env, supervisor, tracer
from lessonkit.running.cache import ResultCache, results_digest
from lessonkit.running.interpreter import Interpreter
from lessonkit.running.interpreter import current as current_interpreter
from lessonkit.running.options import RunOptions
from lessonkit.running.runner import HAS_TERMINAL, ExampleResult, run_example
from lessonkit.running.sandbox import Isolation, use_sandbox
from lessonkit.running.start_method import StartMethod

log = logging.getLogger("mkdocs.plugins.lessonkit")


def executor_version() -> str:
    """Digest of the modules that decide what a run produces; editing them invalidates the cache."""
    digest = hashlib.sha256()
    for module in (runner, output, script_env, sandbox, supervisor, tracer):
        digest.update(Path(module.__file__).read_bytes())
    return digest.hexdigest()[:16]


EXECUTOR_VERSION = executor_version()


@dataclass(frozen=True)
class Example:
    """One executed block: its code after snippet expansion, how to run it, its file name."""

    code: str
    options: RunOptions
    filename: str

    def key(
        self,
        start_method: StartMethod,
        isolated: bool = False,
        traced: bool = False,
        python: Interpreter | None = None,
    ) -> str:
        """Return the cache key of this example's samples under *start_method*."""
        return run_key(self.code, start_method, self.options, self.filename, isolated, traced, python)


def run_key(
    code: str,
    start_method: StartMethod,
    options: RunOptions,
    filename: str,
    isolated: bool = False,
    traced: bool = False,
    python: Interpreter | None = None,
) -> str:
    """Return a digest of everything that can change the samples of one (example, start method).

    *python* runs the example (default: the base interpreter running lessonkit).
    """
    python = python or current_interpreter()
    material = {
        "isolated": isolated,
        "traced": traced,
        "limits": [options.limits.max_memory, options.limits.max_processes, options.limits.max_file_size],
        "code": code,
        "filename": filename,
        "start_method": start_method.value,
        "timeout": options.timeout,
        "expect": options.expect,
        "expect_methods": None
        if options.expect_methods is None
        else [m.value for m in options.expect_methods],
        "returncode": options.returncode,
        "screen": options.screen,
        "stdin": options.stdin,
        "samples": options.samples,
        "python": [python.implementation, python.version],
        "os": [platform.system(), platform.machine()],
        "terminal": HAS_TERMINAL,
        "executor": EXECUTOR_VERSION,
    }
    if options.stuck_after is not None:  # only then, so that every other block keeps its key
        material["stuck_after"] = options.stuck_after
    if options.watch_stuck_after is not None:
        material["watch_stuck_after"] = options.watch_stuck_after
    if options.files:  # the modules' text: editing one runs the block again
        material["files"] = [list(file) for file in options.files]
    if not options.terminal:
        material["pipe"] = True
    blob = json.dumps(material, sort_keys=True, ensure_ascii=False).encode("utf-8")
    return hashlib.sha256(blob).hexdigest()


Samples = tuple[ExampleResult, ...]
"""Every run of one example under one start method, in the order they were started."""

PROGRESS_INTERVAL = 10.0
"""Seconds between progress reports while a batch runs."""


@dataclass
class RunSummary:
    """What one batch of runs did: how many ran, how many were already known, how long it took."""

    ran: int
    cached: int
    seconds: float
    samples_run: int = 0

    def line(self) -> str:
        """Return the progress line printed after pre-execution."""
        return (
            f"ran {self.ran} examples ({self.cached} cached; {self.samples_run} runs in all) "
            f"in {self.seconds:.1f} s"
        )


@dataclass
class _SampleSet:
    """The samples of one (example, start method) being run: one cache entry when all are in."""

    key: str
    total: int
    batch: Batch
    results: list[ExampleResult | None]
    future: Future[Samples] = field(default_factory=Future)
    remaining: int = 0

    def __post_init__(self) -> None:
        self.remaining = self.total


@dataclass
class Batch:
    """Runs started together by :meth:`Executor.start`; :meth:`Executor.finish` waits for them."""

    started: float
    cached: int = 0
    reused: set[str] = field(default_factory=set)
    """The keys whose samples were already known (stored, or in memory) when the batch started."""
    submitted: int = 0
    """Examples (one per start method) this batch runs."""
    total_runs: int = 0
    """Samples this batch runs: ``submitted`` times each example's ``samples``."""
    done_runs: int = 0
    futures: list[Future[Samples]] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)
    report: Callable[[int, int], None] | None = None
    last_report: float = 0.0

    def wait_for(self, key: str, future: Future[Samples]) -> None:
        """Include the samples of *key* in this batch."""
        self.keys.append(key)
        self.futures.append(future)


class Executor:
    """Runs examples and keeps their results: in memory for this process, on disk across builds.

    Each (example, start method) runs ``options.samples`` times. Every sample goes to a
    pool of ``jobs`` threads, each waiting on its own subprocess, and the samples of
    different examples are interleaved, so no example has the machine to itself. Pages
    can render while a batch is still running; asking for a result waits only for it.
    When a sample fails, the samples of its set not yet started are not run; the set
    stays in memory, unstored, so every page showing it reports the same failure, until
    :meth:`drop_failures` (at the start of the next build) lets it run again.

    Attributes:
        runs: How many real runs (samples) this executor has made.
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
        trace: bool = False,
        python: Interpreter | None = None,
    ) -> None:
        """Create an executor; with *trace*, every run records what its processes do.

        Examples run with *python* (default: the base interpreter running lessonkit), and
        its results go to *cache*'s folder for that interpreter.

        Raises:
            IsolationUnavailable: *isolation* is required but this machine cannot sandbox.
        """
        self.isolation = isolation
        self.isolated = use_sandbox(isolation)
        self.trace = trace
        self.repo_root = repo_root
        self.jobs = max(1, jobs)
        self.python = python or current_interpreter()
        self.cache = cache.for_python(self.python) if cache is not None else None
        self.refresh = refresh
        self.runs = 0
        self.used: set[str] = set()
        self._memory: dict[str, Samples] = {}
        self._digests: dict[str, str] = {}
        """The :func:`results_digest` of samples in memory, when known (read or stored with them)."""
        self._failed: set[str] = set()
        self._finished_at: dict[str, float] = {}
        self._running: dict[str, _SampleSet] = {}
        self._sample_futures: dict[str, list[Future[None]]] = {}
        self._pool = ThreadPoolExecutor(max_workers=self.jobs, thread_name_prefix="lessonkit")
        self._lock = threading.Lock()
        self._keys: dict[tuple[Example, StartMethod], str] = {}
        """Each (example, start method)'s key, computed once a build: it asks for each about ten times."""

    def key(self, example: Example, method: StartMethod) -> str:
        """Return the cache key of *example*'s samples under *method* on this executor."""
        key = self._keys.get((example, method))
        if key is None:
            key = self._keys[(example, method)] = example.key(method, self.isolated, self.trace, self.python)
        return key

    def _lookup(self, key: str) -> Samples | None:
        if key in self._memory:
            return self._memory[key]
        if self.cache is None or self.refresh:
            return None
        loaded = self.cache.load(key)
        if loaded is None:
            return None
        results, self._digests[key] = loaded
        self._memory[key] = results
        return results

    def digest(self, key: str) -> str:
        """Return the :func:`results_digest` of the samples of *key* (which must be in memory):
        it changes whenever any of them does."""
        with self._lock:
            digest = self._digests.get(key)
            results = self._memory[key]
        if digest is None:
            digest = results_digest(results)
            with self._lock:
                if self._memory.get(key) is results:
                    self._digests[key] = digest
        return digest

    def _run_sample(self, example: Example, method: StartMethod, samples: _SampleSet, index: int) -> None:
        """Run sample *index* of *samples*; the last one to finish completes the set."""
        if samples.future.done():  # an earlier sample broke, or the build was cancelled
            return
        try:
            result = run_example(
                example.code,
                start_method=method,
                timeout=example.options.timeout,
                filename=example.filename,
                files=example.options.files,
                terminal=example.options.terminal,
                repo_root=self.repo_root,
                isolation=Isolation.REQUIRED if self.isolated else Isolation.OFF,
                limits=example.options.limits,
                trace=self.trace,
                screen=example.options.screen,
                stdin=example.options.stdin,
                python=self.python,
                stuck_after=example.options.stop_stuck_after,
            )
        except BaseException as error:  # not a failing example (that is a result) but a broken run
            with self._lock:
                self._running.pop(samples.key, None)
            with contextlib.suppress(InvalidStateError):
                samples.future.set_exception(error)
            return
        batch = samples.batch
        failed = find_problem(result, example.options) is not None
        with self._lock:
            samples.results[index] = result
            samples.remaining -= 1
            self.runs += 1
            batch.done_runs += 1
            if failed:  # the build fails anyway: the samples not started yet are not run
                pending = self._sample_futures.get(samples.key, [])
                cancelled = sum(future.cancel() for future in pending if not future.cancelled())
                samples.remaining -= cancelled
                batch.total_runs -= cancelled
            complete = samples.remaining == 0
            now = time.monotonic()
            report = batch.report is not None and now - batch.last_report >= PROGRESS_INTERVAL
            if report:
                batch.last_report = now
        if report and batch.done_runs < batch.total_runs:
            batch.report(batch.done_runs, batch.total_runs)  # type: ignore[misc]
        if complete:
            self._complete(example, samples)

    def _complete(self, example: Example, samples: _SampleSet) -> None:
        # Samples start in order, so those cancelled after a failure are the last ones.
        results: Samples = tuple(r for r in samples.results if r is not None)
        failed = any(find_problem(result, example.options) is not None for result in results)
        digest = None
        if self.cache is not None and not failed:  # failures are never stored
            try:
                digest = self.cache.put(samples.key, results)
            except OSError as error:
                log.warning(f"lessonkit: could not store a result in {self.cache.directory}: {error}")
        with self._lock:
            self._memory[samples.key] = results
            if digest is None:
                self._digests.pop(samples.key, None)
            else:
                self._digests[samples.key] = digest
            self._finished_at[samples.key] = time.monotonic()
            if failed:
                self._failed.add(samples.key)
            self._running.pop(samples.key, None)
            self._sample_futures.pop(samples.key, None)
        with contextlib.suppress(InvalidStateError):
            samples.future.set_result(results)

    def start(self, examples: Iterable[Example], report: Callable[[int, int], None] | None = None) -> Batch:
        """Start every missing (example, start method) in the background, ``jobs`` runs at a time.

        Parameters:
            examples: The examples to run, each under its start methods, ``samples`` times.
            report: Called now and then, from a worker thread, with the samples done and
                the samples this batch runs.
        """
        batch = Batch(started=time.monotonic(), report=report, last_report=time.monotonic())
        seen: set[str] = set()
        new: list[tuple[Example, StartMethod, _SampleSet]] = []
        with self._lock:
            for example in examples:
                for method in example.options.start_methods:
                    key = self.key(example, method)
                    if key in seen:
                        continue
                    seen.add(key)
                    if key in self._running:
                        batch.wait_for(key, self._running[key].future)
                    elif self._lookup(key) is not None:
                        batch.cached += 1
                        batch.reused.add(key)
                    else:
                        count = example.options.samples
                        samples = _SampleSet(key=key, total=count, batch=batch, results=[None] * count)
                        self._running[key] = samples
                        self._sample_futures[key] = []
                        batch.wait_for(key, samples.future)
                        batch.submitted += 1
                        batch.total_runs += count
                        new.append((example, method, samples))
            # Interleave: the first sample of every example, then the second..., so the samples
            # of one example do not all run at once, competing only with each other.
            for index in range(max((samples.total for _, _, samples in new), default=0)):
                for example, method, samples in new:
                    if index < samples.total:
                        future = self._pool.submit(self._run_sample, example, method, samples, index)
                        self._sample_futures[samples.key].append(future)
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
        return RunSummary(
            ran=batch.submitted,
            cached=batch.cached,
            seconds=max(0.0, last - batch.started),
            samples_run=batch.done_runs,
        )

    def results(self, example: Example) -> tuple[list[Samples], int]:
        """Return every sample per start method, and how many samples this call had to start itself."""
        keys = [self.key(example, m) for m in example.options.start_methods]
        with self._lock:  # a warm build: every sample is known already (the pages ask for each)
            if all(key in self._memory and key not in self._running for key in keys):
                self.used.update(keys)
                return [self._memory[key] for key in keys], 0
        batch = self.start([example])
        self.finish(batch)
        keys = [self.key(example, m) for m in example.options.start_methods]
        with self._lock:
            self.used.update(keys)
            return [self._memory[key] for key in keys], batch.total_runs

    def progress(self, example: Example) -> tuple[int, int] | None:
        """Return (runs done, runs in all) of *example* while any of its samples is still to come;
        None once every sample is known (run, failed, or stored by an earlier build).

        Never waits: ``mkdocs serve`` asks, to show a block as in progress instead of waiting.
        """
        done = total = 0
        waiting = False
        with self._lock:
            for method in example.options.start_methods:
                key = self.key(example, method)
                running = self._running.get(key)
                if running is not None:
                    waiting = True
                    done += running.total - running.remaining
                    total += running.total
                elif self._lookup(key) is not None:
                    done += example.options.samples
                    total += example.options.samples
                else:  # not started: results() will start it
                    waiting = True
                    total += example.options.samples
        return (done, total) if waiting else None

    def reset_used(self) -> None:
        """Start recording, afresh, which results a build hands out (and forget the keys computed)."""
        with self._lock:
            self.used = set()
            self._keys = {}

    def drop_failures(self) -> None:
        """Forget failed results, so the next build runs those examples again."""
        with self._lock:
            for key in self._failed:
                self._memory.pop(key, None)
                self._digests.pop(key, None)
            self._failed.clear()

    def cancel_pending(self) -> int:
        """Cancel samples that have not started yet (a build failed); return how many."""
        cancelled = 0
        with self._lock:
            for key, samples in list(self._running.items()):
                stopped = sum(future.cancel() for future in self._sample_futures.get(key, []))
                if stopped:
                    cancelled += stopped
                    samples.future.cancel()
                    del self._running[key]
                    self._sample_futures.pop(key, None)
        return cancelled
