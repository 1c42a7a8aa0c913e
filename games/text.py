"""Which characters a name may hold: none that a terminal or a text editor would obey.

Names of games, players and actions are typed by users, read from files other people wrote and
shown in terminals (over SSH, to a whole class). A control character in one is an instruction
to whatever displays it: C0 controls (BS, SO, ESC...), DEL, the 8-bit C1 controls (U+009B is a
complete "CSI" to many terminals, U+009D starts an "OSC"), and the bidirectional overrides and
isolates that make text read in another order than it is stored (U+202E). The rule is the same
everywhere: :func:`check_text` refuses such a name where it enters a game (typed or read from a
file, with an error that names the character), and :func:`printable` replaces them with a
visible escape wherever text that did not come through a game (a file name, an error message)
is displayed.
"""

from __future__ import annotations

import unicodedata

BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f"  # Arabic letter mark, left-to-right and right-to-left marks
    "\u202a\u202b\u202c\u202d\u202e"  # embeddings, pop, overrides
    "\u2066\u2067\u2068\u2069"  # isolates
)
LINE_SEPARATORS = frozenset("\u2028\u2029")
MULTI_LINE = "\n\r\t"
"""What a multi-line text (a description, a source) may hold beyond printable characters: line
ends (a file's CRLF included; Rich drops the CR when displaying) and tabs."""


def is_control(character: str) -> bool:
    """Whether `character` would steer a terminal or reorder text rather than show as itself:
    C0 and C1 controls and DEL (Unicode category Cc), bidirectional controls and the Unicode
    line and paragraph separators."""
    return (unicodedata.category(character) == "Cc" or character in BIDI_CONTROLS
            or character in LINE_SEPARATORS)


def control_characters(text: str, allowed: str = "") -> list[tuple[int, str]]:
    """The (position, character) of every control character in `text` not in `allowed`."""
    if text.isprintable():  # no Cc, Cf (the bidi controls), Zl or Zp character: the common case
        return []
    return [(k, c) for k, c in enumerate(text) if c not in allowed and is_control(c)]


def describe(character: str) -> str:
    """`U+009B` and the character's Unicode name when it has one, for error messages."""
    name = unicodedata.name(character, "")
    return f"U+{ord(character):04X}" + (f" ({name})" if name else "")


def check_text(text: str, what: str, allowed: str = "") -> str:
    """`text` unchanged when it holds no control character (beyond `allowed`); else ValueError
    saying `what` holds which character where. Callers turn it into their own error type."""
    found = control_characters(text, allowed)
    if found:
        position, character = found[0]
        more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
        raise ValueError(f"{what}: '{printable(text)}' holds the control character "
                         f"{describe(character)} at position {position + 1}{more}; "
                         "names and texts may not hold control characters")
    return text


def printable(text: str, allowed: str = "") -> str:
    """`text` with every control character (beyond `allowed`) shown as an escape (`\\x9b`,
    `\\u202e`), so that displaying it cannot steer a terminal; printable text is unchanged."""
    if not control_characters(text, allowed):
        return text
    return "".join(_escape(c) if c not in allowed and is_control(c) else c for c in text)


def _escape(character: str) -> str:
    code = ord(character)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
