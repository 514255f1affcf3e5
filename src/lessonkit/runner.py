"""Run one example as ``python NAME.py`` in a fresh interpreter, the way a learner does.

On POSIX the script runs under a pseudo-terminal, so its stdout and stderr are
buffered and interleaved exactly as in a terminal. Elsewhere it falls back to
pipes with ``PYTHONUNBUFFERED=1``. The script gets its own process group, which
is killed when the run ends, so no child or grandchild outlives it.
"""

from __future__ import annotations

import contextlib
import enum
import os
import platform
import select
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from lessonkit.output import MAX_OUTPUT_BYTES, normalize_output
from lessonkit.script_env import script_environment, write_sitecustomize
from lessonkit.start_method import StartMethod

try:
    import pty
except ImportError:  # pragma: no cover - Windows
    pty = None  # type: ignore[assignment]

HAS_TERMINAL = pty is not None and os.name == "posix"
"""Whether examples can run under a pseudo-terminal on this machine."""

_READ_CHUNK = 65536

TRACEBACK_BYTES = b"Traceback (most recent call last)"

LEFT_RUNNING_GRACE = 2.0
"""Seconds the terminal may stay open after the main process exits (e.g. a forkserver
winding down) before the processes holding it count as left behind."""


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
    """The main process exited, but descendants held the terminal open and were killed."""
    traceback_after_cut: bool = False
    """A traceback was printed in the part of the output that was cut."""

    def to_json(self) -> dict[str, object]:
        """Return a JSON-serialisable dict of this result."""
        data = dict(self.__dict__)
        data["start_method"] = self.start_method.value
        return data

    @classmethod
    def from_json(cls, data: dict[str, object]) -> ExampleResult:
        """Rebuild a result from :meth:`to_json`."""
        fields = dict(data)
        fields["start_method"] = StartMethod(fields["start_method"])
        return cls(**fields)  # type: ignore[arg-type]


@dataclass
class _Capture:
    """Bytes read from the script, bounded so a chatty example cannot fill memory.

    Bytes past the limit are counted, not kept, but still searched for a traceback,
    so one printed after the cut still fails the example.
    """

    limit: int
    data: bytearray
    total: int = 0
    traceback_after_cut: bool = False
    _tail: bytes = b""

    def add(self, chunk: bytes) -> None:
        self.total += len(chunk)
        room = self.limit - len(self.data)
        if room > 0:
            self.data += chunk[:room]
            chunk = chunk[room:]
        if chunk:
            window = self._tail + chunk
            self.traceback_after_cut |= TRACEBACK_BYTES in window
            self._tail = window[-len(TRACEBACK_BYTES) :]

    @property
    def omitted(self) -> int:
        """How many bytes were read but not kept."""
        return self.total - len(self.data)


class _Outcome(enum.Enum):
    FINISHED = "finished"
    TIMED_OUT = "timed out"
    LEFT_RUNNING = "left processes running"


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


def _leader_exited(process: subprocess.Popen[bytes]) -> bool:
    """True once the main process has exited.

    Where ``waitid`` exists it stays unreaped (a zombie), so its group id cannot be reused
    before the group is killed; elsewhere it is reaped by ``poll``.
    """
    if hasattr(os, "waitid"):
        return os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
    return process.poll() is not None


def _drain(fd: int, process: subprocess.Popen[bytes], capture: _Capture, deadline: float) -> _Outcome:
    """Read *fd* until every writer has closed it and the main process has exited.

    A descendant that keeps the terminal open more than ``LEFT_RUNNING_GRACE`` seconds after
    the main process exited is reported, not waited for until the timeout.
    """
    closed = False
    leader_gone_at: float | None = None
    while True:
        now = time.monotonic()
        if now >= deadline:
            return _Outcome.TIMED_OUT
        if leader_gone_at is None and _leader_exited(process):
            leader_gone_at = now
        if closed and leader_gone_at is not None:
            return _Outcome.FINISHED
        if leader_gone_at is not None and now - leader_gone_at > LEFT_RUNNING_GRACE:
            return _Outcome.LEFT_RUNNING
        if closed:
            time.sleep(0.02)
            continue
        ready, _, _ = select.select([fd], [], [], min(deadline - now, 0.1))
        if not ready:
            continue
        try:
            chunk = os.read(fd, _READ_CHUNK)
        except OSError:  # EIO: the terminal's last writer has gone
            chunk = b""
        if chunk:
            capture.add(chunk)
        else:
            closed = True


def _start(
    command: list[str], env: dict[str, str], cwd: Path, terminal: bool
) -> tuple[subprocess.Popen[bytes], int]:
    """Start *command* in a new session; return it and the fd its output is read from."""
    if terminal:
        reader, writer = pty.openpty()
    else:
        reader, writer = os.pipe()
    try:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=writer,
            stderr=writer,
            env=env,
            cwd=cwd,
            start_new_session=True,
            close_fds=True,
        )
    except BaseException:
        os.close(reader)
        raise
    finally:
        os.close(writer)
    return process, reader


def run_example(
    code: str,
    *,
    start_method: StartMethod,
    timeout: float,
    filename: str = "example.py",
    terminal: bool | None = None,
    repo_root: Path | None = None,
    output_limit: int = MAX_OUTPUT_BYTES,
) -> ExampleResult:
    """Run *code* as a script in a fresh interpreter and return what it printed.

    Parameters:
        code: The example's source, exactly as shown on the page.
        start_method: The ``multiprocessing`` default start method for this run.
        timeout: Seconds before the whole process group is killed.
        filename: The script's file name, as it appears in tracebacks.
        terminal: Run under a pseudo-terminal (default: whenever the OS has one).
        repo_root: A path to remove from the output.
        output_limit: Bytes of output kept before the rest is cut.

    Returns:
        The normalised output, exit code and provenance of the run.
    """
    use_terminal = HAS_TERMINAL if terminal is None else terminal and HAS_TERMINAL
    with tempfile.TemporaryDirectory(prefix="lessonkit-") as tmp:
        root = Path(tmp).resolve()
        workdir = root / "work"
        workdir.mkdir()
        home = root / "home"
        home.mkdir()
        script = workdir / filename
        script.write_text(code, encoding="utf-8")
        site_dir = write_sitecustomize(root / "site")
        env = script_environment(start_method, site_dir=site_dir, home=home, terminal=use_terminal)
        capture = _Capture(limit=output_limit, data=bytearray())
        started = time.monotonic()
        process, reader = _start([sys.executable, filename], env, workdir, use_terminal)
        try:
            outcome = _drain(reader, process, capture, started + timeout)
        finally:
            _kill_group(process.pid)  # before the main process is reaped: its group id is still ours
            os.close(reader)
            process.wait()
        duration = time.monotonic() - started
        output = normalize_output(
            bytes(capture.data),
            omitted=capture.omitted,
            script_path=script,
            workdir=root,
            repo_root=repo_root,
        )
    return ExampleResult(
        start_method=start_method,
        output=output,
        returncode=None if outcome is _Outcome.TIMED_OUT else process.returncode,
        timed_out=outcome is _Outcome.TIMED_OUT,
        left_running=outcome is _Outcome.LEFT_RUNNING,
        traceback_after_cut=capture.traceback_after_cut,
        duration=duration,
        terminal=use_terminal,
        python_version=platform.python_version(),
        python_implementation=platform.python_implementation(),
        system=platform.system(),
    )
