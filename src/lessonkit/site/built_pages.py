"""The pages of a built site, found in the site itself: what the audits check, with no list to edit.

Every HTML page of the site directory is a page (Material's own files under ``assets/`` and
``search/`` aside), so a lesson or a contributing page added tomorrow is audited the day it is
built. Each page gets a *kind*, read from the page: ``home`` (a language's root), ``lesson``
(it shows executed blocks), ``report`` (the execution report), ``404`` (a not-found page) and
``other`` (anything else: the contributing guide). Audits that cost too much to run on every
page (Lighthouse) take one page per kind and language, the one with the largest DOM.

No MkDocs import: the site directory is plain files.
"""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

SKIPPED_FOLDERS = ("assets", "search")
"""Material's scripts, styles and search worker: files of the theme, not pages."""

KINDS = ("home", "lesson", "report", "other", "404")


@dataclass(frozen=True)
class BuiltPage:
    """One page of the built site."""

    path: str
    """Its URL path under the site root, e.g. ``/en/daemon/`` or ``/404.html``."""
    file: Path
    language: str
    """The ``lang`` of its ``<html>``."""
    kind: str
    """One of KINDS."""
    elements: int
    """How many elements its HTML has (Lighthouse's DOM size, before scripts run)."""


class _PageReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.language = ""
        self.elements = 0
        self.classes: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements += 1
        values = dict(attrs)
        if tag == "html":
            self.language = values.get("lang") or ""
        for name in (values.get("class") or "").split():
            if name.startswith("lessonkit-"):
                self.classes.add(name)


def _url_path(site_dir: Path, file: Path) -> str:
    relative = file.relative_to(site_dir).as_posix()
    if relative == "index.html":
        return "/"
    if relative.endswith("/index.html"):
        return "/" + relative.removesuffix("index.html")
    return "/" + relative


def built_pages(site_dir: Path) -> list[BuiltPage]:
    """Every page of the site built in *site_dir*, sorted by URL path.

    Raises:
        FileNotFoundError: *site_dir* has no ``index.html``: it is not a built site.
    """
    site_dir = site_dir.resolve()
    if not (site_dir / "index.html").is_file():
        raise FileNotFoundError(f"{site_dir} has no index.html: build the site first")
    read: list[tuple[str, Path, _PageReader]] = []
    for file in site_dir.rglob("*.html"):
        if file.relative_to(site_dir).parts[0] in SKIPPED_FOLDERS:
            continue
        reader = _PageReader()
        reader.feed(file.read_text(encoding="utf-8"))
        read.append((_url_path(site_dir, file), file, reader))
    home_language = next(reader.language for path, _, reader in read if path == "/")
    roots = {"/"} | {f"/{r.language}/" for _, _, r in read if r.language and r.language != home_language}
    pages = []
    for path, file, reader in read:
        if file.name == "404.html":
            kind = "404"
        elif path in roots:
            kind = "home"
        elif any(name.startswith("lessonkit-report") for name in reader.classes):
            kind = "report"
        elif "lessonkit-runs" in reader.classes:
            kind = "lesson"
        else:
            kind = "other"
        pages.append(BuiltPage(path, file, reader.language, kind, reader.elements))
    return sorted(pages, key=lambda page: page.path)


def largest_of_each_kind(pages: list[BuiltPage], kinds: tuple[str, ...] = KINDS) -> list[BuiltPage]:
    """One page per (language, kind) among *kinds*: the one with the most elements."""
    chosen: dict[tuple[str, str], BuiltPage] = {}
    for page in pages:
        if page.kind not in kinds:
            continue
        best = chosen.get((page.language, page.kind))
        if best is None or page.elements > best.elements:
            chosen[(page.language, page.kind)] = page
    return sorted(chosen.values(), key=lambda page: (page.language, kinds.index(page.kind)))
