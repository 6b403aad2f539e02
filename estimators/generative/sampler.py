r"""The generative model: independent next-state draws for every state-action pair.

A *generative model* (Kearns and Singh 1999; Azar, Munos and Kappen 2013, Sec. 2) answers a query
``(s, a)`` with one independent draw ``s' ~ P(. | s, a)``. The estimators here query every pair the
same number of times ``n`` ("n samples per pair", ``n S A`` in total).

Two samplers, both compiled (numba) and both reading the model's transition operand (dense rows or
CSR, see :mod:`rlcert.mdp.kernels`):

* :func:`sample_counts` returns the next-state *counts* ``N(s, a, s')``: one multinomial per pair,
  drawn as a chain of conditional binomials over the row's support,

  .. math:: N_j \sim \mathrm{Binomial}\Big(n - \sum_{i<j} N_i,\;
            \frac{p_j}{1 - \sum_{i<j} p_i}\Big),

  which has the law of ``n`` i.i.d. draws tallied (the multinomial's chain rule), at ``O(nnz)`` work
  per pair whatever ``n``. Every plug-in estimator needs only these counts.
* :func:`sample_next_states` returns the draws themselves, ``(S, A, n)`` next states by inverse
  transform (:func:`rlcert.mdp.kernels.row_sample`), for algorithms that consume samples one at a
  time (Q-learning).

``seed`` is an int, a :class:`numpy.random.SeedSequence` or a :class:`numpy.random.Generator`
(used as is); the same seed gives the same numbers.
"""

from __future__ import annotations

import numbers

import numpy as np
from numba import njit, types
from numba.extending import overload

from rlcert.mdp import TabularMDP
from rlcert.mdp.kernels import row_sample

from .errors import GenerativeArgumentError


def as_generator(seed) -> np.random.Generator:
    """A :class:`numpy.random.Generator` from an int, a SeedSequence, a Generator or None."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None or isinstance(seed, np.random.SeedSequence):
        return np.random.Generator(np.random.PCG64(seed))
    if isinstance(seed, numbers.Integral) and not isinstance(seed, bool) and int(seed) >= 0:
        return np.random.Generator(np.random.PCG64(np.random.SeedSequence(int(seed))))
    raise GenerativeArgumentError(f"seed = {seed!r} must be a non-negative int, a "
                                  f"numpy SeedSequence, a numpy Generator or None")


def check_model(m, who: str = "m") -> TabularMDP:
    """The model, or :class:`GenerativeArgumentError` if it is not a :class:`TabularMDP`."""
    if not isinstance(m, TabularMDP):
        raise GenerativeArgumentError(f"{who} must be a TabularMDP, got {type(m).__name__}")
    return m


def check_samples(n, name: str = "n") -> int:
    """A positive integer number of samples per pair."""
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, (numbers.Integral, float)):
        raise GenerativeArgumentError(f"{name} = {n!r} must be a positive integer (samples per "
                                      f"state-action pair)")
    if isinstance(n, float) and not (np.isfinite(n) and float(n).is_integer()):
        raise GenerativeArgumentError(f"{name} = {n!r} must be a positive integer (samples per "
                                      f"state-action pair)")
    if int(n) < 1 or int(n) >= 2 ** 62:
        raise GenerativeArgumentError(f"{name} = {n!r} must be a positive integer below 2**62 "
                                      f"(samples per state-action pair)")
    return int(n)


# -- compiled kernels -----------------------------------------------------------------------------
def row_multinomial(T, row, n, rng, out):  # pragma: no cover - replaced inside compiled code
    """Add a Multinomial(``n``, ``T[row]``) draw to ``out`` (length S)."""
    raise NotImplementedError("row_multinomial is only callable from numba-compiled code")


@njit(cache=True)
def _binomial(rng, k, p):
    # conditional probabilities drift a few ulps outside [0, 1] when the row's mass is spent
    if p >= 1.0:
        return k
    if p <= 0.0 or k == 0:
        return 0
    return rng.binomial(k, p)


@overload(row_multinomial, inline="always")
def _row_multinomial_overload(T, row, n, rng, out):
    # The chain of conditional binomials; the last state with positive mass takes what is left,
    # so that the counts add up to n exactly.
    if isinstance(T, types.Array):
        def dense_impl(T, row, n, rng, out):
            S = T.shape[1]
            last = -1
            for j in range(S):
                if T[row, j] > 0.0:
                    last = j
            left = n
            mass = 1.0
            for j in range(last):
                p = T[row, j]
                if p > 0.0 and left > 0:
                    k = _binomial(rng, left, p / mass)
                    out[j] += k
                    left -= k
                    mass -= p
            if last >= 0:
                out[last] += left
        return dense_impl
    if isinstance(T, types.BaseTuple):
        def csr_impl(T, row, n, rng, out):
            indptr, indices, data = T
            last = -1
            for k in range(indptr[row], indptr[row + 1]):
                if data[k] > 0.0:
                    last = k
            left = n
            mass = 1.0
            for k in range(indptr[row], last if last >= 0 else indptr[row]):
                p = data[k]
                if p > 0.0 and left > 0:
                    c = _binomial(rng, left, p / mass)
                    out[indices[k]] += c
                    left -= c
                    mass -= p
            if last >= 0:
                out[indices[last]] += left
        return csr_impl
    return None


@njit(cache=True)
def counts_kernel(T, n_rows, n, rng, counts):
    """``counts[r, :] += Multinomial(n, T[r])`` for every row ``r < n_rows`` (rows in order, so a
    seeded generator gives the same counts on every run)."""
    for r in range(n_rows):
        row_multinomial(T, r, n, rng, counts[r])


@njit(cache=True)
def draws_kernel(T, n_rows, n, rng, out):
    """``out[r, i] ~ T[r]`` for every row and ``i < n`` (inverse transform of a uniform)."""
    for r in range(n_rows):
        for i in range(n):
            out[r, i] = row_sample(T, r, rng.random())


@njit(cache=True)
def one_draw_per_row(T, n_rows, rng, out):
    """``out[r] ~ T[r]``: one synchronous query of every pair (a Q-learning step)."""
    for r in range(n_rows):
        out[r] = row_sample(T, r, rng.random())


@njit(cache=True)
def pair_draws_kernel(T, row, n, rng, out):
    """``out[i] ~ T[row]`` for ``i < n`` (inverse transform of a uniform)."""
    for i in range(n):
        out[i] = row_sample(T, row, rng.random())


@njit(cache=True)
def rounds_kernel(T, n_rows, k, rng, out):
    """``out[i, r] ~ T[r]`` for ``k`` rounds ``i`` over every row ``r`` (round-major order)."""
    for i in range(k):
        for r in range(n_rows):
            out[i, r] = row_sample(T, r, rng.random())


@njit(cache=True)
def tally_kernel(S, A, draws, tally):
    """``tally[s, a, draws[i, s, a]] += 1`` for every step ``i`` and pair."""
    for i in range(draws.shape[0]):
        for s in range(S):
            for a in range(A):
                tally[s, a, draws[i, s, a]] += 1


# -- the verifier's sampler -----------------------------------------------------------------------
class BudgetExceeded(GenerativeArgumentError):
    """An estimator asked the sampler for more draws than its budget allows."""


class Sampler:
    r"""The generative model of a :class:`~rlcert.mdp.TabularMDP`: answers queries with independent
    next-state draws and counts every draw.

    An estimator sees the model only through this object (the verifier's generative protocol,
    :class:`rlcert.proofs_checks.protocols.GenerativeSubject`): ``sampler(s, a, n)`` gives ``n``
    next states of one pair, ``sampler.counts(n)`` the ``(S, A, S)`` next-state counts of ``n``
    draws of every pair (one multinomial per pair, ``O(nnz)`` work whatever ``n``),
    ``sampler.synchronous(k)`` ``k`` rounds of one draw of every pair, as ``(k, S, A)`` next
    states. ``drawn`` and ``drawn_per_pair`` count what was handed out; a request that would take
    the total past ``budget`` raises :class:`BudgetExceeded` and draws nothing. With ``tally``,
    ``tally[s, a, s']`` counts the next states handed out (for checks that rebuild the empirical
    model from what the estimator saw).

    Parameters
    ----------
    model : TabularMDP
    seed : int, SeedSequence, Generator or None
        The sampler's randomness (the verifier's, never the estimator's).
    budget : int, optional
        Total draws allowed (``None``: unlimited).
    tally : bool
    """

    def __init__(self, model, seed=None, *, budget: int | None = None, tally: bool = False):
        self._model = check_model(model)
        self._rng = as_generator(seed)
        if budget is not None:
            budget = check_samples(budget, "budget")
        self.budget = budget
        S, A = model.n_states, model.n_actions
        self.n_states, self.n_actions = S, A
        self.drawn = 0
        self._per_pair = np.zeros((S, A), dtype=np.int64)
        self._tally = np.zeros((S, A, S), dtype=np.int64) if tally else None

    @property
    def drawn_per_pair(self) -> np.ndarray:
        """Draws handed out for each pair (a copy)."""
        return self._per_pair.copy()

    @property
    def tally(self) -> np.ndarray | None:
        """Next states handed out per pair, ``(S, A, S)`` (a copy), when recorded."""
        return None if self._tally is None else self._tally.copy()

    @property
    def remaining(self) -> int | None:
        """Draws left in the budget (``None``: unlimited)."""
        return None if self.budget is None else self.budget - self.drawn

    def _charge(self, total: int) -> None:
        if self.budget is not None and self.drawn + total > self.budget:
            raise BudgetExceeded(f"the estimator asked for {total} more draws with {self.drawn} "
                                 f"of its budget {self.budget} spent")
        self.drawn += total

    def _pair(self, s, a) -> tuple[int, int]:
        for v, name, bound in ((s, "s", self.n_states), (a, "a", self.n_actions)):
            if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Integral) \
                    or not 0 <= int(v) < bound:
                raise GenerativeArgumentError(f"{name} = {v!r} is not an index in [0, {bound})")
        return int(s), int(a)

    def __call__(self, s: int, a: int, n: int = 1) -> np.ndarray:
        """``n`` independent next states of the pair ``(s, a)``, int64."""
        s, a = self._pair(s, a)
        n = check_samples(n)
        self._charge(n)
        out = np.empty(n, dtype=np.int64)
        pair_draws_kernel(self._model.operand, s * self.n_actions + a, n, self._rng, out)
        self._per_pair[s, a] += n
        if self._tally is not None:
            np.add.at(self._tally[s, a], out, 1)
        return out

    def counts(self, n: int) -> np.ndarray:
        """Next-state counts ``(S, A, S)`` of ``n`` draws of every pair."""
        n = check_samples(n)
        S, A = self.n_states, self.n_actions
        self._charge(n * S * A)
        counts = np.zeros((S * A, S), dtype=np.int64)
        counts_kernel(self._model.operand, S * A, n, self._rng, counts)
        counts = counts.reshape(S, A, S)
        self._per_pair += n
        if self._tally is not None:
            self._tally += counts
        return counts

    def synchronous(self, k: int = 1) -> np.ndarray:
        """``k`` rounds of one draw of every pair: next states ``(k, S, A)``, int64."""
        k = check_samples(k, "k")
        S, A = self.n_states, self.n_actions
        self._charge(k * S * A)
        out = np.empty((k, S * A), dtype=np.int64)
        rounds_kernel(self._model.operand, S * A, k, self._rng, out)
        out = out.reshape(k, S, A)
        self._per_pair += k
        if self._tally is not None:
            tally_kernel(S, A, out, self._tally)
        return out

    def __repr__(self) -> str:
        budget = "unlimited" if self.budget is None else str(self.budget)
        return (f"Sampler(S={self.n_states}, A={self.n_actions}, drawn={self.drawn}, "
                f"budget={budget})")


# -- public functions -----------------------------------------------------------------------------
def sample_counts(m: TabularMDP, n: int, seed=None) -> np.ndarray:
    r"""Next-state counts of ``n`` generative-model queries of every pair.

    Returns ``N`` of shape ``(S, A, S)``, int64, with ``N[s, a, :] ~ Multinomial(n, P(.|s, a))``
    independent across pairs and ``N[s, a, :].sum() == n``. Cost ``O(nnz(P))`` whatever ``n``.
    """
    m = check_model(m)
    n = check_samples(n)
    S, A = m.n_states, m.n_actions
    counts = np.zeros((S * A, S), dtype=np.int64)
    counts_kernel(m.operand, S * A, n, as_generator(seed), counts)
    return counts.reshape(S, A, S)


def sample_next_states(m: TabularMDP, n: int, seed=None) -> np.ndarray:
    """``n`` independent next states for every pair: ``X[s, a, i] ~ P(.|s, a)``, shape
    ``(S, A, n)``, int64 (inverse transform; ``O(n S A nnz-per-row)`` work)."""
    m = check_model(m)
    n = check_samples(n)
    S, A = m.n_states, m.n_actions
    out = np.empty((S * A, n), dtype=np.int64)
    draws_kernel(m.operand, S * A, n, as_generator(seed), out)
    return out.reshape(S, A, n)


def empirical_model(m: TabularMDP, counts: np.ndarray, gamma: float | None = None,
                    rewards=None) -> TabularMDP:
    r"""The empirical MDP ``M_hat``: ``P_hat(s'|s, a) = N(s, a, s') / N(s, a)``, the true rewards
    (or ``rewards``) and ``gamma`` (default: the model's).

    Every pair must have been sampled at least once.
    """
    m = check_model(m)
    counts = np.asarray(counts)
    S, A = m.n_states, m.n_actions
    if counts.shape != (S, A, S):
        raise GenerativeArgumentError(f"counts must have shape ({S}, {A}, {S}), got "
                                      f"{counts.shape}")
    totals = counts.sum(axis=2)
    if np.any(totals <= 0):
        s, a = np.argwhere(totals <= 0)[0]
        raise GenerativeArgumentError(f"counts[{s}, {a}, :] sums to {totals[s, a]}: every pair "
                                      f"needs at least one sample")
    P_hat = counts / totals[:, :, None]
    return TabularMDP(P_hat, m.R if rewards is None else rewards,
                      m.gamma if gamma is None else gamma, m.initial, copy=False)


__all__ = ["Sampler", "BudgetExceeded", "sample_counts", "sample_next_states", "empirical_model",
           "as_generator"]
