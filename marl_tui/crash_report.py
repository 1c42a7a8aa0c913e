"""Where a served app's uncaught error goes: to the server's log, never to the student's screen.

A student's app runs on the student's terminal; a traceback there shows install paths and
internals and, rendered by Textual with every frame's local variables, can take a minute and
more memory than a session has (after a MemoryError). When the server starts an app it passes
the write end of a pipe in :data:`CRASH_FD_VARIABLE`; the app then writes the plain traceback
there (at most :data:`MAX_REPORT` bytes, less than a pipe holds, so writing never waits), shows
nothing, and exits at once with :data:`EXIT_CRASHED`, which the server turns into one line for
the student and a seat freed.
"""

from __future__ import annotations

import os
import sys
import threading
import traceback
from typing import BinaryIO

CRASH_FD_VARIABLE = "MARL_TUI_CRASH_FD"
EXIT_CRASHED = 70  # EX_SOFTWARE in sysexits.h: an internal software error
MAX_REPORT = 32 * 1024


def open_crash_report() -> BinaryIO | None:
    """The pipe the server gave this app for its error report, or None when not served."""
    value = os.environ.get(CRASH_FD_VARIABLE, "")
    if not value.isdigit():
        return None
    try:
        return os.fdopen(int(value), "wb", buffering=0)
    except OSError:
        return None


def report_crash(report: BinaryIO, error: BaseException) -> None:
    """Write `error`'s traceback (no local variables) to `report`, cut to MAX_REPORT bytes."""
    try:
        text = "".join(traceback.format_exception(error)).encode(errors="replace")
        report.write(text[-MAX_REPORT:])
    except Exception:  # noqa: BLE001 - out of memory or a closed pipe: the exit status still tells
        pass


def exit_after_crash(report: BinaryIO, error: BaseException) -> None:
    """Report `error` and end the process now (no interpreter teardown holding the seat)."""
    report_crash(report, error)
    os._exit(EXIT_CRASHED)


def install_excepthook(report: BinaryIO) -> None:
    """Send errors raised outside the app's event loop (while starting, in plain threads) to the
    report too, and end the process."""
    sys.excepthook = lambda kind, error, trace: exit_after_crash(report, error)
    threading.excepthook = lambda hook: exit_after_crash(report, hook.exc_value)

