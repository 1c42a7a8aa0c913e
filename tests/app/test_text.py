"""The one vocabulary of analysis text: the CLI report and the app's panel say the same thing."""

from __future__ import annotations

import io
from fractions import Fraction

from rich.console import Console

from games import Game
from games.analysis import analyse
from games.catalogue import get_game
from marl_tui.render import solve_report
from marl_tui.text import format_cell, format_number, format_strategy
from marl_tui.widgets.analysis_panel import describe_equilibria


def cli_text(game: Game) -> str:
    console = Console(width=200, file=io.StringIO(), record=True)
    console.print(solve_report(analyse(game).compute()))
    return console.export_text()


def test_numbers_strategies_and_cells():
    assert format_number(3) == "3" and format_number(Fraction(-3, 2)) == "-1.5"
    assert format_number(Fraction(2, 3)) == "2/3" and format_number(Fraction(1, 2), False) == "1/2"
    assert format_number(2 ** 0.5) == "1.41421"  # approximations: six significant digits
    assert format_strategy(["Opera", "Football"], [Fraction(2, 3), Fraction(1, 3)]) == (
        "Opera 2/3, Football 1/3")
    assert format_strategy(["Opera", "Football"], [1, 0]) == "Opera"
    assert format_cell(get_game("battle-of-the-sexes"), (0, 1)) == "(Opera, Football)"


def test_the_cli_and_the_panel_write_a_mixed_equilibrium_alike():
    """Regression: the CLI wrote "2/3 Opera + 1/3 Football", the app "Opera 2/3, Football 1/3"."""
    game = get_game("battle-of-the-sexes")
    panel = describe_equilibria(game, analyse(game).compute()).plain
    assert "Opera 2/3, Football 1/3" in panel and "Opera 2/3, Football 1/3" in cli_text(game)
    assert "2/3 Opera" not in cli_text(game)


def test_the_cli_and_the_panel_write_approximations_alike():
    game = get_game("volunteers-dilemma")
    analysis = analyse(game).compute()
    mixed = next(eq for eq in analysis.solution.equilibria if not eq.is_pure)
    words = format_strategy(game.actions[0], mixed.strategies[0])
    assert words in describe_equilibria(game, analysis).plain and words in cli_text(game)


def test_weak_dominance_lists_strictly_dominated_actions_too():
    """Regression: the Prisoner's Dilemma said "no weakly dominated actions"."""
    game = get_game("prisoners-dilemma")
    text = describe_equilibria(game, analyse(game).compute()).plain
    weak = text.split("Weak dominance")[1]
    assert "no weakly dominated actions" not in weak
    assert "Player 1: Cooperate (strictly, by Defect)" in weak
    assert "Player 2: Cooperate (strictly, by Defect)" in weak


def test_a_weakly_but_not_strictly_dominated_action_is_not_called_strict():
    game = Game([[[1, 1], [1, 0]], [[0, 0], [0, 0]]], actions=[["A", "B"], ["L", "R"]])
    text = describe_equilibria(game, analyse(game).compute()).plain
    assert "Player 1: B (by A)" in text.split("Weak dominance")[1]
