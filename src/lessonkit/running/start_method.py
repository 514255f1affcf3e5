"""The `multiprocessing` start methods an example runs under."""

from __future__ import annotations

import enum


class StartMethod(enum.Enum):
    """A `multiprocessing` start method, with where it is the default."""

    FORK = "fork"
    SPAWN = "spawn"
    FORKSERVER = "forkserver"

    @property
    def default_on(self) -> dict[str, str]:
        """Where this method is the default, by page language."""
        return _DEFAULT_ON[self]

    @classmethod
    def parse_list(cls, text: str) -> tuple[StartMethod, ...]:
        """Parse a space-separated list such as ``"fork spawn"``."""
        names = text.split()
        if not names:
            raise ValueError("the list of start methods is empty")
        known = {method.value: method for method in cls}
        unknown = [name for name in names if name not in known]
        if unknown:
            choices = ", ".join(known)
            raise ValueError(f"unknown start method {' '.join(unknown)!r}; choose from {choices}")
        return tuple(dict.fromkeys(known[name] for name in names))


DEFAULT_START_METHODS: tuple[StartMethod, ...] = tuple(StartMethod)

_DEFAULT_ON = {
    StartMethod.FORK: {
        "zh": "Python 3.13 及更早版本在 Linux 上的默认方式",
        "en": "default on Linux up to Python 3.13",
    },
    StartMethod.SPAWN: {
        "zh": "macOS 与 Windows 上的默认方式",
        "en": "default on macOS and Windows",
    },
    StartMethod.FORKSERVER: {
        "zh": "Python 3.14 起在 Linux 上的默认方式",
        "en": "default on Linux from Python 3.14",
    },
}
