"""Values that differ from run to run in one program's outputs, found by comparing its runs.

Pure text: no MkDocs, no processes. :func:`find_volatile` reads the outputs of several runs
of one program and returns one regular expression for :class:`~lessonkit.results.outcomes.Mask`
that hides exactly the values that changed between runs (process ids, times, durations,
random numbers) while the rest of their lines stayed the same. A claim typed by hand from
another run (``Starting: daemon 41838``) then masks to the same text as the runs
(``Starting: daemon <masked>``), so it can be judged.

How a value is found:

- Each line gets a **shape**: its text with every number, date (``2026-12-06``) and time of
  day (``12:03:44.123``) replaced by a placeholder. Lines are matched by shape, not by
  position, so runs may print them in any order. Memory addresses are masked first, as
  :class:`~lessonkit.results.outcomes.Mask` always does.
- A shape seen in at least two runs is compared place by place. A place is **volatile** when
  no single run shows every value seen there: pids (``worker 4242 done`` in one run,
  ``worker 4250 done`` in the next) are; ``worker 3 done`` in every run is not, and neither
  is a line some runs print fewer times (``got 5`` in one run, ``got 5`` and ``got 6`` in
  another). A pid or a number must also be new, in at least half of the runs, to every
  other run, so that a worker's number is not volatile when some runs glue its line to
  another. A number a race decides in most runs (a counter that lost updates:
  ``实际：17``) is volatile too, as a ``number``: leave that kind out to keep such values
  compared. At a volatile pid or number, a value every run shows stays compared
  (``worker 3 done`` among ``worker 4242 done``); a time, date or duration every run shows
  is masked all the same, as runs agree on those by chance.
- Each volatile place gets an alternative of the pattern anchored on the literal text
  around it (``(?<=pid=)\\d+``, ``\\d+(?= s)``, ``(?m:^)`` at a line's start), the most
  readable that matches, in every run, the values to mask and no value of a line two
  runs printed but did not mask (a line only one run printed may go either way): words
  rather than other values or punctuation, a lookbehind rather than a lookahead, short
  rather than long. The pattern has no double quote or newline, so it fits in a fence's
  ``mask="..."``. A place no anchor singles out stays compared.

Each volatile place is named by a **kind** (:data:`KINDS`):

- ``pid`` only with a hint: the text before it ends with ``pid``, ``ppid``, ``process id``,
  ``getpid()``, ``进程号`` or ``进程 ID`` (then ``=``, ``:`` or spaces), or with a process's
  name (``Process-2``, ``ForkPoolWorker-1``, ``MainProcess``); or in each run, every value
  it shows is one that run printed at a place with such a hint. Other varying integers
  (``Starting: daemon 41838``: ``daemon`` is a name the program chose) are ``number``.
  A program known to print process ids (``prints_pids``: its code reads ``.pid`` or calls
  ``os.getpid()``) makes every varying integer with no other hint a ``pid``, and its pids need
  not be new in each run: in the sandbox's pid namespace each run numbers its processes
  afresh, so the runs under one start method print the same pids and only the start
  methods differ.
- ``date`` and ``time`` for dates and times of day; ``time`` also for a number after
  ``time()``, ``timestamp``, ``时间`` or ``时刻``.
- ``duration`` for a number followed by a unit of time (``0.52 s``, ``1.0034秒``,
  ``12 ms``, ``0.5 seconds``) or after ``took``, ``elapsed``, ``用时``, ``耗时`` or ``花了``.
- ``number`` for anything else.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass

from lessonkit.results.outcomes import ADDRESS, MASKED

KINDS = ("pid", "time", "date", "duration", "number")
"""The kinds of volatile values, as :attr:`Volatile.kinds` names them."""

_NAMES = {
    "en": {
        "pid": "process ids",
        "time": "times",
        "date": "dates",
        "duration": "durations",
        "number": "numbers",
        "other": "other numbers",
    },
    "zh": {
        "pid": "进程号",
        "time": "时间",
        "date": "日期",
        "duration": "用时",
        "number": "数字",
        "other": "其他数字",
    },
}

_TOKEN = re.compile(
    r"(?<![0-9A-Za-z_.])"
    r"(?:(?P<date>\d{4}-\d{2}-\d{2})|(?P<time>\d{1,2}:\d{2}:\d{2}(?:\.\d+)?)|(?P<number>\d+(?:\.\d+)?))"
    r"(?![0-9])"
)
"""A value a line's shape leaves out: a date, a time of day, or a number not inside a word."""

_PID_BEFORE = re.compile(
    r"(?:\bp?pid|\bprocess[ _]id|getpid\(\)|进程号|进程\s*id|"
    r"\bProcess-\d+|PoolWorker-\d+|\bMainProcess)[\s=:：]*(?:is\s+|是|为)?$",
    re.IGNORECASE,
)
_TIME_BEFORE = re.compile(r"(?:time\(\)|timestamp|时间|时刻)[\s=:：]*$", re.IGNORECASE)
_DURATION_BEFORE = re.compile(r"(?:\btook|\belapsed|用时|耗时|花了)[\s=:：]*$", re.IGNORECASE)
_DURATION_AFTER = re.compile(
    r"^\s?(?:ms|µs|us|ns|s|secs?|seconds?|minutes?|min)(?![A-Za-z])|^\s?(?:秒|毫秒|微秒|分钟)"
)

_SPECIAL = set(r".^$*+?{}[]\|()")
"""Characters :func:`_literal` escapes."""
_PAIRED = 6
"""How many anchors of each side :func:`_anchored` pairs, besides the longest."""


@dataclass(frozen=True)
class Volatile:
    """What differs between the runs of one program: a pattern to mask it, and what it is."""

    pattern: str
    """One regular expression for ``Mask(pattern)`` that matches the volatile values only."""
    kinds: tuple[str, ...]
    """The kinds of the masked values (:data:`KINDS`), in the order the runs first show them."""

    def describe(self, language: str) -> str:
        """Return a sentence for the page saying which values are not compared, in ``zh`` or ``en``."""
        if language not in _NAMES:
            raise ValueError(f"no description in {language!r}; there is one in zh and en")
        names = _NAMES[language]
        named = [names["other" if kind == "number" and len(self.kinds) > 1 else kind] for kind in self.kinds]
        if language == "zh":
            listed = named[0] if len(named) == 1 else "、".join(named[:-1]) + "和" + named[-1]
            return f"{listed}每次运行都不同，比较时不计入。"
        listed = named[0] if len(named) == 1 else ", ".join(named[:-1]) + " and " + named[-1]
        return f"{listed[0].upper()}{listed[1:]} differ from run to run and are not compared."


@dataclass(frozen=True)
class _Token:
    """One value in one run's (address-masked) output."""

    kind: str
    """``date``, ``time`` or ``number``: what :data:`_TOKEN` matched, not yet a kind of :data:`KINDS`."""
    value: str
    start: int
    end: int


@dataclass(frozen=True)
class _Line:
    run: int
    tokens: tuple[_Token, ...]


@dataclass
class _Place:
    """A place that varies: the same token of every line of one shape."""

    shape: tuple[tuple[str, ...], tuple[str, ...]]
    """The literal texts between the tokens, and the tokens' kinds."""
    index: int
    before: str
    """The text before the token, back to the line's start or to a token with more than one value."""
    before_cuts: tuple[int, ...]
    """Where a lookbehind on :attr:`before` may start: not inside a value it reaches across."""
    after: str
    after_cuts: tuple[int, ...]
    """Where a lookahead on :attr:`after` may end."""
    at_start: bool
    at_end: bool
    values: dict[int, set[str]]
    """The values each run shows here."""
    tokens: tuple[tuple[int, _Token], ...]
    """Its tokens, each with its run."""
    kind: str
    """One of :data:`KINDS`."""
    kept: frozenset[str] = frozenset()
    """Values still compared here: for a pid or a number, those every run shows (see :func:`_kept`)."""

    @property
    def spans(self) -> set[tuple[int, int, int]]:
        """(run, start, end) of each of its tokens to mask."""
        return {(run, token.start, token.end) for run, token in self.tokens if token.value not in self.kept}

    @property
    def first(self) -> tuple[int, int]:
        """(run, start) of its first token, to list kinds in the order the runs show them."""
        return min((run, token.start) for run, token in self.tokens)


def find_volatile(
    outputs: Sequence[str], *, kinds: Collection[str] = KINDS, prints_pids: bool = False
) -> Volatile | None:
    """Find the values of the given *kinds* that differ between *outputs*, the runs of one program.

    *prints_pids*: the program prints process ids, so a varying integer with no other hint is
    one (see the module's docstring).

    Values of other kinds stay compared: leave out ``number`` to keep what a race decides
    (``实际：17``) in the outcomes. Return None when nothing differs that way (one run,
    identical runs, runs whose lines differ by words rather than by values), or when no
    anchor singles out what does.
    """
    unknown = sorted(set(kinds) - set(KINDS))
    if unknown:
        raise ValueError(f"unknown kinds {', '.join(unknown)}; the kinds are {', '.join(KINDS)}")
    texts = [ADDRESS.sub(MASKED, output) for output in outputs]
    places, unsure = _varying_places(texts, prints_pids)
    _name_pids_seen_elsewhere(places)
    places = [place for place in places if place.kind in kinds]
    for place in places:
        place.kept = _kept(place)
    maskable = unsure.union(*(place.spans for place in places))
    alternatives: list[str] = []
    named: list[str] = []
    for place in sorted(places, key=lambda place: place.first):
        if not _covered(alternatives, place.spans, texts):
            alternative = _anchored(place, texts, maskable)
            if alternative is None:
                continue
            alternatives.append(alternative)
        if place.kind not in named:
            named.append(place.kind)
    if not alternatives:
        return None
    return Volatile(pattern="|".join(alternatives), kinds=tuple(named))


def _varying_places(
    texts: Sequence[str], prints_pids: bool = False
) -> tuple[list[_Place], set[tuple[int, int, int]]]:
    """Return each place, of each shape seen in two runs or more, where the runs' values differ.

    Return too the (run, start, end) of the tokens of shapes seen in one run only: nothing
    says whether they vary (``worker 0 pid 4242 doneworker 1 pid 4243 done``, two lines
    printed at once), so the pattern may mask them or not.
    """
    by_shape: dict[tuple[tuple[str, ...], tuple[str, ...]], list[_Line]] = {}
    for run, text in enumerate(texts):
        for offset, line in _lines(text):
            tokens = tuple(
                _Token(
                    match.lastgroup or "number", match.group(), offset + match.start(), offset + match.end()
                )
                for match in _TOKEN.finditer(line)
            )
            if not tokens:
                continue
            literals = _literals(line, offset, tokens)
            shape = (literals, tuple(token.kind for token in tokens))
            by_shape.setdefault(shape, []).append(_Line(run, tokens))
    places, unsure = [], set()
    for shape, lines in by_shape.items():
        runs = sorted({line.run for line in lines})
        if len(runs) < 2:
            unsure.update((line.run, token.start, token.end) for line in lines for token in line.tokens)
            continue
        values = [
            {run: {line.tokens[i].value for line in lines if line.run == run} for run in runs}
            for i in range(len(shape[1]))
        ]
        kinds = [_kind(shape, i, values[i], prints_pids) for i in range(len(values))]
        varying = {i for i in range(len(values)) if _varies(values[i], kinds[i], prints_pids)}
        places += [_place(shape, i, lines, values, varying, kinds[i]) for i in sorted(varying)]
    return places, unsure


def _lines(text: str) -> Iterator[tuple[int, str]]:
    """Yield each line of *text* with the offset it starts at."""
    offset = 0
    for line in text.split("\n"):
        yield offset, line
        offset += len(line) + 1


def _literals(line: str, offset: int, tokens: Sequence[_Token]) -> tuple[str, ...]:
    """Return the texts of *line* between its *tokens* (one more than there are tokens)."""
    literals, position = [], offset
    for token in tokens:
        literals.append(line[position - offset : token.start - offset])
        position = token.end
    literals.append(line[position - offset :])
    return tuple(literals)


def _kind(
    shape: tuple[tuple[str, ...], tuple[str, ...]],
    index: int,
    values: dict[int, set[str]],
    prints_pids: bool = False,
) -> str:
    """The kind of the place *index* of *shape* by the words around it, as this module's docstring says."""
    literals, token_kind = shape[0], shape[1][index]
    if token_kind != "number":
        return token_kind
    before = "0".join(literals[: index + 1])  # the whole line before it, other tokens written 0
    if _DURATION_AFTER.search(literals[index + 1]) or _DURATION_BEFORE.search(before):
        return "duration"
    if _TIME_BEFORE.search(before):
        return "time"
    integers = all(value.isdigit() for seen in values.values() for value in seen)
    return "pid" if integers and (prints_pids or _PID_BEFORE.search(before)) else "number"


def _varies(values: dict[int, set[str]], kind: str, prints_pids: bool = False) -> bool:
    """Whether a place of *kind* with these *values* in each run is volatile.

    No single run may show every value seen there (runs printing the line fewer times
    don't make it vary); for a pid or a number, besides, at least half of the runs must
    show a value no other run shows, as a new pid or a random number is: a worker's
    number printed on lines some runs glue together is not, nor a counter a race
    seldom gets wrong.
    """
    every = set().union(*values.values())
    if any(seen >= every for seen in values.values()):
        return False
    if kind not in ("pid", "number") or (kind == "pid" and prints_pids):
        return True  # a sandbox's runs under one start method print the same pids
    runs_showing = Counter(value for seen in values.values() for value in seen)
    fresh = [run for run, seen in values.items() if any(runs_showing[value] == 1 for value in seen)]
    return 2 * len(fresh) >= len(values)


def _place(
    shape: tuple[tuple[str, ...], tuple[str, ...]],
    index: int,
    lines: Sequence[_Line],
    values: Sequence[dict[int, set[str]]],
    varying: set[int],
    kind: str,
) -> _Place:
    """Describe the place *index* of *shape*: its surroundings, values and tokens.

    The surroundings reach across neighbouring tokens that show one single value in every
    line, and stop at any other token.
    """
    literals, count = shape[0], len(shape[1])

    def single(i: int) -> str | None:
        every = set().union(*values[i].values())
        return next(iter(every)) if len(every) == 1 and i not in varying else None

    before_pieces, i = [(literals[index], False)], index - 1
    while i >= 0 and (value := single(i)) is not None:
        before_pieces[:0] = [(literals[i], False), (value, True)]
        i -= 1
    after_pieces, j = [(literals[index + 1], False)], index + 1
    while j < count and (value := single(j)) is not None:
        after_pieces += [(value, True), (literals[j + 1], False)]
        j += 1
    before, before_cuts = _cut_points(before_pieces, at_end_of_value=False)
    after, after_cuts = _cut_points(after_pieces, at_end_of_value=True)
    return _Place(
        shape=shape,
        index=index,
        before=before,
        before_cuts=before_cuts,
        after=after,
        after_cuts=after_cuts,
        at_start=i < 0,
        at_end=j >= count,
        values=values[index],
        tokens=tuple((line.run, line.tokens[index]) for line in lines),
        kind=kind,
    )


def _cut_points(pieces: Sequence[tuple[str, bool]], *, at_end_of_value: bool) -> tuple[str, tuple[int, ...]]:
    """Join *pieces* (text, whether it is a value) and list where the text may be cut.

    Literal text may be cut anywhere but inside an ASCII word; a value only at its start
    (for a lookbehind) or its end (for a lookahead).
    """
    text = "".join(piece for piece, _ in pieces)
    cuts, position = set(), 0
    for piece, is_value in pieces:
        end = position + len(piece)
        if is_value:
            cuts.add(end if at_end_of_value else position)
        else:
            cuts.update(
                cut
                for cut in range(position, end + 1)
                if not (0 < cut < len(text) and _ascii_word(text[cut - 1]) and _ascii_word(text[cut]))
            )
        position = end
    return text, tuple(sorted(cuts))


def _name_pids_seen_elsewhere(places: Sequence[_Place]) -> None:
    """Make a pid of each number whose values, in each run, that run printed as pids elsewhere."""
    pids: dict[int, set[str]] = {}
    for place in places:
        if place.kind == "pid":
            for run, seen in place.values.items():
                pids.setdefault(run, set()).update(seen)
    for place in places:
        integers = all(value.isdigit() for seen in place.values.values() for value in seen)
        seen_as_pids = all(seen <= pids.get(run, set()) for run, seen in place.values.items())
        if place.kind == "number" and integers and seen_as_pids:
            place.kind = "pid"


def _kept(place: _Place) -> frozenset[str]:
    """The values still compared at *place*: for a pid or a number, those every run shows.

    No two runs share a pid, so a value in every run is something else printed in the same
    words (``worker 3 done`` among ``worker 4242 done``). A time, a date or a duration is
    masked even where runs agree: they agree by chance.
    """
    if place.kind not in ("pid", "number"):
        return frozenset()
    return frozenset(set.intersection(*place.values.values()))


_Rank = tuple[bool, bool, bool, int]
"""How readable an anchor is, best first: no other value in it (a claim may not share it),
a letter or digit in it, cut at a word's edge (not inside a run of Chinese characters), short."""


def _anchored(place: _Place, texts: Sequence[str], maskable: set[tuple[int, int, int]]) -> str | None:
    """Return the most readable alternative that matches *place*'s tokens to mask, and only *maskable* ones.

    One-sided anchors come first (a lookbehind before a lookahead of the same rank), then
    both sides; then the same again leaving out the values still compared. None if none
    of them will do.
    """
    befores, afters = _befores(place), _afters(place)
    one_sided = sorted(
        [(rank[:2], 0, rank, b, "") for rank, b in befores]
        + [(rank[:2], 1, rank, "", a) for rank, a in afters]
    )
    both = sorted(
        ((rb[0] or ra[0], len(b + a)), b, a) for rb, b in _shortlist(befores) for ra, a in _shortlist(afters)
    )
    anchors = [(b, a) for *_, b, a in one_sided] + [(b, a) for _, b, a in both]
    tokens = [_token_pattern(place)]
    if place.kept:
        tokens.append(_token_pattern(place, leaving_out=place.kept))
    for token in tokens:
        for before, after in anchors:
            candidate = before + token + after
            if place.spans <= _spans(candidate, texts) <= maskable:
                return candidate
    return None


def _token_pattern(place: _Place, leaving_out: frozenset[str] = frozenset()) -> str:
    """The regular expression for the values at *place*, no looser than they need, without *leaving_out*."""
    kind = place.shape[1][place.index]
    values = [value for seen in place.values.values() for value in seen]
    if kind == "date":
        return r"\d+-\d+-\d+"
    if all("." in value for value in values):
        fraction = r"\.\d+"
    elif any("." in value for value in values):
        fraction = r"(?:\.\d+)?"
    else:
        fraction = ""
    pattern = (r"\d+:\d+:\d+" if kind == "time" else r"\d+") + fraction
    if leaving_out:
        listed = "|".join(_literal(value) for value in sorted(leaving_out))
        listed = listed if len(leaving_out) == 1 else f"(?:{listed})"
        pattern = f"(?!{listed}(?!\\d))" + pattern
    return pattern


def _shortlist(options: list[tuple[_Rank, str]]) -> list[tuple[_Rank, str]]:
    """The best few *options* and the longest, so that pairing both sides stays quick on long lines."""
    ranked = sorted(options)
    return ranked[:_PAIRED] + ranked[_PAIRED:][-1:]


def _befores(place: _Place) -> list[tuple[_Rank, str]]:
    """Lookbehinds on the ends of the text before *place*, with their ranks."""
    before = place.before
    options = [
        (_rank(before[j:], strong=j == 0 or not before[j - 1].isalnum()), f"(?<={_literal(before[j:])})")
        for j in place.before_cuts
        if j < len(before)
    ]
    if place.at_start:  # the whole line up to the token: the last resort
        anchor = f"(?<=(?m:^){_literal(before)})" if before else "(?m:^)"
        options.append(((*_rank(before, strong=False)[:3], len(before) + 1), anchor))
    return options


def _afters(place: _Place) -> list[tuple[_Rank, str]]:
    """Lookaheads on the starts of the text after *place*, with their ranks."""
    after = place.after
    options = [
        (_rank(after[:k], strong=k == len(after) or not after[k].isalnum()), f"(?={_literal(after[:k])})")
        for k in place.after_cuts
        if k > 0
    ]
    if place.at_end:
        anchor = f"(?={_literal(after)}(?m:$))" if after else "(?m:$)"
        options.append(((*_rank(after, strong=False)[:3], len(after) + 1), anchor))
    return options


def _rank(text: str, *, strong: bool) -> _Rank:
    return (_has_digit(text), not any(char.isalnum() for char in text), not strong, len(text))


def _has_digit(text: str) -> bool:
    return any(char.isdigit() for char in text)


def _ascii_word(char: str) -> bool:
    return char.isascii() and (char.isalnum() or char == "_")


def _literal(text: str) -> str:
    """Return *text* as a regular expression matching it, without double quotes or control characters."""
    escaped = []
    for char in text:
        if char == '"' or not char.isprintable():
            escaped.append(f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}")
        elif char in _SPECIAL:
            escaped.append("\\" + char)
        else:
            escaped.append(char)
    return "".join(escaped)


def _spans(pattern: str, texts: Sequence[str]) -> set[tuple[int, int, int]]:
    """(run, start, end) of every match of *pattern* in *texts*."""
    compiled = re.compile(pattern)
    return {
        (run, match.start(), match.end())
        for run, text in enumerate(texts)
        for match in compiled.finditer(text)
    }


def _covered(alternatives: Sequence[str], spans: set[tuple[int, int, int]], texts: Sequence[str]) -> bool:
    """Whether the alternatives chosen so far already match all of *spans*."""
    return bool(alternatives) and spans <= _spans("|".join(alternatives), texts)
