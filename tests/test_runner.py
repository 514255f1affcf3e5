"""The executor runs each example as a real script and reports what really happened."""

from __future__ import annotations

import os
import textwrap
import uuid
from pathlib import Path

import markdown
import pytest
from support import ROOT, marked_processes

from lessonkit.results.checks import find_problem
from lessonkit.results.outcomes import BlockOutcomes, judge
from lessonkit.running.options import RunOptions
from lessonkit.running.output import normalize_output
from lessonkit.running.runner import HAS_TERMINAL, ExampleResult, run_example
from lessonkit.running.script_env import INHERITED_VARIABLES
from lessonkit.running.start_method import StartMethod
from lessonkit.site.render import render_block

pytestmark = pytest.mark.slow  # runs programs or builds sites


def run(code: str, method: StartMethod = StartMethod.FORK, timeout: float = 20, **kwargs) -> ExampleResult:
    return run_example(textwrap.dedent(code), start_method=method, timeout=timeout, **kwargs)


def options(**kwargs) -> RunOptions:
    return RunOptions(start_methods=(StartMethod.FORK,), timeout=20, **kwargs)


def rendered_html(result: ExampleResult, language: str) -> str:
    """Render *result* the way a page does: lessonkit's Markdown, through the site's extensions."""
    md = markdown.Markdown(
        extensions=["pymdownx.superfences", "pymdownx.tabbed", "attr_list", "md_in_html"],
        extension_configs={"pymdownx.tabbed": {"alternate_style": True}},
    )
    block = BlockOutcomes(
        page="docs/x.md",
        line=1,
        snippet=None,
        claim=None,
        methods=(judge(result.start_method.value, [result.output]),),
    )
    rendered = render_block(block, [[result]], language)
    return rendered.fill(md.convert(rendered.markdown))


CHILD_PRINTS = """
    import multiprocessing as mp

    def task(name):
        print(name, "is running in", mp.current_process().name)

    if __name__ == "__main__":
        p = mp.Process(target=task, args=("child",), name="worker")
        p.start()
        p.join()
        print("main done under", mp.get_start_method())
"""


@pytest.mark.parametrize("method", list(StartMethod), ids=lambda m: m.value)
def test_each_start_method_captures_the_childs_print(method: StartMethod) -> None:
    result = run(CHILD_PRINTS, method)
    assert result.returncode == 0, result.output
    assert "child is running in worker\n" in result.output
    assert result.output.endswith(f"main done under {method.value}\n")
    assert result.start_method is method


def test_runs_under_a_terminal_when_the_os_has_one() -> None:
    result = run("import sys; print(sys.stdout.isatty(), sys.stderr.isatty())")
    assert result.terminal is HAS_TERMINAL
    assert result.output == f"{HAS_TERMINAL} {HAS_TERMINAL}\n"


def test_a_pipe_run_keeps_python_s_own_buffering_and_says_so() -> None:
    code = "import os, sys; print(sys.stdout.isatty(), 'PYTHONUNBUFFERED' in os.environ)"
    result = run(code, terminal=False)
    assert result.terminal is False
    assert result.output == "False False\n", "block-buffered, as python x.py > out.txt"


def test_a_script_that_sets_its_own_start_method_still_works() -> None:
    code = """
        import multiprocessing as mp

        if __name__ == "__main__":
            mp.set_start_method("spawn")
            print(mp.get_start_method())
    """
    result = run(code, StartMethod.FORK)
    assert (result.returncode, result.output) == (0, "spawn\n")


def test_a_childs_traceback_without_expect_fails() -> None:
    code = """
        from multiprocessing import Process

        def crash():
            raise ValueError("boom")

        if __name__ == "__main__":
            p = Process(target=crash)
            p.start()
            p.join()
            print("main still fine")
    """
    result = run(code)
    assert result.returncode == 0  # the parent does not notice
    assert "ValueError: boom" in result.output
    problem = find_problem(result, options())
    assert problem is not None and "traceback" in problem
    assert find_problem(result, options(expect="ValueError: boom")) is None


def test_expect_text_must_appear() -> None:
    result = run("print('hello')")
    assert find_problem(result, options(expect="hello")) is None
    problem = find_problem(result, options(expect="goodbye"))
    assert problem is not None and "goodbye" in problem


def test_a_wrong_returncode_fails() -> None:
    result = run("import sys; print('bye'); sys.exit(3)")
    assert result.returncode == 3
    problem = find_problem(result, options())
    assert problem is not None and "code 3" in problem
    assert find_problem(result, options(returncode=3)) is None


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to look processes up")
def test_timeout_kills_every_process_of_the_run() -> None:
    code = """
        import os, time
        from multiprocessing import Process

        def grandchild():
            print("grandchild", os.getpid(), flush=True)
            time.sleep(600)

        def child():
            print("child", os.getpid(), flush=True)
            Process(target=grandchild).start()
            time.sleep(600)

        if __name__ == "__main__":
            print("main", os.getpid(), flush=True)
            Process(target=child).start()
            time.sleep(600)
    """
    marker = f"lkmark_{uuid.uuid4().hex[:12]}"  # forked children share the main's command line
    result = run(code, timeout=3, filename=f"{marker}.py")
    assert result.timed_out and result.returncode is None
    names = {line.split()[0] for line in result.output.splitlines()}
    assert names == {"main", "child", "grandchild"}, result.output
    assert marked_processes(marker) == []
    problem = find_problem(result, RunOptions(start_methods=(StartMethod.FORK,), timeout=3))
    assert problem is not None and "killed" in problem


def test_output_is_html_escaped_when_rendered() -> None:
    result = run("print('<script>alert(1)</script> & ```')")
    html = rendered_html(result, "en")
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; ```" in html
    assert ">fork</label>" in html


def test_paths_of_this_machine_are_removed() -> None:
    code = """
        from multiprocessing import Process

        def crash():
            raise RuntimeError("in the child")

        if __name__ == "__main__":
            p = Process(target=crash)
            p.start()
            p.join()
    """
    result = run(code, StartMethod.SPAWN, filename="crash_demo.py", repo_root=ROOT)
    assert 'File ".../multiprocessing/process.py"' in result.output
    assert 'File "crash_demo.py", line 5, in crash' in result.output
    assert "/tmp" not in result.output and str(ROOT) not in result.output
    assert os.path.expanduser("~") not in result.output


def test_normalize_output_cleans_bytes() -> None:
    script = Path("/tmp/lessonkit-abc/work/demo.py")
    raw = b"\x1b[31mred\x1b[0m\r\nbad \xff byte\r\n" + f"{ROOT}/snippets/x.py {script}\n".encode()
    text = normalize_output(raw, script_path=script, workdir=Path("/tmp/lessonkit-abc"), repo_root=ROOT)
    assert text == "red\nbad \ufffd byte\nsnippets/x.py demo.py\n"


def test_invalid_utf8_is_replaced_not_fatal() -> None:
    result = run("import sys; sys.stdout.buffer.write(b'caf\\xe9\\n')")
    assert result.output == "caf\ufffd\n"


def test_long_output_is_cut_with_a_notice() -> None:
    result = run("print('x' * 200_000)", output_limit=64 * 1024)
    assert len(result.output.encode()) < 64 * 1024 + 200
    assert "output cut here" in result.output
    assert result.returncode == 0


def test_the_environment_is_scrubbed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "do-not-leak")
    monkeypatch.setenv("GITHUB_TOKEN", "do-not-leak")
    monkeypatch.setenv("PYTHONUNBUFFERED", "1")  # a terminal's run must keep a terminal's buffering
    code = """
        import os, sys
        print(sorted(os.environ))
        print(os.getcwd())
        print(sys.stdin.read() == "")
    """
    result = run(code)
    assert "do-not-leak" not in result.output
    names = set(eval(result.output.splitlines()[0]))  # our own printed list
    allowed = set(INHERITED_VARIABLES) | {
        "HOME", "LANG", "LC_ALL", "PYTHONIOENCODING", "PYTHONDONTWRITEBYTECODE",
        "PYTHONPATH", "LESSONKIT_START_METHOD", "TERM", "PYTHONUNBUFFERED", "LC_CTYPE",
        "PATH", "TMPDIR", "PWD",
    }  # fmt: skip
    assert names <= allowed, names - allowed
    assert "PYTHONUNBUFFERED" not in names or not HAS_TERMINAL, "inherited from the builder"
    assert result.output.splitlines()[1] == "."  # a private directory, shown relative
    assert result.output.splitlines()[2] == "True"  # stdin is empty


def test_an_output_with_blank_lines_and_indentation_stays_one_block() -> None:
    code = "print('first')\nprint()\nprint()\nprint('    indented <b>')\nprint()\nprint('last')\n"
    result = run(code)
    html = rendered_html(result, "zh")
    assert html.count("<pre") == 1
    assert "first\n\n\n    indented &lt;b&gt;\n\nlast" in html
    assert "在伪终端中运行" in html


def test_processes_left_running_after_the_main_exits_are_reported_and_killed() -> None:
    marker = f"lkmark_{uuid.uuid4().hex[:12]}"
    code = f"""
        import subprocess, sys

        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)  # {marker}"])
        print("child", child.pid, flush=True)
    """
    result = run(code, timeout=20)
    assert result.left_running and not result.timed_out
    assert result.returncode == 0
    assert result.duration < 15, "reported after a short grace period, not at the timeout"
    commands = [str(process["command"]) for process in result.left]
    assert len(commands) == 1 and commands[0].endswith(f"-c import time; time.sleep(600)  # {marker}")
    assert marked_processes(marker) == []
    problem = find_problem(result, options())
    assert problem is not None and "kept running" in problem


def test_multiprocessing_s_helpers_get_longer_to_exit_and_what_they_print_is_kept() -> None:
    """A resource tracker that a loaded machine schedules late is not "left running"; others are."""

    def code(seconds: int) -> str:
        helper = "\n".join(
            [
                "from multiprocessing.resource_tracker import main",
                "import time",
                f"time.sleep({seconds})",
                "print('done')",
            ]
        )
        return "\n".join(
            [
                "import subprocess, sys",
                f"subprocess.Popen([sys.executable, '-c', {helper!r}])",
                "print('main done')",
                "",
            ]
        )

    result = run(code(3), timeout=20)
    assert not result.left_running and result.returncode == 0, result
    assert result.output.splitlines() == ["main done", "done"]
    assert result.duration > 3
    late = run(code(60), timeout=40)
    assert late.left_running and not late.timed_out, "a helper gets longer, not for ever"
    assert late.duration < 20


def test_a_traceback_past_the_cut_still_fails() -> None:
    code = "print('x' * 5000)\nraise ValueError('late')\n"
    result = run(code, output_limit=1000)
    assert "output cut here" in result.output and "Traceback" not in result.output
    assert result.traceback_after_cut
    assert find_problem(result, options(returncode=1)) is not None
    assert find_problem(result, options(returncode=1, expect="x")) is None
