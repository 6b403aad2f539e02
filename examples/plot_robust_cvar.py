r"""
Robust and risk-averse values against the risk-neutral optimum
==============================================================

Two ways of asking for more than the expected return, both solved exactly.

**Robust MDPs** (:mod:`rlcert.mdp.robust`): nature picks, for every state-action pair, the worst
transition law within a KL ball of radius ``r`` around the nominal one,

.. math:: V^*_{\mathrm{rob}}(s) = \max_a \Big[ r(s, a) + \gamma
          \min_{p:\ \mathrm{KL}(p \,\|\, P(\cdot|s,a)) \le r} p \cdot V^*_{\mathrm{rob}} \Big],

(Iyengar 2005; Nilim and El Ghaoui 2005), a ``gamma``-contraction, so
:func:`~rlcert.mdp.robust.solve_robust` returns a certificate as :func:`~rlcert.mdp.solve` does.

**CVaR** (:mod:`rlcert.mdp.risk`): the expected return over the worst ``tau`` fraction of
outcomes, ``CVaR_tau(G) = sup_b {b - E[(b - G)^+] / tau}`` (Rockafellar and Uryasev), maximised
over history-dependent policies by the augmented-state program of Bauerle and Ott (2011),
exactly on a reward lattice (:func:`~rlcert.mdp.risk.solve_cvar`).
"""

import matplotlib.pyplot as plt
import numpy as np

from rlcert.mdp import FiniteHorizonMDP, evaluate_policy, instances, solve
from rlcert.mdp.risk import chow_cvar, return_distribution, solve_cvar
from rlcert.mdp.robust import KLBall, evaluate_policy_robust, solve_robust

# %%
# Robust RiverSwim
# ----------------
# RiverSwim(6), ``gamma = 0.9``: swimming right (action 1) pays 1 at the far end but fights the
# current. For each KL radius, the robust-optimal policy and its robust value at state 0, the
# robust value of the nominal optimal policy, and the nominal value of the robust policy (the
# price of robustness).
m = instances.riverswim(6, gamma=0.9)
nominal = solve(m)
radii = np.geomspace(1e-3, 0.5, 13)
rob_value, nominal_under_attack, robust_nominally, policies = [], [], [], []
for radius in radii:
    res = solve_robust(m, KLBall(radius), method="mpi", tol=1e-10)
    rob_value.append(res.V[0])
    nominal_under_attack.append(evaluate_policy_robust(m, nominal.policy, KLBall(radius))[0])
    robust_nominally.append(evaluate_policy(m, res.policy)[0])
    policies.append("".join(map(str, res.policy)))
    assert res.certificate <= 1e-10

print(f"{'radius':>8} {'robust policy':>14} {'V_rob(0)':>10} {'nominal pi, robust':>19}")
for radius, pol, v, w in zip(radii[::3], policies[::3], rob_value[::3],
                             nominal_under_attack[::3]):
    print(f"{radius:8.3f} {pol:>14} {v:10.4f} {w:19.4f}")

# %%
# The robust policy's value is never below the nominal policy's under the same adversary: it is
# the optimum of the robust problem. Past a radius the robust policy stops swimming right
# from the first states, and it pays for that when the nominal model is the true one.
# The robust value of a fixed policy comes from nature's policy iteration with exact linear
# solves (:func:`~rlcert.mdp.robust.evaluate_policy_robust`).
assert np.all(np.array(rob_value) >= np.array(nominal_under_attack) - 1e-8)

# %%
# Optimal CVaR on a tiny episodic model
# -------------------------------------
# Two states, two actions, horizon 3, rewards ``r(s, a, s')`` on a lattice. For each ``tau``: the
# exact optimal CVaR over history-dependent policies, Chow et al.'s (2015) interpolated CVaR value
# iteration (an approximation; its policy's exact CVaR is reported), and the CVaR of the
# risk-neutral optimal policy's return, from its exact law.
P = np.zeros((2, 2, 2))
P[..., 0] = [[0.75, 0.75], [0.75, 0.5]]
P[..., 1] = 1 - P[..., 0]
r = np.array([[[-1.0, 1.0], [1.0, -2.0]], [[2.0, 2.0], [0.0, 1.0]]])     # r(s, a, s')
fh = FiniteHorizonMDP(P, np.einsum("saj,saj->sa", P, r), horizon=3, initial=0)

neutral_law = return_distribution(fh, solve(fh).policy, r)
taus = np.linspace(0.05, 1.0, 20)
optimal = [solve_cvar(fh, tau=t, rewards=r).value for t in taus]
chow = [chow_cvar(fh, t, r, n_grid=50).policy_cvar for t in taus]
neutral = [neutral_law.cvar(t) for t in taus]
print(f"tau = 0.25: optimal {optimal[4]:.4f}, Chow's policy {chow[4]:.4f}, "
      f"risk-neutral policy {neutral[4]:.4f}")
print(f"tau = 1 (the mean): optimal {optimal[-1]:.4f} = E[G] of the risk-neutral policy "
      f"{neutral_law.mean():.4f}")

# %%
# At ``tau = 1`` CVaR is the mean and the three agree; for small ``tau`` the risk-neutral policy
# pays for the tail it ignores, and the optimal history-dependent policy (which conditions on
# the return collected so far through its budget) does strictly better than any Markov policy.
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.2))
ax1.semilogx(radii, rob_value, "o-", label="robust policy, robust value")
ax1.semilogx(radii, nominal_under_attack, "s--", label="nominal policy, robust value")
ax1.semilogx(radii, robust_nominally, "^:", label="robust policy, nominal value")
ax1.axhline(nominal.V[0], color="k", lw=1, label="nominal optimum")
ax1.set_xlabel("KL radius r")
ax1.set_ylabel("value at state 0")
ax1.set_title(r"RiverSwim(6), $\gamma = 0.9$")
ax1.legend(fontsize=8)
ax2.plot(taus, optimal, "o-", label="optimal CVaR (solve_cvar)")
ax2.plot(taus, chow, "s--", label="Chow et al.'s policy")
ax2.plot(taus, neutral, "^:", label="risk-neutral policy")
ax2.set_xlabel(r"$\tau$ (lower-tail fraction)")
ax2.set_ylabel(r"CVaR$_\tau$ of the return")
ax2.set_title("S = A = 2, H = 3")
ax2.legend(fontsize=8)
fig.tight_layout()
plt.show()
