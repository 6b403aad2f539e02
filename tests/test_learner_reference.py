r"""Every learner, step by step, against a plain re-implementation of its paper's pseudo-code.

The learners' other tests look at outcomes (regret, optimism, coverage), which a wrong secondary
rule (a clip, a count, a bonus term, a learning rate) often leaves unchanged. Here each learner is
driven through the verifier's protocol (:mod:`rlcert.proofs_checks.protocols`) side by side with a
reference written from the papers' formulas, as the learners' docstrings and
:mod:`rlcert.estimators.episodic.bonuses` state them; the references use numpy and the standard
library only, none of rlcert's code. Both receive the same environment stream, which the test
draws itself, and after every call the test asserts equal actions and equal internal quantities
(indices, sampling probabilities, Q tables, policies, counts) to ``1e-12 max(1, |x|_inf)``.

The learners' own randomness (posterior draws, coins) comes from ``numpy.random.default_rng(seed)``
inside the learner; each reference draws the same numbers in the same order from its own
``default_rng(seed)`` (numba's Generator and numpy's produce identical streams). Where rlcert's
documented convention fixes something the paper leaves open (order of the initial plays, tie
breaking, unvisited pairs, where the coin of a randomised policy comes from) the reference follows
the convention and says so.

Conventions of the comparison: a choice must be the reference's first maximiser (lowest index on
exact ties); when the reference's two best values are within the tolerance but not bit-equal,
either is accepted, since the two computations round differently. Indices are 0-based, as in
rlcert: stage ``h`` is the papers' ``h + 1`` and ``V[H] = 0``. Learners that declare nothing
(Thompson sampling, epsilon-greedy bandits) also have their per-arm statistics (plays, sums,
successes, failures) read and compared after every update (white box). UCBVI-BF's Q tables get a
documented rounding allowance (see :class:`RefUCBVI`).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from rlcert.estimators.bandits import (EXP3, KLUCB, UCB1, AdversarialBandit, BernoulliBandit,
                                       BernoulliThompsonSampling, DecayingEpsilonGreedy,
                                       EpsilonGreedy, GaussianBandit, GaussianThompsonSampling,
                                       switching)
from rlcert.estimators.episodic.learners import (PSRL, UCBVIBF, UCBVICH, Greedy,
                                                 OptimisticQLearning)
from rlcert.mdp import FiniteHorizonMDP, instances

TOL = 1e-12
SEEDS = (0, 1, 2)


# -- comparison helpers ---------------------------------------------------------------------------
def assert_close(got, want, what: str, slack: float = 0.0) -> None:
    """``|got - want| <= TOL max(1, |want|_inf) + slack`` entrywise, infinities equal."""
    got = np.asarray(got, dtype=np.float64)
    want = np.asarray(want, dtype=np.float64)
    assert got.shape == want.shape, f"{what}: shape {got.shape}, reference {want.shape}"
    fin = np.isfinite(want)
    assert np.array_equal(got[~fin], want[~fin]) and np.all(np.isfinite(got[fin])), \
        f"{what}: infinities differ\n rlcert    = {got}\n reference = {want}"
    if fin.any():
        scale = max(1.0, float(np.max(np.abs(want[fin]))))
        err = float(np.max(np.abs(got[fin] - want[fin])))
        assert err <= TOL * scale + slack, (f"{what}: max |rlcert - reference| = {err:.3g}\n"
                                    f" rlcert    = {got}\n reference = {want}")


def check_choice(chosen: int, ref_values, rl_values, what: str, slack: float = 0.0) -> None:
    """``chosen`` is the reference's first maximiser of ``ref_values``; a near-tie (within the
    tolerance, not bit-equal in both computations) accepts any of the near-best."""
    ref_values = np.asarray(ref_values, dtype=np.float64)
    rl_values = np.asarray(rl_values, dtype=np.float64)
    first = int(np.argmax(ref_values))
    if chosen == first:
        return
    m = ref_values[first]
    near = ref_values == m if not math.isfinite(m) else \
        ref_values >= m - TOL * max(1.0, abs(m)) - slack
    exact_tie = ref_values[chosen] == m and rl_values[chosen] == rl_values[first]
    assert near[chosen] and not exact_tie, (
        f"{what}: rlcert chose {chosen}, the reference {first} (lowest index among the maximisers)"
        f"\n rlcert values    = {rl_values}\n reference values = {ref_values}")


def first_above(p, u: float) -> int:
    """Inverse transform: the first ``j`` with ``p_0 + ... + p_j > u`` (the last index with
    positive mass if rounding leaves the total below ``u``), the harness's convention."""
    c = np.cumsum(p)
    j = int(np.searchsorted(c, u, side="right"))
    return j if j < len(p) else int(np.flatnonzero(np.asarray(p) > 0)[-1])


# -- bandit references ----------------------------------------------------------------------------
class RefUCB1:
    """Auer, Cesa-Bianchi and Fischer (2002), Figure 1: play each machine once (in the order
    0, 1, ..., rlcert's convention), then the largest ``x_bar_j + sqrt(2 ln n / n_j)`` with ``n``
    the plays so far. During the initial round an unplayed arm's declared index is ``+inf`` and a
    played one's ``-inf`` (rlcert's convention)."""

    def __init__(self, k: int, bonus_scale: float = 1.0):
        self.k, self.scale = k, bonus_scale
        self.n = np.zeros(k)
        self.x = np.zeros(k)
        self.t = 0

    def indices(self) -> np.ndarray:
        if self.t < self.k:
            return np.where(self.n == 0, np.inf, -np.inf)
        return self.x / self.n + self.scale * np.sqrt(2.0 * math.log(self.t) / self.n)

    def select(self) -> int:
        return self.t if self.t < self.k else int(np.argmax(self.indices()))

    def update(self, a: int, r: float) -> None:
        self.n[a] += 1
        self.x[a] += r
        self.t += 1


def bernoulli_kl(p: float, q: float) -> float:
    """``p ln(p/q) + (1-p) ln((1-p)/(1-q))``, ``0 ln 0 = 0``."""
    out = 0.0
    if p > 0.0:
        if q <= 0.0:
            return math.inf
        out += p * math.log(p / q)
    if p < 1.0:
        if q >= 1.0:
            return math.inf
        out += (1.0 - p) * math.log((1.0 - p) / (1.0 - q))
    return out


def kl_ucb_index(mean: float, n: float, f: float) -> float:
    """``max {q in [mean, 1] : n kl(mean, q) <= f}`` by bisection (the mean when ``f <= 0``,
    rlcert's documented convention for an empty or degenerate set)."""
    if f <= 0.0:
        return mean
    if n * bernoulli_kl(mean, 1.0) <= f:
        return 1.0
    lo, hi = mean, 1.0
    while True:
        mid = 0.5 * (lo + hi)
        if not lo < mid < hi:
            return lo
        if n * bernoulli_kl(mean, mid) <= f:
            lo = mid
        else:
            hi = mid


class RefKLUCB(RefUCB1):
    """Garivier and Cappé (2011), Algorithm 1: each arm once, then the largest
    ``max {q : N_a(t) kl(mu_a, q) <= ln t + c ln ln t}``, ``t`` the plays so far."""

    def __init__(self, k: int, c: float):
        super().__init__(k)
        self.c = c

    def indices(self) -> np.ndarray:
        if self.t < self.k:
            return super().indices()
        f = math.log(self.t) + self.c * math.log(math.log(self.t))
        return np.array([kl_ucb_index(self.x[j] / self.n[j], self.n[j], f)
                         for j in range(self.k)])


class RefBetaTS:
    """Agrawal and Goyal (2012), Algorithms 1 and 2: ``theta_i ~ Beta(alpha0_i + S_i, beta0_i +
    F_i)`` for each arm in turn, play the first maximiser; a reward strictly inside (0, 1) is a
    Bernoulli(r) trial with the learner's own uniform (0 and 1 are their own outcome, no draw)."""

    def __init__(self, k: int, seed: int, alpha0, beta0):
        self.rng = np.random.default_rng(seed)
        self.a0 = np.broadcast_to(np.asarray(alpha0, float), (k,))
        self.b0 = np.broadcast_to(np.asarray(beta0, float), (k,))
        self.k = k
        self.S = np.zeros(k)
        self.F = np.zeros(k)
        self.n = np.zeros(k)
        self.x = np.zeros(k)

    def select(self) -> int:
        theta = [self.rng.beta(self.a0[j] + self.S[j], self.b0[j] + self.F[j])
                 for j in range(self.k)]
        return int(np.argmax(theta))

    def update(self, a: int, r: float) -> None:
        self.n[a] += 1
        self.x[a] += r
        success = r
        if 0.0 < r < 1.0:
            success = 1.0 if self.rng.random() < r else 0.0
        self.S[a] += success
        self.F[a] += 1.0 - success


class RefGaussianTS(RefBetaTS):
    """Agrawal and Goyal (2013), Algorithm 2: ``theta_i ~ N(mu_hat_i, sigma^2 / (k_i + 1))``,
    ``mu_hat_i = (sum of arm i's rewards) / (k_i + 1)``."""

    def __init__(self, k: int, seed: int, sigma: float):
        super().__init__(k, seed, 1.0, 1.0)
        self.sigma = sigma

    def select(self) -> int:
        theta = [self.rng.normal(self.x[j] / (self.n[j] + 1.0),
                                 self.sigma / math.sqrt(self.n[j] + 1.0)) for j in range(self.k)]
        return int(np.argmax(theta))

    def update(self, a: int, r: float) -> None:
        self.n[a] += 1
        self.x[a] += r


class RefEXP3Auer:
    """Auer, Cesa-Bianchi, Freund and Schapire (2002), Exp3 with Corollary 3.2's
    ``gamma = min{1, sqrt(K ln K / ((e - 1) g))}``, ``g`` the horizon: weights ``w_i = 1``,
    ``p_i = (1 - gamma) w_i / sum w + gamma / K``, ``w_a *= exp(gamma (x / p_a) / K)``."""

    def __init__(self, k: int, horizon: int):
        self.k = k
        self.gamma = min(1.0, math.sqrt(k * math.log(k) / ((math.e - 1.0) * horizon)))
        self.w = np.ones(k)
        self.p = None

    def probabilities(self) -> np.ndarray:
        self.p = (1.0 - self.gamma) * self.w / self.w.sum() + self.gamma / self.k
        return self.p

    def update(self, a: int, r: float) -> None:
        self.w[a] *= math.exp(self.gamma * (r / self.p[a]) / self.k)


class RefEXP3LS:
    """Lattimore and Szepesvári (2020), Algorithm 9 with the loss-based estimator (11.6):
    ``P_ti ∝ exp(eta S_{t-1,i})``, ``S_ti = S_{t-1,i} + 1 - 1{A_t = i} (1 - X_t) / P_ti``,
    ``eta = sqrt(2 log k / (n k))``."""

    def __init__(self, k: int, horizon: int):
        self.eta = math.sqrt(2.0 * math.log(k) / (horizon * k))
        self.S = np.zeros(k)
        self.p = None

    def probabilities(self) -> np.ndarray:
        e = np.exp(self.eta * self.S)
        self.p = e / e.sum()
        return self.p

    def update(self, a: int, r: float) -> None:
        self.S += 1.0
        self.S[a] -= (1.0 - r) / self.p[a]


class RefEpsGreedy:
    """epsilon-greedy (Sutton and Barto 2018, 2.2) and epsilon_n-GREEDY (Auer et al. 2002,
    Figure 3, ``epsilon_n = min{1, c K / (d^2 n)}`` at play ``n = 1, 2, ...``): one uniform decides
    exploration, then a uniform arm from ``integers(0, K)``; otherwise the best empirical mean
    (unplayed arms count as ``+inf``; ties to the lowest index, rlcert's convention)."""

    def __init__(self, k: int, seed: int, epsilon=None, c=None, d=None):
        self.rng = np.random.default_rng(seed)
        self.k, self.eps, self.c, self.d = k, epsilon, c, d
        self.n = np.zeros(k)
        self.x = np.zeros(k)
        self.t = 0

    def epsilon_now(self) -> float:
        if self.eps is not None:
            return self.eps
        return min(1.0, self.c * self.k / (self.d ** 2 * (self.t + 1)))

    def select(self) -> int:
        if self.rng.random() < self.epsilon_now():
            return int(self.rng.integers(0, self.k))
        with np.errstate(invalid="ignore", divide="ignore"):
            means = np.where(self.n == 0, np.inf, self.x / self.n)
        return int(np.argmax(means))

    def update(self, a: int, r: float) -> None:
        self.n[a] += 1
        self.x[a] += r
        self.t += 1


# -- bandit environments and driver ---------------------------------------------------------------
N_STEPS = 300
BERNOULLI = BernoulliBandit([0.3, 0.5, 0.55])
GAUSSIAN = GaussianBandit([0.2, 0.5, 0.6], sigma=0.5)
SWITCHING = switching(N_STEPS, k=3, period=60, seed=11)
FRACTIONAL = AdversarialBandit(np.random.default_rng(12).beta(2.0, 3.0, size=(N_STEPS, 3)),
                               name="beta(2, 3) table")
BANDITS = {"bernoulli": BERNOULLI, "gaussian": GAUSSIAN, "switching": SWITCHING,
           "fractional": FRACTIONAL}


def bandit_reward(bandit, t: int, a: int, z: float) -> float:
    """The environment's reward from its noise ``z``: the table entry, ``1{z < mu_a}`` or
    ``mu_a + sigma z``."""
    if isinstance(bandit, AdversarialBandit):
        return float(bandit.rewards[t, a])
    if isinstance(bandit, GaussianBandit):
        return float(bandit.means[a] + bandit.sigma * z)
    return 1.0 if z < bandit.means[a] else 0.0


def learner_stats(learner) -> dict[str, np.ndarray]:
    """The learner's per-arm statistics (white box: the protocol state of
    :class:`rlcert.estimators.bandits.learners._EmpiricalMeans` and ``_Thompson``)."""
    out = {"plays": learner._counts, "reward sums": learner._sums}
    if hasattr(learner, "_succ"):
        out.update(successes=learner._succ, failures=learner._fail)
    return out


def ref_stats(ref) -> dict[str, np.ndarray]:
    out = {"plays": ref.n, "reward sums": ref.x}
    if isinstance(ref, RefBetaTS) and not isinstance(ref, RefGaussianTS):
        out.update(successes=ref.S, failures=ref.F)
    return out


def drive_bandit(learner, ref, bandit, seed: int, *, n_steps: int = N_STEPS,
                 learner_draws: bool = False) -> None:
    """Play ``learner`` and ``ref`` side by side on ``bandit`` for ``n_steps`` steps and compare
    after every call. A learner declaring ``probabilities()`` has its arm drawn by the test from
    the environment's uniform, as the verifier does, unless ``learner_draws`` (then ``select()``
    draws with the learner's own generator, and the reference with its own)."""
    env = np.random.default_rng([seed, 2024])
    k = bandit.k
    learner.reset(k, seed, n_steps=n_steps)
    for t in range(n_steps):
        where = f"{type(learner).__name__} {learner.params()} on {bandit.name}, seed {seed}, " \
                f"step {t}"
        u = env.random()
        z = env.standard_normal() if isinstance(bandit, GaussianBandit) else env.random()
        if hasattr(ref, "probabilities"):
            p = learner.probabilities()
            q = ref.probabilities()
            assert_close(p, q, f"{where}: sampling probabilities")
            if learner_draws:
                a, b = learner.select(), first_above(q, ref.rng.random())
            else:
                a, b = first_above(p, u), first_above(q, u)
            assert a == b, f"{where}: rlcert drew arm {a}, the reference {b}"
        elif hasattr(ref, "indices") and callable(getattr(learner, "indices", None)):
            idx = learner.indices()
            ref_idx = ref.indices()
            assert_close(idx, ref_idx, f"{where}: indices")
            a = learner.select()
            check_choice(a, ref_idx, idx, f"{where}: select()")
            ref.select()
        else:
            a = learner.select()
            b = ref.select()
            assert a == b, f"{where}: rlcert played arm {a}, the reference {b}"
        r = bandit_reward(bandit, t, a, z)
        learner.update(a, r)
        ref.update(a, r)
        if not hasattr(ref, "probabilities"):
            mine = learner_stats(learner)
            for name, value in ref_stats(ref).items():
                assert_close(mine[name], value, f"{where}: {name} after the update")


# -- bandit tests ---------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("instance", ["bernoulli", "switching", "fractional"])
@pytest.mark.parametrize("bonus_scale", [1.0, math.sqrt(0.05)])
def test_ucb1_matches_auer_2002_figure_1(bonus_scale, instance, seed):
    bandit = BANDITS[instance]
    drive_bandit(UCB1(bonus_scale=bonus_scale), RefUCB1(bandit.k, bonus_scale), bandit, seed)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("instance", ["bernoulli", "switching", "fractional"])
@pytest.mark.parametrize("c", [3.0, 0.0])
def test_klucb_matches_garivier_cappe_algorithm_1(c, instance, seed):
    bandit = BANDITS[instance]
    drive_bandit(KLUCB(c=c), RefKLUCB(bandit.k, c), bandit, seed)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("instance", ["bernoulli", "fractional"])
@pytest.mark.parametrize("prior", [(1.0, 1.0), ([1.0, 2.0, 0.5], [0.7, 0.5, 3.0])])
def test_beta_thompson_matches_agrawal_goyal_2012(prior, instance, seed):
    bandit = BANDITS[instance]
    ref = RefBetaTS(bandit.k, seed, *prior)
    drive_bandit(BernoulliThompsonSampling(*prior), ref, bandit, seed)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("instance", ["gaussian", "bernoulli"])
@pytest.mark.parametrize("sigma", [1.0, 0.3])
def test_gaussian_thompson_matches_agrawal_goyal_2013(sigma, instance, seed):
    bandit = BANDITS[instance]
    drive_bandit(GaussianThompsonSampling(sigma), RefGaussianTS(bandit.k, seed, sigma), bandit,
                 seed)


class _SelfDrawing:
    """A reference EXP3 that draws its own arm with ``default_rng(seed)``, as ``select()`` does."""

    def __init__(self, ref, seed):
        self.ref, self.rng = ref, np.random.default_rng(seed)

    def probabilities(self):
        return self.ref.probabilities()

    def update(self, a, r):
        self.ref.update(a, r)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("instance", ["switching", "fractional", "bernoulli"])
@pytest.mark.parametrize("tuning", ["auer2002", "lattimore-szepesvari"])
def test_exp3_matches_its_papers(tuning, instance, seed):
    bandit = BANDITS[instance]
    make = RefEXP3Auer if tuning == "auer2002" else RefEXP3LS
    drive_bandit(EXP3(tuning), make(bandit.k, N_STEPS), bandit, seed)
    # the horizon given explicitly, and the arm drawn by the learner's own generator (select())
    drive_bandit(EXP3(tuning, horizon=1000), _SelfDrawing(make(bandit.k, 1000), seed), bandit,
                 seed, learner_draws=True)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("instance", ["bernoulli", "gaussian"])
@pytest.mark.parametrize("epsilon", [0.1, 0.4])
def test_epsilon_greedy_matches_sutton_barto(epsilon, instance, seed):
    bandit = BANDITS[instance]
    drive_bandit(EpsilonGreedy(epsilon), RefEpsGreedy(bandit.k, seed, epsilon=epsilon), bandit,
                 seed)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("instance", ["bernoulli", "gaussian"])
@pytest.mark.parametrize("c, d", [(5.0, 0.2), (0.5, 0.5)])
def test_decaying_epsilon_greedy_matches_auer_2002_figure_3(c, d, instance, seed):
    bandit = BANDITS[instance]
    drive_bandit(DecayingEpsilonGreedy(c, d), RefEpsGreedy(bandit.k, seed, c=c, d=d), bandit,
                 seed)


# -- episodic references --------------------------------------------------------------------------
class RefEpisodic:
    """Shared bookkeeping of the model-based references: ``N(s, a)``, ``N(s, a, y)``, the reward
    sums, and ``N'_h(y)``, the visits of state ``y`` at stage ``h`` (stage ``H`` counts arrivals
    at the end of the episode, which UCBVI-BF's ``N'_{h+1}`` reads at ``h = H - 1``)."""

    randomised = False
    #: extra tolerance on Q (none: every reference matches to TOL)
    slack = 0.0

    def __init__(self, S: int, A: int, H: int, K: int, seed: int):
        self.S, self.A, self.H, self.T = S, A, H, K * H
        self.rng = np.random.default_rng(seed)
        self.N = np.zeros((S, A))
        self.Nsas = np.zeros((S, A, S))
        self.Rsum = np.zeros((S, A))
        self.Nprime = np.zeros((H + 1, S))
        self.Q = np.full((H, S, A), float(H))
        self.pi = np.zeros((H, S), dtype=np.int64)
        self.k = 0

    def observe(self, h, s, a, r, s2):
        self.N[s, a] += 1
        self.Nsas[s, a, s2] += 1
        self.Rsum[s, a] += r
        self.Nprime[h + 1, s2] += 1
        if h == 0:
            self.Nprime[0, s] += 1

    def act(self, h, s) -> int:
        return int(self.pi[h, s])

    def backward_induction(self, q_of) -> None:
        """``Q[h, s, a] = q_of(h, s, a, V[h + 1])`` from ``h = H - 1`` down, ``V[h, s] =
        max_a Q[h, s, a]``, ``pi`` the first maximiser."""
        H, S, A = self.H, self.S, self.A
        V = np.zeros((H + 1, S))
        Q = np.empty((H, S, A))
        for h in range(H - 1, -1, -1):
            for s in range(S):
                for a in range(A):
                    Q[h, s, a] = q_of(h, s, a, V[h + 1])
                V[h, s] = Q[h, s].max()
        self.Q, self.V, self.pi = Q, V, Q.argmax(axis=2)


class RefUCBVI(RefEpisodic):
    r"""Azar, Osband and Munos (2017), Algorithms 3 (CH) and 4 (BF), with rlcert's empirical
    mean rewards: on visited pairs ``Q_{k,h} = min(Q_{k-1,h}, H, r_hat + P_hat V_{k,h+1} + b)``,
    ``Q_{k,h} = H`` elsewhere, ``V_{k,h} = max_a Q_{k,h}``, ``L = ln(5 S A T / delta)``,

    * CH: ``b = 7 H L sqrt(1 / N)``;
    * BF: ``b = sqrt(8 L Var_{P_hat}(V_{h+1}) / N) + 14 H L / (3 N)
      + sqrt(8 sum_y P_hat(y) min(100^2 H^3 S^2 A L^2 / N'_{h+1}(y), H^2) / N)``;

    ``bonus_scale`` multiplies ``b`` (1 = these constants)."""

    def __init__(self, S, A, H, K, seed, *, bernstein: bool, delta=0.05, bonus_scale=1.0):
        super().__init__(S, A, H, K, seed)
        self.bernstein, self.scale = bernstein, bonus_scale
        self.L = math.log(5.0 * S * A * self.T / delta)
        self.Qprev = np.full((H, S, A), float(H))

    def bonus(self, h, P, V_next, n) -> float:
        H, S, A, L = self.H, self.S, self.A, self.L
        if not self.bernstein:
            return 7.0 * H * L * math.sqrt(1.0 / n)
        mean = P @ V_next
        var = P @ (V_next - mean) ** 2
        with np.errstate(divide="ignore"):
            cap = np.minimum(1e4 * H ** 3 * S ** 2 * A * L ** 2 / self.Nprime[h + 1], H ** 2)
        return (math.sqrt(8.0 * L * var / n) + 14.0 * H * L / (3.0 * n)
                + math.sqrt(8.0 * (P @ cap) / n))

    def start_episode(self):
        H = float(self.H)

        def q_of(h, s, a, V_next):
            n = self.N[s, a]
            if n == 0:
                return H
            P = self.Nsas[s, a] / n
            q = self.Rsum[s, a] / n + P @ V_next + self.scale * self.bonus(h, P, V_next, n)
            return min(self.Qprev[h, s, a], H, q)

        self.backward_induction(q_of)
        self.Qprev = self.Q.copy()
        return self.pi


class RefGreedy(RefEpisodic):
    """Certainty-equivalent planning with rlcert's documented conventions (no paper): on visited
    pairs ``Q = min(H, r_hat + P_hat V_{h+1})``, ``Q = 0`` on unvisited ones. With ``epsilon > 0``
    the declared policy is ``eps_k / A + (1 - eps_k) 1{a = greedy}``, ``eps_k = epsilon`` or
    ``min(1, epsilon / k^q)`` in episode ``k = 1, 2, ...``; ``act`` draws from it by inverse
    transform of one uniform of the learner's generator (rlcert's convention)."""

    def __init__(self, S, A, H, K, seed, *, epsilon=0.0, decay=0.0):
        super().__init__(S, A, H, K, seed)
        self.epsilon, self.decay = epsilon, decay
        self.W = None

    def start_episode(self):
        H = float(self.H)

        def q_of(h, s, a, V_next):
            n = self.N[s, a]
            if n == 0:
                return 0.0
            return min(H, self.Rsum[s, a] / n + (self.Nsas[s, a] / n) @ V_next)

        self.backward_induction(q_of)
        self.k += 1
        eps = self.epsilon if self.decay == 0 else min(1.0, self.epsilon / self.k ** self.decay)
        if eps == 0:
            self.W = None
            return self.pi
        W = np.full((self.H, self.S, self.A), eps / self.A)
        for h in range(self.H):
            for s in range(self.S):
                W[h, s, self.pi[h, s]] += 1.0 - eps
        self.W = W
        return W

    def act(self, h, s):
        if self.W is None:
            return super().act(h, s)
        return first_above(self.W[h, s], self.rng.random())


class RefPSRL(RefEpisodic):
    """Osband, Russo and Van Roy (2013): each episode sample ``P(.|s, a) ~ Dirichlet(1 +
    N(s, a, .))`` and the mean reward from its posterior, for every pair in the order (s, a),
    then play the sampled MDP's optimal policy (backward induction, no clipping). Beta prior:
    ``r ~ Beta(1 + successes, 1 + failures)``, every observed reward turned into a Bernoulli
    trial with one uniform of the learner's generator (rlcert's convention: a uniform is drawn for
    0 and 1 rewards too, unlike the bandit TS); Gaussian prior: ``r ~ N(sum r / (n + 1),
    1 / (n + 1))`` (prior N(0, 1), unit noise)."""

    def __init__(self, S, A, H, K, seed, *, prior: str):
        super().__init__(S, A, H, K, seed)
        self.prior = prior
        self.succ = np.zeros((S, A))
        self.fail = np.zeros((S, A))

    def start_episode(self):
        S, A = self.S, self.A
        P = np.empty((S, A, S))
        r = np.empty((S, A))
        for s in range(S):
            for a in range(A):
                P[s, a] = self.rng.dirichlet(1.0 + self.Nsas[s, a])
                if self.prior == "beta":
                    r[s, a] = self.rng.beta(1.0 + self.succ[s, a], 1.0 + self.fail[s, a])
                else:
                    n = self.N[s, a]
                    r[s, a] = self.rng.normal(self.Rsum[s, a] / (n + 1.0), 1.0 / math.sqrt(n + 1.0))
        self.backward_induction(lambda h, s, a, V_next: r[s, a] + P[s, a] @ V_next)
        return self.pi

    def observe(self, h, s, a, r, s2):
        super().observe(h, s, a, r, s2)
        if self.prior == "beta":
            if self.rng.random() < r:
                self.succ[s, a] += 1
            else:
                self.fail[s, a] += 1


class RefQLearning:
    r"""Jin, Allen-Zhu, Bubeck and Jordan (2018), Algorithms 1 (UCB-Hoeffding) and 2
    (UCB-Bernstein): ``Q_h = H``, ``V_{H+1} = 0``; at step ``h`` play ``argmax_a Q_h(x_h, a)``
    (first maximiser); after observing ``(x, a, r, x')``: ``t = ++N_h(x, a)``,
    ``alpha_t = (H + 1) / (H + t)``,

    * Hoeffding: ``b_t = c sqrt(H^3 iota / t)``;
    * Bernstein: ``beta_t = min{c1 (sqrt((H / t)(W_t + H) iota) + sqrt(H^7 S A) iota / t),
      c2 sqrt(H^3 iota / t)}``, ``b_t = (beta_t - (1 - alpha_t) beta_{t-1}) / (2 alpha_t)``,
      ``beta_0 = 0``, ``W_t`` the variance of the ``t`` values ``V_{h+1}(x')`` seen at (h, x, a),
      each as it was when seen;

    ``Q_h(x, a) <- (1 - alpha_t) Q_h(x, a) + alpha_t (r + V_{h+1}(x') + b_t)``,
    ``V_h(x) <- min(H, max_a Q_h(x, a))``, ``iota = log(S A T / delta)``; ``bonus_scale``
    multiplies ``b_t``.

    The paper chooses the action when it reaches stage ``h``; rlcert declares the whole policy at
    the episode's start. Both agree, since ``Q_h`` is only updated after stage ``h``'s action:
    :meth:`act` uses the current ``Q`` and the test compares it with the declared policy."""

    randomised = False
    slack = 0.0

    def __init__(self, S, A, H, K, seed, *, bernstein: bool, delta=0.05, bonus_scale=1.0,
                 c=1.0, c1=1.0, c2=1.0):
        self.S, self.A, self.H = S, A, H
        self.bernstein, self.scale, self.c, self.c1, self.c2 = bernstein, bonus_scale, c, c1, c2
        self.iota = math.log(S * A * K * H / delta)
        self.Q = np.full((H, S, A), float(H))
        self.V = np.zeros((H + 1, S))
        self.V[:H] = H
        self.N = np.zeros((H, S, A), dtype=np.int64)
        self.seen = {}
        self.beta_prev = np.zeros((H, S, A))

    def start_episode(self):
        return self.Q.argmax(axis=2)

    def act(self, h, s) -> int:
        return int(np.argmax(self.Q[h, s]))

    def observe(self, h, s, a, r, s2):
        H, iota = self.H, self.iota
        self.N[h, s, a] += 1
        t = self.N[h, s, a]
        alpha = (H + 1.0) / (H + t)
        v = self.V[h + 1, s2]
        if not self.bernstein:
            b = self.c * math.sqrt(H ** 3 * iota / t)
        else:
            seen = self.seen.setdefault((h, s, a), [])
            seen.append(v)
            W = float(np.var(seen))
            beta = min(self.c1 * (math.sqrt(H / t * (W + H) * iota)
                                  + math.sqrt(H ** 7 * self.S * self.A) * iota / t),
                       self.c2 * math.sqrt(H ** 3 * iota / t))
            b = (beta - (1.0 - alpha) * self.beta_prev[h, s, a]) / (2.0 * alpha)
            self.beta_prev[h, s, a] = beta
        self.Q[h, s, a] = (1.0 - alpha) * self.Q[h, s, a] + alpha * (r + v + self.scale * b)
        self.V[h, s] = min(H, self.Q[h, s].max())


# -- episodic environments and driver -------------------------------------------------------------
RIVER = FiniteHorizonMDP.from_tabular(instances.riverswim(4), 5)
GARNET = FiniteHorizonMDP.from_tabular(instances.garnet(5, 3, 3, seed=4), 4,
                                       initial=np.full(5, 0.2))


def _staged(S=4, A=2, H=4, seed=8) -> FiniteHorizonMDP:
    """Stage-dependent transitions and rewards (for Q-learning, which allows them)."""
    rng = np.random.default_rng(seed)
    return FiniteHorizonMDP(rng.dirichlet(np.full(S, 0.5), size=(H, S, A)),
                            rng.random((H, S, A)), H, initial=np.full(S, 1.0 / S))


STAGED = _staged()
MDPS = {"riverswim": RIVER, "garnet": GARNET, "staged": STAGED}
N_EPISODES = 200


def drive_episodic(learner, ref, mdp, seed: int, *, n_episodes: int = N_EPISODES,
                   bernoulli: bool = False, learner_draws: bool = True) -> None:
    """Play ``learner`` and ``ref`` side by side for ``n_episodes`` episodes of ``mdp``; compare
    the declared policy and Q table at each episode's start and the Q table after every
    transition. A randomised policy's action comes from ``act`` (the learner's own generator)
    when ``learner_draws``, else from the environment's uniform, as the verifier draws it."""
    H, S, A = mdp.horizon, mdp.n_states, mdp.n_actions
    P = [mdp.stage_P(h) for h in range(H)]
    R = np.asarray(mdp.R)
    initial = np.asarray(mdp.initial)
    env = np.random.default_rng([seed, 77])
    slack = ref.slack
    learner.reset(S, A, H, seed, n_episodes=n_episodes)
    for k in range(n_episodes):
        where = f"{learner.algorithm} {learner.params()}, seed {seed}, episode {k}"
        pol = np.asarray(learner.start_episode())
        ref_pol = ref.start_episode()
        Q = learner.q_values()
        assert_close(Q, ref.Q, f"{where}: Q table at the episode's start", slack)
        randomised = pol.ndim == 3
        assert randomised == (np.ndim(ref_pol) == 3), f"{where}: declared policy {pol.shape}"
        if randomised:
            assert_close(pol, ref_pol, f"{where}: declared action probabilities")
        else:
            for h, s in zip(*np.nonzero(pol != ref_pol)):
                check_choice(int(pol[h, s]), ref.Q[h, s], Q[h, s],
                             f"{where}: declared action at (h, s) = ({h}, {s})", slack)
        u = env.random(1 + 3 * H)
        s = first_above(initial, u[0])
        for h in range(H):
            if not randomised:
                a = int(pol[h, s])
                assert learner.act(h, s) == a, f"{where}, step {h}: act() is not the declaration"
                b = ref.act(h, s)
                if b != a:
                    check_choice(a, ref.Q[h, s], learner.q_values()[h, s], f"{where}, step {h}",
                                 slack)
            elif learner_draws:
                a, b = learner.act(h, s), ref.act(h, s)
                assert a == b, f"{where}, step {h}: rlcert acted {a}, the reference {b}"
            else:
                a, b = first_above(pol[h, s], u[1 + 3 * h]), first_above(ref_pol[h, s],
                                                                        u[1 + 3 * h])
                assert a == b, f"{where}, step {h}: drawn actions {a} and {b} differ"
            r = float(R[h, s, a])
            if bernoulli:
                r = 1.0 if u[2 + 3 * h] < r else 0.0
            s2 = first_above(P[h][s, a], u[3 + 3 * h])
            learner.observe(h, s, a, r, s2)
            ref.observe(h, s, a, r, s2)
            assert_close(learner.q_values(), ref.Q,
                         f"{where}, step {h}: Q table after observe({h}, {s}, {a}, {r}, {s2})",
                         slack)
            s = s2


def _ref(cls, mdp, seed, **kw):
    return cls(mdp.n_states, mdp.n_actions, mdp.horizon, N_EPISODES, seed, **kw)


# -- episodic tests -------------------------------------------------------------------------------
CASES_UCBVI = [("riverswim", False, 1.0), ("riverswim", True, 0.01), ("garnet", True, 0.005),
               ("garnet", False, 1.0)]


@pytest.mark.parametrize("seed", SEEDS[:2])
@pytest.mark.parametrize("instance, bernoulli, bonus_scale", CASES_UCBVI)
def test_ucbvi_ch_matches_azar_2017_algorithm_3(instance, bernoulli, bonus_scale, seed):
    # bonus_scale = 1 is the paper's constant (7 H L sqrt(1/N) exceeds H at this size, so Q stays
    # clipped at H); the small scales (a documented deviation) exercise the unclipped update and
    # the clip at the previous episode's Q.
    mdp = MDPS[instance]
    drive_episodic(UCBVICH(bonus_scale=bonus_scale),
                   _ref(RefUCBVI, mdp, seed, bernstein=False, bonus_scale=bonus_scale),
                   mdp, seed, bernoulli=bernoulli)


@pytest.mark.parametrize("seed", SEEDS[:2])
@pytest.mark.parametrize("instance, bernoulli, bonus_scale", CASES_UCBVI)
def test_ucbvi_bf_matches_azar_2017_algorithm_4(instance, bernoulli, bonus_scale, seed):
    mdp = MDPS[instance]
    drive_episodic(UCBVIBF(bonus_scale=bonus_scale),
                   _ref(RefUCBVI, mdp, seed, bernstein=True, bonus_scale=bonus_scale),
                   mdp, seed, bernoulli=bernoulli)


CASES_QL = [("riverswim", True, {}), ("staged", False, {}), ("garnet", False, {"c": 0.1}),
            ("staged", True, {"delta": 0.2, "bonus_scale": 0.3})]


@pytest.mark.parametrize("seed", SEEDS[:2])
@pytest.mark.parametrize("instance, bernoulli, kw", CASES_QL)
def test_q_learning_hoeffding_matches_jin_2018_algorithm_1(instance, bernoulli, kw, seed):
    mdp = MDPS[instance]
    drive_episodic(OptimisticQLearning("hoeffding", **kw),
                   _ref(RefQLearning, mdp, seed, bernstein=False, **kw), mdp, seed,
                   bernoulli=bernoulli)


CASES_QLB = [("riverswim", True, {}), ("staged", False, {}),
             ("garnet", False, {"c1": 0.002}),  # c1 small: the variance branch of beta_t is active
             ("staged", True, {"c1": 0.001, "c2": 2.0, "bonus_scale": 0.5})]


@pytest.mark.parametrize("seed", SEEDS[:2])
@pytest.mark.parametrize("instance, bernoulli, kw", CASES_QLB)
def test_q_learning_bernstein_matches_jin_2018_algorithm_2(instance, bernoulli, kw, seed):
    mdp = MDPS[instance]
    drive_episodic(OptimisticQLearning("bernstein", **kw),
                   _ref(RefQLearning, mdp, seed, bernstein=True, **kw), mdp, seed,
                   bernoulli=bernoulli)


@pytest.mark.parametrize("seed", SEEDS[:2])
@pytest.mark.parametrize("instance, bernoulli", [("riverswim", False), ("riverswim", True),
                                                 ("garnet", False)])
@pytest.mark.parametrize("prior", ["beta", "gaussian"])
def test_psrl_matches_osband_2013(prior, instance, bernoulli, seed):
    mdp = MDPS[instance]
    drive_episodic(PSRL(reward_prior=prior), _ref(RefPSRL, mdp, seed, prior=prior), mdp, seed,
                   bernoulli=bernoulli)


@pytest.mark.parametrize("seed", SEEDS[:2])
@pytest.mark.parametrize("instance, bernoulli", [("riverswim", True), ("garnet", False)])
@pytest.mark.parametrize("epsilon, decay, learner_draws",
                         [(0.0, 0.0, True), (0.2, 0.0, True), (0.2, 0.0, False),
                          (1.0, 0.5, True), (0.5, 1.0, False)])
def test_greedy_and_epsilon_greedy_match_certainty_equivalence(epsilon, decay, learner_draws,
                                                               instance, bernoulli, seed):
    mdp = MDPS[instance]
    drive_episodic(Greedy(epsilon=epsilon, epsilon_decay=decay),
                   _ref(RefGreedy, mdp, seed, epsilon=epsilon, decay=decay), mdp, seed,
                   bernoulli=bernoulli, learner_draws=learner_draws)
