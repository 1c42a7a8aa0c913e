"""Which files a session may touch: every path a user types goes through :func:`resolve_user_path`.

Without a sandbox (the default, one user on their own terminal) a typed path means what it means in
a shell: relative to the working directory, ``~`` for the home folder. In a sandbox (``marl-tui
--sandbox DIR``, one copy of the app per student, all running as the teacher's Unix user) a typed
path is relative to DIR, ``~`` stands for DIR itself, and a path that leads outside DIR once ``..``
and symbolic links are followed is refused, so that no student can read or overwrite the teacher's
files.
"""

from __future__ import annotations

import os
from pathlib import Path

QUOTA_VARIABLE = "MARL_TUI_SANDBOX_QUOTA_MB"
"""Environment variable: how many MB a sandbox folder may hold (set for each served session)."""
MB = 1024 * 1024


class PathRefused(PermissionError):
    """A typed path this session may not use. A ``PermissionError`` (so an ``OSError``): every
    place that already reports a failed open or save reports this one the same way."""


def sandbox_folder(folder: str | os.PathLike[str]) -> Path:
    """The sandbox ``folder`` as an absolute path with no links, created (with parents) if missing."""
    root = Path(folder).expanduser().resolve()
    root.mkdir(parents=True, exist_ok=True)
    return root


def resolve_user_path(text: str | os.PathLike[str], root: Path | None) -> Path:
    """The file that ``text``, typed by the user, names; :class:`PathRefused` if it is not allowed.

    With ``root`` None, ``text`` is taken as a shell would (``~`` expanded, relative to the working
    directory) and returned unresolved. With a ``root`` folder, relative paths start at ``root``,
    ``~`` and ``~/x`` mean ``root`` and ``root/x``, and the result is resolved (``..`` and links
    followed): a path whose resolved form is not inside ``root`` is refused, as is ``~user``.
    """
    if root is None:
        return Path(text).expanduser()
    root = root.resolve()
    path = Path(text)
    if path.parts and path.parts[0].startswith("~"):
        if path.parts[0] != "~":
            raise PathRefused(f"{str(text)!r}: other users' folders are outside {root}")
        path = Path(*path.parts[1:])
    try:
        target = (root / path).resolve()
    except (ValueError, RuntimeError) as error:  # a NUL character; a loop of symbolic links
        raise PathRefused(f"{str(text)!r} is not a usable path: {error}") from error
    if not target.is_relative_to(root):
        raise PathRefused(
            f"{str(text)!r} is outside {root}: this session may only use files in that folder")
    return target


def may_write(path: Path, root: Path | None) -> bool:
    """True when a file the program holds (say, the one it was started on) may be written back:
    always without a sandbox, else only when ``path`` resolves to a place inside ``root``."""
    return root is None or Path(path).resolve().is_relative_to(root.resolve())


def sandbox_of(app: object) -> Path | None:
    """The sandbox folder of the app a screen runs in, None when it has none (the main app without
    ``--sandbox``, or a bare app hosting one screen)."""
    return getattr(app, "sandbox", None)


def sandbox_quota_mb() -> int | None:
    """The sandbox folder's size limit in MB this session was started with, None when unlimited."""
    value = os.environ.get(QUOTA_VARIABLE, "")
    return int(value) if value.isdigit() and int(value) > 0 else None


def folder_size(folder: Path) -> int:
    """Bytes held by the files under `folder` (links not followed)."""
    total = 0
    for directory, _, files in os.walk(folder):
        for name in files:
            try:
                total += os.lstat(os.path.join(directory, name)).st_size
            except OSError:
                pass
    return total


def check_room(app: object) -> None:
    """Before writing into the app's sandbox: :class:`PathRefused` once the folder holds its
    quota (``serve`` gives each student folder one, so one session cannot fill the disk)."""
    root, quota = sandbox_of(app), sandbox_quota_mb()
    if root is None or quota is None:
        return
    used = folder_size(root)
    if used >= quota * MB:
        raise PathRefused(f"your folder holds {used / MB:.1f} MB, the limit of this session is "
                          f"{quota} MB: delete some files (screenshots, exports) before saving more")
