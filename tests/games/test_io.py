"""Game files: marl-tui JSON and Gambit .nfg, reading, writing, errors, atomic saving, resolve."""

from __future__ import annotations

import errno
import json
import os
import re
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from games import io
from games.catalogue import catalogue, get_game
from games.io import (
    game_from_dict,
    game_to_dict,
    load,
    read_json,
    read_nfg,
    resolve,
    save,
    write_json,
    write_nfg,
)
from games.model import MAX_CELLS, Game, GameError
from games.text import MULTI_LINE, is_control

DATA = Path(__file__).parent / "data"
GAMBIT_FILES = sorted(DATA.glob("gambit-*.nfg"))
CATALOGUE_GAMES = [entry.build() for entry in catalogue()]


def exact(rows) -> np.ndarray:
    return np.vectorize(Fraction, otypes=[object])(np.array(rows, dtype=object))


def assert_same_game(a: Game, b: Game) -> None:
    assert a.players == b.players
    assert a.actions == b.actions
    assert (a.name, a.description, a.source) == (b.name, b.description, b.source)
    assert a.exact_payoffs.shape == b.exact_payoffs.shape
    assert np.all(a.exact_payoffs == b.exact_payoffs)
    assert a == b


# ----- real Gambit files -----------------------------------------------------------------------
def test_gambit_test_files_are_present():
    assert len(GAMBIT_FILES) >= 8


def test_gambit_prisoners_dilemma_outcome_version():
    game = load(DATA / "gambit-pd.nfg")
    assert game.name == "Two person Prisoner's Dilemma game"
    assert game.players == ("Player 1", "Player 2")
    assert game.actions == (("1", "2"), ("1", "2"))
    assert game.description == ""
    # Profiles (1,1) (2,1) (1,2) (2,2) get outcomes (9,9) (10,0) (0,10) (1,1).
    assert np.array_equal(game.exact_payoffs[0], exact([[9, 0], [10, 1]]))
    assert np.array_equal(game.exact_payoffs[1], exact([[9, 10], [0, 1]]))


def test_gambit_three_player_outcome_version_uses_gambit_profile_order():
    game = load(DATA / "gambit-2x2x2.nfg")
    assert game.num_actions == (2, 2, 2)
    expected = {
        (0, 0, 0): (9, 8, 12),
        (1, 1, 0): (9, 8, 2),
        (1, 0, 1): (3, 4, 6),
        (0, 1, 1): (3, 4, 6),
    }
    for cell in game.cells():
        assert tuple(game.exact_payoffs[(slice(None), *cell)]) == expected.get(cell, (0, 0, 0))


def test_gambit_four_player_decimals_are_exact():
    game = load(DATA / "gambit-2x2x2x2.nfg")
    assert game.n_players == 4 and game.players == ("1", "2", "3", "4")
    assert tuple(game.exact_payoffs[:, 0, 0, 0, 0]) == tuple(
        Fraction(s) for s in ("1.131", "1.210", "2.426", "2.429")
    )
    # Profile 2 in Gambit order is player 1's second strategy.
    assert game.exact_payoffs[0, 1, 0, 0, 0] == Fraction("4.225")
    assert game.exact_payoffs[3, 1, 1, 1, 1] == Fraction("3.830")


def test_gambit_outcomes_without_commas_and_out_of_order_indices():
    game = load(DATA / "gambit-cent2.nfg")
    # Indices 1 4 7 2 5 8 3 6 9 in Gambit order put the outcomes in row-major order.
    row = [["0.811", "0.868", "1.400"], ["0.564", "3.148", "3.680"], ["1.020", "2.160", "12.800"]]
    assert np.array_equal(game.exact_payoffs[0], exact(row))
    assert game.exact_payoffs[1, 2, 2] == Fraction("3.2")


def test_gambit_shared_outcomes():
    game = load(DATA / "gambit-coordination_4x4_outcome.nfg")
    assert game.actions[1] == ("2-1", "2-2", "2-3", "2-4")
    assert np.array_equal(game.payoffs[0], np.eye(4)) and np.array_equal(game.payoffs[1], np.eye(4))


def test_gambit_payoff_version_with_labels_counts_and_decimals():
    coord = load(DATA / "gambit-coord2.nfg")
    assert np.array_equal(coord.exact_payoffs[0], exact([[3, 0], [0, 2]]))
    assert np.array_equal(coord.exact_payoffs[1], exact([[2, 0], [0, 2]]))
    kreps = load(DATA / "gambit-e04.nfg")  # 'NFG 1 D', 0.000000-style numbers, { 3 2 }
    assert kreps.actions == (("1", "2", "3"), ("1", "2"))
    assert np.array_equal(kreps.exact_payoffs[0], exact([[0, 0], [-1, -1], [-2, 3]]))
    assert np.array_equal(kreps.exact_payoffs[1], exact([[0, 0], [2, 0], [-2, -1]]))


def test_gambit_blank_and_repeated_labels_are_renamed_like_gambit():
    assert load(DATA / "gambit-sww1.nfg").players == ("_1", "_2")
    labels = load(DATA / "gambit-2x2_bimatrix_all_zero_payoffs.nfg").actions
    assert labels == (("cooperate", "defect"), ("defect_1", "defect_2"))


def test_gambit_empty_title_falls_back_to_the_file_name():
    assert load(DATA / "gambit-mixed_strategy.nfg").name == "gambit-mixed_strategy"


@pytest.mark.parametrize("path", GAMBIT_FILES, ids=lambda p: p.name)
@pytest.mark.parametrize("variant", ["outcome", "payoff"])
def test_gambit_files_round_trip_through_both_variants(path: Path, variant: str):
    game = load(path)
    assert_same_game(read_nfg(write_nfg(game, variant=variant)), game)
    assert_same_game(read_json(write_json(game)), game)


def test_writer_reproduces_gambits_own_outcome_file_byte_for_byte():
    text = (DATA / "gambit-pd.nfg").read_text()
    assert write_nfg(load(DATA / "gambit-pd.nfg")) == text


def test_crlf_version_of_a_gambit_file_reads_the_same():
    text = (DATA / "gambit-2x2x2.nfg").read_text()
    for newline in ("\r\n", "\r"):
        assert_same_game(
            read_nfg(text.replace("\n", newline), "x.nfg"), load(DATA / "gambit-2x2x2.nfg")
        )


def test_hand_written_file_with_crlf_comments_and_every_number_style():
    raw = (DATA / "hand-written.nfg").read_bytes()
    assert b"\r\n" in raw and b"#" in raw
    game = load(DATA / "hand-written.nfg")
    assert game.players == ("Row", "Column")
    assert game.actions == (("Up", "Down"), ("Left", "Right"))
    assert game.description == "A comment\r\nover two lines"
    # 3, 2/3 | .5, -2.25e1 | -1.5 +4 | 1. 0 for (Up,Left) (Down,Left) (Up,Right) (Down,Right)
    assert np.array_equal(game.exact_payoffs[0], exact([[3, Fraction(-3, 2)], [Fraction(1, 2), 1]]))
    assert np.array_equal(
        game.exact_payoffs[1], exact([[Fraction(2, 3), 4], [Fraction(-45, 2), 0]])
    )


def test_byte_order_mark_and_extra_whitespace():
    text = '\ufeff  \n\n NFG   1\tR "t"\n{"A""B"}{2 2}"c"\n\n 1 2\n\n3 4 5 6 7 8 \n\n'
    game = read_nfg(text)
    assert game.players == ("A", "B") and game.description == "c"
    assert game.payoff((1, 1)) == (7.0, 8.0)


def test_escaped_quotes_and_backslashes_in_strings():
    text = r'NFG 1 R "say \"hi\" \\ \n" { "A" "B" } { 1 1 } 1 2'
    game = read_nfg(text)
    assert game.name == 'say "hi" \\ \\n'
    assert read_nfg(write_nfg(game)) == game


def test_n_player_payoff_version_order():
    # 3 players with 2, 3 and 2 strategies; payoff of every player = the profile's Gambit index.
    shape = (2, 3, 2)
    values = []
    for k in range(12):
        values += [str(k)] * 3
    game = read_nfg('NFG 1 R "t" { "a" "b" "c" } { 2 3 2 }\n' + " ".join(values))
    for i, j, m in np.ndindex(*shape):
        assert game.payoffs[(0, i, j, m)] == i + 2 * j + 6 * m


def test_null_outcome_means_all_zero_payoffs():
    text = 'NFG 1 R "t" { "A" "B" } { { "x" "y" } { "u" "v" } } "" { { "o" 1, -2 } } 1 0 0 1'
    game = read_nfg(text)
    assert np.array_equal(game.payoffs[0], [[1, 0], [0, 1]])
    assert np.array_equal(game.payoffs[1], [[-2, 0], [0, -2]])


# ----- malformed .nfg ---------------------------------------------------------------------------
HEADER = 'NFG 1 R "t" { "A" "B" } { 2 2 }\n'
OUTCOME_HEADER = 'NFG 1 R "t" { "A" "B" }\n{ { "x" "y" } { "u" "v" } }\n""\n'
OUTCOMES = '{\n{ "" 1, 1 }\n{ "" 2, 2 }\n}\n'

MALFORMED_NFG = [
    ("", 1, 1, "expected 'NFG' at the start"),
    ('{"format": "marl-tui-game"}', 1, 1, "expected 'NFG'"),
    ('NFG 2 R "t" { "A" "B" } { 1 1 } 0 0', 1, 5, "unsupported .nfg version 2"),
    ('NFG 1 X "t" { "A" "B" } { 1 1 } 0 0', 1, 7, "number type 'R'"),
    ('NFG 1 R { "A" "B" } { 1 1 } 0 0', 1, 9, "expected the game title"),
    ('NFG 1 R "t" { "A" "B } { 2 2 }\n1 2 3 4', 1, 19, "unterminated string"),
    ('NFG 1 R "t" { "A" } { 2 }\n1 2', 1, 21, "at least 2 players"),
    ('NFG 1 R "t" "A" "B" { 2 2 }', 1, 13, "expected '{' opening the list of player names"),
    ('NFG 1 R "t" { "A" "B" } { 2 0 }\n', 1, 29, "positive whole number, got 0"),
    ('NFG 1 R "t" { "A" "B" } { 2 1.5 }\n', 1, 29, "positive whole number, got 1.5"),
    ('NFG 1 R "t" { "A" "B" } { 2 }\n1 2', 1, 29, "the number of strategies of player 2"),
    ('NFG 1 R "t" { "A" "B" } { { "x" } }\n1 2', 1, 35, "strategy labels of player 2"),
    ('NFG 1 R "t" { "A" "B" } { { "x" } { } }\n1 2', 1, 35, "player 2 has no strategies"),
    ('NFG 1 R "t" { "A" "B" } { 2 2 } "c" "d"', 1, 37, "expected the outcome list"),
    (HEADER + "1 2 3 4 5 6\n", 3, 1, "expected 8 .* found only 6"),
    (HEADER + "1 2 3 4 5 6 7 8 9 10\n", 2, 17, "wrong number of payoffs: expected 8 .* found 10"),
    (HEADER + "1 2 x 4 5 6 7 8", 2, 5, r"expected payoff #3 of 8 \(a number\), found 'x'"),
    (HEADER + "1 2 3x 4 5 6 7 8", 2, 5, "'3x' is not a number"),
    (HEADER + "1 2 - 4 5 6 7 8", 2, 5, "'-' is not a number"),
    (HEADER + "1 2 1/0 4 5 6 7 8", 2, 5, "divides by zero"),
    (HEADER + '1 2 "3" 4 5 6 7 8', 2, 5, "found the string '3'"),
    (HEADER + "1 2 3 4 5 6 7 8 foo", 2, 17, "expected the end of the file, found 'foo'"),
    (
        OUTCOME_HEADER + OUTCOMES + "1 2 5 1",
        8,
        5,
        "outcome index 5 out of range: there are 2 outcomes",
    ),
    (OUTCOME_HEADER + OUTCOMES + "1 2 -1 1", 8, 5, "whole number 0..2, got -1"),
    (OUTCOME_HEADER + OUTCOMES + "1 2 1.0 1", 8, 5, "whole number 0..2, got 1.0"),
    (OUTCOME_HEADER + OUTCOMES + "1 2 1", 8, 6, "expected 4 outcome indices .* found only 3"),
    (OUTCOME_HEADER + OUTCOMES + "1 2 1 1 2", 8, 9, "too many outcome indices"),
    (OUTCOME_HEADER + '{\n{ "" 1 }\n}\n1 1 1 1', 5, 8, "outcome 1 has 1 payoffs, expected 2"),
    (OUTCOME_HEADER + '{\n{ "" 1, 2, 3 }\n}\n1 1 1 1', 5, 14, "outcome 1 has 3 payoffs"),
    (OUTCOME_HEADER + "{\n{ 1, 2 }\n}\n1 1 1 1", 5, 3, "expected the name of outcome 1"),
    (
        OUTCOME_HEADER + '{\n{ "" 1, x }\n}\n1 1 1 1',
        5,
        9,
        "expected a payoff or '}' closing outcome 1",
    ),
    (
        OUTCOME_HEADER + '{\n{ "" 1, 2 }\n',
        6,
        1,
        "closing the outcome list, found the end of the file",
    ),
    ('NFG 1 R "t" { "A" "B" } { 1000 1001 }\n', 2, 1, f"game too large.*limit is {MAX_CELLS:,}"),
]


@pytest.mark.parametrize(("text", "line", "column", "message"), MALFORMED_NFG)
def test_malformed_nfg_errors_name_file_line_column_and_expectation(text, line, column, message):
    with pytest.raises(GameError) as caught:
        read_nfg(text, "bad.nfg")
    text_of_error = str(caught.value)
    assert text_of_error.startswith(f"bad.nfg: line {line}, column {column}: "), text_of_error
    assert re.search(message, text_of_error), text_of_error


def test_malformed_crlf_file_reports_the_right_line():
    text = (HEADER + "# payoffs\n1 2 3 4\n5 6 x 8\n").replace("\n", "\r\n")
    with pytest.raises(GameError, match=r"^w.nfg: line 4, column 5: expected payoff #7"):
        read_nfg(text, "w.nfg")


def test_write_nfg_rejects_an_unknown_variant():
    with pytest.raises(GameError, match="variant"):
        write_nfg(get_game("chicken"), variant="table")


# ----- JSON -----------------------------------------------------------------------------------
def test_json_file_with_every_number_style_reads_exactly():
    game = load(DATA / "exact-fractions.json")
    assert game.players == ("Alice", "Bob")
    assert game.actions == (("Up", "Down"), ("Left", "Middle", "Right"))
    assert (game.name, game.source) == ("Exact fractions", "marl-tui test data")
    assert np.array_equal(
        game.exact_payoffs[0],
        exact(
            [
                [3, Fraction(2, 3), Fraction(1, 10)],
                [Fraction(-7, 4), Fraction(-1, 4), Fraction(3, 10)],
            ]
        ),
    )
    # A JSON decimal is exact: not the float nearest to 0.30000000000000004.
    assert game.exact_payoffs[1, 1, 2] == Fraction("0.30000000000000004")
    assert game.exact_payoffs[1, 1, 0] == 100


def test_json_written_is_readable_and_versioned():
    text = write_json(get_game("prisoners-dilemma"))
    data = json.loads(text)
    assert data["format"] == "marl-tui-game" and data["version"] == 1
    assert data["payoffs"] == [[[3, 0], [5, 1]], [[3, 5], [0, 1]]]
    assert data["actions"] == [["Cooperate", "Defect"], ["Cooperate", "Defect"]]
    assert "      [3, 0],\n      [5, 1]\n" in text  # one payoff row per line


def test_json_fractions_are_written_as_strings_and_decimals_as_numbers():
    game = Game.from_bimatrix([["2/3", "1/10"], ["-3/2", 4]], [[0, "1e-30"], ["7/3", "1/3"]])
    data = game_to_dict(game)
    assert data["payoffs"][0] == [["2/3", 0.1], [-1.5, 4]]
    assert data["payoffs"][1] == [[0, 1e-30], ["7/3", "1/3"]]
    assert_same_game(game_from_dict(data), game)
    assert_same_game(read_json(write_json(game)), game)


def test_json_optional_fields_default():
    game = game_from_dict(
        {"format": "marl-tui-game", "version": 1, "payoffs": [[[1, 2]], [[3, 4]]]}
    )
    assert game.players == ("Player 1", "Player 2")
    assert game.actions == (("A1",), ("A1", "A2"))
    assert game.name == "Untitled game"


def valid_dict() -> dict:
    return {
        "format": "marl-tui-game",
        "version": 1,
        "name": "g",
        "players": ["Alice", "Bob"],
        "actions": [["Up", "Down"], ["L", "M", "R"]],
        "payoffs": [[[1, 2, 3], [4, 5, 6]], [[1, 2, 3], [4, 5, 6]]],
    }


def edit(path: str, value) -> dict:
    """valid_dict() with one field set ('a.b.0' style path) or deleted (value is DELETE)."""
    data = valid_dict()
    *parents, last = path.split(".")
    node = data
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node[key]
    key = int(last) if isinstance(node, list) else last
    if value is DELETE:
        del node[key]
    else:
        node[key] = value
    return data


DELETE = object()

MALFORMED_JSON = [
    (edit("format", DELETE), r"missing required field 'format'"),
    (edit("version", DELETE), r"missing required field 'version'"),
    (edit("payoffs", DELETE), r"missing required field 'payoffs'"),
    (edit("format", "gambit"), r"format: expected 'marl-tui-game', got 'gambit'"),
    (edit("version", 2), r"version: unsupported version 2: this marl-tui reads version 1 .*newer"),
    (edit("version", "1"), r"version: expected a whole number"),
    (edit("version", True), r"version: expected a whole number"),
    (edit("name", 3), r"name: expected a string, got 3"),
    (edit("players", ["Alice"]), r"players: names 1 players but payoffs has 2"),
    (edit("players", ["Alice", "Alice"]), r"players\[1\]: 'Alice' appears twice"),
    (edit("players", "Alice"), r"players: expected a non-empty list of strings"),
    (edit("actions.0.1", " "), r"actions\[0\]\[1\]: expected a non-empty string"),
    (edit("actions.1", []), r"actions\[1\]: expected a non-empty list"),
    (edit("actions", [["Up", "Down"]]), r"actions: expected 2 label lists"),
    (
        edit("payoffs.1.0.2", True),
        r'payoffs\[1\]\[0\]\[2\]: expected a number or a fraction string like "2/3", got true',
    ),
    (edit("payoffs.1.0.2", None), r"payoffs\[1\]\[0\]\[2\]: .* got null"),
    (edit("payoffs.0.1.0", "abc"), r"payoffs\[0\]\[1\]\[0\]: .* got the string 'abc'"),
    (edit("payoffs.0.1.0", "1/0"), r"payoffs\[0\]\[1\]\[0\]: expected a number"),
    (edit("payoffs.0.1.0", [1]), r"payoffs\[0\]\[1\]\[0\]: expected a number .* got a list of 1"),
    (edit("payoffs.0.1.0", 10**400), r"payoffs\[0\]\[1\]\[0\]: .*too large"),
    (
        edit("payoffs.0.1", [4, 5]),
        r"payoffs\[0\]\[1\]: expected a list of 3 entries \(one per action of Bob\), got a list of 2",
    ),
    (
        edit("payoffs.1", 7),
        r"payoffs\[1\]: expected a list of 2 entries \(one per action of Alice\)",
    ),
    (edit("payoffs", [[[1, 2, 3], [4, 5, 6]]]), r"players: names 2 players but payoffs has 1"),
    (edit("payoffs", {}), r"payoffs: expected a non-empty list"),
    (edit("extra", 1), r"unknown field 'extra'"),
    (edit("payoff", 1), r"unknown field 'payoff'; did you mean 'payoffs'"),
]


@pytest.mark.parametrize(("data", "message"), MALFORMED_JSON)
def test_malformed_json_errors_name_file_field_and_expectation(data, message):
    with pytest.raises(GameError, match=r"^game.json: " + message):
        read_json(json.dumps(data), "game.json")


def test_json_shape_inferred_without_actions_reports_bad_nesting():
    with pytest.raises(GameError, match=r"^<dict>: payoffs\[0\]\[0\]: expected a non-empty list"):
        game_from_dict({"format": "marl-tui-game", "version": 1, "payoffs": [[1, 2], [3, 4]]})
    with pytest.raises(GameError, match=r"expected 2 to 12 players' payoffs, got 1"):
        game_from_dict({"format": "marl-tui-game", "version": 1, "payoffs": [[1]]})


def test_json_too_large_is_refused_before_reading_payoffs():
    data = edit("actions", [[f"a{k}" for k in range(1000)], [f"b{k}" for k in range(1001)]])
    with pytest.raises(GameError, match=f"game too large: 2,002,000 .* limit is {MAX_CELLS:,}"):
        game_from_dict(data, "big.json")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[1, 2]", r"^j.json: expected a JSON object .* got a list of 2"),
        (
            '{"format": "marl-tui-game",\n "version": 1,\n "payoffs": [1, }',
            r"^j.json: line 3, column 17: invalid JSON",
        ),
        (
            '{"format": "marl-tui-game", "version": 1, "payoffs": [[[NaN]], [[1]]]}',
            r"^j.json: invalid JSON: NaN",
        ),
        ("", r"^j.json: line 1, column 1: invalid JSON"),
    ],
)
def test_json_syntax_errors(text, message):
    with pytest.raises(GameError, match=message):
        read_json(text, "j.json")


# ----- round trips ----------------------------------------------------------------------------
@pytest.mark.parametrize("game", CATALOGUE_GAMES, ids=lambda g: g.name)
def test_catalogue_games_round_trip_through_every_format(game: Game, tmp_path: Path):
    assert_same_game(game_from_dict(game_to_dict(game)), game)
    for name, format in (("g.json", None), ("g.nfg", None), ("payoffs.nfg", "nfg-payoff")):
        path = save(game, tmp_path / name, format=format)
        assert path == tmp_path / name
        assert_same_game(load(path), game)


# Any text a name may hold: no surrogates, no control characters (games.text refuses those).
labels = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)).filter(lambda c: not is_control(c)),
    min_size=1, max_size=6,
).filter(lambda s: s.strip())
# Descriptions and sources may also hold line breaks and tabs.
texts = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)).filter(
        lambda c: c in MULTI_LINE or not is_control(c)),
    max_size=20,
)
payoffs = st.one_of(
    st.integers(-(10**12), 10**12).map(Fraction),
    st.builds(Fraction, st.integers(-99, 99), st.integers(1, 40)),
    st.decimals(
        allow_nan=False, allow_infinity=False, places=3, min_value=-1000, max_value=1000
    ).map(Fraction),
)


@st.composite
def games(draw) -> Game:
    n = draw(st.integers(2, 3))
    shape = tuple(draw(st.lists(st.integers(1, 3), min_size=n, max_size=n)))
    values = draw(
        st.lists(payoffs, min_size=n * int(np.prod(shape)), max_size=n * int(np.prod(shape)))
    )
    array = np.empty(n * int(np.prod(shape)), dtype=object)
    array[:] = values
    return Game(
        array.reshape((n, *shape)),
        players=draw(st.lists(labels, min_size=n, max_size=n, unique=True)),
        actions=[draw(st.lists(labels, min_size=k, max_size=k, unique=True)) for k in shape],
        name=draw(labels),
        description=draw(texts.filter(lambda s: "Source: " not in s)),
        source=draw(texts.filter(lambda s: "\n" not in s and "\r" not in s)),
    )


@settings(max_examples=60)
@given(games())
def test_random_games_round_trip_exactly(game: Game):
    assert_same_game(read_json(write_json(game)), game)
    assert_same_game(read_nfg(write_nfg(game)), game)
    assert_same_game(read_nfg(write_nfg(game, variant="payoff")), game)


# ----- load / save ------------------------------------------------------------------------------
def test_load_sniffs_the_format_of_unknown_extensions(tmp_path: Path):
    game = get_game("stag-hunt")
    for format in ("json", "nfg"):
        path = save(game, tmp_path / f"{format}.txt", format=format)
        assert_same_game(load(path), game)


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (None, "missing.json", "no such file"),
        (b"\xff\xfe\x00junk", "bad.nfg", "not a UTF-8 text file"),
        (b"hello", "notes.txt", "cannot tell the file format"),
    ],
)
def test_load_errors_name_the_file(tmp_path: Path, content, name, message):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(GameError, match=re.escape(str(path)) + ": " + message):
        load(path)


def test_load_a_folder_is_an_error(tmp_path: Path):
    with pytest.raises(GameError, match="folder"):
        load(tmp_path)


def test_save_needs_a_known_format(tmp_path: Path):
    with pytest.raises(GameError, match="cannot tell which format"):
        save(get_game("chicken"), tmp_path / "game.txt")
    with pytest.raises(GameError, match="unknown file format 'xml'"):
        save(get_game("chicken"), tmp_path / "game.xml", format="xml")
    assert list(tmp_path.iterdir()) == []


def test_save_into_a_missing_folder_is_an_error(tmp_path: Path):
    with pytest.raises(GameError, match="does not exist"):
        save(get_game("chicken"), tmp_path / "nowhere" / "g.json")


def test_save_replaces_an_existing_file_and_keeps_its_permissions(tmp_path: Path):
    path = tmp_path / "g.json"
    save(get_game("chicken"), path)
    os.chmod(path, 0o640)
    save(get_game("harmony"), path)
    assert load(path) == get_game("harmony")
    assert path.stat().st_mode & 0o777 == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["g.json"]


@pytest.mark.parametrize("failing", ["replace", "fsync"])
def test_failed_save_leaves_the_old_file_intact(tmp_path: Path, monkeypatch, failing: str):
    path = tmp_path / "g.nfg"
    save(get_game("chicken"), path)
    before = path.read_bytes()

    def fail(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(io.os, failing, fail)
    with pytest.raises(GameError, match=r"could not save \(No space left on device\).*unchanged"):
        save(get_game("harmony"), path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["g.nfg"]  # no temporary file left behind


# ----- resolve --------------------------------------------------------------------------------
def test_resolve_files_and_catalogue_games(tmp_path: Path, monkeypatch):
    path = save(get_game("harmony"), tmp_path / "mine.json")
    assert resolve(str(path)) == get_game("harmony")
    assert resolve("Prisoner's Dilemma") == get_game("prisoners-dilemma")
    assert resolve("travelers-dilemma:size=5") == get_game("travelers-dilemma", size=5)
    # An existing file wins over a catalogue name.
    monkeypatch.chdir(tmp_path)
    save(get_game("harmony"), "chicken", format="json")
    assert resolve("chicken") == get_game("harmony")


def test_resolve_errors():
    with pytest.raises(
        GameError, match=r"'prisoner dilema' is neither a file nor a known game.*Prisoner's Dilemma"
    ):
        resolve("prisoner dilema")
    with pytest.raises(
        GameError, match=r"neither a file nor a known game \(no file .*nope.nfg exists\)"
    ):
        resolve("games/nope.nfg")
    with pytest.raises(GameError, match="at least 2"):
        resolve("travelers-dilemma:size=1")  # a known game with a bad parameter says so
    with pytest.raises(GameError, match="expected a game file path"):
        resolve("  ")


def test_resolve_reports_a_malformed_file_rather_than_a_missing_game(tmp_path: Path):
    path = tmp_path / "broken.nfg"
    path.write_text(HEADER + "1 2 3")
    with pytest.raises(GameError, match=re.escape(str(path)) + r": line 2, column 6: wrong number"):
        resolve(str(path))
