"""A fixed-size experience-replay buffer held as torch tensors (imports torch; import lazily).

Replay (Mnih et al. 2015) lets deep value learners reuse old joint transitions and breaks the
correlation between consecutive samples. Storage is preallocated on the learner's device so a
minibatch is one index operation per field, with no Python loop over samples.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import torch


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
        self.data = {
            name: torch.zeros((self.capacity, *shape), dtype=dtype, device=self.device)
            for name, (shape, dtype) in fields.items()
        }
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
        missing = set(self.data) - set(entry)
        if missing:
            raise ValueError(f"replay entry is missing field(s) {sorted(missing)}")
        self.seen += 1
        slot = self.position
        if self.reservoir and self.size == self.capacity:
            if rng is None:
                raise ValueError("a full reservoir buffer needs rng to choose a slot")
            slot = int(rng.integers(self.seen))
            if slot >= self.capacity:
                return
        for name, value in entry.items():
            store = self.data[name]
            store[slot] = torch.as_tensor(value, dtype=store.dtype)
        if not (self.reservoir and self.size == self.capacity):
            self.position = (self.position + 1) % self.capacity
            self.size = min(self.size + 1, self.capacity)

    def sample(self, batch_size: int, rng: np.random.Generator) -> dict[str, torch.Tensor]:
        """A uniform minibatch (with replacement) drawn with ``rng``, for reproducible runs."""
        if self.size == 0:
            raise ValueError("cannot sample from an empty replay buffer")
        index = torch.as_tensor(rng.integers(0, self.size, size=batch_size), device=self.device)
        return {name: store[index] for name, store in self.data.items()}

    def stored(self, name: str) -> torch.Tensor:
        """Every stored entry of one field, oldest first."""
        store = self.data[name]
        if self.size < self.capacity:
            return store[: self.size]
        return torch.cat([store[self.position :], store[: self.position]])
