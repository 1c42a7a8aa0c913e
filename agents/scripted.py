"""Scripted strategies of the iterated-game literature (Axelrod 1980; Nowak & Sigmund 1993).

Convention: action 0 is "cooperate"; the "defect" action is the last action (action 1 in the
usual two-action games). A player "was defected against" when any other player chose a non-zero
action in the previous round. Strategies read the previous round from the transitions they are
shown in :meth:`learn`, never from the observation, so they behave the same whatever history
length the environment encodes; :meth:`reset` forgets the previous episode.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from agents.base import Agent, Decision, EnvSpec, Transition
from agents.tabular import one_hot, sample


class Scripted(Agent):
    """A fixed rule from the previous round's joint action and reward (per controlled player)."""

    def __init__(
        self, spec: EnvSpec, players: Sequence[int], seed: int | None = None, **hp: Any
    ) -> None:
        super().__init__(spec, players, seed, **hp)
        self.reset()

    def reset(self) -> None:
        self.last_actions: tuple[int, ...] | None = None
        self.last_rewards: tuple[float, ...] | None = None
        self.betrayed = [False] * len(self.players)

    def learn(self, transition: Transition) -> dict[str, float]:
        self.last_actions = tuple(transition.actions)
        self.last_rewards = tuple(transition.rewards)
        for k, p in enumerate(self.players):
            self.betrayed[k] = self.betrayed[k] or self._others_defected(p)
        return {}

    def defect_action(self, player: int) -> int:
        return self.spec.n_actions[player] - 1

    def _others_defected(self, player: int) -> bool:
        return self.last_actions is not None and any(
            a != 0 for q, a in enumerate(self.last_actions) if q != player
        )

    def strategy(self, k: int, player: int) -> np.ndarray:
        """The distribution this rule plays for controlled player ``player`` this round."""
        return one_hot(self.choose_pure(k, player), self.spec.n_actions[player])

    def choose_pure(self, k: int, player: int) -> int:
        raise NotImplementedError

    def act(self, obs: Sequence[np.ndarray], state: np.ndarray, explore: bool = True) -> Decision:
        probs = [self.strategy(k, p) for k, p in enumerate(self.players)]
        actions = [sample(self.rng, s) if s.max() < 1.0 else int(np.argmax(s)) for s in probs]
        return Decision(tuple(actions), tuple(probs))

    def policy(self, obs: Sequence[np.ndarray], state: np.ndarray) -> tuple[np.ndarray, ...]:
        return tuple(self.strategy(k, p) for k, p in enumerate(self.players))


class AlwaysCooperate(Scripted):
    name = "always-cooperate"
    description = "Always plays action 0 (cooperate)"

    def choose_pure(self, k: int, player: int) -> int:
        return 0


class AlwaysDefect(Scripted):
    name = "always-defect"
    description = "Always plays the last action (defect: action 1 in two-action games)"

    def choose_pure(self, k: int, player: int) -> int:
        return self.defect_action(player)


class TitForTat(Scripted):
    name = "tit-for-tat"
    description = "Cooperates first, then defects exactly when an opponent defected last round"

    def choose_pure(self, k: int, player: int) -> int:
        return self.defect_action(player) if self._others_defected(player) else 0


class GrimTrigger(Scripted):
    name = "grim-trigger"
    description = "Cooperates until any opponent defects once, then defects for the episode"

    def choose_pure(self, k: int, player: int) -> int:
        return self.defect_action(player) if self.betrayed[k] else 0


class WinStayLoseShift(Scripted):
    """Pavlov (Nowak & Sigmund 1993): repeat the last action after a win, switch after a loss.

    A "win" is a payoff at least the aspiration level: the mean of the player's stage-game
    payoffs (in the standard Prisoner's Dilemma, T and R win, P and S lose), or, without a stage
    game, the mean reward received so far. Switching moves to the next action, cyclically.
    """

    name = "win-stay-lose-shift"
    description = "Pavlov: repeat the last action after a good payoff, switch after a bad one"

    def reset(self) -> None:
        super().reset()
        if not hasattr(self, "reward_sum"):
            self.reward_sum = np.zeros(len(self.players))
            self.reward_count = 0

    def learn(self, transition: Transition) -> dict[str, float]:
        super().learn(transition)
        self.reward_sum += [transition.rewards[p] for p in self.players]
        self.reward_count += 1
        return {}

    def aspiration(self, k: int, player: int) -> float:
        if self.spec.game is not None:
            return float(self.spec.game.payoffs[player].mean())
        return float(self.reward_sum[k] / max(self.reward_count, 1))

    def choose_pure(self, k: int, player: int) -> int:
        if self.last_actions is None:
            return 0
        last = self.last_actions[player]
        if self.last_rewards[player] >= self.aspiration(k, player):
            return last
        return (last + 1) % self.spec.n_actions[player]


class FixedMixed(Scripted):
    """Plays a fixed mixed strategy every round (``strategy``: probabilities, one per action).

    ``strategy`` is a list of numbers or a comma-separated string ("0.2,0.8"); ``None`` is uniform.
    It must have one non-negative entry per action and sum to 1.
    """

    name = "mixed"
    description = "Plays a fixed mixed strategy (hyper-parameter strategy=p1,p2,...)"
    defaults: dict[str, Any] = {"strategy": None}

    def __init__(
        self, spec: EnvSpec, players: Sequence[int], seed: int | None = None, **hp: Any
    ) -> None:
        super().__init__(spec, players, seed, **hp)
        self.mixes = [self._parse(self.hp.get("strategy"), spec.n_actions[p]) for p in self.players]

    def _parse(self, value: Any, n: int) -> np.ndarray:
        if value is None:
            return np.full(n, 1.0 / n)
        if isinstance(value, str):
            try:
                value = [float(v) for v in value.replace(";", ",").split(",") if v.strip()]
            except ValueError:
                raise ValueError(f"{self.name}: strategy {value!r} is not a list of numbers") from None
        try:
            mix = np.asarray(value, dtype=float).ravel()
        except (TypeError, ValueError):
            raise ValueError(f"{self.name}: strategy {value!r} is not a list of numbers") from None
        if len(mix) != n:
            raise ValueError(f"{self.name}: strategy has {len(mix)} entries for {n} actions")
        if np.any(mix < 0) or not np.isclose(mix.sum(), 1.0, atol=1e-6):
            raise ValueError(f"{self.name}: strategy must be non-negative and sum to 1, got {value}")
        return mix / mix.sum()

    def strategy(self, k: int, player: int) -> np.ndarray:
        return self.mixes[k].copy()


class RandomAgent(FixedMixed):
    name = "random"
    description = "Plays every action with equal probability"
    defaults: dict[str, Any] = {}
