"""What many runs of one example printed: outcomes with counts, and how a claimed output fares.

Pure data: no MkDocs, no processes. The page, ``outcomes.json`` and the tests all read
the numbers computed here, so they can never disagree.

- An **outcome** is a set of runs whose outputs are the same text once values that
  differ on every run by nature are masked (memory addresses, and whatever a block's
  ``mask`` pattern matches). Masking is only for grouping: an outcome keeps the real text
  of its first run, which is what a page shows.
- A **claim** is the output a lesson says a program prints. It matches a run when both
  texts are equal after the same masking and trailing-whitespace trimming, or when they
  are equal once the run's tracebacks are abridged to their final exception line (lessons
  often quote only that line).
"""

from __future__ import annotations

import difflib
import re
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from lessonkit.results.trace import build_trace
from lessonkit.running.runner import ExampleResult

ADDRESS = re.compile(r"\b0x[0-9a-fA-F]{6,}\b")
"""Memory addresses, as in ``<Lock object at 0x7f3a2c1b0d90>``: different in every run."""

MASKED = "<masked>"
"""What a masked value becomes in the text outcomes are grouped by."""

TRACEBACK_HEADER = "Traceback (most recent call last):"
_PROCESS_HEADER = re.compile(r"^Process [^\s:]+:$")
"""multiprocessing's line before a child's traceback, e.g. ``Process Process-1:``."""
_CHAINED = (
    "During handling of the above exception, another exception occurred:",
    "The above exception was the direct cause of the following exception:",
)


class MaskError(ValueError):
    """A ``mask`` pattern is not a valid regular expression."""


@dataclass(frozen=True)
class Mask:
    """The values hidden before outputs are compared: addresses, and a block's own pattern."""

    pattern: str | None = None

    def __post_init__(self) -> None:
        if self.pattern is not None:
            try:
                compiled = re.compile(self.pattern)
            except re.error as error:
                raise MaskError(f'mask="{self.pattern}" is not a valid regular expression: {error}') from None
            if compiled.fullmatch(""):
                raise MaskError(f'mask="{self.pattern}" matches empty text, so it would mask everywhere')

    def apply(self, text: str) -> str:
        """Return *text* with every masked value replaced by ``<masked>``."""
        text = ADDRESS.sub(MASKED, text)
        if self.pattern is not None:
            text = re.sub(self.pattern, MASKED, text)
        return text


def trimmed(text: str) -> str:
    """Return *text* without trailing whitespace on each line and without trailing blank lines."""
    return "\n".join(line.rstrip() for line in text.splitlines()).rstrip("\n")


def abridge_tracebacks(text: str) -> str:
    """Return *text* with each traceback cut to its final exception line.

    The header (and multiprocessing's ``Process Name:`` line before it), the frame lines
    and any chained tracebacks go; the line naming the exception that ended it stays.
    """
    return _abridge(text)[0]


def exception_lines(text: str) -> list[str]:
    """Return the line naming the exception that ended each traceback in *text*, in order."""
    return _abridge(text)[1]


def _abridge(text: str) -> tuple[str, list[str]]:
    exceptions: list[str] = []
    lines = text.splitlines()
    kept: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        if line != TRACEBACK_HEADER:
            kept.append(line)
            index += 1
            continue
        if kept and _PROCESS_HEADER.match(kept[-1]):
            kept.pop()
        index += 1
        while index < len(lines):  # frames, source lines and carets are indented; chains hold blank lines
            current = lines[index]
            if current.startswith((" ", "\t")) or not current.strip() or current == TRACEBACK_HEADER:
                index += 1
                continue
            following = _next_text_line(lines, index + 1)
            if following is not None and lines[following] in _CHAINED:
                index = following + 1  # a chained traceback follows: its last line is the one kept
                continue
            kept.append(current)
            exceptions.append(current)
            index += 1
            break
    return "\n".join(kept), exceptions


def _next_text_line(lines: Sequence[str], start: int) -> int | None:
    for index in range(start, len(lines)):
        if lines[index].strip():
            return index
    return None


@dataclass(frozen=True)
class Outcome:
    """Runs that printed the same text (after masking): how many, and the first one's real text."""

    output: str
    count: int
    runs: tuple[int, ...]
    """Which runs, counted from 1 in the order they were started."""


def group_outcomes(outputs: Sequence[str], mask: Mask = Mask()) -> list[Outcome]:
    """Group *outputs* (one per run) into outcomes, the most common first (ties: first seen first)."""
    groups: dict[str, list[int]] = {}
    for number, output in enumerate(outputs, start=1):
        groups.setdefault(mask.apply(output), []).append(number)
    ordered = sorted(groups.values(), key=lambda runs: (-len(runs), runs[0]))
    return [Outcome(output=outputs[runs[0] - 1], count=len(runs), runs=tuple(runs)) for runs in ordered]


@dataclass(frozen=True)
class ClaimMatch:
    """Whether a run's output matches a claim, and whether only once its tracebacks were abridged."""

    matched: bool
    abridged: bool = False


def match_claim(claim: str, output: str, mask: Mask = Mask()) -> ClaimMatch:
    """Compare a claimed output with a run's output, as described in this module's docstring."""
    wanted = trimmed(mask.apply(claim))
    got = mask.apply(output)
    if trimmed(got) == wanted:
        return ClaimMatch(matched=True)
    if TRACEBACK_HEADER in got and trimmed(abridge_tracebacks(got)) == wanted:
        return ClaimMatch(matched=True, abridged=True)
    return ClaimMatch(matched=False)


@dataclass(frozen=True)
class MethodOutcomes:
    """The runs of one block under one start method, grouped."""

    method: str
    runs: int
    outcomes: tuple[Outcome, ...]
    claim_seen: int | None = None
    """How many runs matched the block's claim; None when the block has no claim."""
    claim_abridged: bool = False
    """Some run matched the claim only once its traceback was abridged."""
    trace: dict[str, Any] | None = None
    """What each process did in the shown run (see :mod:`lessonkit.results.trace`), if traced."""
    median_seconds: float | None = None
    """The median wall time of one run (start to last process gone), in seconds, to the millisecond."""
    peak_processes: int | None = None
    """The most processes any one run had alive at once, the main one included."""
    peak_memory: int | None = None
    """The most memory any one run's processes used together, in bytes (as the limit counts it)."""
    cached: bool | None = None
    """Whether this build took the runs from the cache (None: not known)."""

    @property
    def shown(self) -> Outcome:
        """The most common outcome: the one a page shows as the output."""
        return self.outcomes[0]

    def to_record(self) -> dict[str, Any]:
        """Return everything of this method but ``cached`` as JSON, for :meth:`from_record`
        (a cache of judged runs; ``outcomes.json`` is :meth:`to_json`)."""
        return {
            "method": self.method,
            "runs": self.runs,
            "outcomes": [{"output": o.output, "count": o.count, "runs": list(o.runs)} for o in self.outcomes],
            "claim_seen": self.claim_seen,
            "claim_abridged": self.claim_abridged,
            "trace": self.trace,
            "median_seconds": self.median_seconds,
            "peak_processes": self.peak_processes,
            "peak_memory": self.peak_memory,
        }

    @classmethod
    def from_record(cls, record: dict[str, Any], *, cached: bool | None = None) -> MethodOutcomes:
        """Rebuild a method's outcomes from :meth:`to_record`, with *cached* as this build found it."""
        return cls(
            method=str(record["method"]),
            runs=int(record["runs"]),
            outcomes=tuple(
                Outcome(output=str(o["output"]), count=int(o["count"]), runs=tuple(int(r) for r in o["runs"]))
                for o in record["outcomes"]
            ),
            claim_seen=record["claim_seen"],
            claim_abridged=bool(record["claim_abridged"]),
            trace=record["trace"],
            median_seconds=record["median_seconds"],
            peak_processes=record.get("peak_processes"),
            peak_memory=record.get("peak_memory"),
            cached=cached,
        )

    def to_json(self) -> dict[str, object]:
        """Return this method's entry of ``outcomes.json``."""
        return {
            "runs": self.runs,
            "claim_seen": self.claim_seen,
            "claim_abridged": self.claim_abridged,
            "median_seconds": self.median_seconds,
            "peak_processes": self.peak_processes,
            "peak_memory": self.peak_memory,
            "cached": self.cached,
            "outcomes": [{"output": o.output, "count": o.count} for o in self.outcomes],
            "trace": self.trace,
        }


def judge(
    method: str, outputs: Sequence[str], *, mask: Mask = Mask(), claim: str | None = None
) -> MethodOutcomes:
    """Group the *outputs* of one block under *method* and count the runs matching *claim*."""
    outcomes = tuple(group_outcomes(outputs, mask))
    if claim is None:
        return MethodOutcomes(method=method, runs=len(outputs), outcomes=outcomes)
    seen, abridged = 0, False
    for outcome in outcomes:
        match = match_claim(claim, outcome.output, mask)
        if match.matched:
            seen += outcome.count
            abridged |= match.abridged
    return MethodOutcomes(
        method=method, runs=len(outputs), outcomes=outcomes, claim_seen=seen, claim_abridged=abridged
    )


def judge_results(
    method: str,
    results: Sequence[ExampleResult],
    *,
    mask: Mask = Mask(),
    claim: str | None = None,
) -> MethodOutcomes:
    """Judge the runs of one block under *method*, with the trace of the run that is shown."""
    outcomes = judge(method, [result.output for result in results], mask=mask, claim=claim)
    shown = results[outcomes.shown.runs[0] - 1]
    return replace(
        outcomes,
        trace=build_trace(shown.trace, shown.returncode, shown.output, stopped=_stopped_after(shown)),
        median_seconds=round(statistics.median(result.duration for result in results), 3),
        peak_processes=max(result.peak_processes for result in results),
        peak_memory=max(result.peak_memory for result in results),
    )


@dataclass(frozen=True)
class BlockOutcomes:
    """Every method's outcomes for one executed block on one page."""

    page: str
    line: int
    snippet: str | None
    claim: str | None
    methods: tuple[MethodOutcomes, ...]
    anchor: str = ""
    """The id of the block's outputs on its page."""
    mask: str | None = None
    """The block's ``mask`` pattern: outputs equal once masked are one outcome."""

    def to_json(self) -> dict[str, object]:
        """Return this block's entry of ``outcomes.json``."""
        return {
            "page": self.page,
            "line": self.line,
            "anchor": self.anchor,
            "snippet": self.snippet,
            "claim": self.claim,
            "mask": self.mask,
            "methods": {m.method: m.to_json() for m in self.methods},
        }


@dataclass(frozen=True)
class Execution:
    """The execution phase of one build: every (block, start method) it needed, run or cached."""

    wall_seconds: float
    """From the first run started to the last one finished (0 when everything was cached)."""
    ran: int
    """(block, start method) pairs whose samples were run."""
    cached: int
    """(block, start method) pairs whose samples came from the cache."""
    runs: int
    """Samples run, over all pairs."""


@dataclass
class OutcomesReport:
    """Everything ``outcomes.json`` holds: where the runs were made, and every block's outcomes."""

    python: str
    os: str
    parallel_runs: int
    cpus: int | None
    blocks: list[BlockOutcomes] = field(default_factory=list)
    lessonkit: str = ""
    """The version of lessonkit that made the runs."""
    built_at: str = ""
    """When the build started, in UTC (ISO 8601)."""
    execution: Execution | None = None
    """What the build's execution phase did, once it is over."""

    _where: dict[tuple[str, int], int] = field(default_factory=dict, repr=False, compare=False)
    """Where each (page, line) is in :attr:`blocks`, so that adding hundreds of blocks is not quadratic."""

    def add(self, block: BlockOutcomes) -> None:
        """Add (or replace) the entry of the block at ``block.page:block.line``."""
        place = (block.page, block.line)
        index = self._where.get(place)
        stale = len(self._where) != len(self.blocks) or (
            index is not None and (index >= len(self.blocks) or self.blocks[index].page != block.page)
        )
        if stale or (index is not None and self.blocks[index].line != block.line):  # changed by hand
            self._where = {(b.page, b.line): i for i, b in enumerate(self.blocks)}
            index = self._where.get(place)
        if index is None:
            self._where[place] = len(self.blocks)
            self.blocks.append(block)
        else:
            self._where[place] = index
            self.blocks[index] = block

    def to_json(self) -> dict[str, object]:
        """Return the whole report, blocks in page and line order."""
        return {
            "python": self.python,
            "os": self.os,
            "lessonkit": self.lessonkit,
            "built_at": self.built_at,
            "execution": None if self.execution is None else asdict(self.execution),
            "load": {
                "parallel_runs": self.parallel_runs,
                "cpus": self.cpus,
                "note": "Samples ran in parallel with each other and with other examples on a shared "
                "machine; load changes how races go, so counts vary between builds.",
            },
            "blocks": [b.to_json() for b in sorted(self.blocks, key=lambda b: (b.page, b.line))],
        }


@dataclass(frozen=True)
class MarkedLine:
    """One line of an outcome, compared with the most common outcome's lines."""

    text: str
    mark: str
    """``same``, ``added`` (not in the most common outcome), ``moved`` (there, but elsewhere)
    or ``missing`` (in the most common outcome, not in this one)."""


def mark_differences(reference: str, other: str, mask: Mask = Mask()) -> list[MarkedLine]:
    """Return *other*'s lines marked against *reference*'s, with missing lines where they would be.

    Lines are compared after masking. A line inserted in one place and deleted in another
    is ``moved``; the deleted copy is then not listed as missing.
    """
    ref_lines, other_lines = reference.splitlines(), other.splitlines()
    ref_keys = [mask.apply(line).rstrip() for line in ref_lines]
    other_keys = [mask.apply(line).rstrip() for line in other_lines]
    opcodes = difflib.SequenceMatcher(None, ref_keys, other_keys, autojunk=False).get_opcodes()
    deleted = [ref_keys[i] for tag, i1, i2, _, _ in opcodes if tag != "equal" for i in range(i1, i2)]
    inserted = [other_keys[j] for tag, _, _, j1, j2 in opcodes if tag != "equal" for j in range(j1, j2)]
    moved = _paired(inserted, deleted)
    unpaired_deletions = list(deleted)
    for key in moved:
        unpaired_deletions.remove(key)
    moved_left = list(moved)
    marked: list[MarkedLine] = []
    for tag, i1, i2, j1, j2 in opcodes:
        if tag == "equal":
            marked += [MarkedLine(other_lines[j], "same") for j in range(j1, j2)]
            continue
        for i in range(i1, i2):
            if ref_keys[i] in unpaired_deletions:
                unpaired_deletions.remove(ref_keys[i])
                marked.append(MarkedLine(ref_lines[i], "missing"))
        for j in range(j1, j2):
            if other_keys[j] in moved_left:
                moved_left.remove(other_keys[j])
                marked.append(MarkedLine(other_lines[j], "moved"))
            else:
                marked.append(MarkedLine(other_lines[j], "added"))
    return marked


def _paired(inserted: Iterable[str], deleted: Sequence[str]) -> list[str]:
    """Return the inserted lines that have a deleted twin (each twin used once)."""
    available = list(deleted)
    paired = []
    for key in inserted:
        if key in available:
            available.remove(key)
            paired.append(key)
    return paired


def _stopped_after(result: ExampleResult) -> float | None:
    """Seconds after its last event that a run which never ended was stopped; None if it ended."""
    if result.stuck:
        return result.stuck
    return 0.0 if result.timed_out else None
