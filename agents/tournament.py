"""Round-robin tournaments on an iterated game, as in Axelrod's first tournament (Axelrod 1980).

Every pair of entrants plays one match of ``rounds`` rounds of the stage game (and, with
``twins``, every entrant also plays a copy of itself, as Axelrod's entries did). Learning entrants
learn during the match and start every match fresh. A match's score is each side's mean payoff
per round; entrants are ranked by their mean score per round over all their matches. In games
that are not symmetric each pair plays both seatings, so no entrant is favoured by its seat.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd

from agents.envs.repeated import RepeatedGameEnv
from agents.runner import Runner, derive_seed
from games import Game, GameError

DEFAULT_GAME = "prisoners-dilemma"


@dataclass(frozen=True)
class TournamentResult:
    """``matches``: one row per match; ``ranking``: entrants, best first."""

    matches: pd.DataFrame
    ranking: pd.DataFrame


def play_match(
    game: Game,
    first: str,
    second: str,
    rounds: int,
    seed: int | None = None,
    hyperparameters: dict[str, dict[str, Any]] | None = None,
) -> tuple[float, float]:
    """Mean payoff per round of ``first`` (player 0) and ``second`` (player 1) over one match."""
    from agents.registry import make_agent

    hp = hyperparameters or {}
    env = RepeatedGameEnv(game, history=1, rounds=rounds)
    agents = [
        make_agent(first, env.spec, [0], seed=derive_seed(seed, 0), **hp.get(first, {})),
        make_agent(second, env.spec, [1], seed=derive_seed(seed, 1), **hp.get(second, {})),
    ]
    runner = Runner(env, agents, seed=seed, window=1)
    log = runner.run(1)
    if runner.stopped:
        raise RuntimeError(f"match {first} vs {second}: {runner.stopped}")
    return float(log["reward_0"].iloc[0]) / rounds, float(log["reward_1"].iloc[0]) / rounds


def tournament(
    entrants: Sequence[str],
    game: Game | None = None,
    rounds: int = 200,
    twins: bool = True,
    seed: int | None = 0,
    hyperparameters: dict[str, dict[str, Any]] | None = None,
) -> TournamentResult:
    """Axelrod round robin of registry agents ``entrants`` on the iterated ``game`` (default IPD)."""
    if game is None:
        from games.catalogue import get_game

        game = get_game(DEFAULT_GAME)
    if game.n_players != 2:
        raise GameError(f"a tournament needs a two-player game; {game.name!r} has {game.n_players}")
    if rounds < 1:
        raise ValueError(f"rounds must be >= 1, got {rounds}")
    names = list(dict.fromkeys(entrants))
    if len(names) < 2 and not twins:
        raise ValueError("a tournament needs at least two different entrants (or twins)")
    pairs = list(combinations(range(len(names)), 2))
    if twins:
        pairs += [(i, i) for i in range(len(names))]
    if not game.is_symmetric:
        pairs += [(j, i) for i, j in pairs if i != j]
    rows = []
    for m, (i, j) in enumerate(sorted(pairs)):
        score_i, score_j = play_match(
            game, names[i], names[j], rounds, derive_seed(seed, m), hyperparameters
        )
        rows.append({"player_a": names[i], "player_b": names[j], "score_a": score_i,
                     "score_b": score_j, "rounds": rounds})
    matches = pd.DataFrame(rows)
    return TournamentResult(matches, rank(matches, names))


def rank(matches: pd.DataFrame, names: Sequence[str]) -> pd.DataFrame:
    """Mean score per round of each entrant over its matches (a twin match counts once)."""
    scores: dict[str, list[float]] = {name: [] for name in names}
    wins = dict.fromkeys(names, 0)
    for row in matches.itertuples(index=False):
        if row.player_a == row.player_b:  # a twin match is one match for its entrant
            scores[row.player_a].append((row.score_a + row.score_b) / 2)
            continue
        scores[row.player_a].append(row.score_a)
        scores[row.player_b].append(row.score_b)
        wins[row.player_a] += int(row.score_a > row.score_b)
        wins[row.player_b] += int(row.score_b > row.score_a)
    table = pd.DataFrame(
        {
            "agent": list(names),
            "mean_score": [float(np.mean(scores[n])) for n in names],
            "matches": [len(scores[n]) for n in names],
            "wins": [wins[n] for n in names],
        }
    )
    table = table.sort_values(["mean_score", "agent"], ascending=[False, True], kind="stable")
    table.insert(0, "rank", range(1, len(table) + 1))
    return table.reset_index(drop=True)
