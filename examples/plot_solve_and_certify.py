r"""
Solve a discounted MDP and certify the answer
=============================================

Every solver of :func:`rlcert.mdp.solve` returns, beside the value ``V``, a *certificate*: a
proven bound on ``||V - V*||_inf``. For value iteration it is the a-posteriori bound of a
``gamma``-contraction,

.. math:: \|V_k - V^*\|_\infty \le \frac{\gamma}{1 - \gamma} \|V_k - V_{k-1}\|_\infty ,

and for policy iteration, modified policy iteration and the LP, whose policy is evaluated
exactly, the residual bound ``||T V - V||_inf / (1 - gamma)``. Here we solve a Garnet MDP with
each method at a range of tolerances, and compare each certificate with the true error, measured
against a policy-iteration solution certified to ``1e-12``.
"""

import matplotlib.pyplot as plt
import numpy as np

from rlcert.mdp import instances, solve

# %%
# A random Garnet MDP (Archibald et al. 1995): 50 states, 4 actions, 5 successors per pair.
m = instances.garnet(S=50, A=4, branching=5, seed=0).with_gamma(0.95)
exact = solve(m, method="pi", tol=1e-12)
print(f"reference: status={exact.status}, certificate={exact.certificate:.1e}, "
      f"rounding={exact.rounding:.1e}")

# %%
# Value iteration (Jacobi), Gauss-Seidel and modified policy iteration, each asked for a
# certificate ``tol``; the true error is measured against the reference.
tols = np.logspace(-1, -9, 9)
rows = []
for method in ("vi", "gs", "mpi"):
    for tol in tols:
        res = solve(m, method=method, tol=tol)
        error = np.abs(res.V - exact.V).max()
        rows.append((method, tol, res.iterations, res.certificate, error))
        assert error <= res.certificate + res.rounding + exact.certificate + exact.rounding

print(f"{'method':>6} {'tol':>8} {'iterations':>10} {'certificate':>12} {'true error':>11}")
for method, tol, it, cert, err in rows[::3]:
    print(f"{method:>6} {tol:8.0e} {it:10d} {cert:12.3e} {err:11.3e}")

# %%
# The certificate is never below the true error (left), and the iterations grow like
# ``log(1/tol) / log(1/gamma)`` for value iteration (right); policy iteration needs a handful of
# exact evaluations.
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
markers = {"vi": "o", "gs": "s", "mpi": "^"}
for method in markers:
    sel = [r for r in rows if r[0] == method]
    ax1.loglog([r[4] for r in sel], [r[3] for r in sel], markers[method], label=method)
    ax2.semilogx([r[1] for r in sel], [r[2] for r in sel], markers[method] + "-", label=method)
lim = [1e-10, 1]
ax1.loglog(lim, lim, "k--", lw=1, label="certificate = error")
ax1.set_xlabel(r"true error $\|V - V^*\|_\infty$")
ax1.set_ylabel("certificate")
ax1.legend()
ax2.axhline(exact.iterations, color="k", ls=":", label=f"pi ({exact.iterations} steps)")
ax2.set_xlabel("tol asked for")
ax2.set_ylabel("iterations")
ax2.invert_xaxis()
ax2.legend()
fig.suptitle(r"Garnet(50, 4, 5), $\gamma = 0.95$")
fig.tight_layout()
plt.show()
