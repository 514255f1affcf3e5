"""Finding executed fences in a page: every header style, nested fences, line numbers."""

from __future__ import annotations

import markdown

from lessonkit.site.pages import SITE_OPTION, find_exec_fences, front_matter_problem, mark_fences

PAGE = """# Title

````markdown
```python exec="on"
print("shown as an example of the syntax, never run")
```
````

```python exec="on" start_methods='fork spawn' expect="x"
print(1)
```

```{ .python exec="on" }
print(2)
```

    ```py exec="true"
    --8<-- "daemon/demo.py:3:5"
    ```

```python
print("not executed")
```
"""


def test_only_executed_python_fences_outside_other_fences_are_found() -> None:
    fences = find_exec_fences(PAGE, "docs/page.md")
    assert [f.site.line for f in fences] == [9, 13, 17]
    assert fences[0].options["start_methods"] == "fork spawn"  # single quotes, as SuperFences allows
    assert fences[0].options["expect"] == "x"
    assert fences[2].include == ["daemon/demo.py", "3", "5"][0]
    assert fences[2].site.snippet == "snippets/daemon/demo.py"
    assert fences[2].site.describe() == "docs/page.md:17 (snippet snippets/daemon/demo.py)"


def test_marking_keeps_every_header_style_valid() -> None:
    fences = find_exec_fences(PAGE, "docs/page.md")
    marked = mark_fences(PAGE, fences, ["a", "b", "c"])
    assert 'expect="x" lessonkit_site="a"' in marked
    assert '```{ .python exec="on" lessonkit_site="b" }' in marked
    assert 'print("shown as an example of the syntax, never run")\n```' in marked
    assert marked.count(SITE_OPTION) == 3

    seen = []

    def validator(language, inputs, options, attrs, md):
        seen.append(inputs.get(SITE_OPTION))
        return True

    md = markdown.Markdown(
        extensions=["pymdownx.superfences", "attr_list"],
        extension_configs={
            "pymdownx.superfences": {
                "custom_fences": [
                    {
                        "name": "python",
                        "class": "python",
                        "validator": validator,
                        "format": lambda *a, **k: "",
                    }
                ]
            }
        },
    )
    md.convert(marked.replace('    --8<-- "daemon/demo.py:3:5"', "    print(3)"))
    assert seen == ["a", "b"], "SuperFences reads the token in both header styles"


def test_front_matter_that_yaml_cannot_read_is_named_with_its_line() -> None:
    page = "---\ntitle: Daemons\ndescription: Lesson 7: five examples\n---\n\n# Daemons\n"
    problem = front_matter_problem("docs/lesson.md", page)
    assert problem is not None
    assert problem.startswith("docs/lesson.md:3: the front matter is not valid YAML: ")
    assert "column 22" in problem and "quote" in problem


def test_front_matter_that_is_not_keys_and_values_is_refused() -> None:
    problem = front_matter_problem("docs/lesson.md", "---\n- a\n- b\n---\n# Title\n")
    assert problem == "docs/lesson.md:2: the front matter must be keys and values (key: value), not a list"


def test_readable_or_absent_front_matter_is_fine() -> None:
    assert (
        front_matter_problem("docs/a.md", '---\ndescription: "Lesson 7: five examples"\n---\n# A\n') is None
    )
    assert front_matter_problem("docs/a.md", "---\n---\n# Empty front matter\n") is None
    assert (
        front_matter_problem("docs/a.md", "# No front matter\n\n---\n\nA rule: not front matter.\n") is None
    )
