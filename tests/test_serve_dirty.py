"""``mkdocs serve --dirty``: a prose edit rebuilds only its page; any other change rebuilds every page."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest
from support import ROOT, copy_project

from lessonkit.site.dirty import Snapshot, merge_outcomes, merge_search_index

pytestmark = pytest.mark.slow  # runs programs or builds sites

PAGE = """# {title} {{ #{slug} }}

{prose}

```python exec="on"
--8<-- "demo/{slug}.py"
```
"""

RENDERING = "Running `page_markdown` event from plugin 'lessonkit'"
"""MkDocs' line (``-v``) for each page it renders, in either language."""


def write_page(root: Path, name: str, prose: str) -> None:
    slug = name.split(".")[0]
    text = PAGE.format(title=slug.title(), slug=slug, prose=prose)
    (root / "docs" / name).write_text(text, encoding="utf-8")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The real mkdocs.yml with two pages (home and "other") in both languages, one example each."""
    root = copy_project(tmp_path / "project", docs=False, samples=1, nav=["index.md", "other.md"])
    shutil.copytree(ROOT / "docs/assets", root / "docs/assets")
    (root / "snippets/demo").mkdir(parents=True)
    (root / "snippets/demo/index.py").write_text('print("home output")\n')
    (root / "snippets/demo/other.py").write_text('print("other output")\n')
    for name in ("index.md", "index.en.md", "other.md", "other.en.md"):
        write_page(root, name, "Some prose.")
    return root


class Serve:
    """``mkdocs serve --dirty -v`` on *project* (without ``--dirty`` if not *dirty*), strict as
    mkdocs.yml says; *env* adds to its environment."""

    def __init__(
        self, project: Path, log: Path, *, dirty: bool = True, env: dict[str, str] | None = None
    ) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.log = log
        with log.open("w") as out:
            self.process = subprocess.Popen(
                [
                    *(sys.executable, "-m", "mkdocs", "serve", *(["--dirty"] if dirty else []), "-v"),
                    *("-a", f"127.0.0.1:{self.port}"),
                ],
                cwd=project,
                env={
                    **os.environ,
                    "NO_MKDOCS_2_WARNING": "1",
                    "LESSONKIT_CACHE_DIR": str(project / ".cache"),
                    **(env or {}),
                },
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def get(self, path: str) -> str | None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=2) as response:
                return response.read().decode("utf-8")
        except (urllib.error.URLError, OSError):
            return None

    def wait_for(self, path: str, text: str, after: int = 0, done: str = "Reloading browsers") -> str:
        """Wait until *path* is served with *text* and the log, past *after*, says *done*."""
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"mkdocs serve exited:\n{self.text()[-3000:]}"
            body = self.get(path)
            if body is not None and text in body and done in self.text()[after:]:
                return body
            time.sleep(0.1)
        raise AssertionError(f"{path} not served with {text!r}:\n{self.text()[after:][-3000:]}")

    def rebuild(self, action: Callable[[], None], path: str, text: str) -> tuple[str, str]:
        """Do *action* (an edit); return *path* once served with *text*, and the rebuild's log."""
        start = len(self.text())
        action()
        body = self.wait_for(path, text, after=start)
        return body, self.text()[start:]

    def stop(self) -> None:
        """Ctrl-C, as a contributor stops it; SIGTERM if SIGINT is ignored (a process started in
        the background by a non-interactive shell, as under some CI runners, ignores it)."""
        for stop, grace in ((signal.SIGINT, 5), (signal.SIGTERM, 10), (signal.SIGKILL, 30)):
            if self.process.poll() is not None:
                return
            self.process.send_signal(stop)
            try:
                self.process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                continue


def test_dirty_serve_rebuilds_an_edited_page_alone_and_a_snippet_edit_everywhere(
    project: Path, tmp_path: Path
) -> None:
    serve = Serve(project, tmp_path / "serve.log")
    try:
        serve.wait_for("/other/", "other output", done="Serving on")
        first = serve.text()
        assert "Aborted" not in first and "WARNING" not in first, first[-3000:]
        assert "A 'dirty' build is being performed" in first, "MkDocs' message is still shown, as INFO"

        # A prose edit that moves the block two lines down: only that page is written again.
        def edit_prose() -> None:
            write_page(project, "other.md", "Some prose.\n\nA new paragraph, token 8f3a.")

        body, log = serve.rebuild(edit_prose, "/other/", "token 8f3a")
        assert "other output" in body
        assert "dirty build: only prose changed (docs/other.md)" in log, log
        assert log.count(RENDERING) == 1, "only the edited page was rendered"
        assert "ERROR" not in log and "Aborted" not in log, log
        assert "token 8f3a" not in (serve.get("/en/other/") or "")
        home = serve.get("/") or ""
        assert "home output" in home and "Other" in home, "the home page, and its navigation, as they were"
        outcomes = json.loads(serve.get("/outcomes.json") or "{}")
        lines = {block["page"]: block["line"] for block in outcomes["blocks"]}
        assert lines == {"docs/index.md": 5, "docs/index.en.md": 5, "docs/other.md": 7, "docs/other.en.md": 5}
        index = json.loads(serve.get("/search/search_index.json") or "{}")
        texts = [(entry["location"], entry["text"]) for entry in index["docs"]]
        assert len(texts) == len(set(texts)), "no entry is repeated"
        locations = {location.split("#")[0] for location, _ in texts}
        assert {"", "other/", "en/", "en/other/"} <= locations, "the other pages are still searchable"
        assert any("token 8f3a" in text for location, text in texts if location.startswith("other/"))

        # A snippet edit: no page's source changed, but both languages' home pages show its output.
        def edit_snippet() -> None:
            (project / "snippets/demo/index.py").write_text('print("home, edited")\n')

        body, log = serve.rebuild(edit_snippet, "/en/", "home, edited")
        assert "dirty build of every page" in log and "snippets/demo/index.py changed" in log, log
        # The Chinese page, built first, may show the block in progress: serve rebuilds when it ends.
        serve.wait_for("/", "home, edited", done="Reloading browsers")
        assert "ERROR" not in log and "Aborted" not in log, log
    finally:
        serve.stop()


GATED = """\
import os
import time

while not os.path.exists({gate!r}):
    time.sleep(0.05)
{then}
"""
"""An example that waits for the test to create a file: its runs end when the test says so."""


def test_serve_shows_pages_at_once_and_each_block_when_its_runs_end(project: Path, tmp_path: Path) -> None:
    """``mkdocs serve`` does not wait for runs: a block shows that its runs are in progress, and
    serve rebuilds when they end; a block whose runs fail then shows the failure, as the build
    would. The examples wait for a file the test creates, so the order is certain. They run
    without the sandbox here, so that they can see that file (the sandbox is tested elsewhere)."""
    gate = tmp_path / "gate"
    (project / "snippets/demo/index.py").write_text(GATED.format(gate=str(gate), then='print("home output")'))
    (project / "snippets/demo/other.py").write_text(
        GATED.format(gate=str(gate), then='raise ValueError("broken on purpose")')
    )
    serve = Serve(project, tmp_path / "serve.log", dirty=False, env={"LESSONKIT_ISOLATION": "off"})
    try:
        home = serve.wait_for("/", "lessonkit-pending", done="Serving on")
        assert "home output" not in home
        assert "运行中：已完成 0 / 3 次运行" in home, "the Chinese page says how many runs are done"
        english = serve.get("/en/") or ""
        assert "Running: 0 of 3 runs done" in english
        assert "lessonkit-pending" in (serve.get("/other/") or "")
        assert "serving 4 blocks as in progress" in serve.text()
        start = len(serve.text())
        gate.touch()
        home = serve.wait_for("/", "home output", after=start)
        assert "lessonkit-pending" not in home
        other = serve.wait_for("/other/", "lessonkit-error", after=start)
        assert "broken on purpose" in other and "lessonkit-pending" not in other
        log = serve.text()[start:]
        assert "docs/other.md" in log and "failed" in log and "ValueError: broken on purpose" in log, log
    finally:
        serve.stop()


def test_a_dirty_build_renders_every_page_unless_only_prose_changed() -> None:
    last = Snapshot(
        config="c",
        watched={"snippets/a.py": (1, 10)},
        pages={"docs/a.md": "1", "docs/report.md": "r"},
        headings={"docs/a.md": "# A", "docs/report.md": "# R"},
        blocks={"docs/a.md": ["block"]},
        aggregates={"docs/report.md"},
    )

    def now(**changes: object) -> Snapshot:
        fields = {**last.__dict__, **changes}
        return Snapshot(**fields)  # type: ignore[arg-type]

    assert now().why_full(None) == "no earlier build in this process"
    assert now().why_full(last) == ""
    assert now(pages={"docs/a.md": "2", "docs/report.md": "r"}).why_full(last) == ""
    assert now(config="d").why_full(last) == "mkdocs.yml changed"
    assert now(watched={"snippets/a.py": (2, 10)}).why_full(last) == "snippets/a.py changed"
    assert "added or removed" in now(pages={"docs/a.md": "1"}).why_full(last)
    edited = {"docs/a.md": "2", "docs/report.md": "r"}
    assert "title" in now(pages=edited, headings={**last.headings, "docs/a.md": "# B"}).why_full(last)
    assert "blocks" in now(pages=edited, blocks={"docs/a.md": ["other"]}).why_full(last)
    report_edited = {"docs/a.md": "1", "docs/report.md": "s"}
    assert "report page" in now(pages=report_edited).why_full(last)


def test_merges_keep_the_pages_a_partial_build_did_not_render() -> None:
    blocks = [{"page": "docs/a.md", "line": 3}, {"page": "docs/b.md", "line": 5}]
    last = {"blocks": blocks, "built_at": "then"}
    now = {"blocks": [{"page": "docs/a.md", "line": 9}], "built_at": "now"}
    assert merge_outcomes(last, now, {"docs/a.md"}) == {
        "blocks": [{"page": "docs/a.md", "line": 9}, {"page": "docs/b.md", "line": 5}],
        "built_at": "now",
    }
    entries = [{"location": ""}, {"location": "a/", "text": "old"}, {"location": "a/#x"}, {"location": "b/"}]
    old = {"docs": entries}
    new = {"config": {}, "docs": [{"location": "a/", "text": "new"}]}
    assert merge_search_index(old, new, {"a/"})["docs"] == [
        {"location": ""},
        {"location": "a/", "text": "new"},
        {"location": "b/"},
    ]
