"""Normal-form games: the model, a catalogue of classics, file I/O, equilibria and analysis.

numpy and scipy only; this package never imports torch or textual.
"""

from games.model import Game, GameError, parse_payoff_entry

__all__ = ["Game", "GameError", "parse_payoff_entry"]
