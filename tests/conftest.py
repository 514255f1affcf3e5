"""Shared fixtures: one strict build of the real site."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import ROOT, SUBPATH_URL, SUMMARY, mkdocs_build


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the real site once, strictly, and return its directory."""
    root = tmp_path_factory.mktemp("real-site")
    site, cache = root / "site", root / "cache"  # a cold cache: every example really runs
    result = mkdocs_build(ROOT, site, env={"LESSONKIT_CACHE_DIR": str(cache)})
    assert result.returncode == 0, f"mkdocs build --strict failed:\n{result.stderr}"
    summaries = [line for line in result.stderr.splitlines() if "lessonkit: ran " in line]
    assert len(summaries) == 1, summaries
    summary = SUMMARY.search(summaries[0])
    assert summary and summary["cached"] == "0", summaries
    assert int(summary["runs"]) == 20 * int(summary["examples"]) > 0, "20 samples of every example"
    assert "while rendering" not in result.stderr, "pre-execution missed a block the formatter ran"
    return site


@pytest.fixture(scope="session")
def subpath_site(built_site: Path) -> Path:
    """The real site built again with ``SITE_URL=SUBPATH_URL``; return its directory.

    It reads the first build's cache (``built_site`` builds into ``real-site/site`` with its
    cache beside it in ``real-site/cache``), so nothing runs again: same outputs, other URLs.
    """
    site = built_site.parent / "subpath-site"
    cache = built_site.parent / "cache"
    result = mkdocs_build(ROOT, site, env={"LESSONKIT_CACHE_DIR": str(cache), "SITE_URL": SUBPATH_URL})
    assert result.returncode == 0, f"mkdocs build --strict with SITE_URL failed:\n{result.stderr}"
    summaries = [SUMMARY.search(line) for line in result.stderr.splitlines() if "lessonkit: ran " in line]
    assert len(summaries) == 1 and summaries[0], result.stderr
    assert summaries[0]["examples"] == "0" and int(summaries[0]["cached"]) > 0, "every example was cached"
    return site
