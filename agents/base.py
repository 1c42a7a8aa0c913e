"""The one small interface shared by every agent, the environments, the runner and the app.

An agent controls one or more players: independent learners (IQL, WoLF-PHC, ...) control one, team
learners (VDN, QMIX, CommNet, TarMAC) control every player jointly. Each step the runner shows the
agent every player's observation and the global state; the agent acts for its own players and later
learns from the whole joint transition, keeping what it is allowed to see.
"""

from __future__ import annotations

import json
import math
import numbers
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from games import Game

if TYPE_CHECKING:
    from agents.lean import LeanAgent, LeanTable


@dataclass(frozen=True)
class EnvSpec:
    """What an agent may know about the environment before it acts."""

    n_players: int
    n_actions: tuple[int, ...]
    obs_dims: tuple[int, ...]
    state_dim: int
    episode_length: int = 1
    name: str = ""
    game: Game | None = None  # the stage game, when the environment repeats a normal-form game


@dataclass(frozen=True)
class Decision:
    """Actions for the agent's players, plus what it believes, for display (one entry per player)."""

    actions: tuple[int, ...]
    probs: tuple[np.ndarray, ...] | None = None
    q_values: tuple[np.ndarray, ...] | None = None


@dataclass(frozen=True)
class Transition:
    """One joint step: every player's observation, action and reward, and the global state."""

    obs: tuple[np.ndarray, ...]
    state: np.ndarray
    actions: tuple[int, ...]
    rewards: tuple[float, ...]
    next_obs: tuple[np.ndarray, ...]
    next_state: np.ndarray
    done: bool


class Agent(ABC):
    """Base class of every agent in the registry.

    Subclasses set ``name`` (the registry name) and ``defaults`` (documented hyper-parameters),
    and implement :meth:`act`; learners also implement :meth:`learn`.
    """

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    team: ClassVar[bool] = False  # True: controls all players jointly
    defaults: ClassVar[dict[str, Any]] = {}
    #: hyper-parameters an earlier version had: ignored when a saved agent is loaded
    retired: ClassVar[frozenset[str]] = frozenset()

    def __init__(
        self,
        spec: EnvSpec,
        players: Sequence[int],
        seed: int | None = None,
        **hyperparameters: Any,
    ) -> None:
        unknown = set(hyperparameters) - set(self.defaults)
        if unknown:
            raise ValueError(
                f"{self.name}: unknown hyper-parameter(s) {sorted(unknown)}; "
                f"known: {sorted(self.defaults)}"
            )
        for key, value in hyperparameters.items():
            default = self.defaults[key]
            problem = _type_problem(default, value)
            if problem:
                raise ValueError(f"{self.name}: hyper-parameter {key} {problem}, got {value!r}")
            if isinstance(default, numbers.Integral) and not isinstance(default, bool):
                hyperparameters[key] = int(value)  # 32.0 from JSON -> 32
        self.spec = spec
        self.players = tuple(players)
        self.seed = seed
        self.hp: dict[str, Any] = {**self.defaults, **hyperparameters}
        self.rng = np.random.default_rng(seed)

    def require_every_player(self, why: str) -> None:
        """Refuse to be built for only some of the players: a team agent that `why` needs them all."""
        if sorted(self.players) != list(range(self.spec.n_players)):
            raise ValueError(
                f"{self.name} controls every player ({why}); expected players "
                f"0..{self.spec.n_players - 1}, got {list(self.players)}"
            )

    @abstractmethod
    def act(
        self, obs: Sequence[np.ndarray], state: np.ndarray, explore: bool = True
    ) -> Decision:
        """Choose actions for this agent's players, given every player's observation."""

    def learn(self, transition: Transition) -> dict[str, float]:
        """Update from one joint transition; returns losses or statistics to log (may be empty)."""
        return {}

    def reset(self) -> None:
        """Start a new episode (clears per-episode memory; learned values are kept)."""

    def lean(self, table: LeanTable) -> LeanAgent | None:
        """This agent's lean per-step form over ``table``'s observation ids (see
        :mod:`agents.lean`), which the runner plays with in environments that have such a table;
        ``None`` (the default): it has none, and
        the runner calls :meth:`act` and :meth:`learn`. Only agents whose :meth:`reset` clears
        nothing may offer one, and it must act, learn and draw random numbers exactly as they do.
        """
        return None

    def policy(self, obs: Sequence[np.ndarray], state: np.ndarray) -> tuple[np.ndarray, ...]:
        """Current action distribution of each of this agent's players (greedy agents: one-hot)."""
        decision = self.act(obs, state, explore=False)
        if decision.probs is not None:
            return decision.probs
        return tuple(
            np.eye(self.spec.n_actions[p])[a]
            for p, a in zip(self.players, decision.actions, strict=True)
        )

    def average_policy(self) -> tuple[np.ndarray, ...] | None:
        """Time-averaged policy of each of this agent's players, where the algorithm defines one
        (fictitious play, regret matching, ...); ``None`` lets the runner average the decisions."""
        return None

    def summary(self) -> dict[str, Any]:
        """Extra facts for the training summary (e.g. QMIX's ``q_tot_greedy``); JSON-serialisable."""
        return {}

    # ----- persistence: hyper-parameters as JSON, learned state by the subclass -------------------
    def save(self, directory: str | Path) -> Path:
        """Write ``agent.json`` (name, players, seed, hyper-parameters) and the learned state."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        meta = {"name": self.name, "players": list(self.players), "seed": self.seed,
                "hyperparameters": self.hp}
        (directory / "agent.json").write_text(json.dumps(meta, indent=2, default=jsonable))
        self.save_state(directory)
        return directory

    def save_state(self, directory: Path) -> None:
        """Write learned parameters (tabular: JSON; deep: torch state dicts). Stateless agents: nothing."""

    def load_state(self, directory: Path) -> None:
        """Read what :meth:`save_state` wrote."""


def _type_problem(default: Any, value: Any) -> str | None:
    """Why ``value`` cannot replace a numeric or boolean ``default`` (``None``: it can).

    Hyper-parameters arrive from the command line and the app as JSON values, so a typo such as
    ``lr=[0.1]`` or ``lr=fast`` is caught here, by name, rather than as a TypeError deep inside an
    update. Defaults of other types (``None``, strings with special values) are the agent's to check.
    """
    if isinstance(default, bool):
        return None if isinstance(value, bool | np.bool_) else "must be true or false"
    if isinstance(default, numbers.Real):
        if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
            return "must be a number"
        if not math.isfinite(float(value)):
            return "must be finite"
        if isinstance(default, numbers.Integral) and float(value) != int(value):
            return "must be a whole number"
    return None


def jsonable(value: Any) -> Any:
    """``json.dumps`` fallback for numpy values (and anything else, as text)."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return str(value)
