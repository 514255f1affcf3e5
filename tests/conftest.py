"""Shared fixtures: one strict build of the real site."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import ROOT, mkdocs_build


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the real site once, strictly, and return its directory."""
    root = tmp_path_factory.mktemp("real-site")
    site, cache = root / "site", root / "cache"  # a cold cache: every example really runs
    result = mkdocs_build(ROOT, site, env={"LESSONKIT_CACHE_DIR": str(cache)})
    assert result.returncode == 0, f"mkdocs build --strict failed:\n{result.stderr}"
    summaries = [line for line in result.stderr.splitlines() if "lessonkit: ran " in line]
    assert len(summaries) == 1 and "ran 15 examples (0 cached; 300 runs in all)" in summaries[0], summaries
    assert "while rendering" not in result.stderr, "pre-execution missed a block the formatter ran"
    return site
