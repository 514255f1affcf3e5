"""A block's rendered HTML is kept between builds, reused only while nothing it shows changed.

A warm build takes each executed block's HTML from ``rendered/`` instead of drawing it again;
the page must be the same byte for byte as one rendered afresh, and a change to the runs, the
language, the page's place, the site's configuration or lessonkit's renderer must render again.
"""

from __future__ import annotations

import itertools
import json
import stat
from dataclasses import replace
from pathlib import Path

import pytest
from markdown_exec import MarkdownConverter
from support import fence_markdown

import lessonkit.site.fence as fence_module
from lessonkit.results.outcomes import Mask, MethodOutcomes, OutcomesReport, judge_results
from lessonkit.running.cache import ResultCache, results_digest
from lessonkit.running.executor import Example, Executor
from lessonkit.running.options import RunDefaults, parse_run_options
from lessonkit.running.runner import ExampleResult
from lessonkit.running.sandbox import Isolation
from lessonkit.running.start_method import StartMethod
from lessonkit.site import render_cache
from lessonkit.site.fence import FenceContext
from lessonkit.site.pages import FenceSite
from lessonkit.site.render_cache import RenderCache, RenderedBlock

pytestmark = pytest.mark.slow  # runs programs or builds sites

PAGE = """# Page

```python exec="on" start_methods="fork spawn"
from multiprocessing import Process


def child():
    print("child <b>&amp;")


if __name__ == "__main__":
    p = Process(target=child)
    p.start()
    p.join()
    print("main")
```

```python exec="on" start_methods="fork"
print("second block")
```
"""


@pytest.fixture(scope="module")
def executor() -> Executor:
    """One traced executor for the module: each example runs once, later renders take its results."""
    return Executor(isolation=Isolation.OFF, trace=True)


def _context(executor: Executor, cache: RenderCache | None, published: dict[str, str], **changes: object):
    def publish(name: str, text: str) -> str:
        published[name] = text
        return f"{changes.get('assets', '../assets')}/{name}"

    return FenceContext(
        executor=executor,
        defaults=RunDefaults(start_methods=(StartMethod.FORK,), timeout=20, samples=1),
        site_for=lambda token: FenceSite(page="docs/page.md", line=3),
        language_for=lambda: str(changes.get("language", "en")),
        publish=publish,
        render_cache=cache,
        page_url=lambda: str(changes.get("url", "page/")),
    )


def _options():
    defaults = RunDefaults(start_methods=(StartMethod.FORK,), timeout=20, samples=1)
    return parse_run_options({"start_methods": "fork spawn"}, returncode=0, defaults=defaults)


def _render(context: FenceContext, counter: int = 100) -> str:
    md = fence_markdown(
        context, "pymdownx.tabbed", "md_in_html", configs={"pymdownx.tabbed": {"alternate_style": True}}
    )
    MarkdownConverter.counter = counter  # markdown-exec numbers the ids of each conversion
    return md.convert(PAGE)


def test_a_cached_render_is_the_same_page_byte_for_byte(executor: Executor, tmp_path: Path) -> None:
    fresh_assets: dict[str, str] = {}
    fresh = _render(_context(executor, None, fresh_assets))
    assert "lessonkit-runs" in fresh and 'id="exec-101--__tabbed_1_1"' in fresh
    assert "exec-102--" in fresh, "the second block's conversion has the next number"
    assert "child &lt;b&gt;&amp;amp;" in fresh, "the output stays literal"
    assert fresh_assets, "the traced runs draw timelines"

    cache = RenderCache(tmp_path / "rendered", salt="site")
    stored_assets: dict[str, str] = {}
    assert _render(_context(executor, cache, stored_assets)) == fresh
    assert len(list((tmp_path / "rendered").glob("*.json"))) == 2
    reused_assets: dict[str, str] = {}
    assert _render(_context(executor, cache, reused_assets)) == fresh
    assert stored_assets == reused_assets == fresh_assets, "a reused block publishes its timelines too"
    assert MarkdownConverter.counter == 102, "a reused block advances markdown-exec's counter as a conversion"


def test_a_stored_block_is_reused_without_rendering(
    executor: Executor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = RenderCache(tmp_path / "rendered")
    first = _render(_context(executor, cache, {}))

    def refuse(*args: object, **kwargs: object) -> RenderedBlock:
        raise AssertionError("rendered again although nothing changed")

    monkeypatch.setattr(fence_module, "render_block_html", refuse)
    assert _render(_context(executor, cache, {})) == first
    # Another language is another block: rendered, so here the refusal shows in its place.
    other = _render(_context(executor, cache, {}, language="zh"))
    assert "rendered again although nothing changed" in other


@pytest.mark.parametrize(
    "change",
    [{"language": "zh"}, {"url": "deeper/page/", "assets": "../../assets"}],
    ids=["language", "page location"],
)
def test_a_change_in_where_it_is_shown_renders_again(
    executor: Executor, tmp_path: Path, change: dict[str, str]
) -> None:
    cache = RenderCache(tmp_path / "rendered")
    _render(_context(executor, cache, {}))
    changed = _render(_context(executor, cache, {}, **change))
    assert changed == _render(_context(executor, None, {}, **change)), (
        "the changed block is not the stored one"
    )
    assert len(list((tmp_path / "rendered").glob("*.json"))) == 4


def _result(output: str, method: StartMethod = StartMethod.FORK, **changes: object) -> ExampleResult:
    fields: dict[str, object] = {
        "start_method": method,
        "output": output,
        "returncode": 0,
        "timed_out": False,
        "duration": 0.5,
        "terminal": True,
        "python_version": "3.11.7",
        "python_implementation": "CPython",
        "system": "Linux",
        "isolated": True,
    }
    return ExampleResult(**{**fields, **changes})  # type: ignore[arg-type]


def _key(cache: RenderCache, results: list[ExampleResult], **changes: object) -> str:
    options: dict[str, object] = {
        "language": "en",
        "page_url": "page/",
        "mask": Mask(),
        "claim": None,
        "claim_path": None,
        "timelines": True,
    }
    options.update({name: value for name, value in changes.items() if name in options})
    method = str(changes.get("method", "fork"))
    return cache.key([(method, results_digest(results))], **options)  # type: ignore[arg-type]


def test_the_key_changes_with_everything_judged_or_shown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = RenderCache(tmp_path)
    runs = [_result("a\nb\n"), _result("b\na\n"), _result("a\nb\n")]
    key = _key(cache, runs)
    assert _key(cache, list(runs)) == key
    assert _key(cache, [_result("a\nb\n"), _result("b\na\n"), _result("a\nb\n")]) == key, (
        "the same runs, read again, are the same block"
    )
    different = {
        "an output": _key(cache, [_result("a\nc\n"), *runs[1:]]),
        "a count": _key(cache, [*runs, _result("b\na\n")]),
        "the order of the runs": _key(cache, [runs[1], runs[0], runs[2]]),
        "a run's time (the median)": _key(cache, [_result("a\nb\n", duration=0.7), *runs[1:]]),
        "the caption's Python": _key(cache, [_result("a\nb\n", python_version="3.12.1"), *runs[1:]]),
        "the sandbox": _key(cache, [_result("a\nb\n", isolated=False), *runs[1:]]),
        "the trace": _key(cache, [_result("a\nb\n", trace=({"kind": "process", "t": 1},)), *runs[1:]]),
        "the start method": _key(cache, runs, method="spawn"),
        "the language": _key(cache, runs, language="zh"),
        "the page": _key(cache, runs, page_url="other/"),
        "the mask": _key(cache, runs, mask=Mask(r"\d+")),
        "the claim": _key(cache, runs, claim="a\nb\n"),
        "the claim's file": _key(cache, runs, claim_path="snippets/other.txt"),
        "timelines or not": _key(cache, runs, timelines=False),
        "the site's configuration": _key(RenderCache(tmp_path, salt="other mkdocs.yml"), runs),
    }
    monkeypatch.setattr(render_cache, "renderer_digest", lambda: "another lessonkit")
    different["lessonkit's renderer and judging"] = _key(cache, runs)
    assert all(value != key for value in different.values()), [n for n, v in different.items() if v == key]
    assert len(set(different.values())) == len(different)


def test_the_renderer_digest_covers_lessonkits_source_and_translations() -> None:
    render_cache.renderer_digest.cache_clear()
    digest = render_cache.renderer_digest()
    assert digest == render_cache.renderer_digest()
    source = Path(render_cache.__file__).resolve().parent / "render.py"
    assert "_TEXT" in source.read_text(encoding="utf-8"), (
        "the captions' words live in render.py, which is hashed"
    )


def test_damaged_entries_are_ignored_and_unused_ones_pruned(tmp_path: Path) -> None:
    cache = RenderCache(tmp_path / "rendered")
    block = RenderedBlock(template="<p>x</p>", fragments={"<p>x</p>": "<b>y</b>"}, assets={"a.svg": "<svg/>"})
    cache.put("k1", block)
    cache.put("k2", block)
    assert cache.get("k1") == block
    assert cache.get("k1").html("exec-1--") == "<b>y</b>"  # type: ignore[union-attr]
    path = tmp_path / "rendered" / "k2.json"
    intact = path.read_text(encoding="utf-8")
    header, body = intact.split("\n", 1)
    assert json.loads(header)["key"] == "k2" and json.loads(body)["template"] == "<p>x</p>"
    path.write_text(intact.replace("<p>x</p>", "<p>z</p>"), encoding="utf-8")
    assert cache.get("k2") is None, "a tampered entry fails its checksum"
    path.write_text(intact[:-5], encoding="utf-8")
    assert cache.get("k2") is None, "a truncated entry is ignored"
    path.write_text(header, encoding="utf-8")
    assert cache.get("k2") is None, "an entry without its block is ignored"
    path.write_text(intact.replace('"format": 2', '"format": 1'), encoding="utf-8")
    assert cache.get("k2") is None, "an entry of another format is ignored"
    (tmp_path / "rendered" / "k3.json").write_text(intact, encoding="utf-8")
    assert cache.get("k3") is None, "an entry stored under another key is ignored"
    (tmp_path / "rendered" / "k3.json").unlink()
    assert cache.prune() == 0, "both were used by this build"
    fresh = RenderCache(tmp_path / "rendered")
    fresh.get("k1")
    assert fresh.prune() == 1
    assert sorted(p.name for p in (tmp_path / "rendered").iterdir()) == ["k1.json"]


def test_the_plugin_keeps_one_cache_across_the_languages_builds(tmp_path: Path) -> None:
    first = RenderCache.kept(None, tmp_path, "salt")
    first.used.add("zh-block")
    assert RenderCache.kept(first, tmp_path, "salt") is first, (
        "the English build must not forget the Chinese keys"
    )
    assert RenderCache.kept(first, tmp_path, "edited mkdocs.yml") is not first


def _outcomes(executor: Executor, cache: RenderCache | None) -> list[dict[str, object]]:
    """Render the page; return its blocks' ``outcomes.json`` entries, in order."""
    context = _context(executor, cache, {})
    lines = itertools.count(3)
    context.site_for = lambda token: FenceSite(page="docs/page.md", line=next(lines))
    context.outcomes = OutcomesReport(python="CPython 3.11.7", os="Linux", parallel_runs=1, cpus=2)
    _render(context)
    return [block.to_json() for block in context.outcomes.blocks]


def test_a_stored_block_keeps_its_judged_runs_so_a_warm_build_judges_nothing(
    executor: Executor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fresh = _outcomes(executor, None)
    assert [len(block["methods"]) for block in fresh] == [2, 1]  # type: ignore[arg-type]
    cache = RenderCache(tmp_path / "rendered")
    assert _outcomes(executor, cache) == fresh

    def refuse(*args: object, **kwargs: object) -> object:
        raise AssertionError("judged again although nothing changed")

    monkeypatch.setattr(fence_module, "judge_results", refuse)
    assert _outcomes(executor, cache) == fresh, "outcomes.json is the same from the stored entries"
    stored = [RenderCache(tmp_path / "rendered").get(p.stem) for p in (tmp_path / "rendered").glob("*.json")]
    assert all(block is not None and all(m.cached is None for m in block.methods) for block in stored), (
        "whether the runs came from the cache is set by each build, never stored"
    )


def test_judged_runs_read_back_as_they_were_made(executor: Executor) -> None:
    example = Example(code=PAGE.split("```")[1].split("\n", 1)[1], options=_options(), filename="page.py")
    samples, _ = executor.results(example)
    for method, results in zip(example.options.start_methods, samples, strict=True):
        judged = judge_results(method.value, results, mask=Mask(r"\d+"), claim="main\n")
        record = json.loads(json.dumps(MethodOutcomes.to_record(judged)))
        assert MethodOutcomes.from_record(record) == replace(judged, cached=None)
        assert (
            MethodOutcomes.from_record(record, cached=True).to_json()
            == replace(judged, cached=True).to_json()
        )


def test_new_runs_of_the_same_code_render_again(tmp_path: Path) -> None:
    """``LESSONKIT_REFRESH=1`` keeps the run keys but makes new runs: the block must show them."""
    cache = RenderCache(tmp_path / "rendered")
    first = Executor(isolation=Isolation.OFF, trace=True, cache=ResultCache(tmp_path / "results"))
    _render(_context(first, cache, {}))
    assert len(list((tmp_path / "rendered").glob("*.json"))) == 2
    again = Executor(
        isolation=Isolation.OFF, trace=True, cache=ResultCache(tmp_path / "results"), refresh=True
    )
    refreshed = _render(_context(again, cache, {}))
    assert len(list((tmp_path / "rendered").glob("*.json"))) == 4, "the new runs made new keys"
    assert refreshed == _render(_context(again, None, {})), "the page shows the new runs"
    reread = Executor(isolation=Isolation.OFF, trace=True, cache=ResultCache(tmp_path / "results"))
    assert _render(_context(reread, cache, {})) == refreshed, "and a warm build after it finds them stored"
    assert reread.runs == 0


def test_drawn_files_are_linked_into_the_site_from_checked_copies(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = RenderCache(tmp_path / "cache" / "rendered")
    site = tmp_path / "site"
    site.mkdir()
    cache.place(site, "a.svg", "<svg>a</svg>")
    kept = tmp_path / "cache" / "rendered" / "assets" / "a.svg"
    assert (site / "a.svg").read_text(encoding="utf-8") == "<svg>a</svg>"
    assert (site / "a.svg").stat().st_ino == kept.stat().st_ino, "a hard link, not a new file"
    (site / "written.svg").write_text("<svg/>", encoding="utf-8")
    assert stat.S_IMODE(kept.stat().st_mode) == stat.S_IMODE((site / "written.svg").stat().st_mode), (
        "as readable as a file written in the site"
    )

    (site / "a.svg").write_text("<svg>edited in the site</svg>", encoding="utf-8")  # the same file
    other = tmp_path / "other-site"
    other.mkdir()
    cache.place(other, "a.svg", "<svg>a</svg>")
    assert (other / "a.svg").read_text(encoding="utf-8") == "<svg>a</svg>", "a damaged copy is written again"
    cache.place(site, "a.svg", "<svg>a</svg>")  # a dirty build: the site still has the file
    assert (site / "a.svg").read_text(encoding="utf-8") == "<svg>a</svg>"

    def no_link(source: object, target: object) -> None:
        raise OSError(18, "Invalid cross-device link")

    monkeypatch.setattr(render_cache.os, "link", no_link)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    cache.place(elsewhere, "b.svg", "<svg>b</svg>")
    assert (elsewhere / "b.svg").read_text(encoding="utf-8") == "<svg>b</svg>", "written where it cannot link"

    cache.used_assets = {"b.svg"}
    cache.prune()
    assert sorted(p.name for p in kept.parent.iterdir()) == ["b.svg"], "unused drawn files are pruned"
    assert (site / "a.svg").read_text(encoding="utf-8") == "<svg>a</svg>", "the site keeps its own link"
