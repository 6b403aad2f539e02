"""Checks of the episodic learners: optimism (the property the regret proofs rest on) judged by
Clopper-Pearson, and regret rates (log-log slope over the last decade, bootstrap interval) on a
tiny instance where the papers' constants leave their burn-in, and with the documented practical
variant on RiverSwim. The regret cards of these learners carry only their order (their constants
could not be read in the sources), so a regret bound is never tested numerically here.

Every trial runs the subject through the verifier's episodic harness
(:func:`rlcert.proofs_checks.harness.play_episodic`): the pseudo-regret of an episode is
``initial . (V*_1 - V^{pi_k}_1)`` of the policy the subject declared for it (the verifier checks
that every action played is the declared one), the optimism margin ``min (Q_k - Q*)`` of the Q
table it declared. A subject that declares no policy is measured by its realised regret
``sum_k V*_1(s_1^k) - G_k`` (the rate check says so)."""

from __future__ import annotations

import math

import numpy as np

from rlcert.estimators.episodic import PSRL, UCBVIBF, UCBVICH, OptimisticQLearning
from rlcert.mdp import FiniteHorizonMDP, instances

from ..framework import Check, Outcome, Plot, register
from ..harness import play_episodic
from ..statistics import bootstrap_slope
from ..verdicts import Verdict, probability_rule, rate_rule


def tiny_instance() -> FiniteHorizonMDP:
    """S = A = H = 2, deterministic; action 0 to state 0, action 1 to state 1; rewards
    r(0, .) = (0, 0.5), r(1, .) = (0, 1). UCBVI-CH's burn-in (7 H L / sqrt(N)) ends within
    10^5 episodes here."""
    P = np.zeros((2, 2, 2))
    P[:, 0, 0] = 1.0
    P[:, 1, 1] = 1.0
    return FiniteHorizonMDP(P, np.array([[0.0, 0.5], [0.0, 1.0]]), 2)


def model(params: dict) -> FiniteHorizonMDP:
    name = params["instance"]
    if name == "tiny":
        return tiny_instance()
    if name == "riverswim":
        return FiniteHorizonMDP.from_tabular(instances.riverswim(params.get("n", 6)),
                                             params["H"])
    raise ValueError(f"unknown instance {name!r}")


def trial_optimism(params, learner, seed, index) -> dict:
    tr = play_episodic(learner, model(params), params["K"], seed, record_q=True,
                       reward_noise=params.get("reward_noise", "none"))
    if tr.violation:
        return {"protocol_violation": tr.violation}
    margin = float(np.min(tr.margins))
    return {"margin": margin, "passed": bool(margin >= -1e-9)}


def judge_optimism(check: Check, trials: list[dict]) -> Outcome:
    passed = np.array([t["passed"] for t in trials])
    verdict, lo, hi, more = probability_rule(int(passed.sum()), passed.size, check.delta,
                                             check.alpha)
    margins = np.array([t["margin"] for t in trials])
    details = (f"optimistic at every (k, h, s, a) in {int(passed.sum())}/{passed.size} trials, "
               f"Clopper-Pearson [{lo:.4f}, {hi:.4f}] against 1 - delta = {1 - check.delta:.2f}; "
               f"smallest margin min(Q_k - Q*) = {margins.min():.4g}")
    if verdict is Verdict.INCONCLUSIVE and more:
        details += f"; about {more} trials would decide"
    failing = [t["index"] for t in trials if not t["passed"]]
    return Outcome(verdict, details, pass_rate=float(passed.mean()), pass_rate_ci=(lo, hi),
                   counterexample=failing[0] if failing and verdict is Verdict.VIOLATED else None,
                   numbers={"smallest_margin": float(margins.min())},
                   plots=(Plot("hist", f"{check.check_id}: smallest optimism margin per trial",
                               curves=margins, xlabel="min_{k,h,s,a} (Q_k - Q*)",
                               ylabel="trials", reference=0.0),))


def trial_regret_curve(params, learner, seed, index) -> dict:
    K = params["K"]
    tr = play_episodic(learner, model(params), K, seed)
    if tr.violation:
        return {"protocol_violation": tr.violation}
    declared = tr.declared in ("deterministic", "randomised")
    curve = np.cumsum(tr.pseudo_regret() if declared else tr.realised_regret())
    grid = np.unique(np.geomspace(K // 100, K, 25).astype(int))
    return {"K": grid.tolist(), "cumulative_regret": curve[grid - 1].tolist(),
            "total_regret": float(curve[-1]), "measured": "pseudo" if declared else "realised",
            "H": int(tr.V_star.shape[0] - 1)}


def judge_regret_rate(check: Check, trials: list[dict]) -> Outcome:
    x = np.array(trials[0]["K"], dtype=float)
    curves = np.array([t["cumulative_regret"] for t in trials], dtype=float)
    last = x >= x[-1] / 10.0
    slope, lo, hi = bootstrap_slope(x[last], curves[:, last], check.alpha)
    claimed = 0.5 + check.params.get("log_power", 0.0) / math.log(float(x[-1]))
    verdict = rate_rule(lo, claimed)
    realised = any(t["measured"] == "realised" for t in trials)
    what = "pseudo-regret" if not realised else (
        f"realised regret sum_k V*_1(s_1^k) - G_k (the subject declared no policy; per trial "
        f"it is within H sqrt(2 K ln(2/alpha)) = "
        f"{trials[0]['H'] * math.sqrt(2 * x[-1] * math.log(2 / check.alpha)):.4g} of the "
        f"pseudo-regret with probability 1 - alpha, by Azuma-Hoeffding)")
    details = (f"last-decade log-log slope of the mean cumulative {what} {slope:.3f} "
               f"(bootstrap [{lo:.3f}, {hi:.3f}]) against the card's sqrt(T) rate "
               f"({claimed:.2f}); {check.params['note']}")
    return Outcome(verdict, details, slope=slope, slope_ci=(lo, hi),
                   numbers={"mean_total_regret": float(curves[:, -1].mean())},
                   plots=(Plot("curves", f"{check.check_id}: cumulative regret", x=x,
                               curves=curves, xlabel="episodes K", ylabel="pseudo-regret"),))


#: The optimism checks run where the bonus, not the clip at H, decides the margin: the tiny
#: instance with Bernoulli rewards, 2000 episodes. There the papers' bonuses hold in 200/200 runs,
#: while UCBVI-BF, UCB-H and UCB-B with their bonus shrunk 20x (bonus_scale = 0.05) fail in most
#: runs, and UCBVI-CH (whose bonus is far larger than it needs) fails shrunk 300x (0.003), not
#: 100x (0.01); on RiverSwim(4) with H = 5 and 400 episodes Q stays at its clip on the pairs that
#: decide the margin, and no shrink is seen (tests/test_episodic_checks.py).
OPTIMISM = {"instance": "tiny", "K": 2000, "reward_noise": "bernoulli"}


def _optimism(check_id, card, factory, title, quick):
    register(Check(
        check_id=check_id, card_id=card, title=title, guarantee="high_probability",
        measured="min over (k, h, s, a) of Q_k - Q* (exact Q* from backward induction)",
        instances="S = A = H = 2, deterministic transitions, Bernoulli rewards, 2000 episodes",
        trial=trial_optimism,
        judge=judge_optimism, default_subject=factory,
        subject_kind="episodic learner declaring q_values() (episodic protocol)",
        protocol="episodic", requires=("q_values",),
        n_trials=200, n_trials_quick=60, quick=quick, params=dict(OPTIMISM)))


_optimism("episodic.ucb_h.optimism", "regret.qlearning_ucb_h.upper",
          lambda: OptimisticQLearning("hoeffding", c=1.0),
          "Q-learning with UCB-Hoeffding (c = 1) is optimistic", True)
_optimism("episodic.ucbvi_ch.optimism", "regret.ucbvi_ch.upper", UCBVICH,
          "UCBVI-CH is optimistic", True)
_optimism("episodic.ucbvi_bf.optimism", "regret.ucbvi_bf.upper", UCBVIBF,
          "UCBVI-BF is optimistic", False)
_optimism("episodic.ucb_b.optimism", "regret.qlearning_ucb_b.upper",
          lambda: OptimisticQLearning("bernstein"), "Q-learning with UCB-Bernstein is optimistic",
          False)


def _rate(check_id, card, factory, title, params, n_trials, n_quick, quick):
    register(Check(
        check_id=check_id, card_id=card, title=title, guarantee="rate",
        measured="cumulative pseudo-regret (exact, from the oracle) against K",
        instances=params["describe"], trial=trial_regret_curve, judge=judge_regret_rate,
        default_subject=factory, subject_kind="episodic learner (episodic protocol)",
        protocol="episodic",
        n_trials=n_trials, n_trials_quick=n_quick, quick=quick, params=params))


_TINY = {"instance": "tiny", "K": 10 ** 6, "describe": "S = A = H = 2, deterministic, gaps 0.5 "
         "and 1 (burn-in ends inside the budget)",
         "note": "the default subject uses the paper's constants (bonus_scale = 1)"}
# the tiny instance is deterministic, so trials of a deterministic learner coincide: few suffice
_rate("episodic.ucbvi_ch.regret_rate_tiny", "regret.ucbvi_ch.upper", UCBVICH,
      "UCBVI-CH regret is sublinear once the burn-in ends", _TINY, 4, 2, True)
_rate("episodic.ucb_h.regret_rate_tiny", "regret.qlearning_ucb_h.upper",
      lambda: OptimisticQLearning("hoeffding", c=1.0),
      "UCB-H regret is sublinear once the burn-in ends", {**_TINY, "log_power": 0.5}, 4, 2,
      False)
_rate("episodic.ucbvi_ch.regret_rate_riverswim", "regret.ucbvi_ch.upper",
      lambda: UCBVICH(bonus_scale=0.01),
      "UCBVI-CH, practical variant (bonus_scale = 0.01), on RiverSwim(6), H = 20",
      {"instance": "riverswim", "n": 6, "H": 20, "K": 30000,
       "describe": "RiverSwim(6), H = 20, 30000 episodes",
       "note": "the default subject is the practical variant bonus_scale = 0.01 (the paper's "
               "constants stay in their "
               "burn-in at this size)"}, 20, 8, False)
_rate("episodic.psrl.regret_rate_riverswim", "regret.psrl.bayes", PSRL,
      "PSRL on RiverSwim(6), H = 20 (a frequentist run; the card's guarantee is Bayesian)",
      {"instance": "riverswim", "n": 6, "H": 20, "K": 20000,
       "describe": "RiverSwim(6), H = 20, 20000 episodes",
       "note": "a single fixed MDP, so this is a sanity check, not a test of the Bayesian "
               "bound"}, 20, 8, False)
