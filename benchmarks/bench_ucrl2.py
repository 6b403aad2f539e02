"""Steps per second of UCRL2: rlcert's compiled loop against a straightforward numpy
implementation of the same algorithm (Jaksch et al. 2010, Figure 1; EVI vectorised over pairs).
Run by hand: python bench_ucrl2.py [T]."""
import math
import sys
import time

import numpy as np

from rlcert.estimators.average import UCRL2
from rlcert.mdp import classify, instances


def numpy_ucrl2(m, T, seed, delta=0.05):
    S, A = m.n_states, m.n_actions
    P, R = m.dense_P(), np.array(m.R)
    cP = np.cumsum(P, -1)
    rng = np.random.default_rng(seed)
    s = 0
    N = np.zeros((S, A))
    Pc = np.zeros((S, A, S))
    Rs = np.zeros((S, A))
    t = 1
    total = 0.0
    while t <= T:
        t_k = t
        n = np.maximum(1, N)
        r_up = Rs / n + np.sqrt(7 * np.log(2 * S * A * t_k / delta) / (2 * n))
        p_hat = Pc / n[..., None]
        d = np.where(N > 0, np.sqrt(14 * S * np.log(2 * A * t_k / delta) / n), 2.0)
        u = np.zeros(S)
        while True:
            order = np.argsort(-u, kind="stable")
            p = p_hat[..., order].copy()
            p[..., 0] = np.minimum(1.0, p[..., 0] + d / 2)
            # remove the excess from the lowest-valued states upwards
            excess = p.sum(-1) - 1.0
            rev = np.cumsum(p[..., ::-1], -1)[..., ::-1]  # mass from position j to the end
            over = np.clip(excess[..., None] - (rev - p), 0.0, None)
            p[..., 1:] = np.maximum(0.0, p[..., 1:] - over[..., 1:])
            q = r_up + (p * u[order]).sum(-1)
            new = q.max(1)
            pol = q.argmax(1)
            diff = new - u
            u = new - new.min()
            if diff.max() - diff.min() < 1 / math.sqrt(t_k):
                break
        nu = np.zeros((S, A))
        while t <= T and nu[s, pol[s]] < max(1, N[s, pol[s]]):
            a = pol[s]
            r = 1.0 if rng.random() < R[s, a] else 0.0
            s2 = min(int(np.searchsorted(cP[s, a], rng.random(), side="right")), S - 1)
            nu[s, a] += 1
            Pc[s, a, s2] += 1
            Rs[s, a] += r
            total += r
            s = s2
            t += 1
        N += nu
    return total


def main(T):
    models = {"RiverSwim(6)": instances.riverswim(6),
              "Garnet(20, 4, 4)": instances.garnet(20, 4, 4, seed=0, sparse=False)}
    for name, m in models.items():
        assert classify(m).communicating, name
        UCRL2().run(m, n_steps=1000, seed=0)  # compile
        t0 = time.perf_counter()
        UCRL2().run(m, n_steps=T, seed=1)
        fast = T / (time.perf_counter() - t0)
        t0 = time.perf_counter()
        numpy_ucrl2(m, T, 1)
        slow = T / (time.perf_counter() - t0)
        print(f"{name}: rlcert {fast:.3g} steps/s, numpy {slow:.3g} steps/s, ratio {fast / slow:.1f}",
              flush=True)


if __name__ == "__main__":
    main(int(float(sys.argv[1])) if len(sys.argv) > 1 else 10 ** 6)
