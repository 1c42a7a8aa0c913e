"""The game a class plays, whatever its kind: a matrix game or an aggregate-payoff class game.

The hub, the agents in empty seats and the dashboard need the same few facts of either kind: how
many seats a group has, each seat's action labels, the payoffs of a group's profile, and what
theory predicts (each Nash equilibrium's action shares, the social optimum, the payoff at
equilibrium). :class:`Stage` answers them once, at the start of a class, so that a round never
waits for a solver.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from agents.base import EnvSpec
from games import Game, GameError
from games.aggregate import AggregateGame

WHOLE_CLASS_MAX = 1000


@dataclass(frozen=True)
class Prediction:
    """What one theory predicts: the share of each action (per pooled role) and the payoff."""

    label: str
    shares: tuple[tuple[float, ...], ...]  # [share_role][action]
    payoff: float  # mean payoff per player


@dataclass(frozen=True)
class Stage:
    """A game prepared for a class. ``group_size`` is ``None`` when the whole class is one group.

    ``pooled`` says whether roles are interchangeable (symmetric games), in which case choices are
    counted over one action list; otherwise each role has its own shares.
    """

    name: str
    game: Game | AggregateGame
    group_size: int | None
    labels: tuple[tuple[str, ...], ...]  # per role
    pooled: bool
    equilibria: tuple[Prediction, ...]
    optimum: Prediction

    @property
    def n_roles(self) -> int:
        return len(self.labels)

    @property
    def aggregate(self) -> bool:
        return isinstance(self.game, AggregateGame)

    def role_of_seat(self, seat: int) -> int:
        """The role a group's seat plays (every seat has role 0 in an aggregate game)."""
        return 0 if self.aggregate else seat

    def share_role(self, role: int) -> int:
        """Which share list a role's choices count in."""
        return 0 if self.pooled else role

    @property
    def share_labels(self) -> tuple[tuple[str, ...], ...]:
        return self.labels[:1] if self.pooled else self.labels

    def for_players(self, n: int) -> Stage:
        """This stage with its predictions for a whole-class group of ``n`` players (an aggregate
        game's equilibria and payoffs depend on how many play); itself for fixed-size groups."""
        if not isinstance(self.game, AggregateGame) or self.group_size is not None:
            return self
        return _aggregate_stage(self.game, max(2, min(n, WHOLE_CLASS_MAX)))

    def payoffs(self, profile: tuple[int, ...]) -> tuple[float, ...]:
        """Every seat's payoff for a group's profile (seat order)."""
        if isinstance(self.game, AggregateGame):
            return self.game.payoffs(profile)
        return tuple(float(x) for x in self.game.payoffs[(slice(None), *profile)])

    def agent_spec(self, seats: int) -> EnvSpec:
        """What an agent in a group of ``seats`` is built for: the repeated stage game with one
        round of history (matrix games), or a stateless many-player spec (aggregate games)."""
        if isinstance(self.game, AggregateGame):
            k = self.game.n_actions
            return EnvSpec(seats, (k,) * seats, (0,) * seats, 0, name=self.name)
        from agents.envs.repeated import RepeatedGameEnv

        return RepeatedGameEnv(self.game, history=1, rounds=1_000_000).spec

    def observation(self, last: tuple[int, ...] | None) -> np.ndarray:
        """An agent's observation: the group's last joint action, one-hot per seat (matrix games,
        as :class:`agents.envs.repeated.RepeatedGameEnv` encodes it), or nothing (aggregate)."""
        if self.aggregate:
            return np.zeros(0, dtype=np.float32)
        width = sum(len(a) for a in self.labels)
        obs = np.zeros(width, dtype=np.float32)
        if last is not None:
            offset = 0
            for labels, action in zip(self.labels, last, strict=True):
                obs[offset + action] = 1.0
                offset += len(labels)
        return obs


def stage_for(game: Game | AggregateGame, class_size: int = 30) -> Stage:
    """Prepare ``game`` for a class: labels, and every prediction solved once, exactly
    (a whole-class aggregate game's equilibria depend on the class size: ``class_size``)."""
    if isinstance(game, AggregateGame):
        return _aggregate_stage(game, max(2, min(class_size, WHOLE_CLASS_MAX)))
    return _matrix_stage(game)


@functools.lru_cache(maxsize=64)
def _aggregate_stage(game: AggregateGame, class_size: int) -> Stage:
    n = game.group_size or class_size
    k = game.n_actions
    equilibria = tuple(
        Prediction(
            f"Nash: everyone plays {game.value(x)}",
            (tuple(float(a == x) for a in range(k)),),
            float(game.deviation_payoff(x, x, n)),
        )
        for x in game.symmetric_equilibria(n)
    )
    best, best_payoff = game.social_optimum(n)
    optimum = Prediction(
        f"optimum: everyone plays {game.value(best)}",
        (tuple(float(a == best) for a in range(k)),),
        float(best_payoff),
    )
    return Stage(game.name, game, game.group_size, (game.labels,), True, equilibria, optimum)


def _matrix_stage(game: Game) -> Stage:
    from games.equilibria import nash_equilibria
    from games.welfare import welfare_maximising

    if game.n_players > 12:
        raise GameError(f"{game.name}: too many players for a class")
    pooled = game.is_symmetric
    labels = tuple(tuple(a) for a in game.actions)
    equilibria = []
    for eq in nash_equilibria(game):
        pure = all(max(s) == 1 for s in eq.strategies)
        kind = "pure" if pure else "mixed"
        described = " / ".join(
            ", ".join(labels[p][a] + _share(v) for a, v in enumerate(s) if v > 0)
            for p, s in enumerate(eq.strategies)
        )
        shares = tuple(tuple(float(v) for v in s) for s in eq.strategies)
        equilibria.append(
            Prediction(
                f"Nash ({kind}): {described}",
                _pool(shares) if pooled else shares,
                float(np.mean([float(v) for v in eq.payoffs])),
            )
        )
    cell = welfare_maximising(game)[0]
    shares = tuple(tuple(float(a == cell[p]) for a in range(len(labels[p])))
                   for p in range(game.n_players))
    optimum = Prediction(
        "optimum: " + ", ".join(labels[p][a] for p, a in enumerate(cell)),
        _pool(shares) if pooled else shares,
        float(np.mean(game.payoffs[(slice(None), *cell)])),
    )
    return Stage(game.name, game, game.n_players, labels, pooled, tuple(equilibria), optimum)


def _pool(shares: tuple[tuple[float, ...], ...]) -> tuple[tuple[float, ...], ...]:
    """Symmetric game: every role's shares averaged into one list."""
    return (tuple(float(x) for x in np.mean(np.array(shares), axis=0)),)


def _share(value: Fraction | float) -> str:
    """' 2/3' after an action's label in a mixed equilibrium; nothing for a pure one."""
    if value == 1:
        return ""
    if isinstance(value, Fraction):
        return f" {value.numerator}/{value.denominator}"
    return f" {float(value):.3f}"
