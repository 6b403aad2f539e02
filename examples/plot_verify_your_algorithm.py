r"""
Verify your own algorithm against your own theorem
==================================================

The verifier holds any subject to any card: rlcert's learners or yours, the catalog's theorems or
one you state. Here a user writes explore-then-commit against the verifier's *bandit protocol*
(``reset``, ``select``, ``update``: no rlcert code inside), states Lattimore and Szepesvári's
(2020) Theorem 6.1 as a card,

.. math:: \mathbb E[R_n] \le m \sum_{i=1}^{k} \Delta_i
          + (n - mk) \sum_{i=1}^{k} \Delta_i \exp\!\big(-m \Delta_i^2 / 4\big),

and asks the verifier whether the learner's measured regret respects it. The verifier steps the
bandit itself and computes the pseudo-regret from the arms it saw played; nothing the learner
reports about itself is used. The same file, with more claims, runs from the command line:
``rlcert verify --claims examples/claims_example.py``.
"""

import matplotlib.pyplot as plt
import numpy as np
import sympy as sp

from rlcert.proofs_checks import claim, verify
from rlcert.theory import Card, Condition, Reference
from rlcert.theory.symbols import Delta, i, k, m, n


# %%
# The algorithm, written against the bandit protocol
# --------------------------------------------------
class ExploreThenCommit:
    """Play each arm ``m`` times in turn, then the empirically best arm for good."""

    def __init__(self, m: int):
        self.m = m

    def params(self) -> dict:          # shown in the report's subject name
        return {"m": self.m}

    def reset(self, n_arms: int, seed) -> None:
        self.k, self.t, self.sums = n_arms, 0, np.zeros(n_arms)

    def select(self) -> int:
        if self.t < self.m * self.k:
            return self.t % self.k
        return int(np.argmax(self.sums))

    def update(self, arm: int, reward: float) -> None:
        self.sums[arm] += reward
        self.t += 1


# %%
# The theorem, as a card
# ----------------------
# A sympy expression in the catalog's named symbols, its guarantee (in expectation), its domain,
# its rate in ``n`` and its reference. ``Delta`` is a vector symbol: one gap per arm.
def etc_card(scale: float = 1.0, card_id: str = "user.etc.upper") -> Card:
    return Card(
        card_id=card_id, title="Explore-then-commit (Lattimore-Szepesvari Thm 6.1)",
        setting="bandit", kind="upper", quantity="regret",
        expr=scale * (m * sp.Sum(Delta[i], (i, 1, k))
                      + (n - m * k) * sp.Sum(Delta[i] * sp.exp(-m * Delta[i] ** 2 / 4),
                                             (i, 1, k))),
        guarantee="expectation", constants="explicit", rate={"n": (1.0, 0.0)},
        domain=(Condition.relation(n >= m * k, "n >= m k"),),
        reference=Reference("T. Lattimore, C. Szepesvari", 2020, "Bandit Algorithms",
                            "Cambridge University Press", "Theorem 6.1"),
        verification="primary: Theorem 6.1",
        example={"n": 1000, "m": 20, "k": 2, "Delta": [0.5]})


# %%
# The claim, and the verdict
# --------------------------
# Two Bernoulli arms (means 0.75 and 0.25), ``m = 20`` explorations per arm, the regret measured
# at five checkpoints over 300 trials; the expectation rule compares one-sided
# empirical-Bernstein bounds on the mean regret with the card at every checkpoint (Bonferroni
# over the cells).
checkpoints = [100, 200, 500, 1000, 2000]


def etc_claim(card: Card):
    return claim("mine.etc", card=card, subject=ExploreThenCommit(m=20),
                 instances=[(0.75, 0.25)], measure="pseudo_regret", checkpoints=checkpoints,
                 card_params={"m": 20}, n_trials=300)


report = verify(etc_claim(etc_card()), backend="serial")
print(report.status, "-", report.details)

# %%
# A card that claims too much fails: the same bound divided by 10 is ``violated``, the verdict
# named with the cells where the measured mean is provably above it.
too_strong = verify(etc_claim(etc_card(0.1, "user.etc.upper_div10")), backend="serial")
print(too_strong.status, "-", too_strong.details)
assert str(report.status) == "holds" and str(too_strong.status) == "violated"

# %%
# The measured regret against both cards
# --------------------------------------
# The report carries the per-trial curves the verdict was computed from, and the bound.
plot = report.plots[0]
curves = np.asarray(plot.curves, dtype=float)
mean = curves.mean(axis=0)
low, high = np.quantile(curves, [0.05, 0.95], axis=0)
fig, ax = plt.subplots(figsize=(7, 4.5))
ax.fill_between(plot.x, low, high, alpha=0.3, label="5-95% of 300 trials")
ax.plot(plot.x, mean, "o-", label="mean pseudo-regret (measured by the verifier)")
ax.plot(plot.x, plot.bound, "k--", label=f"Theorem 6.1: {report.status}")
ax.plot(plot.x, np.asarray(plot.bound) / 10, "r:", label=f"Theorem 6.1 / 10: {too_strong.status}")
ax.set_xscale("log")
ax.set_yscale("log")
ax.set_xlabel("steps n")
ax.set_ylabel("regret")
ax.set_title("Explore-then-commit (m = 20) on Bernoulli(0.75, 0.25)")
ax.legend(fontsize=8)
fig.tight_layout()
plt.show()
