"""``mkdocs build --strict`` runs every example for real, and fails loudly when one breaks."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from support import marked_processes, mkdocs_build, small_site

pytestmark = pytest.mark.slow  # runs programs or builds sites

METHODS = ["fork", "spawn", "forkserver"]


def runs_on(page: Path) -> list[dict[str, str]]:
    """Return, for each executed block on *page*, its printed output by start-method tab label."""
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    blocks = []
    for runs in soup.select(".lessonkit-runs"):
        labels = [label.get_text(strip=True) for label in runs.select(".tabbed-labels > label")]
        blocks_html = runs.select(".tabbed-content > .tabbed-block")
        outputs = [(block.select_one("pre") or block).get_text() for block in blocks_html]
        blocks.append(dict(zip(labels, outputs, strict=True)))
    return blocks


@pytest.mark.parametrize("page", ["index.html", "en/index.html"])
def test_demo_page_shows_the_daemon_childs_line_under_every_start_method(built_site: Path, page: str) -> None:
    blocks = runs_on(built_site / page)
    assert blocks, f"no executed block on {page}"
    first = blocks[0]
    assert list(first) == METHODS
    for method, output in first.items():
        assert "子进程1 is running" in output, f"{page} {method}: {output!r}"


def test_both_languages_are_built(built_site: Path) -> None:
    zh = BeautifulSoup((built_site / "index.html").read_text(encoding="utf-8"), "html.parser")
    en = BeautifulSoup((built_site / "en/index.html").read_text(encoding="utf-8"), "html.parser")
    assert zh.html["lang"].startswith("zh")
    assert en.html["lang"] == "en"


BROKEN_CASES = {
    "crash": (
        "crash.py",
        '```python exec="on"\n--8<-- "broken/crash.py"\n```',
        """
        from multiprocessing import Process

        def crash():
            raise ValueError("the child crashed")

        if __name__ == "__main__":
            p = Process(target=crash)
            p.start()
            p.join()
            print("main carries on")
        """,
        ["a process printed a traceback", "ValueError: the child crashed"],
    ),
    "returncode": (
        "exit_two.py",
        '```python exec="on"\n--8<-- "broken/exit_two.py"\n```',
        "import sys\n\nprint('leaving')\nsys.exit(2)\n",
        ["exited with code 2", 'returncode="2"'],
    ),
    "expect": (
        "quiet.py",
        '```python exec="on" expect="NEVER PRINTED"\n--8<-- "broken/quiet.py"\n```',
        "print('something else')\n",
        ['does not contain expect="NEVER PRINTED"'],
    ),
    "hang": (
        "hang.py",
        '```python exec="on" timeout="2" start_methods="fork"\n--8<-- "broken/hang.py"\n```',
        """
        import os
        import time
        from multiprocessing import Process

        def sleeper():
            print("child pid", os.getpid(), flush=True)
            time.sleep(600)

        if __name__ == "__main__":
            print("main pid", os.getpid(), flush=True)
            Process(target=sleeper).start()
            time.sleep(600)
        """,
        ["still running after 2 s"],
    ),
    "bad_option": (
        "fine.py",
        '```python exec="on" start_methods="fork spoon"\n--8<-- "broken/fine.py"\n```',
        "print('fine')\n",
        ["options lessonkit cannot use; nothing was run", "unknown start method 'spoon'"],
    ),
    "unknown_option": (
        "fine.py",
        '```python exec="on" start_method="spawn"\n--8<-- "broken/fine.py"\n```',
        "print('fine')\n",
        ["unknown option start_method (did you mean start_methods?)", "nothing was run"],
    ),
    "bad_predict": (
        "fine.py",
        '```python exec="on" predict="yes"\n--8<-- "broken/fine.py"\n```',
        "print('fine')\n",
        ['predict="yes": write predict="on"', "nothing was run"],
    ),
    "predict_outside_an_answer": (
        "fine.py",
        '```python exec="on" predict="on"\n--8<-- "broken/fine.py"\n```',
        "print('fine')\n",
        ['predict="on" needs the block inside an answer box'],
    ),
    "missing_snippet": (
        "present.py",
        '```python exec="on"\n--8<-- "broken/absent.py"\n```',
        "print('present')\n",
        ["snippet file not found", "snippets/broken/absent.py"],
    ),
}


HOME = {"index.md": "# 首页\n\n文字。\n", "index.en.md": "# Home\n\nProse.\n"}
"""The home pages of the small sites these tests break: nothing else of the real site."""


@pytest.mark.parametrize("case", list(BROKEN_CASES))
def test_a_broken_example_fails_the_strict_build_with_page_and_line(tmp_path: Path, case: str) -> None:
    filename, fence, code, messages = BROKEN_CASES[case]
    marker = f"lkmark_{uuid.uuid4().hex[:12]}"  # in every process's command line: find survivors
    fence = fence.replace(filename, f"{marker}_{filename}")
    filename = f"{marker}_{filename}"
    project = small_site(tmp_path / "project", HOME)
    (project / "snippets/broken").mkdir()
    (project / "snippets/broken" / filename).write_text(textwrap.dedent(code).lstrip(), encoding="utf-8")
    front_matter = "---\ndescription: MkDocs cuts front matter off before plugins see the page.\n---\n"
    page = f"{front_matter}\n# Broken\n\nText.\n\n{fence}\n"
    (project / "docs/broken.md").write_text(page, encoding="utf-8")
    (project / "docs/broken.en.md").write_text(page, encoding="utf-8")

    result = mkdocs_build(project, tmp_path / "site", env={"LESSONKIT_CACHE_DIR": str(tmp_path / "cache")})

    assert result.returncode != 0, "the strict build should have failed"
    log = result.stderr + result.stdout
    assert "docs/broken.md:9" in log, log[-3000:]  # line 9 of the file, front matter counted
    assert "docs/broken.en.md:9" in log, log[-3000:]  # every page's problems are reported at once
    for message in messages:
        assert message in log, log[-3000:]
    if case != "missing_snippet":
        assert f"snippets/broken/{filename}" in log
    assert marked_processes(marker) == [], "a process outlived the failed build"


def test_front_matter_mkdocs_cannot_read_fails_the_build_with_page_and_line(tmp_path: Path) -> None:
    """MkDocs keeps unreadable front matter as text without a word; lessonkit names it instead."""
    project = small_site(tmp_path / "project", HOME)
    page = "---\ndescription: Lesson 7: five examples\n---\n\n# Broken\n\nText.\n"
    (project / "docs/broken.md").write_text(page, encoding="utf-8")
    (project / "docs/broken.en.md").write_text(page.replace("Broken", "Broken too"), encoding="utf-8")
    result = mkdocs_build(project, tmp_path / "site", env={"LESSONKIT_EXEC": "0"})
    log = result.stderr + result.stdout
    assert result.returncode != 0, log[-3000:]
    assert "docs/broken.md:2: the front matter is not valid YAML: mapping values are not allowed here" in log
    assert "docs/broken.en.md:2:" in log, "every page's problem is reported at once"


def fresh_jieba(destination: Path) -> Path:
    """A copy of the installed jieba without its bytecode, as a fresh clone's first build meets it,
    and a module of our own with an invalid escape; return the folder to put on PYTHONPATH."""
    import jieba

    shutil.copytree(
        Path(jieba.__file__).parent, destination / "jieba", ignore=shutil.ignore_patterns("__pycache__")
    )
    (destination / "other_module.py").write_text('PATTERN = "\\d+"\n', encoding="utf-8")
    return destination


def test_jiebas_escape_warnings_are_quiet_and_every_other_warning_is_not(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(fresh_jieba(tmp_path)), "PYTHONDONTWRITEBYTECODE": "1"}

    def warnings_of(code: str) -> str:
        command = [sys.executable, "-W", "default", "-c", code]
        return subprocess.run(command, env=env, capture_output=True, text=True, check=True).stderr

    alone = warnings_of("import jieba, other_module")
    assert "/jieba/__init__.py" in alone and "invalid escape sequence" in alone, (
        "without lessonkit, jieba warns"
    )
    quiet = warnings_of("import lessonkit.site, jieba, other_module")
    assert "/jieba/" not in quiet
    assert "other_module.py" in quiet and "invalid escape sequence" in quiet, "other warnings still show"


def test_the_first_build_prints_no_warning_of_jiebas_and_keeps_materials_notice(tmp_path: Path) -> None:
    """``mkdocs build`` as a contributor types it, on a fresh clone (jieba not compiled yet):
    mkdocs.yml lists i18n-404 first, so lessonkit is imported before the search plugin imports
    jieba. Listed after search, the same build prints jieba's warnings."""
    fresh = fresh_jieba(tmp_path / "fresh")
    env = {**os.environ, "PYTHONPATH": str(fresh), "PYTHONDONTWRITEBYTECODE": "1", "LESSONKIT_EXEC": "0"}
    env.pop("NO_MKDOCS_2_WARNING", None)
    project = small_site(tmp_path / "project", HOME)

    def build(site: str) -> str:
        command = [str(Path(sys.executable).parent / "mkdocs"), "build", "--strict", "--site-dir", site]
        done = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stderr

    first = build(str(tmp_path / "site"))
    assert "invalid escape sequence" not in first and "/jieba/" not in first, first[-3000:]
    assert "Material for MkDocs reaches end of life" in first, "Material's notice is for people: kept"
    config = (project / "mkdocs.yml").read_text(encoding="utf-8")
    assert config.count("  - i18n-404\n") == 1
    moved = config.replace("  - i18n-404\n", "")
    moved = moved.replace("\nmarkdown_extensions:", "  - i18n-404\n\nmarkdown_extensions:")
    (project / "mkdocs.yml").write_text(moved, encoding="utf-8")
    later = build(str(tmp_path / "site-2"))
    assert "invalid escape sequence" in later, "the check can fail: listed later, jieba warns"
