"""scripts/ci_runs.py: the check that each of the real site's examples ran once per CI run.

It reads a ledger of runs; these tests write ledgers by hand (no program runs), for the real
site's examples as the script finds them in docs/.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.content


def load_script():
    spec = importlib.util.spec_from_file_location("ci_runs", ROOT / "scripts" / "ci_runs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


ci_runs = load_script()
SAMPLES = 2


def write_ledger(path: Path, counts: dict[tuple[str, str], int]) -> Path:
    lines = [
        json.dumps({"code_digest": digest, "filename": "x.py", "method": method, "cwd": "/"})
        for (digest, method), n in counts.items()
        for _ in range(n)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def one_build() -> dict[tuple[str, str], int]:
    examples = ci_runs.site_examples(ROOT, SAMPLES)
    assert len(examples) >= 3 * 7, "every lesson's examples under three methods"
    return {key: runs for key, (_name, runs) in examples.items()}


def test_one_builds_runs_pass_cold_and_warm(tmp_path: Path, one_build, capsys) -> None:
    ledger = write_ledger(tmp_path / "runs.jsonl", {**one_build, ("0" * 20, "spawn"): 5})
    for cold in ([], ["--cold"]):
        assert ci_runs.main([*cold, "--samples", str(SAMPLES), str(ledger)]) == 0
    out = capsys.readouterr().out
    assert "5 of them the tests' own programs" in out
    assert "ran exactly once" in out


def test_an_example_run_twice_fails_and_is_named(tmp_path: Path, one_build, capsys) -> None:
    key = next(iter(one_build))
    ledger = write_ledger(tmp_path / "runs.jsonl", {**one_build, key: 2 * one_build[key]})
    assert ci_runs.main(["--samples", str(SAMPLES), str(ledger)]) == 1
    assert f"under {key[1]}: {2 * one_build[key]} runs" in capsys.readouterr().out


def test_an_example_that_did_not_run_fails_only_a_cold_run(tmp_path: Path, one_build, capsys) -> None:
    key = next(iter(one_build))
    ledger = write_ledger(tmp_path / "runs.jsonl", {**one_build, key: 0})
    assert ci_runs.main(["--samples", str(SAMPLES), str(ledger)]) == 0
    assert "1 of the pairs did not run" in capsys.readouterr().out
    assert ci_runs.main(["--cold", "--samples", str(SAMPLES), str(ledger)]) == 1
    assert f"under {key[1]}: 0 runs" in capsys.readouterr().out


def test_a_missing_ledger_is_a_clear_error(tmp_path: Path, capsys) -> None:
    assert ci_runs.main([str(tmp_path / "nowhere.jsonl")]) == 2
    assert "nowhere.jsonl does not exist" in capsys.readouterr().err
