"""What the locks lesson's programs print in every run, whatever way their races go.

One function per snippet: it raises AssertionError when one run's output lines break a
guarantee. None of them says how often a race goes one way (how many updates get lost,
which process takes the lock first): load changes that.
"""

from __future__ import annotations

import re
from collections.abc import Callable

TOTAL = re.compile(r"应该是 (\d+)，实际是 (\d+)")
CHANGE = re.compile(r"(Process-\d+): (\d+) -> (\d+)")


def _total(line: str, expected: int) -> int:
    m = TOTAL.fullmatch(line)
    assert m, f"not a total line: {line!r}"
    assert int(m[1]) == expected
    return int(m[2])


def _total_and_verdict(out: list[str], expected: int) -> int:
    """The two lines every counter program ends with: the total, then whether updates were lost."""
    assert len(out) == 2, out
    total = _total(out[0], expected)
    assert 1 <= total <= expected, "every value written is a value read plus 1"
    assert out[1] == ("有更新丢失" if total < expected else "没有更新丢失")
    return total


def without_a_lock_the_total_is_at_most_30(out: list[str]) -> None:
    _total_and_verdict(out, 30)


def acquire_release_always_counts_to_30(out: list[str]) -> None:
    assert out == ["应该是 30，实际是 30", "没有更新丢失"]


def with_lock_numbers_go_up_one_by_one(out: list[str]) -> None:
    changes = [CHANGE.fullmatch(line) for line in out[:-1]]
    assert all(changes), out
    assert [(int(m[2]), int(m[3])) for m in changes] == [(n, n + 1) for n in range(9)]
    names = [m[1] for m in changes]
    assert sorted(names) == sorted(["Process-1", "Process-2", "Process-3"] * 3)
    assert out[-1] == "应该是 9，实际是 9"


def deadlock_prints_one_line_then_hangs(out: list[str]) -> None:
    assert out == ["拿到锁了，接着写日志"]


def rlock_lets_the_holder_take_it_again(out: list[str]) -> None:
    assert out == ["拿到锁了，接着写日志", "日志：一切正常", "锁已经释放", "主进程结束"]


def acquire_timeout_returns_false_and_the_run_ends(out: list[str]) -> None:
    assert out == [
        "拿到锁了，接着写日志",
        "0.5 秒内没拿到锁，这行日志不写了",
        "锁已经释放",
        "主进程结束",
    ]


def exercise_1_locking_only_the_write_is_not_enough(out: list[str]) -> None:
    _total_and_verdict(out, 30)


LEAKED = re.compile(
    r".*resource_tracker\.py:\d+: UserWarning: resource_tracker: "
    r"There appear to be 3 leaked semaphore objects to clean up at shutdown"
)


def exercise_2_a_module_level_lock_is_at_most_30(out: list[str]) -> None:
    """Under fork it is always 30; the function gets no start method, so it checks the bound.

    Under forkserver the resource tracker may add its warning after the main process's lines:
    the three locks the children made when they imported the module were not cleaned up.
    """
    if len(out) == 4:
        assert LEAKED.fullmatch(out[2]), out[2]
        assert out[3].strip().startswith("warnings.warn("), out[3]
        out = out[:2]
    _total_and_verdict(out, 30)


INVARIANTS: dict[str, Callable[[list[str]], None]] = {
    "counter_no_lock": without_a_lock_the_total_is_at_most_30,
    "counter_acquire_release": acquire_release_always_counts_to_30,
    "counter_with_lock": with_lock_numbers_go_up_one_by_one,
    "deadlock_same_lock_twice": deadlock_prints_one_line_then_hangs,
    "rlock_reentrant": rlock_lets_the_holder_take_it_again,
    "acquire_timeout": acquire_timeout_returns_false_and_the_run_ends,
    "exercise_lock_only_the_write": exercise_1_locking_only_the_write_is_not_enough,
    "exercise_module_level_lock": exercise_2_a_module_level_lock_is_at_most_30,
}
"""Each lesson snippet's guarantees, by snippet name."""
