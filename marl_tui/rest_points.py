"""Rest points of a learning dynamic as text: positions by action label, stability in words.

Shared by `marl-tui dynamics` and the Dynamics view. Labels are user strings: they only ever go
into ``rich.text.Text`` as plain text, never parsed as markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from rich.text import Text

from games.dynamics import RestPoint, System, describe_stability

STABILITY_STYLE = {
    "sink": "bold green",
    "centre": "bold cyan",
    "saddle": "bold yellow",
    "source": "bold red",
    "non-hyperbolic": "bold",
}


def probability(value: Fraction | float) -> str:
    """A probability as a fraction when exact ("2/3"), else to three decimals."""
    if isinstance(value, Fraction):
        return str(value)
    return f"{value:.3f}".rstrip("0").rstrip(".") if value not in (0.0, 1.0) else str(int(value))


def mix_text(labels: Sequence[str], mix: Sequence[Fraction | float]) -> str:
    """A mixed strategy as "Stag 3/4, Hare 1/4", or just the action's label when pure."""
    used = [(label, p) for label, p in zip(labels, mix, strict=True) if p > 1e-9]
    if len(used) == 1 and (used[0][1] == 1 or abs(float(used[0][1]) - 1) < 1e-9):
        return used[0][0]
    return ", ".join(f"{label} {probability(p)}" for label, p in used)


def position_texts(sys: System, point: RestPoint) -> list[str]:
    """One text per population: where the rest point puts it."""
    mixes = point.exact if point.exact is not None else point.strategies
    return [mix_text(labels, mix) for labels, mix in zip(sys.labels, mixes, strict=True)]


def stability_text(point: RestPoint) -> Text:
    """The classification in words, coloured, with how it was decided when that matters."""
    text = Text(point.stability, style=STABILITY_STYLE[point.stability])
    if point.conserved:
        text.append(" (closed orbits: a constant of motion)")
    return text


def meaning(point: RestPoint) -> str:
    return describe_stability(point.stability)


def eigenvalue_text(values: Sequence[complex]) -> str:
    """Eigenvalues of the linearisation, rounded: "-0.75, 0.75" or "±1i"."""
    parts = []
    for z in values:
        re, im = round(z.real, 3) + 0.0, round(z.imag, 3) + 0.0
        parts.append(f"{re:g}" if im == 0 else (f"{im:+g}i" if re == 0 else f"{re:g}{im:+g}i"))
    return ", ".join(parts)
