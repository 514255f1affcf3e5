"""The fence options lessonkit reads, parsed and checked."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from lessonkit.running.limits import LIMIT_NAMES, ResourceLimits
from lessonkit.running.start_method import StartMethod

OPTION_NAMES = ("start_methods", "timeout", "expect", "samples", "mask", "claim", *LIMIT_NAMES)
"""Fence options that belong to lessonkit; ``returncode`` is markdown-exec's own."""

MAX_SAMPLES = 200
"""The most runs per start method a block may ask for."""


class FenceOptionError(ValueError):
    """A fence option has a value lessonkit cannot use."""


@dataclass(frozen=True)
class RunOptions:
    """How to run one executed block, and what counts as success."""

    start_methods: tuple[StartMethod, ...]
    timeout: float
    returncode: int = 0
    expect: str | None = None
    limits: ResourceLimits = field(default_factory=ResourceLimits)
    samples: int = 1
    """How many times the block runs under each start method."""


def parse_samples(text: str) -> int:
    """Parse a number of samples: a whole number from 1 to :data:`MAX_SAMPLES`."""
    try:
        value = int(text)
    except ValueError:
        raise FenceOptionError(f'samples="{text}" is not a whole number of runs') from None
    if not 1 <= value <= MAX_SAMPLES:
        raise FenceOptionError(f'samples="{text}" must be from 1 to {MAX_SAMPLES} runs per start method')
    return value


def parse_timeout(text: str) -> float:
    """Parse a timeout in seconds; it must be a positive, finite number."""
    try:
        value = float(text)
    except ValueError:
        raise FenceOptionError(f'timeout="{text}" is not a number of seconds') from None
    if not math.isfinite(value) or value <= 0:
        raise FenceOptionError(f'timeout="{text}" must be a positive number of seconds')
    return value


@dataclass(frozen=True)
class RunDefaults:
    """The plugin-wide defaults a fence's options override."""

    start_methods: tuple[StartMethod, ...]
    timeout: float
    limits: ResourceLimits = field(default_factory=ResourceLimits)
    samples: int = 1


def parse_run_options(values: Mapping[str, str], *, returncode: int, defaults: RunDefaults) -> RunOptions:
    """Build :class:`RunOptions` from a fence's options (strings, as written in the fence)."""
    start_methods = defaults.start_methods
    if "start_methods" in values:
        text = values["start_methods"]
        try:
            start_methods = StartMethod.parse_list(text)
        except ValueError as error:
            raise FenceOptionError(f'start_methods="{text}": {error}') from None
    timeout = parse_timeout(values["timeout"]) if "timeout" in values else defaults.timeout
    samples = parse_samples(values["samples"]) if "samples" in values else defaults.samples
    expect = values.get("expect")
    if expect is not None and not expect.strip():
        raise FenceOptionError('expect="" is empty; give the text the output must contain')
    try:
        limits = defaults.limits.with_values(dict(values))
    except ValueError as error:
        raise FenceOptionError(str(error)) from None
    return RunOptions(
        start_methods=start_methods,
        timeout=timeout,
        returncode=returncode,
        expect=expect,
        limits=limits,
        samples=samples,
    )
