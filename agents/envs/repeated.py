"""A normal-form game played repeatedly: the environment every tabular agent trains in.

Each round every player acts and receives its stage-game payoff. A player observes the last ``k``
joint actions, each encoded as the concatenation of every player's one-hot action (so the vector
grows with the sum of the action counts, not their product, and n-player games stay small); the
most recent round comes first, and rounds that have not happened yet are all-zero padding.
``history=0`` gives an empty (stateless) observation. With ``include_round`` the round number,
divided by the episode length, is appended. The global state is the same encoding.
"""

from __future__ import annotations

import itertools

import numpy as np

from agents.base import EnvSpec
from agents.envs.base import MultiAgentEnv
from agents.lean import LeanTable
from games import Game

#: Games with more joint actions than this get no table of rewards (the runner steps them plainly).
MAX_LEAN_CELLS = 4096
#: Histories times joint actions above this get no table either (history 2 of a 3x3 game: 819).
MAX_LEAN_ENTRIES = 1 << 16


class RepeatedGameEnv(MultiAgentEnv):
    """``game`` repeated for ``rounds`` rounds per episode, observing the last ``history`` rounds."""

    metadata = {"name": "repeated_game_v0", "render_modes": []}

    def __init__(
        self, game: Game, history: int = 1, rounds: int = 10, include_round: bool = False
    ) -> None:
        if history < 0:
            raise ValueError(f"history must be >= 0, got {history}")
        if rounds < 1:
            raise ValueError(f"rounds must be >= 1, got {rounds}")
        self.game = game
        self.history = int(history)
        self.rounds = int(rounds)
        self.include_round = bool(include_round)
        self._offsets = np.concatenate([[0], np.cumsum(game.num_actions)[:-1]]).astype(int)
        self._joint_width = int(sum(game.num_actions))
        dim = self.history * self._joint_width + int(self.include_round)
        self._spec = EnvSpec(
            n_players=game.n_players,
            n_actions=tuple(int(a) for a in game.num_actions),
            obs_dims=(dim,) * game.n_players,
            state_dim=dim,
            episode_length=self.rounds,
            name=game.name,
            game=game,
        )
        self._payoffs = game.payoffs
        self._buffer = np.zeros(self.history * self._joint_width, dtype=np.float32)
        self._round = 0
        self._lean: LeanTable | None = None
        self._lean_ids: dict[tuple[tuple[int, ...], ...], int] = {}
        self._lean_at: int | None = 0  # the current observation's id (None: not known yet)
        super().__init__()

    @property
    def spec(self) -> EnvSpec:
        return self._spec

    def _encode(self) -> np.ndarray:
        if not self.include_round:
            return self._buffer.copy()
        return np.append(self._buffer, np.float32(self._round / self.rounds))

    def _observe(self) -> tuple[tuple[np.ndarray, ...], np.ndarray]:
        state = self._encode()
        return tuple(state.copy() for _ in range(self._spec.n_players)), state

    def _reset(self) -> tuple[tuple[np.ndarray, ...], np.ndarray]:
        self._buffer[:] = 0.0
        self._round = 0
        self._lean_at = 0
        return self._observe()

    def _step(
        self, actions: tuple[int, ...]
    ) -> tuple[tuple[np.ndarray, ...], tuple[float, ...], bool, np.ndarray]:
        if len(actions) != self._spec.n_players:
            raise ValueError(f"expected {self._spec.n_players} actions, got {len(actions)}")
        for p, (a, count) in enumerate(zip(actions, self._spec.n_actions, strict=True)):
            if not 0 <= a < count:
                raise ValueError(f"player {p}: action {a} out of range 0..{count - 1}")
        rewards = tuple(float(r) for r in self._payoffs[(slice(None), *actions)])
        if self.history:
            width = self._joint_width
            self._buffer[width:] = self._buffer[:-width]  # shift older rounds back
            self._buffer[:width] = 0.0
            self._buffer[self._offsets + np.asarray(actions)] = 1.0
            self._lean_at = None
        self._round += 1
        obs, state = self._observe()
        return obs, rewards, self._round >= self.rounds, state

    def lean_table(self) -> LeanTable | None:
        """The rounds as tables (:class:`~agents.lean.LeanTable`), observation ids numbering the
        histories of up to ``history`` joint actions (id 0: the empty one, after a reset).

        ``None`` with ``include_round`` (the observation then changes every round), for games of
        more than ``MAX_LEAN_CELLS`` cells, or when the table would exceed ``MAX_LEAN_ENTRIES``.
        """
        cells = self.game.n_cells
        if self.include_round or cells > MAX_LEAN_CELLS:
            return None
        if sum(cells**k for k in range(self.history + 1)) * cells > MAX_LEAN_ENTRIES:
            return None
        if self._lean is None:
            self._lean = self._build_lean_table()
        return self._lean

    def _build_lean_table(self) -> LeanTable:
        joints = list(itertools.product(*(range(n) for n in self._spec.n_actions)))
        rewards = {j: tuple(float(r) for r in self._payoffs[(slice(None), *j)]) for j in joints}
        ids: dict[tuple[tuple[int, ...], ...], int] = {(): 0}  # most recent joint action first
        histories = [()]
        nexts = []
        for history in histories:  # grows while it is walked: every reachable history, once
            row = {}
            for joint in joints:
                after = ((joint, *history))[: self.history]
                if after not in ids:
                    ids[after] = len(histories)
                    histories.append(after)
                row[joint] = ids[after]
            nexts.append(row)
        self._lean_ids = ids
        encodings = [self._encode_history(history) for history in histories]
        n = self._spec.n_players
        return LeanTable(
            rewards=rewards,
            next=tuple(nexts),
            observations=tuple(tuple(e.copy() for _ in range(n)) for e in encodings),
            states=tuple(encodings),
            rounds=self.rounds,
        )

    def _encode_history(self, history: tuple[tuple[int, ...], ...]) -> np.ndarray:
        """The buffer :meth:`_step` leaves after ``history`` (most recent joint action first)."""
        buffer = np.zeros_like(self._buffer)
        for k, joint in enumerate(history):
            buffer[k * self._joint_width + self._offsets + np.asarray(joint)] = 1.0
        return buffer

    def lean_at(self) -> int:
        """The current observation's id in :meth:`lean_table` (which must exist)."""
        if self._lean_at is None:  # the plain path stepped: read the history off the buffer
            self._lean_at = self._lean_ids[tuple(j for j in self.decode(self._buffer) if j is not None)]
        return self._lean_at

    def skip(self, rounds: int, to: int | None = None) -> int:
        if self.include_round or (self.history and (self._lean is None or to is None)):
            raise ValueError("only an environment with a lean table can skip rounds, "
                             "to an observation id when it has history")
        if not 0 <= rounds <= self.rounds - self._round:
            raise ValueError(f"cannot skip {rounds} rounds: {self.rounds - self._round} are left")
        self._round += rounds
        if to is not None:
            self._buffer[:] = self._lean.states[to]
            self._state = self._lean.states[to].copy()
            self._lean_at = to
        if self._round >= self.rounds:
            self.agents = []
        return self.rounds - self._round

    def decode(self, obs: np.ndarray) -> list[tuple[int, ...] | None]:
        """The joint actions an observation encodes, most recent first (``None`` for padding)."""
        joint: list[tuple[int, ...] | None] = []
        width = self._joint_width
        for k in range(self.history):
            block = np.asarray(obs[k * width : (k + 1) * width])
            if not block.any():
                joint.append(None)
                continue
            joint.append(
                tuple(
                    int(np.argmax(block[o : o + n]))
                    for o, n in zip(self._offsets, self._spec.n_actions, strict=True)
                )
            )
        return joint
