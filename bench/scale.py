"""Benchmark: the build and ``mkdocs serve`` of a site with 50 lessons.

Run by hand, never as a test (it takes minutes, and this machine is noisy):

    uv run python bench/scale.py [--lessons 50] [--examples 5] [--samples 1] [--rounds 3]
                                 [--jobs N] [--json FILE] [--keep DIR]

In a temporary copy of the project (``tests/support.py``'s ``copy_project``) it writes
``--lessons`` synthetic lessons, each in both languages (``docs/lessonNN.md`` and
``docs/lessonNN.en.md``, the same headings and anchors, the same executed blocks in the same
order), with ``--examples`` examples each (``snippets/lessonNN/example_M.py``), and adds them to
the nav. Every example has its own code, so no two share a cache entry: it prints, sleeps from
0 to 1 s (seeded, so every run of the benchmark writes the same lessons), and some start child
processes with ``multiprocessing.Process``, joined, under ``if __name__ == "__main__":``.
The site's own pages stay in the copy and are built too.

It measures, each build a real ``mkdocs build --strict`` in a subprocess:

    cold build (empty cache) / sample bound          <= 1.3
    warm build (full cache) / no-exec build           <= 1.2
    peak memory of the MkDocs process; size of the cache (bytes, and per entry)
    mkdocs serve: from saving a prose edit of one lesson to the rebuilt page served   <= 2 s
    the same under mkdocs serve --dirty (the fast preview: lessonkit lets a dirty build
    render only the pages whose prose changed, and renders every page after any other change)

The sample bound is what no scheduler can beat: the no-exec build (``LESSONKIT_EXEC=0``)
plus the larger of the slowest single run and the sum of all run times divided by ``jobs``,
the run times being those the cold build itself stored in its cache entries.

Memory: the MkDocs process's own peak resident set (``getrusage(RUSAGE_SELF).ru_maxrss``, taken
as it exits, through a wrapper around ``python -m mkdocs``). The example runs are not in it: they
are other processes. The JSON also gives ``RUSAGE_CHILDREN`` of the MkDocs process (the largest
peak among the processes it waited for, and theirs), but that is no measure of the examples: a child
forked from MkDocs keeps MkDocs' own pages counted in its peak until it calls exec, so it shows
about MkDocs' size even in a build that runs nothing. The serve process's peak is its ``VmHWM``.

Serve: ``python -m mkdocs serve -v -a 127.0.0.1:PORT`` (the project's environment, as
``uv run mkdocs serve``) on the copy with the cold build's cache. Each round appends a
sentence with a unique token to ``docs/lessonNN.md`` (lesson 7) and times until
``/lessonNN/`` is served with it (polled every 50 ms), then the same with
``docs/lessonNN.en.md`` and ``/en/lessonNN/``. A served page must also still show every
example's output; an edit not served within 120 s counts as stale, a rebuild that logs an
error as failed. The serve log (``-v``, each record stamped as it is made) says where the time
goes: noticing the change, configuring, discovery, converting the pages and writing them, and
the post-build work, for each language (mkdocs-static-i18n builds both on every rebuild).
The serve modes are measured one after the other, each with its own server and the same
edits: ``mkdocs serve`` (every page of both languages on every rebuild), then
``mkdocs serve --dirty`` (only the edited page; still strict); the summary gives each mode's
medians side by side, and the machine's load average (1 min) as each began and ended: the
machine is shared, and a loaded one stretches every step.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from _common import ROOT, Build, configured_jobs, measured_build, mkdocs_command, progress, stored_durations

sys.path.insert(0, str(ROOT / "tests"))  # tests/ is not a package either
from support import SUMMARY, copy_project

SEED = 13
EDITED_LESSON = 7
"""The lesson edited under ``mkdocs serve`` (the last one when there are fewer)."""

EDIT_TIMEOUT = 120.0
"""Seconds an edit may take to be served before it counts as stale."""

FOUND = re.compile(r"found (?P<blocks>\d+) executed blocks on (?P<pages>\d+) pages in (?P<seconds>[\d.]+) s")
"""The plugin's discovery line."""

LOG_PREFIX = re.compile(r"^\[\d\d:\d\d:\d\d\] ")
"""The time the server's own messages begin with."""

I18N_BUILD = re.compile(r"mkdocs_static_i18n: Building '(?P<language>\w+)' documentation")
"""mkdocs-static-i18n starting to build one language."""


# The synthetic lessons.


@dataclass(frozen=True)
class Example:
    """One synthetic example: its snippet's name and code, what it does and the line it always prints."""

    name: str
    code: str
    seconds: float
    children: int
    last_line: str


def make_example(lesson: int, number: int, rng: random.Random) -> Example:
    """Write one example's code: sleep *seconds* in the main process or in each of its children."""
    seconds = round(rng.uniform(0.0, 1.0), 2)
    children = rng.choice((0, 0, 1, 2))
    label = f"lesson {lesson} example {number}"
    last_line = f"{label}: done"
    if children == 0:
        code = (
            "import time\n\n"
            'if __name__ == "__main__":\n'
            f'    print("{label}: sleeping {seconds} s")\n'
            f"    time.sleep({seconds})\n"
            f'    print("{last_line}")\n'
        )
    else:
        code = (
            "import time\n"
            "from multiprocessing import Process\n\n\n"
            "def work(name, seconds):\n"
            "    time.sleep(seconds)\n"
            '    print(f"{name} slept {seconds} s")\n\n\n'
            'if __name__ == "__main__":\n'
            "    children = [\n"
            f'        Process(target=work, args=(f"{label} child {{i}}", {seconds}))\n'
            f"        for i in range({children})\n"
            "    ]\n"
            "    for child in children:\n"
            "        child.start()\n"
            "    for child in children:\n"
            "        child.join()\n"
            f'    print("{last_line}")\n'
        )
    return Example(f"example_{number}.py", code, seconds, children, last_line)


def lesson_pages(lesson: int, examples: list[Example]) -> tuple[str, str]:
    """Return the Chinese and English pages of one lesson: the same anchors and executed blocks."""
    slug = f"lesson{lesson:02d}"
    zh = [
        "---",
        "description: "
        + json.dumps(
            f"合成的第 {lesson} 课：{len(examples)} 个例子，由 bench/scale.py 生成，用来测量构建速度。",
            ensure_ascii=False,
        ),
        "---",
        "",
        f"# 第 {lesson} 课（合成） {{ #{slug} }}",
        "",
        "这一课由 `bench/scale.py` 生成：每个例子睡眠 0 到 1 秒，有的还会启动子进程。",
    ]
    en = [
        "---",
        "description: "
        + json.dumps(
            f"Synthetic lesson {lesson}: {len(examples)} examples, "
            "written by bench/scale.py to measure the build.",
            ensure_ascii=False,
        ),
        "---",
        "",
        f"# Lesson {lesson} (synthetic) {{ #{slug} }}",
        "",
        "`bench/scale.py` wrote this lesson: each example sleeps from 0 to 1 s, and some start children.",
    ]
    for number, example in enumerate(examples, 1):
        include = f'--8<-- "{slug}/{example.name}"'
        if example.children:
            said_zh = f"这个例子启动 {example.children} 个子进程，每个睡眠 {example.seconds} 秒。"
            said_en = f"This example starts {example.children} children, each sleeping {example.seconds} s."
        else:
            said_zh = f"这个例子在主进程里睡眠 {example.seconds} 秒。"
            said_en = f"This example sleeps {example.seconds} s in the main process."
        blocks = ["```python", include, "```"], ['```python exec="on"', include, "```"]
        zh += [
            "",
            f"## 例子 {number} {{ #{slug}-{number} }}",
            "",
            said_zh,
            "",
            *blocks[0],
            "",
            "输出结果：",
            "",
        ]
        zh += blocks[1]
        en += [
            "",
            f"## Example {number} {{ #{slug}-{number} }}",
            "",
            said_en,
            "",
            *blocks[0],
            "",
            "Output:",
            "",
        ]
        en += blocks[1]
    return "\n".join(zh) + "\n", "\n".join(en) + "\n"


def add_lessons(project: Path, lessons: int, examples: int) -> None:
    """Write *lessons* synthetic lessons of *examples* examples each into *project*, in its nav."""
    rng = random.Random(SEED)
    for lesson in range(1, lessons + 1):
        slug = f"lesson{lesson:02d}"
        written = [make_example(lesson, number, rng) for number in range(1, examples + 1)]
        folder = project / "snippets" / slug
        folder.mkdir(parents=True)
        for example in written:
            (folder / example.name).write_text(example.code, encoding="utf-8")
        zh, en = lesson_pages(lesson, written)
        (project / "docs" / f"{slug}.md").write_text(zh, encoding="utf-8")
        (project / "docs" / f"{slug}.en.md").write_text(en, encoding="utf-8")
    config_file = project / "mkdocs.yml"
    config = config_file.read_text(encoding="utf-8")
    nav = re.search(r"^nav:\n(?:  - .*\n)+", config, re.MULTILINE)
    assert nav, "bench/scale.py expects mkdocs.yml's nav as a plain list of pages"
    added = "".join(f"  - lesson{lesson:02d}.md\n" for lesson in range(1, lessons + 1))
    config_file.write_text(config[: nav.end()] + added + config[nav.end() :], encoding="utf-8")


def make_project(destination: Path, lessons: int, examples: int, samples: int, jobs: int | None) -> Path:
    """Copy the project into *destination* and add the synthetic lessons; return it."""
    project = copy_project(destination, samples=samples)
    add_lessons(project, lessons, examples)
    if jobs is not None:
        config_file = project / "mkdocs.yml"
        config, count = re.subn(
            r"^(\s+jobs:) \d+", rf"\g<1> {jobs}", config_file.read_text(encoding="utf-8"), flags=re.MULTILINE
        )
        assert count == 1, "bench/scale.py expects one 'jobs: N' line in mkdocs.yml"
        config_file.write_text(config, encoding="utf-8")
    return project


def lesson_last_lines(project: Path, lesson: int) -> list[str]:
    """The line every run of each example of *lesson* prints last, read back from its snippets."""
    folder = project / "snippets" / f"lesson{lesson:02d}"
    return [
        re.findall(r'print\("(.*?: done)"\)', path.read_text(encoding="utf-8"))[0]
        for path in sorted(folder.glob("example_*.py"))
    ]


# The builds.


@contextmanager
def ticking(what: str, cache: Path | None = None, every: float = 15.0) -> Iterator[None]:
    """Print a progress line every *every* seconds while the body runs (with the entries stored)."""
    done = threading.Event()
    started = time.monotonic()

    def tick() -> None:
        while not done.wait(every):
            stored = f", {sum(1 for _ in cache.glob('*/*.json'))} results stored" if cache else ""
            progress(f"{what}: {time.monotonic() - started:.0f} s{stored}")

    thread = threading.Thread(target=tick, daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()


def build_facts(build: Build) -> dict[str, object]:
    """What one build's log and rusage say, as JSON."""
    facts: dict[str, object] = {
        "seconds": round(build.seconds, 3),
        "mkdocs_peak_rss_kib": build.peak_kib,
        "largest_child_peak_rss_kib": build.children_peak_kib,
    }
    if found := FOUND.search(build.log):
        facts["discovery_seconds"] = float(found["seconds"])
        facts["pages"] = int(found["pages"])
        facts["blocks"] = int(found["blocks"])
    if summary := SUMMARY.search(build.log):
        facts.update({name: int(value) for name, value in summary.groupdict().items()})
    return facts


def cache_size(cache: Path, rendered: bool = False) -> tuple[int, int]:
    """Return the bytes of the results under *cache*, and how many entries (``*.json``) hold them.

    With *rendered*, the same for the rendered blocks beside them (``PYTHON/rendered/``).
    """
    pattern = "*/rendered/*" if rendered else "*/*"
    files = [path for path in cache.glob(pattern) if path.is_file()]
    return sum(path.stat().st_size for path in files), sum(1 for path in files if path.suffix == ".json")


# mkdocs serve.


@dataclass
class Edit:
    """One prose edit under ``mkdocs serve``: how long until it was served, and the log meanwhile."""

    language: str
    seconds: float | None
    """None: never served with the edit within EDIT_TIMEOUT (stale), or the rebuild failed."""
    problem: str = ""
    phases: dict[str, float] = field(default_factory=dict)


class ServeFailed(Exception):
    """mkdocs serve did not get to serve the site."""


class Server:
    """``mkdocs serve -v`` on the copy; its log stamped with ``time.monotonic()`` as records are made."""

    def __init__(self, project: Path, cache: Path, options: tuple[str, ...], log_file: Path) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.log_file = log_file
        self.output_file = log_file.with_suffix(".out")
        self.log_file.write_text("")
        self.lines: list[tuple[float, str, str]] = []
        """(monotonic time, level, message) of each record read so far."""
        self._read_up_to = 0
        self.started = time.monotonic()
        with self.output_file.open("w") as output:
            self.process = subprocess.Popen(
                mkdocs_command("serve", "-v", "-a", f"127.0.0.1:{self.port}", *options),
                cwd=project,
                env={
                    **os.environ,
                    "NO_MKDOCS_2_WARNING": "1",
                    "LESSONKIT_CACHE_DIR": str(cache),
                    "BENCH_LOG_FILE": str(log_file),
                },
                stdout=output,
                stderr=subprocess.STDOUT,
            )

    def read_log(self) -> list[tuple[float, str, str]]:
        """Read the records logged since the last call; return all of them."""
        with self.log_file.open("rb") as log:
            log.seek(self._read_up_to)
            chunk = log.read()
        complete = chunk[: chunk.rfind(b"\n") + 1]
        self._read_up_to += len(complete)
        for line in complete.decode("utf-8", errors="replace").splitlines():
            stamp, level, message = [*line.split(" ", 2), "", ""][:3]
            self.lines.append((float(stamp), level, message))
        return self.lines

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def get(self, path: str) -> str | None:
        """The page at *path*, or None when it cannot be had now (the server blocks during a rebuild)."""
        try:
            with urllib.request.urlopen(self.url(path), timeout=1.0) as response:
                return response.read().decode("utf-8", errors="replace")
        except (urllib.error.URLError, TimeoutError, ConnectionError, OSError):
            return None

    def wait_until_serving(self, path: str, timeout: float = 900.0) -> float:
        """Wait for the first build to be served; return its seconds.

        Raises:
            ServeFailed: mkdocs serve exited, or served nothing within *timeout*.
        """
        with ticking("mkdocs serve: first build"):
            while time.monotonic() - self.started < timeout:
                if self.process.poll() is not None:
                    raise ServeFailed(f"mkdocs serve exited ({self.process.returncode}) before serving")
                if self.get(path) is not None:
                    return time.monotonic() - self.started
                time.sleep(0.2)
        raise ServeFailed(f"mkdocs serve did not serve {path} within {timeout:.0f} s")

    def output_tail(self, count: int = 12) -> list[str]:
        """The last lines it printed (stdout and stderr) that are not DEBUG."""
        text = self.output_file.read_text(encoding="utf-8", errors="replace")
        return [line for line in text.splitlines() if line.strip() and not line.startswith("DEBUG")][-count:]

    def peak_kib(self) -> int | None:
        """The serve process's peak resident set so far (VmHWM), in KiB."""
        try:
            status = Path(f"/proc/{self.process.pid}/status").read_text()
        except OSError:
            return None
        found = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
        return int(found[1]) if found else None

    def stop(self) -> None:
        """Stop the server this benchmark started (by its pid): Ctrl-C, then kill."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def edit(self, page: Path, path: str, language: str, expected: list[str]) -> Edit:
        """Append a sentence with a new token to *page*; time until *path* is served with it."""
        token = f"scaleedit{uuid.uuid4().hex[:12]}"
        sentence = f"这是一次编辑，标记 {token}。" if language == "zh" else f"An edit, marked {token}."
        first_line = len(self.read_log())
        saved = time.monotonic()
        with page.open("a", encoding="utf-8") as out:
            out.write(f"\n{sentence}\n")
        while time.monotonic() - saved < EDIT_TIMEOUT:
            body = self.get(path)  # blocks while a rebuild goes on
            waited = time.monotonic() - saved
            if body is not None and token in body:
                missing = [line for line in expected if line not in body]
                problem = f"served without the outputs {missing}" if missing else ""
                time.sleep(0.2)  # the last records of the rebuild
                return Edit(language, waited, problem, self.phases(saved, first_line))
            errors = [message for _, level, message in self.read_log()[first_line:] if level == "ERROR"]
            if errors:
                time.sleep(1.0)  # let the rest of the message arrive
                return Edit(
                    language, None, "the rebuild failed: " + errors[0], self.phases(saved, first_line)
                )
            if self.process.poll() is not None:
                return Edit(language, None, f"mkdocs serve exited ({self.process.returncode})")
            time.sleep(0.05)
        return Edit(language, None, f"stale: not served with the edit within {EDIT_TIMEOUT:.0f} s")

    def phases(self, saved: float, first_line: int) -> dict[str, float]:
        """Seconds from the save to each step of the rebuild it caused, from the serve log."""
        marks: dict[str, float] = {}
        language = ""
        for when, _, message in self.read_log()[first_line:]:
            after = round(when - saved, 3)
            text = LOG_PREFIX.sub("", message)
            if text.startswith("Detected file changes"):
                marks.setdefault("change detected", after)
            elif text.startswith("Building documentation..."):
                marks.setdefault("build started", after)
            elif text.startswith("lessonkit: dirty build"):
                marks.setdefault("dirty build planned", after)
            elif found := FOUND.search(text):
                marks.setdefault("discovered", after)
                marks.setdefault("(discovery's own seconds)", float(found["seconds"]))
            elif found := I18N_BUILD.search(text):
                language = found["language"]
                marks.setdefault(f"{language}: build", after)
            elif language and text.startswith("Running `page_markdown` event"):
                marks.setdefault(f"{language}: converting pages", after)
            elif language and text.startswith("Running `page_context` event"):
                marks.setdefault(f"{language}: writing pages", after)
            elif language and text.startswith("Running `post_build` event"):
                marks.setdefault(f"{language}: post-build", after)
            elif text.startswith("Documentation built in"):
                marks.setdefault("built", after)
            elif text.startswith("Reloading browsers"):
                marks.setdefault("served", after)
                break
        return marks


SERVE_MODES = ((), ("--dirty",))
"""Options of each ``mkdocs serve`` measured: every page rebuilt, and only the edited one (lessonkit
logs MkDocs' warning that a dirty build is being performed as INFO under serve, so it stays strict)."""


def measure_serve(
    project: Path, cache: Path, options: tuple[str, ...], rounds: int, lesson: int, log_file: Path
) -> dict:
    """Time prose edits of one lesson (Chinese, then English) under ``mkdocs serve OPTIONS``.

    Its log goes to *log_file* (each record after ``time.monotonic()``), its output beside it (``.out``).
    """
    mode = " ".join(("mkdocs serve", *options))
    slug = f"lesson{lesson:02d}"
    expected = lesson_last_lines(project, lesson)
    server = Server(project, cache, options, log_file)
    edits: list[Edit] = []
    result: dict[str, object] = {"mode": mode, "first_build_seconds": None, "problem": ""}
    load_before = os.getloadavg()[0]
    try:
        progress(f"{mode}: first build (warm cache), port {server.port}")
        result["first_build_seconds"] = round(server.wait_until_serving(f"/{slug}/"), 3)
        for round_ in range(1, rounds + 1):
            for language, page, path in (
                ("zh", project / "docs" / f"{slug}.md", f"/{slug}/"),
                ("en", project / "docs" / f"{slug}.en.md", f"/en/{slug}/"),
            ):
                edit = server.edit(page, path, language, expected)
                edits.append(edit)
                shown = f"{edit.seconds:.2f} s" if edit.seconds is not None else "FAILED"
                progress(
                    f"{mode}: round {round_}/{rounds}: edit of {page.name} served in {shown} {edit.problem}"
                )
                if edit.seconds is None:
                    break
                time.sleep(0.5)
            if edits[-1].seconds is None:
                break
        result["serve_peak_rss_kib"] = server.peak_kib()
    except ServeFailed as error:
        result["problem"] = str(error)
        progress(f"{mode}: {error}")
    finally:
        server.stop()
    result["load_average"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
    failed = result["problem"] or any(edit.seconds is None for edit in edits)
    result["edits"] = [edit.__dict__ for edit in edits]
    result["log_tail"] = server.output_tail() if failed else []
    for language in ("zh", "en"):
        times = [e.seconds for e in edits if e.language == language and e.seconds is not None]
        result[f"median_{language}"] = round(statistics.median(times), 3) if times else None
        result[f"failed_{language}"] = sum(1 for e in edits if e.language == language and e.seconds is None)
        result[f"problems_{language}"] = sorted(
            {e.problem for e in edits if e.language == language and e.problem}
        )
    return result


# Reporting.


def kib(value: int | None) -> str:
    return "-" if value is None else f"{value / 1024:.0f} MiB"


def steps(phases: dict[str, float]) -> str:
    """The steps of one rebuild: when each began (seconds from the save), and how long since the last."""
    shown, last = [], 0.0
    for name, seconds in phases.items():
        if name.startswith("("):
            shown.append(f"{name[1:-1]} {seconds:g}")
            continue
        shown.append(f"{name} {seconds:.2f} (+{seconds - last:.2f})")
        last = seconds
    return ", ".join(shown)


def print_summary(results: dict[str, object]) -> None:
    """Print what was measured and the ratios with their targets."""
    machine = results["machine"]
    print(
        f"machine: {machine['cores']} cores, {machine['system']}, Python {machine['python']}; "
        f"jobs {results['jobs']}; {results['lessons']} lessons x {results['examples']} examples "
        f"x 3 start methods x {results['samples']} sample(s), both languages; "
        f"medians of {results['rounds']} rounds"
    )
    cold, warm, no_exec = results["cold"], results["warm"], results["no_exec"]
    cache, jobs = results["cache"], results["jobs"]
    rendered = results["rendered"]
    runs_sum = cold["run_seconds_sum"]
    pages = warm.get("pages") or 1
    rows = [
        ("cold build (empty cache)", f"{cold['seconds']:.2f} s", f"{cold.get('runs', '?')} runs"),
        ("  sum of its run times", f"{runs_sum:.2f} s", f"/ {jobs} jobs = {runs_sum / jobs:.2f} s"),
        ("  its longest run", f"{cold['longest_run']:.2f} s", ""),
        ("  bound", f"{cold['bound']:.2f} s", "no-exec + max(longest run, sum / jobs)"),
        ("warm build (full cache)", f"{warm['seconds']:.2f} s", ""),
        (
            "  warm ÷ pages (fixed costs included)",
            f"{warm['seconds'] / pages * 1000:.0f} ms",
            f"{pages} pages, both languages",
        ),
        ("no-exec build (LESSONKIT_EXEC=0)", f"{no_exec['seconds']:.2f} s", f"{no_exec.get('pages')} pages"),
        ("  discovery in the warm build", f"{warm.get('discovery_seconds', 0):.2f} s", "plugin's timing"),
        ("peak RSS of MkDocs: cold build", kib(cold["mkdocs_peak_rss_kib"]), "RUSAGE_SELF at its exit"),
        ("  warm build", kib(warm["mkdocs_peak_rss_kib"]), ""),
        ("  no-exec build", kib(no_exec["mkdocs_peak_rss_kib"]), ""),
        (
            "cache directory",
            f"{cache['bytes'] / 1e6:.2f} MB",
            f"{cache['entries']} entries, {cache['bytes_per_entry']:.0f} bytes each",
        ),
        (
            "  rendered blocks beside them",
            f"{rendered['bytes'] / 1e6:.2f} MB",
            f"{rendered['entries']} entries, {rendered['bytes_per_entry']:.0f} bytes each",
        ),
    ]
    for serve in results["serve"]:
        if serve["problem"]:
            rows.append((serve["mode"], "FAILED", serve["problem"]))
            continue
        for language in ("zh", "en"):
            median = serve[f"median_{language}"]
            failed = serve[f"failed_{language}"]
            problems = "; ".join(serve[f"problems_{language}"])
            value = "FAILED" if median is None else f"{median:.2f} s"
            note = f"{failed} failed; " if failed else ""
            rows.append((f"{serve['mode']}: edit {language} -> served", value, (note + problems)[:100]))
        rows.append((f"  {serve['mode']}: peak RSS", kib(serve.get("serve_peak_rss_kib")), "VmHWM"))
        before, after = serve.get("load_average", (None, None))
        rows.append((f"  {serve['mode']}: load average", f"{before} -> {after}", "1 min, start and end"))
    for name, value, note in rows:
        print(f"  {name:40s} {value:>16s}  {note}".rstrip())
    print("ratios:")
    for name, value, target in results["ratios"]:
        verdict = "" if value is None else f"  target <= {target}: {'met' if value <= target else 'MISSED'}"
        shown = "FAILED" if value is None else f"{value:6.2f}"
        print(f"  {name:40s} {shown:>6s}{verdict}")
    for serve in results["serve"]:
        edits = [e for e in serve["edits"] if e["phases"]]
        if edits:
            print(
                f"where the time goes, {serve['mode']} (seconds from the save, first edit of each language):"
            )
            for language in ("zh", "en"):
                phases = next((e["phases"] for e in edits if e["language"] == language), None)
                if phases:
                    print(f"  edit {language}: {steps(phases)}")
        if serve["log_tail"]:
            print(f"end of the {serve['mode']} log:")
            print("\n".join(f"    {line}" for line in serve["log_tail"]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--lessons", type=int, default=50, help="synthetic lessons, each in both languages (default 50)"
    )
    parser.add_argument(
        "--examples", type=int, default=5, help="examples (executed blocks) per lesson (default 5)"
    )
    parser.add_argument(
        "--samples",
        type=int,
        default=1,
        help="runs per start method. Not the site's 20: 50 lessons x 5 examples x 3 methods x 20 = "
        "15 000 runs would take hours here; with 1 sample, 750 (default 1)",
    )
    parser.add_argument(
        "--jobs", type=int, default=None, help="runs at once (default: the site's mkdocs.yml)"
    )
    parser.add_argument(
        "--rounds", type=int, default=3, help="warm and no-exec builds, and serve edits (default 3)"
    )
    parser.add_argument(
        "--cold-rounds", type=int, default=1, help="cold builds, each with an empty cache (default 1)"
    )
    parser.add_argument("--no-serve", action="store_true", help="skip the mkdocs serve measurements")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    parser.add_argument("--keep", type=Path, help="build the copy here (a new directory) and keep it")
    args = parser.parse_args()
    if args.keep is not None and args.keep.exists() and any(args.keep.iterdir()):
        parser.error(f"--keep {args.keep}: not empty; give a new directory")
    if min(args.lessons, args.examples, args.samples, args.rounds, args.cold_rounds) < 1:
        parser.error("--lessons, --examples, --samples, --rounds and --cold-rounds must be at least 1")

    work = args.keep.resolve() if args.keep else Path(tempfile.mkdtemp(prefix="lessonkit-scale-"))
    try:
        results = measure(args, work)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
        else:
            progress(f"kept the copy in {work}")
    print_summary(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        progress(f"wrote {args.json}")


def measure(args: argparse.Namespace, work: Path) -> dict[str, object]:
    """Write the lessons into a copy of the project under *work*, then build and serve it."""
    project = make_project(work / "project", args.lessons, args.examples, args.samples, args.jobs)
    jobs = configured_jobs(project / "mkdocs.yml")
    lesson = min(EDITED_LESSON, args.lessons)
    progress(f"{args.lessons} lessons x {args.examples} examples written to {project}")
    median = statistics.median

    colds, caches = [], []
    for round_ in range(1, args.cold_rounds + 1):
        cache = work / f"cache-cold-{round_}"
        what = f"cold build {round_}/{args.cold_rounds}"
        progress(f"{what}: {args.lessons * args.examples * 3 * args.samples} runs and the site's own")
        with ticking(what, cache):
            build = measured_build(work / "site", project, LESSONKIT_CACHE_DIR=str(cache))
        runs = stored_durations(cache)
        colds.append({**build_facts(build), "run_seconds_sum": sum(runs), "longest_run": max(runs)})
        caches.append(cache)
        progress(f"{what}: {build.seconds:.1f} s")
    warms, no_execs = [], []
    for round_ in range(1, args.rounds + 1):
        progress(f"round {round_}/{args.rounds}: warm build")
        with ticking("warm build"):
            warms.append(
                build_facts(measured_build(work / "site", project, LESSONKIT_CACHE_DIR=str(caches[-1])))
            )
        progress(f"round {round_}/{args.rounds}: no-exec build")
        with ticking("no-exec build"):
            no_execs.append(
                build_facts(
                    measured_build(
                        work / "site",
                        project,
                        LESSONKIT_EXEC="0",
                        LESSONKIT_CACHE_DIR=str(work / "cache-no-exec"),  # no results: search entries only
                    )
                )
            )
    no_exec_s = median(b["seconds"] for b in no_execs)
    for cold in colds:
        cold["bound"] = no_exec_s + max(cold["longest_run"], cold["run_seconds_sum"] / jobs)

    def medians(builds: list[dict[str, object]]) -> dict[str, object]:
        return {name: median(b[name] for b in builds) for name in builds[0] if all(name in b for b in builds)}

    size, entries = cache_size(caches[-1])
    rendered_size, rendered_entries = cache_size(caches[-1], rendered=True)
    serve = []
    if not args.no_serve:
        serve = [
            measure_serve(
                project, caches[-1], options, args.rounds, lesson, work / f"serve{''.join(options)}.log"
            )
            for options in SERVE_MODES
        ]
    cold, warm, no_exec = medians(colds), medians(warms), medians(no_execs)
    ratios: list[tuple[str, float | None, float]] = [
        ("cold / bound", median(c["seconds"] / c["bound"] for c in colds), 1.3),
        ("warm / no-exec", warm["seconds"] / no_exec["seconds"], 1.2),
    ]
    for measured in serve:
        for language in ("zh", "en"):
            ratios.append(
                (f"{measured['mode']}, edit {language} -> served (s)", measured[f"median_{language}"], 2.0)
            )
    return {
        "machine": {
            "cores": os.cpu_count(),
            "system": f"{platform.system()} {platform.machine()}",
            "python": platform.python_version(),
        },
        "date_utc": time.strftime("%Y-%m-%d %H:%M", time.gmtime()),
        "command": " ".join(sys.argv),
        "lessons": args.lessons,
        "examples": args.examples,
        "samples": args.samples,
        "rounds": args.rounds,
        "jobs": jobs,
        "edited_lesson": lesson,
        "cold": cold,
        "cold_rounds": colds,
        "warm": warm,
        "warm_rounds": warms,
        "no_exec": no_exec,
        "no_exec_rounds": no_execs,
        "cache": {"bytes": size, "entries": entries, "bytes_per_entry": size / entries if entries else 0},
        "rendered": {
            "bytes": rendered_size,
            "entries": rendered_entries,
            "bytes_per_entry": rendered_size / rendered_entries if rendered_entries else 0,
        },
        "serve": serve,
        "ratios": ratios,
    }


if __name__ == "__main__":
    main()
