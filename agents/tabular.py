"""Shared pieces of the tabular and scripted agents: stage-game payoffs, opponent models, JSON state.

Every tabular agent may control one or several players; it keeps one table per controlled player
and updates each independently. Learned state is saved as JSON (``state.json``), including the
random generator's state so that a loaded agent continues exactly where the saved one stopped.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from agents.base import EnvSpec
from games import Game

STATE_FILE = "state.json"


def require_game(spec: EnvSpec, who: str) -> Game:
    """The stage game an agent needs for counterfactual payoffs; a clear error when there is none."""
    if spec.game is None:
        raise ValueError(
            f"{who} needs a repeated normal-form game (it computes payoffs of actions it did not "
            f"play); environment {spec.name or '?'} has no stage game"
        )
    return spec.game


def action_values(game: Game, player: int, profile: Sequence[np.ndarray]) -> np.ndarray:
    """Expected payoff of each of ``player``'s actions when the others mix as in ``profile``.

    ``profile`` holds one distribution per player; the entry of ``player`` itself is ignored.
    """
    tensor = game.payoffs[player]
    for p in reversed(range(game.n_players)):  # last axis first: earlier axes keep their index
        if p != player:
            tensor = np.tensordot(tensor, np.asarray(profile[p], dtype=float), axes=([p], [0]))
    return np.asarray(tensor, dtype=float)


def realised_values(game: Game, player: int, joint: Sequence[int]) -> np.ndarray:
    """Payoff ``player`` would have had for each own action, the others' actions held fixed."""
    index = list(joint)
    index[player] = slice(None)
    return np.asarray(game.payoffs[(player, *index)], dtype=float)


def one_hot(index: int, size: int) -> np.ndarray:
    vector = np.zeros(size)
    vector[index] = 1.0
    return vector


def sample(rng: np.random.Generator, probs: np.ndarray) -> int:
    """Draw an action from a distribution with one uniform number (cheaper than rng.choice)."""
    return int(min(np.searchsorted(np.cumsum(probs), rng.random(), side="right"), len(probs) - 1))


def epsilon_greedy(values: np.ndarray, epsilon: float) -> np.ndarray:
    """ε-greedy distribution over actions: the first maximiser gets 1 - ε + ε/|A|."""
    probs = np.full(len(values), epsilon / len(values))
    probs[int(values.argmax())] += 1.0 - epsilon
    return probs


def obs_key(obs: np.ndarray) -> str:
    """A hashable, JSON-safe key for a (discrete) observation vector."""
    return ",".join(f"{v:g}" for v in np.asarray(obs, dtype=float).ravel())


def save_json_state(directory: Path, rng: np.random.Generator, **arrays: Any) -> None:
    """Write learned arrays (lists or dicts of arrays) and the generator's state to ``state.json``."""
    payload = {"rng": rng.bit_generator.state, **{k: _to_json(v) for k, v in arrays.items()}}
    (Path(directory) / STATE_FILE).write_text(json.dumps(payload))


def load_json_state(directory: Path, rng: np.random.Generator) -> dict[str, Any]:
    """Read ``state.json``; restores the generator in place and returns the arrays."""
    payload = json.loads((Path(directory) / STATE_FILE).read_text())
    rng.bit_generator.state = payload.pop("rng")
    return {k: _from_json(v) for k, v in payload.items()}


def _to_json(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return {"__array__": value.tolist()}
    if isinstance(value, dict):
        return {str(k): _to_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_to_json(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def _from_json(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"__array__"}:
            return np.asarray(value["__array__"], dtype=float)
        return {k: _from_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_from_json(v) for v in value]
    return value


def per_player(agent_players: Sequence[int], values: Sequence[Any]) -> dict[str, Any]:
    """Summary helper: ``{"<player>": value}`` with JSON-friendly values."""
    return {
        str(p): (v.round(6).tolist() if isinstance(v, np.ndarray) else v)
        for p, v in zip(agent_players, values, strict=True)
    }
