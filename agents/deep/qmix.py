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

    def forward(
        self, agent_qs: torch.Tensor, state: torch.Tensor, saved: list[torch.Tensor] | None = None
    ) -> torch.Tensor:
        """``agent_qs`` (batch, n_agents), ``state`` (batch, state_dim) -> Q_tot (batch,).

        With ``saved`` (a list), the intermediate values :meth:`backward` needs are appended.
        """
        batch = agent_qs.shape[0]
        # the layers are applied as functions: module dispatch costs as much as they do here
        hyper = F.linear(state, self.hyper.weight, self.hyper.bias)
        w1_raw, b1, w2_raw, v_hidden = torch.split(hyper, self.sizes, dim=1)
        w1 = torch.abs(w1_raw).view(batch, self.n_agents, self.embed)  # eq. 5: weights >= 0
        hidden = F.elu(torch.baddbmm(b1.unsqueeze(1), agent_qs.view(batch, 1, self.n_agents), w1))
        w2 = torch.abs(w2_raw).view(batch, self.embed, 1)
        v_act = F.relu(v_hidden)
        v = F.linear(v_act, self.value_out.weight, self.value_out.bias)  # state-dependent bias V(s)
        if saved is not None:
            saved.extend((state, agent_qs, w1_raw, w1, w2_raw, w2, hidden, v_act))
        return torch.baddbmm(v.view(batch, 1, 1), hidden, w2).view(batch)

    @torch.no_grad()
    def backward(self, saved: list[torch.Tensor], grad_q_tot: torch.Tensor) -> torch.Tensor:
        """Backpropagate ∂L/∂Q_tot (batch,) through :meth:`forward` by the chain rule: write
        ∂L/∂θ over every parameter's ``.grad`` and return ∂L/∂Q_i (batch, n_agents).

        Done by hand because autograd's per-node bookkeeping costs several times the arithmetic
        for a network this small. |x|' = sign(x); ELU' comes from its output.
        """
        state, agent_qs, w1_raw, w1, w2_raw, w2, hidden, v_act = saved
        batch = agent_qs.shape[0]
        g = grad_q_tot.view(batch, 1)
        hidden = hidden.view(batch, self.embed)
        # Q_tot = hidden · w2 + V(s), V(s) = value_out(relu(v_hidden))
        torch.mm(g.t(), v_act, out=self.value_out.weight.grad)
        torch.sum(g, 0, out=self.value_out.bias.grad)
        grad_hyper = torch.empty(batch, sum(self.sizes), dtype=g.dtype, device=g.device)
        g_w1, g_b1, g_w2, g_v = torch.split(grad_hyper, self.sizes, dim=1)
        torch.mul(g * self.value_out.weight, v_act > 0, out=g_v)  # through V's ReLU
        torch.mul(hidden, g, out=g_w2).mul_(w2_raw.sign())
        # hidden = elu(Q w1 + b1): ∂L/∂b1 is ∂L/∂(pre-activation)
        elu_slope = torch.where(hidden > 0, 1.0, hidden + 1.0)  # ELU'(z) = elu(z) + 1 for z <= 0
        torch.mul(g * w2.view(batch, self.embed), elu_slope, out=g_b1)
        g_w1 = g_w1.view(batch, self.n_agents, self.embed)
        torch.mul(agent_qs.view(batch, self.n_agents, 1), g_b1.view(batch, 1, self.embed), out=g_w1)
        g_w1.mul_(w1_raw.view(batch, self.n_agents, self.embed).sign())
        torch.mm(grad_hyper.t(), state, out=self.hyper.weight.grad)
        torch.sum(grad_hyper, 0, out=self.hyper.bias.grad)
        return torch.bmm(w1, g_b1.view(batch, self.embed, 1)).view(batch, self.n_agents)


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
