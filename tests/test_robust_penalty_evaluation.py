r"""Robust policy evaluation for the penalty (robust-regularised) sets.

The robust value of a policy ``pi`` under a penalty set is the fixed point of

.. math::

    (T_\pi V)(s) = \sum_a \pi(a|s) [r(s, a) + \gamma \min_p (p \cdot V + \beta D(p \| p_0))],

``p0 = P(.|s, a)`` (see :mod:`rlcert.mdp.robust.solve`). Claims tested:

* :func:`evaluate_policy_robust` returns that fixed point, to ``1e-8 max(1, ||V||)``, for the TV,
  KL and chi-square penalties and several ``beta`` (including 0 and infinity), deterministic and
  randomised policies, dense and CSR models;
* at :func:`solve_robust`'s policy it returns :func:`solve_robust`'s value;
* its certificate bounds its true error, also when ``max_iter`` cuts it short, and a cut-short
  run issues a ``RuntimeWarning`` (a converged one issues none).

References, none of them the code under test: plain fixed-point iteration of ``T_pi`` written here
in numpy from ``V_0 = 0`` (a ``gamma``-contraction, stopped with the a-posteriori bound
``gamma / (1 - gamma) ||V_k - V_{k-1}||``), with the inner minimum taken either from the set's own
single-row solver ``U.worst_case`` (whose value is ``p.V + beta D(p || p0)``, checked against
cvxpy in ``test_robust_sets.py``) or from closed forms derived here from the definitions:

* TV, ``D = ||p - p0||_1 / 2``: moving mass ``m`` from ``j`` to ``argmin V`` changes the objective
  by ``m (min V + beta - V_j)``, so the minimum is ``E_p0[min(V, min V + beta)]``;
* KL: the Donsker-Varadhan formula ``-beta log E_p0 exp(-V / beta)``;
* chi-square, ``D = sum (p - p0)^2 / p0``: with ``x = p / p0`` the KKT conditions of
  ``min E_p0[x V + beta (x - 1)^2]`` s.t. ``E_p0 x = 1``, ``x >= 0`` give
  ``x_j = (1 + (eta - V_j) / (2 beta))_+`` with ``eta`` the root of ``E_p0 x = 1`` (bisection by
  :func:`scipy.optimize.brentq`; the problem is convex, so KKT points are minima).
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import brentq
from scipy.special import logsumexp

from rlcert.mdp import instances
from rlcert.mdp.robust import (ChiSquarePenalty, KLPenalty, TVPenalty, evaluate_policy_robust,
                               solve_robust)
from rlcert.mdp.strategies import tabular_mdps

PENALTIES = {"tv": TVPenalty, "kl": KLPenalty, "chi2": ChiSquarePenalty}
BETAS = [0.05, 0.5, 3.0]
RTOL = 1e-8


def scale(V) -> float:
    return max(1.0, float(np.abs(V).max()))


def weights(m, pi) -> np.ndarray:
    """``(S, A)`` probabilities of a policy given as actions or probabilities."""
    pi = np.asarray(pi)
    if pi.ndim == 2:
        return pi.astype(float)
    W = np.zeros((m.n_states, m.n_actions))
    W[np.arange(m.n_states), pi] = 1.0
    return W


def closed_form(name: str, beta: float):
    """``min_p p.V + beta D(p || p0)`` for one row, by the closed forms of the module docstring."""

    def tv(p0, V):
        return float(p0 @ np.minimum(V, V.min() + beta))

    def kl(p0, V):
        J = p0 > 0
        if beta == 0.0:
            return float(V[J].min())
        if beta == np.inf:
            return float(p0 @ V)
        return float(-beta * logsumexp(-V[J] / beta, b=p0[J]))

    def chi2(p0, V):
        J = p0 > 0
        q0, v = p0[J], V[J]
        if beta == 0.0:
            return float(v.min())
        if beta == np.inf:
            return float(q0 @ v)

        def x_of(eta):
            return np.maximum(0.0, 1.0 + (eta - v) / (2.0 * beta))

        lo, hi = v.min() - 2.0 * beta, v.max() + 2.0 * beta  # E_p0 x = 0 at lo, >= 2 at hi
        eta = brentq(lambda e: q0 @ x_of(e) - 1.0, lo, hi, xtol=1e-15, rtol=1e-15, maxiter=500)
        x = x_of(eta)
        x /= q0 @ x  # a feasible point; the objective is flat at the optimum
        return float(q0 @ (x * v + beta * (x - 1.0) ** 2))

    return {"tv": tv, "kl": kl, "chi2": chi2}[name]


def via_worst_case(U):
    """The inner minimum as the set's single-row solver reports it (``value = p.V + beta D``)."""
    return lambda p0, V: float(U.worst_case(p0, V).value)


def plain_iteration(m, pi, inner, tol: float = 1e-12):
    """``V_{k+1} = T_pi V_k`` from ``V_0 = 0`` with ``sigma_{s,a}(V) = inner(P(.|s,a), V)``;
    returns ``V`` and the a-posteriori bound ``gamma / (1 - gamma) ||V_k - V_{k-1}||`` on its
    error (plus a rounding allowance of ``1e3 u ||V|| / (1 - gamma)``)."""
    P, R, g = m.dense_P(), m.R, m.gamma
    W = weights(m, pi)
    S, A = R.shape
    V = np.zeros(S)
    for _ in range(20_000):
        sigma = np.zeros((S, A))
        for s in range(S):
            for a in range(A):
                if W[s, a] > 0:
                    sigma[s, a] = inner(P[s, a], V)
        V_new = np.einsum("sa,sa->s", W, R + g * sigma)
        bound = g / (1.0 - g) * float(np.abs(V_new - V).max())
        V = V_new
        if bound <= tol * scale(V):
            return V, bound + 1e3 * np.finfo(float).eps * scale(V) / (1.0 - g)
    raise AssertionError("plain iteration did not reach its tolerance")


def robust_optimal_policy_value(m, U):
    res = solve_robust(m, U, tol=1e-12)
    assert res.status in ("converged", "floor")
    return res


FIXED = {
    "riverswim3": lambda: instances.riverswim(3, gamma=0.9),
    "riverswim6": lambda: instances.riverswim(6, gamma=0.8),
    "garnet_csr": lambda: instances.garnet(10, 3, 4, seed=2, gamma=0.9),
    "garnet_dense": lambda: instances.garnet(8, 2, 3, seed=5, sparse=False, gamma=0.7),
}


# -- against plain iteration with the set's own inner solver -------------------------------------

@pytest.mark.filterwarnings("error::RuntimeWarning")
@pytest.mark.parametrize("name", list(PENALTIES))
@settings(max_examples=25)
@given(m=tabular_mdps(max_states=4, max_actions=3, gamma=(0.5, 0.9), reward_range=(-1.0, 1.0)),
       beta=st.sampled_from([0.0, 0.05, 0.5, 3.0, np.inf]), data=st.data())
def test_value_is_the_fixed_point_of_the_penalised_policy_operator(name, m, beta, data):
    """Random small models (dense or CSR) and policies, deterministic or randomised."""
    S, A = m.n_states, m.n_actions
    if data.draw(st.booleans(), label="randomised"):
        raw = np.array(data.draw(st.lists(st.floats(0.0, 1.0), min_size=S * A, max_size=S * A),
                                 label="weights")).reshape(S, A) + 1e-3
        pi = raw / raw.sum(axis=1, keepdims=True)
    else:
        pi = np.array(data.draw(st.lists(st.integers(0, A - 1), min_size=S, max_size=S),
                                label="actions"))
    U = PENALTIES[name](beta)
    ref, ref_err = plain_iteration(m, pi, via_worst_case(U))
    V, cert = evaluate_policy_robust(m, pi, U, tol=1e-11, with_certificate=True)
    err = float(np.abs(V - ref).max())
    assert err <= RTOL * scale(ref)
    assert err <= cert + ref_err
    assert cert <= 1e-9 * scale(ref)


# -- against plain iteration with closed-form inner problems --------------------------------------

@pytest.mark.filterwarnings("error::RuntimeWarning")
@pytest.mark.parametrize("instance", list(FIXED))
@pytest.mark.parametrize("beta", BETAS)
@pytest.mark.parametrize("name", list(PENALTIES))
def test_value_matches_plain_iteration_with_closed_form_inner_problems(name, beta, instance):
    """The robust optimal policy and a uniformly randomised policy on fixed instances."""
    m = FIXED[instance]()
    U = PENALTIES[name](beta)
    uniform = np.full((m.n_states, m.n_actions), 1.0 / m.n_actions)
    for pi in (robust_optimal_policy_value(m, U).policy, uniform):
        ref, ref_err = plain_iteration(m, pi, closed_form(name, beta))
        V, cert = evaluate_policy_robust(m, pi, U, tol=1e-11, with_certificate=True)
        err = float(np.abs(V - ref).max())
        assert err <= RTOL * scale(ref)
        assert err <= cert + ref_err


# -- against solve_robust --------------------------------------------------------------------------

@pytest.mark.filterwarnings("error::RuntimeWarning")
@pytest.mark.parametrize("instance", list(FIXED) + ["riverswim3_g099"])
@pytest.mark.parametrize("beta", BETAS)
@pytest.mark.parametrize("name", list(PENALTIES))
def test_value_at_the_robust_optimal_policy_is_solve_robusts_value(name, beta, instance):
    """``V^{pi*} = V*``: within ``1e-8`` and within the proven ``certificate + policy loss``."""
    m = (instances.riverswim(3, gamma=0.99) if instance == "riverswim3_g099"
         else FIXED[instance]())
    U = PENALTIES[name](beta)
    res = robust_optimal_policy_value(m, U)
    V, cert = evaluate_policy_robust(m, res.policy, U, tol=1e-11, with_certificate=True)
    err = float(np.abs(V - res.V).max())
    assert err <= RTOL * scale(res.V)
    assert err <= res.certificate + res.policy_loss_bound + 3 * res.rounding + cert


def test_the_reported_case():
    """riverswim(3), gamma 0.9, KL penalty 0.5 at the robust optimal policy: the value is the
    fixed point (1.249, 1.508, 2.712) of plain iteration, not the unpenalised (0.435, 0.519,
    1.615) of a penalty-free adversary evaluation."""
    m, U = instances.riverswim(3, gamma=0.9), KLPenalty(0.5)
    pi = solve_robust(m, U, tol=1e-12).policy
    ref, _ = plain_iteration(m, pi, closed_form("kl", 0.5))
    V, cert = evaluate_policy_robust(m, pi, U, tol=1e-10, with_certificate=True)
    np.testing.assert_allclose(ref, [1.249, 1.508, 2.712], atol=1e-3)
    assert float(np.abs(V - ref).max()) <= RTOL * scale(ref)
    assert cert <= 1e-10


# -- truncated runs -------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "max_iter"),
                         [("tv", 1), ("kl", 1), ("kl", 3), ("chi2", 1), ("chi2", 3)])
def test_a_truncated_run_warns_and_its_certificate_bounds_the_error(name, max_iter):
    """One step returns the nominal value; the smooth penalties need four steps (Newton's
    quadratic convergence), the piecewise-linear TV penalty two, so these runs are cut short."""
    m, U = instances.riverswim(6, gamma=0.9), PENALTIES[name](0.5)
    pi = np.full((m.n_states, m.n_actions), 0.5)
    ref, ref_err = plain_iteration(m, pi, closed_form(name, 0.5))
    with pytest.warns(RuntimeWarning, match="max_iter"):
        V, cert = evaluate_policy_robust(m, pi, U, tol=1e-14, max_iter=max_iter,
                                         with_certificate=True)
    assert cert > 1e-14
    assert float(np.abs(V - ref).max()) <= cert + ref_err
    with pytest.warns(RuntimeWarning, match="max_iter"):
        V_only = evaluate_policy_robust(m, pi, U, tol=1e-14, max_iter=max_iter)
    np.testing.assert_array_equal(V_only, V)
