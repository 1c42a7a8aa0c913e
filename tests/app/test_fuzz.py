"""Random key sequences on the Game screen: nothing raises and the game stays valid.

One app per seed plays many short seeded sequences. Keys are posted as a fast typist's terminal
delivers them (no wait for the screen between keys), then the app is left to settle and checked:
the app's game is a valid ``Game`` (finite payoffs, shapes consistent), the game screen shows that
same game, its slice and cursor are in range, and the analysis did not fail. Between sequences
dialogs are closed and the game screen is reset to a random start game by an ordinary edit
(``commit``), without restarting the app. The analysis worker stays on: its results racing with
edits are part of what is fuzzed (it costs about a fifth of the run).

Cost: on the shared 2-core dev machine Textual spends about 40 ms of CPU per key (layout, render,
and the footer recomposed on every focus change). Whether every edit keeps the game valid is
fuzzed far faster below the UI, by the state machine over ``Game.with_*`` in
tests/games/test_model_edits.py; what only the screen can get wrong (key routing, dialogs, the
cursor and slice, the analysis racing with edits) needs fewer sequences, so the default is 4 seeds
x 120 sequences (~1 min of CPU, a quarter of the former 500); ``MARL_TUI_FUZZ_SEQUENCES`` sets the
number per seed for a longer hunt.
"""

from __future__ import annotations

import os
import random

import numpy as np
import pytest
from textual import events
from textual.keys import key_to_character

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
SEQUENCES = int(os.environ.get("MARL_TUI_FUZZ_SEQUENCES", "120"))  # per seed
MAX_KEYS = 6


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
    """Close any dialog and show ``start`` on the game screen (the app keeps running)."""
    while len(app.screen_stack) > 1 and not isinstance(app.screen, GameScreen | PickerScreen):
        await app.pop_screen()
    screen = app.screen
    if isinstance(screen, GameScreen):
        if screen.editing is not None:
            screen.stop_edit()
        screen.commit(start)
    else:  # escape (or an undo of the whole history) left for the picker: open the game again
        await app.open_game(start)


async def settle(app: MarlTuiApp, pilot, most: int = 20) -> None:
    """Pause until the screen's edits have reached the app (a key, its action and the message up
    may take several rounds of the event loop on a busy machine); at most ``most`` pauses, after
    which ``check`` reports any disagreement that is left."""
    for _ in range(most):
        await pilot.pause()
        screen = next((s for s in app.screen_stack if isinstance(s, GameScreen)), None)
        if screen is None or screen.game == app.game:
            return


def type_fast(app: MarlTuiApp, keys: list[str]) -> None:
    """Queue ``keys`` as a terminal delivers them, without waiting for the screen in between."""
    for key in keys:
        app.post_message(events.Key(key, key_to_character(key)))


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
            type_fast(app, [rng.choice(KEYS) for _ in range(rng.randint(1, MAX_KEYS))])
            await settle(app, pilot)
            if not any(isinstance(s, GameScreen) for s in app.screen_stack):
                continue  # escape left the editor (the picker, perhaps with help over it)
            screen = check(app)
            assert "Analysis failed" not in str(screen.query_one("#analysis-text").content)
        await app.workers.wait_for_complete()
        await pilot.pause()
        check(app)
