"""marl-tui's own game file format: versioned JSON with exact payoffs (docs/game-files.md).

A file looks like::

    {
      "format": "marl-tui-game",
      "version": 1,
      "name": "Prisoner's Dilemma",
      "players": ["Player 1", "Player 2"],
      "actions": [["Cooperate", "Defect"], ["Cooperate", "Defect"]],
      "payoffs": [[[3, 0], [5, 1]], [[3, 5], [0, 1]]]
    }

``payoffs`` is nested ``(n_players, a_1, ..., a_n)``: ``payoffs[p][i_1]...[i_n]`` is player
``p``'s payoff. Each payoff is a JSON number or a string holding a fraction or decimal
("2/3", "-1.5"). Numbers are read exactly (0.1 is 1/10), so exact fractions round-trip.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from games.model import MAX_CELLS, MAX_PLAYERS, Game, GameError

FORMAT = "marl-tui-game"
VERSION = 1
_REQUIRED = ("format", "version", "payoffs")
_OPTIONAL = ("name", "description", "source", "players", "actions")
# Decimal exponents beyond this many digits are refused before Fraction expands them: "1e999999999"
# would otherwise build a billion-digit integer (and hang) only to overflow a double anyway.
_MAX_EXPONENT_DIGITS = 3
_EXPONENT_RE = re.compile(r"[eE][+-]?0*(\d+)\s*\Z")


@dataclass(frozen=True)
class _Decimal:
    """A JSON number with a fraction or exponent, kept as its text until a field reads it."""

    text: str

    def __repr__(self) -> str:
        return _short(self.text)


def _short(text: str, limit: int = 40) -> str:
    """A value as an error message quotes it: long ones cut in the middle."""
    return text if len(text) <= limit else f"{text[:20]}…{text[-12:]} ({len(text)} characters)"


def exact_number(value: Any) -> Fraction:
    """A payoff or parameter read exactly: an int, a float (as its shortest decimal), a Fraction,
    or a string like "2/3", "-1.5e2".

    Raises GameError (the message says what is wrong, not where) for anything else, and for
    numbers no double can hold (beyond about ±1.8e308, or nonzero but below about 5e-324): the
    game also keeps every payoff as a float for agents and plots.
    """
    if isinstance(value, _Decimal):
        value = value.text
    if isinstance(value, np.integer):
        value = int(value)
    if isinstance(value, float | np.floating) and not isinstance(value, bool):
        if not np.isfinite(value):
            raise GameError(f"numbers must be finite, got {value}")
        value = repr(float(value))  # its shortest decimal, read exactly: 0.1 is 1/10
    if isinstance(value, bool) or not isinstance(value, int | Fraction | str):
        raise GameError(f'expected a number or a fraction string like "2/3", got {_kind(value)}')
    if isinstance(value, str):
        exponent = _EXPONENT_RE.search(value)
        if exponent and len(exponent[1]) > _MAX_EXPONENT_DIGITS and re.search(r"[1-9]", value):
            small = exponent[0].lstrip("eE").startswith("-")
            raise GameError(
                f"{_short(value.strip())} is too {'small' if small else 'large'} "
                "(nonzero numbers must lie between about 5e-324 and 1.8e308 in size)"
            )
        try:
            number = Fraction(value.strip())
        except (ValueError, ZeroDivisionError):
            raise GameError(
                f'expected a number or a fraction string like "2/3", got {_kind(value)}'
            ) from None
    else:
        number = Fraction(value)
    shown = _short(str(value).strip())
    try:
        as_float = float(number)
    except OverflowError:
        raise GameError(f"{shown} is too large (numbers must lie within ±1.8e308)") from None
    if as_float == 0 and number != 0:
        raise GameError(f"{shown} is too small to hold as a double (the smallest is about 5e-324)")
    return number


def game_to_dict(game: Game) -> dict[str, Any]:
    """The game as a JSON-ready dict (schema version 1); payoffs exact (see :func:`payoff_to_json`)."""
    return {
        "format": FORMAT,
        "version": VERSION,
        "name": game.name,
        "description": game.description,
        "source": game.source,
        "players": list(game.players),
        "actions": [list(labels) for labels in game.actions],
        "payoffs": _nested(game.exact_payoffs.tolist(), {}),
    }


def payoff_to_json(value: Fraction) -> int | float | str:
    """An int when whole, a float when its shortest decimal is exact (1.5), else "p/q"."""
    if value.denominator == 1:
        return int(value.numerator)
    as_float = float(value)
    if Fraction(repr(as_float)) == value:
        return as_float
    return f"{value.numerator}/{value.denominator}"


def _nested(node: Any, memo: dict[Fraction, Any]) -> Any:
    """Nested lists of JSON payoffs; ``memo`` converts each distinct value once."""
    if isinstance(node, list):
        return [_nested(sub, memo) for sub in node]
    if node not in memo:
        memo[node] = payoff_to_json(Fraction(node))
    return memo[node]


def game_from_dict(data: Any, where: str = "<dict>") -> Game:
    """Validate a schema-version-1 dict and build the game; errors name ``where`` and the field.

    In steps: the top-level fields, the format and version, the texts, then the players and
    the payoffs' shape (from the action labels when given), then every payoff, exactly.
    """

    def fail(field: str, message: str) -> GameError:
        return GameError(f"{where}: {field}: {message}" if field else f"{where}: {message}")

    _check_fields(data, fail)
    _check_version(data, fail)
    texts = _texts(data, fail)
    players, actions, shape = _players_and_shape(data, fail)
    n_players = len(data["payoffs"])
    names = players or [f"Player {p + 1}" for p in range(n_players)]
    exact = np.empty((n_players, *shape), dtype=object)
    for p in range(n_players):
        _fill(data["payoffs"][p], shape, exact, (p,), f"payoffs[{p}]", names, fail)
    try:
        return Game(
            exact,
            players=tuple(players or ()),
            actions=tuple(tuple(a) for a in actions or ()),
            _exact=exact,
            **texts,
        )
    except GameError as error:
        raise fail("", str(error)) from None


def _check_fields(data: Any, fail) -> None:
    """A JSON object with every required field and no unknown one (a close match suggested)."""
    if not isinstance(data, dict):
        raise fail("", f"expected a JSON object {{...}} at the top level, got {_kind(data)}")
    for key in _REQUIRED:
        if key not in data:
            raise fail("", f"missing required field {key!r} ({_field_help(key)})")
    unknown = [k for k in data if k not in _REQUIRED + _OPTIONAL]
    if unknown:
        close = difflib.get_close_matches(str(unknown[0]), _REQUIRED + _OPTIONAL, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise fail(
            "",
            f"unknown field {unknown[0]!r}{hint} (fields: {', '.join(_REQUIRED + _OPTIONAL)})",
        )


def _check_version(data: dict, fail) -> None:
    """The format marker, and a whole-number version this reader understands."""
    if data["format"] != FORMAT:
        raise fail("format", f"expected {FORMAT!r}, got {data['format']!r}")
    version = data["version"]
    if isinstance(version, _Decimal):
        try:
            version = exact_number(version)
        except GameError:
            message = f"expected a whole number such as {VERSION}, got {version!r}"
            raise fail("version", message) from None
    if (
        isinstance(version, bool)
        or not isinstance(version, int | Fraction)
        or version != int(version)
    ):
        raise fail("version", f"expected a whole number such as {VERSION}, got {version!r}")
    if int(version) != VERSION:
        newer = " (written by a newer marl-tui; please upgrade)" if version > VERSION else ""
        raise fail(
            "version",
            f"unsupported version {_short(str(int(version)))}: this marl-tui reads version "
            f"{VERSION}{newer}",
        )


def _texts(data: dict, fail) -> dict[str, str]:
    """Name, description and source: strings a file can hold (defaults when absent)."""
    texts = {}
    for key, default in (("name", "Untitled game"), ("description", ""), ("source", "")):
        value = data.get(key, default)
        if not isinstance(value, str):
            raise fail(key, f"expected a string, got {_kind(value)}")
        _check_encodable(value, key, fail)
        texts[key] = value
    return texts


def _players_and_shape(data: dict, fail) -> tuple[list | None, list | None, tuple[int, ...]]:
    """Player names and action labels (None when absent) and the payoffs' action shape, within
    the size limits: from the labels when given, else from the nesting of player 1's payoffs."""
    payoffs = data["payoffs"]
    if not isinstance(payoffs, list) or not payoffs:
        raise fail(
            "payoffs", f"expected a non-empty list (one entry per player), got {_kind(payoffs)}"
        )
    n_players = len(payoffs)
    players = data.get("players")
    if players is not None:
        players = _labels(players, "players", fail)
        if len(players) != n_players:
            raise fail(
                "players", f"names {len(players)} players but payoffs has {n_players} entries"
            )
    if not 2 <= n_players <= MAX_PLAYERS:
        raise fail("payoffs", f"expected 2 to {MAX_PLAYERS} players' payoffs, got {n_players}")
    actions = data.get("actions")
    if actions is not None:
        if not isinstance(actions, list):
            raise fail(
                "actions", f"expected a list of label lists (one per player), got {_kind(actions)}"
            )
        if len(actions) != n_players:
            raise fail(
                "actions", f"expected {n_players} label lists (one per player), got {len(actions)}"
            )
        actions = [_labels(a, f"actions[{p}]", fail) for p, a in enumerate(actions)]
        shape = tuple(len(a) for a in actions)
    else:
        shape = _infer_shape(payoffs[0], n_players, fail)
    entries = n_players * int(np.prod(shape, dtype=object))
    if entries > MAX_CELLS:
        raise fail(
            "payoffs", f"game too large: {entries:,} payoff entries (the limit is {MAX_CELLS:,})"
        )
    return players, actions, shape


def _field_help(key: str) -> str:
    return {
        "format": f'"format": "{FORMAT}"',
        "version": f'"version": {VERSION}',
        "payoffs": "nested lists of shape (n_players, a_1, ..., a_n)",
    }[key]


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return f"a list of {len(value)}"
    if isinstance(value, str):
        return f"the string {_short(value)!r}"
    return _short(repr(value))


def _labels(value: Any, field: str, fail: Any) -> list[str]:
    if not isinstance(value, list) or not value:
        raise fail(field, f"expected a non-empty list of strings, got {_kind(value)}")
    seen: set[str] = set()
    for k, label in enumerate(value):
        if not isinstance(label, str) or not label.strip():
            raise fail(f"{field}[{k}]", f"expected a non-empty string, got {_kind(label)}")
        if label in seen:
            raise fail(f"{field}[{k}]", f"{label!r} appears twice (labels must be unique)")
        _check_encodable(label, f"{field}[{k}]", fail)
        seen.add(label)
    return list(value)


def _check_encodable(text: str, field: str, fail: Any) -> None:
    """Refuse an unpaired surrogate ("\\ud800" in JSON): valid JSON, but no UTF-8 file can hold it,
    so the game could be read but never saved."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        bad = text[error.start : error.end].encode("unicode_escape").decode("ascii")
        raise fail(
            field, f"contains {bad}, half of a UTF-16 surrogate pair, which is not a character"
        ) from None


def _infer_shape(first: Any, n_players: int, fail: Any) -> tuple[int, ...]:
    """Action counts read along the first player's table: its length at each nesting level."""
    shape = []
    node, field = first, "payoffs[0]"
    for _ in range(n_players):
        if not isinstance(node, list) or not node:
            raise fail(
                field,
                f"expected a non-empty list, got {_kind(node)} (payoffs nest {n_players + 1} "
                "levels deep: players, then one level per player's actions)",
            )
        shape.append(len(node))
        node, field = node[0], field + "[0]"
    return tuple(shape)


def _fill(
    node: Any,
    shape: tuple[int, ...],
    out: np.ndarray,
    index: tuple[int, ...],
    field: str,
    names: list[str],
    fail: Any,
) -> None:
    """Copy a nested list of exactly ``shape`` into ``out[index]``, as Fractions, naming any bad field.

    ``names`` are the players whose actions the remaining nesting levels index.
    """
    if not shape:
        try:
            out[index] = exact_number(node)
        except GameError as error:
            raise fail(field, str(error)) from None
        return
    if not isinstance(node, list) or len(node) != shape[0]:
        raise fail(
            field,
            f"expected a list of {shape[0]} entries (one per action of {names[0]}), "
            f"got {_kind(node)}",
        )
    for k, child in enumerate(node):
        _fill(child, shape[1:], out, (*index, k), f"{field}[{k}]", names[1:], fail)


def _parse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def read_json(text: str, where: str = "<string>") -> Game:
    """Parse marl-tui JSON text; decimals are read exactly (no float rounding)."""
    try:
        data = json.loads(
            text.lstrip("\ufeff"), parse_float=_Decimal, parse_constant=_parse_constant
        )
    except json.JSONDecodeError as error:
        raise GameError(
            f"{where}: line {error.lineno}, column {error.colno}: invalid JSON: {error.msg}"
        ) from None
    except ValueError as error:
        raise GameError(f"{where}: invalid JSON: {error}") from None
    except RecursionError:
        raise GameError(f"{where}: invalid JSON: lists or objects nested too deeply") from None
    return game_from_dict(data, where)


def write_json(game: Game) -> str:
    """Readable JSON: one level per line, innermost payoff rows on a single line."""
    return _format(game_to_dict(game), 0) + "\n"


def _format(value: Any, level: int) -> str:
    pad = "  " * (level + 1)
    end = "  " * level
    if isinstance(value, dict):
        items = [f"{pad}{json.dumps(k)}: {_format(v, level + 1)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + end + "}"
    if isinstance(value, list):
        if all(not isinstance(v, list | dict) for v in value):
            return "[" + ", ".join(json.dumps(v, ensure_ascii=False) for v in value) + "]"
        return "[\n" + ",\n".join(pad + _format(v, level + 1) for v in value) + "\n" + end + "]"
    return json.dumps(value, ensure_ascii=False)
