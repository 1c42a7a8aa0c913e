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
    from games.catalogue import find_class_entry
    from marl_tui.cli import CommandError

    if find_class_entry(args.game) is not None and not Path(args.game).exists():
        return _describe_class_game(args)
    try:
        game = _load(args.game, args.param)
        analysis = analyse(game).compute()
    except GameError as error:
        raise CommandError(str(error)) from None
    if args.json:
        print(json.dumps(solution_json(analysis)))
    else:
        from marl_tui.plain import plain_console
        from marl_tui.render import solve_report

        plain_console().print(solve_report(analysis))
    return 0


def _describe_class_game(args: argparse.Namespace) -> int:
    """A class game (a payoff rule, no matrix): its equilibria, optimum and levels of reasoning,
    for a group of its size (the whole-class games: for ``--param players=N``, default 30)."""
    from games import GameError
    from games.catalogue import get_class_game
    from marl_tui.cli import CommandError

    spec, players = args.game, 30
    extra = []
    for item in args.param:
        name, sep, value = item.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise CommandError(f"--param expects NAME=VALUE, got {item!r}")
        if name.strip() == "players":
            try:
                players = int(value)
            except ValueError:
                raise CommandError(f"--param players expects a whole number, got {value!r}") from None
        else:
            extra.append(f"{name.strip()}={value.strip()}")
    if extra:
        spec += ("," if ":" in spec else ":") + ",".join(extra)
    try:
        game = get_class_game(spec)
        n = game.group_size or players
        lines = game.describe(n)
        equilibria = game.symmetric_equilibria(n)
        optimum, optimum_payoff = game.social_optimum(n)
    except GameError as error:
        raise CommandError(str(error)) from None
    if args.json:
        print(json.dumps({
            "class_game": game.name,
            "description": game.description,
            "actions": [game.low, game.high],
            "group_size": n,
            "symmetric_equilibria": [game.value(x) for x in equilibria],
            "equilibrium_payoff": number_json(game.equilibrium_payoff(n)),
            "social_optimum": {"action": game.value(optimum), "payoff": number_json(optimum_payoff)},
            "levels": [number_json(v) for v in game.levels()],
        }))
    else:
        print("\n".join([*lines, "", game.description]))
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


def _zero_sum_json(zero_sum) -> dict | None:
    if zero_sum is None:
        return None
    return {
        "value": number_json(zero_sum.value),
        "strategies": [_numbers(zero_sum.row_strategy), _numbers(zero_sum.column_strategy)],
        "constant": number_json(zero_sum.constant),
    }


def _correlated_json(game, ce) -> dict:
    return {
        "distribution": [
            {"cell": list(cell), "probability": number_json(ce.distribution[cell])}
            for cell in game.cells()
            if ce.distribution[cell] != 0
        ],
        "welfare": number_json(ce.welfare),
        "payoffs": _numbers(ce.payoffs),
        "exact": ce.exact,
    }


#: Each key of the "analysis" object: the Analysis part it shows and how to write it.
_ANALYSIS_KEYS = {
    "dominated": ("dominated", lambda a: [_domination_json(d) for d in a.dominated]),
    "elimination": ("elimination", lambda a: _elimination_json(a.elimination)),
    "weak_elimination": ("weak_elimination", lambda a: _elimination_json(a.weak_elimination)),
    "pareto_optimal": ("pareto_optimal", lambda a: [list(c) for c in a.pareto_optimal]),
    "welfare_maximising": (
        "welfare_maximising",
        lambda a: [list(c) for c in a.welfare_maximising],
    ),
    "optimal_welfare": ("optimal_welfare", lambda a: number_json(a.optimal_welfare)),
    "maxmin": (
        "maxmin",
        lambda a: [{"strategy": _numbers(s), "value": number_json(v)} for s, v in a.maxmin],
    ),
    "zero_sum": ("zero_sum", lambda a: _zero_sum_json(a.zero_sum)),
    "correlated_equilibrium": ("correlated", lambda a: _correlated_json(a.game, a.correlated)),
    "ess": ("ess", lambda a: None if a.ess is None else [_numbers(x) for x in a.ess]),
    "price_of_anarchy": ("price_of_anarchy", lambda a: _ratio_json(a.price_of_anarchy)),
    "price_of_stability": ("price_of_stability", lambda a: _ratio_json(a.price_of_stability)),
}


def analysis_json(analysis) -> dict:
    """Every analysis part, with exact numbers as fraction strings; a part that failed is null,
    with its reason under the top-level "errors" (see :func:`solution_json`)."""
    return {
        key: None if analysis.failure(part) else write(analysis)
        for key, (part, write) in _ANALYSIS_KEYS.items()
    }


def _errors_json(analysis) -> dict:
    """{key: reason} for every section that failed, keyed as in the JSON object."""
    keys = {part: key for key, (part, _) in _ANALYSIS_KEYS.items()} | {"solution": "equilibria"}
    return {keys.get(part, part): reason for part, reason in analysis.failures.items()}


def solution_json(analysis) -> dict:
    """The whole `solve --json` object: game (as in a game file), equilibria, flags, analysis,
    and "errors": {section: reason} for each section that failed (null in its place)."""
    from games.io import game_to_dict

    result = {"game": game_to_dict(analysis.game)}
    if analysis.failure("solution"):
        result |= dict.fromkeys(("equilibria", "pure", "degenerate", "complete", "method"))
    else:
        solution = analysis.solution
        result |= {
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
        }
    return result | {"analysis": analysis_json(analysis), "errors": _errors_json(analysis)}
