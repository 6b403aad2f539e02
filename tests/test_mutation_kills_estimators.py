"""Tests that pin the learners' building blocks to the papers' formulas, written to kill the
survivors of the mutation runs of ``dev/mutate.py`` (see ``dev/MUTATION.md``).

Expected values are the printed formulas of Azar, Osband and Munos (2017, Algorithms 3 and 4) and
Jin, Allen-Zhu, Bubeck and Jordan (2018, eq. (3), Algorithms 1 and 2), re-typed in plain ``math``
at points chosen so that each branch (each side of a ``min``, the unvisited and the zero-count
cases) is the one that decides. The learners' run records are held to what their docstrings
promise (NaN where nothing is recorded), on instances small enough to enumerate.
"""

import math

import numpy as np
import pytest

from rlcert.estimators.episodic import bonuses as bn


@pytest.mark.parametrize("S, A, T, delta", [(1, 1, 1, 0.5), (6, 2, 2e5, 0.05), (3, 7, 40, 1e-3)])
def test_logs_are_the_papers(S, A, T, delta):
    """``L = ln(5 S A T / delta)`` (UCBVI) and ``iota = ln(S A T / p)`` (Jin et al.), with every
    factor distinct so that a dropped or swapped factor shows."""
    assert bn.ucbvi_log(S, A, T, delta) == pytest.approx(math.log(5 * S * A * T / delta), rel=1e-14)
    assert bn.ql_iota(S, A, T, delta) == pytest.approx(math.log(S * A * T / delta), rel=1e-14)


@pytest.mark.parametrize("N", [1, 2, 9, 1000])
@pytest.mark.parametrize("H", [1, 3, 20])
def test_ucbvi_bonuses_are_the_printed_formulas(N, H):
    """UCBVI-CH ``7 H L / sqrt(N)`` and UCBVI-BF ``sqrt(8 L var / N) + 14 H L / (3 N) + sqrt(8
    sum_p_min / N)``, each term non-zero and of a different size (``L = 2.3``, ``var = 0.6``,
    ``sum_p_min = 5.5``), and each term alone (the others zero)."""
    L, var, spm, S, A = 2.3, 0.6, 5.5, 4, 3
    assert bn.ucbvi_ch_bonus(N, H, L) == pytest.approx(7 * H * L / math.sqrt(N), rel=1e-14)
    want = math.sqrt(8 * L * var / N) + 14 * H * L / (3 * N) + math.sqrt(8 * spm / N)
    assert bn.ucbvi_bf_bonus(N, H, S, A, L, var, spm) == pytest.approx(want, rel=1e-14)
    assert bn.ucbvi_bf_bonus(N, H, S, A, L, 0.0, 0.0) == pytest.approx(14 * H * L / (3 * N),
                                                                       rel=1e-14)
    assert bn.ucbvi_bf_bonus(N, H, S, A, 1e-300, var, 0.0) == pytest.approx(
        math.sqrt(8 * 1e-300 * var / N) + 14 * H * 1e-300 / (3 * N), rel=1e-12, abs=0)
    assert bn.ucbvi_bf_bonus(N, H, S, A, 1e-300, 0.0, spm) == pytest.approx(
        math.sqrt(8 * spm / N), rel=1e-12)


@pytest.mark.parametrize("H, S, A, L", [(2, 3, 2, 1.5), (5, 1, 4, 0.01), (1, 2, 1, 3.0)])
def test_ucbvi_bf_cap_takes_the_smaller_side(H, S, A, L):
    """``min(100^2 H^3 S^2 A L^2 / N', H^2)``: ``H^2`` for an unvisited state (``N' = 0``) and
    for small ``N'``; the first term when ``N'`` is large enough, exactly at the crossing
    ``N'* = 1e4 H S^2 A L^2`` both sides agree."""
    first = lambda n: 1e4 * H ** 3 * S ** 2 * A * L ** 2 / n  # noqa: E731
    cross = 1e4 * H * S ** 2 * A * L ** 2
    assert bn.ucbvi_bf_cap(H, S, A, L, 0) == H * H
    assert bn.ucbvi_bf_cap(H, S, A, L, 1) == H * H
    assert bn.ucbvi_bf_cap(H, S, A, L, cross / 2) == H * H
    for n in (2 * cross, 3.7 * cross, 1e3 * cross):
        assert bn.ucbvi_bf_cap(H, S, A, L, n) == pytest.approx(first(n), rel=1e-13)
        assert bn.ucbvi_bf_cap(H, S, A, L, n) < H * H
    assert bn.ucbvi_bf_cap(H, S, A, L, cross) == pytest.approx(H * H, rel=1e-13)


@pytest.mark.parametrize("H", [1, 2, 5, 30])
def test_learning_rate_is_eq_3(H):
    """``alpha_t = (H + 1) / (H + t)``: 1 at the first visit, ``(H+1)/(2H)`` at ``t = H``, and
    its value at several ``t``."""
    assert bn.ql_learning_rate(1, H) == 1.0
    assert bn.ql_learning_rate(H, H) == pytest.approx((H + 1) / (2 * H), rel=1e-15)
    for t in (2, 3, 17, 1000):
        assert bn.ql_learning_rate(t, H) == pytest.approx((H + 1) / (H + t), rel=1e-15)


@pytest.mark.parametrize("t", [1, 2, 5, 400])
def test_hoeffding_bonus_is_algorithm_1(t):
    """``b_t = c sqrt(H^3 iota / t)`` at several ``c``, ``H`` and ``iota``."""
    for H, iota, c in [(1, 2.0, 1.0), (4, 0.3, 2.5), (10, 7.0, 0.1)]:
        assert bn.ql_hoeffding_bonus(t, H, iota, c) == pytest.approx(
            c * math.sqrt(H ** 3 * iota / t), rel=1e-14)


def _beta(t, H, S, A, iota, W, c1, c2):
    if t <= 0:
        return 0.0
    first = c1 * (math.sqrt((H / t) * (W + H) * iota) + math.sqrt(H ** 7 * S * A) * iota / t)
    second = c2 * math.sqrt(H ** 3 * iota / t)
    return min(first, second)


def test_bernstein_beta_on_both_sides_of_its_min():
    """``beta_t = min{c1 (sqrt((H/t)(W+H) iota) + sqrt(H^7 S A) iota / t), c2 sqrt(H^3 iota/t)}``:
    at parameters where the first side is smaller (``c1`` small) and where the second is
    (``c2`` small), with distinct ``H``, ``S``, ``A``, ``W`` and ``iota``; ``beta_0 = 0``."""
    H, S, A, iota, W = 3, 2, 5, 0.7, 1.3
    for t in (1, 2, 9, 250):
        first = math.sqrt((H / t) * (W + H) * iota) + math.sqrt(H ** 7 * S * A) * iota / t
        second = math.sqrt(H ** 3 * iota / t)
        c1 = 0.01 * second / first  # the first side decides
        got = bn.ql_bernstein_beta(t, H, S, A, iota, W, c1, 1.0)
        assert got == pytest.approx(c1 * first, rel=1e-13)
        assert got == pytest.approx(_beta(t, H, S, A, iota, W, c1, 1.0), rel=1e-13)
        c2 = 0.01 * first / second  # the second side decides
        got = bn.ql_bernstein_beta(t, H, S, A, iota, W, 1.0, c2)
        assert got == pytest.approx(c2 * second, rel=1e-13)
        # both constants at 1: whichever is smaller
        assert bn.ql_bernstein_beta(t, H, S, A, iota, W, 1.0, 1.0) == pytest.approx(
            min(first, second), rel=1e-13)
    assert bn.ql_bernstein_beta(0, H, S, A, iota, W, 1.0, 1.0) == 0.0
    assert bn.ql_bernstein_beta(-1, H, S, A, iota, W, 1.0, 1.0) == 0.0
    # W enters only the first side: with the first side deciding, W moves beta
    t, c1 = 4, 1e-3
    a = bn.ql_bernstein_beta(t, H, S, A, iota, 0.0, c1, 1.0)
    b = bn.ql_bernstein_beta(t, H, S, A, iota, 5.0, c1, 1.0)
    assert a == pytest.approx(_beta(t, H, S, A, iota, 0.0, c1, 1.0), rel=1e-13)
    assert b == pytest.approx(_beta(t, H, S, A, iota, 5.0, c1, 1.0), rel=1e-13)
    assert b > a


def test_bernstein_bonus_is_algorithm_2():
    """``b_t = (beta_t - (1 - alpha_t) beta_{t-1}) / (2 alpha_t)`` at several ``alpha_t`` below 1
    and with ``beta_{t-1}`` non-zero (at ``alpha_t = 1`` it is ``beta_t / 2``)."""
    for beta_t, beta_prev, alpha in [(3.0, 2.0, 0.25), (1.0, 4.0, 0.6), (0.5, 0.0, 0.1)]:
        assert bn.ql_bernstein_bonus(beta_t, beta_prev, alpha) == pytest.approx(
            (beta_t - (1 - alpha) * beta_prev) / (2 * alpha), rel=1e-14)
    assert bn.ql_bernstein_bonus(3.0, 7.0, 1.0) == pytest.approx(1.5, rel=1e-15)


# -- learners.py: the run records ---------------------------------------------------------------
def _one_stage_mdp():
    """``H = 1``, two states, two actions: the one-stage case, where a ``(1, S, A)`` table has
    the shape of a ``(H, S, A)`` one."""
    from rlcert.mdp import FiniteHorizonMDP

    P = np.array([[[0.5, 0.5], [1.0, 0.0]], [[0.0, 1.0], [0.3, 0.7]]])
    R = np.array([[0.2, 0.9], [0.6, 0.1]])
    return FiniteHorizonMDP(P, R, 1, initial=np.array([0.5, 0.5]))


@pytest.mark.parametrize("cls", ["UCBVICH", "OptimisticQLearning", "Greedy"])
def test_margins_are_nan_unless_optimism_is_recorded(cls):
    """``transcript``'s docstring: ``margins`` is ``min (Q_k - Q*)`` when ``record_optimism``,
    else NaN; at ``H = 1`` too (where an empty ``Q*`` placeholder of the wrong length would look
    like a real ``(H, S, A)`` table). With recording, the first episode's margin is the
    initial table's: ``H - max Q* = 1 - 0.9`` for the optimistic learners (``Q = H``
    everywhere), ``0 - max Q* = -0.9`` for greedy (``Q = 0`` on unvisited pairs)."""
    from rlcert.estimators.episodic import learners

    m = _one_stage_mdp()
    learner = getattr(learners, cls)()
    tr = learner.transcript(m, n_episodes=5, seed=3)
    assert np.isnan(tr["margins"]).all()
    rec = learner.transcript(m, n_episodes=5, seed=3, record_optimism=True)
    assert np.isfinite(rec["margins"]).all()
    first = 1.0 - 0.9 if cls != "Greedy" else -0.9
    assert rec["margins"][0] == pytest.approx(first, abs=1e-12)


def test_greedy_is_named_eps_greedy_only_when_it_explores():
    """``Greedy``: ``epsilon > 0`` plays a random action with probability ``epsilon``; at
    ``epsilon = 0`` it never explores, so its runs are recorded as plain ``"greedy"``."""
    from rlcert.estimators.episodic.learners import Greedy

    assert Greedy().algorithm == "greedy"
    assert Greedy(epsilon=0.0, epsilon_decay=0.5).algorithm == "greedy"
    assert Greedy(epsilon=1e-9).algorithm == "eps-greedy"
    res = Greedy().run(_one_stage_mdp(), n_episodes=2, seed=0)
    assert res.algorithm == "greedy"


# -- bandits/_kernels.py: the step functions, called directly ----------------------------------
# The kernels write into caller-owned arrays and are compiled without bounds checks; each output
# below is a view ``buf[:k]`` of a longer buffer whose extra entry holds a sentinel, so a write
# past the ``k`` entries the kernel owns shows as a changed sentinel.
SENTINEL = 12345.0


def _guarded(values, dtype=float):
    buf = np.empty(len(values) + 1, dtype=dtype)
    buf[:-1] = values
    buf[-1] = SENTINEL
    return buf


@pytest.mark.parametrize("s", [1, 3, 7, 40])
def test_ucb1_indices_are_figure_1_and_stay_in_their_k_entries(s):
    """``index_all``: during the first ``k`` steps ``+inf`` for an unplayed arm and ``-inf`` for
    a played one; from step ``k`` on ``x_bar_j + c sqrt(2 ln s / n_j)`` (Auer et al. 2002, UCB1,
    the docstring's formula), written to exactly ``k`` entries."""
    from rlcert.estimators.bandits import _kernels as K

    k = 3
    counts_buf = _guarded([1, 0, 1] if s < k else [2, 5, 1], dtype=np.int64)
    sums_buf = _guarded([0.5, 0.0, 1.0] if s < k else [1.5, 2.0, 0.25])
    out_buf = _guarded([0.0] * k)
    counts_buf[-1] = 0
    K.index_all(counts_buf[:k], sums_buf[:k], s, K.RULE_UCB1, 0.7, 0.0, out_buf[:k])
    assert out_buf[-1] == SENTINEL
    if s < k:
        assert list(out_buf[:k]) == [-np.inf, np.inf, -np.inf]
    else:
        want = [x / n + 0.7 * math.sqrt(2.0 * math.log(s) / n)
                for x, n in ((1.5, 2), (2.0, 5), (0.25, 1))]
        np.testing.assert_allclose(out_buf[:k], want, rtol=1e-13, atol=0)


@pytest.mark.parametrize("rule, rate", [(0, 0.3), (1, 0.8)])
def test_exp3_probabilities_are_the_papers_and_stay_in_their_k_entries(rule, rate):
    """``p_j = (1 - gamma) w_j / sum w + gamma / k``, ``w = exp(state)`` (Auer et al. 2002,
    EXP3), or ``exp(eta S_j) / sum exp(eta S_i)`` (Lattimore and Szepesvari 2020, Alg. 9),
    written to exactly ``k`` entries."""
    from rlcert.estimators.bandits import _kernels as K

    state = np.array([0.4, -1.1, 2.0, 0.0])
    k = state.size
    p_buf = _guarded([0.0] * k)
    K.exp3_probabilities(state, rule, rate, p_buf[:k])
    assert p_buf[-1] == SENTINEL
    if rule == K.RULE_EXP3_AUER:
        w = [math.exp(x) for x in state]
        want = [(1 - rate) * wj / sum(w) + rate / k for wj in w]
    else:
        w = [math.exp(rate * x) for x in state]
        want = [wj / sum(w) for wj in w]
    np.testing.assert_allclose(p_buf[:k], want, rtol=1e-13, atol=0)


def test_exp3_updates_are_the_papers_estimates():
    """``ln w_a += gamma (r / p_a) / k`` (Auer et al.) and ``S_j += 1 - 1{j = a} (1 - r) / P_a``
    (Lattimore and Szepesvari, the importance-weighted reward estimate): the state itself, not
    only the probabilities it induces (a common shift of ``S`` leaves them unchanged)."""
    from rlcert.estimators.bandits import _kernels as K

    p = np.array([0.1, 0.6, 0.3])
    state = np.array([0.5, -0.2, 1.0])
    K.exp3_update(state, K.RULE_EXP3_AUER, 0.3, p, 2, 0.75)
    np.testing.assert_allclose(state, [0.5, -0.2, 1.0 + 0.3 * (0.75 / 0.3) / 3], rtol=1e-15)
    state = np.array([0.5, -0.2, 1.0])
    K.exp3_update(state, K.RULE_EXP3_LS, 0.8, p, 0, 0.75)
    np.testing.assert_allclose(state, [0.5 + 1 - 0.25 / 0.1, -0.2 + 1, 1.0 + 1], rtol=1e-15)


def test_epsilon_greedy_breaks_ties_to_the_lowest_arm():
    """``epsilon_greedy_select`` at ``eps = 0``: the largest empirical mean, an unplayed arm
    counting as ``+inf``, ties to the lowest-numbered arm (its docstring)."""
    from rlcert.estimators.bandits import _kernels as K

    rng = np.random.default_rng(0)
    sums = np.array([1.0, 3.0, 3.0, 0.5])
    assert K.epsilon_greedy_select(np.array([2, 3, 3, 1]), sums, 0.0, rng) == 1
    assert K.epsilon_greedy_select(np.array([2, 0, 3, 0]), sums, 0.0, rng) == 1
    assert K.epsilon_greedy_select(np.array([1, 1, 1, 1]), np.full(4, 0.5), 0.0, rng) == 0


# -- episodic/_loop.py ---------------------------------------------------------------------------
@pytest.mark.parametrize("H, S, A", [(1, 1, 1), (1, 5, 3), (2, 4, 2), (7, 3, 6)])
def test_state_bytes_covers_the_learner_state(H, S, A):
    """``state_bytes`` is what the memory checks charge for :func:`new_state`; it must be at
    least the bytes of the arrays ``new_state`` allocates (counted here from the arrays), at
    ``H = 1`` as well, where the ``(S, A)`` tables weigh as much as the ``(H, S, A)`` ones."""
    from rlcert.estimators.episodic import _loop

    actual = sum(a.nbytes for a in _loop.new_state(H, S, A))
    assert _loop.state_bytes(H, S, A) >= actual


# -- generative/sampler.py -----------------------------------------------------------------------
def test_single_draw_counts_follow_the_row():
    """``sample_counts`` with ``n = 1``: one Multinomial(1, p) draw per pair, i.e. one next state
    with probability ``p``. Over 400 seeds of the row ``(0.5, 0.25, 0.25)`` every state appears,
    each frequency within 5 standard errors of its probability, and every row sums to 1 (a
    binomial chain that drops the single remaining draw sends it all to the last state)."""
    from rlcert.estimators.generative.sampler import sample_counts
    from rlcert.mdp import TabularMDP

    p = np.array([0.5, 0.25, 0.25])
    m = TabularMDP(np.tile(p, (3, 1, 1)), np.zeros((3, 1)), 0.9)
    reps = np.array([sample_counts(m, 1, seed=i) for i in range(400)]).reshape(-1, 3)
    assert np.all(reps.sum(axis=1) == 1)
    freq = reps.mean(axis=0)
    se = np.sqrt(p * (1 - p) / reps.shape[0])
    assert np.all(np.abs(freq - p) <= 5 * se)


@pytest.mark.parametrize("n, want", [(3.0, 3), (1e4, 10_000), (np.float64(7.0), 7), (5, 5)])
def test_integral_float_sample_sizes_are_their_integer(n, want):
    """``check_samples`` takes "a positive integer number of samples": a float that is an
    integer (a budget written ``1e4``) is that integer, for the functions and the sampler's
    budget alike (non-integral floats are refused, ``tests/test_generative.py``)."""
    from rlcert.estimators.generative.sampler import Sampler, check_samples, sample_counts
    from rlcert.mdp import TabularMDP

    assert check_samples(n) == want and type(check_samples(n)) is int
    m = TabularMDP(np.full((2, 1, 2), 0.5), np.zeros((2, 1)), 0.9)
    assert sample_counts(m, n, seed=0).sum(axis=2).tolist() == [[want], [want]]
    assert Sampler(m, seed=0, budget=n).remaining == want


def test_tally_counts_every_next_state_handed_out():
    """``Sampler(tally=True)``: ``tally[s, a, s']`` counts the next states handed out, by
    ``synchronous`` rounds, single-pair calls and ``counts`` alike; rebuilt here from the
    returned draws with ``numpy.bincount`` (every pair, the last state and action included)."""
    from rlcert.estimators.generative.sampler import Sampler
    from rlcert.mdp import TabularMDP

    S, A = 3, 2
    rng = np.random.default_rng(1)
    m = TabularMDP(rng.dirichlet(np.ones(S), size=(S, A)), np.zeros((S, A)), 0.9)
    smp = Sampler(m, seed=4, tally=True)
    want = np.zeros((S, A, S), dtype=np.int64)
    rounds = smp.synchronous(40)
    for s in range(S):
        for a in range(A):
            want[s, a] += np.bincount(rounds[:, s, a], minlength=S)
    assert np.array_equal(smp.tally, want)
    want[S - 1, A - 1] += np.bincount(smp(S - 1, A - 1, 25), minlength=S)
    want += smp.counts(7)
    assert np.array_equal(smp.tally, want)
    assert want.sum() == 40 * S * A + 25 + 7 * S * A


@pytest.mark.parametrize("h", [0, 1, 2])
def test_observe_step_counts_the_arrival_stage(h):
    """``observe_step`` at stage ``h`` of ``(s, a, r, s')``: one more visit of ``(s, a)``, of
    ``(s, a, s')`` and reward ``r`` (``new_state``'s tables 0-2), and ``N'_{h+1}(s')`` (table
    3, visits of a state at a stage, UCBVI-BF's ``N'``), plus ``N'_0(s)`` for the start of an
    episode (``h = 0``); nothing else."""
    from rlcert.estimators.episodic import _loop

    H, S, A = 3, 3, 2
    state = _loop.new_state(H, S, A)
    params = np.zeros(len(_loop.PARAM_NAMES))
    params[_loop.P_DELTA], params[_loop.P_SCALE], params[_loop.P_T] = 0.1, 1.0, 30.0
    _loop.observe_step(_loop.UCBVI_BF, state, h, 2, 1, 0.25, 0, H, S, A, params,
                       np.random.default_rng(0))
    want_sa = np.zeros((S, A), np.int64)
    want_sa[2, 1] = 1
    want_sas = np.zeros((S, A, S), np.int64)
    want_sas[2, 1, 0] = 1
    want_hs = np.zeros((H + 1, S), np.int64)
    want_hs[h + 1, 0] = 1
    if h == 0:
        want_hs[0, 2] = 1
    assert np.array_equal(state[0], want_sa)
    assert np.array_equal(state[1], want_sas)
    assert state[2][2, 1] == 0.25 and state[2].sum() == 0.25
    assert np.array_equal(state[3], want_hs)
