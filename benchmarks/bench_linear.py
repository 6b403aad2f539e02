"""Speed of the linear-MDP oracle and of LSVI-UCB, against the induced tabular oracle, a plain numpy
LSVI-UCB and (optionally) rlberry's LSVIUCBAgent. Run by hand (never in CI):

    python benchmarks/bench_linear.py [--reps 3] [--skip-large] [--rlberry-episodes 50]

Sections:
1. the exact oracle on ``random_simplex(S, A=10, d=10, horizon=20)``, S = 10^4 and 10^5: wall time
   of construction (``random_simplex`` in total, and the ``LinearMDP`` constructor alone, i.e. the
   validation, on the same arrays) and of ``solve_linear``, separately; at S = 10^3 also
   ``to_tabular()`` and ``rlcert.mdp.solve`` on the induced tabular model, and the largest
   difference of the two value tables (the factorised backup and the tabular one must agree);
2. LSVI-UCB (Jin, Yang, Wang and Jordan 2020, Algorithm 1) on ``random_simplex(S=50, A=5, d=8,
   horizon=10).to_tabular()``, K = 200, 1000, 2000 episodes: episodes/s of rlcert's compiled
   ``LSVIUCB.run`` (exact pseudo-regret of every episode included; "marginal" leaves out the
   per-call cost of ``run(n_episodes=1)``, mostly the exact solve behind the pseudo-regret)
   against a plain numpy transcription of the algorithm written below, which rebuilds
   ``Lambda_h`` and the regression target from ALL past samples at every episode (the paper's
   cost, growing with k; its rate is the average over the run). The numpy version draws the
   environment's uniforms exactly as rlcert's compiled loop does (the verifier's protocol
   order), so the two must take the same actions; the benchmark checks that over K = 2000
   episodes, and checks that the numpy Q table of every episode, computed from rlcert's own
   transcript, equals what rlcert's protocol methods (``reset``/``start_episode``/``observe``/
   ``q_values``) return after replaying that transcript. With the stated ``beta`` every Q is
   clipped at H on this instance (so both always play action 0 and the check is vacuous); it is
   repeated with ``bonus_scale=0.01``, where the learner explores every action;
3. rlberry-scool's ``LSVIUCBAgent`` on the same P, R and features, in a separate virtual
   environment (rlberry-scool pins an old gymnasium): ``python -m venv /tmp/rlberry_venv &&
   /tmp/rlberry_venv/bin/pip install rlberry rlberry-scool``; skipped when that interpreter does
   not exist. Its agent is not the same algorithm (one ``Lambda`` for all stages, a
   Bernstein-like bonus, no clipping at H, no pseudo-regret) and its regression loop is pure
   Python over all past samples, so only a small K is timed.

Every time is the median of ``--reps`` runs after one warm-up run (numba compilation); the
machine's load average is printed at the start and the end. Nothing is asserted on timings. On a
machine shared with other jobs, every launch of a parallel region (numba's prange kernels,
multi-threaded BLAS) can wait for a descheduled worker thread for milliseconds; compare with a run
under ``NUMBA_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1`` to see how much of a time is that wait.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

from rlcert.estimators.linear import LSVIUCB
from rlcert.mdp import solve
from rlcert.mdp.linear import LinearMDP, random_simplex, solve_linear

RLBERRY_PYTHON = "/tmp/rlberry_venv/bin/python"


def median_time(fn, reps: int, warmup: bool = True):
    """Median wall time of ``reps`` calls of ``fn`` (after one untimed call) and the last
    output."""
    out = fn() if warmup else None
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def load() -> str:
    return "load average %.2f %.2f %.2f" % os.getloadavg()


def threads() -> str:
    import numba
    env = ", ".join(f"{k}={os.environ[k]}" for k in ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS",
                                                    "OPENBLAS_NUM_THREADS") if k in os.environ)
    return (f"{os.cpu_count()} cpus, numba threads {numba.get_num_threads()}"
            + (f" ({env})" if env else ""))


# -- 1. the oracle ------------------------------------------------------------------------------
def oracle_section(reps: int, sizes: list[int]) -> None:
    A, d, H = 10, 10, 20
    print(f"1. solve_linear on random_simplex(S, A={A}, d={d}, horizon={H}), median of {reps}")
    print(f"{'S':>8} {'random_simplex':>15} {'LinearMDP()':>12} {'solve_linear':>13} "
          f"{'certificate':>12}")
    for S in sizes:
        seeds = iter(range(10 * reps))
        t_build, m = median_time(lambda: random_simplex(S=S, A=A, d=d, horizon=H,
                                                         seed=next(seeds)), reps)
        phi, mu, theta = m.phi, m.mu(0), m.theta(0)
        t_valid, _ = median_time(lambda: LinearMDP(phi, mu, theta, horizon=H), reps)
        t_solve, res = median_time(lambda: solve_linear(m), reps)
        print(f"{S:>8} {t_build:>14.3f}s {t_valid:>11.3f}s {t_solve:>12.3f}s "
              f"{res.certificate:>12.2e}", flush=True)

    S = 1000
    m = random_simplex(S=S, A=A, d=d, horizon=H, seed=0)
    t_tab, tab = median_time(m.to_tabular, reps)
    t_tsolve, res_tab = median_time(lambda: solve(tab), reps)
    t_lsolve, res_lin = median_time(lambda: solve_linear(m), reps)
    diff = float(np.max(np.abs(res_tab.V - res_lin.V)))
    same_policy = bool(np.array_equal(res_tab.policy, res_lin.policy))
    print(f"   S={S}: to_tabular {t_tab:.3f}s + solve (tabular) {t_tsolve:.3f}s vs solve_linear "
          f"{t_lsolve:.4f}s ({(t_tab + t_tsolve) / t_lsolve:.0f}x, solve alone "
          f"{t_tsolve / t_lsolve:.0f}x); max|V_tab - V_lin| = {diff:.2e} "
          f"({'<=' if diff <= 1e-10 else '>'} 1e-10), same policy: {same_policy}", flush=True)


# -- 2. LSVI-UCB -----------------------------------------------------------------------------------
def env_generator(seed: int) -> np.random.Generator:
    """The environment's generator of a run with integer ``seed``: ``PCG64`` of child 0 of
    ``SeedSequence(seed)`` (the verifier's protocol split, :func:`rlcert.estimators.base
    .protocol_seeds`), rebuilt here independently."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(0,))))


def inverse_transform(cum: np.ndarray, p: np.ndarray, u: float) -> int:
    """The first ``j`` with ``p[0] + ... + p[j] > u`` (sequential sums, as rlcert's kernels add);
    the last index of positive mass when rounding leaves the total below ``u``."""
    j = int(np.searchsorted(cum, u, side="right"))
    return j if j < cum.shape[0] else int(np.flatnonzero(p > 0)[-1])


def lsvi_ucb_numpy(phi, P, R, initial, H: int, K: int, beta: float, lam: float, seed: int,
                   forced_actions=None, record_q: int = 0):
    """LSVI-UCB as written in Jin et al. (2020), Algorithm 1, in plain numpy (0-based stages).

    At episode ``k``, for ``h = H-1, ..., 0``: ``Lambda_h = lam I + sum_{tau<k} phi_tau
    phi_tau^T``, ``w_h = Lambda_h^{-1} sum_{tau<k} phi_tau [r_tau + max_a Q_{h+1}(s'_tau, a)]``
    over all past samples of stage ``h``, ``Q_h = min(w_h . phi + beta ||phi||_{Lambda_h^{-1}},
    H)`` for every (s, a); then the greedy policy (lowest action on ties) is played. The
    environment uses ``1 + 3 H`` uniforms per episode in the protocol's order (start state; then
    per step an unused action uniform, a reward uniform and a next-state uniform). With
    ``forced_actions`` ``(K, H)`` those actions are played instead of the greedy ones (to
    recompute Q from another learner's transcript). Returns ``(states, actions, Qs)``, ``Qs``
    the Q tables of the first ``record_q`` episodes."""
    S, A, d = phi.shape
    phi2 = phi.reshape(S * A, d)
    cumP = [np.cumsum(P[h], axis=2) for h in range(H)]
    cum_init = np.cumsum(initial)
    rng = env_generator(seed)
    feats = np.empty((H, K, d))
    rewards = np.empty((H, K))
    nexts = np.empty((H, K), np.int64)
    states = np.empty((K, H), np.int64)
    actions = np.empty((K, H), np.int64)
    Qs = np.empty((record_q, H, S, A))
    ridge = lam * np.eye(d)
    pi = np.empty((H, S), np.int64)
    for k in range(K):
        V_next = np.zeros(S)  # V_H = 0
        for h in range(H - 1, -1, -1):
            X = feats[h, :k]
            Lam_inv = np.linalg.inv(ridge + X.T @ X)
            w = Lam_inv @ (X.T @ (rewards[h, :k] + V_next[nexts[h, :k]]))
            quad = np.einsum("ni,ni->n", phi2 @ Lam_inv, phi2)
            Q = np.minimum(phi2 @ w + beta * np.sqrt(np.maximum(quad, 0.0)), H).reshape(S, A)
            if k < record_q:
                Qs[k, h] = Q
            V_next = Q.max(axis=1)
            pi[h] = Q.argmax(axis=1)
        u = rng.random(1 + 3 * H)
        s = inverse_transform(cum_init, initial, u[0])
        for h in range(H):
            a = int(pi[h, s]) if forced_actions is None else int(forced_actions[k, h])
            s2 = inverse_transform(cumP[h][s, a], P[h][s, a], u[3 + 3 * h])
            states[k, h], actions[k, h] = s, a
            feats[h, k] = phi[s, a]
            rewards[h, k] = R[h, s, a]
            nexts[h, k] = s2
            s = s2
    return states, actions, Qs


def protocol_q(learner: LSVIUCB, env, H: int, K: int, seed: int, states, actions, n: int):
    """rlcert's ``q_values()`` at the start of each of the first ``n`` episodes, replaying the
    transcript ``states``/``actions`` through the episodic protocol (next states of the last
    step are redrawn from the environment's uniforms)."""
    S, A = env.n_states, env.n_actions
    R = np.asarray(env.R)
    P = [env.stage_P(h) for h in range(H)]
    rng = env_generator(seed)
    learner.reset(S, A, H, seed, n_episodes=K)
    out = np.empty((n, H, S, A))
    for k in range(n):
        learner.start_episode()
        out[k] = learner.q_values()
        u = rng.random(1 + 3 * H)
        for h in range(H):
            s, a = int(states[k, h]), int(actions[k, h])
            if h + 1 < H:
                s2 = int(states[k, h + 1])
            else:
                s2 = inverse_transform(np.cumsum(P[h][s, a]), P[h][s, a], u[3 + 3 * h])
            learner.observe(h, s, a, float(R[h, s, a]), s2)
    return out


def agreement(m: LinearMDP, env, bonus_scale: float, K: int, n_check: int, seed: int) -> None:
    """Print whether the numpy version plays as rlcert's compiled loop does (free play, same
    seed) and how far its Q tables, computed from rlcert's transcript, are from rlcert's
    protocol ``q_values()`` on the same transcript."""
    H = env.horizon
    P = [env.stage_P(h) for h in range(H)]
    R = np.asarray(env.R)
    learner = LSVIUCB(m, bonus_scale=bonus_scale)
    beta = learner.beta(H, K)
    tr = learner.transcript(env, n_episodes=K, seed=seed, record_path=True)
    st_np, ac_np, _ = lsvi_ucb_numpy(m.phi, P, R, env.initial, H, K, beta, learner.lam, seed)
    agree = np.all((st_np == tr["states"]) & (ac_np == tr["actions"]), axis=1)
    lead = K if agree.all() else int(np.argmin(agree))
    n = min(n_check, K)
    st_f, _, Q_np = lsvi_ucb_numpy(m.phi, P, R, env.initial, H, n, beta, learner.lam, seed,
                                   forced_actions=tr["actions"], record_q=n)
    Q_rl = protocol_q(LSVIUCB(m, bonus_scale=bonus_scale), env, H, K, seed, tr["states"],
                      tr["actions"], n)
    states_ok = bool(np.array_equal(st_f, tr["states"][:n]))
    q_diff = float(np.max(np.abs(Q_np - Q_rl)))
    clipped = float(np.mean(Q_rl == H))
    used = np.bincount(tr["actions"].ravel(), minlength=env.n_actions) / tr["actions"].size
    print(f"   bonus_scale={bonus_scale:g} (beta={beta:.4g}), K={K}: same states and actions in "
          f"{lead} leading episodes ({int(agree.sum())} in all); environment reproduced from "
          f"rlcert's transcript: {states_ok}; max|Q_numpy - q_values()| over {n} episodes = "
          f"{q_diff:.1e} ({'<=' if q_diff <= 1e-8 else '>'} 1e-8); Q entries clipped at H: "
          f"{clipped:.0%}; action frequencies {np.round(used, 2).tolist()}", flush=True)


def lsvi_section(reps: int, Ks: list[int], n_check: int) -> dict:
    S, A, d, H, seed = 50, 5, 8, 10, 0
    m = random_simplex(S=S, A=A, d=d, horizon=H, seed=1)
    env = m.to_tabular()
    learner = LSVIUCB(m)
    phi, R = m.phi, np.asarray(env.R)
    P = [env.stage_P(h) for h in range(H)]
    initial = env.initial
    print(f"\n2. LSVI-UCB on random_simplex(S={S}, A={A}, d={d}, horizon={H}, seed=1)"
          f".to_tabular(), run seed={seed}")
    # with the stated beta the bonus keeps every Q at H on this instance (all ties, action 0):
    # the agreement is then vacuous, so it is checked with a smaller bonus as well
    for bonus_scale in (1.0, 0.01):
        agreement(m, env, bonus_scale, max(Ks), n_check, seed)

    # run() first solves the model exactly (for the pseudo-regret): a per-call cost, shown apart
    t_one, _ = median_time(lambda: learner.run(env, n_episodes=1, seed=seed), reps)
    print(f"   rlcert run(n_episodes=1): {t_one * 1e3:.1f} ms per call (mostly solve(mdp) for the"
          f" pseudo-regret); 'marginal' = (K - 1) / (t_K - t_1)")
    print(f"   episodes/s, median of {reps}, beta = LSVIUCB.beta(H, K)")
    print(f"{'K':>6} {'rlcert run':>11} {'marginal':>10} {'numpy':>8} {'ratio':>7} "
          f"{'marginal ratio':>15}")
    for K in Ks:
        beta = learner.beta(H, K)
        t_rl, _ = median_time(lambda: learner.run(env, n_episodes=K, seed=seed), reps)
        # the numpy version has nothing to compile; its warm-up is a short run
        lsvi_ucb_numpy(phi, P, R, initial, H, 5, beta, learner.lam, seed)
        t_np, _ = median_time(lambda: lsvi_ucb_numpy(phi, P, R, initial, H, K, beta,
                                                     learner.lam, seed), reps, warmup=False)
        marginal = (K - 1) / max(t_rl - t_one, 1e-9)
        print(f"{K:>6} {K / t_rl:>11,.0f} {marginal:>10,.0f} {K / t_np:>8,.0f} "
              f"{t_np / t_rl:>6.1f}x {marginal * t_np / K:>14.1f}x", flush=True)
    return {"m": m, "env": env, "learner": learner, "seed": seed, "t_one": t_one}


# -- 3. rlberry ------------------------------------------------------------------------------------
RLBERRY_SCRIPT = r"""
import json, sys, time
import numpy as np
from rlberry.envs.finite_mdp import FiniteMDP
from rlberry_scool.agents.features import FeatureMap
from rlberry_scool.agents.linear.lsvi_ucb import LSVIUCBAgent
data = np.load(sys.argv[1])
phi = data["phi"]
K, H, reps = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])

class Features(FeatureMap):
    def __init__(self, env):
        self.shape = (phi.shape[2],)
    def map(self, observation, action):
        return phi[observation, action]

def make():
    env = FiniteMDP(data["R"], data["P"], 0)
    env.reseed(0)
    agent = LSVIUCBAgent(env, horizon=H, feature_map_fn=Features, gamma=1.0,
                         bonus_scale_factor=float(sys.argv[5]), reg_factor=1.0)
    agent.reseed(0)
    return agent

make().fit(budget=3)
times = []
for _ in range(reps):
    agent = make()
    t0 = time.perf_counter()
    agent.fit(budget=K)
    times.append(time.perf_counter() - t0)
print(json.dumps({"seconds": sorted(times)[len(times) // 2]}))
"""


def rlberry_section(ctx: dict, reps: int, K: int) -> None:
    print(f"\n3. rlberry-scool LSVIUCBAgent, same P, R, features, K={K}, median of {reps}")
    if not os.path.exists(RLBERRY_PYTHON):
        print(f"   skipped: {RLBERRY_PYTHON} does not exist (see the module docstring)")
        return
    m, env, learner, seed = ctx["m"], ctx["env"], ctx["learner"], ctx["seed"]
    H = env.horizon
    beta = learner.beta(H, K)
    with tempfile.NamedTemporaryFile(suffix=".npz") as f:
        np.savez(f.name, P=env.stage_P(0), R=np.asarray(env.R)[0], phi=m.phi)
        try:
            out = subprocess.run([RLBERRY_PYTHON, "-c", RLBERRY_SCRIPT, f.name, str(K), str(H),
                                  str(reps), repr(beta)], capture_output=True, text=True,
                                 check=True, timeout=900)
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
            err = getattr(exc, "stderr", "") or ""
            print(f"   failed: {type(exc).__name__}: {err.strip().splitlines()[-1:] or ''}")
            return
    t_rlb = json.loads(out.stdout.strip().splitlines()[-1])["seconds"]
    t_rl, _ = median_time(lambda: learner.run(env, n_episodes=K, seed=seed), reps)
    t_np, _ = median_time(lambda: lsvi_ucb_numpy(m.phi, [env.stage_P(h) for h in range(H)],
                                                 np.asarray(env.R), env.initial, H, K, beta,
                                                 learner.lam, seed), reps)
    extra = ""
    if t_rl > 2.0 * ctx["t_one"]:  # otherwise the difference is timing noise
        marginal = (K - 1) / (t_rl - ctx["t_one"])
        extra = f" (marginal {marginal:,.0f}, {marginal * t_rlb / K:,.0f}x)"
    print(f"   episodes/s: rlberry {K / t_rlb:,.1f}, numpy {K / t_np:,.0f}, rlcert run "
          f"{K / t_rl:,.0f} -> rlcert/rlberry {t_rlb / t_rl:,.0f}x{extra}; rlberry's "
          f"bonus_scale_factor = rlcert's beta = {beta:.4g}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--skip-large", action="store_true", help="omit S = 10^5 in section 1")
    ap.add_argument("--episodes", default="200,1000,2000", help="K values of section 2")
    ap.add_argument("--check-episodes", type=int, default=2000,
                    help="episodes whose Q tables are compared in section 2")
    ap.add_argument("--rlberry-episodes", type=int, default=50)
    args = ap.parse_args()
    print(f"{load()}; {threads()}", flush=True)
    oracle_section(args.reps, [10 ** 4] if args.skip_large else [10 ** 4, 10 ** 5])
    ctx = lsvi_section(args.reps, [int(k) for k in args.episodes.split(",")],
                       args.check_episodes)
    rlberry_section(ctx, args.reps, args.rlberry_episodes)
    print(load())


if __name__ == "__main__":
    sys.exit(main())
