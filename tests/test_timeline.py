"""The timeline drawn from a traced run: the lesson's story in marks and plain words."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from support import executed_blocks

from lessonkit.site.timeline import FONT, WIDTH, fit, render_trace, text_width

pytestmark = pytest.mark.slow  # runs programs or builds sites


@pytest.fixture(scope="module")
def exercise_1(built_site: Path) -> dict:
    """The trace of exercise 1's run shown under spawn, as the real site's build published it."""
    published = json.loads((built_site / "outcomes.json").read_text(encoding="utf-8"))
    [block] = [
        block
        for block in published["blocks"]
        if block["page"] == "docs/daemon.md" and block["snippet"].endswith("/exercise_daemon_killed.py")
    ]
    return block["methods"]["spawn"]["trace"]


@pytest.mark.parametrize("language", ["zh", "en"])
def test_exercise_1_tells_the_story(exercise_1: dict, language: str) -> None:
    published: dict[str, str] = {}

    def publish(name: str, text: str) -> str:
        published[name] = text
        return f"../assets/lessonkit/{name}"

    figure = BeautifulSoup(
        render_trace(exercise_1, language=language, method="spawn", publish=publish), "html.parser"
    )
    image = figure.select_one("img.lessonkit-timeline")
    [(name, text)] = published.items()
    assert image["src"] == f"../assets/lessonkit/{name}" and image["loading"] == "lazy"
    svg = BeautifulSoup(text, "html.parser").select_one("svg")
    assert "spawn" in image["alt"] and svg.select_one("title").get_text() == image["alt"]
    rows = [row.get_text() for row in svg.select("text")]
    killed = "Process-1 terminated (code -15)" if language == "en" else "Process-1 被终止（退出码 -15）"
    assert any(killed in row for row in rows), rows
    assert any(("Process-2: end456" if language == "en" else "Process-2：end456") in row for row in rows)
    main_line = "MainProcess: main-------" if language == "en" else "MainProcess：main-------"
    assert any(main_line in row for row in rows)
    assert len(svg.select("path.lk-killed")) == 1, "one cross: the terminated daemon"
    assert svg.select_one("path.lk-wait") is not None, "the main process's join wait is drawn"
    words = figure.select_one("details.lessonkit-trace-text p").get_text().split("\n")
    assert len(words) == len(exercise_1["events"])


def test_long_text_is_cut_to_the_width() -> None:
    assert fit("short", 100) == "short"
    cut = fit("子进程1 is running " * 10, 200)
    assert cut.endswith("…") and text_width(cut) <= 200
    assert text_width("主") == FONT and text_width("a") < FONT / 1.5, "a wide character counts double"


def test_every_tab_of_the_lesson_has_its_timeline_and_words(built_site: Path) -> None:
    for page, source in (("daemon/index.html", "daemon.md"), ("en/daemon/index.html", "daemon.en.md")):
        soup = BeautifulSoup((built_site / page).read_text(encoding="utf-8"), "html.parser")
        tabs = soup.select(".lessonkit-runs .tabbed-block")
        assert len(tabs) == 3 * len(executed_blocks(source))
        for tab in tabs:
            image = tab.select_one("img.lessonkit-timeline")
            assert image is not None and int(image["width"]) == WIDTH and image["alt"]
            drawn = (built_site / page).parent / image["src"]
            assert drawn.resolve().is_file() and drawn.read_text(encoding="utf-8").startswith("<svg")
            assert tab.select_one("details.lessonkit-trace-text p").get_text().strip()
            gutter = tab.select(".highlight pre .lk-by")
            shown = tab.select_one(".highlight pre").get_text().rstrip("\n").split("\n")
            lines = [line for span in gutter for line in span.get_text().split("\n")]
            assert lines == shown, "every line of the shown output names its process"
            names = [span["title"] for span in gutter]
            assert all(a != b for a, b in itertools.pairwise(names)), "one gutter per run of lines"
