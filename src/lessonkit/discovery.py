"""Find every executed example on every page before any page renders, so they can run at once."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import markdown
from pymdownx.snippets import SnippetMissingError

from lessonkit.executor import Example
from lessonkit.options import FenceOptionError, RunDefaults, parse_returncode, parse_run_options
from lessonkit.pages import ExecFence, find_exec_fences


class SnippetExpander:
    """Expands ``--8<--`` includes with pymdownx.snippets itself, configured as the site is."""

    def __init__(self, snippets_config: dict[str, Any]) -> None:
        self._md = markdown.Markdown(
            extensions=["pymdownx.snippets"], extension_configs={"pymdownx.snippets": snippets_config}
        )

    @property
    def base_paths(self) -> list[Path]:
        """The directories includes are looked up in, as pymdownx.snippets resolves them."""
        return [Path(base).resolve() for base in self._md.preprocessors["snippet"].base_path]

    def expand(self, lines: list[str]) -> str:
        """Return the code SuperFences hands to the formatter for a fence with these body lines.

        Markdown expands snippets first, then normalises whitespace (tabs to spaces,
        whitespace-only lines emptied); both steps change the code, so both run here.
        """
        expanded = self._md.preprocessors["snippet"].run(list(lines))
        normalised = [line.expandtabs(self._md.tab_length) for line in expanded]
        return "\n".join("" if not line.strip(" ") else line for line in normalised)


def fence_example(fence: ExecFence, expander: SnippetExpander, defaults: RunDefaults) -> Example:
    """Return the example a fence will run, as the formatter will see it.

    Raises:
        FenceOptionError: An option has a value lessonkit cannot use.
    """
    returncode = parse_returncode(fence.options.get("returncode", "0"))
    options = parse_run_options(fence.options, returncode=returncode, defaults=defaults)
    return Example(code=expander.expand(fence.body), options=options, filename=fence.site.filename)


def find_examples(
    pages: Iterable[tuple[str, str]], expander: SnippetExpander, defaults: RunDefaults, snippets_dir: str
) -> list[Example]:
    """Return the examples of every ``(page path, markdown)`` pair; blocks with bad options are left
    for the formatter to report with their page and line."""
    examples = []
    for page, text in pages:
        for fence in find_exec_fences(text, page, snippets_dir):
            try:
                examples.append(fence_example(fence, expander, defaults))
            except (FenceOptionError, SnippetMissingError, OSError):
                continue
    return examples


def read_pages(docs_dir: Path) -> list[tuple[str, str]]:
    """Return ``(docs/NAME.md, text)`` for every Markdown page, in every language."""
    return [
        (f"{docs_dir.name}/{path.relative_to(docs_dir).as_posix()}", path.read_text(encoding="utf-8"))
        for path in sorted(docs_dir.rglob("*.md"))
    ]
