"""Run an example under each of its start methods, remembering what already ran."""

from __future__ import annotations

import hashlib
import json
import platform
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from lessonkit import __version__
from lessonkit.options import RunOptions
from lessonkit.runner import HAS_TERMINAL, ExampleResult, run_example
from lessonkit.start_method import StartMethod


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
        "lessonkit": __version__,
    }
    blob = json.dumps(material, sort_keys=True, ensure_ascii=False).encode("utf-8")
    return hashlib.sha256(blob).hexdigest()


class Executor:
    """Runs examples and keeps their results for the rest of the build.

    Attributes:
        runs: How many real runs (one per start method) this executor has made.
    """

    def __init__(self, *, repo_root: Path | None = None, jobs: int = 8) -> None:
        self.repo_root = repo_root
        self.jobs = jobs
        self.runs = 0
        self._results: dict[str, ExampleResult] = {}
        self._lock = threading.Lock()

    def _run_one(self, code: str, method: StartMethod, options: RunOptions, filename: str) -> ExampleResult:
        result = run_example(
            code,
            start_method=method,
            timeout=options.timeout,
            filename=filename,
            repo_root=self.repo_root,
        )
        with self._lock:
            self.runs += 1
        return result

    def results(self, code: str, options: RunOptions, filename: str) -> list[ExampleResult]:
        """Return one result per start method of *options*, running only what is missing."""
        keys = {m: run_key(code, m, options, filename) for m in options.start_methods}
        missing = [m for m, key in keys.items() if key not in self._results]
        if missing:
            with ThreadPoolExecutor(max_workers=min(self.jobs, len(missing))) as pool:
                fresh = pool.map(lambda m: self._run_one(code, m, options, filename), missing)
                for method, result in zip(missing, fresh, strict=True):
                    self._results[keys[method]] = result
        return [self._results[keys[m]] for m in options.start_methods]

    def forget(self, code: str, options: RunOptions, filename: str) -> None:
        """Drop the results of an example, so a failed one runs again next time."""
        for method in options.start_methods:
            self._results.pop(run_key(code, method, options, filename), None)
