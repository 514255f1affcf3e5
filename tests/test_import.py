"""``lessonkit import``: a lesson written like the seed becomes snippets, claims, a page and a report.

The lesson is the tests' own (``tests/data/exitcode_lesson.txt``, written the seed's way), not
the seed: the seed's programs are the real site's examples, which run once per CI run, in the
site's build. The imports run in a small site of the tests' own (the real mkdocs.yml, a home
page, a lesson page that runs nothing and the contributing page, in both languages), with 2 runs
per program and method (the site uses 20), and the site is then built strictly with 2. Only
guaranteed verdicts are asserted: a terminated process's exit code is never the claimed -9, and
the crashing child's claim is printed in every run once tracebacks are cut to their last line.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from support import ROOT, mkdocs_build, shown_claims, small_site

from lessonkit.importing.lesson import LessonError, program_name, read_lesson
from lessonkit.importing.tidy import passes_checks, same_tree
from lessonkit.site.lessons import MARKER

pytestmark = pytest.mark.slow  # runs programs or builds sites

MINE = ROOT / "tests/data/exitcode_lesson.txt"
"""A lesson of the tests' own, written the way the seed is: four programs, four claimed outputs."""
SAMPLES = "2"


def lessonkit_import(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "lessonkit.cli", "import", *args, "--samples", SAMPLES]
    return subprocess.run(command, cwd=project, capture_output=True, text=True, timeout=600)


def tree_digest(project: Path) -> dict[str, str]:
    """Every file the import may write, with its digest (the cache aside)."""
    found = {}
    for folder in ("docs", "snippets"):
        for path in sorted((project / folder).rglob("*")):
            if path.is_file():
                found[str(path.relative_to(project))] = hashlib.sha256(path.read_bytes()).hexdigest()
    found["mkdocs.yml"] = hashlib.sha256((project / "mkdocs.yml").read_bytes()).hexdigest()
    return found


HOME = {
    "index.md": "# 首页\n\n## 课程 {{ #lessons }}\n\n{marker}\n",
    "index.en.md": "# Home\n\n## Lessons {{ #lessons }}\n\n{marker}\n",
    "daemon.md": "---\ndescription: 守护进程。\n---\n\n# 守护进程\n\n一课已有的页面。\n",
    "daemon.en.md": "---\ndescription: Daemons.\n---\n\n# Daemon processes\n\nA lesson already there.\n",
    "contributing.md": "# 参与贡献\n\n怎样翻译一课。\n",
    "contributing.en.md": "# Contributing\n\nHow to translate a lesson.\n",
}
"""The small site's pages: a home page listing the nav's lessons, one lesson, the contributing guide."""
HOME_PAGES = {name: text.format(marker=MARKER) for name, text in HOME.items()}
NAV = ["index.md", "daemon.md"]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return small_site(tmp_path_factory.mktemp("import") / "project", HOME_PAGES, samples=2, nav=NAV)


@pytest.fixture(scope="module")
def imported(project: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, str]:
    """Import the lesson; return its JSON report and the table printed on stdout."""
    report = tmp_path_factory.mktemp("report") / "exitcode.json"
    done = lessonkit_import(project, str(MINE), "--slug", "exitcode", "--report", str(report))
    assert done.returncode == 0, done.stderr
    return json.loads(report.read_text(encoding="utf-8")), done.stdout


@pytest.fixture(scope="module")
def mine_import(imported: tuple[dict, str]) -> dict:
    return imported[0]


@pytest.fixture(scope="module")
def built(project: Path, imported, tmp_path_factory: pytest.TempPathFactory) -> Path:
    site = tmp_path_factory.mktemp("site")
    result = mkdocs_build(project, site)
    assert result.returncode == 0, result.stderr[-4000:]
    return site


def test_the_report_gives_the_lesson_s_known_verdicts(imported) -> None:
    report, table = imported
    assert report["encoding"] == "utf-8" and report["slug"] == "exitcode"
    programs = report["programs"]
    count = len(read_lesson(MINE).programs)
    expected = [f"snippets/exitcode/0{n}_task.py" for n in range(1, count + 1)]
    assert [p["snippet"] for p in programs] == expected
    assert programs[1]["verdict"] == "never-seen"
    assert programs[2]["verdict"] == "matches"
    assert programs[2]["fence"]["expect"] == "ValueError: 出错了"
    for program in programs:
        assert set(program["methods"]) == {"fork", "spawn", "forkserver"}
        for runs in program["methods"].values():
            assert runs["runs"] == int(SAMPLES) and 0 <= runs["claim_seen"] <= runs["runs"]
    assert "never-seen" in table and "matches" in table and "01_task" in table


def test_verdicts_follow_from_the_counts(mine_import) -> None:
    for program in mine_import["programs"]:
        seen = [m["claim_seen"] for m in program["methods"].values()]
        runs = [m["runs"] for m in program["methods"].values()]
        expected = "matches" if seen == runs else "never-seen" if not any(seen) else "sometimes"
        assert program["verdict"] == expected, program


def test_snippets_pass_the_checks_and_are_the_lesson_s_programs(project: Path, mine_import) -> None:
    programs = read_lesson(MINE).programs
    forms = set()
    for entry, program in zip(mine_import["programs"], programs, strict=True):
        snippet = (project / entry["snippet"]).read_text(encoding="utf-8")
        assert passes_checks(snippet), entry["snippet"]
        forms.add(entry["form"].split()[0])
        if entry["form"].startswith("tidied"):
            assert same_tree(snippet, program.code)
        else:  # rewritten and shown by runs to behave the same, or kept as written with noqa
            assert "same outcomes" in entry["form"] or "noqa" in snippet
        claim = (project / entry["claim"]).read_text(encoding="utf-8")
        assert claim == program.claim
    assert forms >= {"tidied", "rewritten"}, "both ways of tidying were tried (imports sorted: rewritten)"


def test_my_lesson_s_wrong_claims_are_found_by_runs(mine_import) -> None:
    by_name = {p["snippet"].split("/")[-1]: p for p in mine_import["programs"]}
    assert by_name["01_task.py"]["verdict"] == "matches"
    assert by_name["02_task.py"]["verdict"] == "never-seen", "a terminated process's exitcode is -15, not -9"
    assert by_name["03_task.py"]["verdict"] == "matches"
    no_guard = by_name["04_task.py"]
    assert no_guard["fence"]["expect_methods"] == "spawn forkserver"
    assert no_guard["methods"]["fork"]["claim_seen"] == no_guard["methods"]["fork"]["runs"]
    assert no_guard["methods"]["spawn"]["claim_seen"] == 0
    assert no_guard["verdict"] == "sometimes"


def test_the_imported_pages_build_strictly_with_errata_and_an_english_banner(
    project: Path, built: Path
) -> None:
    zh = BeautifulSoup((built / "exitcode/index.html").read_text(encoding="utf-8"), "html.parser")
    count = len(read_lesson(MINE).programs)
    assert len(zh.select(".lessonkit-runs")) == count
    assert len(zh.select("details.lessonkit-claim")) == count
    warnings = [a.get_text() for a in zh.select(".admonition.warning")]
    assert any("0/" in w and "一次也没有出现" in w for w in warnings), warnings
    page = (project / "docs/exitcode.md").read_text(encoding="utf-8")
    assert shown_claims(page, read_lesson(MINE)) == [], "every claim is judged by runs, none shown bare"
    assert zh.select_one("h1").get("id") == "exitcode"
    en = BeautifulSoup((built / "en/exitcode/index.html").read_text(encoding="utf-8"), "html.parser")
    banner = en.select_one(".lessonkit-untranslated")
    assert banner is not None and banner.get("lang") == "en"
    assert "not been translated into English yet" in banner.get_text()
    guide = banner.select_one("a")["href"]
    assert (built / "en/exitcode" / guide / "index.html").resolve() == (
        built / "en/contributing/index.html"
    ).resolve()
    assert (built / "en/contributing/index.html").is_file(), "how to help: the contributing guide"
    assert en.select_one("article div[lang=zh] h1") is not None, "the Chinese original, marked lang=zh"
    assert "Output given in the original" in en.select_one(".lessonkit-claim summary").get_text()


def test_both_home_pages_list_the_nav_s_lessons(built: Path) -> None:
    zh = BeautifulSoup((built / "index.html").read_text(encoding="utf-8"), "html.parser")
    en = BeautifulSoup((built / "en/index.html").read_text(encoding="utf-8"), "html.parser")
    zh_links = [a["href"] for a in zh.select("#lessons + ol a")]
    en_items = [li.get_text() for li in en.select("#lessons + ol li")]
    assert zh_links == ["daemon/", "exitcode/"]
    assert "Daemon processes" in en_items[0]
    assert all("not translated yet" in item for item in en_items[1:])


def test_importing_again_changes_nothing_and_a_gb18030_copy_gives_the_same_files(
    project: Path, imported, tmp_path: Path
) -> None:
    before = tree_digest(project)
    again = lessonkit_import(project, str(MINE), "--slug", "exitcode")
    assert again.returncode == 0, again.stderr
    assert "nothing changed" in again.stdout
    gb = tmp_path / MINE.name  # the same lesson, in another encoding and with CRLF
    gb.write_bytes(MINE.read_text(encoding="utf-8").replace("\n", "\r\n").encode("gb18030"))
    other = lessonkit_import(project, str(gb), "--slug", "exitcode")
    assert other.returncode == 0, other.stderr
    assert "read" in other.stdout and "as gb18030" in other.stdout
    assert "nothing changed" in other.stdout
    assert tree_digest(project) == before


def test_an_edited_file_is_never_overwritten_without_force(project: Path, imported) -> None:
    page = project / "docs/exitcode.md"
    original = page.read_text(encoding="utf-8")
    page.write_text(original + "\n一位贡献者改写了这里。\n", encoding="utf-8")
    before = tree_digest(project)
    refused = lessonkit_import(project, str(MINE), "--slug", "exitcode")
    assert refused.returncode == 1
    assert "docs/exitcode.md was edited since it was imported" in refused.stderr
    assert tree_digest(project) == before, "nothing changed"
    forced = lessonkit_import(project, str(MINE), "--slug", "exitcode", "--force")
    assert forced.returncode == 0, forced.stderr
    assert page.read_text(encoding="utf-8") == original


@pytest.mark.parametrize(
    ("content", "slug", "message"),
    [
        (None, "fresh", "cannot read the lesson"),
        (b"## \xff\xfe\xfd\xfc title\n", "fresh", "neither UTF-8 nor GB18030"),
        ("## 标题\n\n只有文字，没有程序。\n", "fresh", "no program found"),
        ("## 标题\n\n输出结果\n\n```python\n主\n```\n", "fresh", ":3: “输出结果” has no program before it"),
        (
            "## 标题\n\n```python\nprint(1)\n```\n\n输出结果\n\n输出结果\n",
            "fresh",
            ":9: “输出结果” has no program since",
        ),
        (
            "---\ntitle: [x\n---\n\n```python\nprint(1)\n```\n",
            "fresh",
            ":2: the front matter is not valid YAML",
        ),
        ("## 标题\n\n```\n$ pip install x\n```\n", "fresh", "no program found"),
        ("## 标题\n\n```python\nprint(1)\n```\n", "Not A Slug", "a slug is a lowercase ASCII name"),
        ("## 标题\n\n```python\nprint(1)\n```\n", "daemon", "belongs to another lesson"),
    ],
    ids=[
        "missing",
        "undecodable",
        "no-program",
        "marker-first",
        "marker-twice",
        "bad-front-matter",
        "untagged-not-python",
        "bad-slug",
        "taken-slug",
    ],
)
def test_bad_input_exits_2_with_one_line_and_writes_nothing(
    project: Path, tmp_path: Path, content: str | bytes | None, slug: str, message: str
) -> None:
    lesson = tmp_path / "lesson.txt"
    if isinstance(content, str):
        lesson.write_text(content, encoding="utf-8")
    elif isinstance(content, bytes):
        lesson.write_bytes(content)
    before = tree_digest(project)
    done = lessonkit_import(project, str(lesson), "--slug", slug)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], done.stderr
    if content is not None and slug == "fresh":
        assert str(lesson) in lines[0], "the message names the file"
    assert tree_digest(project) == before


def test_a_program_that_does_not_parse_is_shown_not_run(tmp_path: Path) -> None:
    lesson = tmp_path / "broken.txt"
    lesson.write_text("## 标题\n\n```python\nprint('unclosed'\n```\n\n输出结果\n\n```python\nunclosed\n```\n")
    parsed = read_lesson(lesson)
    assert parsed.programs[0].syntax_error is not None
    project = small_site(tmp_path / "project", HOME_PAGES, nav=NAV)
    report = tmp_path / "report.json"
    done = lessonkit_import(project, str(lesson), "--slug", "broken", "--report", str(report))
    assert done.returncode == 0, done.stderr
    entry = json.loads(report.read_text(encoding="utf-8"))["programs"][0]
    assert entry["verdict"] == "not-run" and "does not parse" in entry["not_run"]
    page = (project / "docs/broken.md").read_text(encoding="utf-8")
    assert "```text\nprint('unclosed'\n```" in page and 'exec="on"' not in page


OWN_LESSON = """## 第一个进程

```python
# first_process.py
from multiprocessing import Process


def hello():
    print("子进程")


if __name__ == "__main__":
    p = Process(target=hello)
    p.start()
    p.join()
    print("主进程")
```

输出结果：

主进程等子进程结束。

```python
from multiprocessing import Process

if __name__ == "__main__":
    p = Process(target=lambda: print("lambda"))
    p.start()
    p.join()
```

```python
from multiprocessing import Lock, Process


def twice(lock):
    print("第一次")
    lock.acquire()
    lock.acquire()


if __name__ == "__main__":
    lock = Lock()
    p = Process(target=twice, args=(lock,))
    p.start()
    p.join()
```

## 练习题

```python
print("练习")
```

先想一想，再展开答案。
"""


def test_a_lesson_without_claimed_outputs_gets_real_ones_and_hidden_answers(tmp_path: Path) -> None:
    """A lesson written to be run says 输出结果 and types no output; an exercise's output is its answer."""
    lesson = tmp_path / "own.txt"
    lesson.write_text(OWN_LESSON, encoding="utf-8")
    programs = read_lesson(lesson).programs
    assert [p.announced for p in programs] == [True, False, False, False]
    assert all(p.claim is None for p in programs)
    assert [program_name(p, n) for n, p in enumerate(programs, start=1)] == [
        "first_process",  # the file its first line names
        "02_program",
        "03_twice",
        "04_program",
    ]
    assert program_name(programs[0], 1, {"first_process"}) == "01_hello", "a name taken by another program"
    project = small_site(tmp_path / "project", HOME_PAGES, nav=NAV)
    done = lessonkit_import(project, str(lesson), "--slug", "own")
    assert done.returncode == 0, done.stderr
    page = (project / "docs/own.md").read_text(encoding="utf-8")
    first = '```python exec="on"\n--8<-- "own/first_process.py"\n```'
    assert f"输出结果：\n\n{first}\n\n主进程等子进程结束。" in page, (
        "the real output goes where the lesson says"
    )
    answer = '??? success "答案：真实运行的输出"\n\n    ```python exec="on" predict="on"\n'
    assert answer + '    --8<-- "own/04_program.py"\n    ```' in page, page
    # A deadlock is declared, not shown as text: stuck in every run, stopped after 2 s of it.
    assert '```python exec="on" stuck_after="2"\n--8<-- "own/03_twice.py"' in page, page
    assert page.index("先想一想") < page.index(answer), "the question first, then the hidden answer"
    assert "## 第一个进程" not in page, "the first heading is the title, not also a section"
    assert "原文" not in page, "no program has a claimed output, so the page speaks of none"
    assert "负载会改变竞争的走向" in page
    # A lambda cannot be pickled under spawn and forkserver; the error names an address that
    # changes every run, so the block expects the exception's name only.
    assert 'expect="_pickle.PicklingError"' in page and 'expect_methods="spawn forkserver"' in page, page
    assert "0x" not in page, "no address in the expect text"
    assert shown_claims(page, read_lesson(lesson)) == []
    assert mkdocs_build(project, tmp_path / "site").returncode == 0


def test_lesson_errors_name_the_file_and_line(tmp_path: Path) -> None:
    lesson = tmp_path / "x.txt"
    lesson.write_text("## t\n\n运行结果：\n\n```\nx\n```\n", encoding="utf-8")
    with pytest.raises(LessonError, match=r"x\.txt:3: “运行结果：” has no program before it"):
        read_lesson(lesson)
