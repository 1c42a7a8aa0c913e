"""A class's data: one CSV row per decision, appended and flushed as each round closes, a journal
of the open round's decisions as they are made, and a JSON summary at the end.

Flushed, not synced, as it goes: what is flushed survives the server being killed (the kernel
holds it), and a round never waits for the disk; the CSV is synced when the class closes.

The CSV is long-format (one row per player per round), the shape oTree and empirica users ask
for. A server killed mid-round leaves every closed round in the CSV and the open round's decisions
so far in the journal (``FILE.open-round.jsonl``, one JSON object a line), so nothing made is lost.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from collections.abc import Sequence
from dataclasses import astuple, dataclass
from pathlib import Path

COLUMNS = (
    "session", "round", "group", "player", "role", "action", "payoff", "partners", "agent",
    "timed_out", "seconds",
)


@dataclass(frozen=True)
class Decision:
    """One row: who played what in which round and group, what it paid, and how it was made."""

    session: str
    round: int
    group: int
    player: str
    role: int
    action: str
    payoff: float
    partners: str  # the other players of the group, ';'-separated
    agent: bool
    timed_out: bool
    seconds: float

    def cells(self) -> list[str]:
        """The row as CSV text: booleans as true/false, numbers without float noise."""
        out = []
        for value in astuple(self):
            if isinstance(value, bool):
                out.append("true" if value else "false")
            elif isinstance(value, float):
                out.append(f"{value:.6g}")
            else:
                out.append(str(value))
        return out


def rows_csv(rows: Sequence[Decision], header: bool = True) -> str:
    """Rows as CSV text (the dashboard's export)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if header:
        writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow(row.cells())
    return buffer.getvalue()


class Recorder:
    """Appends a class's decisions to ``path`` (created with the header if new or empty)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.journal = self.path.with_name(self.path.name + ".open-round.jsonl")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.interrupted = self._keep_interrupted_journal()
        new = not self.path.exists() or self.path.stat().st_size == 0
        if not new:
            with self.path.open(encoding="utf-8") as existing:
                first = existing.readline().strip()
            if first != ",".join(COLUMNS):
                raise ValueError(
                    f"{self.path}: exists and is not a class CSV (its header is {first[:80]!r})"
                )
        self._file = self.path.open("a", encoding="utf-8", newline="")
        self._writer = csv.writer(self._file, lineterminator="\n")
        self._journal = None
        if new:
            self._writer.writerow(COLUMNS)
            self._file.flush()

    def _keep_interrupted_journal(self) -> Path | None:
        """A journal left by a server killed mid-round, renamed ``FILE.interrupted-N.jsonl`` so
        that this class's rounds neither add to it nor delete it; ``None`` when there is none."""
        if not self.journal.exists():
            return None
        k = 1
        while (kept := self.path.with_name(f"{self.path.name}.interrupted-{k}.jsonl")).exists():
            k += 1
        self.journal.rename(kept)
        return kept

    def decision(self, session: str, round_number: int, player: str, action: str,
                 seconds: float) -> None:
        """Journal one decision the moment it is made (the round is still open)."""
        if self._journal is None:
            self._journal = self.journal.open("a", encoding="utf-8")
        self._journal.write(json.dumps({"session": session, "round": round_number,
                                        "player": player, "action": action,
                                        "seconds": round(seconds, 3)}) + "\n")
        self._journal.flush()

    def round_closed(self, rows: Sequence[Decision]) -> None:
        """Append a closed round's rows and flush them, then clear the journal."""
        for row in rows:
            self._writer.writerow(row.cells())
        self._file.flush()
        if self._journal is not None:
            self._journal.close()
            self._journal = None
        self.journal.unlink(missing_ok=True)

    def close(self) -> None:
        """Close the files, syncing the CSV to the disk."""
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        if self._journal is not None:
            self._journal.close()
            self._journal = None


def write_summary(path: str | Path, summary: dict) -> Path:
    """The end-of-class JSON summary, written whole then renamed into place. The summary of
    another class found there (a CSV kept from class to class) is kept as ``NAME-SESSION.json``."""
    path = Path(path)
    earlier = _session_of(path)
    if earlier is not None and earlier != summary.get("session"):
        safe = re.sub(r"[^A-Za-z0-9_.-]", "_", earlier)[:80]
        path.replace(path.with_name(f"{path.stem}-{safe}{path.suffix}"))
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(summary, indent=2), encoding="utf-8")
    tmp.replace(path)
    return path


def _session_of(path: Path) -> str | None:
    """The session of the summary at ``path``; ``None`` when there is none (or it is unreadable)."""
    try:
        session = json.loads(path.read_text(encoding="utf-8")).get("session")
    except (OSError, ValueError, AttributeError):
        return None
    return session if isinstance(session, str) else None
