r"""Average-reward check: the optimal gain of multichain policy iteration, the multichain LP and
relative value iteration against exact rational gains of every deterministic policy, and the
bracket every result carries.

**Truth.** ``g*(s) = max_pi g^pi(s)`` over the deterministic stationary policies (a deterministic
stationary policy is gain optimal in every state at once, Puterman 1994, Ch. 9), each gain
``g^pi = P*_pi r_pi`` in exact rationals: the closed classes of the chain from networkx, their
stationary laws and the absorption probabilities of the transient states by rational Gaussian
elimination (:func:`rlcert.proofs_checks.brute_force.exact_gain`).

**Claims.** For ``"pi"`` and ``"lp"`` (exact methods, any chain structure): the returned gain is
``g*`` and the returned policy's exact gain is ``g*`` (PI = LP = brute force). For every method,
the bracket holds ``g*``: ``min(T h - h) <= g*(s) <= max(T h - h)`` for any ``h`` (Odoni 1969;
Puterman 1994, Sec. 8.5), up to the reported rounding. For ``"rvi"`` (weakly
communicating models only): the returned greedy policy's exact gain and the returned gain lie
within the bracket's width of ``g*``. A bracket at least as wide as the reward range is vacuous
(every gain lies in ``[min r, max r]``).
"""

from __future__ import annotations

import numpy as np

from rlcert.mdp import TabularMDP, instances, solve_average

from .. import brute_force as bf
from ..framework import Check, register
from ._cells import cell, finish, judge_cells, trial_index

#: Rounding allowance of an exactly evaluated float gain (these chains have probabilities
#: >= 1/13 on their support and at most 4 states: hitting times, the solves' condition, stay
#: below 13^3), relative to max(1, max |r|).
GAIN_TOL = 1e-9


def _rows(rng, A: int, n: int) -> np.ndarray:
    w = rng.integers(0, 4, size=(A, n)).astype(float)
    w[w.sum(-1) == 0, 0] = 1.0
    return w / w.sum(-1, keepdims=True)


def average_instance(params: dict, seed) -> tuple[TabularMDP, str]:
    """Every 5th trial a committed instance: Jaksch, Ortner and Auer's two-state block
    (``delta = 0.1``, ``eps = 0.05``: ``g* = (delta + eps) / (2 delta + eps) = 0.6``) or
    RiverSwim(4). Otherwise S in [2, 4], A = 2, rewards on a 1/16 grid in [0, 1], one of:
    *communicating* (action 0 moves ``s -> s + 1 mod S`` with positive probability), *transient*
    (a communicating core and states that move only to lower indices: weakly communicating, not
    communicating), *multichain* (two closed blocks with rewards in [0, 1/2] and [1/2, 1], and a
    transient state choosing between them)."""
    rng = np.random.default_rng(seed)
    i = trial_index(seed)
    if i % 5 == 0:
        if (i // 5) % 2 == 0:
            return instances.joa_two_state(delta=0.1, eps=0.05), "communicating"
        return instances.riverswim(4), "communicating"
    S, A = int(rng.integers(2, 5)), 2
    kind = str(rng.choice(("communicating", "transient", "multichain")))
    R = np.round(rng.random((S, A)) * 16) / 16
    P = np.zeros((S, A, S))
    if kind == "communicating":
        for s in range(S):
            P[s] = _rows(rng, A, S)
            P[s, 0, (s + 1) % S] += 0.25
            P[s] /= P[s].sum(-1, keepdims=True)
    elif kind == "transient":
        k = int(rng.integers(1, S))
        for s in range(k):
            P[s, :, :k] = _rows(rng, A, k)
            P[s, 0, (s + 1) % k] += 0.25
            P[s, :, :k] /= P[s, :, :k].sum(-1, keepdims=True)
        for s in range(k, S):
            P[s, :, :s] = _rows(rng, A, s)
    else:
        S = max(S, 3)
        R = np.round(rng.random((S, A)) * 16) / 16
        P = np.zeros((S, A, S))
        k1 = int(rng.integers(1, S - 1))
        blocks = ((0, k1), (k1, S - 1))
        for b, (lo, hi) in enumerate(blocks):
            n = hi - lo
            for s in range(lo, hi):
                P[s, :, lo:hi] = _rows(rng, A, n)
            R[lo:hi] = (R[lo:hi] + b) / 2
        for a in range(A):
            P[S - 1, a, :S - 1] = _rows(rng, 1, S - 1)[0]
    return TabularMDP(P, R), kind


def replay_average(params: dict, seed) -> TabularMDP:
    """The trial's model, for ``rlcert replay``."""
    return average_instance(params, seed)[0]


def rlcert_solve_average(m: TabularMDP, method: str):
    """The default subject: :func:`rlcert.mdp.solve_average` (RVI to ``tol = 1e-10``)."""
    return solve_average(m, method, tol=1e-10)


def trial_average(params, subject, seed, index) -> dict:
    """One model: ``g*`` by brute force in exact rationals; the subject with each method (RVI on
    weakly communicating models only); cells as in the module docstring, with the allowance
    ``1e-9 max(1, max |r|)`` for float gains."""
    m, kind = average_instance(params, seed)
    P3, R = m.dense_P(), m.R
    g_star = bf.optimal_gain(P3, R)
    g_float = np.array([float(x) for x in g_star])
    allow = GAIN_TOL * max(1.0, float(np.abs(R).max()))
    r_range = float(R.max() - R.min())
    methods = [a for a in params["methods"] if a != "rvi" or kind != "multichain"]
    cells = []
    for method in methods:
        res = subject(m, method)
        gain = np.asarray(res.gain, dtype=float)
        g_pol = np.array([float(x) for x in bf.exact_gain(*bf.policy_chain(P3, R, res.policy))])
        lo, hi = (float(x) for x in res.certificate.bracket)
        rho = float(res.certificate.rounding)
        width = hi - lo
        cells.append(cell(f"{method}: max_s |g*(s) - bracket midpoint|",
                          float(np.max(np.abs(g_float - (lo + hi) / 2))),
                          width / 2 + rho + allow, r_range / 2))
        if method == "rvi":
            cells.append(cell("rvi: max_s |gain(s) - g*(s)|", float(np.max(np.abs(gain - g_float))),
                              width + rho + allow, r_range))
            cells.append(cell("rvi: max_s |g^policy(s) - g*(s)| (exact gain of the policy)",
                              float(np.max(np.abs(g_pol - g_float))), width + rho + allow,
                              r_range))
        else:
            cells.append(cell(f"{method}: max_s |gain(s) - g*(s)|",
                              float(np.max(np.abs(gain - g_float))), allow))
            cells.append(cell(f"{method}: max_s |g^policy(s) - g*(s)| (exact gain of the policy)",
                              float(np.max(np.abs(g_pol - g_float))), allow))
    return finish(cells, kind=kind, S=m.n_states, g_star=g_float.tolist())


register(Check(
    check_id="average.bracket_and_methods", card_id=None,
    title="Average reward: PI = LP = brute-force optimal gain, RVI within its bracket, every "
          "bracket holds g*",
    guarantee="deterministic",
    measured="|gain - g*| and the exact gain of the returned policy against g* (exact rationals, "
             "all deterministic policies), and the distance of g* from the bracket's midpoint "
             "against half its width",
    instances="S in [2, 4], A = 2: communicating, weakly communicating with transient states, "
              "multichain (RVI skipped); Jaksch-Ortner-Auer block and RiverSwim(4) committed",
    trial=trial_average, judge=judge_cells, default_subject=lambda: rlcert_solve_average,
    subject_kind="average-reward solver: (m, method in {'pi', 'lp', 'rvi'}) -> result with gain "
                 "(S,), policy (S,), certificate.bracket (lo, hi), certificate.rounding",
    n_trials=60, n_trials_quick=16, quick=False, params={"methods": ("pi", "lp", "rvi")},
    replay_instance=replay_average))
