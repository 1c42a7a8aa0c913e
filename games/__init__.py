"""Normal-form games: the model, a catalogue of classics, file I/O, equilibria and analysis.

numpy and scipy only; this package never imports torch or textual.

    >>> from games import get_game, nash_equilibria
    >>> [e.strategies for e in nash_equilibria(get_game("matching-pennies"))]
    [((Fraction(1, 2), Fraction(1, 2)), (Fraction(1, 2), Fraction(1, 2)))]
"""

import importlib
from typing import TYPE_CHECKING

from games.model import Game, GameError, parse_payoff_entry

# Everything else loads on first use (scipy is slow to import and the app must start fast).
_LAZY = {
    "Analysis": "games.analysis",
    "analyse": "games.analysis",
    "CatalogueEntry": "games.catalogue",
    "catalogue": "games.catalogue",
    "get_game": "games.catalogue",
    "Equilibrium": "games.equilibria",
    "Solution": "games.equilibria",
    "is_degenerate": "games.equilibria",
    "lemke_howson": "games.equilibria",
    "nash_conv": "games.equilibria",
    "nash_equilibria": "games.equilibria",
    "pure_equilibria": "games.equilibria",
    "solve": "games.equilibria",
    "load": "games.io",
    "resolve": "games.io",
    "save": "games.io",
}

__all__ = [
    "Analysis",
    "CatalogueEntry",
    "Equilibrium",
    "Game",
    "GameError",
    "Solution",
    "analyse",
    "catalogue",
    "get_game",
    "is_degenerate",
    "lemke_howson",
    "load",
    "nash_conv",
    "nash_equilibria",
    "parse_payoff_entry",
    "pure_equilibria",
    "resolve",
    "save",
    "solve",
]


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'games' has no attribute {name!r}")


if TYPE_CHECKING:
    from games.analysis import Analysis, analyse
    from games.catalogue import CatalogueEntry, catalogue, get_game
    from games.equilibria import (
        Equilibrium,
        Solution,
        is_degenerate,
        lemke_howson,
        nash_conv,
        nash_equilibria,
        pure_equilibria,
        solve,
    )
    from games.io import load, resolve, save
