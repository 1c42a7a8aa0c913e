"""MADDPG for discrete actions (Lowe et al. 2017, "Multi-Agent Actor-Critic for Mixed
Cooperative-Competitive Environments").

Decentralised actors, centralised critics: player ``i``'s actor ``mu_i(o_i)`` sees only its own
observation, while its critic ``Q_i(x, a_1, ..., a_n)`` sees every observation ``x = (o_1..o_n)``
and every action, so that from each critic's point of view the environment is stationary even
though the other players learn. Discrete actions: the critics' targets use one-hot Gumbel-softmax
samples of the target actors, and each actor ascends the exact expectation of its critic over its
own actions (see ``MADDPG._own_action_values`` for why not the straight-through gradient).

Design: one :class:`MADDPG` agent is a *team* agent that controls every player, holding one actor
and one critic per player (each critic maximises its own player's reward, so the players remain
self-interested: on the Prisoner's Dilemma they defect). The n actors are one grouped network, and
so are the n critics: per-player weight tensors ``[n, in, out]`` applied with a batched matrix
product, so a forward pass over all players is one call, not a Python loop over players.
"""

from __future__ import annotations

import copy
import math
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
from agents.deep.replay import ReplayBuffer
from agents.deep.torch_support import resolve_device


class GroupedMLP(nn.Module):
    """``groups`` independent MLPs evaluated together: input ``[g, B, in]`` -> ``[g, B, out]``.

    Layer ``k`` holds weights ``[g, in_k, out_k]``; ``torch.baddbmm`` applies every group's layer
    in one call. Initialised like ``nn.Linear`` (uniform in +-1/sqrt(fan_in)).
    """

    def __init__(self, groups: int, sizes: list[int]) -> None:
        super().__init__()
        self.weights = nn.ParameterList()
        self.biases = nn.ParameterList()
        for fan_in, fan_out in zip(sizes[:-1], sizes[1:], strict=True):
            bound = 1.0 / math.sqrt(fan_in)
            self.weights.append(
                nn.Parameter(torch.empty(groups, fan_in, fan_out).uniform_(-bound, bound))
            )
            self.biases.append(
                nn.Parameter(torch.empty(groups, 1, fan_out).uniform_(-bound, bound))
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        last = len(self.weights) - 1
        for k, (weight, bias) in enumerate(zip(self.weights, self.biases, strict=True)):
            x = torch.baddbmm(bias, x, weight)
            if k < last:
                x = torch.relu(x)
        return x


def clip_per_player(network: GroupedMLP, max_norm: float) -> torch.Tensor:
    """Scale each player's gradient to norm at most ``max_norm``, independently of the others.

    As in the reference implementation, where every agent has its own optimiser and clip: one
    player's large gradient must not shrink another's update. Player ``i``'s gradient is slice
    ``[i]`` of every grouped parameter. Returns the per-player norms before clipping.
    """
    grads = [p.grad for p in network.parameters()]
    groups = grads[0].shape[0]
    norms = torch.stack([g.reshape(groups, -1).pow(2).sum(1) for g in grads]).sum(0).sqrt()
    scale = (max_norm / (norms + 1e-6)).clamp(max=1.0)
    for g in grads:
        g.mul_(scale.view(groups, *([1] * (g.dim() - 1))))
    return norms


class MADDPG(Agent):
    """MADDPG team agent: one softmax actor and one centralised critic per player."""

    name = "maddpg"
    description = (
        "MADDPG (Lowe et al. 2017): decentralised softmax actors, one centralised critic "
        "Q_i(x, a_1..a_n) per player, target networks with soft updates, experience replay."
    )
    team = True
    #: The paper's values (Lowe et al. 2017, appendix: Adam at 0.01, tau 0.01, gamma 0.95, batches
    #: of 1024, one update per 100 samples added to the replay buffer, two 64-unit ReLU layers).
    #: Deviations: a replay capacity of 1e5, not 1e6 (60,000 steps of a long run fit), and a
    #: warm-up of one batch (the paper names none). The schedule matters. With one update of 64
    #: transitions per step, saturated policies (P(B) ~ 0.002 each) put a unilateral deviation
    #: in ~0.4% of transitions, so three batches in four hold none, and each transition is
    #: replayed ~64 times: the on-policy (A, A) data dragged the critics' values at the
    #: deviations toward its own. On the coordination game (seed 0, ten-round episodes) the
    #: critic valued (A, B) after (A, A) at ~11.5 against ~12.8 for (A, A), a margin of ~1.3
    #: where bootstrapping the deviation's zero payoff gives ~3.7, moving by +-1.5 between
    #: checks; that margin is what the actors climb, and after ~4,500 episodes player 2 left A
    #: after (A, A). A batch of 1024 holds ~4 deviations, and each transition is replayed ~10
    #: times; seeds 0-4 then keep (A, A) through 6,000 episodes.
    defaults: ClassVar[dict[str, Any]] = {
        "hidden": 64,  # width of the actors' and critics' two hidden layers
        "lr_actor": 0.01,  # Adam step size of the actors
        "lr_critic": 0.01,  # Adam step size of the critics
        "gamma": 0.95,  # discount factor
        "tau": 0.01,  # soft target update: theta' <- tau theta + (1 - tau) theta'
        "batch_size": 1024,  # transitions per update, sampled from the replay buffer
        "buffer_size": 100_000,  # replay capacity (oldest transitions are overwritten)
        "warmup": 1024,  # transitions collected before the first update
        "update_every": 100,  # environment steps between updates
        "temperature": 1.0,  # Gumbel-softmax temperature
        "logit_reg": 1e-3,  # penalty on squared actor logits (keeps them bounded)
        "grad_clip": 0.5,  # max gradient norm of each player's actor and critic, per update
        "device": "auto",  # "auto": CUDA when present, else CPU
    }

    def __init__(
        self, spec: EnvSpec, players: Sequence[int], seed: int | None = None, **hp: Any
    ) -> None:
        super().__init__(spec, players, seed=seed, **hp)
        self.require_every_player("its critics need all actions")
        if not 0.0 < float(self.hp["tau"]) <= 1.0:
            raise ValueError(f"maddpg: tau must be in (0, 1], got {self.hp['tau']}")
        self.device = resolve_device(self.hp["device"])
        self.n = spec.n_players
        self.n_actions = np.array([spec.n_actions[p] for p in self.players])
        self.max_actions = int(self.n_actions.max())
        self.obs_dim = max(*spec.obs_dims, 1)  # stateless games: one constant zero input
        hidden = int(self.hp["hidden"])
        critic_in = self.n * (self.obs_dim + self.max_actions)  # x = (o_1..o_n), a_1..a_n
        self.gumbel = torch.Generator()
        with torch.random.fork_rng(devices=[]):
            if seed is not None:
                torch.manual_seed(seed)
                self.gumbel.manual_seed(seed)
            else:
                self.gumbel.seed()
            self.actors = GroupedMLP(self.n, [self.obs_dim, hidden, hidden, self.max_actions])
            self.critics = GroupedMLP(self.n, [critic_in, hidden, hidden, 1])
        self.actors.to(self.device)
        self.critics.to(self.device)
        self.target_actors = copy.deepcopy(self.actors)
        self.target_critics = copy.deepcopy(self.critics)
        self.actor_optimizer = torch.optim.Adam(
            self.actors.parameters(), lr=float(self.hp["lr_actor"])
        )
        self.critic_optimizer = torch.optim.Adam(
            self.critics.parameters(), lr=float(self.hp["lr_critic"])
        )
        invalid = invalid_actions(self.n_actions, self.max_actions)
        self.action_mask = torch.as_tensor(invalid, device=self.device).unsqueeze(1)  # [n, 1, A]
        self.updates = 0
        self.steps = 0
        if int(self.hp["buffer_size"]) < 1:
            raise ValueError(f"maddpg: buffer_size must be >= 1, got {self.hp['buffer_size']}")
        n, d = self.n, self.obs_dim
        self.buffer = ReplayBuffer(
            int(self.hp["buffer_size"]),
            {
                "obs": ((n, d), torch.float32),
                "next_obs": ((n, d), torch.float32),
                "actions": ((n,), torch.int64),
                "rewards": ((n,), torch.float32),
                "done": ((), torch.float32),
            },
            device=self.device,
        )

    # ----- networks ----------------------------------------------------------------------------
    def _stack(self, obs: Sequence[np.ndarray]) -> np.ndarray:
        """Every player's observation, zero-padded to one width: ``[n, obs_dim]``."""
        return stack_observations(obs, self.players, np.zeros((self.n, self.obs_dim), np.float32))

    def _logits(self, actors: GroupedMLP, obs: torch.Tensor) -> torch.Tensor:
        """Actor logits ``[n, B, A]`` for observations ``[B, n, D]``, invalid actions masked."""
        return actors(obs.transpose(0, 1)).masked_fill(self.action_mask, NEG_INF)

    def _q(self, critics: GroupedMLP, obs: torch.Tensor, joint: torch.Tensor) -> torch.Tensor:
        """Q_i(x, a_1..a_n) for every player i: ``[n, B]``.

        ``obs``: ``[B, n, D]``; ``joint``: ``[n, B, n, A]``, the joint action seen by critic i.
        """
        batch = obs.shape[0]
        x = obs.reshape(1, batch, -1).expand(self.n, batch, -1)
        return critics(torch.cat([x, joint.reshape(self.n, batch, -1)], dim=-1)).squeeze(-1)

    def _gumbel_softmax(self, logits: torch.Tensor) -> torch.Tensor:
        """Straight-through Gumbel-softmax: one-hot samples forward, soft gradient backward."""
        uniform = torch.rand(logits.shape, generator=self.gumbel).to(self.device)
        noise = -torch.log(-torch.log(uniform + 1e-20) + 1e-20)
        soft = torch.softmax((logits + noise) / float(self.hp["temperature"]), dim=-1)
        hard = nn.functional.one_hot(soft.argmax(-1), self.max_actions).to(soft.dtype)
        return hard - soft.detach() + soft

    # ----- acting ------------------------------------------------------------------------------
    def act(self, obs: Sequence[np.ndarray], state: np.ndarray, explore: bool = True) -> Decision:
        x = torch.as_tensor(self._stack(obs), device=self.device).unsqueeze(0)
        with torch.inference_mode():
            probs = torch.softmax(self._logits(self.actors, x)[:, 0], dim=-1)
            probs = probs.cpu().numpy().astype(np.float64)
        # a Gumbel-softmax sample is a sample of the softmax policy
        return decide(probs, self.rng, self.n_actions, explore)

    # ----- learning (Lowe et al. 2017, Algorithm 1) --------------------------------------------
    def learn(self, transition: Transition) -> dict[str, float]:
        self.buffer.add(
            obs=self._stack(transition.obs),
            next_obs=self._stack(transition.next_obs),
            actions=np.array([transition.actions[p] for p in self.players]),
            rewards=np.array([transition.rewards[p] for p in self.players], dtype=np.float32),
            done=float(transition.done),
        )
        self.steps += 1
        ready = len(self.buffer) >= max(int(self.hp["warmup"]), 1)
        if not ready or self.steps % int(self.hp["update_every"]):
            return {}
        return self._update()

    def _update(self) -> dict[str, float]:
        sample = self.buffer.sample(int(self.hp["batch_size"]), self.rng)
        obs, next_obs, actions = sample["obs"], sample["next_obs"], sample["actions"]
        rewards, done = sample["rewards"].T, sample["done"]  # rewards: [n, B]
        batch = obs.shape[0]
        taken = nn.functional.one_hot(actions, self.max_actions).float()  # [B, n, A]
        taken_per_critic = taken.unsqueeze(0).expand(self.n, batch, self.n, self.max_actions)

        # Critic: y_i = r_i + gamma Q'_i(x', a'_1..a'_n), a'_j ~ mu'_j(o'_j)  (eq. 6)
        with torch.no_grad():
            next_actions = self._gumbel_softmax(self._logits(self.target_actors, next_obs))
            next_joint = next_actions.transpose(0, 1).unsqueeze(0).expand(self.n, -1, -1, -1)
            target = rewards + float(self.hp["gamma"]) * (1.0 - done) * self._q(
                self.target_critics, next_obs, next_joint
            )
        critic_loss = (self._q(self.critics, obs, taken_per_critic) - target).pow(2).mean()
        self.critic_optimizer.zero_grad()
        critic_loss.backward()
        clip_per_player(self.critics, float(self.hp["grad_clip"]))
        self.critic_optimizer.step()

        # Actor: ascend J(mu_i) = E_{a_i ~ mu_i(o_i)} Q_i(x, a_1..a_i..a_n), the other players'
        # actions taken from the replay buffer (eq. 5), with the expectation over player i's own
        # few actions taken exactly: grad J = sum_a grad pi_i(a | o_i) Q_i(x, .., a, ..)
        raw_logits = self.actors(obs.transpose(0, 1))
        policy = torch.softmax(raw_logits.masked_fill(self.action_mask, NEG_INF), dim=-1)
        with torch.no_grad():
            own_values = self._own_action_values(obs, taken_per_critic)  # [n, B, A]
        logit_penalty = raw_logits.masked_fill(self.action_mask, 0.0).pow(2).mean()
        expected_q = (policy * own_values).sum(-1)  # [n, B]
        actor_loss = -expected_q.mean() + float(self.hp["logit_reg"]) * logit_penalty
        self.actor_optimizer.zero_grad()
        actor_loss.backward()
        clip_per_player(self.actors, float(self.hp["grad_clip"]))
        self.actor_optimizer.step()

        self._soft_update(self.target_actors, self.actors)
        self._soft_update(self.target_critics, self.critics)
        self.updates += 1
        return {
            "critic_loss": float(critic_loss.detach()),
            "actor_loss": float(actor_loss.detach()),
        }

    def _own_action_values(self, obs: torch.Tensor, taken: torch.Tensor) -> torch.Tensor:
        """Q_i(x, a_1..a_i = k..a_n) for every player i and every own action k: ``[n, B, A]``.

        ``taken``: ``[n, B, n, A]``, the joint action each critic sees; player i's own entry is
        replaced by each one-hot action in turn, and all of them go through the critics as one
        batch. Why not the straight-through Gumbel-softmax gradient of Lowe et al.: that gradient
        is the critic's slope at the sampled one-hot action, and the critic is only ever trained
        at one-hot actions, so nothing in the data fixes that slope. Once a policy is nearly
        deterministic the slope alone steers it, and on the coordination game it drifted a
        coordinated pair of players apart, to (B, A), after thousands of episodes. The values at
        the one-hot actions are what the critic is fitted to, and with few actions their exact
        expectation under the policy costs one batched critic call.
        """
        batch = obs.shape[0]
        eye = torch.eye(self.max_actions, device=obs.device)
        own = torch.eye(self.n, device=obs.device).reshape(1, self.n, 1, self.n, 1)
        # [A, n, B, n, A]: action k for the diagonal (own) player, the buffer's for the others
        joints = own * eye.reshape(self.max_actions, 1, 1, 1, self.max_actions) + (1.0 - own) * taken
        joints = joints.transpose(0, 1).reshape(self.n, self.max_actions * batch, self.n, -1)
        repeated = obs.repeat(self.max_actions, 1, 1)  # [A * B, n, D], k-major like joints
        values = self._q(self.critics, repeated, joints)  # [n, A * B]
        return values.view(self.n, self.max_actions, batch).transpose(1, 2)

    def _soft_update(self, target: nn.Module, source: nn.Module) -> None:
        """theta' <- tau theta + (1 - tau) theta'  (Algorithm 1, last line)."""
        tau = float(self.hp["tau"])
        with torch.no_grad():
            for target_param, param in zip(target.parameters(), source.parameters(), strict=True):
                target_param.lerp_(param, tau)

    def summary(self) -> dict[str, Any]:
        return {"updates": self.updates}

    # ----- persistence: torch state dicts ------------------------------------------------------
    _MODULES = (
        "actors",
        "critics",
        "target_actors",
        "target_critics",
        "actor_optimizer",
        "critic_optimizer",
    )

    def save_state(self, directory: Path) -> None:
        state = {key: getattr(self, key).state_dict() for key in self._MODULES}
        state["updates"] = self.updates
        torch.save(state, Path(directory) / "maddpg.pt")

    def load_state(self, directory: Path) -> None:
        state = torch.load(
            Path(directory) / "maddpg.pt", map_location=self.device, weights_only=True
        )
        for key in self._MODULES:
            getattr(self, key).load_state_dict(state[key])
        self.updates = int(state["updates"])
