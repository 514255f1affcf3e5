"""Shared fixtures: one strict build of the real site.

The build uses the checkout's own cache of results (``.cache/lessonkit``, or
``LESSONKIT_CACHE_DIR``), the one ``mkdocs build`` and ``mkdocs serve`` use: on a fresh
clone every example really runs, once; afterwards CI's Lighthouse build, the build under a
path, and a contributor's ``mkdocs serve`` read those runs instead of making them again.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from support import ROOT, SUBPATH_URL, SUMMARY, mkdocs_build, site_cache

REAL_SITE = {"built_site", "subpath_site", "quick_site"}
"""The fixtures that build the real site: a test using one reads the real site's content."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark what each test needs, so that no list of tests has to be kept by hand:

    - ``content``: it reads the real site's pages or snippets: it uses a real-site build, or its
      module says so (``pytestmark = pytest.mark.content``). A contributor adding a lesson can
      break only these (``tests/test_adding_content.py`` runs them in a copy with a new lesson).
    - ``slow``: it runs programs, builds the real site or drives a browser: it uses a
      real-site build, lives in ``tests/browser``, or its module says so. ``-m "not slow"``
      is the fast loop for content: snippets, parity and links, without running an example.
    """
    builds: set[Path] = set()
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if fixtures & REAL_SITE:
            item.add_marker(pytest.mark.content)
        if fixtures & (REAL_SITE - {"quick_site"}) or "browser" in item.path.parts:
            item.add_marker(pytest.mark.slow)
        if fixtures & {"built_site", "subpath_site"}:
            builds.add(item.path)
    # The order files are handed to pytest-xdist's workers in: one file that needs the real site
    # first (its worker builds it, a minute or more of runs), then the files that do not (the other
    # worker gets on with them meanwhile), then the rest of the files that read the real site.
    first = min(builds, default=None)
    items.sort(key=lambda item: 0 if item.path == first else 2 if item.path in builds else 1)


@contextlib.contextmanager
def shared_build(tmp_path_factory: pytest.TempPathFactory, name: str) -> Iterator[tuple[Path, bool]]:
    """Yield where the session's build *name* goes, and whether it is still to be made.

    With pytest-xdist the workers share one build: the first to get here builds it, holding a
    lock, and the others wait and then read it; without xdist this is simply a folder. A build
    that fails is not marked done, so every worker that needs it reports the failure.
    """
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # the session's folder, which every worker's own folder is in
    folder = base / name
    with (base / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        done = folder / "built"
        if not done.exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
        yield folder / "site", not done.exists()
        done.touch()


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the real site once, strictly, with the checkout's cache, and return its directory.

    Every example either runs now, 20 times under each start method, or was stored by an
    earlier build of the same code, options, Python and lessonkit (the cache's key).
    """
    with shared_build(tmp_path_factory, "real-site") as (site, to_build):
        if to_build:
            result = mkdocs_build(ROOT, site, env={"LESSONKIT_CACHE_DIR": str(site_cache())})
            assert result.returncode == 0, f"mkdocs build --strict failed:\n{result.stderr}"
            summaries = [line for line in result.stderr.splitlines() if "lessonkit: ran " in line]
            assert len(summaries) == 1, summaries
            summary = SUMMARY.search(summaries[0])
            assert summary, summaries
            ran, cached = int(summary["examples"]), int(summary["cached"])
            assert ran + cached > 0, "the site has examples"
            assert int(summary["runs"]) == 20 * ran, "20 samples of every example that ran"
            assert "while rendering" not in result.stderr, "pre-execution missed a block the formatter ran"
    return site


@pytest.fixture(scope="session")
def quick_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real site built without running anything (``LESSONKIT_EXEC=0``: a placeholder stands
    for each output): its pages, links and anchors, in seconds, for the fast loop."""
    with shared_build(tmp_path_factory, "quick-site") as (site, to_build):
        if to_build:
            env = {"LESSONKIT_EXEC": "0", "LESSONKIT_CACHE_DIR": str(site_cache())}
            result = mkdocs_build(ROOT, site, env=env)
            assert result.returncode == 0, (
                f"mkdocs build --strict with LESSONKIT_EXEC=0 failed:\n{result.stderr}"
            )
    return site


@pytest.fixture(scope="session")
def subpath_site(built_site: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real site built again with ``SITE_URL=SUBPATH_URL``; return its directory.

    It reads the cache ``built_site`` filled, so nothing runs again: same outputs, other URLs.
    """
    with shared_build(tmp_path_factory, "subpath-site") as (site, to_build):
        if to_build:
            env = {"LESSONKIT_CACHE_DIR": str(site_cache()), "SITE_URL": SUBPATH_URL}
            result = mkdocs_build(ROOT, site, env=env)
            assert result.returncode == 0, f"mkdocs build --strict with SITE_URL failed:\n{result.stderr}"
            summaries = [
                SUMMARY.search(line) for line in result.stderr.splitlines() if "lessonkit: ran " in line
            ]
            assert len(summaries) == 1 and summaries[0], result.stderr
            assert summaries[0]["examples"] == "0" and int(summaries[0]["cached"]) > 0, (
                "every example was cached"
            )
    return site
