"""What the shared-state lesson's programs print in every run, whatever way their races go.

One function per snippet: it raises AssertionError when one run's output lines break a
guarantee. None of them says how often a race goes one way (how many updates are lost,
which child appends first): load changes that.
"""

from __future__ import annotations

import re
from collections.abc import Callable


def _actual(line: str) -> int:
    match = re.fullmatch(r"实际：(\d+)", line)
    assert match, line
    return int(match[1])


def globals_are_copies_in_every_child(out: list[str]) -> None:
    assert out == [
        "Process-1：counter = 1，names = ['Process-1']",
        "Process-2：counter = 1，names = ['Process-2']",
        "主进程：counter = 0，names = []",
    ]


def value_without_lock_never_gains(out: list[str]) -> None:
    assert len(out) == 2 and out[0] == "期望：60000"
    assert 1 <= _actual(out[1]) <= 60000, "lost updates make it smaller, never larger"


def value_with_lock_is_always_exact(out: list[str]) -> None:
    assert out == ["期望：60000", "实际：60000"]


def array_own_slots_lose_nothing(out: list[str]) -> None:
    assert out == ["每格：[20000, 20000, 20000]", "总数：60000"]


def manager_shares_a_dict_and_a_list(out: list[str]) -> None:
    assert out[:3] == [
        "子进程：['SyncManager-1']",
        "d 的类型：DictProxy",
        "d = {'p0': 0, 'p1': 10}",
    ]
    assert out[3:] in (["names = ['p0', 'p1']"], ["names = ['p1', 'p0']"])


def cost_both_totals_are_exact(out: list[str]) -> None:
    assert len(out) == 3
    assert re.fullmatch(r"Value：2000 次，用时 \d+\.\d{3} 秒", out[0]), out[0]
    assert re.fullmatch(r"Manager 字典：2000 次，用时 \d+\.\d{3} 秒", out[1]), out[1]
    assert out[2] == "结果：2000 和 2000"


def exercise_1_a_nested_list_is_not_propagated(out: list[str]) -> None:
    assert out == ["count = 1", "names = []"]


def exercise_2_manager_dict_never_gains(out: list[str]) -> None:
    assert len(out) == 2 and out[0] == "期望：2000"
    assert 1 <= _actual(out[1]) <= 2000, "lost updates make it smaller, never larger"


INVARIANTS: dict[str, Callable[[list[str]], None]] = {
    "global_not_shared": globals_are_copies_in_every_child,
    "value_race": value_without_lock_never_gains,
    "value_with_lock": value_with_lock_is_always_exact,
    "array_own_slots": array_own_slots_lose_nothing,
    "manager_dict_list": manager_shares_a_dict_and_a_list,
    "cost_value_vs_manager": cost_both_totals_are_exact,
    "exercise_manager_nested_list": exercise_1_a_nested_list_is_not_propagated,
    "exercise_manager_counter": exercise_2_manager_dict_never_gains,
}
"""Each lesson snippet's guarantees, by snippet name."""
