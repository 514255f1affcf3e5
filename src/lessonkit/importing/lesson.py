"""Read a lesson written like the seed: headings, prose, programs, ``输出结果`` and claimed outputs.

The lesson is parsed with markdown-it-py (CommonMark), never with regular expressions over
the text: a fence inside a list, a heading underlined with ``===`` and an indented code
block are all what CommonMark says they are. Each top-level part keeps its source lines,
so the page says exactly what the lesson said.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

from markdown_it import MarkdownIt

OUTPUT_MARKERS = ("输出结果", "运行结果")
"""Paragraphs that announce the claimed output of the program before them (a trailing colon is allowed)."""

ENCODINGS = ("utf-8", "gb18030")
"""Tried in this order. GB18030 reads GBK and GB2312 too, which many Chinese texts use."""

PYTHON_INFOS = ("python", "py", "python3", "py3")


class LessonError(ValueError):
    """The lesson cannot be imported; the message names the file and the line."""


@dataclass
class Program:
    """A program of the lesson, and the output the lesson claims it prints."""

    code: str
    line: int
    """Line of the program's opening fence in the lesson (1-based)."""
    heading: str | None
    """The heading the program sits under."""
    claim: str | None = None
    claim_line: int | None = None
    syntax_error: str | None = None
    """Why the program cannot run (it does not parse), or None."""
    announced: bool = False
    """An ``输出结果`` line follows the program: its real output goes there, claimed or not."""


@dataclass
class Part:
    """One top-level part of the lesson, in order."""

    kind: str
    """``heading``, ``prose``, ``program``, ``marker`` (the ``输出结果`` line) or ``claim``."""
    text: str
    """The part's source lines, as the lesson has them (for a heading: its text)."""
    level: int = 0
    """A heading's level."""
    program: Program | None = None
    """The program a ``program`` or ``claim`` part belongs to."""


@dataclass
class Lesson:
    path: Path
    encoding: str
    parts: list[Part] = field(default_factory=list)

    @property
    def programs(self) -> list[Program]:
        return [part.program for part in self.parts if part.kind == "program" and part.program is not None]

    @property
    def title(self) -> str:
        return next((part.text for part in self.parts if part.kind == "heading"), self.path.stem)


def decode(data: bytes, path: Path) -> tuple[str, str]:
    """Return the lesson's text and the encoding it was read with; CRLF and CR become LF."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    for encoding in ENCODINGS:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as error:
            if encoding == ENCODINGS[-1]:
                line = data[: error.start].count(b"\n") + 1
                raise LessonError(
                    f"{path}:{line}: cannot decode byte {data[error.start]:#04x}: "
                    f"the lesson is neither UTF-8 nor GB18030/GBK"
                ) from None
            continue
        return text.replace("\r\n", "\n").replace("\r", "\n"), encoding
    raise AssertionError("unreachable")


def _is_marker(text: str) -> bool:
    return text.strip().rstrip(":：").strip() in OUTPUT_MARKERS


def _is_program(token: object) -> bool:
    """Whether a block token is a program: a fence tagged python (``py``, ``python3`` ...)."""
    info = getattr(token, "info", "") or ""
    return getattr(token, "type", "") == "fence" and info.strip().split(" ")[0].lower() in PYTHON_INFOS


def read_lesson(path: Path) -> Lesson:
    """Read and parse the lesson at *path*.

    Raises:
        LessonError: The file is missing or undecodable, has no program, or has an
            ``输出结果`` with no program before it or no output block after it.
    """
    try:
        data = path.read_bytes()
    except OSError as error:
        raise LessonError(f"{path}: cannot read the lesson: {error.strerror}") from None
    text, encoding = decode(data, path)
    lines = text.split("\n")
    lesson = Lesson(path=path, encoding=encoding)
    tokens = MarkdownIt("commonmark").parse(text)
    heading: str | None = None
    last_program: Program | None = None
    waiting_marker: int | None = None  # line of an 输出结果 still waiting for its output block
    for index, token in enumerate(tokens):
        if token.level != 0 or token.nesting == -1 or token.map is None:
            continue
        start, end = token.map
        source = "\n".join(lines[start:end]).rstrip("\n")
        if token.type == "heading_open":
            heading = tokens[index + 1].content.strip()
            lesson.parts.append(Part("heading", heading, level=int(token.tag[1])))
            continue
        if token.type == "paragraph_open" and _is_marker(tokens[index + 1].content):
            if last_program is None or last_program.announced:
                where = "before it" if last_program is None else "since the last one"
                raise LessonError(f"{path}:{start + 1}: “{source.strip()}” has no program {where}")
            waiting_marker = start + 1
            last_program.announced = True
            lesson.parts.append(Part("marker", source, program=last_program))
            continue
        if token.type in ("fence", "code_block") and waiting_marker is not None and last_program is not None:
            # The output the lesson claims, whatever its fence says (the seed puts outputs in python fences).
            last_program.claim, last_program.claim_line = token.content, start + 1
            lesson.parts.append(Part("claim", source, program=last_program))
            waiting_marker = None
            continue
        waiting_marker = None  # 输出结果 with no claimed output after it: the runs give the output
        if _is_program(token):
            program = Program(code=token.content, line=start + 1, heading=heading)
            try:
                ast.parse(token.content)
            except SyntaxError as error:
                program.syntax_error = f"line {error.lineno}: {error.msg}"
            last_program = program
            lesson.parts.append(Part("program", source, program=program))
            continue
        lesson.parts.append(Part("prose", source))
    if not lesson.programs:
        raise LessonError(f"{path}: no program found: a lesson has ```python blocks")
    return lesson


_WORD = re.compile(r"[^a-z0-9]+")


_FILE_COMMENT = re.compile(
    r"^#\s*(?:(?:文件名|文件|file(?:name)?)\s*[:：]\s*)?(?P<stem>[A-Za-z_][A-Za-z0-9_]*)\.py\s*$", re.I
)
"""A first line naming the program's file, as lessons write it: ``# producer.py``, ``# 文件名：x.py``."""


def named_file(program: Program) -> str | None:
    """The file stem the program's first line names (``# queue_demo.py``), or None."""
    first = program.code.lstrip("\n").split("\n", 1)[0].strip()
    match = _FILE_COMMENT.match(first)
    return match["stem"].lower() if match else None


def program_name(program: Program, number: int, taken: set[str] | frozenset[str] = frozenset()) -> str:
    """Return an ASCII file stem for a program.

    The file its first line names (``# queue_demo.py``) is its name, unless another program of
    the lesson took it. Else: its number and what it runs; the processes' targets
    (``Process(target=foo)``) name it best; else its functions; else ASCII words of its heading;
    else ``program``.
    """
    named = named_file(program)
    if named is not None and named not in taken:
        return named
    words: list[str] = []
    if program.syntax_error is None:
        tree = ast.parse(program.code)
        for node in ast.walk(tree):
            if isinstance(node, ast.keyword) and node.arg == "target" and isinstance(node.value, ast.Name):
                words.append(node.value.id)
        if not words:
            words = [n.name for n in tree.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
    if not words and program.heading:
        words = [w for w in _WORD.split(program.heading.lower()) if w]
    stem = "_".join(dict.fromkeys(_WORD.sub("_", w.lower()).strip("_") for w in words if w))[:40].strip("_")
    return f"{number:02d}_{stem or 'program'}"
