"""A page's search entries are kept between builds, reused only while nothing they depend on changed.

A warm build takes each unchanged page's entries from ``search/`` instead of having Material's
search plugin parse its HTML and segment its Chinese again; the index must be the same byte for
byte as one made afresh, and a change to the page's HTML, URL, title, front matter or table of
contents, or to the search plugin's configuration, must index the page again.
"""

from __future__ import annotations

import datetime
import json
import logging
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import markdown
import material.plugins.search.plugin as material_search
import pytest
from bs4 import BeautifulSoup
from material.plugins.search.plugin import SearchIndex
from mkdocs.structure.toc import AnchorLink, get_toc
from support import ROOT, mkdocs_build, small_site

from lessonkit.running.interpreter import current
from lessonkit.site import plugin as plugin_module
from lessonkit.site import search_cache
from lessonkit.site.search_cache import FOLDER, SearchCache, index_digest

pytestmark = pytest.mark.slow  # runs programs or builds sites

SEARCH_CONFIG = {
    "enabled": True,
    "lang": ["zh", "en"],
    "separator": r"[\s\u200b\-_,:!=\[\]()\"`/]+|\.(?!\d)|&[lg]t;|(?!\b)(?=[A-Z][a-z])",
    "pipeline": ["stopWordFilter"],
    "fields": {"title": {"boost": 1e3}, "text": {"boost": 1e0}, "tags": {"boost": 1e6}},
    "jieba_dict": None,
    "jieba_dict_user": None,
}

SOURCE = """# 守护进程 {#daemon}

守护进程在主进程结束时被终止。

## 例子 {#example}

```python
print("hello")
```

### 输出 {#output}

<p data-search-exclude>不要索引这一段</p>

没有守护的子进程会被等待。
"""


def page(
    source: str = SOURCE,
    *,
    url: str = "daemon/",
    title: str | None = "守护进程",
    meta: dict[str, Any] | None = None,
) -> SimpleNamespace:
    """A page as the search plugin reads it: HTML converted from *source*, with its real table of contents."""
    md = markdown.Markdown(extensions=["toc", "attr_list", "fenced_code", "md_in_html"])
    content = md.convert(source)
    return SimpleNamespace(content=content, url=url, title=title, meta=meta or {}, toc=get_toc(md.toc_tokens))


def index(**config: Any) -> SearchIndex:
    return SearchIndex(**{**SEARCH_CONFIG, **config})


def entries_of(index_: SearchIndex, *pages: SimpleNamespace) -> list[dict[str, Any]]:
    for each in pages:
        index_.add_entry_from_context(each)
    return index_.entries


PAGES = (
    ("daemon/", "守护进程", {}),
    ("other/", "另一页", {"tags": ["进程", 3, None]}),
    ("boosted/", None, {"search": {"boost": 2}, "title": "前言里的标题"}),
)


def test_a_stored_page_gives_the_same_entries_without_indexing_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pages = [page(url=url, title=title, meta=meta) for url, title, meta in PAGES]
    fresh = entries_of(index(), *pages)
    assert any("\u200b" in entry["text"] for entry in fresh), "jieba segmented the Chinese text"
    assert fresh[-1]["boost"] == 2 and fresh[3]["tags"] == ["进程", "3"]
    cold_cache = SearchCache(tmp_path / "search")
    cold = index()
    assert cold_cache.wrap(cold)
    assert entries_of(cold, *pages) == fresh
    assert (cold_cache.hits, cold_cache.misses) == (0, 3)

    monkeypatch.setattr(material_search, "Parser", None)  # a miss would fail: the page is not parsed
    warm_cache = SearchCache(tmp_path / "search")
    warm = index()
    assert warm_cache.wrap(warm)
    assert warm_cache.wrap(warm), "wrapping again wraps the search plugin's method, not the wrapper"
    assert warm.add_entry_from_context.original.__self__ is warm
    assert entries_of(warm, *pages) == fresh
    assert (warm_cache.hits, warm_cache.misses) == (3, 0)
    reference = index()
    reference.entries = fresh
    assert warm.generate_search_index(None) == reference.generate_search_index(None)
    assert warm_cache.used == cold_cache.used


def test_an_excluded_page_is_stored_as_no_entries(tmp_path: Path) -> None:
    cache = SearchCache(tmp_path)
    for _ in range(2):
        wrapped = index()
        cache.wrap(wrapped)
        assert entries_of(wrapped, page(meta={"search": {"exclude": True}})) == []
    assert (cache.hits, cache.misses) == (1, 1)


class MovedAnchor(AnchorLink):
    """A table-of-contents item whose URL is not ``#`` and its id (a plugin may make such items)."""

    @property
    def url(self) -> str:
        return "#moved"


def _changed_toc(change: str) -> SimpleNamespace:
    """The default page with its table of contents' ``## 例子`` item (or its child) changed."""
    each = page()
    item = next(iter(each.toc)).children[0]
    if change == "id":
        item.id = "renamed"
    elif change == "url":
        item.__class__ = MovedAnchor
    elif change == "title":
        item.title = "另一个标题"
    elif change == "level":
        item.level = 3
    elif change == "child":
        item.children[0].id = "other"
    elif change == "no child":
        item.children.clear()
    return each


def _key(config: dict[str, Any] | None = None, each: SimpleNamespace | None = None, **changes: Any) -> str:
    return SearchCache.key(index_digest(index(**(config or {}))), each or page(**changes))


def test_the_key_changes_with_every_input_of_the_entries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = _key()
    assert key == _key(), "the key is stable"
    assert key == _key(meta={"description": "not read by the search plugin"}), "other front matter is not"
    dictionary = tmp_path / "user.txt"
    dictionary.write_text("守护进程 5 n\n", encoding="utf-8")
    different = {
        "content": _key(source=SOURCE.replace("被终止", "被立即终止")),
        "url": _key(url="en/daemon/"),
        "title": _key(title="Daemon"),
        "no title": _key(title=None),
        "search boost": _key(meta={"search": {"boost": 2}}),
        "search exclude": _key(meta={"search": {"exclude": True}}),
        "tags": _key(meta={"tags": ["进程"]}),
        "title in front matter": _key(meta={"title": "守护进程"}),
        "title None in front matter": _key(meta={"title": None}),
        **{
            f"toc {change}": _key(each=_changed_toc(change))
            for change in ("id", "url", "title", "level", "child")
        },
        "toc without a child": _key(each=_changed_toc("no child")),
        "config separator": _key({"separator": r"[\s]+"}),
        "config lang": _key({"lang": ["en"]}),
        "config jieba_dict_user": _key({"jieba_dict_user": str(dictionary)}),
    }
    dictionary.write_text("守护 5 n\n进程 5 n\n", encoding="utf-8")
    different["jieba_dict_user's content"] = _key({"jieba_dict_user": str(dictionary)})
    with monkeypatch.context() as patch:
        patch.setattr(search_cache, "own_digest", lambda: "another lessonkit")
        different["lessonkit's own code"] = _key()
    with monkeypatch.context() as patch:
        patch.setattr(search_cache, "_version", lambda name: f"{name} 0.0.0")
        different["package versions (Material, backrefs, jieba)"] = _key()
    with monkeypatch.context() as patch:
        patch.setattr(material_search, "jieba", None)
        different["jieba not importable"] = _key()
    with monkeypatch.context() as patch:
        patch.setattr(search_cache, "_source_digest", lambda path: "edited search plugin")
        different["the search plugin's source"] = _key()
    same = [name for name, value in different.items() if value == key]
    assert not same, f"these changes keep the key: {same}"
    assert len(set(different.values())) == len(different), "each change gives its own key"


def test_damaged_entries_are_indexed_again_and_unused_ones_pruned(tmp_path: Path) -> None:
    directory = tmp_path / "search"
    cache = SearchCache(directory)
    cache.wrap(first := index())
    entries_of(first, page(), page(url="other/"))
    paths = sorted(directory.glob("*.json"))
    assert len(paths) == 2
    entry = json.loads(paths[0].read_text(encoding="utf-8"))
    entry["entries"][0]["text"] = "tampered"
    paths[0].write_text(json.dumps(entry), encoding="utf-8")
    paths[1].write_text("{", encoding="utf-8")
    cache.wrap(second := index())
    assert entries_of(second, page(), page(url="other/")) == first.entries, "both indexed again"
    assert (cache.hits, cache.misses) == (0, 4)
    assert cache.prune("exec") == 0, "both used by this build"

    no_exec = SearchCache(directory)
    no_exec.wrap(third := index())
    entries_of(third, page(source="# 没有运行"))
    assert no_exec.prune("no-exec") == 0, "the last full build with runs used the other two"
    assert len(list(directory.glob("*.json"))) == 3
    exec_again = SearchCache(directory)
    exec_again.wrap(fourth := index())
    entries_of(fourth, page())
    assert exec_again.prune("exec") == 1, "neither kind's last full build used other/"
    assert len(list(directory.glob("*.json"))) == 2, "the last no-exec build's entries stay"
    assert exec_again.hits == 1


def test_an_unwritable_cache_or_entries_json_would_change_never_fail_a_build(tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("not a folder", encoding="utf-8")
    cache = SearchCache(blocked / "search")
    cache.wrap(wrapped := index())
    assert entries_of(wrapped, page()) == entries_of(index(), page())
    assert cache.prune("exec") == 0

    cache = SearchCache(tmp_path / "search")
    odd = page(meta={"search": {"boost": (1, 2)}})  # a tuple: JSON would give it back as a list
    for _ in range(2):
        cache.wrap(wrapped := index())
        assert entries_of(wrapped, odd)[0]["boost"] == (1, 2)
    assert (cache.hits, cache.misses) == (0, 2), "entries that JSON changes are never stored"

    unhashable = page(meta={"tags": {1: "a", "b": 2}})  # keys JSON cannot sort: no key, no cache
    cache.wrap(wrapped := index())
    assert entries_of(wrapped, unhashable) == entries_of(index(), unhashable)


SEARCH_LINE = re.compile(r"search entries: (?P<hits>\d+) pages from the cache, (?P<misses>\d+) indexed")


SMALL_PAGES = {
    "index.md": '# 首页\n\n中文的文字。\n\n```python exec="on"\n--8<-- "demo/hello.py"\n```\n',
    "index.en.md": '# Home\n\nSome English prose.\n\n```python exec="on"\n--8<-- "demo/hello.py"\n```\n',
    "other.md": "# 另一页\n\n守护进程。\n",
    "other.en.md": "# Another page\n\nDaemon processes.\n",
}
"""A small site of the tests' own: two pages in two languages, one quick example."""
SMALL_SNIPPETS = {"demo/hello.py": 'print("hello")\n'}
REPORT_PAGES = {
    name: (ROOT / "docs" / name).read_text(encoding="utf-8") for name in ("report.md", "report.en.md")
}
"""The report pages as the site has them: the markers lessonkit fills in."""


def test_a_warm_build_writes_the_same_search_index_byte_for_byte(tmp_path: Path) -> None:
    """Build a small site three times: cold, warm, and warm without the search cache.

    The report pages show when the site was built and how long its runs took, so they are
    left out here (the next test is about them): every other page is the same in every build.
    """
    project = small_site(
        tmp_path / "project", SMALL_PAGES, snippets=SMALL_SNIPPETS, nav=["index.md", "other.md"]
    )
    cache = tmp_path / "cache"
    env = {"LESSONKIT_CACHE_DIR": str(cache)}
    indexes, hits = [], []
    for number, extra in enumerate(({}, {}, {"LESSONKIT_SEARCH_CACHE": "0"})):
        site = tmp_path / f"site-{number}"
        result = mkdocs_build(project, site, env={**env, **extra})
        assert result.returncode == 0, result.stderr
        indexes.append((site / "search" / "search_index.json").read_bytes())
        hits.append([(int(m["hits"]), int(m["misses"])) for m in SEARCH_LINE.finditer(result.stderr)])
    pages = hits[0][0][1]
    assert pages == len(SMALL_PAGES), "both languages' pages were indexed"
    assert hits[:2] == [[(0, pages)], [(pages, 0)]], "the warm build indexed no page"
    assert hits[2] == [], "LESSONKIT_SEARCH_CACHE=0 turns the cache off"
    assert indexes[0] == indexes[1] == indexes[2]
    assert len(list((cache / current().tag / FOLDER).glob("*.json"))) == pages


def test_the_report_shows_each_builds_time_while_its_search_entries_come_from_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The report pages say when the site was built; that is kept out of their search entries,
    so a warm build a minute later takes them from the cache, and the pages still show its time."""
    from test_cache import build_in_process

    pages = {**SMALL_PAGES, **REPORT_PAGES}
    project = small_site(tmp_path / "project", pages, snippets=SMALL_SNIPPETS, nav=["index.md", "other.md"])
    now = {"time": datetime.datetime(2026, 11, 28, 5, 0, tzinfo=datetime.UTC)}

    class Clock(datetime.datetime):
        @classmethod
        def now(cls, tz: Any = None) -> Any:
            return now["time"]

    monkeypatch.setattr(plugin_module, "datetime", SimpleNamespace(datetime=Clock, UTC=datetime.UTC))
    caplog.set_level(logging.INFO, logger="mkdocs.plugins.lessonkit")
    shown, indexes, hits = [], [], []
    for minute in (0, 1, 2):  # cold, warm, warm again a minute later
        now["time"] = now["time"].replace(minute=minute)
        caplog.clear()
        build_in_process(project, monkeypatch)
        site = project / "site"
        shown.append(
            [
                BeautifulSoup((site / path).read_text(encoding="utf-8"), "html.parser").select_one(
                    ".lessonkit-report-summary"
                )
                for path in ("report/index.html", "en/report/index.html")
            ]
        )
        indexes.append((site / "search" / "search_index.json").read_text(encoding="utf-8"))
        hits.append([(int(m["hits"]), int(m["misses"])) for m in SEARCH_LINE.finditer(caplog.text)])
    for minute, tables in enumerate(shown):
        for table in tables:
            assert table is not None and f"2026-11-28 05:0{minute} UTC" in table.get_text(), table
            assert "lessonkit-slot" not in str(table) and "data-search-exclude" not in str(table)
    pages = hits[0][0][1]
    assert hits[2] == [(pages, 0)], "the report pages' entries came from the cache too"
    assert indexes[1] == indexes[2]
    assert "2026-11-28 05:0" not in indexes[2] and "lessonkit-slot" not in indexes[2]
    assert "Built at" in indexes[2], "the rest of the report is still indexed"
