"""Tight truth for the numbers robust and risk-sensitive results report about themselves.

Robust: the L1 ball of radius 2 is the whole simplex, so ``sigma(V) = min V`` and the robust
values have closed forms (nominal and robust answers differ: the adversary matters); on these
instances the certificates are attained exactly (dyadic numbers, ``gamma = 1/2``).

Risk: distributional projections and atom pooling on two-stage instances whose exact return laws
are written down by hand; distances computed here in exact rationals from the CDFs. Bounds that are
provably loose on every instance are checked against their transcription and at their best case.
"""

import warnings
from fractions import Fraction

import numpy as np
import pytest

from rlcert.mdp import FiniteHorizonMDP, TabularMDP
from rlcert.mdp.results import UNIT_ROUNDOFF
from rlcert.mdp.risk import (categorical_evaluation, chow_cvar, quantile_evaluation,
                             return_distribution, solve_cvar)
from rlcert.mdp.robust import (L1Ball, SRectL1Ball, evaluate_policy_robust, robust_bellman,
                               solve_robust, solve_srect)


# -- exact distances between finite laws ---------------------------------------------------------
def _cdf_steps(mu, nu):
    """Breakpoints and the two CDFs on each piece, in rationals; laws are (values, probs) lists."""
    pts = sorted({Fraction(v) for v, _ in mu} | {Fraction(v) for v, _ in nu})
    pieces = []
    for a, b in zip(pts, pts[1:]):
        F = sum(Fraction(p) for v, p in mu if Fraction(v) <= a)
        G = sum(Fraction(p) for v, p in nu if Fraction(v) <= a)
        pieces.append((b - a, F, G))
    return pieces


def w1(mu, nu) -> Fraction:
    return sum(w * abs(F - G) for w, F, G in _cdf_steps(mu, nu))


def cramer_sq(mu, nu) -> Fraction:
    return sum(w * (F - G) ** 2 for w, F, G in _cdf_steps(mu, nu))


def law(values, probs):
    return [(float(v), p) for v, p in zip(values, probs) if p > 0]


# -- robust ------------------------------------------------------------------------------------------
def whole_simplex_pair():
    """Two states, one action each, nominal self-loops; rewards 1 and 1/2, gamma 1/2. Robust over
    the whole simplex: V*(s) = r(s) + gamma m, m = min V* = (1/2) / (1 - gamma) = 1, so
    V* = (3/2, 1) (nominal: (2, 1)); VI from 0 errs by 2^-k at every state after k sweeps."""
    P = np.zeros((2, 1, 2))
    P[0, 0, 0] = P[1, 0, 1] = 1.0
    return TabularMDP(P, np.array([[1.0], [0.5]]), gamma=0.5)


@pytest.mark.parametrize("k", [2, 5, 12])
def test_robust_vi_certificate_is_the_error(k):
    """Both a-posteriori bounds equal the error 2^-k (constant over states): c = 1."""
    res = solve_robust(whole_simplex_pair(), L1Ball(2.0), method="vi", max_iter=k)
    err = max(abs(Fraction(float(v)) - w) for v, w in zip(res.V, (Fraction(3, 2), Fraction(1))))
    assert err == Fraction(1, 2 ** k)
    assert Fraction(res.certificate) == err
    assert res.info["inner_gap"] == 0.0


def test_robust_vi_stops_at_the_first_certified_sweep():
    """The sweep bound gamma (d_k + delta) / (1 - gamma) = 2^-k (k >= 2) first reaches 2^-20 at
    k = 20; MPI's residual certificate reaches the same tolerance with the same exact error."""
    res = solve_robust(whole_simplex_pair(), L1Ball(2.0), method="vi", tol=2.0 ** -20)
    assert res.status == "converged" and res.iterations == 20 and res.certificate == 2.0 ** -20


def test_srect_vi_stops_at_the_first_certified_sweep():
    """As for the (s,a) set: the sweep bound 2^-k first reaches 2^-20 at k = 20."""
    res = solve_srect(whole_simplex_pair(), SRectL1Ball(2.0), tol=2.0 ** -20)
    assert res.status == "converged" and res.iterations == 20 and res.certificate == 2.0 ** -20


def test_srect_vi_certificate_is_the_error():
    """With one action the s-rectangular L1 ball is the (s,a) one: the same closed form, c = 1."""
    res = solve_srect(whole_simplex_pair(), SRectL1Ball(2.0), max_iter=6)
    err = max(abs(Fraction(float(v)) - w) for v, w in zip(res.V, (Fraction(3, 2), Fraction(1))))
    assert err == Fraction(1, 64) == Fraction(res.certificate)


def test_robust_policy_evaluation_certificate_is_the_error():
    """Nominal transitions (1/2, 1/2) from both states, rewards (1, 0), gamma 1/2: nominal value
    (3/2, 1/2), robust value (1, 0); the error 1/2 is the same at both states, so after one step
    (the nominal value) the certificate ||T_pi V - V|| / (1 - gamma) = 1/2 exactly, c = 1 (plus
    the rounding term rho / (1 - gamma), rho ~ 1e-16)."""
    P = np.full((2, 1, 2), 0.5)
    m = TabularMDP(P, np.array([[1.0], [0.0]]), gamma=0.5)
    with warnings.catch_warnings():  # one step is asked for: a status warning is expected
        warnings.simplefilter("ignore")
        V, cert = evaluate_policy_robust(m, [0, 0], L1Ball(2.0), max_iter=1,
                                         with_certificate=True)
    np.testing.assert_array_equal(V, [1.5, 0.5])
    assert 0.5 <= cert <= 0.5 + 1e-14


def test_robust_policy_loss_bound_is_its_formula():
    """policy_loss_bound = certificate + (||T V - V|| + gamma delta) / (1 - gamma) for the greedy
    policy (robust/solve.py); on the whole-simplex pair after 3 sweeps this is 1/8 + 1/8 = 1/4,
    while the policy (the only one) loses nothing: the bound is not tight (no choice to lose on),
    so its transcription is what is checked."""
    m = whole_simplex_pair()
    res = solve_robust(m, L1Ball(2.0), method="vi", max_iter=3)
    back = robust_bellman(m, res.V, L1Ball(2.0))
    resid = float(np.abs(back.value - res.V).max())
    assert res.policy_loss_bound == pytest.approx(res.certificate + resid / 0.5, rel=1e-15, abs=0)
    assert res.policy_loss_bound == 0.25


def test_robust_finite_horizon_certificate_is_its_transcription():
    """Robust backward induction's certificate is sum_j gamma^(j-h) (rho_j + gamma delta_j) with the
    robust rho of (2n + 5) u (|r| + gamma ||V||) (a worst-case rounding term: transcribed)."""
    P = np.zeros((2, 1, 2))
    P[:, 0, :] = [0.3, 0.7]
    fh = FiniteHorizonMDP(P, np.array([[0.1], [0.9]]), 6, gamma=0.9)
    res = solve_robust(fh, L1Ball(0.5))
    err = 0.0
    for h in range(5, -1, -1):
        k = 2 * 2 + 5 + 3
        rho = k * UNIT_ROUNDOFF / (1 - k * UNIT_ROUNDOFF) * (0.9 + 0.9 * float(np.abs(res.V[h + 1]).max()))
        err = rho + 0.9 * err
    assert res.certificate == pytest.approx(err, rel=1e-12, abs=0)


# -- distributional projections ------------------------------------------------------------------
def two_stage(rewards_stage1, probs_stage1, gamma=0.5):
    """State 0 moves to 1 at stage 0 (reward 0); at stage 1 state 1 moves to 2, 3, 4 with the given
    probabilities and rewards; 2, 3, 4 absorb with reward 0. Per-stage rewards (H, S, A, S)."""
    S, H = 5, 2
    P = np.zeros((S, 1, S))
    P[0, 0, 1] = 1.0
    P[1, 0, 2:5] = probs_stage1
    for s in (2, 3, 4):
        P[s, 0, s] = 1.0
    r = np.zeros((H, S, 1, S))
    r[1, 1, 0, 2:5] = rewards_stage1
    R = np.einsum("sat,hsat->hsa", P, r)
    return FiniteHorizonMDP(P, R, H, gamma=gamma), r


def test_categorical_bounds_are_attained_and_the_apriori_one_is_its_formula():
    """Stage 1 from state 1: rewards (0, 0.3, 1) w.p. 1/3 on the grid {0, 1/2, 1}; 0.3 is split
    0.4 / 0.6. Stage 0 from state 0: the law scaled by gamma = 1/2 lands exactly on the stage-0 grid
    {0, 1/4, 1/2}, so no new projection error: the exact Cramer error at state 0 is sqrt(gamma) e_1
    and the W1 error gamma w_1, which the a-posteriori bounds report (c = 1). The a-priori bound
    (sum_h gamma^h Delta_h)^(1/2) = (1/4 + 1/2 * 1/2)^(1/2) is its transcription."""
    fh, r = two_stage([0.0, 0.3, 1.0], [1 / 3, 1 / 3, 1 / 3])
    res = categorical_evaluation(fh, np.zeros((2, 5), dtype=int), n_atoms=3, rewards=r)
    exact0 = law([0.0, 0.15, 0.5], [1 / 3] * 3)
    computed0 = law(res.support, res.probs[0])
    e_sq = cramer_sq(computed0, exact0)
    exact1 = law([0.0, 0.3, 1.0], [1 / 3] * 3)
    proj1 = law([0.0, 0.5, 1.0], [1 / 3 + 0.4 / 3, 0.6 / 3, 1 / 3])
    assert e_sq == pytest.approx(float(Fraction(1, 2) * cramer_sq(proj1, exact1)), rel=1e-9, abs=0)
    assert res.cramer_bound == pytest.approx(float(e_sq) ** 0.5, rel=1e-9, abs=0)
    w = w1(computed0, exact0)
    assert res.w1_bound == pytest.approx(float(w), rel=1e-9, abs=0)
    assert float(w) == pytest.approx(0.5 * float(w1(proj1, exact1)), rel=1e-9, abs=0)
    assert res.cramer_bound_apriori == pytest.approx((0.25 + 0.5 * 0.5) ** 0.5, rel=1e-15, abs=0)


def test_categorical_apriori_bound_at_its_best_case():
    """One stage; state 1's reward 1/2 sits at the middle of the only cell of the grid {0, 1}
    (state 2's rewards 0 and 1 set the range): the projection error is l2 = 1/2, the a-priori bound
    Delta^(1/2) = 1. The bound's own step, l2^2(Pi mu, mu) <= Delta sum_i m_i^2, is loose by 4 on
    every law (l2^2 <= Delta sum_i m_i^2 / 4, with equality at cell midpoints): c = 2 here, the
    best any instance gives."""
    P = np.zeros((3, 1, 3))
    P[0, 0, 1] = 1.0
    P[1, 0, 1] = 1.0
    P[2, 0, :2] = [0.5, 0.5]
    r = np.zeros((1, 3, 1, 3))
    r[0, 1, 0, 1] = 0.5
    r[0, 2, 0, 0] = 0.0
    r[0, 2, 0, 1] = 1.0
    R = np.einsum("sat,hsat->hsa", P, r)
    fh = FiniteHorizonMDP(P, R, 1, gamma=1.0)
    res = categorical_evaluation(fh, np.zeros((1, 3), dtype=int), n_atoms=2, rewards=r)
    e_sq = cramer_sq(law(res.support, res.probs[1]), [(0.5, 1)])
    assert e_sq == Fraction(1, 4)
    assert res.cramer_bound == pytest.approx(0.5, rel=1e-12, abs=0)  # the a-posteriori bound: attained
    assert res.cramer_bound_apriori == 1.0


def test_quantile_bounds_are_attained():
    """One quantile (the median) of 1/2 delta_0 + 1/2 delta_1 is 0 (lower quantile): W1 = 1/2 =
    (Hi - Lo) / (2m), the a-priori bound, and the a-posteriori one; c = 1."""
    P = np.zeros((3, 1, 3))
    P[0, 0, 1:] = [0.5, 0.5]
    P[1, 0, 1] = P[2, 0, 2] = 1.0
    r = np.zeros((1, 3, 1, 3))
    r[0, 0, 0, 2] = 1.0
    R = np.einsum("sat,hsat->hsa", P, r)
    fh = FiniteHorizonMDP(P, R, 1, gamma=1.0)
    res = quantile_evaluation(fh, np.zeros((1, 3), dtype=int), n_quantiles=1, rewards=r)
    w = w1(law(res.locs[0], [1.0]), [(0.0, 0.5), (1.0, 0.5)])
    assert w == Fraction(1, 2)
    assert res.w1_bound == 0.5 and res.w1_bound_apriori == 0.5


def test_pooling_bound_is_attained_and_the_cvar_interval_holds():
    """Stage 1 from state 1: rewards (0, 0.1, 1) w.p. 1/3 with max_atoms = 2: 0 and 0.1 pool at
    0.05, a W1 move of 1/30; at state 0 the law is scaled by gamma = 1/2: the exact W1 error is
    1/60 = w1_bound (c = 1). cvar_bounds: the true CVaR lies in [c - w1 / tau, c]; at tau = 2/3 it
    is the upper end exactly (the pooled atoms fill the lower tail)."""
    fh, r = two_stage([0.0, 0.1, 1.0], [1 / 3, 1 / 3, 1 / 3])
    res = return_distribution(fh, np.zeros((2, 5), dtype=int), rewards=r, max_atoms=2)
    assert not res.exact
    d0 = res.by_state[0]
    w = w1(law(d0.values, d0.probs), law([0.0, 0.05, 0.5], [1 / 3] * 3))
    assert float(w) == pytest.approx(1 / 60, rel=1e-12, abs=0)
    assert res.w1_bound == pytest.approx(1 / 60, rel=1e-12, abs=0)
    for tau in (1 / 3, 2 / 3, 1.0):
        lo, hi = res.cvar_bounds(tau)
        true = {1 / 3: 0.0, 2 / 3: 0.025, 1.0: 0.55 / 3}[tau]
        assert lo - 1e-12 <= true <= hi + 1e-12
    assert res.cvar_bounds(2 / 3)[1] == pytest.approx(0.025, rel=1e-12, abs=0)


# -- CVaR optimisation with rounded rewards, and Chow et al.'s gaps ------------------------------
def risky_choice():
    """H = 2, gamma = 1. State 0: a0 moves to 1 or 2 w.p. 1/2, a1 moves to 1; states 1 and 2
    self-loop. Rewards to 1: 0.3, to 2: 0.55 (both stages): every reward is 0.05 above the lattice
    0.25, so rounding shifts every return by exactly e = 0.1."""
    P = np.zeros((3, 2, 3))
    P[0, 0, 1:] = [0.5, 0.5]
    P[0, 1, 1] = 1.0
    P[1, :, 1] = 1.0
    P[2, :, 2] = 1.0
    r = np.zeros((3, 2, 3))
    r[:, :, 1] = 0.3
    r[:, :, 2] = 0.55
    R = np.einsum("sat,sat->sa", P, r)
    return FiniteHorizonMDP(P, R, 2, gamma=1.0), r


def exact_cvar(values, probs, tau) -> float:
    """CVaR of the lower tail by sorting (independent of rlcert.mdp.risk.measures)."""
    order = np.argsort(values)
    left, acc = tau, 0.0
    for i in order:
        take = min(probs[i], left)
        acc += take * values[i]
        left -= take
        if left <= 1e-15:
            break
    return acc / tau


def test_rounded_cvar_interval_is_attained():
    """Brute force: a0 gives returns 0.6 or 1.1 (1/2 each), a1 gives 0.6; at tau = 3/4 the optimum is
    a0's (0.6 / 2 + 1.1 / 4) / (3/4) = 0.7667, and the rounded program's value is that minus 0.1:
    upper = value + e and lower = max(policy_cvar, value - e) both equal the true optimum
    (c = 1)."""
    fh, r = risky_choice()
    tau = 0.75
    true = max(exact_cvar(np.array([0.6, 1.1]), np.array([0.5, 0.5]), tau), 0.6)
    res = solve_cvar(fh, tau, rewards=r, lattice=0.25, approximate=True)
    assert res.status == "approximate"
    assert res.info["reward_shift"] == pytest.approx(0.1, rel=1e-12, abs=0)
    assert res.upper == pytest.approx(true, rel=1e-12, abs=0)
    assert res.lower == pytest.approx(true, rel=1e-12, abs=0)


def test_chow_gaps_are_the_differences_they_name():
    """value_gap = value - exact and policy_gap = exact - CVaR of the rollout law, with the exact
    optimum from an independent solve_cvar call and the CVaR recomputed here by sorting. On this
    two-state model (H = 3, a grid of 4 tail fractions) both gaps are nonzero at tau = 1/2, so a
    flipped sign shows; at tau = 1 both vanish (the recursion is the risk-neutral one)."""
    p0 = np.array([[0.5, 0.5], [0.75, 0.75]])  # P(s' = 0 | s, a)
    P = np.stack([p0, 1.0 - p0], axis=-1)
    r = np.array([[[1.0, 0.0], [0.0, 2.0]], [[-1.0, 2.0], [1.0, -2.0]]])
    fh = FiniteHorizonMDP(P, np.einsum("saj,saj->sa", P, r), 3, initial=0)
    for tau in (0.5, 1.0):
        ch = chow_cvar(fh, tau, rewards=r, n_grid=4)
        ref = solve_cvar(fh, tau, rewards=r)
        d = ch.distribution
        achieved = exact_cvar(np.asarray(d.values), np.asarray(d.probs), tau)
        assert ch.value_gap == pytest.approx(ch.value - ref.value, rel=0, abs=1e-12)
        assert ch.policy_gap == pytest.approx(ref.value - achieved, rel=0, abs=1e-12)
        assert ch.policy_gap >= -1e-12
        if tau == 1.0:
            assert abs(ch.value_gap) <= 1e-12 and abs(ch.policy_gap) <= 1e-12
        else:
            assert ch.value_gap > 0.1 and ch.policy_gap > 0.05
