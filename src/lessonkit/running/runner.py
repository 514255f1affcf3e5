"""Run one example as ``python NAME.py`` in a fresh interpreter, the way a learner does.

On POSIX the script runs under an 80x24 pseudo-terminal that is its controlling
terminal, so its stdout and stderr are buffered and interleaved exactly as in a
terminal. Elsewhere it falls back to pipes with ``PYTHONUNBUFFERED=1``. Asked for a
pipe (``terminal=False``), it runs as ``python NAME.py > out.txt`` does: its output
goes to a pipe, block-buffered, so a parent's line may come after its child's.

The script is started by :mod:`lessonkit.running.supervisor`, inside the sandbox of
:mod:`lessonkit.running.sandbox` when this machine has one. The supervisor enforces the
run's time and resource limits and kills every process the run started, however it
detached itself, before the run counts as over.
"""

from __future__ import annotations

import ast
import contextlib
import fcntl
import functools
import json
import os
import platform
import select
import shutil
import signal
import struct
import subprocess
import tempfile
import termios
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from lessonkit.running import ledger, sandbox, supervisor
from lessonkit.running.interpreter import Interpreter
from lessonkit.running.interpreter import current as current_interpreter
from lessonkit.running.limits import ResourceLimits
from lessonkit.running.output import MAX_OUTPUT_BYTES, normalize_output
from lessonkit.running.sandbox import Isolation, RunDirectories
from lessonkit.running.script_env import script_environment, write_sitecustomize
from lessonkit.running.start_method import StartMethod

try:
    import pty
except ImportError:  # pragma: no cover - Windows
    pty = None  # type: ignore[assignment]

HAS_TERMINAL = pty is not None and os.name == "posix"
"""Whether examples can run under a pseudo-terminal on this machine."""

TERMINAL_SIZE = (24, 80)
"""Rows and columns of the example's terminal: the smallest a learner's terminal has."""

_READ_CHUNK = 65536

TRACEBACK_BYTES = b"Traceback (most recent call last)"

LEFT_RUNNING_GRACE = 2.0
"""Seconds processes may outlive the main process (e.g. a forkserver winding down) before
they count as left behind."""

BACKSTOP = 15.0
"""Seconds past the timeout after which the runner kills the supervisor itself."""

TRACE_FILE = "events.jsonl"
MAX_TRACE_BYTES = 8 * 1024 * 1024
"""Bytes of a run's trace that are read; the rest is dropped."""


def read_trace(path: Path, clean: Callable[[str], str]) -> tuple[dict[str, object], ...]:
    """Return the well-formed events of the trace at *path*, each text passed through *clean*.

    The trace is written by code the example can reach, so nothing in it is trusted: a
    line that is not an event (an object with an integer ``t`` and ``pid`` and a string
    ``kind``) is skipped, and only the first :data:`MAX_TRACE_BYTES` are read.
    """
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_TRACE_BYTES)
    except OSError:
        return ()
    events = []
    for line in raw.splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if not (
            isinstance(event, dict)
            and isinstance(event.get("t"), int)
            and isinstance(event.get("pid"), int)
            and isinstance(event.get("kind"), str)
        ):
            continue
        if isinstance(event.get("text"), str):
            event["text"] = clean(event["text"])
        events.append(event)
    return tuple(events)


@dataclass(frozen=True)
class ExampleResult:
    """What one run of an example under one start method produced."""

    start_method: StartMethod
    output: str
    returncode: int | None
    timed_out: bool
    duration: float
    terminal: bool
    python_version: str
    python_implementation: str
    system: str
    left_running: bool = False
    """The main process exited, but processes it started were still running and were killed."""
    traceback_after_cut: bool = False
    """A traceback was printed in the part of the output that was cut."""
    isolated: bool = False
    """Whether the run had its own PID, network and mount namespaces."""
    left: tuple[dict[str, object], ...] = ()
    """The processes left running: pid, name, command, and whether they had detached."""
    stuck: float = 0.0
    """Seconds none of the run's processes had run when it was stopped as stuck (a block with
    ``stuck_after``); 0 when it was not."""
    limit: str | None = None
    """The resource limit the run went over (``max_memory``...), if any."""
    limit_used: int = 0
    """What the run used of that limit when it was killed."""
    limit_allowed: int = 0
    """The limit's value."""
    peak_memory: int = 0
    """The most memory the run's processes used together, as last seen."""
    peak_processes: int = 0
    """The most processes the run had alive at once, as last seen."""
    trace: tuple[dict[str, object], ...] = ()
    """The tracer's events (see :mod:`lessonkit.running.tracer`), texts shortened as the output is."""

    def to_json(self) -> dict[str, object]:
        """Return a JSON-serialisable dict of this result."""
        data = dict(self.__dict__)
        data["start_method"] = self.start_method.value
        data["left"] = [dict(item) for item in self.left]
        data["trace"] = [dict(event) for event in self.trace]
        return data

    @classmethod
    def from_json(cls, data: dict[str, object]) -> ExampleResult:
        """Rebuild a result from :meth:`to_json`."""
        fields = dict(data)
        fields["start_method"] = StartMethod(fields["start_method"])
        fields["left"] = tuple(fields.get("left", ()))  # type: ignore[arg-type]
        fields["trace"] = tuple(fields.get("trace", ()))  # type: ignore[arg-type]
        return cls(**fields)  # type: ignore[arg-type]


@dataclass
class _Capture:
    """Bytes read from the script, bounded so a chatty example cannot fill memory.

    Bytes past the limit are counted, not kept, but still searched for a traceback
    (including one that straddles the cut), so one printed after the cut still fails.
    """

    limit: int
    data: bytearray = field(default_factory=bytearray)
    total: int = 0
    traceback_after_cut: bool = False
    _tail: bytes = b""

    def add(self, chunk: bytes) -> None:
        self.total += len(chunk)
        room = self.limit - len(self.data)
        if room > 0:
            self.data += chunk[:room]
        window = self._tail + chunk  # the tail of what came before: a traceback may straddle the cut
        if self.total > self.limit:
            self.traceback_after_cut |= TRACEBACK_BYTES in window
        self._tail = window[-(len(TRACEBACK_BYTES) - 1) :]

    @property
    def omitted(self) -> int:
        """How many bytes were read but not kept."""
        return self.total - len(self.data)


@dataclass
class _Streams:
    """What the runner reads while the run goes on: the output and the supervisor's report."""

    output: int
    status: int
    capture: _Capture
    report: bytearray = field(default_factory=bytearray)
    asks: int | None = None
    """Where the supervisor asks for the next line of input (see ``typed``)."""
    typed: list[bytes] = field(default_factory=list)
    """Lines still to type into the terminal, one each time the supervisor asks."""

    def type_line(self, request: bytes) -> None:
        """Type the next line into the terminal (every line for ``*``); past the last, end-of-file."""
        count = len(self.typed) if b"*" in request else request.count(b"\n")
        for _ in range(count):
            text = self.typed.pop(0) if self.typed else b"\x04"  # Ctrl-D: input() raises EOFError
            with contextlib.suppress(OSError):
                os.write(self.output, text)


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


def _read(fd: int) -> bytes:
    try:
        return os.read(fd, _READ_CHUNK)
    except OSError:  # EIO: the terminal's last writer has gone
        return b""


def _drain(streams: _Streams, process: subprocess.Popen[bytes], deadline: float) -> bool:
    """Read the output and the report until both are closed and the supervisor has exited.

    Returns:
        False if the supervisor had to be killed at *deadline* (it should never need to be).
    """
    poller = select.poll()  # not select(): descriptors may be numbered past 1024
    open_fds = {streams.output, streams.status} | ({streams.asks} if streams.asks is not None else set())
    for fd in open_fds:
        poller.register(fd, select.POLLIN | select.POLLHUP | select.POLLERR)
    exited_at: float | None = None
    while True:
        now = time.monotonic()
        if now >= deadline:
            return False
        if exited_at is None and process.poll() is not None:
            exited_at = now
        if not open_fds and exited_at is not None:
            return True
        if exited_at is not None and now - exited_at > LEFT_RUNNING_GRACE:
            return True  # something outside the supervisor's reach holds the terminal
        if not open_fds:  # all read: only the supervisor's exit is left to wait for
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=max(0.0, deadline - now))
            continue
        for fd, _ in poller.poll(100):
            chunk = _read(fd)
            if not chunk:
                poller.unregister(fd)
                open_fds.discard(fd)
            elif fd == streams.output:
                streams.capture.add(chunk)
            elif fd == streams.asks:
                streams.type_line(chunk)
            else:
                streams.report += chunk


def _open_output(terminal: bool) -> tuple[int, int]:
    """Return (reader, writer) of the example's output: an 80x24 terminal, or a pipe."""
    if not terminal:
        return os.pipe()
    reader, writer = pty.openpty()
    fcntl.ioctl(writer, termios.TIOCSWINSZ, struct.pack("HHHH", *TERMINAL_SIZE, 0, 0))
    return reader, writer


def _start(
    command: Callable[[int, int], list[str]],
    env: dict[str, str],
    cwd: Path,
    terminal: bool,
    stdin: str | None,
) -> tuple[subprocess.Popen[bytes], int, int, int | None]:
    """Start ``command(status_fd, input_fd)`` in a new session.

    Returns:
        The process, the output's fd, the report's fd, and the fd where the supervisor asks
        for a line of input (None unless *stdin* is typed into a terminal).
    """
    reader, writer = _open_output(terminal)
    status_reader, status_writer = os.pipe()
    ask_reader = ask_writer = None
    if stdin is not None and terminal:
        ask_reader, ask_writer = os.pipe()
    passed = (status_writer,) if ask_writer is None else (status_writer, ask_writer)
    try:
        process = subprocess.Popen(
            command(status_writer, -1 if ask_writer is None else ask_writer),
            # Without a terminal, the text is all there at once, as if piped in.
            stdin=subprocess.DEVNULL if stdin is None or terminal else subprocess.PIPE,
            stdout=writer,
            stderr=writer,
            env=env,
            cwd=cwd,
            start_new_session=True,
            close_fds=True,
            pass_fds=passed,
        )
    except BaseException:
        for fd in (reader, status_reader, ask_reader):
            if fd is not None:
                os.close(fd)
        raise
    finally:
        for fd in (writer, *passed):
            os.close(fd)
    if process.stdin is not None:
        with contextlib.suppress(OSError):
            process.stdin.write((stdin or "").encode("utf-8"))
            process.stdin.close()
    return process, reader, status_reader, ask_reader


def _supervised(
    python: str,
    tools: str,
    limits: ResourceLimits,
    timeout: float,
    script: str,
    sandboxed: bool,
    stuck_after: float | None = None,
) -> Callable[[int, int], list[str]]:
    """Return ``(status_fd, input_fd) -> command`` starting *script* under the supervisor."""

    def command(status_fd: int, input_fd: int) -> list[str]:
        return [
            python,
            "-I",
            "-S",
            f"{tools}/supervisor.py",
            "--status-fd",
            str(status_fd),
            "--timeout",
            repr(timeout),
            "--grace",
            repr(LEFT_RUNNING_GRACE),
            "--poll",
            "0.025" if sandboxed else "0.05",  # outside a sandbox /proc lists the whole machine
            "--max-memory",
            str(limits.max_memory),
            "--max-processes",
            str(limits.max_processes),
            "--max-file-size",
            str(limits.max_file_size),
            "--input-fd",
            str(input_fd),
            "--stuck-after",
            repr(stuck_after or 0.0),
            "--",
            python,
            script,
        ]

    return command


def _largest_file(directories: tuple[Path, ...]) -> int:
    largest = 0
    for directory in directories:
        for folder, _, names in os.walk(directory):
            for name in names:
                with contextlib.suppress(OSError):
                    largest = max(largest, os.lstat(os.path.join(folder, name)).st_size)
    return largest


def _check_files(files: Sequence[tuple[str, str]], filename: str) -> None:
    """Refuse module files that would not sit beside the program as plain files of their own."""
    names = [name for name, _ in files]
    for name in names:
        if name in ("", ".", "..") or "/" in name or "\\" in name or "\0" in name:
            raise ValueError(f"module file {name!r} must be a plain file name, without a directory")
        if name == filename:
            raise ValueError(f"module file {name!r} has the program's own name")
    if len(set(names)) != len(names):
        raise ValueError(f"module files have the same name twice: {', '.join(names)}")


def run_example(
    code: str,
    *,
    start_method: StartMethod,
    timeout: float,
    filename: str = "example.py",
    files: Sequence[tuple[str, str]] = (),
    terminal: bool | None = None,
    repo_root: Path | None = None,
    output_limit: int = MAX_OUTPUT_BYTES,
    isolation: Isolation = Isolation.AUTO,
    limits: ResourceLimits = ResourceLimits(),  # noqa: B008 - frozen, so a safe default
    trace: bool = False,
    screen: bool = True,
    stdin: str | None = None,
    python: Interpreter | None = None,
    stuck_after: float | None = None,
) -> ExampleResult:
    """Run *code* as a script in a fresh interpreter and return what it printed.

    Parameters:
        code: The example's source, exactly as shown on the page.
        start_method: The ``multiprocessing`` default start method for this run.
        timeout: Seconds before every process of the run is killed.
        filename: The script's file name, as it appears in tracebacks.
        files: Module files placed beside the script, (file name, text): ``import worker``
            finds ``worker.py``.
        terminal: Run under a pseudo-terminal (default, and True: whenever the OS has one; where
            it has none, pipes with ``PYTHONUNBUFFERED=1`` stand in). False: stdout and stderr
            go to a pipe and stay block-buffered, as with ``python NAME.py > out.txt``.
        repo_root: A path to remove from the output.
        output_limit: Bytes of output kept before the rest is cut.
        isolation: Whether to run in the sandbox (see :mod:`lessonkit.running.sandbox`).
        limits: Memory, processes and file size the run may use.
        trace: Record what each process does (see :mod:`lessonkit.running.tracer`).
        screen: Apply carriage returns and backspaces as the terminal does
            (see :func:`lessonkit.running.output.apply_screen`).
        stdin: Lines to type into the terminal, each when the program waits for input (the
            terminal echoes them); None leaves stdin closed, so ``input()`` meets EOF.
        python: The interpreter to run it with (default: the base interpreter running lessonkit).
        stuck_after: Stop the run once none of its processes has run for this many seconds
            (a program meant to hang); None: only the timeout stops it.

    Returns:
        The normalised output, exit code and provenance of the run.

    Raises:
        IsolationUnavailable: *isolation* is required but this machine cannot sandbox.
        ValueError: A module file's name has a directory in it, is the script's, or is repeated.
    """
    _check_files(files, filename)
    ledger.record_run(code, filename, start_method.value)
    use_terminal = HAS_TERMINAL if terminal is None else terminal and HAS_TERMINAL
    unbuffered = not use_terminal and terminal is not False  # the fallback stands in for a terminal
    sandboxed = sandbox.use_sandbox(isolation)
    interpreter = python or current_interpreter()
    python_path = str(interpreter.executable)
    with tempfile.TemporaryDirectory(prefix="lessonkit-") as tmp:
        directories = RunDirectories.create(Path(tmp).resolve())
        (directories.work / filename).write_text(code, encoding="utf-8")
        for name, text in files:
            (directories.work / name).write_text(text, encoding="utf-8")
        write_sitecustomize(directories.tools)
        shutil.copy(supervisor.__file__, directories.tools / "supervisor.py")
        if sandboxed:
            tools, workdir, home = sandbox.TOOLS, sandbox.WORKDIR, sandbox.HOME
            trace_dir = sandbox.TRACE_DIR
        else:
            tools, workdir, home = str(directories.tools), str(directories.work), str(directories.home)
            trace_dir = str(directories.trace)
        env = script_environment(
            start_method,
            site_dir=tools,
            home=home,
            terminal=use_terminal,
            unbuffered=unbuffered,
            path=sandbox.example_path_variable(interpreter),
            trace_file=f"{trace_dir}/{TRACE_FILE}" if trace else None,
        )
        if not sandboxed:
            env["TMPDIR"] = str(directories.tmp)  # in the sandbox /tmp itself is private
        command = _supervised(python_path, tools, limits, timeout, filename, sandboxed, stuck_after)
        if sandboxed:
            outer = lambda fd, ask: sandbox.bwrap_command(directories, env, command(fd, ask), interpreter)  # noqa: E731
            outer_env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
        else:
            outer, outer_env = command, env
        started = time.monotonic()
        process, reader, status_reader, asks = _start(outer, outer_env, directories.work, use_terminal, stdin)
        streams = _Streams(
            output=reader,
            status=status_reader,
            capture=_Capture(limit=output_limit),
            asks=asks,
            typed=[line.encode("utf-8") for line in (stdin or "").splitlines(keepends=True)],
        )
        try:
            finished = _drain(streams, process, started + timeout + BACKSTOP)
        finally:
            _kill_group(process.pid)
            for fd in (reader, status_reader, asks):
                if fd is not None:
                    os.close(fd)
            process.wait()
        duration = time.monotonic() - started
        report = _report(streams.report, finished)
        largest = _largest_file(directories.writable())
        clean = functools.partial(
            normalize_output,
            script_path=Path(workdir) / filename,
            workdir=Path(workdir),
            home=Path(home),
            run_root=directories.root,
            repo_root=repo_root,
            libraries=interpreter.libraries,
        )
        output = clean(bytes(streams.capture.data), omitted=streams.capture.omitted, screen=screen)
        # Each write is cleaned alone; a line's overwrites are applied once it is whole (results.trace).
        events = read_trace(
            directories.trace / TRACE_FILE, lambda text: clean(text.encode("utf-8"), screen=False)
        )
    limit = report.get("limit")
    used, allowed = report.get("used", 0), report.get("allowed", 0)
    if limit is None and largest >= limits.max_file_size:
        limit, used, allowed = "max_file_size", largest, limits.max_file_size
    outcome = report.get("outcome")
    return ExampleResult(
        start_method=start_method,
        output=output,
        returncode=report.get("returncode") if outcome in ("finished", "left_running") else None,
        timed_out=outcome == "timed_out",
        left_running=outcome == "left_running",
        stuck=float(report.get("stuck", 0.0)) if outcome == "stuck" else 0.0,
        left=tuple(report.get("left", ())),
        traceback_after_cut=streams.capture.traceback_after_cut,
        isolated=sandboxed,
        limit=limit,
        limit_used=int(used),
        limit_allowed=int(allowed),
        peak_memory=int(report.get("peak_memory", 0)),
        peak_processes=int(report.get("peak_processes", 0)),
        trace=events,
        duration=duration,
        terminal=use_terminal,
        python_version=interpreter.version,
        python_implementation=interpreter.implementation,
        system=platform.system(),
    )


class SupervisorError(RuntimeError):
    """The supervisor could not watch the run; its report says why."""


def _report(raw: bytes, finished: bool) -> dict[str, object]:
    """Parse the supervisor's report.

    Raises:
        SupervisorError: It sent none (it was killed) or reported its own failure.
    """
    if not finished:
        return {"outcome": "timed_out"}
    try:
        report = ast.literal_eval(raw.decode("utf-8"))  # literals only: nothing in it is run
    except (UnicodeDecodeError, ValueError, SyntaxError, MemoryError, RecursionError):
        raise SupervisorError(
            "lessonkit: the run's supervisor exited without a report; the run was killed"
        ) from None
    if report.get("outcome") == "error":
        raise SupervisorError(f"lessonkit: the run's supervisor failed: {report.get('error')}")
    return report
