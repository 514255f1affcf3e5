"""Which Python runs the examples: the builder's own, or another one found on this machine.

Examples run with a base interpreter (never a virtual environment's), as a learner
runs ``python``. By default that is the interpreter running lessonkit; the drift
check (``lessonkit drift --python 3.12``) finds others with ``uv python find``, and
with pyenv where uv does not see pyenv's versions.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

_LIBRARIES = (
    "sorted({path for paths in (sysconfig.get_paths(), sysconfig.get_paths(vars={"
    "'base': sys.base_prefix, 'platbase': sys.base_exec_prefix})) for key, path in paths.items() "
    "if key in ('stdlib', 'platstdlib', 'purelib', 'platlib')} | {sys.base_prefix, sys.base_exec_prefix})"
)
"""Python code: the directories of an installation that outputs show as ``...``."""

_PROBE = (
    "import json, platform, sys, sysconfig; print(json.dumps({"
    "'executable': getattr(sys, '_base_executable', None) or sys.executable, "
    "'prefix': sys.base_prefix, "
    "'version': platform.python_version(), "
    "'implementation': platform.python_implementation(), "
    f"'libraries': {_LIBRARIES}}}))"
)


class InterpreterNotFound(Exception):
    """No interpreter answers a request such as ``3.12``; the message says what was tried."""


@dataclass(frozen=True)
class Interpreter:
    """A Python installation examples can run with."""

    executable: Path
    """The base interpreter's executable."""
    prefix: Path
    """Its installation directory (``sys.base_prefix``), mounted read-only in the sandbox."""
    version: str
    """``platform.python_version()``, e.g. ``3.12.1``."""
    implementation: str = "CPython"
    libraries: tuple[str, ...] = ()
    """Its standard library, site-packages and prefixes: paths an output shows as ``...``."""

    @property
    def label(self) -> str:
        """E.g. ``CPython 3.12.1``, as captions show it."""
        return f"{self.implementation} {self.version}"

    @property
    def tag(self) -> str:
        """E.g. ``cpython-3.12.1``: a file name for this interpreter's results."""
        return f"{self.implementation}-{self.version}".lower()

    @property
    def feature_version(self) -> str:
        """E.g. ``3.12``."""
        return ".".join(self.version.split(".")[:2])


def current() -> Interpreter:
    """Return the base interpreter of the Python running lessonkit (asked once, as any other)."""
    return probe(getattr(sys, "_base_executable", None) or sys.executable)


@functools.cache
def probe(executable: str) -> Interpreter:
    """Ask the Python at *executable* what it is (its base interpreter, prefix and version).

    Raises:
        InterpreterNotFound: It does not run, or does not answer.
    """
    try:
        result = subprocess.run(
            [executable, "-I", "-S", "-c", _PROBE], capture_output=True, text=True, timeout=60, check=False
        )
        found = json.loads(result.stdout)
    except (OSError, subprocess.TimeoutExpired, ValueError) as error:
        raise InterpreterNotFound(f"{executable} does not run as Python: {error}") from None
    if result.returncode != 0:
        detail = (result.stderr.strip().splitlines() or [f"exit code {result.returncode}"])[-1]
        raise InterpreterNotFound(f"{executable} does not run as Python: {detail}")
    return Interpreter(
        executable=Path(found["executable"]).resolve(),
        prefix=Path(found["prefix"]).resolve(),
        version=found["version"],
        implementation=found["implementation"],
        libraries=tuple(found["libraries"]),
    )


def find(request: str) -> Interpreter:
    """Find the interpreter for *request*: a version (``3.12``) or a path to a Python executable.

    A version is looked up with ``uv python find`` (never downloading), then with pyenv.

    Raises:
        InterpreterNotFound: Nothing answers *request*; the message lists what was tried.
    """
    if os.sep in request:
        return probe(request)
    tried: list[str] = []
    uv = os.environ.get("UV") or shutil.which("uv")
    if uv:
        environment = {**os.environ, "UV_PYTHON_DOWNLOADS": "never"}
        result = subprocess.run(
            [uv, "python", "find", "--no-project", request],
            capture_output=True,
            text=True,
            env=environment,
            check=False,
        )
        if result.returncode == 0 and result.stdout.strip():
            found = _matching(result.stdout.strip(), request, tried)
            if found is not None:
                return found
        else:
            tried.append(f"`uv python find {request}` found none")
    else:
        tried.append("uv is not installed")
    pyenv = shutil.which("pyenv")
    if pyenv:
        latest = subprocess.run([pyenv, "latest", request], capture_output=True, text=True, check=False)
        version = latest.stdout.strip()
        if latest.returncode == 0 and version:
            prefix = subprocess.run([pyenv, "prefix", version], capture_output=True, text=True, check=False)
            executable = Path(prefix.stdout.strip(), "bin", "python3")
            if prefix.returncode == 0 and executable.is_file():
                found = _matching(str(executable), request, tried)
                if found is not None:
                    return found
        tried.append(f"pyenv has no {request}")
    raise InterpreterNotFound(
        f"no Python {request} found on this machine ({'; '.join(tried)}). "
        f"Install it (e.g. `uv python install {request}` or `pyenv install {request}`), "
        "or pass the path of its executable."
    )


def _matching(executable: str, request: str, tried: list[str]) -> Interpreter | None:
    """Probe *executable*; return it if its version is the one requested, else note why not."""
    try:
        found = probe(executable)
    except InterpreterNotFound as error:
        tried.append(str(error))
        return None
    if found.version == request or found.version.startswith(request + "."):
        return found
    tried.append(f"{executable} is Python {found.version}")
    return None
