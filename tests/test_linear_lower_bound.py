"""The hypercube hard instance of Zhou, Gu and Szepesvari (COLT 2021) for linear mixture MDPs
(:mod:`rlcert.mdp.linear_lower`).

Everything the module computes is recomputed here independently from the construction as the
sources state it (see the module docstring): states ``x_1 .. x_{H+2}`` (indices ``0 .. H+1``),
actions ``{-1, 1}^{d-1}``, at stage ``h`` from ``x_h``: ``x_{h+1}`` with probability ``1 - delta
- <mu_h, a>`` and the rewarding absorbing ``x_{H+2}`` with ``delta + <mu_h, a>``, ``delta = 1/H``,
``Delta = sqrt(delta / K) / (4 sqrt 2)``, ``mu_h = Delta sign_h``.
"""

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rlcert.mdp.errors import InvalidArgumentError
from rlcert.mdp.linear import LinearMDP, evaluate_policy_linear, solve_linear
from rlcert.mdp.linear_lower import (action_index, hypercube_actions, zhou_gu_szepesvari_hard,
                                     zhou_gu_szepesvari_mixture, zhou_gu_szepesvari_quantities)


# -- independent reference formulas ---------------------------------------------------------------
def source_Delta(H, K):
    """The source's Delta at delta = 1/H."""
    return math.sqrt((1.0 / H) / K) / (4.0 * math.sqrt(2.0))


def action_vector(k, d):
    """Action index k -> hypercube vector (bit i set <=> coordinate i is +1)."""
    return np.array([1.0 if (k >> i) & 1 else -1.0 for i in range(d - 1)])


def source_row(j, a, mu_h, delta, H):
    """P_h(. | x_{j+1}, a) (0-based state j) for a transient state, as the source states it."""
    row = np.zeros(H + 2)
    p = delta + float(np.dot(mu_h, a))
    row[j + 1] += 1.0 - p
    row[H + 1] += p
    return row


def V_const(p, n):
    """sum_{m=0}^{n} (n - m) p (1 - p)^m in closed form: n - (1 - p)(1 - (1 - p)^n) / p."""
    if p == 0:
        return 0.0
    return n - (1.0 - p) * (1.0 - (1.0 - p) ** n) / p


def V_const_sum(p, n):
    """The same sum term by term (a check on the closed form itself)."""
    return sum((n - m) * p * (1.0 - p) ** m for m in range(n + 1))


instances = st.tuples(st.integers(2, 5), st.integers(2, 7), st.integers(0, 2 ** 20 - 1))


def build(d, H, seed, *, K=None, Delta=None):
    """An instance with per-stage signs drawn from ``seed`` and K at the lemma's threshold
    K = ceil((d-1)^2 H / 2) (or given)."""
    rng = np.random.default_rng(seed)
    signs = rng.choice([-1.0, 1.0], size=(H, d - 1))
    if K is None and Delta is None:
        K = max(1, math.ceil((d - 1) ** 2 * H / 2))
    m = zhou_gu_szepesvari_hard(d, H, K, signs=signs, Delta=Delta)
    D = source_Delta(H, K) if Delta is None else Delta
    return m, signs, K, D


# -- (1) a valid linear MDP whose kernel is the source's ------------------------------------------
@given(instances)
@settings(max_examples=25)
def test_rows_are_distributions_and_match_source_formula(inst):
    """The induced kernel of the built LinearMDP has non-negative rows summing to 1 at every
    (stage, state, action), and at every reachable pair (stage t, state x_{t+1}) it equals the
    source's formula computed here from (d, H, K, signs) alone; the absorbing states loop; the
    reward is 1 in x_{H+2} and 0 elsewhere; ||phi|| = 1."""
    d, H, seed = inst
    m, signs, K, Delta = build(d, H, seed)
    assert isinstance(m, LinearMDP) and m.horizon == H
    assert (m.n_states, m.n_actions, m.dim) == (H + 2, 2 ** (d - 1), d + 2)
    delta = 1.0 / H
    fh = m.to_tabular()
    for t in range(H):
        P = fh.stage_P(t)
        assert np.all(P >= -1e-15)
        assert np.allclose(P.sum(axis=2), 1.0, atol=1e-12)
        for k in range(2 ** (d - 1)):
            a = action_vector(k, d)
            np.testing.assert_allclose(P[t, k], source_row(t, a, Delta * signs[t], delta, H),
                                       atol=1e-13)
            assert P[H, k, H] == pytest.approx(1.0) and P[H + 1, k, H + 1] == pytest.approx(1.0)
        R = m.rewards(t)
        assert np.all(R[H + 1] == 1.0) and np.all(R[: H + 1] == 0.0)
    assert m.norms()["phi"] == pytest.approx(1.0)
    assert np.array_equal(m.initial, np.eye(H + 2)[0])


@given(instances)
@settings(max_examples=15)
def test_mixture_form_matches_source_and_linear_mdp(inst):
    """The source's linear-mixture form <phi(s'|s, a), theta_h> gives the source's kernel at every
    (stage, state, action) (transient x_j -> x_{j+1} or x_{H+2} with mu_h; absorbing loops), agrees
    with the LinearMDP at the reachable pairs, and its normalisation holds: alpha^2 + (d-1) beta^2
    = 1 (so ||sum_s' phi(s'|s,a) V(s')|| <= 1 for V in [0, 1]^S, checked at the cube's corners
    for d <= 4) and ||theta_h|| = 1 + (d-1) Delta."""
    d, H, seed = inst
    m, signs, K, Delta = build(d, H, seed)
    feat, theta = zhou_gu_szepesvari_mixture(d, H, K, signs=signs)
    delta = 1.0 / H
    fh = m.to_tabular()
    for t in range(H):
        P_mix = feat @ theta[t]  # (S, A, S)
        for j in range(H):
            for k in range(2 ** (d - 1)):
                np.testing.assert_allclose(
                    P_mix[j, k], source_row(j, action_vector(k, d), Delta * signs[t], delta, H),
                    atol=1e-13)
        np.testing.assert_allclose(P_mix[t], fh.stage_P(t)[t], atol=1e-13)
        np.testing.assert_allclose(P_mix[H:], fh.stage_P(t)[H:], atol=1e-13)
        assert np.linalg.norm(theta[t]) == pytest.approx(1.0 + (d - 1) * Delta, rel=1e-12)
    alpha, beta = feat[H, 0, H, 0], abs(feat[0, 0, H + 1, 1])
    assert alpha ** 2 + (d - 1) * beta ** 2 == pytest.approx(1.0, rel=1e-12)
    if d <= 4 and H <= 5:
        for V in itertools.product([0.0, 1.0], repeat=H + 2):
            phiV = np.einsum("sakd,k->sad", feat, np.array(V))
            assert np.linalg.norm(phiV, axis=2).max() <= 1.0 + 1e-12


# -- (2) the optimal value and action --------------------------------------------------------------
@given(instances, st.booleans())
@settings(max_examples=30)
def test_optimal_value_closed_form_and_sign_action(inst, override):
    """V*_1(x_1) from solve_linear equals the closed form derived from the construction.

    Derivation: absorbed during stage h (1-based), the agent is in x_{H+2} at stages h+1 .. H and
    collects H - h rewards; it reaches x_h only if not absorbed before. An action's absorption
    probability is p = delta + <mu_h, a> <= q := delta + (d-1) Delta, with equality only at a =
    sign(mu_h). Since V*_{h+1}(x_{h+1}) <= H - h - 1 < H - h, a larger p is better at every stage
    h < H, so a*_h = sign(mu_h) and V*_h = q (H - h) + (1 - q) V*_{h+1}, V*_{H+1} = 0, whence

        V*_1(x_1) = sum_{h=1}^{H} q (1 - q)^{h-1} (H - h) = (H - 1) - (1 - q)(1 - (1 - q)^{H-1})/q.

    The optimal action at stage t < H-1 (0-based) in x_{t+1} is the sign vector of mu_t and no
    other action is optimal; the certificate is tiny. With ``override`` the instance uses a larger
    Delta = delta/(d-1) (the edge of validity) so that the gaps are far above rounding."""
    d, H, seed = inst
    Delta = (1.0 / H) / (d - 1) if override else None
    m, signs, K, D = build(d, H, seed, Delta=Delta)
    res = solve_linear(m)
    q = 1.0 / H + (d - 1) * D
    closed = (H - 1) - (1 - q) * (1 - (1 - q) ** (H - 1)) / q
    assert closed == pytest.approx(V_const_sum(q, H - 1), rel=1e-12, abs=1e-12)
    assert res.V[0, 0] == pytest.approx(closed, rel=1e-12, abs=1e-12)
    assert res.certificate < 1e-10
    for t in range(H - 1):
        star = sum(2 ** i for i in range(d - 1) if signs[t, i] > 0)
        assert res.policy[t, t] == star
        assert res.optimal_actions[t, t].sum() == 1 and res.optimal_actions[t, t, star]
    # the value at each stage's reachable state follows the recursion
    for t in range(H):
        assert res.V[t, t] == pytest.approx(V_const(q, H - 1 - t), rel=1e-12, abs=1e-12)
    # the module's own numbers agree
    Q = zhou_gu_szepesvari_quantities(d, H, K, signs=signs, Delta=Delta)
    assert Q.value == pytest.approx(closed, rel=1e-12, abs=1e-12)
    assert Q.q == pytest.approx(q, rel=1e-15)
    np.testing.assert_allclose(Q.values, np.append(res.V[np.arange(H), np.arange(H)], 0.0),
                               rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(Q.optimal_actions[:-1], res.policy[np.arange(H - 1),
                                                                      np.arange(H - 1)])


def test_reference_instance_Delta_zero():
    """Delta = 0 (the reference instance): every action is the same, V* = V(delta)."""
    d, H = 3, 6
    m = zhou_gu_szepesvari_hard(d, H, Delta=0.0)
    res = solve_linear(m)
    assert res.V[0, 0] == pytest.approx(V_const(1.0 / H, H - 1), rel=1e-12)
    assert np.all(res.optimal_actions[:, 0])


# -- (3) the gaps of the suboptimal action classes ------------------------------------------------
@given(instances, st.booleans())
@settings(max_examples=25)
def test_gap_of_j_disagreeing_actions(inst, override):
    """An action that disagrees with sign(mu_t) in j coordinates has <mu_t, a> = (d-1-2j) Delta,
    hence absorption probability q - 2 j Delta, and its gap at stage t (0-based) in x_{t+1} is

        Q*_t(x_{t+1}, a*) - Q*_t(x_{t+1}, a) = 2 j Delta (H - 1 - t - V*_{t+1}(x_{t+2})),

    since Q*_t(x, a) = p (H - 1 - t) + (1 - p) V*_{t+1}. Checked for every action from
    solve_linear's Q against this formula, with V* from the closed form. The policy that plays a
    j-disagreeing action at every stage has value V(q - 2 j Delta) (evaluate_policy_linear), so
    its per-episode gap is V(q) - V(q - 2 j Delta); the module's stage_gaps and policy_gaps equal
    both."""
    d, H, seed = inst
    Delta = (1.0 / H) / (d - 1) if override else None
    m, signs, K, D = build(d, H, seed, Delta=Delta)
    res = solve_linear(m)
    q = 1.0 / H + (d - 1) * D
    Qm = zhou_gu_szepesvari_quantities(d, H, K, signs=signs, Delta=Delta)
    for t in range(H):
        star = sum(2 ** i for i in range(d - 1) if signs[t, i] > 0)
        w_next = V_const(q, H - 2 - t) if t < H - 1 else 0.0
        for k in range(2 ** (d - 1)):
            j = int(np.sum(action_vector(k, d) != signs[t]))
            expected = 2 * j * D * (H - 1 - t - w_next)
            gap = res.Q[t, t, star] - res.Q[t, t, k]
            assert gap == pytest.approx(expected, rel=1e-9, abs=1e-13)
            assert Qm.stage_gaps[t, j] == pytest.approx(expected, rel=1e-9, abs=1e-13)
    acts = hypercube_actions(d)
    for j in range(d):
        pol = np.zeros((H, H + 2), dtype=np.int64)
        for t in range(H):
            a = signs[t].copy()
            a[:j] *= -1.0  # disagree in the first j coordinates
            pol[t, :] = action_index(a)
            assert np.array_equal(acts[pol[t, 0]], a)
        V = evaluate_policy_linear(m, pol)
        p = q - 2 * j * D
        assert V[0, 0] == pytest.approx(V_const(p, H - 1), rel=1e-10, abs=1e-12)
        assert Qm.policy_gaps[j] == pytest.approx(V_const(q, H - 1) - V_const(p, H - 1),
                                                  rel=1e-9, abs=1e-12)


# -- the lower bound's value and the source's parameters -------------------------------------------
def test_default_parameters_and_lower_bound_numbers():
    """delta = 1/H and Delta = sqrt(delta/K)/(4 sqrt 2) by default; the order d H sqrt(KH); the
    bandit lemma's (d-1) sqrt(K delta)/(8 sqrt 2) and its conditions (0 < delta < 1/3, K >=
    (d-1)^2/(2 delta))."""
    d, H, K = 5, 6, 48  # (d-1)^2 H / 2 = 48
    Q = zhou_gu_szepesvari_quantities(d, H, K)
    assert Q.delta == 1.0 / H
    assert Q.Delta == pytest.approx(math.sqrt(1.0 / (H * K)) / (4 * math.sqrt(2)), rel=1e-15)
    assert Q.alpha ** 2 + (d - 1) * Q.beta ** 2 == pytest.approx(1.0)
    assert Q.lower_bound_order == pytest.approx(d * H * math.sqrt(K * H))
    assert Q.bandit_lemma_bound == pytest.approx((d - 1) * math.sqrt(K / H) / (8 * math.sqrt(2)))
    assert Q.bandit_lemma_conditions and Q.constants == "order"
    assert not zhou_gu_szepesvari_quantities(d, H, K - 1).bandit_lemma_conditions
    assert not zhou_gu_szepesvari_quantities(d, 3, 100).bandit_lemma_conditions  # delta = 1/3
    assert not zhou_gu_szepesvari_quantities(d, H, K, Delta=0.001).bandit_lemma_conditions
    # at the lemma's threshold the probabilities stay in [delta - delta/4, delta + delta/4]
    assert (d - 1) * Q.Delta <= Q.delta / 4 + 1e-15
    assert zhou_gu_szepesvari_quantities(d, H, Delta=0.01).lower_bound_order is None


def test_hypercube_actions_and_index():
    """hypercube_actions enumerates {-1, 1}^{d-1} once each; action_index inverts it."""
    for d in (2, 3, 5):
        A = hypercube_actions(d)
        assert A.shape == (2 ** (d - 1), d - 1)
        assert len({tuple(r) for r in A}) == 2 ** (d - 1)
        assert [action_index(r) for r in A] == list(range(2 ** (d - 1)))
        for k in range(2 ** (d - 1)):
            assert np.array_equal(A[k], action_vector(k, d))


# -- validation ------------------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs, name", [
    (dict(d=1, horizon=4, K=10), "d"),
    (dict(d=13, horizon=4, K=10), "d"),
    (dict(d=2.0, horizon=4, K=10), "d"),
    (dict(d=3, horizon=1, K=10), "horizon"),
    (dict(d=3, horizon=4, K=0), "K"),
    (dict(d=3, horizon=4), "K"),
    (dict(d=3, horizon=4, K=10, signs=[1, 1, 1]), "signs"),
    (dict(d=3, horizon=4, K=10, signs=[1, 0]), "signs"),
    (dict(d=3, horizon=4, K=10, signs=np.ones((3, 2))), "signs"),
    (dict(d=3, horizon=4, Delta=0.2), "Delta"),
    (dict(d=3, horizon=4, Delta=-0.01), "Delta"),
    (dict(d=3, horizon=4, K=1, delta=0.01), "Delta"),
    (dict(d=3, horizon=4, K=10, delta=1.5), "delta"),
    (dict(d=3, horizon=4, K=10, delta=float("nan")), "delta"),
    (dict(d=12, horizon=200, K=10 ** 9), "horizon"),
])
def test_bad_arguments_are_refused_by_name(kwargs, name):
    """Every bad argument is refused with InvalidArgumentError naming it (the last case: the row
    check of d = 12, H = 200 is beyond EXACT_ROW_CHECK, refused up front)."""
    with pytest.raises(InvalidArgumentError, match=name):
        zhou_gu_szepesvari_hard(**kwargs)
