"""axe-core finds no serious or critical violation on any page, in light or dark mode.

axe-core comes from the npm package pinned in package.json (``npm ci``).
"""

from __future__ import annotations

import os

import pytest
from conftest import PAGES
from support import ROOT

AXE = ROOT / "node_modules/axe-core/axe.min.js"


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE.is_file():
        reason = f"{AXE.relative_to(ROOT)} is missing; run `npm ci` in {ROOT}"
        if os.environ.get("LESSONKIT_REQUIRE_BROWSER") == "1":
            pytest.fail(f"LESSONKIT_REQUIRE_BROWSER=1 but {reason}")
        pytest.skip(reason)
    return AXE.read_text(encoding="utf-8")


def serious_violations(page, axe_source: str) -> list[str]:
    page.add_script_tag(content=axe_source)
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:5]}"
        for v in result["violations"]
        if v["impact"] in {"serious", "critical"}
    ]


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("path", PAGES)
def test_no_serious_accessibility_violations(page, axe_source: str, path: str, scheme: str) -> None:
    page.emulate_media(color_scheme=scheme)
    page.goto(path)
    page.wait_for_load_state("networkidle")
    expected = "slate" if scheme == "dark" else "default"
    assert page.locator("body").get_attribute("data-md-color-scheme") == expected
    for answer in page.locator("details").all():  # check the hidden answers' contents too
        answer.evaluate("element => element.open = true")
    violations = serious_violations(page, axe_source)
    assert not violations, "\n".join(violations)
