"""SVG snapshots of the picker, the game screen (2- and 3-player, editing), help and dialogs.

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
