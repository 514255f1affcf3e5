"""What the process-pool lesson's programs print in every run, whatever way their races go.

One function per snippet of ``snippets/pools/``: it raises AssertionError when one run's
output lines break a guarantee. Completion order, the order of the callbacks and which
worker ran which task are races: they are never asserted, only what holds in every run
under every start method (every result once, results in input order where the API says
so, the names the pool gives its workers, where an exception surfaces).
"""

from __future__ import annotations

import re
from collections.abc import Callable

WORKER_NAME = re.compile(r"(Fork|Spawn|ForkServer)PoolWorker-(\d+)")


def lines(out: list[str]) -> list[str]:
    """The run's lines without trailing spaces (a traceback's header line ends with one)."""
    return [line.rstrip() for line in out]


def map_returns_results_in_input_order(out: list[str]) -> None:
    out = lines(out)
    assert len(out) == 4
    assert sorted(out[:3]) == ["算完 1", "算完 2", "算完 3"], "each worker prints once, any order"
    assert out[-1] == "[1, 4, 9]", "map's list is in input order, printed after every task is done"


def imap_unordered_hands_over_every_result_once(out: list[str]) -> None:
    out = lines(out)
    assert len(out) == 4
    assert sorted(out[:3]) == ["收到 1", "收到 2", "收到 3"], "every result once, any order"
    assert out[-1] == "全部收到"


def each_task_is_run_by_one_of_the_two_workers(out: list[str]) -> None:
    out = lines(out)
    assert out[0] == "主进程的名字： MainProcess"
    assert len(out) == 5
    kinds = set()
    for task, line in enumerate(out[1:]):
        m = re.fullmatch(rf"任务{task} 由 {WORKER_NAME.pattern} 完成", line)
        assert m, f"map returns task {task}'s result in its place: {line!r}"
        kinds.add(m[1])
        assert m[2] in {"1", "2"}, "a pool of 2 has workers -1 and -2"
    assert len(kinds) == 1, "all workers of a pool are named after the same start method"


def callbacks_run_in_the_main_process_before_get_returns(out: list[str]) -> None:
    out = lines(out)
    assert len(out) == 5
    assert out.count("任务都提交了，主进程接着往下走") == 1
    callbacks = [line for line in out if line.startswith("回调收到")]
    assert sorted(callbacks) == sorted(f"回调收到 {v}，在 MainProcess 里运行" for v in (1, 4, 9)), (
        "one callback per task, each in the main process, in any order"
    )
    assert out[-1] == "[9, 1, 4]", "get() in submission order; every callback has run before"


def worker_exception_is_raised_again_in_the_parent(out: list[str]) -> None:
    out = lines(out)
    assert out[0] == "get() 抛出了 ZeroDivisionError('division by zero')"
    assert out[1] == "[2.0, 5.0]", "the pool still works after a task raised"
    assert "multiprocessing.pool.RemoteTraceback:" in out, "the worker's traceback comes first"
    cause = "The above exception was the direct cause of the following exception:"
    assert out.index("multiprocessing.pool.RemoteTraceback:") < out.index(cause)
    assert "    return 10 / n" in out[: out.index(cause)], "the worker's line is in the cause"
    assert "    print(pool.map(divide, [5, 0, 2]))" in out[out.index(cause) :]
    assert out[-1] == "ZeroDivisionError: division by zero"
    assert "这一行不会打印" not in out


def executor_results_are_collected_in_program_order(out: list[str]) -> None:
    assert lines(out) == [
        "100",
        "[1, 4, 9]",
        "主进程捕获到： ZeroDivisionError('division by zero')",
    ]


def exercise_1_leaving_with_terminates_the_pool(out: list[str]) -> None:
    out = lines(out)
    assert out.count("任务都提交了") == 1
    assert out[-1] == "主进程结束", "nothing runs after the pool is terminated"
    assert set(out) <= {"任务都提交了", "主进程结束", "回调收到 1", "回调收到 4", "回调收到 9"}


def exercise_2_one_worker_keeps_input_order(out: list[str]) -> None:
    out = lines(out)
    assert len(out) == 3
    found = [re.fullmatch(rf"(\d) 由 {WORKER_NAME.pattern} 完成", line) for line in out]
    assert all(found), out
    assert [m[1] for m in found] == ["3", "1", "2"], "one worker: input order is guaranteed"
    assert {(m[2], m[3]) for m in found} == {(found[0][2], "1")}, "the single worker -1 ran all"


INVARIANTS: dict[str, Callable[[list[str]], None]] = {
    "pool_map_order": map_returns_results_in_input_order,
    "imap_unordered_completion": imap_unordered_hands_over_every_result_once,
    "pool_worker_names": each_task_is_run_by_one_of_the_two_workers,
    "apply_async_callback": callbacks_run_in_the_main_process_before_get_returns,
    "worker_exception": worker_exception_is_raised_again_in_the_parent,
    "process_pool_executor": executor_results_are_collected_in_program_order,
    "exercise_with_block_terminates": exercise_1_leaving_with_terminates_the_pool,
    "exercise_one_worker": exercise_2_one_worker_keeps_input_order,
}
"""Each pools snippet's guarantees, by snippet name."""
