"""Run Lighthouse (mobile) against every page of the built site and check the score targets.

Setup, once: ``npm ci`` (installs the pinned lighthouse from package-lock.json) and Debian's
``apt-get install chromium`` (the script uses /usr/bin/chromium; no browser is downloaded).

Run from the repository root::

    uv run python scripts/lighthouse.py                      # builds the site into a temp dir first
    uv run python scripts/lighthouse.py --site site          # audits an already built site
    uv run python scripts/lighthouse.py --output reports     # keeps the JSON reports in reports/
    uv run python scripts/lighthouse.py --site-url https://example.github.io/mp-lessons/ --only seo
                                          # built with SITE_URL, served under /mp-lessons/, SEO only

Each page is served from 127.0.0.1 on a free port (under the path of ``--site-url`` if given), as
a static host serves it (gzip, cached fingerprinted assets; see lessonkit.site.site_server), and
audited with Lighthouse's default mobile emulation and simulated throttling. Performance is a
timing and varies by about ±5 between runs on this machine, so every page's performance is
audited ``--runs`` times (default 3; the rounds alternate the order of the pages) and the
median is judged; the other categories do not vary and are audited once. Targets: median
performance >= ``--performance-target`` (default 95), accessibility, best practices and
SEO = 100 (``--only`` audits fewer). Exit status: 0 when every page meets every enforced
target (all of them unless ``--advisory CATEGORY`` says otherwise), 1 when one misses one,
2 when lighthouse or Chromium is missing or the build or an audit cannot run.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, NoReturn

from lessonkit.site.site_server import serve_site, url_prefix

ROOT = Path(__file__).resolve().parent.parent
LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"
CHROMIUM = Path("/usr/bin/chromium")
PAGES = ("/", "/daemon/", "/en/", "/en/daemon/", "/report/", "/en/report/")
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
TARGETS = {"performance": 95, "accessibility": 100, "best-practices": 100, "seo": 100}
CHROME_FLAGS = (
    "--headless=new --no-sandbox --disable-gpu --disable-background-networking"
    " --no-first-run --disable-component-update --disable-sync"
)
UNSCORED_MODES = {"notApplicable", "manual", "informative"}


def fail_setup(message: str) -> NoReturn:
    print(f"lighthouse.py: {message}", file=sys.stderr)
    raise SystemExit(2)


def check_tools() -> None:
    if not LIGHTHOUSE.exists():
        fail_setup(f"{LIGHTHOUSE.relative_to(ROOT)} is missing: run `npm ci` in {ROOT}")
    if not CHROMIUM.exists():
        fail_setup(f"{CHROMIUM} is missing: run `apt-get install chromium`")


def build_site(site_dir: Path, site_url: str | None) -> None:
    print(f"building the site into {site_dir} ...", file=sys.stderr)
    command = ["uv", "run", "mkdocs", "build", "--strict", "--site-dir", str(site_dir)]
    env = {**os.environ, "SITE_URL": site_url} if site_url else None
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        fail_setup(f"`{' '.join(command)}` failed with exit status {result.returncode}")


def run_lighthouse(url: str, report: Path, categories: tuple[str, ...]) -> dict[str, Any]:
    command = [
        str(LIGHTHOUSE),
        url,
        "--output=json",
        f"--output-path={report}",
        "--form-factor=mobile",
        "--screenEmulation.mobile",
        f"--only-categories={','.join(categories)}",
        f"--chrome-flags={CHROME_FLAGS}",
        "--quiet",
    ]
    env = {**os.environ, "CHROME_PATH": str(CHROMIUM)}
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0 or not report.exists():
        sys.stderr.write(result.stdout + result.stderr)
        fail_setup(f"lighthouse failed on {url} with exit status {result.returncode}")
    data: dict[str, Any] = json.loads(report.read_text(encoding="utf-8"))
    if data.get("runtimeError"):
        fail_setup(f"lighthouse could not audit {url}: {data['runtimeError']}")
    return data


def percent(score: float | None) -> int | None:
    return None if score is None else round(score * 100)


PERFORMANCE_METRICS = {
    "first-contentful-paint": "FCP",
    "largest-contentful-paint": "LCP",
    "total-blocking-time": "TBT",
    "speed-index": "SI",
}


def audit_page(
    page: str,
    runs: list[dict[str, Any]],
    enforced: set[str],
    categories: tuple[str, ...],
    targets: dict[str, int],
) -> list[str]:
    """Print the page's scores and imperfect audits; return the enforced targets it misses.

    ``runs[0]`` audited every category; later runs only performance. Performance is judged by
    the median of the runs (a timing, it varies from run to run); the other categories do not
    vary, and are judged by the first run.
    """
    data = runs[0]
    scores = {cat: percent(data["categories"][cat]["score"]) for cat in categories}
    performance_runs: list[int] = []
    if "performance" in categories and len(runs) > 1:
        performance_runs = [percent(run["categories"]["performance"]["score"]) or 0 for run in runs]
        scores["performance"] = round(statistics.median(performance_runs))
    shown = "  ".join(f"{cat}={'n/a' if s is None else s}" for cat, s in scores.items())
    print(f"{page:<12} {shown}")
    if performance_runs:
        metrics = "  ".join(
            f"{label} {statistics.median(run['audits'][audit]['numericValue'] for run in runs):.0f} ms"
            for audit, label in PERFORMANCE_METRICS.items()
        )
        print(f"    performance: median of {len(runs)} runs {sorted(performance_runs)}; medians: {metrics}")
        print("    (the audits below are those of the first run)")
    audits = data["audits"]
    errored: list[str] = []
    for cat in categories:
        for ref in data["categories"][cat]["auditRefs"]:
            audit = audits[ref["id"]]
            if audit["scoreDisplayMode"] == "error":
                errored.append(audit["id"])
                continue
            if audit["scoreDisplayMode"] in UNSCORED_MODES or audit["score"] is None:
                continue
            if audit["score"] < 1:
                value = f" ({audit['displayValue']})" if audit.get("displayValue") else ""
                print(f"    [{cat}] {audit['id']}: {audit['title']} score {audit['score']:.2f}{value}")
    if errored:
        # Not scored, so they cannot fail a target, but nobody checked them either.
        first_error = audits[errored[0]].get("errorMessage", "")
        print(f"    could not run: {', '.join(errored)} (first error: {first_error})")
    misses = []
    for cat in categories:
        target, score = targets[cat], scores[cat]
        if score is None or score < target:
            judged = f" (median of {len(runs)})" if cat == "performance" and performance_runs else ""
            miss = f"{page} {cat} {'n/a' if score is None else score}{judged} < {target}"
            if cat in enforced:
                misses.append(miss)
            else:
                print(f"    advisory: {miss} (not enforced in this run)")
    return misses


def audit_site(
    site_dir: Path,
    output_dir: Path,
    enforced: set[str],
    categories: tuple[str, ...],
    prefix: str,
    runs: int,
    targets: dict[str, int],
) -> list[str]:
    """Audit every page; with ``runs`` > 1, audit performance that many times in all.

    The first round audits every category of every page; each further round audits the
    performance of every page again, in the reverse order of the round before, so that a
    slow moment of the machine does not always fall on the same page.
    """
    reports: dict[str, list[dict[str, Any]]] = {page: [] for page in PAGES}
    rounds = runs if "performance" in categories else 1
    total = rounds * len(PAGES)
    done = 0
    with serve_site(site_dir, prefix) as base:
        for round_number in range(1, rounds + 1):
            order = PAGES if round_number % 2 else PAGES[::-1]
            audited = categories if round_number == 1 else ("performance",)
            for page in order:
                done += 1
                what = "" if round_number == 1 else " (performance)"
                print(f"[{done}/{total}] lighthouse {base}{page}{what} ...", file=sys.stderr, flush=True)
                name = page.strip("/").replace("/", "-") or "index"
                suffix = "" if round_number == 1 else f".run{round_number}"
                report = output_dir / f"{name}{suffix}.report.json"
                reports[page].append(run_lighthouse(base + page, report, audited))
    misses: list[str] = []
    for page in PAGES:
        misses += audit_page(page, reports[page], enforced, categories, targets)
        sys.stdout.flush()
    return misses


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--site", type=Path, help="an already built site (default: build one into a temp dir)"
    )
    parser.add_argument("--output", type=Path, help="where to keep the JSON reports (default: a temp dir)")
    parser.add_argument(
        "--advisory",
        action="append",
        choices=CATEGORIES,
        default=[],
        help="report this category's target but do not fail on it (repeatable)",
    )
    parser.add_argument(
        "--only",
        action="append",
        choices=CATEGORIES,
        default=[],
        help="audit this category only (repeatable; default: all four)",
    )
    parser.add_argument(
        "--site-url",
        help="build with SITE_URL set to this URL and serve the site under its path, as "
        "GitHub Pages serves a project site (with --site: a site already built with it)",
    )
    parser.add_argument(
        "--runs",
        type=int,
        default=3,
        metavar="N",
        help="audit each page's performance N times and judge the median (default: 3; the other "
        "categories do not vary between runs and are audited once)",
    )
    parser.add_argument(
        "--performance-target",
        type=int,
        default=TARGETS["performance"],
        metavar="SCORE",
        help=f"the score the median performance must reach (default: {TARGETS['performance']})",
    )
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    targets = {**TARGETS, "performance": args.performance_target}
    categories = tuple(cat for cat in CATEGORIES if cat in args.only) or CATEGORIES
    prefix = url_prefix(args.site_url) if args.site_url else "/"
    check_tools()
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="lighthouse-") as tmp:
        site_dir = args.site.resolve() if args.site else Path(tmp) / "site"
        if args.site:
            if not (site_dir / "index.html").is_file():
                fail_setup(f"{site_dir} has no index.html: build the site first")
        else:
            build_site(site_dir, args.site_url)
        output_dir = args.output.resolve() if args.output else Path(tmp) / "reports"
        output_dir.mkdir(parents=True, exist_ok=True)
        enforced = set(categories) - set(args.advisory)
        misses = audit_site(site_dir, output_dir, enforced, categories, prefix, args.runs, targets)
        if args.output:
            print(f"JSON reports in {output_dir}")
    print(f"({time.monotonic() - start:.0f} s)", file=sys.stderr)
    if misses:
        print(f"FAILED: targets missed (performance >= {args.performance_target}, the others 100):")
        for miss in misses:
            print(f"  {miss}")
        return 1
    advisory = f" (advisory, not enforced: {', '.join(args.advisory)})" if args.advisory else ""
    print(f"OK: every page meets every enforced target{advisory}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
