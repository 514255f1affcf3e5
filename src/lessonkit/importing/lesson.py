"""Read a lesson: its front matter, headings, prose, programs and the outputs it claims.

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
from markdown_it.token import Token

from lessonkit.importing.conventions import (
    PYTHON_INFOS,
    Session,
    claim_after_prompt,
    front_matter,
    is_session,
    marker_kind,
    read_session,
    reads_as_program,
    shell_prompt,
)
from lessonkit.importing.python2 import python2_signs

ENCODINGS = ("utf-8", "gb18030")
"""Tried in this order. GB18030 reads GBK and GB2312 too, which many Chinese texts use."""


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
    claim_rule: str | None = None
    """Which rule found the claim (:data:`CLAIM_RULES`), or None."""
    syntax_error: str | None = None
    """Why the program cannot run (it does not parse), or None."""
    announced: bool = False
    """An ``输出结果`` line follows the program: its real output goes there, claimed or not."""
    python2: tuple[str, ...] = ()
    """Signs that the program is Python 2 (``line 3: print statement``), or none."""
    session: Session | None = None
    """The interactive session the program was read from, or None."""


CLAIM_RULES = {
    "output-line": "an 输出结果 line before it",
    "output-sentence": "a sentence before it announces the output",
    "shell-prompt": "its first line runs the program from a shell",
    "session": "the lines of an interactive session that are not prompts",
}
"""How a claimed output was found, for the report."""


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
    meta: dict[str, str] = field(default_factory=dict)
    """The front matter's keys (lower case) and values: ``title``, ``date``, ``tags`` ..."""
    notes: list[str] = field(default_factory=list)
    """Fences after a program that no rule took for its output: kept as prose, for people to check."""

    @property
    def programs(self) -> list[Program]:
        return [part.program for part in self.parts if part.kind == "program" and part.program is not None]

    @property
    def title(self) -> str:
        if self.meta.get("title"):
            return self.meta["title"]
        return next((part.text for part in self.parts if part.kind == "heading"), self.path.stem)

    @property
    def title_heading(self) -> Part | None:
        """The heading that is the page's title (the first, unless the front matter names another)."""
        first = next((part for part in self.parts if part.kind == "heading"), None)
        if first is not None and self.meta.get("title") not in (None, first.text):
            return None
        return first


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


def _info(token: Token) -> str:
    return (token.info or "").strip().split(" ")[0].lower() if token.type == "fence" else ""


def _new_program(code: str, line: int, heading: str | None) -> Program:
    program = Program(code=code, line=line, heading=heading)
    try:
        ast.parse(code)
    except SyntaxError as error:
        program.syntax_error = f"line {error.lineno}: {error.msg}"
    program.python2 = tuple(python2_signs(code))
    return program


def _is_program(token: Token) -> bool:
    """Whether a fence is a program: tagged Python, or untagged and reading as a program
    (in Python 3 or in Python 2)."""
    info = _info(token)
    if info in PYTHON_INFOS:
        return True
    if info or token.type != "fence":  # another language, or an indented block: text
        return False
    return reads_as_program(token.content) or bool(python2_signs(token.content))


def _prompted(programs: list[Program], prompt: str) -> Program | None:
    """The program a shell prompt runs, if it has no claimed output yet: the one whose first line
    names the prompt's file (a module's output can follow the program that imports it), else
    the last program, when the prompt names no file or the program names none."""
    if not programs:
        return None
    if prompt:
        named = [p for p in programs if named_file(p) == prompt]
        if named:
            return named[-1] if named[-1].claim is None else None
    last = programs[-1]
    if last.claim is None and (not prompt or named_file(last) is None):
        return last
    return None


def read_lesson(path: Path) -> Lesson:
    """Read and parse the lesson at *path*.

    Each fence after a program is its claimed output when a rule of
    :mod:`lessonkit.importing.conventions` finds it so; a ``>>>`` session is a program and its
    output at once.

    Raises:
        LessonError: The file is missing or undecodable, has bad front matter, has no
            program, or has an ``输出结果`` with no program before it.
    """
    try:
        data = path.read_bytes()
    except OSError as error:
        raise LessonError(f"{path}: cannot read the lesson: {error.strerror}") from None
    text, encoding = decode(data, path)
    lines = text.split("\n")
    lesson = Lesson(path=path, encoding=encoding)
    try:
        found = front_matter(text, path)
    except ValueError as error:
        raise LessonError(str(error)) from None
    if found is not None:  # blank lines keep every later line's number
        lesson.meta = found.meta
        text = "\n" * found.lines + "\n".join(lines[found.lines :])
    tokens = MarkdownIt("commonmark").parse(text)
    heading: str | None = None
    last_program: Program | None = None
    waiting: str | None = None  # the rule of a line or sentence just before that announces an output

    def claim(program: Program, content: str, line: int, rule: str, source: str) -> None:
        program.claim, program.claim_line, program.claim_rule = content, line, rule
        lesson.parts.append(Part("claim", source, program=program))

    for index, token in enumerate(tokens):
        if token.level != 0 or token.nesting == -1 or token.map is None:
            continue
        start, end = token.map
        source = "\n".join(lines[start:end]).rstrip("\n")
        announced, waiting = waiting, None
        if token.type == "heading_open":
            heading = tokens[index + 1].content.strip()
            lesson.parts.append(Part("heading", heading, level=int(token.tag[1])))
            continue
        if token.type == "paragraph_open":
            kind = marker_kind(tokens[index + 1].content)
            if kind == "line":
                if last_program is None or last_program.announced:
                    where = "before it" if last_program is None else "since the last one"
                    raise LessonError(f"{path}:{start + 1}: “{source.strip()}” has no program {where}")
                waiting = "output-line"
                last_program.announced = True
                lesson.parts.append(Part("marker", source, program=last_program))
                continue
            if kind == "sentence" and last_program is not None and last_program.claim is None:
                waiting = "output-sentence"
            lesson.parts.append(Part("prose", source))
            continue
        if token.type not in ("fence", "code_block"):
            lesson.parts.append(Part("prose", source))
            continue
        content = token.content
        open_claim = last_program is not None and last_program.claim is None
        if announced == "output-line" and last_program is not None:
            # The output the lesson claims, whatever its fence says (the seed puts outputs in python fences).
            if shell_prompt(content.lstrip("\n").split("\n", 1)[0]) is not None:
                content = claim_after_prompt(content)
            claim(last_program, content, start + 1, "output-line", source)
            continue
        if is_session(content) and (session := read_session(content)) is not None:
            program = _new_program(session.code, start + 1, heading)
            program.session = session
            last_program = program
            lesson.parts.append(Part("program", source, program=program))
            if session.output.strip():
                program.claim, program.claim_line, program.claim_rule = session.output, start + 1, "session"
            continue
        prompt = shell_prompt(content.lstrip("\n").split("\n", 1)[0])
        if prompt is not None and (runs := _prompted(lesson.programs, prompt)) is not None:
            claim(runs, claim_after_prompt(content), start + 1, "shell-prompt", source)
            continue
        if prompt is None and _is_program(token):
            last_program = _new_program(content, start + 1, heading)
            lesson.parts.append(Part("program", source, program=last_program))
            continue
        if open_claim and last_program is not None and announced == "output-sentence":
            claim(last_program, content, start + 1, "output-sentence", source)
            continue
        if open_claim and last_program is not None:
            lesson.notes.append(
                f"{path}:{start + 1}: a fence after the program at line {last_program.line} is kept as "
                "it is: no rule says it is the program's output (an 输出结果 line, a sentence ending "
                "with a colon, a shell prompt)"
            )
        lesson.parts.append(Part("prose", source))
    if not lesson.programs:
        raise LessonError(
            f"{path}: no program found: a program is a fence tagged python, or an untagged fence "
            "that reads as Python"
        )
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


def program_name(
    program: Program, number: int, taken: set[str] | frozenset[str] = frozenset(), *, code: str | None = None
) -> str:
    """Return an ASCII file stem for a program.

    The file its first line names (``# queue_demo.py``) is its name, unless another program of
    the lesson took it. Else: its number and what it runs; the processes' targets
    (``Process(target=foo)``) name it best; else its functions; else ASCII words of its heading;
    else ``program``. *code*: the code it runs when that is not the lesson's (converted from
    Python 2), to name it by.
    """
    named = named_file(program)
    if named is not None and named not in taken:
        return named
    words: list[str] = []
    code = code if code is not None else program.code if program.syntax_error is None else None
    if code is not None:
        tree = ast.parse(code)
        for node in ast.walk(tree):
            if isinstance(node, ast.keyword) and node.arg == "target" and isinstance(node.value, ast.Name):
                words.append(node.value.id)
        if not words:
            words = [n.name for n in tree.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
    if not words and program.heading:
        words = [w for w in _WORD.split(program.heading.lower()) if w]
    stem = "_".join(dict.fromkeys(_WORD.sub("_", w.lower()).strip("_") for w in words if w))[:40].strip("_")
    return f"{number:02d}_{stem or 'program'}"
