"""Save a screenshot of every page: light and dark, Chinese and English, desktop and phone.

The pages are found in the built site (``lessonkit.site.built_pages``), not-found pages included,
so a page added tomorrow is in the pictures too.

Run from the repository root, after ``apt-get install chromium fonts-noto-cjk`` (without the
CJK fonts every Chinese character is a box)::

    uv run python scripts/screenshots.py                 # builds the site into a temp dir first
    uv run python scripts/screenshots.py --site site     # uses an already built site

The PNG files go to ``screenshots/`` (gitignored), named PAGE-SCHEME-DEVICE.png. The exercise
answers are opened first, so their outputs are in the picture too.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from lessonkit.site.built_pages import built_pages
from lessonkit.site.site_server import serve_site

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
DEVICES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


def build_site(site_dir: Path) -> None:
    print(f"building the site into {site_dir} ...", file=sys.stderr)
    command = ["uv", "run", "mkdocs", "build", "--strict", "--site-dir", str(site_dir)]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        sys.exit(f"screenshots.py: the build failed:\n{result.stderr[-3000:]}")


def take_screenshots(site_dir: Path, output: Path) -> list[Path]:
    """Write one full-page PNG per page, scheme and device; return their paths."""
    output.mkdir(parents=True, exist_ok=True)
    pages = {
        page.path.strip("/").removesuffix(".html").replace("/", "-") or "index": page.path
        for page in built_pages(site_dir)
    }
    written = []
    with serve_site(site_dir) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        for device, viewport in DEVICES.items():
            for scheme in ("light", "dark"):
                context = browser.new_context(
                    viewport=viewport, color_scheme=scheme, device_scale_factor=1, is_mobile=device == "phone"
                )
                page = context.new_page()
                for name, path in pages.items():
                    page.goto(base + path)
                    page.wait_for_load_state("networkidle")
                    for answer in page.locator("details.success").all():
                        answer.evaluate("element => element.open = true")
                    target = output / f"{name}-{scheme}-{device}.png"
                    page.screenshot(path=str(target), full_page=True)
                    print(f"wrote {target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}")
                    written.append(target)
                context.close()
        browser.close()
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, help="an already built site (default: build one)")
    parser.add_argument("--output", type=Path, default=ROOT / "screenshots", help="default: screenshots/")
    args = parser.parse_args()
    if not CHROMIUM.is_file():
        sys.exit(f"screenshots.py: {CHROMIUM} is missing; run: apt-get install -y chromium fonts-noto-cjk")
    with tempfile.TemporaryDirectory(prefix="screenshots-") as tmp:
        site = args.site
        if site is None:
            site = Path(tmp) / "site"
            build_site(site)
        take_screenshots(site.resolve(), args.output.resolve())


if __name__ == "__main__":
    main()
