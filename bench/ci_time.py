"""Time CI as it runs: ``.ci/run`` in a clean clone, its phases, its slowest tests, its program runs.

Run by hand from the repository root (it takes as long as CI does, 10 to 20 minutes here)::

    uv run python bench/ci_time.py                        # a clean clone of HEAD, today's lessons
    uv run python bench/ci_time.py --lessons 6            # plus 6 synthetic lessons (bench/scale.py's),
                                                          # 5 examples each: a course of 7 lessons
    uv run python bench/ci_time.py --keep /tmp/ci-clone   # keep the clone and its log

The clone is made with ``git clone`` of this checkout's HEAD (commit first: uncommitted changes
are not in it). ``.ci/run`` runs there exactly as CI runs it, with ``PYTEST_ADDOPTS=--durations=15``
so that pytest prints its slowest tests. The script prints every line as it comes, then a summary:
each phase of CI with its time and share, the slowest tests, and how many programs ran
(``scripts/ci_runs.py``'s lines). Its exit status is ``.ci/run``'s.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scale import add_lessons

ROOT = Path(__file__).resolve().parent.parent
PHASE = re.compile(r"^ci: phase done in (?P<seconds>\d+) s: (?P<name>.*)$")
DURATION = re.compile(r"^(?P<seconds>\d+\.\d+)s (?P<when>call|setup|teardown)\s+(?P<test>\S+)")


def commit_lessons(clone: Path, lessons: int, examples: int) -> None:
    """Add *lessons* synthetic lessons (bench/scale.py's) to the clone, and commit them."""
    add_lessons(clone, lessons, examples)
    subprocess.run(["git", "add", "-A"], cwd=clone, check=True)
    message = f"{lessons} synthetic lessons (bench/ci_time.py)"
    subprocess.run(["git", "commit", "-qm", message], cwd=clone, check=True)


def summarize(lines: list[str], seconds: float) -> None:
    """Print the phases, the slowest tests and the program runs found in CI's output."""
    phases = [(int(m["seconds"]), m["name"]) for m in map(PHASE.match, lines) if m]
    print("\n== phases of .ci/run")
    for phase_seconds, name in phases:
        share = 100 * phase_seconds / seconds if seconds else 0
        print(f"{phase_seconds:6d} s {share:5.1f} %  {name}")
    print(f"{seconds:6.0f} s in all ({seconds / 60:.1f} min)")
    durations = [m for m in map(DURATION.match, lines) if m][:15]
    if durations:
        print("\n== slowest tests")
        for match in durations:
            print(f"{float(match['seconds']):7.1f} s  {match['when']:<8} {match['test']}")
    runs = [line for line in lines if "program runs in all" in line or line.startswith("  ")]
    counted = [line for line in runs if "program runs" in line or "of them" in line or "did not run" in line]
    if counted:
        print("\n== program runs (scripts/ci_runs.py)")
        print("\n".join(counted))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lessons", type=int, default=0, help="synthetic lessons to add (default: 0)")
    parser.add_argument("--examples", type=int, default=5, help="examples per synthetic lesson (default: 5)")
    parser.add_argument("--keep", type=Path, help="clone here (a new directory) and keep it, with ci.log")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ci-time-") as tmp:
        clone = args.keep.resolve() if args.keep else Path(tmp) / "clone"
        if clone.exists():
            parser.error(f"{clone} exists: give a new directory")
        subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
        if args.lessons:
            commit_lessons(clone, args.lessons, args.examples)
            print(f"added {args.lessons} synthetic lessons of {args.examples} examples", file=sys.stderr)
        env = {**os.environ, "PYTEST_ADDOPTS": "--durations=15"}
        env.pop("PYTHONUNBUFFERED", None)  # CI's shell does not set it
        started = time.monotonic()
        lines: list[str] = []
        with (clone / "ci.log").open("w", encoding="utf-8") as log:
            process = subprocess.Popen(
                ["bash", ".ci/run"],
                cwd=clone,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            assert process.stdout is not None
            for line in process.stdout:
                stamped = f"{time.monotonic() - started:7.1f} {line}"
                sys.stdout.write(stamped)
                log.write(stamped)
                lines.append(line.rstrip("\n"))
            status = process.wait()
        summarize(lines, time.monotonic() - started)
        print(f"\n.ci/run exited {status}" + (f"; its log is {clone / 'ci.log'}" if args.keep else ""))
        return status


if __name__ == "__main__":
    sys.exit(main())
