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
