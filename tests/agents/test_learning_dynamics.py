"""The classical pictures of learning dynamics, as agents really play them (fixed seeds).

Fictitious play's time average approaches the centre of Rock-Paper-Scissors (Robinson 1951) but
cycles for ever in Shapley's game (Shapley 1964); WoLF-PHC's current policy settles in Matching
Pennies where plain policy hill-climbing (one step size: ``phc``, or WoLF-PHC with equal steps)
keeps cycling (Bowling & Veloso 2002).
"""

from __future__ import annotations

import numpy as np
import pytest

from agents.envs.repeated import RepeatedGameEnv
from agents.runner import Runner, make_agents
from games import Game
from games.catalogue import get_game
from games.equilibria import nash_conv


def trail(game: Game, algo: str, rounds: int, seed: int, every: int = 100, **hp):
    """The runner, and its current and time-averaged joint policies every ``every`` rounds."""
    env = RepeatedGameEnv(game, history=0, rounds=1)
    runner = Runner(env, make_agents(env.spec, algo, seed=seed, hp=hp), seed=seed)
    current, average = [], []
    for _ in range(rounds // every):
        runner.run(every)
        metrics = runner.metrics()
        current.append(np.concatenate(metrics.policies))
        average.append(np.concatenate(metrics.average_policies))
    return runner, np.array(current), np.array(average)


def run_lengths(actions: np.ndarray) -> np.ndarray:
    """Lengths of the runs of one repeated action, in order."""
    changes = np.flatnonzero(np.diff(actions)) + 1
    return np.diff(np.concatenate([[0], changes, [len(actions)]]))


@pytest.mark.parametrize("seed", [0, 1])
def test_fictitious_play_time_average_approaches_the_centre_of_rps(seed):
    _, current, average = trail(get_game("rock-paper-scissors"), "fictitious-play", 4000, seed)
    distance = np.abs(average - 1 / 3).max(axis=1)
    assert distance[-1] < 0.02
    assert distance[-10:].max() < distance[:3].max()  # it comes closer...
    assert np.abs(current[-10:] - 1 / 3).max() > 0.5  # ...while the current play stays pure


@pytest.mark.parametrize("seed", [0, 1])
def test_fictitious_play_cycles_for_ever_in_shapleys_game(seed):
    game = get_game("shapley")
    runner, _, average = trail(game, "fictitious-play", 6000, seed)
    exploitability = [nash_conv(game, (a[:3], a[3:])) for a in average[9::10]]
    assert min(exploitability) > 0.2  # the time average never settles on the equilibrium
    # and it keeps moving: each player's average swings by more than 0.1 late in the run
    assert np.ptp(average[30:], axis=0).max() > 0.1
    # Shapley's ever longer runs: the row player's action changes less and less often
    complete = run_lengths(runner.log["action_0"].to_numpy())[:-1]  # the last is cut short
    assert len(complete) >= 6 and np.all(np.diff(complete) >= 0) and complete[-1] > 20 * complete[1]
    # the same stage, rock-paper-scissors with ties and losses at 0, is not what differs:
    rps = get_game("rock-paper-scissors")
    _, _, rps_average = trail(rps, "fictitious-play", 2000, seed)
    assert nash_conv(rps, (rps_average[-1][:3], rps_average[-1][3:])) < 0.1


def test_wolf_phc_settles_in_matching_pennies_where_plain_hill_climbing_cycles():
    game = get_game("matching-pennies")
    steps = {"alpha": 0.1, "epsilon": 0.05}
    _, wolf, _ = trail(game, "wolf-phc", 8000, 0, delta_win=0.001, delta_lose=0.004, **steps)
    _, plain, _ = trail(game, "wolf-phc", 8000, 0, delta_win=0.0039, delta_lose=0.004, **steps)
    late = slice(40, None)
    assert np.abs(wolf[late] - 0.5).max() < 0.25
    assert np.abs(plain[late] - 0.5).max() > 0.4  # still swinging from one corner to the other


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_with_their_defaults_wolf_phc_settles_in_matching_pennies_and_phc_keeps_cycling(seed):
    # 20,000 rounds: what Watch trains in 10 s at its default speed (200 rounds a frame)
    game = get_game("matching-pennies")
    _, wolf, _ = trail(game, "wolf-phc", 20000, seed)
    _, plain, _ = trail(game, "phc", 20000, seed)
    late = slice(100, None)
    assert np.abs(wolf[late] - 0.5).max() < 0.05  # the current policy, not only its average
    heads = plain[late][:, [0, 2]] - 0.5  # each player's probability of Heads, less 1/2
    assert np.all(heads.max(axis=0) > 0.3) and np.all(heads.min(axis=0) < -0.3)  # corner to corner
