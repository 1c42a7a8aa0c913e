"""QA of `marl-tui games` and `marl-tui solve` as a user meets them: every catalogue game, the JSON
schema, 80-column terminals without colour, and hostile input files."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import pytest
from rich.cells import cell_len

from games.catalogue import catalogue, get_game
from games.io import save
from games.model import Game
from marl_tui.cli import main

TWO_PLAYER = [e.slug for e in catalogue() if e.build().n_players == 2]


def number(value) -> Fraction:
    assert isinstance(value, str), value  # exact values are fraction strings
    return Fraction(value)


@pytest.mark.parametrize("slug", TWO_PLAYER)
def test_every_two_player_catalogue_game_solves_to_valid_json(slug, capsys):
    assert main(["solve", slug, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {"game", "equilibria", "degenerate", "pure"} <= set(data)
    game = get_game(slug)
    assert data["game"]["name"] == game.name and isinstance(data["degenerate"], bool)
    exact = game.exact_payoffs
    for eq in data["equilibria"]:
        assert set(eq) == {"strategies", "payoffs", "exact"} and eq["exact"] is True
        row, column = ([number(p) for p in s] for s in eq["strategies"])
        assert sum(row) == 1 and sum(column) == 1 and min(row + column) >= 0
        # Each player's payoff is what the profile earns, and no pure deviation earns more.
        for p, own, other in ((0, row, column), (1, column, row)):
            values = [
                sum(
                    other[k] * (exact[0, a, k] if p == 0 else exact[1, k, a])
                    for k in range(len(other))
                )
                for a in range(len(own))
            ]
            earned = sum(x * v for x, v in zip(own, values, strict=True))
            assert earned == number(eq["payoffs"][p]) and max(values) == earned
    pure = {tuple(c) for c in data["pure"]}
    listed = {
        tuple(s.index("1") for s in eq["strategies"])
        for eq in data["equilibria"]
        if all(s.count("1") == 1 for s in eq["strategies"])
    }
    assert pure == listed


def test_n_player_game_json_marks_numeric_equilibria_inexact(capsys):
    assert main(["solve", "volunteers-dilemma", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["degenerate"] is None
    mixed = [eq for eq in data["equilibria"] if not eq["exact"]]
    assert mixed and all(isinstance(v, float) for eq in mixed for s in eq["strategies"] for v in s)


def report_lines(monkeypatch, capsys, *args) -> list[str]:
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setenv("NO_COLOR", "1")
    assert main(list(args)) == 0
    return capsys.readouterr().out.splitlines()


def test_catalogue_fits_80_columns_with_whole_slugs_and_headers(monkeypatch, capsys):
    lines = report_lines(monkeypatch, capsys, "games")
    text = "\n".join(lines)
    assert max(cell_len(line) for line in lines) <= 80 and "\x1b[" not in text
    assert "players" in text and "description" in text and "…  " not in lines[2]
    for entry in catalogue():  # slugs are what users type: never wrapped or cut
        assert any(line.split()[:1] == [entry.slug] for line in lines), entry.slug
    assert "value=4" in text and "cost=6" in text


def test_large_payoff_matrix_splits_per_player_at_80_columns(monkeypatch, capsys):
    lines = report_lines(monkeypatch, capsys, "solve", "travelers-dilemma:size=10")
    text = "\n".join(lines)
    assert max(cell_len(line) for line in lines) <= 80 and "\x1b[" not in text
    assert "payoffs to Player 1" in text and "payoffs to Player 2" in text
    assert "…" not in "\n".join(lines[:40])  # no payoff or row label cut short
    bottom_row = next(line for line in lines if line.lstrip().startswith("Claim 11"))
    assert bottom_row.split()[2:] == ["0", "1", "2", "3", "4", "5", "6", "7", "8", "11"]


def test_small_payoff_matrix_keeps_both_payoffs_in_each_cell(monkeypatch, capsys):
    text = "\n".join(report_lines(monkeypatch, capsys, "solve", "prisoners-dilemma"))
    assert "3, 3" in text and "payoffs to" not in text
    assert "rows: Player 1, columns: Player 2" in text


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "invalid JSON"),
        (b'{"format": "marl-tui-game", "version": 1, "payoffs": [[[1, NaN]], [[1, 2]]]}', "NaN"),
        (
            b'{"format": "marl-tui-game", "version": 1, "payoffs": [[[1, 1e99999999]], [[1, 2]]]}',
            "too large",
        ),
        (b"[" * 50_000, "nested too deeply"),
        (b"\xff\xfe\x00garbage", "not a UTF-8 text file"),
    ],
)
def test_hostile_json_files_exit_2_with_one_line(tmp_path: Path, capsys, content, message):
    path = tmp_path / "game.json"
    path.write_bytes(content)
    assert main(["solve", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and message in captured.err
    assert len(captured.err.strip().splitlines()) == 1 and "Traceback" not in captured.err


def test_huge_and_tiny_payoffs_are_solved_exactly(tmp_path: Path, capsys):
    A = [[Fraction(3 * 10**25), 0], [Fraction(5 * 10**25), Fraction(10**25)]]
    save(Game.symmetric(A, name="PD in yottas"), tmp_path / "big.json")
    assert main(["solve", str(tmp_path / "big.json"), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["equilibria"][0]["payoffs"] == [str(10**25)] * 2
    assert data["analysis"]["maxmin"][0]["value"] == str(10**25)
    assert data["analysis"]["price_of_anarchy"]["value"] == "3"
