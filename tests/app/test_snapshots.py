"""SVG snapshots of the picker, the game screen (2- and 3-player, editing, 2x2/3x3/5x5 games at
60x20, 80x24 and 160x45 on a dark and a light theme), help and dialogs.

Regenerate after an intended visual change with ``pytest tests/app/test_snapshots.py
--snapshot-update`` and review the SVGs in ``__snapshots__/``.
"""

from __future__ import annotations

import pytest

from games.catalogue import get_game
from marl_tui.app import MarlTuiApp
from tests.app.conftest import settle

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


@pytest.mark.parametrize("size", SIZES)
def test_picker(snap_compare, size):
    assert snap_compare(MarlTuiApp(), press=["d", "i", "l"], terminal_size=size,
                        run_before=settle)


@pytest.mark.parametrize("size", SIZES)
def test_game_battle_of_the_sexes(snap_compare, size):
    assert snap_compare(MarlTuiApp(get_game("battle-of-the-sexes")), terminal_size=size,
                        run_before=settle)


def test_game_prisoners_dilemma_dominance(snap_compare):
    assert snap_compare(MarlTuiApp(get_game("prisoners-dilemma")), run_before=settle)


def test_game_invalid_entry(snap_compare):
    async def type_bad_entry(pilot):
        await settle(pilot)
        await pilot.press("down", "3", "comma", "x", "enter")
        await settle(pilot)

    assert snap_compare(MarlTuiApp(get_game("stag-hunt")), run_before=type_bad_entry)


def test_game_three_players(snap_compare):
    assert snap_compare(MarlTuiApp(get_game("public-goods")), press=["right_square_bracket"],
                        terminal_size=(120, 40), run_before=settle)


def test_help(snap_compare):
    assert snap_compare(MarlTuiApp(get_game("prisoners-dilemma")), press=["question_mark"],
                        run_before=settle)


def test_quit_confirmation(snap_compare):
    async def edit_then_quit(pilot):
        await settle(pilot)
        await pilot.press("5", "space", "5", "enter")
        await settle(pilot)
        await pilot.press("ctrl+q")

    assert snap_compare(MarlTuiApp(get_game("chicken")), run_before=edit_then_quit)


LAYOUT_SIZES = [pytest.param(s, id=f"{s[0]}x{s[1]}") for s in ((60, 20), (80, 24), (160, 45))]
LAYOUT_GAMES = ["prisoners-dilemma", "rock-paper-scissors", "rpsls"]


def on_theme(theme: str):
    async def run_before(pilot):
        pilot.app.theme = theme
        await settle(pilot)

    return run_before


@pytest.mark.parametrize("key", LAYOUT_GAMES)
@pytest.mark.parametrize("size", LAYOUT_SIZES)
def test_game_layout_dark(snap_compare, size, key):
    """A 2x2, 3x3 and 5x5 game at a small, the usual and a projector's terminal size."""
    assert snap_compare(MarlTuiApp(get_game(key)), terminal_size=size,
                        run_before=on_theme("textual-dark"))


@pytest.mark.parametrize("key", LAYOUT_GAMES)
def test_game_layout_light(snap_compare, key):
    """The same on a light theme (dominated actions must stay visible), at 80x24."""
    assert snap_compare(MarlTuiApp(get_game(key)), terminal_size=(80, 24),
                        run_before=on_theme("textual-light"))


@pytest.mark.parametrize("key", LAYOUT_GAMES)
@pytest.mark.parametrize("size", [pytest.param((60, 20), id="60x20"),
                                  pytest.param((160, 45), id="160x45")])
def test_game_layout_light_small_and_projector(snap_compare, size, key):
    """The light theme at the two other sizes: the short legend and pinned help key at 60x20,
    the presentation grid at 160x45."""
    assert snap_compare(MarlTuiApp(get_game(key)), terminal_size=size,
                        run_before=on_theme("textual-light"))
