"""Tabular IQL speed: the course notebook's loop vs vectorised IQL, plus the per-step Runner.

Reference: the notebook's straightforward loop (one agent object per player, ``np.random`` for
ε-greedy, a Python loop per round), re-implemented here as it is written there. Ours:
:class:`agents.vectorised.VectorisedIQL` over many parallel runs (one array operation per round
for every run and player), and the per-step :class:`agents.runner.Runner` with two IQL agents
(what ``train`` runs, with the per-episode log and divergence checks), on its lean path (the
agents' lean forms, :mod:`agents.lean`) and on its plain path (``Agent.act``/``Agent.learn`` per
round; the two log the same rows), without history (100-round episodes) and as ``train`` runs by
default (history 1: stateful IQL, 10-round episodes). All on the notebook's Prisoner's Dilemma,
lr 0.1, ε 0.1.
Throughput is joint steps (one round of one run) per second, best of ``--repeat``; the targets
are ratios to the notebook's loop measured in the same run.

    .venv/bin/python benchmarks/bench_agents_tabular.py [--rounds 20000] [--runs 1000]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from agents.envs.repeated import RepeatedGameEnv
from agents.runner import Runner, make_agents
from agents.vectorised import VectorisedIQL
from games import Game

NOTEBOOK_PD = np.array([[[3, 3], [0, 5]], [[5, 0], [1, 1]]])  # payoff_matrix[a1, a2] = (r1, r2)


class NotebookIQL:
    """The notebook's IndependentQLearning agent, as written there (the reference)."""

    def __init__(self, num_actions, learning_rate=0.1, epsilon=0.1):
        self.num_actions = num_actions
        self.lr = learning_rate
        self.epsilon = epsilon
        self.Q = np.zeros(num_actions)
        self.action_counts = np.zeros(num_actions)

    def get_action(self):
        if np.random.random() < self.epsilon:
            return np.random.randint(self.num_actions)
        return np.argmax(self.Q)

    def update(self, action, reward):
        self.action_counts[action] += 1
        self.Q[action] += self.lr * (reward - self.Q[action])


def notebook_loop(rounds: int) -> tuple[float, float]:
    """The notebook's experiment loop (without tqdm and its per-round dict log): steps/s, defect %."""
    np.random.seed(0)
    agents = [NotebookIQL(2), NotebookIQL(2)]
    defects = 0
    start = time.perf_counter()
    for _ in range(rounds):
        actions = [agent.get_action() for agent in agents]
        rewards = NOTEBOOK_PD[actions[0], actions[1]]
        for i, agent in enumerate(agents):
            agent.update(actions[i], rewards[i])
        defects += actions[0]
    return rounds / (time.perf_counter() - start), defects / rounds


def vectorised(rounds: int, runs: int) -> tuple[float, float]:
    game = Game(np.moveaxis(NOTEBOOK_PD, -1, 0).astype(float), name="PD")
    vec = VectorisedIQL(game, runs=runs, lr=0.1, epsilon=0.1, seed=0)
    start = time.perf_counter()
    result = vec.run(rounds)
    elapsed = time.perf_counter() - start
    return rounds * runs / elapsed, float(result.actions[:, 0].mean())


def runner(
    rounds: int, lean: bool = True, history: int = 0, episode: int = 100
) -> tuple[float, float]:
    """The Runner over ``rounds`` rounds in episodes of ``episode`` rounds: steps/s, defect %."""
    game = Game(np.moveaxis(NOTEBOOK_PD, -1, 0).astype(float), name="PD")
    env = RepeatedGameEnv(game, history=history, rounds=episode)
    loop = Runner(env, make_agents(env.spec, "iql", seed=0, hp={"lr": 0.1, "epsilon": 0.1}),
                  seed=0, lean=lean)
    start = time.perf_counter()
    log = loop.run(max(rounds // episode, 1))
    elapsed = time.perf_counter() - start
    return loop.rounds / elapsed, float(log["prob_0_1"].mean())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20_000, help="rounds per run")
    parser.add_argument("--runs", type=int, default=1_000, help="parallel runs (vectorised)")
    parser.add_argument("--repeat", type=int, default=3, help="best of this many timings")
    args = parser.parse_args()

    timed = {
        "notebook": lambda: notebook_loop(args.rounds),
        "vectorised": lambda: vectorised(args.rounds, args.runs),
        "lean": lambda: runner(args.rounds),
        "plain": lambda: runner(args.rounds, lean=False),
        "train": lambda: runner(args.rounds, history=1, episode=10),
        "train plain": lambda: runner(args.rounds, lean=False, history=1, episode=10),
    }
    results: dict[str, list[tuple[float, float]]] = {name: [] for name in timed}
    for _ in range(args.repeat):  # in turn, so that a burst of load on the machine hits them all
        for name, fn in timed.items():
            results[name].append(fn())
    best = {name: max(results[name], key=lambda r: r[0]) for name in timed}
    reference, fast, stepwise, train = (best[name][0] for name in
                                        ("notebook", "vectorised", "lean", "train"))
    print(f"IQL on the Prisoner's Dilemma, {args.rounds:,} rounds (best of {args.repeat})")
    print(f"{'implementation':<52}{'joint steps/s':>16}{'vs notebook':>13}{'defect %':>10}")
    labels = {
        "notebook": "notebook loop (reference)",
        "vectorised": f"vectorised IQL, {args.runs:,} parallel runs",
        "lean": "Runner, 2 IQL agents (lean path, logged)",
        "plain": "Runner, 2 IQL agents (plain path, logged)",
        "train": "Runner, history 1, 10-round episodes (lean path)",
        "train plain": "Runner, history 1, 10-round episodes (plain path)",
    }
    for name, label in labels.items():
        speed, defect = best[name]
        print(f"{label:<52}{speed:>16,.0f}{speed / reference:>12.2f}x{100 * defect:>9.1f}")
    for name, ratio, target in [("vectorised", fast / reference, 20.0),
                                ("Runner (lean path)", stepwise / reference, 1.0),
                                ("Runner at history 1 (train)", train / reference, 1.0)]:
        verdict = "OK" if ratio >= target else "MISSED"
        print(f"{name} / notebook = {ratio:.2f}x (target >= {target:g}x): {verdict}")


if __name__ == "__main__":
    main()
