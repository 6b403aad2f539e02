r"""The catalog's own consistency checks: rates, monotonicity, upper >= lower, inversion.

Installed (not a test file) so that the test suite and the verifier call the same code.

* **Rate**: for a card with ``rate[x] = (p, k)`` (``f ~ x^p |ln x|^k``), the numeric log-log slope
  ``d ln f / d ln x`` at a point deep in the asymptotic regime must equal ``p + k / ln x`` (the
  derivative of ``p ln x + k ln|ln x|``), within ``RATE_TOL``. The regime is ``x -> infinity`` for
  counts and sizes and ``x -> 0`` for ``eps``, ``delta`` and ``tau``; the ``gamma`` rate is measured
  in the effective horizon ``x = 1/(1 - gamma)``.
* **Monotonicity**: along the path from the card's example to that point the bound moves in the
  direction of the rate (no wiggle beyond rounding).
* **Inversion**: ``evaluate(invert(card, x, v)) == v`` to ``1e-9`` relative at the example.
* **Upper >= lower** for every ``matches`` pair with explicit constants, on points of the
  intersection of both domains and in the same units (T converted between steps and episodes
  with ``H``). A high-probability upper bound ``U`` meets an expectation lower bound ``L`` through
  ``E[X] <= U + delta * trivial``; asymptotic lower bounds are compared in their leading
  coefficient only, which a sampled check cannot do, so they are reported and skipped.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

import numpy as np

from rlcert.theory import Card, UnknownCardError, cards, get

from .evaluate import BoundError, convert_T, evaluate, invert

RATE_TOL = 0.05
LOG_POWER_TOL = 0.1
SMALL = ("eps", "delta", "tau")
#: Points tried, farthest first, until the bound is finite there (counts and sizes; the small
#: symbols use the reciprocals). Far points separate log powers: ``(slope - p) ln x -> k``.
LARGE_POINTS = (1e300, 1e100, 1e30, 1e10)
HORIZON_POINTS = (1e7,)


@dataclass(frozen=True)
class CheckResult:
    """Outcome of one self-check of one card."""

    card_id: str
    check: str
    passed: bool
    detail: str

    def __str__(self) -> str:
        return f"{'ok  ' if self.passed else 'FAIL'} {self.card_id} [{self.check}] {self.detail}"


def _points(card: Card, name: str) -> tuple[float, ...]:
    if name in card.rate_point:
        return (float(card.rate_point[name]),)
    if name == "eff_horizon":
        return HORIZON_POINTS
    return tuple(1.0 / x for x in LARGE_POINTS) if name in SMALL else LARGE_POINTS


def _point(card: Card, name: str) -> float:
    """The farthest candidate point where the bound is finite and positive."""
    for x in _points(card, name):
        try:
            v1, v2 = _value(card, name, x * math.exp(-0.01)), _value(card, name, x * math.exp(0.01))
        except BoundError:
            continue
        if all(math.isfinite(v) and v > 0 for v in (v1, v2)):
            return x
    return _points(card, name)[-1]


def _with(card: Card, name: str, x: float) -> dict:
    params = dict(card.example)
    if name == "eff_horizon":
        params["gamma"] = 1.0 - 1.0 / x
    else:
        params[name] = x
    return params


def _value(card: Card, name: str, x: float) -> float:
    return float(evaluate(card.card_id, continuous=True, **_with(card, name, x)))


def measured_slope(card: Card, name: str, x0: float, h: float = 0.01) -> float:
    """Central-difference ``d ln f / d ln x`` at ``x0``."""
    lo, hi = _value(card, name, x0 * math.exp(-h)), _value(card, name, x0 * math.exp(h))
    return (math.log(hi) - math.log(lo)) / (2 * h)


def check_rate(card: Card) -> list[CheckResult]:
    """The measured slope against ``p + k / ln x`` for every symbol in the card's rate, and, at a
    far point (``|ln x| >= 60``), the measured log power ``(slope - p) ln x`` against ``k``."""
    out = []
    for name, (p, k) in card.rate.items():
        x0 = _point(card, name)
        try:
            slope = measured_slope(card, name, x0)
        except BoundError as exc:
            out.append(CheckResult(card.card_id, f"rate[{name}]", False, f"cannot evaluate: {exc}"))
            continue
        ln_x = math.log(x0)
        expected = p + k / ln_x
        ok = abs(slope - expected) <= RATE_TOL
        detail = f"slope {slope:.4f} at {name}={x0:g}, expected {expected:.4f}"
        if abs(ln_x) >= 60:
            k_measured = (slope - p) * ln_x
            ok = ok and abs(k_measured - k) <= LOG_POWER_TOL
            detail += f"; log power {k_measured:.3f}, expected {k:g}"
        out.append(CheckResult(card.card_id, f"rate[{name}]", ok, detail))
    return out


def check_monotone(card: Card, n_points: int = 40) -> list[CheckResult]:
    """Monotone along the path from the example to the rate point, in the rate's direction."""
    out = []
    for name, (p, k) in card.rate.items():
        x0 = _point(card, name)
        # a rate symbol's example is a scalar (vector symbols have no rate)
        start = (1.0 / (1.0 - float(cast(float, card.example["gamma"]))) if name == "eff_horizon"
                 else float(cast(float, card.example[name])))
        xs = np.geomspace(start, x0, n_points)
        try:
            vals = np.array([_value(card, name, x) for x in xs])
        except BoundError as exc:
            out.append(CheckResult(card.card_id, f"monotone[{name}]", False, str(exc)))
            continue
        direction = np.sign(p + k / math.log(x0)) * np.sign(math.log(x0 / start))
        diffs = np.diff(vals) * direction
        ok = bool(np.all(diffs >= -1e-12 * np.abs(vals[:-1])))
        out.append(CheckResult(card.card_id, f"monotone[{name}]", ok,
                               f"{'increasing' if direction > 0 else 'decreasing'} from "
                               f"{name}={start:g} to {x0:g}"))
    return out


def check_inversion(card: Card) -> list[CheckResult]:
    """Round trip ``evaluate(invert(...)) == value`` for each symbol with a rate."""
    out = []
    example: Mapping[str, Any] = card.example
    value = float(evaluate(card.card_id, **example))
    for name in card.rate:
        target = "gamma" if name == "eff_horizon" else name
        others = {k: v for k, v in example.items() if k != target}
        try:
            root = invert(card.card_id, target, value, **others)
            back = float(evaluate(card.card_id, continuous=True, **others, **{target: root}))
            ok = abs(back / value - 1.0) <= 1e-9
            detail = f"{target}={root:.10g} gives {back:.12g} for {value:.12g}"
        except BoundError as exc:
            ok, detail = False, str(exc)
        out.append(CheckResult(card.card_id, f"invert[{target}]", ok, detail))
    return out


def _merged_point(upper: Card, lower: Card) -> dict:
    point = dict(lower.example)
    point.update(upper.example)
    return point


def upper_minus_lower(upper_id: str, point: dict) -> float | None:
    """``U(point) - L(point)`` for a matched pair in the same units, or None if the point is outside
    either domain (or lacks a parameter). For a high-probability ``U`` against an expectation
    ``L``, ``U + delta * trivial`` is used; T is converted with ``H`` when the units differ."""
    upper = get(upper_id)
    if upper.matches is None:
        raise UnknownCardError(f"upper_id={upper_id!r}: the card has no matched lower bound")
    lower = get(upper.matches)
    up_params = {k: point[k] for k in upper.symbol_names if k in point}
    low_params = {k: point[k] for k in lower.symbol_names if k in point}
    if "T" in low_params and upper.T_unit and lower.T_unit and upper.T_unit != lower.T_unit:
        if "H" not in point:
            return None
        low_params["T"] = float(convert_T(point["T"], upper.T_unit, lower.T_unit, point["H"]))
    try:
        u = float(evaluate(upper.card_id, continuous=True, **up_params))
        lo = float(evaluate(lower.card_id, continuous=True, **low_params))
    except BoundError:
        return None
    if upper.guarantee == "high_probability" and lower.guarantee == "expectation":
        if upper.trivial is None:
            return None
        from sympy import lambdify
        names = sorted(str(s) for s in upper.trivial.free_symbols)
        trivial = float(lambdify(names, upper.trivial)(*[point[n] for n in names]))
        u = u + float(point["delta"]) * trivial
    return u - lo


def check_matches(card: Card, n_samples: int = 200, seed: int = 0) -> list[CheckResult]:
    """Upper >= lower on random points of the intersection of both domains."""
    if card.kind != "upper" or card.matches is None:
        return []
    lower = get(card.matches)
    if lower.guarantee == "asymptotic":
        return [CheckResult(card.card_id, "upper>=lower", True,
                            f"{lower.card_id} is asymptotic: leading coefficients only, skipped")]
    if card.constants != "explicit" or lower.constants != "explicit":
        return [CheckResult(card.card_id, "upper>=lower", True,
                            f"not both explicit ({card.constants} vs {lower.constants}): skipped")]
    rng = np.random.default_rng(seed)
    base = _merged_point(card, lower)
    tested, worst = 0, math.inf
    for _ in range(n_samples):
        point = {k: (v * 10 ** rng.uniform(-2, 2) if isinstance(v, (int, float)) and k not in
                     ("delta", "gamma") else v) for k, v in base.items()}
        if "delta" in point:
            point["delta"] = 10 ** rng.uniform(-4, math.log10(0.5))
        margin = upper_minus_lower(card.card_id, point)
        if margin is None:
            continue
        tested += 1
        worst = min(worst, margin)
    ok = tested > 0 and worst >= 0
    return [CheckResult(card.card_id, "upper>=lower", ok,
                        f"{tested} points in both domains, smallest margin {worst:.4g}")]


def run_all(card_ids=None) -> list[CheckResult]:
    """Every self-check on every card (or the given ones)."""
    selected = [get(c) for c in card_ids] if card_ids else cards()
    out: list[CheckResult] = []
    for card in selected:
        out += check_rate(card) + check_monotone(card) + check_inversion(card) + check_matches(card)
    return out
