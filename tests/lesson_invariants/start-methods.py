"""What the start-methods lesson's programs print in every run, under every start method.

One function per snippet: it raises AssertionError when one run's output lines break a
guarantee. A function does not know which start method the run used, so where the methods
differ it accepts each method's output and checks that the run is wholly one of them. None of
these programs races: each child is joined before the main process prints again.
"""

from __future__ import annotations

from collections.abc import Callable

from lessonkit.results.checks import TRACEBACK_MARKER

METHODS = ("fork", "spawn", "forkserver")
CHANGED = "主进程改过的值"
ORIGINAL = "原来的值"


def tracebacks(out: list[str]) -> int:
    return sum(TRACEBACK_MARKER in line for line in out)


def each_process_reports_the_same_start_method(out: list[str]) -> None:
    assert len(out) == 2
    prefix = "主进程用的启动方式： "
    assert out[0].startswith(prefix)
    method = out[0].removeprefix(prefix)
    assert method in METHODS
    assert out[1] == f"Process-1 用的启动方式： {method}"


def the_child_sees_the_changed_or_the_original_global(out: list[str]) -> None:
    assert out == [f"主进程看到： {CHANGED}", f"子进程看到： {CHANGED}"] or out == [
        f"主进程看到： {CHANGED}",
        f"子进程看到： {ORIGINAL}",
    ]


def without_the_guard_the_child_stops_with_runtime_error(out: list[str]) -> None:
    top_level_main = "运行模块顶层的代码，__name__ = __main__"
    top_level_child = "运行模块顶层的代码，__name__ = __mp_main__"
    assert out[0] == top_level_main
    assert out[-1] == "主进程结束" and out.count("主进程结束") == 1
    if out == [top_level_main, "子进程在运行", "主进程结束"]:
        return  # fork: the child is a copy and never imports the module again
    # spawn, forkserver: one child imports the module, fails in p.start(), starts nothing
    assert out[1] == top_level_child
    assert out.count(top_level_main) == 1 and out.count(top_level_child) == 1
    assert tracebacks(out) == 1
    assert any(line.startswith("RuntimeError") for line in out)
    assert "子进程在运行" not in out


def a_lambda_runs_under_fork_only(out: list[str]) -> None:
    if out == ["lambda 在子进程里运行", "主进程结束"]:
        return  # fork
    # spawn, forkserver: the main process fails in p.start() and prints nothing more
    assert out[0].startswith(TRACEBACK_MARKER) and tracebacks(out) == 1
    assert "PicklingError" in out[-1] and "<lambda>" in out[-1]
    assert "主进程结束" not in out and "lambda 在子进程里运行" not in out


def set_start_method_overrides_the_default(out: list[str]) -> None:
    assert out == ["启动方式： spawn", f"子进程看到： {ORIGINAL}"]


def each_context_keeps_its_own_start_method(out: list[str]) -> None:
    assert out == [f"fork：子进程看到 {CHANGED}", f"spawn：子进程看到 {ORIGINAL}"]


def exercise_1_each_spawned_child_imports_the_module(out: list[str]) -> None:
    fork = ["导入模块", "主进程开始", "子进程1 在运行", "子进程2 在运行", "主进程结束"]
    spawn_or_forkserver = [
        "导入模块",
        "主进程开始",
        "导入模块",
        "子进程1 在运行",
        "导入模块",
        "子进程2 在运行",
        "主进程结束",
    ]
    assert out in (fork, spawn_or_forkserver)


def exercise_2_arguments_always_carry_the_changed_value(out: list[str]) -> None:
    assert out in (
        [f"参数： {CHANGED}", f"全局变量： {CHANGED}"],
        [f"参数： {CHANGED}", f"全局变量： {ORIGINAL}"],
    )


INVARIANTS: dict[str, Callable[[list[str]], None]] = {
    "start_method_name": each_process_reports_the_same_start_method,
    "global_changed_in_main": the_child_sees_the_changed_or_the_original_global,
    "no_main_guard": without_the_guard_the_child_stops_with_runtime_error,
    "lambda_target": a_lambda_runs_under_fork_only,
    "set_start_method_spawn": set_start_method_overrides_the_default,
    "get_context_fork_and_spawn": each_context_keeps_its_own_start_method,
    "exercise_import_count": exercise_1_each_spawned_child_imports_the_module,
    "exercise_args_vs_global": exercise_2_arguments_always_carry_the_changed_value,
}
"""Each lesson snippet's guarantees, by snippet name."""
