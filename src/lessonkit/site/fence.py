"""markdown-exec's ``python`` fence, run through lessonkit.

Like markdown-exec's own formatters, this is a pair: :func:`run_fence` only runs
and checks (a failed example raises ``ExecutionError``), :func:`format_fence`
renders through ``base_format``.

SuperFences drops a fence silently when its validator or formatter raises. So
nothing may escape from here: :func:`validate_fence` and :func:`format_fence`
catch every error and log it as a warning (which fails ``mkdocs build --strict``)
naming the page and line, and show it, escaped, in place of the block. Messages
are never converted as Markdown: they quote an example's output, which must stay
literal.

The same two functions serve discovery: while a :class:`FenceRecorder` is set, a
fence is checked and recorded instead of run, so the blocks run before rendering
are exactly the blocks SuperFences will hand to the formatter.
"""

from __future__ import annotations

import difflib
import html
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any

from markdown_exec import ExecutionError, MarkdownConverter, base_format
from markdown_exec import validator as markdown_exec_validator
from mkdocs.plugins import get_plugin_logger

from lessonkit.results.checks import find_problem
from lessonkit.results.outcomes import BlockOutcomes, Mask, MaskError, OutcomesReport, judge_results
from lessonkit.running.executor import Example, Executor, Samples
from lessonkit.running.options import (
    OPTION_NAMES,
    FenceOptionError,
    FileReader,
    RunDefaults,
    RunOptions,
    no_files,
    parse_run_options,
)
from lessonkit.site.pages import SITE_OPTION, FenceSite
from lessonkit.site.predict import build_prediction, render_prediction
from lessonkit.site.render import render_block, render_pending, render_placeholder
from lessonkit.site.render_cache import ID_PREFIX, RenderCache, RenderedBlock

log = get_plugin_logger("lessonkit")

PASSED_THROUGH = {"title"}
"""Options markdown-exec leaves in ``extra`` that lessonkit lets through."""

SHOWING = ("predict",)
"""lessonkit's options that change only how a block is shown, never its runs."""

REJECTED = {
    "html": "it would publish the output as raw HTML; lessonkit shows every output literally",
    "session": "each example runs as its own script, so no state is shared between blocks",
    "workdir": "each example runs in its own private directory",
    "width": "the terminal is always 80 columns wide, as a learner's is",
    "result": "lessonkit renders the outputs itself, as plain text",
}
"""markdown-exec options that would defeat lessonkit's guarantees, and why."""

ERROR_KEY = "lessonkit_error"
"""Where :func:`validate_fence` leaves the message of a fence it could not accept."""

TAIL_LINES = 15
"""How many of the last output lines an error message shows."""


@dataclass(frozen=True)
class Judging:
    """How a block's runs are judged: what is masked when grouping, and the claimed output."""

    mask: Mask = field(default_factory=Mask)
    claim_path: str | None = None
    """The claim file as a contributor names it, e.g. ``snippets/daemon/original/daemon_join.txt``."""
    claim: str | None = None
    """The claimed output itself."""
    predict: bool = False
    """``predict="on"``: the reader predicts the output before the answer opens (site/predict.py)."""


ClaimReader = Callable[[str], tuple[str, str]]
"""Reads a ``claim`` path (relative to the snippets base): returns its display path and text,
or raises :class:`FenceOptionError`."""


def no_claim_files(path: str) -> tuple[str, str]:
    """The :data:`ClaimReader` of a context that has no snippets base to read claims from."""
    raise FenceOptionError(f'claim="{path}": this renderer has no snippets base to find it in')


@dataclass
class FenceRecorder:
    """Discovery's notebook: every fence the formatter saw, and what it would run."""

    examples: dict[str, Example] = field(default_factory=dict)
    judging: dict[str, Judging] = field(default_factory=dict)
    """How each example's runs are judged (its mask, its claim)."""
    errors: dict[str, str] = field(default_factory=dict)
    seen: set[str] = field(default_factory=set)


@dataclass
class FenceContext:
    """What the formatter needs from the plugin: how to run, and where the current fence is."""

    executor: Executor
    defaults: RunDefaults
    site_for: Callable[[str | None], FenceSite]
    language_for: Callable[[], str]
    read_claim: ClaimReader = no_claim_files
    read_file: FileReader = no_files
    """Reads a ``files`` path (relative to the snippets base), as :data:`FileReader` says."""
    execute: bool = True
    recorder: FenceRecorder | None = None
    """Set while discovering: record fences instead of running them."""
    rendered: set[str] = field(default_factory=set)
    """The tokens of every fence rendered since the plugin last cleared this set."""
    outcomes: OutcomesReport | None = None
    """Where each rendered block's outcomes are collected, for ``outcomes.json``."""
    reused: set[str] = field(default_factory=set)
    """The keys of the (block, start method) samples this build took from the cache."""
    publish: Callable[[str, str], str] | None = None
    """Stores a file of the site being built (name, text) and returns its URL from the page."""
    render_cache: RenderCache | None = None
    """Where each block's finished HTML is kept between builds (None: rendered every time)."""
    page_url: Callable[[], str] = lambda: ""
    """The URL of the page being rendered (links in a block's HTML are relative to it)."""
    wait: bool = True
    """Wait for a block's runs; ``mkdocs serve`` does not: it shows the block as in progress."""
    pending: dict[str, tuple[str, Example]] = field(default_factory=dict)
    """The blocks shown as in progress since the plugin last cleared this (token: (page, example))."""


def _tail(output: str) -> str:
    lines = output.rstrip("\n").split("\n")[-TAIL_LINES:]
    return "\n".join("    " + line for line in lines)


def run_fence(*, executor: Executor, example: Example, site: FenceSite) -> list[Samples]:
    """Run one block ``samples`` times under each start method and return every run.

    Raises:
        ExecutionError: Any run timed out, went over a limit, exited with another code,
            lacked its ``expect`` text, printed an undeclared traceback, or left
            processes running. The message names the run and shows its output.
    """
    try:
        samples, started = executor.results(example)
    except Exception as error:  # not a failing example (that is a result) but a broken run
        raise ExecutionError(
            f"lessonkit: could not run the example at {site.describe()}: {type(error).__name__}: {error}"
        ) from error
    if started:
        log.info(f"ran {started} runs while rendering {site.describe()} (not found by pre-execution)")
    for results in samples:
        for number, result in enumerate(results, start=1):
            problem = find_problem(result, example.options)
            if problem is None:
                continue
            total = example.options.samples
            which = f" in run {number} of {total}" if total > 1 else ""
            message = (
                f"lessonkit: the example at {site.describe()} failed{which}: {problem}.\n"
                f"Last lines of that run's output under {result.start_method.value}:\n{_tail(result.output)}"
            )
            wrong_code = (
                result.returncode != example.options.returncode
                and not result.timed_out
                and result.limit is None
            )
            raise ExecutionError(message, result.returncode if wrong_code else None)
    return samples


def _unknown_option_message(unknown: list[str]) -> str:
    known = [*OPTION_NAMES, *SHOWING, "returncode", "source", "tabs", "id", "idprefix", "title", "updatetoc"]
    hints = []
    for name in unknown:
        close = difflib.get_close_matches(name, known, n=1)
        hints.append(f"{name} (did you mean {close[0]}?)" if close else name)
    return (
        f"unknown option {', '.join(hints)}; lessonkit reads {', '.join((*OPTION_NAMES, *SHOWING))}, "
        "and markdown-exec reads returncode, source, tabs, id, title and others"
    )


def validate_fence(
    language: str, inputs: dict[str, str], options: dict[str, Any], attrs: dict[str, Any], md: Any
) -> bool:
    """SuperFences validator: markdown-exec's, plus lessonkit's checks; never raises.

    A fence markdown-exec would execute but that lessonkit cannot accept is still taken
    (so it is not dropped), with the reason left in ``options[ERROR_KEY]`` for the formatter.
    """
    rejected = sorted(name for name in inputs if name in REJECTED)
    site = inputs.get(SITE_OPTION)
    try:
        accepted = markdown_exec_validator(language, inputs, options, attrs, md)
    except Exception as error:  # markdown-exec's own checks: e.g. width="wide" is not an int
        options["extra"] = {SITE_OPTION: site} if site is not None else {}
        options[ERROR_KEY] = f"markdown-exec cannot read this fence's options: {error}"
        return True
    if accepted and rejected:
        reasons = "; ".join(f"{name}: {REJECTED[name]}" for name in rejected)
        options[ERROR_KEY] = f"option {', '.join(rejected)} is not allowed ({reasons})"
    return accepted


def _fence_options(
    extra: dict[str, str], kwargs: dict[str, Any], context: FenceContext, program: str
) -> tuple[RunOptions, Judging]:
    """Check and parse the fence's options, removing lessonkit's own from *extra*.

    *program* is the script's file name (``files`` may not reuse it).
    """
    unknown = sorted(set(extra) - set(OPTION_NAMES) - set(SHOWING) - PASSED_THROUGH)
    if unknown:
        raise FenceOptionError(_unknown_option_message(unknown))
    options = parse_run_options(
        extra,
        returncode=kwargs.get("returncode", 0),
        defaults=context.defaults,
        program=program,
        read_file=context.read_file,
    )
    try:
        mask = Mask(extra["mask"]) if "mask" in extra else Mask()
    except MaskError as error:
        raise FenceOptionError(str(error)) from None
    predict = extra.get("predict", "off")
    if predict not in ("on", "off"):
        raise FenceOptionError(f'predict="{predict}": write predict="on" (or "off", the default)')
    judging = Judging(mask=mask, predict=predict == "on")
    if "claim" in extra:
        path, claim = context.read_claim(extra["claim"])
        judging = replace(judging, claim_path=path, claim=claim)
    for name in (*OPTION_NAMES, *SHOWING):
        extra.pop(name, None)
    return options, judging


def format_fence(*, context: FenceContext, **kwargs: Any) -> Any:
    """Format a ``python exec="on"`` fence: lessonkit runs it, markdown-exec renders it.

    Every error is reported (a warning, which fails the strict build) with the page and
    line, and shown in place of the block; none escapes to SuperFences.
    """
    extra: dict[str, str] = kwargs.setdefault("extra", {})
    token = extra.pop(SITE_OPTION, None)
    site = context.site_for(token)
    key = token or f"unlocated:{site.page}"
    try:
        error = kwargs.pop(ERROR_KEY, None)
        options, judging = None, Judging()
        if error is None:
            try:
                options, judging = _fence_options(extra, kwargs, context, site.filename)
            except FenceOptionError as bad:
                error = str(bad)
        if context.recorder is not None:
            return _record(context.recorder, key, kwargs["code"], options, judging, error, site)
        context.rendered.add(key)
        if error is not None or options is None:
            return report(f"lessonkit: bad fence option at {site.describe()}: {error}")
        return _format_runs(context, options, judging, site, kwargs, key)
    except ExecutionError as failure:
        return report(str(failure), stop=context.wait)
    except Exception as failure:  # anything else would make SuperFences drop the block unseen
        return report(
            f"lessonkit: could not render the block at {site.describe()}: {type(failure).__name__}: {failure}"
        )


def report(message: str, *, stop: bool = True) -> str:
    """Log *message* as a warning (fatal under ``--strict``) and return it as escaped HTML.

    Without *stop* (``mkdocs serve``, whose strict rebuild would otherwise abort and leave the
    server stuck on the last pages), the same message is logged as information that says so,
    and the page shows it in place of the block.
    """
    text = message.removeprefix("lessonkit: ")  # the plugin's logger adds "lessonkit: " itself
    if stop:
        log.warning(text)
    else:
        log.info(f"FAILED (shown in place; mkdocs build stops here): {text}")
    return f'<pre class="lessonkit-error"><code>{html.escape(message, quote=False)}</code></pre>'


def _record(
    recorder: FenceRecorder,
    key: str,
    code: str,
    options: RunOptions | None,
    judging: Judging | None,
    error: str | None,
    site: FenceSite,
) -> str:
    recorder.seen.add(key)
    if error is not None:
        recorder.errors[key] = f"{site.describe()}: {error}"
    elif options is not None:
        recorder.examples[key] = Example(code=code, options=options, filename=site.filename)
        recorder.judging[key] = judging or Judging()
    return ""


def _format_runs(
    context: FenceContext,
    options: RunOptions,
    judging: Judging,
    site: FenceSite,
    kwargs: dict[str, Any],
    key: str,
) -> Any:
    """Run the block (raising ``ExecutionError`` if it fails), then render it with its source."""
    language = context.language_for()
    progress = None
    if context.execute and not context.wait:
        example = Example(code=kwargs["code"], options=options, filename=site.filename)
        progress = context.executor.progress(example)
        if progress is not None:
            context.pending[key] = (site.page, example)
    if not context.execute:
        runs_html = render_placeholder(kwargs["code"], language=language)
    elif progress is not None:
        runs_html = render_pending(*progress, language=language)
    else:
        runs_html = _run_code(
            kwargs["code"], context=context, options=options, judging=judging, site=site, md=kwargs["md"]
        )
    # html=True: the runs are finished HTML, in which every output is already escaped. The
    # options validate_fence refuses are turned off here too, should one ever get this far.
    arguments = {**kwargs, "html": True, "session": None, "workdir": None, "width": 0, "result": ""}
    block = base_format(language="python", run=partial(_run_adapter, html=runs_html), **arguments)
    # The block's own id, outside markdown-exec's conversion (which prefixes every id inside it):
    # the report page links here, and both languages use the same.
    if not site.anchor:
        return block
    return f'<div class="lessonkit-block" id="{html.escape(site.anchor)}">{block}</div>'


def _run_code(
    code: str, *, context: FenceContext, options: RunOptions, judging: Judging, site: FenceSite, md: Any
) -> str:
    """Run the block, group each method's runs into outcomes, record them, and render them as HTML.

    The HTML comes from the render cache when nothing it depends on changed, and so do the
    outcomes: a block taken from there is neither judged nor rendered again.
    """
    example = Example(code=code, options=options, filename=site.filename)
    samples = run_fence(executor=context.executor, example=example, site=site)
    executor = context.executor
    keys = [executor.key(example, method) for method in options.start_methods]
    cache, key, stored = context.render_cache, "", None
    if cache is not None:
        digests = [executor.digest(run_key) for run_key in keys]
        key = cache.key(
            [(method.value, digest) for method, digest in zip(options.start_methods, digests, strict=True)],
            language=context.language_for(),
            page_url=context.page_url(),
            mask=judging.mask,
            claim=judging.claim,
            claim_path=judging.claim_path,
            timelines=context.publish is not None,
        )
        stored = cache.get(key)
    if stored is not None and len(stored.methods) == len(keys):
        methods = tuple(
            replace(method, cached=run_key in context.reused)
            for method, run_key in zip(stored.methods, keys, strict=True)
        )
    else:
        stored = None
        methods = tuple(
            replace(
                judge_results(method.value, results, mask=judging.mask, claim=judging.claim),
                cached=run_key in context.reused,
            )
            for method, results, run_key in zip(options.start_methods, samples, keys, strict=True)
        )
    block = BlockOutcomes(
        page=site.page,
        line=site.line,
        snippet=site.snippet,
        claim=judging.claim_path,
        methods=methods,
        anchor=site.anchor,
        mask=judging.mask.pattern,
    )
    if context.outcomes is not None:
        context.outcomes.add(block)
    widget = ""
    if judging.predict:  # drawn from the outcomes each time: cheap, and never stale
        widget = render_prediction(
            build_prediction(block, judging.mask, judging.claim),
            language=context.language_for(),
            where=site.describe(),
            ident=f"{site.anchor or f'lk-line-{site.line}'}-predict",
        )
    if stored is not None:
        MarkdownConverter.counter += 1  # as converting the tabs would: the next blocks' ids stay the same
        if context.publish is not None:
            for name, text in stored.assets.items():
                context.publish(name, text)
        return widget + stored.html(f"exec-{MarkdownConverter.counter}--")
    rendered = render_block_html(block, samples, context=context, judging=judging, md=md)
    if cache is not None:
        cache.put(key, rendered)
    return widget + rendered.html(f"exec-{MarkdownConverter.counter}--")


def render_block_html(
    block: BlockOutcomes,
    samples: list[Samples],
    *,
    context: FenceContext,
    judging: Judging,
    md: Any,
) -> RenderedBlock:
    """Render *block*'s runs: its tabs converted with the page's Markdown *md*, the id prefix stood in.

    Converting advances markdown-exec's counter of conversions (``MarkdownConverter.counter``),
    whose value makes the prefix the finished HTML gets.
    """
    assets: dict[str, str] = {}
    publish = context.publish

    def keep(name: str, text: str) -> str:
        assets[name] = text
        return publish(name, text)

    runs = render_block(
        block,
        samples,
        context.language_for(),
        mask=judging.mask,
        claim=judging.claim,
        publish=None if publish is None else keep,
    )
    template = str(MarkdownConverter(md).convert(runs.markdown, id_prefix=ID_PREFIX))
    methods = tuple(replace(method, cached=None) for method in block.methods)
    return RenderedBlock(template=template, fragments=dict(runs.stash), assets=assets, methods=methods)


def _run_adapter(code: str, *, html: str, **_markdown_exec_options: Any) -> str:
    """Hand markdown-exec the runs lessonkit already made and rendered."""
    del code
    return html
