"""Import a lesson: run its programs, judge its claims, and write snippets, claims and a page.

Everything is decided before anything is written, and then written all or nothing:

- ``snippets/SLUG/NN_name.py``: each program, tidied to pass the example checks
  (:mod:`.tidy`) and shown by real runs to behave as the lesson's code (converted from
  Python 2 first when asked: :mod:`.python2`); a module another program imports is placed
  beside it for its runs (``files=``) and shown as source;
- ``snippets/SLUG/original/NN_name.txt``: each claimed output;
- ``docs/SLUG.md``: the lesson's headings and prose as written, each program shown once as
  source and once executed with ``claim=`` (and ``mask=`` for the values that differ between
  runs: :mod:`lessonkit.results.volatile`), and a warning with the numbers under each claim
  that real runs contradict, said to be probably captured through a pipe when runs through
  a pipe print it;
- ``snippets/SLUG/.lessonkit-import.json``: what was written, so that importing again
  changes nothing, and a file edited since is never overwritten without ``--force``;
- the page's entry in ``mkdocs.yml``'s ``nav`` (the home pages list the nav's lessons).
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from lessonkit.importing.lesson import (
    Lesson,
    LessonError,
    Part,
    Program,
    named_file,
    program_name,
    read_lesson,
)
from lessonkit.importing.python2 import Python2Error, Upgrade, upgrade
from lessonkit.importing.tidy import tidy
from lessonkit.results.checks import TRACEBACK_MARKER, find_problem
from lessonkit.results.drift import missing_common
from lessonkit.results.outcomes import Mask, MethodOutcomes, exception_lines, judge
from lessonkit.results.volatile import Volatile, find_volatile
from lessonkit.running.executor import Example, Executor
from lessonkit.running.options import MAX_SAMPLES, RunOptions
from lessonkit.running.runner import ExampleResult
from lessonkit.running.start_method import DEFAULT_START_METHODS, StartMethod

SLUG = re.compile(r"^[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*$")
MANIFEST = ".lessonkit-import.json"
TIMEOUT = 30.0


class ImportRefused(LessonError):
    """Importing would overwrite a file edited since the last import (or another lesson's)."""


VERDICTS = {
    "matches": "every run printed the claimed output",
    "sometimes": "some runs printed it",
    "never-seen": "no run printed it, in a terminal or through a pipe",
    "seen-through-pipe": "no run printed it in a terminal; some did through a pipe",
    "no-claim": "the lesson claims no output",
    "module": "a module another program imports: shown as source, placed beside that program",
    "python2": "Python 2: shown, not run (--upgrade-python2 converts it)",
    "not-run": "shown, not run (the reason is given)",
}
"""Every verdict of the report, for people."""


@dataclass
class ProgramReport:
    """What the runs of one program showed."""

    program: Program
    name: str
    snippet: str | None = None
    claim_file: str | None = None
    methods: dict[str, MethodOutcomes] = field(default_factory=dict)
    pipe: dict[str, MethodOutcomes] = field(default_factory=dict)
    """The runs through a pipe, made when no run in a terminal printed the claim."""
    fence: dict[str, str] = field(default_factory=dict)
    """Options of the executed fence beyond ``exec``, ``claim`` and ``files`` (``expect``, ...)."""
    form: str = ""
    """How the snippet relates to the lesson's code, for people."""
    not_run: str | None = None
    """Why the program is shown but not executed, or None."""
    files: list[str] = field(default_factory=list)
    """Names of the lesson's modules this program imports, placed beside it for every run."""
    module_of: list[str] = field(default_factory=list)
    """Programs that import this one as a module (then it is shown, not run)."""
    volatile: Volatile | None = None
    """Values that differ from run to run, masked before outputs are compared."""
    upgraded: Upgrade | None = None
    """The conversion from Python 2, when the program was converted."""
    missing_modules: list[str] = field(default_factory=list)
    """Modules the program imports that exist nowhere (its real error is kept)."""

    @property
    def verdict(self) -> str:
        if self.module_of:
            return "module"
        if self.program.python2 and self.upgraded is None:
            return "python2"
        if self.not_run is not None:
            return "not-run"
        if self.program.claim is None:
            return "no-claim"
        seen = [m.claim_seen or 0 for m in self.methods.values()]
        if all(s == m.runs for s, m in zip(seen, self.methods.values(), strict=True)):
            return "matches"
        if any(seen):
            return "sometimes"
        return "seen-through-pipe" if any(m.claim_seen for m in self.pipe.values()) else "never-seen"

    def to_json(self) -> dict[str, object]:
        def counts(methods: dict[str, MethodOutcomes]) -> dict[str, object]:
            return {
                method: {"runs": m.runs, "claim_seen": m.claim_seen, "outcomes": len(m.outcomes)}
                for method, m in methods.items()
            }

        return {
            "snippet": self.snippet,
            "line": self.program.line,
            "claim": self.claim_file,
            "claim_line": self.program.claim_line,
            "claim_rule": self.program.claim_rule,
            "methods": counts(self.methods),
            "pipe": counts(self.pipe),
            "verdict": self.verdict,
            "fence": self.fence,
            "files": self.files,
            "module_of": self.module_of,
            "masks": list(self.volatile.kinds) if self.volatile else [],
            "python2": list(self.program.python2),
            "upgraded": [change.text("en") for change in self.upgraded.changes] if self.upgraded else [],
            "missing_modules": self.missing_modules,
            "session": self.program.session is not None,
            "form": self.form,
            "not_run": self.not_run,
        }

    def remarks(self) -> str:
        """The report table's last column: what was done to the program, and what else to know."""
        said = [self.not_run or self.form]
        if self.program.claim_rule:
            said.append(f"claim: {self.program.claim_rule}")
        if self.files:
            said.append(f"files: {', '.join(f'{f}.py' for f in self.files)}")
        if self.volatile:
            said.append(f"masked: {', '.join(self.volatile.kinds)}")
        if self.upgraded:
            said.append(f"from Python 2 ({len(self.upgraded.changes)} changes)")
        if self.missing_modules:
            said.append(f"missing module {', '.join(self.missing_modules)}")
        if self.pipe:
            said.append(
                f"through a pipe: {' · '.join(f'{m} {o.claim_seen}/{o.runs}' for m, o in self.pipe.items())}"
            )
        return "; ".join(s for s in said if s)


@dataclass
class ImportReport:
    lesson: Lesson
    slug: str
    programs: list[ProgramReport]
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        return {
            "lesson": str(self.lesson.path),
            "slug": self.slug,
            "encoding": self.lesson.encoding,
            "meta": self.lesson.meta,
            "programs": [p.to_json() for p in self.programs],
            "notes": self.lesson.notes,
            "written": self.written,
            "unchanged": self.unchanged,
        }

    def table(self) -> str:
        """The report for people: one row per program, then the fences no rule took for an output."""
        rows = [("program", "line", "verdict", *(m.value for m in DEFAULT_START_METHODS), "remarks")]
        for p in self.programs:
            counts = [
                f"{p.methods[m.value].claim_seen}/{p.methods[m.value].runs}"
                if m.value in p.methods and p.program.claim is not None
                else "-"
                for m in DEFAULT_START_METHODS
            ]
            rows.append((p.name, str(p.program.line), p.verdict, *counts, p.remarks()))
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
        lines = [
            "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=False)) + "  " + row[-1]
            for row in rows
        ]
        lines += [f"note: {note}" for note in self.lesson.notes]
        return "\n".join(line.rstrip() for line in lines)


# -- running -----------------------------------------------------------------------------------


STUCK_AFTER = 2.0
"""Seconds a run's processes all wait for each other before it counts as stuck: the first
pass stops such a run then (not at the timeout), and a program stuck in every run is declared
with ``stuck_after``."""


def _options(
    samples: int,
    fence: dict[str, str],
    *,
    files: tuple[tuple[str, str], ...] = (),
    detect_stuck: bool = False,
) -> RunOptions:
    """The options of a run: the fence's declarations and the modules placed beside the
    program; *detect_stuck*: stop a stuck run early (the first pass, which learns what each
    program does)."""
    methods = DEFAULT_START_METHODS
    expect_methods = None
    if "expect_methods" in fence:
        expect_methods = tuple(StartMethod(m) for m in fence["expect_methods"].split())
    stuck_after = float(fence["stuck_after"]) if "stuck_after" in fence else None
    return RunOptions(
        start_methods=methods,
        timeout=TIMEOUT,
        returncode=int(fence.get("returncode", "0")),
        expect=fence.get("expect"),
        samples=samples,
        expect_methods=expect_methods,
        stuck_after=stuck_after,
        watch_stuck_after=STUCK_AFTER if detect_stuck else None,
        files=files,
    )


def _declare(runs: dict[StartMethod, tuple[ExampleResult, ...]]) -> tuple[dict[str, str], str | None]:
    """Return the fence options that make these runs pass, or why no options can.

    A program that crashes in every run under a method gets ``expect`` (the exception's
    line) and, when not under every method, ``expect_methods``. A program stuck in every run
    under every method (a deadlock) gets ``stuck_after``.
    """
    stuck = {method: all(result.stuck > 0 for result in results) for method, results in runs.items()}
    if all(stuck.values()):  # each method's runs stopped at the first one, stuck
        return {"stuck_after": f"{STUCK_AFTER:g}"}, None
    if any(result.stuck > 0 for results in runs.values() for result in results):
        return {}, "it got stuck in some runs only: a race that sometimes deadlocks"
    crashing: dict[StartMethod, ExampleResult] = {}
    for method, results in runs.items():
        for result in results:
            if result.timed_out or result.limit is not None or result.left_running:
                problem = find_problem(result, _options(1, {}))
                return {}, problem
            if TRACEBACK_MARKER in result.output or result.returncode != 0:
                crashing[method] = result
    if not crashing:
        return {}, None
    fence: dict[str, str] = {}
    example = next(iter(crashing.values()))
    exceptions = exception_lines(example.output)
    if exceptions:
        line = exceptions[-1].strip()
        # The whole line, unless it cannot be an option's value or holds a value that changes
        # from run to run (an object's address): then the exception's name.
        volatile = '"' in line or re.search(r"0x[0-9a-fA-F]{4,}", line)
        fence["expect"] = line.split(":")[0] if volatile else line
    if example.returncode not in (0, None):
        fence["returncode"] = str(example.returncode)
    if "expect" not in fence and "returncode" not in fence:
        return {}, "it fails without a traceback or an exit code to declare"
    if set(crashing) != set(runs):
        fence["expect_methods"] = " ".join(m.value for m in runs if m in crashing)
    return fence, None


def _run(
    executor: Executor, examples: dict[str, Example], progress: Callable[[str], None]
) -> dict[str, dict[StartMethod, tuple[ExampleResult, ...]]]:
    """Run *examples* (by name) together; return each one's samples per start method."""
    batch = executor.start(
        examples.values(),
        report=lambda done, total: progress(f"lessonkit import: {done} of {total} runs done"),
    )
    executor.finish(batch)
    found = {}
    for name, example in examples.items():
        per_method, _ = executor.results(example)
        found[name] = dict(zip(example.options.start_methods, per_method, strict=True))
    return found


Runs = dict[StartMethod, tuple[ExampleResult, ...]]
NO_MASK = Mask()


def _judge(runs: Runs, claim: str | None, mask: Mask = NO_MASK) -> dict[str, MethodOutcomes]:
    return {
        m.value: judge(m.value, [r.output for r in results], mask=mask, claim=claim)
        for m, results in runs.items()
    }


MASKED_KINDS = ("pid", "time", "date", "duration")
"""What the import masks by itself: not ``number``, which is as often what a race decides
(a counter that lost updates) as a random number, and what the lesson is there to show."""


def _prints_pids(code: str) -> bool:
    """Whether *code* reads a process id: ``p.pid``, ``os.getpid()``, ``os.getppid()``."""
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Attribute) and node.attr in ("pid", "getpid", "getppid", "ident"):
            return True
        if isinstance(node, ast.Name) and node.id in ("getpid", "getppid"):
            return True
    return False


def _volatile(code: str, *runs: Runs) -> Volatile | None:
    """The values that differ between the runs of one program, under every start method."""
    outputs = [r.output for by_method in runs for results in by_method.values() for r in results]
    return find_volatile(outputs, kinds=MASKED_KINDS, prints_pids=_prints_pids(code))


_MISSING_MODULE = re.compile(r"^ModuleNotFoundError: No module named '([\w.]+)'", re.MULTILINE)


def same_outcomes(a: Runs, b: Runs, mask: Mask = NO_MASK) -> bool:
    """Whether two programs' runs show the same outcomes under every start method.

    An outcome one program printed in at least 3 runs and a tenth of them must be among the
    other's (:func:`lessonkit.results.drift.missing_common`). Rarer ones may be turns of a
    race the other's runs happened to miss, so they alone do not tell the programs apart;
    neither does how often each outcome came.
    """
    for method in a:
        mine = judge(method.value, [r.output for r in a[method]], mask=mask)
        theirs = judge(method.value, [r.output for r in b[method]], mask=mask)
        if missing_common(mine, theirs) or missing_common(theirs, mine):
            return False
    return True


def _imports(code: str) -> set[str]:
    """The top-level names of the modules *code* imports (``import a.b`` imports ``a``)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def _converted(program: Program) -> Upgrade | Python2Error | None:
    """A Python 2 program converted to Python 3 (to name it by what it runs, and to run it when
    asked), why it cannot be, or None for a program that is not Python 2."""
    if not program.python2:
        return None
    try:
        return upgrade(program.code)
    except Python2Error as error:
        return error


def _readied(lesson: Lesson, upgrade_python2: bool) -> tuple[list[ProgramReport], dict[str, str]]:
    """Name every program; return the reports and the code to run of each program that can run
    (converted from Python 2 when asked)."""
    reports: list[ProgramReport] = []
    code_of: dict[str, str] = {}
    for number, program in enumerate(lesson.programs, start=1):
        converted = _converted(program)
        taken = {r.name for r in reports}
        runs = converted.code if isinstance(converted, Upgrade) else None
        report = ProgramReport(program=program, name=program_name(program, number, taken, code=runs))
        reports.append(report)
        code = program.code
        if program.python2:
            signs = "; ".join(program.python2[:3])
            if not upgrade_python2:
                report.not_run = (
                    f"shown, not run: it is Python 2 ({signs}); --upgrade-python2 converts it and runs it"
                )
                continue
            if not isinstance(converted, Upgrade):
                report.not_run = (
                    f"shown, not run: it is Python 2 ({signs}) and cannot be converted: {converted}"
                )
                continue
            report.upgraded = converted
            code = converted.code
        elif program.syntax_error is not None:
            report.not_run = f"shown, not run: it does not parse ({program.syntax_error})"
            continue
        code_of[report.name] = code
    # A program whose first line names its file, imported by another program: a module of it.
    modules = {r.name: r for r in reports if r.name in code_of and named_file(r.program) == r.name}
    for report in reports:
        if report.name not in code_of:
            continue
        for name in sorted(_imports(code_of[report.name]) & set(modules) - {report.name}):
            report.files.append(name)
            modules[name].module_of.append(report.name)
    return reports, code_of


def analyse(
    lesson: Lesson,
    slug: str,
    executor: Executor,
    *,
    samples: int,
    upgrade_python2: bool = False,
    progress: Callable[[str], None] = lambda line: None,
) -> tuple[ImportReport, dict[str, str]]:
    """Run every program of *lesson*; return the report and the snippet of each program by name."""
    reports, code_of = _readied(lesson, upgrade_python2)
    snippets: dict[str, str] = {}
    tidied = {name: tidy(code) for name, code in code_of.items()}
    for report in reports:
        if report.module_of:  # shown as source: no runs can show a rewrite is the same program
            t = tidied[report.name]
            snippets[report.name] = t.rewritten if t.same_tree else t.as_written
            report.snippet = f"snippets/{slug}/{report.name}.py"
            report.form = f"module of {', '.join(report.module_of)}: shown as source, not run"
    runnable = [r for r in reports if r.name in tidied and not r.module_of]

    def files(report: ProgramReport) -> tuple[tuple[str, str], ...]:
        return tuple((f"{name}.py", snippets[name]) for name in report.files)

    # First pass: every candidate with no declarations, to learn what each program does.
    first: dict[str, Example] = {}
    for report in runnable:
        t = tidied[report.name]
        learn = _options(samples, {}, files=files(report), detect_stuck=True)
        first[report.name] = Example(t.rewritten, learn, f"{report.name}.py")
        if not t.same_tree:
            first[f"{report.name}/as-written"] = Example(t.as_written, learn, f"{report.name}.py")
    progress(f"lessonkit import: running {len(first)} programs {samples} times under each start method ...")
    runs = _run(executor, first, progress)
    # Crashing programs stop at their first failing run: declare what they print, run them again.
    second: dict[str, Example] = {}
    for report in runnable:
        # What the lesson's own code does decides the declarations, never an error of a rewrite.
        fence, problem = _declare(runs.get(f"{report.name}/as-written", runs[report.name]))
        if problem is not None:
            report.not_run = f"shown, not run: {problem}"
            continue
        report.fence = fence
        if fence:
            t = tidied[report.name]
            declared = _options(samples, fence, files=files(report))
            second[report.name] = Example(t.rewritten, declared, f"{report.name}.py")
            if not t.same_tree:
                second[f"{report.name}/as-written"] = Example(t.as_written, declared, f"{report.name}.py")
    if second:
        progress(f"lessonkit import: running {len(second)} programs that raise or hang again, declared ...")
        runs.update(_run(executor, second, progress))
    latest = {**first, **second}  # each candidate's example, with what it declares
    masks: dict[str, Mask] = {}
    for report in runnable:
        if report.not_run is not None:
            continue
        options = _options(samples, report.fence, files=files(report))  # as the page declares it
        problems = [p for rs in runs[report.name].values() for r in rs if (p := find_problem(r, options))]
        if problems:
            report.not_run = f"shown, not run: it does not behave the same in every run ({problems[0]})"
            continue
        candidates = [runs[key] for key in (report.name, f"{report.name}/as-written") if key in runs]
        report.volatile = _volatile(code_of[report.name], *candidates)
        masks[report.name] = Mask(report.volatile.pattern) if report.volatile else Mask()
        if report.volatile:
            report.fence["mask"] = report.volatile.pattern
    # A rewrite whose outcomes look different gets a second look, with twice the runs, all new.
    again = min(2 * samples, MAX_SAMPLES)
    recheck = {
        f"{key}/again": replace(latest[key], options=replace(latest[key].options, samples=again))
        for report in runnable
        if report.not_run is None and not tidied[report.name].same_tree
        if not same_outcomes(runs[f"{report.name}/as-written"], runs[report.name], masks[report.name])
        for key in (report.name, f"{report.name}/as-written")
    }
    if recheck:
        progress(
            f"lessonkit import: {len(recheck) // 2} rewritten programs look different; running both again ..."
        )
        runs.update(_run(executor, recheck, progress))
    chosen: dict[str, Example] = {}
    for report in runnable:
        if report.not_run is not None:
            continue
        t, mask = tidied[report.name], masks[report.name]
        results = runs[report.name]
        key = report.name
        if t.same_tree:
            report.form = "tidied (same syntax tree)"
        else:
            rechecked = f"{report.name}/again" in runs
            total = (samples + (again if rechecked else 0)) * len(results)
            if same_outcomes(runs[f"{report.name}/as-written"], results, mask) or (
                rechecked
                and same_outcomes(runs[f"{report.name}/as-written/again"], runs[f"{report.name}/again"], mask)
            ):
                report.form = f"rewritten (same outcomes in {total} runs each)"
            else:
                key = f"{report.name}/as-written"
                results = runs[key]
                report.form = f"as written, with noqa {' '.join(t.waived)} (rewriting changed the outcomes)"
        if report.program.session is not None:
            report.form = f"a >>> session run as a script; {report.form}"
        snippets[report.name] = latest[key].code
        chosen[report.name] = latest[key]
        report.snippet = f"snippets/{slug}/{report.name}.py"
        if report.program.claim is not None:
            report.claim_file = f"snippets/{slug}/original/{report.name}.txt"
        report.methods = _judge(results, report.program.claim, mask)
        outputs = "\n".join(r.output for rs in results.values() for r in rs)
        report.missing_modules = sorted(set(_MISSING_MODULE.findall(outputs)))
    # A claim no run printed in a terminal may have been captured through a pipe (a book's build,
    # `python x.py > out.txt`), where a child's prints wait in its buffer until it exits.
    piped = {
        f"{report.name}/pipe": replace(
            chosen[report.name], options=replace(chosen[report.name].options, terminal=False)
        )
        for report in runnable
        if report.name in chosen and report.verdict == "never-seen"
    }
    if piped:
        progress(
            f"lessonkit import: {len(piped)} claims never seen; running those programs through a pipe ..."
        )
        runs.update(_run(executor, piped, progress))
        for report in runnable:
            if f"{report.name}/pipe" in runs:
                report.pipe = _judge(runs[f"{report.name}/pipe"], report.program.claim, masks[report.name])
    return ImportReport(lesson=lesson, slug=slug, programs=reports), snippets


# -- the page ----------------------------------------------------------------------------------

_HTML_TAG = re.compile(r"<(?=[A-Za-z/!?])")
_FENCE_OPENING = re.compile(r"^(\s*)(`{3,}|~{3,})[^\n]*")


def _as_text(fence: str) -> str:
    """The lesson's fence with its language replaced by ``text``: shown, never run or linted."""
    return _FENCE_OPENING.sub(lambda m: f"{m[1]}{m[2]}text", fence, count=1)


_SNIPPET_LINE = re.compile(r"^(\s*)(-+8<-+)", re.MULTILINE)


def _prose(text: str) -> str:
    """The lesson's prose, as written, except what would make the page run or include anything."""
    text = _SNIPPET_LINE.sub(r"\1;\2", text)  # a literal --8<--, never an include
    return _HTML_TAG.sub("&lt;", text)  # raw HTML shows as text


def _counts(report: ProgramReport) -> str:
    return " · ".join(f"{m} {o.claim_seen}/{o.runs}" for m, o in report.methods.items())


def _fence_options(report: ProgramReport, slug: str) -> str:
    options = ['exec="on"']
    if _in_exercise(report):  # the answer box opens after the reader's prediction is checked
        options.append('predict="on"')
    options += [f'{name}="{value}"' for name, value in report.fence.items()]
    if report.files:
        options.append(f'files="{" ".join(f"{slug}/{name}.py" for name in report.files)}"')
    if report.claim_file is not None:
        options.append(f'claim="{slug}/original/{report.name}.txt"')
    return " ".join(options)


def _erratum(report: ProgramReport) -> list[str]:
    if report.verdict not in ("never-seen", "sometimes", "seen-through-pipe"):
        return []
    if report.verdict == "seen-through-pipe":
        piped = " · ".join(f"{m} {o.claim_seen}/{o.runs}" for m, o in report.pipe.items())
        title = "勘误待写：原文的输出多半是通过管道捕获的"
        body = (
            f"在终端里运行时，原文给出的输出出现的次数：{_counts(report)}；"
            f"输出到管道时（比如 `python 文件名.py > out.txt`）：{piped}。"
            "输出到管道时，标准输出是块缓冲的：子进程 print 的内容要等它退出时才写出，"
            "所以原文的输出多半是这样捕获的。本页的标签页显示的是在终端里运行的输出。"
        )
    elif report.verdict == "never-seen":
        title = "勘误待写：原文给出的输出在真实运行中一次也没有出现"
        body = f"原文给出的输出在真实运行中出现的次数：{_counts(report)}。"
    elif all(m.claim_seen in (0, m.runs) for m in report.methods.values()):
        methods = "、".join(m for m, o in report.methods.items() if o.claim_seen)
        title = "勘误待写：原文给出的输出只在一部分启动方式下出现"
        body = (
            f"原文给出的输出在真实运行中出现的次数：{_counts(report)}。"
            f"输出取决于启动方式：原文的输出只在 {methods} 下出现。"
        )
    else:
        title = "勘误待写：原文给出的输出只在部分运行中出现"
        body = (
            f"原文给出的输出在真实运行中出现的次数：{_counts(report)}。"
            "输出取决于进程之间的竞争，原文只给出了其中一种。"
        )
    return [
        f'!!! warning "{title}"',
        "",
        f"    {body}",
        "    原文在下面对这段输出的解释需要对照真实的输出重写。",
        "",
    ]


def _missing(report: ProgramReport) -> list[str]:
    if not report.missing_modules:
        return []
    names = "、".join(f"`{name}`" for name in report.missing_modules)
    return [
        f'!!! warning "缺少模块：{"、".join(report.missing_modules)}"',
        "",
        f"    这个程序导入的 {names} 既不在原文里，也不是 Python 自带的模块，",
        "    所以每次运行都报 `ModuleNotFoundError`。",
        "    请找到原文省略的这个文件，或者改写这个例子。",
        "",
    ]


EXERCISE_WORDS = ("练习", "习题", "exercise")
"""A heading with one of these words holds exercises: their outputs are answers, hidden until opened."""

ANSWER_TITLE = "答案：真实运行的输出"


def _in_exercise(program: ProgramReport) -> bool:
    heading = (program.program.heading or "").lower()
    return any(word in heading for word in EXERCISE_WORDS)


def _results(program: ProgramReport, slug: str) -> list[str]:
    """The executed block that shows *program*'s real outputs, and its erratum if any.

    Under an exercise heading they are the answer, in a collapsed box the reader opens after
    thinking (or after checking a prediction: ``predict="on"``), as the lessons write exercises:
    after the prose that follows the program (the question), unless an ``输出结果`` line says where.
    """
    lines = [
        f"```python {_fence_options(program, slug)}",
        f'--8<-- "{slug}/{program.name}.py"',
        "```",
        "",
        *_erratum(program),  # right under the output it is about
        *([f"*{program.volatile.describe('zh')}*", ""] if program.volatile else []),
        *_missing(program),
    ]
    if not _in_exercise(program):
        return lines
    return [f'??? success "{ANSWER_TITLE}"', "", *(f"    {line}" if line else "" for line in lines)]


def _quoted(text: str) -> str:
    """*text* as a double-quoted YAML string on one line."""
    return json.dumps(re.sub(r"\s+", " ", text).strip(), ensure_ascii=False)


KEPT_META = ("date", "category", "categories", "tags", "author", "authors")
"""Front matter of the lesson that the page keeps (its title is the page's, its summary the description)."""


def _front_matter(lesson: Lesson) -> list[str]:
    meta = lesson.meta
    summary = meta.get("summary") or meta.get("description")
    first_prose = next((part.text for part in lesson.parts if part.kind == "prose"), lesson.title)
    description = (summary or re.sub(r"\s+", " ", first_prose).strip()[:120]).replace("\\", "/")
    lines = ["---", f"description: {_quoted(description)}"]
    lines += [f"{key}: {_quoted(meta[key])}" for key in KEPT_META if meta.get(key)]
    return [*lines, "---", ""]


def _unjudged_claim(part: Part) -> list[str]:
    """A claim of a program that is not run: kept, collapsed, and said to be unjudged."""
    return [
        '??? quote "原文给出的输出（这段程序没有运行，无法对照）"',
        "",
        *(f"    {line}" if line else "" for line in _as_text(part.text).split("\n")),
        "",
    ]


def _notes(program: ProgramReport) -> list[str]:
    """What the page says about a program's code: converted from Python 2, a session, not run."""
    if program.upgraded is not None:
        changes = [f"    - {change.text('zh')}" for change in program.upgraded.changes]
        return [
            '!!! note "这段代码由 Python 2 转换而来"',
            "",
            "    原文是 Python 2 的代码，导入时做了这些改动：",
            "",
            *changes,
            "",
        ]
    if program.verdict == "python2":
        return [
            '!!! warning "这段程序是 Python 2 写的，没有运行"',
            "",
            "    导入时发现了这些 Python 2 的写法：",
            "",
            *(f"    - `{sign}`" for sign in program.program.python2),
            "",
        ]
    if program.program.session is not None:
        echoed = "会话里回显的表达式写成了 `print(repr(...))`。" if program.program.session.echoed else ""
        return [f"*原文是一段交互式会话（`>>>`），这里写成了脚本。{echoed}*", ""]
    return []


def render_page(report: ImportReport) -> str:
    """Return ``docs/SLUG.md``."""
    slug, lesson = report.slug, report.lesson
    by_program = {id(p.program): p for p in report.programs}
    out = [*_front_matter(lesson), f"# {lesson.title} {{ #{slug} }}", ""]
    if not any(program.methods for program in report.programs):
        out += [
            '!!! info "本页的程序都没有运行"',
            "",
            "    每个程序下面写明了没有运行的原因；原文给出的输出保留在折叠框里，没有和真实的运行对照过。",
            "",
        ]
    else:
        out += [
            '!!! info "本页的输出是怎么来的"',
            "",
            "    本页的每一段“输出结果”都是构建网站时真实运行得到的："
            "每个例子都以 `python 文件名.py` 的方式，",
            "    在全新的解释器、伪终端里运行，在 fork、spawn、forkserver 三种启动方式下各运行多次，",
            "    标签页下方写明每种结果出现的次数。",
            "    这些运行是在一台共享的机器上并行进行的，机器的负载会改变竞争的走向，",
            "    所以每次构建网站时次数都可能不同。",
        ]
        if any(program.program.claim is not None and program.methods for program in report.programs):
            out.append("    “原文给出的输出”里保留了原文的说法，并写出它在真实运行中出现了几次。")
        out.append("")
    sections = 0
    title_part = lesson.title_heading
    answer: list[str] = []  # an exercise's hidden answer, put after the prose that asks the question
    for part in lesson.parts:
        if answer and part.kind in ("heading", "program"):
            out, answer = out + answer, []
        if part is title_part:  # the page's title, not a section of its own
            continue
        program = by_program[id(part.program)] if part.program is not None else None
        runs = program is not None and program.methods != {}  # executed on the page
        if part.kind == "heading":
            sections += 1
            out += [f"{'#' * max(2, part.level)} {part.text} {{ #{slug}-{sections} }}", ""]
        elif part.kind == "prose":
            out += [_prose(part.text), ""]
        elif part.kind == "program" and program is not None:
            if program.snippet is None:  # shown as the lesson has it, never run
                out += [_as_text(part.text), "", *_notes(program)]
                if program.program.session is not None and program.program.claim is not None:
                    out += _unjudged_claim(part)
                continue
            out += ["```python", f'--8<-- "{slug}/{program.name}.py"', "```", "", *_notes(program)]
            if runs and (part.program.claim is None or part.program.session) and not part.program.announced:
                if _in_exercise(program):
                    answer = _results(program, slug)
                else:
                    out += _results(program, slug)
            elif not runs and part.program.session is not None and part.program.claim is not None:
                out += _unjudged_claim(part)
        elif part.kind == "marker" and program is not None:
            out += [_prose(part.text), ""]
            if runs and part.program.claim is None:
                out += _results(program, slug)
        elif part.kind == "claim" and program is not None:
            out += _results(program, slug) if runs else _unjudged_claim(part)
    out += answer
    return "\n".join(out).rstrip("\n") + "\n"


# -- writing, all or nothing ---------------------------------------------------------------------


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _with_nav(config: str, slug: str) -> str:
    """Return mkdocs.yml's text with ``SLUG.md`` appended to its ``nav`` (unchanged if there)."""
    lines = config.split("\n")
    if f"  - {slug}.md" in lines:
        return config
    try:
        start = lines.index("nav:")
    except ValueError:
        raise LessonError("mkdocs.yml: no top-level nav: to add the lesson to") from None
    end = start + 1
    while end < len(lines) and lines[end].startswith("  "):
        end += 1
    while lines[end - 1].strip() == "":
        end -= 1
    lines.insert(end, f"  - {slug}.md")
    return "\n".join(lines)


def plan_files(report: ImportReport, snippets: dict[str, str], root: Path) -> dict[str, str]:
    """Return every file the import writes, by path relative to *root*, with its content."""
    slug = report.slug
    files: dict[str, str] = {}
    for program in report.programs:
        if program.snippet is None:
            continue
        files[program.snippet] = snippets[program.name]
        if program.claim_file is not None and program.program.claim is not None:
            files[program.claim_file] = program.program.claim
    files[f"docs/{slug}.md"] = render_page(report)
    return files


def check_slug(slug: str, root: Path, lesson: Path) -> None:
    """Refuse a slug that is not a lowercase ASCII name, or that another lesson has."""
    if not SLUG.match(slug):
        raise LessonError(
            f"--slug {slug}: a slug is a lowercase ASCII name (letters, digits, - or _), e.g. queues"
        )
    manifest = root / "snippets" / slug / MANIFEST
    taken = (root / "docs" / f"{slug}.md").exists() or (root / "snippets" / slug).exists()
    if not taken:
        return
    if not manifest.exists():
        raise LessonError(f"--slug {slug}: docs/{slug}.md or snippets/{slug}/ belongs to another lesson")
    recorded = json.loads(manifest.read_text(encoding="utf-8"))
    if recorded.get("lesson") != lesson.name:
        raise LessonError(f"--slug {slug}: it was imported from {recorded.get('lesson')}, not {lesson.name}")


def write_files(report: ImportReport, files: dict[str, str], root: Path, *, force: bool) -> None:
    """Write *files* and the nav entry, all or nothing; refuse to overwrite edited files."""
    slug = report.slug
    manifest_path = f"snippets/{slug}/{MANIFEST}"
    recorded: dict[str, str] = {}
    if (root / manifest_path).exists():
        recorded = json.loads((root / manifest_path).read_text(encoding="utf-8")).get("files", {})
    for path, content in files.items():
        target = root / path
        if not target.exists():
            continue
        current = target.read_text(encoding="utf-8")
        if current == content:
            continue
        if not force and recorded.get(path) != _digest(current):
            raise ImportRefused(
                f"{path} was edited since it was imported (or was not written by lessonkit import); "
                "nothing was changed. Re-run with --force to overwrite it"
            )
    config_path = root / "mkdocs.yml"
    config = config_path.read_text(encoding="utf-8")
    everything = dict(files)
    everything["mkdocs.yml"] = _with_nav(config, slug)
    stale = sorted(set(recorded) - set(files))  # files an earlier import wrote that are gone now
    manifest = {"lesson": report.lesson.path.name, "files": {p: _digest(c) for p, c in sorted(files.items())}}
    everything[manifest_path] = json.dumps(manifest, ensure_ascii=False, indent=2) + "\n"
    changes = {
        path: content
        for path, content in everything.items()
        if not (root / path).exists() or (root / path).read_text(encoding="utf-8") != content
    }
    backups: dict[Path, bytes | None] = {}
    try:
        for path, content in changes.items():
            target = root / path
            backups[target] = target.read_bytes() if target.exists() else None
            target.parent.mkdir(parents=True, exist_ok=True)
            temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
            temporary.write_text(content, encoding="utf-8")
            os.replace(temporary, target)
        for path in stale:
            target = root / path
            if target.exists() and _digest(target.read_text(encoding="utf-8")) == recorded[path]:
                backups[target] = target.read_bytes()
                target.unlink()
    except BaseException:
        for target, before in backups.items():  # put back what was there
            if before is None:
                target.unlink(missing_ok=True)
            else:
                target.write_bytes(before)
        raise
    report.written = sorted(changes) + [f"{p} (removed)" for p in stale if not (root / p).exists()]
    report.unchanged = sorted(set(everything) - set(changes))


def import_lesson(
    lesson_path: Path,
    slug: str,
    root: Path,
    executor: Executor,
    *,
    samples: int = 20,
    force: bool = False,
    upgrade_python2: bool = False,
    progress: Callable[[str], None] = lambda line: None,
) -> ImportReport:
    """Import the lesson at *lesson_path* into the project at *root* as *slug*.

    Raises:
        LessonError: Bad input (nothing is written); the message names the file and line.
        ImportRefused: A file to write was edited since the last import (nothing is written).
    """
    check_slug(slug, root, lesson_path)
    lesson = read_lesson(lesson_path)
    started = time.monotonic()
    report, snippets = analyse(
        lesson, slug, executor, samples=samples, upgrade_python2=upgrade_python2, progress=progress
    )
    progress(f"lessonkit import: ran the programs in {time.monotonic() - started:.1f} s")
    write_files(report, plan_files(report, snippets, root), root, force=force)
    return report
