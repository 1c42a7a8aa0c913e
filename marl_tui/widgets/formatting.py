"""Numbers as a teacher writes them: integers plain, short decimals as decimals, the rest as fractions."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

MAX_DECIMALS = 3


def format_number(value: Fraction | float | int, decimals: bool = True) -> str:
    """``3``, ``-1.5``, ``0.25`` or ``2/3``: a decimal only when it terminates within 3 places.

    Floats (numeric n-player equilibria) are approximations, so they get 4 significant digits.
    ``decimals=False`` always writes a fraction (probabilities read better as 1/2 than 0.5).
    """
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.4g}"
    exact = value if isinstance(value, Fraction) else Fraction(value)
    if exact.denominator == 1:
        return str(exact.numerator)
    scaled = exact * 10**MAX_DECIMALS
    if decimals and scaled.denominator == 1:
        return f"{float(exact):.{MAX_DECIMALS}f}".rstrip("0")
    return f"{exact.numerator}/{exact.denominator}"


def format_entry(values: Sequence[Fraction | float | int]) -> str:
    """A cell's payoffs as the editor accepts them back: ``"3, -1.5"``."""
    return ", ".join(format_number(v) for v in values)
