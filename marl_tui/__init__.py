"""marl-tui: the Textual app and the `marl-tui` command."""

__version__ = "0.1.0"
