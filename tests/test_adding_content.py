"""Adding content never means editing a test.

Tried as a contributor would, in a copy of the repository: add one example to the daemon
lesson (in both languages, with no claim, and with what it guarantees in every run in
``tests/lesson_invariants/daemon.py``), import a lesson with ``lessonkit import`` and write
its guarantees in ``tests/lesson_invariants/exitcode.py`` and its two exercises, then run,
unedited, in the copy, every test that reads the site's content: those ``tests/conftest.py``
marks ``content`` (they build the real site, or read its pages and snippets), found by the
marker, not by a list. The other tests build small sites of their own, which new content
cannot change. The copy starts
with this checkout's cache of results, so only the new example and the imported lesson run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from support import ROOT, site_cache

pytestmark = pytest.mark.slow  # runs programs or builds sites


EXTRA_SNIPPET = """\
from multiprocessing import Process


def greet(name):
    print(f"hello from {name}")


if __name__ == "__main__":
    p = Process(target=greet, args=("a child",))
    p.start()
    p.join()
    print("the main process is done")
"""

EXTRA_SECTION = {
    "daemon.md": "\n## 再来一个例子 {{ #one-more }}\n\n{fence}\n",
    "daemon.en.md": "\n## One more example {{ #one-more }}\n\n{fence}\n",
}
IMPORT_FLAGS = ("--slug", "exitcode", "--samples", "2")

EXTRA_GUARANTEE = """

def the_child_greets_before_the_main_process_is_done(out: list[str]) -> None:
    assert out == ["hello from a child", "the main process is done"]


INVARIANTS["extra_greeting"] = the_child_greets_before_the_main_process_is_done
"""

EXERCISES = """
## 练习题 { #exercises }

### 练习 1 { #exercise-1 }

```python
--8<-- "exitcode/01_task.py"
```

先想一想：两次打印的 exitcode 各是什么？想好了再展开答案。

??? success "答案：真实运行的输出"

    ```python exec="on" predict="on"
    --8<-- "exitcode/01_task.py"
    ```

### 练习 2 { #exercise-2 }

```python
--8<-- "exitcode/02_task.py"
```

先想一想：terminate() 之后 exitcode 是多少？想好了再展开答案。

??? success "答案：真实运行的输出"

    ```python exec="on" predict="on"
    --8<-- "exitcode/02_task.py"
    ```
"""

IMPORTED_GUARANTEES = """\
def none_while_running_then_zero(out):
    assert out == ["None", "0"]


def terminated_by_sigterm(out):
    assert out == ["-15"]


def a_crash_gives_exit_code_one(out):
    assert out[-1] == "exitcode: 1"


def the_main_process_ends_under_every_method(out):
    assert out[-1] == "主进程结束"


INVARIANTS = {
    "01_task": none_while_running_then_zero,
    "02_task": terminated_by_sigterm,
    "03_task": a_crash_gives_exit_code_one,
    "04_task": the_main_process_ends_under_every_method,
}
"""
FENCE = '```python exec="on" source="above"\n--8<-- "daemon/extra_greeting.py"\n```'


def copy_repository(destination: Path) -> Path:
    """Copy the files git knows (committed or not, ignored ones aside), as a contributor's clone has them."""
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return destination


def test_adding_an_example_and_importing_a_lesson_leave_the_content_tests_green(
    tmp_path: Path, built_site: Path
) -> None:
    repo = copy_repository(tmp_path / "repo")
    # The session's build filled the checkout's cache: the copy reads the lesson's runs from it.
    shutil.copytree(site_cache(), repo / ".cache/lessonkit")
    (repo / "snippets/daemon/extra_greeting.py").write_text(EXTRA_SNIPPET, encoding="utf-8")
    for page, section in EXTRA_SECTION.items():
        with (repo / "docs" / page).open("a", encoding="utf-8") as handle:
            handle.write(section.format(fence=FENCE))
    env = {k: v for k, v in os.environ.items() if k not in ("LESSONKIT_SAMPLES", "LESSONKIT_CACHE_DIR")}
    imported = subprocess.run(
        [sys.executable, "-m", "lessonkit.cli", "import", "tests/data/exitcode_lesson.txt", *IMPORT_FLAGS],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )
    assert imported.returncode == 0, imported.stderr
    assert (repo / "docs/exitcode.md").is_file() and "  - exitcode.md" in (repo / "mkdocs.yml").read_text()
    with (repo / "tests/lesson_invariants/daemon.py").open("a", encoding="utf-8") as handle:
        handle.write(EXTRA_GUARANTEE)
    assert sorted(p.stem for p in (repo / "snippets/exitcode").glob("*.py")) == list(
        ["01_task", "02_task", "03_task", "04_task"]
    )
    (repo / "tests/lesson_invariants/exitcode.py").write_text(IMPORTED_GUARANTEES, encoding="utf-8")
    with (repo / "docs/exitcode.md").open("a", encoding="utf-8") as handle:  # a lesson has two exercises
        handle.write(EXERCISES)
    tests = subprocess.run(
        [
            *(sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", "-m", "content"),
            *("--ignore", "tests/browser", "--ignore", "tests/test_adding_content.py"),
        ],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=1500,
        env=env,
    )
    assert tests.returncode == 0, tests.stdout[-6000:] + tests.stderr[-2000:]
    assert " passed" in tests.stdout and " failed" not in tests.stdout
