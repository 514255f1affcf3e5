"""The execution report pages (/report/, /en/report/) show exactly what outcomes.json holds."""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from bs4 import BeautifulSoup
from support import ROOT, SUMMARY, mkdocs_build, site_cache

REPORTS = {"zh": "report/index.html", "en": "en/report/index.html"}
CACHED = {"zh": {"是": True, "否": False}, "en": {"yes": True, "no": False}}
NO_CLAIM = {"zh": "无", "en": "none"}
ABRIDGED = {"zh": "（截短回溯后）", "en": " (tracebacks abridged)"}
SECONDS = {"zh": re.compile(r"^(\d+\.\d\d) 秒$"), "en": re.compile(r"^(\d+\.\d\d) s$")}


def page_language(page: str, docs: Path) -> set[str]:
    """The languages whose build shows *page*'s blocks: its own, and English while untranslated."""
    if page.endswith(".en.md"):
        return {"en"}
    translated = (docs.parent / page.removesuffix(".md")).with_suffix(".en.md").is_file()
    return {"zh"} if translated else {"zh", "en"}


def report_rows(site: Path, language: str) -> list[dict[str, object]]:
    """Read the report page's runs table, resolving each page link to its site path and anchor."""
    soup = BeautifulSoup((site / REPORTS[language]).read_text(encoding="utf-8"), "html.parser")
    table = soup.select_one(".lessonkit-report-runs table")
    assert table is not None, "the report page has its runs table"
    base = "/" + REPORTS[language].removesuffix("index.html")
    rows = []
    for tr in table.select("tbody tr"):
        cells = tr.find_all("td")
        target = urlsplit(urljoin(base, cells[0].a["href"]))
        median = SECONDS[language].match(cells[6].get_text(strip=True))
        assert median, cells[6]
        bar = cells[4].select_one(".lk-chart-compact")  # a racy block's bar, in the chart's styles
        counts = [int(count.get_text()) for count in bar.select(".lk-seg-count")] if bar else None
        if bar is not None:
            bar.extract()
        rows.append(
            {
                "url": target.path,
                "anchor": target.fragment,
                "snippet": cells[1].get_text(strip=True),
                "method": cells[2].get_text(strip=True),
                "runs": int(cells[3].get_text()),
                "outcomes": int(cells[4].get_text()),
                "bar": None if counts is None else sum(counts),
                "claim": cells[5].get_text(strip=True),
                "median": float(median[1]),
                "cached": CACHED[language][cells[7].get_text(strip=True)],
            }
        )
    return rows


def expected_rows(outcomes: dict, language: str) -> list[dict[str, object]]:
    """The rows outcomes.json gives for *language*'s pages, in the report's order (page, line)."""
    rows = []
    prefix = "/en/" if language == "en" else "/"
    for block in outcomes["blocks"]:
        if language not in page_language(block["page"], ROOT / "docs"):
            continue
        name = Path(block["page"]).name.removesuffix(".md").removesuffix(".en")
        racy = any(len(entry["outcomes"]) > 1 for entry in block["methods"].values())
        for method, entry in block["methods"].items():
            claim = NO_CLAIM[language] if block["claim"] is None else f"{entry['claim_seen']}/{entry['runs']}"
            if entry["claim_abridged"]:
                claim += ABRIDGED[language]
            rows.append(
                {
                    "url": prefix if name == "index" else f"{prefix}{name}/",
                    "anchor": block["anchor"],
                    "snippet": block["snippet"].removeprefix("snippets/"),
                    "method": method,
                    "runs": entry["runs"],
                    "outcomes": len(entry["outcomes"]),
                    "bar": entry["runs"] if racy else None,  # every run, in one bar, for a racy block
                    "claim": claim,
                    "median": float(f"{entry['median_seconds']:.2f}"),  # as the page shows the JSON's
                    "cached": entry["cached"],
                }
            )
    return rows


def summary(site: Path, language: str) -> dict[str, str]:
    soup = BeautifulSoup((site / REPORTS[language]).read_text(encoding="utf-8"), "html.parser")
    table = soup.select_one(".lessonkit-report-summary table")
    assert table is not None, "the report page has its summary table"
    return {tr.th.get_text(strip=True): tr.td.get_text(strip=True) for tr in table.select("tr")}


@pytest.mark.parametrize("language", ["zh", "en"])
def test_each_row_is_one_block_and_method_of_outcomes_json(built_site: Path, language: str) -> None:
    outcomes = json.loads((built_site / "outcomes.json").read_text(encoding="utf-8"))
    rows = report_rows(built_site, language)
    expected = expected_rows(outcomes, language)
    assert expected, "the site has executed blocks in this language"
    assert rows == expected


@pytest.mark.parametrize("language", ["zh", "en"])
def test_every_row_links_to_its_block(built_site: Path, language: str) -> None:
    pages: dict[Path, BeautifulSoup] = {}  # each page parsed once, not once per row
    for row in report_rows(built_site, language):
        target = built_site / str(row["url"]).lstrip("/") / "index.html"
        if target not in pages:
            pages[target] = BeautifulSoup(target.read_text(encoding="utf-8"), "html.parser")
        block = pages[target].find(id=row["anchor"])
        assert block is not None and block.select_one(".lessonkit-runs") is not None, row


@pytest.mark.parametrize("language", ["zh", "en"])
def test_totals_and_provenance_match_outcomes_json(built_site: Path, language: str) -> None:
    outcomes = json.loads((built_site / "outcomes.json").read_text(encoding="utf-8"))
    values = summary(built_site, language)
    rows = expected_rows(outcomes, language)
    assert values["Python"] == outcomes["python"]
    text = "\n".join(values.values())
    for value in (outcomes["os"], outcomes["lessonkit"], outcomes["built_at"]):
        assert value in values.values(), (value, values)
    execution = outcomes["execution"]
    wall = f"{execution['wall_seconds']:.2f}"
    assert wall in text and f"{execution['runs']}" in text, (execution, text)
    assert execution["ran"] + execution["cached"] == len({(r["snippet"], r["method"]) for r in rows})
    runs = sum(int(row["runs"]) for row in rows)
    hits = sum(1 for row in rows if row["cached"])
    runs_label, hits_label, hits_text = {
        "zh": ("这些行的运行次数", "本表中来自缓存的行", f"{hits} / {len(rows)}"),
        "en": ("Runs behind these rows", "Rows of this table from the cache", f"{hits} of {len(rows)}"),
    }[language]
    assert values[runs_label] == str(runs)
    assert values[hits_label] == hits_text


def test_the_real_site_builds_warm_without_running_and_its_report_says_so(
    tmp_path: Path, built_site: Path
) -> None:
    """A second build with the session build's cache runs nothing, and says so."""
    result = mkdocs_build(ROOT, tmp_path / "site", env={"LESSONKIT_CACHE_DIR": str(site_cache())})
    assert result.returncode == 0, result.stderr
    summaries = [line for line in result.stderr.splitlines() if "lessonkit: ran " in line]
    assert len(summaries) == 1, "one summary for the whole build, nested languages included"
    summary = SUMMARY.search(summaries[0])
    assert summary, textwrap.shorten(result.stderr, 2000)
    assert summary["examples"] == summary["runs"] == "0" and int(summary["cached"]) > 0, summaries[0]
    warm = json.loads((tmp_path / "site/outcomes.json").read_text(encoding="utf-8"))
    assert all(m["cached"] for b in warm["blocks"] for m in b["methods"].values())
    assert warm["execution"]["ran"] == warm["execution"]["runs"] == 0
    for language in ("zh", "en"):
        assert all(row["cached"] for row in report_rows(tmp_path / "site", language))
