"""CommNet (Sukhbaatar, Szlam & Fergus 2016): players talk by averaging each other's hidden states.

Every player runs the same module. After encoding its observation, ``K`` communication steps
follow; at step ``k`` player ``j`` hears the mean of the *other* players' hidden states and
updates its own (eq. 2, with the skip connection of §2.2):

    c_j^k = 1/(n - 1) * sum_{j' != j} h_{j'}^k,      h_j^{k+1} = tanh(H^k h_j^k + C^k c_j^k + e_j),

then acts from a softmax over ``h_j^K``. Trained end to end by REINFORCE with a baseline
(:mod:`agents.deep.communication`).
"""

from __future__ import annotations

import torch
from torch import nn

from agents.deep.communication import CommunicatingPolicy, CommunicationAgent


class CommNetPolicy(CommunicatingPolicy):
    """Shared CommNet module; each step's ``H^k`` and ``C^k`` act on all players in one call."""

    def __init__(self, obs_dim: int, n_actions: int, hidden: int, comm_steps: int) -> None:
        super().__init__(obs_dim, n_actions, hidden, comm_steps)
        self.self_weights = nn.ModuleList(nn.Linear(hidden, hidden) for _ in range(comm_steps))
        self.comm_weights = nn.ModuleList(
            nn.Linear(hidden, hidden, bias=False) for _ in range(comm_steps)
        )

    def communicate_round(
        self, h: torch.Tensor, e: torch.Tensor, step: int, talk: bool
    ) -> torch.Tensor:
        n = h.shape[1]
        if talk and n > 1:
            c = (h.sum(dim=1, keepdim=True) - h) / (n - 1)  # eq. 2: mean of the others' h
        else:
            c = torch.zeros_like(h)
        return torch.tanh(self.self_weights[step](h) + self.comm_weights[step](c) + e)


class CommNet(CommunicationAgent):
    """CommNet team agent: K rounds of mean-of-others communication, REINFORCE with a baseline."""

    name = "commnet"
    description = (
        "CommNet (Sukhbaatar et al. 2016): one shared network controls every player; players "
        "exchange the mean of the others' hidden states for K steps; REINFORCE with a baseline."
    )

    def build_network(self, obs_dim: int, n_actions: int) -> CommunicatingPolicy:
        return CommNetPolicy(obs_dim, n_actions, int(self.hp["hidden"]), int(self.hp["comm_steps"]))
