"""Helpers the tests share: build a project, copy it, look processes up."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

ROOT = Path(__file__).resolve().parent.parent


def mkdocs_build(
    project: Path, site_dir: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``mkdocs build --strict`` (never ``-q``) for *project* into *site_dir*."""
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site_dir)],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=600,
        env={**_without_settings(os.environ), "NO_MKDOCS_2_WARNING": "1", **(env or {})},
    )


def site_cache() -> Path:
    """The real site's cache of results, as ``mkdocs build`` in the checkout finds it."""
    return Path(os.environ.get("LESSONKIT_CACHE_DIR") or ROOT / ".cache/lessonkit")


SUBPATH_URL = "https://example.github.io/mp-lessons/"
"""A SITE_URL with a path, as GitHub Pages gives a project site (the ``subpath_site`` fixture)."""

SETTINGS = ("LESSONKIT_SAMPLES", "SITE_URL", "LESSONKIT_CACHE_DIR")
"""Read by a build; the tests build with the values they pass, or the defaults (a project's own
cache: a test's small site never shares, and so never prunes, the real site's cache)."""


def _without_settings(environ: os._Environ[str] | dict[str, str]) -> dict[str, str]:
    """The environment minus SETTINGS: a SITE_URL set for publishing changes no test's build."""
    return {name: value for name, value in environ.items() if name not in SETTINGS}


SAMPLES_LINE = "samples: !ENV [LESSONKIT_SAMPLES, 20]"


SHARED = ("src", "overrides", "search_terms")
"""Read by a build but never edited by a test: linked, not copied (src is watched, and installed)."""


NAV = re.compile(r"^nav:\n(?:[ \t-].*\n)*", re.MULTILINE)
"""mkdocs.yml's ``nav:`` block: the key and its indented list."""


def copy_project(
    destination: Path, *, docs: bool = True, samples: int | None = None, nav: list[str] | None = None
) -> Path:
    """Copy what a build reads (config, pages, snippets) into *destination*; link the rest.

    *samples* replaces the site's runs per start method (20): tests about something else
    use 1, so that their counts of runs stay small and plain. Without *docs* the copy is a
    small site of the test's own: no page or snippet of the real site, and a nav of its own
    (*nav*, by default ``["index.md"]``), so that a lesson added to the real site changes it not.
    """
    destination.mkdir(parents=True, exist_ok=True)
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    assert SAMPLES_LINE in config, "tests/support.py must follow the samples line of mkdocs.yml"
    if samples is not None:
        config = config.replace(SAMPLES_LINE, f"samples: {samples}")
    if not docs:
        assert NAV.search(config), "tests/support.py must find the nav: block of mkdocs.yml"
        config = NAV.sub("nav:\n" + "".join(f"  - {page}\n" for page in nav or ["index.md"]), config, count=1)
    (destination / "mkdocs.yml").write_text(config, encoding="utf-8")
    if docs:
        shutil.copytree(ROOT / "docs", destination / "docs")
        shutil.copytree(ROOT / "snippets", destination / "snippets")
    for name in SHARED:
        (destination / name).symlink_to(ROOT / name)
    return destination


def small_site(
    destination: Path,
    pages: dict[str, str],
    *,
    snippets: dict[str, str] | None = None,
    samples: int = 1,
    nav: list[str] | None = None,
) -> Path:
    """A site of a test's own in *destination*: the real mkdocs.yml and theme, with only *pages*
    (``docs/NAME``: text) and *snippets* (``snippets/PATH``: code), and a nav of its own.

    Engine tests build such sites: nothing of the real site's content, so adding a lesson
    changes none of them, and their examples are their own, a few runs each.
    """
    project = copy_project(destination, docs=False, samples=samples, nav=nav)
    (project / "docs").mkdir()
    (project / "snippets").mkdir()
    (project / "docs/assets").symlink_to(ROOT / "docs/assets")
    for name, text in pages.items():
        (project / "docs" / name).write_text(text, encoding="utf-8")
    for name, code in (snippets or {}).items():
        path = project / "snippets" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(code, encoding="utf-8")
    return project


def process_is_running(pid: int, grace: float = 5.0) -> bool:
    """True if *pid* is still a live process after *grace* seconds; a zombie counts as gone.

    SIGKILL is delivered asynchronously, so a process killed a moment ago may still be
    listed as sleeping for a short while on a loaded machine.
    """
    deadline = time.monotonic() + grace
    while _alive(pid):
        if time.monotonic() >= deadline:
            return True
        time.sleep(0.05)
    return False


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def marked_processes(marker: str, grace: float = 5.0) -> list[str]:
    """Return ``pid command`` of live processes whose command line or environment holds *marker*.

    Pids inside a sandbox mean nothing outside it, so tests mark a run's processes instead:
    the script's unique file name is in the command line of the main process and of forked
    children, and a variable the script sets is in the environment of every descendant.
    Waits up to *grace* seconds for killed processes to disappear.
    """
    deadline = time.monotonic() + grace
    while True:
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit() or not _alive(int(entry.name)):
                continue
            try:
                cmdline = (entry / "cmdline").read_bytes()
                environ = (entry / "environ").read_bytes()
            except OSError:
                continue
            if marker.encode() in cmdline or marker.encode() in environ:
                command = cmdline.replace(b"\0", b" ").decode(errors="replace")
                found.append(f"{entry.name} {command}")
        if not found or time.monotonic() >= deadline:
            return found
        time.sleep(0.05)


T = TypeVar("T")

if TYPE_CHECKING:
    from lessonkit.site.pages import ExecFence


def executed_blocks(page: str) -> list[ExecFence]:
    """The executed blocks of ``docs/PAGE``, in page order: what the page's tests count and look up.

    Tests derive their numbers from here (blocks, tabs, claims), so adding an example to a
    lesson never means editing a test.
    """
    from lessonkit.site.pages import find_exec_fences

    return find_exec_fences((ROOT / "docs" / page).read_text(encoding="utf-8"), page)


def by_snippet(page: str, found: list[T]) -> dict[str, T]:
    """Pair what a test found for each executed block of *page* (in page order) with its snippet."""
    blocks = executed_blocks(page)
    assert len(found) == len(blocks), f"{page}: {len(blocks)} executed blocks, {len(found)} found"
    return {str(block.include): item for block, item in zip(blocks, found, strict=True)}


SUMMARY = re.compile(r"ran (?P<examples>\d+) examples \((?P<cached>\d+) cached; (?P<runs>\d+) runs in all\)")
"""The build's one-line summary of what it ran."""


def fence_markdown(context: Any, *extensions: str, configs: dict[str, Any] | None = None) -> Any:
    """A Markdown converter whose ``python`` fences go through lessonkit's fence with *context*, as
    the plugin registers it (SuperFences' custom fence), plus *extensions* and their *configs*."""
    import markdown

    from lessonkit.site.fence import format_fence, validate_fence
    from lessonkit.site.plugin import _superfences_format

    fence = {
        "name": "python",
        "class": "python",
        "validator": validate_fence,
        "format": partial(_superfences_format, formatter=partial(format_fence, context=context)),
    }
    return markdown.Markdown(
        extensions=["pymdownx.superfences", *extensions],
        extension_configs={"pymdownx.superfences": {"custom_fences": [fence]}, **(configs or {})},
    )


def lesson_slugs() -> list[str]:
    """Each lesson: folder of snippets with a page of its name (``snippets/daemon``, ``docs/daemon.md``)."""
    return sorted(p.name for p in (ROOT / "snippets").iterdir() if (ROOT / "docs" / f"{p.name}.md").is_file())


def lesson_invariants(slug: str) -> dict[str, Any]:
    """The guarantees of lesson *slug*'s snippets: ``INVARIANTS`` of ``tests/lesson_invariants/SLUG.py``.

    Each maps a snippet's stem to a function that raises AssertionError when one run's output lines
    break what the lesson says always holds. A lesson without the file has none (a test says so).
    """
    import importlib.util

    path = ROOT / "tests/lesson_invariants" / f"{slug}.py"
    if not path.is_file():
        return {}
    spec = importlib.util.spec_from_file_location(f"lesson_invariants_{slug.replace('-', '_')}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return dict(module.INVARIANTS)


CLAIM_BOX = re.compile(r'^\?\?\? quote "原文给出的输出')


def bare_fences(page: str) -> list[str]:
    """Every fence of *page* that is neither executed, nor a snippet's source, nor inside the
    collapsed box that keeps a claim of a program that is not run."""
    found, lines, in_box, index = [], page.split("\n"), False, 0
    while index < len(lines):
        line = lines[index]
        if line.strip() and not line.startswith(" "):
            in_box = bool(CLAIM_BOX.match(line))
        opening = re.match(r"^(\s*)(`{3,}|~{3,})(.*)$", line)
        if not opening:
            index += 1
            continue
        fence = opening[2]
        end = next(i for i in range(index + 1, len(lines)) if lines[i].strip() == fence)
        body = "\n".join(lines[index + 1 : end])
        if 'exec="on"' not in opening[3] and "--8<--" not in body and not in_box:
            found.append(body)
        index = end + 1
    return found


def shown_claims(page: str, lesson: object) -> list[str]:
    """The claimed outputs of *lesson* (a :class:`~lessonkit.importing.lesson.Lesson`) that *page*
    shows in a fence of its own, as if a run had printed them: every line of the claim is in one
    of :func:`bare_fences`."""
    claims = [program.claim for program in lesson.programs if program.claim]  # type: ignore[attr-defined]
    found = []
    for body in bare_fences(page):
        shown = {line.strip() for line in body.split("\n") if line.strip()}
        for claim in claims:
            lines = {line.strip() for line in claim.split("\n") if line.strip()}
            if lines and lines <= shown:
                found.append(claim)
    return found


def published_block(entry: dict[str, Any]) -> Any:
    """A block of the built ``outcomes.json`` as a :class:`BlockOutcomes` (its runs' numbers are
    not published, so each outcome's ``runs`` is empty)."""
    from lessonkit.results.outcomes import BlockOutcomes, MethodOutcomes, Outcome

    methods = tuple(
        MethodOutcomes(name, m["runs"], tuple(Outcome(o["output"], o["count"], ()) for o in m["outcomes"]))
        for name, m in entry["methods"].items()
    )
    return BlockOutcomes(
        entry["page"], entry["line"], entry["snippet"], entry["claim"], methods, mask=entry["mask"]
    )
