"""The tracer: who printed each line, who waited for whom, and what ended each process.

Everything asserted here is guaranteed in every run (the lesson's daemons are stopped
when the main code ends, joins wait for their children); nothing depends on how a race
goes.
"""

from __future__ import annotations

import json
import textwrap
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from programs import JOINED

from lessonkit.results.trace import build_trace
from lessonkit.running.executor import run_key
from lessonkit.running.interpreter import InterpreterNotFound, find
from lessonkit.running.options import RunOptions
from lessonkit.running.runner import ExampleResult, run_example
from lessonkit.running.start_method import StartMethod

pytestmark = pytest.mark.slow  # runs programs or builds sites

METHODS = list(StartMethod)


@pytest.fixture(scope="module")
def traced(built_site: Path) -> dict[tuple[str, StartMethod], tuple[list[str], dict]]:
    """Each lesson example's outputs and the trace of the run its tab shows, under every start
    method, as the real site's build published them (``outcomes.json``): nothing runs again."""
    published = json.loads((built_site / "outcomes.json").read_text(encoding="utf-8"))
    found = {}
    for block in published["blocks"]:
        if block["page"] == "docs/daemon.md":
            for method, entry in block["methods"].items():
                outputs = [outcome["output"] for outcome in entry["outcomes"]]
                found[Path(block["snippet"]).stem, StartMethod(method)] = (outputs, entry["trace"])
    return found


def printed_by(trace: dict, text: str) -> list[str]:
    return [e["process"] for e in trace["events"] if e["kind"] == "print" and e["text"] == text]


def process(trace: dict, name: str) -> dict:
    return next(p for p in trace["processes"] if p["name"] == name)


@pytest.mark.parametrize("method", METHODS, ids=lambda m: m.value)
def test_exercise_1_the_daemon_is_terminated_when_the_main_code_ends(traced, method: StartMethod) -> None:
    _, trace = traced["exercise_daemon_killed", method]
    daemon = process(trace, "Process-1")
    assert daemon["daemon"] is True and daemon["exitcode"] == -15 and daemon["terminated_by"] == "main_end"
    worker = process(trace, "Process-2")
    assert worker["daemon"] is False and worker["exitcode"] == 0 and worker["terminated_by"] is None
    assert printed_by(trace, "end456") == ["Process-2"]
    assert printed_by(trace, "main-------") == ["MainProcess"]
    assert printed_by(trace, "end123") == []
    kinds = [(e["process"], e["kind"], e.get("child")) for e in trace["events"]]
    stop = kinds.index(("MainProcess", "terminate", "Process-1"))
    assert kinds.index(("MainProcess", "print", None)) < stop, "terminated only once main------- is printed"
    assert process(trace, "MainProcess")["exitcode"] == 0
    assert trace["events"][0]["t"] >= 0 and [e["t"] for e in trace["events"]] == sorted(
        e["t"] for e in trace["events"]
    )


@pytest.mark.parametrize("method", METHODS, ids=lambda m: m.value)
def test_exercise_2_the_main_process_join_ends_after_end123(traced, method: StartMethod) -> None:
    _, trace = traced["exercise_join_daemon", method]
    events = trace["events"]
    end123 = next(i for i, e in enumerate(events) if e["kind"] == "print" and e["text"] == "end123")
    join_end = next(
        i
        for i, e in enumerate(events)
        if e["kind"] == "join"
        and e["child"] == "Process-1"
        and e["phase"] == "end"
        and e["process"] == "MainProcess"
    )
    assert events[end123]["process"] == "Process-1"
    assert end123 < join_end
    assert events[end123]["t"] <= events[join_end]["t"]
    assert process(trace, "Process-1")["exitcode"] == 0, "joined, the daemon finished its work"


@pytest.mark.parametrize("method", METHODS, ids=lambda m: m.value)
def test_the_daemon_s_traceback_is_its_own_and_never_names_the_tracer(traced, method: StartMethod) -> None:
    outputs, trace = traced["daemon_child_join", method]
    assert not [output for output in outputs if "lessonkit_trace" in output], outputs
    printed = [(e["process"], e["text"]) for e in trace["events"] if e["kind"] == "print"]
    traceback = [who for who, text in printed if text == "Traceback (most recent call last):"]
    assert traceback == ["Process-1"]
    assert ("Process-1", "AssertionError: daemonic processes are not allowed to have children") in printed
    assert printed[-1] == ("MainProcess", "主")
    assert process(trace, "Process-1")["exitcode"] == 1


DAEMON_WITH_CHILD = """\
import multiprocessing as mp


def child():
    mp.Process(target=print).start()


if __name__ == "__main__":
    p = mp.Process(target=child, daemon=True)
    p.start()
    p.join()
    print("main")
"""
"""A daemon that starts a child: its own traceback (daemonic processes cannot have children)."""

MAIN_CRASH = """\
import multiprocessing as mp

if __name__ == "__main__":
    p = mp.Process(target=print)
    p.start()
    p.join()
    p.start()
"""


@pytest.mark.parametrize("version", ["3.10", "3.12", "3.13"])
def test_tracing_changes_no_traceback_under_other_pythons(version: str) -> None:
    """A child's traceback (printed by multiprocessing) and the main process's (by sys.excepthook)
    read the same traced and untraced, and never name the tracer, under each Python found here.

    Python 3.10 re-raises with the tracer's frame in the traceback; the tracer hides it there.
    """
    try:
        python = find(version)
    except InterpreterNotFound:
        pytest.skip(f"no Python {version} on this machine")
    for code, method, returncode in (
        (DAEMON_WITH_CHILD, StartMethod.SPAWN, 0),
        (MAIN_CRASH, StartMethod.FORK, 1),
    ):
        traced, untraced = (
            run_example(code, start_method=method, timeout=30, python=python, trace=tracing)
            for tracing in (True, False)
        )
        assert traced.python_version == python.version
        assert traced.returncode == untraced.returncode == returncode
        assert traced.output == untraced.output, (traced.output, untraced.output)
        assert "Traceback (most recent call last):" in traced.output
        assert "lessonkit_trace" not in traced.output
        assert traced.trace, "the traced run recorded events"


SAMPLES_EACH_WAY = 3


DAEMON_STOPPED = """\
import time
from multiprocessing import Process


def daemon():
    print("the daemon starts")
    time.sleep(30)
    print("never printed")


if __name__ == "__main__":
    p = Process(target=daemon, daemon=True)
    p.start()
    time.sleep(0.2)
    print("the main code ends")
"""
"""A race (does the daemon print before the main code ends?), and a guarantee (it is stopped)."""


def joined_holds(lines: list[str]) -> None:
    assert lines == ["the child's line", "the main line"]


def daemon_stopped_holds(lines: list[str]) -> None:
    assert lines[-1] == "the main code ends" and "never printed" not in lines
    assert set(lines) <= {"the daemon starts", "the main code ends"}


def daemon_with_child_holds(lines: list[str]) -> None:
    assert lines[-1] == "main"
    assert "Traceback (most recent call last):" in lines
    assert "AssertionError: daemonic processes are not allowed to have children" in lines
    assert not any("lessonkit_trace" in line for line in lines)


PROGRAMS = {
    "joined": (JOINED, joined_holds),
    "daemon_stopped": (DAEMON_STOPPED, daemon_stopped_holds),
    "daemon_with_child": (DAEMON_WITH_CHILD, daemon_with_child_holds),
}
"""The tests' own programs, each with what holds in every run of it."""

WITHOUT_A_RACE = {"joined", "daemon_with_child"}
"""The programs whose every run prints the same, traced or not (one of them a child's traceback)."""


@pytest.fixture(scope="module")
def on_and_off() -> dict[tuple[str, StartMethod, bool], list[ExampleResult]]:
    """Each program, under every method, run 3 times untraced and 3 times traced, interleaved."""
    jobs = [
        (name, method, trace)
        for _ in range(SAMPLES_EACH_WAY)
        for name in PROGRAMS
        for method in METHODS
        for trace in (False, True)
    ]

    def run(name: str, method: StartMethod, trace: bool) -> ExampleResult:
        code = PROGRAMS[name][0]
        return run_example(code, start_method=method, timeout=60, filename=f"{name}.py", trace=trace)

    with ThreadPoolExecutor(max_workers=12) as pool:
        results = list(pool.map(lambda job: run(*job), jobs))
    runs: dict[tuple[str, StartMethod, bool], list[ExampleResult]] = {}
    for job, result in zip(jobs, results, strict=True):
        runs.setdefault(job, []).append(result)
    return runs


@pytest.mark.parametrize("name", list(PROGRAMS))
@pytest.mark.parametrize("method", METHODS, ids=lambda m: m.value)
def test_tracing_does_not_change_what_a_program_prints(on_and_off, name: str, method: StartMethod) -> None:
    """Every run, traced or not, keeps the program's guarantees; a program without a race prints the
    same, its child's traceback included, under the site's Python.

    How often a race goes one way is not compared: load changes it. (That the lesson's own
    guarantees hold in every published, traced run, test_lesson_claims checks.)
    """
    plain, traced_runs = on_and_off[name, method, False], on_and_off[name, method, True]
    assert all(r.trace == () for r in plain) and all(r.trace != () for r in traced_runs)
    holds = PROGRAMS[name][1]
    for result in plain + traced_runs:
        assert result.returncode == 0, result.output
        holds(result.output.splitlines())
    if name in WITHOUT_A_RACE:
        assert {r.output for r in traced_runs} == {r.output for r in plain}


STREAMS = """
import io, os, sys

out = sys.stdout
print("tty:", out.isatty(), "fileno:", out.fileno() == 1, "line buffered:", out.line_buffering)
sys.stdout.buffer.write(b"through the buffer\\n")
sys.stdout.flush()
print(*os.listdir("."))
saved = sys.stdout
sys.stdout = io.StringIO()
print("into a StringIO")
captured = sys.stdout.getvalue()
sys.stdout = saved
print("captured:", captured.strip())
sys.stdout.write(b"bytes are refused")
"""


def test_a_program_that_uses_or_replaces_sys_stdout_still_works() -> None:
    result = run_example(
        textwrap.dedent(STREAMS), start_method=StartMethod.FORK, timeout=30, filename="streams.py", trace=True
    )
    lines = result.output.splitlines()
    assert lines[0] == "tty: True fileno: True line buffered: True"
    assert lines[1] == "through the buffer"
    assert lines[2] == "streams.py", "the trace is not in the example's directory"
    assert lines[3] == "captured: into a StringIO"
    assert lines[-1] == "TypeError: write() argument must be str, not bytes"
    assert "lessonkit_trace" not in result.output
    trace = build_trace(result.trace, result.returncode, result.output)
    printed = [(e["process"], e["text"]) for e in trace["events"] if e["kind"] == "print"]
    assert printed[0] == ("MainProcess", lines[0])
    assert printed[1] == (None, lines[1]), "written around the text stream: not attributed, still shown"


MANAGER = """
from multiprocessing import Manager, Process


def add(shared):
    shared.append("from the child")


if __name__ == "__main__":
    with Manager() as manager:
        shared = manager.list()
        p = Process(target=add, args=(shared,))
        p.start()
        p.join()
        print(list(shared))
"""


@pytest.mark.parametrize("method", METHODS, ids=lambda m: m.value)
def test_a_manager_s_server_is_a_helper_not_a_child(method: StartMethod) -> None:
    result = run_example(MANAGER, start_method=method, timeout=60, filename="manager.py", trace=True)
    assert result.output == "['from the child']\n"
    trace = build_trace(result.trace, result.returncode, result.output)
    roles = {p["name"]: p["role"] for p in trace["processes"]}
    assert roles["SyncManager-1"] == "helper"
    assert roles["Process-2"] == "child"
    if method is StartMethod.FORKSERVER:
        assert roles["forkserver"] == "helper"


def test_a_stuck_run_s_trace_says_it_was_stopped_not_that_it_exited() -> None:
    from test_runner_features import DEADLOCK

    from lessonkit.results.trace import describe_events

    result = run_example(
        DEADLOCK,
        start_method=StartMethod.SPAWN,
        timeout=30,
        filename="deadlock.py",
        trace=True,
        stuck_after=1,
    )
    assert result.stuck and result.returncode is None
    trace = build_trace(result.trace, result.returncode, result.output, stopped=result.stuck)
    [end] = [e for e in trace["events"] if e["kind"] == "exit" and e["process"] == "MainProcess"]
    assert end["stopped"] and end["exitcode"] is None
    assert trace["events"][-1] is end, "stopped after everything it printed"
    assert end["t"] >= max(e["t"] for e in trace["events"][:-1]) + 1, "once it had been stuck for a second"
    assert printed_by(trace, "taking it again") == ["Process-1"]
    assert any("MainProcess never ends: the run is stopped" in s for s in describe_events(trace, "en"))
    assert not any("exits with code None" in sentence for sentence in describe_events(trace, "en"))


def test_a_forged_trace_line_is_skipped() -> None:
    code = (
        "import os\n\n"
        "with open(os.environ['LESSONKIT_TRACE_FILE'], 'a') as trace:\n"
        '    trace.write(\'not json\\n[1, 2]\\n{"t": "soon", "pid": 1, "kind": "exit"}\\n\')\n'
        "print('done')\n"
    )
    result = run_example(code, start_method=StartMethod.FORK, timeout=30, trace=True)
    assert result.output == "done\n"
    assert all(isinstance(e["t"], int) and isinstance(e["pid"], int) for e in result.trace)
    trace = build_trace(result.trace, 0, result.output)
    assert [e["process"] for e in trace["events"] if e["kind"] == "print"] == ["MainProcess"]


def test_tracing_is_part_of_the_cache_key() -> None:
    options = RunOptions(start_methods=(StartMethod.FORK,), timeout=30)
    assert run_key("print(1)", StartMethod.FORK, options, "a.py", traced=True) != run_key(
        "print(1)", StartMethod.FORK, options, "a.py", traced=False
    )


def test_outcomes_json_has_the_shown_run_s_trace(built_site: Path) -> None:
    data = json.loads((built_site / "outcomes.json").read_text(encoding="utf-8"))
    for block in data["blocks"]:
        for method, runs in block["methods"].items():
            trace = runs["trace"]
            assert trace is not None, (block["page"], block["line"], method)
            assert trace["processes"][0] == {**trace["processes"][0], "name": "MainProcess", "role": "main"}
            shown = runs["outcomes"][0]["output"]
            printed = [e for e in trace["events"] if e["kind"] == "print"]
            assert [e["text"] for e in printed] == shown.splitlines(), "the shown run's trace"
            assert all(e["process"] is not None for e in printed), "every lesson line has its process"
            assert {e["kind"] for e in trace["events"]} <= {"start", "print", "join", "terminate", "exit"}
