"""QMIX updates per second: our batched implementation vs a straightforward per-agent loop.

The reference is written the way the course notebook writes QMIX: one network per agent and a
Python loop over agents in every forward pass, four separate hypernetwork layers, Adam with
default settings, a soft target update looping over parameters, batches built per agent from
numpy. Ours (agents.deep.qmix.QMIX.update) shares one agent network across agents (agent-id input,
one call for all agents, ids stored with the observations in replay), runs the hypernetworks as one
layer, takes autograd's gradient into one flat tensor, runs torch.optim.Adam(fused=True) on it,
uses hard target copies, and samples replay with one row gather from one packed table.
(A hand-written backward pass was tried and dropped: it earned only 1.22-1.26x over autograd
here on a quiet machine, against the ~1.8x that would have paid for its code.)

Both run the same sizes (batch 32, the two-step game's observation and state width 3, 2 actions,
agent hidden 64, mixing embed 32) on the same transitions, in the same process, interleaved,
with torch.set_num_threads(1) and with torch's default thread count; 2 agents is the two-step
game itself, more agents a two-step-shaped game with only the agent count changed. The best of
several rounds is reported, to damp noise from other processes on a shared machine.

Run: ``.venv/bin/python benchmarks/bench_qmix.py [--seconds 1.0] [--rounds 3] [--agents 2,8]``
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from agents.base import EnvSpec, Transition
from agents.deep.qmix import QMIX
from agents.envs.two_step import TwoStepEnv

BATCH, HIDDEN, EMBED, LR, GAMMA, TAU = 32, 64, 32, 5e-4, 0.99, 0.005


# ----- the per-agent-loop reference ----------------------------------------------------------
class LoopAgentNet(nn.Module):
    def __init__(self, obs_dim: int, n_actions: int) -> None:
        super().__init__()
        self.network = nn.Sequential(
            nn.Linear(obs_dim, HIDDEN), nn.ReLU(),
            nn.Linear(HIDDEN, HIDDEN), nn.ReLU(),
            nn.Linear(HIDDEN, n_actions),
        )

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        return self.network(obs)


class LoopMixer(nn.Module):
    def __init__(self, n_agents: int, state_dim: int) -> None:
        super().__init__()
        self.n_agents = n_agents
        self.hyper_w1 = nn.Linear(state_dim, n_agents * EMBED)
        self.hyper_w2 = nn.Linear(state_dim, EMBED)
        self.hyper_b1 = nn.Linear(state_dim, EMBED)
        self.hyper_b2 = nn.Sequential(nn.Linear(state_dim, EMBED), nn.ReLU(), nn.Linear(EMBED, 1))

    def forward(self, q_vals: torch.Tensor, state: torch.Tensor) -> torch.Tensor:
        batch = q_vals.size(0)
        w1 = torch.abs(self.hyper_w1(state)).view(batch, self.n_agents, -1)
        b1 = self.hyper_b1(state)
        w2 = torch.abs(self.hyper_w2(state)).view(batch, -1, 1)
        b2 = self.hyper_b2(state)
        hidden = F.elu(torch.bmm(q_vals.unsqueeze(1), w1) + b1.unsqueeze(1))
        return (torch.bmm(hidden, w2).squeeze(1) + b2).squeeze(1)


class LoopQMIX:
    """QMIX with one network per agent and Python loops over agents (the notebook's structure)."""

    def __init__(self, n_agents: int, obs_dim: int, n_actions: int, state_dim: int) -> None:
        self.n_agents = n_agents
        self.agents = nn.ModuleList([LoopAgentNet(obs_dim, n_actions) for _ in range(n_agents)])
        self.mixer = LoopMixer(n_agents, state_dim)
        self.target_agents = nn.ModuleList(
            [LoopAgentNet(obs_dim, n_actions) for _ in range(n_agents)]
        )
        self.target_mixer = LoopMixer(n_agents, state_dim)
        for i in range(n_agents):
            self.target_agents[i].load_state_dict(self.agents[i].state_dict())
        self.target_mixer.load_state_dict(self.mixer.state_dict())
        self.optimizer = torch.optim.Adam(
            list(self.agents.parameters()) + list(self.mixer.parameters()), lr=LR
        )

    def update(self, data: dict[str, np.ndarray], rng: np.random.Generator) -> float:
        index = rng.integers(0, len(data["reward"]), size=BATCH)
        obs = [torch.FloatTensor(data["obs"][index, i]) for i in range(self.n_agents)]
        next_obs = [torch.FloatTensor(data["next_obs"][index, i]) for i in range(self.n_agents)]
        actions = [torch.LongTensor(data["actions"][index, i]) for i in range(self.n_agents)]
        reward = torch.FloatTensor(data["reward"][index])
        state = torch.FloatTensor(data["state"][index])
        next_state = torch.FloatTensor(data["next_state"][index])
        done = torch.FloatTensor(data["done"][index])
        chosen = []
        for i in range(self.n_agents):
            q = self.agents[i](obs[i])
            chosen.append(q.gather(1, actions[i].unsqueeze(1)).squeeze(1))
        q_tot = self.mixer(torch.stack(chosen, dim=1), state)
        with torch.no_grad():
            best = [self.target_agents[i](next_obs[i]).max(1)[0] for i in range(self.n_agents)]
            next_tot = self.target_mixer(torch.stack(best, dim=1), next_state)
            target = reward + GAMMA * next_tot * (1 - done)
        loss = F.mse_loss(q_tot, target)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        for i in range(self.n_agents):
            for p, tp in zip(self.agents[i].parameters(), self.target_agents[i].parameters(),
                             strict=True):
                tp.data.copy_(TAU * p.data + (1 - TAU) * tp.data)
        for p, tp in zip(self.mixer.parameters(), self.target_mixer.parameters(), strict=True):
            tp.data.copy_(TAU * p.data + (1 - TAU) * tp.data)
        return loss.item()


# ----- measurement ---------------------------------------------------------------------------
def collect(n_agents: int, steps: int, seed: int) -> list[Transition]:
    """Transitions under uniform random play: the two-step game for 2 agents; for more agents, a
    two-step-shaped game (3-wide one-hot observations and state, 2 actions, reward paid on the
    second step) so that only the number of agents changes."""
    rng, out = np.random.default_rng(seed), []
    if n_agents == 2:
        env = TwoStepEnv()
        while len(out) < steps:
            obs, state = env.reset_tuple()
            done = False
            while not done:
                actions = tuple(int(a) for a in rng.integers(0, 2, size=2))
                next_obs, rewards, done, next_state = env.step_tuple(actions)
                out.append(Transition(obs, state, actions, rewards, next_obs, next_state, done))
                obs, state = next_obs, next_state
        return out
    eye = np.eye(3, dtype=np.float32)
    for k in range(steps):
        where, done = eye[k % 2 * int(rng.integers(1, 3))], bool(k % 2)
        after = np.zeros(3, np.float32) if done else eye[int(rng.integers(1, 3))]
        actions = tuple(int(a) for a in rng.integers(0, 2, size=n_agents))
        reward = float(rng.integers(0, 9)) if done else 0.0
        out.append(Transition((where,) * n_agents, where, actions, (reward,) * n_agents,
                              (after,) * n_agents, after, done))
    return out


def as_arrays(transitions: list[Transition]) -> dict[str, np.ndarray]:
    return {
        "obs": np.array([t.obs for t in transitions], dtype=np.float32),
        "next_obs": np.array([t.next_obs for t in transitions], dtype=np.float32),
        "actions": np.array([t.actions for t in transitions]),
        "reward": np.array([t.rewards[0] for t in transitions], dtype=np.float32),
        "state": np.array([t.state for t in transitions], dtype=np.float32),
        "next_state": np.array([t.next_state for t in transitions], dtype=np.float32),
        "done": np.array([t.done for t in transitions], dtype=np.float32),
    }


def rate(update, seconds: float) -> float:
    """Updates per second over about ``seconds`` of wall-clock time (after a warm-up)."""
    for _ in range(20):
        update()
    count, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        for _ in range(25):
            update()
        count += 25
    return count / elapsed


def contenders(n_agents: int) -> dict[str, object]:
    """Both implementations, loaded with the same 1000 transitions."""
    transitions = collect(n_agents, 1000, seed=0)
    arrays = as_arrays(transitions)
    spec = EnvSpec(n_agents, (2,) * n_agents, (3,) * n_agents, 3, 2, "two-step-like")
    ours = QMIX(spec, range(n_agents), seed=0, batch_size=BATCH, hidden=HIDDEN,
                mixing_embed=EMBED, lr=LR, gamma=GAMMA, buffer_size=len(transitions),
                cpu_threads=0, learning_starts=len(transitions) + 1)
    for t in transitions:
        ours.learn(t)  # fills replay; learning_starts keeps it from updating yet
    torch.manual_seed(0)
    reference = LoopQMIX(n_agents, 3, 2, 3)
    ref_rng = np.random.default_rng(0)
    return {"per-agent loop": lambda: reference.update(arrays, ref_rng),
            "batched (ours)": ours.update}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1.0, help="measuring time per cell")
    parser.add_argument("--rounds", type=int, default=3, help="best of this many rounds")
    parser.add_argument("--agents", default="2,8", help="comma-separated agent counts")
    args = parser.parse_args()

    default_threads = torch.get_num_threads()
    thread_counts = sorted({1, default_threads})
    agent_counts = [int(n) for n in args.agents.split(",")]
    runs = {n: contenders(n) for n in agent_counts}
    best: dict[tuple[int, int, str], float] = {}
    for _ in range(args.rounds):
        for n, updates in runs.items():
            for threads in thread_counts:
                torch.set_num_threads(threads)
                for name, update in updates.items():
                    measured = rate(update, args.seconds)
                    best[n, threads, name] = max(best.get((n, threads, name), 0.0), measured)
    torch.set_num_threads(default_threads)

    print(f"QMIX updates/s, batch {BATCH}, agent hidden {HIDDEN}, mixing embed {EMBED}, "
          f"torch {torch.__version__}, best of {args.rounds} x {args.seconds:.1f} s")
    print(f"{'agents':>6} {'threads':>7} {'per-agent loop':>15} {'batched (ours)':>15} "
          f"{'ours/loop':>10}")
    for n in agent_counts:
        for threads in thread_counts:
            loop, ours = best[n, threads, "per-agent loop"], best[n, threads, "batched (ours)"]
            print(f"{n:>6} {threads:>7} {loop:>15.0f} {ours:>15.0f} {ours / loop:>9.2f}x")


if __name__ == "__main__":
    main()
