r"""Stochastic-approximation checks beyond :mod:`.policy_gradient`'s two rate checks: TD(0) along
one Markov trajectory (Bhandari, Russo, Singal 2018, Theorem 3, order), linear SARSA (Zou, Xu,
Liang 2019, order), FedSARSA's linear speed-up and heterogeneity bias (Zhang, Wang, Mitra,
Anderson 2024, order), and log-mapped Q-learning against plain Q-learning at a low discount (van
Seijen, Fatemi, Tavakoli 2019).

The verifier owns every instance and measures every error with its own exact computation: the TD
fixed point from the eigenvector of ``P_pi^T``, the SARSA fixed point as the root (scipy) of the
mean-path equation ``Phi^T D_theta (r + gamma P_theta Phi theta - Phi theta) = 0`` with ``D_theta``
the stationary law of the state-action chain, and ``Q*`` from policy iteration. The subject is a
callable that returns parameters; nothing it reports about itself is evidence.

Rate verdicts are one-sided, as in :func:`rlcert.proofs_checks.verdicts.rate_rule`: the claim
"falls at least like ``T^p`` (up to logarithms)" is ``inconsistent`` only when the bootstrap
interval of the measured log-log slope lies entirely above ``p`` plus the slack of the log factor
plus ``RATE_TOL``.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import optimize, stats

from rlcert.mdp import TabularMDP, q_from_v, solve

from ..framework import Check, Outcome, Plot, register
from ..statistics import bootstrap_slope
from ..verdicts import RATE_TOL, Verdict, rate_rule


# -- shared: the verifier's exact quantities -------------------------------------------------------
def _stationary(P: np.ndarray) -> np.ndarray:
    """Stationary law of an irreducible stochastic matrix: the eigenvector of ``P^T`` at 1."""
    w, vecs = np.linalg.eig(P.T)
    v = np.real(vecs[:, np.argmin(np.abs(w - 1.0))])
    return v / v.sum()


def _rate_outcome(check: Check, x, curves, claimed_power: float, log_power: float,
                  what: str, xlabel: str = "T", extra: str = "",
                  numbers: dict | None = None) -> Outcome:
    """One-sided rate verdict: the slope of the mean curve against ``claimed_power`` plus the
    local slope of ``log^log_power x`` at the range's geometric midpoint."""
    x = np.asarray(x, dtype=float)
    curves = np.asarray(curves, dtype=float)
    if not np.all(np.isfinite(curves)):
        return Outcome(Verdict.INCONSISTENT, f"the subject returned a non-finite or mis-shaped "
                       f"estimate: {what} is not finite", numbers=dict(numbers or {}))
    s, lo, hi = bootstrap_slope(x, curves, check.alpha)
    slack = log_power / math.log(float(np.sqrt(x[0] * x[-1])))
    claimed = claimed_power + slack
    verdict = rate_rule(lo, claimed)
    nums = {"mean_error_at_max": float(curves[:, -1].mean()),
            "mean_error_at_min": float(curves[:, 0].mean()), "claimed_slope": claimed,
            **(numbers or {})}
    return Outcome(verdict, f"{what} falls like {xlabel}^{s:.3f} (interval [{lo:.3f}, {hi:.3f}]) "
                   f"over {xlabel} in {x.astype(int).tolist()}; claimed at most {xlabel}^"
                   f"{claimed:.3f} ({xlabel}^{claimed_power} with the slack of log^{log_power}; "
                   f"order card, no constant tested; inconsistent above {claimed + RATE_TOL:.3f}); "
                   f"mean at the largest {xlabel} {curves[:, -1].mean():.3g}{extra}",
                   slope=s, slope_ci=(lo, hi), numbers=nums,
                   plots=(Plot("curves", what, x=x, curves=curves, xlabel=xlabel, ylabel=what),))


# -- TD(0) along one Markov trajectory -------------------------------------------------------------
def td_markov_instance(params: dict, seed=None) -> TabularMDP:
    """The fixed instance of ``sa.td0_linear_markov_rate``: S = 6, A = 2, rows ``stick e_s + (1 -
    stick) Dirichlet(1)`` (a slowly mixing, irreducible and aperiodic chain under every policy),
    U[0, 1] rewards, drawn from ``params["instance_seed"]``."""
    rng = np.random.default_rng(params["instance_seed"])
    S, A, stick = 6, 2, float(params["stick"])
    P = stick * np.eye(S)[:, None, :] + (1.0 - stick) * rng.dirichlet(np.ones(S), size=(S, A))
    return TabularMDP(P / P.sum(-1, keepdims=True), rng.random((S, A)), params["gamma"], 0)


def _td_markov_features(params) -> np.ndarray:
    return np.random.default_rng(params["instance_seed"] + 1).random((6, 3))


def bhandari_td0_markov(m: TabularMDP, pi, phi, n_steps: int, seed):
    """The default subject: :func:`rlcert.estimators.stochastic_approximation.td0_linear` along
    one trajectory (``markov=True``), ``alpha = 1/sqrt(T)`` with iterate averaging, no
    projection; returns the averaged iterate."""
    from rlcert.estimators.stochastic_approximation import td0_linear
    return td0_linear(m, pi, phi, n_steps, schedule="sqrt", markov=True, seed=seed).theta_avg


def trial_td_markov(params, subject, seed, index) -> dict:
    m = td_markov_instance(params)
    phi = _td_markov_features(params)
    pi = np.full((m.n_states, m.n_actions), 1.0 / m.n_actions)
    P_pi = np.einsum("sa,sat->st", pi, m.dense_P())
    r = np.einsum("sa,sa->s", pi, np.asarray(m.R))
    D = _stationary(P_pi)
    theta_star = np.linalg.solve(phi.T @ (D[:, None] * (phi - m.gamma * P_pi @ phi)),
                                 phi.T @ (D * r))
    hs = params["horizons"]
    kids = seed.spawn(len(hs))
    errs, norms = [], []
    for j, T in enumerate(hs):
        th = np.asarray(subject(m, pi, phi, int(T), kids[j]), dtype=float)
        if th.shape != theta_star.shape:
            errs.append(math.inf)
            continue
        errs.append(float(np.sum(D * (phi @ (th - theta_star)) ** 2)))
        norms.append(float(np.linalg.norm(th)))
    return {"errors": errs, "horizons": list(hs), "theta_norm_max": max(norms, default=math.nan)}


def judge_td_markov(check: Check, trials: list[dict]) -> Outcome:
    from rlcert.mdp.structure import mixing_time
    p = check.params
    m = td_markov_instance(p)
    t_mix = mixing_time(m, np.full((m.n_states, m.n_actions), 0.5)).t_mix
    return _rate_outcome(check, trials[0]["horizons"], [t["errors"] for t in trials], -0.5, 1.0,
                         "||V_theta* - V_theta_bar_T||_D^2", extra=f"; chain t_mix(1/4) = "
                         f"{t_mix:g} steps (verifier's exact TV mixing time)",
                         numbers={"t_mix": float(t_mix)})


register(Check(
    check_id="sa.td0_linear_markov_rate", card_id="sa.td0_linear_markov.upper",
    title="TD(0) with linear features along one Markov trajectory, alpha = 1/sqrt(T) with "
          "averaging: the D-weighted value error falls at least like t_mix log(T) / sqrt(T) "
          "(Bhandari et al. Theorem 3, order)",
    guarantee="rate", measured="||Phi (theta_bar_T - theta*)||_D^2, theta* the verifier's TD "
                               "fixed point, against T",
    instances="one random slowly mixing MDP (S = 6, A = 2, rows 0.8 e_s + 0.2 Dirichlet(1), "
              "t_mix(1/4) = 8 under the uniform policy), uniform policy, 3 random features, "
              "gamma = 0.9; one trajectory (the default subject starts it from the stationary law)",
    trial=trial_td_markov, judge=judge_td_markov, default_subject=lambda: bhandari_td0_markov,
    subject_kind="estimator: (m, pi, phi, n_steps, seed) -> theta (one trajectory)",
    n_trials=40, n_trials_quick=12, quick=True,
    params={"gamma": 0.9, "instance_seed": 3, "stick": 0.8,
            "horizons": (1000, 4000, 16000, 64000)}))


# -- linear SARSA ----------------------------------------------------------------------------------
def sarsa_instance(params: dict, seed=None) -> tuple[TabularMDP, np.ndarray]:
    """The fixed instance of the SARSA checks: a random MDP (S = 5, A = 2, Dirichlet(1) rows,
    U[0, 1] rewards, uniform start) and features ``phi (S, A, 3)`` with U[0, 1] entries scaled to
    unit norm, both drawn from ``params["instance_seed"]``; gamma from the parameters."""
    rng = np.random.default_rng(params["instance_seed"])
    S, A, d = 5, 2, 3
    P = rng.dirichlet(np.ones(S), size=(S, A))
    m = TabularMDP(P / P.sum(-1, keepdims=True), rng.random((S, A)), params["gamma"],
                   np.full(S, 1.0 / S))
    phi = rng.random((S, A, d))
    return m, phi / np.linalg.norm(phi, axis=2, keepdims=True)


def verifier_softmax(phi: np.ndarray, theta: np.ndarray, tau: float) -> np.ndarray:
    """The verifier's own ``pi_theta(a | s) ∝ exp(phi(s, a)^T theta / tau)``."""
    q = np.einsum("sad,d->sa", phi, theta) / tau
    z = np.exp(q - q.max(axis=1, keepdims=True))
    return z / z.sum(axis=1, keepdims=True)


def verifier_sarsa_field(Ps: list[np.ndarray], R: np.ndarray, gamma: float, phi: np.ndarray,
                         tau: float):
    """``theta -> (g(theta), A_theta)``: the mean-path SARSA field averaged over the kernels
    ``Ps`` (one kernel: SARSA; several: FedSARSA's federated field), ``g_i(theta) = Phi^T D_i
    (r + gamma P_i Phi theta - Phi theta)`` with ``D_i`` the stationary law (eigenvector) of the
    state-action chain under ``pi_theta``."""
    S, A, d = phi.shape
    Phi = phi.reshape(S * A, d)
    r = R.reshape(-1)

    def field(theta):
        pi = verifier_softmax(phi, theta, tau)
        g = np.zeros(d)
        Am = np.zeros((d, d))
        for P in Ps:
            Pz = (P[:, :, :, None] * pi[None, None, :, :]).reshape(S * A, S * A)
            D = _stationary(Pz)
            Ai = Phi.T @ (D[:, None] * (gamma * Pz @ Phi - Phi))
            g += Ai @ theta + Phi.T @ (D * r)
            Am += Ai
        return g / len(Ps), Am / len(Ps)
    return field


def verifier_sarsa_root(Ps, R, gamma, phi, tau) -> tuple[np.ndarray, float]:
    """``(theta*, w)``: the root of the mean-path field (scipy ``root``, ``hybr``) and the
    curvature ``w`` = the smallest eigenvalue of ``-(A + A^T)/2`` at ``theta*``."""
    field = verifier_sarsa_field(Ps, R, gamma, phi, tau)
    sol = optimize.root(lambda th: field(th)[0], np.zeros(phi.shape[2]), method="hybr",
                        tol=1e-13)
    if np.max(np.abs(field(sol.x)[0])) > 1e-10:  # judged by the residual, not scipy's flag
        raise RuntimeError(f"the verifier's SARSA fixed point did not converge: {sol.message}")
    Am = field(sol.x)[1]
    return sol.x, float(np.linalg.eigvalsh(-(Am + Am.T) / 2.0).min())


def zou_linear_sarsa(m: TabularMDP, phi, n_steps: int, temperature: float, w: float,
                     radius: float, seed):
    """The default subject: :func:`rlcert.estimators.stochastic_approximation.linear_sarsa` with
    the softmax operator at ``temperature``, ``alpha_t = 1/(w (t+1))``, projection radius
    ``radius``; returns the last iterate."""
    from rlcert.estimators.stochastic_approximation import linear_sarsa
    return linear_sarsa(m, phi, n_steps, temperature=temperature, w=w, radius=radius,
                        seed=seed).theta


def trial_sarsa(params, subject, seed, index) -> dict:
    m, phi = sarsa_instance(params)
    tau = float(params["temperature"])
    theta_star, w = verifier_sarsa_root([m.dense_P()], np.asarray(m.R), m.gamma, phi, tau)
    R = float(params["radius"])
    hs = params["horizons"]
    kids = seed.spawn(len(hs))
    errs = []
    for j, T in enumerate(hs):
        th = np.asarray(subject(m, phi, int(T), tau, w, R, kids[j]), dtype=float)
        errs.append(float(np.sum((th - theta_star) ** 2)) if th.shape == theta_star.shape
                    else math.inf)
    return {"errors": errs, "horizons": list(hs), "w": w,
            "theta_star_norm": float(np.linalg.norm(theta_star))}


def judge_sarsa(check: Check, trials: list[dict]) -> Outcome:
    t0 = trials[0]
    return _rate_outcome(check, t0["horizons"], [t["errors"] for t in trials], -1.0, 2.0,
                         "||theta_T - theta*||^2",
                         extra=f"; curvature w = {t0['w']:.4g} handed to the subject, "
                               f"||theta*|| = {t0['theta_star_norm']:.3g} inside the ball R = "
                               f"{check.params['radius']:g}",
                         numbers={"w": t0["w"], "theta_star_norm": t0["theta_star_norm"]})


register(Check(
    check_id="sa.sarsa_linear_rate", card_id="sa.sarsa_linear.upper",
    title="Linear SARSA, softmax policy improvement, one trajectory, projection, alpha_t = "
          "1/(w (t+1)): ||theta_T - theta*||^2 falls at least like 1/T up to logarithms "
          "(Zou, Xu, Liang 2019, order)",
    guarantee="rate",
    measured="||theta_T - theta*||^2, theta* the verifier's root of the mean-path equation, "
             "against T",
    instances="one random MDP (S = 5, A = 2), 3 unit-norm random features per pair, gamma = "
              "0.7, softmax temperature 1, projection radius 10; w = the smallest eigenvalue of "
              "the symmetrised negative mean-path Jacobian at theta*",
    trial=trial_sarsa, judge=judge_sarsa, default_subject=lambda: zou_linear_sarsa,
    subject_kind="estimator: (m, phi, n_steps, temperature, w, radius, seed) -> theta",
    n_trials=40, n_trials_quick=12, quick=True,
    params={"gamma": 0.7, "instance_seed": 5, "temperature": 1.0, "radius": 10.0,
            "horizons": (2000, 8000, 32000, 128000)}))


# -- FedSARSA: speed-up, rate and heterogeneity bias -----------------------------------------------
def fedsarsa_agents(params: dict, eps: float, n_agents: int) -> list[TabularMDP]:
    """The agents of the FedSARSA checks: the SARSA instance's MDP with kernels ``P_i = (1 - eps)
    P + eps Q_i``, ``Q_i(s, a, .) ~ Dirichlet(1)`` drawn from ``params["hetero_seed"]`` (the same
    ``Q_i`` at every ``eps``: one family), shared rewards, discount and start law."""
    m, _ = sarsa_instance(params)
    P = m.dense_P()
    rng = np.random.default_rng(params["hetero_seed"])
    Q = rng.dirichlet(np.ones(m.n_states), size=(n_agents, m.n_states, m.n_actions))
    Ps = (1.0 - eps) * P[None] + eps * Q
    Ps /= Ps.sum(axis=3, keepdims=True)
    return [TabularMDP(Pi, m.R, m.gamma, m.initial) for Pi in Ps]


def zhang_fedsarsa(mdps, phi, n_rounds: int, local_steps: int, temperature: float, w: float,
                   radius: float, seed):
    """The default subject: :func:`rlcert.estimators.stochastic_approximation.fedsarsa` (softmax
    operator, ``alpha_t = 1/(w (t+1))`` in the local step count, projection); returns the
    parameter every agent holds after the last average, one row per agent ``(N, d)``."""
    from rlcert.estimators.stochastic_approximation import fedsarsa
    res = fedsarsa(mdps, phi, n_rounds, local_steps, temperature=temperature, w=w,
                   radius=radius, seed=seed)
    return np.tile(res.theta, (len(mdps), 1))


def _agent_errors(out, theta_star: np.ndarray, N: int) -> np.ndarray | None:
    """Per-agent parameter errors ``theta_i - theta*`` ``(N, d)``, None if mis-shaped."""
    th = np.asarray(out, dtype=float)
    if th.shape != (N, theta_star.size) or not np.all(np.isfinite(th)):
        return None
    return th - theta_star[None]


def _fed_truth(params) -> tuple[np.ndarray, np.ndarray, float, TabularMDP]:
    m, phi = sarsa_instance(params)
    theta_star, w = verifier_sarsa_root([m.dense_P()], np.asarray(m.R), m.gamma, phi,
                                        float(params["temperature"]))
    return phi, theta_star, w, m


def trial_fed_speedup(params, subject, seed, index) -> dict:
    phi, theta_star, w, _ = _fed_truth(params)
    out = {}
    kids = seed.spawn(len(params["agents"]))
    for j, N in enumerate(params["agents"]):
        mdps = fedsarsa_agents(params, 0.0, N)
        e = _agent_errors(subject(mdps, phi, params["rounds"], params["local_steps"],
                                  params["temperature"], w, params["radius"], kids[j]),
                          theta_star, N)
        out[f"mse_{N}"] = math.inf if e is None else float(np.mean(np.sum(e ** 2, axis=1)))
    return out


def judge_fed_speedup(check: Check, trials: list[dict]) -> Outcome:
    p = check.params
    N1, N = p["agents"]
    e1 = np.array([t[f"mse_{N1}"] for t in trials])
    eN = np.array([t[f"mse_{N}"] for t in trials])
    if not (np.all(np.isfinite(e1)) and np.all(np.isfinite(eN))):
        return Outcome(Verdict.INCONSISTENT, "the subject returned mis-shaped or non-finite "
                       "parameters (expected one row per agent)")
    ratio = float(eN.mean() / e1.mean())
    rng = np.random.default_rng(0)
    idx = rng.integers(0, len(trials), (2000, len(trials)))
    boot = eN[idx].mean(axis=1) / e1[idx].mean(axis=1)
    lo, hi = (float(x) for x in np.quantile(boot, [check.alpha, 1.0 - check.alpha]))
    limit = p["ratio_slack"] * N1 / N
    verdict = Verdict.INCONSISTENT if lo > limit else Verdict.CONSISTENT
    T = p["rounds"] * p["local_steps"]
    return Outcome(verdict, f"zero heterogeneity, T = {T} local steps per agent: MSE({N} agents) / "
                   f"MSE({N1}) = {ratio:.3g} (bootstrap interval [{lo:.3g}, {hi:.3g}]), i.e. "
                   f"{N / N1 * ratio:.2f} times the linear speed-up {N1}/{N}; inconsistent when "
                   f"the lower limit exceeds {p['ratio_slack']:g} x {N1}/{N} = {limit:.3g} (order "
                   f"card: a constant factor {p['ratio_slack']:g} allowed for the higher-order "
                   f"terms); MSE means {e1.mean():.3g} and {eN.mean():.3g}",
                   numbers={"ratio": ratio, "ratio_ci": (lo, hi), "limit": limit,
                            "mse_1": float(e1.mean()), "mse_N": float(eN.mean()),
                            "speedup_efficiency": N1 / N / ratio},
                   plots=(Plot("hist", f"MSE({N}) / MSE({N1}) (bootstrap)", curves=boot,
                               reference=N1 / N, loglog=False),))


_FED = {"gamma": 0.7, "instance_seed": 5, "hetero_seed": 1, "temperature": 1.0, "radius": 10.0}

register(Check(
    check_id="sa.fedsarsa_speedup", card_id="sa.fedsarsa_speedup.upper",
    title="FedSARSA at zero heterogeneity: the mean squared parameter error with N agents is at "
          "most a constant times 1/N of one agent's at the same local steps per agent (linear "
          "speed-up, Zhang et al. 2024, order)",
    guarantee="rate",
    measured="mean over agents of ||theta_i - theta*||^2 after the last round, theta* the "
             "verifier's SARSA root, for N = 1 and N = 8 agents; the ratio of the means over "
             "trials with a paired bootstrap interval",
    instances="the SARSA check's MDP (S = 5, A = 2, d = 3, gamma = 0.7, softmax temperature 1, "
              "radius 10) copied to every agent; K = 10 local steps, 2000 rounds",
    trial=trial_fed_speedup, judge=judge_fed_speedup, default_subject=lambda: zhang_fedsarsa,
    subject_kind="estimator: (mdps, phi, n_rounds, local_steps, temperature, w, radius, seed) "
                 "-> (N, d) parameters held by the agents",
    n_trials=40, n_trials_quick=16, quick=True,
    params={**_FED, "agents": (1, 8), "rounds": 2000, "local_steps": 10, "ratio_slack": 2.0}))


def trial_fed_rate(params, subject, seed, index) -> dict:
    phi, theta_star, w, _ = _fed_truth(params)
    N, K = params["n_agents"], params["local_steps"]
    mdps = fedsarsa_agents(params, 0.0, N)
    errs = []
    kids = seed.spawn(len(params["rounds"]))
    for j, r in enumerate(params["rounds"]):
        e = _agent_errors(subject(mdps, phi, int(r), K, params["temperature"], w,
                                  params["radius"], kids[j]), theta_star, N)
        errs.append(math.inf if e is None else float(np.mean(np.sum(e ** 2, axis=1))))
    return {"errors": errs, "horizons": [int(r) * K for r in params["rounds"]]}


def judge_fed_rate(check: Check, trials: list[dict]) -> Outcome:
    return _rate_outcome(check, trials[0]["horizons"], [t["errors"] for t in trials], -1.0, 2.0,
                         "mean_i ||theta_i - theta*||^2", xlabel="T",
                         extra=f"; N = {check.params['n_agents']} agents, K = "
                               f"{check.params['local_steps']}, zero heterogeneity")


register(Check(
    check_id="sa.fedsarsa_rate", card_id="sa.fedsarsa_speedup.upper",
    title="FedSARSA at zero heterogeneity: the mean squared error falls at least like 1/T in the "
          "local steps per agent, up to logarithms (Zhang et al. 2024, order)",
    guarantee="rate",
    measured="mean over agents of ||theta_i - theta*||^2 against T = rounds x K",
    instances="as sa.fedsarsa_speedup, N = 2 agents, K = 10, T from 2000 to 128000",
    trial=trial_fed_rate, judge=judge_fed_rate, default_subject=lambda: zhang_fedsarsa,
    subject_kind="estimator: (mdps, phi, n_rounds, local_steps, temperature, w, radius, seed) "
                 "-> (N, d) parameters held by the agents",
    n_trials=40, n_trials_quick=12, quick=True,
    params={**_FED, "n_agents": 2, "local_steps": 10, "rounds": (200, 800, 3200, 12800)}))


def trial_fed_bias(params, subject, seed, index) -> dict:
    phi, theta_star, w, _ = _fed_truth(params)
    N = params["n_agents"]
    out: dict[str, list] = {"offsets": [], "tv": []}
    for eps in params["eps_levels"]:
        mdps = fedsarsa_agents(params, float(eps), N)
        # the same seed at every level: common random numbers make the levels' differences sharp
        e = _agent_errors(subject(mdps, phi, params["rounds"], params["local_steps"],
                                  params["temperature"], w, params["radius"], seed),
                          theta_star, N)
        out["offsets"].append([math.inf] * theta_star.size if e is None
                              else e.mean(axis=0).tolist())
        Ps = np.stack([m.dense_P() for m in mdps])
        out["tv"].append(float((np.abs(Ps[:, None] - Ps[None]).sum(-1) / 2).max()))
    return out


def judge_fed_bias(check: Check, trials: list[dict]) -> Outcome:
    levels = list(check.params["eps_levels"])
    E = np.array([t["offsets"] for t in trials], dtype=float)  # trials x levels x d
    if not np.all(np.isfinite(E)):
        return Outcome(Verdict.INCONSISTENT, "the subject returned mis-shaped or non-finite "
                       "parameters (expected one row per agent)")
    n, J, d = E.shape
    a = check.alpha / 2.0  # two cells: zero bias at eps = 0, no significant decrease
    # Hotelling's T^2: is the mean offset at zero heterogeneity 0?
    e0 = E[:, 0]
    mean0 = e0.mean(axis=0)
    C = np.cov(e0, rowvar=False).reshape(d, d)
    T2 = float(n * mean0 @ np.linalg.pinv(C) @ mean0)
    F = (n - d) / (d * (n - 1)) * T2
    p0 = float(stats.f.sf(F, d, n - d)) if n > d else math.nan
    bias = np.linalg.norm(E.mean(axis=0), axis=1)
    rng = np.random.default_rng(0)
    idx = rng.integers(0, n, (2000, n))
    boot = np.linalg.norm(E[idx].mean(axis=1), axis=2)  # 2000 x levels
    diffs = np.diff(boot, axis=1)
    q = a / max(J - 1, 1)
    upper = np.quantile(diffs, 1.0 - q, axis=0)
    lower = np.quantile(diffs, q, axis=0)
    decrease = [j for j in range(J - 1) if upper[j] < 0]
    zero_bad = bool(p0 < a)
    verdict = Verdict.INCONSISTENT if (decrease or zero_bad) else Verdict.CONSISTENT
    tv = trials[0]["tv"]
    live = [j for j in range(1, J) if levels[j] > 0 and bias[j] > 0]
    slope = (float(np.polyfit(np.log(np.array(tv)[live]), np.log(bias[live] ** 2), 1)[0])
             if len(live) >= 2 else math.nan)
    parts = ", ".join(f"eps {e:g} (max TV {t:.3g}): {b:.3g}" for e, t, b in zip(levels, tv, bias))
    why = []
    if zero_bad:
        why.append(f"the zero-heterogeneity offset is significantly non-zero (Hotelling p = "
                   f"{p0:.2g} < {a:g})")
    if decrease:
        why.append("the bias decreases significantly between eps " + ", ".join(
            f"{levels[j]:g} -> {levels[j + 1]:g}" for j in decrease))
    return Outcome(verdict, f"||E theta - theta*_0|| by heterogeneity level: {parts}; zero-level "
                   f"Hotelling T^2 p = {p0:.3g}; consecutive increases in bootstrap intervals "
                   + ", ".join(f"[{lo:.2g}, {hi:.2g}]" for lo, hi in zip(lower, upper))
                   + f"; slope of log bias^2 in log max-TV {slope:.2f} (card eps^2: reported, "
                   f"not judged)" + ("; " + "; ".join(why) if why else ""),
                   numbers={"bias": bias.tolist(), "max_tv": tv, "zero_bias_p": p0,
                            "bias_sq_slope": slope},
                   plots=(Plot("curves", "heterogeneity bias ||E theta - theta*_0||",
                               x=np.array(tv[1:]), curves=bias[None, 1:], xlabel="max TV",
                               ylabel="bias"),))


register(Check(
    check_id="sa.fedsarsa_heterogeneity_bias", card_id="sa.fedsarsa_bias.upper",
    title="FedSARSA over heterogeneous kernels P_i = (1-eps) P + eps Q_i: the bias of the limit "
          "grows with the heterogeneity and is zero at eps = 0 (Zhang et al. 2024, order)",
    guarantee="rate",
    measured="the mean over trials of the agents' average offset theta - theta*_0 (theta*_0 the "
             "verifier's SARSA root for the common kernel P), its norm per eps level; Hotelling "
             "T^2 at eps = 0 and paired bootstrap intervals of consecutive differences",
    instances="the SARSA check's MDP with N = 4 agents, eps in {0, 0.1, 0.2, 0.4}, fixed Q_i, "
              "K = 10 local steps, 2000 rounds",
    trial=trial_fed_bias, judge=judge_fed_bias, default_subject=lambda: zhang_fedsarsa,
    subject_kind="estimator: (mdps, phi, n_rounds, local_steps, temperature, w, radius, seed) "
                 "-> (N, d) parameters held by the agents",
    n_trials=40, n_trials_quick=16, quick=True,
    params={**_FED, "n_agents": 4, "eps_levels": (0.0, 0.1, 0.2, 0.4), "rounds": 2000,
            "local_steps": 10}))


# -- log-mapped Q-learning -------------------------------------------------------------------------
def log_q_instance(params: dict, seed=None) -> TabularMDP:
    """The fixed instance of ``sa.log_q_learning_convergence``: a random MDP (S = 6, A = 2,
    Dirichlet(1) rows) with rewards U[-1, 1] (both heads of log Q-learning active), a low discount
    (gamma = 0.5), drawn from ``params["instance_seed"]``; start state 0."""
    rng = np.random.default_rng(params["instance_seed"])
    S, A = 6, 2
    P = rng.dirichlet(np.ones(S), size=(S, A))
    return TabularMDP(P / P.sum(-1, keepdims=True), rng.uniform(-1.0, 1.0, (S, A)),
                      params["gamma"], 0)


def log_q_steps(T: int, gamma: float, beta_log: float) -> tuple[np.ndarray, np.ndarray]:
    """The check's steps: ``beta_reg,t = 1/(1 + (1-gamma)(t+1))`` (the rescaled linear step of
    ``sa.q_learning_sync_rate``) and a constant ``beta_log``."""
    return 1.0 / (1.0 + (1.0 - gamma) * np.arange(1, T + 1)), np.full(T, beta_log)


def seijen_log_q(m: TabularMDP, n_steps: int, beta_reg, beta_log, seed):
    """The default subject: :func:`rlcert.estimators.stochastic_approximation.log_q_learning`
    with the given step arrays and the authors' mapping (``c = 1``, ``d = gamma^200``); returns
    the regular-space ``Q``."""
    from rlcert.estimators.stochastic_approximation import log_q_learning
    return log_q_learning(m, n_steps, beta_reg=beta_reg, beta_log=beta_log, seed=seed).Q


def trial_log_q(params, subject, seed, index) -> dict:
    """The verifier runs its reference, plain synchronous Q-learning at the first-order equivalent
    step ``beta_reg beta_log`` on the same seed (the same next states), beside the subject."""
    from rlcert.estimators.stochastic_approximation import q_learning_sync
    m = log_q_instance(params)
    Q_star = q_from_v(m, solve(m, method="pi", tol=1e-12).V)
    errs, plain = [], []
    kids = seed.spawn(len(params["horizons"]))
    for j, T in enumerate(params["horizons"]):
        br, bl = log_q_steps(int(T), float(m.gamma or 0.0), params["beta_log"])
        Q = np.asarray(subject(m, int(T), br, bl, kids[j]), dtype=float)
        errs.append(float(np.max(np.abs(Q - Q_star))) if Q.shape == Q_star.shape else math.inf)
        Qp = q_learning_sync(m, int(T), steps=br * bl, seed=kids[j])[0]
        plain.append(float(np.max(np.abs(Qp - Q_star))))
    return {"errors": errs, "plain_errors": plain, "horizons": list(params["horizons"])}


def judge_log_q(check: Check, trials: list[dict]) -> Outcome:
    err = np.array([t["errors"][-1] for t in trials])
    plain = np.array([t["plain_errors"][-1] for t in trials])
    extra = ""
    nums = {}
    if np.all(np.isfinite(err)):
        diff = err - plain
        p_less = float(stats.wilcoxon(diff, alternative="less").pvalue) if np.any(diff) else 1.0
        p_greater = (float(stats.wilcoxon(diff, alternative="greater").pvalue) if np.any(diff)
                     else 1.0)
        extra = (f"; against plain Q-learning at the step beta_reg beta_log on the same samples "
                 f"(reported, not judged): mean errors at the largest T {err.mean():.3g} (log) vs "
                 f"{plain.mean():.3g} (plain), paired Wilcoxon p = {p_less:.2g} for 'log-Q "
                 f"smaller', {p_greater:.2g} for 'log-Q larger'")
        nums = {"log_q_error": float(err.mean()), "plain_q_error": float(plain.mean()),
                "p_log_smaller": p_less, "p_log_larger": p_greater}
    return _rate_outcome(check, trials[0]["horizons"], [t["errors"] for t in trials], -0.5, 1.0,
                         "||Q_T - Q*||_inf (log Q-learning)", extra=extra, numbers=nums)


register(Check(
    check_id="sa.log_q_learning_convergence", card_id="sa.log_q_learning.asymptotic",
    title="Log-mapped Q-learning (van Seijen et al. 2019) at a low discount converges to Q*: "
          "||Q_T - Q*||_inf falls at least like T^(-1/2) up to a logarithm, the rate of plain "
          "synchronous Q-learning at the first-order equivalent step (yardstick, not the paper's "
          "claim); plain Q-learning's error on the same samples is reported beside it",
    guarantee="rate",
    measured="||Q_T - Q*||_inf (policy-iteration Q*) against T, and the verifier's plain "
             "Q-learning at step beta_reg beta_log on the same next states",
    instances="one random MDP (S = 6, A = 2), rewards U[-1, 1], gamma = 0.5; beta_reg = 1/(1 + "
              "(1-gamma) t), beta_log = 0.5, mapping c = 1, d = gamma^200, k = -ln d",
    trial=trial_log_q, judge=judge_log_q, default_subject=lambda: seijen_log_q,
    subject_kind="estimator: (m, n_steps, beta_reg, beta_log, seed) -> Q (S, A)",
    n_trials=40, n_trials_quick=12, quick=True,
    params={"gamma": 0.5, "instance_seed": 13, "beta_log": 0.5,
            "horizons": (1000, 4000, 16000, 64000)}))
