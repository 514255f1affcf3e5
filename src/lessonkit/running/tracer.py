"""Record what each process of a run does, without changing what it prints.

Standard library only: lessonkit copies this file into each run's tools directory as
``lessonkit_trace.py``, and the run's ``sitecustomize`` imports it in every interpreter
when ``LESSONKIT_TRACE_FILE`` is set. That covers the main script, ``spawn`` children,
the forkserver and the resource tracker; forked children inherit it.

Each event is one JSON line, written with a single ``os.write`` to a file opened with
``O_APPEND``, so processes writing at once never interleave. Times are
``time.monotonic_ns()``, one clock for every process on Linux. Events:

- ``process``: an interpreter started (``role``: main, child, forkserver, resource_tracker);
- ``bootstrap`` / ``exit``: a ``multiprocessing`` child began its target / returned, with its exit code;
  ``start`` and ``bootstrap`` say ``helper: "manager"`` for a ``Manager``'s server process;
- ``write``: text written to ``sys.stdout`` or ``sys.stderr``;
- ``start``, ``join`` (begin, end), ``terminate``, ``kill``: calls on a ``Process``, and who made them;
- ``reaped``: a parent learnt that a child ended, and its exit code (the only record of a
  child killed by a signal, such as a daemon stopped when the main code ends);
- ``main_end``: the main script's code finished (multiprocessing then terminates the daemons).

Writes pass through untouched: the streams keep their buffering, and a program that
replaces ``sys.stdout`` just goes untraced. Tracebacks are untouched too: when an error
passes through one of the tracer's wrappers, its frames are removed from the error's
traceback before it goes on (Python 3.11 and later keep a bare ``raise`` from adding the
frame back), so a learner's traceback never names this file. Before 3.11 a bare ``raise``
re-raises with the traceback the interpreter kept, this file's frame in it, so there the
``traceback`` module and ``sys.excepthook`` leave this file's frames out when they print.
"""

import atexit as _atexit
import json as _json
import os as _os
import sys as _sys
import time as _time

_FILE = _os.environ.get("LESSONKIT_TRACE_FILE")
MAX_EVENTS = 5000
"""Events one process records at most: a chatty program cannot fill the disk."""
_count = [0]


def _emit(kind, **fields):
    if _count[0] >= MAX_EVENTS:
        return
    _count[0] += 1
    fields.update(t=_time.monotonic_ns(), pid=_os.getpid(), kind=kind)
    line = (_json.dumps(fields, ensure_ascii=False) + "\n").encode("utf-8", "replace")
    try:
        fd = _os.open(_FILE, _os.O_WRONLY | _os.O_APPEND | _os.O_CREAT | _os.O_CLOEXEC, 0o600)
    except OSError:
        return
    try:
        _os.write(fd, line)
    except OSError:  # e.g. the file-size limit: the trace is cut, the program goes on
        pass
    finally:
        _os.close(fd)


def _after_fork():
    _count[0] = 0


def _strip(error):
    """Remove this file's frames from the front of *error*'s traceback."""
    tb = error.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename == __file__:
        tb = tb.tb_next
    error.__traceback__ = tb


class TracedStream:
    """A text stream that records each write, then hands it on unchanged."""

    def __init__(self, stream, name):
        object.__setattr__(self, "_lessonkit_stream", stream)
        object.__setattr__(self, "_lessonkit_name", name)

    def write(self, text):
        # Recorded before it is written: text that reaches the terminal is always in the
        # trace (a process killed in between leaves an event the output does not have).
        if text and isinstance(text, str):
            _emit("write", stream=self._lessonkit_name, text=text)
        try:
            return self._lessonkit_stream.write(text)
        except BaseException as error:
            _strip(error)
            raise

    def writelines(self, lines):
        try:
            for line in lines:
                self.write(line)
        except BaseException as error:
            _strip(error)
            raise

    def __getattr__(self, name):
        return getattr(self._lessonkit_stream, name)

    def __setattr__(self, name, value):
        setattr(self._lessonkit_stream, name, value)

    def __iter__(self):
        return iter(self._lessonkit_stream)


def _traced(original, before=None, after=None):
    """Return *original* (a method) with *before* called first and *after* with its result.

    An error from *original* goes on with this file's frames removed from its traceback.
    """

    def method(self, *args, **kwargs):
        if before is not None:
            before(self)
        try:
            result = original(self, *args, **kwargs)
        except BaseException as error:
            _strip(error)
            raise
        if after is not None:
            after(self, result)
        return result

    return method


def _hide_frames_when_printed():
    """Print tracebacks without this file's frames (Python 3.10: see the module's docstring)."""
    import traceback

    walk = traceback.walk_tb

    def walk_tb(tb):
        return ((frame, line) for frame, line in walk(tb) if frame.f_code.co_filename != __file__)

    traceback.walk_tb = walk_tb
    if _sys.excepthook is _sys.__excepthook__:
        _sys.excepthook = traceback.print_exception


def _role():
    argv = getattr(_sys, "orig_argv", _sys.argv)
    code = argv[argv.index("-c") + 1] if "-c" in argv[:-1] else ""
    for marker, role in (("forkserver", "forkserver"), ("resource_tracker", "resource_tracker")):
        if marker in code:
            return role
    return "child" if "spawn_main" in code else "main"


def _helper(process):
    """``"manager"`` for the process a ``Manager`` starts to serve its objects, else None."""
    target = getattr(process, "_target", None)
    if (
        getattr(target, "__name__", "") == "_run_server"
        and getattr(target, "__module__", "") == "multiprocessing.managers"
    ):
        return "manager"
    return None


def _current():
    from multiprocessing import process

    return process.current_process().name


class _Children(set):
    """multiprocessing's set of a process's live children: a child leaves it once reaped."""

    def discard(self, child):
        if child in self:
            from multiprocessing import util

            popen = getattr(child, "_popen", None)
            code = getattr(popen, "returncode", None)
            _emit("reaped", child=child.name, exitcode=code, at_exit=bool(util._exiting), by=_current())
        super().discard(child)


def _watch_children():
    from multiprocessing import process

    if not isinstance(process._children, _Children):
        process._children = _Children(process._children)


class _Token:
    """What multiprocessing's after-fork registry holds on to (it keeps weak references)."""


_TOKEN = _Token()


def install():
    """Wrap the standard streams and ``multiprocessing``'s process calls in this interpreter."""
    from multiprocessing import process, util

    if _sys.version_info < (3, 11):  # noqa: UP036 - this file runs in the examples' Python, maybe older
        _hide_frames_when_printed()
    for name in ("stdout", "stderr"):
        stream = getattr(_sys, name)
        if stream is not None:
            setattr(_sys, name, TracedStream(stream, name))
    role = _role()
    _emit("process", role=role, ppid=_os.getppid())
    _os.register_at_fork(after_in_child=_after_fork)
    _watch_children()
    # A child's bootstrap empties the set of children; this runs right after, in the child.
    util.register_after_fork(_TOKEN, lambda _token: _watch_children())
    base = process.BaseProcess
    ended = [False]

    def calls(self, **fields):
        return {"child": self.name, "at_exit": bool(util._exiting), "by": _current(), **fields}

    def remember_helper(self):
        # start() drops the target once the process runs: look at it before.
        self._lessonkit_helper = _helper(self)

    base.start = _traced(
        base.start,
        before=remember_helper,
        after=lambda self, _: _emit(
            "start",
            child=self.name,
            child_pid=self.pid,
            daemon=bool(self.daemon),
            helper=getattr(self, "_lessonkit_helper", None),
            by=_current(),
        ),
    )
    base.join = _traced(
        base.join,
        before=lambda self: _emit("join", **calls(self, phase="begin")),
        after=lambda self, _: _emit("join", **calls(self, phase="end", exitcode=self.exitcode)),
    )
    base.terminate = _traced(base.terminate, before=lambda self: _emit("terminate", **calls(self)))
    base.kill = _traced(base.kill, before=lambda self: _emit("kill", **calls(self)))
    base._bootstrap = _traced(
        base._bootstrap,
        before=lambda self: _emit(
            "bootstrap", name=self.name, daemon=bool(self.daemon), helper=_helper(self), ppid=_os.getppid()
        ),
        after=lambda self, code: _emit("exit", name=self.name, exitcode=code),
    )

    def main_end():
        if not ended[0] and process.current_process().name == "MainProcess" and role == "main":
            ended[0] = True
            _emit("main_end")

    # multiprocessing.util registered its exit handler on import, just above; one registered
    # after it runs before it: the moment the main code is done and before daemons are stopped.
    _atexit.register(main_end)


if _FILE:
    install()
