"""Random key sequences on the game screen: nothing raises and the game is always valid."""

from __future__ import annotations

import random

import numpy as np
import pytest

from games import Game
from games.catalogue import get_game
from marl_tui.app import MarlTuiApp
from marl_tui.screens.game import GameScreen
from marl_tui.screens.picker import PickerScreen
from tests.app.conftest import settle

# Every key the game screen and its dialogs react to, except those that leave the editor for
# other screens (p, w, t), write files (ctrl+s, S) or quit (ctrl+q).
KEYS = (
    ["up", "down", "left", "right", "home", "end", "enter", "escape", "backspace", "space"]
    + list("0123456789-./,")
    + ["comma", "minus", "slash", "full_stop"]
    + list("rcRCnmNAXa")
    + ["u", "ctrl+z", "ctrl+y", "ctrl+r", "tab"]
    + ["left_square_bracket", "right_square_bracket", "less_than_sign", "greater_than_sign"]
    + ["question_mark"]
)
SEQUENCES = 10
KEYS_PER_SEQUENCE = 30
MAX_CELLS = 64  # keep random growth (r, c, A) from making the solver the bottleneck


def check(app: MarlTuiApp) -> None:
    game = app.game
    assert isinstance(game, Game)
    assert game.payoffs.shape == (game.n_players, *game.num_actions)
    assert np.isfinite(game.payoffs).all()
    screen = next((s for s in app.screen_stack if isinstance(s, GameScreen)), None)
    assert screen is not None and screen.game == game
    assert len(screen.fixed) == game.n_players - 2
    assert all(0 <= a < k for a, k in zip(screen.fixed, game.num_actions[2:], strict=True))


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1])
async def test_random_keys_never_break_the_game_screen(seed):
    rng = random.Random(seed)
    start = get_game(rng.choice(["prisoners-dilemma", "battle-of-the-sexes", "public-goods"]))
    app = MarlTuiApp(start)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for _ in range(SEQUENCES):
            keys = [rng.choice(KEYS) for _ in range(KEYS_PER_SEQUENCE)]
            for key in keys:
                if app.game is not None and app.game.n_cells >= MAX_CELLS and key in "rcAa":
                    continue
                await pilot.press(key)
            await settle(pilot)
            if isinstance(app.screen, PickerScreen):  # escape left the editor: reopen it
                app.game = app.saved_game = start
                await app.push_screen(GameScreen(start))
                await settle(pilot)
            check(app)
