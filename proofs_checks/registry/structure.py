r"""Structure checks: the diameter and the total-variation mixing time against brute force in
exact rationals.

**Diameter** (Jaksch, Ortner and Auer 2010, Def. 1): ``D = max_{s != s'} min_pi E^pi[T(s') |
s_0 = s]``. Each inner minimum is a stochastic shortest path with unit costs, attained by a
deterministic stationary policy (Bertsekas and Tsitsiklis 1991), so the verifier enumerates the
``A^S`` deterministic policies and computes every hitting time exactly (rational linear solves;
``inf`` where the target is missed with positive probability, from the chain's closed classes).
Claims: the reported ``D`` is an upper bound (it is a policy's exact hitting time), within the
reported certificate of the truth, attained at the reported pair; ``D = inf`` exactly when some
pair is unreachable.

**Mixing time** (Levin, Peres and Wilmer 2009, Sec. 4.5): ``t_mix(eps) = min{t : max_s
TV(P^t(s, .), P*(s, .)) <= eps}`` with ``P* = lim P^t``, ``inf`` when a closed class is periodic
(the limit does not exist). The verifier computes ``P*`` from the closed classes (networkx) and
``P^t`` step by step, all in exact rationals, and the periods from networkx; the reported
integer must equal the first ``t`` with ``d(t) <= eps``. The rationals are the fractions with
denominator at most 1000 that the float probabilities stand for (``0.35`` as ``7/20``; every
instance here has such probabilities), which differ from the floats by about an ulp per entry:
that moves ``P^t`` by at most ``t`` ulps in L1 per row and ``P*`` by a few ulps times the
chain's condition (small on these chains), far below the ``1e-12`` of the tie rule. Where ``d``
at the deciding step lies within ``1e-12`` of ``eps`` a float computation may decide either way,
and one step either side is accepted (the bound is then 1.5 instead of 0.5).
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

from rlcert.mdp import TabularMDP, instances
from rlcert.mdp.structure import diameter, mixing_time

from .. import brute_force as bf
from ..framework import Check, register
from ._cells import cell, finish, judge_cells, trial_index, undecided

# -- diameter --------------------------------------------------------------------------------------


def diameter_instance(params: dict, seed) -> TabularMDP:
    """Every 4th trial a committed instance: RiverSwim(n), n in {3, 4, 5} (birth-death hitting
    times), or the Jaksch-Ortner-Auer block with ``delta = 1/8`` and 3 actions (``D = 8``).
    Otherwise S in [2, 4], A in {1, 2}: stochastic (integer weights 0..3, and half the time
    action 0 moves ``s -> s + 1 mod S`` so that the MDP communicates) or deterministic
    transitions (a random successor per action; often not communicating)."""
    rng = np.random.default_rng(seed)
    i = trial_index(seed)
    if i % 4 == 0:
        k = (i // 4) % 4
        if k == 3:
            return instances.joa_two_state(delta=0.125, eps=0.05, n_actions=3)
        return instances.riverswim(3 + k)
    S, A = int(rng.integers(2, 5)), int(rng.integers(1, 3))
    R = np.zeros((S, A))
    if rng.random() < 0.3:
        P = np.zeros((S, A, S))
        succ = rng.integers(0, S, size=(S, A))
        P[np.arange(S)[:, None], np.arange(A)[None, :], succ] = 1.0
        return TabularMDP(P, R)
    w = rng.integers(0, 4, size=(S, A, S)).astype(float)
    if rng.random() < 0.5:
        w[np.arange(S), 0, (np.arange(S) + 1) % S] += 1.0
    w[w.sum(-1) == 0, 0] = 1.0
    return TabularMDP(w / w.sum(-1, keepdims=True), R)


def rlcert_diameter(m: TabularMDP):
    """The default subject: :func:`rlcert.mdp.structure.diameter`."""
    return diameter(m)


def _f(x) -> float:
    return math.inf if x is None or x == math.inf else float(x)


def trial_diameter(params, subject, seed, index) -> dict:
    """One MDP: the exact diameter by enumeration; cells ``D* - D <= slack`` (the reported value is
    an upper bound), ``|D - D*| <= certificate + slack`` and ``|t*(pair) - D*| <= certificate +
    slack``, slack ``1e-12 S max(1, D*)``; infinite values must agree exactly."""
    m = diameter_instance(params, seed)
    P3 = m.dense_P()
    times = bf.min_hitting_times(P3)
    D_star = bf.diameter(P3)
    res = subject(m)
    D, cert = float(res.D), float(res.certificate)
    cells = []
    if D_star == math.inf or D == math.inf:
        same = D_star == math.inf and D == math.inf
        cells.append(cell("D = inf exactly when some pair is unreachable", 0.0 if same else
                          math.inf, 0.0))
        if same and res.pair is not None:
            s, t = res.pair
            cells.append(cell("the reported pair is unreachable",
                              0.0 if times[s][t] is None else math.inf, 0.0))
        return finish(cells, S=m.n_states, A=m.n_actions, D_star=_f(D_star), D=D)
    slack = 1e-12 * m.n_states * max(1.0, float(D_star))
    cells.append(cell("D* - D (D is a policy's hitting time: an upper bound)",
                      float(D_star - Fraction(D)), slack))
    cells.append(cell("|D - D*|", abs(float(Fraction(D) - D_star)), cert + slack))
    if res.pair is not None:
        s, t = res.pair
        cells.append(cell("|t*(pair) - D*| (D attained at the reported pair)",
                          abs(_f(times[s][t]) - float(D_star)), cert + slack))
    return finish(cells, S=m.n_states, A=m.n_actions, D_star=float(D_star), D=D)


register(Check(
    check_id="structure.diameter_brute_force", card_id=None,
    title="Exact diameter against a brute force over deterministic policies (exact rationals)",
    guarantee="deterministic",
    measured="D* - D, |D - D*| and the true hitting time of the reported pair, D* = max_{s != s'} "
             "min_pi E[T(s')|s] from exact hitting times of every deterministic policy",
    instances="random MDPs (S in [2, 4], A in {1, 2}; stochastic or deterministic, communicating "
              "or not); RiverSwim(3, 4, 5) and the Jaksch-Ortner-Auer block (D = 8) committed",
    trial=trial_diameter, judge=judge_cells, default_subject=lambda: rlcert_diameter,
    subject_kind="diameter: (m) -> result with D, pair (s, s'), certificate",
    n_trials=60, n_trials_quick=16, quick=False, replay_instance=diameter_instance))


# -- mixing time -----------------------------------------------------------------------------------

#: Accuracy levels; irrational-looking floats, so that exact ties ``d(t) = eps`` are rare.
EPS_LEVELS = (1.0 / (3.0 * math.sqrt(2.0)), 0.25 / math.e * 2.0, 0.1 * math.pi / 3.0)

#: Longest step-by-step power the exact truth computes.
T_MAX = 400


def mixing_instance(params: dict, seed) -> tuple[np.ndarray, float]:
    """Every 4th trial a committed chain: two states ``[[1-p, p], [q, 1-q]]`` with ``p, q`` in
    ``{1..100}/101`` (``d(t) = max(p, q)/(p + q) |1 - p - q|^t``), RiverSwim(6) under
    "always right", the 3-cycle (period 3: ``inf``), or two absorbing states with a transient one
    between them at ``eps = 1/4`` (``d(t) = 2^-t``: an exact tie at ``t = 2``). Otherwise a
    random chain on S in [2, 5] states with probabilities on the 1/8 grid (a lazy step added half
    the time)."""
    rng = np.random.default_rng(seed)
    i = trial_index(seed)
    eps = float(rng.choice(EPS_LEVELS))
    if i % 4 == 0:
        k = (i // 4) % 4
        if k == 0:
            p, q = (int(x) for x in rng.integers(1, 101, size=2))
            return np.array([[1 - p / 101, p / 101], [q / 101, 1 - q / 101]]), eps
        if k == 1:
            M = instances.riverswim(6).policy_matrix(np.ones(6, dtype=int))
            return np.asarray(M if isinstance(M, np.ndarray) else M.toarray(), dtype=float), eps
        if k == 2:
            return np.roll(np.eye(3), 1, axis=1), eps
        return np.array([[1.0, 0, 0], [0, 1.0, 0], [0.25, 0.25, 0.5]]), 0.25
    S = int(rng.integers(2, 6))
    counts = np.array([rng.multinomial(8, rng.dirichlet(np.full(S, 0.7))) for _ in range(S)])
    if rng.random() < 0.5:
        counts = counts + 8 * np.eye(S, dtype=int)
        return counts / 16.0, eps
    return counts / 8.0, eps


def rlcert_mixing_time(P: np.ndarray, eps: float):
    """The default subject: :func:`rlcert.mdp.structure.mixing_time` of a chain matrix."""
    return mixing_time(P, eps=eps)


def trial_mixing(params, subject, seed, index) -> dict:
    """One chain: ``t*`` from the exact total-variation profile (``inf`` for a periodic closed
    class; no ground truth if ``d(t) > eps`` up to ``t = 400``); cell ``|t_mix - t*|`` against
    1/2 (the integers must agree), 3/2 at a near-tie."""
    P, eps = mixing_instance(params, seed)
    periods = bf.class_periods(P)
    res = subject(P, eps)
    t = float(res.t_mix)
    if max(periods) > 1:
        return finish([cell("periodic closed class: t_mix = inf", 0.0 if t == math.inf
                            else math.inf, 0.0)], S=P.shape[0], eps=eps, t_star=math.inf, t=t)
    out = bf.mixing_time_exact(P, eps, T_MAX, max_denominator=1000)
    if out is None:
        return undecided(f"d(t) > eps up to t = {T_MAX}", S=P.shape[0], eps=eps)
    t_star, d_before, d_at = out
    tie = any(d is not None and abs(float(d) - eps) <= 1e-12 for d in (d_before, d_at))
    return finish([cell("|t_mix - t*|", abs(t - t_star), 1.5 if tie else 0.5)], S=P.shape[0],
                  eps=eps, t_star=t_star, t=t, near_tie=tie)


register(Check(
    check_id="structure.mixing_time_brute_force", card_id=None,
    title="Total-variation mixing time against exact step-by-step powers",
    guarantee="deterministic",
    measured="|t_mix - t*|, t* the first t with max_s TV(P^t(s, .), P*(s, .)) <= eps in exact "
             "rationals (P* from the closed classes), inf for periodic chains",
    instances="random chains on 2-5 states with probabilities on the 1/8 grid (lazy or not); "
              "two-state closed forms, RiverSwim(6) 'always right', a 3-cycle and a reducible "
              "chain with an exact tie committed",
    trial=trial_mixing, judge=judge_cells, default_subject=lambda: rlcert_mixing_time,
    subject_kind="mixing time: (P (S, S) chain matrix, eps) -> result with t_mix",
    n_trials=80, n_trials_quick=16, quick=False))
