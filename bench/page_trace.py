"""Where a page's main-thread time goes while it loads: a Chromium trace, summed.

Run by hand from the repository root (never a test: these are timings):

    uv run mkdocs build -d /tmp/site
    uv run python bench/page_trace.py /tmp/site --page /daemon/ [--runs 3] [--throttle 4]

It loads the page in Debian's Chromium (Playwright, a phone's viewport, the CPU slowed
``--throttle`` times as Lighthouse's mobile preset assumes), records a DevTools trace of the
load and the 3 s after it, and prints, as medians of ``--runs`` loads:

- the main thread's time by kind of work (style, layout, script, parsing, paint);
- its long tasks (over 50 ms, which is what Total Blocking Time counts);
- the forced layouts and style recalculations: those a script caused by reading a size
  or a style after changing the page, grouped by the function that read it. Frames in
  Material's bundle are mapped to its TypeScript source through the bundle's source map
  (``node_modules/source-map``, installed by ``npm ci`` with Lighthouse), e.g.
  ``browser/element/size/_/index.ts:133``.

Needs what ``scripts/lighthouse.py`` needs (``npm ci``, Debian's Chromium).
"""

from __future__ import annotations

import argparse
import collections
import json
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, sync_playwright

from lessonkit.site.site_server import serve_site

ROOT = Path(__file__).resolve().parent.parent
CATEGORIES = ",".join(
    (
        "devtools.timeline",
        "disabled-by-default-devtools.timeline",
        "disabled-by-default-devtools.timeline.stack",
        "loading",
        "toplevel",
    )
)
KINDS = {
    "UpdateLayoutTree": "style",
    "Layout": "layout",
    "FunctionCall": "script",
    "EvaluateScript": "script",
    "TimerFire": "script (timers)",
    "ParseHTML": "parse HTML",
    "ParseAuthorStyleSheet": "parse CSS",
    "Paint": "paint",
    "PrePaint": "paint",
}
MAP_FRAMES = """
const fs = require('fs');
const {SourceMapConsumer} = require(process.argv[1]);
const frames = JSON.parse(fs.readFileSync(0, 'utf8'));
(async () => {
  const maps = {};
  const out = [];
  for (const [file, line, column] of frames) {
    if (!(file in maps)) {
      try { maps[file] = await new SourceMapConsumer(JSON.parse(fs.readFileSync(file + '.map', 'utf8'))); }
      catch (e) { maps[file] = null; }
    }
    const o = maps[file] ? maps[file].originalPositionFor({line, column: column - 1}) : {};
    out.push(o.source ? `${o.source.replace(/^.*javascripts\\//, '')}:${o.line}` : null);
  }
  console.log(JSON.stringify(out));
})();
"""


def trace_load(page: Page, url: str, throttle: float) -> list[dict[str, Any]]:
    cdp = page.context.new_cdp_session(page)
    events: list[dict[str, Any]] = []
    done: list[bool] = []
    cdp.on("Tracing.dataCollected", lambda e: events.extend(e["value"]))
    cdp.on("Tracing.tracingComplete", lambda _: done.append(True))
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": throttle})
    cdp.send("Tracing.start", {"categories": CATEGORIES, "transferMode": "ReportEvents"})
    page.goto(url, wait_until="load")
    page.wait_for_timeout(3000)
    cdp.send("Tracing.end")
    while not done:
        page.wait_for_timeout(50)
    return events


def main_thread(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The complete events of the page's renderer main thread (the one with the most of them)."""
    mains = {
        (e["pid"], e["tid"])
        for e in events
        if e.get("name") == "thread_name" and e["args"].get("name") == "CrRendererMain"
    }
    counts = collections.Counter((e.get("pid"), e.get("tid")) for e in events if e.get("ph") == "X")
    main = max(mains, key=lambda m: counts[m])
    return [e for e in events if (e.get("pid"), e.get("tid")) == main and e.get("ph") == "X"]


def summarize(events: list[dict[str, Any]], site: Path, base: str) -> dict[str, Any]:
    kinds: collections.Counter[str] = collections.Counter()
    forced: collections.Counter[tuple[str, int, int]] = collections.Counter()
    forced_count: collections.Counter[tuple[str, int, int]] = collections.Counter()
    long_tasks = []
    for event in events:
        ms = event.get("dur", 0) / 1000
        if event["name"] in KINDS:
            kinds[KINDS[event["name"]]] += ms
        if event["name"] == "RunTask" and ms > 50:
            long_tasks.append(ms)
        if event["name"] in ("Layout", "UpdateLayoutTree"):
            stack = (event.get("args", {}).get("beginData") or {}).get("stackTrace") or []
            if stack and stack[0].get("url", "").startswith(base):
                frame = stack[0]
                path = site / frame["url"][len(base) :].split("?")[0]
                key = (str(path), frame["lineNumber"], frame["columnNumber"])
                forced[key] += ms
                forced_count[key] += 1
    return {"kinds": kinds, "long": sorted(long_tasks, reverse=True), "forced": forced, "count": forced_count}


def source_names(frames: list[tuple[str, int, int]]) -> list[str]:
    """``path:line`` in the original source of each (file, line, column) frame, via its source map."""
    library = ROOT / "node_modules" / "source-map"
    names: list[str | None] = [None] * len(frames)
    if library.exists() and frames:
        result = subprocess.run(
            ["node", "-e", MAP_FRAMES, str(library)],
            input=json.dumps(frames),
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode == 0:
            names = json.loads(result.stdout)
    return [
        name or f"{Path(file).name}:{line}:{column}"
        for name, (file, line, column) in zip(names, frames, strict=True)
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("site", type=Path, help="a built site (mkdocs build -d DIR)")
    parser.add_argument("--page", default="/daemon/", help="the page to load (default: /daemon/)")
    parser.add_argument(
        "--runs", type=int, default=3, help="loads of the page; medians are printed (default: 3)"
    )
    parser.add_argument(
        "--throttle", type=float, default=4, help="CPU slowdown (default: 4, as Lighthouse mobile)"
    )
    args = parser.parse_args()
    site = args.site.resolve()
    if not (site / "index.html").is_file():
        parser.error(f"{site} has no index.html: build the site first")
    runs = []
    with serve_site(site) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        for number in range(1, args.runs + 1):
            print(f"[{number}/{args.runs}] tracing {base}{args.page} ...", file=sys.stderr, flush=True)
            context = browser.new_context(
                viewport={"width": 412, "height": 823},
                device_scale_factor=1.75,
                is_mobile=True,
                has_touch=True,
            )
            events = trace_load(context.new_page(), base + args.page, args.throttle)
            runs.append(summarize(main_thread(events), site, base.rstrip("/") + "/"))
            context.close()
        browser.close()

    def median(values: list[float]) -> float:
        return statistics.median(values) if values else 0.0

    print(f"{args.page}: {args.runs} loads, CPU slowed {args.throttle:g}x; medians in ms\n")
    print("main-thread time by kind of work:")
    for kind in sorted(
        {k for run in runs for k in run["kinds"]}, key=lambda k: -median([r["kinds"][k] for r in runs])
    ):
        print(f"  {kind:<16} {median([run['kinds'][kind] for run in runs]):8.0f}")
    blocking = median([sum(ms - 50 for ms in run["long"]) for run in runs])
    count = median([len(run["long"]) for run in runs])
    print(f"\nlong tasks (> 50 ms): {count:.0f}, their time over 50 ms {blocking:.0f}")
    for number, run in enumerate(runs, start=1):
        print(f"  load {number}: " + ", ".join(f"{ms:.0f}" for ms in run["long"]))
    frames = sorted({key for run in runs for key in run["forced"]})
    names = dict(zip(frames, source_names(frames), strict=True))
    totals: dict[str, list[float]] = collections.defaultdict(lambda: [0.0] * len(runs))
    calls: dict[str, list[int]] = collections.defaultdict(lambda: [0] * len(runs))
    for index, run in enumerate(runs):
        for key, ms in run["forced"].items():
            totals[names[key]][index] += ms
            calls[names[key]][index] += run["count"][key]
    print("\nforced style and layout, by the script function that read the page:")
    for name in sorted(totals, key=lambda n: -median(totals[n]))[:15]:
        print(f"  {median(totals[name]):8.0f} ms  {median(calls[name]):4.0f} times  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
