"""Resource limits of one run: memory and processes of the whole run, and the size of one file."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

_UNITS = {
    "": 1,
    "b": 1,
    "k": 1000,
    "kb": 1000,
    "kib": 1024,
    "m": 1000**2,
    "mb": 1000**2,
    "mib": 1024**2,
    "g": 1000**3,
    "gb": 1000**3,
    "gib": 1024**3,
}
_SIZE = re.compile(r"^\s*(?P<number>\d+(?:\.\d+)?)\s*(?P<unit>[a-zA-Z]*)\s*$")

LIMIT_NAMES = ("max_memory", "max_processes", "max_file_size")
"""The limits, as plugin and fence options are named."""


def parse_size(text: str | int) -> int:
    """Parse a size in bytes: ``1073741824``, ``1GiB``, ``512 MiB``, ``2G`` (G = 10**9).

    Raises:
        ValueError: *text* is not a positive size.
    """
    if isinstance(text, int) and not isinstance(text, bool):
        value = text
    else:
        match = _SIZE.match(str(text))
        unit = match["unit"].lower() if match else None
        if not match or unit not in _UNITS:
            raise ValueError(f"{text!r} is not a size; write e.g. 1GiB, 512MiB or a number of bytes")
        value = int(float(match["number"]) * _UNITS[unit])
    if value <= 0:
        raise ValueError(f"{text!r} must be more than 0 bytes")
    return value


def parse_count(text: str | int) -> int:
    """Parse a positive whole number of processes."""
    try:
        value = int(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a whole number of processes") from None
    if value < 1:
        raise ValueError(f"{text!r} must be at least 1")
    return value


def format_size(size: int) -> str:
    """Return *size* for people: ``1.32 GiB``, ``64 MiB``, ``512 KiB``, ``100 bytes``."""
    for unit, factor in (("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
        if size >= factor:
            return f"{size / factor:.2f}".rstrip("0").removesuffix(".") + f" {unit}"
    return f"{size} bytes"


@dataclass(frozen=True)
class ResourceLimits:
    """What one run may use; going over kills the run and fails the build."""

    max_memory: int = 1024**3
    """Bytes of memory all the run's processes may use together."""
    max_processes: int = 64
    """Processes of the run alive at once, the main process included."""
    max_file_size: int = 64 * 1024**2
    """Bytes one file written by the run may grow to."""

    def with_values(
        self,
        values: dict[str, str],
        spell: Callable[[str, str], str] = lambda name, value: f'{name}="{value}"',
    ) -> ResourceLimits:
        """Return these limits with the ones named in *values* (option strings) replaced.

        *spell* writes an option in error messages, as the user's front end takes it.

        Raises:
            ValueError: A value is not a valid size or count; the message names the option.
        """
        fields = {}
        for name in LIMIT_NAMES:
            if name in values:
                parse = parse_count if name == "max_processes" else parse_size
                try:
                    fields[name] = parse(values[name])
                except ValueError as error:
                    raise ValueError(f"{spell(name, values[name])}: {error}") from None
        return ResourceLimits(**{**self.__dict__, **fields})

    def describe(self, name: str, value: int) -> str:
        """Return a value of limit *name* for people."""
        return f"{value} processes" if name == "max_processes" else format_size(value)

    def describe_over(self, name: str, used: int, allowed: int) -> tuple[str, str]:
        """Return *used* and *allowed* for people, precise enough that they never read the same."""
        shown = self.describe(name, used), self.describe(name, allowed)
        if shown[0] == shown[1] and used != allowed:
            return f"{used:,} bytes", f"{allowed:,} bytes"
        return shown
