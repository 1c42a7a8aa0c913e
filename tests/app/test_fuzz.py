"""Thousands of random key sequences on the Game screen: nothing raises and the game stays valid.

One app per seed plays many short seeded sequences. Keys are sent as a fast typist sends them (no
wait for the screen between keys), then the screen is left to settle and checked: the app's game
is a valid ``Game`` (finite payoffs, shapes consistent), the game screen shows that same game,
its slice and cursor are in range. Between sequences dialogs are closed and the game screen is
reset to a fresh start game, without restarting the app. The analysis worker runs as usual, so
its results racing with edits are part of what is fuzzed; a failed analysis fails the test.
"""

from __future__ import annotations

import random

import numpy as np
import pytest

from games import Game
from games.catalogue import get_game
from marl_tui.app import MarlTuiApp
from marl_tui.screens.game import GameScreen
from marl_tui.screens.picker import PickerScreen
from marl_tui.widgets.payoff_grid import PayoffGrid

# Every key the game screen and its dialogs react to, except those that leave the editor for
# other screens (p, w, t), write files (ctrl+s, S) or quit (ctrl+q).
KEYS = (
    ["up", "down", "left", "right", "home", "end", "enter", "escape", "backspace", "space"]
    + list("0123456789")
    + ["comma", "minus", "slash", "full_stop", "y", "n"]
    + list("rcRCnmNAXav")
    + ["u", "ctrl+z", "ctrl+y", "ctrl+r", "tab", "pageup", "pagedown"]
    + ["left_square_bracket", "right_square_bracket", "less_than_sign", "greater_than_sign"]
    + ["question_mark", "f1"]
)
STARTS = ("battle-of-the-sexes", "prisoners-dilemma", "rock-paper-scissors", "public-goods")
SEEDS = (0, 1, 2, 3)
SEQUENCES = int(__import__('os').environ.get('FUZZ_N', 600))  # per seed: 2400 sequences in all
MAX_KEYS = 12


def check(app: MarlTuiApp) -> GameScreen:
    """The invariants after a sequence; returns the game screen."""
    game = app.game
    assert isinstance(game, Game)
    assert game.payoffs.shape == (game.n_players, *game.num_actions)
    assert np.isfinite(game.payoffs).all()
    assert len(game.players) == game.n_players
    assert all(len(labels) == k for labels, k in zip(game.actions, game.num_actions, strict=True))
    screen = next((s for s in app.screen_stack if isinstance(s, GameScreen)), None)
    assert screen is not None and screen.game == game
    assert len(screen.fixed) == game.n_players - 2
    assert all(0 <= a < k for a, k in zip(screen.fixed, game.num_actions[2:], strict=True))
    row, column = screen.query_one(PayoffGrid).cursor
    assert 0 <= row < game.num_actions[0] and 0 <= column < game.num_actions[1]
    return screen


async def reset(app: MarlTuiApp, start: Game) -> None:
    """Close any dialog and put a fresh game screen on ``start`` on top (the app keeps running)."""
    while len(app.screen_stack) > 1 and not isinstance(app.screen, GameScreen | PickerScreen):
        await app.pop_screen()
    app.game = app.saved_game = start
    if isinstance(app.screen, GameScreen):
        await app.switch_screen(GameScreen(start))
    else:
        await app.push_screen(GameScreen(start))


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
async def test_random_key_sequences_never_break_the_game_screen(seed):
    rng = random.Random(seed)
    starts = [get_game(slug) for slug in STARTS]
    app = MarlTuiApp(starts[0])
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        for _ in range(SEQUENCES):
            await reset(app, rng.choice(starts))
            keys = [rng.choice(KEYS) for _ in range(rng.randint(1, MAX_KEYS))]
            await pilot.press(*keys)
            await pilot.pause()
            if isinstance(app.screen, PickerScreen):  # escape left the editor
                continue
            screen = check(app)
            assert "Analysis failed" not in str(screen.query_one("#analysis-text").content)
        await app.workers.wait_for_complete()
