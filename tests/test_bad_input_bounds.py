"""Bad input at the public entry points of rlcert.bounds and rlcert.theory: every refusal is a
ValueError subclass (BoundError, CardError, UnknownCardError, UnknownSymbolError) whose message
names the argument and the bad value.

The widths are checked on both paths: called from Python (the card's domain, with the value in
the message) and compiled into numba code (where each formula is defined, with the argument named).
Accepted edge cases are checked against the card or a closed form.
"""

import math

import numpy as np
import pytest
from numba import njit

from rlcert import theory
from rlcert.bounds import BoundError, convert_T, evaluate, invert
from rlcert.bounds import concentration as conc
from rlcert.bounds.compare import compare
from rlcert.bounds.indices import kl_upper_newton
from rlcert.theory.card import CardError, Condition, Card, Reference
from rlcert.theory.registry import UnknownCardError
from rlcert.theory.symbols import UnknownSymbolError, is_integer

AZAR = dict(S=10, A=2, gamma=0.9, eps=0.1, delta=0.05)


def refused(exc, call, *fragments):
    assert issubclass(exc, ValueError)
    with pytest.raises(exc) as info:
        call()
    msg = str(info.value)
    for f in fragments:
        assert f in msg, f"{f!r} not in {msg!r}"
    return msg


def case(call, exc, *fragments, id=None):
    return pytest.param(call, exc, fragments, id=id)


# -- evaluate / invert / compare / convert_T -------------------------------------------------------
EVALUATE_CASES = [
    case(lambda: evaluate("generative.azar2013.upper", **{**AZAR, "S": 2.5}), BoundError,
         "S (number of states) must be an integer, got S=2.5", id="S=2.5"),
    case(lambda: evaluate("generative.azar2013.upper", **{**AZAR, "A": 2.5}), BoundError,
         "A (number of actions", "A=2.5", id="A=2.5"),
    case(lambda: evaluate("concentration.hoeffding", n=10.5, delta=0.05, b=1.0), BoundError,
         "n (number of samples, pulls or rounds) must be an integer, got n=10.5", id="n=10.5"),
    case(lambda: evaluate("concentration.hoeffding", n=np.array([10, 10.5]), delta=0.05, b=1.0),
         BoundError, "n=10.5", id="n array with 10.5"),
    case(lambda: evaluate("concentration.weissman_l1", n=100, delta=0.05, S=2.5), BoundError,
         "S=2.5", id="weissman S"),
    case(lambda: evaluate("bandit.ucb1.upper", n=1000.5, Delta=[0.1, 0.2]), BoundError, "n=1000.5",
         id="ucb1 n"),
    case(lambda: evaluate("concentration.hoeffding", n=True, delta=0.05, b=1.0), BoundError,
         "n must be a real number or an array of them, got a boolean", id="bool n"),
    case(lambda: evaluate("concentration.hoeffding", n="100", delta=0.05, b=1.0), BoundError,
         "n must be a real number", "got a string", id="string n"),
    case(lambda: evaluate("concentration.hoeffding", n=100 + 0j, delta=0.05, b=1.0), BoundError,
         "n must be a real number", "complex", id="complex n"),
    case(lambda: evaluate("concentration.hoeffding", n=100, delta=0.05j, b=1.0), BoundError,
         "delta must be a real number", id="complex delta"),
    case(lambda: evaluate("concentration.hoeffding", n=100, delta=None, b=1.0), BoundError,
         "delta must be a real number", id="None delta"),
    case(lambda: evaluate("bandit.ucb1.upper", n=1000, Delta=[]), BoundError,
         "Delta is empty; a vector parameter needs one value per arm", id="empty Delta"),
    case(lambda: evaluate("bandit.ucb1.upper", n=1000, Delta=np.array([0.1, 0.2]) + 1j),
         BoundError, "Delta must be a real number", id="complex Delta"),
    case(lambda: evaluate("bandit.ucb1.upper", n=1000, Delta=[[0.1, 0.2], [0.3]]), BoundError,
         "Delta must be a real number or an array of them", id="ragged Delta"),
    case(lambda: evaluate("concentration.hoeffding", continuous="yes", n=100, delta=0.05, b=1.0),
         BoundError, "continuous must be True or False", id="continuous flag"),
    case(lambda: invert("generative.azar2013.upper", "eps", 1e6,
                        **{k: v for k, v in {**AZAR, "S": 2.5}.items() if k != "eps"}),
         BoundError, "S=2.5", id="invert S=2.5"),
    case(lambda: invert("concentration.hoeffding", "delta", 0.1, n=10.5, b=1.0), BoundError,
         "n=10.5", id="invert n=10.5"),
    case(lambda: invert("concentration.hoeffding", "n", 0.1, delta=1.5, b=1.0), BoundError,
         "delta=1.5 is not in (0, 1)", id="invert delta out of domain"),
    case(lambda: invert("concentration.hoeffding", "n", True, delta=0.05, b=1.0), BoundError,
         "value must be a positive finite number, got True", id="invert value True"),
    case(lambda: invert("concentration.hoeffding", "n", float("nan"), delta=0.05, b=1.0),
         BoundError, "value must be", id="invert value nan"),
    case(lambda: invert("concentration.hoeffding", "n", 0.1, integer="yes", delta=0.05, b=1.0),
         BoundError, "integer must be True or False, got 'yes'", id="invert integer flag"),
    case(lambda: convert_T(100, "episodes", "steps", H=0), BoundError, "H must be an integer >= 1",
         "H=0", id="H=0"),
    case(lambda: convert_T(100, "steps", "episodes", H=-2), BoundError, "H=-2", id="H<0"),
    case(lambda: convert_T(100, "steps", "episodes", H=2.5), BoundError, "H=2.5", id="H=2.5"),
    case(lambda: convert_T(100, "steps", "episodes", H="5"), BoundError, "H must be a real number",
         id="H string"),
    case(lambda: convert_T(-5, "steps", "episodes", H=5), BoundError, "T must be a finite number",
         "T=-5", id="T<0"),
    case(lambda: convert_T(float("nan"), "steps", "episodes", H=5), BoundError, "T=nan", id="T nan"),
    case(lambda: convert_T(1j, "steps", "episodes", H=5), BoundError, "T must be a real number",
         id="T complex"),
    case(lambda: convert_T("100", "steps", "steps", H=5), BoundError, "T must be a real number",
         id="T string, same unit"),
    case(lambda: compare("concentration.hoeffding", n=100, delta=0.05, b=1.0), BoundError,
         "card_ids must be a list of card ids, got the string", id="compare one string"),
    case(lambda: compare([], n=100), BoundError, "card_ids is empty", id="compare empty"),
    case(lambda: compare([3], n=100), UnknownCardError, "card_id must be a card id (str), got 3",
         id="compare non-string id"),
    case(lambda: evaluate("no.such.card", n=1), UnknownCardError,
         "card_id='no.such.card': no card with this id", id="unknown card"),
]


@pytest.mark.parametrize("call,exc,fragments", EVALUATE_CASES)
def test_bound_arguments_are_checked(call, exc, fragments):
    refused(exc, call, *fragments)


def test_integral_floats_are_counts():
    """1e6 and 100.0 are integers: the same numbers as the ints."""
    assert evaluate("concentration.hoeffding", n=100.0, delta=0.05, b=1.0) == evaluate(
        "concentration.hoeffding", n=100, delta=0.05, b=1.0)
    assert evaluate("bandit.ucb1.upper", n=1e6, Delta=[0.1]) == evaluate(
        "bandit.ucb1.upper", n=10 ** 6, Delta=[0.1])


def test_continuous_extension_on_request():
    """continuous=True evaluates the formula at a real count: Hoeffding's closed form."""
    got = evaluate("concentration.hoeffding", continuous=True, n=10.5, delta=0.05, b=1.0)
    assert got == pytest.approx(math.sqrt(math.log(2 / 0.05) / (2 * 10.5)), rel=1e-12)


def test_compare_notes_a_refused_parameter_and_keeps_the_others():
    c = compare(["concentration.hoeffding", "concentration.kl_bernoulli"], n=10.5, delta=0.05, b=1.0)
    assert all(r.value is None and "n=10.5" in r.note for r in c.rows)
    c = compare(["concentration.hoeffding"], n=10, delta=0.05, b=1.0)
    assert c.rows[0].value == pytest.approx(math.sqrt(math.log(40) / 20), rel=1e-12)


def test_invert_solved_for_count_is_continuous_unless_integer():
    root = invert("concentration.hoeffding", "n", 0.1, delta=0.05, b=1.0)
    assert root == pytest.approx(math.log(40) / (2 * 0.01), rel=1e-9)  # n = ln(2/delta)/(2 eps^2)
    n_int = invert("concentration.hoeffding", "n", 0.1, integer=True, delta=0.05, b=1.0)
    assert n_int == math.ceil(root)


def test_convert_T_accepts_arrays_of_counts():
    np.testing.assert_array_equal(convert_T(np.array([10, 20]), "episodes", "steps", H=5), [50, 100])
    assert convert_T(100, "steps", "episodes", H=np.int64(4)) == 25


# -- concentration widths: Python path ---------------------------------------------------------------
WIDTH_CASES = [
    case(lambda: conc.hoeffding_width(0, 0.05), BoundError, "hoeffding_width: n must be an integer >= 1, got 0", id="hoeffding n=0"),
    case(lambda: conc.hoeffding_width(-5, 0.05), BoundError, "n must be an integer >= 1, got -5", id="hoeffding n<0"),
    case(lambda: conc.hoeffding_width(10.5, 0.05), BoundError, "got 10.5", id="hoeffding n=10.5"),
    case(lambda: conc.hoeffding_width(np.nan, 0.05), BoundError, "n must be a number, got nan", id="hoeffding n nan"),
    case(lambda: conc.hoeffding_width(10j, 0.05), BoundError, "n must be a real number", id="hoeffding n complex"),
    case(lambda: conc.hoeffding_width(True, 0.05), BoundError, "n must be a real number, got True", id="hoeffding n bool"),
    case(lambda: conc.hoeffding_width(np.array([10]), 0.05), BoundError, "n must be a real number", id="hoeffding n array"),
    case(lambda: conc.hoeffding_width(10, 0), BoundError, "delta must be in (0, 1), got 0", id="hoeffding delta=0"),
    case(lambda: conc.hoeffding_width(10, 1.5), BoundError, "got 1.5", id="hoeffding delta>1"),
    case(lambda: conc.hoeffding_width(10, 0.05, -1.0), BoundError, "b must be a finite number in (0, inf), got -1.0", id="hoeffding b<0"),
    case(lambda: conc.bernstein_width(0, 0.05, 0.25), BoundError, "bernstein_width: n", id="bernstein n"),
    case(lambda: conc.bernstein_width(10, 0.05, -0.25), BoundError, "sigma2 must be a finite number in [0, inf), got -0.25", id="bernstein sigma2"),
    case(lambda: conc.bernstein_width(10, 0, 0.25), BoundError, "delta must be in (0, 1)", id="bernstein delta"),
    case(lambda: conc.empirical_bernstein_width(1, 0.05, 0.1), BoundError, "n must be an integer >= 2, got 1", id="emp bernstein n"),
    case(lambda: conc.empirical_bernstein_width(10, 0.05, -0.1), BoundError, "V_n must be", id="emp bernstein V_n<0"),
    case(lambda: conc.empirical_bernstein_width(2, 0.05, 0.6), BoundError, "V_n=0.6 exceeds n / (4 (n - 1)) = 0.5", id="emp bernstein V_n too big"),
    case(lambda: conc.empirical_bernstein_width(10, 0.0, 0.1), BoundError, "delta", id="emp bernstein delta"),
    case(lambda: conc.weissman_l1_width(100, 0.05, 1), BoundError, "S must be an integer >= 2, got 1", id="weissman S=1"),
    case(lambda: conc.weissman_l1_width(100, 0.05, 2.5), BoundError, "S must be an integer >= 2, got 2.5", id="weissman S=2.5"),
    case(lambda: conc.weissman_l1_width(0, 0.05, 3), BoundError, "weissman_l1_width: n", id="weissman n"),
    case(lambda: conc.weissman_l1_width(100, 0.0, 3), BoundError, "weissman_l1_width: delta", id="weissman delta"),
    case(lambda: conc.kl_radius(0, 0.05), BoundError, "kl_radius: n", id="kl_radius n"),
    case(lambda: conc.kl_radius(10, 0), BoundError, "kl_radius: delta", id="kl_radius delta"),
    case(lambda: conc.freedman_width(-1.0, 0.05), BoundError, "freedman_width: sigma2", id="freedman sigma2"),
    case(lambda: conc.freedman_width(1.0, 0.0), BoundError, "freedman_width: delta", id="freedman delta"),
    case(lambda: conc.freedman_width(1.0, 0.05, float("nan")), BoundError, "freedman_width: b must be a number, got nan", id="freedman b nan"),
    case(lambda: conc.time_uniform_hoeffding_width(0, 0.05), BoundError, "time_uniform_hoeffding_width: n", id="time uniform n"),
    case(lambda: conc.time_uniform_hoeffding_width(10, 0), BoundError, "time_uniform_hoeffding_width: delta", id="time uniform delta"),
    case(lambda: conc.log_two_pow_minus_two(1), BoundError, "S must be an integer >= 2, got 1", id="log2 S=1"),
    case(lambda: conc.kl_bernoulli(1.5, 0.5), BoundError, "kl_bernoulli: p must be a probability in [0, 1], got 1.5", id="kl p>1"),
    case(lambda: conc.kl_bernoulli(0.5, -0.1), BoundError, "q must be a probability in [0, 1], got -0.1", id="kl q<0"),
    case(lambda: conc.kl_bernoulli(np.nan, 0.5), BoundError, "p must be a number, got nan", id="kl p nan"),
    case(lambda: conc.kl_upper(1.5, 0.1), BoundError, "kl_upper: p", id="kl_upper p"),
    case(lambda: conc.kl_upper(0.5, np.nan), BoundError, "kl_upper: level must be a number", id="kl_upper level nan"),
    case(lambda: conc.kl_lower(-0.5, 0.1), BoundError, "kl_lower: p", id="kl_lower p"),
    case(lambda: conc.kl_lower(0.5, np.nan), BoundError, "kl_lower: level", id="kl_lower level"),
    case(lambda: kl_upper_newton(1.5, 0.1), BoundError, "kl_upper_newton: p must be a probability in [0, 1], got 1.5", id="newton p"),
    case(lambda: kl_upper_newton(np.nan, 0.1), BoundError, "kl_upper_newton: p must be a number, got nan", id="newton p nan"),
    case(lambda: kl_upper_newton(0.5, np.nan), BoundError, "kl_upper_newton: level", id="newton level nan"),
]


@pytest.mark.parametrize("call,exc,fragments", WIDTH_CASES)
def test_widths_refuse_arguments_outside_their_cards_domain(call, exc, fragments):
    refused(exc, call, *fragments)


def test_widths_accept_their_domains_edges():
    """n = 1, S = 2, sigma2 = 0, V_n = n/(4(n-1)), p = q = 0 or 1, level = inf: closed forms."""
    assert conc.hoeffding_width(1, 0.5) == pytest.approx(math.sqrt(math.log(4) / 2), rel=1e-15)
    assert conc.weissman_l1_width(1, 0.5, 2) == pytest.approx(math.sqrt(2 * math.log(4)), rel=1e-15)
    assert conc.bernstein_width(4, 0.5, 0.0, 1.0) == pytest.approx(2 * math.log(2) / 12, rel=1e-12)
    L = math.log(2 / 0.1)
    assert conc.empirical_bernstein_width(2, 0.1, 0.5) == pytest.approx(
        math.sqrt(2 * 0.5 * L / 2) + 7 * L / 3, rel=1e-12)
    assert conc.kl_bernoulli(0.0, 0.0) == 0.0 and conc.kl_bernoulli(1.0, 1.0) == 0.0
    assert conc.kl_bernoulli(0.5, 0.0) == math.inf
    assert conc.kl_upper(0.3, math.inf) == 1.0 and kl_upper_newton(0.3, math.inf) == 1.0
    assert conc.kl_upper(0.3, -1.0) == 0.3 and kl_upper_newton(0.3, 0.0) == 0.3
    assert conc.hoeffding_width(np.int64(50), np.float32(0.25)) == pytest.approx(
        math.sqrt(math.log(8) / 100), rel=1e-7)


# -- concentration widths: compiled path --------------------------------------------------------------
@njit
def _compiled_hoeffding(n, delta):
    return conc.hoeffding_width(n, delta, 1.0)


@njit
def _compiled_weissman(n, delta, S):
    return conc.weissman_l1_width(n, delta, S)


@njit
def _compiled_kl(p, q):
    return conc.kl_bernoulli(p, q)


@njit
def _compiled_newton(p, level):
    return kl_upper_newton(p, level)


@njit
def _compiled_emp(n, delta, V):
    return conc.empirical_bernstein_width(n, delta, V)


COMPILED_CASES = [
    (lambda: _compiled_hoeffding(0.0, 0.05), "hoeffding_width: n must be >= 1"),
    (lambda: _compiled_hoeffding(-5.0, 0.05), "hoeffding_width: n must be >= 1"),
    (lambda: _compiled_hoeffding(np.nan, 0.05), "hoeffding_width: n must be >= 1"),
    (lambda: _compiled_hoeffding(10.0, 0.0), "hoeffding_width: delta must be in (0, 2]"),
    (lambda: _compiled_hoeffding(10.0, 3.0), "hoeffding_width: delta must be in (0, 2]"),
    (lambda: _compiled_weissman(100.0, 0.05, 1.0), "weissman_l1_width: S must be >= 2"),
    (lambda: _compiled_kl(1.5, 0.5), "kl_bernoulli: p must be in [0, 1]"),
    (lambda: _compiled_kl(0.5, np.nan), "kl_bernoulli: q must be in [0, 1]"),
    (lambda: _compiled_newton(np.nan, 0.1), "kl_upper_newton: p must be in [0, 1]"),
    (lambda: _compiled_newton(0.5, np.nan), "kl_upper_newton: level must not be NaN"),
    (lambda: _compiled_emp(1.0, 0.05, 0.1), "empirical_bernstein_width: n must be >= 2"),
]


@pytest.mark.parametrize("call,message", COMPILED_CASES)
def test_compiled_widths_refuse_where_the_formula_is_undefined(call, message):
    refused(BoundError, call, message)


def test_compiled_and_python_widths_agree():
    assert _compiled_hoeffding(50.0, 0.05) == conc.hoeffding_width(50, 0.05)
    assert _compiled_weissman(200.0, 0.01, 10.0) == conc.weissman_l1_width(200, 0.01, 10)
    assert _compiled_kl(0.2, 0.7) == conc.kl_bernoulli(0.2, 0.7)
    assert _compiled_newton(0.3, 0.2) == kl_upper_newton(0.3, 0.2)
    # UCB1's level 2 s^-4 is 2 at s = 1: defined in compiled code (width 0)
    assert _compiled_hoeffding(1.0, 2.0) == 0.0


# -- theory ------------------------------------------------------------------------------------------------
THEORY_CASES = [
    case(lambda: theory.get(123), UnknownCardError, "card_id must be a card id (str), got 123", id="get int"),
    case(lambda: theory.get(None), UnknownCardError, "card_id must be a card id (str), got None", id="get None"),
    case(lambda: theory.get(""), UnknownCardError, "card_id='': no card", id="get empty"),
    case(lambda: theory.get("regret.ucrl2.uper"), UnknownCardError, "card_id='regret.ucrl2.uper'",
         "did you mean regret.ucrl2.upper", id="get typo"),
    case(lambda: theory.cards(constants="exact"), CardError, "constants='exact' is not one of", id="cards constants"),
    case(lambda: theory.cards(setting="nope"), CardError, "setting='nope' is not one of", id="cards setting"),
    case(lambda: theory.cards(kind=1), CardError, "kind=1 is not one of", id="cards kind"),
    case(lambda: theory.search(None), CardError, "text must be a string", id="search None"),
    case(lambda: theory.search(123), CardError, "text must be a string", id="search int"),
    case(lambda: theory.symbols.symbol("nope"), UnknownSymbolError, "name='nope' is not a catalog symbol", id="symbol unknown"),
    case(lambda: theory.symbols.describe(3), UnknownSymbolError, "name must be a symbol name (str), got 3", id="describe int"),
]


@pytest.mark.parametrize("call,exc,fragments", THEORY_CASES)
def test_theory_arguments_are_checked(call, exc, fragments):
    refused(exc, call, *fragments)


def _card(**overrides):
    from rlcert.theory.symbols import delta, n
    fields = dict(card_id="user.test", title="t", setting="concentration", kind="upper",
                  quantity="width", expr=sp_sqrt(1 / n) * delta, guarantee="deterministic",
                  constants="order", rate={"n": (-0.5, 0.0)},
                  domain=(Condition.interval("n", 1, None, lower_open=False),),
                  reference=Reference("A", 2000, "T", "V", "Thm 1"),
                  example={"n": 10, "delta": 0.1})
    fields.update(overrides)
    return Card(**fields)


def sp_sqrt(x):
    import sympy
    return sympy.sqrt(x)


CARD_CASES = [
    (dict(card_id=""), "card_id must be a non-empty string"),
    (dict(card_id=3), "card_id must be a non-empty string, got 3"),
    (dict(expr="sqrt(1/n)"), "card user.test: expr must be a sympy expression, got str"),
    (dict(domain=("n >= 1",)), "card user.test: domain must be a tuple of Condition"),
    (dict(reference="Azar 2013"), "card user.test: reference must be a Reference, got str"),
    (dict(example={"n": True, "delta": 0.1}), "example['n'] = True is not a real number"),
    (dict(example={"n": 10, "delta": 1j}), "example['delta'] = 1j is not a real number"),
    (dict(example={"n": 10}), "example misses parameters ['delta']"),
]


@pytest.mark.parametrize("overrides,message", CARD_CASES)
def test_malformed_cards_are_refused_naming_the_field(overrides, message):
    refused(CardError, lambda: _card(**overrides), message)


def test_a_valid_user_card_evaluates_to_its_formula():
    c = _card()
    assert evaluate(c, n=4, delta=0.5) == pytest.approx(0.25, rel=1e-15)


def test_integer_symbols_are_the_counts():
    assert all(is_integer(s) for s in ("S", "A", "H", "K", "T", "n", "k", "d"))
    assert not any(is_integer(s) for s in ("gamma", "eps", "delta", "D", "t_mix", "b", "L"))
