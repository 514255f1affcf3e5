"""``lessonkit run`` runs a snippet the way the site does, for contributors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from programs import JOINED
from support import ROOT

pytestmark = pytest.mark.slow  # runs programs or builds sites

DAEMON_STOPPED = """\
import time
from multiprocessing import Process


def sleeper():
    time.sleep(30)
    print("never printed")


def worker():
    print("the worker is done")


if __name__ == "__main__":
    Process(target=sleeper, daemon=True).start()
    Process(target=worker).start()
    print("the main code ends")
"""
"""Process-1, a daemon, is terminated when the main code ends; Process-2 is joined and prints."""


def lessonkit(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "lessonkit.cli", *args]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=120)


def test_run_prints_each_start_methods_output(tmp_path: Path) -> None:
    (tmp_path / "joined.py").write_text(JOINED, encoding="utf-8")
    result = lessonkit("run", "joined.py", "-m", "fork", "-m", "spawn", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "==> fork (exit 0" in result.stdout and "==> spawn (exit 0" in result.stdout
    assert result.stdout.count("the child's line") == 2
    assert "running joined.py under fork, spawn" in result.stderr
    assert "peak" in result.stdout


def test_run_fails_on_an_undeclared_traceback(tmp_path: Path) -> None:
    snippet = tmp_path / "crash.py"
    snippet.write_text("raise SystemError('nope')\n")
    result = lessonkit("run", str(snippet), "-m", "fork")
    assert result.returncode == 1
    assert "SystemError: nope" in result.stdout
    assert "crash.py: under fork the main process exited with code 1" in result.stderr
    declared = lessonkit("run", str(snippet), "-m", "fork", "--returncode", "1", "--expect", "SystemError")
    assert declared.returncode == 0, declared.stderr


def test_run_names_a_missing_snippet() -> None:
    result = lessonkit("run", "snippets/daemon/nope.py")
    assert result.returncode == 2
    assert "cannot read snippet snippets/daemon/nope.py" in result.stderr


def test_run_rejects_a_bad_timeout() -> None:
    result = lessonkit("run", "snippets/daemon/daemon_join.py", "--timeout", "soon")
    assert result.returncode == 2
    assert "--timeout soon is not a number of seconds" in result.stderr


def test_run_applies_limits_and_rejects_bad_ones(tmp_path: Path) -> None:
    snippet = tmp_path / "many.py"
    snippet.write_text(
        "import subprocess, sys\n\n"
        "sleep = [sys.executable, '-c', 'import time; time.sleep(20)']\n"
        "children = [subprocess.Popen(sleep) for _ in range(6)]\n"
        "for child in children:\n    child.wait()\n"
    )
    result = lessonkit("run", str(snippet), "-m", "fork", "--max-processes", "3")
    assert result.returncode == 1, result.stderr
    assert "limit 3 processes" in result.stderr
    bad = lessonkit("run", str(snippet), "--max-memory", "lots")
    assert bad.returncode == 2 and "'lots' is not a size" in bad.stderr


def test_run_with_samples_prints_each_outcome_with_its_count(tmp_path: Path) -> None:
    snippet = tmp_path / "varying.py"
    snippet.write_text("import uuid\n\nprint('always')\nprint('run', uuid.uuid4())\n")
    claim = tmp_path / "claim.txt"
    claim.write_text("always\nrun <masked>\n")
    result = lessonkit("run", str(snippet), "-m", "fork", "--samples", "3")
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("--- outcome ") == 3 and "seen in 1 of 3 runs" in result.stdout
    masked = lessonkit(
        "run", str(snippet), "-m", "fork", "-n", "3", "--mask", "[0-9a-f-]{36}", "--claim", str(claim)
    )
    assert masked.returncode == 0, masked.stderr
    assert "--- outcome 1: seen in 3 of 3 runs" in masked.stdout
    assert "printed by 3 of 3 runs" in masked.stdout, "a claim is masked the same way"
    bad = lessonkit("run", str(snippet), "--samples", "0")
    assert bad.returncode == 2 and "--samples 0 must be from 1 to 200" in bad.stderr
    bad_mask = lessonkit("run", str(snippet), "--mask", "(pid")
    assert bad_mask.returncode == 2 and "--mask (pid is not a valid regular expression" in bad_mask.stderr


def test_run_with_trace_says_what_each_process_did(tmp_path: Path) -> None:
    (tmp_path / "daemon_stopped.py").write_text(DAEMON_STOPPED, encoding="utf-8")
    result = lessonkit("run", "daemon_stopped.py", "-m", "fork", "--trace", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "MainProcess prints “the main code ends”" in result.stdout
    assert "multiprocessing terminates the daemon Process-1" in result.stdout
    assert "Process-1 is ended by signal 15 (exit code -15)" in result.stdout
    assert "Process-2 prints “the worker is done”" in result.stdout


def test_run_places_module_files_beside_the_snippet(tmp_path: Path) -> None:
    from test_files_and_pipe import MAIN, WORKER

    (tmp_path / "main.py").write_text(MAIN, encoding="utf-8")
    (tmp_path / "lesson").mkdir()
    (tmp_path / "lesson/worker.py").write_text(WORKER, encoding="utf-8")
    result = lessonkit("run", "main.py", "-m", "spawn", "--files", "lesson/worker.py", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "the child runs worker.work\nmain is done\n" in result.stdout
    assert "running main.py with worker.py beside it under spawn" in result.stderr
    bad = lessonkit("run", "main.py", "--files", "lesson/worker.py", "lesson/main.py", cwd=tmp_path)
    assert bad.returncode == 2
    assert (
        "--files lesson/worker.py lesson/main.py: lesson/main.py has the name of the program itself"
        in bad.stderr
    )
    missing = lessonkit("run", "main.py", "--files", "lesson/tally.py", cwd=tmp_path)
    assert missing.returncode == 2 and "--files lesson/tally.py: no such file" in missing.stderr


def test_run_through_a_pipe_shows_the_buffering_of_python_x_py_into_a_file(tmp_path: Path) -> None:
    from test_files_and_pipe import BUFFERED

    (tmp_path / "buffered.py").write_text(BUFFERED, encoding="utf-8")
    result = lessonkit("run", "buffered.py", "-m", "spawn", "--pipe", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("==> spawn (exit 0, ")
    assert "pipe, block-buffered" in result.stdout.splitlines()[0]
    assert result.stdout.endswith("\nb\na\nc\n"), "the parent's first line waited in its buffer"
