"""Symmetric aggregate-payoff games: a payoff rule instead of a payoff matrix.

In a class game such as "guess 2/3 of the average" thirty students each pick one of 101 numbers:
the matrix would hold 101^30 cells, far beyond memory. But every player's payoff depends only on
their own action and on the *multiset* of everyone's actions, the same rule for every player, so
the game is a small rule over a profile. This module holds that type, two class games built on it
(guess p of the average; the linear public-goods game) and what a teacher compares a class with:
the symmetric pure equilibria (found exactly, by checking every unilateral deviation), the
payoff there, the social optimum, and the levels of reasoning (level 0 plays at random, level k
best-responds to level k-1; Nagel 1995).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from games.model import GameError

MAX_GROUP = 1000


@dataclass(frozen=True)
class AggregateGame(ABC):
    """A symmetric game for groups of ``group_size`` players (``None``: everyone in one group).

    Actions are the whole numbers ``low..high`` (``labels`` are their decimal strings). Subclasses
    give the exact payoff of every player of a profile, and the payoff of one deviator against
    ``n - 1`` players who all play the same action (which is all the equilibrium check needs).
    """

    name: str
    description: str
    source: str
    low: int
    high: int
    group_size: int | None

    @property
    def labels(self) -> tuple[str, ...]:
        """Action labels: the numbers themselves."""
        return tuple(str(v) for v in range(self.low, self.high + 1))

    @property
    def n_actions(self) -> int:
        return self.high - self.low + 1

    def value(self, action: int) -> int:
        """The number an action index stands for."""
        return self.low + action

    @abstractmethod
    def exact_payoffs(self, profile: Sequence[int]) -> tuple[Fraction, ...]:
        """Every player's exact payoff when player ``i`` plays action index ``profile[i]``."""

    @abstractmethod
    def deviation_payoff(self, own: int, others: int, n: int) -> Fraction:
        """Payoff of one player playing ``own`` while the ``n - 1`` others all play ``others``."""

    def payoffs(self, profile: Sequence[int]) -> tuple[float, ...]:
        """Every player's payoff as floats (what the class sees and the agents learn from)."""
        self.check_profile(profile)
        return tuple(float(x) for x in self.exact_payoffs(profile))

    def check_profile(self, profile: Sequence[int]) -> None:
        """Refuse a profile of the wrong size or with an action out of range."""
        if len(profile) < 2 or len(profile) > MAX_GROUP:
            raise GameError(f"{self.name}: a group has 2 to {MAX_GROUP} players, got {len(profile)}")
        for i, a in enumerate(profile):
            if not 0 <= a < self.n_actions:
                raise GameError(
                    f"{self.name}: player {i} chose action {a}, outside 0..{self.n_actions - 1}"
                )

    def symmetric_equilibria(self, n: int) -> list[int]:
        """Action indices ``x`` such that everyone playing ``x`` is a Nash equilibrium for ``n``
        players: no player gains by any unilateral deviation (checked exactly, every deviation)."""
        _check_n(self, n)
        found = []
        for x in range(self.n_actions):
            stay = self.deviation_payoff(x, x, n)
            if all(self.deviation_payoff(y, x, n) <= stay for y in range(self.n_actions)):
                found.append(x)
        return found

    def equilibrium_payoff(self, n: int) -> Fraction:
        """Each player's payoff at the first symmetric equilibrium (all play it)."""
        equilibria = self.symmetric_equilibria(n)
        if not equilibria:
            raise GameError(f"{self.name}: no symmetric pure equilibrium for {n} players")
        x = equilibria[0]
        return self.deviation_payoff(x, x, n)

    def social_optimum(self, n: int) -> tuple[int, Fraction]:
        """The symmetric profile (everyone plays the returned action) with the highest payoff per
        player, and that payoff; ties go to the lowest action."""
        _check_n(self, n)
        best = max(range(self.n_actions), key=lambda x: (self.deviation_payoff(x, x, n), -x))
        return best, self.deviation_payoff(best, best, n)

    def levels(self, count: int = 6) -> list[Fraction]:
        """Levels of reasoning 0..count-1 as numbers: level 0 is the mean of a uniform choice,
        level k the best response when everyone else is level k-1 (in a large group)."""
        values = [Fraction(self.low + self.high, 2)]
        while len(values) < count:
            values.append(self.level_response(values[-1]))
        return values

    @abstractmethod
    def level_response(self, belief: Fraction) -> Fraction:
        """The best reply when all others play ``belief`` in a large group (the level-k step)."""

    def describe(self, n: int) -> list[str]:
        """Plain-text lines: the rule, equilibria, their payoff, optimum, levels of reasoning."""
        equilibria = self.symmetric_equilibria(n)
        best, best_payoff = self.social_optimum(n)
        lines = [
            f"{self.name}: actions {self.low}..{self.high}, "
            + (f"groups of {self.group_size}" if self.group_size else "one group (the whole class)"),
            f"symmetric pure Nash equilibria for {n} players: "
            + ", ".join(f"everyone plays {self.value(x)}" for x in equilibria),
            f"payoff at equilibrium: {_number(self.equilibrium_payoff(n))} per player",
            f"social optimum: everyone plays {self.value(best)}, "
            f"{_number(best_payoff)} per player",
            "levels of reasoning: " + ", ".join(_number(v, 1) for v in self.levels()),
        ]
        return lines


@dataclass(frozen=True)
class GuessAverage(AggregateGame):
    """Guess p of the average (Keynes's beauty contest; Moulin 1986; Nagel 1995).

    Everyone picks a whole number; the target is ``p`` times the group's mean; the guesses nearest
    the target share ``prize`` equally, the rest get 0.
    """

    p: Fraction = Fraction(2, 3)
    prize: Fraction = Fraction(1)

    def target(self, profile: Sequence[int]) -> Fraction:
        """p times the mean of the numbers guessed."""
        values = [self.value(a) for a in profile]
        return self.p * Fraction(sum(values), len(values))

    def winners(self, profile: Sequence[int]) -> list[int]:
        """Players whose guess is nearest the target."""
        target = self.target(profile)
        distance = [abs(self.value(a) - target) for a in profile]
        best = min(distance)
        return [i for i, d in enumerate(distance) if d == best]

    def exact_payoffs(self, profile: Sequence[int]) -> tuple[Fraction, ...]:
        winners = set(self.winners(profile))
        share = self.prize / len(winners)
        return tuple(share if i in winners else Fraction(0) for i in range(len(profile)))

    def deviation_payoff(self, own: int, others: int, n: int) -> Fraction:
        x, y = self.value(others), self.value(own)
        target = self.p * Fraction((n - 1) * x + y, n)
        mine, theirs = abs(y - target), abs(x - target)
        if own == others:
            return self.prize / n
        if mine < theirs:
            return self.prize
        if mine == theirs:
            return self.prize / n
        return Fraction(0)

    def level_response(self, belief: Fraction) -> Fraction:
        return min(max(self.p * belief, Fraction(self.low)), Fraction(self.high))


@dataclass(frozen=True)
class PublicGoods(AggregateGame):
    """Linear public goods (Isaac & Walker 1988): each keeps what they do not contribute and gets
    an equal share of the pot times ``multiplier``."""

    multiplier: Fraction = Fraction(8, 5)

    @property
    def endowment(self) -> int:
        return self.high

    def exact_payoffs(self, profile: Sequence[int]) -> tuple[Fraction, ...]:
        n = len(profile)
        share = self.multiplier * Fraction(sum(self.value(a) for a in profile), n)
        return tuple(self.endowment - self.value(a) + share for a in profile)

    def deviation_payoff(self, own: int, others: int, n: int) -> Fraction:
        pot = (n - 1) * self.value(others) + self.value(own)
        return self.endowment - self.value(own) + self.multiplier * Fraction(pot, n)

    def level_response(self, belief: Fraction) -> Fraction:
        # Each unit given returns multiplier/n to its giver: give nothing unless that exceeds 1.
        n = self.group_size or 2
        return Fraction(self.high if self.multiplier > n else self.low)


def guess_average(p: Fraction = Fraction(2, 3), high: int = 100) -> GuessAverage:
    """Guess p of the average of whole numbers 0..high, the whole class in one group."""
    if not 0 < p < 1:
        raise GameError(f"Guess p of the average: p must be between 0 and 1 (exclusive), got {p}")
    if not 1 <= high <= 1000:
        raise GameError(f"Guess p of the average: high must be between 1 and 1000, got {high}")
    return GuessAverage(
        name=f"Guess {_number(p)} of the average",
        description=(
            f"Everyone writes a whole number from 0 to {high}; whoever is nearest {_number(p)} of "
            "the class's average wins (ties share the prize). If everyone reasons that everyone "
            "reasons..., guesses fall towards 0, the unique equilibrium in the continuum; real "
            "classes stop after one or two levels of reasoning (50, 33, 22, ...) and move "
            "towards 0 when the game is repeated."
        ),
        source=(
            "H. Moulin, Game Theory for the Social Sciences (1986); R. Nagel, Unraveling in "
            "Guessing Games: An Experimental Study, American Economic Review 85(5) (1995)"
        ),
        low=0,
        high=high,
        group_size=None,
        p=Fraction(p),
    )


def linear_public_goods(
    group_size: int = 4, multiplier: Fraction = Fraction(8, 5), endowment: int = 10
) -> PublicGoods:
    """Groups of ``group_size``, each with ``endowment`` tokens to keep or contribute."""
    if not 2 <= group_size <= MAX_GROUP:
        raise GameError(
            f"Linear public goods: group_size must be between 2 and {MAX_GROUP}, got {group_size}"
        )
    if multiplier <= 0:
        raise GameError(f"Linear public goods: multiplier must be positive, got {multiplier}")
    if not 1 <= endowment <= 1000:
        raise GameError(
            f"Linear public goods: endowment must be between 1 and 1000, got {endowment}"
        )
    return PublicGoods(
        name="Linear public goods",
        description=(
            f"In groups of {group_size}, each player holds {endowment} tokens and contributes any "
            f"whole number of them to a pot; the pot is multiplied by {_number(multiplier)} and "
            "shared equally. With 1 < multiplier < group size every token given returns less "
            "than a token to its giver, so contributing nothing is dominant and the equilibrium, "
            "while contributing everything is the social optimum. Classes start near half and "
            "decline over repeated rounds."
        ),
        source=(
            "R. M. Isaac & J. M. Walker, Group Size Effects in Public Goods Provision, Quarterly "
            "Journal of Economics 103(1) (1988); J. O. Ledyard (1995)"
        ),
        low=0,
        high=endowment,
        group_size=group_size,
        multiplier=Fraction(multiplier),
    )


def _check_n(game: AggregateGame, n: int) -> None:
    if not 2 <= n <= MAX_GROUP:
        raise GameError(f"{game.name}: a group has 2 to {MAX_GROUP} players, got {n}")


def _number(value: Fraction, digits: int = 3) -> str:
    """Whole numbers plainly, others as fractions when short, else rounded decimals."""
    value = Fraction(value)
    if value.denominator == 1:
        return str(value.numerator)
    if value.denominator <= 12:
        return f"{value.numerator}/{value.denominator}"
    return f"{float(value):.{digits}f}"
