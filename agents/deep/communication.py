"""Team learners that talk: the training loop shared by CommNet and TarMAC.

Both architectures are one policy module, shared by every player, that maps all players'
observations ``[B, n, d]`` to action logits and a baseline ``[B, n, ...]`` in one call: players
exchange continuous messages between layers (CommNet: the mean of the others' hidden states;
TarMAC: soft attention over the others' signed messages). The module is trained end to end by
REINFORCE with a learned baseline, as in Sukhbaatar et al. 2016 §3 ("Training"): for every
player ``i`` and step ``t``

    grad = sum_t [ grad log pi(a_i(t) | s(t)) * (R(t) - b_i(s(t)))
                   - alpha * grad (R(t) - b_i(s(t)))^2 ],   R(t) = sum_{k >= t} gamma^(k-t) r(k),

where ``r`` is the team reward (the mean of the players' rewards; on a cooperative task every
player's reward). The ``communicate`` switch zeroes every message, turning the same network into
independent players that see only their own observation - the ablation that measures what
communication is worth.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import torch
from torch import nn

from agents.base import Agent, Decision, EnvSpec, Transition
from agents.deep.per_player import (
    NEG_INF,
    decide,
    invalid_actions,
    stack_observations,
)
from agents.deep.torch_support import resolve_device


class CommunicatingPolicy(nn.Module):
    """Shared per-player policy with K rounds of message passing between players.

    ``obs``: ``[B, n, d]``. Returns logits ``[B, n, A]`` and baselines ``[B, n]``. The encoder,
    the communication rounds (:meth:`communicate_round`) and the heads act on all players at
    once: weights are shared, so every layer is one batched call.
    """

    def __init__(self, obs_dim: int, n_actions: int, hidden: int, comm_steps: int) -> None:
        super().__init__()
        self.comm_steps = comm_steps
        self.encoder = nn.Linear(obs_dim, hidden)  # e_i = r(o_i), the input embedding
        self.policy_head = nn.Linear(hidden, n_actions)
        self.baseline_head = nn.Linear(hidden, 1)

    @abstractmethod
    def communicate_round(
        self, h: torch.Tensor, e: torch.Tensor, step: int, talk: bool
    ) -> torch.Tensor:
        """One round of message passing: new hidden states ``[B, n, H]`` from ``h`` and ``e``.

        ``talk`` False zeroes every incoming message (the no-communication ablation).
        """

    def forward(self, obs: torch.Tensor, talk: bool = True) -> tuple[torch.Tensor, torch.Tensor]:
        e = torch.tanh(self.encoder(obs))
        h = e
        for step in range(self.comm_steps):
            h = self.communicate_round(h, e, step, talk)
        return self.policy_head(h), self.baseline_head(h).squeeze(-1)


class CommunicationAgent(Agent):
    """A team agent: one communicating policy controls every player; trained by REINFORCE."""

    team = True
    defaults: ClassVar[dict[str, Any]] = {
        "hidden": 64,  # width of hidden states and messages
        "comm_steps": 2,  # K: rounds of communication before acting
        "communicate": True,  # False zeroes all messages (the ablation)
        "lr": 0.01,  # Adam step size
        "beta2": 0.99,  # Adam's second-moment decay; on levers 0.99 beat torch's 0.999
        "batch_episodes": 32,  # episodes per REINFORCE update
        "gamma": 1.0,  # discount of the return R(t)
        "baseline_weight": 0.03,  # alpha: weight of the baseline's squared error
        "entropy": 0.01,  # entropy bonus, keeps early exploration alive
        "grad_clip": 1.0,  # max gradient norm of each update (0: no clipping)
        "player_id": False,  # append a one-hot of the player's seat to its observation
        "device": "auto",  # "auto": CUDA when present, else CPU
    }

    def __init__(
        self, spec: EnvSpec, players: Sequence[int], seed: int | None = None, **hp: Any
    ) -> None:
        super().__init__(spec, players, seed=seed, **hp)
        self.require_every_player("one policy talks for the whole team")
        if int(self.hp["comm_steps"]) < 0 or int(self.hp["hidden"]) < 1:
            raise ValueError(f"{self.name}: comm_steps must be >= 0 and hidden >= 1")
        self.device = resolve_device(self.hp["device"])
        self.n = spec.n_players
        self.n_actions = np.array([spec.n_actions[p] for p in self.players])
        self.max_actions = int(self.n_actions.max())
        self.obs_dim = max(*spec.obs_dims, 1) + (self.n if self.hp["player_id"] else 0)
        with torch.random.fork_rng(devices=[]):
            if seed is not None:
                torch.manual_seed(seed)
            self.network = self.build_network(self.obs_dim, self.max_actions).to(self.device)
        self.optimizer = torch.optim.Adam(
            self.parameter_groups(), lr=float(self.hp["lr"]), betas=(0.9, float(self.hp["beta2"]))
        )
        invalid = invalid_actions(self.n_actions, self.max_actions)
        self.action_mask = torch.as_tensor(invalid, device=self.device)
        self.updates = 0
        self._episode: list[tuple[np.ndarray, tuple[int, ...], float]] = []
        self._batch: list[tuple[np.ndarray, tuple[int, ...], float]] = []  # (obs, actions, R)
        self._episodes_in_batch = 0

    @abstractmethod
    def build_network(self, obs_dim: int, n_actions: int) -> CommunicatingPolicy:
        """The architecture: a shared policy over ``obs_dim`` inputs and ``n_actions`` logits."""

    def parameter_groups(self) -> list[dict[str, Any]]:
        """Adam's parameter groups; one group at ``lr`` unless an architecture needs more."""
        return [{"params": list(self.network.parameters())}]

    # ----- acting ----------------------------------------------------------------------------
    def _stack(self, obs: Sequence[np.ndarray]) -> np.ndarray:
        """This agent's players' observations, zero-padded to one width: ``[n, obs_dim]``."""
        stacked = stack_observations(
            obs, self.players, np.zeros((self.n, self.obs_dim), dtype=np.float32)
        )
        if self.hp["player_id"]:
            stacked[np.arange(self.n), self.obs_dim - self.n + np.asarray(self.players)] = 1.0
        return stacked

    def _forward(self, obs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        logits, baseline = self.network(obs, talk=bool(self.hp["communicate"]))
        return logits.masked_fill(self.action_mask, NEG_INF), baseline

    def act(self, obs: Sequence[np.ndarray], state: np.ndarray, explore: bool = True) -> Decision:
        x = torch.as_tensor(self._stack(obs), device=self.device).unsqueeze(0)
        with torch.inference_mode():
            logits, _ = self._forward(x)
            probs = torch.softmax(logits[0], dim=-1).cpu().numpy().astype(np.float64)
        return decide(probs, self.rng, self.n_actions, explore)

    # ----- learning: REINFORCE with a baseline (Sukhbaatar et al. 2016 §3) -------------------
    def learn(self, transition: Transition) -> dict[str, float]:
        team_reward = float(np.mean([transition.rewards[p] for p in self.players]))
        actions = tuple(transition.actions[p] for p in self.players)
        self._episode.append((self._stack(transition.obs), actions, team_reward))
        if not transition.done:
            return {}
        ret = 0.0
        returns = []
        for _, _, reward in reversed(self._episode):
            ret = reward + float(self.hp["gamma"]) * ret  # R(t) = r(t) + gamma R(t+1)
            returns.append(ret)
        returns.reverse()
        self._batch.extend((o, a, r) for (o, a, _), r in zip(self._episode, returns, strict=True))
        self._episode = []
        self._episodes_in_batch += 1
        if self._episodes_in_batch < int(self.hp["batch_episodes"]):
            return {}
        return self._update()

    def _update(self) -> dict[str, float]:
        obs = torch.as_tensor(np.stack([o for o, _, _ in self._batch]), device=self.device)
        actions = torch.as_tensor([a for _, a, _ in self._batch], device=self.device)
        returns = torch.as_tensor(
            [r for _, _, r in self._batch], dtype=torch.float32, device=self.device
        )
        self._batch = []
        self._episodes_in_batch = 0
        logits, baseline = self._forward(obs)
        log_probs = torch.log_softmax(logits, dim=-1)
        chosen = log_probs.gather(-1, actions.unsqueeze(-1)).squeeze(-1)  # [B, n]
        advantage = returns.unsqueeze(-1) - baseline  # R(t) - b_i(s(t))
        policy_loss = -(chosen * advantage.detach()).sum(dim=1).mean()
        baseline_loss = advantage.pow(2).sum(dim=1).mean()
        probs = log_probs.exp()
        entropy = -(probs * log_probs.masked_fill(self.action_mask, 0.0)).sum(-1).sum(1).mean()
        loss = (
            policy_loss
            + float(self.hp["baseline_weight"]) * baseline_loss
            - float(self.hp["entropy"]) * entropy
        )
        self.optimizer.zero_grad()
        loss.backward()
        if float(self.hp["grad_clip"]) > 0:
            nn.utils.clip_grad_norm_(self.network.parameters(), float(self.hp["grad_clip"]))
        self.optimizer.step()
        self.updates += 1
        return {
            "policy_loss": float(policy_loss.detach()),
            "baseline_loss": float(baseline_loss.detach()),
            "entropy": float(entropy.detach()) / self.n,
        }

    def reset(self) -> None:
        self._episode = []

    def summary(self) -> dict[str, Any]:
        return {"updates": self.updates, "communicate": bool(self.hp["communicate"])}

    # ----- persistence: torch state dicts ----------------------------------------------------
    def _state_path(self, directory: Path) -> Path:
        return Path(directory) / f"{self.name}.pt"

    def save_state(self, directory: Path) -> None:
        torch.save(
            {
                "network": self.network.state_dict(),
                "optimizer": self.optimizer.state_dict(),
                "updates": self.updates,
            },
            self._state_path(directory),
        )

    def load_state(self, directory: Path) -> None:
        state = torch.load(self._state_path(directory), map_location=self.device, weights_only=True)
        self.network.load_state_dict(state["network"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.updates = int(state["updates"])
