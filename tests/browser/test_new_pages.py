"""A page added to the site is checked the day it is built, without editing a test.

A small copy of the project gets one new page (in both languages) with a flaw of each kind the
checks look for: an image without a text alternative (axe), a box wider than a phone (layout)
and a link to an anchor that does not exist (links). The checks the real site goes through,
given the copy's built site, must each find the new page's flaw, and Lighthouse must choose it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from support import ROOT, copy_project, mkdocs_build
from test_accessibility import page_violations
from test_layout import phone_layout_problems
from test_links import broken_links

from lessonkit.site.built_pages import built_pages
from lessonkit.site.site_server import serve_site

FLAWED = """\
# A page added tomorrow

Some prose, and [a link to nowhere](#no-such-anchor).

<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" width="10" height="10">

<div style="width: 900px">A box wider than a phone.</div>
"""


@pytest.fixture(scope="module")
def copy_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The copy, with its new page in both languages, built without running anything."""
    root = tmp_path_factory.mktemp("new-page")
    project = copy_project(root / "project", docs=False, nav=["index.md", "added.md"])
    (project / "docs").mkdir()
    (project / "snippets").mkdir()
    for name in ("index.md", "index.en.md"):
        (project / "docs" / name).write_text("# Home\n\nThe home page.\n", encoding="utf-8")
    for name in ("added.md", "added.en.md"):
        (project / "docs" / name).write_text(FLAWED, encoding="utf-8")
    (project / "docs/assets").symlink_to(ROOT / "docs/assets")
    result = mkdocs_build(project, root / "site", env={"LESSONKIT_EXEC": "0"})
    assert result.returncode == 0, result.stderr[-3000:]
    return root / "site"


def test_the_new_page_is_found_in_the_built_site(copy_site: Path) -> None:
    assert {"/added/", "/en/added/"} <= {page.path for page in built_pages(copy_site)}


def test_axe_layout_and_links_check_the_new_page(browser, axe_source: str, copy_site: Path) -> None:
    paths = [page.path for page in built_pages(copy_site)]
    with serve_site(copy_site) as base:
        context = browser.new_context(base_url=base)
        phone = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, base_url=base)
        try:
            violations = page_violations(context.new_page(), axe_source, paths, "light")
            layout = phone_layout_problems(phone.new_page(), paths)
        finally:
            context.close()
            phone.close()
    assert any(v.startswith("/added/: image-alt") for v in violations), violations
    assert any(v.startswith("/en/added/: image-alt") for v in violations), violations
    assert not [v for v in violations if not v.startswith(("/added/", "/en/added/"))], violations
    assert any(problem.startswith("/added/: ") and "px wide" in problem for problem in layout), layout
    broken, _ = broken_links(copy_site)
    assert any(b.startswith("added/index.html") and "#no-such-anchor" in b for b in broken), broken


def test_lighthouse_chooses_the_new_page(copy_site: Path) -> None:
    listed = subprocess.run(
        [sys.executable, "scripts/lighthouse.py", "--site", str(copy_site), "--list"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "/added/ " in listed and "/en/added/ " in listed, listed
