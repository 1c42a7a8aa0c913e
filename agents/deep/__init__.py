"""The deep (torch-backed) agents: the only package that imports torch.

Its modules import torch at top level, so import them lazily (the registry does); everything else
in ``agents``, ``games`` and the app starts without torch. :mod:`agents.deep.per_player` holds
the numpy helpers that these agents share and imports no torch.
"""
