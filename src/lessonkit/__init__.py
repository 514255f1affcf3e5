"""lessonkit: run lesson examples as real scripts and publish their real output."""

__version__ = "0.1.0"
