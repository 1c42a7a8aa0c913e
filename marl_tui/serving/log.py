"""The server's log: one timestamped line per connection, session and refusal, on stderr."""

from __future__ import annotations

import logging
import sys

log = logging.getLogger("marl_tui.serve")


def configure_logging() -> None:
    """Send the log to stderr (once, however often called)."""
    if not log.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%Y-%m-%d %H:%M:%S"))
        log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False


def duration(seconds: float) -> str:
    """`4m05s` or `1h02m03s`: how long a session lasted."""
    minutes, seconds = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m{seconds:02d}s" if hours else f"{minutes}m{seconds:02d}s"
