"""No block fails silently, every output is literal, and discovery finds exactly what renders.

Each test reproduces a way a block used to vanish, run twice, run unseen, or publish
something other than what the example printed.
"""

from __future__ import annotations

import logging
import re
import shutil
import textwrap
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from support import ROOT, copy_project, fence_markdown, mkdocs_build
from test_runner_features import ASK, BOOTSTRAP_ERROR, DEADLOCK, NO_MAIN_GUARD, PROGRESS

from lessonkit.running.executor import Executor
from lessonkit.running.options import RunDefaults
from lessonkit.running.output import normalize_output
from lessonkit.running.runner import TRACEBACK_BYTES, _Capture
from lessonkit.running.sandbox import Isolation
from lessonkit.running.start_method import StartMethod
from lessonkit.site.fence import FenceContext
from lessonkit.site.pages import FenceSite

pytestmark = pytest.mark.slow  # runs programs or builds sites

FORMS = """# Forms {#forms}

```python exec="on" start_methods="fork"
print("form plain")
```

```py exec="1" start_methods="fork"
print("form py")
```

``` { .python exec="on" start_methods="fork" }
print("form attr list")
```

~~~python exec="on" start_methods="fork"
print("form tilde")
~~~

!!! note

    ```python exec="on" start_methods="fork"
    print("form admonition")
    ```

- A list item whose fence is indented with a tab:

\t```python exec="on" start_methods="fork"
\tif True:
\t\tprint("form list with tab")
\t```

=== "A tab"

    ```python exec="on" start_methods="fork"
    print("form content tab")
    ```

````markdown
```python exec="on"
raise SystemExit("shown as syntax, never run")
```
````
"""

FORM_OUTPUTS = [
    "form plain",
    "form py",
    "form attr list",
    "form tilde",
    "form admonition",
    "form list with tab",
    "form content tab",
]

LITERAL = """# Literal {#literal}

```python exec="on" start_methods="fork"
--8<-- "demo/literal.py"
```
"""

LITERAL_CODE = """\
print('--8<-- "demo/secret.py"')
print('--8<-- "no/such/file"')
print("<img src=x onerror=alert(1)>")
print("{: .injected }")
print("*not emphasis* [not a link](https://example.invalid/)")
print("form\\x0cfeed and line\\u2028separator")
"""

NEVER_RUN = """# Never run

```python exec="on" start_methods="fork"
raise SystemExit("{where} was executed, but MkDocs never publishes it")
```
"""

FEATURES = """# Features {#features}

```python exec="on" expect="RuntimeError" expect_methods="spawn forkserver"
--8<-- "demo/no_guard.py"
```

```python exec="on" start_methods="fork"
--8<-- "demo/progress.py"
```

```python exec="on" start_methods="spawn" stdin="Ada\\n36"
--8<-- "demo/ask.py"
```

```python exec="on" start_methods="fork" stuck_after="1"
--8<-- "demo/deadlock.py"
```
"""

SOLO = """# Solo {#solo}

```python exec="on" start_methods="fork"
print("solo")
```
"""


def _project(tmp_path: Path) -> Path:
    project = copy_project(tmp_path / "project", docs=False, samples=1)
    config = (project / "mkdocs.yml").read_text(encoding="utf-8")
    config = config.replace(
        '          site_description: "Learn',
        '          site_description: "Learn',
    )
    config = config.replace(
        "  - markdown-exec:",
        "        - locale: fr\n          name: Français\n          build: false\n  - markdown-exec:",
    )
    config = config.replace("strict: true\n", "strict: true\nexclude_docs: |\n  excluded.md\n")
    (project / "mkdocs.yml").write_text(config, encoding="utf-8")
    docs = project / "docs"
    shutil.copytree(ROOT / "docs/assets", docs / "assets")
    (project / "snippets/demo").mkdir(parents=True)
    (project / "snippets/demo/literal.py").write_text(LITERAL_CODE, encoding="utf-8")
    (project / "snippets/demo/secret.py").write_text('print("SECRET SOURCE")\n', encoding="utf-8")
    for name in ("index.md", "index.en.md"):
        (docs / name).write_text("# Home\n\nText.\n", encoding="utf-8")
    for name in ("forms.md", "forms.en.md"):
        (docs / name).write_text(FORMS, encoding="utf-8")
    for name in ("literal.md", "literal.en.md"):
        (docs / name).write_text(LITERAL, encoding="utf-8")
    (docs / "solo.md").write_text(SOLO, encoding="utf-8")
    (docs / "features.md").write_text(FEATURES, encoding="utf-8")
    for name, code in (
        ("no_guard", NO_MAIN_GUARD),
        ("progress", PROGRESS),
        ("ask", ASK),
        ("deadlock", DEADLOCK),
    ):
        (project / f"snippets/demo/{name}.py").write_text(code, encoding="utf-8")
    (docs / ".drafts").mkdir()
    (docs / ".drafts/draft.md").write_text(NEVER_RUN.format(where="a draft"), encoding="utf-8")
    (docs / "excluded.md").write_text(NEVER_RUN.format(where="an excluded page"), encoding="utf-8")
    (docs / "index.fr.md").write_text(NEVER_RUN.format(where="a language not built"), encoding="utf-8")
    return project


@pytest.fixture(scope="module")
def forms_site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """Build the forms project strictly; return its site directory and the build's log."""
    tmp_path = tmp_path_factory.mktemp("forms")
    project = _project(tmp_path)
    result = mkdocs_build(project, tmp_path / "site", env={"LESSONKIT_CACHE_DIR": str(tmp_path / "cache")})
    assert result.returncode == 0, result.stderr[-3000:]
    return tmp_path / "site", result.stderr


def _outputs(page: Path) -> list[str]:
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    return [pre.get_text() for pre in soup.select(".lessonkit-runs pre")]


def test_discovery_runs_every_form_superfences_executes_exactly_once(forms_site: tuple[Path, str]) -> None:
    site, log = forms_site
    # 7 forms + the literal block + the solo page, under fork only; the en pages reuse the same runs.
    # The features page adds 4 blocks: one under the three start methods, three under one (6 examples).
    assert "lessonkit: ran 15 examples (0 cached; 15 runs in all)" in log, log
    assert "while rendering" not in log, "a block ran that discovery had not found"
    for page in ("forms/index.html", "en/forms/index.html"):
        assert [output.strip() for output in _outputs(site / page)] == FORM_OUTPUTS


def test_pages_mkdocs_does_not_publish_are_not_run(forms_site: tuple[Path, str]) -> None:
    _, log = forms_site
    assert "never publishes it" not in log
    assert "a draft" not in log and "an excluded page" not in log and "a language not built" not in log


def test_output_is_literal_never_markdown_snippets_or_html(forms_site: tuple[Path, str]) -> None:
    site, _ = forms_site
    for page in ("literal/index.html", "en/literal/index.html"):
        html = (site / page).read_text(encoding="utf-8")
        assert "SECRET SOURCE" not in html, "an output line was expanded as a snippet include"
        assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
        assert BeautifulSoup(html, "html.parser").select(".injected") == [], "an attribute list applied"
        [output] = _outputs(site / page)
        assert output == (
            '--8<-- "demo/secret.py"\n'
            '--8<-- "no/such/file"\n'
            "<img src=x onerror=alert(1)>\n"
            "{: .injected }\n"
            "*not emphasis* [not a link](https://example.invalid/)\n"
            "formfeed and line\u2028separator\n"
        ), "control characters are dropped, U+2028 kept, and nothing is indented or rewritten"


def test_a_page_without_a_translation_gets_captions_in_the_language_built(
    forms_site: tuple[Path, str],
) -> None:
    site, _ = forms_site
    zh = BeautifulSoup((site / "solo/index.html").read_text(encoding="utf-8"), "html.parser")
    en = BeautifulSoup((site / "en/solo/index.html").read_text(encoding="utf-8"), "html.parser")
    assert "启动方式 fork" in zh.select_one(".lessonkit-caption").get_text()
    assert "start method fork" in en.select_one(".lessonkit-caption").get_text()


def test_the_runner_features_work_from_a_fence(forms_site: tuple[Path, str]) -> None:
    """expect_methods, screen-faithful output, stdin and stuck_after, as a page uses them."""
    site, _ = forms_site
    tabs = _outputs(site / "features/index.html")
    no_guard, progress, ask, deadlock = tabs[:3], tabs[3], tabs[4], tabs[5]
    assert no_guard[0] == "the child runs\nmain is done\n", "fork: the normal rules, and they hold"
    assert all(BOOTSTRAP_ERROR in tab for tab in no_guard[1:])
    assert progress == "progress 100%\ntab\tstays, and so does this line\n"
    assert ask == "name? Ada\nage? 36\nhello Ada, 36\n"
    assert deadlock == "taking the lock\ntaking it again\n"
    for page, words in (
        ("features/index.html", "卡住了：它的进程都停了 1 秒"),
        ("en/features/index.html", "stuck: none of its processes ran for 1 s"),
    ):
        captions = BeautifulSoup((site / page).read_text(encoding="utf-8"), "html.parser").select(
            ".lessonkit-caption"
        )
        assert words in captions[-1].get_text() and not any(words in c.get_text() for c in captions[:-1])


BAD_FENCES = """# Bad

```python exec="on" width="wide"
print("markdown-exec cannot read width")
```

```python exec="on" html="on"
print("<b>raw</b>")
```

```python exec="on" timout="5"
import time

time.sleep(30)
```

```python exec="on" session="shared"
print("state")
```

```python exec="on" samples="0"
print("no runs at all")
```

```python exec="on" mask="(pid"
print("a pattern that does not compile")
```

```python exec="on" claim="nowhere/claimed.txt"
print("a claim file that does not exist")
```

```python exec="on" expect_methods="spawn"
print("expect_methods without expect or returncode")
```

```python exec="on" screen="maybe"
print("neither on nor off")
```

```python exec="on" files="demo/nowhere.py"
print("a module file that does not exist")
```

```python exec="on" files="demo/secret.txt"
print("a module file that is not Python")
```

```python exec="on" files="../mkdocs.py"
print("a module file outside the snippets base")
```

```python exec="on" files="/etc/worker.py"
print("a module file given by an absolute path")
```

```python exec="on" files="demo/my-worker.py"
print("a module file no import can name")
```

```python exec="on" files="demo/secret.py other/secret.py"
print("two module files with one name")
```

```python exec="on" files="demo/literal.py"
--8<-- "demo/literal.py"
```

```python exec="on"
print("the fine block after them")
```
"""


def test_bad_options_fail_the_build_before_anything_runs(tmp_path: Path) -> None:
    project = _project(tmp_path)
    (project / "docs/bad.md").write_text(BAD_FENCES, encoding="utf-8")
    result = mkdocs_build(project, tmp_path / "site", env={"LESSONKIT_CACHE_DIR": str(tmp_path / "cache")})
    log = result.stderr
    assert result.returncode != 0
    assert "16 executed block(s) have options lessonkit cannot use; nothing was run" in log, log[-3000:]
    assert "docs/bad.md:3: markdown-exec cannot read this fence's options" in log
    assert "docs/bad.md:7: option html is not allowed" in log
    assert "docs/bad.md:11: unknown option timout (did you mean timeout?)" in log
    assert "docs/bad.md:17: option session is not allowed" in log
    assert 'docs/bad.md:21: samples="0" must be from 1 to 200 runs per start method' in log
    assert 'docs/bad.md:25: mask="(pid" is not a valid regular expression' in log
    assert (
        'docs/bad.md:29: claim="nowhere/claimed.txt": no such file under the snippets base (snippets)' in log
    )
    assert 'docs/bad.md:33: expect_methods="spawn" needs expect="TEXT" or returncode="N"' in log
    assert 'docs/bad.md:37: screen="maybe" must be on or off' in log
    assert 'docs/bad.md:41: files="demo/nowhere.py": no such file under the snippets base (snippets)' in log
    assert 'docs/bad.md:45: files="demo/secret.txt" is not a .py file' in log
    assert 'docs/bad.md:49: files="../mkdocs.py": leaves the snippets base (snippets)' in log
    assert 'docs/bad.md:53: files="/etc/worker.py": an absolute path is not allowed' in log
    assert 'docs/bad.md:57: files="demo/my-worker.py": my-worker.py is not a valid module name' in log
    assert (
        'docs/bad.md:61: files="demo/secret.py other/secret.py": other/secret.py and demo/secret.py would '
        "both be placed as secret.py" in log
    )
    assert (
        'docs/bad.md:65 (snippet snippets/demo/literal.py): files="demo/literal.py" has the name of the '
        "program itself (literal.py)" in log
    )
    assert "lessonkit: ran" not in log


def test_a_fence_markdown_exec_rejects_is_reported_and_the_next_one_still_renders(
    caplog: pytest.LogCaptureFixture,
) -> None:
    context = FenceContext(
        executor=Executor(isolation=Isolation.OFF),
        defaults=RunDefaults(start_methods=(StartMethod.FORK,), timeout=5),
        site_for=lambda token: FenceSite(page="docs/bad.md", line=3),
        language_for=lambda: "en",
        execute=False,
    )
    md = fence_markdown(context)
    logger = logging.getLogger("mkdocs")
    logger.addHandler(caplog.handler)
    try:
        html = md.convert(
            BAD_FENCES.split('```python exec="on" html')[0] + '```python exec="on"\nprint(1)\n```\n'
        )
    finally:
        logger.removeHandler(caplog.handler)
    assert "markdown-exec cannot read this fence's options" in caplog.text
    assert 'class="lessonkit-error"' in html
    assert 'class="lessonkit-placeholder"' in html, "the fence after the bad one vanished"


def test_a_traceback_straddling_the_cut_is_found() -> None:
    capture = _Capture(limit=1000)
    capture.add(b"x" * 990 + TRACEBACK_BYTES[:10])
    capture.add(TRACEBACK_BYTES[10:] + b":\n")
    assert capture.traceback_after_cut
    clean = _Capture(limit=1000)
    clean.add(b"x" * 990 + TRACEBACK_BYTES[:10])
    clean.add(b"y" * 100)
    assert not clean.traceback_after_cut


def test_terminal_escapes_and_control_characters_are_removed() -> None:
    raw = b"a\x1b7b\x1b8c\x1b(Bd\x1b=e\x00f\x07g\x1b[1mh\x1b]0;title\x07i\tj\r\n"
    text = normalize_output(raw, script_path=Path("/lesson/x.py"), workdir=Path("/lesson"))
    assert text == "abcdefghi\tj\n"


def test_every_discovery_form_is_in_this_file() -> None:
    executed = re.findall(r'^\s*(?:```|~~~).*exec="(?:on|1)"', FORMS, flags=re.MULTILINE)
    assert len(executed) == len(FORM_OUTPUTS) + 1  # the one inside ````markdown is shown, not run
    assert textwrap.dedent(FORMS).count("\t```") == 2
