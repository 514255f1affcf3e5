"""The MkDocs layer: the plugin, its options, fences and pages, rendering, the 404 pages, a static server.

Keep it thin: another front end should need only a new layer like this one.
"""

import warnings

# jieba 0.42 (the last release), which Material's search imports for Chinese, has regular
# expressions with invalid escape sequences. Python warns about them when it compiles jieba's
# source (the first build on a fresh clone, before there is bytecode), printing each with its
# source line, which looks like a crash. Such a warning's "module" is the file's path without
# ".py", matched from its start: only jieba's files are meant. DeprecationWarning up to Python
# 3.11, SyntaxWarning from 3.12. mkdocs.yml lists the i18n-404 plugin first, so that MkDocs
# imports this package before the search plugin imports jieba.
for _category in (DeprecationWarning, SyntaxWarning):
    warnings.filterwarnings(
        "ignore", message="invalid escape sequence", category=_category, module=r".*[/\\]jieba[/\\]"
    )
