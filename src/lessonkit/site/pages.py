"""Find the executed Python fences in a page's Markdown, with their line numbers."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from pymdownx.superfences import RE_OPTIONS

_OPEN = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})(?P<header>.*)$")
_LANGUAGE = re.compile(r"^[ \t]*(?:\{[ \t]*\.)?(?P<lang>[\w+-]+)")
_SNIPPET = re.compile(r'^[ \t]*-{1,}8<-{1,}[ \t]+(?P<quote>["\'])(?P<path>[^"\']+)(?P=quote)[ \t]*$')
_EXEC_TRUE = {"on", "yes", "true", "1"}
PYTHON_LANGUAGES = ("python", "py")

_FRONT_MATTER = re.compile(r"^-{3}[ \t]*\n(.*?\n)(?:\.{3}|-{3})[ \t]*\n", re.DOTALL)
"""A YAML front matter block at the top of a page, as MkDocs finds it (``mkdocs.utils.meta``)."""

SITE_OPTION = "lessonkit_site"
"""Fence option lessonkit adds to each executed block so its runs can name page and line."""


@dataclass(frozen=True)
class FenceSite:
    """Where an executed block stands: page, line, and the snippet it includes."""

    page: str
    line: int
    snippet: str | None = None
    anchor: str = ""
    """The id of the block's outputs on its page, e.g. ``run-daemon_join``: named after the
    snippet (``run-2`` for the second block without one), so both languages use the same."""

    @property
    def filename(self) -> str:
        """The script's file name: the snippet's, or ``example.py`` for inline code."""
        return self.snippet.rsplit("/", 1)[-1] if self.snippet else "example.py"

    def describe(self) -> str:
        """Return e.g. ``docs/index.md:12 (snippet snippets/daemon/join.py)``."""
        where = f"{self.page}:{self.line}" if self.line else f"{self.page} (line unknown)"
        return f"{where} (snippet {self.snippet})" if self.snippet else where


@dataclass
class ExecFence:
    """One executed Python fence found in a page."""

    site: FenceSite
    options: dict[str, str]
    body: list[str] = field(default_factory=list)
    header_index: int = 0
    include: str | None = None
    """The snippet path exactly as the ``--8<--`` line gives it (relative to a base path)."""


def fence_options(header: str) -> dict[str, str]:
    """Parse ``key="value"`` options the way SuperFences does (either quote)."""
    return {m["key"]: m["value"] for m in RE_OPTIONS.finditer(header) if m["value"] is not None}


def snippet_path(line: str) -> str | None:
    """Return the file a ``--8<-- "path"`` line includes, without a ``:lines`` or ``:section`` part."""
    match = _SNIPPET.match(line)
    if not match:
        return None
    return re.sub(r":[^/\\]*$", "", match["path"])


def find_exec_fences(markdown: str, page: str, snippet_base: str = "snippets") -> list[ExecFence]:
    """Return every ```` ```python exec="on" ```` fence in *markdown*, in page order.

    Fences of every language are stepped over whole, so an example fence shown inside a
    ```` ````markdown ```` block is not mistaken for one that runs.
    """
    lines = markdown.split("\n")
    fences: list[ExecFence] = []
    anchors: set[str] = set()
    index = 0
    while index < len(lines):
        opening = _OPEN.match(lines[index])
        if not opening:
            index += 1
            continue
        fence_char, fence_length = re.escape(opening["fence"][0]), len(opening["fence"])
        closing = re.compile(rf"^{re.escape(opening['indent'])}{fence_char}{{{fence_length},}}[ \t]*$")
        end = index + 1
        while end < len(lines) and not closing.match(lines[end]):
            end += 1
        header = opening["header"]
        language = _LANGUAGE.match(header)
        options = fence_options(header)
        if (
            language
            and language["lang"] in PYTHON_LANGUAGES
            and options.get("exec", "").lower() in _EXEC_TRUE
        ):
            body = [line.removeprefix(opening["indent"]) for line in lines[index + 1 : end]]
            snippets = [path for line in body if (path := snippet_path(line))]
            include = snippets[0] if len(snippets) == 1 else None
            snippet = f"{snippet_base}/{include}" if include else None
            anchor = _anchor(include, len(fences) + 1, anchors)
            fences.append(
                ExecFence(
                    site=FenceSite(page=page, line=index + 1, snippet=snippet, anchor=anchor),
                    options=options,
                    body=body,
                    header_index=index,
                    include=include,
                )
            )
        index = end + 1
    return fences


def _anchor(include: str | None, position: int, taken: set[str]) -> str:
    """Return a new id for the block at *position*: ``run-STEM``, then ``run-STEM-2``..., or ``run-N``."""
    base = "run-" + re.sub(r"[^\w-]", "-", include.rsplit("/", 1)[-1].removesuffix(".py")) if include else ""
    anchor = base or f"run-{position}"
    count = 1
    while anchor in taken:
        count += 1
        anchor = f"{base or f'run-{position}'}-{count}"
    taken.add(anchor)
    return anchor


def mark_fences(markdown: str, fences: list[ExecFence], tokens: list[str]) -> str:
    """Return *markdown* with ``lessonkit_site="TOKEN"`` added to each fence's options."""
    lines = markdown.split("\n")
    for fence, token in zip(fences, tokens, strict=True):
        line = lines[fence.header_index]
        option = f'{SITE_OPTION}="{token}"'
        if line.rstrip().endswith("}"):  # ```{ .python exec="on" } or ```python { exec="on" }
            cut = line.rindex("}")
            lines[fence.header_index] = f"{line[:cut].rstrip()} {option} {line[cut:]}"
        else:
            lines[fence.header_index] = f"{line} {option}"
    return "\n".join(lines)


def missing_snippets(fences: list[ExecFence], base_paths: list[Path]) -> list[FenceSite]:
    """Return the sites whose included snippet is in none of pymdownx.snippets' base paths."""
    return [
        fence.site
        for fence in fences
        if fence.include and not any((base / fence.include).is_file() for base in base_paths)
    ]


def fence_token(site: FenceSite) -> str:
    """Return the token that names the fence at *site*: the same in discovery and in rendering."""
    return hashlib.sha1(f"{site.page}:{site.line}".encode()).hexdigest()[:16]


def locate_fences(markdown: str, content: str, page: str, snippet_base: str = "snippets") -> list[ExecFence]:
    """Return the executed fences of *markdown* (a page without its front matter), with the line
    numbers they have in *content* (the whole file), which a contributor's editor shows."""
    fences = find_exec_fences(markdown, page, snippet_base)
    in_file = find_exec_fences(content, page, snippet_base)
    if [f.body for f in in_file] == [f.body for f in fences]:
        for fence, original in zip(fences, in_file, strict=True):
            fence.site = original.site
    return fences


def front_matter_problem(page: str, text: str) -> str | None:
    """Say what is wrong with the YAML front matter of *page* (its Markdown *text*), or None.

    MkDocs drops front matter it cannot read without a word: the page keeps the block as text
    (a rule and a heading on the page) and loses its title and description.
    """
    found = _FRONT_MATTER.match(text)
    if found is None:
        return None
    try:
        data = yaml.safe_load(found.group(1))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = 2 + mark.line if mark is not None else 1  # the block starts after the "---" line
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        column = f", column {mark.column + 1}" if mark is not None else ""
        hint = " (quote a value that contains ': ' or starts with a special character)"
        return f"{page}:{line}: the front matter is not valid YAML: {problem}{column}{hint}"
    if data is not None and not isinstance(data, dict):
        return f"{page}:2: the front matter must be keys and values (key: value), not a {type(data).__name__}"
    return None
