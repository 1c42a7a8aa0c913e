"""WoLF-PHC: policy hill-climbing with a "Win or Learn Fast" step size (Bowling & Veloso 2002).

Per controlled player and observed state s (Table 2 of the paper):
1. Q(s,a) ← (1-α) Q(s,a) + α (r + γ max_a' Q(s',a'))   (no bootstrap at the episode end);
2. C(s) += 1;  π̄(s,a) += (π(s,a) - π̄(s,a)) / C(s)      (the average policy);
3. δ = δ_w if Σ_a π(s,a) Q(s,a) > Σ_a π̄(s,a) Q(s,a) ("winning") else δ_l  (δ_l > δ_w);
4. π(s,a) += Δ_sa with Δ_sa = -min(π(s,a), δ/(|A|-1)) for a not greedy, and the greedy action
   gaining what the others lose.
Both steps decay with the visits, δ_t = δ / (1 + C(s)/c), of the t0 / (t + t1) form the paper's
experiments use, so the current policy settles on the mixed equilibrium of Matching Pennies instead of
circling it at the amplitude a constant step sustains. Actions are drawn from π mixed with ε
uniform exploration. Everything but step 3 is plain policy hill-climbing (:mod:`agents.phc`).
"""

from __future__ import annotations

from typing import Any

from agents.phc import PHC


class WoLFPHC(PHC):
    """Policy hill-climbing that learns fast when losing and cautiously when winning."""

    name = "wolf-phc"
    description = "WoLF-PHC (Bowling & Veloso 2002): hill-climbing, fast when losing"
    defaults = {"alpha": 0.1, "gamma": 0.9, "delta_win": 0.005, "delta_lose": 0.02,
                "delta_decay": 300.0, "epsilon": 0.05}

    def read_step_sizes(self) -> None:
        """Read δ_w and δ_l, refusing δ_l <= δ_w (WoLF learns fast when losing)."""
        self.delta_win = float(self.hp["delta_win"])
        self.delta_lose = float(self.hp["delta_lose"])
        if not 0 < self.delta_win < self.delta_lose:
            raise ValueError("wolf-phc: need 0 < delta_win < delta_lose (learn fast when losing)")

    def step_size(self, entry: dict[str, Any]) -> float:
        """δ_w while the current policy beats the average one against Q, else δ_l (step 3)."""
        q, pi, avg = entry["q"], entry["pi"], entry["avg"]
        return self.delta_win if pi @ q > avg @ q else self.delta_lose
