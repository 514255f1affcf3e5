"""Benchmark: how long a site build takes cold, warm and without running examples.

Run by hand, never as a test (this machine is noisy):

    uv run python bench/build_speed.py [--repeat 3] [--isolation-cost]

Each build is a real ``mkdocs build --strict`` in a subprocess. It prints the
median of each measurement and these ratios, with their targets:

    cold, 20 samples / sample bound     <= 1.3
    warm / no-exec                      <= 1.2
    cold, 1 sample / (slowest example + no-exec)  <= 1.3
    old sequential / cold, 1 sample     (how much faster than one example after another)
    sandboxed / unsandboxed run time    (with --isolation-cost: what isolation costs)

The sample bound is what no scheduler can beat: the no-exec build, plus the larger
of the slowest single run and the sum of all run times divided by ``jobs`` (the
runs at once). Both come from the durations stored by that same cold build, so they
are measured under the load of the build itself.

"Old sequential" is the no-exec build plus every distinct (block, start method)
run one after another, which is what running each block in turn inside the
build would cost.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
from pathlib import Path

from _common import ROOT, configured_jobs, progress, stored_durations, timed_build
from mkdocs.commands.build import build
from mkdocs.config import load_config

from lessonkit.running.executor import Example
from lessonkit.running.runner import run_example
from lessonkit.running.sandbox import Isolation, sandbox_support
from lessonkit.running.start_method import StartMethod


def discovered_examples(site_dir: Path) -> list[Example]:
    """Return the lesson's executed blocks as the plugin discovers them (a no-exec build, in process)."""
    os.environ["LESSONKIT_EXEC"] = "0"
    try:
        config = load_config(str(ROOT / "mkdocs.yml"), site_dir=str(site_dir))
        config.plugins.on_startup(command="build", dirty=False)
        build(config)
    finally:
        del os.environ["LESSONKIT_EXEC"]
    return list(config.plugins["lessonkit"].examples)


def example_durations(
    examples: list[Example], repeat: int, isolation: Isolation
) -> list[tuple[str, StartMethod, float]]:
    """Run every distinct (example, start method) alone, *repeat* times; return median durations."""
    distinct = {(e.code, e.filename, m): (e, m) for e in examples for m in e.options.start_methods}
    durations = []
    for index, (example, method) in enumerate(distinct.values(), 1):
        where = f"{example.filename} under {method.value}"
        progress(f"isolation {isolation.value}: example {index}/{len(distinct)}: {where}")
        runs = [
            run_example(
                example.code, start_method=method, timeout=60, filename=example.filename, isolation=isolation
            ).duration
            for _ in range(repeat)
        ]
        durations.append((example.filename, method, statistics.median(runs)))
    return durations


def isolation_cost(examples: list[Example], repeat: int) -> None:
    """Print each example's run time with and without the sandbox, and the ratios."""
    support = sandbox_support()
    if not support.available:
        print(f"isolation cost: not measured, no sandbox here ({support.reason})")
        return
    trivial = Example(code="print('hello')\n", options=examples[0].options, filename="hello.py")
    measured = [*examples, trivial]
    plain = example_durations(measured, repeat, Isolation.OFF)
    boxed = example_durations(measured, repeat, Isolation.REQUIRED)
    print("isolation cost (median run time; sandboxed / unsandboxed):")
    for (name, method, off), (_, _, on) in zip(plain, boxed, strict=True):
        print(f"  {name + ' [' + method.value + ']':44s} {off:6.2f} s -> {on:6.2f} s  x{on / off:4.2f}")
    off_total = sum(seconds for name, _, seconds in plain if name != "hello.py")
    on_total = sum(seconds for name, _, seconds in boxed if name != "hello.py")
    print(f"  {'all lesson runs, one after another':44s} {off_total:6.2f} s -> {on_total:6.2f} s  "
          f"x{on_total / off_total:4.2f}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="builds (and example runs) per measurement")
    parser.add_argument(
        "--isolation-cost", action="store_true", help="also time every example with and without the sandbox"
    )
    parser.add_argument(
        "--samples", type=int, default=20, help="samples of the sampled cold build (default 20)"
    )
    args = parser.parse_args()
    cold, cold_sampled, warm, no_exec, bounds, run_sums, longest, counts = ([] for _ in range(8))
    jobs = configured_jobs()
    samples = {"LESSONKIT_SAMPLES": str(args.samples)}
    with tempfile.TemporaryDirectory(prefix="lessonkit-bench-") as tmp:
        work = Path(tmp)
        for round_ in range(1, args.repeat + 1):
            cache, single = work / f"cache-{round_}", work / f"cache-single-{round_}"
            progress(f"round {round_}/{args.repeat}: cold build, {args.samples} samples")
            cold_sampled.append(timed_build(work / "site", LESSONKIT_CACHE_DIR=str(cache), **samples))
            runs = stored_durations(cache)
            run_sums.append(sum(runs))
            longest.append(max(runs))
            counts.append(len(runs))
            progress(f"round {round_}/{args.repeat}: warm build")
            warm.append(timed_build(work / "site", LESSONKIT_CACHE_DIR=str(cache), **samples))
            progress(f"round {round_}/{args.repeat}: no-exec build")
            no_exec.append(timed_build(work / "site", LESSONKIT_EXEC="0", LESSONKIT_CACHE_DIR=str(cache)))
            bounds.append(no_exec[-1] + max(longest[-1], run_sums[-1] / jobs))
            progress(f"round {round_}/{args.repeat}: cold build, 1 sample")
            cold.append(timed_build(work / "site", LESSONKIT_CACHE_DIR=str(single), LESSONKIT_SAMPLES="1"))
        examples = discovered_examples(work / "discovery-site")
    # The builds above ran in the sandbox where there is one (isolation: auto); so do these runs.
    isolation = Isolation.REQUIRED if sandbox_support().available else Isolation.OFF
    durations = [
        (f"{name} [{method.value}]", seconds)
        for name, method, seconds in example_durations(examples, args.repeat, isolation)
    ]
    slowest_name, slowest = max(durations, key=lambda item: item[1])
    median = statistics.median
    cold_s, warm_s, no_exec_s, sampled_s = (median(x) for x in (cold, warm, no_exec, cold_sampled))
    sequential = no_exec_s + sum(seconds for _, seconds in durations)

    print(f"machine: {os.cpu_count()} cores, {platform.system()} {platform.machine()}, "
          f"Python {platform.python_version()}; jobs {jobs}")  # fmt: skip
    print(f"medians of {args.repeat} rounds")
    rows = [
        (f"cold build, {args.samples} samples", sampled_s, f"{median(counts):.0f} runs"),
        ("  sum of its run times", median(run_sums), f"/ jobs = {median(run_sums) / jobs:.2f} s"),
        ("  its longest run", median(longest), ""),
        ("  sample bound", median(bounds), "no-exec + max(longest run, sum / jobs)"),
        ("warm build (full cache)", warm_s, ""),
        ("no-exec build (LESSONKIT_EXEC=0)", no_exec_s, ""),
        ("cold build, 1 sample", cold_s, ""),
        ("slowest example, run alone", slowest, slowest_name),
        ("old sequential cost", sequential, f"{len(durations)} runs one after another + no-exec"),
    ]
    for name, seconds, note in rows:
        print(f"  {name:34s} {seconds:6.2f} s  {note}".rstrip())
    ratios = [
        (
            f"cold {args.samples} samples / bound",
            median(c / b for c, b in zip(cold_sampled, bounds, strict=True)),
            1.3,
        ),
        ("warm / no-exec", warm_s / no_exec_s, 1.2),
        ("cold 1 sample / (slowest + no-exec)", cold_s / (slowest + no_exec_s), 1.3),
        ("old sequential / cold 1 sample", sequential / cold_s, None),
    ]
    for name, value, target in ratios:
        verdict = "" if target is None else f"  target <= {target}: {'met' if value <= target else 'MISSED'}"
        print(f"  {name:36s} {value:6.2f}{verdict}")
    print(
        "  (the sampled build's runs went up to "
        f"{jobs} at once on {os.cpu_count()} cores: load changes how the lesson's races go)"
    )
    if args.isolation_cost:
        isolation_cost(examples, args.repeat)


if __name__ == "__main__":
    main()
