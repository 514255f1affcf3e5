"""markdown-exec's ``python`` fence, run through lessonkit.

Like markdown-exec's own formatters, this is a pair: :func:`run_fence` only runs
and checks, :func:`format_fence` hands it to ``base_format``, which renders. A
failure is raised as ``ExecutionError`` from inside ``run``, the one place where
markdown-exec turns it into a logged warning that fails ``mkdocs build --strict``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from markdown_exec import ExecutionError, base_format
from mkdocs.plugins import get_plugin_logger

from lessonkit.checks import find_problem
from lessonkit.executor import Example, Executor
from lessonkit.options import (
    OPTION_NAMES,
    FenceOptionError,
    RunDefaults,
    RunOptions,
    parse_run_options,
)
from lessonkit.pages import SITE_OPTION, FenceSite
from lessonkit.render import render_placeholder, render_results

log = get_plugin_logger("lessonkit")

PASSED_THROUGH = {"title"}
"""Options markdown-exec leaves in ``extra`` that lessonkit lets through."""

TAIL_LINES = 15
"""How many of the last output lines an error message shows."""


@dataclass
class FenceContext:
    """What the formatter needs from the plugin: how to run, and where the current fence is."""

    executor: Executor
    defaults: RunDefaults
    site_for: Callable[[str | None], FenceSite]
    language_for: Callable[[], str]
    execute: bool = True


def _tail(output: str) -> str:
    lines = output.rstrip("\n").split("\n")[-TAIL_LINES:]
    return "\n".join("    " + line for line in lines)


def run_fence(*, executor: Executor, example: Example, site: FenceSite, language: str) -> str:
    """Run one block under each start method and return the Markdown of its tabs.

    Raises:
        ExecutionError: A run timed out, exited with another code, lacked its
            ``expect`` text, or printed an undeclared traceback.
    """
    try:
        results, started = executor.results(example)
    except Exception as error:  # not a failing example (that is a result) but a broken run
        raise ExecutionError(
            f"lessonkit: could not run the example at {site.describe()}: {type(error).__name__}: {error}"
        ) from error
    if started:
        log.info(f"ran {started} examples while rendering {site.describe()} (not found by pre-execution)")
    for result in results:
        problem = find_problem(result, example.options)
        if problem:
            message = (
                f"lessonkit: the example at {site.describe()} failed: {problem}.\n"
                f"Last lines of its output under {result.start_method.value}:\n{_tail(result.output)}"
            )
            wrong_code = result.returncode != example.options.returncode and not result.timed_out
            raise ExecutionError(message, result.returncode if wrong_code else None)
    return render_results(results, language)


def _fence_options(extra: dict[str, str], kwargs: dict[str, Any], defaults: RunDefaults) -> RunOptions:
    """Check and parse the fence's options, removing lessonkit's own from *extra*."""
    if kwargs.get("session"):
        raise FenceOptionError("session is not supported: each example runs as its own script")
    unknown = sorted(set(extra) - set(OPTION_NAMES) - PASSED_THROUGH)
    if unknown:
        raise FenceOptionError(
            f"unknown option {', '.join(unknown)}; lessonkit reads {', '.join(OPTION_NAMES)}, "
            "and markdown-exec reads returncode, source, tabs, id, title and others"
        )
    options = parse_run_options(extra, returncode=kwargs.get("returncode", 0), defaults=defaults)
    for name in OPTION_NAMES:
        extra.pop(name, None)
    return options


def format_fence(*, context: FenceContext, **kwargs: Any) -> Any:
    """Format a ``python exec="on"`` fence: lessonkit runs it, markdown-exec renders it."""
    extra: dict[str, str] = kwargs.setdefault("extra", {})
    site = context.site_for(extra.pop(SITE_OPTION, None))
    try:
        options = _fence_options(extra, kwargs, context.defaults)
    except FenceOptionError as error:
        message = f"lessonkit: bad fence option at {site.describe()}: {error}"
        return base_format(language="python", run=_raise(message), **kwargs)
    kwargs["result"] = ""  # lessonkit renders the outputs itself
    language = context.language_for()
    if not context.execute:
        run: Callable[[str], str] = partial(render_placeholder, language=language)
    else:
        run = partial(_run_code, context=context, options=options, site=site, language=language)
    return base_format(language="python", run=partial(_run_adapter, run=run), **kwargs)


def _run_code(
    code: str, *, context: FenceContext, options: RunOptions, site: FenceSite, language: str
) -> str:
    example = Example(code=code, options=options, filename=site.filename)
    return run_fence(executor=context.executor, example=example, site=site, language=language)


def _raise(message: str) -> Callable[..., str]:
    """Return a ``run`` callable that fails with *message*, so markdown-exec reports it."""

    def run(*_args: Any, **_kwargs: Any) -> str:
        raise ExecutionError(message)

    return run


def _run_adapter(code: str, *, run: Callable[[str], str], **_markdown_exec_options: Any) -> str:
    """Accept markdown-exec's ``run`` signature; lessonkit already parsed those options."""
    return run(code)
