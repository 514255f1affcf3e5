"""Every snippet and every Python block in the docs is lint-clean and formatted (pytest-examples).

``find_examples`` does not expand ``--8<--`` includes, so each snippet file is
checked as a ``CodeExample`` of its own, and docs blocks that only include a
snippet are skipped (their snippet is checked instead), as are blocks that only show an
include line, escaped as ``;--8<--`` (the contributing guide shows the fences a page writes).
Run ``uv run pytest tests/test_examples.py --update-examples`` to format them in place.
"""

from __future__ import annotations

import re

import pytest
from pytest_examples import CodeExample, EvalExample, find_examples
from support import ROOT

from lessonkit.style import SNIPPET_STYLE

pytestmark = pytest.mark.content  # reads the real site's pages and snippets

INCLUDE_ONLY = re.compile(r'^(\s*;?-{1,}8<-{1,}\s+"[^"]+"\s*\n?)+$')


class SnippetExample(CodeExample):
    """A whole snippet file: a module, so PEP 8's two blank lines between functions stay."""

    def in_py_file(self) -> bool:
        # pytest-examples squeezes blank lines in examples that live in .py files (docstrings);
        # a snippet is the whole file, formatted like any module.
        return False


def snippet_examples() -> list[CodeExample]:
    """One example per snippet file, covering the whole file."""
    examples = []
    for path in sorted((ROOT / "snippets").rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        examples.append(SnippetExample.create(source, path=path, start_line=1, prefix="python"))
    return examples


def docs_examples() -> list[CodeExample]:
    """Python blocks written directly in the docs (not snippet includes)."""
    return [ex for ex in find_examples(ROOT / "docs") if not INCLUDE_ONLY.match(ex.source)]


def example_id(example: CodeExample) -> str:
    return f"{example.path.relative_to(ROOT)}:{example.start_line}"


ALL_EXAMPLES = snippet_examples() + docs_examples()


def test_there_are_snippets_to_check() -> None:
    assert len(snippet_examples()) >= 5


@pytest.mark.parametrize("example", ALL_EXAMPLES, ids=example_id)
def test_example_is_lint_clean_and_formatted(example: CodeExample, eval_example: EvalExample) -> None:
    eval_example.set_config(**SNIPPET_STYLE)
    if eval_example.update_examples:
        eval_example.format(example)
    else:
        eval_example.lint(example)
