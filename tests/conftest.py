"""Suite-wide settings: deterministic hypothesis runs, no per-example deadline (CI machines are slow)."""

from hypothesis import settings

settings.register_profile("marl-tui", derandomize=True, deadline=None, print_blob=True)
settings.load_profile("marl-tui")
