"""The lean per-step protocol: an agent's form for the runner's fast loop over repeated matrix games.

:meth:`agents.runner.Runner.run` plays every round through :meth:`Agent.act` and
:meth:`Agent.learn`, which build a :class:`~agents.base.Decision` and a
:class:`~agents.base.Transition` per round: general, but far slower than the few float operations a
tabular rule needs. Where the environment has finitely many observations, each a function of the
previous one and the joint action (a repeated game observing the last ``h`` rounds: the
:class:`LeanTable`), and every agent offers a :class:`LeanAgent` (:meth:`Agent.lean`), the runner
plays with those instead: observations as small integer ids, plain Python numbers, no object per
round.

A lean agent must behave exactly like its agent: the same actions from the same random numbers,
the same updates, the same losses and decision probabilities, so that a seeded run logs the same
rows on either path. :class:`DrawnStream` helps with the random numbers: it replays a
``numpy.random.Generator``'s ``random()`` and ``integers(n)`` calls from raw 64-bit words drawn in
blocks, and puts the generator back exactly where those calls would have left it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any

import numpy as np

_UINT32 = 0xFFFFFFFF
_TO_UNIT = 1.0 / 9007199254740992.0  # 2**-53: numpy's next_double is (word >> 11) * 2**-53
_FIRST_BLOCK = 64  # words drawn at first; each refill doubles, up to _MAX_BLOCK
_MAX_BLOCK = 8192


@dataclass(frozen=True)
class LeanTable:
    """An environment's rounds as tables: what the lean path needs instead of ``step_tuple``.

    Observations are numbered ``0..len(observations)-1``; every round starts in one of them,
    ``rewards[joint]`` are the players' rewards for a joint action (in any observation) and
    ``next[s][joint]`` is the id of the observation after playing ``joint`` in observation ``s``.
    Every episode has ``rounds`` rounds. ``observations[s]`` (one array per player) and
    ``states[s]`` are what ``step_tuple`` would return there, so that an agent can key its tables
    exactly as it would on the plain path.
    """

    rewards: dict[tuple[int, ...], tuple[float, ...]]
    next: tuple[dict[tuple[int, ...], int], ...]
    observations: tuple[tuple[np.ndarray, ...], ...]
    states: tuple[np.ndarray, ...]
    #: The rounds of every episode.
    rounds: int
    #: The id of the observation that starts every episode.
    start: int = 0


class LeanAgent(ABC):
    """An agent's per-step rule on plain numbers, over the observation ids of a :class:`LeanTable`.

    Per round the runner calls :meth:`act` on every lean agent (in the agents' order) with the
    round's observation id, looks up the rewards and the next observation's id, then calls
    :meth:`learn` on each. Between episodes (or when interrupted) it asks
    for the rounds' :meth:`decision_probs`. Learned state may live in the lean agent while the
    runner plays; :meth:`sync` writes it back into the agent (the runner calls it before it copies
    the agents for a snapshot, and when it returns).
    """

    #: The players this lean agent acts for (those of its agent).
    players: tuple[int, ...]
    #: The name of the one loss :meth:`learn` returns (``None``: it returns none).
    loss_key: str | None = None

    @abstractmethod
    def act(self, joint: list[int], s: int) -> str | None:
        """Write this round's action of each own player, in observation ``s``, into ``joint`` and
        note the decision;
        returns what is wrong with the decision instead (e.g. ``"non-finite Q-values"``), as the
        runner would find in :meth:`Agent.act`'s Decision."""

    @abstractmethod
    def learn(
        self, joint: list[int], rewards: tuple[float, ...], s: int, s2: int, done: bool
    ) -> float | None:
        """Update from the round played in observation ``s``: the joint action, the rewards, the
        next observation ``s2`` and whether the episode ended; the value of :attr:`loss_key`."""

    @abstractmethod
    def decision_probs(self, rounds: int) -> tuple[np.ndarray, ...]:
        """The action probabilities of the first ``rounds`` decisions noted since the last call
        (the runner's log and metrics average them), one array of shape (rounds, actions) per own
        player; forgets every noted decision."""

    @abstractmethod
    def sync(self) -> None:
        """Write the learned state (and the random generator's position) back into the agent."""


class DrawnStream:
    """``rng.random()`` and ``rng.integers(n)``, replayed from raw words of ``rng``'s PCG64.

    ``Generator.random()`` turns one 64-bit word into ``(word >> 11) * 2**-53``;
    ``Generator.integers(n)`` (n < 2**32) takes a 32-bit half-word, the low half of a fresh word
    first and the saved high half next, and maps it to ``0..n-1`` by Lemire's multiply-shift with
    rejection. Drawing the words in blocks and doing those steps on Python numbers gives the very
    same values; :meth:`sync` leaves ``rng`` in the state the direct calls would have.
    """

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self._start: dict[str, Any] = rng.bit_generator.state
        self._has_half = bool(self._start["has_uint32"])
        self._half = int(self._start["uinteger"])
        self._drawn = 0  # words drawn before the current block
        self._block = _FIRST_BLOCK
        self.words: list[int] = []
        self.units: list[float] = []
        self.size = 0  # words in the block
        self.i = 0  # next unused word of the block

    @staticmethod
    def supports(rng: np.random.Generator) -> bool:
        """Whether ``rng`` can be replayed (its bit generator is PCG64, numpy's default)."""
        return type(rng.bit_generator) is np.random.PCG64

    def refill(self) -> None:
        """Draw the next block of words (called when :attr:`i` reached the end of the block)."""
        bit_generator = self.rng.bit_generator
        self._drawn += len(self.words)
        bit_generator.state = self._start
        bit_generator.advance(self._drawn)
        raw = bit_generator.random_raw(self._block)
        self.words = raw.tolist()
        self.units = ((raw >> np.uint64(11)) * _TO_UNIT).tolist()
        self.size = len(self.words)
        self.i = 0
        self._block = min(self._block * 2, _MAX_BLOCK)

    def random(self) -> float:
        """The next ``rng.random()``."""
        if self.i == self.size:
            self.refill()
        value = self.units[self.i]
        self.i += 1
        return value

    def integers(self, n: int) -> int:
        """The next ``rng.integers(n)`` (``0 < n < 2**32``)."""
        while True:
            if self._has_half:
                half = self._half
                self._has_half = False
            else:
                if self.i == self.size:
                    self.refill()
                word = self.words[self.i]
                self.i += 1
                half, self._half, self._has_half = word & _UINT32, word >> 32, True
            product = half * n
            leftover = product & _UINT32
            if leftover >= n or leftover >= (_UINT32 - (n - 1)) % n:  # Lemire: accept
                return product >> 32

    def sync(self) -> None:
        """Put ``rng`` where the replayed calls leave it (the next words are the unused ones)."""
        bit_generator = self.rng.bit_generator
        bit_generator.state = self._start
        bit_generator.advance(self._drawn + self.i)
        state = bit_generator.state
        state["has_uint32"] = int(self._has_half)
        state["uinteger"] = self._half  # numpy keeps the last saved half even once used
        bit_generator.state = state
