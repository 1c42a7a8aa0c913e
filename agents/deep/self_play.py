"""Self-play against a pool of one's own past snapshots, for two-player games (imports torch).

One agent controls both seats. A learner — a small torch Q-network trained by ε-greedy Q-learning
from replay — sits in one seat; the other seat is played by a frozen snapshot of the learner,
taken every ``snapshot_every`` learning steps. Each snapshot plays a Boltzmann policy
softmax(Q / temperature) — a smooth best response (Fudenberg & Kreps 1993), within
temperature * ln(k) of a best response — to the opponents the learner faced before it; smooth best
responses keep estimation noise in Q from flipping the policy and make the average converge
faster (temperature 0 plays greedily: classical fictitious play). The temperature is in payoff
units and bounds how far from equilibrium the average can settle, O(temperature * ln k).

The opponent seat is always played by the latest snapshot; the two modes differ in which past
the learner best-responds to, i.e. in its memory:

- ``mode="fictitious"``: fictitious self-play (Brown 1951; Heinrich, Lanctot & Silver 2015). The
  learner's replay is a reservoir: a uniform sample of *all* its past play, hence of play against
  every snapshot in the pool, each weighted by the steps it was in play (equal for all). Every
  minibatch therefore faces opponents drawn uniformly from the pool, and the learner's Q-values
  estimate payoffs against the *average* of past policies: its greedy policy is a best response
  to the average strategy, as fictitious play requires. The average of the snapshots is the
  agent's output; in two-player zero-sum games it converges to a Nash equilibrium. (Drawing the
  opponent from the pool at play time and learning from a recent window instead would make the
  learner respond to a lagged average, which slows fictitious play badly.)
- ``mode="naive"``: the replay holds only the play since the latest snapshot, so the learner
  best-responds to the latest snapshot only. That cycles in games like rock-paper-scissors (R -> P -> S -> R ...)
  and never settles.

Seats: in a symmetric game with stateless observations both seats share one policy (the learner
sits in seat 0, the opponent mirrors it in seat 1). Otherwise the network also reads a seat
one-hot and the learner alternates seats every episode, so one agent learns both sides of a
zero-sum game. Games that are neither symmetric nor zero-sum are refused: self-play has no
equilibrium guarantee there.

The pool is held as one tensor of flattened parameters (snapshot x parameter), so the average
strategy over hundreds of snapshots is a single batched forward pass (``torch.baddbmm``), with no
Python loop over snapshots.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from agents.base import Agent, Decision, EnvSpec, Transition
from agents.deep.per_player import invalid_actions, sample_actions
from agents.deep.replay import ReplayBuffer
from agents.deep.torch_support import mlp, resolve_device

MODEL_FILE = "model.pt"
MODES = ("fictitious", "naive")


class SelfPlay(Agent):
    """Fictitious (or naive) self-play with a torch Q-learner; controls both seats."""

    name = "self-play"
    description = (
        "Self-play vs a pool of past snapshots: fictitious (Heinrich et al. 2015) or naive"
    )
    team: ClassVar[bool] = True
    defaults: ClassVar[dict[str, Any]] = {
        "mode": "fictitious",  # "fictitious": opponent drawn from the pool; "naive": latest only
        "hidden": 32,  # width of the Q-network's hidden layer
        # Adam step size: large, so Q keeps up with the moving average it estimates (tracking lag,
        # not jitter, is what keeps the average strategy from equilibrium)
        "lr": 0.03,
        "gamma": 0.0,  # discount (0: best response to the stage game, the repeated-game default)
        # learn every action's value from the stage game's payoffs against the opponent's
        # realised action (as Hedge does); "auto": when there is a stage game and gamma is 0
        "full_information": "auto",
        "batch_size": 1024,  # transitions per update (large: Q must track a slowly moving mean)
        "buffer_size": 5000,  # fictitious: reservoir over all history; naive: at most this many,
        # and only the play since the latest snapshot (min(buffer_size, snapshot_every))
        "epsilon": 0.5,  # the learner's ε-greedy exploration (snapshots do not explore)
        "temperature": 0.1,  # snapshots play softmax(Q / temperature); 0: greedy
        "snapshot_every": 5,  # learning steps between snapshots
        "pool_size": 2000,  # snapshots kept (oldest dropped beyond this)
        "device": "auto",  # "auto" (CUDA when present), "cpu", "cuda", ...
        "cpu_threads": 1,  # torch CPU threads, set process-wide on the CPU (0: torch's default)
    }

    def __init__(
        self,
        spec: EnvSpec,
        players: Sequence[int] = (0, 1),
        seed: int | None = None,
        **hyperparameters: Any,
    ) -> None:
        super().__init__(spec, players, seed, **hyperparameters)
        self._validate()
        self.device = resolve_device(self.hp["device"])
        if self.device.type == "cpu" and int(self.hp["cpu_threads"]) > 0:
            torch.set_num_threads(int(self.hp["cpu_threads"]))
        game = spec.game
        self.mirrored = bool(
            game is not None and game.is_symmetric and max(spec.obs_dims) == 0
        )
        self.full_information = (
            game is not None and float(self.hp["gamma"]) == 0.0
            if self.hp["full_information"] == "auto" else bool(self.hp["full_information"])
        )
        if self.full_information and (game is None or float(self.hp["gamma"]) != 0.0):
            raise ValueError("self-play: full_information needs a stage game and gamma = 0")
        self.n_actions = np.array(spec.n_actions[:2])
        self.max_actions = int(self.n_actions.max())
        self.obs_dim = max(spec.obs_dims[:2])
        self.in_dim = self.obs_dim + 2  # observation, then the seat one-hot (zeros if mirrored)
        invalid = invalid_actions(self.n_actions, self.max_actions)
        self._invalid = torch.as_tensor(invalid, device=self.device)  # (seat, action)

        init_seed = int(self.rng.integers(2**62)) if seed is None else seed
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(init_seed)
            self.q_net = mlp([self.in_dim, int(self.hp["hidden"]), self.max_actions])
        self.q_net.to(self.device)
        self.optimizer = torch.optim.Adam(
            self.q_net.parameters(), lr=float(self.hp["lr"]), fused=True
        )
        self._layers = [(m.out_features, m.in_features) for m in self.q_net
                        if isinstance(m, nn.Linear)]
        n_params = sum(p.numel() for p in self.q_net.parameters())
        self.pool = torch.zeros((int(self.hp["pool_size"]), n_params), device=self.device)
        self.pool_count = 0  # snapshots taken in all
        fictitious = self.hp["mode"] == "fictitious"
        window = min(int(self.hp["buffer_size"]), int(self.hp["snapshot_every"]))
        self.buffer = ReplayBuffer(
            int(self.hp["buffer_size"]) if fictitious else window,
            {
                "x": ((self.in_dim,), torch.float32),
                "action": ((), torch.int64),
                "reward": ((), torch.float32),
                "payoffs": ((self.max_actions,), torch.float32),
                "next_x": ((self.in_dim,), torch.float32),
                "seat": ((), torch.int64),
                "done": ((), torch.float32),
            },
            self.device,
            reservoir=fictitious,
        )
        self.steps = 0
        self.episodes = 0
        self._policy_cache: tuple[tuple, tuple[np.ndarray, np.ndarray]] | None = None
        # the opponent snapshot's mixed strategy in the step being played (set by act)
        self._opponent_policy: np.ndarray | None = None
        self._last_obs: tuple[np.ndarray, np.ndarray] = (
            np.zeros(spec.obs_dims[0], np.float32), np.zeros(spec.obs_dims[1], np.float32)
        )
        self.snapshot()  # the pool starts with the initial policy

    def _validate(self) -> None:
        spec, hp = self.spec, self.hp
        if spec.n_players != 2 or tuple(self.players) != (0, 1):
            raise ValueError(
                f"self-play controls both seats of a two-player game (players (0, 1)); got "
                f"{spec.n_players} players and players={self.players}"
            )
        if spec.game is not None and not (spec.game.is_symmetric or spec.game.is_zero_sum):
            raise ValueError(
                f"self-play needs a symmetric or zero-sum game; {spec.game.name!r} is neither"
            )
        if hp["mode"] not in MODES:
            raise ValueError(f"self-play: mode must be one of {MODES}, got {hp['mode']!r}")
        for key in ("hidden", "batch_size", "buffer_size", "snapshot_every", "pool_size"):
            if int(hp[key]) < 1:
                raise ValueError(f"self-play: {key} must be a positive integer, got {hp[key]!r}")
        if float(hp["temperature"]) < 0:
            raise ValueError(f"self-play: temperature must be >= 0, got {hp['temperature']!r}")
        for key in ("epsilon", "gamma"):
            if not 0.0 <= float(hp[key]) <= 1.0:
                raise ValueError(f"self-play: {key} must lie in [0, 1], got {hp[key]!r}")
        if float(hp["lr"]) <= 0 or int(hp["cpu_threads"]) < 0:
            raise ValueError("self-play: lr must be positive and cpu_threads >= 0")

    # ----- inputs and the pool ----------------------------------------------------------------
    def _input(self, obs: np.ndarray, seat: int) -> np.ndarray:
        x = np.zeros(self.in_dim, dtype=np.float32)
        o = np.asarray(obs, dtype=np.float32).reshape(-1)
        x[: o.size] = o
        if not self.mirrored:
            x[self.obs_dim + seat] = 1.0
        return x

    def snapshot(self) -> None:
        """Freeze the learner's current parameters into the pool (a ring of ``pool_size``)."""
        flat = nn.utils.parameters_to_vector(self.q_net.parameters()).detach()
        self.pool[self.pool_count % self.pool.shape[0]] = flat
        self.pool_count += 1

    @property
    def pool_len(self) -> int:
        return min(self.pool_count, self.pool.shape[0])

    def _pool_q(self, slots: torch.Tensor | slice, x: np.ndarray, seat: int) -> torch.Tensor:
        """Q-values of the chosen snapshots at one input: (snapshots, actions), invalid -inf."""
        flat = self.pool[slots]
        count = flat.shape[0]
        h = torch.as_tensor(x, device=self.device).expand(count, 1, -1)
        offset = 0
        for k, (out, inp) in enumerate(self._layers):
            weight = flat[:, offset : offset + out * inp].view(count, out, inp)
            offset += out * inp
            bias = flat[:, offset : offset + out].view(count, 1, out)
            offset += out
            h = torch.baddbmm(bias, h, weight.transpose(1, 2))
            if k < len(self._layers) - 1:
                h = F.relu(h)
        return h[:, 0, :].masked_fill(self._invalid[seat], float("-inf"))

    def snapshot_policies(self, obs: np.ndarray, seat: int = 0) -> np.ndarray:
        """Each pooled snapshot's policy at ``obs`` in ``seat``, oldest first: (P, k)."""
        order = torch.arange(self.pool_count - self.pool_len, self.pool_count) % self.pool.shape[0]
        with torch.no_grad():
            q = self._pool_q(order.to(self.device), self._input(obs, seat), seat)
        k = int(self.n_actions[seat])
        tau = float(self.hp["temperature"])
        if tau == 0:
            return np.eye(k)[q.argmax(dim=1).cpu().numpy()]
        # Boltzmann (smooth) best response: an ε-best response with ε <= τ ln k
        return torch.softmax(q / tau, dim=1)[:, :k].double().cpu().numpy()

    def _seat_policies(self, obs: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        """Every pooled snapshot's greedy policy in both seats, cached until the pool or the
        observation changes (in a stateless game: recomputed once per snapshot)."""
        key = (self.pool_count, *(np.asarray(o, np.float32).tobytes() for o in obs[:2]))
        if self._policy_cache is None or self._policy_cache[0] != key:
            self._policy_cache = (key, tuple(self.snapshot_policies(obs[s], s) for s in (0, 1)))
        return self._policy_cache[1]

    def _strategies(self, obs: Sequence[np.ndarray]) -> tuple[tuple[np.ndarray, ...], ...]:
        """(average over the pool, latest snapshot) strategies of both seats at ``obs``."""
        policies = self._seat_policies(obs)
        return tuple(p.mean(axis=0) for p in policies), tuple(p[-1] for p in policies)

    def average_policy(self) -> tuple[np.ndarray, ...]:
        """The pool's average strategy for both seats at the latest observation (runner hook)."""
        return self._strategies(self._last_obs)[0]

    def _learner_q(self, obs: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        """The learner's Q-values in both seats (one batched call)."""
        x = np.stack([self._input(obs[s], s) for s in (0, 1)])
        with torch.no_grad():
            q = self.q_net(torch.as_tensor(x, device=self.device)).cpu().numpy()
        return tuple(q[s, : self.n_actions[s]].astype(np.float64) for s in (0, 1))

    # ----- acting -----------------------------------------------------------------------------
    @property
    def learner_seat(self) -> int:
        return 0 if self.mirrored else self.episodes % 2

    def act(self, obs: Sequence[np.ndarray], state: np.ndarray, explore: bool = True) -> Decision:
        self._last_obs = (np.asarray(obs[0]), np.asarray(obs[1]))
        average, latest = self._strategies(obs)
        shown = average if self.hp["mode"] == "fictitious" else latest
        q_values = self._learner_q(obs)
        if not explore:
            actions = tuple(_sample(self.rng, shown[s]) for s in (0, 1))
            return Decision(actions, shown, q_values)
        seat, other = self.learner_seat, 1 - self.learner_seat
        coin, uniform = self.rng.random(), int(self.rng.integers(self.n_actions[seat]))
        learner = uniform if coin < float(self.hp["epsilon"]) else int(np.argmax(q_values[seat]))
        opponent = _sample(self.rng, latest[other])
        self._opponent_policy = latest[other]
        actions = [0, 0]
        actions[seat], actions[other] = learner, opponent
        return Decision(tuple(actions), shown, q_values)

    # ----- learning ---------------------------------------------------------------------------
    def learn(self, transition: Transition) -> dict[str, float]:
        seat = self.learner_seat
        payoffs = np.zeros(self.max_actions, dtype=np.float32)
        if self.full_information:
            # the learner's expected payoff for each of its actions against the mixed strategy
            # the opponent snapshot played (its realised action when act did not record one):
            # an unbiased, lower-variance target than the payoff of the realised action
            other = 1 - seat
            opponent = self._opponent_policy
            if opponent is None:
                opponent = np.eye(self.n_actions[other])[transition.actions[other]]
            table = self.spec.game.payoffs[seat]  # (k_0, k_1), indexed (seat 0, seat 1)
            values = table @ opponent if seat == 0 else opponent @ table
            payoffs[: self.n_actions[seat]] = values
        self._opponent_policy = None
        self.buffer.add(
            self.rng,
            x=self._input(transition.obs[seat], seat),
            action=int(transition.actions[seat]),
            reward=float(transition.rewards[seat]),
            payoffs=payoffs,
            next_x=self._input(transition.next_obs[seat], seat),
            seat=seat,
            done=float(transition.done),
        )
        loss = self.update()
        self.steps += 1
        if self.steps % int(self.hp["snapshot_every"]) == 0:
            self.snapshot()
        if transition.done:
            self.episodes += 1
        return {"loss": loss}

    def update(self) -> float:
        """One Q-learning step: y = r + γ (1 - done) max_a' Q(x', a') (Watkins 1989), on replay.

        With full information every action's value is regressed on its stage-game payoff against
        the opponent's realised action (one-step values, γ = 0)."""
        batch = self.buffer.sample(int(self.hp["batch_size"]), self.rng)
        invalid = self._invalid[batch["seat"]]
        if self.full_information:
            error = (self.q_net(batch["x"]) - batch["payoffs"]).masked_fill(invalid, 0.0)
            return self._step(torch.mean(error**2))
        q = self.q_net(batch["x"]).gather(1, batch["action"].unsqueeze(1)).squeeze(1)
        with torch.no_grad():
            target = batch["reward"]
            if float(self.hp["gamma"]) > 0:
                best = self.q_net(batch["next_x"]).masked_fill(invalid, float("-inf")).max(1)
                target = target + float(self.hp["gamma"]) * (1 - batch["done"]) * best.values
        return self._step(torch.mean((q - target) ** 2))

    def _step(self, loss: torch.Tensor) -> float:
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        return float(loss.detach())

    # ----- reporting and persistence ----------------------------------------------------------
    def summary(self) -> dict[str, Any]:
        """Mode, pool size, and both seats' average and latest strategies at the latest
        observation, with their NashConv in the stage game when there is one."""
        average, latest = self._strategies(self._last_obs)
        out: dict[str, Any] = {
            "mode": self.hp["mode"],
            "snapshots": self.pool_count,
            "steps": self.steps,
            "average_strategy": [s.tolist() for s in average],
            "latest_strategy": [s.tolist() for s in latest],
        }
        if self.spec.game is not None:
            from games.equilibria import nash_conv

            out["exploitability_average"] = nash_conv(self.spec.game, average)
            out["exploitability_latest"] = nash_conv(self.spec.game, latest)
        return out

    def save_state(self, directory: Path) -> None:
        torch.save(
            {
                "q_net": self.q_net.state_dict(),
                "optimizer": self.optimizer.state_dict(),
                "pool": self.pool[: self.pool_len].clone(),
                "pool_count": self.pool_count,
                "steps": self.steps,
                "episodes": self.episodes,
            },
            Path(directory) / MODEL_FILE,
        )

    def load_state(self, directory: Path) -> None:
        saved = torch.load(Path(directory) / MODEL_FILE, map_location=self.device, weights_only=True)
        self.q_net.load_state_dict(saved["q_net"])
        self.optimizer.load_state_dict(saved["optimizer"])
        pool = saved["pool"]
        if pool.shape[1] != self.pool.shape[1] or pool.shape[0] > self.pool.shape[0]:
            raise ValueError(f"saved self-play pool {tuple(pool.shape)} does not fit this agent")
        self.pool.zero_()
        self.pool[: pool.shape[0]] = pool
        self.pool_count = int(saved["pool_count"])
        self.steps = int(saved["steps"])
        self.episodes = int(saved["episodes"])


def _sample(rng: np.random.Generator, probs: np.ndarray) -> int:
    """Draw an action from one distribution with one uniform number."""
    return int(sample_actions(probs[None, :], rng, [len(probs)])[0])
