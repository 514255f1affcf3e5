"""Benchmark: how long a site build takes cold, warm and without running examples.

Run by hand, never as a test (this machine is noisy):

    uv run python bench/build_speed.py [--repeat 3]

Each build is a real ``mkdocs build --strict`` in a subprocess. It prints the
median of each measurement and these ratios, with their targets:

    warm / no-exec                      <= 1.2
    cold / (slowest example + no-exec)  <= 1.3
    old sequential / cold               (how much faster than one example after another)

"Old sequential" is the no-exec build plus every distinct (block, start method)
run one after another, which is what running each block in turn inside the
build would cost.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from lessonkit.discovery import SnippetExpander, find_examples, read_pages
from lessonkit.options import RunDefaults
from lessonkit.runner import run_example
from lessonkit.start_method import DEFAULT_START_METHODS

ROOT = Path(__file__).resolve().parent.parent


def progress(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def timed_build(site_dir: Path, **env: str) -> float:
    """Run one strict build and return its wall-clock seconds."""
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site_dir)]
    started = time.perf_counter()
    result = subprocess.run(
        command,
        cwd=ROOT,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1", **env},
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"bench: the build failed:\n{result.stderr[-3000:]}")
    return seconds


def example_durations(repeat: int) -> list[tuple[str, float]]:
    """Run every distinct (example, start method) alone, *repeat* times; return median durations."""
    expander = SnippetExpander({"base_path": [str(ROOT / "snippets")], "check_paths": True})
    defaults = RunDefaults(start_methods=DEFAULT_START_METHODS, timeout=60)
    examples = find_examples(read_pages(ROOT / "docs"), expander, defaults, "snippets")
    distinct = {example.key(m): (example, m) for example in examples for m in example.options.start_methods}
    durations = []
    for index, (example, method) in enumerate(distinct.values(), 1):
        progress(f"example {index}/{len(distinct)}: {example.filename} under {method.value}")
        runs = [
            run_example(example.code, start_method=method, timeout=60, filename=example.filename).duration
            for _ in range(repeat)
        ]
        durations.append((f"{example.filename} [{method.value}]", statistics.median(runs)))
    return durations


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="builds (and example runs) per measurement")
    args = parser.parse_args()
    cold, warm, no_exec = [], [], []
    with tempfile.TemporaryDirectory(prefix="lessonkit-bench-") as tmp:
        work = Path(tmp)
        for round_ in range(1, args.repeat + 1):
            cache = work / f"cache-{round_}"
            progress(f"round {round_}/{args.repeat}: cold build")
            cold.append(timed_build(work / "site", LESSONKIT_CACHE_DIR=str(cache)))
            progress(f"round {round_}/{args.repeat}: warm build")
            warm.append(timed_build(work / "site", LESSONKIT_CACHE_DIR=str(cache)))
            progress(f"round {round_}/{args.repeat}: no-exec build")
            no_exec.append(timed_build(work / "site", LESSONKIT_EXEC="0", LESSONKIT_CACHE_DIR=str(cache)))
    durations = example_durations(args.repeat)
    slowest_name, slowest = max(durations, key=lambda item: item[1])
    cold_s, warm_s, no_exec_s = (statistics.median(x) for x in (cold, warm, no_exec))
    sequential = no_exec_s + sum(seconds for _, seconds in durations)

    print(f"machine: {os.cpu_count()} cores, {platform.system()} {platform.machine()}, "
          f"Python {platform.python_version()}")  # fmt: skip
    print(f"medians of {args.repeat} runs each")
    rows = [
        ("cold build (empty cache)", cold_s, ""),
        ("warm build (full cache)", warm_s, ""),
        ("no-exec build (LESSONKIT_EXEC=0)", no_exec_s, ""),
        ("slowest example", slowest, slowest_name),
        ("old sequential cost", sequential, f"{len(durations)} runs one after another + no-exec"),
    ]
    for name, seconds, note in rows:
        print(f"  {name:34s} {seconds:6.2f} s  {note}".rstrip())
    ratios = [
        ("warm / no-exec", warm_s / no_exec_s, 1.2),
        ("cold / (slowest + no-exec)", cold_s / (slowest + no_exec_s), 1.3),
        ("old sequential / cold", sequential / cold_s, None),
    ]
    for name, value, target in ratios:
        verdict = "" if target is None else f"  target <= {target}: {'met' if value <= target else 'MISSED'}"
        print(f"  {name:34s} {value:6.2f}{verdict}")


if __name__ == "__main__":
    main()
