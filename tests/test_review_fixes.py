"""Fixes found in review, each checked against numbers from elsewhere.

* ``solve`` at ``gamma = 0.9999`` on Puterman's two-state example (Puterman 1994, Sec. 3.1 and
  Example 6.2.1; the QuantEcon ``DiscreteDP`` test model, with its infeasible action given the
  reward -1000 instead of -inf): the closed form ``V* = ((5 - 5.5 g) / ((1 - g/2)(1 - g)),
  -1 / (1 - g))`` (valid for ``g > 10/11``). Modified policy iteration's default cap reaches the
  tolerance or the floor, and a ``"floor"`` status comes with an error below ``info["floor"]``.
* Policy iteration's switching threshold: a computed fixed point ``V^`` of ``T_pi`` (computed
  residual 0) that is ``3e-5`` away from ``V^pi`` at ``gamma = 1 - 2^-20``; the threshold must not
  let a truly worse action through (exact rationals decide).
* The Williams-Baird example of the greedy policy's loss ``2 gamma ||T V - V|| / (1 - gamma)``.
* The empirical Bernstein card at the extreme sample ``n = 2``, data ``{0, 1}``, ``V_n = 1/2``.
* Stationary distributions of birth-death chains with entries down to ``1e-30`` against exact
  rationals (detailed balance ``pi_{k+1} / pi_k = P[k, k+1] / P[k+1, k]``).
"""

import math
from fractions import Fraction
from itertools import product

import numpy as np
import pytest

from rlcert.bounds.concentration import empirical_bernstein_width
from rlcert.bounds.evaluate import BoundError, evaluate
from rlcert.mdp import TabularMDP, kernels, solve, stationary_distributions
from rlcert.mdp.discounted import certify, default_max_improvements, improvement_threshold
from rlcert.mdp.results import UNIT_ROUNDOFF, backup_rounding

from .exact import policy_value, to_fractions


def puterman_two_state(gamma: float) -> TabularMDP:
    """Puterman (1994) Sec. 3.1: state 0 (a0: reward 5, to 0 or 1 with 1/2 each; a1: reward 10,
    to 1), state 1 (a0: reward -1, stay; a1: reward -1000, stay: the dominated action)."""
    P = np.zeros((2, 2, 2))
    P[0, 0] = [0.5, 0.5]
    P[0, 1] = [0.0, 1.0]
    P[1, :] = [0.0, 1.0]
    R = np.array([[5.0, 10.0], [-1.0, -1000.0]])
    return TabularMDP(P, R, gamma=gamma)


def puterman_v_star(gamma: float) -> list[Fraction]:
    g = Fraction(gamma)
    return [(5 - Fraction(11, 2) * g) / ((1 - g / 2) * (1 - g)), -1 / (1 - g)]


def exact_error(V, V_star) -> Fraction:
    return max(abs(Fraction(float(v)) - w) for v, w in zip(V, V_star))


GAMMA = 0.9999


@pytest.mark.parametrize("method", ["vi", "gs", "mpi"])
def test_iterative_methods_at_gamma_0_9999_reach_tol_or_a_floor_that_bounds_the_error(method):
    """Before the fix MPI stopped at its 10,000-step cap with error 2.1e-2, and VI/GS stopped at
    "floor" with an error 37 times info["floor"]. Now each ends "converged" or "floor", and at
    "floor" the proven bound holds: error <= certificate + rounding <= info["floor"]."""
    m = puterman_two_state(GAMMA)
    res = solve(m, method=method)
    err = exact_error(res.V, puterman_v_star(GAMMA))
    assert res.status in ("converged", "floor")
    assert err <= Fraction(res.certificate) + Fraction(res.rounding)
    if res.status == "floor":
        assert res.certificate + res.rounding <= res.info["floor"]
        assert err <= Fraction(res.info["floor"])
    assert np.array_equal(res.policy, [0, 0])  # Example 6.2.1: a0 in both states for g > 10/11


def test_mpi_default_cap_is_the_exact_arithmetic_bound():
    """k >= log(tol (1 - g)^2 / sp(r)) / log(g) steps suffice (V* - V_k <= g^k sp(r)/(1-g) and
    T V_k - V_k <= V* - V_k from below); the cap adds the final check and a margin of 10."""
    m = puterman_two_state(GAMMA)
    for tol in (1e-8, 1e-4, 1.0):
        k = math.log(tol * (1 - GAMMA) ** 2 / 1010.0) / math.log(GAMMA)
        assert default_max_improvements(m, tol) == math.ceil(k) + 11


def test_mpi_stopped_by_the_cap_certifies_the_value_it_returns():
    """At max_iter the returned V must be the iterate whose backup gave the certificate: with one
    step V = V_0 = min r / (1 - g), and on one state with actions of reward 0 and 1 the residual
    certificate (1 - 0)/(1 - g) is exactly ||V* - V_0||."""
    P = np.ones((1, 2, 1))
    m = TabularMDP(P, np.array([[0.0, 1.0]]), gamma=0.5)
    res = solve(m, method="mpi", max_iter=1)
    assert res.status == "max_iter"
    np.testing.assert_array_equal(res.V, [0.0])
    assert res.certificate == 2.0  # = V* - V_0 exactly
    np.testing.assert_array_equal(res.Q, [[0.0, 1.0]])


def test_pi_threshold_lets_no_truly_worse_action_through():
    """gamma = 1 - 2^-20, state 0: a0 stays (reward 1; V^pi(0) = 2^20), a1 moves to the zero state 1
    with reward 2^20 - 2^-20 (worse by 2^-20). V^(0) = 2^20 - 2^-15 is a computed fixed point of
    T_pi, so the computed residual is 0 while ||V^ - V^pi|| = 3e-5: a threshold built from the
    computed residual alone (2 gamma e + 2 rho ~ 2e-9) lets the computed gap 2.95e-5 of a1
    through; the rigorous one (+ 2 rho / (1 - gamma)) does not."""
    g = 1.0 - 2.0 ** -20
    P = np.zeros((2, 2, 2))
    P[0, 0, 0] = 1.0
    P[0, 1, 1] = 1.0
    P[1, :, 1] = 1.0
    R = np.array([[1.0, 2.0 ** 20 - 2.0 ** -20], [0.0, 0.0]])
    m = TabularMDP(P, R, gamma=g)
    pi = [0, 0]
    V_hat = np.array([2.0 ** 20 - 2.0 ** -15, 0.0])
    Q, TV, greedy = np.empty((2, 2)), np.empty(2), np.empty(2, dtype=np.int64)
    kernels.bellman_backup(m.operand, 0, m._R, g, V_hat, Q, TV, greedy)
    q_pi = Q[np.arange(2), pi]
    residual = float(np.max(np.abs(q_pi - V_hat)))
    assert residual == 0.0  # the adversarial part: rounding hides the evaluation error
    rho = backup_rounding(m.max_row_nnz, float(np.abs(R).max()), float(np.abs(V_hat).max()), g)
    theta = improvement_threshold(residual, rho, g)
    # exact Q^pi from the exact value of pi
    Vpi = policy_value(m.dense_P(), m.R, g, pi)
    Pf, Rf, gf = to_fractions(m.dense_P()), to_fractions(m.R), Fraction(g)
    Qpi = [[Rf[s, a] + gf * sum(Pf[s, a, t] * Vpi[t] for t in range(2)) for a in range(2)]
           for s in range(2)]
    old_theta = 2.0 * g * residual / (1.0 - g) + 2.0 * rho
    assert Q[0, 1] > q_pi[0] + old_theta and Qpi[0][1] < Qpi[0][0]  # the old rule is fooled
    for s in range(2):
        for a in range(2):
            if Q[s, a] > q_pi[s] + theta:
                assert Qpi[s][a] > Qpi[s][pi[s]], (s, a)
    # PI itself: whichever of the two near-tied actions it keeps, its loss is within its bound
    res = solve(m, method="pi")
    V_star = [max(Vpi[0], Fraction(R[0, 1])), Fraction(0)]
    V_res = policy_value(m.dense_P(), m.R, g, list(res.policy))
    loss = max(a - b for a, b in zip(V_star, V_res))
    assert loss <= Fraction(res.policy_loss_bound) + 2 * Fraction(res.rounding)


def test_greedy_loss_bound_is_williams_baird_and_attained():
    """Williams and Baird (1993): A chooses between the absorbing states B (V* = 4) and C (V* = 2);
    V = (1.5, 3, 3) errs by 1 at B and C with residual 0.5, so the greedy policy (first maximiser,
    C) loses exactly 2 gamma ||T V - V|| / (1 - gamma) = 1 at gamma = 1/2. The old reported bound,
    certificate + ||T V - V|| / (1 - gamma) = 2, was not the Singh-Yee bound it was said to be."""
    g = 0.5
    P = np.zeros((3, 2, 3))
    P[0, 0, 2] = 1.0  # A, a0 -> C
    P[0, 1, 1] = 1.0  # A, a1 -> B
    P[1, :, 1] = 1.0
    P[2, :, 2] = 1.0
    R = np.array([[0.0, 0.0], [2.0, 2.0], [1.0, 1.0]])
    m = TabularMDP(P, R, gamma=g)
    res = certify(m, np.array([1.5, 3.0, 3.0]), method="vi", status="max_iter", iterations=0,
                  tol=1e-8)
    assert res.policy[0] == 0
    V_star = [Fraction(2), Fraction(4), Fraction(2)]
    V_pi = policy_value(m.dense_P(), m.R, g, list(res.policy))
    loss = max(a - b for a, b in zip(V_star, V_pi))
    assert loss == 1
    assert res.policy_loss_bound == 1.0


def test_empirical_bernstein_accepts_the_largest_sample_variance():
    """The unbiased sample variance of n values in [0, 1] reaches n / (4 (n - 1)) (half zeros, half
    ones; 1/2 at n = 2, data {0, 1}): the card must evaluate there, and equal the width function.
    The maximum is checked by brute force over {0, 1}^n (the variance is convex, so its maximum over
    the cube is at a vertex)."""
    for n in (2, 3, 4, 6):
        best = max(np.var(np.array(x, dtype=float), ddof=1) for x in product((0, 1), repeat=n))
        assert best <= n / (4 * (n - 1)) + 1e-15
        if n % 2 == 0:
            assert best == pytest.approx(n / (4 * (n - 1)), rel=1e-15, abs=0)
    v = float(np.var([0.0, 1.0], ddof=1))
    assert v == 0.5
    L = math.log(2 / 0.05)
    expected = math.sqrt(2 * 0.5 * L / 2) + 7 * L / 3
    assert evaluate("concentration.empirical_bernstein", n=2, delta=0.05, V_n=v) == \
        pytest.approx(expected, rel=1e-14, abs=0)
    assert empirical_bernstein_width(2.0, 0.05, v) == pytest.approx(expected, rel=1e-14, abs=0)
    with pytest.raises(BoundError, match="V_n"):
        evaluate("concentration.empirical_bernstein", n=2, delta=0.05, V_n=0.5000001)


def birth_death(up: np.ndarray, down: np.ndarray) -> np.ndarray:
    """Tridiagonal chain with P[k, k+1] = up[k], P[k+1, k] = down[k], the rest on the diagonal."""
    n = up.size + 1
    P = np.zeros((n, n))
    for k in range(n - 1):
        P[k, k + 1] = up[k]
        P[k + 1, k] = down[k]
    P[np.arange(n), np.arange(n)] = 1.0 - P.sum(axis=1)
    return P


def exact_birth_death_stationary(P: np.ndarray) -> list[Fraction]:
    """Detailed balance with the exact rationals of the float entries."""
    w = [Fraction(1)]
    for k in range(P.shape[0] - 1):
        w.append(w[-1] * Fraction(P[k, k + 1]) / Fraction(P[k + 1, k]))
    total = sum(w)
    return [x / total for x in w]


def kmr_sequential(N: int, p: float, eps: float) -> np.ndarray:
    """Kandori-Mailath-Rob with sequential revision: ``n`` players of ``N`` play action 1; a
    reviser (chosen uniformly) mutates w.p. ``eps`` (then picks either action w.p. 1/2), else
    best-responds to the others (action 1 is the best response iff its share exceeds ``p``)."""
    up, down = np.zeros(N), np.zeros(N)
    for n in range(N):
        share_up = n / (N - 1)  # a reviser playing 0 sees n players of 1 among the others
        up[n] = (N - n) / N * (eps / 2 + (1 - eps) * (share_up > p) + (1 - eps) / 2 * (share_up == p))
        share_dn = n / (N - 1)  # a reviser playing 1 (of n + 1) sees n others playing 1
        down[n] = (n + 1) / N * (eps / 2 + (1 - eps) * (share_dn < p) + (1 - eps) / 2 * (share_dn == p))
    return birth_death(up, down)


@pytest.mark.parametrize("P", [
    birth_death(np.full(30, 0.05), np.full(30, 0.5)),  # pi_k ~ 10^-k: down to 1e-30
    birth_death(np.full(30, 0.01), np.full(30, 0.9)),  # pi_k ~ 90^-k: down to 2e-59
    kmr_sequential(27, 1 / 3, 1e-2),
    kmr_sequential(40, 1 / 3, 1e-2),
], ids=["tenfold", "ninetyfold", "kmr27", "kmr40"])
def test_stationary_distribution_has_small_relative_error_in_every_entry(P):
    """GTH (the default for small chains) computes every entry, even 1e-50, to a relative error
    of a few ulps; the LU solve it replaced had relative errors up to 1 on these chains."""
    exact = exact_birth_death_stationary(P)
    for method in ("auto", "gth"):
        mu = stationary_distributions(P, method=method)[0]
        for k, (x, e) in enumerate(zip(mu, exact)):
            assert abs(Fraction(float(x)) - e) <= 64 * UNIT_ROUNDOFF * e, (method, k, float(e))
