"""The fence options lessonkit reads, parsed and checked."""

from __future__ import annotations

import keyword
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from lessonkit.running.limits import LIMIT_NAMES, ResourceLimits
from lessonkit.running.start_method import StartMethod

OPTION_NAMES = (
    "start_methods",
    "timeout",
    "stuck_after",
    "expect",
    "expect_methods",
    "samples",
    "mask",
    "claim",
    "screen",
    "stdin",
    "files",
    *LIMIT_NAMES,
)
"""Fence options that belong to lessonkit; ``returncode`` is markdown-exec's own."""

Spelling = Callable[[str, str], str]
"""How a front end writes an option with a value: ``expect="TEXT"`` in a fence, ``--expect TEXT`` on
the command line. Messages use the spelling of the front end the user typed."""


def fence_spelling(name: str, value: str) -> str:
    """Spell an option as a fence writes it: ``expect="TEXT"``."""
    return f'{name}="{value}"'


def flag_spelling(name: str, value: str) -> str:
    """Spell an option as ``lessonkit run`` takes it: ``--expect TEXT``."""
    return f"--{name.replace('_', '-')} {value}"


MAX_SAMPLES = 200
"""The most runs per start method a block may ask for."""


class FenceOptionError(ValueError):
    """A fence option has a value lessonkit cannot use."""


@dataclass(frozen=True)
class RunOptions:
    """How to run one executed block, and what counts as success."""

    start_methods: tuple[StartMethod, ...]
    timeout: float
    returncode: int = 0
    expect: str | None = None
    limits: ResourceLimits = field(default_factory=ResourceLimits)
    samples: int = 1
    """How many times the block runs under each start method."""
    expect_methods: tuple[StartMethod, ...] | None = None
    """The start methods ``expect`` and ``returncode`` apply under; None: all of them. Under the
    others a run must exit 0 and print no traceback."""
    screen: bool = True
    """Apply carriage returns and backspaces as a terminal does (the final screen line is shown)."""
    stdin: str | None = None
    """Text typed into the run's terminal, a line each time the program waits for one; None: stdin
    is closed, so ``input()`` meets EOF."""
    stuck_after: float | None = None
    """The program is meant to hang (a deadlock, say): a run is stopped, with all its processes,
    once none of them has run for this many seconds, and a run that ends by itself, or is still
    busy at ``timeout``, is a failure."""
    watch_stuck_after: float | None = None
    """Stop a run that gets stuck for this many seconds, without saying it should: a stuck run is
    then a failure that says so (``lessonkit import`` learns this way which programs hang)."""
    files: tuple[tuple[str, str], ...] = ()
    """Module files placed beside the program in its working directory for every run, as
    (file name, text): ``import worker`` finds ``worker.py``."""
    terminal: bool = True
    """Run in a pseudo-terminal, as the site always does; False: stdout and stderr go to a pipe, as
    with ``python x.py > out.txt`` (block-buffered: a parent's lines may come after its child's)."""

    @property
    def stop_stuck_after(self) -> float | None:
        """Seconds of being stuck after which a run is stopped, declared or watched for; None: never."""
        return self.stuck_after if self.stuck_after is not None else self.watch_stuck_after

    def expects_under(self, method: StartMethod) -> bool:
        """Whether ``expect`` and ``returncode`` apply to a run under *method*."""
        return self.expect_methods is None or method in self.expect_methods


def parse_samples(text: str, spell: Spelling = fence_spelling) -> int:
    """Parse a number of samples: a whole number from 1 to :data:`MAX_SAMPLES`."""
    try:
        value = int(text)
    except ValueError:
        raise FenceOptionError(f"{spell('samples', text)} is not a whole number of runs") from None
    if not 1 <= value <= MAX_SAMPLES:
        raise FenceOptionError(
            f"{spell('samples', text)} must be from 1 to {MAX_SAMPLES} runs per start method"
        )
    return value


def parse_timeout(text: str, spell: Spelling = fence_spelling) -> float:
    """Parse a timeout in seconds; it must be a positive, finite number."""
    try:
        value = float(text)
    except ValueError:
        raise FenceOptionError(f"{spell('timeout', text)} is not a number of seconds") from None
    if not math.isfinite(value) or value <= 0:
        raise FenceOptionError(f"{spell('timeout', text)} must be a positive number of seconds")
    return value


def parse_stuck_after(
    text: str, timeout: float, spell: Spelling = fence_spelling, timeout_name: str = "the timeout"
) -> float:
    """Parse the seconds a program meant to hang stays still before its run is stopped.

    It must be shorter than *timeout* (named *timeout_name* in the message), which stops a run
    that never gets stuck.
    """
    try:
        value = parse_timeout(text, spell)
    except FenceOptionError as error:
        message = str(error).replace(spell("timeout", text), spell("stuck_after", text))
        raise FenceOptionError(message) from None
    if value >= timeout:
        raise FenceOptionError(
            f"{spell('stuck_after', text)} must be shorter than {timeout_name} ({timeout:g} s): "
            "the timeout stops a run that never gets stuck"
        )
    return value


def parse_screen(text: str, spell: Spelling = fence_spelling) -> bool:
    """Parse ``on`` or ``off``: whether carriage returns and backspaces are applied."""
    if text not in ("on", "off"):
        raise FenceOptionError(f"{spell('screen', text)} must be on or off")
    return text == "on"


def parse_stdin(text: str) -> str:
    r"""Parse the text typed into the terminal.

    A fence attribute is one line, so ``\n`` (a backslash and an ``n``) separates the lines
    typed; each line ends with Enter: ``stdin="Ada\n3"`` types ``Ada⏎`` then ``3⏎``.
    """
    return "".join(line + "\n" for line in text.split("\\n"))


def parse_expect_methods(
    text: str,
    *,
    start_methods: tuple[StartMethod, ...],
    expect: str | None,
    returncode: int,
    spell: Spelling = fence_spelling,
) -> tuple[StartMethod, ...]:
    """Parse the start methods ``expect`` and ``returncode`` apply under."""
    try:
        methods = StartMethod.parse_list(text)
    except ValueError as error:
        raise FenceOptionError(f"{spell('expect_methods', text)}: {error}") from None
    if expect is None and returncode == 0:
        raise FenceOptionError(
            f"{spell('expect_methods', text)} needs {spell('expect', 'TEXT')} or "
            f"{spell('returncode', 'N')}: it says under which methods they apply"
        )
    outside = [m.value for m in methods if m not in start_methods]
    if outside:
        raise FenceOptionError(
            f"{spell('expect_methods', text)}: {', '.join(outside)} is not one of the block's start methods "
            f"({' '.join(m.value for m in start_methods)})"
        )
    return methods


FileReader = Callable[[str], str]
"""Reads one path of a ``files`` option and returns its text, or raises :class:`FenceOptionError`
saying why it cannot (no such file, outside the snippets base...)."""


def parse_files(
    text: str, *, program: str, read: FileReader, spell: Spelling = fence_spelling
) -> tuple[tuple[str, str], ...]:
    """Parse the module files placed beside *program* (its file name): space-separated paths.

    Each file is placed under its base name, which must be a module name ending in ``.py`` (so
    that ``import NAME`` finds it), differ from the other files' and from the program's own.

    Returns:
        (base name, text) of each file, in the order given.
    """
    paths = text.split()
    if not paths:
        raise FenceOptionError(
            f"{spell('files', text)} names no file; give the module files the program imports, "
            f"e.g. {spell('files', 'lesson/worker.py')}"
        )
    named: dict[str, str] = {}
    files = []
    for path in paths:
        name = PurePosixPath(path).name
        where = spell("files", text) if len(paths) == 1 else f"{spell('files', text)}: {path}"
        if not name.endswith(".py"):
            raise FenceOptionError(f"{where} is not a .py file; only Python modules can be imported")
        module = name.removesuffix(".py")
        if not module.isidentifier() or keyword.iskeyword(module):
            raise FenceOptionError(
                f"{where}: {name} is not a valid module name, so no import statement can find it; "
                "rename it to letters, digits and underscores, not starting with a digit"
            )
        if name == program:
            raise FenceOptionError(
                f"{where} has the name of the program itself ({program}); it would replace the program"
            )
        if name in named:
            raise FenceOptionError(
                f"{where} and {named[name]} would both be placed as {name}; give them different names"
            )
        named[name] = path
        try:
            files.append((name, read(path)))
        except FenceOptionError as error:
            raise FenceOptionError(f"{where}: {error}") from None
    return tuple(files)


@dataclass(frozen=True)
class RunDefaults:
    """The plugin-wide defaults a fence's options override."""

    start_methods: tuple[StartMethod, ...]
    timeout: float
    limits: ResourceLimits = field(default_factory=ResourceLimits)
    samples: int = 1


def no_files(path: str) -> str:
    """The :data:`FileReader` of a context that has no snippets base to read module files from."""
    raise FenceOptionError("this renderer has no snippets base to find it in")


def parse_run_options(
    values: Mapping[str, str],
    *,
    returncode: int,
    defaults: RunDefaults,
    program: str = "example.py",
    read_file: FileReader = no_files,
) -> RunOptions:
    """Build :class:`RunOptions` from a fence's options (strings, as written in the fence).

    *program* is the script's file name, *read_file* reads the module files ``files`` names.
    """
    start_methods = defaults.start_methods
    if "start_methods" in values:
        text = values["start_methods"]
        try:
            start_methods = StartMethod.parse_list(text)
        except ValueError as error:
            raise FenceOptionError(f'start_methods="{text}": {error}') from None
    timeout = parse_timeout(values["timeout"]) if "timeout" in values else defaults.timeout
    stuck_after = parse_stuck_after(values["stuck_after"], timeout) if "stuck_after" in values else None
    samples = parse_samples(values["samples"]) if "samples" in values else defaults.samples
    expect = values.get("expect")
    if expect is not None and not expect.strip():
        raise FenceOptionError('expect="" is empty; give the text the output must contain')
    expect_methods = None
    if "expect_methods" in values:
        expect_methods = parse_expect_methods(
            values["expect_methods"], start_methods=start_methods, expect=expect, returncode=returncode
        )
    screen = parse_screen(values["screen"]) if "screen" in values else True
    stdin = parse_stdin(values["stdin"]) if "stdin" in values else None
    files = parse_files(values["files"], program=program, read=read_file) if "files" in values else ()
    try:
        limits = defaults.limits.with_values(dict(values))
    except ValueError as error:
        raise FenceOptionError(str(error)) from None
    return RunOptions(
        start_methods=start_methods,
        timeout=timeout,
        returncode=returncode,
        expect=expect,
        limits=limits,
        samples=samples,
        expect_methods=expect_methods,
        screen=screen,
        stdin=stdin,
        stuck_after=stuck_after,
        files=files,
    )
