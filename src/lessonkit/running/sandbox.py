"""Where an example runs: in its own Linux namespaces (bubblewrap) when it can, and what it sees there.

Building the site runs code other people wrote. In the sandbox an example has:

- its own PID namespace: when the run ends the kernel kills everything left in it,
  and the builder's processes (and their ``/proc/PID/environ``) are invisible;
- its own network namespace: only its own loopback, so a ``Manager`` on 127.0.0.1
  works but no other host, and no service of the builder's machine, can be reached;
- its own mount namespace: ``/usr`` and the Python installation read-only, a
  generated ``/etc`` with nothing secret in it, and private writable ``/lesson``
  (its working directory), ``/home/learner``, ``/tmp`` and ``/dev/shm``;
- an unprivileged user (uid 1000) with every capability dropped.

Without bubblewrap (macOS, Windows, or Linux without it) ``isolation: auto`` runs the
example directly, and the caption says so; the supervisor still kills every
descendant, as a child subreaper. ``isolation: required`` fails instead.
"""

from __future__ import annotations

import enum
import functools
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from lessonkit.running import interpreter
from lessonkit.running.interpreter import Interpreter

WORKDIR = "/lesson"
"""The example's working directory inside the sandbox, where ``NAME.py`` is."""

HOME = "/home/learner"
"""``HOME`` inside the sandbox."""

TOOLS = "/opt/lessonkit"
"""Read-only directory inside the sandbox holding the supervisor and ``sitecustomize``."""

TRACE_DIR = "/var/lessonkit-trace"
"""Where the tracer writes inside the sandbox: outside the example's own directories."""

_SYSTEM_DIRS = ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
_ETC_FROM_HOST = ("ld.so.cache", "ld.so.conf", "localtime")

_PASSWD = "root:x:0:0::/root:/bin/sh\nlearner:x:1000:1000:learner:/home/learner:/bin/sh\n"
_GROUP = "root:x:0:\nlearner:x:1000:\n"
_HOSTS = "127.0.0.1 localhost lessonkit\n::1 localhost ip6-localhost\n"
_NSSWITCH = "passwd: files\ngroup: files\nhosts: files\n"


class Isolation(enum.Enum):
    """The ``isolation`` option: how strictly examples are kept from the machine that builds."""

    AUTO = "auto"
    """Use namespaces where bubblewrap works; otherwise run directly and say so."""
    REQUIRED = "required"
    """Use namespaces, or fail the build (CI)."""
    OFF = "off"
    """Run directly, as a learner's own terminal would."""


class IsolationUnavailable(RuntimeError):
    """``isolation: required`` was asked for, but this machine cannot provide it."""


@dataclass(frozen=True)
class RunDirectories:
    """The host directories of one run, and the paths the example sees them at."""

    root: Path
    work: Path
    home: Path
    tmp: Path
    shm: Path
    tools: Path
    etc: Path
    trace: Path

    @classmethod
    def create(cls, root: Path) -> RunDirectories:
        """Make the run's directories under *root*."""
        directories = cls(
            root=root,
            work=root / "work",
            home=root / "home",
            tmp=root / "tmp",
            shm=root / "shm",
            tools=root / "tools",
            etc=root / "etc",
            trace=root / "trace",
        )
        for path in (
            directories.work,
            directories.home,
            directories.tmp,
            directories.shm,
            directories.tools,
            directories.trace,
        ):
            path.mkdir()
        return directories

    def writable(self) -> tuple[Path, ...]:
        """The directories the example writes its own files to (the trace is lessonkit's)."""
        return (self.work, self.home, self.tmp, self.shm)


def example_path_variable(python: Interpreter) -> str:
    """Return the ``PATH`` an example gets: its Python first, then the system's directories."""
    directories = [str(python.executable.parent), "/usr/local/bin", "/usr/bin", "/bin"]
    return os.pathsep.join(dict.fromkeys(directories))


def _write_etc(etc: Path) -> None:
    etc.mkdir()
    (etc / "passwd").write_text(_PASSWD, encoding="utf-8")
    (etc / "group").write_text(_GROUP, encoding="utf-8")
    (etc / "hosts").write_text(_HOSTS, encoding="utf-8")
    (etc / "hostname").write_text("lessonkit\n", encoding="utf-8")
    (etc / "nsswitch.conf").write_text(_NSSWITCH, encoding="utf-8")
    for name in _ETC_FROM_HOST:
        if Path("/etc", name).exists():
            (etc / name).touch()  # a mount point for the host's file


def _system_mounts(python: Interpreter) -> list[str]:
    arguments = ["--ro-bind", "/usr", "/usr"]
    for directory in _SYSTEM_DIRS:
        path = Path(directory)
        if path.is_symlink():
            arguments += ["--symlink", os.readlink(path), directory]
        elif path.is_dir():
            arguments += ["--ro-bind", directory, directory]
    installation = python.prefix.resolve()
    executable_dir = python.executable.resolve().parent
    for directory in dict.fromkeys([installation, executable_dir]):
        if not directory.is_relative_to("/usr"):
            arguments += ["--ro-bind", str(directory), str(directory)]
    return arguments


def _namespaces(python: Interpreter) -> list[str]:
    """Return the start of every ``bwrap`` command: the namespaces, the user, the system's files."""
    return [
        "bwrap",
        "--unshare-user",
        "--uid",
        "1000",
        "--gid",
        "1000",
        "--cap-drop",
        "ALL",
        "--unshare-pid",
        "--unshare-net",
        "--unshare-ipc",
        "--unshare-uts",
        "--unshare-cgroup-try",
        "--hostname",
        "lessonkit",
        "--die-with-parent",
        *_system_mounts(python),
    ]


def bwrap_command(
    directories: RunDirectories, env: dict[str, str], command: list[str], python: Interpreter
) -> list[str]:
    """Return the ``bwrap`` command line that runs *command*, with *python*, in the example's sandbox."""
    _write_etc(directories.etc)
    arguments = [
        *_namespaces(python),
        "--ro-bind",
        str(directories.etc),
        "/etc",
    ]
    for name in _ETC_FROM_HOST:
        if (directories.etc / name).exists():
            arguments += ["--ro-bind", f"/etc/{name}", f"/etc/{name}"]
    arguments += [
        "--proc",
        "/proc",
        "--dev",
        "/dev",
        "--bind",
        str(directories.shm),
        "/dev/shm",
        "--bind",
        str(directories.tmp),
        "/tmp",
        "--bind",
        str(directories.work),
        WORKDIR,
        "--bind",
        str(directories.home),
        HOME,
        "--ro-bind",
        str(directories.tools),
        TOOLS,
        "--bind",
        str(directories.trace),
        TRACE_DIR,
        "--chdir",
        WORKDIR,
        "--clearenv",
    ]
    for name, value in sorted(env.items()):
        arguments += ["--setenv", name, value]
    return [*arguments, "--", *command]


@dataclass(frozen=True)
class SandboxSupport:
    """Whether this machine can run examples in namespaces, and if not, why."""

    available: bool
    reason: str = ""


@functools.cache
def sandbox_support() -> SandboxSupport:
    """Check once per process that bubblewrap exists and can create the sandbox's namespaces."""
    if sys.platform != "linux":
        return SandboxSupport(False, f"namespaces need Linux; this is {sys.platform}")
    if shutil.which("bwrap") is None:
        return SandboxSupport(False, "bubblewrap (bwrap) is not installed: apt-get install bubblewrap")
    python = interpreter.current()
    probe = [
        *_namespaces(python),
        "--proc",
        "/proc",
        "--",
        str(python.executable),
        "-I",
        "-S",
        "-c",
        "pass",
    ]
    try:
        result = subprocess.run(probe, capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        return SandboxSupport(False, f"bwrap could not start: {error}")
    if result.returncode != 0:
        detail = result.stderr.strip().splitlines()[-1:] or [f"exit code {result.returncode}"]
        return SandboxSupport(False, f"bwrap cannot create namespaces here: {detail[0]}")
    return SandboxSupport(True)


def use_sandbox(isolation: Isolation) -> bool:
    """Decide whether a run is sandboxed.

    Raises:
        IsolationUnavailable: *isolation* is ``required`` and this machine cannot sandbox.
    """
    if isolation is Isolation.OFF:
        return False
    support = sandbox_support()
    if support.available:
        return True
    if isolation is Isolation.REQUIRED:
        raise IsolationUnavailable(
            f"lessonkit: isolation is 'required' but examples cannot be sandboxed: {support.reason}. "
            "Install bubblewrap, or set isolation: auto to run them unisolated (the caption says so)."
        )
    return False
