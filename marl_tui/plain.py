"""User-provided text on screen: shown as itself, never read as markup, never steering the terminal.

Names of games, players and actions, file names, paths and the error messages that quote them can
be anything a user typed or a file held. Textual and Rich read plain strings as markup in most
places (labels, notifications, border titles, table cells, option prompts), where
``[@click=app.quit]`` becomes a live action and ``[b]`` a style. Every such string is passed
through :func:`plain` instead: a ``rich.text.Text`` (which no widget parses) with any control
character shown as an escape (:func:`games.text.printable`); notifications go through
:func:`notify_plain`, and the CLI prints its tables on a :func:`plain_console`.
"""

from __future__ import annotations

from rich.console import Console
from rich.text import Text

from games.text import MULTI_LINE, printable


def plain(text: object, style: str = "") -> Text:
    """`text` (any object, as ``str``) for display exactly as written, in `style`."""
    return Text(printable(str(text), MULTI_LINE), style=style, end="")


def notify_plain(widget, message: object, **kwargs) -> None:
    """`widget.notify(message)` with the message and title shown as plain text."""
    if "title" in kwargs:
        kwargs["title"] = printable(str(kwargs["title"]))
    widget.notify(printable(str(message), MULTI_LINE), markup=False, **kwargs)


def plain_console(**options) -> Console:
    """A Rich console for the CLI's reports that reads no markup: every ``str`` in a table cell,
    title or caption is printed as written (styles are given as ``Text`` where wanted)."""
    return Console(markup=False, **options)
