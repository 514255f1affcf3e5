"""``lessonkit drift``: the site's examples under another Python, compared with the site's own runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from support import copy_project

from lessonkit.results.drift import CHANGED, FAILS, RARE, SAME, compare, missing_common
from lessonkit.results.outcomes import Mask, judge
from lessonkit.running.interpreter import InterpreterNotFound, current, find

pytestmark = pytest.mark.slow  # runs programs or builds sites


def _other_python() -> str | None:
    """A Python on this machine of another feature version than the one running the tests."""
    for version in ("3.12", "3.13", "3.10", "3.11"):
        if version == current().feature_version:
            continue
        try:
            find(version)
        except InterpreterNotFound:
            continue
        return version
    return None


OTHER = _other_python()


@pytest.fixture
def other() -> str:
    """The other Python's version; without one, skip (or fail where LESSONKIT_REQUIRE_DRIFT=1, as in CI)."""
    if OTHER is None:
        message = f"no Python of another version than {current().feature_version} on this machine"
        if os.environ.get("LESSONKIT_REQUIRE_DRIFT") == "1":
            pytest.fail(f"{message}, and LESSONKIT_REQUIRE_DRIFT=1 (CI) requires one")
        pytest.skip(f"{message}; .ci/run installs one")
    return OTHER


PAGE = """# Drift {{ #drift }}

```python exec="on"
--8<-- "demo/steady.py"
```

```python exec="on"
--8<-- "demo/version.py"
```
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A small site: one block that prints the same under every Python, one that prints its version."""
    root = copy_project(tmp_path / "project", docs=False, samples=2)
    (root / "snippets/demo").mkdir(parents=True)
    (root / "docs").mkdir()
    (root / "snippets/demo/steady.py").write_text('print("the same everywhere")\n')
    (root / "snippets/demo/version.py").write_text("import sys\n\nprint(sys.version_info[:2])\n")
    for name in ("index.md", "index.en.md"):
        (root / "docs" / name).write_text(PAGE.format(), encoding="utf-8")
    return root


def drift(project: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lessonkit.cli", "drift", *arguments],
        cwd=project,
        env={**os.environ, "LESSONKIT_CACHE_DIR": str(project / ".cache/lessonkit")},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_verdicts_same_rare_and_changed() -> None:
    base = judge("fork", ["a\n"] * 18 + ["b\n"] * 2)
    assert compare(base, judge("fork", ["a\n"] * 20)) == RARE, "b was seen twice: a race may miss it"
    assert compare(judge("fork", ["a\n"] * 2), judge("fork", ["c\n"] * 2)) == CHANGED, "every run printed a"
    assert compare(base, judge("fork", ["a\n"] * 17 + ["b\n"] * 3)) == SAME, "counts are never compared"
    assert compare(base, judge("fork", ["c\n"] * 20)) == CHANGED
    assert compare(judge("fork", ["a\n"] * 10 + ["b\n"] * 10), judge("fork", ["a\n"] * 20)) == CHANGED
    assert compare(base, base, problem="run 1 of 20: a traceback") == FAILS
    masked = Mask(r"pid \d+")
    one, two = judge("fork", ["pid 1\n"] * 3, mask=masked), judge("fork", ["pid 2\n"] * 3, mask=masked)
    assert compare(one, two, masked) == SAME
    assert [o.output for o in missing_common(base, judge("fork", ["c\n"]))] == ["a\n"]


def test_a_missing_python_is_a_clear_error_and_runs_nothing(project: Path) -> None:
    result = drift(project, "--python", "3.9.99")
    assert result.returncode == 2, result
    assert "no Python 3.9.99 found on this machine" in result.stderr
    assert result.stdout == ""
    assert not (project / ".cache").exists(), "nothing ran"


def test_drift_finds_the_version_that_changed_and_nothing_else(project: Path, other: str) -> None:
    report_file = project / "drift.json"
    result = drift(project, "--python", other, "--json", str(report_file), "--fail-on-change")
    assert result.returncode == 1, result.stderr
    report = json.loads(report_file.read_text(encoding="utf-8"))
    site, python = current(), find(other)
    site_tuple = f"({site.feature_version.replace('.', ', ')})"
    other_tuple = f"({python.feature_version.replace('.', ', ')})"
    assert report["site_python"] == site.label
    [entry] = report["pythons"]
    assert entry["python"] == python.label and entry["executable"] == str(python.executable)
    examples = {Path(example["snippet"]).name: example for example in entry["examples"]}
    assert set(examples) == {"steady.py", "version.py"}
    assert sorted(examples["steady.py"]["sites"]) == ["docs/index.en.md:3", "docs/index.md:3"]
    for method in ("fork", "spawn", "forkserver"):
        steady, version = examples["steady.py"]["methods"][method], examples["version.py"]["methods"][method]
        assert steady["verdict"] == SAME and steady["site"] == steady["other"]
        assert version["verdict"] == CHANGED
        assert version["site"] == [{"output": f"{site_tuple}\n", "count": 2}]
        assert version["other"] == [{"output": f"{other_tuple}\n", "count": 2}]
    assert entry["counts"] == {SAME: 3, RARE: 0, CHANGED: 3, FAILS: 0}
    side_by_side = [line for line in result.stdout.splitlines() if "│" in line]
    columns = [line.split("│") for line in side_by_side]
    assert any(site_tuple in left and other_tuple in right for left, right in columns)

    again = drift(project, "--python", other)
    assert again.returncode == 0, "without --fail-on-change a change is reported, not an error"
    assert f"{python.label}: 0 runs made, 6 of 6 sets from the cache" in again.stderr, again.stderr
    kept = sorted(path.name for path in (project / ".cache/lessonkit").iterdir())
    assert kept == sorted([site.tag, python.tag]), "each Python's results are kept in its own folder"
