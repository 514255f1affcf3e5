"""Say how many programs a CI run ran, and check that each of the real site's examples ran once.

``.ci/run`` sets ``LESSONKIT_RUN_LOG`` for everything it runs, so every run of a program (one
fresh interpreter, one start method) adds a line to that ledger (``lessonkit.running.ledger``).
This script reads it afterwards::

    uv run python scripts/ci_runs.py .ci-runs.jsonl

It finds the real site's examples from the pages themselves (every executed block of
``docs/*.md`` that includes a snippet) and prints how many runs were theirs and how many were
the tests' own programs. One build runs each (example, start method) ``samples`` times (the
block's ``samples`` option, or the site's, 20); a second build reads them from the cache. The
script exits 1 if any of the real site's examples ran more often than one build runs it
(something ran it again, instead of reading the results), naming each; with ``--cold`` (the CI
run began with no cache of results, as on a fresh clone), also if any ran less often (its
results came from somewhere other than this run's build); 2 on bad input.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from pathlib import Path

from lessonkit.running.ledger import code_digest, read_ledger
from lessonkit.running.options import RunDefaults, RunOptions, parse_run_options
from lessonkit.running.start_method import DEFAULT_START_METHODS
from lessonkit.site.pages import find_exec_fences

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SAMPLES = 20
"""mkdocs.yml's ``samples`` (``LESSONKIT_SAMPLES``, default 20)."""


def site_examples(root: Path, samples: int) -> dict[tuple[str, str], tuple[str, int]]:
    """Map (code digest, start method) of each of the site's examples to its snippet and the runs
    one build makes of it.

    A fence's options are read as the build reads them (``parse_run_options``, with the plugin's
    defaults), so blocks that differ only in how their runs are judged or shown (``claim``,
    ``source``), such as one snippet on both languages' pages, share their runs, as they share
    their cache key.
    """
    defaults = RunDefaults(start_methods=DEFAULT_START_METHODS, timeout=30, samples=samples)
    allowed: dict[tuple[str, str], tuple[str, int]] = {}
    seen: set[tuple[str, RunOptions]] = set()
    for page in sorted((root / "docs").rglob("*.md")):
        relative = page.relative_to(root / "docs").as_posix()
        for fence in find_exec_fences(page.read_text(encoding="utf-8"), relative):
            snippet = root / "snippets" / fence.include if fence.include else None
            if snippet is None or not snippet.is_file():
                continue
            digest = code_digest(snippet.read_text(encoding="utf-8"))
            returncode = int(fence.options.get("returncode", 0))
            options = parse_run_options(fence.options, returncode=returncode, defaults=defaults)
            if (digest, options) in seen:
                continue
            seen.add((digest, options))
            for method in options.start_methods:
                name, before = allowed.get((digest, method.value), (f"snippets/{fence.include}", 0))
                allowed[(digest, method.value)] = (name, before + options.samples)
    return allowed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ledger", type=Path, help="the file LESSONKIT_RUN_LOG named during the CI run")
    parser.add_argument(
        "--samples",
        type=int,
        default=int(os.environ.get("LESSONKIT_SAMPLES") or DEFAULT_SAMPLES),
        help="the site's runs per block and start method (default: LESSONKIT_SAMPLES, or 20)",
    )
    parser.add_argument(
        "--cold",
        action="store_true",
        help="the CI run began with no cache of results: every example must have run exactly once",
    )
    args = parser.parse_args(argv)
    if not args.ledger.is_file():
        print(f"ci_runs.py: {args.ledger} does not exist: was LESSONKIT_RUN_LOG set?", file=sys.stderr)
        return 2
    runs = Counter((entry["code_digest"], entry["method"]) for entry in read_ledger(args.ledger))
    examples = site_examples(ROOT, args.samples)
    site_runs = sum(count for key, count in runs.items() if key in examples)
    total = sum(runs.values())
    snippets = {name for name, _ in examples.values()}
    print(f"{total} program runs in all (a run: one fresh interpreter, one start method)")
    one_build = sum(n for _, n in examples.values())
    print(
        f"  {site_runs} of them the real site's {len(snippets)} examples "
        f"({len(examples)} example × start method pairs, {one_build} runs in one build)"
    )
    print(f"  {total - site_runs} of them the tests' own programs")
    again = [
        f"  {name} under {method}: {runs[(digest, method)]} runs, one build makes {allowed}"
        for (digest, method), (name, allowed) in sorted(examples.items(), key=lambda item: item[1])
        if runs[(digest, method)] > allowed
    ]
    fewer = [
        f"  {name} under {method}: {runs[(digest, method)]} runs, one build makes {allowed}"
        for (digest, method), (name, allowed) in sorted(examples.items(), key=lambda item: item[1])
        if runs[(digest, method)] < allowed
    ]
    cached = sum(1 for key in examples if runs[key] == 0)
    if cached:
        print(f"  {cached} of the pairs did not run in this CI run (their results were read from a cache)")
    if again:
        print("FAILED: these examples ran more often than one build runs them (something ran them again):")
        print("\n".join(again))
        return 1
    if args.cold and fewer:
        print("FAILED: the run began with no cache, yet these examples ran less often than one build does:")
        print("\n".join(fewer))
        return 1
    if args.cold:
        print("OK: the run began with no cache; each real example ran exactly once (one build)")
    else:
        print("OK: each of the real site's examples ran at most once per CI run (one build's samples)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
