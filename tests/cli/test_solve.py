"""`marl-tui solve`: tables, one JSON object, and clear exit-2 errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from games.io import save
from games.model import Game
from marl_tui.cli import main

MARL_TUI = Path(sys.executable).parent / "marl-tui"


@pytest.fixture(autouse=True)
def wide_console(monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")


def solve_json(capsys, *args: str) -> dict:
    assert main(["solve", *args, "--json"]) == 0
    out = capsys.readouterr().out
    return json.loads(out)  # exactly one JSON object: json.loads rejects trailing text


def test_battle_of_the_sexes_json(capsys):
    data = solve_json(capsys, "battle-of-the-sexes")
    strategies = sorted((eq["strategies"], eq["payoffs"]) for eq in data["equilibria"])
    assert ([["0", "1"], ["0", "1"]], ["1", "2"]) in strategies
    assert ([["1", "0"], ["1", "0"]], ["2", "1"]) in strategies
    assert ([["2/3", "1/3"], ["1/3", "2/3"]], ["2/3", "2/3"]) in strategies
    assert len(strategies) == 3 and all(eq["exact"] for eq in data["equilibria"])
    assert sorted(data["pure"]) == [[0, 0], [1, 1]]
    assert data["degenerate"] is False and data["complete"] is True and data["method"]
    game = data["game"]
    assert game["name"] == "Battle of the Sexes" and len(game["players"]) == 2
    assert game["actions"] == [["Opera", "Football"], ["Opera", "Football"]]
    assert game["payoffs"] == [[[2, 0], [0, 1]], [[1, 0], [0, 2]]]
    analysis = data["analysis"]
    assert analysis["maxmin"][0] == {"strategy": ["1/3", "2/3"], "value": "2/3"}
    assert analysis["price_of_anarchy"]["value"] == "9/4"
    assert analysis["ess"] is None and analysis["zero_sum"] is None


def test_rock_paper_scissors_has_the_single_uniform_equilibrium(capsys):
    data = solve_json(capsys, "rock-paper-scissors")
    third = ["1/3", "1/3", "1/3"]
    assert [eq["strategies"] for eq in data["equilibria"]] == [[third, third]]
    assert data["equilibria"][0]["payoffs"] == ["0", "0"] and data["pure"] == []
    assert data["analysis"]["zero_sum"]["value"] == "0"
    assert data["analysis"]["ess"] == []


def test_degenerate_game_file_is_flagged(tmp_path, capsys):
    # Against Top the column player is indifferent: a segment of equilibria.
    game = Game.from_bimatrix(
        [[2, 0], [0, 1]],
        [[1, 1], [0, 2]],
        actions=(("Top", "Bottom"), ("Left", "Right")),
        name="Tie",
    )
    path = save(game, tmp_path / "tie.json")
    data = solve_json(capsys, str(path))
    assert data["degenerate"] is True
    assert [["1", "0"], ["1/3", "2/3"]] in [eq["strategies"] for eq in data["equilibria"]]
    assert main(["solve", str(path)]) == 0
    text = capsys.readouterr().out
    assert "Degenerate game" in text and "extreme points" in text


def test_parameters_reach_the_catalogue(capsys):
    data = solve_json(capsys, "hawk-dove", "--param", "value=2", "--param", "cost=4")
    assert data["analysis"]["ess"] == [["1/2", "1/2"]]
    inline = solve_json(capsys, "hawk-dove:value=2,cost=4")
    assert inline["equilibria"] == data["equilibria"]


def test_three_player_game_prints_one_table_per_slice(capsys):
    assert main(["solve", "volunteers-dilemma"]) == 0
    text = capsys.readouterr().out
    assert "Player 3: Volunteer" in text and "Player 3: Ignore" in text
    assert "Nash equilibria" in text and "correlated equilibrium" in text
    assert "Evolutionarily stable" not in text  # ESS applies to symmetric two-player games only
    data = solve_json(capsys, "volunteers-dilemma")
    assert data["analysis"]["ess"] is None
    assert all(len(cell) == 3 for cell in data["pure"])


def test_text_report_shows_fractions_and_analysis(capsys):
    assert main(["solve", "prisoners-dilemma"]) == 0
    text = capsys.readouterr().out
    for expected in (
        "Defect",
        "strictly (pure)",
        "dominance solvable",
        "price of anarchy",
        "Security (maxmin)",
        "Evolutionarily stable strategies: Defect",
    ):
        assert expected in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["solve", "no-such-game"], "neither a file nor a known game"),
        (["solve", "hawk-dove", "--param", "cost"], "NAME=VALUE"),
        (["solve", "hawk-dove", "--param", "speed=3"], "no parameter"),
    ],
)
def test_bad_input_exits_2_with_one_line(capsys, args, message):
    assert main(args) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert message in captured.err and len(captured.err.strip().splitlines()) == 1


def test_malformed_file_exits_2(tmp_path, capsys):
    path = tmp_path / "broken.json"
    path.write_text('{"format": "marl-tui-game", "version": 1, "payoffs": [[1, 2]')
    assert main(["solve", str(path)]) == 2
    err = capsys.readouterr().err
    assert "broken.json" in err and len(err.strip().splitlines()) == 1


def test_console_script_end_to_end(tmp_path):
    assert MARL_TUI.exists(), f"console script missing at {MARL_TUI} (run pip install -e .)"
    ok = subprocess.run(
        [str(MARL_TUI), "solve", "battle-of-the-sexes", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert ok.returncode == 0, ok.stderr
    assert len(json.loads(ok.stdout)["equilibria"]) == 3
    path = tmp_path / "bad.json"
    path.write_text("not json at all")
    for spec in (str(path), "unknown-game"):
        bad = subprocess.run(
            [str(MARL_TUI), "solve", spec], capture_output=True, text=True, timeout=120
        )
        assert bad.returncode == 2 and bad.stdout == ""
        assert "Traceback" not in bad.stderr and len(bad.stderr.strip().splitlines()) == 1


@pytest.fixture
def failing_sections(monkeypatch):
    """The correlated-equilibrium LP and (when asked) the equilibrium solver fail."""
    import games.analysis as analysis_module
    from games import GameError

    def fail(*args, **kwargs):
        raise GameError("payoffs span too many orders of magnitude")

    monkeypatch.setattr(analysis_module, "correlated_equilibrium", fail)
    return lambda: monkeypatch.setattr(analysis_module, "solve", fail)


def test_a_failing_section_is_reported_in_place_and_the_rest_printed(capsys, failing_sections):
    assert main(["solve", "prisoners-dilemma"]) == 0
    text = capsys.readouterr().out
    assert (
        "Welfare-maximising correlated equilibrium: could not be computed: payoffs span too many"
        in " ".join(text.split())
    )
    for expected in ("Nash equilibria (1)", "dominance solvable", "price of anarchy", "Security"):
        assert expected in text
    data = solve_json(capsys, "prisoners-dilemma")
    assert data["analysis"]["correlated_equilibrium"] is None
    assert data["errors"] == {
        "correlated_equilibrium": "payoffs span too many orders of magnitude"
    }
    assert data["equilibria"] and data["analysis"]["maxmin"] and data["complete"] is True


def test_a_failing_solver_leaves_the_analysis(capsys, failing_sections):
    failing_sections()
    assert main(["solve", "prisoners-dilemma"]) == 0
    out = capsys.readouterr().out
    text = " ".join(out.split())
    assert "Nash equilibria: could not be computed: payoffs span" in text
    anarchy = next(line for line in out.splitlines() if "price of anarchy" in line)
    assert "failed: needs the solution, which failed" in anarchy
    assert "dominance solvable" in text and "Security (maxmin)" in text
    data = solve_json(capsys, "prisoners-dilemma")
    assert data["equilibria"] is None and data["complete"] is None
    assert set(data["errors"]) == {
        "equilibria",
        "correlated_equilibrium",
        "price_of_anarchy",
        "price_of_stability",
    }
    assert data["analysis"]["elimination"]["solved"] is True
    assert data["analysis"]["price_of_anarchy"] is None


def test_clean_json_has_no_errors(capsys):
    assert solve_json(capsys, "matching-pennies")["errors"] == {}


def test_names_that_look_like_markup_are_printed_as_written(tmp_path, capsys):
    """A game file's names reach the report literally: Rich markup in them is neither applied
    nor stripped (the tables, their titles and captions are not parsed)."""
    game = Game([[[3, 0], [5, 1]], [[3, 5], [0, 1]]], players=("[b]Row[/b]", "[red]Col"),
                actions=(("[@click=app.quit]Q[/]", "[i]D"), ("C", "[link=x]L[/link]")),
                name="[blink]Dilemma[/blink]")
    path = save(game, tmp_path / "markup.json")
    assert main(["solve", str(path)]) == 0
    out = capsys.readouterr().out
    for name in ("[b]Row[/b]", "[red]Col", "[@click=app.quit]Q[/]", "[i]D", "[link=x]L[/link]",
                 "[blink]Dilemma[/blink]"):
        assert name in out, name
