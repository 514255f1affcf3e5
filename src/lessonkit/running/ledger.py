"""A ledger of runs: one line per program run, appended to the file ``LESSONKIT_RUN_LOG`` names.

CI sets the variable for its whole run, so that afterwards it can say how many programs ran
and check that each of the real site's examples ran only as often as one build runs it
(``scripts/ci_runs.py``). Without the variable nothing is written.

Each line is a JSON object: the digest of the program's code (``code_digest``), its file name,
the start method, and the directory of the process that asked for the run. One ``os.write`` on
an ``O_APPEND`` file per line, so that lines from runs made at once, by threads or by other
processes, never mix.
"""

from __future__ import annotations

import hashlib
import json
import os

VARIABLE = "LESSONKIT_RUN_LOG"
"""The environment variable naming the ledger file."""


def code_digest(code: str) -> str:
    """The digest that names a program in the ledger: its text with trailing whitespace trimmed,
    so a snippet file and the same code expanded into a fence name the same program."""
    return hashlib.sha256(code.rstrip().encode("utf-8")).hexdigest()[:20]


def record_run(code: str, filename: str, start_method: str) -> None:
    """Append one line for a run of *code* to the ledger, if ``LESSONKIT_RUN_LOG`` names one."""
    path = os.environ.get(VARIABLE)
    if not path:
        return
    line = json.dumps(
        {"code_digest": code_digest(code), "filename": filename, "method": start_method, "cwd": os.getcwd()}
    )
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, (line + "\n").encode("utf-8"))
    finally:
        os.close(fd)


def read_ledger(path: str | os.PathLike[str]) -> list[dict[str, str]]:
    """Every run the ledger at *path* recorded, in the order they were recorded."""
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]
