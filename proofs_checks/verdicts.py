r"""Verdict words and the rules that produce them.

=====================  ==========================================================================
guarantee              rule
=====================  ==========================================================================
deterministic          every instance satisfies the bound: ``holds``; otherwise ``violated``,
                       with the failing instance saved.
high probability       ``p`` = frequency of trials in which the bound held, with its one-sided
                       Clopper-Pearson limits at level ``1 - alpha``: ``violated`` if the upper
                       limit is ``< 1 - delta``, ``holds`` if the lower limit is ``>= 1 - delta``,
                       otherwise ``inconclusive`` (with the number of trials that would decide
                       if the frequency persisted).
expectation            one-sided empirical-Bernstein confidence bounds on the mean of the
                       measured quantity (known range): ``violated`` if the lower bound exceeds
                       the theorem's bound, ``holds`` if the upper bound is at most it, otherwise
                       ``inconclusive``.
any bound              ``vacuous`` when the bound is at least the quantity's trivial bound
                       (regret >= K H, width >= range, ...): reported, never counted as evidence.
rate                   the log-log slope of the measured quantity with a bootstrap interval:
                       ``inconsistent`` if the interval's lower limit exceeds the claimed slope
                       (plus ``RATE_TOL``) over the tested range, otherwise ``consistent``. An
                       O() claim cannot be refuted by finite data, so rate verdicts never set the
                       exit code.
report                 a measurement with no pass/fail claim (e.g. the ratio to an asymptotic
                       lower bound): ``reported``.
=====================  ==========================================================================

Several cells in one check are judged at family-wise level ``alpha`` with a Bonferroni split
(``alpha / cells`` per cell); the report says which level was used.
"""

from __future__ import annotations

from enum import Enum

import numpy as np

from .statistics import clopper_pearson, mean_confidence_bounds, trials_to_decide

RATE_TOL = 0.05


class Verdict(str, Enum):
    """The words every report uses."""

    HOLDS = "holds"
    VIOLATED = "violated"
    INCONCLUSIVE = "inconclusive"
    VACUOUS = "vacuous"
    CONSISTENT = "consistent"
    INCONSISTENT = "inconsistent"
    REPORTED = "reported"

    def __str__(self) -> str:
        return self.value

    @property
    def fails(self) -> bool:
        """True only for ``violated`` (the only verdict that sets a non-zero exit code)."""
        return self is Verdict.VIOLATED


def deterministic_rule(passed) -> Verdict:
    """``holds`` if every instance passed, else ``violated``."""
    return Verdict.HOLDS if bool(np.all(passed)) else Verdict.VIOLATED


def probability_rule(successes: int, trials: int, delta: float, alpha: float
                     ) -> tuple[Verdict, float, float, int | None]:
    """Clopper-Pearson rule against ``1 - delta``; returns (verdict, lower, upper, trials to
    decide when inconclusive)."""
    lo, hi = clopper_pearson(successes, trials, alpha)
    target = 1.0 - delta
    if hi < target:
        return Verdict.VIOLATED, lo, hi, None
    if lo >= target:
        return Verdict.HOLDS, lo, hi, None
    return Verdict.INCONCLUSIVE, lo, hi, trials_to_decide(successes, trials, target, alpha)


def expectation_rule(values, bound: float, alpha: float, value_range: float
                     ) -> tuple[Verdict, float, float, float]:
    """One-sided confidence bounds on the mean against ``bound``; returns (verdict, mean,
    lower, upper)."""
    mean, lo, hi = mean_confidence_bounds(values, alpha, value_range)
    if lo > bound:
        return Verdict.VIOLATED, mean, lo, hi
    if hi <= bound:
        return Verdict.HOLDS, mean, lo, hi
    return Verdict.INCONCLUSIVE, mean, lo, hi


def expectation_verdict(values, bound: float, lo: float, hi: float, trivial: float,
                        alpha: float) -> tuple[Verdict, float, float]:
    """The expectation rule for values in ``[lo, hi]``, with ``vacuous`` when ``bound >=
    trivial``; returns (verdict, lower, upper) confidence bounds on the mean."""
    _, lower, upper = mean_confidence_bounds(values, alpha, hi - lo, lower=lo)
    if is_vacuous(bound, trivial):
        return Verdict.VACUOUS, lower, upper
    if upper <= bound:
        return Verdict.HOLDS, lower, upper
    if lower > bound:
        return Verdict.VIOLATED, lower, upper
    return Verdict.INCONCLUSIVE, lower, upper


def frequency_rule(events: int, trials: int, bound: float, alpha: float) -> Verdict:
    """For a claim ``P(event) <= bound``: ``violated`` if the Clopper-Pearson lower limit of the
    event frequency exceeds the bound, ``holds`` if the upper limit is within it, else
    ``inconclusive``."""
    lo, hi = clopper_pearson(events, trials, alpha)
    if lo > bound:
        return Verdict.VIOLATED
    if hi <= bound:
        return Verdict.HOLDS
    return Verdict.INCONCLUSIVE


def aggregate(verdicts) -> Verdict:
    """One verdict for several cells: ``violated`` if any cell is, ``vacuous`` if all are,
    ``holds`` if every non-vacuous cell holds, ``inconclusive`` otherwise."""
    vs = list(verdicts)
    if Verdict.VIOLATED in vs:
        return Verdict.VIOLATED
    live = [v for v in vs if v is not Verdict.VACUOUS]
    if not live:
        return Verdict.VACUOUS
    return Verdict.HOLDS if all(v is Verdict.HOLDS for v in live) else Verdict.INCONCLUSIVE


def rate_rule(slope_lower: float, claimed: float) -> Verdict:
    """``inconsistent`` if the slope's lower confidence limit exceeds ``claimed + RATE_TOL``."""
    if np.isnan(slope_lower):
        return Verdict.REPORTED
    return Verdict.INCONSISTENT if slope_lower > claimed + RATE_TOL else Verdict.CONSISTENT


def is_vacuous(bound: float, trivial: float) -> bool:
    """A bound at or above the quantity's trivial bound cannot be contradicted by any run."""
    return bool(bound >= trivial)
