"""Tests that pin the MDP oracles to independent truth, written to kill the survivors of the
mutation runs of ``dev/mutate.py`` (see ``dev/MUTATION.md``).

Expected values come from plain numpy re-implementations of the textbook recursions (backward
induction, Puterman 1994, Sec. 4.5), from closed forms on small chains, and from the sizes the
docstrings state (bytes of the documented result arrays).
"""

import numpy as np
import pytest

from rlcert.mdp import FiniteHorizonMDP, _validate, solve
from rlcert.mdp.discounted import PARALLEL_MIN_ENTRIES
from rlcert.mdp.errors import InvalidArgumentError
from rlcert.mdp.finite_horizon import solve_finite_horizon


def _numpy_backward_induction(P, R, H, gamma):
    """``V[H] = 0``, ``Q[h] = R[h] + gamma P V[h+1]``, ``V[h] = max_a Q[h]`` (per-stage P, R)."""
    S, A = R.shape[1], R.shape[2]
    V = np.zeros((H + 1, S))
    Q = np.zeros((H, S, A))
    for h in range(H - 1, -1, -1):
        Q[h] = R[h] + gamma * np.einsum("sat,t->sa", P[h], V[h + 1])
        V[h] = Q[h].max(axis=1)
    return V, Q


def _random_stagewise(S, A, H, seed):
    rng = np.random.default_rng(seed)
    P = rng.random((H, S, A, S)) + 0.05
    P /= P.sum(axis=-1, keepdims=True)
    R = rng.random((H, S, A))
    return P, R


@pytest.mark.parametrize("gamma", [1.0, 0.9])
def test_backward_induction_on_the_parallel_path_is_the_recursion(gamma):
    """A model large enough for the one-kernel-call-per-stage path (``S A nnz >=
    PARALLEL_MIN_ENTRIES``, dense rows, stage-dependent P and R) gives the recursion's V and Q
    (plain numpy), ``V[H] = 0``, a greedy policy, and a certificate of at most 1e-12 that still
    bounds the error."""
    S, A, H = 96, 2, 6
    assert S * A * S >= PARALLEL_MIN_ENTRIES
    P, R = _random_stagewise(S, A, H, seed=11)
    res = solve_finite_horizon(FiniteHorizonMDP(P, R, H, gamma=gamma))
    V, Q = _numpy_backward_induction(P, R, H, gamma)
    assert np.all(res.V[H] == 0.0)
    np.testing.assert_allclose(res.V, V, rtol=0, atol=1e-12)
    np.testing.assert_allclose(res.Q, Q, rtol=0, atol=1e-12)
    chosen = np.take_along_axis(Q, res.policy[:, :, None], axis=2)[:, :, 0]
    np.testing.assert_allclose(chosen, V[:H], rtol=0, atol=1e-12)
    assert 0 < res.certificate <= 1e-12
    assert np.max(np.abs(res.V - V)) <= res.certificate + 1e-13
    assert res.optimal_actions[np.arange(H)[:, None], np.arange(S)[None, :], res.policy].all()


def test_backward_induction_on_the_serial_path_is_the_recursion():
    """A small model (one serial compiled call for every stage) gives the recursion's V and Q."""
    S, A, H = 5, 3, 7
    P, R = _random_stagewise(S, A, H, seed=3)
    res = solve_finite_horizon(FiniteHorizonMDP(P, R, H, gamma=0.95))
    V, Q = _numpy_backward_induction(P, R, H, 0.95)
    np.testing.assert_allclose(res.V, V, rtol=0, atol=1e-13)
    np.testing.assert_allclose(res.Q, Q, rtol=0, atol=1e-13)
    assert np.all(res.V[H] == 0.0)
    assert res.info["stage_error"][H] == 0.0
    assert np.all(np.diff(res.info["stage_error"]) <= 0)  # errors accumulate backwards


def test_backward_induction_refuses_exactly_what_does_not_fit(monkeypatch):
    """The memory check counts the documented result arrays: ``V (H+1, S)``, ``Q (H, S, A)``
    float64, ``policy (H, S)`` int64 and ``optimal_actions (H, S, A)`` bool. With the machine's
    memory set to exactly that many bytes the solve runs; one byte less and it is refused."""
    S, A, H = 4, 3, 5
    P, R = _random_stagewise(S, A, H, seed=1)
    m = FiniteHorizonMDP(P, R, H)
    need = 8 * (H + 1) * S + 8 * H * S * A + 8 * H * S + H * S * A
    monkeypatch.setattr(_validate, "memory_limit", lambda: need)
    res = solve_finite_horizon(m)
    assert res.V.shape == (H + 1, S) and res.optimal_actions.dtype == bool
    monkeypatch.setattr(_validate, "memory_limit", lambda: need - 1)
    with pytest.raises(InvalidArgumentError, match="horizon=5"):
        solve_finite_horizon(m)


def test_solve_dispatches_finite_horizon_models_to_backward_induction():
    """``solve`` on a finite-horizon model is backward induction (same V)."""
    P, R = _random_stagewise(3, 2, 4, seed=5)
    m = FiniteHorizonMDP(P, R, 4)
    a, b = solve(m), solve_finite_horizon(m)
    np.testing.assert_array_equal(a.V, b.V)


def test_stop_rule_follows_its_docstring():
    """The iterative methods' stopping rule: ``converged`` at a bound equal to ``tol``;
    ``floor`` at a bound equal to the floating-point target ``8 u (|r| + ||V||) / (1 -
    gamma)``; otherwise ``floor`` exactly when the bound has not improved (an equal bound is no
    improvement) for ``window`` calls in a row and is at most ``level``, else nothing."""
    from rlcert.mdp.discounted import _StopRule
    from rlcert.mdp.results import floating_floor

    u = 2.0 ** -53
    assert floating_floor(1.0, 3.0, 0.5) == pytest.approx(8 * u * 4 / 0.5, rel=1e-15)
    assert _StopRule(1e-3, 1.0, 0.5, 3)(1e-3, 1.0, 0.0) == "converged"
    assert _StopRule(1e-3, 1.0, 0.5, 3)(2e-3, 1.0, 0.0) is None
    ff = floating_floor(1.0, 1.0, 0.5)
    assert _StopRule(0.0, 1.0, 0.5, 3)(ff, 1.0, 0.0) == "floor"
    assert _StopRule(0.0, 1.0, 0.5, 3)(2 * ff, 1.0, 0.0) is None
    # window 3: an improvement, then three calls without one -> floor at the third
    stop = _StopRule(1e-9, 1.0, 0.5, 3)
    assert stop(1.0, 1.0, 2.0) is None          # best = 1.0
    assert stop(1.0, 1.0, 2.0) is None          # equal: 1 without improvement
    assert stop(1.5, 1.0, 2.0) is None          # 2
    assert stop(1.0, 1.0, 2.0) == "floor"       # 3
    # an improvement resets the count
    stop = _StopRule(1e-9, 1.0, 0.5, 3)
    for b, want in [(1.0, None), (1.0, None), (1.0, None), (0.5, None), (0.5, None),
                    (0.5, None), (0.5, "floor")]:
        assert stop(b, 1.0, 2.0) == want
    # stalled above `level`: no floor
    stop = _StopRule(1e-9, 1.0, 0.5, 2)
    for _ in range(6):
        assert stop(1.0, 1.0, 0.999) is None
    stop = _StopRule(1e-9, 1.0, 0.5, 2)
    assert [stop(1.0, 1.0, 1.0) for _ in range(3)] == [None, None, "floor"]



def _puterman_two_state(gamma):
    """Puterman (1994) Sec. 3.1 with a dominated action of reward -1000 in state 1."""
    from rlcert.mdp import TabularMDP

    P = np.zeros((2, 2, 2))
    P[0, 0] = [0.5, 0.5]
    P[0, 1] = [0.0, 1.0]
    P[1, :] = [0.0, 1.0]
    return TabularMDP(P, np.array([[5.0, 10.0], [-1.0, -1000.0]]), gamma=gamma)


@pytest.mark.parametrize("gamma", [0.9, 0.99])
def test_lp_converges_at_a_certificate_equal_to_tol(gamma):
    """The LP's status is ``converged`` when its bound is at most ``tol``: on a random model
    (non-zero computed residual) asked for exactly the certificate it reports, it converges;
    asked for half of it, it does not. Policy iteration's ``V*`` is within both certificates
    plus rounding."""
    from rlcert.mdp import TabularMDP

    rng = np.random.default_rng(4)
    P = rng.random((6, 3, 6))
    P /= P.sum(axis=-1, keepdims=True)
    m = TabularMDP(P, rng.random((6, 3)), gamma=gamma)
    first = solve(m, method="lp", tol=1e-300)
    b = first.certificate
    assert b > 0.0
    assert solve(m, method="lp", tol=b).status == "converged"
    assert solve(m, method="lp", tol=b / 2).status != "converged"
    pi = solve(m, method="pi", tol=1e-300)
    assert np.max(np.abs(first.V - pi.V)) <= (b + first.rounding + pi.certificate
                                              + pi.rounding)


@pytest.mark.parametrize("method", ["vi", "gs", "pi", "mpi", "lp"])
def test_converged_means_the_certificate_meets_tol(method):
    """Whatever the method, ``status == "converged"`` means the reported certificate is at most
    ``tol`` (the stopping rules test the same bound the result reports)."""
    m = _puterman_two_state(0.95)
    for tol in (1e-3, 1e-6, 1e-9):
        res = solve(m, method=method, tol=tol)
        if res.status == "converged":
            assert res.certificate <= tol, (method, tol, res.certificate)


def test_diameter_of_one_state_is_zero_with_no_pair():
    """With one state there is no pair ``s != s'``: ``D = 0``, no attaining pair, zero
    certificate, and the times table is the 1 x 1 zero matrix (the documented convention)."""
    from rlcert.mdp import TabularMDP, diameter

    m = TabularMDP(np.ones((1, 2, 1)), np.array([[0.0, 1.0]]), gamma=0.5)
    d = diameter(m)
    assert d.D == 0.0 and d.pair is None and d.certificate == 0.0
    np.testing.assert_array_equal(d.times, np.zeros((1, 1)))


@pytest.mark.parametrize("T", [2, 3, 5, 7, 8, 15, 31, 63, 64])
def test_mixing_time_one_below_a_power_of_two(T):
    """Two-state chain ``[[1-p, p], [p, 1-p]]``: ``d(t) = |1 - 2p|^t / 2``, so with ``1 - 2p =
    0.5^(1 / (T - 1/2))`` the mixing time at ``eps = 1/4`` is exactly ``T`` (closed form). At
    ``T = 2^j - 1`` the answer sits just below the doubling search's bracket end; the reported
    distances at ``T`` and ``T - 1`` are the closed forms."""
    from rlcert.mdp import mixing_time

    lam = 0.5 ** (1.0 / (T - 0.5))
    p = (1.0 - lam) / 2.0
    r = mixing_time(np.array([[1 - p, p], [p, 1 - p]]), eps=0.25)
    assert r.t_mix == T
    assert r.tv_at == pytest.approx(0.5 * lam ** T, rel=1e-10)
    assert r.tv_before == pytest.approx(0.5 * lam ** (T - 1), rel=1e-10)


def test_doeblin_upper_bound_looks_no_further_than_max_k():
    """The lazy rotation of 4 states (stay 1/2, step 1/2) has ``alpha_1 = alpha_2 = 0`` (every
    column of ``P`` and ``P^2`` has a zero) and ``alpha_3 = 1/2``: with ``max_k = 2`` no
    minorisation is found and the upper bound is ``inf`` (the docstring's "best k <= max_k"); with
    ``max_k = 3`` it is ``3 ceil(log 0.2 / log 0.5) = 9`` at ``k = 3``."""
    from rlcert.mdp import TabularMDP, worst_mixing_time

    n = 4
    P1 = 0.5 * np.eye(n) + 0.5 * np.roll(np.eye(n), 1, axis=1)
    m = TabularMDP(P1[:, None, :], np.zeros((n, 1)))
    assert worst_mixing_time(m, 0.2, max_k=2).upper == np.inf
    w = worst_mixing_time(m, 0.2, max_k=3)
    assert (w.upper, w.upper_k) == (9, 3)


def test_positive_end_components_lists_every_component():
    """Three absorbing states with positive self-loop rewards (1, 0.5 and 2, each on one of two
    actions): each state is its own maximal end component with positive reward, so all three
    are listed (with their state, action and reward); a fourth absorbing state of reward 0 is
    not."""
    from rlcert.mdp import TabularMDP
    from rlcert.mdp.total_reward import positive_end_components

    P = np.zeros((4, 2, 4))
    for s in range(4):
        P[s, :, s] = 1.0
    R = np.array([[1.0, 0.0], [0.5, 0.0], [0.0, 2.0], [0.0, 0.0]])
    found = sorted((int(st[0]), s, a, r) for st, s, a, r in
                   positive_end_components(TabularMDP(P, R, 1.0)))
    assert found == [(0, 0, 0, 1.0), (1, 1, 0, 0.5), (2, 2, 1, 2.0)]


def test_ssp_with_one_action_is_the_chain_value():
    """A single-action stochastic shortest path 0 -> 1 -> 2 (terminal) with costs 1 and 2: ``V =
    (-3, -2, 0)``, exactly, and the policy is the only action everywhere."""
    from rlcert.mdp import TabularMDP

    P = np.zeros((3, 1, 3))
    P[0, 0, 1] = P[1, 0, 2] = P[2, 0, 2] = 1.0
    res = solve(TabularMDP(P, np.array([[-1.0], [-2.0], [0.0]]), 1.0))
    np.testing.assert_allclose(res.V, [-3.0, -2.0, 0.0], rtol=0, atol=1e-12)
    np.testing.assert_array_equal(res.policy, [0, 0, 0])


def test_ssp_ignores_explicitly_stored_zero_probabilities():
    """CSR rows keep explicit zeros. State 0's action 0 stores a zero-probability entry towards
    the terminal state 1 but stays at 0 (an improper loop of cost 1), action 1 moves to 1 at cost
    5: the only proper policy takes action 1, ``V* = (-5, 0)``."""
    import scipy.sparse as sparse

    from rlcert.mdp import TabularMDP

    # rows s*A + a: (0,0) -> {1: 0.0 stored, 0: 1.0}, (0,1) -> {1: 1.0}, (1,0), (1,1) -> {1: 1.0}
    data = np.array([0.0, 1.0, 1.0, 1.0, 1.0])
    cols = np.array([1, 0, 1, 1, 1])
    ptr = np.array([0, 2, 3, 4, 5])
    rows = sparse.csr_matrix((data, cols, ptr), shape=(4, 2))
    assert rows.nnz == 5
    m = TabularMDP(rows, np.array([[-1.0, -5.0], [0.0, 0.0]]), 1.0)
    res = solve(m)
    np.testing.assert_allclose(res.V, [-5.0, 0.0], rtol=0, atol=1e-12)
    assert res.policy[0] == 1


def test_total_reward_methods_are_the_ones_asked_for():
    """On a stochastic shortest path, ``method="lp"`` solves by the linear program (reported as
    ``"lp"``) and ``"auto"`` / ``"pi"`` by policy iteration (reported as ``"pi"``), all with the
    same ``V*``; a positive model is solved by its linear program in one iteration."""
    from rlcert.mdp import TabularMDP

    P = np.zeros((3, 2, 3))
    P[0, 0, 1] = 1.0
    P[0, 1, 2] = 1.0
    P[1, :, 2] = 1.0
    P[2, :, 2] = 1.0
    R = np.array([[-1.0, -4.0], [-2.0, -1.5], [0.0, 0.0]])
    V_star = [-2.5, -1.5, 0.0]  # 0 -> 1 (cost 1) then 1 -> 2 (cost 1.5)
    for method, label in (("lp", "lp"), ("auto", "pi"), ("pi", "pi")):
        res = solve(TabularMDP(P, R, 1.0), method=method)
        assert res.method == label, (method, res.method)
        np.testing.assert_allclose(res.V, V_star, rtol=0, atol=1e-9)
    Pp = np.zeros((2, 2, 2))
    Pp[0, 0, 1] = Pp[0, 1, 0] = 0.5
    Pp[0, 0, 0] = Pp[0, 1, 1] = 0.5
    Pp[1, :, 1] = 1.0
    pos = solve(TabularMDP(Pp, np.array([[1.0, 0.0], [0.0, 0.0]]), 1.0))
    assert pos.iterations == 1 and pos.method == "lp"
    np.testing.assert_allclose(pos.V, [2.0, 0.0], rtol=0, atol=1e-9)


def _two_state_average():
    """Two states, two actions: from each state, action 0 stays (reward 1 in state 1, 0 in
    state 0), action 1 moves to the other state (reward 0)."""
    from rlcert.mdp import TabularMDP

    P = np.zeros((2, 2, 2))
    P[0, 0, 0] = P[1, 0, 1] = 1.0
    P[0, 1, 1] = P[1, 1, 0] = 1.0
    return TabularMDP(P, np.array([[0.0, 0.0], [1.0, 0.0]]), gamma=1.0)


def test_rvi_options_are_checked_against_their_documented_ranges():
    """``tau`` lies in the open interval (0, 1) and ``reference_state`` is a state index: ``tau =
    0`` (the transform would never move) and ``reference_state = S`` are refused naming the
    option."""
    from rlcert.mdp.average import solve_average

    m = _two_state_average()
    for tau in (0.0, 1.0):
        with pytest.raises(InvalidArgumentError, match="tau"):
            solve_average(m, method="rvi", tau=tau)
    with pytest.raises(InvalidArgumentError, match="reference_state"):
        solve_average(m, method="rvi", reference_state=2)
    solve_average(m, method="rvi", reference_state=1)


@pytest.mark.parametrize("ref", [0, 1])
def test_rvi_relative_values_vanish_at_the_reference_state(ref):
    """Relative value iteration normalises ``h(ref) = 0`` (its definition); on the two-state
    model the optimal gain is 1 (reach state 1 and stay) and the bias differences are
    ``h(1) - h(0) = 1`` (one step earlier on the rewarding self-loop), independent of ``ref``."""
    from rlcert.mdp.average import solve_average

    res = solve_average(_two_state_average(), method="rvi", reference_state=ref, tol=1e-12)
    h = res.info["relative_values"]
    assert h[ref] == 0.0
    assert h[1] - h[0] == pytest.approx(1.0, abs=1e-9)
    assert np.allclose(res.gain, 1.0, atol=1e-9)


# -- the "floor" / "above_tol" rule of PI, LP and MPI ----------------------------------------------
# ``dev/MUTATION.md``: after an exact policy evaluation the residual is a few ulps, far below the
# window ``(info["floor"] - rounding, info["floor"]]`` in which the rule's rounding term decides.
# The tests below shift the evaluation by a constant ``c`` (``T (V + c) - (V + c) = T V - V -
# (1 - gamma) c`` for stochastic rows, so the residual certificate becomes ``|c|`` while the
# greedy policy and the improvement gaps are unchanged) and place the certificate on either side
# of ``info["floor"] - rounding``.

def _shift_evaluations(monkeypatch, shift):
    """Make every exact policy evaluation of ``rlcert.mdp.discounted`` return ``V^pi + shift``."""
    from rlcert.mdp import discounted

    real = discounted.solve_policy_system

    def shifted(*args, **kwargs):
        V, used = real(*args, **kwargs)
        return V + shift, used

    monkeypatch.setattr(discounted, "solve_policy_system", shifted)


@pytest.mark.parametrize("method", ["pi", "lp"])
def test_floor_status_of_an_evaluated_policy_is_the_documented_rule(monkeypatch, method):
    """PI and LP report ``"floor"`` (not ``"converged"``, ``tol = 1e-300``) exactly when the
    certificate plus rounding is at most ``info["floor"]`` (module docstring, "Floating-point
    floor"); otherwise ``"above_tol"``. A certificate half a rounding term above
    ``info["floor"] - rounding`` is ``"above_tol"``; one and a half below it is ``"floor"``."""
    m = _puterman_two_state(0.9)
    opt = solve(m, method="pi", tol=1e-300)
    kw = {"initial_policy": opt.policy} if method == "pi" else {}
    F, r = opt.info["floor"], opt.rounding
    assert F > 10 * r > 0.0
    for frac, want in [(0.5, "above_tol"), (-1.5, "floor")]:
        with monkeypatch.context() as mp:
            _shift_evaluations(mp, F - r + frac * r)
            res = solve(m, method=method, tol=1e-300, **kw)
        np.testing.assert_array_equal(res.policy, opt.policy)
        # the certificate is where it was placed (the floor moves only in its last bits)
        assert res.certificate == pytest.approx(F - r + frac * r, rel=1e-3, abs=0)
        gap = res.info["floor"] - res.rounding - res.certificate
        assert abs(gap) == pytest.approx(abs(frac) * res.rounding, rel=1e-2, abs=0)
        assert res.status == want, (frac, res.certificate, res.rounding, res.info["floor"])
        assert (res.status == "floor") == (res.certificate + res.rounding <= res.info["floor"])


def _stalling_mpi(monkeypatch, S, gamma, eps):
    """A one-action model on ``S`` states with uniform rows and rewards ``1`` (``1 + eps`` in the
    last state), whose MPI partial evaluation (``inner = 2``, one step of ``T_pi``) is replaced
    by one that maps ``T V_0`` back to the start ``V_0 = min r / (1 - gamma)``: the run stalls
    at once with certificate ``||T V_0 - V_0|| / (1 - gamma) = eps / (1 - gamma)``."""
    from rlcert.mdp import TabularMDP, discounted

    P = np.full((S, 1, S), 1.0 / S)
    r = np.ones((S, 1))
    r[-1, 0] += eps
    m = TabularMDP(P, r, gamma=gamma)
    V0 = np.full(S, 1.0 / (1.0 - gamma))
    TV0 = r[:, 0] + gamma * P[:, 0] @ V0
    back = np.ascontiguousarray((V0 - gamma * P[:, 0] @ TV0)[:, None])
    real = discounted._policy_chain

    def stalled_chain(model, actions):
        operand, _ = real(model, actions)
        return operand, back

    monkeypatch.setattr(discounted, "_policy_chain", stalled_chain)
    return m


def test_mpi_stall_is_floor_only_below_the_floor_minus_rounding(monkeypatch):
    """A stalled MPI run reports ``"floor"`` only when its certificate plus rounding is at most
    ``info["floor"]`` (module docstring): stalled half a window ``(floor - rounding, floor -
    rho]`` above ``floor - rounding`` it runs on to ``max_iter``; stalled as far below, it stops
    at ``"floor"``, and the reported floor then bounds certificate plus rounding."""
    g, S = 1.0 - 2.0 ** -8, 16
    m = _stalling_mpi(monkeypatch, S, g, 1e-12)
    probe = solve(m, method="mpi", tol=1e-300, inner=2, max_iter=5)
    F, r = probe.info["floor"], probe.rounding
    rho = r * (1.0 - g)
    assert F - r > 10 * probe.certificate     # the floor is far above this probe's certificate
    for side, want in [(+1, "max_iter"), (-1, "floor")]:
        target = F - r + side * 0.5 * (r - rho)
        with monkeypatch.context() as mp:
            m = _stalling_mpi(mp, S, g, target * (1.0 - g))
            res = solve(m, method="mpi", tol=1e-300, inner=2, max_iter=400)
        assert res.certificate == pytest.approx(target, rel=1e-4, abs=0)
        lo, hi = res.info["floor"] - res.rounding, res.info["floor"] - res.rounding * (1.0 - g)
        assert (lo < res.certificate <= hi) == (side > 0)
        assert res.status == want, (side, res.certificate, lo, hi, res.iterations)
        if want == "floor":
            assert res.certificate + res.rounding <= res.info["floor"]


def test_mpi_stall_window_is_the_documented_window_in_sweeps(monkeypatch):
    """MPI declares a stall only after ``W = max(50, ceil(1 / (1 - gamma)))`` sweeps without
    improvement (module docstring, "Floating-point floor"), counted in improvement steps of
    ``inner`` sweeps each: ``max(50, ceil(W / inner))`` steps. At ``gamma = 1 - 2^-8`` (``W =
    256``) and ``inner = 2`` a run that stalls from its first step stops after 128 more steps,
    not after 50."""
    from rlcert.mdp.results import stagnation_window

    g, S, inner = 1.0 - 2.0 ** -8, 16, 2
    W = stagnation_window(g)
    assert W == 256 == int(np.ceil(1.0 / (1.0 - g)))
    window = max(50, -(-W // inner))
    assert window == 128
    m = _stalling_mpi(monkeypatch, S, g, 1e-12)
    probe = solve(m, method="mpi", tol=1e-300, inner=2, max_iter=5)
    target = probe.info["floor"] - 3.0 * probe.rounding
    with monkeypatch.context() as mp:
        m = _stalling_mpi(mp, S, g, target * (1.0 - g))
        res = solve(m, method="mpi", tol=1e-300, inner=inner, max_iter=1000)
    assert res.status == "floor"
    assert window + 1 <= res.iterations <= window + 5, res.iterations


def test_average_pi_default_cap_is_the_documented_10000(monkeypatch):
    """``solve_average``'s docstring: ``max_iter`` defaults to 10,000 improvement steps for PI
    (and an explicit ``max_iter`` is passed through). Running 10,000 evaluations is too slow for
    a test, so the cap handed to the policy-iteration loop is recorded."""
    from rlcert.mdp import average, instances

    seen = []
    real = average._policy_iteration

    def recording(m, pi0, max_iter, info, *args, **kwargs):
        seen.append(max_iter)
        return real(m, pi0, max_iter, info, *args, **kwargs)

    monkeypatch.setattr(average, "_policy_iteration", recording)
    m = instances.joa_two_state(delta=0.1, eps=0.05)
    assert average.solve_average(m).optimal_gain == pytest.approx(0.6, abs=1e-12)
    average.solve_average(m, max_iter=7)
    assert seen == [10_000, 7]


def _slow_ring(S, sparse):
    """A ring of ``S`` states: action 0 stays w.p. 0.9 and steps forward w.p. 0.1, action 1 stays
    w.p. 0.8 and steps back w.p. 0.2; rewards ``s / (S - 1)`` and ``0.5``. Slow mixing makes the
    relative values several times larger than the rewards, so the ``||h_k||`` term of the RVI
    allowance is not negligible; the CSR version stores two entries per row."""
    import scipy.sparse as sp

    from rlcert.mdp import TabularMDP

    P = np.zeros((S, 2, S))
    for s in range(S):
        P[s, 0, s], P[s, 0, (s + 1) % S] = 0.9, 0.1
        P[s, 1, s], P[s, 1, (s - 1) % S] = 0.8, 0.2
    R = np.stack([np.arange(S) / (S - 1), np.full(S, 0.5)], axis=1)
    P_in = sp.csr_matrix(P.reshape(S * 2, S)) if sparse else P
    return TabularMDP(P_in, R, gamma=1.0), P, R


@pytest.mark.parametrize("sparse", [False, True])
def test_rvi_rounding_is_the_documented_twice_rho(sparse):
    """``AverageCertificate.rounding`` for RVI is ``2 rho``, ``rho = n u / (1 - n u) (max |r| +
    ||h_k||) + u ||T h_k - h_k||``, ``n`` = stored entries of the longest row + 3 (the
    docstring); recomputed here from the returned ``h_k`` with a plain numpy backup."""
    from rlcert.mdp.average import solve_average

    S = 6
    m, P, R = _slow_ring(S, sparse)
    res = solve_average(m, method="rvi", tol=1e-9)
    assert res.status == "converged"
    h = res.info["relative_values"]  # the h_k of the last (converged) sweep
    diff = (R + np.einsum("sat,t->sa", P, h)).max(axis=1) - h
    assert res.certificate.bracket == pytest.approx((diff.min(), diff.max()), abs=1e-13)
    assert np.max(np.abs(h)) > 2.0 * np.max(np.abs(R))  # the h term matters
    u = 2.0 ** -53
    n = (2 if sparse else S) + 3
    rho = n * u / (1 - n * u) * (np.max(np.abs(R)) + np.max(np.abs(h))) + u * np.max(np.abs(diff))
    assert rho < 1e-13  # pytest.approx's default absolute tolerance would hide it: abs=0
    assert res.certificate.rounding == pytest.approx(2.0 * rho, rel=1e-9, abs=0)
