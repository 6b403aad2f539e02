"""Tight truth for the numbers finite-horizon, total-reward, average-reward and structural results
report about themselves.

Each bound is checked on an instance where it is attained or nearly (``error <= bound <= c * error``,
``c`` stated in each test), or, where it is a worst-case rounding term, against an independent
transcription of its formula. Truth: closed forms and exact rationals.
"""

import math
from fractions import Fraction

import numpy as np
import pytest

from rlcert.mdp import FiniteHorizonMDP, TabularMDP, solve
from rlcert.mdp.average import solve_average
from rlcert.mdp.results import UNIT_ROUNDOFF
from rlcert.mdp.structure import diameter, min_hitting_times, mixing_time, worst_mixing_time

from .exact import to_fractions


def higham_rho(n_row: int, r_norm: float, v_norm: float, gamma: float) -> float:
    """Higham (2002) eq. 3.5 for a backup entry: gamma_{n+3} (|r| + gamma ||V||)."""
    k = n_row + 3
    return k * UNIT_ROUNDOFF / (1 - k * UNIT_ROUNDOFF) * (r_norm + gamma * v_norm)


# -- finite horizon --------------------------------------------------------------------------------
def exact_backward_induction(P, R, H, gamma):
    """V*_h in rationals for a stationary (S, A, S) model."""
    S, A = R.shape
    Pf, Rf, g = to_fractions(P), to_fractions(R), Fraction(gamma)
    V = [[Fraction(0)] * S]
    for _ in range(H):
        nxt = V[0]
        V.insert(0, [max(Rf[s, a] + g * sum(Pf[s, a, t] * nxt[t] for t in range(S))
                         for a in range(A)) for s in range(S)])
    return V


def test_backward_induction_certificate_is_its_transcription_and_holds():
    """certificate = max_h sum_{j >= h} gamma^(j-h) rho_j, rho_j Higham's at ||V[j+1]|| (a
    worst-case rounding term, loose on every instance: its transcription is what can fail), and
    the exact error of every stage (rationals) is within stage_error[h]; optimal_actions is the
    set {Q >= V - 2 stage_error}."""
    rng = np.random.default_rng(5)
    S, A, H, g = 3, 2, 25, 0.97
    P = rng.dirichlet(np.ones(S), size=(S, A))
    R = rng.uniform(0.1, 0.9, size=(S, A))
    fh = FiniteHorizonMDP(P, R, H, gamma=g)
    res = solve(fh)
    err = np.zeros(H + 1)
    for h in range(H - 1, -1, -1):
        rho = higham_rho(fh.max_row_nnz, float(R.max()), float(np.abs(res.V[h + 1]).max()), g)
        err[h] = rho + g * err[h + 1]
    np.testing.assert_allclose(res.info["stage_error"], err, rtol=1e-13, atol=0)
    assert res.certificate == pytest.approx(err.max(), rel=1e-13, abs=0)
    exact = exact_backward_induction(P, R, H, g)
    for h in (0, 1, H // 2, H - 1):
        e = max(abs(Fraction(float(v)) - w) for v, w in zip(res.V[h], exact[h]))
        assert e <= Fraction(float(res.info["stage_error"][h])), h
    slack = 2 * res.info["stage_error"][:H]
    np.testing.assert_array_equal(res.optimal_actions, res.Q >= (res.V[:H] - slack[:, None])[:, :, None])


def test_backward_induction_keeps_actions_within_twice_the_stage_error():
    """One state, two self-loop actions with rewards 1 and 1 - d, H = 10, gamma = 1: the computed
    Q-values differ by d at every stage (exact: the successors are the same). With
    d = 1.5 stage_error[0], the worse action is inside the slack 2 stage_error[0] at stage 0 (the
    stated set keeps it) and outside it at the last stage, where stage_error is a tenth as large."""
    H = 10
    base = FiniteHorizonMDP(np.ones((1, 2, 1)), np.array([[1.0, 1.0]]), H, gamma=1.0)
    d = 1.5 * solve(base).info["stage_error"][0]
    res = solve(FiniteHorizonMDP(np.ones((1, 2, 1)), np.array([[1.0, 1.0 - d]]), H, gamma=1.0))
    se = res.info["stage_error"]
    assert se[H - 1] < d / 2 < se[0] < d
    assert res.optimal_actions[0, 0, 1] and not res.optimal_actions[H - 1, 0, 1]


# -- total reward: stochastic shortest path ------------------------------------------------------
KAPPA, EPS, N = 2.0, 2.0 ** -7, 8


def slow_fast_chain():
    """States 0..N-1 lead to N (terminal). Action 0 is slow (reward -kappa (1 + eps)), action 1 fast
    (reward -kappa); policy iteration starts from the attractor's first action, the slow one."""
    S = N + 1
    P = np.zeros((S, 2, S))
    for k in range(N):
        P[k, :, k + 1] = 1.0
    P[N, :, N] = 1.0
    R = np.zeros((S, 2))
    R[:N, 0] = -KAPPA * (1 + EPS)
    R[:N, 1] = -KAPPA
    return TabularMDP(P, R, gamma=1.0)


def test_ssp_certificate_and_policy_loss_are_nearly_attained():
    """One step of policy iteration returns the slow policy, V(0) = -kappa (1 + eps) N. Its residual
    is eps' = kappa eps at every state and ||V|| / c = (1 + eps) N, so the certificate
    eps' ||V|| / c = kappa eps (1 + eps) N, while V*(0) - V(0) = kappa eps N: c = 1 + eps = 1.008.
    The policy's loss is the same error (the policy is the one evaluated)."""
    m = slow_fast_chain()
    res = solve(m, method="pi", max_iter=1)
    assert res.status == "max_iter" and list(res.policy[:N]) == [0] * N
    err = Fraction(-KAPPA * N) - Fraction(float(res.V[0]))
    assert err == Fraction(KAPPA * EPS * N)
    assert err <= Fraction(res.certificate) + Fraction(res.rounding)
    assert Fraction(res.certificate) <= Fraction(1 + EPS) * err * (1 + Fraction(1, 10 ** 12))
    assert err <= Fraction(res.policy_loss_bound)
    assert Fraction(res.policy_loss_bound) <= Fraction(1 + EPS) * err * (1 + Fraction(1, 10 ** 12))
    # rounding = rho ||V|| / c, Higham's rho at gamma = 1
    v_norm = float(np.abs(res.V).max())
    rho = higham_rho(m.max_row_nnz, KAPPA * (1 + EPS), v_norm, 1.0)
    assert res.rounding == pytest.approx(rho * v_norm / KAPPA, rel=1e-12, abs=0)


def test_ssp_optimal_action_slack_keeps_a_tie_and_drops_a_near_miss():
    """State A picks between the starts of three chains of N states: C (fast only; its action 0),
    B (slow or fast; truly as good as C) and D (fast, but its first step costs delta more). After one
    step of policy iteration V(B_0) is low by kappa eps N, so B's action at A sits that far below
    max Q; the certificate is kappa eps (N + 1) (residual kappa eps, ||V|| / c = N + 1). The slack
    2 (certificate + rounding) + 2 rho keeps B's action (a quarter of it would not: c = 4 on this
    side; the factor 2 is provably loose here since V <= V*) and drops D's, which sits
    delta = 2 kappa eps (N + 1) (1 + 1/64) below (twice the slack would keep it)."""
    delta = 2 * KAPPA * EPS * (N + 1) * (1 + 1 / 64)
    A_, C0, B0, D0 = 0, 1, 1 + N, 1 + 2 * N
    T = 1 + 3 * N
    S = T + 1
    P = np.zeros((S, 3, S))
    R = np.full((S, 3), -KAPPA)
    P[A_, 0, C0] = P[A_, 1, B0] = P[A_, 2, D0] = 1.0
    for start in (B0, C0, D0):
        for k in range(N):
            P[start + k, :, start + k + 1 if k < N - 1 else T] = 1.0
    R[B0:B0 + N, 0] = -KAPPA * (1 + EPS)
    R[D0] = -KAPPA - delta
    P[T, :, T] = 1.0
    R[T] = 0.0
    m = TabularMDP(P, R, gamma=1.0)
    res = solve(m, method="pi", max_iter=1)
    assert res.policy[A_] == 0 and list(res.policy[B0:B0 + N]) == [0] * N
    assert res.certificate == pytest.approx(KAPPA * EPS * (N + 1), rel=1e-12, abs=0)
    gap_b = float(res.Q[A_].max() - res.Q[A_, 1])
    assert gap_b == pytest.approx(KAPPA * EPS * N, rel=1e-12, abs=0)
    np.testing.assert_array_equal(res.optimal_actions[A_], [True, True, False])


# -- average reward ---------------------------------------------------------------------------------
def absorbing_pair():
    """State 0 absorbs with reward 1; state 1 moves to 0 (a0, reward 0) or stays w.p. 1/2 with
    reward 1/2 (a1). g* = 1 at both states."""
    P = np.zeros((2, 2, 2))
    P[0, :, 0] = 1.0
    P[1, 0, 0] = 1.0
    P[1, 1] = [0.5, 0.5]
    R = np.array([[1.0, 1.0], [0.0, 0.5]])
    return TabularMDP(P, R)


@pytest.mark.parametrize("k", [1, 2, 7])
def test_rvi_bracket_is_attained_at_one_end(k):
    """(T h - h)(0) = 1 = g* for every h (state 0 absorbs with reward 1), so one end of the bracket
    min(T h - h) <= g* <= max(T h - h) is g* exactly, whatever k; from h_0 = 0 the first bracket is
    [1/2, 1] (max_a r). The reported rounding is 2 rho (Higham's rho at ||h||)."""
    res = solve_average(absorbing_pair(), method="rvi", max_iter=k)
    lo, hi = res.certificate.bracket
    assert lo <= 1.0 <= hi
    assert lo == 1.0 or hi == 1.0
    assert res.certificate.width == hi - lo
    if k == 1:
        assert (lo, hi) == (0.5, 1.0)


def test_policy_iteration_bracket_closes_on_the_optimal_gain():
    """At the exact gain and bias of an optimal policy, T h - h = g* (unichain): both ends equal
    g* = (delta + eps) / (2 delta + eps) of Jaksch-Ortner-Auer's two-state block up to rounding."""
    from rlcert.mdp import instances
    res = solve_average(instances.joa_two_state(delta=0.125, eps=0.0625), method="pi")
    lo, hi = res.certificate.bracket
    g_star = (0.125 + 0.0625) / (2 * 0.125 + 0.0625)
    assert abs(lo - g_star) <= 1e-15 and abs(hi - g_star) <= 1e-15


def test_kappa_is_the_largest_expected_time_to_the_pinned_state():
    """The lazy walk on the cycle of 8 states (stay 1/2, step either way 1/4): E_k[T_0] =
    2 k (8 - k), largest 32 at the antipode, whichever state is pinned (symmetry)."""
    n = 8
    P = np.zeros((n, 1, n))
    for s in range(n):
        P[s, 0, s] = 0.5
        P[s, 0, (s + 1) % n] += 0.25
        P[s, 0, (s - 1) % n] += 0.25
    res = solve_average(TabularMDP(P, np.zeros((n, 1))), method="pi")
    assert res.info["kappa"] == pytest.approx(32.0, rel=1e-12, abs=0)


# -- structure: hitting times, diameter, mixing ------------------------------------------------------
def near_tie_chain(L: int, p: float):
    """States 0..L-1 lead to L: action 0 stays w.p. p (slower by p / (1 - p) per state), action 1
    moves on surely. The improvement p is below policy iteration's rounding threshold, so the slow
    action (the attractor's first) is kept."""
    S = L + 1
    P = np.zeros((S, 2, S))
    for k in range(L):
        P[k, 0, k] = p
        P[k, 0, k + 1] = 1 - p
        P[k, 1, k + 1] = 1.0
    P[L, :, L] = 1.0
    return TabularMDP(P, np.zeros((S, 2)))


def test_min_hitting_time_certificate_is_nearly_attained():
    """t(0) = L / (1 - p) for the kept slow policy, t*(0) = L: the error L p / (1 - p) is within
    the certificate (eps + rho) max(1, ||t||) with eps = p / (1 - p) the residual at every state;
    c = 1 + rho / p ~ 1.2 (1.35 allowed for the ulp quantisation of t(0) - L)."""
    L, p = 4, 2e-14
    target = np.zeros(L + 1, dtype=bool)
    target[L] = True
    t, policy, cert = min_hitting_times(near_tie_chain(L, p), target)
    assert list(policy[:L]) == [0] * L
    err = Fraction(float(t[0])) - L
    assert 0 < err <= Fraction(cert)
    assert Fraction(cert) <= Fraction(1.35) * err


def test_diameter_certificate_is_nearly_attained():
    """Two states: 0 reaches 1 surely; 1 returns to 0 by a0 (stays w.p. p) or a1 (surely). The kept
    slow action makes D = 1 / (1 - p) while D_true = 1: D - certificate <= D_true <= D with
    certificate (p + rho)(1 + p), c ~ 1 + rho / p ~ 1.4 (1.6 allowed, ulp quantisation). The
    near tie is on the first target (state 0), so the certificate must be the largest over the
    targets, not the last one's."""
    p = 3e-15
    P = np.zeros((2, 2, 2))
    P[0, :] = [0.0, 1.0]
    P[1, 0] = [1 - p, p]
    P[1, 1] = [1.0, 0.0]
    d = diameter(TabularMDP(P, np.zeros((2, 2))))
    err = Fraction(d.D) - 1
    assert d.pair == (1, 0)
    assert 0 < err <= Fraction(d.certificate)
    assert Fraction(d.certificate) <= Fraction(1.6) * err


@pytest.mark.parametrize("p,q", [(0.05, 0.05), (0.005, 0.005), (0.3, 0.1)])
def test_mixing_time_and_its_distances_are_the_two_state_closed_form(p, q):
    """d(t) = max(p, q) / (p + q) |1 - p - q|^t for P = [[1-p, p], [q, 1-q]]: t_mix, d(t_mix) and
    d(t_mix - 1) (tv_at, tv_before) are closed forms; (0.005, 0.005) needs t = 69, past the
    single-step phase (doubling and binary search)."""
    P = np.array([[1 - p, p], [q, 1 - q]])
    r = mixing_time(P, eps=0.25)
    lam, c = abs(1 - p - q), max(p, q) / (p + q)
    t = math.ceil(math.log(0.25 / c) / math.log(lam))
    assert r.t_mix == t
    assert r.tv_at == pytest.approx(c * lam ** t, rel=1e-12, abs=0)
    assert r.tv_before == pytest.approx(c * lam ** (t - 1), rel=1e-12, abs=0)
    assert r.tv_before > 0.25 >= r.tv_at


def test_doeblin_upper_bound_is_attained():
    """Each action's kernel is (1 - alpha_a) I + alpha_a 1 nu^T, alpha in {0.3, 0.1}, nu = (0.98,
    0.01, 0.01): the Doeblin coefficient is alpha_1 = 0.1, so the upper bound is
    ceil(log(1/4) / log(0.9)) = 14; the slowest policy (alpha = 0.1 everywhere) has d(t) =
    0.99 * 0.9^t, t_mix = ceil(log(0.25 / 0.99) / log(0.9)) = 14: upper = lower, c = 1."""
    nu = np.array([0.98, 0.01, 0.01])
    P = np.zeros((3, 2, 3))
    for a, alpha in enumerate((0.3, 0.1)):
        P[:, a, :] = (1 - alpha) * np.eye(3) + alpha * nu[None, :]
    w = worst_mixing_time(TabularMDP(P, np.zeros((3, 2))), 0.25)
    assert math.ceil(math.log(0.25) / math.log(0.9)) == 14
    assert math.ceil(math.log(0.25 / 0.99) / math.log(0.9)) == 14
    assert w.upper == 14 and w.upper_k == 1 and w.alpha == pytest.approx(0.1, rel=1e-12, abs=0)
    assert w.lower == 14


def test_doeblin_upper_bound_is_its_formula_when_the_best_k_exceeds_one():
    """The lazy rotation of 4 states (stay 1/2, step 1/2) has alpha_1 = alpha_2 = 0 (every column
    of P and P^2 has a zero) and alpha_3 = 1/2: the upper bound min_k k ceil(log eps /
    log(1 - alpha_k)), recomputed here from the powers of P (one action: no minimisation over
    policies), is 3 * ceil(log 0.2 / log 0.5) = 9 at eps = 0.2, reached first at k = 3 (eps keeps
    every ratio away from an integer, where the code's safety margin on alpha would round up)."""
    n = 4
    P1 = 0.5 * np.eye(n) + 0.5 * np.roll(np.eye(n), 1, axis=1)
    best, best_k, M = math.inf, None, np.eye(n)
    for k in range(1, n + 1):
        M = M @ P1
        alpha = M.min(axis=0).sum()
        if alpha > 0:
            cand = k * math.ceil(math.log(0.2) / math.log1p(-alpha))
            if cand < best:
                best, best_k = cand, k
    assert (best, best_k) == (9, 3)
    w = worst_mixing_time(TabularMDP(P1[:, None, :], np.zeros((n, 1))), 0.2)
    assert (w.upper, w.upper_k) == (best, best_k)
