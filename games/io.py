"""Game files: load and save JSON (marl-tui's format) and Gambit .nfg, and resolve user specs.

This module is the front door; the formats live in :mod:`games.json_format` and
:mod:`games.nfg`. Saving is atomic (a temporary file in the same folder, flushed and fsynced,
then ``os.replace``), so a failed save never damages the file already there. Every problem,
including operating-system errors, surfaces as :class:`GameError` naming the file.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from games.catalogue import close_matches, describe_matches, find_entry, get_game
from games.json_format import game_from_dict, game_to_dict, read_json, write_json
from games.model import Game, GameError
from games.nfg import read_nfg, write_nfg

__all__ = [
    "FORMATS",
    "game_from_dict",
    "game_to_dict",
    "load",
    "read_json",
    "read_nfg",
    "resolve",
    "save",
    "write_json",
    "write_nfg",
]

FORMATS = {".json": "json", ".nfg": "nfg"}


def _format_of(path: Path) -> str | None:
    return FORMATS.get(path.suffix.lower())


def _sniff(text: str) -> str | None:
    """'json' or 'nfg' from the first characters of a file, or None."""
    start = text.lstrip("\ufeff \t\r\n")
    if start.startswith("{"):
        return "json"
    if start.startswith("NFG"):
        return "nfg"
    return None


def load(path: str | os.PathLike[str]) -> Game:
    """Read a game from a .json or .nfg file (by extension; other names by content)."""
    path = Path(path).expanduser()
    where = str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise GameError(f"{where}: no such file") from None
    except IsADirectoryError:
        raise GameError(f"{where}: is a folder, not a game file") from None
    except OSError as error:
        raise GameError(f"{where}: cannot read the file ({error.strerror or error})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise GameError(
            f"{where}: not a UTF-8 text file (undecodable byte at offset {error.start})"
        ) from None
    kind = _format_of(path) or _sniff(text)
    if kind == "json":
        return read_json(text, where)
    if kind == "nfg":
        return read_nfg(text, where)
    raise GameError(
        f"{where}: cannot tell the file format: expected a .json (marl-tui) or .nfg (Gambit) file"
    )


def dumps(game: Game, format: str = "json") -> str:
    """The game as file text in ``format``: 'json', 'nfg' (outcome version) or 'nfg-payoff'."""
    if format == "json":
        return write_json(game)
    if format == "nfg":
        return write_nfg(game)
    if format == "nfg-payoff":
        return write_nfg(game, variant="payoff")
    raise GameError(f"unknown file format {format!r}; expected 'json', 'nfg' or 'nfg-payoff'")


def save(game: Game, path: str | os.PathLike[str], format: str | None = None) -> Path:
    """Write ``game`` to ``path`` atomically and return the path.

    ``format`` is 'json', 'nfg' or 'nfg-payoff'; by default it follows the extension. The text
    goes to a temporary file in the same folder, is flushed and fsynced, then replaces the target
    with ``os.replace``; if anything fails the previous file is untouched and the temporary file
    is removed. An existing file's permission bits are kept.
    """
    path = Path(path).expanduser()
    format = format or _format_of(path)
    if format is None:
        raise GameError(
            f"{path}: cannot tell which format to save from the extension {path.suffix!r}; "
            "use .json or .nfg (or pass format='json' / 'nfg')"
        )
    try:
        data = dumps(game, format).encode("utf-8")
    except UnicodeEncodeError as error:
        bad = error.object[error.start : error.end].encode("unicode_escape").decode("ascii")
        raise GameError(
            f"{path}: cannot save: the game's text contains {bad}, which is not a character "
            "UTF-8 can hold (half of a UTF-16 surrogate pair)"
        ) from None
    folder = path.parent
    if not folder.is_dir():
        raise GameError(f"{path}: cannot save, the folder {folder} does not exist")
    if path.is_dir():
        raise GameError(f"{path}: cannot save, a folder has that name")
    temp_name = None
    try:
        fd, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp_name, _mode_for(path))
        os.replace(temp_name, path)
        temp_name = None
        _fsync_folder(folder)
    except OSError as error:
        raise GameError(
            f"{path}: could not save ({error.strerror or error}); the previous file, if any, "
            "is unchanged"
        ) from error
    finally:
        if temp_name is not None:
            try:
                os.unlink(temp_name)
            except OSError:
                pass
    return path


def _mode_for(path: Path) -> int:
    """The existing file's permission bits, or the usual 0o666 less the umask for a new file."""
    try:
        return path.stat().st_mode & 0o7777
    except OSError:
        return 0o666 & ~_umask()


def _umask() -> int:
    """The process umask, read without changing it (os.umask would race with other threads)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    return 0o022


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable where the platform allows opening a folder."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def resolve(spec: str) -> Game:
    """A game from what a user typed: an existing file's path, else a catalogue key.

    Catalogue keys may carry parameters (``"travelers-dilemma:size=5"``). Anything else raises
    GameError saying the spec is neither a file nor a known game, with close catalogue matches.
    """
    text = spec.strip() if isinstance(spec, str) else ""
    if not text:
        raise GameError("expected a game file path or a catalogue game name, got nothing")
    path = Path(text).expanduser()
    if path.is_file():
        return load(path)
    if path.is_dir():
        raise GameError(f"{text}: is a folder, not a game file")
    if find_entry(text) is not None:
        return get_game(text)
    looks_like_file = _format_of(path) is not None or os.sep in text or "/" in text
    hint = f" (no file {path} exists)" if looks_like_file else ""
    matches = describe_matches(close_matches(text))
    raise GameError(f"{text!r} is neither a file nor a known game{hint}.{matches}")
