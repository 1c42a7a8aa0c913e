"""Analysis as words and numbers: the one vocabulary the CLI (``render``) and the app share.

Numbers are written as a teacher writes them: integers plain, decimals that end within three
places as decimals ("-1.5"), other exact values as fractions ("2/3"), and approximations (the
numeric n-player equilibria) with six significant digits. Probabilities read better as
fractions ("1/2" rather than "0.5"). A mixed strategy lists its support, "Opera 2/3, Football
1/3"; a pure one is just its action; a joint action is "(Opera, Football)".
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

import numpy as np

MAX_DECIMALS = 3
SIGNIFICANT_DIGITS = 6


def format_number(value: Fraction | float | int, decimals: bool = True) -> str:
    """``3``, ``-1.5``, ``0.25`` or ``2/3``: a decimal only when it terminates within 3 places.

    Floats (numeric equilibria) are approximations: six significant digits.
    ``decimals=False`` always writes a fraction (for probabilities).
    """
    if isinstance(value, float | np.floating) and not float(value).is_integer():
        return f"{float(value):.{SIGNIFICANT_DIGITS}g}"
    exact = value if isinstance(value, Fraction) else Fraction(int(value))
    if exact.denominator == 1:
        return str(exact.numerator)
    scaled = exact * 10**MAX_DECIMALS
    if decimals and scaled.denominator == 1:
        return f"{float(exact):.{MAX_DECIMALS}f}".rstrip("0")
    return f"{exact.numerator}/{exact.denominator}"


def format_entry(values: Sequence[Fraction | float | int]) -> str:
    """A cell's payoffs as the editor accepts them back: ``"3, -1.5"``."""
    return ", ".join(format_number(v) for v in values)


def format_strategy(labels: Sequence[str], probabilities: Sequence) -> str:
    """A strategy over its support: "Opera 2/3, Football 1/3", or just "Opera" when pure."""
    support = [(label, p) for label, p in zip(labels, probabilities, strict=True) if p > 0]
    if len(support) == 1:
        return support[0][0]
    return ", ".join(f"{label} {format_number(p, decimals=False)}" for label, p in support)


def format_cell(game, cell: Sequence[int]) -> str:
    """A joint action by its labels: "(Opera, Football)"."""
    return "(" + ", ".join(game.actions[p][a] for p, a in enumerate(cell)) + ")"


def format_dominator(dominator: Sequence[tuple[str, Fraction | float]]) -> str:
    """The (possibly mixed) strategy that dominates an action: "Defect" or "A 1/2, B 1/2"."""
    return format_strategy([label for label, _ in dominator], [p for _, p in dominator])
