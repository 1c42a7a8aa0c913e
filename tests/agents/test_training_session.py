"""The training session behind Watch (and class play's agents): learning, pause/resume/step, idling."""

from __future__ import annotations

import numpy as np
import pytest

from agents.training_session import SessionError, TrainingSession
from games.catalogue import get_game


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _train(session: TrainingSession, episodes: int) -> None:
    session.resume()
    while session.last.episode < episodes:
        assert session.advance(100, 10.0) is not None
    session.pause()


def test_iql_learns_to_defect_in_the_prisoners_dilemma() -> None:
    session = TrainingSession.build(get_game("prisoners-dilemma"), "game", ["iql"], seed=0)
    _train(session, 1000)
    current, average = session.policies()
    # Defect strictly dominates: both play it greedily (epsilon = 0.1 explores half of 10%).
    assert all(policy[1] == pytest.approx(0.95) for policy in current)
    assert all(frequency[1] > 0.85 for frequency in session.last.empirical)
    # The average still carries the early exploration; the current policy is nearly unexploitable.
    assert session.last.current_exploitability == pytest.approx(0.105)
    assert session.last.exploitability > 0.3 > session.last.current_exploitability
    assert all(a[1] > 0.6 for a in average)


def test_fictitious_play_averages_to_the_mixed_equilibrium_while_playing_pure() -> None:
    session = TrainingSession.build(get_game("matching-pennies"), "game", ["fictitious-play"],
                                    seed=0)
    _train(session, 300)
    current, average = session.policies()
    assert all(sorted(policy) == [0.0, 1.0] for policy in current)  # a pure best response
    assert all(np.allclose(policy, 0.5, atol=0.05) for policy in average)  # its empirical mix
    assert session.last.exploitability < 0.05
    assert session.last.current_exploitability == pytest.approx(2.0)


def _heads_every_100_episodes(agent: str, episodes: int, seed: int) -> np.ndarray:
    """Each player's current probability of Heads in Matching Pennies, as Watch draws it."""
    session = TrainingSession.build(get_game("matching-pennies"), "game", [agent], seed=seed)
    heads = []
    for _ in range(episodes // 100):
        session.runner.run(100)
        heads.append([policy[0] for policy in session.runner.metrics().policies])
    return np.array(heads)


@pytest.mark.parametrize("seed", [0, 1])
def test_in_watchs_session_wolf_phc_settles_near_one_half_and_phc_swings(seed) -> None:
    # Watch's agents observe the last round, so each of the 5 histories has its own policy; the
    # current policy drawn is the one of the latest history. 30,000 rounds: 15 s at default speed.
    wolf = _heads_every_100_episodes("wolf-phc", 3000, seed)
    plain = _heads_every_100_episodes("phc", 3000, seed)
    late = slice(20, None)
    assert np.abs(wolf[late] - 0.5).max() < 0.1
    assert np.abs(plain[late] - 0.5).max() > 0.4


def test_same_seed_same_run() -> None:
    game = get_game("stag-hunt")
    runs = []
    for _ in range(2):
        session = TrainingSession.build(game, "game", ["wolf-phc", "iql"], seed=7)
        _train(session, 50)
        runs.append(session.trajectory())
    assert np.array_equal(runs[0].episodes, runs[1].episodes)
    for first, second in zip(runs[0].average + runs[0].current,
                             runs[1].average + runs[1].current, strict=True):
        assert np.array_equal(first, second)


def test_pause_resume_and_step() -> None:
    session = TrainingSession.build(get_game("prisoners-dilemma"), "game", ["iql"], seed=1)
    assert not session.running and not session.trained
    assert session.advance(5, 1.0) is None and session.runner.rounds == 0  # paused: nothing
    snapshot = session.step()
    recorded = session.snapshots()
    assert snapshot.rounds == 1 and session.trained and len(recorded) == 1 and recorded[0] is snapshot
    session.resume()
    with pytest.raises(SessionError):
        session.step()  # stepping is for a paused run
    frame = session.advance(3, 10.0)
    assert frame.episode == 3 and frame.rounds == 30  # the started episode finished, two more
    assert session.rounds_per_s is not None and session.rounds_per_s > 0
    session.pause()
    assert not session.running and session.pause_reason is None
    assert session.advance(3, 10.0) is None and session.runner.episode == 3
    assert session.step().rounds == 31


def test_advance_keeps_to_its_time_budget_but_plays_at_least_one_episode() -> None:
    session = TrainingSession.build(get_game("prisoners-dilemma"), "game", ["iql"], seed=1)
    session.resume()
    assert session.advance(1000, 0.0).episode == 1


def test_a_stopped_run_neither_resumes_nor_steps() -> None:
    session = TrainingSession.build(get_game("prisoners-dilemma"), "game", ["iql"], seed=1)
    session.step()
    session.runner.max_loss = 1e-12  # any TD error now counts as divergence
    session.resume()
    while session.advance(10, 1.0) is not None and session.running:
        pass
    assert session.stopped and not session.running
    assert session.last.stopped == session.stopped
    with pytest.raises(SessionError):
        session.resume()
    with pytest.raises(SessionError):
        session.step()


def test_an_untouched_session_pauses_itself_after_the_idle_limit() -> None:
    clock = FakeClock()
    session = TrainingSession.build(get_game("prisoners-dilemma"), "game", ["iql"], seed=2,
                                    idle_limit_s=600, clock=clock)
    session.resume()
    clock.now = 599.0
    assert session.advance(1, 1.0) is not None and session.running
    session.touch()  # a key press at 599 s restarts the count
    clock.now = 1198.0
    assert session.advance(1, 1.0) is not None and session.running
    clock.now = 1200.0
    episode = session.runner.episode
    assert session.advance(1, 1.0) is None
    assert not session.running and session.runner.episode == episode
    assert session.pause_reason == "paused: no key pressed for 10 minutes; press space to go on"
    session.resume()  # going on clears the notice and the count
    assert session.pause_reason is None and session.idle_for() == 0.0
    assert session.advance(1, 1.0) is not None


def test_no_idle_limit_never_pauses() -> None:
    clock = FakeClock()
    session = TrainingSession.build(get_game("prisoners-dilemma"), "game", ["iql"], seed=2,
                                    idle_limit_s=None, clock=clock)
    session.resume()
    clock.now = 1e9
    assert session.advance(1, 1.0) is not None and session.running


def test_trajectory_holds_current_and_average_policies_per_snapshot() -> None:
    game = get_game("rock-paper-scissors")
    session = TrainingSession.build(game, "game", ["fictitious-play"], seed=0, history=5)
    for _ in range(8):
        session.step()
    trajectory = session.trajectory()
    assert len(session.snapshots()) == 5  # bounded
    assert trajectory.rounds.tolist() == [4, 5, 6, 7, 8]
    assert [a.shape for a in trajectory.average] == [(5, 3), (5, 3)]
    assert [c.shape for c in trajectory.current] == [(5, 3), (5, 3)]
    assert np.allclose(trajectory.average[0][-1], session.last.average_policies[0])
    assert np.allclose(trajectory.current[1][-1], session.last.policies[1])
    assert np.allclose(trajectory.average[0].sum(axis=1), 1.0)


def test_team_agents_control_every_player_from_the_first_slot_only() -> None:
    game = get_game("prisoners-dilemma")
    with pytest.raises(ValueError, match="team agent"):
        TrainingSession.build(game, "two-step", ["iql", "vdn"], seed=0)


def test_levers_builds_five_players() -> None:
    session = TrainingSession.build(get_game("prisoners-dilemma"), "levers", ["iql"], seed=0)
    assert session.env.spec.n_players == 5 and len(session.agents) == 5
    assert session.step().joint_counts.shape == (5,) * 5


def test_the_session_runs_without_textual_or_torch_for_tabular_agents() -> None:
    import subprocess
    import sys

    script = (
        "import sys\n"
        "from agents.training_session import TrainingSession\n"
        "from games.catalogue import get_game\n"
        "s = TrainingSession.build(get_game('stag-hunt'), 'game', ['iql'], seed=0)\n"
        "s.resume(); s.advance(3, 1.0)\n"
        "print(' '.join(sorted(sys.modules)))\n"
    )
    loaded = set(subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                                check=True).stdout.split())
    assert "agents.training_session" in loaded
    assert not {"textual", "marl_tui", "torch"} & loaded


def test_advance_builds_no_dataframe_and_logs_what_single_episodes_would(monkeypatch) -> None:
    def one_by_one() -> TrainingSession:
        session = TrainingSession.build(get_game("prisoners-dilemma"), "game", ["iql"], seed=4)
        session.resume()
        for _ in range(60):
            session.runner.run(1)
        return session

    reference = one_by_one()
    session = TrainingSession.build(get_game("prisoners-dilemma"), "game", ["iql"], seed=4)
    monkeypatch.setattr(type(session.runner), "run", lambda *_: pytest.fail("run() was called"))
    session.resume()
    while session.runner.episode < 60:
        session.advance(60 - session.runner.episode, 10.0)
    assert session.runner.episode == 60 and session.last.episode == 60
    assert session.log().equals(reference.log())
    for a, b in zip(session.runner.agents, reference.runner.agents, strict=True):
        assert a.q[0].keys() == b.q[0].keys()
        for key in a.q[0]:
            np.testing.assert_array_equal(a.q[0][key], b.q[0][key])
