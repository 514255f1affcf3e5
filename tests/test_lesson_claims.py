"""The lessons' claims, checked against the numbers the built site publishes.

The session's strict build runs every lesson block 20 times under each start method and
writes ``outcomes.json``; the page shows the same numbers. These tests read that file:
- what is guaranteed holds in every run (every outcome, every method, both languages), for
  every snippet of every lesson (``tests/lesson_invariants/SLUG.py``);
- the claims that can never be printed (the first program's) are seen 0 times;
- how often a race goes one way is never asserted: load changes it. The counts are shown
  on the page, and the page is checked to show exactly the published numbers.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from support import ROOT, lesson_invariants, lesson_slugs

from lessonkit.results.outcomes import abridge_tracebacks, trimmed

pytestmark = pytest.mark.content  # reads the real site's pages and snippets

SNIPPETS = ROOT / "snippets/daemon"
ORIGINAL = SNIPPETS / "original"
PAGES = ("docs/daemon.md", "docs/daemon.en.md")
METHODS = ["fork", "spawn", "forkserver"]
SAMPLES = 20


@pytest.fixture(scope="module")
def outcomes(built_site: Path) -> dict:
    return json.loads((built_site / "outcomes.json").read_text(encoding="utf-8"))


def blocks_of(outcomes: dict, name: str, lesson: str = "daemon") -> list[dict]:
    """Every block that runs snippet *name* of *lesson*: its page in both languages, the home page."""
    found = [b for b in outcomes["blocks"] if b["snippet"] == f"snippets/{lesson}/{name}.py"]
    pages = {f"docs/{lesson}.md"} | (
        {f"docs/{lesson}.en.md"} if (ROOT / f"docs/{lesson}.en.md").is_file() else set()
    )
    assert {b["page"] for b in found} >= pages, f"{lesson}/{name} is missing from a lesson page"
    return found


def original_claim(name: str) -> str:
    return (ORIGINAL / f"{name}.txt").read_text(encoding="utf-8")


def check_every_run(
    outcomes: dict, name: str, claim: Callable[[list[str]], None], lesson: str = "daemon"
) -> None:
    """Check *claim* on every outcome of *name*, so on every one of its runs."""
    for block in blocks_of(outcomes, name, lesson):
        assert list(block["methods"]) == METHODS
        for method, runs in block["methods"].items():
            assert runs["runs"] == SAMPLES
            assert sum(o["count"] for o in runs["outcomes"]) == SAMPLES
            for outcome in runs["outcomes"]:
                try:
                    claim(outcome["output"].splitlines())
                except AssertionError as error:
                    raise AssertionError(
                        f"{lesson}/{name} at {block['page']}:{block['line']} under {method}, "
                        f"{outcome['count']} of {SAMPLES} runs:\n{outcome['output']}\n{error}"
                    ) from None


# -- invariants: true in every run -------------------------------------------------------------


GUARANTEES = [(slug, name) for slug in lesson_slugs() for name in lesson_invariants(slug)]


@pytest.mark.parametrize(("lesson", "name"), GUARANTEES, ids=[f"{s}/{n}" for s, n in GUARANTEES])
def test_what_is_guaranteed_holds_in_every_published_run(outcomes: dict, lesson: str, name: str) -> None:
    check_every_run(outcomes, name, lesson_invariants(lesson)[name], lesson)


@pytest.mark.parametrize("lesson", lesson_slugs())
def test_every_snippet_of_every_lesson_has_its_guarantees(lesson: str) -> None:
    """A new lesson says what holds in every run of each of its programs, whatever the races do."""
    snippets = {path.stem for path in (ROOT / "snippets" / lesson).glob("*.py")}
    invariants = set(lesson_invariants(lesson))
    missing = sorted(snippets - invariants)
    assert not missing, (
        f"snippets/{lesson}: {', '.join(missing)} have no guarantees; add them to INVARIANTS in "
        f"tests/lesson_invariants/{lesson}.py (one function per snippet, see daemon.py)"
    )
    assert invariants <= snippets, f"tests/lesson_invariants/{lesson}.py names snippets that do not exist"


# -- the claims: every lesson program has one, judged on every page ---------------------------


def lesson_blocks_with_claims(outcomes: dict) -> list[dict]:
    return [b for b in outcomes["blocks"] if b["page"] in PAGES and b["claim"] is not None]


def test_every_program_with_an_original_claim_is_judged_against_it(outcomes: dict) -> None:
    """Claims are optional; a snippet with an ``original/NAME.txt`` is judged against it on every page."""
    for block in outcomes["blocks"]:
        if block["page"] not in PAGES:
            continue
        original = ORIGINAL / (Path(block["snippet"]).stem + ".txt")
        expected = f"snippets/daemon/original/{original.name}" if original.is_file() else None
        assert block["claim"] == expected, block
        for method, runs in block["methods"].items():
            if expected is not None:
                assert 0 <= runs["claim_seen"] <= runs["runs"], (block["snippet"], method)


def test_the_first_programs_claim_is_never_printed(outcomes: dict) -> None:
    """``主`` alone cannot be printed: ``p.join()`` waits for the child, which prints first."""
    for block in blocks_of(outcomes, "daemon_join"):
        if block["page"] in PAGES:
            assert {m: r["claim_seen"] for m, r in block["methods"].items()} == dict.fromkeys(METHODS, 0)


def test_the_third_programs_claim_matches_once_the_traceback_is_abridged(outcomes: dict) -> None:
    """The original quotes the traceback's last line only; cut the same way, every run matches it."""
    claim = original_claim("daemon_child_join")
    for block in blocks_of(outcomes, "daemon_child_join"):
        if block["page"] not in PAGES:
            continue
        for runs in block["methods"].values():
            assert runs["claim_seen"] == runs["runs"]
            for outcome in runs["outcomes"]:
                assert trimmed(outcome["output"]) != trimmed(claim), "the runs print the whole traceback"
                assert trimmed(abridge_tracebacks(outcome["output"])) == trimmed(claim)


def test_claim_counts_agree_with_the_outcomes(outcomes: dict) -> None:
    """claim_seen is the sum of the counts of the outcomes that match the claim."""
    for block in lesson_blocks_with_claims(outcomes):
        claim = trimmed((ROOT / block["claim"]).read_text(encoding="utf-8"))
        for runs in block["methods"].values():
            matching = sum(
                o["count"]
                for o in runs["outcomes"]
                if claim in (trimmed(o["output"]), trimmed(abridge_tracebacks(o["output"])))
            )
            assert runs["claim_seen"] == matching


def test_the_page_shows_the_published_numbers(outcomes: dict, built_site: Path) -> None:
    """On every lesson page, each tab's count, other outcome's count and claim verdict are outcomes.json's."""
    pages = {
        f"docs/{slug}{suffix}.md": f"{prefix}{slug}/index.html"
        for slug in lesson_slugs()
        for suffix, prefix in (("", ""), (".en", "en/"))
        if (ROOT / f"docs/{slug}{suffix}.md").is_file()  # a lesson not translated yet has no .en.md
    }
    for page, html_path in pages.items():
        soup = BeautifulSoup((built_site / html_path).read_text(encoding="utf-8"), "html.parser")
        blocks = sorted((b for b in outcomes["blocks"] if b["page"] == page), key=lambda b: b["line"])
        shown = soup.select(".lessonkit-runs")
        assert len(shown) == len(blocks)
        for block, runs_html in zip(blocks, shown, strict=True):
            tabs = runs_html.select(".tabbed-content > .tabbed-block")
            for tab, (method, runs) in zip(tabs, block["methods"].items(), strict=True):
                first = runs["outcomes"][0]
                assert tab.select_one("pre").get_text().rstrip("\n") == first["output"].rstrip("\n")
                count = tab.select_one(".lessonkit-count").get_text()
                assert f"{first['count']}" in count and f"{SAMPLES}" in count, (method, count)
                others = [p.get_text() for p in tab.select(".lessonkit-outcome-count")]
                assert len(others) == len(runs["outcomes"]) - 1
                for text, outcome in zip(others, runs["outcomes"][1:], strict=True):
                    assert str(outcome["count"]) in text
            box = runs_html.find_next_sibling()
            if box is not None and "lk-chart" in (box.get("class") or []):  # a racy block's chart comes first
                box = box.find_next_sibling()
            if block["claim"] is None:  # no claim, no box
                assert box is None or "lessonkit-claim" not in (box.get("class") or [])
                continue
            assert "lessonkit-claim" in box.get("class"), block
            verdict = box.select_one(".lessonkit-verdict").get_text()
            expected = " · ".join(f"{m} {r['claim_seen']}/{r['runs']}" for m, r in block["methods"].items())
            assert expected in verdict


def test_every_example_of_the_site_runs_well_within_the_limits(outcomes: dict) -> None:
    """In every run of every block of the real site (the limits are 64 processes and 1 GiB)."""
    for block in outcomes["blocks"]:
        for method, entry in block["methods"].items():
            where = f"{block['page']}:{block['line']} under {method}"
            assert 0 < entry["peak_processes"] <= 8, where
            assert 0 < entry["peak_memory"] < 256 * 1024**2, where


# -- the page's other claims --------------------------------------------------------------------


@pytest.mark.slow
def test_through_a_pipe_the_daemons_123_is_lost() -> None:
    """The page says a pipe block-buffers stdout, so the killed daemon's 123 never appears."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    script = SNIPPETS / "exercise_daemon_killed.py"
    for _ in range(3):
        done = subprocess.run(
            [sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=60, check=True
        )
        assert done.stdout.splitlines() == ["main-------", "456", "end456"]


def test_claims_belong_to_real_snippets() -> None:
    """Every claim is about a snippet that exists (a claim is not required of one)."""
    for lesson in lesson_slugs():
        names = {path.stem for path in (ROOT / "snippets" / lesson).glob("*.py")}
        assert {path.stem for path in (ROOT / "snippets" / lesson / "original").glob("*.txt")} <= names
