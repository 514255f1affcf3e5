"""Time a new contributor's first preview: ``uv run mkdocs serve`` on a fresh clone, to the first page.

Run by hand from the repository root::

    uv run python bench/first_page.py               # a fresh clone of HEAD, 3 rounds
    uv run python bench/first_page.py --rounds 1 --page /daemon/

Each round clones this checkout's HEAD into a new folder (commit first), so the clone has no
virtual environment and no cache of results, as a contributor's has not, then runs
``uv run mkdocs serve`` there, the environment sync included (uv's download cache is shared,
as it is on a machine that has run uv before). It prints, from the command's start:

- ``first page``: when ``--page`` first answered 200 (its blocks may still be in progress);
- ``all results``: when that page answered with no block in progress (the runs ended and
  serve rebuilt it).

Ratios, not seconds, are what to compare: the machine is noisy.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PENDING = "lessonkit-pending"
"""The class of a block shown in progress (lessonkit.site.render.render_pending)."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fetch(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.read().decode("utf-8", errors="replace")
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None


def one_round(work: Path, page: str, limit: float) -> tuple[float, float | None]:
    """Clone, serve, and return (seconds to the first page, seconds to the page with all results)."""
    clone = work / "clone"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "LESSONKIT_CACHE_DIR")}
    env.pop("PYTHONUNBUFFERED", None)
    log = (work / "serve.log").open("w")
    started = time.monotonic()
    process = subprocess.Popen(
        ["uv", "run", "mkdocs", "serve", "-a", f"127.0.0.1:{port}"],
        cwd=clone,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    first = complete = None
    try:
        while time.monotonic() - started < limit:
            text = fetch(f"http://127.0.0.1:{port}{page}")
            now = time.monotonic() - started
            if text is not None:
                if first is None:
                    first = now
                    print(f"  first page after {first:.1f} s", file=sys.stderr)
                if PENDING not in text:
                    complete = now
                    break
            if process.poll() is not None:
                raise SystemExit(f"mkdocs serve exited {process.returncode}; see {work / 'serve.log'}")
            time.sleep(0.2)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
        log.close()
    if first is None:
        raise SystemExit(f"no page within {limit:.0f} s; see {work / 'serve.log'}")
    return first, complete


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="fresh clones to time (default: 3)")
    parser.add_argument("--page", default="/", help="the page to ask for (default: /)")
    parser.add_argument("--limit", type=float, default=600, help="seconds before giving up (default: 600)")
    args = parser.parse_args()
    firsts, completes = [], []
    for number in range(1, args.rounds + 1):
        print(f"round {number} of {args.rounds}: fresh clone, uv run mkdocs serve ...", file=sys.stderr)
        with tempfile.TemporaryDirectory(prefix="first-page-") as tmp:
            first, complete = one_round(Path(tmp), args.page, args.limit)
        firsts.append(first)
        if complete is not None:
            completes.append(complete)
        shown = "not within the limit" if complete is None else f"{complete:.1f} s"
        print(f"round {number}: first page {first:.1f} s, all results {shown}")
    print(f"median first page: {statistics.median(firsts):.1f} s (target: 20 s or less)")
    if completes:
        print(f"median all results: {statistics.median(completes):.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
