"""Tests that pin the robust and risk-sensitive oracles to independent truth, written to kill the
survivors of the mutation runs of ``dev/mutate.py`` (see ``dev/MUTATION.md``).

Expected values come from closed forms on two-state models (worked by hand in each docstring),
from the conventions the docstrings state, and (distributional backward induction) from a plain
Python transcription of the module docstring's recursions.
"""

import math
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


# -- distributional backward induction: a plain transcription of the module docstring ----------
def _categorical_projection(x, p, z):
    """``Pi_C``: each atom clipped to ``[z_0, z_-1]`` and split linearly between its two grid
    neighbours (all mass on the one atom of a one-point grid)."""
    out = np.zeros(len(z))
    for xi, pi in zip(x, p):
        if len(z) == 1:
            out[0] += pi
            continue
        xi = min(max(xi, z[0]), z[-1])
        i = min(int(np.searchsorted(z, xi, side="right")) - 1, len(z) - 2)
        w = (z[i + 1] - xi) / (z[i + 1] - z[i])
        out[i] += pi * w
        out[i + 1] += pi * (1.0 - w)
    return out


def _w1_and_cramer_sq(x1, p1, x2, p2):
    """``int |F - G|`` and ``int (F - G)^2`` of two finite laws, piece by piece of their CDFs."""
    pts = sorted(set(x1) | set(x2))
    w1 = l2 = 0.0
    for a, b in zip(pts, pts[1:]):
        F = sum(q for v, q in zip(x1, p1) if v <= a)
        G = sum(q for v, q in zip(x2, p2) if v <= a)
        w1 += (b - a) * abs(F - G)
        l2 += (b - a) * (F - G) ** 2
    return w1, l2


def _categorical_reference(P, r, g, m):
    """Projected categorical backward induction of a one-action model (``P``, transition rewards
    ``r``, both ``(H, S, S)``): ranges ``Lo_h = min r_h + g Lo_{h+1}`` (``Lo_H = Hi_H = 0``),
    grids ``linspace(Lo_h, Hi_h, m)``, ``e_h = min(sqrt(g e_{h+1}^2 + Delta_h), d_h + sqrt(g)
    e_{h+1})`` and ``w_h = max_s W1(step) + g w_{h+1}`` (module docstring)."""
    H, S, _ = P.shape
    lo, hi = np.zeros(H + 1), np.zeros(H + 1)
    for h in range(H - 1, -1, -1):
        vals = r[h][P[h] > 0]
        lo[h] = vals.min() + g * lo[h + 1]
        hi[h] = vals.max() + g * hi[h + 1]
    z_next, probs = np.zeros(1), np.ones((S, 1))
    e_l2, e_w1 = np.zeros(H + 1), np.zeros(H + 1)
    gamma_term_matters_at = []
    for h in range(H - 1, -1, -1):
        z = np.linspace(lo[h], hi[h], m)
        spacing = (hi[h] - lo[h]) / (m - 1)
        new = np.zeros((S, m))
        steps = []
        for s in range(S):
            pairs = [(r[h, s, t] + g * zj, P[h, s, t] * probs[t, j]) for t in range(S)
                     for j, zj in enumerate(z_next) if P[h, s, t] > 0]
            x, p = [a for a, _ in pairs], [b for _, b in pairs]
            new[s] = _categorical_projection(x, p, z)
            steps.append(_w1_and_cramer_sq(x, p, list(z), list(new[s])))
        pyth = math.sqrt(g * e_l2[h + 1] ** 2 + spacing)
        tri = math.sqrt(max(c for _, c in steps)) + math.sqrt(g) * e_l2[h + 1]
        if tri > 1.05 * math.sqrt(spacing):  # min(sqrt(Delta_h), tri) would be smaller
            gamma_term_matters_at.append(h)
        e_l2[h] = min(pyth, tri)
        e_w1[h] = max(w for w, _ in steps) + g * e_w1[h + 1]
        z_next, probs = z, new
    return dict(lo=lo, hi=hi, support=z_next, probs=probs, e_l2=e_l2, e_w1=e_w1,
                gamma_term_matters_at=gamma_term_matters_at)


def _random_one_action(H=5, S=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.dirichlet(np.ones(S), size=(H, S)), rng.random((H, S, S))


def _as_fh(P, r, g):
    from rlcert.mdp import FiniteHorizonMDP

    P4, r4 = P[:, :, None, :], r[:, :, None, :]
    R = np.einsum("hsat,hsat->hsa", P4, r4)
    return FiniteHorizonMDP(P4, R, P.shape[0], gamma=g), r4


def test_categorical_evaluation_is_its_recursion_where_the_carried_error_matters():
    """Every number of ``categorical_evaluation`` (laws, grids, ranges, both stage bounds) equals
    the docstring's recursion, transcribed in plain Python, on a random five-stage model where at
    stage 0 the triangle bound (``e_0 = 1.37``, the smaller side) exceeds ``sqrt(Delta_0) =
    1.26``: a Pythagoras bound without its ``gamma e_1^2`` term would undercut it. The ranges
    end at ``Lo_H = Hi_H = 0`` (``G_H = 0``)."""
    from rlcert.mdp.risk import categorical_evaluation

    g, m = 0.9, 3
    P, r = _random_one_action()
    want = _categorical_reference(P, r, g, m)
    assert want["gamma_term_matters_at"] == [0]
    fh, r4 = _as_fh(P, r, g)
    res = categorical_evaluation(fh, np.zeros((5, 3), dtype=int), n_atoms=m, rewards=r4)
    np.testing.assert_allclose(res.info["lo"], want["lo"], rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(res.info["hi"], want["hi"], rtol=1e-13, atol=1e-15)
    assert res.info["lo"][-1] == 0.0 and res.info["hi"][-1] == 0.0
    np.testing.assert_allclose(res.support, want["support"], rtol=1e-13)
    np.testing.assert_allclose(res.probs, want["probs"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(res.stage_cramer, want["e_l2"], rtol=1e-9, atol=0)
    np.testing.assert_allclose(res.stage_w1, want["e_w1"], rtol=1e-9, atol=0)
    assert res.cramer_bound == pytest.approx(want["e_l2"][0], rel=1e-9, abs=0)


@pytest.mark.parametrize("m", [1, 4])
def test_quantile_apriori_bound_sums_every_discounted_stage(m):
    """``w1_bound_apriori = sum_h gamma^h (Hi_h - Lo_h) / (2m)`` (``QuantileResult``) over all
    five stages, each range non-zero, the ranges as in the categorical reference; the ranges
    also end at ``Lo_H = Hi_H = 0``."""
    from rlcert.mdp.risk import quantile_evaluation

    g = 0.9
    P, r = _random_one_action()
    ref = _categorical_reference(P, r, g, 3)
    fh, r4 = _as_fh(P, r, g)
    res = quantile_evaluation(fh, np.zeros((5, 3), dtype=int), n_quantiles=m, rewards=r4)
    want = sum(g ** h * (ref["hi"][h] - ref["lo"][h]) / (2 * m) for h in range(5))
    assert res.w1_bound_apriori == pytest.approx(want, rel=1e-12, abs=0)
    np.testing.assert_allclose(res.info["hi"], ref["hi"], rtol=1e-13, atol=1e-15)
