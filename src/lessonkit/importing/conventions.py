"""How lessons on the web write programs, outputs and metadata, and how to tell them apart.

A reader of a lesson knows without being told which fence is a program and which is the
output the author saw. These are the rules the importer uses to know the same things:

- **Claims.** A fence that follows a program is the output the lesson claims for it when a
  line before it says so (:func:`marker_kind`), when its first line is a shell prompt running
  the program (:func:`shell_prompt`), or when it is an interactive session, whose ``>>>``
  lines are the program (:func:`read_session`).
- **Programs.** A fence tagged Python (:data:`PYTHON_INFOS`) is a program; an untagged one
  is when it reads as a program (:func:`reads_as_program`), not as the text an output is.
- **Front matter.** YAML between ``---`` lines, or Pelican's ``Title:`` header lines, at the
  top of the file (:func:`front_matter`).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

import yaml

PYTHON_INFOS = ("python", "py", "python3", "py3", "python2", "py2")
"""Fence tags of a program (compared in lower case: ``Python`` too)."""

OUTPUT_LINES = ("输出结果", "运行结果")
"""A paragraph that is only one of these (with a colon, or bold) is the lesson's output line: the
program's real output goes under it, whether or not the lesson typed one."""

OUTPUT_WORDS = ("输出结果", "运行结果", "执行结果", "结果如下", "输出", "打印", "output", "prints")
"""Words of a sentence that announces the output of the program before it (``执行结果如下：``,
``可以看到输出：``, ``The output is:``), when the sentence ends with a colon."""

_DECORATION = re.compile(r"[*_`]+")


def marker_kind(paragraph: str) -> str | None:
    """Whether a paragraph announces a program's output: ``line`` (it is just ``输出结果``,
    ``运行结果``), ``sentence`` (a sentence with an output word that ends with a colon), or None."""
    text = _DECORATION.sub("", paragraph).strip()
    bare = text.rstrip(":：").strip()
    if bare in OUTPUT_LINES:
        return "line"
    if text.endswith((":", "：")) and len(text) <= 80:
        lowered = text.lower()
        if any(word in lowered for word in OUTPUT_WORDS):
            return "sentence"
    if bare.lower() in ("output", "输出", "结果"):
        return "sentence"
    return None


_PROMPT = re.compile(
    r"""^\s*
    (?:\([\w.-]+\)\s*)?                                  # a virtualenv: (venv)
    (?:[\w.@~:/-]*[$%#]\s*|>\s*|[A-Za-z]:\\[^>]*>\s*|PS\s[^>]*>\s*)?   # $ % # > C:\dir> PS C:\>
    (?:python(?:[23](?:\.\d+)?)?(?:\.exe)?|py(?:\s+-[23](?:\.\d+)?)?)  # the interpreter
    (?:\s+-[A-Za-z]+)*                                    # its flags: -u -B
    (?:\s+(?P<path>[^\s]+\.py))?                          # the program's file
    (?:\s.*)?$""",
    re.VERBOSE,
)


def shell_prompt(line: str) -> str | None:
    """If *line* runs a Python program from a shell (``$ python3 x.py``, ``C:\\> python x.py``),
    return the file's stem (``x``), or ``""`` when the line names no file; else None."""
    match = _PROMPT.match(line)
    if match is None:
        return None
    path = match["path"]
    if path is None:
        return ""
    return re.split(r"[/\\]", path)[-1][: -len(".py")].lower()


def claim_after_prompt(content: str) -> str:
    """A claimed output without its prompt line and the blank line after it."""
    lines = content.lstrip("\n").split("\n")[1:]
    if lines and not lines[0].strip():
        lines = lines[1:]
    return "\n".join(lines)


@dataclass(frozen=True)
class Session:
    """An interactive session, read as a script and the output its prompts were answered with."""

    code: str
    """The ``>>>`` and ``...`` lines without their prompts; the expressions the session echoed
    are printed with ``print(repr(...))``, as the interpreter's prompt does."""
    output: str
    """The lines that are not prompts: what the session printed."""
    echoed: tuple[int, ...]
    """Lines of *code* (1-based) that print what the prompt echoed."""


_SESSION_LINE = re.compile(r"^(>>>|\.\.\.)(?: |$)")


def is_session(content: str) -> bool:
    first = next((line for line in content.split("\n") if line.strip()), "")
    return first.startswith(">>>")


def read_session(content: str) -> Session | None:
    """Read a ``>>>`` session as a script; None if its code does not parse.

    A top-level expression statement is echoed by the prompt when its value is not None. The script
    prints it when the session shows output right after it and it is not a call to ``print``
    or to a function the session defines without a ``return`` of a value.
    """
    code: list[str] = []
    output: list[str] = []
    followed: set[int] = set()  # code lines (0-based) right after which the session printed something
    for line in content.rstrip("\n").split("\n"):
        match = _SESSION_LINE.match(line)
        if match:
            code.append(line[4:] if len(line) > 3 else "")
        else:
            if code and line.strip():
                followed.add(len(code) - 1)
            output.append(line)
    source = "\n".join(code) + "\n"
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    silent = {
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef)
        and not any(isinstance(n, ast.Return) and n.value is not None for n in ast.walk(node))
    }
    lines = source.rstrip("\n").split("\n")
    echoed: list[int] = []
    for node in tree.body:
        if not isinstance(node, ast.Expr) or (node.end_lineno or node.lineno) - 1 not in followed:
            continue
        call = node.value if isinstance(node.value, ast.Call) else None
        if call is not None and isinstance(call.func, ast.Name) and call.func.id in ("print", *silent):
            continue
        segment = ast.get_source_segment(source, node.value)
        if segment is None or node.lineno != node.end_lineno:
            continue
        lines[node.lineno - 1] = f"print(repr({segment}))"
        echoed.append(node.lineno)
    text = "\n".join(output).strip("\n")
    return Session(code="\n".join(lines) + "\n", output=text, echoed=tuple(echoed))


_EXPRESSION_ONLY = (ast.Name, ast.Constant, ast.UnaryOp, ast.BinOp, ast.Compare, ast.Tuple, ast.Attribute)


def reads_as_program(code: str) -> bool:
    """Whether an untagged fence that parses as Python reads as a program, not as an output.

    Output text often parses too (``main-------`` is ``main`` minus minus ...), so a program
    must have a statement an output never has: an import, a definition, an assignment, a
    call, a loop, a condition ...
    """
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return False
    return any(
        not (isinstance(node, ast.Expr) and isinstance(node.value, _EXPRESSION_ONLY)) for node in tree.body
    )


PELICAN_KEYS = (
    "title",
    "date",
    "modified",
    "category",
    "categories",
    "tags",
    "slug",
    "author",
    "authors",
    "summary",
    "status",
    "lang",
    "description",
)
"""Header lines of Pelican (and Hexo without the opening ``---``) that are metadata, not prose."""

_HEADER_LINE = re.compile(r"^(?P<key>[A-Za-z][A-Za-z_-]*)\s*:\s*(?P<value>.*)$")


@dataclass(frozen=True)
class FrontMatter:
    meta: dict[str, str]
    """Keys in lower case; a list (tags) joined with ``, ``."""
    lines: int
    """How many lines at the top of the file it takes."""


def _value(value: object) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return "" if value is None else str(value).strip()


def front_matter(text: str, path: object) -> FrontMatter | None:
    """Read the metadata at the top of a lesson: YAML between ``---`` lines, or header lines
    (``Title: ...``) up to a blank line or a ``---`` line. None if there is none.

    Raises:
        ValueError: YAML front matter that does not parse, or is not keys and values; the
            message names the file and line.
    """
    lines = text.split("\n")
    if lines and lines[0].strip() == "---":
        end = next((i for i in range(1, len(lines)) if lines[i].strip() in ("---", "...")), None)
        if end is None:
            return None
        try:
            data = yaml.safe_load("\n".join(lines[1:end]))
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            line = 2 + (mark.line if mark is not None else 0)
            raise ValueError(f"{path}:{line}: the front matter is not valid YAML") from None
        if data is None:
            data = {}
        if not isinstance(data, dict):
            raise ValueError(f"{path}:2: the front matter must be keys and values (key: value)")
        return FrontMatter({str(k).lower(): _value(v) for k, v in data.items()}, end + 1)
    meta: dict[str, str] = {}
    for index, line in enumerate(lines):
        if not line.strip() or line.strip() == "---":
            if meta and "title" in meta:
                return FrontMatter(meta, index + (line.strip() == "---"))
            return None
        match = _HEADER_LINE.match(line)
        if match is None or match["key"].lower() not in PELICAN_KEYS:
            return None
        meta[match["key"].lower()] = match["value"].strip()
    return None
