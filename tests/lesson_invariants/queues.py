"""What the queues lesson's programs print in every run, whatever way their races go.

One function per snippet, keyed by the snippet's file stem in INVARIANTS: it raises
AssertionError when one run's output lines break a guarantee. None of them says how often
a race goes one way: load changes that.
"""

from __future__ import annotations

import re
from collections.abc import Callable

BUNS = ["包子1", "包子2", "包子3"]


def a_bun_is_made_before_it_is_eaten(out: list[str]) -> None:
    made = [f"生产者做好了 {bun}" for bun in BUNS]
    eaten = [f"主进程吃掉了 {bun}" for bun in BUNS]
    assert sorted(out) == sorted([*made, *eaten, "主进程：生产者结束了，没有包子了"])
    assert [line for line in out if line in made] == made
    assert [line for line in out if line in eaten] == eaten, "eaten in the order put"
    for m, e in zip(made, eaten, strict=True):
        assert out.index(m) < out.index(e)
    assert out[-1] == "主进程：生产者结束了，没有包子了"


def each_producer_keeps_its_own_order(out: list[str]) -> None:
    assert len(out) == 3
    received = out[0].removeprefix("收到的顺序： ").split(" ")
    assert sorted(received) == [f"{name}{i}" for name in "AB" for i in range(4)]
    for name in "AB":
        own = [x for x in received if x.startswith(name)]
        assert own == [f"{name}{i}" for i in range(4)]
    assert out[1] == "A 的东西： A0 A1 A2 A3"
    assert out[2] == "B 的东西： B0 B1 B2 B3"


def join_returns_after_every_task_done(out: list[str]) -> None:
    assert out == [
        "处理完 任务1",
        "处理完 任务2",
        "处理完 任务3",
        "主进程：所有任务都处理完了",
    ]


def the_pipe_carries_a_question_and_its_answer(out: list[str]) -> None:
    assert out == [
        "主进程发出 [1, 2, 3]",
        "子进程收到 [1, 2, 3]，算出和 6",
        "主进程收到回答 6",
    ]


def joining_before_getting_hangs(out: list[str]) -> None:
    """A stopped run: the main process never gets past join."""
    assert out[0] == "主进程：先 join，再 get"
    assert set(out[1:]) <= {"子进程：放好了，函数结束"}
    assert not any("拿到" in line for line in out)


def getting_before_joining_lets_the_child_exit(out: list[str]) -> None:
    assert out == [
        "主进程：先 get，再 join",
        "子进程：放好了，函数结束",
        "主进程：拿到 5000000 个字符",
        "子进程的退出码：0",
    ]


CONSUMER_LINE = re.compile(r"^(消费者[12]) 拿到 \[([\d, ]*)\]$")


def exercise_1_each_number_is_taken_once(out: list[str]) -> None:
    assert len(out) == 3
    assert out[-1] == "总和：21"
    lists = {}
    for line in out[:2]:
        m = CONSUMER_LINE.match(line)
        assert m, line
        lists[m[1]] = [int(n) for n in m[2].split(", ") if n]
    assert set(lists) == {"消费者1", "消费者2"}
    assert sorted(lists["消费者1"] + lists["消费者2"]) == [1, 2, 3, 4, 5, 6]
    for got in lists.values():
        assert got == sorted(got), "a consumer gets items in the order they were put"


def exercise_2_join_returns_before_task_3_is_processed(out: list[str]) -> None:
    main = "主进程：所有任务都处理完了"
    assert out[:2] == ["处理完 任务1", "处理完 任务2"]
    assert out.count(main) == 1
    assert out.index(main) >= 2
    assert set(out) <= {"处理完 任务1", "处理完 任务2", "处理完 任务3", main}
    assert out.count("处理完 任务3") <= 1


INVARIANTS: dict[str, Callable[[list[str]], None]] = {
    "queue_producer_consumer": a_bun_is_made_before_it_is_eaten,
    "queue_two_producers": each_producer_keeps_its_own_order,
    "joinable_queue_task_done": join_returns_after_every_task_done,
    "pipe_reply": the_pipe_carries_a_question_and_its_answer,
    "queue_join_then_get": joining_before_getting_hangs,
    "queue_get_then_join": getting_before_joining_lets_the_child_exit,
    "exercise_two_consumers": exercise_1_each_number_is_taken_once,
    "exercise_task_done_early": exercise_2_join_returns_before_task_3_is_processed,
}
"""Each lesson snippet's guarantees, by snippet name."""
