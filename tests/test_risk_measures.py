"""Risk measures of finite distributions: CVaR in the package's reward form, VaR, the loss-form
conversion, and the distances used by the distributional oracles.

References used here, none of them the code under test: the Rockafellar-Uryasev supremum
evaluated at every atom (the objective is concave and piecewise linear in ``b`` with kinks at the
atoms, so its maximum over the reals is attained at an atom); the sorted-tail formula (the mean of
the lowest ``tau`` of the mass); the dual linear program ``min {E[xi X] : 0 <= xi <= 1/tau,
E xi = 1}`` solved by scipy's HiGHS; scipy's ``wasserstein_distance`` and ``energy_distance``
(``= sqrt(2)`` times the Cramer distance).
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog
from scipy.stats import energy_distance, wasserstein_distance

from rlcert.mdp.errors import InvalidArgumentError
from rlcert.mdp.risk import (DiscreteDistribution, cramer, cvar, loss_cvar, value_at_risk,
                             wasserstein1)

TAUS = st.sampled_from([0.01, 0.1, 0.25, 1 / 3, 0.5, 0.7, 0.9, 1.0])


@st.composite
def distributions(draw, max_atoms: int = 8):
    n = draw(st.integers(1, max_atoms))
    vals = np.array(draw(st.lists(st.integers(-20, 20), min_size=n, max_size=n)), float) / 4
    w = np.array(draw(st.lists(st.integers(1, 9), min_size=n, max_size=n)), float)
    return vals, w / w.sum()


def ru_at_atoms(vals, probs, tau):
    """sup_b {b - E(b - X)^+ / tau}, evaluated at every atom."""
    return max(b - np.dot(probs, np.maximum(b - vals, 0.0)) / tau for b in vals)


def sorted_tail(vals, probs, tau):
    order = np.argsort(vals, kind="stable")
    acc, taken = 0.0, 0.0
    for x, q in zip(vals[order], probs[order]):
        t = min(q, tau - taken)
        if t <= 0:
            break
        acc, taken = acc + t * x, taken + t
    return acc / tau


def dual_lp(vals, probs, tau):
    res = linprog(probs * vals, A_eq=probs[None, :], b_eq=[1.0],
                  bounds=[(0.0, 1.0 / tau)] * len(vals), method="highs")
    assert res.status == 0
    return res.fun


@settings(max_examples=60)
@given(dist=distributions(), tau=TAUS)
def test_cvar_agrees_with_three_independent_formulas(dist, tau):
    vals, probs = dist
    c = cvar(vals, probs, tau)
    scale = max(1.0, np.abs(vals).max())
    assert c == pytest.approx(ru_at_atoms(vals, probs, tau), abs=1e-12 * scale)
    assert c == pytest.approx(sorted_tail(vals, probs, tau), abs=1e-12 * scale)
    assert c == pytest.approx(dual_lp(vals, probs, tau), abs=1e-8 * scale)


@given(dist=distributions())
def test_cvar_at_one_is_the_mean_and_small_tau_gives_the_minimum(dist):
    vals, probs = dist
    d = DiscreteDistribution(vals, probs)
    assert d.cvar(1.0) == pytest.approx(np.dot(vals, probs), abs=1e-12)
    # below the smallest atom's mass, the lower tail is that atom alone
    tau = 0.5 * probs[vals == vals.min()].sum()
    assert d.cvar(tau) == pytest.approx(vals.min(), abs=1e-12)


@given(dist=distributions(), taus=st.lists(st.floats(1e-3, 1.0), min_size=2, max_size=6))
def test_cvar_is_non_decreasing_in_tau(dist, taus):
    d = DiscreteDistribution(*dist)
    taus = sorted(taus)
    values = [d.cvar(t) for t in taus]
    assert all(b >= a - 1e-12 for a, b in zip(values, values[1:]))


@given(dist=distributions(), tau=TAUS)
def test_var_is_the_lower_quantile_and_maximises_the_ru_objective(dist, tau):
    vals, probs = dist
    order = np.argsort(vals)
    cum = np.cumsum(probs[order])
    expected = vals[order][np.flatnonzero(cum >= tau - 1e-12)[0]]
    b = value_at_risk(vals, probs, tau)
    assert b == expected
    assert b - np.dot(probs, np.maximum(b - vals, 0)) / tau == pytest.approx(
        ru_at_atoms(vals, probs, tau), abs=1e-12)


@given(dist=distributions(), alpha=st.sampled_from([0.0, 0.1, 0.5, 0.75, 0.95]))
def test_loss_form_conversion(dist, alpha):
    losses, probs = dist
    # AVaR_alpha(L) = min_b {b + E(L - b)^+ / (1 - alpha)}, attained at an atom
    direct = min(b + np.dot(probs, np.maximum(losses - b, 0)) / (1 - alpha) for b in losses)
    assert loss_cvar(losses, probs, alpha) == pytest.approx(direct, abs=1e-12)
    assert loss_cvar(losses, probs, alpha) == pytest.approx(-cvar(-losses, probs, 1 - alpha),
                                                            abs=1e-12)


@given(a=distributions(), b=distributions())
def test_distances_match_scipy(a, b):
    mu, nu = DiscreteDistribution(*a), DiscreteDistribution(*b)
    assert wasserstein1(mu, nu) == pytest.approx(
        wasserstein_distance(a[0], b[0], a[1], b[1]), abs=1e-12)
    assert cramer(mu, nu) == pytest.approx(
        energy_distance(a[0], b[0], a[1], b[1]) / np.sqrt(2), abs=1e-9)
    # CVaR is 1/tau-Lipschitz in W1
    for tau in (0.1, 0.5, 1.0):
        assert abs(mu.cvar(tau) - nu.cvar(tau)) <= wasserstein1(mu, nu) / tau + 1e-12


def test_atoms_are_merged_and_moments_exact():
    d = DiscreteDistribution([2.0, 1.0, 2.0, 5.0], [0.25, 0.25, 0.25, 0.25])
    assert list(d.values) == [1.0, 2.0, 5.0]
    assert list(d.probs) == [0.25, 0.5, 0.25]
    assert d.mean() == 2.5 and d.variance() == pytest.approx(2.25)
    assert d.cdf(2.0) == 0.75 and d.cdf(0.0) == 0.0
    assert d.cvar(0.5) == 1.5 and d.upper_tail_mean(0.5) == 3.5


@pytest.mark.parametrize("tau", [0.0, -0.1, 1.5, np.nan, True, "0.5"])
def test_bad_tau_is_refused_by_name(tau):
    with pytest.raises(InvalidArgumentError, match="tau"):
        cvar([0.0, 1.0], [0.5, 0.5], tau)


def test_bad_distributions_are_refused_by_name():
    with pytest.raises(InvalidArgumentError, match=r"probs\[1\] = -0.5 is negative"):
        DiscreteDistribution([0.0, 1.0], [1.5, -0.5])
    with pytest.raises(InvalidArgumentError, match="probs sums to 0.9"):
        DiscreteDistribution([0.0, 1.0], [0.5, 0.4])
    with pytest.raises(InvalidArgumentError, match="values"):
        DiscreteDistribution([0.0, np.inf], [0.5, 0.5])
    with pytest.raises(InvalidArgumentError, match="alpha"):
        loss_cvar([0.0, 1.0], [0.5, 0.5], 1.0)
