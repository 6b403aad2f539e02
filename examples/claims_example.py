"""Checking your own algorithms against your own theorem cards.

Two learners written against the verifier's protocols (no rlcert code inside them), and one claim
each:

* explore-then-commit on a two-armed Bernoulli bandit, against the bound of Lattimore and
  Szepesvari (2020), Theorem 6.1, stated here as a user's own card;
* optimistic Q-learning with the Hoeffding bonus (Jin, Allen-Zhu, Bubeck and Jordan 2018,
  Algorithm 1, c = 1) on RiverSwim, whose optimism (``Q_k >= Q*`` at every step, the property its
  regret proof rests on) is checked against the catalog card ``regret.qlearning_ucb_h.upper``.

Run every claim of this file::

    rlcert verify --claims examples/claims_example.py --out claims-report

The verifier steps the bandit and the MDP itself, computes the regret from the arms it saw
played, and the optimism margin from the Q tables the learner declared; nothing the learners
report about themselves is used.
"""

import math

import numpy as np
import sympy as sp

from rlcert.proofs_checks import claim
from rlcert.theory import Card, Condition, Reference
from rlcert.theory.symbols import Delta, i, k, m, n


# -- a bandit learner: explore-then-commit ---------------------------------------------------------
class ExploreThenCommit:
    """Play each arm ``m`` times in turn, then the arm with the best empirical mean for good
    (Lattimore and Szepesvari 2020, Algorithm 1; ties to the lowest arm)."""

    def __init__(self, m: int = 20):
        self.m = m

    def params(self) -> dict:
        return {"m": self.m}

    def reset(self, n_arms: int, seed: int) -> None:
        self.k, self.t = n_arms, 0
        self.sums = np.zeros(n_arms)
        self.choice = None

    def select(self) -> int:
        if self.t < self.m * self.k:
            return self.t % self.k
        if self.choice is None:
            self.choice = int(np.argmax(self.sums))
        return self.choice

    def update(self, arm: int, reward: float) -> None:
        self.sums[arm] += reward
        self.t += 1


#: Theorem 6.1: for 1-subgaussian rewards (rewards in [0, 1] are) and 1 <= m <= n / k,
#: R_n <= m sum_i Delta_i + (n - m k) sum_i Delta_i exp(-m Delta_i^2 / 4).
etc_card = Card(
    card_id="user.etc.upper",
    title="Explore-then-commit regret with m explorations per arm (Lattimore-Szepesvari)",
    setting="bandit", kind="upper", quantity="regret",
    expr=m * sp.Sum(Delta[i], (i, 1, k))
    + (n - m * k) * sp.Sum(Delta[i] * sp.exp(-m * Delta[i] ** 2 / 4), (i, 1, k)),
    guarantee="expectation", constants="explicit", rate={"n": (1.0, 0.0)},
    domain=(Condition.interval("n", 1, None, lower_open=False),
            Condition.interval("m", 1, None, lower_open=False),
            Condition.relation(n >= m * k, "n >= m k")),
    reference=Reference("T. Lattimore, C. Szepesvari", 2020, "Bandit Algorithms",
                        "Cambridge University Press", "Theorem 6.1"),
    definitions={"m": "explorations of each arm", "Delta": "gaps of the suboptimal arms"},
    verification="primary: Theorem 6.1 of the book",
    example={"n": 1000, "m": 20, "k": 2, "Delta": [0.5]},
)

etc_claim = claim(
    "example.etc.expected_regret", card=etc_card, subject=ExploreThenCommit(m=20),
    instances=[(0.75, 0.25)], measure="pseudo_regret", checkpoints=[100, 300, 1000],
    card_params={"m": 20}, n_trials=600)


# -- an episodic learner: optimistic Q-learning -----------------------------------------------------
class HoeffdingQLearning:
    """Jin et al. (2018), Algorithm 1: ``Q_h(s, a) <- (1 - alpha_t) Q_h(s, a) + alpha_t (r +
    V_{h+1}(s') + b_t)``, ``alpha_t = (H + 1) / (H + t)``, ``b_t = c sqrt(H^3 iota / t)``,
    ``iota = log(S A T / delta)``, ``V_h = min(H, max_a Q_h)``; Q starts at H."""

    def __init__(self, c: float = 1.0, delta: float = 0.05):
        self.c, self.delta = c, delta

    def params(self) -> dict:
        return {"c": self.c, "delta": self.delta}

    def reset(self, S: int, A: int, H: int, seed: int, *, n_episodes: int) -> None:
        self.H = H
        self.Q = np.full((H, S, A), float(H))
        self.V = np.zeros((H + 1, S))
        self.V[:H] = H
        self.N = np.zeros((H, S, A), dtype=np.int64)
        self.iota = math.log(S * A * n_episodes * H / self.delta)

    def start_episode(self) -> np.ndarray:
        return np.argmax(self.Q, axis=2)  # the greedy policy, (H, S) actions

    def q_values(self) -> np.ndarray:
        return self.Q.copy()

    def observe(self, h: int, s: int, a: int, r: float, s_next: int) -> None:
        self.N[h, s, a] += 1
        t = self.N[h, s, a]
        alpha = (self.H + 1) / (self.H + t)
        bonus = self.c * math.sqrt(self.H ** 3 * self.iota / t)
        self.Q[h, s, a] = (1 - alpha) * self.Q[h, s, a] + alpha * (r + self.V[h + 1, s_next]
                                                                  + bonus)
        self.V[h, s] = min(self.H, self.Q[h, s].max())


optimism_claim = claim(
    "example.qlearning.optimism", card="regret.qlearning_ucb_h.upper",
    subject=HoeffdingQLearning(c=1.0), instances=("riverswim", {"n": 4}), horizon=5,
    measure="optimism_margin", checkpoints=[100, 200], guarantee="high_probability",
    n_trials=60)
