"""The style every snippet and docs example keeps: the project's example checks (pytest-examples).

One place, read by the test that checks the examples and by ``lessonkit import``, which
writes snippets that pass it.
"""

SNIPPET_STYLE = {
    "line_length": 88,
    "quotes": "double",
    "target_version": "py311",
    "isort": True,
    "upgrade": True,
    # Pinned explicitly: ruff's default rule set changes between versions.
    "ruff_select": ["E", "F", "W", "I", "B", "UP", "SIM", "C4", "PIE", "RET"],
}
"""Keyword arguments of pytest-examples' ``ExamplesConfig`` / ``EvalExample.set_config``."""
