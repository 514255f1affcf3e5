"""``lessonkit run SNIPPET``: run one snippet exactly as the site does, for contributors."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from lessonkit.results.checks import find_problem
from lessonkit.running.executor import Example, Executor
from lessonkit.running.limits import ResourceLimits, format_size
from lessonkit.running.options import FenceOptionError, RunOptions, parse_timeout
from lessonkit.running.sandbox import Isolation, IsolationUnavailable
from lessonkit.running.start_method import DEFAULT_START_METHODS, StartMethod


def build_parser() -> argparse.ArgumentParser:
    """Return the command-line parser."""
    parser = argparse.ArgumentParser(
        prog="lessonkit",
        description="Run lesson examples the way the site does: as scripts, in a terminal, per start method.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser(
        "run",
        help="run one snippet and print its output under each start method",
        description="Run SNIPPET as `python FILE.py` in a fresh interpreter under a pseudo-terminal, "
        "once per start method, and print the output the site would show.",
    )
    run.add_argument(
        "snippet",
        type=Path,
        help="path to the snippet, e.g. snippets/daemon/daemon_join.py",
    )
    run.add_argument(
        "--start-method",
        "-m",
        action="append",
        choices=[m.value for m in StartMethod],
        help="run under this start method only (repeatable; default: fork, spawn and forkserver)",
    )
    run.add_argument("--timeout", default="30", help="seconds before the run is killed (default: 30)")
    run.add_argument("--returncode", type=int, default=0, help="expected exit code (default: 0)")
    run.add_argument("--expect", help="text the output must contain; allows tracebacks")
    run.add_argument(
        "--isolation",
        choices=[i.value for i in Isolation],
        default=Isolation.AUTO.value,
        help="auto: sandbox with bubblewrap where it works (default); required: sandbox or fail; off: never",
    )
    limits = ResourceLimits()
    run.add_argument("--max-memory", default="1GiB", help="memory of all the run's processes (default: 1GiB)")
    run.add_argument(
        "--max-processes",
        default=str(limits.max_processes),
        help=f"processes alive at once (default: {limits.max_processes})",
    )
    run.add_argument("--max-file-size", default="64MiB", help="size of one written file (default: 64MiB)")
    return parser


def run_command(args: argparse.Namespace) -> int:
    """Run the snippet, print each result; return 1 if any run breaks the fence's rules."""
    snippet: Path = args.snippet
    try:
        code = snippet.read_text(encoding="utf-8")
    except OSError as error:
        print(
            f"lessonkit: cannot read snippet {snippet}: {error.strerror}",
            file=sys.stderr,
        )
        return 2
    try:
        timeout = parse_timeout(args.timeout)
    except FenceOptionError as error:
        print(f"lessonkit: {error}", file=sys.stderr)
        return 2
    try:
        limits = ResourceLimits().with_values(
            {
                "max_memory": args.max_memory,
                "max_processes": args.max_processes,
                "max_file_size": args.max_file_size,
            }
        )
    except ValueError as error:
        print(f"lessonkit: {error}", file=sys.stderr)
        return 2
    methods = tuple(StartMethod(m) for m in args.start_method) if args.start_method else DEFAULT_START_METHODS
    options = RunOptions(
        start_methods=methods,
        timeout=timeout,
        returncode=args.returncode,
        expect=args.expect,
        limits=limits,
    )
    try:
        executor = Executor(repo_root=Path.cwd().resolve(), isolation=Isolation(args.isolation))
    except IsolationUnavailable as error:
        print(error, file=sys.stderr)
        return 2
    where = "in a sandbox" if executor.isolated else "without a sandbox"
    print(
        f"lessonkit: running {snippet} under {', '.join(m.value for m in methods)}, {where} ...",
        file=sys.stderr,
    )
    example = Example(code=code, options=options, filename=snippet.name)
    results, _ = executor.results(example)
    failed = False
    for result in results:
        mode = "terminal" if result.terminal else "pipes"
        if result.limit is not None:
            status = f"killed over {result.limit}"
        elif result.timed_out:
            status = "timed out"
        else:
            status = f"exit {result.returncode}"
        usage = f"peak {result.peak_processes} processes, {format_size(result.peak_memory)}"
        print(f"==> {result.start_method.value} ({status}, {result.duration:.1f} s, {mode}, {usage})")
        print(
            result.output,
            end="" if result.output.endswith("\n") or not result.output else "\n",
        )
        problem = find_problem(result, options)
        if problem:
            failed = True
            print(f"lessonkit: {snippet}: {problem}", file=sys.stderr)
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``lessonkit`` command."""
    args = build_parser().parse_args(argv)
    return run_command(args)


if __name__ == "__main__":
    sys.exit(main())
