"""The phase portrait's drawing: braille dots, arrows along the flow, marks by stability."""

from __future__ import annotations

import numpy as np

from games.catalogue import get_game
from marl_tui.widgets.braille import BRAILLE_BASE, BrailleCanvas
from marl_tui.widgets.phase_portrait import (
    MARKERS,
    Palette,
    Track,
    arrow,
    compute_picture,
    draw,
)


def test_braille_dots_combine_in_a_cell_and_glyphs_win():
    canvas = BrailleCanvas(2, 1)
    canvas.dot(0, 0)
    canvas.dot(1, 3)
    canvas.dot(99, 99)  # off the canvas: ignored
    canvas.glyph(1, 0, "●")
    canvas.dot(2, 0)  # under the glyph
    assert canvas.render().plain == chr(BRAILLE_BASE + 0x01 + 0x80) + "●"


def test_arrows_point_along_the_displacement():
    assert arrow(1, 0) == "→" and arrow(0, -1) == "↑" and arrow(-1, 0) == "←"
    assert arrow(0, 1) == "↓" and arrow(1, -1) == "↗" and arrow(-1, 1) == "↙"


def test_matching_pennies_square_has_its_centre_and_four_saddles_at_any_size():
    picture = compute_picture(get_game("matching-pennies"))
    for width, height in ((40, 14), (60, 20), (120, 40)):
        text = draw(picture, width, height, Palette(mono=True)).plain
        lines = text.split("\n")
        assert len(lines) == height and all(len(line) == width for line in lines)
        assert text.count(MARKERS["centre"]) == 1 and text.count(MARKERS["saddle"]) == 4
        # the flow circles the centre: down on its right (Mismatcher leaves Heads when Matcher
        # plays Heads), up on its left
        row = [k for k, line in enumerate(lines) if MARKERS["centre"] in line][0]
        column = lines[row].index(MARKERS["centre"])
        near = lines[row - 1: row + 2]
        right = {c for line in near for c in line[column + 2:] if c in "→↗↑↖←↙↓↘"}
        left = {c for line in near for c in line[:column - 1] if c in "→↗↑↖←↙↓↘"}
        assert right and right <= set("↓↘↙") and left and left <= set("↑↖↗")


def test_tracks_end_in_their_head_glyphs():
    picture = compute_picture(get_game("rock-paper-scissors"), population="two", orbits=False)
    points = np.array([[0.6, 0.2, 0.2], [0.5, 0.3, 0.2], [0.4, 0.35, 0.25]])
    tracks = [Track(0, points, "current"), Track(1, points[::-1], "average")]
    uniform = (np.full(3, 1 / 3), np.full(3, 1 / 3))
    text = draw(picture, 80, 20, Palette(), tracks, references=uniform).plain
    assert "◆" in text and "◇" in text
    assert text.count("Rock") == 2  # one triangle per player


def test_a_two_by_three_game_draws_a_segment_and_a_triangle():
    from games import Game

    game = Game.from_bimatrix([[3, 0, 1], [0, 2, 1]], [[1, 0, 2], [0, 3, 1]],
                              actions=[("Up", "Down"), ("L", "C", "R")])
    picture = compute_picture(game)
    assert picture.system.sizes == (2, 3)
    current = (np.array([0.7, 0.3]), np.array([0.2, 0.5, 0.3]))
    tracks = [Track(0, np.array([[0.5, 0.5], current[0]])), Track(1, np.array([[1 / 3] * 3, current[1]]))]
    text = draw(picture, 70, 16, Palette(mono=True), tracks, references=current).plain
    for label in ("Up", "Down", "L", "C", "R", "Player 1", "Player 2"):
        assert label in text
    assert text.count("◆") == 2
    assert set(text) & set("←→")  # the segment's flow against player 2's current policy
