"""Drift: would another Python change what an example prints? Two sets of outcomes compared.

For each example and start method, the runs under the site's interpreter and under another
are grouped into outcomes (masked as the page masks them) and compared:

- ``same``: the same set of outcomes;
- ``rare``: the sets differ, but only in outcomes seen in fewer than 3 runs or a tenth of
  one side's runs (with fewer than 3 runs: not in all of them). Those may be turns of a
  race the other side's runs happened to miss;
- ``changed``: an outcome one side printed in at least 3 runs and a tenth of its runs never
  appeared on the other side;
- ``fails``: a run under the other interpreter broke a rule the build enforces (a
  traceback, a timeout, a wrong exit code...): a rebuild with it would fail.

How often each outcome came is shown but never compared: load moves it.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import wcwidth

from lessonkit.results.checks import find_problem
from lessonkit.results.outcomes import Mask, MethodOutcomes, Outcome, judge, trimmed
from lessonkit.running.options import RunOptions
from lessonkit.running.runner import ExampleResult

SAME, RARE, CHANGED, FAILS = "same", "rare", "changed", "fails"
VERDICTS = (SAME, RARE, CHANGED, FAILS)

NO_MASK = Mask()
"""Memory addresses only."""

COMMON_RUNS = 3
"""An outcome seen in at least this many runs..."""
COMMON_SHARE = 0.1
"""...and at least this share of its side's runs is common: its absence on the other side is a change."""


def _key(outcome: Outcome, mask: Mask) -> str:
    return trimmed(mask.apply(outcome.output))


def is_common(outcome: Outcome, runs: int) -> bool:
    """Whether *outcome* came often enough in *runs* runs that the other side should have seen it.

    With fewer than 3 runs, only an outcome every run printed is.
    """
    return outcome.count >= min(runs, max(COMMON_RUNS, runs * COMMON_SHARE))


def missing_common(mine: MethodOutcomes, theirs: MethodOutcomes, mask: Mask = NO_MASK) -> list[Outcome]:
    """Return the common outcomes of *mine* (see :func:`is_common`) that *theirs* never printed."""
    seen = {_key(outcome, mask) for outcome in theirs.outcomes}
    return [o for o in mine.outcomes if _key(o, mask) not in seen and is_common(o, mine.runs)]


def compare(
    base: MethodOutcomes, other: MethodOutcomes, mask: Mask = NO_MASK, problem: str | None = None
) -> str:
    """Return the verdict for one example under one start method (see the module's docstring)."""
    if problem is not None:
        return FAILS
    if missing_common(base, other, mask) or missing_common(other, base, mask):
        return CHANGED
    if {_key(o, mask) for o in base.outcomes} != {_key(o, mask) for o in other.outcomes}:
        return RARE
    return SAME


@dataclass(frozen=True)
class MethodDrift:
    """One example under one start method, under the site's Python and another."""

    method: str
    base: MethodOutcomes
    other: MethodOutcomes
    verdict: str
    problem: str | None = None
    """What went wrong under the other Python, for ``fails``."""

    def to_json(self) -> dict[str, object]:
        """Return this entry of the drift report's JSON."""
        return {
            "verdict": self.verdict,
            "problem": self.problem,
            "site": [{"output": o.output, "count": o.count} for o in self.base.outcomes],
            "site_runs": self.base.runs,
            "other": [{"output": o.output, "count": o.count} for o in self.other.outcomes],
            "other_runs": self.other.runs,
        }


@dataclass(frozen=True)
class ExampleDrift:
    """One example (shown by one or more blocks) under every start method."""

    sites: tuple[str, ...]
    """Where it is shown, e.g. ``docs/daemon.md:104``, in both languages."""
    snippet: str | None
    methods: tuple[MethodDrift, ...]
    mask: Mask = NO_MASK


@dataclass(frozen=True)
class Drift:
    """Every example of the site under another Python, against the site's."""

    site_python: str
    python: str
    executable: str
    examples: tuple[ExampleDrift, ...]

    def count(self, verdict: str) -> int:
        """How many (example, start method) pairs got *verdict*."""
        return sum(1 for example in self.examples for m in example.methods if m.verdict == verdict)

    def to_json(self) -> dict[str, object]:
        """Return this Python's part of the drift report's JSON."""
        return {
            "python": self.python,
            "executable": self.executable,
            "site_python": self.site_python,
            "counts": {verdict: self.count(verdict) for verdict in VERDICTS},
            "examples": [
                {
                    "sites": list(example.sites),
                    "snippet": example.snippet,
                    "methods": {m.method: m.to_json() for m in example.methods},
                }
                for example in self.examples
            ],
        }


def _fit(text: str, width: int) -> str:
    """Return *text* padded to *width* terminal columns (a CJK character takes two), or cut with …."""
    sizes = [max(wcwidth.wcwidth(char), 0) for char in text]
    if sum(sizes) > width:
        kept, used = 0, 0
        while used + sizes[kept] <= width - 1:
            used += sizes[kept]
            kept += 1
        text, sizes = text[:kept] + "…", [*sizes[:kept], 1]
    return text + " " * (width - sum(sizes))


def side_by_side(drift: MethodDrift, mask: Mask, left: str, right: str, width: int = 38) -> list[str]:
    """Return lines showing both sides' outcomes in two columns of *width*, each with its count.

    An outcome both sides printed is on one row. Below them, the outcomes only the site's
    Python printed face those only the other printed, so a change reads across, old | new.
    """
    base = {_key(o, mask): o for o in drift.base.outcomes}
    other = {_key(o, mask): o for o in drift.other.outcomes}
    pairs: list[tuple[Outcome | None, Outcome | None]] = [(base[k], other[k]) for k in base if k in other]
    pairs += itertools.zip_longest(
        [o for k, o in base.items() if k not in other], [o for k, o in other.items() if k not in base]
    )

    def row(a: str, b: str) -> str:
        return f"{_fit(a, width)} │ {_fit(b, width)}".rstrip()

    lines = [row(left, right), f"{'─' * width}─┼─{'─' * width}"]
    for mine, theirs in pairs:
        heads = [
            f"{o.count}× of {runs}" if o is not None else "(never)"
            for o, runs in ((mine, drift.base.runs), (theirs, drift.other.runs))
        ]
        lines.append(row(*heads))
        left_lines = mine.output.rstrip("\n").split("\n") if mine is not None else []
        right_lines = theirs.output.rstrip("\n").split("\n") if theirs is not None else []
        for index in range(max(len(left_lines), len(right_lines))):
            a = left_lines[index] if index < len(left_lines) else ""
            b = right_lines[index] if index < len(right_lines) else ""
            lines.append(row(a, b))
        lines.append(row("", ""))
    return lines


def render_text(drifts: Sequence[Drift], *, show_same: bool = False, columns: int = 80) -> str:
    """Return the drift report as text: per Python, a line per example and method, and every
    difference side by side."""
    out: list[str] = []
    for drift in drifts:
        counts = ", ".join(f"{drift.count(v)} {v}" for v in VERDICTS)
        out.append(f"== {drift.python} ({drift.executable}) against the site's {drift.site_python}: {counts}")
        for example in drift.examples:
            name = example.snippet or example.sites[0]
            for method in example.methods:
                if method.verdict == SAME and not show_same:
                    continue
                out.append(
                    f"{method.verdict:<8} {name} · {method.method}   (shown at {', '.join(example.sites)})"
                )
                if method.problem:
                    out.append(f"         {method.problem}")
                if method.verdict != SAME:
                    out += [
                        "    " + line
                        for line in side_by_side(
                            method, example.mask, f"{drift.site_python} (site)", drift.python
                        )
                    ]
        if not any(m.verdict != SAME for e in drift.examples for m in e.methods):
            out.append("every example printed the same set of outcomes under every start method")
        out.append("")
    return "\n".join(out)


def example_drift(
    *,
    sites: Sequence[str],
    snippet: str | None,
    options: RunOptions,
    base: Sequence[Sequence[ExampleResult]],
    other: Sequence[Sequence[ExampleResult]],
    mask: Mask = NO_MASK,
) -> ExampleDrift:
    """Compare one example's runs under each of its start methods: the site's Python's and another's.

    Parameters:
        sites: Where the example is shown (``page:line``).
        snippet: Its snippet file, if it has one.
        options: How it runs; a run under the other Python that breaks them is a ``fails``.
        base: The site's Python's runs, one sequence per start method of *options*.
        other: The other Python's runs, likewise.
        mask: The block's mask, as the page groups its runs.
    """
    methods = []
    for method, mine, theirs in zip(options.start_methods, base, other, strict=True):
        problem = None
        for number, result in enumerate(theirs, start=1):
            found = find_problem(result, options)
            if found is not None:
                problem = f"run {number} of {len(theirs)}: {found}"
                break
        base_outcomes = judge(method.value, [r.output for r in mine], mask=mask)
        other_outcomes = judge(method.value, [r.output for r in theirs], mask=mask)
        methods.append(
            MethodDrift(
                method=method.value,
                base=base_outcomes,
                other=other_outcomes,
                verdict=compare(base_outcomes, other_outcomes, mask, problem),
                problem=problem,
            )
        )
    return ExampleDrift(sites=tuple(sites), snippet=snippet, methods=tuple(methods), mask=mask)
