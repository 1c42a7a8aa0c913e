"""Gambit strategic-form files (``.nfg``, format version 1): reading and writing.

Both variants Gambit reads are supported (see docs/game-files.md and Gambit's
``doc/formats.nfgpay.rst`` / ``formats.nfgout.rst``):

* payoff version: ``NFG 1 R "title" { "P1" "P2" } { 2 2 }`` (or strategy-label lists), an
  optional comment string, then a flat list of payoffs, one per player for each strategy
  profile, the first player's strategy changing fastest;
* outcome version: the same prologue, then a braced list of outcomes ``{ "name" 3, 3 }`` and one
  outcome index per profile in the same order (``0`` is the null outcome: all payoffs zero).

The tokenizer follows Gambit's ``src/games/file.cc``: numbers may be integers, decimals
(``1.5``, ``.5``, ``-2.25e1``) or fractions (``2/3``) and are read exactly. As extensions for
hand-written files it also accepts Windows or old Mac line endings, a UTF-8 byte-order mark,
``#`` comments to the end of a line, and commas between payoffs in the payoff list.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from pathlib import PurePath

import numpy as np

from games.json_format import exact_number
from games.model import MAX_CELLS, MAX_PLAYERS, Game, GameError

NUMBER = "number"
TEXT = "string"
LBRACE = "'{'"
RBRACE = "'}'"
COMMA = "','"
SYMBOL = "word"
EOF = "end of file"

# Gambit's lexer (file.cc GetNextToken): sign, digits, then '.digits[e±digits]', '/digits' or
# 'e±digits'; or '.digits'.
_NUMBER_RE = re.compile(r"[+-]?(?:\d+/\d+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)", re.ASCII)
# Windows, Unix and old Mac line ends all count as one line break.
_LINE_BREAK_RE = re.compile(r"\r\n|\r|\n")
# One token, or a run of whitespace and '#' comments (a comment runs to the end of the line,
# an extension to Gambit's format).
_TOKEN_RE = re.compile(
    r'(?P<skip>(?:\s+|#[^\r\n]*)+)|(?P<punct>[{},])|(?P<string>")|(?P<word>[^\s{},"#]+)'
)
_PUNCTUATION = {"{": LBRACE, "}": RBRACE, ",": COMMA}
# A comment whose last paragraph is "Source: ..." carries the game's source (see write_nfg).
_SOURCE_RE = re.compile(r"(?s)\A(?:(?P<description>.*)\n\n)?Source: (?P<source>[^\n]+)\Z")


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    offset: int

    def shown(self) -> str:
        """The token as an error message quotes it."""
        if self.kind == EOF:
            return "the end of the file"
        if self.kind == TEXT:
            return f"the string {self.text!r}"
        return repr(self.text)


class _Lexer:
    """Splits .nfg text into tokens; positions are character offsets, turned into 1-based line
    and column only when an error is reported."""

    def __init__(self, text: str, where: str) -> None:
        self.text = text.lstrip("\ufeff")
        self.where = where

    def error(self, message: str, offset: int) -> GameError:
        before = self.text[:offset]
        breaks = list(_LINE_BREAK_RE.finditer(before))
        line = len(breaks) + 1
        column = offset - (breaks[-1].end() if breaks else 0) + 1
        return GameError(f"{self.where}: line {line}, column {column}: {message}")

    def tokens(self) -> Iterator[Token]:
        text = self.text
        pos = 0
        while True:
            match = _TOKEN_RE.match(text, pos)
            if match is None:
                yield Token(EOF, "", pos)
                return
            kind = match.lastgroup
            if kind == "skip":
                pos = match.end()
            elif kind == "punct":
                yield Token(_PUNCTUATION[match.group()], match.group(), pos)
                pos = match.end()
            elif kind == "string":
                value, end = self._string(pos)
                yield Token(TEXT, value, pos)
                pos = end
            else:
                word = match.group()
                if _NUMBER_RE.fullmatch(word):
                    yield Token(NUMBER, word, pos)
                elif word[0] in "+-.0123456789":
                    raise self.error(
                        f"{word!r} is not a number (expected e.g. 3, -1.5, .5, 2.5e-1 or 2/3)", pos
                    )
                else:
                    yield Token(SYMBOL, word, pos)
                pos = match.end()

    def _string(self, start: int) -> tuple[str, int]:
        """A double-quoted label and the offset after it; backslash escapes a quote or a
        backslash, as C++ std::quoted writes them (any other backslash is kept)."""
        text = self.text
        chars: list[str] = []
        i = start + 1
        while i < len(text):
            char = text[i]
            if char == "\\" and i + 1 < len(text) and text[i + 1] in '"\\':
                chars.append(text[i + 1])
                i += 2
            elif char == '"':
                return "".join(chars), i + 1
            else:
                chars.append(char)
                i += 1
        raise self.error("unterminated string (no closing '\"' before the end of the file)", start)


@lru_cache(maxsize=4096)
def _fraction(text: str) -> Fraction:
    """Exact value of a number token (cached: payoff tables repeat values); GameError when it
    divides by zero or lies beyond what a double holds (see :func:`exact_number`)."""
    if text.lstrip("+-").isdigit() and len(text) < 20:
        return Fraction(int(text))
    if re.fullmatch(r"[+-]?\d+/0+", text):
        raise GameError(f"{text} divides by zero")
    return exact_number(text)


class _Parser:
    """Recursive-descent reader of the grammar in Gambit's file.cc (ParseNfgHeader, BuildNfg)."""

    def __init__(self, text: str, where: str) -> None:
        self.lexer = _Lexer(text, where)
        self.stream = self.lexer.tokens()
        self.token = next(self.stream)

    def advance(self) -> Token:
        current = self.token
        if current.kind != EOF:
            self.token = next(self.stream)
        return current

    def error(self, message: str, token: Token | None = None) -> GameError:
        token = token or self.token
        return self.lexer.error(message, token.offset)

    def expect(self, kind: str, what: str) -> Token:
        if self.token.kind != kind:
            raise self.error(f"expected {what}, found {self.token.shown()}")
        return self.advance()

    def strings(self, what: str) -> list[str]:
        """``{ "a" "b" ... }``."""
        self.expect(LBRACE, f"'{{' opening the {what}")
        labels = []
        while self.token.kind == TEXT:
            labels.append(self.advance().text)
        self.expect(RBRACE, f"a quoted label or '}}' closing the {what}")
        return labels

    def header(self) -> tuple[str, list[str], list[list[str]], str]:
        first = self.token
        if first.kind != SYMBOL or first.text != "NFG":
            raise self.error(
                f"expected 'NFG' at the start of a Gambit strategic-form file, found {first.shown()}"
            )
        self.advance()
        version = self.expect(NUMBER, "the format version 1 after 'NFG'")
        if version.text != "1":
            raise self.error(
                f"unsupported .nfg version {version.text} (only version 1 exists)", version
            )
        kind = self.token
        if kind.kind != SYMBOL or kind.text not in ("R", "D"):
            raise self.error(
                f"expected the number type 'R' (or the older 'D'), found {kind.shown()}"
            )
        self.advance()
        title = self.expect(TEXT, "the game title as a quoted string").text
        players = self.strings("list of player names")
        if len(players) < 2:
            raise self.error(f"a game needs at least 2 players, this file names {len(players)}")
        if len(players) > MAX_PLAYERS:
            raise self.error(
                f"at most {MAX_PLAYERS} players are supported, this file has {len(players)}"
            )
        strategies = self.strategies(len(players))
        comment = self.advance().text if self.token.kind == TEXT else ""
        return title, players, strategies, comment

    def strategies(self, n_players: int) -> list[list[str]]:
        """Either ``{ 2 3 }`` (counts, labelled 1, 2, ...) or ``{ { "a" "b" } { ... } }``."""
        self.expect(LBRACE, "'{' opening the strategies (counts like { 2 2 } or label lists)")
        result: list[list[str]] = []
        if self.token.kind == LBRACE:
            for p in range(n_players):
                start = self.token
                labels = self.strings(f"strategy labels of player {p + 1}")
                if not labels:
                    raise self.error(f"player {p + 1} has no strategies", start)
                result.append(labels)
        else:
            for p in range(n_players):
                token = self.expect(NUMBER, f"the number of strategies of player {p + 1}")
                if not re.fullmatch(r"\+?\d+", token.text) or int(token.text) < 1:
                    raise self.error(
                        f"the number of strategies must be a positive whole number, got {token.text}",
                        token,
                    )
                count = int(token.text)
                if count > MAX_CELLS:
                    raise self.error(f"{count} strategies is beyond the size limit", token)
                result.append([str(k) for k in range(1, count + 1)])
        self.expect(RBRACE, f"'}}' closing the strategies of the {n_players} players")
        return result

    def number(self, what: str) -> Fraction:
        token = self.expect(NUMBER, what)
        try:
            return _fraction(token.text)
        except GameError as error:
            raise self.error(str(error), token) from None

    def payoff_body(self, n_players: int, n_cells: int) -> list[list[Fraction]]:
        total = n_players * n_cells
        cells = []
        for c in range(n_cells):
            values = []
            for p in range(n_players):
                if self.token.kind == EOF:
                    k = c * n_players + p
                    raise self.error(
                        f"wrong number of payoffs: expected {total} ({n_players} players x "
                        f"{n_cells} strategy profiles), found only {k}"
                    )
                values.append(self.number(f"payoff #{c * n_players + p + 1} of {total} (a number)"))
                if self.token.kind == COMMA:
                    self.advance()
            cells.append(values)
        if self.token.kind == NUMBER:
            first_extra = self.token
            extra = 0
            while self.token.kind in (NUMBER, COMMA):
                extra += self.advance().kind == NUMBER
            raise self.error(
                f"wrong number of payoffs: expected {total} ({n_players} players x {n_cells} "
                f"strategy profiles), found {total + extra}",
                first_extra,
            )
        return cells

    def outcome_body(self, n_players: int, n_cells: int) -> list[list[Fraction]]:
        self.expect(LBRACE, "'{' opening the outcome list")
        outcomes: list[list[Fraction]] = []
        while self.token.kind == LBRACE:
            self.advance()
            number = len(outcomes) + 1
            self.expect(TEXT, f'the name of outcome {number} as a quoted string (may be "")')
            values = []
            while self.token.kind in (NUMBER, COMMA):
                if self.token.kind == COMMA:
                    self.advance()
                    continue
                values.append(self.number("a payoff"))
            if self.token.kind != RBRACE:
                raise self.error(
                    f"expected a payoff or '}}' closing outcome {number}, found {self.token.shown()}"
                )
            if len(values) != n_players:
                raise self.error(
                    f"outcome {number} has {len(values)} payoffs, expected {n_players} "
                    "(one per player)"
                )
            self.advance()
            outcomes.append(values)
        self.expect(RBRACE, "'{' opening another outcome or '}' closing the outcome list")
        null = [Fraction(0)] * n_players
        cells = []
        for c in range(n_cells):
            if self.token.kind == EOF:
                raise self.error(
                    f"expected {n_cells} outcome indices (one per strategy profile), found only {c}"
                )
            token = self.expect(NUMBER, f"outcome index #{c + 1} of {n_cells}")
            if not re.fullmatch(r"\+?\d+", token.text):
                raise self.error(
                    f"an outcome index must be a whole number 0..{len(outcomes)}, got {token.text}",
                    token,
                )
            index = int(token.text)
            if index > len(outcomes):
                raise self.error(
                    f"outcome index {index} out of range: there "
                    + ("is 1 outcome" if len(outcomes) == 1 else f"are {len(outcomes)} outcomes")
                    + " (0 is the null outcome)",
                    token,
                )
            cells.append(outcomes[index - 1] if index else null)
        if self.token.kind == NUMBER:
            raise self.error(
                f"too many outcome indices: expected {n_cells} (one per strategy profile)"
            )
        return cells

    def parse(self) -> tuple[str, list[str], list[list[str]], str, np.ndarray]:
        title, players, strategies, comment = self.header()
        shape = tuple(len(s) for s in strategies)
        n_cells = int(np.prod(shape, dtype=object))
        if len(players) * n_cells > MAX_CELLS:
            raise self.error(
                f"game too large: {'x'.join(map(str, shape))} with {len(players)} players has "
                f"{len(players) * n_cells:,} payoff entries (the limit is {MAX_CELLS:,})"
            )
        if self.token.kind == LBRACE:
            cells = self.outcome_body(len(players), n_cells)
        elif self.token.kind == NUMBER:
            cells = self.payoff_body(len(players), n_cells)
        else:
            raise self.error(
                f"expected the outcome list '{{' or the first payoff, found {self.token.shown()}"
            )
        if self.token.kind != EOF:
            raise self.error(f"expected the end of the file, found {self.token.shown()}")
        return title, players, strategies, comment, _from_gambit_order(cells, shape)


def _from_gambit_order(cells: Sequence[Sequence[Fraction]], shape: tuple[int, ...]) -> np.ndarray:
    """(n_players, a_1..a_n) exact array from per-profile payoffs listed first-player-fastest."""
    flat = np.empty((len(cells), len(shape)), dtype=object)
    for c, values in enumerate(cells):
        flat[c, :] = values
    # Gambit's profile order is column-major (Fortran) order over (a_1, ..., a_n).
    return np.stack([flat[:, p].reshape(shape, order="F") for p in range(len(shape))])


def _gambit_profiles(exact: np.ndarray) -> list[tuple[Fraction, ...]]:
    """Every profile's payoff vector, the first player's strategy changing fastest."""
    n = exact.shape[0]
    # Reversing the action axes makes a C-order flatten run through a_1 fastest.
    table = exact.transpose(0, *range(n, 0, -1)).reshape(n, -1)
    return list(zip(*table, strict=True))


def _normalise_labels(labels: Sequence[str]) -> tuple[str, ...]:
    """Gambit's NormalizeLabels: blank or repeated labels become label_1, label_2, ... (unique)."""
    labels = [label if label.strip() else "" for label in labels]
    counts = {label: labels.count(label) for label in labels}
    used = set(labels)
    visited: dict[str, int] = {}
    result = []
    for label in labels:
        if counts[label] == 1 and label:
            result.append(label)
            continue
        while True:
            visited[label] = visited.get(label, 0) + 1
            candidate = f"{label}_{visited[label]}"
            if candidate not in used:
                break
        used.add(candidate)
        result.append(candidate)
    return tuple(result)


def read_nfg(text: str, where: str = "<string>") -> Game:
    """Parse a Gambit .nfg file (payoff or outcome version); errors name ``where``, line and column.

    The title becomes the game's name (the file name when the title is empty), the comment its
    description; a last comment paragraph ``Source: ...`` (as :func:`write_nfg` writes it) its source.
    Blank or duplicate player and strategy labels are renamed as Gambit does (``_1``, ``x_2``).
    """
    title, players, strategies, comment, exact = _Parser(text, where).parse()
    if not title:
        title = PurePath(where).stem if not where.startswith("<") else "Untitled game"
    description, source = comment, ""
    match = _SOURCE_RE.match(comment)
    if match:
        description, source = match["description"] or "", match["source"]
    try:
        return Game(
            exact,
            players=_normalise_labels(players),
            actions=tuple(_normalise_labels(s) for s in strategies),
            name=title,
            description=description,
            source=source,
        )
    except GameError as error:
        raise GameError(f"{where}: {error}") from None


def _quote(text: str) -> str:
    """A double-quoted string as C++ std::quoted writes it (escapes '"' and '\\')."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _number(value: Fraction) -> str:
    return (
        str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"
    )


def write_nfg(game: Game, *, variant: str = "outcome") -> str:
    """The game as Gambit .nfg text; exact payoffs are written as integers or fractions ``p/q``.

    ``variant="outcome"`` writes what Gambit itself writes for a table game (distinct payoff
    vectors become outcomes, each profile an outcome index); ``variant="payoff"`` writes the
    flat payoff list. The game's source is kept as a last ``Source: ...`` comment paragraph.
    """
    if variant not in ("outcome", "payoff"):
        raise GameError(f"unknown .nfg variant {variant!r}; expected 'outcome' or 'payoff'")
    comment = game.description
    if game.source:
        comment = (
            (comment + "\n\n" if comment else "") + "Source: " + game.source.replace("\n", " ")
        )
    lines = [
        f"NFG 1 R {_quote(game.name)} {{ " + " ".join(_quote(p) for p in game.players) + " }",
        "",
        "{ "
        + "\n".join("{ " + " ".join(_quote(a) for a in labels) + " }" for labels in game.actions),
        "}",
        _quote(comment),
        "",
    ]
    exact = game.exact_payoffs
    profiles = _gambit_profiles(exact)
    text = {v: _number(v) for v in set(exact.flat)}
    if variant == "payoff":
        lines += [" ".join(text[v] for v in values) for values in profiles]
    else:
        numbers: dict[tuple[Fraction, ...], int] = {}
        for values in profiles:
            numbers.setdefault(values, len(numbers) + 1)
        lines.append("{")
        lines += ['{ "" ' + ", ".join(text[v] for v in values) + " }" for values in numbers]
        lines.append("}")
        lines.append(" ".join(str(numbers[values]) for values in profiles))
    return "\n".join(lines) + "\n"
