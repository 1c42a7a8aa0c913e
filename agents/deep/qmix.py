"""QMIX: monotonic value factorisation (Rashid et al. 2018) (imports torch)."""

from __future__ import annotations

from typing import Any, ClassVar

import torch
from torch import nn
from torch.nn import functional as F

from agents.deep.value_decomposition import VALUE_DECOMPOSITION_DEFAULTS, ValueDecompositionAgent


class QMixer(nn.Module):
    """Monotonic mixing network whose weights and biases are generated from the global state.

    Rashid et al. (2018) §4.2: hypernetworks map s to the weights of a one-hidden-layer mixer;
    abs() keeps every weight non-negative, so ∂Q_tot/∂Q_i ≥ 0 (eq. 5). The hidden layer uses ELU;
    the final bias is V(s), a two-layer network with a ReLU.
    """

    def __init__(self, n_agents: int, state_dim: int, embed: int = 32) -> None:
        super().__init__()
        self.n_agents, self.embed = n_agents, embed
        # The four hypernetworks reading s (W1, b1, W2 and V's first layer) are linear maps of
        # the same input, so they run as one Linear whose output is split: same function, one call.
        self.sizes = (n_agents * embed, embed, embed, embed)
        self.hyper = nn.Linear(state_dim, sum(self.sizes))
        self.value_out = nn.Linear(embed, 1)

    def forward(self, agent_qs: torch.Tensor, state: torch.Tensor) -> torch.Tensor:
        """``agent_qs`` (batch, n_agents), ``state`` (batch, state_dim) -> Q_tot (batch,)."""
        batch = agent_qs.shape[0]
        # the layers are applied as functions: module dispatch costs as much as they do here
        hyper = F.linear(state, self.hyper.weight, self.hyper.bias)
        w1_raw, b1, w2_raw, v_hidden = torch.split(hyper, self.sizes, dim=1)
        w1 = torch.abs(w1_raw).view(batch, self.n_agents, self.embed)  # eq. 5: weights >= 0
        hidden = F.elu(torch.baddbmm(b1.unsqueeze(1), agent_qs.view(batch, 1, self.n_agents), w1))
        w2 = torch.abs(w2_raw).view(batch, self.embed, 1)
        v = F.linear(F.relu(v_hidden), self.value_out.weight, self.value_out.bias)  # V(s)
        return torch.baddbmm(v.view(batch, 1, 1), hidden, w2).view(batch)


class QMIX(ValueDecompositionAgent):
    """A team whose joint value is a state-conditioned monotonic mix of per-player values.

    Monotonicity keeps the joint greedy action equal to each player's own greedy action while
    representing far more than sums (e.g. the two-step game, where QMIX finds the optimal 8).
    """

    name = "qmix"
    description = "QMIX: monotonic state-conditioned mixing of per-player Q (Rashid et al. 2018)"
    defaults: ClassVar[dict[str, Any]] = {
        **VALUE_DECOMPOSITION_DEFAULTS,
        "mixing_embed": 32,  # width of the mixing network's hidden layer
    }

    def build_mixer(self, n_agents: int, state_dim: int) -> nn.Module:
        return QMixer(n_agents, state_dim, int(self.hp["mixing_embed"]))
