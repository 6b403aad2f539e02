r"""Users' own claims: a check built from a card, a subject, instances and a measured quantity,
without touching the package.

>>> from rlcert.proofs_checks import claim, verify           # doctest: +SKIP
>>> c = claim("my.ucb1", card="bandit.ucb1.upper", subject=UCB1(),   # doctest: +SKIP
...           instances=[(0.9, 0.8)], measure="pseudo_regret",
...           checkpoints=[100, 1000, 10000], n_trials=200)
>>> verify(c).status                                          # doctest: +SKIP

``card`` is a catalog id or the user's own :class:`rlcert.theory.Card` (a sympy bound in the
catalog's symbols, its domain and guarantee). The subject runs through the protocol of its kind
(:mod:`.protocols`) in the verifier's environments (:mod:`.harness`), and the measured quantity
is computed by the verifier from what it observed. The menu (:data:`MEASURES`):

=====================  ===================  ==========================================================
measure                instances            what the verifier computes, at each checkpoint
=====================  ===================  ==========================================================
``pseudo_regret``      bandits, episodic    ``sum_t (mu* - mu_{A_t})`` from the arms played (regret
                                            against the best arm on a table); ``sum_k initial . (V*_1
                                            - V^{pi_k}_1)`` from the declared policies
``realised_regret``    bandits, episodic    ``sum_t (mu* - r_t)``; ``sum_k V*_1(s_1^k) - G_k`` (what a
                                            learner that declares no policy is measured by)
``optimism_margin``    bandits, episodic    ``min (index of the best arm - mu*)`` over the steps so far
                                            (declared ``indices()``), ``min (Q_k - Q*)`` (declared
                                            ``q_values()``); the claim is margin >= 0
``value_error``        generative, solver   ``||Q_hat - Q*||_inf`` with a budget of ``n`` draws per
                                            pair (checkpoints = ``n``); ``||V - V*||_inf`` of a solver
``samples_to_eps``     generative           whether ``||Q_hat - Q*||_inf <= eps`` with the card's own
                                            number of samples
``iterations``         solver               Bellman backups the solver asked the verifier for before
                                            returning ``V`` with ``||V - V*|| <= eps``
=====================  ===================  ==========================================================

Checkpoints count steps (bandits), episodes (episodic) or draws per pair (generative). The card is
evaluated at each checkpoint with the instance's own symbols (``Delta``, ``KL``, ``k``, ``n`` for
bandits; ``S``, ``A``, ``H``, ``K`` and ``T`` in the card's units for episodic; ``S``, ``A``,
``gamma``, ``n``, ``eps`` for generative and solvers; ``delta`` from the claim), overridden by
``card_params``. The verdict follows the guarantee (default: the card's): ``expectation`` per
(instance, checkpoint) cell with one-sided empirical-Bernstein bounds on the mean, Bonferroni over
cells; ``high_probability`` per cell with Clopper-Pearson against ``1 - delta`` (for realised
regret a trial counts as passing or failing only when its Azuma-Hoeffding interval decides);
``deterministic`` every trial within the bound; ``rate`` the log-log slope against the card's rate;
``vacuous`` cells (bound at least the quantity's trivial bound) are reported, never evidence.

:func:`load_claims` runs a user file (``rlcert verify --claims FILE``) and returns the claims it
defines.
"""

from __future__ import annotations

import importlib.util
import math
import numbers
import os
import sys
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from rlcert.bounds import evaluate
from rlcert.bounds.evaluate import resolve
from rlcert.estimators.bandits.instances import (AdversarialBandit, BernoulliBandit,
                                                 StochasticBandit)
from rlcert.estimators.base import child_sequence
from rlcert.mdp import FiniteHorizonMDP, TabularMDP, instances as zoo, solve
from rlcert.theory import Card

from .framework import Check, CheckError, Outcome, Plot, register
from .harness import play_bandit, play_episodic, play_generative
from .statistics import bootstrap_slope, clopper_pearson
from .verdicts import (Verdict, aggregate, expectation_verdict, probability_rule, rate_rule)


class ClaimError(CheckError):
    """A claim is malformed (the message names the argument and the bad value)."""


@dataclass(frozen=True)
class Measure:
    """One entry of the menu: the instance kinds it applies to and what it is."""

    kinds: tuple[str, ...]
    description: str


MEASURES: dict[str, Measure] = {
    "pseudo_regret": Measure(("bandit", "episodic"),
                             "cumulative pseudo-regret from the arms played / declared policies"),
    "realised_regret": Measure(("bandit", "episodic"),
                               "cumulative realised regret sum_t (mu* - r_t) / sum_k V*(s_1^k) - "
                               "G_k"),
    "optimism_margin": Measure(("bandit", "episodic"),
                               "smallest margin of the declared indices / Q tables over their "
                               "targets"),
    "value_error": Measure(("generative", "solver"), "||Q_hat - Q*||_inf or ||V - V*||_inf"),
    "samples_to_eps": Measure(("generative",), "eps-accuracy at the card's sample size"),
    "iterations": Measure(("solver",), "Bellman backups asked of the verifier"),
}

_KIND_PROTOCOL = {"bandit": "bandit", "episodic": "episodic", "generative": "generative",
                  "solver": None}

#: The claims defined since :func:`load_claims` started reading a file.
_COLLECTING: list[list[Check]] = []


# -- instances ------------------------------------------------------------------------------------
def _build_instance(item, horizon):
    if isinstance(item, (StochasticBandit, AdversarialBandit, TabularMDP, FiniteHorizonMDP)):
        inst = item
    elif isinstance(item, str):
        inst = zoo.make(item)
    elif isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str) \
            and isinstance(item[1], dict):
        inst = zoo.make(item[0], **item[1])
    elif isinstance(item, (tuple, list)) and item and all(isinstance(v, numbers.Real)
                                                          for v in item):
        inst = BernoulliBandit(list(item))
    else:
        raise ClaimError(f"instances: cannot build an instance from {item!r} (give a model, a "
                         f"bandit, a zoo name, (name, params), a tuple of Bernoulli means, or a "
                         f"callable seed -> instance)")
    if isinstance(inst, TabularMDP) and horizon is not None:
        inst = FiniteHorizonMDP.from_tabular(inst, horizon)
    return inst


def _kind_of(inst, measure: str, subject) -> str:
    if isinstance(inst, (StochasticBandit, AdversarialBandit)):
        return "bandit"
    if isinstance(inst, FiniteHorizonMDP):
        return "episodic"
    if isinstance(inst, TabularMDP):
        if measure == "iterations":
            return "solver"
        return "generative" if callable(getattr(subject, "estimate", None)) else "solver"
    raise ClaimError(f"instances: {type(inst).__name__} is not a bandit or an MDP")


@dataclass(frozen=True)
class _Family:
    """Instances drawn per trial from a user callable ``family(seed) -> instance``."""

    family: Callable
    horizon: int | None

    def draw(self, seed):
        return _build_instance(self.family(seed), self.horizon)


def _trial_instances(source, seed) -> list:
    if isinstance(source, _Family):
        return [source.draw(child_sequence(seed, 10 ** 6))]
    return list(source)


# -- card values ------------------------------------------------------------------------------------
def card_values(card: Card, kind: str, inst, checkpoint, params: dict) -> dict[str, Any]:
    """The card's symbols for ``inst`` at ``checkpoint`` (see the module docstring)."""
    names = set(card.symbol_names)
    v: dict[str, Any] = {}
    if kind == "bandit":
        v["k"] = inst.k
        v["n"] = v["T"] = checkpoint
        if isinstance(inst, StochasticBandit):
            sub = inst.suboptimal
            v["Delta"], v["KL"] = inst.gaps[sub], inst.kl[sub]
    elif kind == "episodic":
        v.update(S=inst.n_states, A=inst.n_actions, H=inst.horizon, K=checkpoint)
        v["T"] = checkpoint * inst.horizon if card.T_unit == "steps" else checkpoint
    else:
        S, A = inst.n_states, inst.n_actions
        v.update(S=S, A=A, m=S * A, R_max=float(np.max(np.abs(inst.R))))
        if inst.gamma is not None:
            v["gamma"] = inst.gamma
        if checkpoint is not None:
            v["n"] = checkpoint if card.samples_unit != "total" else checkpoint * S * A
    if params.get("delta") is not None:
        v["delta"] = params["delta"]
    if params.get("eps") is not None:
        v["eps"] = params["eps"]
    extra = params.get("card_params")
    if callable(extra):
        extra = extra(inst, checkpoint)
    v.update(extra or {})
    return {k: val for k, val in v.items() if k in names}


def _bound(card, kind, inst, checkpoint, params) -> float:
    return float(evaluate(card, **card_values(card, kind, inst, checkpoint, params)))


# -- trials -------------------------------------------------------------------------------------------
def _running_min(x: np.ndarray) -> np.ndarray:
    return np.minimum.accumulate(x) if x.size else x


def _bandit_cell(subject, inst, cps, seed, measure) -> dict:
    # an adversarial pseudo-regret is measured from the declared probabilities when the subject
    # declares them (E[x_t(A_t) | past] = p_t . x_t), so they are recorded
    record = measure == "optimism_margin" or (measure == "pseudo_regret"
                                              and isinstance(inst, AdversarialBandit))
    tr = play_bandit(subject, inst, int(cps[-1]), seed, record=record)
    if tr.violation:
        return {"protocol_violation": tr.violation}
    idx = np.asarray(cps, dtype=np.int64) - 1
    if isinstance(inst, AdversarialBandit):
        got = inst.rewards[np.arange(tr.arms.size), tr.arms]
        if measure == "pseudo_regret" and tr.declared_kind == "probabilities":
            assert tr.declared is not None  # recorded above
            got = np.einsum("tk,tk->t", tr.declared, inst.rewards[:tr.arms.size])
        curve = inst.best_cumulative[:tr.arms.size] - np.cumsum(got)
        return {"values": curve[idx].tolist()}
    if measure == "pseudo_regret":
        curve = np.cumsum(inst.gaps[tr.arms])
    elif measure == "realised_regret":
        curve = np.cumsum(inst.best_mean - tr.rewards)
    else:
        if tr.declared_kind != "indices":
            return {"protocol_violation": "optimism_margin needs a subject declaring indices()"}
        assert tr.declared is not None  # declared indices are recorded (record=True)
        margin = tr.declared[:, inst.best_arm] - inst.best_mean
        margin[:inst.k] = np.inf  # each arm once first: no index yet
        curve = _running_min(margin)
    return {"values": curve[idx].tolist()}


def _episodic_cell(subject, inst, cps, seed, measure, reward_noise) -> dict:
    tr = play_episodic(subject, inst, int(cps[-1]), seed, reward_noise=reward_noise,
                       record_q=measure == "optimism_margin")
    if tr.violation:
        return {"protocol_violation": tr.violation}
    idx = np.asarray(cps, dtype=np.int64) - 1
    measured = measure
    if measure == "pseudo_regret" and tr.declared not in ("deterministic", "randomised"):
        measured = "realised_regret"
    if measured == "pseudo_regret":
        curve = np.cumsum(tr.pseudo_regret())
    elif measured == "realised_regret":
        curve = np.cumsum(tr.realised_regret())
    else:
        curve = _running_min(tr.margins)
    return {"values": curve[idx].tolist(), "measured": measured,
            "V_star0": tr.V_star0, "V0_min": float(tr.V_star[0].min()),
            "V0_max": float(tr.V_star[0].max()), "H": int(inst.horizon)}


def _generative_cell(subject, inst, cps, seed, measure, params, card) -> dict:
    Q_star = solve(inst, method="pi", tol=1e-12).Q
    if measure == "samples_to_eps":
        if card.kind == "lower":
            budgets = [int(c) for c in cps]
        else:
            budgets = [int(math.ceil(_bound(card, "generative", inst, None, params)
                                     / (1 if card.samples_unit != "total"
                                        else inst.n_states * inst.n_actions)))]
            if budgets[0] > params["max_samples"]:
                return {"too_many": budgets[0]}
    else:
        budgets = [int(c) for c in cps]
    errors, drawn = [], []
    for j, n in enumerate(budgets):
        tr = play_generative(subject, inst, child_sequence(seed, j),
                             budget=n * inst.n_states * inst.n_actions)
        if tr.violation:
            return {"protocol_violation": f"n = {n} per pair: {tr.violation}"}
        errors.append(float(np.max(np.abs(tr.fields["Q"] - Q_star))))
        drawn.append(int(tr.drawn))
    return {"values": errors, "budgets": budgets, "drawn": drawn}


class CountingBackup:
    """The Bellman operator of a model, handed to a solver subject: ``backup(V)`` returns ``Q =
    R + gamma P V`` (``(S, A)``) and counts the calls (the solver's iterations, as the verifier
    sees them)."""

    def __init__(self, model: TabularMDP):
        self._P = model.dense_P()
        self._R = np.array(model.R)
        if model.gamma is None:
            raise ClaimError("CountingBackup: the model has no discount (gamma=None)")
        self._gamma = float(model.gamma)
        self.calls = 0

    def __call__(self, V) -> np.ndarray:
        V = np.asarray(V, dtype=np.float64)
        if V.shape != (self._P.shape[0],):
            raise ClaimError(f"backup(V): V must have shape ({self._P.shape[0]},), got "
                             f"{V.shape}")
        self.calls += 1
        return self._R + self._gamma * (self._P @ V)


def _solver_cell(subject, inst, measure, params) -> dict:
    V_star = solve(inst, method="pi", tol=1e-12).V
    if measure == "iterations":
        backup = CountingBackup(inst)
        V = subject(backup, inst.n_states, inst.n_actions, inst.gamma, params["eps"])
        err = float(np.max(np.abs(np.asarray(V, dtype=float) - V_star)))
        return {"values": [float(backup.calls)], "error": err}
    V = getattr(subject(inst), "V", None)
    V = subject(inst) if V is None else V
    return {"values": [float(np.max(np.abs(np.asarray(V, dtype=float) - V_star)))]}


def trial_claim(params, subject, seed, index) -> dict:
    """One trial of a claim: every instance (or one drawn from the family) run once."""
    measure, kind, cps = params["measure"], params["kind"], params["checkpoints"]
    card = params["card"]
    cells = []
    for j, inst in enumerate(_trial_instances(params["instances"], seed)):
        child = child_sequence(seed, j)
        if kind == "bandit":
            cell = _bandit_cell(subject, inst, cps, child, measure)
        elif kind == "episodic":
            cell = _episodic_cell(subject, inst, cps, child, measure, params["reward_noise"])
        elif kind == "generative":
            cell = _generative_cell(subject, inst, cps, child, measure, params, card)
        else:
            cell = _solver_cell(subject, inst, measure, params)
        if "protocol_violation" in cell:
            return {"protocol_violation": f"instance {j}: {cell['protocol_violation']}"}
        if kind != "bandit" and kind != "episodic" or isinstance(params["instances"], _Family):
            cell["bounds"] = _cell_bounds(params, inst)
        cells.append(cell)
    return {"cells": cells}


def _cell_bounds(params, inst) -> list[float] | None:
    card, kind, measure = params["card"], params["kind"], params["measure"]
    if measure == "optimism_margin":
        return None
    if kind == "generative" and measure == "samples_to_eps":
        return [float(_bound(card, kind, inst, None, params))]
    if kind == "solver":
        return [float(_bound(card, kind, inst, None, params))]
    return [float(_bound(card, kind, inst, c, params)) for c in params["checkpoints"]]


# -- judging ------------------------------------------------------------------------------------------
def _ranges(params, inst, cell, checkpoint) -> tuple[float, float, float]:
    """``(lo, hi, trivial)``: the range of the measured quantity at ``checkpoint`` and its trivial
    bound (a bound at or above it is vacuous)."""
    measure, kind = params["measure"], params["kind"]
    if kind == "bandit":
        if isinstance(inst, AdversarialBandit):
            t = float(inst.trivial_regret(checkpoint))
            return -float(checkpoint), t, t
        top = checkpoint * float(inst.gaps.max())
        if measure == "realised_regret":
            return checkpoint * (inst.best_mean - 1.0), checkpoint * inst.best_mean, top
        return 0.0, top, top
    if kind == "episodic":
        top = checkpoint * cell["V_star0"]
        if cell.get("measured", measure) == "realised_regret":
            return (checkpoint * (cell["V0_min"] - cell["H"]), checkpoint * cell["V0_max"], top)
        return 0.0, top, top
    if kind == "generative":
        R_max = float(np.max(np.abs(inst.R)))
        top = 2.0 * R_max / (1.0 - inst.gamma)  # |Q_hat - Q*| for any Q_hat in the Q range
        return 0.0, top, top
    return 0.0, math.inf, math.inf


def _azuma_halfwidth(params, cell, checkpoint) -> float:
    """Per trial: realised and pseudo-regret differ by a martingale with increments in an
    interval of length 1 (bandits, rewards in [0, 1]) or 2H (episodes); Azuma-Hoeffding at level
    ``alpha / (2 n_trials)``."""
    width = 1.0 if params["kind"] == "bandit" else 2.0 * cell["H"]
    level = params["alpha"] / (2.0 * params["n_trials"])
    return width * math.sqrt(checkpoint * math.log(1.0 / level) / 2.0)


def judge_claim(check: Check, trials: list[dict]) -> Outcome:
    """The verdict of a claim (see the module docstring)."""
    p = check.params
    guarantee, measure = check.guarantee, p["measure"]
    family = isinstance(p["instances"], _Family)
    insts = None if family else list(p["instances"])
    n_cells = len(trials[0]["cells"])
    if measure == "optimism_margin":
        return _judge_margin(check, trials)
    if measure == "samples_to_eps":
        return _judge_samples(check, trials)
    if guarantee == "rate":
        return _judge_rate(check, trials)
    cps = p["checkpoints"] if p["kind"] in ("bandit", "episodic", "generative") else [None]
    verdicts, rows, plots = [], [], []
    live = 0
    table: list[tuple[int, Any, np.ndarray, float, tuple[float, float, float] | None]] = []
    for j in range(n_cells):
        values = np.array([t["cells"][j]["values"] for t in trials], dtype=float)
        for c, cp in enumerate(cps):
            inst = insts[j] if insts else None
            bounds = [t["cells"][j]["bounds"][c] for t in trials] if family or \
                "bounds" in trials[0]["cells"][j] else None
            bound = float(bounds[0]) if bounds is not None else \
                _bound(p["card"], p["kind"], inst, cp, p)
            if inst is None or p["kind"] == "solver":
                table.append((j, cp, values[:, c], bound, None))
                continue
            lo, hi, trivial = _ranges(p, inst, trials[0]["cells"][j], cp or 1)
            table.append((j, cp, values[:, c], bound, (lo, hi, trivial)))
            live += bound < trivial
    level = check.alpha / max(live, 1)
    for j, cp, vals, bound, rng in table:
        if rng is None:
            if measure == "iterations":
                # iterations are whole: a card's real-valued count k allows ceil(k) of them, and
                # the solver must also have reached eps
                ok = vals <= math.ceil(bound - 1e-9 * max(1.0, abs(bound)))
                ok &= np.array([t["cells"][j]["error"] <= p["eps"] for t in trials])
            else:
                ok = vals <= bound
            verdicts.append(Verdict.HOLDS if np.all(ok) else Verdict.VIOLATED)
            rows.append((j, cp, float(vals.max() / bound) if bound else math.inf,
                         str(verdicts[-1])))
            continue
        lo, hi, trivial = rng
        if guarantee == "expectation":
            v, _, _ = expectation_verdict(vals, bound, lo, hi, trivial, level)
        elif guarantee == "deterministic":
            v = Verdict.VACUOUS if bound >= trivial else (
                Verdict.HOLDS if np.all(vals <= bound) else Verdict.VIOLATED)
        else:
            v = _high_probability(check, trials, j, cp, vals, bound, trivial, level)
        verdicts.append(v)
        rows.append((j, cp, float(vals.mean() / bound) if bound > 0 else math.inf, str(v)))
    for j in range(n_cells):
        vals = np.array([t["cells"][j]["values"] for t in trials], dtype=float)
        bnd = [r[3] for r in table if r[0] == j]
        if len(cps) > 1:
            plots.append(Plot("curves", f"{check.check_id}: instance {j}", x=np.array(cps, float),
                              curves=vals, bound=np.array(bnd), bound_label=str(check.card_id),
                              xlabel="checkpoint", ylabel=measure.replace("_", " ")))
    status = aggregate(verdicts)
    counts = {str(v): verdicts.count(v) for v in set(verdicts)}
    decided = [r for r in rows if r[3] != "vacuous"]
    ratio = (f"; mean/bound {min(r[2] for r in decided):.3g}-{max(r[2] for r in decided):.3g}"
             if decided else "")
    what = MEASURES[measure].description
    realised = any(c.get("measured") == "realised_regret" and measure == "pseudo_regret"
                   for t in trials[:1] for c in t["cells"])
    note = (" (the subject declared no policy: measured by its realised regret)"
            if realised else "")
    details = (f"{what}{note}; {len(verdicts)} cells (instance, checkpoint), {live} "
               f"non-vacuous, {guarantee} rule at level {check.alpha}/{max(live, 1)} each: "
               f"{counts}{ratio}")
    return Outcome(status, details, numbers={"cells": rows}, plots=tuple(plots))


def _high_probability(check, trials, j, cp, vals, bound, trivial, level) -> Verdict:
    if bound >= trivial:
        return Verdict.VACUOUS
    cell0 = trials[0]["cells"][j]
    measured = cell0.get("measured", check.params["measure"])
    if measured == "realised_regret":
        w = _azuma_halfwidth(check.params, cell0, cp)
        certified_pass = int(np.sum(vals + w <= bound))
        certified_fail = int(np.sum(vals - w > bound))
        if clopper_pearson(len(vals) - certified_fail, len(vals), level)[1] < 1 - check.delta:
            return Verdict.VIOLATED
        v, _, _, _ = probability_rule(certified_pass, len(vals), check.delta, level)
        return v if v is not Verdict.VIOLATED else Verdict.INCONCLUSIVE
    v, _, _, _ = probability_rule(int(np.sum(vals <= bound)), len(vals), check.delta, level)
    return v


def _judge_margin(check, trials) -> Outcome:
    margins = np.array([min(min(c["values"]) for c in t["cells"]) for t in trials])
    passed = margins >= -1e-9
    verdict, lo, hi, more = probability_rule(int(passed.sum()), passed.size, check.delta,
                                             check.alpha)
    details = (f"declared {'indices' if check.params['kind'] == 'bandit' else 'Q tables'} at or "
               f"above their targets at every step in {int(passed.sum())}/{passed.size} trials, "
               f"Clopper-Pearson [{lo:.4f}, {hi:.4f}] against 1 - delta = {1 - check.delta:.3g}; "
               f"smallest margin {margins.min():.4g}")
    if verdict is Verdict.INCONCLUSIVE and more:
        details += f"; about {more} trials would decide"
    failing = [t["index"] for t, ok in zip(trials, passed) if not ok]
    return Outcome(verdict, details, pass_rate=float(passed.mean()), pass_rate_ci=(lo, hi),
                   counterexample=failing[0] if failing and verdict is Verdict.VIOLATED else None,
                   numbers={"smallest_margin": float(margins.min())},
                   plots=(Plot("hist", f"{check.check_id}: smallest margin per trial",
                               curves=margins, xlabel="margin", ylabel="trials",
                               reference=0.0),))


def _judge_samples(check, trials) -> Outcome:
    p = check.params
    eps = p["eps"]
    too_many = [c.get("too_many") for t in trials[:1] for c in t["cells"] if "too_many" in c]
    if too_many:
        return Outcome(Verdict.INCONCLUSIVE,
                       f"the card asks {too_many[0]:g} draws per pair, above max_samples = "
                       f"{p['max_samples']:g}: not run")
    verdicts, parts = [], []
    for j in range(len(trials[0]["cells"])):
        errors = np.array([t["cells"][j]["values"] for t in trials])
        budgets = trials[0]["cells"][j]["budgets"]
        if p["card"].kind == "lower":
            # a lower bound on the samples needed: confident success below it contradicts it
            bound = trials[0]["cells"][j]["bounds"][0]
            below = [b for b in budgets if b < bound]
            level = check.alpha / max(len(below), 1)
            hit = [b for c, b in enumerate(budgets) if b < bound and clopper_pearson(
                int((errors[:, c] > eps).sum()), errors.shape[0], level)[1] <= check.delta]
            v = Verdict.VACUOUS if not below else (Verdict.VIOLATED if hit else Verdict.HOLDS)
            parts.append(f"instance {j}: {len(below)} budgets below the bound {bound:.4g}, "
                         f"{len(hit)} with confident success")
        else:
            ok = int((errors[:, 0] <= eps).sum())
            v, lo, hi, _ = probability_rule(ok, errors.shape[0], check.delta, check.alpha)
            parts.append(f"instance {j}: eps-accurate in {ok}/{errors.shape[0]} trials with the "
                         f"card's {budgets[0]} draws per pair, Clopper-Pearson [{lo:.4f}, "
                         f"{hi:.4f}] against 1 - delta = {1 - check.delta:.3g}")
        verdicts.append(v)
    return Outcome(aggregate(verdicts), "; ".join(parts))


def _judge_rate(check, trials) -> Outcome:
    p = check.params
    card = p["card"]
    x = np.array(p["checkpoints"], dtype=float)
    symbol = {"bandit": "n", "episodic": "T" if "T" in card.rate else "K",
              "generative": "n"}.get(p["kind"], "n")
    if symbol not in card.rate:
        raise ClaimError(f"{card.card_id} states no rate in {symbol} (its rates: "
                         f"{dict(card.rate)})")
    power, log_power = card.rate[symbol]
    claimed = power + log_power / math.log(float(x[-1]))
    verdicts, parts = [], []
    for j in range(len(trials[0]["cells"])):
        curves = np.array([t["cells"][j]["values"] for t in trials], dtype=float)
        slope, lo, hi = bootstrap_slope(x, curves, check.alpha)
        v = rate_rule(lo, claimed)
        verdicts.append(v)
        parts.append(f"instance {j}: slope {slope:.3f} [{lo:.3f}, {hi:.3f}] against "
                     f"{claimed:.3f}")
    status = Verdict.INCONSISTENT if Verdict.INCONSISTENT in verdicts else Verdict.CONSISTENT
    return Outcome(status, "; ".join(parts) + f" (log-log slope of the mean "
                   f"{p['measure'].replace('_', ' ')} over the checkpoints)")


# -- the public function --------------------------------------------------------------------------------
def _positive_int(value, name) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral) or value < 1:
        raise ClaimError(f"{name} = {value!r} must be a positive integer")
    return int(value)


def claim(claim_id: str, *, card: str | Card, subject, instances, measure: str,
          checkpoints=None, guarantee: str | None = None, n_trials: int = 100,
          n_trials_quick: int | None = None, horizon: int | None = None,
          card_params: dict | Callable | None = None, delta: float | None = None,
          alpha: float = 0.05, eps: float | None = None, reward_noise: str = "none",
          max_samples: float = 1e7, title: str | None = None, quick: bool = True,
          register_it: bool = True) -> Check:
    """Build (and by default register) a check from a user's claim; see the module docstring.

    Parameters
    ----------
    claim_id : str
        A new check id (``"mine.etc.regret"``).
    card : str or rlcert.theory.Card
    subject : object
        The subject: a learner or estimator instance (a class is instantiated with no
        arguments), or a solver function.
    instances : model, bandit, zoo name, ``(name, params)``, Bernoulli means, a list of these, or
        a callable ``family(seed) -> instance`` drawing a new instance per trial.
    measure : str
        One of :data:`MEASURES`.
    checkpoints : sequence of int
        Steps (bandits), episodes (episodic) or draws per pair (generative) at which the
        measured quantity is compared with the card.
    guarantee : {"expectation", "high_probability", "deterministic", "rate"}, optional
        Default: the card's (``asymptotic`` cards are judged as rates).
    horizon : int, optional
        Turns tabular zoo instances into episodic ones with this horizon.
    card_params : dict or callable (instance, checkpoint) -> dict, optional
        Values of card symbols the instance does not provide (or overrides).
    delta : float, optional
        The failure probability of a high-probability claim (and the card's ``delta``).
    eps : float, optional
        Accuracy for ``samples_to_eps`` and ``iterations`` (and the card's ``eps``).
    reward_noise : {"none", "bernoulli"}
        Episodic rewards: deterministic ``r(s, a)`` or ``Bernoulli(r(s, a))``.
    max_samples : float
        ``samples_to_eps``: the largest number of draws per pair the check will spend.
    quick, register_it : bool
        Whether the claim belongs to the quick subset, and whether to add it to the registry
        (so that ``verify(claim_id)`` and ``rlcert checks list`` find it).
    """
    if not isinstance(claim_id, str) or not claim_id:
        raise ClaimError(f"claim_id = {claim_id!r} must be a non-empty string")
    if measure not in MEASURES:
        raise ClaimError(f"measure = {measure!r} is not one of {sorted(MEASURES)}")
    card_obj, _ = resolve(card)
    if isinstance(subject, type):
        subject = subject()
    n_trials = _positive_int(n_trials, "n_trials")
    n_quick = n_trials if n_trials_quick is None else _positive_int(n_trials_quick,
                                                                    "n_trials_quick")
    if horizon is not None:
        horizon = _positive_int(horizon, "horizon")
    if reward_noise not in ("none", "bernoulli"):
        raise ClaimError(f"reward_noise = {reward_noise!r} is not 'none' or 'bernoulli'")
    if callable(instances) and not isinstance(instances, (StochasticBandit, AdversarialBandit,
                                                          TabularMDP, FiniteHorizonMDP)):
        source: Any = _Family(instances, horizon)
        probe = source.draw(np.random.SeedSequence(0))
    else:
        items = instances if isinstance(instances, list) else [instances]
        if not items:
            raise ClaimError("instances is an empty list")
        source = tuple(_build_instance(it, horizon) for it in items)
        probe = source[0]
    kind = _kind_of(probe, measure, subject)
    if not isinstance(source, _Family) and any(_kind_of(i, measure, subject) != kind
                                               for i in source):
        raise ClaimError("instances mix kinds (bandits and MDPs): one claim per kind")
    if kind not in MEASURES[measure].kinds:
        hint = (" (give horizon=H to run episodic learners on a tabular instance)"
                if kind in ("solver", "generative") and "episodic" in MEASURES[measure].kinds
                else "")
        raise ClaimError(f"measure = {measure!r} applies to {MEASURES[measure].kinds} "
                         f"instances, not {kind}{hint}")
    guarantee = guarantee or ("rate" if card_obj.guarantee == "asymptotic"
                              else card_obj.guarantee)
    if guarantee not in ("expectation", "high_probability", "deterministic", "rate"):
        raise ClaimError(f"guarantee = {guarantee!r} is not expectation, high_probability, "
                         f"deterministic or rate")
    if card_obj.kind == "lower" and measure != "samples_to_eps":
        raise ClaimError(f"{card_obj.card_id} is a lower bound: a fixed instance cannot "
                         f"contradict a minimax lower bound on {measure} (lower cards are "
                         f"judged with measure='samples_to_eps' on their hard instances)")
    if measure in ("samples_to_eps", "iterations") and eps is None:
        raise ClaimError(f"measure = {measure!r} needs eps")
    if delta is None:
        delta = 0.05
    if not (isinstance(delta, numbers.Real) and 0 < delta < 1):
        raise ClaimError(f"delta = {delta!r} is not in (0, 1)")
    if kind in ("bandit", "episodic") or (kind == "generative" and measure == "value_error") \
            or (kind == "generative" and card_obj.kind == "lower"):
        if checkpoints is None:
            raise ClaimError(f"measure = {measure!r} on {kind} instances needs checkpoints")
        cps = [_positive_int(c, "checkpoints[i]") for c in checkpoints]
        if not cps or any(b <= a for a, b in zip(cps, cps[1:])):
            raise ClaimError(f"checkpoints = {list(checkpoints)!r} must be strictly increasing "
                             f"positive integers")
    else:
        cps = [] if checkpoints is None else [int(c) for c in checkpoints]
    if kind == "bandit":
        for b in ([probe] if isinstance(source, _Family) else source):
            if isinstance(b, AdversarialBandit) and cps[-1] > b.horizon:
                raise ClaimError(f"checkpoints go to {cps[-1]}, past the table's horizon "
                                 f"{b.horizon}")
    params = {"card": card_obj, "kind": kind, "measure": measure, "instances": source,
              "checkpoints": tuple(cps), "delta": float(delta), "eps": eps,
              "card_params": card_params, "reward_noise": reward_noise, "alpha": float(alpha),
              "n_trials": n_trials, "max_samples": float(max_samples)}
    check = Check(
        check_id=claim_id, card_id=card_obj.card_id,
        title=title or f"claim {claim_id}: {measure.replace('_', ' ')} against "
                       f"{card_obj.card_id}",
        guarantee=guarantee, measured=MEASURES[measure].description,
        instances=(f"{len(source)} instance(s)" if not isinstance(source, _Family)
                   else "a family drawn per trial"),
        trial=trial_claim, judge=judge_claim, default_subject=lambda: subject,
        subject_kind=f"{kind} subject", protocol=_KIND_PROTOCOL[kind],
        requires=(("q_values",) if kind == "episodic" else ("indices",))
        if measure == "optimism_margin" else (),
        n_trials=n_trials, n_trials_quick=n_quick, quick=quick, params=params,
        delta=float(delta), alpha=float(alpha))
    if register_it:
        from .framework import _load, unregister
        existing = _load().get(claim_id)
        if existing is not None and existing.trial is trial_claim:
            unregister(claim_id)  # a claim defined again (a re-run script or notebook cell)
        register(check)
    for bucket in _COLLECTING:
        bucket.append(check)
    return check


def load_claims(path: str | os.PathLike) -> list[Check]:
    """Run the Python file ``path`` and return the claims it defines (with :func:`claim`, or as
    module-level :class:`Check` objects). Its classes and functions are sent to worker processes
    by value, so the file need not be importable there."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise ClaimError(f"claims file {path!r} does not exist")
    name = "rlcert_user_claims_" + os.path.splitext(os.path.basename(path))[0].replace("-", "_")
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ClaimError(f"claims file {path!r} is not a Python file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        import cloudpickle
        cloudpickle.register_pickle_by_value(module)
    except (ImportError, AttributeError, ValueError):  # pickled by reference instead
        pass
    collected: list[Check] = []
    _COLLECTING.append(collected)
    try:
        spec.loader.exec_module(module)
    finally:
        _COLLECTING.remove(collected)
    for value in vars(module).values():
        items = value if isinstance(value, (list, tuple)) else [value]
        for item in items:
            if isinstance(item, Check) and all(item is not c for c in collected):
                collected.append(item)
    if not collected:
        raise ClaimError(f"claims file {path!r} defines no claim (call rlcert.proofs_checks."
                         f"claim(...) in it)")
    return collected


__all__ = ["claim", "load_claims", "MEASURES", "ClaimError", "CountingBackup", "card_values"]
