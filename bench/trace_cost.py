"""Benchmark: what tracing costs each lesson example's run time.

Run by hand, never as a test (this machine is noisy):

    uv run python bench/trace_cost.py [--repeat 5]

Every lesson example runs under each start method ``--repeat`` times with tracing and
as often without, interleaved (off, on, off, on...), one run at a time, each in the
sandbox where there is one, exactly as the site runs them. It prints the median run time
of each example with and without tracing, and the ratio of the sums of those medians:

    traced / untraced run time          <= 1.10

``print('hello')`` is timed too, for the fixed cost of tracing an interpreter that does
almost nothing (it still loads the tracer and ``multiprocessing``).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
from pathlib import Path

from lessonkit.running.runner import run_example
from lessonkit.running.sandbox import Isolation, sandbox_support
from lessonkit.running.start_method import StartMethod

ROOT = Path(__file__).resolve().parent.parent
TARGET = 1.10


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per example, method and mode (default 5)")
    args = parser.parse_args()
    isolation = Isolation.REQUIRED if sandbox_support().available else Isolation.OFF
    snippets = sorted((ROOT / "snippets/daemon").glob("*.py"))
    examples = [(path.name, path.read_text(encoding="utf-8")) for path in snippets]
    examples.append(("hello.py", "print('hello')\n"))
    rows = []
    for index, (name, code) in enumerate(examples, 1):
        for method in StartMethod:
            print(f"bench: {index}/{len(examples)} {name} under {method.value}", file=sys.stderr, flush=True)
            times: dict[bool, list[float]] = {False: [], True: []}
            for _ in range(args.repeat):
                for trace in (False, True):
                    result = run_example(
                        code, start_method=method, timeout=60, filename=name, isolation=isolation, trace=trace
                    )
                    times[trace].append(result.duration)
            rows.append((name, method.value, statistics.median(times[False]), statistics.median(times[True])))
    print(
        f"machine: {os.cpu_count()} cores, {platform.system()} {platform.machine()}, "
        f"Python {platform.python_version()}; isolation {isolation.value}; "
        f"medians of {args.repeat} runs each, interleaved"
    )
    for name, method, off, on in rows:
        print(f"  {name + ' [' + method + ']':44s} {off:6.3f} s -> {on:6.3f} s  x{on / off:4.2f}")
    lesson = [row for row in rows if row[0] != "hello.py"]
    off_total, on_total = sum(r[2] for r in lesson), sum(r[3] for r in lesson)
    ratio = on_total / off_total
    verdict = "met" if ratio <= TARGET else "MISSED"
    print(f"  {'lesson examples, all methods':44s} {off_total:6.2f} s -> {on_total:6.2f} s  x{ratio:4.2f}")
    print(f"  traced / untraced: {ratio:.3f}  target <= {TARGET}: {verdict}")


if __name__ == "__main__":
    main()
