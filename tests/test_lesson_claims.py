"""The daemon lesson's claims, checked against real runs of its snippets.

Each snippet runs through lessonkit's runner, under each start method, several
times (fork more often, since the racy errata are about fork). Invariants must
hold on every run; racy errata must show up at least once.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from support import ROOT

from lessonkit.results.checks import TRACEBACK_MARKER
from lessonkit.running.runner import ExampleResult, run_example
from lessonkit.running.start_method import StartMethod

SNIPPETS = ROOT / "snippets/daemon"
ORIGINAL = SNIPPETS / "original"
LESSON = [
    "daemon_join",
    "daemon_child_no_join",
    "daemon_child_join",
    "exercise_daemon_killed",
    "exercise_join_daemon",
]
RUNS = {StartMethod.FORK: 10, StartMethod.SPAWN: 3, StartMethod.FORKSERVER: 3}
"""Runs per start method: at least 3 each, and 10 under fork for the racy errata."""

Runs = dict[tuple[str, StartMethod], list[ExampleResult]]


@pytest.fixture(scope="module")
def runs() -> Runs:
    """Run every lesson snippet RUNS times per start method, concurrently (they mostly sleep)."""
    jobs = [(name, method) for name in LESSON for method, count in RUNS.items() for _ in range(count)]

    def run(job: tuple[str, StartMethod]) -> ExampleResult:
        name, method = job
        code = (SNIPPETS / f"{name}.py").read_text(encoding="utf-8")
        return run_example(code, start_method=method, timeout=60, filename=f"{name}.py", repo_root=ROOT)

    with ThreadPoolExecutor(max_workers=12) as pool:
        results = list(pool.map(run, jobs))
    collected: Runs = {}
    for job, result in zip(jobs, results, strict=True):
        collected.setdefault(job, []).append(result)
    return collected


def original_claim(name: str) -> str:
    return (ORIGINAL / f"{name}.txt").read_text(encoding="utf-8")


def lines(result: ExampleResult) -> list[str]:
    return result.output.splitlines()


def check_every_run(runs: Runs, name: str, claim: Callable[[ExampleResult], None]) -> None:
    for method in StartMethod:
        for result in runs[name, method]:
            assert not result.timed_out, f"{name} under {method.value} timed out"
            try:
                claim(result)
            except AssertionError as error:
                raise AssertionError(f"{name} under {method.value}:\n{result.output}\n{error}") from None


# -- invariants: true on every run -------------------------------------------------------------


def test_join_waits_for_the_daemon_to_print(runs: Runs) -> None:
    def claim(result: ExampleResult) -> None:
        assert result.returncode == 0
        assert lines(result) == ["子进程1 is running", "主"]

    check_every_run(runs, "daemon_join", claim)


def test_a_daemon_without_join_never_reaches_its_child(runs: Runs) -> None:
    def claim(result: ExampleResult) -> None:
        assert result.returncode == 0
        assert lines(result).count("主") == 1
        assert set(lines(result)) <= {"主", "子进程1 is running"}
        assert "子进程2" not in result.output and TRACEBACK_MARKER not in result.output

    check_every_run(runs, "daemon_child_no_join", claim)


def test_a_daemon_may_not_have_children(runs: Runs) -> None:
    def claim(result: ExampleResult) -> None:
        assert result.returncode == 0, "the child's crash does not change the main exit code"
        out = lines(result)
        assert out[0] == "子进程1 is running"
        assert "AssertionError: daemonic processes are not allowed to have children" in out
        assert out[-1] == "主", "the main process still prints 主 after the child's traceback"
        assert "子进程2" not in result.output

    check_every_run(runs, "daemon_child_join", claim)


def test_exercise_1_the_daemon_is_killed_before_end123(runs: Runs) -> None:
    def claim(result: ExampleResult) -> None:
        out = lines(result)
        assert "end123" not in out
        assert out[-1] == "end456"
        assert out.count("main-------") == 1 and out.count("456") == 1
        assert set(out) <= {"123", "456", "main-------", "end456"}

    check_every_run(runs, "exercise_daemon_killed", claim)


def test_exercise_2_join_orders_end123_main_end456(runs: Runs) -> None:
    def claim(result: ExampleResult) -> None:
        out = lines(result)
        assert out.index("123") < out.index("end123") < out.index("main-------") < out.index("end456")
        assert out.index("456") < out.index("end456")
        assert sorted(out) == sorted(original_claim("exercise_join_daemon").splitlines())

    check_every_run(runs, "exercise_join_daemon", claim)


# -- deterministic errata: the real output never equals the original's claim ---------------------


@pytest.mark.parametrize("name", ["daemon_join", "daemon_child_join"])
def test_deterministic_erratum_still_holds(runs: Runs, name: str) -> None:
    claim = original_claim(name)
    matching = [m.value for m in StartMethod for r in runs[name, m] if r.output == claim]
    assert not matching, (
        f"a real run of {name} printed exactly what the original claims ({matching}); "
        "the erratum on the page may no longer hold"
    )


def test_the_original_quotes_only_part_of_the_traceback(runs: Runs) -> None:
    quoted = original_claim("daemon_child_join").splitlines()
    for method in StartMethod:
        for result in runs["daemon_child_join", method]:
            out = lines(result)
            positions = [out.index(line) for line in quoted]
            assert positions == sorted(positions), "the original's lines appear, in its order"
            assert len(out) > len(quoted)


# -- racy errata: the divergent line shows up at least once under fork ---------------------------


@pytest.mark.parametrize(
    ("name", "line"),
    [("exercise_daemon_killed", "123"), ("daemon_child_no_join", "子进程1 is running")],
)
def test_racy_erratum_is_seen_under_fork(runs: Runs, name: str, line: str) -> None:
    fork_runs = runs[name, StartMethod.FORK]
    seen = sum(line in lines(r) for r in fork_runs)
    assert line not in original_claim(name).splitlines()
    assert seen >= 1, (
        f"{line!r} never appeared in {len(fork_runs)} fork runs of {name}; "
        "the erratum on the page (that fork often prints it) may no longer hold"
    )


def test_through_a_pipe_the_daemons_123_is_lost() -> None:
    """The page says a pipe block-buffers stdout, so the killed daemon's 123 never appears."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    script = SNIPPETS / "exercise_daemon_killed.py"
    for _ in range(3):
        done = subprocess.run(
            [sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=60, check=True
        )
        assert done.stdout.splitlines() == ["main-------", "456", "end456"]


def test_every_lesson_snippet_is_checked() -> None:
    names = sorted(path.stem for path in SNIPPETS.glob("*.py"))
    assert names == sorted(LESSON)
    assert sorted(p.stem for p in ORIGINAL.glob("*.txt")) == sorted(LESSON)
