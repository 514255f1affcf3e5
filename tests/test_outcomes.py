"""Many runs of one block: grouping into outcomes, masking, claims, and how a page shows them.

Nothing here depends on how a race goes. Outputs that must differ on every run print a
fresh UUID; outputs that must never differ print a constant.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from support import ROOT, copy_project, mkdocs_build

from lessonkit.results.outcomes import (
    BlockOutcomes,
    Mask,
    MaskError,
    OutcomesReport,
    abridge_tracebacks,
    group_outcomes,
    judge,
    mark_differences,
    match_claim,
)
from lessonkit.site.plugin import outcomes_text

pytestmark = pytest.mark.slow  # runs programs or builds sites

# -- grouping and masking ----------------------------------------------------------------------


def test_runs_with_the_same_text_are_one_outcome_most_common_first() -> None:
    outcomes = group_outcomes(["b\n", "a\n", "a\n", "c\n", "b\n", "a\n"])
    assert [(o.output, o.count, o.runs) for o in outcomes] == [
        ("a\n", 3, (2, 3, 6)),
        ("b\n", 2, (1, 5)),
        ("c\n", 1, (4,)),
    ]


def test_ties_keep_the_order_the_runs_were_made_in() -> None:
    assert [o.output for o in group_outcomes(["y\n", "x\n"])] == ["y\n", "x\n"]


def test_memory_addresses_are_masked_but_the_real_text_is_kept() -> None:
    outputs = ["<Lock at 0x7f3a2c1b0d90>\n", "<Lock at 0x7f00aa11bb22>\n"]
    outcomes = group_outcomes(outputs)
    assert len(outcomes) == 1 and outcomes[0].count == 2
    assert outcomes[0].output == outputs[0], "the page shows a real run, not the masked text"


def test_a_fence_mask_groups_what_it_matches() -> None:
    outputs = ["worker pid 101 done\n", "worker pid 202 done\n", "worker pid 303 failed\n"]
    assert len(group_outcomes(outputs)) == 3
    masked = group_outcomes(outputs, Mask(r"pid \d+"))
    assert [(o.count, o.output) for o in masked] == [(2, outputs[0]), (1, outputs[2])]


@pytest.mark.parametrize("pattern", ["(pid", "x*"])
def test_a_bad_mask_is_refused_with_its_reason(pattern: str) -> None:
    with pytest.raises(MaskError, match=re.escape(f'mask="{pattern}"')):
        Mask(pattern)


# -- claims --------------------------------------------------------------------------------------

CHILD_TRACEBACK = """子进程1 is running
Process Process-1:
Traceback (most recent call last):
  File ".../multiprocessing/process.py", line 314, in _bootstrap
    self.run()
  File "daemon_child_join.py", line 9, in task
    p.start()
AssertionError: daemonic processes are not allowed to have children
主
"""


def test_a_claim_matches_equal_text_after_trimming_trailing_whitespace() -> None:
    assert match_claim("a\nb", "a  \nb\n\n").matched
    assert not match_claim("a\nb\n", "b\na\n").matched


def test_a_claim_quoting_only_the_traceback_s_last_line_matches_and_says_so() -> None:
    claim = "子进程1 is running\nAssertionError: daemonic processes are not allowed to have children\n主\n"
    match = match_claim(claim, CHILD_TRACEBACK)
    assert match.matched and match.abridged
    assert not match_claim("主\n", CHILD_TRACEBACK).matched


def test_abridging_keeps_the_last_exception_of_a_chained_traceback() -> None:
    text = (
        "before\nTraceback (most recent call last):\n  File \"a.py\", line 1\nKeyError: 'k'\n\n"
        "During handling of the above exception, another exception occurred:\n\n"
        'Traceback (most recent call last):\n  File "a.py", line 3\nValueError: v\nafter\n'
    )
    assert abridge_tracebacks(text) == "before\nValueError: v\nafter"


def test_the_verdict_counts_every_run_that_printed_the_claim() -> None:
    runs = judge("fork", ["主\n", "子进程1 is running\n主\n", "主\n"], claim="主\n")
    assert runs.claim_seen == 2 and runs.runs == 3
    assert judge("fork", ["主\n"]).claim_seen is None, "no claim, no verdict"


# -- marking the lines that differ -----------------------------------------------------------------


def test_lines_are_marked_added_missing_or_moved() -> None:
    common = "123\n456\nend123\nmain-------\nend456\n"
    swapped = "456\n123\nend123\nmain-------\nend456\n"
    assert [(m.text, m.mark) for m in mark_differences(common, swapped)][:2] == [
        ("456", "moved"),
        ("123", "same"),
    ]
    extra = mark_differences("main-------\n456\nend456\n", "123\nmain-------\n456\nend456\n")
    assert [m.mark for m in extra] == ["added", "same", "same", "same"]
    fewer = mark_differences("子进程1 is running\n主\n", "主\n")
    assert [(m.text, m.mark) for m in fewer] == [("子进程1 is running", "missing"), ("主", "same")]


# -- through a real build ---------------------------------------------------------------------------

VARYING = """import uuid

print("the same line every run")
print(uuid.uuid4())
print(f"<object object at 0x{uuid.uuid4().hex[:12]}>")  # an address, different in every run
"""

PAGE = """# Samples

```python exec="on" samples="3" start_methods="fork"
--8<-- "demo/varying.py"
```

```python exec="on" samples="3" start_methods="fork" mask="[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}"
--8<-- "demo/varying.py"
```

```python exec="on" samples="2" start_methods="fork spawn" claim="demo/claimed.txt"
print("as claimed")
```
"""

FLAKY = """# Flaky

```python exec="on" samples="40" start_methods="fork"
import random

if random.random() < 0.5:
    raise RuntimeError("only in some runs")
print("fine this time")
```
"""


def _project(tmp_path: Path, page: str) -> Path:
    project = copy_project(tmp_path / "project", docs=False, samples=1)
    shutil.copytree(ROOT / "docs/assets", project / "docs/assets")
    (project / "snippets/demo").mkdir(parents=True)
    (project / "snippets/demo/varying.py").write_text(VARYING, encoding="utf-8")
    (project / "snippets/demo/claimed.txt").write_text("as claimed\n", encoding="utf-8")
    for name in ("index.md", "index.en.md"):
        (project / "docs" / name).write_text(page, encoding="utf-8")
    return project


@pytest.fixture(scope="module")
def sampled_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp_path = tmp_path_factory.mktemp("samples")
    project = _project(tmp_path, PAGE)
    result = mkdocs_build(project, tmp_path / "site", env={"LESSONKIT_CACHE_DIR": str(tmp_path / "cache")})
    assert result.returncode == 0, result.stderr[-3000:]
    # The two varying blocks differ only in mask, which groups runs but does not change them: one run set.
    assert "ran 3 examples (0 cached; 7 runs in all)" in result.stderr, result.stderr[-3000:]
    return tmp_path / "site"


def test_outcomes_json_lists_every_block_and_method_with_counts(sampled_site: Path) -> None:
    data = json.loads((sampled_site / "outcomes.json").read_text(encoding="utf-8"))
    assert data["python"].startswith(("CPython ", "PyPy ")) and data["os"]
    blocks = {(b["page"], b["line"]): b for b in data["blocks"]}
    assert sorted(blocks) == sorted(
        (page, line) for page in ("docs/index.en.md", "docs/index.md") for line in (3, 7, 11)
    )
    for page in ("docs/index.md", "docs/index.en.md"):
        unmasked, masked, claimed = (blocks[page, line] for line in (3, 7, 11))
        assert unmasked["claim"] is None and unmasked["methods"]["fork"]["claim_seen"] is None
        assert [o["count"] for o in unmasked["methods"]["fork"]["outcomes"]] == [1, 1, 1]
        [one] = masked["methods"]["fork"]["outcomes"]
        assert one["count"] == 3 and "<masked>" not in one["output"], (
            "a real run's text, masked only to group"
        )
        assert claimed["claim"] == "snippets/demo/claimed.txt"
        assert {m: (r["runs"], r["claim_seen"]) for m, r in claimed["methods"].items()} == {
            "fork": (2, 2),
            "spawn": (2, 2),
        }


def test_the_page_shows_counts_other_outcomes_and_the_claim_box(sampled_site: Path) -> None:
    for path, words in (
        ("index.html", ("3 次运行中出现 1 次", "其他 2 种结果")),
        ("en/index.html", ("seen in 1 of 3 runs", "2 other outcomes")),
    ):
        soup = BeautifulSoup((sampled_site / path).read_text(encoding="utf-8"), "html.parser")
        unmasked, masked, claimed = soup.select(".lessonkit-runs")
        assert words[0] in unmasked.select_one(".lessonkit-count").get_text()
        others = unmasked.select_one("details.lessonkit-others")
        assert others is not None and not others.has_attr("open")
        assert words[1] in others.summary.get_text()
        # Each other outcome's UUID line differs; its address line is masked, so it is not marked.
        assert len(others.select(".lessonkit-added")) == 2
        assert len(others.select(".lessonkit-missing")) == 2
        assert all("0x" in line.get_text() for line in others.select(".lessonkit-same")[1::2])
        assert masked.select_one("details.lessonkit-others") is None, "one outcome: nothing to unfold"
        box = claimed.find_next_sibling("details")
        assert "lessonkit-claim" in box["class"] and not box.has_attr("open")
        assert box.select_one("pre").get_text().strip() == "as claimed"
        assert "fork 2/2 · spawn 2/2" in box.select_one(".lessonkit-verdict").get_text()


def test_one_failing_run_in_many_fails_the_build_naming_it(tmp_path: Path) -> None:
    project = _project(tmp_path, FLAKY)
    result = mkdocs_build(project, tmp_path / "site", env={"LESSONKIT_CACHE_DIR": str(tmp_path / "cache")})
    assert result.returncode != 0
    log = result.stderr
    assert re.search(r"docs/index(\.en)?\.md:3 failed in run \d+ of 40: under fork", log), log[-3000:]
    assert "RuntimeError: only in some runs" in log
    # Results are PYTHON/KEY.json (the pages indexed before the failure may keep their search entries)
    assert not any(Path(tmp_path / "cache").glob("*/*.json")), "no sample of a failed block is stored"


def test_outcomes_json_is_compact_with_one_block_a_line() -> None:
    data = {
        "python": "CPython 3.11.7",
        "built_at": "2026-11-28 05:00 UTC",
        "execution": {"ran": 1, "cached": 2},
        "blocks": [{"page": "docs/a.md", "line": 3, "text": "守护进程\n"}, {"page": "docs/b.md", "line": 9}],
    }
    text = outcomes_text(data)
    assert json.loads(text) == data
    lines = text.splitlines()
    assert lines[0] == "{" and lines[-1] == "}"
    assert lines.index('"blocks":[') + 3 == len(lines) - 2, "each block on its own line"
    assert "守护进程" in text, "not escaped"
    assert json.loads(outcomes_text({**data, "blocks": []})) == {**data, "blocks": []}


def test_a_block_added_again_replaces_its_entry() -> None:
    report = OutcomesReport(python="CPython 3.11.7", os="Linux", parallel_runs=1, cpus=1)
    first, second = judge("fork", ["a\n"]), judge("fork", ["b\n"])
    for line in (1, 2, 3):
        report.add(BlockOutcomes(page="docs/a.md", line=line, snippet=None, claim=None, methods=(first,)))
    report.add(BlockOutcomes(page="docs/a.md", line=2, snippet=None, claim=None, methods=(second,)))
    assert [(b.line, b.methods[0].shown.output) for b in report.blocks] == [
        (1, "a\n"),
        (2, "b\n"),
        (3, "a\n"),
    ]
    report.blocks.pop(0)  # changed by hand: the next add still finds each block
    report.add(BlockOutcomes(page="docs/a.md", line=3, snippet=None, claim=None, methods=(second,)))
    assert [(b.line, b.methods[0].shown.output) for b in report.blocks] == [(2, "b\n"), (3, "b\n")]
