"""Values that differ from run to run, found by comparing the runs of one program.

The runs of the programs here are real: pids, clocks and timers are whatever they were.
Outputs typed here stand for runs where a real one would take too long (a date changing).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import markdown
import pytest

from lessonkit.results.outcomes import ADDRESS, MASKED, Mask, group_outcomes, judge
from lessonkit.results.volatile import KINDS, Volatile, find_volatile

RACING_WORKERS = """\
import os
from multiprocessing import Process


def work(number):
    print(f"worker {number} pid {os.getpid()} done\\n", end="", flush=True)  # one write: lines never glue


if __name__ == "__main__":
    workers = [Process(target=work, args=(number,)) for number in range(3)]
    for p in workers:
        p.start()
    for p in workers:
        p.join()
    print("worker 3 done")
    print("main: all done")
"""
"""Three workers race to print their pid; the main process always prints the same two lines."""

DAEMON = """\
import os
from multiprocessing import Process, current_process


def child():
    print("Starting:", current_process().name, os.getpid(), flush=True)
    print("Exiting:", current_process().name, flush=True)


if __name__ == "__main__":
    for name, daemon in (("daemon", True), ("non-daemon", False)):
        p = Process(name=name, target=child, daemon=daemon)
        p.start()
        p.join()
"""
"""The lesson's daemon example, without its race: pids are the only thing that varies."""

CLOCKS = """\
import os
import time

start = time.perf_counter()
time.sleep(0.001)
print(f"time.time() = {time.time()}")
print(f"pid {os.getpid()}")
print(f"took {time.perf_counter() - start:.6f} seconds")
print(f"用时 {time.perf_counter() - start:.6f}秒")
"""
"""A clock, a pid and two timers, in English and in Chinese."""


def run_many(tmp_path: Path, source: str, runs: int) -> list[str]:
    """Run *source* as a program *runs* times and return what each run printed."""
    program = tmp_path / "program.py"
    program.write_text(source, encoding="utf-8")
    outputs = []
    for _ in range(runs):
        done = subprocess.run(
            [sys.executable, str(program)], capture_output=True, text=True, encoding="utf-8", timeout=60
        )
        assert done.returncode == 0, done.stderr
        outputs.append(done.stdout)
    return outputs


def found(outputs: list[str]) -> Volatile:
    """The volatile values of *outputs*, checked to be a pattern a fence can hold."""
    volatile = find_volatile(outputs)
    assert volatile is not None, f"nothing found to vary in {outputs!r}"
    assert '"' not in volatile.pattern and "\n" not in volatile.pattern, volatile.pattern
    re.compile(volatile.pattern)
    Mask(volatile.pattern)  # refuses a pattern that matches empty text
    assert volatile.kinds and set(volatile.kinds) <= set(KINDS)
    return volatile


def assert_same_lines_unchanged(outputs: list[str], volatile: Volatile) -> None:
    """Every line that every run printed alike is the same once masked."""
    lines = [set(ADDRESS.sub(MASKED, output).splitlines()) for output in outputs]
    for line in set.intersection(*lines):
        assert re.sub(volatile.pattern, MASKED, line) == line, f"{volatile.pattern} masks {line!r}"


def masked(outputs: list[str], volatile: Volatile) -> list[str]:
    return [Mask(volatile.pattern).apply(output) for output in outputs]


# -- real runs -------------------------------------------------------------------------------------


@pytest.mark.slow
def test_racing_workers_differing_only_by_pid_fall_into_one_outcome_per_ordering(tmp_path: Path) -> None:
    outputs = run_many(tmp_path, RACING_WORKERS, runs=6)
    assert len(group_outcomes(outputs)) == 6, "every run has other pids"
    volatile = found(outputs)
    orderings = {tuple(re.findall(r"worker (\d) pid", output)) for output in outputs}
    assert len(group_outcomes(outputs, Mask(volatile.pattern))) == len(orderings)
    assert volatile.kinds == ("pid",)
    assert_same_lines_unchanged(outputs, volatile)
    for output in masked(outputs, volatile):
        assert "worker 3 done\nmain: all done\n" in output, "a number the same in every run stays"
        assert re.findall(r"pid (\S+)", output) == [MASKED] * 3


@pytest.mark.slow
def test_a_claim_typed_with_other_pids_masks_to_the_runs_text(tmp_path: Path) -> None:
    outputs = run_many(tmp_path, DAEMON, runs=3)
    volatile = found(outputs)
    mask = Mask(volatile.pattern)
    assert mask.apply("Starting: daemon 41838") == "Starting: daemon <masked>"
    real_line = next(line for line in outputs[0].splitlines() if line.startswith("Starting: daemon "))
    assert mask.apply(real_line) == "Starting: daemon <masked>"
    claim = "Starting: daemon 41838\nExiting: daemon\nStarting: non-daemon 41839\nExiting: non-daemon\n"
    assert judge("fork", outputs, claim=claim).claim_seen == 0, "without the mask the pids differ"
    assert judge("fork", outputs, mask=mask, claim=claim).claim_seen == 3
    assert_same_lines_unchanged(outputs, volatile)


@pytest.mark.slow
def test_a_clock_a_pid_and_timers_are_each_found_and_named(tmp_path: Path) -> None:
    outputs = run_many(tmp_path, CLOCKS, runs=3)
    volatile = found(outputs)
    assert volatile.kinds == ("time", "pid", "duration")
    assert len(set(masked(outputs, volatile))) == 1
    assert masked(outputs, volatile)[0] == (
        "time.time() = <masked>\npid <masked>\ntook <masked> seconds\n用时 <masked>秒\n"
    )
    assert (
        volatile.describe("en")
        == "Times, process ids and durations differ from run to run and are not compared."
    )
    assert volatile.describe("zh") == "时间、进程号和用时每次运行都不同，比较时不计入。"


@pytest.mark.slow
def test_identical_real_runs_have_nothing_volatile(tmp_path: Path) -> None:
    outputs = run_many(tmp_path, 'print("worker 3 done")\nprint(6 * 7)\n', runs=3)
    assert find_volatile(outputs) is None


# -- outputs typed here ------------------------------------------------------------------------------


def test_times_dates_and_durations_are_each_recognised() -> None:
    outputs = [
        "2026-12-06 12:03:44.123 start\n[12:03:44] took 0.5012 seconds\nsleep 0.52 s\n结束 1.0034秒\n",
        "2026-12-07 09:15:02.981 start\n[09:15:03] took 0.4987 seconds\nsleep 0.61 s\n结束 0.9981秒\n",
    ]
    volatile = found(outputs)
    assert volatile.kinds == ("date", "time", "duration")
    assert masked(outputs, volatile)[0] == (
        "<masked> <masked> start\n[<masked>] took <masked> seconds\nsleep <masked> s\n结束 <masked>秒\n"
    )
    assert (
        volatile.describe("en") == "Dates, times and durations differ from run to run and are not compared."
    )
    assert volatile.describe("zh") == "日期、时间和用时每次运行都不同，比较时不计入。"


def test_a_date_the_same_in_every_run_stays_compared() -> None:
    outputs = ["2026-12-06 12:03:44 start\n", "2026-12-06 12:03:51 start\n"]
    volatile = found(outputs)
    assert volatile.kinds == ("time",)
    assert masked(outputs, volatile) == ["2026-12-06 <masked> start\n"] * 2


def test_a_number_the_same_in_every_run_is_not_masked_even_among_pids() -> None:
    outputs = [
        "worker 3 done\nworker 4521 done\nworker 4522 done\n",
        "worker 4600 done\nworker 3 done\nworker 4601 done\n",
    ]
    volatile = found(outputs)
    assert masked(outputs, volatile) == [
        "worker 3 done\nworker <masked> done\nworker <masked> done\n",
        "worker <masked> done\nworker 3 done\nworker <masked> done\n",
    ]
    assert Mask(volatile.pattern).apply("worker 3 done") == "worker 3 done"
    assert Mask(volatile.pattern).apply("worker 30 done") == "worker <masked> done"


def test_a_number_on_lines_glued_together_in_some_runs_is_not_volatile() -> None:
    outputs = [  # print() writes the line and its newline apart: another process may write between them
        "worker 0 pid 4242 doneworker 1 pid 4243 done\n\nworker 2 pid 4244 done\n",
        "worker 0 pid 4250 done\nworker 1 pid 4251 doneworker 2 pid 4252 done\n\n",
        "worker 1 pid 4261 done\nworker 0 pid 4260 doneworker 2 pid 4262 done\n\n",
        "worker 0 pid 4270 doneworker 1 pid 4271 done\n\nworker 2 pid 4272 done\n",
    ]
    volatile = found(outputs)
    assert volatile.kinds == ("pid",)
    assert volatile.pattern == r"(?<=pid )\d+"
    assert len(group_outcomes(outputs, Mask(volatile.pattern))) == 3


def test_values_printed_as_pids_elsewhere_are_pids() -> None:
    outputs = ["pid=4242\nchild 4242 done\n", "pid=4250\nchild 4250 done\n"]
    volatile = found(outputs)
    assert volatile.kinds == ("pid",)
    assert masked(outputs, volatile) == ["pid=<masked>\nchild <masked> done\n"] * 2


def test_a_varying_number_without_a_hint_is_a_number() -> None:
    outputs = ["random 0.1234\nStarting: daemon 41838\n", "random 0.9876\nStarting: daemon 51838\n"]
    volatile = found(outputs)
    assert volatile.kinds == ("number",)
    assert volatile.describe("en") == "Numbers differ from run to run and are not compared."
    assert volatile.describe("zh") == "数字每次运行都不同，比较时不计入。"


def test_other_numbers_are_named_so_beside_other_kinds() -> None:
    outputs = ["pid 4242\nrandom 17\n", "pid 4250\nrandom 3\n"]
    volatile = found(outputs)
    assert volatile.kinds == ("pid", "number")
    assert (
        volatile.describe("en")
        == "Process ids and other numbers differ from run to run and are not compared."
    )
    assert volatile.describe("zh") == "进程号和其他数字每次运行都不同，比较时不计入。"


def test_a_race_result_is_a_number_that_can_be_left_compared() -> None:
    outputs = ["pid 4242\n计数：期望 2000，实际：1731\n", "pid 4250\n计数：期望 2000，实际：1902\n"]
    everything = found(outputs)
    assert everything.kinds == ("pid", "number")
    assert masked(outputs, everything) == ["pid <masked>\n计数：期望 2000，实际：<masked>\n"] * 2
    only_pids = find_volatile(outputs, kinds=("pid", "time", "date", "duration"))
    assert only_pids is not None and only_pids.kinds == ("pid",)
    assert masked(outputs, only_pids) == [
        "pid <masked>\n计数：期望 2000，实际：1731\n",
        "pid <masked>\n计数：期望 2000，实际：1902\n",
    ]
    assert find_volatile(outputs[1:] * 2 + ["计数：期望 2000，实际：1731\n"], kinds=("pid",)) is None
    with pytest.raises(ValueError, match="unknown kinds race"):
        find_volatile(outputs, kinds=("race",))


def test_a_description_in_another_language_is_refused() -> None:
    with pytest.raises(ValueError, match="zh and en"):
        Volatile(pattern=r"\d+", kinds=("number",)).describe("fr")


def test_a_chinese_duration_is_anchored_on_its_words() -> None:
    outputs = [
        "Value：2000 次，用时 0.012 秒\nManager 字典：2000 次，用时 0.512 秒\n结果：2000 和 2000\n",
        "Value：2000 次，用时 0.015 秒\nManager 字典：2000 次，用时 0.498 秒\n结果：2000 和 2000\n",
    ]
    volatile = found(outputs)
    assert volatile.kinds == ("duration",)
    assert volatile.pattern == r"(?<=用时 )\d+\.\d+"
    assert_same_lines_unchanged(outputs, volatile)


@pytest.mark.parametrize(
    "outputs",
    [
        pytest.param(["pid 4242\n"], id="one run"),
        pytest.param(["worker 3 done\n"] * 3, id="identical runs"),
        pytest.param(["A done\nB done\n", "B done\nA done\n", "A done\nC done\n"], id="words differ"),
        pytest.param(["got 5\n", "got 5\ngot 6\n"], id="a run prints fewer lines"),
        pytest.param(["<Lock at 0x7f3a2c1b0d90>\n", "<Lock at 0x7f00aa11bb22>\n"], id="addresses only"),
        pytest.param(["pid 4242\n", "child 4250\n"], id="each line in one run only"),
    ],
)
def test_nothing_volatile(outputs: list[str]) -> None:
    assert find_volatile(outputs) is None


def test_addresses_are_left_to_mask_and_not_repeated() -> None:
    outputs = ["<Lock at 0x7f3a2c1b0d90> in 4242\n", "<Lock at 0x7f00aa11bb22> in 4250\n"]
    volatile = found(outputs)
    assert "0x" not in volatile.pattern and "7f" not in volatile.pattern
    assert masked(outputs, volatile) == ["<Lock at <masked>> in <masked>\n"] * 2


def test_a_line_that_is_only_a_varying_number_is_anchored_on_the_line() -> None:
    outputs = ["4242\n5\n", "4250\n5\n"]
    volatile = found(outputs)
    assert masked(outputs, volatile) == [f"{MASKED}\n5\n"] * 2
    assert_same_lines_unchanged(outputs, volatile)


def test_a_double_quote_in_the_anchor_is_written_without_one() -> None:
    outputs = ['name="a" pid 4242\n', 'name="a" pid 4250\n', 'id="b" 4242\n', 'id="b" 4250\n']
    volatile = found(outputs)
    assert masked(outputs, volatile) == ['name="a" pid <masked>\n'] * 2 + ['id="b" <masked>\n'] * 2


def test_the_pattern_survives_a_fence_attribute() -> None:
    outputs = ['Starting: "daemon" 41838 at 12:03:44\n', 'Starting: "daemon" 51838 at 12:03:51\n']
    volatile = found(outputs)
    read: dict[str, str] = {}

    def validator(language: str, inputs: dict[str, str], options: Any, attrs: Any, md: Any) -> bool:
        read.update(inputs)
        return True

    fence = {"name": "python", "class": "python", "validator": validator, "format": lambda *_, **__: ""}
    md = markdown.Markdown(
        extensions=["pymdownx.superfences"],
        extension_configs={"pymdownx.superfences": {"custom_fences": [fence]}},
    )
    md.convert(f'```python exec="on" mask="{volatile.pattern}"\nprint()\n```\n')
    assert read.get("mask") == volatile.pattern
    assert masked(outputs, volatile) == ['Starting: "daemon" <masked> at <masked>\n'] * 2


def test_a_program_that_prints_pids_gets_them_masked_when_runs_repeat_them() -> None:
    """In the sandbox's pid namespace every run numbers its processes afresh: the runs under one
    start method print the same pid, and only the start methods differ."""
    outputs = ["Starting: daemon 4\nExiting : daemon 4\n"] * 3 + [
        "Starting: daemon 5\nExiting : daemon 5\n"
    ] * 3
    assert find_volatile(outputs, kinds=("pid",)) is None, "no hint: a number the program chose"
    found = find_volatile(outputs, kinds=("pid",), prints_pids=True)
    assert found is not None and found.kinds == ("pid",)
    claim = "Starting: daemon 41838\nExiting : daemon 41838\n"
    assert Mask(found.pattern).apply(claim) == Mask(found.pattern).apply(outputs[0])
    assert find_volatile(["worker 3 done\n"] * 2 + ["worker 3 done\n"], prints_pids=True) is None
