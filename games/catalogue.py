"""A catalogue of classic normal-form games, each with what it teaches and where it comes from.

Every entry is a recipe (:class:`CatalogueEntry`) rather than a game, because some games take
parameters (the Traveler's Dilemma's number of claims, the number of players of a public-goods
game). :func:`get_game` finds an entry by slug, name or alias, ignoring case, spaces and
punctuation, and accepts parameters inline: ``"public-goods:n_players=4,multiplier=1.6"``.
Parameters are exact: ``multiplier=1.6`` means 8/5, so equilibria stay exact fractions.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cache
from typing import Any

import numpy as np

from games.aggregate import AggregateGame, guess_average, linear_public_goods
from games.json_format import exact_number
from games.model import MAX_CELLS, MAX_PLAYERS, Game, GameError, to_fraction

ParamValue = int | Fraction


@dataclass(frozen=True)
class CatalogueEntry:
    """One classic game: identity, teaching notes, citation, and how to build it.

    ``n_players`` is ``None`` when the number of players is itself a parameter.
    ``builder`` takes the exact parameter values and returns the bare game; ``aliases`` are
    extra names :func:`get_game` accepts (e.g. "snowdrift" for Chicken).
    ``parameters`` maps each parameter name to its default; an ``int`` default means the
    parameter must be a whole number, a ``float`` default means any exact number (read as its
    shortest decimal, so 1.6 is 8/5).
    """

    slug: str
    name: str
    description: str
    source: str
    n_players: int | None
    parameters: dict[str, int | float]
    builder: Callable[..., Game] = field(repr=False, compare=False)
    aliases: tuple[str, ...] = ()

    def build(self, **params: Any) -> Game:
        """The game with the given parameters (defaults for the rest); bad ones raise GameError."""
        values = self._resolve_parameters(params)
        game = self.builder(**values)
        changed = [(k, v) for k, v in values.items() if v != _exact_default(self.parameters[k])]
        name = self.name
        if changed:
            name += " (" + ", ".join(f"{k}={_format_value(v)}" for k, v in changed) + ")"
        return Game(
            game.payoffs,
            players=game.players,
            actions=game.actions,
            name=name,
            description=self.description,
            source=self.source,
            _exact=game.exact_payoffs,
        )

    def _resolve_parameters(self, params: dict[str, Any]) -> dict[str, ParamValue]:
        values = {k: _exact_default(v) for k, v in self.parameters.items()}
        for raw_name, raw_value in params.items():
            name = _parameter_name(raw_name)
            if name not in self.parameters:
                raise GameError(_unknown_parameter_message(self, raw_name))
            values[name] = _coerce_parameter(self, name, raw_value)
        return values


def catalogue() -> list[CatalogueEntry]:
    """All catalogue entries, in the order a menu shows them."""
    return list(_ENTRIES)


def get_game(key: str, **params: Any) -> Game:
    """Build a catalogue game from its slug, name or alias, with optional inline parameters.

    ``key`` is matched ignoring case, spaces and punctuation ("Prisoner's Dilemma",
    "prisoners-dilemma" and "PRISONERS DILEMMA" are the same); parameters may follow a colon,
    ``"travelers-dilemma:size=5"``, and be combined with keyword ``params``.
    """
    entry, inline = _lookup(key)
    duplicated = {_parameter_name(k) for k in params} & set(inline)
    if duplicated:
        raise GameError(
            f"parameter {sorted(duplicated)[0]!r} given both in {key!r} and as a keyword argument"
        )
    return entry.build(**inline, **params)


def find_entry(key: str) -> CatalogueEntry | None:
    """The entry a key (without inline parameters) names, or None."""
    return _index().get(_normalise(key.split(":", 1)[0]))


def close_matches(key: str, limit: int = 3) -> list[CatalogueEntry]:
    """Entries whose slug, name or alias resembles ``key`` (difflib ratio or substring)."""
    wanted = _normalise(key.split(":", 1)[0])
    index = _index()
    found: list[CatalogueEntry] = []
    for candidate in difflib.get_close_matches(wanted, list(index), n=limit * 3, cutoff=0.6):
        if index[candidate] not in found:
            found.append(index[candidate])
    if len(wanted) >= 3:
        for candidate, entry in index.items():
            if wanted in candidate and entry not in found:
                found.append(entry)
    return found[:limit]


def describe_matches(entries: Sequence[CatalogueEntry]) -> str:
    """' Did you mean: A (a), B (b)?' or a hint to list the catalogue."""
    if not entries:
        return " Run `marl-tui games` to list the catalogue."
    return " Did you mean: " + ", ".join(f"{e.name} ({e.slug})" for e in entries) + "?"


# ----- lookup helpers -------------------------------------------------------------------------
def _normalise(text: str) -> str:
    """Lower-case letters and digits only: 'Prisoner's Dilemma' -> 'prisonersdilemma'."""
    return re.sub(r"[^0-9a-z]", "", text.lower())


def _parameter_name(text: str) -> str:
    return text.strip().lower().replace("-", "_").replace(" ", "_")


@cache
def _index() -> dict[str, CatalogueEntry]:
    index: dict[str, CatalogueEntry] = {}
    for entry in _ENTRIES:
        for key in (entry.slug, entry.name, *entry.aliases):
            normalised = _normalise(key)
            if index.get(normalised, entry) is not entry:
                raise RuntimeError(f"catalogue key {key!r} is ambiguous")  # a bug in _ENTRIES
            index[normalised] = entry
    return index


def _lookup(key: str) -> tuple[CatalogueEntry, dict[str, str]]:
    if not isinstance(key, str) or not key.strip():
        raise GameError("expected a game name such as 'prisoners-dilemma'")
    name_part = key.partition(":")[0]
    entry = find_entry(name_part)
    if entry is None:
        hint = describe_matches(close_matches(key))
        if find_class_entry(name_part) is not None:
            hint = " It is a class game, played with `marl-tui class` (see `marl-tui solve`)."
        raise GameError(f"unknown game {name_part.strip()!r}." + hint)
    return entry, _inline_parameters(key, entry)


def _inline_parameters(key: str, entry: CatalogueEntry | ClassGameEntry) -> dict[str, str]:
    """The ``name=value`` parameters after the colon of ``key``."""
    param_part = key.partition(":")[2]
    inline: dict[str, str] = {}
    for item in param_part.split(","):
        if not item.strip():
            continue
        name, sep, value = item.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise GameError(
                f"{key!r}: parameters are written name=value, separated by commas "
                f"(e.g. {entry.slug}:{_example_parameters(entry)}); got {item.strip()!r}"
            )
        name = _parameter_name(name)
        if name in inline:
            raise GameError(f"{key!r}: parameter {name!r} is given twice")
        inline[name] = value.strip()
    if param_part.strip() and not inline:
        raise GameError(f"{key!r}: nothing after ':' (expected name=value parameters)")
    return inline


def _example_parameters(entry: CatalogueEntry) -> str:
    if not entry.parameters:
        return "(this game has no parameters)"
    return ",".join(f"{k}={v}" for k, v in entry.parameters.items())


def _unknown_parameter_message(entry: CatalogueEntry, name: str) -> str:
    if not entry.parameters:
        return f"{entry.name} has no parameters (got {name!r})"
    close = difflib.get_close_matches(_parameter_name(name), list(entry.parameters), n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    return (
        f"{entry.name} has no parameter {name!r}; its parameters are "
        + ", ".join(f"{k} (default {v})" for k, v in entry.parameters.items())
        + "."
        + hint
    )


def _exact_default(value: int | float) -> ParamValue:
    return value if isinstance(value, int) else to_fraction(value)


def _coerce_parameter(entry: CatalogueEntry, name: str, value: Any) -> ParamValue:
    where = f"{entry.name}: parameter {name}"
    if isinstance(value, float):
        exact = to_fraction(value, where)  # a Python float: its shortest decimal (1.6 -> 8/5)
    else:
        try:
            exact = exact_number(value)
        except GameError as error:
            raise GameError(f"{where}: {error}") from None
    if isinstance(entry.parameters[name], int):
        if exact.denominator != 1:
            raise GameError(f"{where} must be a whole number, got {_format_value(exact)}")
        return int(exact)
    return exact


def _format_value(value: ParamValue) -> str:
    """Whole numbers plainly, short decimals as decimals (8/5 -> 1.6), others as fractions."""
    value = Fraction(value)
    if value.denominator == 1:
        return str(value.numerator)
    as_float = float(value)
    if Fraction(repr(as_float)) == value:
        return repr(as_float)
    return f"{value.numerator}/{value.denominator}"


def _guard(condition: bool, message: str) -> None:
    if not condition:
        raise GameError(message)


def _guard_size(what: str, n_players: int, num_actions: Sequence[int]) -> None:
    """Refuse a game the model cannot hold before allocating it (sizes are user-chosen)."""
    _guard(
        2 <= n_players <= MAX_PLAYERS,
        f"{what}: n_players must be between 2 and {MAX_PLAYERS}, got {n_players}",
    )
    entries = n_players * math.prod(num_actions)
    _guard(
        entries <= MAX_CELLS,
        f"{what}: a {'x'.join(map(str, num_actions))} game has {entries:,} payoff entries; "
        f"the limit is {MAX_CELLS:,}",
    )


# ----- builders -------------------------------------------------------------------------------
def _fixed(
    A: Any,
    B: Any | None = None,
    *,
    actions: Sequence[Sequence[str]],
    players: Sequence[str] = (),
    kind: str = "bimatrix",
) -> Callable[..., Game]:
    """Builder of a parameterless two-player game: bimatrix, symmetric, zero-sum or team."""

    def build() -> Game:
        labels = {"actions": tuple(tuple(a) for a in actions), "players": tuple(players)}
        if kind == "symmetric":
            return Game.symmetric(A, **labels)
        if kind == "zero_sum":
            return Game.zero_sum(A, **labels)
        if kind == "common":
            return Game.common_payoff(A, **labels)
        return Game.from_bimatrix(A, B, **labels)

    return build


def _rps_matrix(actions: Sequence[str], beats: dict[str, set[str]], win: int, lose: int) -> list:
    """Row player's payoffs when ``beats[x]`` lists what ``x`` defeats; ties pay 0."""
    return [
        [win if b in beats[a] else lose if a in beats[b] else 0 for b in actions] for a in actions
    ]


_RPS = ("Rock", "Paper", "Scissors")
_RPS_BEATS = {"Rock": {"Scissors"}, "Paper": {"Rock"}, "Scissors": {"Paper"}}
_RPSLS = ("Rock", "Paper", "Scissors", "Lizard", "Spock")
_RPSLS_BEATS = {
    "Rock": {"Scissors", "Lizard"},  # crushes
    "Paper": {"Rock", "Spock"},  # covers, disproves
    "Scissors": {"Paper", "Lizard"},  # cut, decapitate
    "Lizard": {"Spock", "Paper"},  # poisons, eats
    "Spock": {"Scissors", "Rock"},  # smashes, vaporizes
}


def _hawk_dove(value: int, cost: int) -> Game:
    _guard(value > 0, f"Hawk-Dove: value must be positive, got {value}")
    _guard(cost > 0, f"Hawk-Dove: cost must be positive, got {cost}")
    v, c = Fraction(value), Fraction(cost)
    # Maynard Smith & Price (1973): H vs H share the value and the cost of fighting.
    return Game.symmetric([[(v - c) / 2, v], [Fraction(0), v / 2]], actions=[("Hawk", "Dove")] * 2)


def _penalty(k: int) -> Game:
    _guard(k <= 0, f"Penalty Game: the penalty k must be 0 or negative, got {k}")
    return Game.common_payoff([[k, 0, 10], [0, 2, 0], [10, 0, k]], actions=[("a", "b", "c")] * 2)


def _travelers_dilemma(size: int, bonus: int) -> Game:
    _guard(size >= 2, f"Traveler's Dilemma: size (number of claims) must be at least 2, got {size}")
    _guard(bonus >= 1, f"Traveler's Dilemma: bonus must be at least 1, got {bonus}")
    _guard_size("Traveler's Dilemma", 2, (size, size))
    claims = np.arange(2, size + 2)
    mine, theirs = np.meshgrid(claims, claims, indexing="ij")
    # Basu (1994): both get the lower claim; the lower claimant gains the bonus, the other loses it.
    low = np.minimum(mine, theirs)
    A = low + bonus * np.sign(theirs - mine)
    labels = tuple(f"Claim {c}" for c in claims)
    return Game.symmetric(A.astype(np.int64), actions=[labels, labels])


def _n_player(
    what: str,
    n_players: int,
    actions: tuple[str, ...],
    payoff: Callable[[int, tuple[int, ...]], Fraction | int],
) -> Game:
    """A game where each player's payoff depends on their own action and everyone's profile."""
    _guard_size(what, n_players, ())  # the player count first: it sizes the tuple below
    _guard_size(what, n_players, (len(actions),) * n_players)
    shape = (len(actions),) * n_players
    exact = np.empty((n_players, *shape), dtype=object)
    for cell in np.ndindex(*shape):
        for p in range(n_players):
            exact[(p, *cell)] = Fraction(payoff(p, cell))
    return Game(exact, actions=[actions] * n_players)


def _public_goods(n_players: int, multiplier: Fraction) -> Game:
    _guard(multiplier > 0, f"Public Goods Game: multiplier must be positive, got {multiplier}")

    def payoff(p: int, cell: tuple[int, ...]) -> Fraction:
        contributors = cell.count(0)
        # Linear public good: keep what you do not give, plus an equal share of the multiplied pot.
        return (1 - (cell[p] == 0)) + multiplier * contributors / n_players

    return _n_player("Public Goods Game", n_players, ("Contribute", "Keep"), payoff)


def _volunteers_dilemma(n_players: int, benefit: int, cost: int) -> Game:
    _guard(
        0 < cost < benefit,
        f"Volunteer's Dilemma: need 0 < cost < benefit, got cost={cost}, benefit={benefit}",
    )

    def payoff(p: int, cell: tuple[int, ...]) -> int:
        if cell[p] == 0:
            return benefit - cost
        return benefit if 0 in cell else 0

    return _n_player("Volunteer's Dilemma", n_players, ("Volunteer", "Ignore"), payoff)


def _minority(n_players: int) -> Game:
    _guard(
        n_players % 2 == 1 and n_players >= 3,
        f"Minority Game: n_players must be odd and at least 3 (so a strict minority exists), "
        f"got {n_players}",
    )

    def payoff(p: int, cell: tuple[int, ...]) -> int:
        return int(cell.count(cell[p]) < n_players / 2)

    return _n_player("Minority Game", n_players, ("Buy", "Sell"), payoff)


def _el_farol(n_players: int, capacity: int) -> Game:
    _guard(
        1 <= capacity < n_players,
        f"El Farol Bar: capacity must be between 1 and n_players - 1, got {capacity}",
    )

    def payoff(p: int, cell: tuple[int, ...]) -> int:
        if cell[p] == 1:
            return 0
        return 1 if cell.count(0) <= capacity else -1

    return _n_player("El Farol Bar", n_players, ("Go", "Stay"), payoff)


_CD = ("Cooperate", "Defect")

_ENTRIES: tuple[CatalogueEntry, ...] = (
    CatalogueEntry(
        slug="prisoners-dilemma",
        name="Prisoner's Dilemma",
        description=(
            "Two players each choose to cooperate or defect. Whatever the other does, defecting "
            "pays more (5 > 3 and 1 > 0), so Defect strictly dominates and (Defect, Defect) is the "
            "unique Nash equilibrium, paying (1, 1); yet both would prefer mutual cooperation "
            "(3, 3). Notice that individual rationality leads to a Pareto-dominated outcome: the "
            "archetype of social dilemmas. In repeated play (Axelrod's tournaments) reciprocating "
            "strategies such as Tit-for-Tat can sustain cooperation."
        ),
        source=(
            "Flood & Dresher (RAND, 1950), named by A. W. Tucker; payoffs T=5, R=3, P=1, S=0 as in "
            "R. Axelrod, The Evolution of Cooperation (1984)"
        ),
        n_players=2,
        parameters={},
        aliases=("pd", "prisoner's dilemma game"),
        builder=_fixed([[3, 0], [5, 1]], [[3, 5], [0, 1]], actions=[_CD, _CD]),
    ),
    CatalogueEntry(
        slug="coordination",
        name="Coordination Game",
        description=(
            "Both players gain only if they choose the same option, and option A is better for "
            "both (2 against 1). There are two pure equilibria, (A, A) and (B, B), and a mixed "
            "one in which each plays A with probability 1/3. Notice that (B, B) is an equilibrium "
            "although everyone prefers (A, A): equilibrium selection, not conflict, is the "
            "problem, and learners started near B can stay stuck there."
        ),
        source="T. C. Schelling, The Strategy of Conflict (1960); D. Lewis, Convention (1969)",
        n_players=2,
        parameters={},
        aliases=("coordination game",),
        builder=_fixed([[2, 0], [0, 1]], [[2, 0], [0, 1]], actions=[("Option A", "Option B")] * 2),
    ),
    CatalogueEntry(
        slug="battle-of-the-sexes",
        name="Battle of the Sexes",
        description=(
            "A couple wants to spend the evening together but one prefers the opera and the other "
            "football. Both pure profiles where they meet are equilibria, (Opera, Opera) paying "
            "(2, 1) and (Football, Football) paying (1, 2), and there is a mixed equilibrium where "
            "each goes to their favourite with probability 2/3 and they often miss each other. "
            "Notice the mix of common interest (meet) and conflict (where)."
        ),
        source="R. D. Luce & H. Raiffa, Games and Decisions (1957)",
        n_players=2,
        parameters={},
        aliases=("bos",),
        builder=_fixed([[2, 0], [0, 1]], [[1, 0], [0, 2]], actions=[("Opera", "Football")] * 2),
    ),
    CatalogueEntry(
        slug="bach-or-stravinsky",
        name="Bach or Stravinsky",
        description=(
            "The Battle of the Sexes under the neutral name of Osborne and Rubinstein: two people "
            "want to attend a concert together, one prefers Bach and the other Stravinsky. Two "
            "pure equilibria in which they meet, paying (2, 1) and (1, 2), and a mixed one in "
            "which each picks their favourite with probability 2/3 and both expect only 2/3."
        ),
        source="M. J. Osborne & A. Rubinstein, A Course in Game Theory (1994)",
        n_players=2,
        parameters={},
        builder=_fixed([[2, 0], [0, 1]], [[1, 0], [0, 2]], actions=[("Bach", "Stravinsky")] * 2),
    ),
    CatalogueEntry(
        slug="stag-hunt",
        name="Stag Hunt",
        description=(
            "Two hunters can jointly hunt a stag (4 each) or each safely catch a hare (3 whatever "
            "the other does); hunting the stag alone yields nothing. Both (Stag, Stag) and "
            "(Hare, Hare) are equilibria: the first is payoff-dominant, the second risk-dominant, "
            "and the mixed equilibrium hunts the stag with probability 3/4. Notice that trust, "
            "not temptation, is the issue: nobody gains by betraying a stag hunter."
        ),
        source=(
            "J.-J. Rousseau, Discourse on Inequality (1755); B. Skyrms, The Stag Hunt and the "
            "Evolution of Social Structure (2004)"
        ),
        n_players=2,
        parameters={},
        aliases=("assurance game",),
        builder=_fixed([[4, 0], [3, 3]], kind="symmetric", actions=[("Stag", "Hare")] * 2),
    ),
    CatalogueEntry(
        slug="chicken",
        name="Chicken",
        description=(
            "Two drivers race towards each other; whoever swerves is the chicken (-1) and the "
            "other wins (1), but if neither swerves they crash (-10). The pure equilibria are the "
            "two asymmetric profiles where exactly one swerves; the symmetric mixed equilibrium "
            "drives straight with probability 1/10. Notice the incentive to commit visibly "
            "(throw the steering wheel away) and that the crash, while unlikely, has positive "
            "probability in the mixed equilibrium."
        ),
        source=(
            "B. Russell, Common Sense and Nuclear Warfare (1959); A. Rapoport & A. M. Chammah, "
            "The Game of Chicken, American Behavioral Scientist 10(3) (1966)"
        ),
        n_players=2,
        parameters={},
        aliases=("snowdrift", "game of chicken"),
        builder=_fixed([[0, -1], [1, -10]], kind="symmetric", actions=[("Swerve", "Straight")] * 2),
    ),
    CatalogueEntry(
        slug="hawk-dove",
        name="Hawk-Dove",
        description=(
            "Two animals contest a resource of value V. Hawks fight, risking injury of cost C; "
            "doves display and share, or retreat from a hawk. When C > V (default V=4, C=6) the "
            "game is Chicken: the pure equilibria pair a hawk with a dove, and the symmetric "
            "mixed equilibrium, the evolutionarily stable strategy, plays Hawk with probability "
            "V/C. When C < V, Hawk dominates and the game becomes a Prisoner's Dilemma."
        ),
        source=(
            "J. Maynard Smith & G. R. Price, The Logic of Animal Conflict, Nature 246 (1973); "
            "J. Maynard Smith, Evolution and the Theory of Games (1982)"
        ),
        n_players=2,
        parameters={"value": 4, "cost": 6},
        aliases=("hawk dove", "hawks and doves"),
        builder=_hawk_dove,
    ),
    CatalogueEntry(
        slug="matching-pennies",
        name="Matching Pennies",
        description=(
            "Each player shows a penny; the first wins if they match, the second if they differ. "
            "It is zero-sum with no pure equilibrium: the unique equilibrium mixes 50/50 and "
            "the value is 0. Notice that any predictability is exploitable, which is why "
            "independent learners chasing best responses cycle around the equilibrium."
        ),
        source="J. von Neumann & O. Morgenstern, Theory of Games and Economic Behavior (1944)",
        n_players=2,
        parameters={},
        aliases=("pennies",),
        builder=_fixed(
            [[1, -1], [-1, 1]],
            kind="zero_sum",
            actions=[("Heads", "Tails")] * 2,
            players=("Matcher", "Mismatcher"),
        ),
    ),
    CatalogueEntry(
        slug="rock-paper-scissors",
        name="Rock-Paper-Scissors",
        description=(
            "Rock crushes scissors, scissors cut paper, paper covers rock; a win scores 1, a loss "
            "-1, a tie 0. Zero-sum and symmetric, with no pure equilibrium: the unique "
            "equilibrium plays each action with probability 1/3. Notice the cyclic dominance, "
            "which makes fictitious play and gradient learners circle the equilibrium."
        ),
        source="J. von Neumann & O. Morgenstern, Theory of Games and Economic Behavior (1944)",
        n_players=2,
        parameters={},
        aliases=("rps", "roshambo"),
        builder=_fixed(_rps_matrix(_RPS, _RPS_BEATS, 1, -1), kind="zero_sum", actions=[_RPS] * 2),
    ),
    CatalogueEntry(
        slug="rpsls",
        name="Rock-Paper-Scissors-Lizard-Spock",
        description=(
            "Rock-Paper-Scissors with two more gestures, so that every action beats two others "
            "and loses to two: scissors cut paper and decapitate lizard, paper covers rock and "
            "disproves Spock, rock crushes lizard and scissors, lizard poisons Spock and eats "
            "paper, Spock smashes scissors and vaporizes rock. Zero-sum; the unique equilibrium "
            "is uniform (1/5 each), and the tournament of beats is balanced."
        ),
        source=(
            "S. Kass & K. Bryla (c. 1995), popularised by The Big Bang Theory (2008); "
            "a balanced tournament in the sense of von Neumann & Morgenstern (1944)"
        ),
        n_players=2,
        parameters={},
        aliases=("rock paper scissors lizard spock",),
        builder=_fixed(
            _rps_matrix(_RPSLS, _RPSLS_BEATS, 1, -1), kind="zero_sum", actions=[_RPSLS] * 2
        ),
    ),
    CatalogueEntry(
        slug="shapley",
        name="Shapley's Game",
        description=(
            "A non-zero-sum Rock-Paper-Scissors in which a win pays 1 and a tie or a loss pays 0. "
            "The only equilibrium is uniform mixing. Shapley used it to show that fictitious play "
            "need not converge: empirical frequencies cycle forever along ever longer runs of "
            "the same action pair. A standard stress test for learning dynamics."
        ),
        source=(
            "L. S. Shapley, Some Topics in Two-Person Games, in Advances in Game Theory, "
            "Annals of Mathematics Studies 52 (1964)"
        ),
        n_players=2,
        parameters={},
        aliases=("shapley game",),
        builder=_fixed(_rps_matrix(_RPS, _RPS_BEATS, 1, 0), kind="symmetric", actions=[_RPS] * 2),
    ),
    CatalogueEntry(
        slug="deadlock",
        name="Deadlock",
        description=(
            "Like the Prisoner's Dilemma, Defect dominates, but here both players also prefer "
            "mutual defection (2) to mutual cooperation (1): DC > DD > CC > CD. The unique "
            "equilibrium (Defect, Defect) is Pareto-optimal, so there is no dilemma at all. "
            "Notice how a small reordering of payoffs removes the tension of the PD."
        ),
        source=(
            "D. Robinson & D. Goforth, The Topology of the 2x2 Games: A New Periodic Table (2005)"
        ),
        n_players=2,
        parameters={},
        builder=_fixed([[1, 0], [3, 2]], kind="symmetric", actions=[_CD, _CD]),
    ),
    CatalogueEntry(
        slug="harmony",
        name="Harmony",
        description=(
            "The opposite of a dilemma: Cooperate strictly dominates (3 > 1 against a cooperator, "
            "2 > 0 against a defector) and mutual cooperation is the unique equilibrium and the "
            "best outcome for both. Notice that individual and collective interest coincide; a "
            "useful baseline when comparing learners on the Prisoner's Dilemma."
        ),
        source=(
            "D. Robinson & D. Goforth, The Topology of the 2x2 Games: A New Periodic Table (2005)"
        ),
        n_players=2,
        parameters={},
        aliases=("harmony game",),
        builder=_fixed([[3, 2], [1, 0]], kind="symmetric", actions=[_CD, _CD]),
    ),
    CatalogueEntry(
        slug="climbing",
        name="Climbing Game",
        description=(
            "A team game: both agents receive the same payoff. The optimum (a, a) = 11 sits next "
            "to heavy miscoordination penalties (-30), while (c, c) = 5 and (b, b) = 7 are safe. "
            "Notice that independent learners exploring randomly see a as poor on average and "
            "climb only to a suboptimal equilibrium; the benchmark for optimistic and "
            "joint-action learners."
        ),
        source=(
            "C. Claus & C. Boutilier, The Dynamics of Reinforcement Learning in Cooperative "
            "Multiagent Systems, AAAI (1998)"
        ),
        n_players=2,
        parameters={},
        aliases=("climbing game",),
        builder=_fixed(
            [[11, -30, 0], [-30, 7, 6], [0, 0, 5]], kind="common", actions=[("a", "b", "c")] * 2
        ),
    ),
    CatalogueEntry(
        slug="penalty",
        name="Penalty Game",
        description=(
            "A team game with two optimal joint actions, (a, c) and (c, a), worth 10, a safe "
            "(b, b) worth 2, and a penalty k <= 0 for the miscoordinations (a, a) and (c, c). "
            "Notice that with two optima the agents must also agree on which one, and that a "
            "large penalty (default k = -10) pushes independent learners to the safe b."
        ),
        source=(
            "C. Claus & C. Boutilier, The Dynamics of Reinforcement Learning in Cooperative "
            "Multiagent Systems, AAAI (1998)"
        ),
        n_players=2,
        parameters={"k": -10},
        aliases=("penalty game",),
        builder=_penalty,
    ),
    CatalogueEntry(
        slug="non-monotonic",
        name="Non-monotonic Game",
        description=(
            "A team matrix game whose payoff [[8, -12, -12], [-12, 0, 0], [-12, 0, 0]] cannot be "
            "written as a monotonic mix of per-agent utilities. Notice that value factorisation "
            "methods restricted to monotonic mixing (VDN, QMIX) tend to settle on the zero "
            "region, while the optimum (A, A) = 8 requires representing the joint value; QTRAN "
            "was designed to recover it."
        ),
        source=(
            "K. Son, D. Kim, W. J. Kang, D. Hostallero & Y. Yi, QTRAN: Learning to Factorize with "
            "Transformation for Cooperative Multi-Agent Reinforcement Learning, ICML (2019)"
        ),
        n_players=2,
        parameters={},
        aliases=("qtran", "qtran matrix game", "nonmonotonic"),
        builder=_fixed(
            [[8, -12, -12], [-12, 0, 0], [-12, 0, 0]],
            kind="common",
            actions=[("A", "B", "C")] * 2,
        ),
    ),
    CatalogueEntry(
        slug="pure-coordination-3x3",
        name="Pure Coordination 3x3",
        description=(
            "Two players pick one of three meeting points and both score 1 only if they pick the "
            "same one. Every matching pair is an equilibrium, and so is uniform mixing by both "
            "over any common set of k points, where they meet only with probability 1/k. "
            "Nothing in the payoffs distinguishes the options: only a focal point or a learned "
            "convention can break the symmetry."
        ),
        source="T. C. Schelling, The Strategy of Conflict (1960); D. Lewis, Convention (1969)",
        n_players=2,
        parameters={},
        aliases=("pure coordination",),
        builder=_fixed(
            [[1, 0, 0], [0, 1, 0], [0, 0, 1]],
            kind="common",
            actions=[("Left", "Centre", "Right")] * 2,
        ),
    ),
    CatalogueEntry(
        slug="travelers-dilemma",
        name="Traveler's Dilemma",
        description=(
            "Two travellers claim compensation for identical lost items, each choosing a claim "
            "from 2 to size + 1. Both receive the lower claim; the lower claimant gets a bonus "
            "and the higher one pays it (default bonus 2). With a bonus of at least 2, "
            "undercutting by one always pays, so "
            "iterated dominance unravels everything down to the unique equilibrium where both "
            "claim 2, although both would do far better claiming high. People do claim high; "
            "notice how learners behave when size grows."
        ),
        source=(
            "K. Basu, The Traveler's Dilemma: Paradoxes of Rationality in Game Theory, American "
            "Economic Review 84(2) (1994)"
        ),
        n_players=2,
        parameters={"size": 4, "bonus": 2},
        aliases=("traveller's dilemma", "travellers dilemma"),
        builder=_travelers_dilemma,
    ),
    CatalogueEntry(
        slug="public-goods",
        name="Public Goods Game",
        description=(
            "Each of n players holds 1 unit and either contributes it to a common pot or keeps "
            "it; the pot is multiplied (default 1.6) and shared equally among all. When "
            "1 < multiplier < n, each contributed unit returns only multiplier/n to its giver, "
            "so keeping dominates and nobody contributing is the unique equilibrium, yet full "
            "contribution would make everyone richer: the n-player Prisoner's Dilemma."
        ),
        source=(
            "J. O. Ledyard, Public Goods: A Survey of Experimental Research, in The Handbook of "
            "Experimental Economics (1995)"
        ),
        n_players=None,
        parameters={"n_players": 3, "multiplier": 1.6},
        aliases=("public goods game", "pgg"),
        builder=_public_goods,
    ),
    CatalogueEntry(
        slug="volunteers-dilemma",
        name="Volunteer's Dilemma",
        description=(
            "Everyone benefits (benefit, default 2) if at least one of n players volunteers at a "
            "personal cost (default 1); if nobody does, all get 0. The pure equilibria have "
            "exactly one volunteer, but who? In the symmetric mixed equilibrium each volunteers "
            "with probability 1 - (cost/benefit)^(1/(n-1)), which falls with n: the bystander "
            "effect, where larger groups are less likely to be helped at all."
        ),
        source="A. Diekmann, Volunteer's Dilemma, Journal of Conflict Resolution 29(4) (1985)",
        n_players=None,
        parameters={"n_players": 3, "benefit": 2, "cost": 1},
        aliases=("volunteer's dilemma", "volunteer dilemma"),
        builder=_volunteers_dilemma,
    ),
    CatalogueEntry(
        slug="minority",
        name="Minority Game",
        description=(
            "An odd number of players each choose a side (buy or sell); those on the less crowded "
            "side score 1, the others 0. Every profile with a minority of (n-1)/2 is a pure "
            "equilibrium, so there are many, and none is symmetric; the symmetric equilibrium "
            "mixes 50/50. Notice that if everyone reasons alike, everyone is in the majority: "
            "a model of markets and of inductive, heterogeneous strategies."
        ),
        source=(
            "D. Challet & Y.-C. Zhang, Emergence of Cooperation and Organization in an "
            "Evolutionary Game, Physica A 246 (1997)"
        ),
        n_players=None,
        parameters={"n_players": 3},
        aliases=("minority game",),
        builder=_minority,
    ),
    CatalogueEntry(
        slug="el-farol",
        name="El Farol Bar",
        description=(
            "Each of n people decides whether to go to a bar that is fun (1) only if at most "
            "`capacity` people go and unpleasant (-1) if crowded; staying home pays 0. The pure "
            "equilibria have exactly `capacity` goers; in the symmetric mixed equilibrium each "
            "goes with the probability that makes going worth nothing on average. Arthur's "
            "question: how do boundedly rational agents learn to self-organise attendance?"
        ),
        source=(
            "W. B. Arthur, Inductive Reasoning and Bounded Rationality, American Economic Review "
            "84(2) (1994)"
        ),
        n_players=None,
        parameters={"n_players": 3, "capacity": 1},
        aliases=("el farol bar problem", "el farol problem"),
        builder=_el_farol,
    ),
    CatalogueEntry(
        slug="inspection",
        name="Inspection Game",
        description=(
            "An inspectee chooses to comply or violate a rule (gain 1 if unnoticed, fine -4 if "
            "caught); an inspector chooses to inspect (cost 1, recovering 2 from a violator) or "
            "to trust (losing 2 to an unnoticed violation). Every pure profile invites a "
            "deviation, so the unique equilibrium is mixed: the inspector inspects just often "
            "enough (1/5) to make violating unattractive, and violations still occur (1/4)."
        ),
        source=(
            "R. Avenhaus, B. von Stengel & S. Zamir, Inspection Games, in Handbook of Game "
            "Theory with Economic Applications, Vol. 3, Ch. 51 (2002)"
        ),
        n_players=2,
        parameters={},
        aliases=("inspection game", "inspector game"),
        builder=_fixed(
            [[0, 0], [-4, 1]],
            [[-1, 0], [1, -2]],
            actions=[("Comply", "Violate"), ("Inspect", "Trust")],
            players=("Inspectee", "Inspector"),
        ),
    ),
    CatalogueEntry(
        slug="ultimatum-mini",
        name="Ultimatum Mini-game",
        description=(
            "A proposer splits 10 either fairly (5, 5) or unfairly (8, 2); the responder's "
            "strategy says whether to reject an unfair offer (both get 0). (Unfair, Accept all) "
            "is the subgame-perfect equilibrium, but (Fair, Reject unfair) is also a Nash "
            "equilibrium, supported by a threat that is never tested, and so is a continuum of "
            "responder mixes. Notice how learning dynamics can settle on the fair outcome."
        ),
        source=(
            "after J. Gale, K. Binmore & L. Samuelson, Learning to be Imperfect: The Ultimatum "
            "Game, Games and Economic Behavior 8 (1995)"
        ),
        n_players=2,
        parameters={},
        aliases=("ultimatum", "ultimatum game", "mini ultimatum"),
        builder=_fixed(
            [[5, 5], [8, 0]],
            [[5, 5], [2, 0]],
            actions=[("Fair", "Unfair"), ("Accept all", "Reject unfair")],
            players=("Proposer", "Responder"),
        ),
    ),
)


# ----- class games: aggregate-payoff games played by a whole class (games.aggregate) -----------
@dataclass(frozen=True)
class ClassGameEntry:
    """A class game: a payoff rule for many players (no matrix), built with its parameters."""

    slug: str
    name: str
    description: str
    source: str
    parameters: dict[str, int | float | str]  # a str default is an exact number ("2/3")
    builder: Callable[..., AggregateGame] = field(repr=False, compare=False)
    aliases: tuple[str, ...] = ()

    def build(self, **params: Any) -> AggregateGame:
        """The game with the given parameters (defaults for the rest); bad ones raise GameError."""
        values = {k: _exact_default(v) for k, v in self.parameters.items()}
        for raw_name, raw_value in params.items():
            name = _parameter_name(raw_name)
            if name not in self.parameters:
                raise GameError(_unknown_parameter_message(self, raw_name))
            values[name] = _coerce_parameter(self, name, raw_value)
        return self.builder(**values)


_CLASS_GAMES: tuple[ClassGameEntry, ...] = (
    ClassGameEntry(
        slug="guess-average",
        name="Guess p of the average",
        description=guess_average().description,
        source=guess_average().source,
        parameters={"p": "2/3", "high": 100},
        aliases=("guess 2/3", "guess two thirds", "beauty contest", "keynes beauty contest",
                 "p-beauty contest"),
        builder=guess_average,
    ),
    ClassGameEntry(
        slug="linear-public-goods",
        name="Linear public goods",
        description=linear_public_goods().description,
        source=linear_public_goods().source,
        parameters={"group_size": 4, "multiplier": 1.6, "endowment": 10},
        aliases=("public goods class", "voluntary contribution"),
        builder=linear_public_goods,
    ),
)


def class_games() -> list[ClassGameEntry]:
    """The class games (aggregate-payoff games for a whole class)."""
    return list(_CLASS_GAMES)


@cache
def _class_index() -> dict[str, ClassGameEntry]:
    index: dict[str, ClassGameEntry] = {}
    for entry in _CLASS_GAMES:
        for key in (entry.slug, entry.name, *entry.aliases):
            if _normalise(key) in _index():
                raise RuntimeError(f"class game key {key!r} is also a catalogue key")
            index[_normalise(key)] = entry
    return index


def find_class_entry(key: str) -> ClassGameEntry | None:
    """The class game a key (without inline parameters) names, or None."""
    return _class_index().get(_normalise(key.split(":", 1)[0]))


def get_class_game(key: str) -> AggregateGame:
    """Build a class game from its slug, name or alias, with inline parameters
    (``"guess-average:p=1/2"``, ``"linear-public-goods:group_size=5,multiplier=2"``)."""
    if not isinstance(key, str) or not key.strip():
        raise GameError("expected a class game name such as 'guess-average'")
    entry = find_class_entry(key)
    if entry is None:
        names = ", ".join(e.slug for e in _CLASS_GAMES)
        raise GameError(f"unknown class game {key.split(':', 1)[0].strip()!r}; class games: {names}")
    return entry.build(**_inline_parameters(key, entry))
