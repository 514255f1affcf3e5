"""What the next lessons need from the runner: methods that break on purpose, progress bars, input.

- ``expect_methods``: a program without ``if __name__ == "__main__":`` works under fork and
  raises under spawn and forkserver; ``expect`` applies under those two only.
- Screen-faithful output: carriage returns and backspaces are applied as a terminal does;
  everything else stays byte for byte.
- ``stdin``: text typed into the terminal, a line each time the program waits, and echoed.
- ``stuck_after``: a program meant to hang (a deadlock) is stopped once none of its processes
  runs, however long a loaded machine takes to get it there, and its output is shown.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from test_cli import lessonkit

from lessonkit.results.checks import find_problem
from lessonkit.results.trace import build_trace
from lessonkit.running.options import (
    FenceOptionError,
    RunDefaults,
    RunOptions,
    flag_spelling,
    parse_run_options,
)
from lessonkit.running.output import apply_screen, normalize_output
from lessonkit.running.runner import run_example
from lessonkit.running.start_method import DEFAULT_START_METHODS, StartMethod

pytestmark = pytest.mark.slow  # runs programs or builds sites

NO_MAIN_GUARD = """\
from multiprocessing import Process


def work():
    print("the child runs")


p = Process(target=work)
p.start()
p.join()
print("main is done")
"""

PROGRESS = """\
import time

for pct in (0, 50, 100):
    print(f"\\rprogress {pct:3d}%", end="", flush=True)
    time.sleep(0.05)
print()
print("tab\\tstays, and so does this line")
"""

ASK = """\
name = input("name? ")
age = input("age? ")
print(f"hello {name}, {age}")
"""

DEADLOCK = """\
from multiprocessing import Lock, Process


def work(lock):
    print("taking the lock", flush=True)
    lock.acquire()
    print("taking it again")
    lock.acquire()
    print("never printed")


if __name__ == "__main__":
    lock = Lock()
    p = Process(target=work, args=(lock,))
    p.start()
    p.join()
"""

NAP = """\
import time
from multiprocessing import Process


def nap():
    print("napping")
    time.sleep(2)


if __name__ == "__main__":
    p = Process(target=nap)
    p.start()
    p.join()
    print("awake")
"""

DEFAULTS = RunDefaults(start_methods=DEFAULT_START_METHODS, timeout=30)
BOOTSTRAP_ERROR = "An attempt has been made to start a new process before the"


def options(**values: str) -> RunOptions:
    returncode = int(values.pop("returncode", "0"))
    return parse_run_options(values, returncode=returncode, defaults=DEFAULTS)


# -- expect_methods ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def no_guard_runs() -> dict[StartMethod, object]:
    return {
        m: run_example(NO_MAIN_GUARD, start_method=m, timeout=60, filename="no_guard.py") for m in StartMethod
    }


def test_a_missing_main_guard_breaks_spawn_and_forkserver_only(no_guard_runs) -> None:
    assert no_guard_runs[StartMethod.FORK].output == "the child runs\nmain is done\n"
    for method in (StartMethod.SPAWN, StartMethod.FORKSERVER):
        assert BOOTSTRAP_ERROR in no_guard_runs[method].output
        assert "the child runs" not in no_guard_runs[method].output


def test_expect_methods_applies_expect_under_those_methods_only(no_guard_runs) -> None:
    declared = options(expect="RuntimeError", expect_methods="spawn forkserver")
    for run in no_guard_runs.values():
        assert find_problem(run, declared) is None, run.start_method
    everywhere = options(expect="RuntimeError")
    fork_problem = find_problem(no_guard_runs[StartMethod.FORK], everywhere)
    assert fork_problem is not None and 'does not contain expect="RuntimeError"' in fork_problem
    nowhere = options()
    assert "printed a traceback" in (find_problem(no_guard_runs[StartMethod.SPAWN], nowhere) or "")


def test_under_the_other_methods_the_normal_rules_apply(no_guard_runs) -> None:
    """A traceback under fork still fails a block that expects one under spawn only."""
    only_spawn = options(expect="RuntimeError", expect_methods="spawn")
    problem = find_problem(no_guard_runs[StartMethod.FORKSERVER], only_spawn)
    assert problem is not None
    assert 'printed a traceback (the block\'s expect="..." applies under spawn only)' in problem


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"expect_methods": "spawn"}, 'expect_methods="spawn" needs expect="TEXT" or returncode="N"'),
        ({"expect_methods": "spwan", "expect": "x"}, 'expect_methods="spwan": '),
        (
            {"expect_methods": "spawn", "expect": "x", "start_methods": "fork"},
            "spawn is not one of the block's start methods (fork)",
        ),
        ({"screen": "maybe"}, 'screen="maybe" must be on or off'),
        ({"stuck_after": "5", "timeout": "5"}, 'stuck_after="5" must be shorter than the timeout (5 s)'),
        ({"stuck_after": "soon"}, 'stuck_after="soon" is not a number of seconds'),
        ({"stuck_after": "-1"}, 'stuck_after="-1" must be a positive number of seconds'),
    ],
)
def test_bad_values_are_named(values: dict[str, str], message: str) -> None:
    with pytest.raises(FenceOptionError, match=None) as error:
        options(**values)
    assert message in str(error.value)


def test_the_command_line_speaks_in_its_own_flags(tmp_path: Path) -> None:
    snippet = tmp_path / "no_guard.py"
    snippet.write_text(NO_MAIN_GUARD, encoding="utf-8")
    passed = lessonkit(
        "run", str(snippet), "--expect", "RuntimeError", "--expect-methods", "spawn forkserver"
    )
    assert passed.returncode == 0, passed.stderr
    failed = lessonkit("run", str(snippet), "-m", "spawn")
    assert failed.returncode == 1
    assert "add --expect TEXT naming the error" in failed.stderr
    assert 'expect="' not in failed.stderr
    bad = lessonkit("run", str(snippet), "--expect-methods", "spawn")
    assert bad.returncode == 2
    assert "--expect-methods spawn needs --expect TEXT or --returncode N" in bad.stderr
    assert flag_spelling("max_memory", "2GiB") == "--max-memory 2GiB"


# -- screen-faithful output --------------------------------------------------------------------


def test_carriage_returns_and_backspaces_leave_what_a_terminal_shows() -> None:
    assert apply_screen("\rprogress   0%\rprogress  50%\rprogress 100%") == "progress 100%"
    assert apply_screen("abc\bd") == "abd"
    assert apply_screen("hello\rHE") == "HEllo", "a shorter line overwrites only its own columns"
    assert apply_screen("进度 10%\r进度 99%") == "进度 99%", "wide characters take two columns"
    assert apply_screen("\b\bxy") == "xy", "a backspace stops at the first column"


def test_ordinary_output_stays_byte_for_byte() -> None:
    text = "line one\n\ttabbed  \n  spaced\ntrailing spaces   \n中文\n\n"
    assert apply_screen(text) == text
    raw = text.replace("\n", "\r\n").encode()
    assert normalize_output(raw, script_path=Path("/l/x.py"), workdir=Path("/l")) == text


def test_a_progress_line_shows_its_final_state_and_its_printer(tmp_path: Path) -> None:
    result = run_example(
        PROGRESS, start_method=StartMethod.FORK, timeout=30, filename="progress.py", trace=True
    )
    assert result.output == "progress 100%\ntab\tstays, and so does this line\n"
    trace = build_trace(result.trace, result.returncode, result.output)
    printed = [(e["process"], e["text"]) for e in trace["events"] if e["kind"] == "print"]
    assert printed[0] == ("MainProcess", "progress 100%")
    raw = run_example(
        PROGRESS, start_method=StartMethod.FORK, timeout=30, filename="progress.py", screen=False
    )
    assert raw.output.startswith("\rprogress   0%\rprogress  50%\rprogress 100%\n")


# -- stdin -------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", list(StartMethod), ids=lambda m: m.value)
def test_typed_lines_are_echoed_after_each_prompt(method: StartMethod) -> None:
    result = run_example(ASK, start_method=method, timeout=30, filename="ask.py", stdin="Ada\n36\n")
    assert result.output == "name? Ada\nage? 36\nhello Ada, 36\n"
    assert result.returncode == 0


def test_past_the_typed_lines_input_meets_end_of_file() -> None:
    result = run_example(ASK, start_method=StartMethod.FORK, timeout=30, filename="ask.py", stdin="Ada\n")
    assert result.output.startswith("name? Ada\nage? Traceback (most recent call last):")
    assert result.output.splitlines()[-1].startswith("EOFError"), "as after Ctrl-D in a terminal"
    closed = run_example(ASK, start_method=StartMethod.FORK, timeout=30, filename="ask.py")
    assert closed.output.startswith("name? Traceback"), "without stdin, input() meets EOF as before"


def test_the_fence_and_the_command_line_take_lines_separated_by_backslash_n(tmp_path: Path) -> None:
    assert options(stdin="Ada\\n36").stdin == "Ada\n36\n"
    snippet = tmp_path / "ask.py"
    snippet.write_text(ASK, encoding="utf-8")
    result = lessonkit("run", str(snippet), "-m", "spawn", "--stdin", "Grace\\n85")
    assert result.returncode == 0, result.stderr
    assert "name? Grace\nage? 85\nhello Grace, 85\n" in result.stdout


# -- stuck_after: a program meant to hang -------------------------------------------------------


@pytest.mark.parametrize("method", list(StartMethod), ids=lambda m: m.value)
def test_a_deadlock_is_stopped_once_stuck_and_what_it_printed_is_kept(method: StartMethod) -> None:
    declared = options(stuck_after="1")
    run = run_example(
        DEADLOCK, start_method=method, timeout=declared.timeout, filename="deadlock.py", stuck_after=1
    )
    assert run.stuck >= 1 and not run.timed_out and run.returncode is None
    assert run.output == "taking the lock\ntaking it again\n", "stopped only once it was stuck"
    assert find_problem(run, declared) is None
    problem = find_problem(run, options())  # the same run, in a block that does not declare it
    assert problem is not None and "it got stuck" in problem and 'declare stuck_after="2"' in problem


def test_a_program_that_ends_fails_a_block_meant_to_hang(no_guard_runs) -> None:
    problem = find_problem(no_guard_runs[StartMethod.FORK], options(stuck_after="2"))
    assert problem is not None
    assert "exited with code 0 after" in problem and 'stuck_after="2" says it hangs' in problem


def test_a_busy_program_is_never_stuck() -> None:
    """CPU time counts as running: a loop that never sleeps is stopped by the timeout only."""
    busy = "while True:\n    pass\n"
    run = run_example(busy, start_method=StartMethod.FORK, timeout=2, filename="busy.py", stuck_after=0.5)
    assert run.timed_out and not run.stuck
    problem = find_problem(run, options(stuck_after="0.5", timeout="2"))
    assert problem is not None and "was still running after 2 s without ever being stuck" in problem


def test_a_sleeping_program_is_not_stuck() -> None:
    """``time.sleep`` wakes by itself: a child asleep longer than stuck_after is waited for."""
    run = run_example(NAP, start_method=StartMethod.FORK, timeout=30, filename="nap.py", stuck_after=0.5)
    assert not run.stuck and run.returncode == 0 and run.output == "napping\nawake\n", run.output


def test_a_stuck_run_must_still_print_what_expect_names() -> None:
    run = run_example(
        DEADLOCK, start_method=StartMethod.FORK, timeout=30, filename="deadlock.py", stuck_after=1
    )
    assert find_problem(run, options(stuck_after="1", expect="taking it again")) is None
    problem = find_problem(run, options(stuck_after="1", expect="never printed"))
    assert problem is not None and 'does not contain expect="never printed"' in problem


def test_the_command_line_stops_a_deadlock(tmp_path: Path) -> None:
    snippet = tmp_path / "deadlock.py"
    snippet.write_text(DEADLOCK, encoding="utf-8")
    stopped = lessonkit("run", str(snippet), "-m", "spawn", "--stuck-after", "1")
    assert stopped.returncode == 0, stopped.stderr
    assert "stuck, stopped" in stopped.stdout and "taking it again" in stopped.stdout
    bad = lessonkit("run", str(snippet), "--stuck-after", "5", "--timeout", "5")
    assert bad.returncode == 2
    assert "--stuck-after 5 must be shorter than --timeout (5 s)" in bad.stderr
