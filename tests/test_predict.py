"""Predict, then check (src/lessonkit/site/predict.py): what the widget compares a prediction
with, how it is drawn, and where it goes. No program runs here; the browser tests click it."""

from __future__ import annotations

import json
import re

import pytest
from bs4 import BeautifulSoup

from lessonkit.results.outcomes import BlockOutcomes, Mask, judge
from lessonkit.site.predict import (
    PredictError,
    build_prediction,
    count_prediction,
    lift_predictions,
    prediction_lines,
    render_prediction,
)

TRACEBACK = """Process Process-1:
Traceback (most recent call last):
  File "/x/{name}.py", line 3, in run
    boom()
ValueError: boom
main"""


def block(outputs: dict[str, list[str]], mask: Mask | None = None) -> BlockOutcomes:
    mask = mask or Mask()
    methods = tuple(judge(method, runs, mask=mask) for method, runs in outputs.items())
    return BlockOutcomes(page="docs/x.md", line=3, snippet=None, claim=None, methods=methods)


def test_the_pool_is_every_line_printed_once_in_natural_order_which_gives_no_order_away() -> None:
    racy = block({"fork": ["w10\nw2\nend", "w2\nw10\nend", "w2\nw10\nend"], "spawn": ["w2\nw10\nend"] * 3})
    prediction = build_prediction(racy)
    assert prediction.pool == ("end", "w2", "w10")
    shown = [[prediction.pool[i] for i in outcome] for outcome in prediction.outcomes]
    assert sorted(shown) == [["w10", "w2", "end"], ["w2", "w10", "end"]]
    for method, runs, counts in prediction.counts:
        assert sum(counts) == runs == 3, method


def test_counts_are_the_runs_that_printed_exactly_the_prediction() -> None:
    racy = block({"fork": ["a\nb", "b\na", "a\nb", "a"], "spawn": ["a\nb"] * 4})
    prediction = build_prediction(racy)
    assert count_prediction(prediction, ["a", "b"]) == {"fork": (2, 4), "spawn": (4, 4)}
    assert count_prediction(prediction, ["a"]) == {"fork": (1, 4), "spawn": (0, 4)}
    assert count_prediction(prediction, ["b", "a", "a"]) == {"fork": (0, 4), "spawn": (0, 4)}


def test_tracebacks_count_by_their_last_line_and_outcomes_equal_so_add_up() -> None:
    crashes = block({"spawn": [TRACEBACK.format(name="one"), TRACEBACK.format(name="two")]})
    assert len(crashes.methods[0].outcomes) == 2, "the tabs tell the two tracebacks apart"
    prediction = build_prediction(crashes)
    assert prediction.tracebacks
    assert prediction.pool == ("ValueError: boom", "main")
    assert count_prediction(prediction, ["ValueError: boom", "main"]) == {"spawn": (2, 2)}


def test_masked_values_read_as_an_ellipsis_and_do_not_split_outcomes() -> None:
    mask = Mask(r"(?<=pid )\d+")
    runs = block({"fork": ["pid 41\nend", "pid 97\nend"]}, mask=mask)
    prediction = build_prediction(runs, mask)
    assert prediction.masked and prediction.pool == ("end", "pid …")
    assert count_prediction(prediction, ["pid …", "end"]) == {"fork": (2, 2)}
    assert prediction_lines("at 0x7f3a2c1b0d90\n\n", Mask()) == ("at …",)


def test_the_claims_lines_join_the_pool_but_no_outcome() -> None:
    runs = block({"fork": ["a\nb"] * 2})
    prediction = build_prediction(runs, claim="b\nnever printed\n")
    assert prediction.claimed and prediction.pool == ("a", "b", "never printed")
    assert count_prediction(prediction, ["b", "never printed"]) == {"fork": (0, 2)}


def widget(outputs: dict[str, list[str]], language: str = "zh", where: str = "docs/x.md:3") -> str:
    return render_prediction(build_prediction(block(outputs)), language=language, where=where, ident="b1")


@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_widget_holds_its_data_and_a_button_per_line_in_its_language(language: str) -> None:
    html = widget({"fork": ["x\n</script><script>alert(1)</script>", "x\n<!--<script>"]}, language)
    soup = BeautifulSoup(html, "html.parser")
    section = soup.select_one("section.lk-predict")
    assert section["lang"] == language
    assert len(soup.find_all("script")) == 1, "an output can never end the data's script element"
    raw = soup.select_one("script.lk-predict-data").string
    assert "<" not in raw, "no output can end the data's script element or open a comment in it"
    data = json.loads(raw)
    assert data["pool"] == ["<!--<script>", "</script><script>alert(1)</script>", "x"]
    assert data["methods"] == [["fork", 2, [1, 1]]]
    buttons = soup.select(".lk-add")
    assert [b["data-add"] for b in buttons] == ["0", "1", "2"]
    assert buttons[2].code.get_text() == "x" and buttons[2]["aria-label"].endswith("x")
    assert soup.select_one(".lk-check").get_text() == ("核对" if language == "zh" else "Check")
    assert set(re.findall(r"\{(\w+)\}", json.dumps(data["text"]))) <= {
        "n",
        "line",
        "method",
        "runs",
        "count",
        "counts",
    }


ANSWER = (
    '<p>Question?</p>\n<details class="success"><summary>Answer</summary>\n'
    "<div>{widget}<pre>runs</pre>{inner}</div>\n</details>\n"
)


def test_each_widget_moves_to_just_before_its_answer_box() -> None:
    first = widget({"fork": ["one"]}, where="docs/x.md:3")
    second = widget({"fork": ["two"]}, where="docs/x.md:9")
    inner = "<details><summary>other outcomes</summary>…</details>"
    page = ANSWER.format(widget=first, inner=inner) + ANSWER.format(widget=second, inner="")
    lifted = lift_predictions(page)
    soup = BeautifulSoup(lifted, "html.parser")
    answers = soup.select("details.success")
    assert len(answers) == 2 and not soup.select("details .lk-predict")
    for answer, line in zip(answers, ["one", "two"], strict=True):
        before = answer.find_previous_sibling()
        assert before.name == "section" and "lk-predict" in before["class"]
        assert json.loads(before.script.string)["pool"] == [line]
    assert lifted.replace(first, "").replace(second, "") == page.replace(first, "").replace(second, "")
    assert lift_predictions(lifted) == lifted, "a widget before its box stays"


def test_a_widget_outside_an_answer_box_names_its_page_line_and_snippet() -> None:
    where = "docs/x.md:12 (snippet snippets/x/y.py)"
    page = "<details><summary>a</summary>b</details>" + widget({"fork": ["a"]}, where=where)
    with pytest.raises(
        PredictError, match=re.escape(f'{where}: predict="on" needs the block inside an answer box')
    ):
        lift_predictions(page)
