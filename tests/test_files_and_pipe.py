"""Two things ``lessonkit import`` and two-file lessons need from the runner.

- Module files beside the program (``files``): ``main.py`` does ``import worker``, and
  ``worker.py`` is in its working directory in every run, sandboxed or not, traced or not.
- Output through a pipe (``terminal=False``), as ``python x.py > out.txt`` captures it:
  block-buffered, so a parent's line can come after its child's, and a line still in a
  buffer when ``os.fork()`` copies the process is printed twice.
"""

from __future__ import annotations

import pytest

from lessonkit.running.options import FenceOptionError, RunDefaults, parse_files, parse_run_options
from lessonkit.running.runner import HAS_TERMINAL, run_example
from lessonkit.running.sandbox import Isolation
from lessonkit.running.script_env import script_environment
from lessonkit.running.start_method import StartMethod

pytestmark = pytest.mark.slow  # runs programs

MAIN = """\
from multiprocessing import Process

import worker

if __name__ == "__main__":
    p = Process(target=worker.work, args=("the child",))
    p.start()
    p.join()
    print("main is done")
"""

WORKER = """\
def work(name):
    print(name, "runs worker.work")
"""

BUFFERED = """\
from multiprocessing import Event, Process


def child(ready):
    ready.wait()
    print("b")


if __name__ == "__main__":
    ready = Event()
    p = Process(target=child, args=(ready,))
    p.start()
    print("a")
    ready.set()
    p.join()
    print("c")
"""
"""The parent prints "a" after starting its child (``start()`` flushes what came before) and
before letting it print "b": in a terminal "a" is out at once; through a pipe it waits in the
parent's buffer until the parent exits, after the child's "b". No race either way."""

FORKED = """\
import os
import sys

print("a")
if os.fork() == 0:
    print("b")
    sys.exit(0)
os.wait()
print("c")
"""
"""``os.fork()`` copies the process with its buffer: through a pipe, the unflushed "a" is
printed by both processes (``multiprocessing``'s ``start()`` flushes first, so its children never do this)."""


# -- module files ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("isolation", "trace"),
    [(Isolation.AUTO, False), (Isolation.OFF, True)],
    ids=["sandboxed-where-possible", "traced-unsandboxed"],
)
def test_a_module_file_is_beside_the_program_in_every_run(isolation: Isolation, trace: bool) -> None:
    result = run_example(
        MAIN,
        start_method=StartMethod.SPAWN,  # the child imports the program, and so worker, afresh
        timeout=30,
        filename="main.py",
        files=[("worker.py", WORKER)],
        isolation=isolation,
        trace=trace,
    )
    assert (result.returncode, result.output) == (0, "the child runs worker.work\nmain is done\n")
    if trace:
        assert any(event["kind"] == "write" for event in result.trace)


def test_without_the_module_file_the_import_fails() -> None:
    result = run_example(MAIN, start_method=StartMethod.SPAWN, timeout=30, filename="main.py")
    assert result.returncode == 1
    assert "ModuleNotFoundError: No module named 'worker'" in result.output


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ([("../worker.py", "")], "must be a plain file name"),
        ([("sub/worker.py", "")], "must be a plain file name"),
        ([("main.py", "")], "has the program's own name"),
        ([("worker.py", ""), ("worker.py", "")], "the same name twice"),
    ],
)
def test_the_runner_refuses_a_module_file_it_cannot_place(files: list[tuple[str, str]], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        run_example(MAIN, start_method=StartMethod.FORK, timeout=30, filename="main.py", files=files)


def test_files_are_read_in_order_under_their_base_names() -> None:
    read = {"lesson/worker.py": WORKER, "lesson/helpers/tally.py": "TOTAL = 3\n"}
    files = parse_files("lesson/worker.py lesson/helpers/tally.py", program="main.py", read=read.__getitem__)
    assert files == (("worker.py", WORKER), ("tally.py", "TOTAL = 3\n"))
    defaults = RunDefaults(start_methods=(StartMethod.FORK,), timeout=30)
    assert parse_run_options({}, returncode=0, defaults=defaults).files == ()
    with pytest.raises(FenceOptionError, match="no snippets base"):
        parse_run_options({"files": "lesson/worker.py"}, returncode=0, defaults=defaults)


# -- output through a pipe -------------------------------------------------------------------


def test_through_a_pipe_the_child_s_line_comes_before_the_parent_s() -> None:
    piped = run_example(
        BUFFERED, start_method=StartMethod.SPAWN, timeout=30, filename="buffered.py", terminal=False
    )
    assert piped.terminal is False
    assert (piped.returncode, piped.output) == (0, "b\na\nc\n")
    if HAS_TERMINAL:
        shown = run_example(BUFFERED, start_method=StartMethod.SPAWN, timeout=30, filename="buffered.py")
        assert shown.terminal is True
        assert (shown.returncode, shown.output) == (0, "a\nb\nc\n")


def test_through_a_pipe_a_line_still_buffered_at_os_fork_is_printed_twice() -> None:
    piped = run_example(
        FORKED, start_method=StartMethod.FORK, timeout=30, filename="forked.py", terminal=False
    )
    assert (piped.returncode, piped.output) == (0, "a\nb\na\nc\n")
    if HAS_TERMINAL:
        shown = run_example(FORKED, start_method=StartMethod.FORK, timeout=30, filename="forked.py")
        assert shown.output == "a\nb\nc\n"


def test_only_the_fallback_for_a_missing_terminal_is_unbuffered() -> None:
    def environment(**kwargs: bool) -> dict[str, str]:
        return script_environment(StartMethod.FORK, site_dir="/t", home="/h", path="/bin", **kwargs)

    assert environment(terminal=False)["PYTHONUNBUFFERED"] == "1", "no pty: pipes stand in for one"
    assert "PYTHONUNBUFFERED" not in environment(terminal=False, unbuffered=False), "a pipe, as > out.txt"
    assert "PYTHONUNBUFFERED" not in environment(terminal=True)
