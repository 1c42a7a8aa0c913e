"""Learning agents in a class's empty seats, built from the agents registry.

An :class:`AgentPlayer` is one agent "student": it may sit in any seat, any round, so it keeps one
registry agent per role it has played (the payoff matrix is seen from a role's side) and remembers
its own group's last joint action, which is what a history-1 agent observes. In an aggregate-payoff
game a matrix does not exist, so the agent learns from a two-player mean-field view: its own action
against the rounded mean action of the rest of its group, with its own payoff; agents that need a
payoff matrix (fictitious play, Hedge, regret matching) cannot play such games.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from agents.base import Agent, EnvSpec, Transition
from agents.registry import DEEP_AGENTS, agent_names, make_agent
from marl_tui.classroom.stage import Stage

NOT_SEATED = {"human"} | DEEP_AGENTS  # team learners and humans cannot take one seat


class AgentPlayer:
    """One agent student: ``algorithm`` from the registry, one learner per role it plays."""

    def __init__(self, ident: str, stage: Stage, algorithm: str, seed: int) -> None:
        self.id = ident
        self.stage = stage
        self.algorithm = algorithm
        self.seed = seed
        self._learners: dict[int, Agent] = {}
        self._last: dict[int, tuple[int, ...] | None] = {}

    def _learner(self, role: int, seats: int) -> Agent:
        learner = self._learners.get(role)
        if learner is None:
            spec, players = self._spec(role, seats)
            learner = make_agent(self.algorithm, spec, players, seed=self.seed + 7919 * role)
            self._learners[role] = learner
            self._last[role] = None
        return learner

    def _spec(self, role: int, seats: int) -> tuple[EnvSpec, list[int]]:
        if self.stage.aggregate:
            k = len(self.stage.labels[0])
            return EnvSpec(2, (k, k), (0, 0), 0, name=self.stage.name), [0]
        return self.stage.agent_spec(seats), [role]

    def act(self, role: int, seats: int) -> int:
        """This round's action in ``role`` (of a group of ``seats``), exploring as it learns."""
        learner = self._learner(role, seats)
        obs, state = self._observe(role, learner.spec)
        return int(learner.act(obs, state, explore=True).actions[0])

    def learn(self, role: int, seat: int, profile: Sequence[int], payoffs: Sequence[float]) -> None:
        """Learn from the closed round: its group's ``profile`` and payoffs, its own ``seat``."""
        learner = self._learner(role, len(profile))
        spec = learner.spec
        obs, state = self._observe(role, spec)
        if self.stage.aggregate:
            others = [a for s, a in enumerate(profile) if s != seat]
            other_pay = [p for s, p in enumerate(payoffs) if s != seat]
            actions = (int(profile[seat]), int(round(float(np.mean(others)))))
            rewards = (float(payoffs[seat]), float(np.mean(other_pay)))
        else:
            actions = tuple(int(a) for a in profile)
            rewards = tuple(float(p) for p in payoffs)
            self._last[role] = actions
        next_obs, next_state = self._observe(role, spec)
        learner.learn(Transition(obs, state, actions, rewards, next_obs, next_state, False))

    def _observe(self, role: int, spec: EnvSpec) -> tuple[tuple[np.ndarray, ...], np.ndarray]:
        encoded = self.stage.observation(self._last.get(role))
        return tuple(encoded.copy() for _ in range(spec.n_players)), encoded


def seat_agent_names(stage: Stage) -> list[str]:
    """Registry agents that can sit in one seat of ``stage`` (tried, not guessed: each is built)."""
    names = []
    for name in agent_names():
        if name in NOT_SEATED:
            continue
        try:
            AgentPlayer("probe", stage, name, 0).act(0, _probe_seats(stage))
        except (ValueError, TypeError, KeyError, NotImplementedError):
            continue
        names.append(name)
    return names


def check_seat_agent(stage: Stage, name: str) -> None:
    """Refuse an agent that cannot take a seat in ``stage``, naming those that can."""
    if name in NOT_SEATED or name not in agent_names():
        raise ValueError(
            f"agent {name!r} cannot take a seat; choose from: {', '.join(seat_agent_names(stage))}"
        )
    try:
        AgentPlayer("probe", stage, name, 0).act(0, _probe_seats(stage))
    except (ValueError, TypeError, KeyError, NotImplementedError) as error:
        raise ValueError(
            f"agent {name!r} cannot play {stage.name} ({error}); choose from: "
            + ", ".join(seat_agent_names(stage))
        ) from None


def _probe_seats(stage: Stage) -> int:
    return stage.group_size or 2
