r"""(s,a)-rectangular uncertainty sets: one small class per set, one method.

Each set describes, for every state-action pair, a set ``U(s, a)`` of next-state distributions
around the nominal row ``p0 = P(. | s, a)``; nature picks the worst ``p`` in it independently for
each pair (``(s,a)``-rectangularity, Iyengar 2005; Nilim and El Ghaoui 2005; the s-rectangular
generalisation is Wiesemann, Kuhn and Rustem 2013). The one method,
:meth:`UncertaintySet.worst_case`, solves the inner problem

.. math:: \sigma_{U}(V) = \min_{p \in U(s, a)} p \cdot V

for one row and returns ``(value, p)``. The *penalty* classes solve the robust-regularised
inner problem ``min_p p.V + beta D(p || p0)`` instead, over all distributions (``p << p0`` for
KL and chi-square).

Radii are in each set's own units, stated per class: TV is half the L1 distance, so
``TVBall(r)`` is ``L1Ball(2 r)``. A radius (or ``beta``) is a number ``>= 0`` (``inf`` allowed), or
an array of shape ``(S, A)`` (one per state-action pair) or ``(H, S, A)`` (finite horizon, one per
stage); :meth:`worst_case` takes the scalar form.

Support. KL and chi-square sets (and penalties) only reweight the support of ``p0``: ``p << p0``,
no mass reaches a state with ``p0 = 0``; as ``rho -> inf`` they tend to the simplex on
``supp(p0)``. The L1/TV, L-infinity and Wasserstein-1 sets (and the TV penalty) may put mass on any
state, including those with ``p0 = 0``; as ``rho -> inf`` they tend to the whole simplex.

A new set is one new subclass of :class:`UncertaintySet` with a :meth:`~UncertaintySet.worst_case`
method; the solvers call it row by row (in Python). The built-in sets run compiled solvers
(:mod:`rlcert.mdp.robust.kernels`), all exact except the KL ball, which reports its duality gap.

References
----------
* G. N. Iyengar (2005), Robust dynamic programming, Math. Oper. Res. 30(2):257-280.
* A. Nilim and L. El Ghaoui (2005), Robust control of Markov decision processes with uncertain
  transition matrices, Oper. Res. 53(5):780-798.
* W. Wiesemann, D. Kuhn and B. Rustem (2013), Robust Markov decision processes, Math. Oper. Res.
  38(1):153-183.
* Z. Hu and L. J. Hong (2013), Kullback-Leibler divergence constrained distributionally robust
  optimization, Optimization Online.
* J. C. Duchi and H. Namkoong (2021), Learning models with uniform performance via
  distributionally robust optimization, Ann. Statist. 49(3).
* R. Gao and A. J. Kleywegt (2016), Distributionally robust stochastic optimization with
  Wasserstein distance, arXiv:1604.02199 (Math. Oper. Res. 2023).
* P. Sinha and A. A. Zoltners (1979), The multiple-choice knapsack problem, Oper. Res. 27(3).
* T. Jaksch, R. Ortner and P. Auer (2010), Near-optimal regret bounds for reinforcement learning,
  JMLR 11; C. P. Ho, M. Petrik and W. Wiesemann (2018), Fast Bellman updates for robust MDPs,
  ICML (the L1 inner problem).
* Penalty form: W. Yang, H. Wang, T. Kozuno, S. M. Jordan and Z. Zhang (2023), Robust Markov
  decision processes without model estimation, arXiv:2302.01248 (robust regularised MDPs); C. Tang,
  Z. Liu and P. Xu (2025), Robust offline reinforcement learning with linearly structured
  f-divergence regularization, ICML (the KL closed form ``-beta log E_p0 exp(-V / beta)`` and the
  TV and chi-square penalties).
"""

from __future__ import annotations

import abc
import numbers
from typing import NamedTuple

import numpy as np
from numba import njit

from .._validate import as_float_array, check_finite, check_probability_rows, check_values
from ..errors import InvalidArgumentError
from . import kernels as _k


class WorstCase(NamedTuple):
    """The solution of one inner problem: ``value = min`` and an optimal ``p``."""

    value: float
    p: np.ndarray


def _check_param(x, name: str, shapes: tuple[str, ...] = ("(S, A)", "(H, S, A)")):
    """A number >= 0 (inf allowed), or an array of such numbers with one of ``shapes`` (given by
    their names; only the number of axes is checked here); returned as float or array."""
    if isinstance(x, numbers.Real) and not isinstance(x, bool):
        v = float(x)
        if np.isnan(v) or v < 0:
            raise InvalidArgumentError(f"{name}={x!r} must be a number >= 0 (inf allowed)")
        return v
    if isinstance(x, bool):
        raise InvalidArgumentError(f"{name} must be a number >= 0 or an array, got {x!r}")
    arr = as_float_array(x, name, InvalidArgumentError)
    ndims = {len([p for p in shape.strip("()").split(",") if p.strip()]) for shape in shapes}
    if arr.ndim not in ndims or arr.size == 0:
        raise InvalidArgumentError(f"{name} must be a number or an array of shape "
                                   f"{' or '.join(shapes)}, got shape {arr.shape}")
    bad = np.isnan(arr) | (arr < 0)
    if bad.any():
        i = tuple(int(t) for t in np.argwhere(bad)[0])
        raise InvalidArgumentError(f"{name}[{', '.join(map(str, i))}] = {float(arr[i])!r} must be "
                                   f">= 0 (inf allowed)")
    out = np.array(arr, dtype=np.float64, copy=True)
    out.flags.writeable = False
    return out


def _check_row(p0, V) -> tuple[np.ndarray, np.ndarray]:
    p0 = as_float_array(p0, "p0", InvalidArgumentError)
    if p0.ndim != 1 or p0.size == 0:
        raise InvalidArgumentError(f"p0 must be a non-empty vector, got shape {p0.shape}")
    check_probability_rows(p0, "p0", InvalidArgumentError)
    V = as_float_array(V, "V", InvalidArgumentError)
    if V.shape != p0.shape:
        raise InvalidArgumentError(f"V has shape {V.shape} but p0 has shape {p0.shape}")
    V = check_values(V, p0.shape)
    return np.ascontiguousarray(p0), V


class UncertaintySet(abc.ABC):
    """An ``(s,a)``-rectangular uncertainty set (the adversary, "nature").

    Subclasses implement :meth:`worst_case`. ``rectangularity = "sa"`` marks sets whose inner
    problem decouples over actions; state-rectangular sets (one budget shared by the actions of
    a state) need a state-level inner problem and declare ``"s"``.
    """

    rectangularity = "sa"
    #: Compiled solver of the built-in sets (see :mod:`rlcert.mdp.robust.kernels`); ``None`` for
    #: sets solved by calling :meth:`worst_case` row by row.
    _kind: int | None = None

    @abc.abstractmethod
    def worst_case(self, p0, V) -> WorstCase:
        """Solve ``min_{p in U(p0)} p . V`` for one nominal row ``p0`` (a probability vector of
        shape ``(S,)``) and values ``V`` of shape ``(S,)``; return ``(value, p)``."""


class _CompiledSet(UncertaintySet):
    """Shared machinery of the built-in sets: parameter checks, the compiled single-row solve."""

    _param_name = "radius"
    _kind: int  # every concrete compiled set names its solver

    def __init__(self, param):
        self._param = _check_param(param, self._param_name)

    def _row_param(self, param):
        """The parameter in the compiled solver's units (the L1 budget for TV)."""
        return param

    def _check_states(self, S: int) -> None:
        """Refuse a model or row whose number of states the set cannot serve."""

    def _globals(self, V: np.ndarray) -> tuple:
        return _k.prepare_globals(self._kind, V)

    def worst_case(self, p0, V) -> WorstCase:
        """Solve the inner problem for one nominal row ``p0`` (probability vector, sum within
        1e-9 of 1) and values ``V``; return ``(value, p)`` (see the class docstring)."""
        p0, V = _check_row(p0, V)
        self._check_states(p0.shape[0])
        if not isinstance(self._param, float):
            raise InvalidArgumentError(
                f"worst_case needs a scalar {self._param_name}; this set has an array of shape "
                f"{self._param.shape}: build {type(self).__name__}({self._param_name}=...) with "
                f"the entry of the pair you want")
        idx = np.flatnonzero(p0).astype(np.int64)
        value, p, _ = _k.solve_one(self._kind, idx, p0[idx], V, self._row_param(self._param),
                                self._globals(V))
        return WorstCase(float(value), p)

    def __repr__(self) -> str:
        p = self._param
        shown = f"{p:g}" if isinstance(p, float) else f"array{p.shape}"
        return f"{type(self).__name__}({self._param_name}={shown})"


class _Ball(_CompiledSet):
    @property
    def radius(self):
        """The radius, in the set's own units (a float, or a read-only array)."""
        return self._param


class _Penalty(_CompiledSet):
    _param_name = "beta"

    @property
    def beta(self):
        """The penalty weight ``beta`` (a float, or a read-only array)."""
        return self._param


class L1Ball(_Ball):
    r"""``U = {p in simplex : ||p - p0||_1 <= radius}``; radius in L1 units, in [0, 2]
    (``radius >= 2`` is the whole simplex).

    Mass may move to states where ``p0 = 0``. Worst case: move ``min(radius / 2, 1 - p0(j*))``
    onto ``j* = argmin_s V`` (over all states), taken from the states of ``supp(p0)`` with the
    largest ``V`` first. Exact; ``O(k log k)`` for ``k = |supp(p0)|`` (one argmin of ``V`` per
    sweep). The algorithm is the inner step of UCRL2's extended value iteration (Jaksch, Ortner and
    Auer 2010, Fig. 2) mirrored for minimisation; Ho, Petrik and Wiesemann (2018, "Fast Bellman
    updates for robust MDPs", ICML) give it as the O(S log S) sa-rectangular L1 update.
    """

    _kind = _k.KIND_L1


class TVBall(_Ball):
    r"""``U = {p in simplex : TV(p, p0) <= radius}``, ``TV = ||p - p0||_1 / 2``; radius in [0, 1]
    (``radius >= 1`` is the whole simplex). ``TVBall(r)`` is ``L1Ball(2 r)``: the same algorithm
    and references as :class:`L1Ball`. Mass may move to states where ``p0 = 0``."""

    _kind = _k.KIND_L1

    def _row_param(self, param):
        return 2.0 * param


class LInfBall(_Ball):
    r"""``U = {p in simplex : max_j |p_j - p0_j| <= radius}``; radius in probability units, in
    [0, 1] (``radius >= 1`` is the whole simplex). Mass may move to states where ``p0 = 0``.

    An interval model ``max(0, p0_j - radius) <= p_j <= p0_j + radius`` (Nilim and El Ghaoui 2005,
    interval models): the inner problem is a continuous knapsack, solved greedily by filling the
    states in increasing order of ``V`` from their lower bounds. Exact; ``O(S log S)`` per sweep
    for the sort of ``V`` plus ``O(k)`` per row (at most ``2k + 1`` states receive mass).
    """

    _kind = _k.KIND_LINF


class KLBall(_Ball):
    r"""``U = {p << p0 : KL(p || p0) = sum_j p_j log(p_j / p0_j) <= radius}``; radius in nats.

    Only ``supp(p0)`` can carry mass; ``radius >= -log p0(argmin_{supp} V)`` reaches the vertex
    ``min_{supp(p0)} V``. Solved through the 1-D concave dual
    ``sup_{lam >= 0} -lam log E_p0[exp(-V / lam)] - lam radius`` (Nilim and El Ghaoui 2005;
    Iyengar 2005; Hu and Hong 2013), whose ``lam -> 0`` limit is the vertex case: safeguarded Newton
    on ``log(1/lam)``, ``O(k)`` per step, stopped when a feasible primal point and the dual bound
    agree to a few ulps of ``max V - min V`` (this gap enters the solvers' certificates).
    """

    _kind = _k.KIND_KL


class ChiSquareBall(_Ball):
    r"""``U = {p << p0 : chi2(p || p0) = sum_j (p_j - p0_j)^2 / p0_j <= radius}`` (Pearson);
    radius dimensionless.

    Only ``supp(p0)`` can carry mass; ``radius >= 1 / p0(M) - 1``, ``M = argmin_{supp} V``,
    reaches the vertex ``min_{supp(p0)} V``. Exact: the dual
    ``max_eta eta - sqrt(1 + radius) ||(eta - V)_+||_{L2(p0)}`` (Lagrangian duality; the
    Cressie-Read form of Duchi and Namkoong 2021, Ann. Statist.) is maximised in closed form on
    each stretch between sorted values, ``O(k log k)``. Chi-square (ellipsoidal) sets appear in
    Iyengar (2005) and Nilim and El Ghaoui (2005) as second-order approximations of the
    relative-entropy (likelihood) sets.
    """

    _kind = _k.KIND_CHI2


@njit(cache=True)
def _triangle_violation(d, tol):
    """A triple ``(i, j, k)`` with ``d[i, k] > d[i, j] + d[j, k] + tol``, or ``(-1, -1, -1)``.
    ``O(S^3)`` (about a second at S = 1000), once per set."""
    S = d.shape[0]
    for i in range(S):
        for j in range(S):
            for k in range(S):
                if d[i, k] > d[i, j] + d[j, k] + tol:
                    return i, j, k
    return -1, -1, -1


def _check_metric(metric) -> np.ndarray:
    d = as_float_array(metric, "metric", InvalidArgumentError)
    if d.ndim != 2 or d.shape[0] != d.shape[1] or d.shape[0] == 0:
        raise InvalidArgumentError(f"metric must be a square (S, S) array, got shape {d.shape}")
    check_finite(d, "metric", InvalidArgumentError)
    if (d < 0).any():
        i, j = np.argwhere(d < 0)[0]
        raise InvalidArgumentError(f"metric[{i}, {j}] = {float(d[i, j])!r} is negative")
    diag = np.diagonal(d)
    if (diag != 0).any():
        i = int(np.flatnonzero(diag != 0)[0])
        raise InvalidArgumentError(f"metric[{i}, {i}] = {float(diag[i])!r}, not 0")
    tol = 1e-12 * float(d.max())
    asym = np.abs(d - d.T) > tol
    if asym.any():
        i, j = np.argwhere(asym)[0]
        raise InvalidArgumentError(f"metric is not symmetric: metric[{i}, {j}] = "
                                   f"{float(d[i, j])!r} but metric[{j}, {i}] = {float(d[j, i])!r}")
    d = np.ascontiguousarray(d, dtype=np.float64)
    i, j, k = _triangle_violation(d, tol)
    if i >= 0:
        raise InvalidArgumentError(f"metric violates the triangle inequality: metric[{i}, {k}] = "
                                   f"{float(d[i, k])!r} > metric[{i}, {j}] + metric[{j}, {k}] = "
                                   f"{float(d[i, j] + d[j, k])!r}")
    return d


class WassersteinBall(_Ball):
    r"""``U = {p in simplex : W_1(p, p0) <= radius}``, ``W_1`` the optimal-transport distance for
    the ground ``metric`` ``d`` (an ``(S, S)`` array: finite, >= 0, zero diagonal, symmetric,
    triangle inequality; checked; a pseudometric is allowed, and states at distance 0 then
    exchange mass for free); radius in the units of ``d``. ``radius >= sum_i p0_i d(i, j*)``,
    ``j* = argmin V``, reaches ``min V``; mass may move to states where ``p0 = 0``.

    The inner problem is the transport LP ``min sum_ij pi_ij V_j`` over couplings with first
    marginal ``p0`` and cost ``sum_ij pi_ij d_ij <= radius``. Its only coupling constraint is the
    budget, so it is the LP relaxation of a multiple-choice knapsack and the greedy on convex
    hulls solves it exactly (Sinha and Zoltners 1979): each source's mass slides along the lower
    convex hull of ``{(d(i, j), V_j)}_j``, hull edges of all sources taken by increasing slope.
    Equivalently the dual ``sup_{lam >= 0} -lam radius + sum_i p0_i min_j (V_j + lam d_ij)`` (Gao
    and Kleywegt 2016). ``O(S^2)`` per sweep for the hulls, ``O(E log E)`` per row for its ``E``
    hull edges.
    """

    _kind = _k.KIND_W1

    def __init__(self, radius, metric):
        super().__init__(radius)
        self._metric = _check_metric(metric)
        self._metric.flags.writeable = False
        self._metric_order = np.ascontiguousarray(np.argsort(self._metric, axis=1, kind="stable"),
                                                  dtype=np.int64)

    @property
    def metric(self) -> np.ndarray:
        """The ground metric ``d`` (read-only ``(S, S)`` array)."""
        return self._metric

    def _check_states(self, S: int) -> None:
        if self._metric.shape[0] != S:
            raise InvalidArgumentError(f"the metric is for {self._metric.shape[0]} states, but the "
                                       f"row or model has {S}")

    def _globals(self, V: np.ndarray) -> tuple:
        return _k.prepare_globals(self._kind, V, self._metric, self._metric_order)


class TVPenalty(_Penalty):
    r"""Robust-regularised inner problem ``min_{p in simplex} p.V + beta TV(p, p0)``,
    ``TV = ||p - p0||_1 / 2``; ``beta`` in value units per unit of moved mass.

    Closed form ``E_p0[min(V, min_s V + beta)]``: the mass of every state with
    ``V_j > min V + beta`` moves to ``argmin_s V`` (any state, including ``p0 = 0``). ``beta = 0``
    gives ``min V``; ``beta >= max V - min V`` gives ``p0 . V``. ``O(k)``. The penalty (regularised)
    form of robust MDPs with f-divergences is the RRMDP of Yang, Wang, Kozuno, Jordan and Zhang
    (2023, "Robust Markov decision processes without model estimation"), used by Tang, Liu and Xu
    (2025, ICML, "Robust offline RL with linearly structured f-divergence regularization").
    """

    _kind = _k.KIND_TV_PENALTY


class KLPenalty(_Penalty):
    r"""Robust-regularised inner problem ``min_{p << p0} p.V + beta KL(p || p0)``; ``beta`` in
    value units per nat.

    Closed form (Donsker-Varadhan): ``-beta log E_p0[exp(-V / beta)]``, attained by
    ``p ~ p0 exp(-V / beta)``, computed around ``min V`` with ``log1p``/``expm1`` so that neither
    small nor large ``beta`` overflows or cancels. ``beta = 0`` gives ``min_{supp(p0)} V``,
    ``beta = inf`` gives ``p0 . V``. ``O(k)``. References as for :class:`TVPenalty`.
    """

    _kind = _k.KIND_KL_PENALTY


class ChiSquarePenalty(_Penalty):
    r"""Robust-regularised inner problem ``min_{p << p0} p.V + beta chi2(p || p0)``,
    ``chi2 = sum_j (p_j - p0_j)^2 / p0_j``; ``beta`` in value units.

    KKT: ``p_j = p0_j (eta - V_j)_+ / (2 beta)`` with ``E_p0[(eta - V)_+] = 2 beta``, solved exactly
    on the sorted values; the value is ``eta - beta - E_p0[(eta - V)_+^2] / (4 beta)``.
    ``beta = 0`` gives ``min_{supp(p0)} V``, ``beta = inf`` gives ``p0 . V``. ``O(k log k)``.
    References as for :class:`TVPenalty`.
    """

    _kind = _k.KIND_CHI2_PENALTY
