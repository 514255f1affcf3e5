"""Make a lesson's program pass the project's example checks without changing what it does.

Two candidates, tried in order:

1. **Rewritten**: black and every ruff fix the checks offer (safe and unsafe, e.g. ``"%s" % x``
   to an f-string). When its syntax tree equals the lesson's, it is the same program.
   Otherwise the importer must show, by real runs, that it gives the same outcomes
   (:func:`lessonkit.importing.importer.import_lesson` does).
2. **As written**: black only (black itself checks that the syntax tree is unchanged), and a
   ``# noqa: CODE`` comment on each line the checks still flag. Comments change nothing.
"""

from __future__ import annotations

import ast
import json
import subprocess
from dataclasses import dataclass

from lessonkit.style import SNIPPET_STYLE


class TidyError(RuntimeError):
    """The example checks' tools (pytest-examples, black, ruff) are missing or failed."""


@dataclass(frozen=True)
class Tidied:
    rewritten: str
    """Formatted, with every lint fix applied."""
    as_written: str
    """Formatted only, with ``# noqa`` where the checks still flag a line."""
    same_tree: bool
    """Whether *rewritten* has the lesson's syntax tree (then it is the same program)."""
    waived: tuple[str, ...]
    """The rule codes *as_written* waives with ``# noqa``."""


def _tools():  # imported here: these are development tools, not needed to build the site
    try:
        from pytest_examples.config import ExamplesConfig
        from pytest_examples.lint import black_format
        from ruff.__main__ import find_ruff_bin
    except ImportError as error:
        raise TidyError(
            f"lessonkit import needs the development tools ({error.name}); run it with `uv run`"
        ) from None
    return ExamplesConfig(**SNIPPET_STYLE), black_format, find_ruff_bin()


def _ruff(ruff: str, config, source: str, *extra: str) -> subprocess.CompletedProcess[str]:
    command = [ruff, "check", "-", "--stdin-filename", "snippet.py", *config.ruff_config(), *extra]
    done = subprocess.run(command, input=source, capture_output=True, text=True, timeout=60, check=False)
    if done.returncode not in (0, 1):
        raise TidyError(f"ruff failed: {done.stderr.strip() or done.stdout.strip()}")
    return done


def violations(source: str) -> list[tuple[int, str]]:
    """Return (line, rule code) of every problem the example checks find in *source*."""
    config, _, ruff = _tools()
    done = _ruff(ruff, config, source, "--output-format", "json", "--exit-zero")
    return [(item["location"]["row"], item["code"]) for item in json.loads(done.stdout or "[]")]


def same_tree(a: str, b: str) -> bool:
    return ast.dump(ast.parse(a)) == ast.dump(ast.parse(b))


def tidy(code: str) -> Tidied:
    """Return both candidates for *code* (which must parse)."""
    config, black_format, ruff = _tools()
    formatted = black_format(code, config)
    rewritten = formatted
    for _ in range(3):  # one fix can open the way for another (%-format, then f-string)
        fixed = _ruff(ruff, config, rewritten, "--fix", "--unsafe-fixes", "--exit-zero").stdout
        fixed = black_format(fixed, config)
        if fixed == rewritten:
            break
        rewritten = fixed
    lines = formatted.split("\n")
    codes: dict[int, list[str]] = {}
    for row, rule in violations(formatted):
        codes.setdefault(row, []).append(rule)
    for row, rules in codes.items():
        lines[row - 1] += f"  # noqa: {', '.join(sorted(set(rules)))}"
    as_written = "\n".join(lines)
    return Tidied(
        rewritten=rewritten,
        as_written=as_written,
        same_tree=same_tree(code, rewritten),
        waived=tuple(sorted({rule for rules in codes.values() for rule in rules})),
    )


def passes_checks(source: str) -> bool:
    """Whether *source* passes the example checks: black leaves it alone and ruff finds nothing."""
    config, black_format, _ = _tools()
    return black_format(source, config) == source and not violations(source)
