"""Tests that pin the robust and risk-sensitive oracles to independent truth, written to kill the
survivors of the mutation runs of ``dev/mutate.py`` (see ``dev/MUTATION.md``).

Expected values come from closed forms on two-state models (worked by hand in each docstring) and
from the conventions the docstrings state.
"""

import warnings

import numpy as np
import pytest

from rlcert.mdp import TabularMDP
from rlcert.mdp.robust import L1Ball, evaluate_policy_robust


def _nominal_halves():
    """Nominal transitions (1/2, 1/2) from both states, rewards (1, 0), gamma 1/2: nominal value
    (3/2, 1/2); over the L1 ball of radius 2 (the whole simplex) the worst case moves all mass
    to state 1, robust value (1, 0)."""
    P = np.full((2, 1, 2), 0.5)
    return TabularMDP(P, np.array([[1.0], [0.0]]), gamma=0.5)


def test_robust_evaluation_warning_points_at_the_caller():
    """``evaluate_policy_robust`` warns (``RuntimeWarning``) when ``max_iter`` steps end above
    ``tol`` (its docstring, "Warns"); like every library warning it is attributed to the line
    that called the function (``stacklevel=2``), here this test file, so that a user's warning
    filters and messages name their own code."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        V = evaluate_policy_robust(_nominal_halves(), [0, 0], L1Ball(2.0), max_iter=1)
    np.testing.assert_array_equal(V, [1.5, 0.5])
    runtime = [w for w in caught if issubclass(w.category, RuntimeWarning)]
    assert len(runtime) == 1
    assert "max_iter" in str(runtime[0].message)
    assert runtime[0].filename == __file__


def _whole_simplex_three_actions(d1, d2):
    """Two states with self-loops, three actions in state 0 with rewards ``1, 1 - d1, 1 - d2``
    and reward 1/2 in state 1, gamma 1/2, robust over the whole simplex (L1 ball of radius 2):
    every action's continuation is ``gamma min V* = 1/2``, so ``V* = (3/2, 1)`` and action
    ``a`` of state 0 falls short of the best by exactly its reward gap."""
    P = np.zeros((2, 3, 2))
    P[0, :, 0] = P[1, :, 1] = 1.0
    R = np.array([[1.0, 1.0 - d1, 1.0 - d2], [0.5, 0.5, 0.5]])
    return TabularMDP(P, R, gamma=0.5)


def test_robust_optimal_actions_are_the_documented_slack_on_both_sides():
    """``optimal_actions`` is every action with ``Q >= max_a Q - 2 gamma (certificate +
    rounding + delta) - 2 rho`` (``SolveResult``'s docstring, plus the inner gap ``delta`` of the
    robust backup, ``rho = rounding (1 - gamma)``). Robust MPI ends at ``V* = (3/2, 1)`` exactly
    (certificate 0, gap 0), so the slack is ``2 gamma rho / (1 - gamma) + 2 rho = 4 rho`` at
    gamma 1/2: an action short by ``3 rho`` is kept, one short by ``5 rho`` is not (either way
    only a rounding-level shortfall, but the set must be the documented one)."""
    from rlcert.mdp.robust import solve_robust

    probe = solve_robust(_whole_simplex_three_actions(0.0, 0.0), L1Ball(2.0), method="mpi")
    rho = probe.rounding * (1.0 - 0.5)
    assert 1e-16 < rho < 1e-13
    res = solve_robust(_whole_simplex_three_actions(3 * rho, 5 * rho), L1Ball(2.0),
                       method="mpi")
    np.testing.assert_array_equal(res.V, [1.5, 1.0])
    assert res.certificate == 0.0 and res.info["inner_gap"] == 0.0
    assert res.rounding == probe.rounding
    slack = 2 * 0.5 * (res.certificate + res.rounding + 0.0) + 2 * rho
    assert slack == pytest.approx(4 * rho, rel=1e-12, abs=0)
    short = res.Q.max(axis=1)[0] - res.Q[0]
    assert short[0] == 0.0
    assert 2.5 * rho < short[1] < 3.5 * rho and 4.5 * rho < short[2] < 5.5 * rho
    np.testing.assert_array_equal(res.optimal_actions, [[True, True, False],
                                                        [True, True, True]])


def test_robust_certificate_adds_the_kl_duality_gap():
    """For a KL ball the inner problem is solved to a duality gap ``delta > 0`` (a few ulps,
    ``KLBall``'s docstring), and the residual bound of ``V`` becomes ``(||T V - V|| + gamma
    delta) / (1 - gamma)`` (an inexact backup is off by at most ``gamma delta``): robust MPI run
    to its floor reports exactly that, with ``T V`` and ``delta`` from the public
    ``robust_bellman``. At the floor the residual is itself a few ulps, so the gap term is a
    visible part of the certificate."""
    from rlcert.mdp.robust import KLBall, robust_bellman, solve_robust

    rng = np.random.default_rng(3)
    P = rng.random((5, 2, 5)) + 0.1
    P /= P.sum(axis=-1, keepdims=True)
    m = TabularMDP(P, rng.random((5, 2)), gamma=0.9)
    U = KLBall(0.3)
    res = solve_robust(m, U, method="mpi", tol=1e-300)
    assert res.status == "floor"
    b = robust_bellman(m, res.V, U)
    residual = float(np.max(np.abs(b.value - res.V)))
    assert b.gap > 0.0
    want = (residual + 0.9 * b.gap) / (1.0 - 0.9)
    assert 0.9 * b.gap / (1.0 - 0.9) > 1e-3 * want
    assert res.certificate == pytest.approx(want, rel=1e-12, abs=0)


def test_robust_solve_reports_the_seconds_it_took():
    """``info["seconds"]`` is the time ``solve_robust`` took: between 0 and the wall time the
    caller measures around the call, for a discounted and for a finite-horizon model."""
    import time

    from rlcert.mdp import FiniteHorizonMDP
    from rlcert.mdp.robust import solve_robust

    P = np.full((2, 1, 2), 0.5)
    R = np.array([[1.0], [0.0]])
    models = [TabularMDP(P, R, gamma=0.5), FiniteHorizonMDP(P, R, 3, gamma=1.0)]
    for m in models:
        solve_robust(m, L1Ball(0.5))  # compile outside the timed call
        t0 = time.perf_counter()
        res = solve_robust(m, L1Ball(0.5))
        elapsed = time.perf_counter() - t0
        assert 0.0 <= res.info["seconds"] <= elapsed


def test_robust_stop_rule_follows_its_docstring():
    """The robust solvers' stopping rule (``_Stopper``): ``converged`` at a bound equal to
    ``tol``; ``floor`` at a bound equal to the floating-point estimate; and ``floor`` once the
    bound has stopped improving for 50 sweeps (an equal bound is no improvement) while below
    1e3 estimates, never while above."""
    from rlcert.mdp.robust.solve import _Stopper

    assert _Stopper(1e-3)(1e-3, 1e-9) == "converged"
    assert _Stopper(1e-9)(1e-6, 1e-6) == "floor"
    assert _Stopper(1e-9)(2e-6, 1e-6) is None
    stop = _Stopper(1e-9)
    got = [stop(5e-6, 1e-6) for _ in range(51)]   # best at the first call, then 50 equal
    assert got[:50] == [None] * 50 and got[50] == "floor"
    stop = _Stopper(1e-9)
    got = [stop(5e-6, 1e-6) for _ in range(30)] + [stop(4e-6, 1e-6)]   # an improvement resets
    got += [stop(4e-6, 1e-6) for _ in range(50)]
    assert got[:80] == [None] * 80 and got[80] == "floor"
    stop = _Stopper(1e-9)
    assert all(stop(1e-3, 1e-6) is None for _ in range(200))   # stalled at 1e3 estimates


def test_robust_mpi_inner_gap_is_the_largest_gap_of_every_backup():
    """``info["inner_gap"]`` is the largest inner gap of the run (``RobustSolveResult``'s
    docstring), partial-evaluation steps included. Robust MPI is re-run step by step with the
    public ``robust_bellman``: from ``V_0 = min r / (1 - gamma)``, a robust backup (greedy
    policy ``pi``, gap), then ``inner - 1`` robust backups of the one-action model of ``pi`` (the
    operator ``T_pi``), until the reported iteration count. The re-run ends at the same ``V``;
    on this KL-ball model the largest gap comes from a partial-evaluation step."""
    from rlcert.mdp.robust import KLBall, robust_bellman, solve_robust

    rng = np.random.default_rng(3)
    S, g, inner = 5, 0.9, 20
    P = rng.random((S, 2, S)) + 0.1
    P /= P.sum(axis=-1, keepdims=True)
    R = rng.random((S, 2))
    m, U = TabularMDP(P, R, gamma=g), KLBall(0.3)
    res = solve_robust(m, U, method="mpi", tol=1e-6, inner=inner)
    assert res.status == "converged"
    V = np.full(S, R.min() / (1.0 - g))
    outer, partial = [], []
    for k in range(1, res.iterations + 1):
        b = robust_bellman(m, V, U)
        outer.append(b.gap)
        if k == res.iterations:
            break
        idx = np.arange(S)
        chain = TabularMDP(P[idx, b.policy][:, None, :], R[idx, b.policy][:, None], gamma=g)
        V = b.value.copy()
        for _ in range(inner - 1):
            c = robust_bellman(chain, V, U)
            partial.append(c.gap)
            V = c.value
    np.testing.assert_array_equal(V, res.V)
    assert max(partial) > max(outer) > 0.0
    assert res.info["inner_gap"] == max(outer + partial)


@pytest.mark.parametrize("max_iter", [40, 400])
def test_robust_vi_sweep_bound_adds_the_kl_duality_gap(max_iter):
    """Robust VI's certificate is the smaller of the sweep bound ``gamma (||V_k - V_{k-1}|| +
    delta_k) / (1 - gamma)`` (``V_k`` a backup off by at most ``gamma delta_k``, ``delta_k`` its
    inner gap) and the residual bound ``(||T V_k - V_k|| + gamma delta) / (1 - gamma)``. VI is
    re-run from ``V_0 = 0`` with the public ``robust_bellman`` for the reported number of sweeps,
    on a KL-ball model (gaps ``> 0``), both before and at the floor."""
    from rlcert.mdp.robust import KLBall, robust_bellman, solve_robust

    rng = np.random.default_rng(5)
    S, g = 4, 0.9
    P = rng.random((S, 2, S)) + 0.1
    P /= P.sum(axis=-1, keepdims=True)
    m, U = TabularMDP(P, rng.random((S, 2)), gamma=g), KLBall(0.2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = solve_robust(m, U, method="vi", tol=1e-300, max_iter=max_iter)
    V = np.zeros(S)
    for _ in range(res.iterations):
        b = robust_bellman(m, V, U)
        diff = float(np.max(np.abs(b.value - V)))
        sweep = g * (diff + b.gap) / (1.0 - g)
        V = b.value
    np.testing.assert_array_equal(V, res.V)
    last = robust_bellman(m, V, U)
    resid = (float(np.max(np.abs(last.value - V))) + g * last.gap) / (1.0 - g)
    assert b.gap > 0.0
    assert res.certificate == min(sweep, resid)


@pytest.mark.parametrize("gamma", [1.0, 0.9])
def test_robust_finite_horizon_evaluation_is_backward_induction_of_its_one_policy(gamma):
    """On a one-action finite-horizon model the only policy is the robust optimal one, so
    ``evaluate_policy_robust`` (one backward pass ``V[h] = T_pi V[h+1]``) and robust backward
    induction (``solve_robust``) are the same recursion: the same ``(H + 1, S)`` values (the
    docstring's shape, ``V[H] = 0``) and the same rounding certificate, the sum over stages of
    the backup rounding at ``||V[h+1]||`` propagated by ``gamma`` (a positive number here)."""
    from rlcert.mdp import FiniteHorizonMDP
    from rlcert.mdp.robust import solve_robust

    rng = np.random.default_rng(2)
    S, H = 4, 5
    P = rng.random((S, 1, S))
    P /= P.sum(axis=-1, keepdims=True)
    m = FiniteHorizonMDP(P, rng.random((S, 1)), H, gamma=gamma)
    res = solve_robust(m, L1Ball(0.5))
    V, cert = evaluate_policy_robust(m, np.zeros((H, S), dtype=int), L1Ball(0.5),
                                     with_certificate=True)
    assert V.shape == (H + 1, S)
    assert np.all(V[H] == 0.0)
    np.testing.assert_array_equal(V, res.V)
    assert cert > 0.0
    assert cert == res.certificate == res.info["stage_error"][0]
