"""`python -m marl_tui.serving.child [limits] -- [marl-tui arguments]`: one student's app, limited.

The servers start every session through this launcher, so the SSH and the web paths apply the same
limits the same way: resource limits and niceness, death with the server (Linux's parent-death
signal), then `exec` of the app itself, which keeps the process id the server watches.
"""

from __future__ import annotations

import argparse
import ctypes
import os
import pwd
import re
import signal
import sys
from pathlib import Path

from marl_tui.crash_report import CRASH_FD_VARIABLE, MAX_REPORT
from marl_tui.files import QUOTA_VARIABLE
from marl_tui.serving.limits import SessionLimits

PR_SET_PDEATHSIG = 1
MAX_COLUMNS, MAX_ROWS = 500, 200
SERVER_ENV = ("PATH", "HOME", "PYTHONPATH", "VIRTUAL_ENV", "XDG_CONFIG_HOME")


def environment(**settings: str) -> dict[str, str]:
    """A student's app environment: a few of the server's variables (not all: they may hold secrets),
    one thread per numeric library (a student's training must not take every core), plus `settings`."""
    env = {key: value for key, value in os.environ.items() if key in SERVER_ENV}
    env.update(LANG="C.UTF-8", OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1",
               MALLOC_ARENA_MAX="2")
    env.update(settings)
    return env


def crash_pipe() -> tuple[int, int]:
    """A pipe for the app's error report (see :mod:`marl_tui.crash_report`): the read end for the
    server (non-blocking), the write end to pass to the app and to name in `crash_environment`."""
    read_end, write_end = os.pipe()
    os.set_blocking(read_end, False)
    return read_end, write_end


def crash_environment(write_end: int) -> dict[str, str]:
    return {CRASH_FD_VARIABLE: str(write_end)}


def read_crash_report(read_end: int) -> str:
    """What the app wrote into its crash pipe (nothing if it did not crash), then close it."""
    chunks = []
    try:
        while chunk := os.read(read_end, 65536):
            chunks.append(chunk)
    except BlockingIOError:  # the app still holds the write end: nothing more for now
        pass
    finally:
        os.close(read_end)
    return b"".join(chunks)[-2 * MAX_REPORT:].decode(errors="replace")


def client_number(value: object, default: int, largest: int) -> int:
    """A whole number a client sent (it may send anything): within 1..largest, `default` if unreadable or 0."""
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):  # OverflowError: JSON's 1e400 is infinity
        return default
    return min(max(number, 1), largest) if number else default


def terminal_size(columns: object, rows: object) -> tuple[int, int]:
    """The size to give a student's terminal, from what the client reported (80x24 where it says 0)."""
    return client_number(columns, 80, MAX_COLUMNS), client_number(rows, 24, MAX_ROWS)


def student_folder(root: Path, name: str) -> Path:
    """A student's own folder under `root` (created, mode 700), named after a sanitised `name`.

    It belongs to whoever owns `root`: with `serve --user NAME` that is NAME's account, the one
    the apps run as, which must be able to save there.
    """
    name = re.sub(r"[^A-Za-z0-9._-]", "_", name)[:64].strip(".") or "student"
    folder = root / name
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    owner = root.stat()
    if os.geteuid() == 0 and (folder.stat().st_uid, folder.stat().st_gid) != (owner.st_uid, owner.st_gid):
        os.chown(folder, owner.st_uid, owner.st_gid)
    return folder


def become(user: str) -> None:
    """From now on run as `user` (the launcher, started by a server running as root): its
    supplementary groups, its group, then its user id, which cannot be undone; HOME, USER and
    LOGNAME follow. KeyError if there is no such account."""
    entry = pwd.getpwnam(user)
    os.initgroups(user, entry.pw_gid)
    os.setgid(entry.pw_gid)
    os.setuid(entry.pw_uid)
    os.environ.update(HOME=entry.pw_dir, USER=user, LOGNAME=user)


def prepare(limits: SessionLimits) -> None:
    """Everything the launcher does before exec: limits (as root, so a lowered hard limit holds),
    then the unprivileged account, then death with the parent (changing the user clears it)."""
    limits.apply()
    if limits.user:
        become(limits.user)
    die_with_parent()


def die_with_parent() -> None:
    """Ask Linux to hang us up if the server dies without cleaning up (no-op elsewhere)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGHUP)
    except (OSError, AttributeError):
        pass


def command(limits: SessionLimits, app_arguments: list[str], module: str = "marl_tui") -> list[str]:
    """The argv that runs `python -m module app_arguments` (the app) under `limits`."""
    return [sys.executable, "-m", "marl_tui.serving.child", *limits.arguments(), "--module", module,
            "--", *app_arguments]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m marl_tui.serving.child")
    parser.add_argument("--cpu-seconds", type=int, default=0, help="0: no limit")
    parser.add_argument("--memory-mb", type=int, default=0, help="0: no limit")
    parser.add_argument("--nice", type=int, default=0)
    parser.add_argument("--disk-mb", type=int, default=0, help="0: no limit")
    parser.add_argument("--user", default=None, help="the account to run the app as")
    parser.add_argument("--module", default="marl_tui", help="what to run (tests serve small programs)")
    parser.add_argument("app", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    app = args.app[1:] if args.app[:1] == ["--"] else args.app
    limits = SessionLimits(args.cpu_seconds or None, args.memory_mb or None, args.nice, args.user,
                           args.disk_mb or None)
    prepare(limits)
    if limits.disk_mb:
        os.environ[QUOTA_VARIABLE] = str(limits.disk_mb)
    os.execv(sys.executable, [sys.executable, "-m", args.module, *app])


if __name__ == "__main__":
    main()
