"""Speed of the exact oracles, measured against memory bandwidth and against pymdptoolbox.

Run by hand (never in CI), on an otherwise idle machine:

    pip install pymdptoolbox          # the classic toolbox, for the comparison only
    python benchmarks/bench_solvers.py [--quick]

Sections:
1. read bandwidth: numpy dot of two 256 MiB vectors (best of 5);
2. one dense Bellman sweep on Garnet(5000, 10, 10) stored dense (2 GB): time vs bytes / bandwidth;
3. CSR sweeps: ours vs a hand-written scipy CSR sweep on Garnet(20000, 5, 10); bandwidth fraction
   on Garnet(200000, 5, 10);
4. time to a certified 1e-6, gamma 0.99, S = 3000, A = 10, given as a dense (S, A, S) array:
   Garnet(3000, 10, 10) and a truly dense random MDP, ours vs pymdptoolbox's PolicyIteration;
5. Garnet(200000, 5, 10) sparse, gamma 0.99, solved to 1e-6.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from rlcert.mdp import TabularMDP, instances, kernels, solve

GiB = 2.0 ** 30


def best_of(fn, repeat=5):
    times = []
    out = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def bandwidth() -> float:
    n = 256 * 2 ** 20 // 8
    x = np.random.default_rng(0).random(n)
    y = np.random.default_rng(1).random(n)
    t, _ = best_of(lambda: x @ y)
    return 2 * n * 8 / t


def sweep_time(m: TabularMDP, repeat=5) -> float:
    S, A = m.n_states, m.n_actions
    V = np.random.default_rng(0).random(S)
    Q, Vn, g = np.empty((S, A)), np.empty(S), np.empty(S, np.int64)
    kernels.bellman_backup(m.operand, 0, m._R, 0.99, V, Q, Vn, g)  # compile / warm up
    t, _ = best_of(lambda: kernels.bellman_backup(m.operand, 0, m._R, 0.99, V, Q, Vn, g), repeat)
    return t


def csr_bytes(m: TabularMDP) -> int:
    rows = m.rows
    S, A = m.n_states, m.n_actions
    return (rows.data.nbytes + rows.nnz * 4 + rows.indptr.nbytes  # matrix (int32 indices)
            + S * 8 + 2 * S * A * 8 + S * 16)                     # V once, R, Q, V_out, greedy


def scipy_sweep_time(m: TabularMDP) -> float:
    P = m.rows
    S, A = m.n_states, m.n_actions
    R = m.R.ravel().copy()
    V = np.random.default_rng(0).random(S)

    def sweep():
        Q = R + 0.99 * (P @ V)
        return Q.reshape(S, A).max(axis=1)

    t, _ = best_of(sweep)
    return t


def toolbox_pi(P3: np.ndarray, R: np.ndarray, gamma: float) -> tuple[float, np.ndarray]:
    import mdptoolbox.mdp

    P_ass = np.ascontiguousarray(P3.transpose(1, 0, 2))  # its layout, prepared outside the timer
    t0 = time.perf_counter()
    pi = mdptoolbox.mdp.PolicyIteration(P_ass, R, gamma)
    pi.run()
    return time.perf_counter() - t0, np.asarray(pi.V)


def ours_from_array(P3: np.ndarray, R: np.ndarray, gamma: float, tol: float):
    t0 = time.perf_counter()
    m = TabularMDP(P3, R, gamma, copy=False)
    res = solve(m, tol=tol)
    return time.perf_counter() - t0, res


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    args = ap.parse_args()
    q = args.quick
    bw = bandwidth()
    print(f"1. read bandwidth (numpy dot, 2 x 256 MiB): {bw / 1e9:.1f} GB/s")

    S = 1000 if q else 5000
    m = instances.garnet(S, 10, 10, seed=0, sparse=False)
    t = sweep_time(m, 3)
    bytes_ = m.rows.nbytes
    print(f"2. dense sweep Garnet({S}, 10, 10): {t * 1e3:.1f} ms for {bytes_ / GiB:.2f} GiB; "
          f"bandwidth bound {bytes_ / bw * 1e3:.1f} ms -> {bytes_ / bw / t:.0%} of bandwidth")
    del m

    S = 20000
    m = instances.garnet(S, 5, 10, seed=0)
    t_ours, t_scipy = sweep_time(m), scipy_sweep_time(m)
    print(f"3a. CSR sweep Garnet({S}, 5, 10): ours {t_ours * 1e3:.2f} ms, scipy "
          f"{t_scipy * 1e3:.2f} ms -> {t_scipy / t_ours:.1f}x")
    S = 20000 if q else 200000
    m = instances.garnet(S, 5, 10, seed=0)
    t = sweep_time(m)
    b = csr_bytes(m)
    print(f"3b. CSR sweep Garnet({S}, 5, 10): {t * 1e3:.2f} ms for {b / 2**20:.0f} MiB; bound "
          f"{b / bw * 1e3:.2f} ms -> {b / bw / t:.0%} of bandwidth (scipy: "
          f"{scipy_sweep_time(m) * 1e3:.2f} ms)")

    S = 600 if q else 3000
    for label, model in (("Garnet(S, 10, 10)", instances.garnet(S, 10, 10, seed=0, sparse=False)),
                         ("dense random", instances.random_dense(S, 10, seed=0))):
        P3, R = model.dense_P(), model.R.copy()
        del model
        t_ours, res = ours_from_array(P3, R, 0.99, 1e-6)
        try:
            t_tb, V_tb = toolbox_pi(P3, R, 0.99)
            agree = np.max(np.abs(V_tb - res.V))
            print(f"4. {label}, S={S}, gamma 0.99, certified 1e-6: ours {t_ours:.3f} s "
                  f"({res.method}, {res.iterations} it, cert {res.certificate:.1e}, "
                  f"csr={res.info['converted_to_csr']}), pymdptoolbox PI {t_tb:.3f} s -> "
                  f"{t_tb / t_ours:.1f}x; max |V diff| {agree:.1e}")
        except ImportError:
            print(f"4. {label}: ours {t_ours:.3f} s (pymdptoolbox not installed)")
        del P3

    S = 20000 if q else 200000
    m = instances.garnet(S, 5, 10, seed=0, gamma=0.99)
    for method in ("pi", "mpi", "vi"):
        t0 = time.perf_counter()
        res = solve(m, method=method, tol=1e-6)
        print(f"5. Garnet({S}, 5, 10) sparse, gamma 0.99, {method}: {time.perf_counter() - t0:.2f} s "
              f"({res.iterations} it, cert {res.certificate:.1e}, status {res.status})")


if __name__ == "__main__":
    main()
