"""`marl-tui solve GAME_OR_FILE`: a game's equilibria and analysis, as tables or as one JSON object."""

from __future__ import annotations

import argparse
import json
from fractions import Fraction
from pathlib import Path
from typing import Any


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "game",
        metavar="GAME_OR_FILE",
        help="a catalogue game (e.g. travelers-dilemma:size=5) or a game file "
        "(.json or Gambit .nfg)",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help='print one JSON object instead of tables (fractions as "p/q" strings)',
    )
    parser.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a catalogue game's parameter; repeat for several",
    )


def run(args: argparse.Namespace) -> int:
    from games import GameError
    from games.analysis import analyse
    from marl_tui.cli import CommandError

    try:
        game = _load(args.game, args.param)
        analysis = analyse(game).compute()
    except GameError as error:
        raise CommandError(str(error)) from None
    if args.json:
        print(json.dumps(solution_json(analysis)))
    else:
        from rich.console import Console

        from marl_tui.render import solve_report

        Console().print(solve_report(analysis))
    return 0


def _load(spec: str, params: list[str]):
    """The game a command line names; --param applies to catalogue games only."""
    from games.catalogue import get_game
    from games.io import resolve
    from marl_tui.cli import CommandError

    if not params:
        return resolve(spec)
    if Path(spec).exists():
        raise CommandError(f"--param applies to catalogue games, not to the file {spec!r}")
    values = {}
    for item in params:
        name, sep, value = item.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise CommandError(f"--param expects NAME=VALUE, got {item!r}")
        values[name.strip()] = value.strip()
    return get_game(spec, **values)


# ----- JSON ----------------------------------------------------------------------------------
def number_json(value: Any) -> str | float:
    """An exact value as a fraction string ("2/3", "1"); an inexact one as a JSON number."""
    if isinstance(value, Fraction | int):
        return str(Fraction(value))
    return float(value)


def _numbers(values) -> list:
    return [number_json(v) for v in values]


def _domination_json(d) -> dict:
    return {
        "player": d.player,
        "action": d.action,
        "label": d.label,
        "dominated_by": {label: number_json(p) for label, p in d.dominator},
        "strict": d.strict,
        "exact": d.exact,
    }


def _elimination_json(elimination) -> dict:
    return {
        "steps": [_domination_json(s) for s in elimination.steps],
        "surviving": [list(s) for s in elimination.surviving],
        "solved": elimination.solved,
    }


def _ratio_json(ratio) -> dict:
    return {
        "value": None if ratio.value is None else number_json(ratio.value),
        "equilibrium_welfare": None
        if ratio.equilibrium_welfare is None
        else number_json(ratio.equilibrium_welfare),
        "reason": ratio.reason or None,
    }


def analysis_json(analysis) -> dict:
    """Every analysis part, with exact numbers as fraction strings."""
    game = analysis.game
    ce = analysis.correlated
    zero_sum = analysis.zero_sum
    return {
        "dominated": [_domination_json(d) for d in analysis.dominated],
        "elimination": _elimination_json(analysis.elimination),
        "weak_elimination": _elimination_json(analysis.weak_elimination),
        "pareto_optimal": [list(c) for c in analysis.pareto_optimal],
        "welfare_maximising": [list(c) for c in analysis.welfare_maximising],
        "optimal_welfare": number_json(analysis.optimal_welfare),
        "maxmin": [{"strategy": _numbers(s), "value": number_json(v)} for s, v in analysis.maxmin],
        "zero_sum": None
        if zero_sum is None
        else {
            "value": number_json(zero_sum.value),
            "strategies": [_numbers(zero_sum.row_strategy), _numbers(zero_sum.column_strategy)],
            "constant": number_json(zero_sum.constant),
        },
        "correlated_equilibrium": {
            "distribution": [
                {"cell": list(cell), "probability": number_json(ce.distribution[cell])}
                for cell in game.cells()
                if ce.distribution[cell] != 0
            ],
            "welfare": number_json(ce.welfare),
            "payoffs": _numbers(ce.payoffs),
            "exact": ce.exact,
        },
        "ess": None if analysis.ess is None else [_numbers(x) for x in analysis.ess],
        "price_of_anarchy": _ratio_json(analysis.price_of_anarchy),
        "price_of_stability": _ratio_json(analysis.price_of_stability),
    }


def solution_json(analysis) -> dict:
    """The whole `solve --json` object: game (as in a game file), equilibria, flags, analysis."""
    from games.io import game_to_dict

    solution = analysis.solution
    return {
        "game": game_to_dict(analysis.game),
        "equilibria": [
            {
                "strategies": [_numbers(s) for s in eq.strategies],
                "payoffs": _numbers(eq.payoffs),
                "exact": eq.exact,
            }
            for eq in solution.equilibria
        ],
        "pure": [list(cell) for cell in solution.pure],
        "degenerate": solution.degenerate,
        "complete": solution.complete,
        "method": solution.method,
        "analysis": analysis_json(analysis),
    }
