"""Planning checks: value-iteration iterations, greedy-policy loss, the solvers' certificates
against exact rational values, policy iteration's exactness and iteration counts."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

from rlcert.bounds import evaluate
from rlcert.mdp import TabularMDP, evaluate_policy, greedy, instances, kernels, q_from_v, solve

from ..exact import optimal_value, policy_value, sup_distance, to_fractions
from ..framework import Check, Outcome, Plot, register
from ._cells import cell, finish, judge_cells
from ..statistics import loglog_slope
from ..verdicts import deterministic_rule, rate_rule

GAMMAS = (0.5, 0.9, 0.99)


def _rng(seed):
    return np.random.default_rng(seed)


def garnet_instance(params: dict, seed) -> TabularMDP:
    """A Garnet drawn from the trial's seed: S in [S_min, S_max], A in {2, 3, 4}, branching 3,
    gamma from the check's grid."""
    rng = _rng(seed)
    S = int(rng.integers(params.get("S_min", 5), params.get("S_max", 30) + 1))
    A = int(rng.integers(2, 5))
    gamma = float(rng.choice(params.get("gammas", GAMMAS)))
    return instances.garnet(S, A, min(3, S), seed=int(rng.integers(2 ** 31)), gamma=gamma)


def tiny_instance(params: dict, seed) -> TabularMDP:
    """A small random MDP (S <= 4, A <= 3, some exact zeros) for exact rational ground truth."""
    rng = _rng(seed)
    S, A = int(rng.integers(2, 5)), int(rng.integers(2, 4))
    w = rng.integers(0, 4, size=(S, A, S)).astype(float)
    w[w.sum(-1) == 0, 0] = 1.0
    P = w / w.sum(-1, keepdims=True)
    R = np.round(rng.random((S, A)) * 16) / 16
    return TabularMDP(P, R, float(rng.choice(params.get("gammas", GAMMAS))))


# -- value iteration's iteration count ------------------------------------------------------------------
def value_iteration(m: TabularMDP, n_sweeps: int) -> np.ndarray:
    """The default subject: ``n_sweeps`` Jacobi Bellman sweeps from ``V_0 = 0``."""
    S, A = m.n_states, m.n_actions
    V, V_new = np.zeros(S), np.empty(S)
    Q, pi = np.empty((S, A)), np.empty(S, np.int64)
    R = np.ascontiguousarray(m.R)
    for _ in range(n_sweeps):
        kernels.bellman_backup(m.operand, 0, R, m.gamma, V, Q, V_new, pi)
        V, V_new = V_new, V
    return V


def trial_vi_iterations(params, subject, seed, index) -> dict:
    m = garnet_instance(params, seed)
    eps = params["eps"]
    R_max = float(m.R.max())
    k = math.ceil(evaluate("planning.vi_iterations", R_max=R_max, eps=eps, gamma=m.gamma))
    V = subject(m, k)
    V_star = solve(m, method="pi", tol=1e-12).V
    error = float(np.max(np.abs(np.asarray(V) - V_star)))
    # the card's eps plus the oracle's own tolerance on V* (policy iteration to 1e-12, far below)
    bound = eps + 1e-9 * max(1.0, float(np.max(np.abs(V_star))))
    return {"S": m.n_states, "A": m.n_actions, "gamma": m.gamma, "sweeps": k, "error": error,
            "bound": bound, "passed": bool(error <= bound)}


def measured_over_bound(error: float, bound: float) -> float:
    """``error / bound``, with ``0 / 0 = 0`` and ``x / 0 = inf`` for ``x > 0``."""
    if bound > 0:
        return error / bound
    return 0.0 if error <= 0 else math.inf


def judge_deterministic(check: Check, trials: list[dict]) -> Outcome:
    """``holds`` iff every trial passed; trials report ``error`` and ``bound`` (the bound with
    every slack the pass rule allows, so that passing is ``error <= bound``) or their ``ratio``."""
    passed = np.array([t["passed"] for t in trials])
    verdict = deterministic_rule(passed)
    ratio = np.array([t["ratio"] if "ratio" in t else measured_over_bound(t["error"], t["bound"])
                      for t in trials])
    bad = [t["index"] for t in trials if not t["passed"]]
    details = (f"{int(passed.sum())}/{passed.size} instances within the bound; largest "
               f"measured/bound {np.max(ratio):.4g} (the bound includes every slack the rule "
               f"allows)")
    if bad:
        details += f"; first failing trial {bad[0]}"
    return Outcome(verdict, details, pass_rate=float(passed.mean()), counterexample=bad[0] if bad
                   else None, numbers={"max_ratio": float(np.max(ratio))},
                   plots=(Plot("hist", f"{check.check_id}: measured / bound", curves=ratio,
                               xlabel="measured / bound", ylabel="instances", reference=1.0),))


register(Check(
    check_id="planning.vi_iterations", card_id="planning.vi_iterations",
    title="Value iteration reaches eps after the card's number of sweeps",
    guarantee="deterministic", measured="||V_k - V*||_inf after k = ceil(card) sweeps from 0",
    instances="Garnet(S in [5, 30], A in [2, 4], branching 3), gamma in {0.5, 0.9, 0.99}",
    trial=trial_vi_iterations, judge=judge_deterministic, default_subject=lambda: value_iteration,
    subject_kind="solver: (m, n_sweeps) -> V", n_trials=60, n_trials_quick=24, quick=True,
    params={"eps": 1e-4}, replay_instance=garnet_instance))


# -- greedy loss ------------------------------------------------------------------------------------------
def greedy_policy(m: TabularMDP, V: np.ndarray) -> np.ndarray:
    """The default subject: the first maximiser of ``r + gamma P V``."""
    return greedy(q_from_v(m, V))[0]


def trial_greedy_loss(params, subject, seed, index) -> dict:
    m = garnet_instance(params, seed)
    rng = _rng(seed.spawn(1)[0])
    V_star = solve(m, tol=1e-12).V
    eps = params["eps"]
    V = V_star + eps * rng.uniform(-1.0, 1.0, m.n_states)
    pi = subject(m, V)
    loss = float(np.max(V_star - evaluate_policy(m, pi)))
    bound = evaluate("planning.greedy_loss", gamma=m.gamma, eps=eps) + \
        1e-9 * max(1.0, float(np.max(np.abs(V_star))))
    return {"gamma": m.gamma, "error": loss, "bound": bound, "passed": bool(loss <= bound)}


register(Check(
    check_id="planning.greedy_loss", card_id="planning.greedy_loss",
    title="Loss of the greedy policy of an eps-perturbed V*",
    guarantee="deterministic", measured="||V* - V^greedy||_inf",
    instances="Garnet, V = V* + eps * U[-1, 1] per state, eps = 0.05",
    trial=trial_greedy_loss, judge=judge_deterministic, default_subject=lambda: greedy_policy,
    subject_kind="policy extraction: (m, V) -> policy", n_trials=60, n_trials_quick=24,
    quick=True, params={"eps": 0.05}, replay_instance=garnet_instance))


# -- certificates against exact rational values -----------------------------------------------------------
def rlcert_solve(m: TabularMDP, method: str):
    """The default subject: :func:`rlcert.mdp.solve`."""
    return solve(m, method=method, tol=1e-10)


def _error_and_allowed(res, V_exact):
    """``(|V - V*|_inf, certificate + rounding)`` in exact rationals; a non-finite or negative
    certificate or rounding term allows nothing (the trial fails)."""
    err = sup_distance(res.V, V_exact)
    cert, rnd = float(res.certificate), float(res.rounding)
    if not (math.isfinite(cert) and math.isfinite(rnd)) or cert < 0 or rnd < 0:
        return err, Fraction(-1)
    return err, Fraction(cert) + Fraction(rnd)


def solver_cells(m: TabularMDP, res, V_exact, tag: str, tol: float | None) -> list[dict]:
    """Every claim a solver's result makes about itself, against exact rational truth:

    * ``|V - V*|_inf <= certificate + rounding``;
    * ``|Q - Q*|_inf <= gamma (certificate + rounding) + rounding`` (``Q`` is one backup of
      ``V``, ``Q* = r + gamma P V*``), when the result has ``Q``;
    * ``max_s (V* - V^policy)(s) <= policy_loss_bound + 2 rounding``, with ``V^policy`` the exact
      value of the returned policy, when it has ``policy`` and ``policy_loss_bound``;
    * every truly optimal action (``Q*(s, a) = V*(s)`` exactly) is in ``optimal_actions``;
    * ``certificate <= tol`` unless the result says it stopped at the floating-point floor.

    The bounds of the first three are ``vacuous`` at or above the trivial bound ``(r_max -
    r_min) / (1 - gamma)`` (every value function between ``r_min / (1 - gamma)`` and ``r_max / (1 -
    gamma)`` is that close to ``V*``)."""
    assert m.gamma is not None  # the solvers' models are discounted
    P, R, g = m.dense_P(), np.asarray(m.R), Fraction(m.gamma)
    Rf, Pf = to_fractions(R), to_fractions(P)
    trivial = float(Fraction(float(R.max())) - Fraction(float(R.min()))) / (1 - m.gamma)
    err, allowed = _error_and_allowed(res, V_exact)
    cells = [cell(f"{tag}: |V - V*|", err, allowed, trivial)]
    rnd = Fraction(float(res.rounding)) if math.isfinite(float(res.rounding)) else Fraction(-1)
    S, A = R.shape
    Q_exact = [[Rf[s, a] + g * sum(Pf[s, a, t] * V_exact[t] for t in range(S)) for a in range(A)]
               for s in range(S)]
    Q = getattr(res, "Q", None)
    if Q is not None:
        Q = np.asarray(Q, dtype=float)
        q_err = sup_distance(Q.ravel(), [q for row in Q_exact for q in row]) \
            if Q.shape == (S, A) else math.inf
        q_allowed = g * allowed + rnd if allowed >= 0 else Fraction(-1)
        cells.append(cell(f"{tag}: |Q - Q*|", q_err, q_allowed, trivial))
    policy, loss_bound = getattr(res, "policy", None), getattr(res, "policy_loss_bound", None)
    if policy is not None and loss_bound is not None:
        pol = np.asarray(policy)
        if pol.shape == (S,) and np.issubdtype(pol.dtype, np.integer) and \
                np.all((0 <= pol) & (pol < A)):
            V_pi = policy_value(P, R, m.gamma, [int(a) for a in pol])
            loss = max(v - w for v, w in zip(V_exact, V_pi))
        else:
            loss = math.inf
        lb = float(loss_bound)
        bound = Fraction(lb) + 2 * rnd if math.isfinite(lb) and lb >= 0 and rnd >= 0 \
            else Fraction(-1)
        cells.append(cell(f"{tag}: policy loss", loss, bound, trivial))
    flagged = getattr(res, "optimal_actions", None)
    if flagged is not None:
        flagged = np.asarray(flagged, dtype=bool)
        missed = sum(1 for s in range(S) for a in range(A)
                     if Q_exact[s][a] == V_exact[s] and not (flagged.shape == (S, A)
                                                            and flagged[s, a]))
        cells.append(cell(f"{tag}: truly optimal actions missing from optimal_actions", missed, 0))
    if tol is not None and getattr(res, "status", None) not in (None, "floor"):
        cells.append(cell(f"{tag}: certificate <= tol", float(res.certificate), tol))
    return cells


def trial_certificate(params, subject, seed, index) -> dict:
    m = tiny_instance(params, seed)
    V_exact = optimal_value(m.dense_P(), m.R, m.gamma)
    cells = []
    for method in params["methods"]:
        cells += solver_cells(m, subject(m, method), V_exact, method, params["tol"])
    return finish(cells, gamma=m.gamma)


register(Check(
    check_id="planning.certificates", card_id="planning.residual_certificate",
    title="Every solver's result keeps its own claims: V, Q and the policy within their bounds, "
          "the optimal actions flagged, tol met (exact rational truth)",
    guarantee="deterministic",
    measured="|V - V*|, |Q - Q*|, the returned policy's exact loss, missed optimal actions, "
             "the certificate against tol (each against its bound, rounding included)",
    instances="random MDPs, S in [2, 4], A in [2, 3], rewards on a 1/16 grid",
    trial=trial_certificate, judge=judge_cells, default_subject=lambda: rlcert_solve,
    subject_kind="solver: (m, method) -> result with V, certificate, rounding (and, checked "
                 "when present, Q, policy, policy_loss_bound, optimal_actions, status)",
    n_trials=80, n_trials_quick=30, quick=True,
    params={"methods": ("vi", "gs", "pi", "mpi", "lp"), "tol": 1e-10},
    replay_instance=tiny_instance))


# -- policy iteration's exactness ---------------------------------------------------------------------------
def exactness_instance(params: dict, seed) -> TabularMDP:
    """RiverSwim(n) with n in [3, 6] (policy iteration needs several improvements there) or a
    small random MDP, every other trial."""
    rng = _rng(seed)
    if rng.random() < 0.5:
        return instances.riverswim(int(rng.integers(3, 7)), gamma=float(rng.choice((0.9, 0.95))))
    return tiny_instance(params, seed)


def trial_pi_exact(params, subject, seed, index) -> dict:
    m = exactness_instance(params, seed)
    V_exact = optimal_value(m.dense_P(), m.R, m.gamma)
    return finish(solver_cells(m, subject(m, "pi"), V_exact, "pi", params["tol"]),
                  S=m.n_states)


register(Check(
    check_id="planning.pi_exact", card_id="planning.residual_certificate",
    title="Policy iteration's answer is V* to its stated certificate (exact rational V*)",
    guarantee="deterministic", measured="|V - V*|, |Q - Q*|, policy loss, missed optimal actions, tol",
    instances="RiverSwim(3..6), gamma in {0.9, 0.95}, and small random MDPs",
    trial=trial_pi_exact, judge=judge_cells, default_subject=lambda: rlcert_solve,
    subject_kind="solver: (m, 'pi') -> result with V, certificate, rounding (and, checked when "
                 "present, Q, policy, policy_loss_bound, optimal_actions, status)",
    n_trials=40, n_trials_quick=16, quick=True, params={"tol": 1e-10},
    replay_instance=exactness_instance))


# -- policy iteration's iteration count (order card: rate only) ----------------------------------------------
def trial_pi_iterations(params, subject, seed, index) -> dict:
    rng = _rng(seed)
    S, A = 20, 3
    m0 = instances.garnet(S, A, 3, seed=int(rng.integers(2 ** 31)))
    its = []
    for h in params["horizons"]:
        res = subject(m0.with_gamma(1.0 - 1.0 / h), "pi")
        its.append(res.iterations)
    return {"iterations": its, "horizons": list(params["horizons"]),
            "bound": [evaluate("planning.pi_iterations", m=S * A, gamma=1 - 1 / h)
                      for h in params["horizons"]]}


def judge_pi_iterations(check: Check, trials: list[dict]) -> Outcome:
    x = np.array(trials[0]["horizons"], dtype=float)
    curves = np.array([t["iterations"] for t in trials], dtype=float)
    slope = loglog_slope(x, curves.mean(axis=0))
    from ..statistics import bootstrap_slope
    s, lo, hi = bootstrap_slope(x, curves, check.alpha)
    claimed = 1.0 + 1.0 / math.log(float(np.sqrt(x[0] * x[-1])))
    verdict = rate_rule(lo, claimed)
    ratio = float(np.max(curves / np.array(trials[0]["bound"])))
    return Outcome(verdict, f"iterations grow like (1/(1-gamma))^{slope:.2f} over effective "
                   f"horizons {x.tolist()} (the card claims at most exponent {claimed:.2f}); "
                   f"largest iterations / (m/(1-gamma) log(1/(1-gamma))) = {ratio:.3g} (order "
                   f"card: no constant to test)", slope=s, slope_ci=(lo, hi),
                   numbers={"max_ratio_to_rate": ratio},
                   plots=(Plot("curves", "policy-iteration iterations", x=x, curves=curves,
                               xlabel="1/(1-gamma)", ylabel="iterations", integer_y=True),))


register(Check(
    check_id="planning.pi_iterations", card_id="planning.pi_iterations",
    title="Policy iteration's iteration count against Scherrer's rate (order card)",
    guarantee="rate", measured="PI iterations as the effective horizon grows",
    instances="Garnet(20, 3, 3), effective horizons 10, 100, 1000",
    trial=trial_pi_iterations, judge=judge_pi_iterations, default_subject=lambda: rlcert_solve,
    subject_kind="solver: (m, 'pi') -> result with iterations", n_trials=20, n_trials_quick=8,
    quick=False, params={"horizons": (10, 100, 1000)}))
