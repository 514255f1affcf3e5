"""The ``lessonkit`` command, for contributors and maintainers.

- ``lessonkit run SNIPPET``: run one snippet exactly as the site does;
- ``lessonkit import LESSON --slug S``: turn a lesson written like the seed into a page;
- ``lessonkit drift --python 3.12``: what another Python would change in the site's outputs.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from lessonkit.results.checks import find_problem
from lessonkit.results.outcomes import Mask, MaskError, MethodOutcomes, judge_results
from lessonkit.results.trace import describe_events
from lessonkit.running.executor import Example, Executor
from lessonkit.running.interpreter import Interpreter
from lessonkit.running.limits import ResourceLimits, format_size
from lessonkit.running.options import (
    FenceOptionError,
    RunOptions,
    flag_spelling,
    parse_expect_methods,
    parse_files,
    parse_samples,
    parse_screen,
    parse_stdin,
    parse_stuck_after,
    parse_timeout,
)
from lessonkit.running.runner import ExampleResult
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
        description="Run SNIPPET as `python FILE.py` in a fresh interpreter under a pseudo-terminal "
        "(or, with --pipe, into a pipe), once per start method, and print the output the site would show.",
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
    run.add_argument("--timeout", help="seconds before the run is killed (default: 30)")
    run.add_argument(
        "--stuck-after",
        metavar="SECONDS",
        help="the program is meant to hang: stop a run once none of its processes has run for "
        "SECONDS, and fail a run that ends by itself or is still busy at the timeout",
    )
    run.add_argument("--returncode", type=int, default=0, help="expected exit code (default: 0)")
    run.add_argument("--expect", help="text the output must contain; allows tracebacks")
    run.add_argument(
        "--expect-methods",
        metavar="METHODS",
        help="apply --expect and --returncode under these start methods only, e.g. 'spawn forkserver'; "
        "under the others a run must exit 0 with no traceback",
    )
    run.add_argument(
        "--screen",
        default="on",
        metavar="on|off",
        help="on: apply carriage returns and backspaces as a terminal does, showing the final screen "
        "line (default); off: keep them as printed",
    )
    run.add_argument(
        "--stdin",
        metavar="TEXT",
        help="lines typed into the terminal, one each time the program waits for input, separated by "
        "a literal \\n (default: stdin closed, so input() meets EOF)",
    )
    run.add_argument(
        "--files",
        nargs="+",
        action="extend",
        metavar="PATH",
        help="module files placed beside the snippet for every run, each under its base name, so that "
        "`import worker` finds worker.py (paths from the current directory; as a fence's files=)",
    )
    run.add_argument(
        "--pipe",
        action="store_true",
        help="send the output to a pipe instead of a terminal, as `python FILE.py > out.txt` does: "
        "block-buffered, so a parent's line may come after its child's",
    )
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
    run.add_argument(
        "--samples",
        "-n",
        default="1",
        help="runs per start method, grouped into outcomes with their counts (1 to 200; default: 1; "
        "the site uses 20)",
    )
    run.add_argument("--jobs", "-j", type=int, default=8, help="runs at once (default: 8)")
    run.add_argument(
        "--mask",
        help="regular expression for values that differ on every run (e.g. 'pid \\d+'); "
        "hidden when grouping runs, as a fence's mask=",
    )
    run.add_argument(
        "--trace",
        action="store_true",
        help="trace what each process does, and print the events of the most common outcome's run",
    )
    run.add_argument(
        "--claim",
        type=Path,
        help="file holding the output a lesson claims; prints how many runs printed it",
    )
    imp = commands.add_parser(
        "import",
        help="turn a lesson into snippets, claims, a page and an errata report",
        description="Read LESSON (UTF-8 or GB18030/GBK Markdown: front matter, headings, prose, programs in "
        "fences tagged python or untagged, >>> sessions, and the outputs it claims, found after a line "
        "such as 输出结果 or a sentence ending with a colon, or after a shell prompt such as "
        "`$ python3 x.py`), run every program under each start method, and write snippets/SLUG/, "
        "docs/SLUG.md and the nav entry, all or nothing. Prints a table with each program's verdict: "
        "matches, sometimes, never-seen, seen-through-pipe, no-claim, module, python2 or not-run.",
    )
    imp.add_argument("lesson", type=Path, help="the lesson's text file")
    imp.add_argument("--slug", required=True, help="the lesson's lowercase ASCII name: docs/SLUG.md, /SLUG/")
    imp.add_argument("--report", type=Path, help="also write the report as JSON to this file")
    imp.add_argument(
        "--force", action="store_true", help="overwrite files edited since the last import of this lesson"
    )
    imp.add_argument(
        "--upgrade-python2",
        action="store_true",
        help="convert Python 2 programs to Python 3 (with fissix's 2to3 fixers) and run them; the page "
        "lists the changes (default: show them, not run)",
    )
    imp.add_argument(
        "--samples", "-n", default="20", help="runs per program and start method (1 to 200; default: 20)"
    )
    imp.add_argument(
        "--jobs",
        "-j",
        type=int,
        default=16,
        help="runs at once (default: 16, as the site; examples mostly sleep)",
    )
    imp.add_argument(
        "--isolation",
        choices=[i.value for i in Isolation],
        default=Isolation.AUTO.value,
        help="as for run (default: auto)",
    )
    drift = commands.add_parser(
        "drift",
        help="run every example of the site under other Pythons; report where the outcomes differ",
        description="Find every executed block of the site (mkdocs.yml in the current directory) as a build "
        "does, run each under the site's Python and under each --python, every start method, as many "
        "times as the page does, and compare the sets of outcomes per example and start method: same, "
        "rare (only outcomes seen in fewer than 3 runs or a tenth of the runs differ, which a race can "
        "do by chance), changed (an outcome common on one side never appeared on the other) or fails "
        "(a run broke a rule the build enforces). Differences are shown side by side. Results are kept "
        "in the site's cache, one folder per Python, so a later build with that Python reuses them.",
    )
    drift.add_argument(
        "--python",
        action="append",
        required=True,
        metavar="VERSION",
        help="a Python to compare with the site's: a version (3.12, found with `uv python find`, "
        "then pyenv) or the path of an executable; repeat for several",
    )
    drift.add_argument("--json", type=Path, metavar="FILE", help="also write the report as JSON to FILE")
    drift.add_argument(
        "--fail-on-change",
        nargs="?",
        const="changed",
        choices=["changed", "any"],
        help="exit 1 when an example changed or fails under a --python; with 'any', also when the "
        "sets differ only in rare outcomes",
    )
    drift.add_argument(
        "--jobs", "-j", type=int, help="runs at once (default: the site's, the lessonkit plugin's jobs)"
    )
    drift.add_argument(
        "--all", action="store_true", help="list the examples whose outcomes are the same, too"
    )
    return parser


def drift_command(args: argparse.Namespace) -> int:
    """``lessonkit drift``: run the site's examples under other Pythons and compare their outcomes."""
    import json

    from mkdocs.exceptions import ConfigurationError, PluginError

    from lessonkit.results.drift import CHANGED, FAILS, RARE, example_drift, render_text
    from lessonkit.results.drift import Drift as DriftReport
    from lessonkit.running.cache import ResultCache
    from lessonkit.running.interpreter import InterpreterNotFound, find
    from lessonkit.site.plugin import find_site_examples

    root = Path.cwd().resolve()
    if not (root / "mkdocs.yml").is_file():
        print("lessonkit drift: run it from the project's root (where mkdocs.yml is)", file=sys.stderr)
        return 2
    if args.jobs is not None and args.jobs < 1:
        print("lessonkit drift: --jobs must be at least 1", file=sys.stderr)
        return 2
    try:
        pythons = [find(request) for request in args.python]
    except InterpreterNotFound as error:
        print(f"lessonkit drift: {error}", file=sys.stderr)
        return 2
    try:
        site = find_site_examples(root / "mkdocs.yml")
    except (PluginError, ConfigurationError, IsolationUnavailable) as error:
        print(f"lessonkit drift: {error}", file=sys.stderr)
        return 2
    examples: dict[Example, list[str]] = {}
    details = {}
    for block in site.blocks:
        examples.setdefault(block.example, []).append(f"{block.site.page}:{block.site.line}")
        details.setdefault(block.example, block)
    if not examples:
        print("lessonkit drift: the site has no executed blocks", file=sys.stderr)
        return 2

    def run_all(executor: Executor) -> dict[Example, list[tuple[ExampleResult, ...]]]:
        runs = sum(e.options.samples * len(e.options.start_methods) for e in examples)
        print(
            f"lessonkit drift: {executor.python.label} ({executor.python.executable}): "
            f"{len(examples)} examples, {runs} runs, up to {executor.jobs} at once, "
            "from the cache where it has them ...",
            file=sys.stderr,
            flush=True,
        )
        batch = executor.start(examples, report=lambda done, total: print(
            f"lessonkit drift: {done} of {total} runs done", file=sys.stderr, flush=True
        ))  # fmt: skip
        executor.finish(batch)
        sets = batch.cached + batch.submitted
        print(
            f"lessonkit drift: {executor.python.label}: {batch.done_runs} runs made, "
            f"{batch.cached} of {sets} sets from the cache",
            file=sys.stderr,
            flush=True,
        )
        return {example: executor.results(example)[0] for example in examples}

    def executor_for(python: Interpreter | None) -> Executor:
        return Executor(
            repo_root=root,
            jobs=args.jobs or site.jobs,
            cache=ResultCache(site.cache_dir),
            isolation=site.isolation,
            trace=site.trace,
            python=python,
        )

    base_executor = executor_for(None)
    base = run_all(base_executor)
    reports = []
    for python in pythons:
        other = run_all(executor_for(python))
        reports.append(
            DriftReport(
                site_python=base_executor.python.label,
                python=python.label,
                executable=str(python.executable),
                examples=tuple(
                    example_drift(
                        sites=sites,
                        snippet=details[example].site.snippet,
                        options=example.options,
                        base=base[example],
                        other=other[example],
                        mask=details[example].judging.mask,
                    )
                    for example, sites in examples.items()
                ),
            )
        )
    print(render_text(reports, show_same=args.all, columns=shutil.get_terminal_size((100, 24)).columns))
    if args.json is not None:
        payload = {"site_python": base_executor.python.label, "pythons": [r.to_json() for r in reports]}
        args.json.write_text(json.dumps(payload, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {args.json}", file=sys.stderr)
    failing = {CHANGED, FAILS} | ({RARE} if args.fail_on_change == "any" else set())
    if args.fail_on_change and any(report.count(verdict) for report in reports for verdict in failing):
        return 1
    return 0


def import_command(args: argparse.Namespace) -> int:
    """Import a lesson; 2 for bad input (nothing written), 1 if a file would be overwritten."""
    from lessonkit.importing.importer import ImportRefused, import_lesson
    from lessonkit.importing.lesson import LessonError
    from lessonkit.importing.tidy import TidyError

    try:
        samples = parse_samples(args.samples, flag_spelling)
    except FenceOptionError as error:
        print(f"lessonkit: {error}", file=sys.stderr)
        return 2
    if args.jobs < 1:
        print("lessonkit: --jobs must be at least 1", file=sys.stderr)
        return 2
    root = Path.cwd().resolve()
    if not (root / "mkdocs.yml").is_file():
        print(
            "lessonkit: run lessonkit import from the project's root (where mkdocs.yml is)", file=sys.stderr
        )
        return 2
    try:
        from lessonkit.running.cache import ResultCache

        executor = Executor(
            repo_root=root,
            isolation=Isolation(args.isolation),
            jobs=args.jobs,
            cache=ResultCache(root / ".cache/lessonkit-import"),
        )
        report = import_lesson(
            args.lesson,
            args.slug,
            root,
            executor,
            samples=samples,
            force=args.force,
            upgrade_python2=args.upgrade_python2,
            progress=lambda line: print(line, file=sys.stderr, flush=True),
        )
    except ImportRefused as error:
        print(f"lessonkit: {error}", file=sys.stderr)
        return 1
    except (LessonError, IsolationUnavailable, TidyError) as error:
        print(f"lessonkit: {error}", file=sys.stderr)
        return 2
    print(f"lessonkit import: read {args.lesson} as {report.lesson.encoding}")
    print(report.table())
    for path in report.written:
        print(f"wrote {path}")
    if not report.written:
        print("nothing changed: the files are as this import would write them")
    if args.report is not None:
        import json

        args.report.write_text(
            json.dumps(report.to_json(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
        print(f"wrote the report to {args.report}")
    return 0


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
    methods = tuple(StartMethod(m) for m in args.start_method) if args.start_method else DEFAULT_START_METHODS
    try:
        timeout = parse_timeout(args.timeout or "30", flag_spelling)
        stuck_after = None
        if args.stuck_after is not None:
            stuck_after = parse_stuck_after(args.stuck_after, timeout, flag_spelling, "--timeout")
        screen = parse_screen(args.screen, flag_spelling)
        files = ()
        if args.files is not None:
            files = parse_files(
                " ".join(args.files), program=snippet.name, read=_read_module_file, spell=flag_spelling
            )
        expect_methods = None
        if args.expect_methods is not None:
            expect_methods = parse_expect_methods(
                args.expect_methods,
                start_methods=methods,
                expect=args.expect,
                returncode=args.returncode,
                spell=flag_spelling,
            )
    except FenceOptionError as error:
        print(f"lessonkit: {error}", file=sys.stderr)
        return 2
    try:
        limits = ResourceLimits().with_values(
            {
                "max_memory": args.max_memory,
                "max_processes": args.max_processes,
                "max_file_size": args.max_file_size,
            },
            flag_spelling,
        )
    except ValueError as error:
        print(f"lessonkit: {error}", file=sys.stderr)
        return 2
    try:
        samples = parse_samples(args.samples, flag_spelling)
        mask = Mask(args.mask) if args.mask else Mask()
    except (FenceOptionError, MaskError) as error:
        fence_form = f'mask="{args.mask}"'
        print(
            f"lessonkit: {str(error).replace(fence_form, flag_spelling('mask', args.mask))}", file=sys.stderr
        )
        return 2
    claim = None
    if args.claim is not None:
        try:
            claim = args.claim.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            print(f"lessonkit: cannot read claim {args.claim}: {error}", file=sys.stderr)
            return 2
    if args.jobs < 1:
        print("lessonkit: --jobs must be at least 1", file=sys.stderr)
        return 2
    options = RunOptions(
        start_methods=methods,
        timeout=timeout,
        returncode=args.returncode,
        expect=args.expect,
        limits=limits,
        samples=samples,
        expect_methods=expect_methods,
        screen=screen,
        stdin=None if args.stdin is None else parse_stdin(args.stdin),
        stuck_after=stuck_after,
        files=files,
        terminal=not args.pipe,
    )
    try:
        executor = Executor(
            repo_root=Path.cwd().resolve(),
            isolation=Isolation(args.isolation),
            jobs=args.jobs,
            trace=args.trace,
        )
    except IsolationUnavailable as error:
        print(error, file=sys.stderr)
        return 2
    where = "in a sandbox" if executor.isolated else "without a sandbox"
    times = f"{samples} times each, up to {executor.jobs} at once, " if samples > 1 else ""
    beside = f" with {', '.join(name for name, _ in files)} beside it" if files else ""
    print(
        f"lessonkit: running {snippet}{beside} under {', '.join(m.value for m in methods)}, "
        f"{times}{where} ...",
        file=sys.stderr,
    )
    example = Example(code=code, options=options, filename=snippet.name)
    per_method, _ = executor.results(example)
    failed = False
    for method, results in zip(methods, per_method, strict=True):
        outcomes = judge_results(method.value, results, mask=mask, claim=claim)
        _print_outcomes(outcomes, results, piped=not options.terminal)
        if outcomes.claim_seen is not None:
            abridged = " (tracebacks cut to their last line)" if outcomes.claim_abridged else ""
            print(
                f"--- claim {args.claim}: printed by {outcomes.claim_seen} of {outcomes.runs} runs{abridged}"
            )
        if outcomes.trace is not None:
            print("--- what each process did in the run of outcome 1:")
            for sentence in describe_events(outcomes.trace, "en"):
                print(f"    {sentence}")
        for number, result in enumerate(results, start=1):
            problem = find_problem(result, options, flag_spelling)
            if problem:
                failed = True
                which = f" (run {number} of {len(results)})" if len(results) > 1 else ""
                print(f"lessonkit: {snippet}{which}: {problem}", file=sys.stderr)
    return 1 if failed else 0


def _read_module_file(path: str) -> str:
    """Read one ``--files`` path (from the current directory) for :func:`parse_files`."""
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FenceOptionError("no such file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise FenceOptionError(f"cannot be read: {error}") from None


def _status(result: ExampleResult) -> str:
    if result.limit is not None:
        return f"killed over {result.limit}"
    if result.stuck:
        return "stuck, stopped"
    if result.timed_out:
        return "timed out"
    return f"exit {result.returncode}"


def _print_outcomes(
    outcomes: MethodOutcomes, results: tuple[ExampleResult, ...], *, piped: bool = False
) -> None:
    """Print one start method's runs: a header, then each outcome with its count.

    *piped*: the runs were asked to write to a pipe (``--pipe``), not a terminal.
    """
    if all(r.terminal for r in results):
        mode = "terminal"
    elif piped:
        mode = "pipe, block-buffered"
    else:
        mode = "pipes, unbuffered"
    statuses = sorted({_status(r) for r in results})
    usage = (
        f"peak {max(r.peak_processes for r in results)} processes, "
        f"{format_size(max(r.peak_memory for r in results))}"
    )
    durations = sorted(r.duration for r in results)
    took = f"{durations[0]:.1f} s" if len(results) == 1 else f"{durations[0]:.1f}–{durations[-1]:.1f} s"
    print(f"==> {outcomes.method} ({', '.join(statuses)}, {took}, {mode}, {usage})")
    for number, outcome in enumerate(outcomes.outcomes, start=1):
        if outcomes.runs > 1:
            print(f"--- outcome {number}: seen in {outcome.count} of {outcomes.runs} runs")
        text = outcome.output
        print(text, end="" if text.endswith("\n") or not text else "\n")


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``lessonkit`` command."""
    args = build_parser().parse_args(argv)
    if args.command == "import":
        return import_command(args)
    if args.command == "drift":
        return drift_command(args)
    return run_command(args)


if __name__ == "__main__":
    sys.exit(main())
