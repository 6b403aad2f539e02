r"""
UCB1's regret against its theorem
=================================

Auer, Cesa-Bianchi and Fischer (2002), Theorem 1: for rewards in ``[0, 1]`` and every ``n``,

.. math:: \mathbb E[R_n] \le 8 \sum_{i:\, \mu_i < \mu^*} \frac{\ln n}{\Delta_i}
          + \Big(1 + \frac{\pi^2}{3}\Big) \sum_j \Delta_j ,

the card ``bandit.ucb1.upper`` (explicit constants). We run rlcert's :class:`UCB1
<rlcert.estimators.bandits.UCB1>` (one compiled numba loop per trial) 200 times on a
three-armed Bernoulli bandit, measure the pseudo-regret ``sum_t (mu* - mu_{A_t})`` exactly from
the arms played, and draw its mean and spread next to the bound evaluated at the instance's gaps.
"""

import matplotlib.pyplot as plt
import numpy as np

from rlcert.bounds import evaluate
from rlcert.estimators.bandits import UCB1, BernoulliBandit, run_trials

bandit = BernoulliBandit([0.9, 0.8, 0.5])
print("gaps:", bandit.gaps, " Lai-Robbins constant:", round(bandit.lai_robbins_constant, 2))

# %%
# 200 trials of 10^5 steps, trial ``i`` seeded by ``SeedSequence(0).spawn(200)[i]``; the
# pseudo-regret is recorded at 30 log-spaced checkpoints.
checkpoints = np.unique(np.logspace(1, 5, 30).astype(int))
trials = run_trials(UCB1(), bandit, n_steps=10**5, n_trials=200, seed=0,
                    checkpoints=checkpoints)
regret = trials.cumulative_regret            # (trials, checkpoints)
mean = regret.mean(axis=0)
low, high = np.quantile(regret, [0.05, 0.95], axis=0)

# %%
# The bound at the same ``n``, with the gaps the instance supplies (``card_params``).
bound = np.asarray(evaluate("bandit.ucb1.upper", n=checkpoints,
                            **bandit.card_params("bandit.ucb1.upper")), dtype=float)
print(f"n = 1e5: mean regret {mean[-1]:.1f}, bound {bound[-1]:.1f}")
print(f"largest mean/bound over the checkpoints: {(mean / bound).max():.3f}")

# %%
# The bound holds with room to spare (mean/bound at most about 0.2 here; ``rlcert verify --only
# bandits.ucb1.expected_regret`` turns this into a verdict with confidence bounds on the mean).
# Both grow like ``ln n`` once every arm has been sampled enough.
fig, ax = plt.subplots(figsize=(7, 4.5))
ax.fill_between(checkpoints, low, high, alpha=0.3, label="5-95% of 200 trials")
ax.plot(checkpoints, mean, label="mean pseudo-regret (measured)")
ax.plot(checkpoints, bound, "k--", label="bandit.ucb1.upper (Theorem 1)")
ax.set_xscale("log")
ax.set_yscale("log")
ax.set_xlabel("steps n")
ax.set_ylabel("regret")
ax.set_title(r"UCB1 on Bernoulli$(0.9, 0.8, 0.5)$")
ax.legend()
fig.tight_layout()
plt.show()
