"""Per-player rows shared by the deep agents: stacked observations, invalid actions, sampling.

A team agent controls several players whose observation widths and action counts may differ;
its networks work on one row per player, padded to a common width. These helpers build those rows
in numpy (no torch here), so every deep agent pads, masks and samples the same way.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from agents.base import Decision

#: Logit of an action a player does not have (heterogeneous action counts): softmax gives it 0.
NEG_INF = -1e9


def stack_observations(
    obs: Sequence[np.ndarray], players: Sequence[int], out: np.ndarray
) -> np.ndarray:
    """Write each of ``players``' flattened observation into the leading columns of its row.

    ``out`` (``[len(players), width]`` float32) holds the padding: zeros, or a template with
    extra columns (one-hot player ids) that the observations do not cover. Returns ``out``.
    """
    for row, p in enumerate(players):
        values = np.asarray(obs[p], dtype=np.float32).reshape(-1)
        out[row, : values.size] = values
    return out


def invalid_actions(n_actions: Sequence[int], width: int) -> np.ndarray:
    """``[n, width]`` bool: True where column ``a`` is not an action of row ``i``'s player."""
    return np.arange(width)[None, :] >= np.asarray(n_actions)[:, None]


def sample_actions(
    probs: np.ndarray, rng: np.random.Generator, n_actions: Sequence[int]
) -> np.ndarray:
    """One action per row of ``probs`` (``[n, width]``), each drawn with one uniform number.

    Inverse-CDF sampling, robust to rows that do not sum exactly to 1; a draw never lands on a
    padding column (``>= n_actions[i]``), whatever rounding does to the cumulative sums.
    """
    cumulative = np.cumsum(probs, axis=1)
    draws = rng.random((probs.shape[0], 1)) * cumulative[:, -1:]
    return np.minimum((draws >= cumulative).sum(axis=1), np.asarray(n_actions) - 1)


def decide(
    probs: np.ndarray, rng: np.random.Generator, n_actions: Sequence[int], explore: bool
) -> Decision:
    """The team's decision from its policy rows ``probs`` (``[n, width]``): a sample of each row
    while exploring, else its most probable action; each player's probabilities without padding."""
    actions = sample_actions(probs, rng, n_actions) if explore else probs.argmax(axis=1)
    return Decision(
        actions=tuple(int(a) for a in actions),
        probs=tuple(row[:k] for row, k in zip(probs, n_actions, strict=True)),
    )
