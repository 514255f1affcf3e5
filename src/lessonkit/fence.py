"""markdown-exec's ``python`` fence, run through lessonkit.

Like markdown-exec's own formatters, this is a pair: :func:`run_fence` only runs
and checks, :func:`format_fence` hands it to ``base_format``, which renders. A
failure is raised as ``ExecutionError`` from inside ``run``, the one place where
markdown-exec turns it into a logged warning that fails ``mkdocs build --strict``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from markdown_exec import ExecutionError, base_format

from lessonkit.checks import find_problem
from lessonkit.executor import Executor
from lessonkit.options import (
    OPTION_NAMES,
    FenceOptionError,
    RunOptions,
    parse_run_options,
)
from lessonkit.pages import SITE_OPTION, FenceSite
from lessonkit.render import render_results
from lessonkit.start_method import StartMethod

PASSED_THROUGH = {"title"}
"""Options markdown-exec leaves in ``extra`` that lessonkit lets through."""

TAIL_LINES = 15
"""How many of the last output lines an error message shows."""


def _tail(output: str) -> str:
    lines = output.rstrip("\n").split("\n")[-TAIL_LINES:]
    return "\n".join("    " + line for line in lines)


def run_fence(
    code: str,
    *,
    executor: Executor,
    options: RunOptions,
    site: FenceSite,
    filename: str,
    language: str,
) -> str:
    """Run one block under each start method and return the Markdown of its tabs.

    Raises:
        ExecutionError: A run timed out, exited with another code, lacked its
            ``expect`` text, or printed an undeclared traceback.
    """
    results = executor.results(code, options, filename)
    for result in results:
        problem = find_problem(result, options)
        if problem:
            executor.forget(code, options, filename)
            message = (
                f"lessonkit: the example at {site.describe()} failed: {problem}.\n"
                f"Last lines of its output under {result.start_method.value}:\n{_tail(result.output)}"
            )
            wrong_code = result.returncode != options.returncode and not result.timed_out
            raise ExecutionError(message, result.returncode if wrong_code else None)
    return render_results(results, language)


def format_fence(
    *,
    executor: Executor,
    default_start_methods: tuple[StartMethod, ...],
    default_timeout: float,
    site_for: Callable[[str | None], FenceSite],
    language_for: Callable[[], str],
    **kwargs: Any,
) -> Any:
    """Format a ``python exec="on"`` fence: lessonkit runs it, markdown-exec renders it."""
    extra: dict[str, str] = kwargs.setdefault("extra", {})
    site = site_for(extra.pop(SITE_OPTION, None))
    filename = site.snippet.rsplit("/", 1)[-1] if site.snippet else "example.py"
    try:
        if kwargs.get("session"):
            raise FenceOptionError("session is not supported: each example runs as its own script")
        unknown = sorted(set(extra) - set(OPTION_NAMES) - PASSED_THROUGH)
        if unknown:
            raise FenceOptionError(
                f"unknown option {', '.join(unknown)}; lessonkit reads {', '.join(OPTION_NAMES)}, "
                "and markdown-exec reads returncode, source, tabs, id, title and others"
            )
        options = parse_run_options(
            extra,
            returncode=kwargs.get("returncode", 0),
            default_start_methods=default_start_methods,
            default_timeout=default_timeout,
        )
    except FenceOptionError as error:
        message = f"lessonkit: bad fence option at {site.describe()}: {error}"
        return base_format(language="python", run=_raise(message), **kwargs)
    run = partial(
        run_fence,
        executor=executor,
        options=options,
        site=site,
        filename=filename,
        language=language_for(),
    )
    kwargs["result"] = ""  # lessonkit renders the outputs itself
    return base_format(language="python", run=partial(_run_adapter, run=run), **kwargs)


def _raise(message: str) -> Callable[..., str]:
    """Return a ``run`` callable that fails with *message*, so markdown-exec reports it."""

    def run(*_args: Any, **_kwargs: Any) -> str:
        raise ExecutionError(message)

    return run


def _run_adapter(code: str, *, run: Callable[[str], str], **_markdown_exec_options: Any) -> str:
    """Accept markdown-exec's ``run`` signature; lessonkit already parsed those options."""
    return run(code)
