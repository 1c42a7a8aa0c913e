"""A hypothesis state machine over ``Game.with_*``: any sequence of edits keeps a valid game.

This is the cheap half of the Game screen's fuzz test (tests/app/test_fuzz.py): every edit the
screen's keys can make is one of these methods, so here thousands of edit sequences run at the
speed of numpy instead of ~40 ms of Textual per key. Each rule checks its edit against a plain
model of what should change (and that a refused edit raises GameError); the invariant checks the
game after every step, and the analysis the screen shows must compute for the final game.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from games import GameError
from games.analysis import analyse
from games.catalogue import get_game

STARTS = ("battle-of-the-sexes", "prisoners-dilemma", "rock-paper-scissors", "coordination")
MAX_CELLS = 12  # joint actions, at most 3 players: the analysis of every state stays cheap
MAX_PLAYERS = 3
payoff_values = st.one_of(
    st.integers(-20, 20),
    st.fractions(min_value=-10, max_value=10, max_denominator=12),
    st.sampled_from(["3", "-1/2", "0.25", "1e2", "x", "", "1/0", "nan", "inf"]),
)
labels = st.text(alphabet="AbcXyz 12", min_size=0, max_size=6)


def _labels_ok(labels) -> bool:
    """The game's rule for action labels and player names: non-blank and distinct."""
    return all(label.strip() for label in labels) and len(set(labels)) == len(labels)


def _cells(num_actions) -> int:
    return int(np.prod(num_actions))


def _exact(value) -> Fraction | None:
    """The fraction a payoff entry means, or None where the game must refuse it."""
    try:
        return Fraction(value) if not isinstance(value, str) else Fraction(value.strip())
    except (ValueError, ZeroDivisionError):
        return None


class GameEdits(RuleBasedStateMachine):
    """The game under edit, as the Game screen holds it between key presses."""

    @initialize(slug=st.sampled_from(STARTS))
    def start(self, slug: str) -> None:
        self.game = get_game(slug)

    def refused(self, edit) -> None:
        """An edit the game must refuse: GameError, and the game unchanged."""
        before = self.game
        try:
            edit()
        except GameError:
            return
        raise AssertionError(f"{edit} was accepted on {before.num_actions}")

    @rule(data=st.data(), values=st.lists(payoff_values, min_size=1, max_size=MAX_PLAYERS + 1))
    def set_payoffs(self, data, values) -> None:
        cell = tuple(data.draw(st.integers(0, k - 1)) for k in self.game.num_actions)
        exact = [_exact(v) for v in values]
        valid = len(values) == self.game.n_players and all(e is not None for e in exact)
        if not valid:
            self.refused(lambda: self.game.with_payoffs(cell, values))
            return
        before = self.game.payoffs.copy()
        self.game = self.game.with_payoffs(cell, values)
        for p, e in enumerate(exact):
            assert self.game.exact_payoffs[(p, *cell)] == e
            before[(p, *cell)] = float(e)
        np.testing.assert_array_equal(self.game.payoffs, before)

    @rule(data=st.data(), label=st.none() | labels)
    def add_action(self, data, label) -> None:
        player = data.draw(st.integers(0, self.game.n_players - 1))
        before = self.game
        grown = [k + (p == player) for p, k in enumerate(before.num_actions)]
        if _cells(grown) > MAX_CELLS:
            return
        if label and not _labels_ok([*before.actions[player], label]):
            self.refused(lambda: before.with_action_added(player, label))
            return
        self.game = before.with_action_added(player, label)
        assert self.game.num_actions[player] == before.num_actions[player] + 1
        old = [slice(None)] * (before.n_players + 1)
        old[player + 1] = slice(0, before.num_actions[player])
        np.testing.assert_array_equal(self.game.payoffs[tuple(old)], before.payoffs)
        new = [slice(None)] * (before.n_players + 1)
        new[player + 1] = -1
        assert not self.game.payoffs[tuple(new)].any()  # the new action pays 0 to everyone

    @rule(data=st.data())
    def remove_action(self, data) -> None:
        player = data.draw(st.integers(0, self.game.n_players - 1))
        index = data.draw(st.integers(-1, self.game.num_actions[player]))
        before = self.game
        if not 0 <= index < before.num_actions[player] or before.num_actions[player] == 1:
            self.refused(lambda: before.with_action_removed(player, index))
            return
        self.game = before.with_action_removed(player, index)
        expected = np.delete(before.payoffs, index, axis=player + 1)
        np.testing.assert_array_equal(self.game.payoffs, expected)
        kept = [a for k, a in enumerate(before.actions[player]) if k != index]
        assert list(self.game.actions[player]) == kept

    @rule(data=st.data(), label=labels)
    def rename_action(self, data, label) -> None:
        player = data.draw(st.integers(0, self.game.n_players - 1))
        index = data.draw(st.integers(0, self.game.num_actions[player] - 1))
        before = self.game
        renamed = [*before.actions[player]]
        renamed[index] = label.strip()
        if not _labels_ok(renamed):
            self.refused(lambda: before.with_action_renamed(player, index, label))
            return
        self.game = before.with_action_renamed(player, index, label)
        assert self.game.actions[player][index] == label.strip()
        np.testing.assert_array_equal(self.game.payoffs, before.payoffs)

    @rule(data=st.data(), name=labels)
    def rename_player(self, data, name) -> None:
        player = data.draw(st.integers(0, self.game.n_players - 1))
        before = self.game
        renamed = [*before.players]
        renamed[player] = name.strip()
        if not _labels_ok(renamed):
            self.refused(lambda: before.with_player_renamed(player, name))
            return
        self.game = before.with_player_renamed(player, name)
        assert self.game.players[player] == name.strip()

    @precondition(lambda self: self.game.n_players < MAX_PLAYERS)
    @rule(name=st.none() | labels)
    def add_player(self, name) -> None:
        before = self.game
        if name and not _labels_ok([*before.players, name]):
            self.refused(lambda: before.with_player_added(name))
            return
        self.game = before.with_player_added(name)
        assert self.game.num_actions == (*before.num_actions, 1)
        np.testing.assert_array_equal(self.game.payoffs[:-1, ..., 0], before.payoffs)
        assert not self.game.payoffs[-1].any()  # the newcomer's payoffs are 0

    @rule(data=st.data())
    def remove_player(self, data) -> None:
        player = data.draw(st.integers(0, self.game.n_players - 1))
        keep = data.draw(st.integers(0, self.game.num_actions[player]))
        before = self.game
        if before.n_players <= 2 or keep >= before.num_actions[player]:
            self.refused(lambda: before.with_player_removed(player, keep))
            return
        self.game = before.with_player_removed(player, keep)
        index = [slice(None)] * (before.n_players + 1)
        index[player + 1] = keep
        others = [p for p in range(before.n_players) if p != player]
        np.testing.assert_array_equal(self.game.payoffs, before.payoffs[tuple(index)][others])

    @invariant()
    def the_game_is_valid(self) -> None:
        game = self.game
        assert game.payoffs.shape == (game.n_players, *game.num_actions)
        assert np.isfinite(game.payoffs).all()
        assert len(game.players) == game.n_players
        assert all(len(a) == k for a, k in zip(game.actions, game.num_actions, strict=True))
        exact = np.vectorize(float, otypes=[float])(game.exact_payoffs)
        np.testing.assert_array_equal(exact, game.payoffs)  # the two views of a payoff agree

    def teardown(self) -> None:
        """What the screen's analysis panel shows: every part computes without an error (at the
        end of each sequence; every state is the end of some shorter sequence)."""
        if hasattr(self, "game"):
            analyse(self.game).compute()


TestGameEdits = GameEdits.TestCase
# 50 sequences of up to 25 edits; derandomize and the rest come from the suite's profile
TestGameEdits.settings = settings(max_examples=50, stateful_step_count=25)
