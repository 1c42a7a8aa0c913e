"""Normal-form games: the immutable value every solver, agent and screen reads.

A game holds one payoff tensor of shape ``(n_players, a_1, ..., a_n)``: entry
``payoffs[p, i_1, ..., i_n]`` is player ``p``'s payoff when player ``k`` plays
action ``i_k``. Payoffs are kept as floats for speed and, alongside, as exact
``Fraction``s so that solvers can answer in exact arithmetic ("2/3", not 0.6666).
Every change returns a new game; invalid input raises :class:`GameError`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction
from functools import lru_cache
from typing import Any

import numpy as np

from games.text import MULTI_LINE, check_text

MAX_PLAYERS = 12
MAX_CELLS = 1_000_000

Number = int | float | Fraction


class GameError(ValueError):
    """An invalid game, payoff entry or game file; the message says what is wrong and where."""


def to_fraction(value: Any, where: str = "payoff") -> Fraction:
    """Exact value of a number or numeric string; floats read as their shortest decimal (0.1 -> 1/10).

    Numbers no double can hold are refused: every payoff is also kept as a float.
    """
    if isinstance(value, Fraction):
        result = value
    elif isinstance(value, bool):
        raise GameError(f"{where}: expected a number, got {value!r}")
    elif isinstance(value, int | np.integer):
        result = Fraction(int(value))
    elif isinstance(value, str):
        text = value.strip()
        exponent = _EXPONENT.search(text)
        if exponent and len(exponent[1].lstrip("+-0")) > 3:
            raise GameError(
                f"{where}: {_short(text)} has an exponent out of range (doubles hold about 5e-324 to 1.8e308)"
            )
        try:
            result = Fraction(text)
        except (ValueError, ZeroDivisionError):
            raise GameError(
                f"{where}: {_short(value)!r} is not a number (expected e.g. 3, -1.5 or 2/3)"
            ) from None
    else:
        try:
            number = float(value)
        except (TypeError, ValueError, OverflowError):
            raise GameError(f"{where}: expected a number, got {_short(repr(value))}") from None
        if not math.isfinite(number):
            raise GameError(f"{where}: payoffs must be finite numbers, got {number}")
        result = Fraction(repr(number))
    try:
        as_float = float(result)
    except OverflowError:
        raise GameError(
            f"{where}: {_short(str(result))} is too large (|x| must be below 1.8e308)"
        ) from None
    if as_float == 0 and result != 0:
        raise GameError(f"{where}: {_short(str(result))} is too small to hold as a double")
    return result


_EXPONENT = re.compile(r"[eE]([+-]?\d+)\s*$")


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _coerce_payoffs(data: Any) -> tuple[np.ndarray, np.ndarray | None]:
    """Float payoff array, plus the exact one when the input was given as fractions or strings."""
    if isinstance(data, np.ndarray) and data.dtype.kind in "iuf" and _floats_hold(data):
        array = data.astype(float)
        exact = None
    else:
        try:
            raw = np.array(data, dtype=object)
        except ValueError as error:
            raise GameError(f"payoffs have inconsistent shapes ({error})") from None
        flat = raw.reshape(-1)
        if any(isinstance(v, list | tuple | np.ndarray) for v in flat):
            raise GameError("payoffs have inconsistent shapes: rows of different lengths")
        array = None
        if (
            flat.size
            and all(
                isinstance(v, int | float | np.integer | np.floating) and not isinstance(v, bool)
                for v in flat
            )
            and all(abs(int(v)) <= _EXACT_INTEGERS for v in flat if isinstance(v, int | np.integer))
        ):
            try:
                array = raw.astype(float)
                exact = None
            except OverflowError:
                array = None  # an integer beyond float range: the exact path names it
        if array is None:
            exact_flat = [to_fraction(v, f"payoff #{k}") for k, v in enumerate(flat)]
            exact = np.empty(len(exact_flat), dtype=object)
            exact[:] = exact_flat
            exact = exact.reshape(raw.shape)
            array = np.array([float(v) for v in exact_flat], dtype=float).reshape(raw.shape)
    if not np.all(np.isfinite(array)):
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(array))[0])
        raise GameError(f"payoffs must be finite numbers; found {array[bad]} at index {bad}")
    return array, exact


def _floats_hold(array: np.ndarray) -> bool:
    """Whether every entry of a numeric array is exactly a double: floats, and integers of
    magnitude at most 2**53 (beyond it doubles skip integers, so 2**53 + 1 would be rounded)."""
    if array.dtype.kind == "f" or array.size == 0:
        return True
    return max(abs(int(array.max())), abs(int(array.min()))) <= _EXACT_INTEGERS


#: Every integer of magnitude up to 2**53 is a double; bigger ones are read exactly instead.
_EXACT_INTEGERS = 2**53


def default_action_labels(count: int) -> tuple[str, ...]:
    """Action labels used when none are given: A1, A2, ..."""
    return tuple(f"A{k + 1}" for k in range(count))


@dataclass(frozen=True, eq=False)
class Game:
    """An immutable n-player normal-form game.

    ``payoffs`` has shape ``(n_players, a_1, ..., a_n)``. ``players`` and ``actions``
    default to "Player 1", ... and "A1", ...; ``source`` cites where a classic game comes from.
    """

    payoffs: np.ndarray
    players: tuple[str, ...] = ()
    actions: tuple[tuple[str, ...], ...] = ()
    name: str = "Untitled game"
    description: str = ""
    source: str = ""
    _exact: np.ndarray | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        array, exact = _coerce_payoffs(self.payoffs)
        if self._exact is not None:
            exact = np.asarray(self._exact, dtype=object)
        if array.ndim < 3:
            raise GameError(
                "payoffs must have shape (n_players, a_1, ..., a_n) with at least 2 players; "
                f"got shape {array.shape}"
            )
        n = array.shape[0]
        if n != array.ndim - 1:
            raise GameError(
                f"payoffs of shape {array.shape} describe {array.ndim - 1} players' actions "
                f"but give payoffs for {n} players"
            )
        if n > MAX_PLAYERS:
            raise GameError(f"at most {MAX_PLAYERS} players are supported, got {n}")
        if min(array.shape[1:]) < 1:
            raise GameError(f"every player needs at least one action; got shape {array.shape}")
        if array.size > MAX_CELLS:
            raise GameError(
                f"game too large: {array.size:,} payoff entries (the limit is {MAX_CELLS:,})"
            )
        players = tuple(self.players) or tuple(f"Player {p + 1}" for p in range(n))
        if len(players) != n:
            raise GameError(f"{len(players)} player names given for {n} players")
        _check_labels(players, "player names")
        actions = tuple(tuple(a) for a in self.actions) or tuple(
            default_action_labels(k) for k in array.shape[1:]
        )
        if len(actions) != n:
            raise GameError(f"action labels given for {len(actions)} players, expected {n}")
        for p, (labels, count) in enumerate(zip(actions, array.shape[1:], strict=True)):
            if len(labels) != count:
                raise GameError(
                    f"{players[p]} has {count} actions in the payoffs but {len(labels)} labels"
                )
            _check_labels(labels, f"{players[p]}'s action labels")
        array.setflags(write=False)
        if exact is not None:
            if exact.shape != array.shape:
                raise GameError("exact payoffs do not match the payoff shape")
            exact.setflags(write=False)
        object.__setattr__(self, "payoffs", array)
        object.__setattr__(self, "_exact", exact)
        object.__setattr__(self, "players", players)
        object.__setattr__(self, "actions", actions)
        object.__setattr__(self, "name", _checked_text(str(self.name), "the game's name"))
        _checked_text(self.description, "the description", MULTI_LINE)
        _checked_text(self.source, "the source", MULTI_LINE)

    # ----- shape -------------------------------------------------------------------------
    @property
    def n_players(self) -> int:
        return self.payoffs.shape[0]

    @property
    def num_actions(self) -> tuple[int, ...]:
        """Number of actions of each player."""
        return self.payoffs.shape[1:]

    @property
    def n_cells(self) -> int:
        """Number of joint actions (outcomes)."""
        return int(np.prod(self.num_actions))

    @property
    def exact_payoffs(self) -> np.ndarray:
        """Payoffs as an object array of ``Fraction``s (computed once, on first use)."""
        if self._exact is None:
            flat = [_float_fraction(v) for v in self.payoffs.reshape(-1).tolist()]
            exact = np.empty(len(flat), dtype=object)
            exact[:] = flat
            exact = exact.reshape(self.payoffs.shape)
            exact.setflags(write=False)
            object.__setattr__(self, "_exact", exact)
        return self._exact

    def exact_payoff(self, player: int, cell: Sequence[int]) -> Fraction:
        """One payoff exactly, as :attr:`exact_payoffs` holds it, without converting the whole
        tensor when the payoffs were given as floats (solvers that check a few cells)."""
        if self._exact is not None:
            return self._exact[(player, *cell)]
        return _float_fraction(float(self.payoffs[(player, *cell)]))

    @property
    def A(self) -> np.ndarray:
        """Row player's payoff matrix (two-player games)."""
        self._require_two_players()
        return self.payoffs[0]

    @property
    def B(self) -> np.ndarray:
        """Column player's payoff matrix (two-player games)."""
        self._require_two_players()
        return self.payoffs[1]

    def _require_two_players(self) -> None:
        if self.n_players != 2:
            raise GameError(f"this needs a two-player game; {self.name!r} has {self.n_players}")

    @property
    def is_zero_sum(self) -> bool:
        return bool(np.allclose(self.payoffs.sum(axis=0), 0.0))

    @property
    def is_symmetric(self) -> bool:
        """Two-player symmetric: same action count and B = Aᵀ."""
        return (
            self.n_players == 2
            and self.num_actions[0] == self.num_actions[1]
            and bool(np.array_equal(self.payoffs[1], self.payoffs[0].T))
        )

    def cells(self) -> Iterable[tuple[int, ...]]:
        """Every joint action, in row-major order."""
        return np.ndindex(*self.num_actions)

    def payoff(self, cell: Sequence[int]) -> tuple[float, ...]:
        """Each player's payoff at a joint action."""
        return tuple(float(v) for v in self.payoffs[(slice(None), *cell)])

    def expected_payoffs(self, strategies: Sequence[Sequence[float]]) -> np.ndarray:
        """Each player's expected payoff when players mix independently."""
        result = self.payoffs
        for s in reversed(strategies):
            result = result @ np.asarray(s, dtype=float)
        return np.asarray(result, dtype=float)

    # ----- constructors --------------------------------------------------------------------
    @classmethod
    def from_bimatrix(cls, A: Any, B: Any, **kwargs: Any) -> Game:
        """Two-player game from the row player's matrix A and the column player's matrix B."""
        a, ea = _coerce_payoffs(A)
        b, eb = _coerce_payoffs(B)
        if a.ndim != 2 or b.ndim != 2:
            raise GameError(f"A and B must be matrices; got shapes {a.shape} and {b.shape}")
        if a.shape != b.shape:
            raise GameError(f"A and B must have the same shape; got {a.shape} and {b.shape}")
        return cls(np.stack([a, b]), _exact=_stack_exact([(a, ea), (b, eb)]), **kwargs)

    @classmethod
    def zero_sum(cls, A: Any, **kwargs: Any) -> Game:
        """Two-player zero-sum game: the column player gets −A."""
        a, ea = _coerce_payoffs(A)
        if a.ndim != 2:
            raise GameError(f"A must be a matrix; got shape {a.shape}")
        eb = None if ea is None else -ea
        return cls(np.stack([a, -a]), _exact=_stack_exact([(a, ea), (-a, eb)]), **kwargs)

    @classmethod
    def symmetric(cls, A: Any, **kwargs: Any) -> Game:
        """Two-player symmetric game: the column player's matrix is Aᵀ."""
        a, ea = _coerce_payoffs(A)
        if a.ndim != 2 or a.shape[0] != a.shape[1]:
            raise GameError(f"a symmetric game needs a square matrix; got shape {a.shape}")
        eb = None if ea is None else ea.T
        return cls(np.stack([a, a.T]), _exact=_stack_exact([(a, ea), (a.T, eb)]), **kwargs)

    @classmethod
    def common_payoff(cls, P: Any, **kwargs: Any) -> Game:
        """Team game: every player gets P[i_1, ..., i_n]; P's number of axes is the number of players."""
        p, ep = _coerce_payoffs(P)
        n = p.ndim
        if n < 2:
            raise GameError(f"a common-payoff game needs at least 2 players; got shape {p.shape}")
        exact = None if ep is None else np.stack([ep] * n)
        return cls(np.stack([p] * n), _exact=exact, **kwargs)

    # ----- edits (each returns a new game) -----------------------------------------------------
    def with_payoffs(self, cell: Sequence[int], values: Sequence[Any]) -> Game:
        """Set every player's payoff at one joint action."""
        cell = self._check_cell(cell)
        if len(values) != self.n_players:
            raise GameError(f"expected {self.n_players} payoffs for the cell, got {len(values)}")
        fractions = [to_fraction(v, f"payoff of {self.players[p]}") for p, v in enumerate(values)]
        payoffs = self.payoffs.copy()
        exact = self.exact_payoffs.copy()
        for p, v in enumerate(fractions):
            payoffs[(p, *cell)] = float(v)
            exact[(p, *cell)] = v
        return replace(self, payoffs=payoffs, _exact=exact)

    def with_action_added(self, player: int, label: str | None = None) -> Game:
        """Append an action for ``player`` with all-zero payoffs."""
        self._check_player(player)
        label = label or _fresh_label(self.actions[player])
        axis = player + 1
        pad = [(0, 0)] * self.payoffs.ndim
        pad[axis] = (0, 1)
        payoffs = np.pad(self.payoffs, pad)
        exact = np.pad(self.exact_payoffs, pad, constant_values=Fraction(0))
        actions = list(self.actions)
        actions[player] = (*actions[player], label)
        return replace(self, payoffs=payoffs, _exact=exact, actions=tuple(actions))

    def with_action_removed(self, player: int, index: int) -> Game:
        """Remove one action of ``player`` (a player keeps at least one)."""
        self._check_player(player)
        if not 0 <= index < self.num_actions[player]:
            raise GameError(f"{self.players[player]} has no action #{index + 1}")
        if self.num_actions[player] == 1:
            raise GameError(f"{self.players[player]} must keep at least one action")
        axis = player + 1
        payoffs = np.delete(self.payoffs, index, axis=axis)
        exact = np.delete(self.exact_payoffs, index, axis=axis)
        actions = list(self.actions)
        actions[player] = tuple(a for k, a in enumerate(actions[player]) if k != index)
        return replace(self, payoffs=payoffs, _exact=exact, actions=tuple(actions))

    def with_action_renamed(self, player: int, index: int, label: str) -> Game:
        self._check_player(player)
        if not 0 <= index < self.num_actions[player]:
            raise GameError(f"{self.players[player]} has no action #{index + 1}")
        actions = [list(a) for a in self.actions]
        actions[player][index] = label.strip()
        return replace(self, actions=tuple(tuple(a) for a in actions))

    def with_player_renamed(self, player: int, name: str) -> Game:
        self._check_player(player)
        players = list(self.players)
        players[player] = name.strip()
        return replace(self, players=tuple(players))

    def with_player_added(self, name: str | None = None) -> Game:
        """Add a player with a single action; everyone's payoffs are unchanged, the newcomer's are 0."""
        if self.n_players >= MAX_PLAYERS:
            raise GameError(f"at most {MAX_PLAYERS} players are supported")
        name = name or _fresh_label(self.players, prefix="Player ")
        payoffs = np.concatenate(
            [self.payoffs[..., None], np.zeros((1, *self.num_actions, 1))], axis=0
        )
        exact = np.concatenate(
            [self.exact_payoffs[..., None], _zeros_exact((1, *self.num_actions, 1))], axis=0
        )
        return replace(
            self,
            payoffs=payoffs,
            _exact=exact,
            players=(*self.players, name),
            actions=(*self.actions, ("A1",)),
        )

    def with_player_removed(self, player: int, keep_action: int = 0) -> Game:
        """Remove a player, fixing their action at ``keep_action`` (at least two players remain)."""
        self._check_player(player)
        if self.n_players <= 2:
            raise GameError("a game needs at least two players")
        if not 0 <= keep_action < self.num_actions[player]:
            raise GameError(f"{self.players[player]} has no action #{keep_action + 1}")
        index = [slice(None)] * self.payoffs.ndim
        index[player + 1] = keep_action
        keep = [p for p in range(self.n_players) if p != player]
        payoffs = self.payoffs[tuple(index)][keep]
        exact = self.exact_payoffs[tuple(index)][keep]
        return replace(
            self,
            payoffs=payoffs,
            _exact=exact,
            players=tuple(self.players[p] for p in keep),
            actions=tuple(self.actions[p] for p in keep),
        )

    def renamed(self, name: str | None = None, description: str | None = None) -> Game:
        return replace(
            self,
            name=self.name if name is None else name,
            description=self.description if description is None else description,
        )

    def _check_player(self, player: int) -> None:
        if not 0 <= player < self.n_players:
            raise GameError(f"no player #{player + 1} (the game has {self.n_players})")

    def _check_cell(self, cell: Sequence[int]) -> tuple[int, ...]:
        cell = tuple(int(i) for i in cell)
        if len(cell) != self.n_players or any(
            not 0 <= i < k for i, k in zip(cell, self.num_actions, strict=True)
        ):
            raise GameError(f"no cell {cell} in a game with shape {self.num_actions}")
        return cell

    # ----- identity --------------------------------------------------------------------------
    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Game):
            return NotImplemented
        return (
            self.players == other.players
            and self.actions == other.actions
            and self.name == other.name
            and self.description == other.description
            and self.source == other.source
            and self.payoffs.shape == other.payoffs.shape
            and bool(np.all(self.exact_payoffs == other.exact_payoffs))
        )

    def __hash__(self) -> int:
        return hash((self.players, self.actions, self.name, self.payoffs.tobytes()))

    def __str__(self) -> str:
        shape = "x".join(str(k) for k in self.num_actions)
        return f"{self.name} ({self.n_players} players, {shape})"


def parse_payoff_entry(text: str, n_players: int) -> tuple[Fraction, ...]:
    """Parse a cell as a user types it: "3,3", "3 3", "-1.5, 2", "2/3, 1" (one number per player)."""
    parts = [p for p in re.split(r"[,;\s]+", text.strip().strip("()[]")) if p]
    if len(parts) != n_players:
        raise GameError(
            f"expected {n_players} payoffs separated by commas or spaces, got {len(parts)}"
            + (f" in {text!r}" if text.strip() else "")
        )
    return tuple(to_fraction(p, f"payoff {k + 1} ({p!r})") for k, p in enumerate(parts))


def _check_labels(labels: Sequence[str], what: str) -> None:
    for label in labels:
        if not isinstance(label, str) or not label.strip():
            raise GameError(f"{what} must be non-empty strings, got {label!r}")
        _checked_text(label, what)
    seen = {}
    for label in labels:
        if label in seen:
            raise GameError(f"{what} must be unique: {label!r} appears twice")
        seen[label] = True


def _checked_text(text: str, what: str, allowed: str = "") -> str:
    """`text`, unless it holds a control character (see :mod:`games.text`): then GameError."""
    try:
        return check_text(text, what, allowed)
    except ValueError as error:
        raise GameError(str(error)) from None


def _fresh_label(existing: Sequence[str], prefix: str = "A") -> str:
    k = len(existing) + 1
    while f"{prefix}{k}" in existing:
        k += 1
    return f"{prefix}{k}"


def _zeros_exact(shape: tuple[int, ...]) -> np.ndarray:
    zeros = np.empty(int(np.prod(shape)), dtype=object)
    zeros[:] = [Fraction(0)] * zeros.size
    return zeros.reshape(shape)


@lru_cache(maxsize=4096)
def _float_fraction(value: float) -> Fraction:
    """``Fraction(repr(value))``, the float's shortest decimal; integers below 2**53 (where the
    float spacing is at most 1, so the shortest decimal is the integer itself) skip the parse.
    Cached: a solver checking a few cells reads the same payoffs more than once."""
    if value.is_integer() and abs(value) <= _EXACT_INTEGERS:
        return Fraction(int(value))
    return Fraction(repr(value))


def _stack_exact(parts: list[tuple[np.ndarray, np.ndarray | None]]) -> np.ndarray | None:
    """Stack exact payoff matrices when any was given exactly; others read as shortest decimals."""
    if all(exact is None for _, exact in parts):
        return None
    stacked = []
    for array, exact in parts:
        if exact is None:
            exact = np.array(
                [Fraction(repr(float(v))) for v in array.reshape(-1)], dtype=object
            ).reshape(array.shape)
        stacked.append(exact)
    return np.stack(stacked)
