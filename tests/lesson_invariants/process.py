"""What the programs of the lesson on starting processes print in every run.

One function per snippet of ``snippets/process``: it raises AssertionError when one run's
output lines break a guarantee that holds under every start method, however the races
between the processes go. None of them says how often a race goes one way: load changes that.
"""

from __future__ import annotations

import re
from collections.abc import Callable

PID = re.compile(r"pid=(\d+)")


def join_returns_after_the_child_ends(out: list[str]) -> None:
    assert sorted(out) == sorted(
        ["主：start() 返回了", "子进程1 开始运行", "子进程1 运行结束", "主：join() 返回了"]
    )
    assert out.index("子进程1 开始运行") < out.index("子进程1 运行结束")
    assert out[-1] == "主：join() 返回了", "join() returns only after the child has finished"


def the_main_process_waits_for_a_child_it_did_not_join(out: list[str]) -> None:
    assert sorted(out) == sorted(["主：最后一行代码", "子进程1 开始运行", "子进程1 运行结束"])
    assert out.index("子进程1 开始运行") < out.index("子进程1 运行结束")


def name_pid_is_alive_and_exitcode_before_during_after(out: list[str]) -> None:
    child = "子进程里：current_process().name = Process-1"
    assert len(out) == 5 and out.count(child) == 1
    main = [line for line in out if line != child]
    assert main[0] == "主进程里：current_process().name = MainProcess"
    assert main[1] == "start 之前：name=Process-1 pid=None is_alive()=False exitcode=None"
    started = PID.sub("pid=N", main[2])
    assert started == "start 之后：name=Process-1 pid=N is_alive()=True exitcode=None"
    assert PID.sub("pid=N", main[3]) == ("join 之后：name=Process-1 pid=N is_alive()=False exitcode=0")
    assert PID.findall(main[2]) == PID.findall(main[3]), "the pid stays after join()"
    assert out[-1] == main[3], "join 之后 is last"
    assert out.index(main[1]) < out.index(child), "the child runs only after start()"


def exit_codes_0_1_and_3(out: list[str]) -> None:
    in_order = [
        "finish: 正常返回",
        "主：finish 的 exitcode = 0",
        "fail: 抛出异常",
        "Process fail:",
        "Traceback (most recent call last):",
        "ValueError: 出错了",
        "主：fail 的 exitcode = 1",
        "leave: 调用 sys.exit(3)",
        "主：leave 的 exitcode = 3",
    ]
    assert [line for line in out if line in in_order] == in_order
    assert out[-1] == "主：leave 的 exitcode = 3"


def a_subclass_runs_its_own_run(out: list[str]) -> None:
    assert out == [
        "Greeter-1：你好，小明",
        "Greeter-1：再见，小明",
        "主：Greeter-1 结束了，exitcode = 0",
    ]


def each_child_prints_once_and_main_is_last(out: list[str]) -> None:
    assert sorted(out[:-1]) == [f"子进程{i} 在运行" for i in range(3)]
    assert out[-1] == "主：全部结束"


def exercise_1_join_in_the_loop_runs_one_child_at_a_time(out: list[str]) -> None:
    expected = []
    for i in range(3):
        expected += [f"子进程{i} 开始", f"子进程{i} 结束"]
    assert out == [*expected, "主：全部结束"]


def exercise_2_run_runs_in_the_main_process(out: list[str]) -> None:
    assert out == [
        "task 在 MainProcess 里运行",
        "主：run() 返回了，pid=None exitcode=None",
        "task 在 Process-1 里运行",
        "主：join() 返回了，exitcode=0",
    ]


INVARIANTS: dict[str, Callable[[list[str]], None]] = {
    "start_and_join": join_returns_after_the_child_ends,
    "without_join": the_main_process_waits_for_a_child_it_did_not_join,
    "process_attributes": name_pid_is_alive_and_exitcode_before_during_after,
    "exit_codes": exit_codes_0_1_and_3,
    "subclass_run": a_subclass_runs_its_own_run,
    "several_processes": each_child_prints_once_and_main_is_last,
    "exercise_join_in_loop": exercise_1_join_in_the_loop_runs_one_child_at_a_time,
    "exercise_run_instead_of_start": exercise_2_run_runs_in_the_main_process,
}
"""Each snippet's guarantees, by snippet name."""
