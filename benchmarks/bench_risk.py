"""Risk oracles by hand: the largest static-CVaR instances solved exactly within a time budget,
and the measured gaps of Chow et al.'s interpolated CVaR value iteration to the exact optimum.

Run by hand (never in CI):

    python benchmarks/bench_risk.py [--budget 30] [--part sizes|gaps|both]

Sizes: random models with ``P(.|s, a) ~ Dirichlet(0.3)`` (dense), integer rewards in
``[0, span]`` on transitions, ``tau = 0.1``; the state count doubles while a solve takes less than
the budget. Each solve reports its budget points and ``|value - CVaR of the returned policy|``
(the policy's return law is computed exactly, so this is an end-to-end check).

Gaps: seeded random models with rewards in ``{-3, ..., 3}`` on transitions and probabilities on
the grid ``1/8``; for each, ``tau`` in {0.1, 0.25, 0.5} and ``n_grid`` in {10, 50, 200}:
``value_gap = Chow's value - exact`` and ``policy_gap = exact - CVaR(Chow's policy)``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from rlcert.mdp import FiniteHorizonMDP
from rlcert.mdp.risk import chow_cvar, solve_cvar


def sized(S: int, A: int, H: int, span: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    P = rng.dirichlet(np.full(S, 0.3), size=(S, A))
    R = rng.integers(0, span + 1, size=(S, A, S)).astype(float)
    fh = FiniteHorizonMDP(P, np.einsum("saj,saj->sa", P, R), H, initial=0)
    return fh, np.ascontiguousarray(np.broadcast_to(R, (H, S, A, S)))


def gap_instance(seed: int):
    rng = np.random.default_rng(seed)
    S, A, H = int(rng.integers(2, 5)), int(rng.integers(2, 4)), int(rng.integers(2, 6))
    P = rng.dirichlet(np.full(S, 0.7), size=(S, A))
    P = np.round(P * 8) / 8
    P[P.sum(-1) == 0, 0] = 1.0
    P /= P.sum(-1, keepdims=True)
    R = rng.integers(-3, 4, size=(S, A, S)).astype(float)
    fh = FiniteHorizonMDP(P, np.einsum("saj,saj->sa", P, R), H, initial=0)
    return fh, np.ascontiguousarray(np.broadcast_to(R, (H, S, A, S)))


def sizes(budget: float) -> None:
    fh, R = sized(3, 2, 3, 2)
    solve_cvar(fh, 0.3, R)  # compile
    print(f"{'S':>5} {'A':>3} {'H':>4} {'span':>5} {'budget pts':>10} {'seconds':>8} "
          f"{'|value - policy cvar|':>22}")
    for A, H, span in ((4, 50, 10), (4, 100, 10), (2, 200, 20)):
        S = 25
        while True:
            fh, R = sized(S, A, H, span)
            t0 = time.perf_counter()
            res = solve_cvar(fh, 0.1, R)
            dt = time.perf_counter() - t0
            print(f"{S:>5} {A:>3} {H:>4} {span:>5} {res.info['budget_points']:>10} {dt:>8.2f} "
                  f"{abs(res.value - res.policy_cvar):>22.2e}")
            if dt > budget / 4:
                break
            S *= 2


def gaps(seeds=range(12)) -> None:
    print(f"{'seed':>4} {'S':>2} {'A':>2} {'H':>2} {'tau':>5} {'exact':>10} "
          + " ".join(f"{'vgap/pgap n=' + str(n):>24}" for n in (10, 50, 200)))
    for seed in seeds:
        fh, R = gap_instance(seed)
        for tau in (0.1, 0.25, 0.5):
            ex = solve_cvar(fh, tau, R)
            cells = []
            for n in (10, 50, 200):
                ch = chow_cvar(fh, tau, R, n_grid=n, reference=ex)
                cells.append(f"{ch.value_gap:>+11.4f}/{ch.policy_gap:>+11.4f}")
            print(f"{seed:>4} {fh.n_states:>2} {fh.n_actions:>2} {fh.horizon:>2} {tau:>5} "
                  f"{ex.value:>10.4f} " + " ".join(f"{c:>24}" for c in cells))


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--budget", type=float, default=30.0)
    ap.add_argument("--part", choices=["sizes", "gaps", "both"], default="both")
    args = ap.parse_args()
    if args.part in ("sizes", "both"):
        sizes(args.budget)
    if args.part in ("gaps", "both"):
        gaps()
