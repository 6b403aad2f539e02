"""Inner problems of the robust sets: every solver against an independent cvxpy model (Clarabel,
tightened tolerances), closed forms at the degenerate radii, monotonicity in the radius, the
penalty forms' limits, and input checks.

Expected numbers come from cvxpy's primal formulations (written from the set definitions, not
from the solvers' algorithms), from closed forms (``rho = 0`` gives ``p0 . V``; past the vertex
radius the value is ``min V`` over the reachable states), and from inequalities that are theorems
(Hoeffding's lemma for the KL penalty, Cauchy-Schwarz for the chi-square penalty).
"""

import cvxpy as cp
import mpmath as mp
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy.special import logsumexp

from rlcert.mdp.errors import InvalidArgumentError
from rlcert.mdp.robust import (ChiSquareBall, ChiSquarePenalty, KLBall, KLPenalty, L1Ball,
                               LInfBall, TVBall, TVPenalty, UncertaintySet, WassersteinBall)

pytestmark = pytest.mark.filterwarnings("ignore:Solution may be inaccurate")

CLARABEL = dict(solver=cp.CLARABEL, tol_gap_abs=1e-10, tol_gap_rel=1e-10, tol_feas=1e-10,
                tol_ktratio=1e-8, max_iter=400)


def tolerance(V) -> float:
    return 1e-7 * max(1.0, float(np.abs(V).max()))


# -- strategies ---------------------------------------------------------------------------------

@st.composite
def rows(draw, max_states=8):
    """``(p0, V)``: a distribution with min positive entry >= 1e-6, possibly with zeros, and
    values that are continuous or on a small grid (ties)."""
    S = draw(st.integers(1, max_states))
    w = draw(hnp.arrays(np.float64, S, elements=st.floats(1e-5, 1.0)))
    keep = draw(hnp.arrays(np.bool_, S))
    keep[draw(st.integers(0, S - 1))] = True
    w = np.where(keep, w, 0.0)
    p0 = w / w.sum()
    if draw(st.booleans()):
        V = draw(hnp.arrays(np.float64, S, elements=st.floats(-10.0, 10.0)))
    else:
        V = draw(hnp.arrays(np.int64, S, elements=st.integers(-3, 3))).astype(np.float64)
    return p0, V


def euclidean_metric(points: np.ndarray) -> np.ndarray:
    diff = points[:, None, :] - points[None, :, :]
    return np.sqrt((diff ** 2).sum(-1))


@st.composite
def metrics(draw, S):
    """A 2-D Euclidean metric on integer points (coincident points give zero distances)."""
    pts = draw(hnp.arrays(np.int64, (S, 2), elements=st.integers(0, 4))).astype(np.float64)
    return euclidean_metric(pts)


def support(p0):
    return np.flatnonzero(p0 > 0)


# -- independent references ---------------------------------------------------------------------

def solve_cvx(objective, constraints) -> float:
    prob = cp.Problem(cp.Minimize(objective), constraints)
    prob.solve(**CLARABEL)
    # degenerate sets (rho ~ 0, p0 on a vertex) have no strictly feasible point; Clarabel then
    # says "inaccurate" while its value is still within ~1e-10; the value is what is compared
    assert prob.status in (cp.OPTIMAL, cp.OPTIMAL_INACCURATE), prob.status
    return float(prob.value)


def cvx_ball(name, p0, V, rho, metric=None) -> float:
    S = p0.shape[0]
    J = support(p0)
    if name in ("l1", "tv", "linf"):
        p = cp.Variable(S)
        dist = {"l1": cp.norm1(p - p0), "tv": 0.5 * cp.norm1(p - p0),
                "linf": cp.norm_inf(p - p0)}[name]
        return solve_cvx(V @ p, [p >= 0, cp.sum(p) == 1, dist <= rho])
    if name in ("kl", "chi2"):
        q = cp.Variable(J.size)
        if rho == 0.0:
            # D(q || p0) <= 0 iff q = p0: the cone constraint has no interior there, and an
            # interior-point solver only reaches ~sqrt(tol) on it, so state the set directly
            return solve_cvx(V[J] @ q, [q == p0[J]])
        if name == "kl":
            div = cp.sum(cp.rel_entr(q, p0[J]))
        else:
            div = cp.sum(cp.multiply(1.0 / p0[J], cp.square(q - p0[J])))
        return solve_cvx(V[J] @ q, [q >= 0, cp.sum(q) == 1, div <= rho])
    # W1: couplings with first marginal p0 (rows: support states) and transport cost <= rho
    pi = cp.Variable((J.size, S), nonneg=True)
    return solve_cvx(cp.sum(pi @ V), [cp.sum(pi, axis=1) == p0[J],
                                      cp.sum(cp.multiply(metric[J], pi)) <= rho])


def cvx_penalty(name, p0, V, beta) -> float:
    """The objective ``p.V + beta D(p || p0)`` evaluated at cvxpy's minimiser (clipped at 0 and
    renormalised, so a feasible point). The solver's own objective value is not used: its
    feasibility tolerance on the epigraph of ``D`` is multiplied by ``beta`` (up to ~1e-6 off at
    ``beta = 1e3``), whereas the objective is flat at the minimiser, so evaluating it at the
    computed point is accurate to second order."""
    J = support(p0)
    if name == "tv":
        p = cp.Variable(p0.shape[0])
        solve_cvx(V @ p + beta * 0.5 * cp.norm1(p - p0), [p >= 0, cp.sum(p) == 1])
        x = np.maximum(p.value, 0.0)
        x /= x.sum()
        return float(V @ x + beta * 0.5 * np.abs(x - p0).sum())
    q = cp.Variable(J.size)
    t = cp.Variable(J.size)
    if name == "kl":
        div = cp.rel_entr(q, p0[J])
    else:
        div = cp.multiply(1.0 / p0[J], cp.square(q - p0[J]))
    solve_cvx(V[J] @ q + beta * cp.sum(t), [q >= 0, cp.sum(q) == 1, div <= t])
    x = np.zeros_like(p0)
    x[J] = np.maximum(q.value, 0.0)
    x /= x.sum()
    return float(V @ x + beta * divergence(name, x, p0))


def divergence(name, p, p0, metric=None) -> float:
    """The set's divergence of a returned p, computed directly (inf if p leaves supp(p0) where
    the set forbids it)."""
    if name == "l1":
        return float(np.abs(p - p0).sum())
    if name == "tv":
        return float(0.5 * np.abs(p - p0).sum())
    if name == "linf":
        return float(np.abs(p - p0).max())
    J = support(p0)
    if name in ("kl", "chi2"):
        if np.any(p[p0 == 0] != 0):
            return np.inf
        if name == "kl":
            q = p[J]
            pos = q > 0
            return float(np.sum(q[pos] * np.log(q[pos] / p0[J][pos])))
        return float(np.sum((p[J] - p0[J]) ** 2 / p0[J]))
    # W1 by the transport LP with both marginals fixed (an LP, solved by cvxpy)
    S = p0.shape[0]
    pi = cp.Variable((S, S), nonneg=True)
    prob = cp.Problem(cp.Minimize(cp.sum(cp.multiply(metric, pi))),
                      [cp.sum(pi, axis=1) == p0, cp.sum(pi, axis=0) == p])
    prob.solve(**CLARABEL)
    return float(prob.value)


def make_ball(name, rho, metric=None):
    return {"l1": lambda: L1Ball(rho), "tv": lambda: TVBall(rho), "linf": lambda: LInfBall(rho),
            "kl": lambda: KLBall(rho), "chi2": lambda: ChiSquareBall(rho),
            "w1": lambda: WassersteinBall(rho, metric)}[name]()


def vertex_radius(name, p0, V, metric=None) -> tuple[float, float]:
    """The radius from which the worst case is a vertex, and the value there (closed forms)."""
    J = support(p0)
    if name in ("kl", "chi2"):
        vmin = V[J].min()
        mass = p0[J][V[J] == vmin].sum()
        return (-np.log(mass) if name == "kl" else 1.0 / mass - 1.0), vmin
    j = int(np.argmin(V))
    vmin = V[j]
    if name == "l1":
        return 2.0 * (1.0 - p0[j]), vmin
    if name == "tv":
        return 1.0 - p0[j], vmin
    if name == "linf":  # e_j is in the box iff |1 - p0_j| <= rho and p0_i <= rho elsewhere
        others = np.delete(p0, j)
        return max(1.0 - p0[j], others.max() if others.size else 0.0), vmin
    return float(p0 @ metric[:, j]), vmin  # W1: move everything to j


BALLS = ["l1", "tv", "linf", "kl", "chi2", "w1"]


@st.composite
def ball_cases(draw, name):
    p0, V = draw(rows())
    metric = draw(metrics(p0.shape[0])) if name == "w1" else None
    mode = draw(st.sampled_from(["zero", "small", "medium", "vertex"]))
    if mode == "zero":
        rho = 0.0
    elif mode == "small":
        rho = draw(st.floats(1e-4, 1e-2))
    elif mode == "medium":
        rho = draw(st.floats(1e-2, 3.0))
    else:
        rho = vertex_radius(name, p0, V, metric)[0] * draw(st.floats(1.0, 2.0)) + 1e-9
    return p0, V, rho, metric


# -- the balls against cvxpy ----------------------------------------------------------------------

@pytest.mark.parametrize("name", BALLS)
@settings(max_examples=45)
@given(data=st.data())
def test_ball_matches_cvxpy_and_returns_a_feasible_minimiser(name, data):
    p0, V, rho, metric = data.draw(ball_cases(name))
    value, p = make_ball(name, rho, metric).worst_case(p0, V)
    ref = cvx_ball(name, p0, V, rho, metric)
    assert abs(value - ref) <= tolerance(V), (value, ref)
    # the returned p is in the set and attains the value
    assert p.shape == p0.shape and p.min() >= 0.0
    assert abs(p.sum() - 1.0) <= 1e-12
    assert abs(p @ V - value) <= 1e-12 * max(1.0, np.abs(V).max())
    assert divergence(name, p, p0, metric) <= rho * (1 + 1e-9) + 1e-9


@pytest.mark.parametrize("name", BALLS)
@given(data=st.data())
def test_degenerate_radii_have_closed_forms(name, data):
    p0, V = data.draw(rows())
    metric = data.draw(metrics(p0.shape[0])) if name == "w1" else None
    tol = tolerance(V)
    # rho = 0: the nominal expectation (for W1 under a pseudometric, mass still moves for free
    # between states at distance 0: sum_i p0_i min_{d(i, j) = 0} V_j)
    nominal = p0 @ V
    if name == "w1":
        nominal = sum(p0[i] * V[metric[i] == 0].min() for i in support(p0))
    assert abs(make_ball(name, 0.0, metric).worst_case(p0, V).value - nominal) <= tol
    # from the vertex radius on, and at rho = inf: min V over the reachable states
    r_vertex, v_vertex = vertex_radius(name, p0, V, metric)
    for rho in (r_vertex * (1 + 1e-9) + 1e-12, 2 * r_vertex + 1.0, np.inf):
        assert abs(make_ball(name, rho, metric).worst_case(p0, V).value - v_vertex) <= tol
    # below the vertex radius, the support-restricted sets keep mass off argmin V: value > min V
    if name in ("kl", "chi2") and r_vertex > 1e-3:
        assert make_ball(name, 0.5 * r_vertex, metric).worst_case(p0, V).value > v_vertex


@pytest.mark.parametrize("name", BALLS)
@given(data=st.data())
def test_value_is_non_increasing_in_the_radius_and_bracketed(name, data):
    p0, V = data.draw(rows())
    metric = data.draw(metrics(p0.shape[0])) if name == "w1" else None
    radii = sorted(data.draw(st.lists(st.floats(0.0, 4.0), min_size=2, max_size=5)))
    values = [make_ball(name, r, metric).worst_case(p0, V).value for r in radii]
    slack = 1e-12 * max(1.0, np.abs(V).max())
    assert all(b <= a + slack for a, b in zip(values, values[1:])), values
    # between the nominal value and the value on the whole simplex (supp(p0) for KL, chi2)
    floor = V[support(p0)].min() if name in ("kl", "chi2") else V.min()
    assert all(floor - slack <= v <= p0 @ V + slack for v in values)


def test_kl_dual_at_small_lambda_is_stable():
    """Radii just below the vertex radius push the dual's lambda towards 0: no overflow, a
    value between min V and the vertex-free optimum, agreement with cvxpy."""
    p0 = np.array([0.2, 0.3, 0.5])
    V = np.array([0.0, 1e-3, 100.0])
    r_vertex = -np.log(0.2)
    for rho in (r_vertex * (1 - 1e-3), r_vertex * (1 - 1e-8)):
        value, p = KLBall(rho).worst_case(p0, V)
        assert np.isfinite(value) and np.all(np.isfinite(p))
        assert 0.0 <= value <= 1e-3
        assert abs(value - cvx_ball("kl", p0, V, rho)) <= tolerance(V)


def bisect(f, lo, hi, steps=200):
    """The root of an increasing ``f`` with ``f(lo) <= 0 < f(hi)``."""
    for _ in range(steps):
        mid = (lo + hi) / 2
        if f(mid) <= 0:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def mp_dual(name, p0, V, rho) -> float:
    """The dual optimum in 40-digit arithmetic (an independent check at radii where the cones'
    absolute feasibility tolerance, 1e-10, would move cvxpy's value by sqrt(Var / (2 rho)) 1e-10):

    * KL: ``sup_lam -lam log E_p0 exp(-V / lam) - lam rho``, at the ``t = 1/lam`` where
      ``KL(q_t || p0) = rho``, ``q_t ~ p0 exp(-t V)`` (the dual's stationarity condition);
    * chi-square: ``max_eta eta - sqrt(1 + rho) ||(eta - V)_+||_{L2(p0)}``, at the ``eta`` where
      ``E[(eta - V)_+^2] = (1 + rho) E[(eta - V)_+]^2``.
    """
    with mp.workdps(40):
        J = support(p0)
        p = [mp.mpf(float(x)) for x in p0[J]]
        total = mp.fsum(p)
        p = [x / total for x in p]
        v = [mp.mpf(float(x)) for x in V[J]]
        vmin, r = min(v), mp.mpf(float(rho))
        d = [x - vmin for x in v]
        mass_min = mp.fsum(pi for pi, di in zip(p, d) if di == 0)
        if r >= (-mp.log(mass_min) if name == "kl" else 1 / mass_min - 1):
            return float(vmin)  # the dual's optimum at lam -> 0 (KL), eta = min V (chi-square)
        if name == "kl":
            def log_z(t):
                return mp.log(mp.fsum(pi * mp.exp(-t * di) for pi, di in zip(p, d)))

            def kl(t):
                z = mp.fsum(pi * mp.exp(-t * di) for pi, di in zip(p, d))
                m = mp.fsum(pi * di * mp.exp(-t * di) for pi, di in zip(p, d)) / z
                return -t * m - mp.log(z)

            hi = mp.mpf(1)
            while kl(hi) < r:
                hi *= 2
            t = bisect(lambda x: kl(x) - r, mp.mpf(0), hi)
            return float(vmin + (-log_z(t) - r) / t)

        def moments(eta):
            x = [max(eta - di, 0) for di in d]
            return (mp.fsum(pi * xi for pi, xi in zip(p, x)),
                    mp.fsum(pi * xi * xi for pi, xi in zip(p, x)))

        def slope(eta):
            m1, m2 = moments(eta)
            return (1 + r) * m1 * m1 - m2

        # the slope is < 0 below the second-smallest value (radii below the vertex radius)
        lo = min(x for x in d if x > 0) / 2
        hi = mp.mpf(1) + max(d)
        while slope(hi) < 0:
            hi *= 2
        eta = bisect(slope, lo, hi)
        return float(vmin + eta - mp.sqrt(1 + r) * mp.sqrt(moments(eta)[1]))


@pytest.mark.parametrize("name", ["kl", "chi2"])
@settings(max_examples=30)
@given(case=rows(), rho=st.floats(1e-12, 1e-4))
def test_small_radii_match_a_high_precision_dual(name, case, rho):
    p0, V = case
    J = support(p0)
    assume(V[J].max() > V[J].min())  # constant on the support: covered by the closed forms
    value = make_ball(name, rho).worst_case(p0, V).value
    assert abs(value - mp_dual(name, p0, V, rho)) <= 1e-10 * max(1.0, np.abs(V).max())


# -- the penalty forms --------------------------------------------------------------------------

PENALTIES = {"tv": TVPenalty, "kl": KLPenalty, "chi2": ChiSquarePenalty}


@pytest.mark.parametrize("name", list(PENALTIES))
@settings(max_examples=45)
@given(case=rows(), beta=st.floats(1e-3, 1e3))
def test_penalty_matches_cvxpy(name, case, beta):
    p0, V = case
    value, p = PENALTIES[name](beta).worst_case(p0, V)
    ref = cvx_penalty(name, p0, V, beta)
    assert abs(value - ref) <= tolerance(V), (value, ref)
    assert p.min() >= 0.0 and abs(p.sum() - 1.0) <= 1e-12
    # the value is attained by p: p.V + beta D(p || p0)
    D = divergence("tv" if name == "tv" else name, p, p0)
    assert abs(p @ V + beta * D - value) <= 1e-9 * max(1.0, np.abs(V).max())


@given(case=rows(), beta=st.floats(1e-4, 1e4))
def test_kl_penalty_closed_form(case, beta):
    """-beta log E_p0 exp(-V/beta) by scipy's logsumexp, and the Gibbs minimiser."""
    p0, V = case
    J = support(p0)
    value, p = KLPenalty(beta).worst_case(p0, V)
    closed = -beta * logsumexp(-V[J] / beta, b=p0[J])
    assert abs(value - closed) <= 1e-12 * max(1.0, np.abs(V).max()) + 1e-12 * beta
    gibbs = p0[J] * np.exp(-(V[J] - V[J].min()) / beta)
    np.testing.assert_allclose(p[J], gibbs / gibbs.sum(), rtol=1e-10, atol=1e-15)


@pytest.mark.parametrize("name", list(PENALTIES))
@given(case=rows(), beta=st.floats(1.0, 1e8))
def test_penalty_tends_to_the_nominal_value(name, case, beta):
    """0 <= p0.V - value <= bound(beta) -> 0: Hoeffding's lemma for KL (range^2 / (8 beta)),
    Cauchy-Schwarz for chi-square (Var_p0(V) / (4 beta)), and exactness for TV once
    beta >= max V - min V."""
    p0, V = case
    J = support(p0)
    value = PENALTIES[name](beta).worst_case(p0, V).value
    nominal = p0 @ V
    slack = 1e-12 * max(1.0, np.abs(V).max())
    assert value <= nominal + slack
    if name == "kl":
        bound = (V[J].max() - V[J].min()) ** 2 / (8 * beta)
    elif name == "chi2":
        bound = p0 @ (V - nominal) ** 2 / (4 * beta)
    else:
        bound = 0.0 if beta >= V.max() - V.min() else np.inf
    assert nominal - value <= bound + slack


@pytest.mark.parametrize("name", list(PENALTIES))
@given(case=rows())
def test_penalty_limits_beta_zero_and_infinity(name, case):
    p0, V = case
    J = support(p0)
    tol = 1e-12 * max(1.0, np.abs(V).max())
    U0, Uinf = PENALTIES[name](0.0), PENALTIES[name](np.inf)
    floor = V.min() if name == "tv" else V[J].min()
    assert abs(U0.worst_case(p0, V).value - floor) <= tol
    assert abs(Uinf.worst_case(p0, V).value - p0 @ V) <= tol


# -- the robust-regularised and constrained forms are Lagrangian duals ---------------------------

@given(case=rows(), rho=st.floats(1e-3, 1.0))
def test_kl_ball_is_the_best_penalty_bound(case, rho):
    """Weak duality: for every beta, min_{KL <= rho} p.V >= -beta log E exp(-V/beta) - beta rho."""
    p0, V = case
    ball = KLBall(rho).worst_case(p0, V).value
    for beta in np.geomspace(1e-3, 1e3, 13):
        assert ball >= KLPenalty(beta).worst_case(p0, V).value - beta * rho - tolerance(V)


# -- input checks -------------------------------------------------------------------------------

@pytest.mark.parametrize("cls", [L1Ball, TVBall, LInfBall, KLBall, ChiSquareBall, TVPenalty,
                                 KLPenalty, ChiSquarePenalty])
def test_bad_parameters_are_refused_by_name(cls):
    name = "beta" if "Penalty" in cls.__name__ else "radius"
    for bad in (-0.1, np.nan, True, "x"):
        with pytest.raises(InvalidArgumentError, match=name):
            cls(bad)
    with pytest.raises(InvalidArgumentError, match=rf"{name}\[1, 0\] = -1.0"):
        cls(np.array([[0.1, 0.2], [-1.0, 0.0]]))
    with pytest.raises(InvalidArgumentError, match="shape"):
        cls(np.array([0.1, 0.2]))
    with pytest.raises(InvalidArgumentError, match="scalar"):
        cls(np.full((2, 2), 0.1)).worst_case([0.5, 0.5], [0.0, 1.0])


def test_bad_rows_are_refused_by_name():
    U = KLBall(0.1)
    with pytest.raises(InvalidArgumentError, match="sums to"):
        U.worst_case([0.5, 0.4], [0.0, 1.0])
    with pytest.raises(InvalidArgumentError, match=r"p0\[1\] = -0.5 is negative"):
        U.worst_case([1.5, -0.5], [0.0, 1.0])
    with pytest.raises(InvalidArgumentError, match="shape"):
        U.worst_case([0.5, 0.5], [0.0, 1.0, 2.0])
    with pytest.raises(InvalidArgumentError, match=r"V\[0\] = nan"):
        U.worst_case([0.5, 0.5], [np.nan, 1.0])


def test_bad_metrics_are_refused_by_name():
    good = euclidean_metric(np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 2.0]]))
    WassersteinBall(0.1, good)
    bad = good.copy()
    bad[0, 1] = -1.0
    with pytest.raises(InvalidArgumentError, match=r"metric\[0, 1\] = -1.0 is negative"):
        WassersteinBall(0.1, bad)
    bad = good.copy()
    bad[2, 2] = 0.5
    with pytest.raises(InvalidArgumentError, match=r"metric\[2, 2\] = 0.5, not 0"):
        WassersteinBall(0.1, bad)
    bad = good.copy()
    bad[0, 1] = 1.5
    with pytest.raises(InvalidArgumentError, match="not symmetric"):
        WassersteinBall(0.1, bad)
    bad = np.array([[0.0, 1.0, 5.0], [1.0, 0.0, 1.0], [5.0, 1.0, 0.0]])
    with pytest.raises(InvalidArgumentError, match="triangle inequality"):
        WassersteinBall(0.1, bad)
    with pytest.raises(InvalidArgumentError, match="metric is for 3 states"):
        WassersteinBall(0.1, good).worst_case([0.5, 0.5], [0.0, 1.0])


def test_the_interface_is_abstract():
    with pytest.raises(TypeError, match="worst_case"):
        UncertaintySet()
