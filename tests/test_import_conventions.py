"""How ``lessonkit import`` reads lessons as people write them: which fence is a program, which is
the output the lesson claims for it, and which rule said so. Nothing here runs a program."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import ROOT

from lessonkit.importing.conventions import (
    front_matter,
    marker_kind,
    read_session,
    reads_as_program,
    shell_prompt,
)
from lessonkit.importing.lesson import LessonError, program_name, read_lesson

LESSONS = ROOT / "tests/data/import"
"""One small lesson of the tests' own per way of writing one."""


@pytest.mark.parametrize(
    ("paragraph", "kind"),
    [
        ("输出结果", "line"),
        ("输出结果：", "line"),
        ("**运行结果:**", "line"),
        ("执行结果如下：", "sentence"),
        ("可以看到输出：", "sentence"),
        ("结果如下:", "sentence"),
        ("**输出：**", "sentence"),
        ("Output:", "sentence"),
        ("The program prints:", "sentence"),
        ("Output", "sentence"),
        ("这个程序会打印三行。", None),  # an output word, but no colon: an explanation
        ("下面是另一个例子：", None),  # a colon, but no output word
        ("输出" + "很长的一句话" * 20 + "：", None),  # a paragraph, not a line announcing an output
    ],
)
def test_a_line_announcing_the_output(paragraph: str, kind: str | None) -> None:
    assert marker_kind(paragraph) == kind


@pytest.mark.parametrize(
    ("line", "stem"),
    [
        ("$ python3 multiprocessing_names.py", "multiprocessing_names"),
        ("$ python multiprocessing_names.py", "multiprocessing_names"),
        ("python x.py", "x"),
        ("C:\\Users\\me> python x.py", "x"),
        ("PS C:\\code> py -3 x.py", "x"),
        ("(venv) $ python3 -u src/x.py > out.txt", "x"),
        ("me@box:~/code$ python3.11 x.py", "x"),
        ("$ python3", ""),
        ("x.py", None),
        ("pip install x", None),
        ("hello from python x.py", None),
        ("$ ls", None),
    ],
)
def test_a_shell_prompt_running_a_program(line: str, stem: str | None) -> None:
    assert shell_prompt(line) == stem


def test_a_session_is_a_script_and_the_lines_it_printed() -> None:
    session = read_session(
        ">>> import os\n>>> os.sep\n'/'\n>>> x = 2\n>>> x * 3\n6\n>>> print('hi')\nhi\n"
        ">>> def f():\n...     print('in f')\n...\n>>> f()\nin f\n>>> [].append(1)\n"
    )
    assert session is not None
    assert session.code == (
        "import os\nprint(repr(os.sep))\nx = 2\nprint(repr(x * 3))\nprint('hi')\n"
        "def f():\n    print('in f')\n\nf()\n[].append(1)\n"
    ), "what the prompt echoed is printed; print() and a function returning nothing are not wrapped"
    assert session.output == "'/'\n6\nhi\nin f"
    assert session.echoed == (2, 4)
    assert read_session(">>> print('unclosed'\n") is None


@pytest.mark.parametrize(
    ("text", "program"),
    [
        ("import os\nprint(os.getpid())\n", True),
        ("print 'hello'\n", False),  # Python 2: not Python 3 (python2_signs decides)
        ("main-------\n456\nend456\n", False),  # an output that parses: names and numbers
        ("worker\n", False),
        ("x = 1\n", True),
        ("True\n", False),
    ],
)
def test_an_untagged_fence_reads_as_a_program_or_as_output(text: str, program: bool) -> None:
    assert reads_as_program(text) is program


def test_front_matter_in_yaml_pelican_and_hexo() -> None:
    yaml_meta = front_matter("---\ntitle: 标题\ntags: [a, b]\n---\n\n正文\n", "l.md")
    assert (
        yaml_meta is not None and yaml_meta.meta == {"title": "标题", "tags": "a, b"} and yaml_meta.lines == 4
    )
    pelican = front_matter("Title: 标题\nDate: 2016-07-01\nCategory: 并发\n\n正文\n", "l.md")
    assert pelican is not None and pelican.meta["category"] == "并发" and pelican.lines == 3
    hexo = front_matter("title: 标题\ndate: 2014-05-02\n---\n\n正文\n", "l.md")
    assert hexo is not None and hexo.meta["title"] == "标题" and hexo.lines == 3
    assert front_matter("# 标题\n\nTitle: 不是元数据\n", "l.md") is None
    assert front_matter("Note: this lesson is short.\n\ntext\n", "l.md") is None, "not a metadata key"
    with pytest.raises(ValueError, match=r"l\.md:3: the front matter is not valid YAML"):
        front_matter("---\ntitle: x\ntags: [a\n---\n", "l.md")


def _lesson(name: str):
    return read_lesson(LESSONS / name)


def test_the_pymotw_style_lesson_claims_after_shell_prompts_and_a_sentence() -> None:
    lesson = _lesson("pymotw_style.md")
    assert lesson.meta["title"] == lesson.title == "multiprocessing：用进程代替线程"
    assert lesson.meta["tags"] == "multiprocessing, 进程"
    assert all(part.text != "Title: multiprocessing：用进程代替线程" for part in lesson.parts), "not prose"
    programs = lesson.programs
    assert [program_name(p, n) for n, p in enumerate(programs, 1)] == [
        "multiprocessing_import_main",
        "multiprocessing_import_worker",
        "multiprocessing_daemon_pid",
        "multiprocessing_buffered",
        "multiprocessing_helpers_main",
    ]
    assert [p.claim_rule for p in programs] == [
        "shell-prompt",  # the prompt names the main program, after the module's fence
        None,
        "shell-prompt",
        "output-sentence",
        "shell-prompt",
    ]
    assert programs[0].claim == "Worker\n", "the prompt line and the blank line after it are dropped"
    assert programs[2].claim == "Starting: daemon 41838\nExiting : daemon 41838\n"
    assert lesson.notes == []


def test_the_untagged_python2_lesson_finds_programs_and_claims() -> None:
    lesson = _lesson("untagged_python2.md")
    assert lesson.meta == {
        "title": "Python 多进程入门",
        "date": "2014-05-02 10:00:00",
        "tags": "python, 多进程",
    }
    assert lesson.title_heading is not None and lesson.title_heading.text == "Python 多进程入门"
    programs = lesson.programs
    assert len(programs) == 2, "untagged fences of Python 2; `pip install` is not a program"
    assert all(p.syntax_error and p.python2 for p in programs)
    assert any("print" in sign for sign in programs[0].python2)
    assert any("except" in sign for sign in programs[1].python2)
    assert [p.claim for p in programs] == ["0 1 2\nworker\n", "caught bad\n"]
    assert [p.claim_rule for p in programs] == ["output-sentence", "output-sentence"]


def test_the_session_lesson_reads_a_session_and_markers_in_any_form() -> None:
    lesson = _lesson("session.md")
    programs = lesson.programs
    assert len(programs) == 4
    session = programs[0].session
    assert session is not None and programs[0].claim == "'fork'\n1\ndone"
    assert programs[0].claim_rule == "session"
    assert "print(repr(mp.get_start_method()))" in programs[0].code
    assert [p.claim_rule for p in programs[1:]] == ["output-sentence", "output-sentence", None]
    assert [p.claim for p in programs[1:3]] == ["hello from a process\n", "cwd is a directory: True\n"]
    # The last fence follows a program but no rule makes it the output: kept, and said so.
    assert len(lesson.notes) == 1 and "session.md:61:" in lesson.notes[0]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("```\npip install x\n```\n\n```text\nprint(1)\n```\n", "no program found"),
        ("---\ntitle: [x\n---\n\n```python\nprint(1)\n```\n", ":2: the front matter is not valid YAML"),
        ("---\n- a\n- b\n---\n\n```python\nprint(1)\n```\n", ":2: the front matter must be keys and values"),
        ("运行结果：\n\n```\nx\n```\n", ":1: “运行结果：” has no program before it"),
    ],
    ids=["no-program", "bad-yaml", "yaml-list", "marker-first"],
)
def test_refusals_name_the_file_and_line(tmp_path: Path, text: str, message: str) -> None:
    lesson = tmp_path / "lesson.md"
    lesson.write_text(text, encoding="utf-8")
    with pytest.raises(LessonError, match=message) as raised:
        read_lesson(lesson)
    assert str(raised.value).startswith(str(lesson))


def test_a_sentence_before_a_program_is_not_its_output(tmp_path: Path) -> None:
    """``下面的程序会打印：`` before a program speaks of that program, not of the one before."""
    lesson = tmp_path / "lesson.md"
    lesson.write_text(
        "```python\nprint(1)\n```\n\n下面的程序会打印：\n\n```python\nprint(2)\n```\n\n```text\n2\n```\n",
        encoding="utf-8",
    )
    first, second = read_lesson(lesson).programs
    assert first.claim is None and second.claim is None
