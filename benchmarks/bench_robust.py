"""One robust Bellman sweep with KL sets: the compiled inner solver against cvxpy per (s, a).

Run by hand (never in CI), on an otherwise idle machine:

    python benchmarks/bench_robust.py [--quick] [--radius 0.1] [--gamma 0.95]

For Garnet(S=200, A=5) with ``branching`` successors per row (10, and 200 = full support), one
sweep ``(T V)(s) = max_a r(s, a) + gamma min_{KL(p || P(s,a)) <= rho} p . V`` at a fixed ``V``
(the nominal optimal value), timed three ways:

1. :func:`rlcert.mdp.robust.robust_bellman` (compiled 1-D dual per row; best of 20);
2. cvxpy, one new problem per (s, a) (the exponential-cone primal; Clarabel, default tolerances);
3. cvxpy with one parametrised (DPP) problem reused for every row (the fastest way to call cvxpy
   here: ``sum(-entr(q)) - log(p0) . q <= rho`` with ``p0`` and ``V`` as parameters).

Reports the time of each sweep, the ratios cvxpy / compiled, the largest difference between the
swept values (a correctness check, not a timing) and the rows on which Clarabel failed. ``--quick`` times cvxpy on 100 rows and
scales to the full sweep.
"""

from __future__ import annotations

import argparse
import time

import cvxpy as cp
import numpy as np

from rlcert.mdp import instances, solve
from rlcert.mdp.robust import KLBall, robust_bellman


def best_of(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def rows_of(m):
    """``(support, p0)`` of every row ``s*A + a``."""
    P = m.rows.tocsr()
    return [(P.indices[P.indptr[r]:P.indptr[r + 1]], P.data[P.indptr[r]:P.indptr[r + 1]])
            for r in range(P.shape[0])]


def solved_value(prob) -> float:
    """The optimal value, or NaN when Clarabel fails (counted and reported, time included)."""
    try:
        prob.solve(solver=cp.CLARABEL)
    except cp.error.SolverError:
        return np.nan
    return prob.value if prob.status in (cp.OPTIMAL, cp.OPTIMAL_INACCURATE) else np.nan


def cvxpy_naive(rows, V, rho, n_rows):
    out = np.empty(n_rows)
    for r in range(n_rows):
        J, p0 = rows[r]
        q = cp.Variable(J.size)
        prob = cp.Problem(cp.Minimize(V[J] @ q),
                          [q >= 0, cp.sum(q) == 1, cp.sum(cp.rel_entr(q, p0)) <= rho])
        out[r] = solved_value(prob)
    return out


def cvxpy_dpp(rows, V, rho, n_rows, k):
    """One compiled problem for rows with ``k`` successors, parameters set per row."""
    q = cp.Variable(k)
    log_p0 = cp.Parameter(k)
    v = cp.Parameter(k)
    prob = cp.Problem(cp.Minimize(v @ q),
                      [q >= 0, cp.sum(q) == 1, cp.sum(-cp.entr(q)) - log_p0 @ q <= rho])
    out = np.empty(n_rows)
    for r in range(n_rows):
        J, p0 = rows[r]
        log_p0.value = np.log(p0)
        v.value = V[J]
        out[r] = solved_value(prob)
    return out


def run(branching: int, rho: float, gamma: float, quick: bool) -> None:
    m = instances.garnet(200, 5, branching, seed=0, gamma=gamma)
    S, A = m.n_states, m.n_actions
    V = solve(m, tol=1e-10).V
    U = KLBall(rho)
    robust_bellman(m, V, U)  # compile / warm up
    t_ours = best_of(lambda: robust_bellman(m, V, U), 20)
    ours = robust_bellman(m, V, U)

    rows = rows_of(m)
    n_rows = 100 if quick else S * A
    t0 = time.perf_counter()
    naive = cvxpy_naive(rows, V, rho, n_rows)
    t_naive = (time.perf_counter() - t0) * (S * A / n_rows)
    t0 = time.perf_counter()
    dpp = cvxpy_dpp(rows, V, rho, n_rows, branching)
    t_dpp = (time.perf_counter() - t0) * (S * A / n_rows)

    sigma = (ours.Q.ravel()[:n_rows] - m.R.ravel()[:n_rows]) / gamma
    diff = max(np.nanmax(np.abs(sigma - naive)), np.nanmax(np.abs(sigma - dpp)))
    failed = (int(np.isnan(naive).sum()), int(np.isnan(dpp).sum()))
    scaled = " (scaled from 100 rows)" if quick else ""
    print(f"Garnet(S={S}, A={A}, branching={branching}), KL radius {rho}, {S * A} rows, "
          f"nnz={m.nnz}")
    print(f"  compiled sweep        {t_ours * 1e3:10.3f} ms")
    for label, t in (("cvxpy, new problem", t_naive), ("cvxpy, DPP reused", t_dpp)):
        print(f"  {label:20s}  {t * 1e3:10.1f} ms{scaled}   ratio {t / t_ours:9.0f}x")
    print(f"  max |sigma_ours - sigma_cvxpy| = {diff:.2e} over the rows cvxpy solved; Clarabel "
          f"failed on {failed[0]} (new problem) and {failed[1]} (DPP) of {n_rows} rows")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="time cvxpy on 100 rows and scale")
    ap.add_argument("--radius", type=float, default=0.1)
    ap.add_argument("--gamma", type=float, default=0.95)
    args = ap.parse_args()
    for branching in (10, 200):
        run(branching, args.radius, args.gamma, args.quick)


if __name__ == "__main__":
    main()
