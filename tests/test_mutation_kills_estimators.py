"""Tests that pin the learners' building blocks to the papers' formulas, written to kill the
survivors of the mutation runs of ``dev/mutate.py`` (see ``dev/MUTATION.md``).

Expected values are the printed formulas of Azar, Osband and Munos (2017, Algorithms 3 and 4) and
Jin, Allen-Zhu, Bubeck and Jordan (2018, eq. (3), Algorithms 1 and 2), re-typed in plain ``math``
at points chosen so that each branch (each side of a ``min``, the unvisited and the zero-count
cases) is the one that decides.
"""

import math

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
        math.sqrt(8 * 1e-300 * var / N) + 14 * H * 1e-300 / (3 * N), rel=1e-12)
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
