"""Policy-gradient checks: exact softmax PG (Mei et al. 2020), NPG (Agarwal et al. 2021) and
entropy-regularised NPG (Cen et al. 2022) on random small MDPs, every iterate judged; and the
sample-complexity rates of stochastic N-PG-IGT and (N)-HARPG (Fatkhullin et al. 2023), order only.

The subject only optimises; the verifier re-evaluates every returned policy with its own oracle
(:func:`rlcert.mdp.evaluate_policy`, :func:`rlcert.mdp.occupancy`, :func:`rlcert.mdp.q_from_v`, and
a numpy soft evaluation) and measures every quantity from those values. Each trial is a set of
cells (:mod:`._cells`), judged by the deterministic rule.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from rlcert.estimators.policy_gradient import entropy_npg, npg, soft_optimal, softmax_pg
from rlcert.mdp import TabularMDP, evaluate_policy, occupancy, q_from_v, solve

from ..framework import Check, CheckError, Outcome, register
from ._cells import cell, finish, judge_cells, trial_index

GAMMAS = (0.5, 0.7, 0.9)


def pg_instance(params: dict, seed) -> TabularMDP:
    """A random MDP: S in [2, 5], A in [2, 3], rewards U[0, 1], a full-support start distribution
    (Dirichlet(1)), gamma from the check's grid; transitions Dirichlet(1/2) rows."""
    rng = np.random.default_rng(seed)
    S, A = int(rng.integers(2, params.get("S_max", 5) + 1)), int(rng.integers(2, 4))
    P = rng.dirichlet(np.full(S, 0.5), size=(S, A))
    P /= P.sum(-1, keepdims=True)
    R = rng.random((S, A))
    mu = rng.dirichlet(np.ones(S))
    mu = np.maximum(mu, 1e-3)
    mu /= mu.sum()
    gamma = float(rng.choice(params.get("gammas", GAMMAS)))
    return TabularMDP(P, R, gamma, mu)


def _checked_iterates(T: int, k: int) -> np.ndarray:
    """About ``k`` iterates ``t`` in ``[0, T)`` (log-spaced, 0 and T-1 included)."""
    if T <= k:
        return np.arange(T)
    return np.unique(np.concatenate([[0, T - 1], np.geomspace(1, T - 1, k).astype(int)]))


def _discount(m: TabularMDP) -> float:
    """``m.gamma`` as a float: these checks are about the discounted criterion."""
    if m.gamma is None:
        raise CheckError(f"policy-gradient checks need a discounted model, got gamma=None in {m!r}")
    return m.gamma


def _trivial(m: TabularMDP) -> float:
    R = np.asarray(m.R)
    return float(R.max() - R.min()) / (1.0 - _discount(m))


def _tol(m: TabularMDP) -> float:
    return 1e-10 * max(1.0, float(np.abs(m.R).max())) / (1.0 - _discount(m))


def _policies(res, m: TabularMDP, T: int):
    pis = np.asarray(getattr(res, "policies", None), dtype=float)
    if pis.shape != (T + 1, m.n_states, m.n_actions):
        return None
    return pis


# -- exact softmax policy gradient -----------------------------------------------------------------
def mei_softmax_pg(m: TabularMDP, n_iter: int):
    """The default subject: :func:`rlcert.estimators.policy_gradient.softmax_pg` at the step
    ``(1 - gamma)^3 / 8``, started from the uniform policy, ``mu = m.initial``."""
    return softmax_pg(m, n_iter)


def verifier_gradient(m: TabularMDP, pi: np.ndarray) -> tuple[np.ndarray, float]:
    """``grad_theta V^pi(mu)`` of the softmax parametrisation from the oracle's occupancy and
    ``Q``, and ``V^pi(mu)``."""
    V = evaluate_policy(m, pi)
    Q = q_from_v(m, V)
    d = occupancy(m, pi).sum(axis=1)
    return d[:, None] * pi * (Q - V[:, None]) / (1.0 - _discount(m)), float(V @ m.initial)


def trial_softmax_pg(params, subject, seed, index) -> dict:
    m = pg_instance(params, seed)
    T, g = params["n_iter"], _discount(m)
    res = subject(m, T)
    pis = _policies(res, m, T)
    if pis is None:
        return finish([cell("result holds pi_0..pi_T", 1, 0)], gamma=g)
    sol = solve(m, method="pi", tol=1e-12)
    V_star = sol.V
    mu = m.initial
    tol = _tol(m)
    # ascent lemma at step (1-gamma)^3/8: V_{t+1}(mu) - V_t(mu) >= (1-gamma)^3/16 ||grad_t||^2
    ts = _checked_iterates(T, params["n_checked"])
    worst = 0.0  # max_t required / (achieved + tol): the claim is worst <= 1
    for t in ts:
        grad, v_t = verifier_gradient(m, pis[t])
        v_next = float(evaluate_policy(m, pis[t + 1]) @ mu)
        need = (1.0 - g) ** 3 / 16.0 * float(np.sum(grad ** 2))
        got = v_next - v_t + tol
        worst = max(worst, need / got if got > 0 else math.inf)
    cells = [cell("ascent: V_{t+1}(mu) - V_t(mu) + tol >= (1-gamma)^3/16 ||grad V_t(mu)||^2 "
                  "(ratio)", worst, 1.0)]
    # Mei et al. Thm 4 in its smaller restated form 16 S ||d_mu^{pi*}/mu|| / (c^2 (1-gamma)^6 t)
    Qs = q_from_v(m, V_star)
    opt = Qs >= V_star[:, None] - 1e-9 * max(1.0, float(np.abs(V_star).max()))
    c = float(np.min((pis * opt[None]).sum(axis=2)))  # inf over the run of pi_t(a*(s)|s)
    pi_star = np.zeros((m.n_states, m.n_actions))
    pi_star[np.arange(m.n_states), np.argmax(opt, axis=1)] = 1.0
    mismatch = float(np.max(occupancy(m, pi_star).sum(axis=1) / mu))
    t_all = np.arange(1, T + 1)
    bound_t = 16.0 * m.n_states * mismatch / (c ** 2 * (1.0 - g) ** 6 * t_all)
    ts_b = _checked_iterates(T + 1, params["n_checked"])
    ts_b = ts_b[ts_b >= 1]
    gaps = np.array([float((V_star - evaluate_policy(m, pis[t])) @ mu) for t in ts_b])
    live = bound_t[ts_b - 1] < _trivial(m)
    ratios = gaps / bound_t[ts_b - 1]
    r = float(np.max(ratios[live])) if live.any() else float(np.max(ratios))
    cells.append(cell("Mei et al. Thm 4 (16 S ||d/mu|| / (c^2 (1-gamma)^6 t)) at every t", r, 1.0,
                      trivial=None if live.any() else 1.0))
    gap_T = float((V_star - evaluate_policy(m, pis[T])) @ mu)
    return finish(cells, S=m.n_states, A=m.n_actions, gamma=g, c=c, mismatch=mismatch,
                  gap_T=gap_T, bound_T=float(bound_t[-1]), mei_live=bool(live.any()),
                  mei_ratio=r)


def _with_numbers(outcome: Outcome, trials: list[dict], keys: tuple[str, ...]) -> Outcome:
    nums = dict(outcome.numbers)
    extra = []
    for k in keys:
        vals = np.array([t[k] for t in trials if k in t], dtype=float)
        if vals.size:
            nums[f"min_{k}"], nums[f"max_{k}"] = float(vals.min()), float(vals.max())
            extra.append(f"{k} in [{vals.min():.3g}, {vals.max():.3g}]")
    return dataclasses.replace(outcome, numbers=nums,
                               details=outcome.details + ("; " + ", ".join(extra) if extra else ""))


def judge_softmax(check: Check, trials: list[dict]) -> Outcome:
    out = _with_numbers(judge_cells(check, trials), trials, ("c", "gap_T", "bound_T"))
    live = [t["mei_ratio"] for t in trials if t.get("mei_live")]
    nums = {**out.numbers, "mei_nonvacuous_trials": len(live),
            "mei_max_ratio": float(max(live)) if live else None}
    note = (f"; Thm 4 cell non-vacuous (bound below (r_max - r_min)/(1-gamma) at some t) in "
            f"{len(live)}/{len(trials)} trials" + (f", largest gap/bound {max(live):.3g}" if live
                                                   else ": the bound is vacuous on every trial"))
    return dataclasses.replace(out, numbers=nums, details=out.details + note)


register(Check(
    check_id="pg.softmax_exact", card_id="pg.softmax.upper",
    title="Exact softmax policy gradient at step (1-gamma)^3/8: the ascent lemma at every "
          "iterate and Mei et al.'s O(1/t) bound with c measured along the run",
    guarantee="deterministic",
    measured="V_{t+1}(mu) - V_t(mu) against (1-gamma)^3/16 ||grad||^2 (verifier's gradient), "
             "V*(mu) - V_t(mu) against 16 S ||d_mu^{pi*}/mu||_inf / (c^2 (1-gamma)^6 t)",
    instances="random MDPs, S in [2, 5], A in [2, 3], Dirichlet(1/2) rows, U[0,1] rewards, "
              "full-support mu, gamma in {0.5, 0.7, 0.9}",
    trial=trial_softmax_pg, judge=judge_softmax, default_subject=lambda: mei_softmax_pg,
    subject_kind="optimiser: (m, n_iter) -> result with policies (n_iter+1, S, A)",
    n_trials=40, n_trials_quick=10, quick=True, params={"n_iter": 3000, "n_checked": 60, "gammas": GAMMAS,
                                                    "S_max": 5},
    replay_instance=pg_instance))


# -- natural policy gradient -----------------------------------------------------------------------
ETAS = (0.1, 1.0, 10.0)


def agarwal_npg(m: TabularMDP, n_iter: int, eta: float):
    """The default subject: :func:`rlcert.estimators.policy_gradient.npg` from theta_0 = 0."""
    return npg(m, n_iter, eta)


def trial_npg(params, subject, seed, index) -> dict:
    m = pg_instance(params, seed)
    etas = params["etas"]
    eta = float(etas[trial_index(seed) % len(etas)])
    T, g, A = params["n_iter"], _discount(m), m.n_actions
    res = subject(m, T, eta)
    pis = _policies(res, m, T)
    if pis is None:
        return finish([cell("result holds pi_0..pi_T", 1, 0)], gamma=g)
    V_star = solve(m, method="pi", tol=1e-12).V
    tol = _tol(m)
    V = np.array([evaluate_policy(m, pis[t]) for t in range(T + 1)])
    t_all = np.arange(1, T + 1)
    bound = math.log(A) / (eta * t_all) + 1.0 / ((1.0 - g) ** 2 * t_all)
    gap = np.max(V_star[None, :] - V[1:], axis=1)  # worst start state: the bound holds for all rho
    live = bound < _trivial(m)
    ratio = gap / bound
    r = float(np.max(ratio[live])) if live.any() else float(np.max(ratio))
    cells = [cell("Agarwal et al. Thm 16: V* - V^(t) <= log A/(eta t) + 1/((1-gamma)^2 t), "
                  "every t and state", r, 1.0, trivial=None if live.any() else 1.0)]
    cells.append(cell("monotone: V^(t+1) >= V^(t) in every state",
                      max(0.0, float(np.max(V[:-1] - V[1:]))), tol))
    # improvement lower bound: V^(t+1)(s) - V^(t)(s) >= (1-gamma)/eta log Z_t(s), with
    # Z_t(s) = sum_a pi_t(a|s) exp(eta A_t(s, a)/(1-gamma)) (performance difference + Jensen +
    # d_s^{t+1}(s) >= 1-gamma), for the step eta the subject was asked to use
    upd = 0.0  # the update rule pi_{t+1} ∝ pi_t exp(eta A_t / (1-gamma)) (Agarwal et al., Lemma 15)
    worst = 0.0  # max over t, s of required / (achieved + tol)
    for t in range(T):
        Adv = q_from_v(m, V[t]) - V[t][:, None]
        x = eta * Adv / (1.0 - g)
        mx = x.max(axis=1)
        logZ = mx + np.log(np.sum(pis[t] * np.exp(x - mx[:, None]), axis=1))
        # in probability space (large eta drives probabilities to exact zeros in floating point)
        w = pis[t] * np.exp(x - mx[:, None])
        upd = max(upd, float(np.max(np.abs(pis[t + 1] - w / w.sum(axis=1, keepdims=True)))))
        need = (1.0 - g) / eta * logZ
        got = V[t + 1] - V[t] + tol
        with np.errstate(divide="ignore", invalid="ignore"):
            q = np.where(got > 0, need / got, np.where(need > 0, np.inf, 0.0))
        worst = max(worst, float(np.max(q)))
    cells.append(cell("improvement: V^(t+1) - V^(t) + tol >= (1-gamma)/eta log Z_t (ratio)",
                      worst, 1.0))
    cells.append(cell("update: pi_{t+1} = pi_t exp(eta A_t/(1-gamma)) / Z_t", upd, 1e-9))
    return finish(cells, S=m.n_states, A=A, gamma=g, eta=eta, gap_T=float(gap[-1]),
                  bound_T=float(bound[-1]))


def judge_npg(check: Check, trials: list[dict]) -> Outcome:
    return _with_numbers(judge_cells(check, trials), trials, ("gap_T", "bound_T"))


register(Check(
    check_id="pg.npg_exact", card_id="pg.npg.upper",
    title="Exact NPG: Agarwal et al.'s log A/(eta T) + 1/((1-gamma)^2 T) at every iterate and "
          "start state, monotone improvement, the per-step improvement lower bound and the "
          "update rule at the requested eta",
    guarantee="deterministic",
    measured="max_s V*(s) - V^(t)(s) against the card, V^(t+1) - V^(t), and V^(t+1) - V^(t) "
             "against (1-gamma)/eta log Z_t (verifier's exact values)",
    instances="random MDPs as pg.softmax_exact, eta in {0.1, 1, 10} by trial",
    trial=trial_npg, judge=judge_npg, default_subject=lambda: agarwal_npg,
    subject_kind="optimiser: (m, n_iter, eta) -> result with policies (n_iter+1, S, A)",
    n_trials=60, n_trials_quick=12, quick=True, params={"n_iter": 150, "etas": ETAS, "gammas": GAMMAS,
                                                    "S_max": 5},
    replay_instance=pg_instance))


# -- entropy-regularised NPG -----------------------------------------------------------------------
def cen_entropy_npg(m: TabularMDP, n_iter: int, tau: float, eta: float):
    """The default subject: :func:`rlcert.estimators.policy_gradient.entropy_npg`."""
    return entropy_npg(m, n_iter, tau, eta)


def soft_evaluation(m: TabularMDP, tau: float, pi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The verifier's ``(V_tau^pi, Q_tau^pi)``: ``V = (I - gamma P_pi)^{-1} r_tau``,
    ``r_tau(s) = sum_a pi (r - tau log pi)``, ``Q = r + gamma P V`` (numpy, dense)."""
    P, R, g = m.dense_P(), np.asarray(m.R), _discount(m)
    with np.errstate(divide="ignore", invalid="ignore"):
        ent = np.where(pi > 0, pi * np.log(pi), 0.0)
    r = np.sum(pi * R, axis=1) - tau * ent.sum(axis=1)
    P_pi = np.einsum("sa,sat->st", pi, P)
    V = np.linalg.solve(np.eye(m.n_states) - g * P_pi, r)
    return V, R + g * P @ V


def trial_entropy_npg(params, subject, seed, index) -> dict:
    m = pg_instance(params, seed)
    i = trial_index(seed)
    taus, fracs = params["taus"], params["eta_fractions"]
    tau = float(taus[i % len(taus)])
    frac = float(fracs[(i // len(taus)) % len(fracs)])
    g = _discount(m)
    eta = frac * (1.0 - g) / tau
    T = params["n_iter"]
    res = subject(m, T, tau, eta)
    pis = _policies(res, m, T)
    if pis is None:
        return finish([cell("result holds pi_0..pi_T", 1, 0)], gamma=g)
    scale = max(1.0, float(np.abs(m.R).max()) + tau * math.log(m.n_actions)) / (1.0 - g)
    tol = 1e-10 * scale
    Qs = np.array([soft_evaluation(m, tau, pis[t])[1] for t in range(T + 1)])
    alpha = eta * tau / (1.0 - g)
    # update rule: log pi_{t+1} = (1-alpha) log pi_t + alpha Q_tau^(t)/tau - log Z (soft policy
    # iteration pi_{t+1} ∝ exp(Q_tau^(t)/tau) at alpha = 1)
    # compared in probability space: a small tau drives probabilities to exact zeros
    with np.errstate(divide="ignore"):
        logits = (1.0 - alpha) * np.log(pis[:-1]) + alpha * Qs[:-1] / tau
    logits -= logits.max(axis=2, keepdims=True)
    want = np.exp(logits)
    want /= want.sum(axis=2, keepdims=True)
    upd = float(np.max(np.abs(pis[1:] - want)))
    cells = [cell("update: pi_{t+1} ∝ pi_t^{1-eta tau/(1-gamma)} exp(eta Q_tau^(t)/(1-gamma))",
                  upd, 1e-9)]
    cells.append(cell("monotone: Q_tau^(t+1) >= Q_tau^(t)",
                      max(0.0, float(np.max(Qs[:-1] - Qs[1:]))), tol))
    so = soft_optimal(m, tau, tol=1e-13)
    err = np.max(np.abs(Qs - so.Q[None]), axis=(1, 2))
    cells.append(cell("Q_tau^(t) <= Q*_tau (soft VI, error g*1e-13)",
                      max(0.0, float(np.max(Qs - so.Q[None]))), tol + g * so.error))
    # linear rate in the form of theorems.md PG-4 (constants unverified: reported, not judged)
    with np.errstate(divide="ignore"):
        logpi0 = np.log(pis[0])
    C1 = err[0] + 2 * tau * (1 - alpha) * float(np.max(np.abs(np.log(so.policy) - logpi0)))
    t = np.arange(T)
    rate_bound = C1 * g * (1.0 - eta * tau) ** t
    floor = 1e-11 * scale
    sel = rate_bound > floor
    c1_ratio = float(np.max(err[1:][sel] / rate_bound[sel])) if sel.any() else 0.0
    return finish(cells, S=m.n_states, A=m.n_actions, gamma=g, tau=tau, eta_fraction=frac,
                  c1_ratio=c1_ratio, err_T=float(err[-1]))


def judge_entropy(check: Check, trials: list[dict]) -> Outcome:
    out = _with_numbers(judge_cells(check, trials), trials, ("c1_ratio", "err_T"))
    return dataclasses.replace(out, details=out.details + " (c1_ratio: ||Q*_tau - Q_tau^(t+1)|| "
                               "over C1 gamma (1 - eta tau)^t in theorems.md PG-4's unverified "
                               "form; not part of the verdict)")


register(Check(
    check_id="pg.entropy_npg_exact", card_id="pg.entropy_npg.upper",
    title="Entropy-regularised NPG (Cen et al. 2022): the update equals its closed form (soft "
          "policy iteration at eta = (1-gamma)/tau), monotone Q_tau, below Q*_tau",
    guarantee="deterministic",
    measured="log pi_{t+1} against the closed form, Q_tau^(t+1) - Q_tau^(t), Q_tau^(t) - Q*_tau "
             "(verifier's soft evaluation, soft VI to 1e-13); the PG-4 linear-rate ratio reported",
    instances="random MDPs as pg.softmax_exact, tau in {0.01, 0.1, 1}, eta in {0.1, 0.5, 1} "
              "(1-gamma)/tau",
    trial=trial_entropy_npg, judge=judge_entropy, default_subject=lambda: cen_entropy_npg,
    subject_kind="optimiser: (m, n_iter, tau, eta) -> result with policies (n_iter+1, S, A)",
    n_trials=45, n_trials_quick=9, quick=True,
    params={"n_iter": 60, "taus": (0.01, 0.1, 1.0), "eta_fractions": (0.1, 0.5, 1.0),
            "gammas": GAMMAS, "S_max": 5},
    replay_instance=pg_instance))


# -- stochastic approximation: rate checks (order only) --------------------------------------------
def sa_instance(params: dict, seed=None) -> TabularMDP:
    """The fixed instance of the stochastic-approximation rate checks: a random MDP (S = 6,
    A = 2, Dirichlet(1) rows, so every chain is irreducible) drawn from ``params["instance_seed"]``,
    gamma from the parameters; start state 0."""
    rng = np.random.default_rng(params["instance_seed"])
    S, A = 6, 2
    P = rng.dirichlet(np.ones(S), size=(S, A))
    return TabularMDP(P / P.sum(-1, keepdims=True), rng.random((S, A)), params["gamma"], 0)


def _sa_features(params) -> np.ndarray:
    return np.random.default_rng(params["instance_seed"] + 1).random((6, 3))


def bhandari_td0(m: TabularMDP, pi, phi, n_steps: int, seed):
    """The default subject: :func:`rlcert.estimators.stochastic_approximation.td0_linear`, i.i.d.
    model, ``alpha = 1/sqrt(T)`` with iterate averaging; returns the averaged iterate."""
    from rlcert.estimators.stochastic_approximation import td0_linear
    return td0_linear(m, pi, phi, n_steps, schedule="sqrt", seed=seed).theta_avg


def _td_truth(m: TabularMDP, pi, phi) -> tuple[np.ndarray, np.ndarray]:
    """The verifier's TD fixed point and stationary distribution (eigenvector of P_pi^T)."""
    P_pi = np.einsum("sa,sat->st", pi, m.dense_P())
    r = np.einsum("sa,sa->s", pi, np.asarray(m.R))
    w, vecs = np.linalg.eig(P_pi.T)
    D = np.real(vecs[:, np.argmin(np.abs(w - 1.0))])
    D = D / D.sum()
    A = phi.T @ (D[:, None] * (phi - _discount(m) * P_pi @ phi))
    return np.linalg.solve(A, phi.T @ (D * r)), D


def trial_td0(params, subject, seed, index) -> dict:
    m = sa_instance(params)
    phi = _sa_features(params)
    pi = np.full((m.n_states, m.n_actions), 1.0 / m.n_actions)
    theta_star, D = _td_truth(m, pi, phi)
    errs = []
    for j, T in enumerate(params["horizons"]):
        th = np.asarray(subject(m, pi, phi, int(T), seed.spawn(len(params["horizons"]))[j]),
                        dtype=float)
        diff = phi @ (th - theta_star)
        errs.append(float(np.sum(D * diff ** 2)))
    return {"errors": errs, "horizons": list(params["horizons"])}


def _judge_rate(check: Check, trials: list[dict], claimed_power: float, what: str) -> Outcome:
    from ..statistics import bootstrap_slope
    from ..verdicts import rate_rule
    from ..framework import Plot
    x = np.array(trials[0]["horizons"], dtype=float)
    curves = np.array([t["errors"] for t in trials], dtype=float)
    s, lo, hi = bootstrap_slope(x, curves, check.alpha)
    claimed = claimed_power + 1.0 / (2.0 * math.log(float(np.sqrt(x[0] * x[-1]))))
    verdict = rate_rule(lo, claimed)
    return Outcome(verdict, f"{what} falls like T^{s:.3f} (interval [{lo:.3f}, {hi:.3f}]) over T "
                   f"in {x.astype(int).tolist()}; claimed at most T^{claimed:.3f} (T^"
                   f"{claimed_power} with a log factor's slack; order card, no constant "
                   f"tested); mean at the largest T {curves[:, -1].mean():.3g}",
                   slope=s, slope_ci=(lo, hi), numbers={"mean_error_at_T_max":
                                                        float(curves[:, -1].mean())},
                   plots=(Plot("curves", what, x=x, curves=curves, xlabel="T", ylabel=what),))


def judge_td0(check: Check, trials: list[dict]) -> Outcome:
    return _judge_rate(check, trials, -0.5, "||V_theta* - V_theta_bar_T||_D^2")


register(Check(
    check_id="sa.td0_linear_rate", card_id="sa.td0_linear.upper",
    title="TD(0) with linear features, i.i.d. observations, alpha = 1/sqrt(T) with averaging: "
          "the D-weighted value error falls at least like T^(-1/2) (Bhandari et al., order)",
    guarantee="rate", measured="||Phi (theta_bar_T - theta*)||_D^2, theta* the verifier's TD "
                               "fixed point, against T",
    instances="one random MDP (S = 6, A = 2), uniform policy, 3 random features, gamma = 0.9",
    trial=trial_td0, judge=judge_td0, default_subject=lambda: bhandari_td0,
    subject_kind="estimator: (m, pi, phi, n_steps, seed) -> theta", n_trials=40,
    n_trials_quick=12, quick=True,
    params={"gamma": 0.9, "instance_seed": 7, "horizons": (1000, 4000, 16000, 64000)}))


def rescaled_linear_q_learning(m: TabularMDP, n_steps: int, seed):
    """The default subject: synchronous Q-learning, ``alpha_t = 1/(1 + (1-gamma)(t+1))``."""
    from rlcert.estimators.stochastic_approximation import q_learning_sync
    return q_learning_sync(m, n_steps, seed=seed)[0]


def trial_q_sync(params, subject, seed, index) -> dict:
    m = sa_instance(params)
    Q_star = q_from_v(m, solve(m, method="pi", tol=1e-12).V)
    errs = []
    for j, T in enumerate(params["horizons"]):
        Q = np.asarray(subject(m, int(T), seed.spawn(len(params["horizons"]))[j]), dtype=float)
        errs.append(float(np.max(np.abs(Q - Q_star))))
    return {"errors": errs, "horizons": list(params["horizons"])}


def judge_q_sync(check: Check, trials: list[dict]) -> Outcome:
    return _judge_rate(check, trials, -0.5, "||Q_T - Q*||_inf")


register(Check(
    check_id="sa.q_learning_sync_rate", card_id="sa.q_learning_sync.upper",
    title="Synchronous Q-learning with the rescaled linear step: ||Q_T - Q*||_inf falls at least "
          "like T^(-1/2) up to logarithms (Li et al. 2021, order)",
    guarantee="rate", measured="||Q_T - Q*||_inf (oracle Q*) against T",
    instances="one random MDP (S = 6, A = 2), gamma = 0.8",
    trial=trial_q_sync, judge=judge_q_sync, default_subject=lambda: rescaled_linear_q_learning,
    subject_kind="estimator: (m, n_steps, seed) -> Q (S, A)", n_trials=40, n_trials_quick=12,
    quick=True, params={"gamma": 0.8, "instance_seed": 11, "horizons": (500, 2000, 8000, 32000)}))


register(Check(
    check_id="pg.softmax_exact_long", card_id="pg.softmax.upper",
    title="Exact softmax PG, long runs at a small discount, where Mei et al.'s O(1/t) bound falls "
          "below the trivial bound (the same cells as pg.softmax_exact)",
    guarantee="deterministic",
    measured="as pg.softmax_exact, over 2e5 iterations",
    instances="random MDPs, S = 2, A in [2, 3], gamma = 0.3, full-support mu",
    trial=trial_softmax_pg, judge=judge_softmax, default_subject=lambda: mei_softmax_pg,
    subject_kind="optimiser: (m, n_iter) -> result with policies (n_iter+1, S, A)",
    n_trials=20, n_trials_quick=4, quick=False,
    params={"n_iter": 200_000, "n_checked": 60, "gammas": (0.3,), "S_max": 2},
    replay_instance=pg_instance))


# -- stochastic N-PG-IGT and (N)-HARPG: sample-complexity rate checks (order only) -----------------
def spg_instance(params: dict, seed=None) -> TabularMDP:
    """The fixed instance of the stochastic policy-gradient rate checks: a random MDP (S = 4,
    A = 3, Dirichlet(1) rows, U[0, 1] rewards) drawn from ``params["instance_seed"]``, gamma from
    the parameters, uniform start distribution."""
    rng = np.random.default_rng(params["instance_seed"])
    S, A = 4, 3
    P = rng.dirichlet(np.ones(S), size=(S, A))
    return TabularMDP(P / P.sum(-1, keepdims=True), rng.random((S, A)), params["gamma"],
                      np.full(S, 1.0 / S))


def fatkhullin_n_pg_igt(m: TabularMDP, n_iter: int, horizon: int, checkpoints, seed):
    """The default subject of ``pg.npg_igt_rate``:
    :func:`rlcert.estimators.policy_gradient.stochastic.n_pg_igt` at its default schedules
    (``eta_t = (2/(t+2))^{4/5}``, ``gamma_t = 2/(t+2)``); returns the logits ``(K, S, A)`` at the
    checkpoints."""
    from rlcert.estimators.policy_gradient.stochastic import n_pg_igt
    return n_pg_igt(m, n_iter, horizon, checkpoints=checkpoints, seed=seed).thetas


def fatkhullin_n_harpg(m: TabularMDP, n_iter: int, horizon: int, checkpoints, seed):
    """The default subject of ``pg.harpg_rate``: normalised HARPG at its default schedules
    (``eta_t = gamma_t = 2/(t+2)``); returns the logits ``(K, S, A)`` at the checkpoints."""
    from rlcert.estimators.policy_gradient.stochastic import n_harpg
    return n_harpg(m, n_iter, horizon, checkpoints=checkpoints, seed=seed).thetas


def _softmax_policies(thetas: np.ndarray) -> np.ndarray:
    z = thetas - thetas.max(axis=-1, keepdims=True)
    p = np.exp(z)
    return p / p.sum(axis=-1, keepdims=True)


def trial_stochastic_pg(params, subject, seed, index) -> dict:
    """One run to the largest checkpoint; the verifier measures ``J* - J(theta_t)`` (exact
    values, ``J = V(mu)``) and ``||grad J(theta_t)||`` (exact gradient) at each checkpoint."""
    from rlcert.estimators.policy_gradient import policy_gradient
    m = spg_instance(params)
    cps = [int(t) for t in params["checkpoints"]]
    H = int(params["horizon"])
    th = np.asarray(subject(m, cps[-1], H, cps, seed), dtype=float)
    if th.shape != (len(cps), m.n_states, m.n_actions) or not np.all(np.isfinite(th)):
        return {"errors": [math.inf] * len(cps), "grad_norms": [math.inf] * len(cps)}
    J_star = float(solve(m, method="pi", tol=1e-12).V @ m.initial)
    pis = _softmax_policies(th)
    gaps = [max(J_star - float(evaluate_policy(m, p) @ m.initial), 0.0) for p in pis]
    gns = [float(np.linalg.norm(policy_gradient(m, t))) for t in th]
    return {"errors": gaps, "grad_norms": gns}


def _judge_spg(check: Check, trials: list[dict], claimed_power: float) -> Outcome:
    from ..framework import Plot
    from ..statistics import bootstrap_slope
    from ..verdicts import rate_rule
    p = check.params
    x = np.array(p["checkpoints"], dtype=float) * p["horizon"] * p["trajectories_per_iter"]
    curves = np.array([t["errors"] for t in trials], dtype=float)
    gcurves = np.array([t["grad_norms"] for t in trials], dtype=float)
    if not np.all(np.isfinite(curves)):
        from ..verdicts import Verdict
        return Outcome(Verdict.INCONSISTENT, "the subject returned logits of the wrong shape or "
                       "non-finite logits", numbers={})
    s, lo, hi = bootstrap_slope(x, curves, check.alpha)
    gs, glo, ghi = bootstrap_slope(x, gcurves, check.alpha)
    claimed = claimed_power + 1.0 / (2.0 * math.log(float(np.sqrt(x[0] * x[-1]))))
    verdict = rate_rule(lo, claimed)
    return Outcome(
        verdict, f"E[J* - J(theta)] falls like N^{s:.3f} (interval [{lo:.3f}, {hi:.3f}]) over "
        f"samples N in {x.astype(int).tolist()}; claimed at most N^{claimed:.3f} (N^"
        f"{claimed_power} from the eps^{1 / claimed_power:.1f} sample complexity, with a log "
        f"factor's slack; order card, no constant tested); mean gap at the largest N "
        f"{curves[:, -1].mean():.3g}; exact gradient norm falls like N^{gs:.3f} "
        f"([{glo:.3f}, {ghi:.3f}], reported, not judged)",
        slope=s, slope_ci=(lo, hi),
        numbers={"mean_gap_at_N_max": float(curves[:, -1].mean()), "grad_norm_slope": gs,
                 "grad_norm_slope_ci": (glo, ghi),
                 "mean_grad_norm_at_N_max": float(gcurves[:, -1].mean())},
        plots=(Plot("curves", "J* - J(theta_t)", x=x, curves=curves, xlabel="samples",
                    ylabel="J* - J"),
               Plot("curves", "||grad J(theta_t)|| (exact)", x=x, curves=gcurves,
                    xlabel="samples", ylabel="gradient norm")))


def judge_npg_igt(check: Check, trials: list[dict]) -> Outcome:
    return _judge_spg(check, trials, -0.4)


def judge_harpg(check: Check, trials: list[dict]) -> Outcome:
    return _judge_spg(check, trials, -0.5)


_SPG = {"gamma": 0.6, "instance_seed": 11, "horizon": 30,
        "checkpoints": (100, 400, 1600, 6400, 25600)}

register(Check(
    check_id="pg.npg_igt_rate", card_id="pg.npg_igt.upper",
    title="Stochastic N-PG-IGT on a tabular softmax policy, truncated trajectories: the "
          "optimality gap falls at least like N^(-2/5) in the samples N (eps^-2.5, order)",
    guarantee="rate",
    measured="J* - J(theta_t) (oracle values) and ||grad J(theta_t)|| (oracle gradient) "
             "against the transitions sampled",
    instances="one random MDP (S = 4, A = 3), gamma = 0.6, uniform start, H = 30",
    trial=trial_stochastic_pg, judge=judge_npg_igt,
    default_subject=lambda: fatkhullin_n_pg_igt,
    subject_kind="optimiser: (m, n_iter, horizon, checkpoints, seed) -> logits (K, S, A)",
    n_trials=40, n_trials_quick=12, quick=True,
    params={**_SPG, "trajectories_per_iter": 1}))

register(Check(
    check_id="pg.harpg_rate", card_id="pg.harpg.upper",
    title="Stochastic normalised HARPG on a tabular softmax policy, truncated trajectories: the "
          "optimality gap falls at least like N^(-1/2) in the samples N (eps^-2, order)",
    guarantee="rate",
    measured="J* - J(theta_t) (oracle values) and ||grad J(theta_t)|| (oracle gradient) "
             "against the transitions sampled",
    instances="one random MDP (S = 4, A = 3), gamma = 0.6, uniform start, H = 30",
    trial=trial_stochastic_pg, judge=judge_harpg, default_subject=lambda: fatkhullin_n_harpg,
    subject_kind="optimiser: (m, n_iter, horizon, checkpoints, seed) -> logits (K, S, A)",
    n_trials=40, n_trials_quick=12, quick=True,
    params={**_SPG, "trajectories_per_iter": 2}))
