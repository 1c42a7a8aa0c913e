"""VDN: value-decomposition networks (Sunehag et al. 2018), Q_tot = Σ_i Q_i (imports torch)."""

from __future__ import annotations

import torch
from torch import nn

from agents.deep.value_decomposition import ValueDecompositionAgent


class VDNMixer(nn.Module):
    """Q_tot(s, a) = Σ_i Q_i(o_i, a_i)  (Sunehag et al. 2018, eq. 1); ignores the state."""

    def forward(self, agent_qs: torch.Tensor, state: torch.Tensor) -> torch.Tensor:
        return agent_qs.sum(dim=1)


class VDN(ValueDecompositionAgent):
    """A team of players whose joint value is the sum of per-player values.

    Additivity keeps greedy action selection decentralised but cannot represent payoffs where one
    player's best action depends on another's (e.g. the two-step game's state 2B): under uniform
    exploration VDN learns the least-squares additive fit of the joint values.
    """

    name = "vdn"
    description = "VDN: team Q-learning with Q_tot = sum of per-player Q (Sunehag et al. 2018)"

    def build_mixer(self, n_agents: int, state_dim: int) -> nn.Module:
        return VDNMixer()
