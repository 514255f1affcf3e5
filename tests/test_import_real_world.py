"""``lessonkit import`` on lessons written the ways people write them on the web.

Each lesson in ``tests/data/import/`` is the tests' own, written in one convention: PyMOTW's (shell
prompts, a two-file example, process ids, an output captured through a pipe, Pelican's header
lines), an old translation's (untagged fences in Python 2, YAML front matter, ``执行结果如下：``) and
a tutorial's (a ``>>>`` session, ``**输出：**``, ``Output:``). They are imported into one small
site with 2 runs per program and start method, which is then built strictly. Only what every
run shows is asserted: pipes buffer a child's output until it exits, a missing module is
missing, a converted program prints what the Python 2 one did.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support import ROOT, mkdocs_build, shown_claims, small_site
from test_import import HOME_PAGES, NAV, lessonkit_import, tree_digest

from lessonkit.importing.lesson import read_lesson

pytestmark = pytest.mark.slow  # runs programs and builds a site

LESSONS = ROOT / "tests/data/import"
IMPORTS = {
    "pymotw": ("pymotw_style.md",),
    "py2": ("untagged_python2.md",),
    "py2up": ("untagged_python2.md", "--upgrade-python2"),
    "session": ("session.md",),
}
"""Slug: the lesson file and the import's options."""


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return small_site(tmp_path_factory.mktemp("real-world") / "project", HOME_PAGES, samples=2, nav=NAV)


@pytest.fixture(scope="module")
def reports(project: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[dict, str]]:
    """Import every lesson; return each one's JSON report and printed table, by slug."""
    found = {}
    folder = tmp_path_factory.mktemp("reports")
    for slug, (name, *options) in IMPORTS.items():
        report = folder / f"{slug}.json"
        done = lessonkit_import(
            project, str(LESSONS / name), "--slug", slug, "--report", str(report), *options
        )
        assert done.returncode == 0, done.stderr
        found[slug] = json.loads(report.read_text(encoding="utf-8")), done.stdout
    return found


def programs(reports: dict[str, tuple[dict, str]], slug: str) -> dict[str, dict]:
    return {Path(p["snippet"] or f"x/{p['line']}").stem: p for p in reports[slug][0]["programs"]}


@pytest.fixture(scope="module")
def built(project: Path, reports, tmp_path_factory: pytest.TempPathFactory) -> Path:
    site = tmp_path_factory.mktemp("site")
    result = mkdocs_build(project, site)
    assert result.returncode == 0, result.stderr[-4000:]
    return site


def test_a_two_file_example_runs_with_its_module_beside_it(project: Path, reports) -> None:
    found = programs(reports, "pymotw")
    main, worker = found["multiprocessing_import_main"], found["multiprocessing_import_worker"]
    assert main["files"] == ["multiprocessing_import_worker"] and main["verdict"] == "matches"
    assert "expect" not in main["fence"], "no error of the import's own making is expected"
    assert worker["verdict"] == "module" and worker["module_of"] == ["multiprocessing_import_main"]
    page = (project / "docs/pymotw.md").read_text(encoding="utf-8")
    assert 'files="pymotw/multiprocessing_import_worker.py"' in page
    assert '```python\n--8<-- "pymotw/multiprocessing_import_worker.py"\n```' in page
    assert '--8<-- "pymotw/multiprocessing_import_worker.py"\n```\n\n```python exec' not in page, "not run"


def test_a_module_that_exists_nowhere_keeps_its_real_error(reports) -> None:
    helpers = programs(reports, "pymotw")["multiprocessing_helpers_main"]
    assert helpers["missing_modules"] == ["pymotw_helpers_that_nobody_wrote"]
    assert helpers["fence"]["expect"].startswith("ModuleNotFoundError")
    assert "missing module pymotw_helpers_that_nobody_wrote" in reports["pymotw"][1]


def test_process_ids_are_masked_so_the_claim_is_judged(project: Path, reports) -> None:
    daemon = programs(reports, "pymotw")["multiprocessing_daemon_pid"]
    assert daemon["masks"] and daemon["verdict"] == "matches", daemon
    assert "mask" in daemon["fence"]
    page = (project / "docs/pymotw.md").read_text(encoding="utf-8")
    assert f'mask="{daemon["fence"]["mask"]}"' in page
    assert "每次运行都不同" in page, "the page names what is not compared"


def test_an_output_captured_through_a_pipe_is_told_apart(project: Path, reports) -> None:
    """The child prints after the parent has printed. Through a terminal the parent's line comes
    first, always; through a pipe the child's does, always: it is written when the child exits,
    and the parent's waits in its buffer until the parent exits."""
    buffered = programs(reports, "pymotw")["multiprocessing_buffered"]
    assert buffered["verdict"] == "seen-through-pipe"
    assert all(m["claim_seen"] == 0 for m in buffered["methods"].values())
    assert all(m["claim_seen"] == m["runs"] == 2 for m in buffered["pipe"].values()), buffered["pipe"]
    page = (project / "docs/pymotw.md").read_text(encoding="utf-8")
    assert "勘误待写：原文的输出多半是通过管道捕获的" in page


def test_the_report_says_which_rule_found_each_claim(reports) -> None:
    rules = {name: p["claim_rule"] for name, p in programs(reports, "pymotw").items()}
    assert rules["multiprocessing_import_main"] == "shell-prompt"
    assert rules["multiprocessing_buffered"] == "output-sentence"
    table = reports["pymotw"][1]
    assert "claim: shell-prompt" in table and "files: multiprocessing_import_worker.py" in table


def test_python2_is_named_and_shown_not_run_unless_converted(project: Path, reports) -> None:
    plain = programs(reports, "py2")
    assert [p["verdict"] for p in plain.values()] == ["python2", "python2"]
    assert all(p["python2"] and p["snippet"] is None for p in plain.values())
    page = (project / "docs/py2.md").read_text(encoding="utf-8")
    assert "这段程序是 Python 2 写的，没有运行" in page and 'exec="on"' not in page
    assert "本页的程序都没有运行" in page and "真实运行得到的" not in page, "no run, so no word of runs"
    converted = programs(reports, "py2up")
    assert [p["verdict"] for p in converted.values()] == ["matches", "matches"], converted
    assert all(p["upgraded"] for p in converted.values())
    page = (project / "docs/py2up.md").read_text(encoding="utf-8")
    assert page.count("这段代码由 Python 2 转换而来") == 2


def test_front_matter_becomes_the_title_and_metadata(project: Path, reports) -> None:
    assert reports["pymotw"][0]["meta"]["category"] == "并发"
    page = (project / "docs/pymotw.md").read_text(encoding="utf-8")
    assert page.startswith(
        '---\ndescription: "从另一个模块导入目标函数、守护进程的进程号，以及通过管道看到的输出。"\n'
    )
    assert 'date: "2016-07-01 10:00"\ncategory: "并发"\ntags: "multiprocessing, 进程"\n---' in page
    assert "# multiprocessing：用进程代替线程 { #pymotw }" in page and "Title:" not in page
    py2 = (project / "docs/py2.md").read_text(encoding="utf-8")
    assert py2.count("Python 多进程入门") == 1, (
        "the heading that repeats the front matter's title is the title"
    )


def test_a_session_runs_as_a_script(project: Path, reports) -> None:
    found = programs(reports, "session")
    session = next(p for p in found.values() if p["session"])
    assert session["claim_rule"] == "session"
    # The session printed 'fork': only runs under fork print it.
    assert session["methods"]["fork"]["claim_seen"] == 2 and session["methods"]["spawn"]["claim_seen"] == 0
    assert [p["verdict"] for p in found.values()][1:] == ["matches", "matches", "no-claim"]
    assert len(reports["session"][0]["notes"]) == 1


def test_no_page_shows_a_claimed_output_that_no_run_produced(project: Path, reports) -> None:
    for slug, (name, *_) in IMPORTS.items():
        lesson = read_lesson(LESSONS / name)
        page = (project / f"docs/{slug}.md").read_text(encoding="utf-8")
        assert shown_claims(page, lesson) == [], f"docs/{slug}.md shows a claimed output as if it were one"
        for program in programs(reports, slug).values():  # each claim is kept, judged or boxed
            if program["claim"] is not None:
                assert (project / program["claim"]).is_file()
                assert program["claim"].removeprefix("snippets/") in page


def test_the_site_builds_strictly_with_every_imported_page(built: Path) -> None:
    for slug in IMPORTS:
        assert (built / slug / "index.html").is_file()
    html = (built / "pymotw/index.html").read_text(encoding="utf-8")
    assert "Worker" in html


def test_importing_again_changes_nothing(project: Path, reports) -> None:
    before = tree_digest(project)
    done = lessonkit_import(project, str(LESSONS / "pymotw_style.md"), "--slug", "pymotw")
    assert done.returncode == 0, done.stderr
    assert "nothing changed" in done.stdout
    assert tree_digest(project) == before
