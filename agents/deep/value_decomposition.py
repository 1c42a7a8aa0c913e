"""Value decomposition for cooperative teams: the machinery VDN and QMIX share (imports torch).

A team agent controls several players with decentralised greedy policies but learns one joint
value Q_tot(s, a_1..a_n) = f_s(Q_1(o_1, a_1), ..., Q_n(o_n, a_n)). When f_s is monotonic in every
Q_i (a sum for VDN, Sunehag et al. 2018; a state-conditioned monotonic network for QMIX, Rashid et
al. 2018), the joint greedy action is every agent's own greedy action, so acting stays
decentralised while the TD target is computed on Q_tot.

One agent network is shared by all players, with the player's one-hot id appended to its
observation (Rashid et al. 2018 §5; Foerster et al. 2016), so every player's Q-values come from a
single batched call. Learning is DQN-style: experience replay, a target copy of the agent network
and of the mixer refreshed every ``target_update_interval`` updates, ε-greedy exploration with a
linear anneal, and optionally double-Q targets (van Hasselt et al. 2016). The networks are small
enough that per-operation overhead, not arithmetic, sets the update's cost: the agent network runs
as one batched call for all players, every parameter is a view of one flat tensor, and autograd's
gradient lands in that tensor's gradient for one fused Adam step.

The team reward is the mean of the controlled players' rewards (in a common-payoff game, the
common payoff).
"""

from __future__ import annotations

import itertools
from abc import abstractmethod
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from agents.base import Agent, Decision, EnvSpec, Transition
from agents.deep.per_player import invalid_actions, stack_observations
from agents.deep.replay import ReplayBuffer
from agents.deep.torch_support import mlp, resolve_device

MODEL_FILE = "model.pt"

VALUE_DECOMPOSITION_DEFAULTS: dict[str, Any] = {
    "hidden": 64,  # width of the agent network's two hidden layers
    "lr": 5e-4,  # Adam step size ...
    # ... annealed linearly to lr_end over this many updates (0: constant lr). A step size that
    # shrinks to near zero lets SGD settle on the minimum of the loss over replay instead of
    # jittering around it (Robbins & Monro 1951).
    "lr_anneal_updates": 0,
    "lr_end": 1e-5,
    "gamma": 0.99,  # discount
    "batch_size": 32,  # transitions per update
    "buffer_size": 5000,  # replay capacity, in joint transitions
    "learning_starts": 32,  # transitions stored before the first update
    "train_every": 1,  # environment steps per update
    "epsilon_start": 1.0,  # ε at step 0 ...
    "epsilon_end": 0.05,  # ... annealed linearly to this ...
    "epsilon_anneal_steps": 5000,  # ... over this many environment steps (0: always epsilon_end)
    "target_update_interval": 200,  # updates between hard copies into the target networks
    "double_q": False,  # double-Q target: online argmax, target evaluation
    "grad_clip": 10.0,  # gradient-norm clip
    "device": "auto",  # "auto" (CUDA when present), "cpu", "cuda", ...
    # torch CPU threads, set process-wide when the agent is built on the CPU (0: leave torch's
    # default). These networks are tiny: one thread beats two (benchmarks/bench_qmix.py).
    "cpu_threads": 1,
}


class AgentNetwork(nn.Module):
    """Q_i(o_i, ·) for every player in one call: a shared MLP over [o_i, one-hot(i)].

    The inputs arrive with the one-hot player id already appended (see
    ``ValueDecompositionAgent._obs_array``), so replay stores network inputs and an update spends
    no operations rebuilding them.
    """

    def __init__(self, obs_dim: int, n_agents: int, n_actions: int, hidden: int) -> None:
        super().__init__()
        self.net = mlp([obs_dim + n_agents, hidden, hidden, n_actions])
        self.linears = tuple(m for m in self.net if isinstance(m, nn.Linear))

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        """``inputs`` (batch, n_agents, obs_dim + n_agents) -> Q-values (batch, n_agents, n_actions).

        The same computation as ``self.net(inputs)``, written out: on one
        (batch * n_agents, width) matrix every layer is a single addmm, with no module dispatch.
        """
        x = inputs.reshape(-1, inputs.shape[-1])
        last = len(self.linears) - 1
        for k, layer in enumerate(self.linears):
            x = F.linear(x, layer.weight, layer.bias)
            if k < last:
                x = F.relu(x)
        return x.view(*inputs.shape[:-1], -1)


class ValueDecompositionAgent(Agent):
    """Base class of VDN and QMIX: subclasses only choose the mixer f_s (see :meth:`build_mixer`)."""

    team: ClassVar[bool] = True
    defaults: ClassVar[dict[str, Any]] = VALUE_DECOMPOSITION_DEFAULTS
    retired = frozenset({"backward"})  # the hand-written gradient's switch, now always autograd

    def __init__(
        self,
        spec: EnvSpec,
        players: Sequence[int] | None = None,
        seed: int | None = None,
        **hyperparameters: Any,
    ) -> None:
        players = tuple(range(spec.n_players)) if players is None else players
        super().__init__(spec, players, seed, **hyperparameters)
        _validate(self.name, self.hp, self.players, spec)
        self.device = resolve_device(self.hp["device"])
        if self.device.type == "cpu" and int(self.hp["cpu_threads"]) > 0:
            torch.set_num_threads(int(self.hp["cpu_threads"]))
        self.n_agents = len(self.players)
        self.n_actions = np.array([spec.n_actions[p] for p in self.players])
        self.max_actions = int(self.n_actions.max())
        self.obs_dim = max(spec.obs_dims[p] for p in self.players)
        self.state_dim = max(spec.state_dim, 1)  # a stateless game gets a constant state input
        invalid = invalid_actions(self.n_actions, self.max_actions)
        self._invalid = torch.as_tensor(invalid, device=self.device)
        self._masked = bool(invalid.any())
        # agent-network inputs before the observations are filled in: zeros, then one-hot ids
        self._obs_template = np.zeros((self.n_agents, self.obs_dim + self.n_agents), np.float32)
        self._obs_template[:, self.obs_dim :] = np.eye(self.n_agents, dtype=np.float32)

        init_seed = int(self.rng.integers(2**62)) if seed is None else seed
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(init_seed)
            self.agent_net = AgentNetwork(
                self.obs_dim, self.n_agents, self.max_actions, int(self.hp["hidden"])
            ).to(self.device)
            self.mixer = self.build_mixer(self.n_agents, self.state_dim).to(self.device)
            self.target_agent_net = AgentNetwork(
                self.obs_dim, self.n_agents, self.max_actions, int(self.hp["hidden"])
            ).to(self.device)
            self.target_mixer = self.build_mixer(self.n_agents, self.state_dim).to(self.device)
        self._sync_targets()
        self.flat_params = _flatten(self._params())
        # Adam (Kingma & Ba 2015) on the one flat tensor: the whole step is one fused kernel
        self.optimizer = torch.optim.Adam(
            [self.flat_params], lr=float(self.hp["lr"]), fused=True
        )

        n, d, s = self.n_agents, self.obs_dim + self.n_agents, self.state_dim
        self.buffer = ReplayBuffer(
            int(self.hp["buffer_size"]),
            {
                "obs": ((n, d), torch.float32),
                "state": ((s,), torch.float32),
                "actions": ((n,), torch.int64),
                "reward": ((), torch.float32),
                "next_obs": ((n, d), torch.float32),
                "next_state": ((s,), torch.float32),
                "discount": ((), torch.float32),  # γ (1 - done), the TD target's factor
            },
            self.device,
        )
        self.steps = 0  # environment steps learned from
        # whether replay has ever held a transition that bootstraps (discount > 0); while none
        # has, every TD target is the bare reward and the target networks need not run
        self._bootstrapped = False
        self.updates = 0  # gradient updates
        # the replay fields an update reads, without and with bootstrapped targets
        self._reward_fields = ("obs", "actions", "state", "reward")
        self._bootstrap_fields = (*self._reward_fields, "next_obs", "next_state", "discount")
        self._episode_start = True
        self._start: tuple[np.ndarray, np.ndarray] | None = None  # first (obs, state) of an episode

    def _params(self) -> list[nn.Parameter]:
        return list(self.agent_net.parameters()) + list(self.mixer.parameters())

    def __setstate__(self, state: dict[str, Any]) -> None:
        """After a copy (the runner snapshots agents with deepcopy, which clones each parameter
        separately) make the parameters views of the flat parameter again."""
        self.__dict__.update(state)
        _link(self._params(), self.flat_params)

    @abstractmethod
    def build_mixer(self, n_agents: int, state_dim: int) -> nn.Module:
        """The mixing network f_s: (chosen Q_i (batch, n), state (batch, S)) -> Q_tot (batch,)."""

    # ----- inputs --------------------------------------------------------------------------
    def _obs_array(self, obs: Sequence[np.ndarray]) -> np.ndarray:
        """The agent network's inputs: the controlled players' observations, zero-padded to a
        common width, each followed by its player's one-hot id: (n, obs_dim + n)."""
        return stack_observations(obs, self.players, self._obs_template.copy())

    def _state_array(self, state: np.ndarray | None) -> np.ndarray:
        if self.spec.state_dim == 0:
            return np.ones(1, dtype=np.float32)
        return np.asarray(state, dtype=np.float32).reshape(self.state_dim)

    def _agent_q(self, net: nn.Module, obs: torch.Tensor) -> torch.Tensor:
        q = net(obs)
        return q.masked_fill(self._invalid, float("-inf")) if self._masked else q

    # ----- acting --------------------------------------------------------------------------
    @property
    def epsilon(self) -> float:
        """Linearly annealed exploration rate at the current step."""
        start, end = float(self.hp["epsilon_start"]), float(self.hp["epsilon_end"])
        span = int(self.hp["epsilon_anneal_steps"])
        if span <= 0:
            return end
        return start + (end - start) * min(1.0, self.steps / span)

    @property
    def learning_rate(self) -> float:
        """Adam's step size at the current update: lr, annealed linearly to lr_end."""
        start, end = float(self.hp["lr"]), float(self.hp["lr_end"])
        span = int(self.hp["lr_anneal_updates"])
        if span <= 0:
            return start
        return start + (end - start) * min(1.0, self.updates / span)

    def q_values(self, obs: Sequence[np.ndarray]) -> np.ndarray:
        """Every controlled player's Q-values, (n_agents, max_actions); invalid actions -inf."""
        return self.q_values_from(self._obs_array(obs))

    def act(self, obs: Sequence[np.ndarray], state: np.ndarray, explore: bool = True) -> Decision:
        """ε-greedy actions, independently per player, with their ε-greedy probabilities.

        Exploration is drawn first (both draws always happen, so runs stay reproducible) and the
        agent network runs only when its Q-values matter. At ε = 1 every player explores and the
        ε-greedy distribution is uniform whatever the Q-values are, so no forward pass is made
        and ``Decision.q_values`` is None (the runner and the Play screen then show the
        probabilities). Otherwise ``q_values`` holds each player's Q-values, which also fix the
        greedy action that the reported probabilities favour.
        """
        obs_array = None
        if self._episode_start:
            obs_array = self._obs_array(obs)
            self._start = (obs_array, self._state_array(state))
            self._episode_start = False
        eps = self.epsilon if explore else 0.0
        coin = self.rng.random(self.n_agents)
        uniform = self.rng.integers(0, self.n_actions)
        if eps >= 1.0:  # coin < 1 always: every player explores, uniformly
            probs = tuple(np.full(k, 1.0 / k) for k in self.n_actions)
            return Decision(tuple(uniform.tolist()), probs)
        q = self.q_values_from(self._obs_array(obs) if obs_array is None else obs_array)
        greedy = q.argmax(axis=1)
        actions = np.where(coin < eps, uniform, greedy)
        probs = []
        for i, k in enumerate(self.n_actions):
            p = np.full(k, eps / k)
            p[greedy[i]] += 1.0 - eps
            probs.append(p)
        q_values = tuple(q[i, :k].copy() for i, k in enumerate(self.n_actions))
        return Decision(tuple(actions.tolist()), tuple(probs), q_values)

    def reset(self) -> None:
        self._episode_start = True

    # ----- learning ------------------------------------------------------------------------
    def learn(self, transition: Transition) -> dict[str, float]:
        reward = sum(float(transition.rewards[p]) for p in self.players) / self.n_agents
        discount = float(self.hp["gamma"]) * (1.0 - float(transition.done))
        self._bootstrapped = self._bootstrapped or discount != 0.0
        self.buffer.add(
            obs=self._obs_array(transition.obs),
            state=self._state_array(transition.state),
            actions=np.array([transition.actions[p] for p in self.players]),
            reward=reward,
            next_obs=self._obs_array(transition.next_obs),
            next_state=self._state_array(transition.next_state),
            discount=discount,
        )
        if transition.done:
            self._episode_start = True
        self.steps += 1
        stats = {"epsilon": self.epsilon}
        ready = len(self.buffer) >= max(int(self.hp["learning_starts"]), 1)
        if ready and self.steps % int(self.hp["train_every"]) == 0:
            stats["loss"] = self.update()
        return stats

    @torch.no_grad()
    def update(self) -> float:
        """One gradient step on the squared TD error of Q_tot (Rashid et al. 2018, eq. 6).

        The gradient lands in ``flat_params.grad``; then the clip and Adam.
        """
        batch = self.buffer.sample(
            int(self.hp["batch_size"]),
            self.rng,
            self._bootstrap_fields if self._bootstrapped else self._reward_fields,
        )
        if self.flat_params.grad is None:  # e.g. after optimizer.zero_grad(set_to_none=True)
            _link(self._params(), self.flat_params)
        loss = self._gradient(batch)
        # clip the gradient norm (one tensor, so one norm; scaling only when it exceeds the clip)
        grad = self.flat_params.grad
        norm, clip = float(grad.norm()), float(self.hp["grad_clip"])
        if norm + 1e-6 > clip:
            grad.mul_(clip / (norm + 1e-6))
        self.optimizer.param_groups[0]["lr"] = self.learning_rate
        self.optimizer.step()
        self.updates += 1
        if self.updates % int(self.hp["target_update_interval"]) == 0:
            self._sync_targets()
        return loss

    def _td_target(
        self, batch: dict[str, torch.Tensor], q_next_online: torch.Tensor | None
    ) -> torch.Tensor:
        """y = r + γ (1 - done) Q_tot^-(s', argmax_a' Q(s', a'))  (DQN target on Q_tot).

        ``q_next_online``: the online network's Q-values at s' for a double-Q target, else None.
        While replay holds only episode ends, y = r (one-step games) and no target network runs.
        """
        if not self._bootstrapped:
            return batch["reward"]
        q_next = self._agent_q(self.target_agent_net, batch["next_obs"])
        if q_next_online is not None:
            best = q_next_online.argmax(dim=2, keepdim=True)
            next_chosen = q_next.gather(2, best).squeeze(2)
        else:
            next_chosen = q_next.max(dim=2).values
        next_tot = self.target_mixer(next_chosen, batch["next_state"])
        return torch.addcmul(batch["reward"], batch["discount"], next_tot)

    def _gradient(self, batch: dict[str, torch.Tensor]) -> float:
        """L = mean (Q_tot - y)^2 (eq. 6), differentiated by autograd into the flat gradient;
        returns L."""
        obs, actions = batch["obs"], batch["actions"].unsqueeze(2)
        double_q = self.hp["double_q"] and self._bootstrapped
        q_next_online = self._agent_q(self.agent_net, batch["next_obs"]) if double_q else None
        target = self._td_target(batch, q_next_online)
        params = self._params()
        with torch.enable_grad():
            chosen = self._agent_q(self.agent_net, obs).gather(2, actions).squeeze(2)
            loss = F.mse_loss(self.mixer(chosen, batch["state"]), target)
            grads = torch.autograd.grad(loss, params)
        torch.cat([g.reshape(-1) for g in grads], out=self.flat_params.grad)
        return float(loss)

    def _sync_targets(self) -> None:
        self.target_agent_net.load_state_dict(self.agent_net.state_dict())
        self.target_mixer.load_state_dict(self.mixer.state_dict())

    # ----- what the team believes ----------------------------------------------------------
    def q_tot_table(
        self, state: np.ndarray | None, obs: Sequence[np.ndarray] | None = None
    ) -> np.ndarray:
        """Q_tot(s, a) for every joint action of the controlled players, shape (k_1, ..., k_n).

        ``obs`` are all players' observations (indexed by player, as in :meth:`act`); when
        omitted, every player is taken to observe the global state itself (as in the two-step
        game), which needs observation width == state width.
        """
        if obs is None:
            if any(self.spec.obs_dims[p] != self.spec.state_dim for p in self.players):
                raise ValueError(
                    f"{self.name}: observations differ from the state in {self.spec.name!r}; "
                    "pass obs= to q_tot_table"
                )
            obs = [state] * self.spec.n_players
        return self._q_tot_table(self._obs_array(obs), self._state_array(state))

    def _q_tot_table(self, obs: np.ndarray, state: np.ndarray) -> np.ndarray:
        joint = np.array(list(itertools.product(*(range(k) for k in self.n_actions))))
        with torch.no_grad():
            q = self._agent_q(self.agent_net, torch.as_tensor(obs, device=self.device)[None])[0]
            chosen = q[torch.arange(self.n_agents), torch.as_tensor(joint, device=self.device)]
            states = torch.as_tensor(state, device=self.device).expand(len(joint), -1)
            q_tot = self.mixer(chosen, states)
        return q_tot.cpu().numpy().astype(np.float64).reshape(tuple(self.n_actions))

    def summary(self) -> dict[str, Any]:
        """Training facts (JSON-serialisable).

        ``q_tot_greedy``: a list with one record per distinct global state in replay (first
        seen first, at most 16): ``{"state": [...], "actions": greedy joint action,
        "q_tot": Q_tot there}``. ``q_tot_first_step``: the full Q_tot table (nested lists over
        joint actions) at the first step of the latest episode. Plus ``epsilon``, ``steps``,
        ``updates``.
        """
        out: dict[str, Any] = {
            "epsilon": self.epsilon,
            "steps": self.steps,
            "updates": self.updates,
            "q_tot_greedy": [],
        }
        if len(self.buffer):
            states = self.buffer.stored("state").cpu().numpy()
            obs = self.buffer.stored("obs").cpu().numpy()
            _, first = np.unique(states, axis=0, return_index=True)
            for k in sorted(first)[:16]:
                table = self._q_tot_table(obs[k], states[k])
                greedy = tuple(int(a) for a in self.q_values_from(obs[k]).argmax(axis=1))
                out["q_tot_greedy"].append(
                    {
                        "state": states[k].tolist(),
                        "actions": list(greedy),
                        "q_tot": float(table[greedy]),
                    }
                )
        if self._start is not None:
            out["q_tot_first_step"] = self._q_tot_table(*self._start).tolist()
        return out

    def q_values_from(self, obs_array: np.ndarray) -> np.ndarray:
        """Q-values from agent-network inputs as made by ``_obs_array``: (n_agents, obs_dim + n)."""
        with torch.no_grad():
            x = torch.as_tensor(obs_array, device=self.device)[None]
            return self._agent_q(self.agent_net, x)[0].cpu().numpy().astype(np.float64)

    # ----- persistence ---------------------------------------------------------------------
    def save_state(self, directory: Path) -> None:
        torch.save(
            {
                "agent_net": self.agent_net.state_dict(),
                "mixer": self.mixer.state_dict(),
                "target_agent_net": self.target_agent_net.state_dict(),
                "target_mixer": self.target_mixer.state_dict(),
                "optimizer": self.optimizer.state_dict(),
                "steps": self.steps,
                "updates": self.updates,
            },
            Path(directory) / MODEL_FILE,
        )

    def load_state(self, directory: Path) -> None:
        saved = torch.load(
            Path(directory) / MODEL_FILE, map_location=self.device, weights_only=True
        )
        self.agent_net.load_state_dict(saved["agent_net"])
        self.mixer.load_state_dict(saved["mixer"])
        self.target_agent_net.load_state_dict(saved["target_agent_net"])
        self.target_mixer.load_state_dict(saved["target_mixer"])
        self.optimizer.load_state_dict(saved["optimizer"])
        self.steps = int(saved["steps"])
        self.updates = int(saved["updates"])


def _flatten(params: list[nn.Parameter]) -> nn.Parameter:
    """Make ``params`` (and their gradients) views into one flat parameter, returned.

    The optimiser and the gradient clip then touch one tensor instead of one per layer, which
    matters for networks this small, where per-tensor overhead dominates an update.
    """
    flat = nn.Parameter(torch.cat([p.detach().reshape(-1) for p in params]))
    _link(params, flat)
    return flat


def _link(params: list[nn.Parameter], flat: nn.Parameter) -> None:
    """Point every parameter's data and gradient at its slice of ``flat`` (values from ``flat``)."""
    if flat.grad is None:
        flat.grad = torch.zeros_like(flat)
    offset = 0
    for p in params:
        count = p.numel()
        p.data = flat.data[offset : offset + count].view_as(p)
        p.grad = flat.grad[offset : offset + count].view_as(p)
        offset += count


def _validate(name: str, hp: dict[str, Any], players: tuple[int, ...], spec: EnvSpec) -> None:
    """Reject hyper-parameters and player sets that cannot work, naming the culprit."""
    if not players or len(set(players)) != len(players):
        raise ValueError(f"{name}: players must be distinct, got {players}")
    if any(not 0 <= p < spec.n_players for p in players):
        raise ValueError(f"{name}: players {players} out of range for {spec.n_players} players")
    positive = ("hidden", "batch_size", "buffer_size", "train_every", "target_update_interval")
    for key in (*positive, "mixing_embed"):
        if key in hp and int(hp[key]) < 1:
            raise ValueError(f"{name}: {key} must be a positive integer, got {hp[key]!r}")
    for key in ("epsilon_start", "epsilon_end", "gamma"):
        if not 0.0 <= float(hp[key]) <= 1.0:
            raise ValueError(f"{name}: {key} must lie in [0, 1], got {hp[key]!r}")
    if int(hp["cpu_threads"]) < 0:
        raise ValueError(f"{name}: cpu_threads must be 0 (torch's default) or positive")
    if float(hp["lr"]) <= 0 or float(hp["lr_end"]) <= 0 or float(hp["grad_clip"]) <= 0:
        raise ValueError(f"{name}: lr, lr_end and grad_clip must be positive")
    if int(hp["lr_anneal_updates"]) < 0:
        raise ValueError(f"{name}: lr_anneal_updates must be >= 0 (0: constant lr)")
