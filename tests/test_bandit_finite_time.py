"""KL-UCB and Thompson sampling judged at finite n, with the cards' own numbers.

* KL-UCB (card ``bandit.klucb_c3.upper``, every constant, derived from the final display of the
  proof of Lattimore-Szepesvári Theorem 10.6): rlcert's ``KLUCB()`` holds at every non-vacuous
  (instance, n) cell; a KL-UCB whose kl drops its ``(1 - p) ln((1 - p) / (1 - q))`` term gives
  every arm the index 1, plays the lowest-numbered arm for ever and is ``violated``.
* Thompson sampling (card ``bandit.thompson.upper``, order only): the regret's log-log slope over
  the last decade is ``consistent`` with ``ln n`` for ``BernoulliThompsonSampling()``; a
  ``Beta(1, 20)`` prior (it locks onto the first arm that pays) and a sampler that reads each
  arm's draw from its neighbour's posterior both grow linearly: ``inconsistent``.
* The cards' values at a point against the published formula written out by hand, and the
  numerical facts the KL-UCB card's derivation rests on.

The buggy learners are protocol subjects defined here, so the verifier plays them step by step
through its own harness (not rlcert's compiled loops).
"""

import math

import numpy as np
import pytest
from scipy import optimize

from rlcert.bounds import evaluate
from rlcert.bounds.concentration import kl_bernoulli
from rlcert.estimators.bandits import KLUCB, BernoulliBandit, BernoulliThompsonSampling
from rlcert.proofs_checks.api import verify
from rlcert.proofs_checks.registry.bandits import klucb_best_eps, log_rate_slope
from rlcert.proofs_checks.verdicts import Verdict


def exploration(n):
    """rlcert's KL-UCB level after n plays, ln n + 3 ln ln n."""
    return math.log(n) + 3.0 * math.log(math.log(n))


# -- planted bugs ----------------------------------------------------------------------------------
class MissingTermKLUCB(KLUCB):
    """KL-UCB whose kl is ``p ln(p / q)``: the ``(1 - p) ln((1 - p) / (1 - q))`` term is dropped.
    That 'kl' is <= 0 for every ``q >= p``, so every index is 1 once the level is positive."""

    @staticmethod
    def wrong_kl(p, q):
        return p * math.log(p / q) if p > 0 else 0.0

    def _index(self, j, level):
        p = self._sums[j] / self._counts[j]
        if level <= 0:
            return p
        budget = level / self._counts[j]
        if self.wrong_kl(p, 1.0) <= budget:
            return 1.0
        lo, hi = p, 1.0
        for _ in range(50):
            mid = 0.5 * (lo + hi)
            lo, hi = (mid, hi) if self.wrong_kl(p, mid) <= budget else (lo, mid)
        return lo

    def _select(self):
        s, k = self._s, self._k
        if s < k:
            return s
        level = math.log(s) + self.c * math.log(math.log(s))
        u = [self._index(j, level) for j in range(k)]
        return int(np.argmax(u))  # ties to the lowest-numbered arm, as KLUCB


class PessimisticPriorTS(BernoulliThompsonSampling):
    """Thompson sampling with a Beta(1, 20) prior in place of Beta(1, 1)."""

    def __init__(self):
        super().__init__(alpha0=1.0, beta0=20.0)


class NeighbourPosteriorTS(BernoulliThompsonSampling):
    """Thompson sampling that draws arm j's sample from arm (j + 1) mod k's posterior."""

    def _select(self):
        a = 1.0 + self._succ
        b = 1.0 + self._fail
        theta = self._rng.beta(np.roll(a, -1), np.roll(b, -1))
        return int(np.argmax(theta))


# -- KL-UCB against bandit.klucb_c3.upper ----------------------------------------------------------
def test_klucb_holds_at_every_non_vacuous_cell():
    """1000 trials, n = 100 .. 5000 on three instances: every non-vacuous cell holds (Bonferroni
    over the cells) and the card is loose (mean/bound well below 1)."""
    r = verify("bandits.klucb.expected_regret", n_trials=1000, backend="serial")
    print(f"\n{r.details}")
    assert r.status is Verdict.HOLDS
    decided = [c for c in r.numbers["cells"] if c[3] != "vacuous"]
    assert len(decided) >= 12 and all(0 < c[2] < 0.5 for c in decided)


def test_klucb_with_a_wrong_kl_is_violated():
    """The kl without its second term: indices all 1, the lowest-numbered arm (mean 0.1) is played
    for ever, regret ~ 0.8 n, far above the card's ~90 at n = 2000."""
    r = verify("bandits.klucb.expected_regret", algorithm=MissingTermKLUCB(), n_trials=30,
               backend="serial", params={"grid": (500, 1000, 2000), "instances": ((0.1, 0.9),)})
    print(f"\n{r.details}")
    assert r.status is Verdict.VIOLATED
    assert all(c[3] == "violated" and c[2] > 3 for c in r.numbers["cells"])


# -- Thompson sampling: the rate check -------------------------------------------------------------
def test_thompson_regret_grows_like_log_n():
    """BernoulliThompsonSampling() on (0.9, 0.5) and (0.1, 0.9), n = 1e3 .. 1e5: the slope over
    the last decade is consistent with C ln n (slope 0.097 there) and regret / ln n moves by less
    than a fifth over that decade."""
    r = verify("bandits.thompson.regret_rate", n_trials=100, backend="serial")
    print(f"\n{r.details}")
    assert r.status is Verdict.CONSISTENT
    for name, slope, lo, hi, verdict, per_log in r.numbers["instances"]:
        assert verdict == "consistent" and lo <= slope <= hi
        assert abs(per_log[-1] / per_log[3] - 1) < 0.2


@pytest.mark.parametrize("subject", [PessimisticPriorTS(), NeighbourPosteriorTS()],
                         ids=["beta_1_20_prior", "neighbour_posterior"])
def test_thompson_bugs_are_inconsistent(subject):
    """On (0.9, 0.5) both planted bugs have regret growing linearly in n (slope near 1), far from
    the ln n rate."""
    r = verify("bandits.thompson.regret_rate", algorithm=subject, n_trials=40, backend="serial",
               params={"grid": (300, 1000, 3000), "instances": ((0.9, 0.5),)})
    print(f"\n{r.details}")
    assert r.status is Verdict.INCONSISTENT
    assert r.numbers["instances"][0][2] > 0.5


def test_log_rate_slope_is_the_slope_of_ln_n():
    x = np.array([1e4, 2e4, 5e4, 1e5])
    expected = np.polyfit(np.log(x), np.log(np.log(x)), 1)[0]
    assert log_rate_slope(x) == pytest.approx(expected, rel=1e-12)
    assert log_rate_slope([1e4, 1e5]) == pytest.approx(
        math.log(math.log(1e5) / math.log(1e4)) / math.log(10), rel=1e-12)


# -- the cards by hand -----------------------------------------------------------------------------
@pytest.mark.parametrize("n_, gaps, e", [(1e4, [0.8, 0.45], 0.25), (3, [0.5], 0.1),
                                         (1e6, [0.05, 0.3, 0.9], 0.4)])
def test_klucb_card_by_hand(n_, gaps, e):
    """The proof's display per arm, 5 + 2/eps2^2 + g(n) / (2 (Delta - eps1 - eps2)^2) +
    1/(2 eps1^2) with eps1 = eps2 = eps Delta and g(n) = ln n + 3 ln ln n, times Delta, summed."""
    g = exploration(n_)
    expected = 0.0
    for d in gaps:
        e1 = e2 = e * d
        expected += d * (5 + 2 / e2 ** 2 + g / (2 * (d - e1 - e2) ** 2) + 1 / (2 * e1 ** 2))
    assert evaluate("bandit.klucb_c3.upper", n=n_, Delta=gaps, eps=e) == pytest.approx(
        expected, rel=1e-12)


@pytest.mark.parametrize("n_", [3, 100, 1e4, 1e8])
def test_klucb_best_eps_is_the_minimiser_with_its_closed_form(n_):
    """At eps = r / (1 + 2 r), r = (5 / (2 g))^(1/3), the per-arm bound is
    5 + (g^(1/3) + 20^(1/3))^3 / (2 Delta^2), and no eps in (0, 1/2) does better."""
    g, d = exploration(n_), 0.3
    e = float(klucb_best_eps(n_))
    at_best = evaluate("bandit.klucb_c3.upper", n=n_, Delta=[d], eps=e)
    closed = d * (5 + (g ** (1 / 3) + 20 ** (1 / 3)) ** 3 / (2 * d * d))
    assert at_best == pytest.approx(closed, rel=1e-12)
    grid = np.linspace(1e-3, 0.5 - 1e-3, 2001)
    others = evaluate("bandit.klucb_c3.upper", n=np.full(grid.size, n_), Delta=[d], eps=grid)
    assert at_best <= others.min() * (1 + 1e-12)


def test_klucb_derivation_exploration_dominates_the_book_level():
    """Step (i) of the card's derivation: rlcert's level after t - 1 plays,
    ln(t-1) + 3 ln ln(t-1), is at least the book's log f(t) = log(1 + t log^2 t) for every
    t >= 6 (checked to 1e7, and the difference increases there), and not for t = 3, 4, 5."""
    t = np.arange(3, 10 ** 7 + 1, dtype=np.float64)
    diff = np.log(t - 1) + 3 * np.log(np.log(t - 1)) - np.log1p(t * np.log(t) ** 2)
    assert np.all(diff[t >= 6] >= 0) and np.all(diff[t <= 5] < 0)
    assert np.all(np.diff(diff[t >= 100]) > 0)


@pytest.mark.parametrize("means", [(0.1, 0.9), (0.3, 0.8), (0.5, 0.2, 0.95), (0.99, 0.5)])
def test_pinsker_step_only_loosens_the_display(means):
    """Step (iii): the display with the Bernoulli kl, minimised over eps1, eps2 (the proof allows
    any pair with eps1 + eps2 < Delta), is below the card at its best eps."""
    b = BernoulliBandit(list(means))
    n_ = 1e4
    g = exploration(n_)
    card = evaluate("bandit.klucb_c3.upper", n=n_, eps=float(klucb_best_eps(n_)),
                    **b.card_params("bandit.klucb_c3.upper"))
    kl_form = 0.0
    for mu in b.means[b.suboptimal]:
        d = b.best_mean - mu

        def per_arm(x):
            e1, e2 = x
            if e1 <= 0 or e2 <= 0 or e1 + e2 >= d:
                return 1e18
            return 5 + 2 / e2 ** 2 + g / kl_bernoulli(mu + e1, b.best_mean - e2) + 1 / (2 * e1 ** 2)

        best = optimize.minimize(per_arm, [0.3 * d, 0.4 * d], method="Nelder-Mead")
        kl_form += d * best.fun
    assert kl_form <= card


@pytest.mark.parametrize("n_, gaps, e, k_", [(1e4, [0.1, 0.3], 0.1, 3), (2, [0.5], 1.0, 2)])
def test_thompson_card_by_hand(n_, gaps, e, k_):
    """(1 + eps) sum_i ln n / Delta_i + N / eps^2 (Agrawal and Goyal 2013, constant 1 on the
    O(N / eps^2) term: an order card)."""
    expected = (1 + e) * sum(math.log(n_) / d for d in gaps) + k_ / e ** 2
    assert evaluate("bandit.thompson.upper", n=n_, Delta=gaps, eps=e, k=k_) == pytest.approx(
        expected, rel=1e-12)
