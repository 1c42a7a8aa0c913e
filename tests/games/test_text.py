"""Control characters never enter a game: refused where a name is typed (the model's methods)
or read from a file, with an error that names the character; `printable` shows them as escapes."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from games import Game, GameError
from games.io import load
from games.nfg import write_nfg
from games.text import MULTI_LINE, check_text, control_characters, is_control, printable

CONTROLS = {
    "CSI (C1)": "\u009b", "OSC (C1)": "\u009d", "SO": "\x0e", "BS": "\x08", "DEL": "\x7f",
    "ESC": "\x1b", "RLO (bidi)": "\u202e", "FSI (bidi)": "\u2068", "LINE SEPARATOR": "\u2028",
}


def game() -> Game:
    return Game(np.zeros((2, 2, 2)), players=("Ann", "Bob"), actions=(("U", "D"), ("L", "R")))


@pytest.mark.parametrize("character", CONTROLS.values(), ids=CONTROLS.keys())
def test_typed_names_with_a_control_character_are_refused(character):
    name = f"Ev{character}il"
    code = re.escape(f"U+{ord(character):04X}")
    for edit in (lambda g: g.with_player_renamed(0, name), lambda g: g.with_action_renamed(1, 0, name),
                 lambda g: g.renamed(name=name), lambda g: g.with_action_added(0, name),
                 lambda g: g.with_player_added(name)):
        with pytest.raises(GameError, match=f"{code}.* at position 3"):
            edit(game())


@pytest.mark.parametrize("character", CONTROLS.values(), ids=CONTROLS.keys())
def test_game_files_with_a_control_character_in_a_name_are_refused(tmp_path, character):
    code = re.escape(f"U+{ord(character):04X}")
    data = {"format": "marl-tui-game", "version": 1, "name": "G", "players": ["Ann", "Bob"],
            "actions": [["U", f"D{character}"], ["L", "R"]], "payoffs": np.zeros((2, 2, 2)).tolist()}
    path = tmp_path / "g.json"
    path.write_text(json.dumps(data))
    with pytest.raises(GameError, match=f"g.json: .*action labels: 'D.*' holds .*{code}"):
        load(path)
    nfg = tmp_path / "g.nfg"
    nfg.write_text(write_nfg(game()).replace('"Bob"', f'"B{character}ob"'))
    with pytest.raises(GameError, match=f"g.nfg: player names: .*{code}.* at position 2"):
        load(nfg)


def test_descriptions_keep_lines_and_tabs_but_no_other_control():
    assert Game(np.zeros((2, 2, 2)), description="one\n\ttwo\r\n").description == "one\n\ttwo\r\n"
    with pytest.raises(GameError, match=r"the description: .*U\+001B"):
        Game(np.zeros((2, 2, 2)), description="\x1b[2J")


def test_printable_shows_each_control_as_an_escape_and_leaves_text_alone():
    assert printable("a\u009bb\x0ec\u202ed\x7f") == "a\\x9bb\\x0ec\\u202ed\\x7f"
    assert printable("Ünïcode ✓ [b]x[/b]") == "Ünïcode ✓ [b]x[/b]"
    assert printable("two\nlines", allowed="\n") == "two\nlines"
    with pytest.raises(ValueError, match=r"U\+009D.* at position 1 \(and 1 more\)"):
        check_text("\u009dx\u009d", "a name")


@settings(max_examples=300, deadline=None)
@given(st.text(), st.sampled_from(["", MULTI_LINE]))
def test_control_characters_fast_path_finds_what_the_per_character_test_finds(text, allowed):
    # control_characters skips the scan for str.isprintable() text: it must lose nothing.
    expected = [(k, c) for k, c in enumerate(text) if c not in allowed and is_control(c)]
    assert control_characters(text, allowed) == expected
