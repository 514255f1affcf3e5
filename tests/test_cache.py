"""The execution cache: keyed on what changes a result, atomic, self-healing, pruned, no failures."""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import Abort
from support import ROOT, copy_project

from lessonkit.running.cache import ResultCache, results_digest
from lessonkit.running.executor import Example, Executor, run_key
from lessonkit.running.interpreter import current as current_interpreter
from lessonkit.running.options import RunDefaults, RunOptions
from lessonkit.running.runner import run_example
from lessonkit.running.sandbox import Isolation
from lessonkit.running.start_method import StartMethod
from lessonkit.site.plugin import LessonkitPlugin

pytestmark = pytest.mark.slow  # runs programs or builds sites

DEFAULTS = RunDefaults(start_methods=tuple(StartMethod), timeout=30.0)

FAST = 'print("fast a")\n'
SLOW = 'import time\n\ntime.sleep(0.3)\nprint("slow b")\n'
PAGE = """# Demo {{ #demo }}

{prose}

```python exec="on"
--8<-- "demo/fast.py"
```

```python exec="on" start_methods="fork spawn"
--8<-- "demo/slow.py"
```
"""


@pytest.fixture
def caplog(caplog: pytest.LogCaptureFixture):
    """Also capture MkDocs' loggers, which do not propagate to the root logger."""
    logger = logging.getLogger("mkdocs")
    logger.addHandler(caplog.handler)
    caplog.set_level(logging.INFO, logger="mkdocs")
    yield caplog
    logger.removeHandler(caplog.handler)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A small copy of the site: the real mkdocs.yml, one page per language, two quick snippets."""
    root = copy_project(tmp_path / "project", docs=False, samples=1)
    (root / "snippets/demo").mkdir(parents=True)
    shutil.copytree(ROOT / "docs/assets", root / "docs/assets")
    (root / "snippets/demo/fast.py").write_text(FAST)
    (root / "snippets/demo/slow.py").write_text(SLOW)
    write_pages(root, "Some prose.")
    return root


def write_pages(root: Path, prose: str) -> None:
    for name in ("index.md", "index.en.md"):
        (root / "docs" / name).write_text(PAGE.format(prose=prose), encoding="utf-8")


def build_in_process(project: Path, monkeypatch: pytest.MonkeyPatch, config_plugin=None, **env: str):
    """Build *project* strictly in this process; return the lessonkit plugin, whose executor counts runs."""
    monkeypatch.chdir(project)  # pymdownx.snippets resolves base_path against the working directory
    monkeypatch.setenv("LESSONKIT_CACHE_DIR", str(project / ".cache/lessonkit"))
    for name in ("LESSONKIT_REFRESH", "LESSONKIT_EXEC"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    if config_plugin is None:
        # MkDocs keeps plugin instances that have on_startup (as `mkdocs serve` needs) in a cache
        # shared by the whole process; empty it so this build starts like a fresh process.
        dict(MkDocsConfig._schema)["plugins"].plugin_cache.clear()
    config = load_config(str(project / "mkdocs.yml"), site_dir=str(project / "site"), strict=True)
    assert config_plugin is None or config.plugins["lessonkit"] is config_plugin
    config.plugins.on_startup(command="build", dirty=False)
    build(config)
    plugin = config.plugins["lessonkit"]
    assert isinstance(plugin, LessonkitPlugin)
    return plugin


def keys_of(project: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, set[str]]:
    """Return the cache keys of every example discovery finds, by snippet file name (runs nothing)."""
    plugin = build_in_process(project, monkeypatch, LESSONKIT_EXEC="0")
    keys: dict[str, set[str]] = {}
    for example in plugin.examples:
        keys.setdefault(example.filename, set()).update(
            plugin.executor.key(example, m) for m in example.options.start_methods
        )
    return keys


# -- key sensitivity ---------------------------------------------------------------------------


def test_editing_prose_changes_no_key(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = keys_of(project, monkeypatch)
    write_pages(project, "Completely different prose, with a [link](https://example.invalid/).")
    assert keys_of(project, monkeypatch) == before


def test_editing_a_snippet_changes_only_its_keys(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = keys_of(project, monkeypatch)
    (project / "snippets/demo/slow.py").write_text(SLOW.replace("slow b", "slow c"))
    after = keys_of(project, monkeypatch)
    assert after["fast.py"] == before["fast.py"]
    assert after["slow.py"].isdisjoint(before["slow.py"])
    assert len(after["slow.py"]) == 2  # fork and spawn only, as the fence says


def test_start_method_timeout_and_expectations_change_the_key() -> None:
    options = RunOptions(start_methods=(StartMethod.FORK,), timeout=30)
    base = run_key("print(1)", StartMethod.FORK, options, "a.py")
    assert run_key("print(1)", StartMethod.SPAWN, options, "a.py") != base
    assert run_key("print(1)", StartMethod.FORK, RunOptions((StartMethod.FORK,), timeout=31), "a.py") != base
    assert (
        run_key("print(1)", StartMethod.FORK, RunOptions((StartMethod.FORK,), 30, returncode=1), "a.py")
        != base
    )
    assert (
        run_key("print(1)", StartMethod.FORK, RunOptions((StartMethod.FORK,), 30, expect="1"), "a.py") != base
    )
    assert run_key("print(1)", StartMethod.FORK, options, "b.py") != base
    assert run_key("print(2)", StartMethod.FORK, options, "a.py") != base
    assert run_key("print(1)", StartMethod.FORK, options, "a.py") == base


def test_pre_execution_finds_the_code_the_formatter_runs(
    project: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    plugin = build_in_process(project, monkeypatch)
    assert plugin.executor.runs == 3 + 2
    assert "lessonkit: ran 5 examples (0 cached; 5 runs in all) in" in caplog.text
    assert "while rendering" not in caplog.text, "pre-execution missed code that the formatter ran"


# -- cache hits, refresh, no-exec ------------------------------------------------------------------


def test_a_second_build_runs_nothing(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert build_in_process(project, monkeypatch).executor.runs == 5
    second = build_in_process(project, monkeypatch)
    assert second.executor.runs == 0
    html = (project / "site/en/index.html").read_text(encoding="utf-8")
    outputs = [
        pre.get_text() for pre in BeautifulSoup(html, "html.parser").select(".tabbed-block > .highlight pre")
    ]
    assert outputs == ["fast a\n"] * 3 + ["slow b\n"] * 2


def test_refresh_runs_everything_again(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    build_in_process(project, monkeypatch)
    assert build_in_process(project, monkeypatch, LESSONKIT_REFRESH="1").executor.runs == 5


def test_no_exec_renders_placeholders_and_runs_nothing(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plugin = build_in_process(project, monkeypatch, LESSONKIT_EXEC="0")
    assert plugin.executor.runs == 0
    html = (project / "site/index.html").read_text(encoding="utf-8")
    assert html.count("lessonkit-placeholder") == 2 and "fast a" not in html
    cache = project / ".cache/lessonkit"
    stored = [path.relative_to(cache) for path in cache.rglob("*") if path.is_file()]
    assert stored and all(path.parts[1] == "search" for path in stored), (
        "no results or rendered blocks: only the placeholder pages' search entries are kept"
    )


def test_serve_style_rebuilds_rerun_only_the_edited_snippet(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plugin = build_in_process(project, monkeypatch)
    assert plugin.executor.runs == 5
    write_pages(project, "A one-word edit in the prose.")
    build_in_process(project, monkeypatch, config_plugin=plugin)
    assert plugin.executor.runs == 5, "editing prose re-ran an example"
    (project / "snippets/demo/fast.py").write_text('print("fast edited")\n')
    build_in_process(project, monkeypatch, config_plugin=plugin)
    assert plugin.executor.runs == 5 + 3, "only the edited snippet, under its three start methods"
    assert "fast edited" in (project / "site/index.html").read_text(encoding="utf-8")


def test_serve_style_rebuilds_rediscover_only_changed_pages(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    converted: list[str] = []
    original = LessonkitPlugin._discover_page

    def recording(self, md, page_path, marked):
        converted.append(page_path)
        return original(self, md, page_path, marked)

    monkeypatch.setattr(LessonkitPlugin, "_discover_page", recording)
    plugin = build_in_process(project, monkeypatch)
    assert sorted(converted) == ["docs/index.en.md", "docs/index.md"]
    converted.clear()
    page = project / "docs/index.en.md"
    page.write_text(page.read_text(encoding="utf-8").replace("Some prose.", "Other prose."), encoding="utf-8")
    build_in_process(project, monkeypatch, config_plugin=plugin)
    assert converted == ["docs/index.en.md"], "an unchanged page was converted again"
    converted.clear()
    (project / "snippets/demo/slow.py").write_text(SLOW.replace("slow b", "slow, edited"))
    build_in_process(project, monkeypatch, config_plugin=plugin)
    assert sorted(converted) == ["docs/index.en.md", "docs/index.md"], "a snippet both pages include changed"
    assert "slow, edited" in (project / "site/index.html").read_text(encoding="utf-8")


# -- damage, pruning, concurrency, failures ------------------------------------------------------------


def test_a_truncated_entry_is_ignored_and_rerun(
    project: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    build_in_process(project, monkeypatch)
    entry = sorted(ResultCache(project / ".cache/lessonkit").directory.glob("*.json"))[0]
    entry.write_bytes(entry.read_bytes()[: entry.stat().st_size // 2])
    plugin = build_in_process(project, monkeypatch)
    assert plugin.executor.runs == 1
    assert f"ignoring damaged cache entry {entry}" in caplog.text
    assert ResultCache(entry.parent.parent).get(entry.stem) is not None, "the rerun replaced the entry"


def test_a_tampered_entry_fails_its_checksum(tmp_path: Path) -> None:
    cache = ResultCache(tmp_path)
    example = Example(code="print(1)", options=RunOptions((StartMethod.FORK,), 30), filename="a.py")
    result = run_example(example.code, start_method=StartMethod.FORK, timeout=30, filename="a.py")
    key = example.key(StartMethod.FORK)
    cache.put(key, [result, result])
    assert cache.get(key) == (result, result)
    entry = json.loads((cache.directory / f"{key}.json").read_text())
    entry["results"][1]["output"] = "forged\n"
    (cache.directory / f"{key}.json").write_text(json.dumps(entry))
    assert cache.get(key) is None


def test_the_digest_of_stored_samples_is_the_same_stored_read_or_in_memory(tmp_path: Path) -> None:
    """The render cache keys a block on this digest: it must not depend on where the samples came from."""
    example = Example(code="print(1)", options=RunOptions((StartMethod.FORK,), 30), filename="a.py")
    executor = Executor(isolation=Isolation.OFF, cache=ResultCache(tmp_path))
    key = executor.key(example, StartMethod.FORK)
    [ran], _ = executor.results(example)
    stored = executor.digest(key)
    assert stored == results_digest(ran) == ResultCache(tmp_path).load(key)[1]  # type: ignore[index]
    reader = Executor(isolation=Isolation.OFF, cache=ResultCache(tmp_path))
    reader.results(example)
    assert reader.runs == 0 and reader.digest(key) == stored
    memory_only = Executor(isolation=Isolation.OFF)
    [other], _ = memory_only.results(example)
    assert memory_only.digest(key) == results_digest(other) != stored, "another run, another digest"


def test_entries_no_page_uses_are_pruned(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    build_in_process(project, monkeypatch)
    cache = ResultCache(project / ".cache/lessonkit")
    assert len(cache.keys()) == 5
    for name in ("index.md", "index.en.md"):
        page = project / "docs" / name
        page.write_text(page.read_text().split('```python exec="on" start_methods')[0], encoding="utf-8")
    build_in_process(project, monkeypatch)
    assert cache.keys() == keys_of(project, monkeypatch)["fast.py"]


def test_pruning_keeps_other_interpreters_results(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A build prunes only the results of the Python that built; the old flat layout's files go."""
    root = project / ".cache/lessonkit"
    result = run_example("print(1)", start_method=StartMethod.FORK, timeout=30)
    other = ResultCache(root, replace(current_interpreter(), version="3.99.0"))
    other.put("0" * 64, [result])
    root.mkdir(parents=True, exist_ok=True)
    legacy = root / f"{'1' * 64}.json"
    legacy.write_text("{}", encoding="utf-8")
    build_in_process(project, monkeypatch)
    assert other.keys() == {"0" * 64}, "another interpreter's result survives the build's pruning"
    assert other.directory.name == "cpython-3.99.0"
    assert not legacy.exists(), "an entry of the old layout, which nothing reads, was pruned"
    assert len(ResultCache(root).keys()) == 5


def test_two_builds_at_once_share_one_cache(project: Path, tmp_path: Path) -> None:
    cache_dir = tmp_path / "shared-cache"
    env = {"LESSONKIT_CACHE_DIR": str(cache_dir), "NO_MKDOCS_2_WARNING": "1"}
    command = [sys.executable, "-m", "mkdocs", "build", "--strict"]
    builds = [
        subprocess.Popen(
            [*command, "--site-dir", str(tmp_path / f"site{i}")],
            cwd=project,
            env={**os.environ, **env},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for i in range(2)
    ]
    logs = [b.communicate(timeout=300)[0] for b in builds]
    assert [b.returncode for b in builds] == [0, 0], logs
    cache = ResultCache(cache_dir)
    assert len(cache.keys()) == 5
    assert all(cache.get(key) is not None for key in cache.keys())  # noqa: SIM118 - keys() is ResultCache's method
    assert not list(cache.directory.glob("*.tmp")), "no temporary file is left behind"
    for i in range(2):
        assert "slow b" in (tmp_path / f"site{i}/index.html").read_text(encoding="utf-8")


def test_failures_are_never_cached(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (project / "snippets/demo/fast.py").write_text("import sys\n\nprint('about to fail')\nsys.exit(4)\n")
    with pytest.raises(Abort):
        build_in_process(project, monkeypatch)
    cache = ResultCache(project / ".cache/lessonkit")
    failing = keys_of(project, monkeypatch)["fast.py"]
    assert cache.keys().isdisjoint(failing)
    (project / "snippets/demo/fast.py").write_text(FAST)
    plugin = build_in_process(project, monkeypatch)
    assert plugin.executor.runs == 3, "the fixed example ran again; the passing one came from the cache"


def test_all_samples_are_one_entry_and_a_warm_build_runs_none(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = (project / "mkdocs.yml").read_text(encoding="utf-8")
    (project / "mkdocs.yml").write_text(config.replace("samples: 1", "samples: 4"), encoding="utf-8")
    first = build_in_process(project, monkeypatch)
    assert first.executor.runs == 4 * (3 + 2), "every sample of every (block, start method) ran"
    cache = ResultCache(project / ".cache/lessonkit")
    keys = cache.keys()
    assert len(keys) == 3 + 2, "one entry per (block, start method), holding all its samples"
    assert all(len(cache.get(key)) == 4 for key in keys)
    html = (project / "site/index.html").read_text(encoding="utf-8")
    second = build_in_process(project, monkeypatch)
    assert second.executor.runs == 0
    assert (project / "site/index.html").read_text(encoding="utf-8") == html
    assert html.count("seen in 4 of 4 runs") == 0 and html.count("4 次运行中出现 4 次") == 5


def test_the_number_of_samples_is_part_of_the_key() -> None:
    options = RunOptions(start_methods=(StartMethod.FORK,), timeout=30)
    more = RunOptions(start_methods=(StartMethod.FORK,), timeout=30, samples=20)
    assert run_key("print(1)", StartMethod.FORK, options, "a.py") != run_key(
        "print(1)", StartMethod.FORK, more, "a.py"
    )


def test_module_files_and_a_pipe_are_in_the_key_only_when_used() -> None:
    options = RunOptions(start_methods=(StartMethod.FORK,), timeout=30)

    def key(**changes: object) -> str:
        return run_key("import tally\n", StartMethod.FORK, replace(options, **changes), "main.py")

    base = key()
    assert key(files=(), terminal=True) == base, "a block without them keeps its key"
    keys = {
        base,
        key(files=(("tally.py", "TOTAL = 3\n"),)),
        key(files=(("tally.py", "TOTAL = 40\n"),)),  # the module's text
        key(files=(("count.py", "TOTAL = 3\n"),)),  # its name
        key(terminal=False),
    }
    assert len(keys) == 5


USES_TALLY = """\
from multiprocessing import Process

import tally


def show():
    print("total", tally.TOTAL)


if __name__ == "__main__":
    p = Process(target=show)
    p.start()
    p.join()
"""

TWO_FILES = """# Two files {{ #two }}

{prose}

```python exec="on" start_methods="spawn" files="demo/tally.py"
--8<-- "demo/uses_tally.py"
```
"""


def test_editing_a_module_file_reruns_the_block_that_places_it(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (project / "snippets/demo/uses_tally.py").write_text(USES_TALLY)
    (project / "snippets/demo/tally.py").write_text("TOTAL = 3\n")
    for name in ("index.md", "index.en.md"):
        (project / "docs" / name).write_text(TWO_FILES.format(prose="Prose."), encoding="utf-8")
    plugin = build_in_process(project, monkeypatch)
    assert plugin.executor.runs == 1, "one block under spawn; the English page reuses its run"
    assert "total 3" in (project / "site/en/index.html").read_text(encoding="utf-8")
    (project / "snippets/demo/tally.py").write_text("TOTAL = 40\n")
    build_in_process(project, monkeypatch, config_plugin=plugin)  # as mkdocs serve rebuilds
    assert [example.options.files for example in plugin.examples] == [(("tally.py", "TOTAL = 40\n"),)] * 2, (
        "discovery read the page again: its block runs before rendering, with the new module"
    )
    assert plugin.executor.runs == 2
    assert "total 40" in (project / "site/en/index.html").read_text(encoding="utf-8")
