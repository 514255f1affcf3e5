"""Compare Lighthouse performance of two builds of the site, page by page: medians of interleaved runs.

Lighthouse's performance score varies by about ±5 between runs on a shared machine, so
one run says little. This audits each page of each site ``--rounds`` times, alternating
the sites (and which goes first) round by round, and prints each page's scores, median
and the ratio of medians. Run by hand from the repository root, e.g. before and after a
change to the pages::

    git worktree add /tmp/before HEAD~1 && (cd /tmp/before && uv run mkdocs build -d /tmp/site-a)
    uv run mkdocs build -d /tmp/site-b
    uv run python bench/page_speed.py /tmp/site-a /tmp/site-b --rounds 5

Needs what ``scripts/lighthouse.py`` needs (``npm ci``, Debian's Chromium).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))

from lighthouse import check_tools, run_lighthouse

from lessonkit.site.site_server import serve_site

METRICS = ("total-blocking-time", "largest-contentful-paint", "dom-size")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("site_a", type=Path, help="the built site to compare against (e.g. before a change)")
    parser.add_argument("site_b", type=Path, help="the built site to compare (e.g. after)")
    parser.add_argument("--rounds", type=int, default=5, help="audits of each page of each site (default: 5)")
    parser.add_argument(
        "--page", action="append", help="a page to audit (repeatable; default: /daemon/ and /en/daemon/)"
    )
    args = parser.parse_args()
    check_tools()
    pages = args.page or ["/daemon/", "/en/daemon/"]
    sites = {"a": args.site_a, "b": args.site_b}
    scores: dict[tuple[str, str], list[int]] = {}
    metrics: dict[tuple[str, str, str], list[float]] = {}
    with (
        tempfile.TemporaryDirectory() as tmp,
        serve_site(args.site_a) as base_a,
        serve_site(args.site_b) as base_b,
    ):
        bases = {"a": base_a, "b": base_b}
        for round_number in range(args.rounds):
            order = ["a", "b"] if round_number % 2 == 0 else ["b", "a"]
            for page in pages:
                for which in order:
                    report = Path(tmp) / f"{which}-{round_number}-{page.strip('/').replace('/', '-')}.json"
                    data = run_lighthouse(bases[which] + page, report, ("performance",))
                    score = round(data["categories"]["performance"]["score"] * 100)
                    scores.setdefault((page, which), []).append(score)
                    for metric in METRICS:
                        value = data["audits"][metric].get("numericValue")
                        if value is not None:
                            metrics.setdefault((page, which, metric), []).append(value)
                    print(f"round {round_number + 1}/{args.rounds} {which} {page}: {score}", file=sys.stderr)
    print(f"a = {sites['a']}\nb = {sites['b']}\n{args.rounds} interleaved rounds; medians\n")
    for page in pages:
        a, b = statistics.median(scores[page, "a"]), statistics.median(scores[page, "b"])
        print(
            f"{page:<14} performance a {a:g} {sorted(scores[page, 'a'])}  b {b:g} {sorted(scores[page, 'b'])}"
            f"  b/a {b / a:.3f}"
        )
        for metric in METRICS:
            ma = statistics.median(metrics.get((page, "a", metric), [0]))
            mb = statistics.median(metrics.get((page, "b", metric), [0]))
            ratio = f"{mb / ma:.3f}" if ma else "n/a"
            print(f"    {metric:<26} a {ma:10.0f}  b {mb:10.0f}  b/a {ratio}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
