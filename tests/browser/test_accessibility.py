"""axe-core finds no serious or critical violation on any page, in light or dark mode.

The pages come from the built site itself (``lessonkit.site.built_pages``), so a page added
tomorrow is checked without editing this file. axe-core comes from the npm package pinned in
package.json (``npm ci``).
"""

from __future__ import annotations

import pytest


def serious_violations(page, axe_source: str) -> list[str]:
    page.add_script_tag(content=axe_source)
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:5]}"
        for v in result["violations"]
        if v["impact"] in {"serious", "critical"}
    ]


def page_violations(page, axe_source: str, paths: list[str], scheme: str) -> list[str]:
    """Open each of *paths* in *scheme* with every ``<details>`` open; return the serious and
    critical violations axe finds, each naming its page."""
    page.emulate_media(color_scheme=scheme)
    expected = "slate" if scheme == "dark" else "default"
    found = []
    for path in paths:
        page.goto(path)
        page.wait_for_load_state("networkidle")
        assert page.locator("body").get_attribute("data-md-color-scheme") == expected, path
        # The hidden answers' contents too: every <details> opened in one call, not one per element.
        page.evaluate("document.querySelectorAll('details').forEach((element) => { element.open = true; })")
        found += [f"{path}: {violation}" for violation in serious_violations(page, axe_source)]
    return found


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_serious_accessibility_violations_on_any_page(
    page, axe_source: str, site_pages, scheme: str
) -> None:
    paths = [built.path for built in site_pages]
    assert {"/", "/en/"} <= set(paths), "the pages were found"
    violations = page_violations(page, axe_source, paths, scheme)
    assert not violations, "\n".join(violations)
