"""Tight truth for the numbers a discounted result reports about itself.

Each bound is checked on an instance where it is attained (or nearly): ``error <= bound`` and
``bound <= c * error`` with ``c`` stated, so that a dropped term or a factor of 2 shows. The
instances use dyadic numbers (``gamma = 1/2`` or ``3/4``, rewards and values with short binary
expansions), so the floating-point computation is exact and ``c = 1`` holds up to nothing; where a
bound is a worst-case rounding term (Higham's), the formula is checked against an independent
transcription instead. Truth: closed forms and exact rationals (tests/exact.py).
"""

from fractions import Fraction

import numpy as np
import pytest

from rlcert.mdp import TabularMDP, evaluate_policy, instances, solve
from rlcert.mdp.discounted import certify
from rlcert.mdp.results import UNIT_ROUNDOFF, stagnation_window

from .exact import optimal_value, policy_value, to_fractions


def exact_q(m: TabularMDP, V):
    Pf, Rf, g = to_fractions(m.dense_P()), to_fractions(m.R), Fraction(m.gamma)
    S, A = m.n_states, m.n_actions
    return [[Rf[s, a] + g * sum(Pf[s, a, t] * V[t] for t in range(S)) for a in range(A)]
            for s in range(S)]


def sup_error(V, V_star) -> Fraction:
    return max(abs(Fraction(float(v)) - w) for v, w in zip(V, V_star))


def self_loop(gamma=0.5, rewards=(1.0,)) -> TabularMDP:
    """One state; each action stays and earns its reward."""
    A = len(rewards)
    return TabularMDP(np.ones((1, A, 1)), np.array([rewards], dtype=float), gamma=gamma)


# -- the certificate -----------------------------------------------------------------------------
@pytest.mark.parametrize("method", ["vi", "gs"])
@pytest.mark.parametrize("k", [1, 4, 20])
def test_sweep_certificate_is_the_error_on_a_self_loop(method, k):
    """V_k = 2 - 2^(1-k) from V_0 = 0 (reward 1, gamma 1/2), V* = 2: the error 2^(1-k) equals both
    gamma/(1-gamma) ||V_k - V_{k-1}|| and ||T V_k - V_k|| / (1 - gamma). c = 1 (exact dyadics)."""
    m = self_loop()
    res = solve(m, method=method, max_iter=k)
    err = sup_error(res.V, [Fraction(2)])
    assert err == Fraction(2) ** (1 - k)
    assert err <= Fraction(res.certificate) + Fraction(res.rounding)
    assert Fraction(res.certificate) == err
    # Q = r + gamma V: ||Q - Q*|| = gamma ||V - V*|| = gamma * certificate, attained
    assert abs(Fraction(float(res.Q[0, 0])) - 2) == Fraction(1, 2) * err


@pytest.mark.parametrize("method", ["vi", "gs"])
def test_sweeps_stop_at_the_first_certified_sweep(method):
    """The stopping bound gamma/(1-gamma) ||V_k - V_{k-1}|| = 2^(1-k) first reaches tol = 2^-20 at
    k = 21 (closed form), and the certificate then equals the error."""
    res = solve(self_loop(), method=method, tol=2.0 ** -20)
    assert res.status == "converged" and res.iterations == 21
    assert res.certificate == 2.0 ** -20


def test_residual_certificate_is_attained_by_mpi_and_pi():
    """One state, actions of reward 0 and 1, gamma 1/2: V* = 2. MPI's first iterate V_0 =
    min r / (1 - gamma) = 0 and PI's evaluation of the reward-0 action (V = 0) both have residual
    ||T V - V|| = 1, certificate 1 / (1 - gamma) = 2 = the error. c = 1."""
    m = self_loop(rewards=(0.0, 1.0))
    for res in (solve(m, method="mpi", max_iter=1),
                solve(m, method="pi", max_iter=1, initial_policy=[0])):
        assert res.status == "max_iter"
        np.testing.assert_array_equal(res.V, [0.0])
        assert res.certificate == 2.0 == float(sup_error(res.V, [Fraction(2)]))
    # PI's policy is the one whose value V is (not the unevaluated improvement): it loses
    # 1 / (1 - gamma) = 2, and both policy-loss bounds equal that (res_pi = 0, greedy gap 1)
    assert res.policy[0] == 0 and res.policy_loss_bound == 2.0


# -- the policy-loss bound -----------------------------------------------------------------------
def williams_baird(gamma=0.5):
    """A (state 0) picks the absorbing B (state 1, V* = 4) or C (state 2, V* = 2) with reward 0;
    listing C first makes it the greedy choice for V = (1.5, 3, 3), which errs by 1 at B and C."""
    P = np.zeros((3, 2, 3))
    P[0, 0, 2] = 1.0
    P[0, 1, 1] = 1.0
    P[1, :, 1] = 1.0
    P[2, :, 2] = 1.0
    R = np.array([[0.0, 0.0], [4.0 * (1 - gamma)] * 2, [2.0 * (1 - gamma)] * 2])
    return TabularMDP(P, R, gamma=gamma)


def exact_loss(m: TabularMDP, policy) -> Fraction:
    V_star = optimal_value(m.dense_P(), m.R, m.gamma)
    V_pi = policy_value(m.dense_P(), m.R, m.gamma, list(policy))
    return max(a - b for a, b in zip(V_star, V_pi))


def test_greedy_policy_loss_bound_is_attained():
    """Williams and Baird (1993): the greedy policy of V loses 2 gamma ||T V - V|| / (1 - gamma)
    = gamma eps + gamma res / (1 - gamma) = 1 (gamma 1/2, residual 1/2, eps 1): the reported bound
    equals the loss, c = 1; the triangle-inequality bound eps + res / (1 - gamma) = 2 is twice it."""
    m = williams_baird()
    res = certify(m, np.array([1.5, 3.0, 3.0]), method="vi", status="max_iter", iterations=0,
                  tol=1e-8)
    loss = exact_loss(m, res.policy)
    assert loss == 1 and res.certificate == 1.0
    assert loss <= Fraction(res.policy_loss_bound) + 2 * Fraction(res.rounding)
    assert res.policy_loss_bound == 1.0


def test_triangle_policy_loss_bound_is_attained_when_the_greedy_gap_is_large():
    """gamma = 3/4. State 0: stay with reward 1 (V* = 4) or stay with reward 0, the policy's choice;
    state 1 moves to 2 (a0) or to 3 (a1, the policy's), both absorbing with reward 0, and V = (2,
    1/2, 2, 0) overrates state 2 by 2. With the method bound eps = 2 (the exact error), the triangle
    bound eps + res_pi / (1 - gamma) = 2 + 2 = 4 is the loss at state 0; the other bound,
    gamma eps + g + gamma res_pi / (1 - gamma) = 1.5 + 1.5 + 1.5 = 4.5, is looser (the greedy gap
    g = 1.5 is at state 1, where the policy loses nothing). c = 1."""
    g = 0.75
    P = np.zeros((4, 2, 4))
    P[0, :, 0] = 1.0
    P[1, 0, 2] = 1.0
    P[1, 1, 3] = 1.0
    P[2, :, 2] = 1.0
    P[3, :, 3] = 1.0
    R = np.zeros((4, 2))
    R[0, 0] = 1.0
    m = TabularMDP(P, R, gamma=g)
    V = np.array([2.0, 0.5, 2.0, 0.0])
    pi = np.array([1, 1, 0, 0])
    assert sup_error(V, optimal_value(m.dense_P(), m.R, g)) == 2
    res = certify(m, V, method="pi", status="max_iter", iterations=0, tol=1e-8,
                  method_bound=2.0, policy=pi)
    assert res.certificate == 2.0
    assert exact_loss(m, pi) == 4
    assert res.policy_loss_bound == 4.0


# -- the optimal-action set ----------------------------------------------------------------------
def test_optimal_action_slack_is_attained():
    """gamma = 1/2. A (state 0) moves to B, C or D (absorbing), reward 0; V*(B) = V*(C) = 4 (both
    actions optimal), V*(D) = 2.96875. V = (2.5, 3, 5, 2.96875) errs by 1 at B and C (residual 1/2,
    certificate 1), so the computed Q of the optimal a0 sits exactly 2 gamma * certificate = 1
    below max Q: it must be kept. The non-optimal a2 sits 1 + 1/64 below: outside the slack
    (2 gamma (certificate + rounding) + 2 rho, rounding ~1e-15), so it is left out. A slack half as
    large drops a0; twice as large admits a2."""
    g = 0.5
    P = np.zeros((4, 3, 4))
    for a, t in enumerate((1, 2, 3)):
        P[0, a, t] = 1.0
    for s in (1, 2, 3):
        P[s, :, s] = 1.0
    R = np.zeros((4, 3))
    R[1:3] = 2.0
    R[3] = 2.96875 * (1 - g)
    m = TabularMDP(P, R, gamma=g)
    res = certify(m, np.array([2.5, 3.0, 5.0, 2.96875]), method="vi", status="max_iter",
                  iterations=0, tol=1e-8)
    assert res.certificate == 1.0
    Q_star = exact_q(m, optimal_value(m.dense_P(), m.R, g))
    assert Q_star[0][0] == Q_star[0][1] == 2 > Q_star[0][2]
    assert float(res.Q[0].max()) - float(res.Q[0, 0]) == 2 * g * res.certificate
    np.testing.assert_array_equal(res.optimal_actions[0], [True, True, False])


# -- rounding terms, checked against their own transcription --------------------------------------
def higham_rho(n_row: int, r_norm: float, v_norm: float, gamma: float) -> float:
    """Higham (2002) eq. 3.5: gamma_k = k u / (1 - k u) times |r| + gamma ||V||, with k = n + 3
    (a dot product of n terms, the reward addition, the discount product and a subtraction)."""
    k = n_row + 3
    return k * UNIT_ROUNDOFF / (1 - k * UNIT_ROUNDOFF) * (r_norm + gamma * v_norm)


def floor_transcription(e: float, gamma: float, target: float) -> float:
    W = max(50, int(np.ceil(1 / (1 - gamma))))
    return max(target, 2 * gamma * e / ((1 - gamma) ** 2 * (1 - gamma ** W))) + e / (1 - gamma)


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("method", ["vi", "gs", "pi", "mpi", "lp"])
def test_rounding_and_floor_are_the_published_formulas(method, sparse):
    """rounding = rho / (1 - gamma) with Higham's rho, and info["floor"] = the floor bound of the
    docstring (GS with its sweep error rho (1 - gamma^S) / (1 - gamma)); transcribed here."""
    m = instances.garnet(12, 3, 4, seed=3, sparse=sparse, gamma=0.9)
    res = solve(m, method=method, tol=1e-12)
    g, n = m.gamma, m.max_row_nnz
    r_norm = float(np.abs(m.R).max())
    rho = higham_rho(n, r_norm, float(np.abs(res.V).max()), g)
    assert res.rounding == pytest.approx(rho / (1 - g), rel=1e-12, abs=0)
    if method in ("vi", "gs"):  # rho at the largest ||V_k|| seen (V_k increases here from 0)
        e = rho if method == "vi" else rho * (1 - g ** m.n_states) / (1 - g)
        target = 8 * UNIT_ROUNDOFF * (r_norm + float(np.abs(res.V).max())) / (1 - g)
        assert res.info["floor"] == pytest.approx(floor_transcription(e, g, target), rel=1e-9, abs=0)
    else:
        target = 8 * UNIT_ROUNDOFF * (r_norm + float(np.abs(res.V).max())) / (1 - g)
        assert res.info["floor"] == pytest.approx(floor_transcription(rho, g, target), rel=1e-9, abs=0)
    assert stagnation_window(0.9) == 50 and stagnation_window(0.999) == 1000


def test_policy_evaluation_certificate_holds_and_carries_the_rounding_term():
    """evaluate_policy's certificate is (||T_pi V - V|| + rho) / (1 - gamma), Higham's rho; V is an
    exact evaluation, so the computed residual is itself at the rounding level (below rho) and
    the certificate lies in [rho, 2 rho] / (1 - gamma); the exact value of the policy (rationals)
    is within it."""
    m = instances.garnet(6, 2, 3, seed=1, sparse=False, gamma=0.95)
    pi = np.array([0, 1, 0, 1, 1, 0])
    V, cert = evaluate_policy(m, pi, with_certificate=True)
    rho = higham_rho(m.max_row_nnz, float(np.abs(m.R).max()), float(np.abs(V).max()), m.gamma)
    assert rho / (1 - m.gamma) <= cert <= 2 * rho / (1 - m.gamma)
    exact = policy_value(m.dense_P(), m.R, m.gamma, list(pi))
    assert sup_error(V, exact) <= Fraction(cert)
