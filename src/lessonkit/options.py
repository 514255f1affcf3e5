"""The fence options lessonkit reads, parsed and checked."""

from __future__ import annotations

import math
from dataclasses import dataclass

from lessonkit.start_method import StartMethod

OPTION_NAMES = ("start_methods", "timeout", "expect")
"""Fence options that belong to lessonkit; ``returncode`` is markdown-exec's own."""


class FenceOptionError(ValueError):
    """A fence option has a value lessonkit cannot use."""


@dataclass(frozen=True)
class RunOptions:
    """How to run one executed block, and what counts as success."""

    start_methods: tuple[StartMethod, ...]
    timeout: float
    returncode: int = 0
    expect: str | None = None


def parse_timeout(text: str) -> float:
    """Parse a timeout in seconds; it must be a positive, finite number."""
    try:
        value = float(text)
    except ValueError:
        raise FenceOptionError(f'timeout="{text}" is not a number of seconds') from None
    if not math.isfinite(value) or value <= 0:
        raise FenceOptionError(f'timeout="{text}" must be a positive number of seconds')
    return value


def parse_run_options(
    extra: dict[str, str],
    *,
    returncode: int,
    default_start_methods: tuple[StartMethod, ...],
    default_timeout: float,
) -> RunOptions:
    """Build :class:`RunOptions` from a fence's options, removing lessonkit's from *extra*."""
    start_methods = default_start_methods
    if "start_methods" in extra:
        text = extra.pop("start_methods")
        try:
            start_methods = StartMethod.parse_list(text)
        except ValueError as error:
            raise FenceOptionError(f'start_methods="{text}": {error}') from None
    timeout = parse_timeout(extra.pop("timeout")) if "timeout" in extra else default_timeout
    expect = extra.pop("expect", None)
    if expect is not None and not expect.strip():
        raise FenceOptionError('expect="" is empty; give the text the output must contain')
    return RunOptions(
        start_methods=start_methods,
        timeout=timeout,
        returncode=returncode,
        expect=expect,
    )
