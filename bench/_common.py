"""What the build benchmarks share: a timed ``mkdocs build``, the run times a build stored, ``jobs``.

``bench/`` is not a package: a script run as ``python bench/NAME.py`` has ``bench/`` on its path
and imports this module as ``_common``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from mkdocs.config import load_config

ROOT = Path(__file__).resolve().parent.parent

_MKDOCS = """\
import atexit, logging, os, resource, runpy, sys, time
if "BENCH_RUSAGE_FILE" in os.environ:
    def _report():
        with open(os.environ["BENCH_RUSAGE_FILE"], "w") as out:
            out.write(f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss} "
                      f"{resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}")
    atexit.register(_report)
if "BENCH_LOG_FILE" in os.environ:
    class _Stamped(logging.Handler):
        def __init__(self, path):
            super().__init__(logging.DEBUG)
            self.out = open(path, "a", buffering=1, encoding="utf-8")
        def emit(self, record):
            message = record.getMessage().replace("\\n", " ")
            self.out.write(f"{time.monotonic():.4f} {record.levelname} {message}\\n")
    logging.getLogger("mkdocs").addHandler(_Stamped(os.environ["BENCH_LOG_FILE"]))
sys.argv[0] = "mkdocs"
runpy.run_module("mkdocs", run_name="__main__", alter_sys=True)
"""
"""``python -m mkdocs``, and what the benchmarks measure in it. With ``BENCH_RUSAGE_FILE``, as it exits
it writes there its own peak RSS and its children's (KiB); with ``BENCH_LOG_FILE``, it appends there
every record of MkDocs' log, one a line, after ``time.monotonic()`` as it was logged."""


def mkdocs_command(*arguments: str) -> list[str]:
    """The command line of ``python -m mkdocs ARGUMENTS`` with what :data:`_MKDOCS` measures."""
    return [sys.executable, "-c", _MKDOCS, *arguments]


@dataclass(frozen=True)
class Build:
    """One finished ``mkdocs build``: its wall-clock time and peak memory."""

    seconds: float
    peak_kib: int
    """Peak resident memory of the MkDocs process itself (``RUSAGE_SELF``, at its exit)."""
    children_peak_kib: int
    """The largest peak of any process it started and waited for, and theirs (``RUSAGE_CHILDREN``).
    A child forked from MkDocs counts MkDocs' pages until it execs: about MkDocs' size at least."""
    log: str
    """What the build printed (MkDocs logs to stderr)."""


def progress(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def measured_build(site_dir: Path, project: Path = ROOT, **env: str) -> Build:
    """Run one strict build of *project* and return its wall-clock seconds and peak memory."""
    with tempfile.NamedTemporaryFile(prefix="lessonkit-bench-rusage-") as rusage:
        command = mkdocs_command("build", "--strict", "--site-dir", str(site_dir))
        started = time.perf_counter()
        result = subprocess.run(
            command,
            cwd=project,
            env={**os.environ, "NO_MKDOCS_2_WARNING": "1", "BENCH_RUSAGE_FILE": rusage.name, **env},
            capture_output=True,
            text=True,
        )
        seconds = time.perf_counter() - started
        if result.returncode != 0:
            sys.exit(f"bench: the build failed:\n{result.stderr[-3000:]}")
        own, children = (int(value) for value in Path(rusage.name).read_text().split())
    return Build(seconds=seconds, peak_kib=own, children_peak_kib=children, log=result.stderr)


def timed_build(site_dir: Path, **env: str) -> float:
    """Run one strict build of this project and return its wall-clock seconds."""
    return measured_build(site_dir, **env).seconds


def stored_durations(cache: Path) -> list[float]:
    """Return the duration of every run stored in *cache* (all samples of every entry)."""
    durations = []
    for entry in cache.glob("*/*.json"):  # one folder per interpreter (its rendered/ blocks are not runs)
        durations += [
            result["duration"] for result in json.loads(entry.read_text(encoding="utf-8"))["results"]
        ]
    return durations


def configured_jobs(config_file: Path = ROOT / "mkdocs.yml") -> int:
    """Return the lessonkit plugin's ``jobs`` in *config_file* (this project's ``mkdocs.yml``)."""
    config = load_config(str(config_file))
    return int(config.plugins["lessonkit"].config.jobs)
