"""Run Lighthouse (mobile) against the pages of the built site and check the score targets.

Setup, once: ``npm ci`` (installs the pinned lighthouse from package-lock.json) and Debian's
``apt-get install chromium`` (the script uses /usr/bin/chromium; no browser is downloaded).

Run from the repository root::

    uv run python scripts/lighthouse.py                      # builds the site into a temp dir first
    uv run python scripts/lighthouse.py --site site          # audits an already built site
    uv run python scripts/lighthouse.py --output reports     # keeps the JSON reports in reports/
    uv run python scripts/lighthouse.py --site-url https://example.github.io/mp-lessons/ --only seo
                                          # built with SITE_URL, served under /mp-lessons/, SEO only

The pages come from the built site itself (``lessonkit.site.built_pages``): one page of each
kind (home, lesson, report, other) in each language, the one with the largest DOM, so a page
added tomorrow is audited without editing this script; it prints which it chose (``--all-pages``
audits every page). Each is served from 127.0.0.1 on a free port (under the path of
``--site-url`` if given), as a static host serves it (gzip, cached fingerprinted assets; see
lessonkit.site.site_server), and audited with Lighthouse's default mobile emulation and
simulated throttling.

Performance is a timing and varies by about ±5 between runs on this machine, so runs are spent
where they decide something: every page is audited once, and a page whose first score is under
its target plus ``--margin`` (default 5) is audited for performance ``--runs`` − 1 more times
(default 5 in all) and judged by the median. The other categories do not vary and are judged by
the first run. Targets: performance >= ``--performance-target`` (default 95), accessibility,
best practices and SEO = 100 (``--only`` audits fewer). An audit of those categories that could
not run (Lighthouse's "error" mode) fails the page: nobody would have checked it.

Exit status: 0 when every page meets every enforced target (all of them unless ``--advisory
CATEGORY`` says otherwise), 1 when one misses one or an audit could not run, 2 when
lighthouse or Chromium is missing or the build or a whole run of Lighthouse fails.
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
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, NoReturn

from lessonkit.site.built_pages import built_pages, largest_of_each_kind
from lessonkit.site.site_server import serve_site, url_prefix

ROOT = Path(__file__).resolve().parent.parent
LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"
CHROMIUM = Path("/usr/bin/chromium")
KINDS = ("home", "lesson", "report", "other")
"""The kinds of page audited; a not-found page answers 404, which Lighthouse's SEO audit refuses."""
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
    # The build's own summary: in CI, where the tests' build ran every example, it runs none.
    for line in result.stderr.splitlines():
        if "lessonkit: ran " in line:
            print(f"build: {line.split('lessonkit: ', 1)[1]}", file=sys.stderr)


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
    misses = []
    if errored:
        # Not scored, so they could not fail a target: but then nobody checked them either.
        first_error = audits[errored[0]].get("errorMessage", "")
        print(f"    could not run: {', '.join(errored)} (first error: {first_error})")
        misses.append(f"{page}: {len(errored)} audit(s) could not run: {', '.join(errored)}")
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
    margin: int,
    pages: list[str],
) -> list[str]:
    """Audit every page once; audit performance ``runs`` - 1 more times where the first is near.

    "Near" is under the performance target plus *margin*. The further rounds go in the reverse
    order of the first, so that a slow moment of the machine does not always fall on one page.
    """
    reports: dict[str, list[dict[str, Any]]] = {page: [] for page in pages}
    with serve_site(site_dir, prefix) as base:

        def audit(page: str, round_number: int, audited: tuple[str, ...], label: str) -> None:
            print(
                f"{label} lighthouse {base}{page}{'' if round_number == 1 else ' (performance)'} ...",
                file=sys.stderr,
                flush=True,
            )
            name = page.strip("/").replace("/", "-") or "index"
            suffix = "" if round_number == 1 else f".run{round_number}"
            report = output_dir / f"{name}{suffix}.report.json"
            reports[page].append(run_lighthouse(base + page, report, audited))

        # A timing must have the machine to itself; the other categories do not depend on it, so
        # without performance two audits go at once (each mostly waits for Chromium).
        at_once = 1 if "performance" in categories else 2
        with ThreadPoolExecutor(max_workers=at_once) as pool:
            list(
                pool.map(
                    lambda numbered: audit(numbered[1], 1, categories, f"[{numbered[0]}/{len(pages)}]"),
                    enumerate(pages, 1),
                )
            )
        near = []
        if "performance" in categories and runs > 1:
            limit = targets["performance"] + margin
            near = [
                page
                for page in pages
                if (percent(reports[page][0]["categories"]["performance"]["score"]) or 0) < limit
            ]
            if near:
                print(
                    f"{len(near)} page(s) scored under {limit} for performance: {runs - 1} more runs "
                    f"of each, judged by the median: {', '.join(near)}",
                    file=sys.stderr,
                )
        done, total = 0, len(near) * (runs - 1)
        for round_number in range(2, runs + 1 if near else 2):
            for page in near if round_number % 2 else near[::-1]:
                done += 1
                audit(page, round_number, ("performance",), f"[more {done}/{total}]")
    misses: list[str] = []
    for page in pages:
        misses += audit_page(page, reports[page], enforced, categories, targets)
        sys.stdout.flush()
    return misses


def choose_pages(site_dir: Path, all_pages: bool) -> list[str]:
    """The pages to audit, found in the built site; print which were chosen, and why."""
    try:
        found = [page for page in built_pages(site_dir) if page.kind in KINDS]
    except FileNotFoundError as error:
        fail_setup(str(error))
    chosen = found if all_pages else largest_of_each_kind(found, KINDS)
    print(
        f"pages: {len(found)} in the site; auditing {len(chosen)}"
        + ("" if all_pages else " (of each kind, in each language, the one with the largest DOM)")
    )
    for page in chosen:
        peers = sum(1 for other in found if (other.language, other.kind) == (page.language, page.kind))
        print(
            f"  {page.path:<24} {page.language} {page.kind:<7} {page.elements} elements"
            + (f", largest of {peers}" if peers > 1 else "")
        )
    return [page.path for page in chosen]


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
        default=5,
        metavar="N",
        help="audit the performance of a page whose first score is near its target N times in all "
        "and judge the median (default: 5; the other categories do not vary and are audited once)",
    )
    parser.add_argument(
        "--margin",
        type=int,
        default=5,
        metavar="POINTS",
        help="a first performance score under the target plus POINTS is near it (default: 5)",
    )
    parser.add_argument(
        "--list",
        action="store_true",
        help="print the pages that would be audited, and why, then stop (needs --site)",
    )
    parser.add_argument(
        "--all-pages",
        action="store_true",
        help="audit every page, not one page of each kind in each language",
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
    if args.list:
        if not args.site:
            parser.error("--list needs --site: the pages are found in a built site")
        choose_pages(args.site.resolve(), args.all_pages)
        return 0
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
        pages = choose_pages(site_dir, args.all_pages)
        misses = audit_site(
            site_dir, output_dir, enforced, categories, prefix, args.runs, targets, args.margin, pages
        )
        if args.output:
            print(f"JSON reports in {output_dir}")
    print(f"({time.monotonic() - start:.0f} s)", file=sys.stderr)
    if misses:
        print(
            f"FAILED: targets missed (performance >= {args.performance_target}, the others 100), "
            "or audits that could not run:"
        )
        for miss in misses:
            print(f"  {miss}")
        return 1
    advisory = f" (advisory, not enforced: {', '.join(args.advisory)})" if args.advisory else ""
    print(f"OK: every page meets every enforced target{advisory}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
