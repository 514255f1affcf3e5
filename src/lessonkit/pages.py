"""Find the executed Python fences in a page's Markdown, with their line numbers."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

_OPEN = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<lang>python|py)\b(?P<header>.*)$")
_OPTION = re.compile(r'(?P<key>[\w-]+)="(?P<value>[^"]*)"')
_SNIPPET = re.compile(r'^[ \t]*-{1,}8<-{1,}[ \t]+"(?P<path>[^"]+)"[ \t]*$')
_EXEC_TRUE = {"on", "yes", "true", "1"}

SITE_OPTION = "lessonkit_site"
"""Fence option lessonkit adds to each executed block so its runs can name page and line."""


@dataclass(frozen=True)
class FenceSite:
    """Where an executed block stands: page, line, and the snippet it includes."""

    page: str
    line: int
    snippet: str | None = None

    @property
    def filename(self) -> str:
        """The script's file name: the snippet's, or ``example.py`` for inline code."""
        return self.snippet.rsplit("/", 1)[-1] if self.snippet else "example.py"

    def describe(self) -> str:
        """Return e.g. ``docs/index.md:12 (snippet snippets/daemon/join.py)``."""
        where = f"{self.page}:{self.line}"
        return f"{where} (snippet {self.snippet})" if self.snippet else where


@dataclass
class ExecFence:
    """One executed Python fence found in a page."""

    site: FenceSite
    options: dict[str, str]
    body: list[str] = field(default_factory=list)
    header_index: int = 0


def find_exec_fences(markdown: str, page: str, snippet_base: str = "snippets") -> list[ExecFence]:
    """Return every ```` ```python exec="on" ```` fence in *markdown*, in page order."""
    lines = markdown.split("\n")
    fences: list[ExecFence] = []
    index = 0
    while index < len(lines):
        opening = _OPEN.match(lines[index])
        if not opening:
            index += 1
            continue
        options = {m["key"]: m["value"] for m in _OPTION.finditer(opening["header"])}
        fence_char, fence_length = re.escape(opening["fence"][0]), len(opening["fence"])
        closing = re.compile(rf"^{re.escape(opening['indent'])}{fence_char}{{{fence_length},}}[ \t]*$")
        end = index + 1
        while end < len(lines) and not closing.match(lines[end]):
            end += 1
        body = [line.removeprefix(opening["indent"]) for line in lines[index + 1 : end]]
        if options.get("exec", "").lower() in _EXEC_TRUE:
            snippets = [m["path"] for line in body if (m := _SNIPPET.match(line))]
            snippet = f"{snippet_base}/{snippets[0]}" if len(snippets) == 1 else None
            fences.append(
                ExecFence(
                    site=FenceSite(page=page, line=index + 1, snippet=snippet),
                    options=options,
                    body=body,
                    header_index=index,
                )
            )
        index = end + 1
    return fences


def mark_fences(markdown: str, fences: list[ExecFence], tokens: list[str]) -> str:
    """Return *markdown* with ``lessonkit_site="TOKEN"`` added to each fence's header line."""
    lines = markdown.split("\n")
    for fence, token in zip(fences, tokens, strict=True):
        lines[fence.header_index] += f' {SITE_OPTION}="{token}"'
    return "\n".join(lines)


def missing_snippets(fences: list[ExecFence], root: Path) -> list[FenceSite]:
    """Return the sites whose included snippet file does not exist under *root*."""
    return [f.site for f in fences if f.site.snippet and not (root / f.site.snippet).is_file()]
