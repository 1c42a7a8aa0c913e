"""The per-player helpers the deep agents share: padding, masks, sampling (numpy only, no torch)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np

from agents.deep.per_player import invalid_actions, sample_actions, stack_observations


def test_observations_are_flattened_into_their_players_rows_over_the_padding():
    template = np.full((2, 4), 7.0, dtype=np.float32)  # e.g. id columns the observations leave
    obs = (np.array([[1.0, 2.0]]), np.array([3.0]), np.array([4.0, 5.0, 6.0]))
    out = stack_observations(obs, (2, 0), template)
    assert out is template
    np.testing.assert_array_equal(out, [[4, 5, 6, 7], [1, 2, 7, 7]])


def test_invalid_actions_mark_the_padding_columns():
    np.testing.assert_array_equal(invalid_actions([3, 1], 3),
                                  [[False, False, False], [False, True, True]])


def test_sampling_follows_each_rows_distribution_and_never_picks_padding():
    rng = np.random.default_rng(0)
    probs = np.array([[0.2, 0.8, 0.0], [0.5, 0.5, 0.0], [1.0, 0.0, 0.0]])
    probs[2, 2] = 1e-12  # rounding noise on a padding column must not be drawn
    draws = np.array([sample_actions(probs, rng, [3, 2, 1]) for _ in range(4000)])
    assert draws[:, 2].max() == 0 and draws[:, 1].max() <= 1
    assert abs(np.mean(draws[:, 0] == 1) - 0.8) < 0.03
    assert abs(np.mean(draws[:, 1] == 0) - 0.5) < 0.03


def test_sampling_uses_one_uniform_per_row():
    probs = np.full((3, 2), 0.5)
    a, b = np.random.default_rng(5), np.random.default_rng(5)
    sample_actions(probs, a, [2, 2, 2])
    b.random(3)
    assert a.random() == b.random()


def test_the_helpers_import_no_torch():
    code = "import sys, agents.deep.per_player; print('torch' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "False"
