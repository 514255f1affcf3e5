"""What the daemon lesson's programs print in every run, whatever way their races go.

One function per snippet: it raises AssertionError when one run's output lines break a
guarantee. The lesson tests apply them to every run the site's build published; the trace
tests apply them to runs with tracing off and on. None of them says how often a race goes
one way: load changes that.
"""

from __future__ import annotations

from collections.abc import Callable

from support import ROOT

from lessonkit.results.checks import TRACEBACK_MARKER

ORIGINAL = ROOT / "snippets/daemon/original"


def join_waits_for_the_daemon_to_print(out: list[str]) -> None:
    assert out == ["子进程1 is running", "主"]


def a_daemon_without_join_never_reaches_its_child(out: list[str]) -> None:
    assert out.count("主") == 1
    assert set(out) <= {"主", "子进程1 is running"}
    assert not any("子进程2" in line or TRACEBACK_MARKER in line for line in out)


def a_daemon_may_not_have_children(out: list[str]) -> None:
    assert out[0] == "子进程1 is running"
    assert "AssertionError: daemonic processes are not allowed to have children" in out
    assert out[-1] == "主", "the main process still prints 主 after the child's traceback"
    assert not any("子进程2" in line for line in out)


def exercise_1_the_daemon_is_killed_before_end123(out: list[str]) -> None:
    assert "end123" not in out
    assert out[-1] == "end456"
    assert out.count("main-------") == 1 and out.count("456") == 1
    assert set(out) <= {"123", "456", "main-------", "end456"}


def exercise_2_join_orders_end123_main_end456(out: list[str]) -> None:
    assert out.index("123") < out.index("end123") < out.index("main-------") < out.index("end456")
    assert out.index("456") < out.index("end456")
    claimed = (ORIGINAL / "exercise_join_daemon.txt").read_text(encoding="utf-8")
    assert sorted(out) == sorted(claimed.splitlines())


INVARIANTS: dict[str, Callable[[list[str]], None]] = {
    "daemon_join": join_waits_for_the_daemon_to_print,
    "daemon_child_no_join": a_daemon_without_join_never_reaches_its_child,
    "daemon_child_join": a_daemon_may_not_have_children,
    "exercise_daemon_killed": exercise_1_the_daemon_is_killed_before_end123,
    "exercise_join_daemon": exercise_2_join_orders_end123_main_end456,
}
"""Each lesson snippet's guarantees, by snippet name."""
