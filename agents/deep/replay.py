"""A fixed-size experience-replay buffer held as one torch tensor (imports torch; import lazily).

Replay (Mnih et al. 2015) lets deep value learners reuse old joint transitions and breaks the
correlation between consecutive samples. Storage is preallocated on the learner's device as a single
float32 table, one row per entry and a column range per field, so storing an entry is one row
write and a minibatch is one index operation (plus one cast per integer field), with no Python loop
over samples or fields: for networks as small as these, per-operation overhead is the cost.
The table grows by doubling up to its capacity, so short runs (and the runner's snapshots, which
deep-copy the agent and its buffer) do not pay for a large capacity they never fill.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import torch

#: Integer fields are stored in float32 columns, which hold integers exactly up to 2**24.
MAX_EXACT_INTEGER = 2**24
#: Rows allocated at first; the table doubles from there when it fills, up to the capacity.
INITIAL_ROWS = 1024


class ReplayBuffer:
    """Ring buffer of named fields; the oldest entry is overwritten once ``capacity`` is reached.

    ``fields`` maps a field name to ``(shape, dtype)`` of one entry, e.g.
    ``{"obs": ((2, 3), torch.float32), "actions": ((2,), torch.int64)}``.
    With ``reservoir=True`` a full buffer instead keeps a uniform sample of *everything* ever
    added (Vitter's algorithm R): entry t replaces a random slot with probability capacity / t.
    """

    def __init__(
        self,
        capacity: int,
        fields: Mapping[str, tuple[tuple[int, ...], torch.dtype]],
        device: torch.device | str = "cpu",
        reservoir: bool = False,
    ) -> None:
        if capacity < 1:
            raise ValueError(f"replay capacity must be at least 1, got {capacity}")
        self.capacity = int(capacity)
        self.device = torch.device(device)
        self.fields = {name: (tuple(shape), dtype) for name, (shape, dtype) in fields.items()}
        self.columns: dict[str, slice] = {}
        width = 0
        for name, (shape, _) in self.fields.items():
            size = int(np.prod(shape, dtype=np.int64))
            self.columns[name] = slice(width, width + size)
            width += size
        rows = min(self.capacity, INITIAL_ROWS)
        self.table = torch.zeros((rows, width), dtype=torch.float32, device=self.device)
        self._row = np.zeros(width, dtype=np.float32)
        self._cpu = self.device.type == "cpu"
        self.reservoir = reservoir
        self.size = 0
        self.position = 0
        self.seen = 0  # entries ever offered

    def __len__(self) -> int:
        return self.size

    def add(
        self, rng: np.random.Generator | None = None, **entry: np.ndarray | float | int | bool
    ) -> None:
        """Store one entry (every field must be given); a full reservoir draws its slot with ``rng``."""
        if entry.keys() != self.fields.keys():
            missing, unknown = set(self.fields) - set(entry), set(entry) - set(self.fields)
            raise ValueError(
                f"replay entry is missing field(s) {sorted(missing)}, "
                f"has unknown field(s) {sorted(unknown)}"
            )
        self.seen += 1
        slot = self.position
        if self.reservoir and self.size == self.capacity:
            if rng is None:
                raise ValueError("a full reservoir buffer needs rng to choose a slot")
            slot = int(rng.integers(self.seen))
            if slot >= self.capacity:
                return
        if slot == len(self.table):
            self._grow()
        row = self._row
        for name, value in entry.items():
            row[self.columns[name]] = value if isinstance(value, (float, int)) else np.ravel(value)
        if self._cpu:  # write through numpy's view of the table: no tensor is built per entry
            self.table.numpy()[slot] = row
        else:
            self.table[slot] = torch.from_numpy(row)
        if not (self.reservoir and self.size == self.capacity):
            self.position = (self.position + 1) % self.capacity
            self.size = min(self.size + 1, self.capacity)

    def _grow(self) -> None:
        """Double the table's rows (at most to the capacity), keeping the entries it holds."""
        rows = min(2 * len(self.table), self.capacity)
        table = torch.zeros((rows, self.table.shape[1]), dtype=torch.float32, device=self.device)
        table[: len(self.table)] = self.table
        self.table = table

    def sample(
        self,
        batch_size: int,
        rng: np.random.Generator,
        fields: Sequence[str] | None = None,
    ) -> dict[str, torch.Tensor]:
        """A uniform minibatch (with replacement) drawn with ``rng``, for reproducible runs.

        ``fields`` names the fields wanted (default: all); the rows are gathered once either way,
        and each field is a view of them (plus a cast for integer fields).
        """
        if self.size == 0:
            raise ValueError("cannot sample from an empty replay buffer")
        index = rng.integers(0, self.size, size=batch_size)
        if self._cpu:  # numpy's take on the table's shared memory is the cheapest row gather
            rows = torch.from_numpy(self.table.numpy().take(index, axis=0))
        else:
            rows = self.table.index_select(0, torch.from_numpy(index).to(self.device))
        return {
            name: self._field(rows, name) for name in (self.fields if fields is None else fields)
        }

    def stored(self, name: str) -> torch.Tensor:
        """Every stored entry of one field, oldest first."""
        table = self.table[: self.size]
        if self.size == self.capacity:
            table = torch.cat([table[self.position :], table[: self.position]])
        return self._field(table, name)

    def _field(self, rows: torch.Tensor, name: str) -> torch.Tensor:
        """One field's columns of ``rows``, in its shape and dtype (a view for float32 fields)."""
        shape, dtype = self.fields[name]
        columns = self.columns[name]
        if len(shape) == 0:  # a scalar field is one column: select it, no reshape needed
            values = rows[:, columns.start]
        elif len(shape) == 1:  # a vector field's column range already has its shape
            values = rows[:, columns]
        else:
            values = rows[:, columns].view(-1, *shape)
        return values if dtype == torch.float32 else values.to(dtype)
