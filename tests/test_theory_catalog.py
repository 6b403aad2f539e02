"""The theorem catalog and its numbers: required ids, the schema's refusals, each explicit card
against the source's printed formula written out by hand, rates, monotonicity, upper >= lower,
inversion round trips, comparison tables."""

import dataclasses
import math

import numpy as np
import pytest
import sympy as sp
from hypothesis import assume, given
from hypothesis import strategies as st

from rlcert import theory
from rlcert.bounds import BoundError, convert_T, evaluate, invert, selfcheck
from rlcert.bounds.compare import compare
from rlcert.bounds.evaluate import _compile
from rlcert.mdp import TabularMDP, evaluate_policy, greedy, instances, kernels, q_from_v, solve
from rlcert.theory import Card, CardError, Condition, Reference
from rlcert.theory import registry as reg
from rlcert.theory.symbols import delta, n

REQUIRED = """planning.vi_iterations planning.greedy_loss planning.pi_iterations
generative.azar2013.upper generative.azar2013.lower generative.agarwal2020.upper
generative.li2020.upper average.wang2023.upper average.wang2023.lower
average.jin_sidford2020.upper average.jin_sidford2021.upper regret.ucrl2.upper regret.ucrl2.lower
regret.ucbvi_ch.upper regret.ucbvi_bf.upper regret.qlearning_ucb_h.upper
regret.qlearning_ucb_b.upper regret.episodic_stationary.lower regret.episodic_stage.lower
regret.lsvi_ucb.upper regret.horizon_free_linear_mixture.upper regret.omg_cmdp.upper pac.rmax
pac.mbie_eb pac.layered_ax bandit.ucb1.upper bandit.exp3.upper bandit.klucb.upper
bandit.lai_robbins.lower cvar.lowrank.upper robust.r2pvi.upper robust.generative.tv.upper
robust.generative.kl.upper pg.softmax.upper pg.npg.upper pg.npg_igt.upper pg.harpg.upper
concentration.hoeffding concentration.bernstein concentration.empirical_bernstein
concentration.weissman_l1 concentration.kl_bernoulli concentration.freedman
bandit.klucb_c3.upper bandit.thompson.upper concentration.self_normalized
linear.elliptical_potential""".split()


def test_every_required_card_exists_with_a_reference():
    for cid in REQUIRED:
        card = theory.get(cid)
        assert card.reference.authors and card.reference.year and card.reference.locator
    time_uniform = [c for c in theory.cards(setting="concentration") if "time" in c.card_id]
    assert time_uniform


def test_lookup_filters_and_search():
    assert all(c.kind == "lower" for c in theory.cards(kind="lower"))
    assert {c.setting for c in theory.cards(setting="bandit")} == {"bandit"}
    assert "regret.ucrl2.upper" in [c.card_id for c in theory.search("jaksch regret")]
    with pytest.raises(reg.UnknownCardError, match="did you mean regret.ucrl2.upper"):
        theory.get("regret.ucrl2.uper")
    with pytest.raises(ValueError, match="setting"):
        theory.cards(setting="nope")


def test_matches_point_both_ways_within_a_setting_and_units():
    for card in theory.cards():
        if card.matches:
            other = theory.get(card.matches)
            assert other.kind != card.kind
            assert other.quantity == card.quantity
            assert other.samples_unit == card.samples_unit


def test_T_units_are_declared_and_convert():
    for card in theory.cards():
        if "T" in card.symbol_names:
            assert card.T_unit in ("steps", "episodes")
    assert theory.get("regret.qlearning_ucb_h.upper").T_unit == "steps"
    assert theory.get("regret.episodic_stage.lower").T_unit == "episodes"
    assert convert_T(100, "episodes", "steps", H=20) == 2000
    assert convert_T(2000, "steps", "episodes", H=20) == 100
    with pytest.raises(BoundError, match="from_unit"):
        convert_T(1, "days", "steps", H=2)


# -- the schema refuses malformed cards ---------------------------------------------------------------
def _card(**overrides):
    base = dict(card_id="test.card", title="t", setting="concentration", kind="upper",
                quantity="width", expr=sp.sqrt(sp.log(1 / delta) / n), guarantee="high_probability",
                constants="explicit", rate={"n": (-0.5, 0.0)},
                domain=(Condition.interval("n", 1, None), Condition.interval("delta", 0, 1)),
                reference=Reference("A", 2000, "T", "V", "Thm 1"), verification="derived: test",
                example=dict(n=10, delta=0.1))
    base.update(overrides)
    return Card(**base)


@pytest.mark.parametrize("overrides, message", [
    (dict(setting="astrology"), "setting"),
    (dict(kind="sideways"), "kind"),
    (dict(constants="guessed"), "constants"),
    (dict(verification=""), "verification"),
    (dict(example=dict(n=10)), "example misses"),
    (dict(rate={"K": (1.0, 0.0)}), "rate names"),
    (dict(domain=(Condition.interval("T", 1, None),)), "does not"),
    (dict(expr=sp.Symbol("T", positive=True) * delta, example=dict(T=1, delta=0.1),
          rate={}, domain=()), "T_unit"),
    (dict(expr=sp.sqrt(1 / n), example=dict(n=3), domain=(), rate={}), "must involve delta"),
])
def test_malformed_cards_are_refused(overrides, message):
    with pytest.raises(CardError, match=message):
        _card(**overrides)


# -- explicit cards against the printed formulas --------------------------------------------------------
@pytest.mark.parametrize("D, S, A, T, d", [(10, 6, 2, 1e6, 0.05), (3.5, 20, 4, 123456.0, 0.001)])
def test_ucrl2_upper_by_hand(D, S, A, T, d):
    assert evaluate("regret.ucrl2.upper", D=D, S=S, A=A, T=T, delta=d) == pytest.approx(
        34 * D * S * math.sqrt(A * T * math.log(T / d)), rel=1e-12)


@pytest.mark.parametrize("D, S, A, T", [(40, 10, 10, 1e7), (100, 31, 17, 1e9)])
def test_ucrl2_lower_by_hand(D, S, A, T):
    expected = 0.015 * math.sqrt(D / 4 * (S // 2) * ((A - 1) // 2) * T)
    assert evaluate("regret.ucrl2.lower", D=D, S=S, A=A, T=T) == pytest.approx(expected, rel=1e-12)


def test_ucrl2_lower_domain_is_enforced():
    with pytest.raises(BoundError, match="T >= D S A"):
        evaluate("regret.ucrl2.lower", D=40, S=10, A=10, T=100)
    with pytest.raises(BoundError, match="S=9 is not in"):
        evaluate("regret.ucrl2.lower", D=40, S=9, A=10, T=1e7)


@pytest.mark.parametrize("n_, gaps", [(100, [0.1, 0.3]), (1e6, [0.05, 0.2, 0.5, 0.9])])
def test_ucb1_by_hand(n_, gaps):
    expected = 8 * sum(math.log(n_) / g for g in gaps) + (1 + math.pi ** 2 / 3) * sum(gaps)
    assert evaluate("bandit.ucb1.upper", n=n_, Delta=gaps) == pytest.approx(expected, rel=1e-12)


def test_ucb1_vectorised_over_n():
    ns = np.array([10.0, 1e3, 1e5])
    out = evaluate("bandit.ucb1.upper", n=ns, Delta=[0.2, 0.4])
    expected = [8 * (math.log(x) / 0.2 + math.log(x) / 0.4) + (1 + math.pi ** 2 / 3) * 0.6 for x in ns]
    np.testing.assert_allclose(out, expected, rtol=1e-12)
    with pytest.raises(BoundError, match="Delta=0 is not in"):
        evaluate("bandit.ucb1.upper", n=10, Delta=[0.0, 0.2])


@pytest.mark.parametrize("n_, k", [(1e4, 10), (37, 2)])
def test_exp3_by_hand(n_, k):
    assert evaluate("bandit.exp3.upper", n=n_, k=k) == pytest.approx(
        math.sqrt(2 * n_ * k * math.log(k)), rel=1e-12)


@pytest.mark.parametrize("n_, gaps, kls", [(1e4, [0.1, 0.3], [0.02, 0.2]), (50, [0.5], [0.7])])
def test_lai_robbins_by_hand(n_, gaps, kls):
    assert evaluate("bandit.lai_robbins.lower", n=n_, Delta=gaps, KL=kls) == pytest.approx(
        sum(g * math.log(n_) / k for g, k in zip(gaps, kls)), rel=1e-12)


@pytest.mark.parametrize("S, A, g, e, d", [(10, 2, 0.9, 0.1, 0.01), (50, 5, 0.99, 2.0, 1e-4)])
def test_azar_lower_by_hand(S, A, g, e, d):
    N = S * A
    expected = N / (8100 * (1 - g) ** 3 * e ** 2) * math.log(N / (72 * d))
    assert evaluate("generative.azar2013.lower", S=S, A=A, gamma=g, eps=e, delta=d) == \
        pytest.approx(expected, rel=1e-10)


@pytest.mark.parametrize("S, A, g, e, d", [(10, 2, 0.9, 0.1, 0.05), (3, 7, 0.99, 1.0, 0.001)])
def test_panaganti_kalathil_by_hand(S, A, g, e, d):
    tv = 72 * g ** 2 * S / ((1 - g) ** 4 * e ** 2) * math.log(144 * g * S * A / (d * e * (1 - g) ** 2))
    assert evaluate("robust.generative.tv.upper", S=S, A=A, gamma=g, eps=e, delta=d) == \
        pytest.approx(tv, rel=1e-10)
    rho = 0.7
    chi = (64 * g ** 2 * (2 * rho + 1) * S / ((1 - g) ** 4 * e ** 2)
           * math.log(192 * S * A * g / (d * e * (1 - g) ** 2)))
    assert evaluate("robust.generative.chi2.upper", S=S, A=A, gamma=g, eps=e, delta=d,
                    rho=rho) == pytest.approx(chi, rel=1e-10)


@pytest.mark.parametrize("A, eta, g, t", [(4, 1.0, 0.9, 1000), (2, 0.1, 0.99, 7)])
def test_npg_by_hand(A, eta, g, t):
    assert evaluate("pg.npg.upper", A=A, eta=eta, gamma=g, t=t) == pytest.approx(
        math.log(A) / (eta * t) + 1 / ((1 - g) ** 2 * t), rel=1e-12)


@pytest.mark.parametrize("g, e", [(0.9, 1e-3), (0.5, 0.2)])
def test_greedy_loss_by_hand(g, e):
    assert evaluate("planning.greedy_loss", gamma=g, eps=e) == pytest.approx(2 * g * e / (1 - g))


def test_greedy_loss_is_attained_on_a_two_state_example():
    """x and y, each with an optimal action (reward r, to x) and a worse one (reward r - d, to y).
    With V = V* - eps at x and + eps at y the greedy policy goes to y and stays there, losing
    d/(1-gamma), which tends to the card's 2 gamma eps/(1-gamma) as d -> 2 gamma eps."""
    g, e, r = 0.9, 0.01, 1.0
    d = 2 * g * e * (1 - 1e-6)
    P = np.zeros((2, 2, 2))
    P[:, 0, 0] = 1.0  # optimal action: to x
    P[:, 1, 1] = 1.0  # worse action: to y
    R = np.array([[r, r - d], [r, r - d]])
    m = TabularMDP(P, R, g)
    V_star = solve(m, tol=1e-12).V
    V = V_star + np.array([-e, e])
    pi, _ = greedy(q_from_v(m, V))
    loss = np.max(V_star - evaluate_policy(m, pi))
    bound = evaluate("planning.greedy_loss", gamma=g, eps=e)
    assert loss <= bound
    assert loss >= 0.999 * bound


@pytest.mark.parametrize("gamma_", [0.5, 0.9, 0.99])
def test_vi_iterations_card_suffices_on_random_mdps(gamma_):
    eps_ = 1e-4
    for seed in range(3):
        m = instances.garnet(30, 3, 4, seed=seed, gamma=gamma_)
        R_max = float(m.R.max())
        k = math.ceil(evaluate("planning.vi_iterations", R_max=R_max, eps=eps_, gamma=gamma_))
        V_star = solve(m, tol=1e-12).V
        V = np.zeros(m.n_states)
        Q, Vn, pi = np.empty((30, 3)), np.empty(30), np.empty(30, np.int64)
        for _ in range(k):
            kernels.bellman_backup(m.operand, 0, m._R, gamma_, V, Q, Vn, pi)
            V, Vn = Vn.copy(), V
        assert np.max(np.abs(V - V_star)) <= eps_


# -- self-checks: rates, monotonicity, inversion, upper >= lower ------------------------------------------
def test_all_self_checks_pass():
    failures = [str(r) for r in selfcheck.run_all() if not r.passed]
    assert failures == []


def test_rate_check_has_power():
    hoeffding = theory.get("concentration.hoeffding")
    wrong_power = dataclasses.replace(hoeffding, rate={"n": (-1.0, 0.0)})
    assert not all(r.passed for r in selfcheck.check_rate(wrong_power))
    wrong_log = dataclasses.replace(hoeffding, rate={"delta": (0.0, 1.0)})
    assert not all(r.passed for r in selfcheck.check_rate(wrong_log))
    assert all(r.passed for r in selfcheck.check_rate(hoeffding))


def test_monotone_check_has_power():
    card = theory.get("concentration.hoeffding")
    wrong = dataclasses.replace(card, rate={"n": (0.5, 0.0)})  # claims growth in n
    assert not all(r.passed for r in selfcheck.check_monotone(wrong))


@st.composite
def ucrl2_points(draw):
    S = draw(st.integers(10, 200))
    A = draw(st.integers(10, 50))
    D = draw(st.floats(max(12.0, 20 * math.log(S) / math.log(A)), 1e4))
    T = draw(st.floats(D * S * A * (1 + 1e-9), 1e12))
    d = draw(st.floats(1e-6, 0.5))
    return dict(S=S, A=A, D=D, T=T, delta=d)


@given(point=ucrl2_points())
def test_ucrl2_upper_exceeds_lower_on_both_domains(point):
    """High-probability upper vs expectation lower: E[R] <= U + delta * T (regret <= T)."""
    margin = selfcheck.upper_minus_lower("regret.ucrl2.upper", point)
    assert margin is not None and margin >= 0


def test_no_explicit_pair_is_left_unchecked():
    for card in theory.cards(kind="upper"):
        for res in selfcheck.check_matches(card):
            assert res.passed, res


@given(target=st.floats(1e-3, 0.5), dlt=st.floats(1e-8, 0.5), b=st.floats(0.1, 10))
def test_inversion_round_trip(target, dlt, b):
    assume(target < evaluate("concentration.hoeffding", n=1, delta=dlt, b=b))
    root = invert("concentration.hoeffding", "n", target, delta=dlt, b=b)
    # n counts samples: the real root is checked on the formula's continuous extension
    assert evaluate("concentration.hoeffding", continuous=True, n=root, delta=dlt,
                    b=b) == pytest.approx(target, rel=1e-9)
    n_int = invert("concentration.hoeffding", "n", target, integer=True, delta=dlt, b=b)
    assert evaluate("concentration.hoeffding", n=n_int, delta=dlt, b=b) <= target
    if n_int > 1:
        assert evaluate("concentration.hoeffding", n=n_int - 1, delta=dlt, b=b) > target


def test_inversion_in_gamma_uses_the_effective_horizon():
    v = evaluate("generative.li2020.upper", S=10, A=2, gamma=0.999, eps=0.5, delta=0.05)
    g = invert("generative.li2020.upper", "gamma", v, S=10, A=2, eps=0.5, delta=0.05)
    assert g == pytest.approx(0.999, abs=1e-12)


def test_inversion_refuses_unattained_targets():
    with pytest.raises(BoundError, match="not attained"):
        invert("concentration.hoeffding", "delta", 1e-6, n=10, b=1.0)  # widths >= 0.26 there
    with pytest.raises(BoundError, match="solve_for"):
        invert("concentration.hoeffding", "q", 0.1, n=10, b=1.0)


def test_inversion_refuses_a_non_monotone_bound(monkeypatch):
    x = sp.Symbol("n", positive=True)
    wiggly = _card(card_id="test.wiggly", expr=(sp.sin(sp.log(x)) + 2) * sp.sqrt(sp.log(1 / delta)),
                   rate={}, example=dict(n=10, delta=0.1))
    monkeypatch.setitem(reg._REGISTRY, "test.wiggly", wiggly)
    _compile.cache_clear()
    try:
        with pytest.raises(BoundError, match="not monotone"):
            invert("test.wiggly", "n", 2.0 * math.sqrt(math.log(10)), delta=0.1)
    finally:
        _compile.cache_clear()


def test_evaluate_errors_name_the_parameter():
    with pytest.raises(BoundError, match=r"delta=1.5 is not in \(0, 1\)"):
        evaluate("concentration.hoeffding", n=10, delta=1.5, b=1)
    with pytest.raises(BoundError, match=r"needs b \(almost-sure bound"):
        evaluate("concentration.hoeffding", n=10, delta=0.5)
    with pytest.raises(BoundError, match="has no parameter"):
        evaluate("concentration.hoeffding", n=10, delta=0.5, b=1, S=3)
    with pytest.raises(BoundError, match="different lengths"):
        evaluate("bandit.lai_robbins.lower", n=10, Delta=[0.1, 0.2], KL=[0.1])


def test_compare_puts_each_upper_next_to_its_lower_and_flags_units():
    table = compare(["regret.ucrl2.lower", "regret.ucrl2.upper", "bandit.exp3.upper"],
                    D=40, S=10, A=10, T=1e7, delta=0.05, n=1e4, k=10)
    ids = [r.card_id for r in table.rows]
    assert ids == ["regret.ucrl2.lower", "regret.ucrl2.upper", "bandit.exp3.upper"] or \
        ids.index("regret.ucrl2.lower") == ids.index("regret.ucrl2.upper") + 1
    upper = next(r for r in table.rows if r.card_id == "regret.ucrl2.upper")
    lower = next(r for r in table.rows if r.card_id == "regret.ucrl2.lower")
    assert upper.ratio_to_match == pytest.approx(upper.value / lower.value)
    text = str(table)
    assert "regret.ucrl2.upper" in text and "upper/lower" in text
    assert "\\begin{tabular}" in table.to_latex()
    mixed = compare(["regret.ucbvi_bf.upper", "regret.episodic_stationary.lower"],
                    H=20, S=6, A=2, T=1e6)
    assert "units differ" in mixed.rows[0].note and mixed.rows[0].ratio_to_match is None
    missing = compare(["bandit.exp3.upper"], n=10)
    assert missing.rows[0].value is None and "k" in missing.rows[0].note


def test_card_presentations():
    card = theory.get("bandit.ucb1.upper")
    text = card.describe()
    assert "Auer" in text and "expectation" in text and "constants checked: primary" in text
    assert "\\sum" in card.latex() and "\\log" in card.latex()
    d = card.to_dict()
    assert d["constants"] == "explicit" and d["example"]["Delta"] == [0.1, 0.3]
