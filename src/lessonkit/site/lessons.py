"""The home pages' list of lessons, from the nav, and the banner of a lesson not translated yet.

A lesson is added by adding its page to ``nav`` (``lessonkit import`` does): the home pages
list every nav page but the home page itself, in the nav's order as a numbered list (the
course, in the order to read it), with its title and its front matter's ``description``, in the
language being built. Nobody edits the lists by hand.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

from mkdocs.utils import get_relative_url, meta

MARKER = "<!-- lessonkit: lessons -->"
"""A line of a page that the list of lessons replaces."""

_H1 = re.compile(r"^#\s+(?P<title>.*?)\s*(?:\{[^}]*\})?\s*$", re.MULTILINE)

_WORDS = {
    "zh": {"untranslated": "（尚未翻译）"},
    "en": {
        "untranslated": " (in Chinese: not translated yet)",
        "banner_title": "Not translated yet",
        "banner": "This lesson has not been translated into English yet, so the Chinese original is shown "
        "below. Its outputs, counts and captions come from real runs, as on every page. You can help "
        'translate it: <a href="{guide}">Contributing</a> says how (write <code>docs/{name}.en.md</code>).',
    },
}


def nav_pages(nav: Any) -> list[str]:
    """Return the Markdown paths in *nav*, in order, however deeply nested."""
    found: list[str] = []
    if isinstance(nav, str):
        if nav.endswith(".md"):
            found.append(nav)
    elif isinstance(nav, list):
        for item in nav:
            found += nav_pages(item)
    elif isinstance(nav, dict):
        for value in nav.values():
            found += nav_pages(value)
    return found


def translation(docs_dir: Path, page: str, language: str) -> Path | None:
    """Return the file of *page* in *language* (``X.en.md``), or None when it has none."""
    if language == "zh":
        return docs_dir / page
    translated = docs_dir / page.replace(".md", f".{language}.md")
    return translated if translated.is_file() else None


def lesson_list(nav: Any, docs_dir: Path, language: str, home: str) -> str:
    """Return the Markdown list of the nav's lessons for the home page *home*, in *language*."""
    items = []
    for page in nav_pages(nav):
        if page == home or not (docs_dir / page).is_file():
            continue
        source = translation(docs_dir, page, language)
        translated = source is not None
        text = (source or docs_dir / page).read_text(encoding="utf-8")
        body, front = meta.get_data(text)
        title = (m["title"] if (m := _H1.search(body)) else page.removesuffix(".md")).strip()
        description = str(front.get("description", "")).strip()
        link = f"[{title}]({page})"
        if translated:
            items.append(f"1. {link}：{description}" if language == "zh" else f"1. {link}: {description}")
        else:
            items.append(
                f'1. <span lang="zh">{link}：{html.escape(description)}</span>'
                f"{_WORDS[language]['untranslated']}"
            )
    return "\n".join(items)


GUIDE = "contributing/"
"""The contributing guide's URL in each language's site, which the banner links to."""


def untranslated_banner(language: str, page: str, page_url: str) -> str:
    """Return the banner, in *language*, over a page shown in the original language.

    *page_url* is the page's URL in the built site (``en/seed/``); the link to the
    contributing guide is relative to it.
    """
    words = _WORDS[language]
    name = html.escape(Path(page).name.removesuffix(".md"))
    prefix = f"{language}/" if page_url.startswith(f"{language}/") else ""
    guide = html.escape(get_relative_url(prefix + GUIDE, page_url))
    return (
        f'<div class="admonition info lessonkit-untranslated" lang="{language}">'
        f'<p class="admonition-title">{html.escape(words["banner_title"])}</p>'
        f"<p>{words['banner'].format(name=name, guide=guide)}</p></div>"
    )
