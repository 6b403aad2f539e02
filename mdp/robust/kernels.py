r"""Compiled robust kernels: the inner problems of one row, and the sweeps over all states.

Inner problems. Every solver takes the row in support form (``idx``: the states with ``p0 > 0``,
``w``: their masses), the full ``V`` (sets that may move mass outside the support need it), the
set's parameter and the per-sweep quantities of :func:`prepare_globals`, and writes the worst-case
``p`` as a list of ``(state, mass)`` pairs. It returns ``(value, n_out, gap)``:

* ``value``: the inner optimum, ``p . V`` for the balls, ``p . V + beta D(p || p0)`` for the
  penalties, computed from the returned ``p``;
* ``n_out``: the number of pairs written to ``out_idx`` / ``out_val`` (distinct states; entries may
  be 0);
* ``gap``: a bound on ``value - (true optimum)`` in exact arithmetic. It is 0 for every solver
  except the KL ball, whose 1-D dual is solved numerically and whose gap is the distance between
  a feasible primal point and a dual lower bound.

A row is a probability vector (the models accept rows summing to 1 within 1e-9). The KL and
chi-square solvers use the normalised row ``p0 / sum(p0)`` and return ``p`` summing to 1; the
others move mass of the row as given, so ``sum p = sum p0``. ``mark`` is an ``(S,)`` int64 scratch
array equal to -1 on entry, restored on exit; ``out_idx`` / ``out_val`` have room for ``S``
entries. Kinds (``kind`` argument of :func:`inner_row`): 0 L1 ball (parameter: the L1 radius; the
TV ball passes twice its radius), 1 L-infinity ball, 2 KL ball, 3 chi-square ball,
4 Wasserstein-1 ball, 10 TV penalty, 11 KL penalty, 12 chi-square penalty.

Sweeps. The transition operand is always CSR, ``T = (indptr, indices, data)`` with int64 indices
and no stored zeros, so that a row's support is what the kernels see (see
:func:`rlcert.mdp.robust.solve.robust_operand`); row ``offset + s*A + a`` holds ``P[s, a, :]``.
``param[param_offset + s*A + a]`` is the set's parameter for that row (radius, or ``beta`` for a
penalty), ``G`` the per-sweep quantities of :func:`prepare_globals`.

* :func:`robust_rows` / :func:`robust_backup`: ``Q[s, a] = R[s, a] + gamma sigma_{s,a}(V)`` with
  ``sigma_{s,a}(V) = min_{p in U(s, a)} p . V`` (or the penalised minimum), ``V_out = max_a Q``,
  the first maximising action, and ``gap_out[s]`` the largest inner gap of the state's rows;
* :func:`robust_policy_rows` / :func:`robust_policy_backup`:
  ``V_out[s] = sum_a pi(a|s) (R[s, a] + gamma sigma_{s,a}(V))``;
* :func:`worst_case_rows` / :func:`worst_case_parallel`: the worst-case rows as CSR.

Each sweep has a serial core over a range of states and a parallel driver over chunks of states
(as :mod:`rlcert.mdp.kernels`); each call of a core allocates its own ``(S,)`` scratch arrays.
Everything compiled lives in this one module: numba's on-disk cache does not follow calls
into other files, so a sweep cached in another module could keep running an older inner solver.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from ..kernels import FASTMATH, MAX_CHUNKS

KIND_L1 = 0
KIND_LINF = 1
KIND_KL = 2
KIND_CHI2 = 3
KIND_W1 = 4
KIND_TV_PENALTY = 10
KIND_KL_PENALTY = 11
KIND_CHI2_PENALTY = 12

#: Unit roundoff of float64 (the KL solver's stopping rule is a few of them).
_U = 2.0 ** -53
_MAX_NEWTON = 200
#: Sweeps over fewer stored transition entries than this (and hull computations over fewer metric
#: entries) run serially: below it, starting the threads costs more than the work.
PARALLEL_MIN_ENTRIES = 4096


@njit(cache=True)
def _n_chunks(n):
    """Chunks of the parallel sweeps, as in :mod:`rlcert.mdp.kernels`."""
    return max(1, min(n, MAX_CHUNKS))


# -- output list --------------------------------------------------------------------------------

@njit(cache=True)
def _emit(j, mass, mark, out_idx, out_val, n):
    """Add ``mass`` to state ``j`` of the output list of length ``n``; returns the new length."""
    pos = mark[j]
    if pos < 0:
        mark[j] = n
        out_idx[n] = j
        out_val[n] = mass
        return n + 1
    out_val[pos] += mass
    return n


@njit(cache=True, fastmath=FASTMATH)
def _finish(V, mark, out_idx, out_val, n):
    """``p . V`` of the output list, and ``mark`` restored to -1."""
    acc = 0.0
    for t in range(n):
        j = out_idx[t]
        acc += out_val[t] * V[j]
        mark[j] = -1
    return acc


@njit(cache=True)
def _copy_row(idx, w, scale, mark, out_idx, out_val):
    n = 0
    for q in range(idx.shape[0]):
        n = _emit(idx[q], w[q] * scale, mark, out_idx, out_val, n)
    return n


@njit(cache=True)
def _support_range(idx, w, V):
    """``(total mass, min V, max V)`` over the support."""
    total = 0.0
    vmin = np.inf
    vmax = -np.inf
    for q in range(idx.shape[0]):
        total += w[q]
        v = V[idx[q]]
        vmin = min(vmin, v)
        vmax = max(vmax, v)
    return total, vmin, vmax


@njit(cache=True)
def _vertex(idx, w, V, vmin, mark, out_idx, out_val):
    """The normalised restriction of the row to ``argmin_{supp} V`` (the rho = inf answer of the
    support-restricted sets)."""
    mass = 0.0
    for q in range(idx.shape[0]):
        if V[idx[q]] == vmin:
            mass += w[q]
    n = 0
    for q in range(idx.shape[0]):
        if V[idx[q]] == vmin:
            n = _emit(idx[q], w[q] / mass, mark, out_idx, out_val, n)
    return n


# -- L1 / TV ball -------------------------------------------------------------------------------

@njit(cache=True, fastmath=FASTMATH)
def l1_row(idx, w, V, budget, jmin, mark, out_idx, out_val):
    """``min p.V`` over ``||p - p0||_1 <= budget``, ``p >= 0``, ``sum p = sum p0``.

    Move ``eps = min(budget / 2, mass of p0 off jmin)`` onto ``jmin = argmin_s V`` (any state: the
    set contains distributions that put mass where ``p0 = 0``), taken from the support states of
    largest ``V`` first. ``O(k log k)`` for ``k`` support entries.
    """
    k = idx.shape[0]
    removable = 0.0
    w_min = 0.0
    for q in range(k):
        if idx[q] == jmin:
            w_min += w[q]
        else:
            removable += w[q]
    eps = min(0.5 * budget, removable)
    if not eps > 0.0:
        n = _copy_row(idx, w, 1.0, mark, out_idx, out_val)
        return _finish(V, mark, out_idx, out_val, n), n, 0.0
    vals = np.empty(k)
    for q in range(k):
        vals[q] = V[idx[q]]
    order = np.argsort(vals)
    take = np.zeros(k)
    rest = eps
    for t in range(k - 1, -1, -1):
        q = order[t]
        if idx[q] == jmin:
            continue
        tk = min(w[q], rest)
        take[q] = tk
        rest -= tk
        if rest <= 0.0:
            break
    moved = eps - max(rest, 0.0)
    n = 0
    for q in range(k):
        if idx[q] != jmin and w[q] - take[q] > 0.0:
            n = _emit(idx[q], w[q] - take[q], mark, out_idx, out_val, n)
    n = _emit(jmin, w_min + moved, mark, out_idx, out_val, n)
    return _finish(V, mark, out_idx, out_val, n), n, 0.0


# -- L-infinity ball ----------------------------------------------------------------------------

@njit(cache=True, fastmath=FASTMATH)
def linf_row(idx, w, V, rho, order, mark, out_idx, out_val):
    """``min p.V`` over ``max_j |p_j - p0_j| <= rho``, ``p >= 0``, ``sum p = sum p0``.

    A continuous knapsack: start every state at its lower bound ``max(0, p0_j - rho)`` and pour the
    missing mass ``F = sum_j min(p0_j, rho)`` into the states in increasing order of ``V``
    (``order`` is ``argsort(V)`` over all states), each up to ``p0_j + rho``. The walk visits at
    most ``2k + 1`` states (``F <= k rho`` and each state off the support takes up to ``rho``):
    ``O(k)`` per row after one ``O(S log S)`` sort per sweep.
    """
    k = idx.shape[0]
    F = 0.0
    n = 0
    for q in range(k):
        F += min(w[q], rho)
        n = _emit(idx[q], max(0.0, w[q] - rho), mark, out_idx, out_val, n)
    if F > 0.0:
        for t in range(order.shape[0]):
            j = order[t]
            pos = mark[j]
            if pos >= 0 and pos < k:  # a support state: its slot is its support position
                cap = min(w[pos], rho) + rho
            else:
                cap = rho
            add = min(cap, F)
            if add > 0.0:
                n = _emit(j, add, mark, out_idx, out_val, n)
                F -= add
            if F <= 0.0:
                break
    return _finish(V, mark, out_idx, out_val, n), n, 0.0


# -- KL ball ------------------------------------------------------------------------------------

@njit(cache=True, fastmath=FASTMATH)
def _kl_eval(wb, d, t, e):
    """At inverse temperature ``t``: ``log Z``, ``m = E_q d``, ``Var_q d``, ``KL(q || p0)`` for
    ``q ~ p0 exp(-t d)`` (``d >= 0``, ``min d = 0``). ``e`` receives ``exp(-t d)``."""
    k = d.shape[0]
    Z = 0.0
    S1 = 0.0
    M1 = 0.0
    for q in range(k):
        x = -t * d[q]
        if x > -0.5:  # e - 1 by expm1 where it cancels; one transcendental per entry
            em1 = math.expm1(x)
            eq = em1 + 1.0
        else:
            eq = math.exp(x)
            em1 = eq - 1.0
        e[q] = eq
        Z += wb[q] * eq
        S1 += wb[q] * em1
        M1 += wb[q] * eq * d[q]
    # log Z = log1p(sum p0 (e - 1)) keeps relative accuracy when Z is near 1 (small t)
    log_z = math.log1p(S1) if S1 > -0.5 else math.log(Z)
    m = M1 / Z
    var = 0.0
    for q in range(k):
        var += wb[q] * e[q] * (d[q] - m) ** 2
    var /= Z
    return log_z, m, var, -t * m - log_z


@njit(cache=True, fastmath=FASTMATH)
def kl_row(idx, w, V, rho, mark, out_idx, out_val):
    r"""``min p.V`` over ``KL(p || p0) <= rho``, ``p << p0``.

    Dual (Nilim and El Ghaoui 2005; Iyengar 2005): ``sup_{lam >= 0} -lam log E_p0 exp(-V/lam) -
    lam rho``. With ``t = 1/lam`` and ``q_t ~ p0 exp(-t V)``, the dual's derivative in ``lam`` is
    ``KL(q_t || p0) - rho``, and ``KL(q_t || p0)`` increases in ``t`` (its derivative is
    ``t Var_{q_t}(V)``) from 0 to ``-log p0(M)``, ``M = argmin_{supp} V``. Hence:

    * ``rho >= -log p0(M)`` (the ``lam -> 0`` limit): the optimum is ``min_{supp} V``, attained
      by ``p0`` restricted to ``M`` and renormalised;
    * otherwise ``t*`` solves ``KL(q_t || p0) = rho`` and ``p = q_{t*}``. Safeguarded Newton on
      ``log t`` with a bracket; every feasible iterate gives the upper bound ``E_{q_t} V`` and every
      iterate the dual lower bound; the loop stops when they agree to a few ulps (``gap``).

    ``O(k)`` per Newton step, typically under 10 steps.
    """
    k = idx.shape[0]
    total, vmin, vmax = _support_range(idx, w, V)
    if rho == 0.0 or vmax == vmin:
        n = _copy_row(idx, w, 1.0 / total, mark, out_idx, out_val)
        return _finish(V, mark, out_idx, out_val, n), n, 0.0
    wb = np.empty(k)
    d = np.empty(k)  # V - min V in units of max V - min V: the problem is invariant to the scale
    rest = 0.0  # mass off argmin, summed directly for accuracy when p0(M) is near 1
    mean0 = 0.0
    for q in range(k):
        wb[q] = w[q] / total
        d[q] = (V[idx[q]] - vmin) / (vmax - vmin)
        mean0 += wb[q] * d[q]
        if d[q] > 0.0:
            rest += wb[q]
    if rho >= -math.log1p(-rest):
        n = _vertex(idx, w, V, vmin, mark, out_idx, out_val)
        return _finish(V, mark, out_idx, out_val, n), n, 0.0
    var0 = 0.0
    for q in range(k):
        var0 += wb[q] * (d[q] - mean0) ** 2
    e = np.empty(k)
    tol = 8.0 * (k + 4) * _U
    s = 0.5 * math.log(2.0 * rho / var0)  # KL(q_t) ~ t^2 Var / 2 for small t
    # bracket [s_lo, s_hi] with f(s_lo) <= 0 < f(s_hi), f(s) = KL(q_{e^s}) - rho, and the Newton
    # step f / f' of each end (f' = t^2 Var_q)
    s_lo, s_hi = -np.inf, np.inf
    step_lo, step_hi = np.nan, np.nan
    best_t, upper, lower = 0.0, mean0, 0.0
    n_push = 0
    for _ in range(_MAX_NEWTON):
        t = math.exp(s)
        log_z, m, var, kl = _kl_eval(wb, d, t, e)
        lower = max(lower, (-log_z - rho) / t)  # weak duality at lam = 1/t
        f = kl - rho
        step = f / (t * t * var) if var > 0.0 else np.nan
        if f <= 0.0:
            s_lo, step_lo = s, step
            if m < upper:
                upper, best_t = m, t
        else:
            s_hi, step_hi = s, step
        if upper - lower <= tol:
            break
        if s_hi == np.inf:  # not bracketed yet: Newton, at most e^2 in t at a time
            s_new = s_lo + min(-step_lo, 2.0) if -step_lo > 0.0 else s_lo + 2.0
        elif s_lo == -np.inf:
            # no feasible point yet: Newton from above can stall a rounding error short of the
            # root, so step at least `push` (doubled whenever it is used) to reach KL <= rho
            push = 64.0 * _U * max(1.0, abs(s_hi)) * 2.0 ** n_push
            if step_hi > push:
                s_new = s_hi - min(step_hi, 2.0)
            else:
                s_new = s_hi - push
                n_push += 1
        else:
            # Newton from the new point, else from the other end of the bracket (convex pieces
            # make one side overshoot), else bisection
            other = s_hi - step_hi if f <= 0.0 else s_lo - step_lo
            s_new = 0.5 * (s_lo + s_hi)
            if s_lo < s - step < s_hi:
                s_new = s - step
            elif s_lo < other < s_hi:
                s_new = other
        if not s_lo < s_new < s_hi:
            break  # the bracket is down to adjacent floats
        s = s_new
    Z = 0.0
    for q in range(k):
        e[q] = math.exp(-best_t * d[q])
        Z += wb[q] * e[q]
    n = 0
    for q in range(k):
        n = _emit(idx[q], wb[q] * e[q] / Z, mark, out_idx, out_val, n)
    return _finish(V, mark, out_idx, out_val, n), n, max(upper - lower, 0.0) * (vmax - vmin)


# -- chi-square ball ----------------------------------------------------------------------------

@njit(cache=True, fastmath=FASTMATH)
def chi2_row(idx, w, V, rho, mark, out_idx, out_val):
    r"""``min p.V`` over ``sum_j (p_j - p0_j)^2 / p0_j <= rho``, ``p << p0``.

    KKT: ``p_j = p0_j (eta - V_j)_+ / E_p0[(eta - V)_+]`` with ``eta`` the maximiser of the concave
    dual ``eta - sqrt(1 + rho) ||(eta - V)_+||_{L2(p0)}``, i.e. ``E[(eta-V)_+^2] = (1 + rho)
    E[(eta-V)_+]^2``. On the stretch where the states with ``V_j < eta`` are the ``i`` smallest
    (mass ``A``, mean ``mu``, variance ``s2`` under ``p0`` restricted to them) this is the
    quadratic ``(eta - mu)^2 ((1 + rho) A - 1) = s2``, so ``eta = mu + sqrt(s2 / ((1 + rho) A -
    1))``; the first stretch (in increasing ``V``) whose root lies in it is the optimum (the dual's
    slope decreases). If ``(1 + rho) p0(M) >= 1``, ``M = argmin_{supp} V``, the optimum is the
    vertex ``p0`` restricted to ``M``. Exact: ``O(k log k)`` (one sort).
    """
    k = idx.shape[0]
    total, vmin, vmax = _support_range(idx, w, V)
    if rho == 0.0 or vmax == vmin:
        n = _copy_row(idx, w, 1.0 / total, mark, out_idx, out_val)
        return _finish(V, mark, out_idx, out_val, n), n, 0.0
    vals = np.empty(k)  # (V - min V) / (max V - min V): eta scales with V, no underflow
    for q in range(k):
        vals[q] = (V[idx[q]] - vmin) / (vmax - vmin)
    order = np.argsort(vals)
    suffix = np.empty(k + 1)  # suffix[i]: normalised mass of the sorted entries i, i+1, ...
    suffix[k] = 0.0
    for i in range(k - 1, -1, -1):
        suffix[i] = suffix[i + 1] + w[order[i]] / total
    A = 0.0
    mu = 0.0
    m2 = 0.0
    inv_r = 0.0  # 1 / (eta - mu), finite even when eta overflows (tiny rho)
    active = k
    i = 0
    while i < k:
        v = vals[order[i]]
        while i < k and vals[order[i]] == v:  # one group of equal values (weighted Welford)
            wq = w[order[i]] / total
            A += wq
            delta = v - mu
            mu += wq / A * delta
            m2 += wq * delta * (v - mu)
            i += 1
        c = rho * A - suffix[i]  # (1 + rho) A - 1, without cancellation
        if m2 <= 0.0:
            # the active values are equal (the minimisers, or a spread that underflows): p0
            # restricted to them is in the ball iff its chi2 = 1/A - 1 <= rho, i.e. c >= 0, and
            # then it is optimal (the vertex case when these are the minimisers)
            if c >= 0.0:
                active = i
                break
            continue
        if c > 0.0:
            inv_r = math.sqrt(c * A / m2)
            if i == k or (vals[order[i]] - mu) * inv_r >= 1.0:  # eta <= next value
                active = i
                break
    # p_j = p0_j (eta - V_j) / E_p0[(eta - V)_+] = (p0_j / A) (1 + (mu - V_j) / (eta - mu));
    # inv_r = 0 gives p0 restricted to the active states
    n = 0
    for t in range(active):
        q = order[t]
        n = _emit(idx[q], w[q] / total / A * (1.0 + (mu - vals[q]) * inv_r), mark, out_idx,
                  out_val, n)
    return _finish(V, mark, out_idx, out_val, n), n, 0.0


# -- Wasserstein-1 ball -------------------------------------------------------------------------

@njit(cache=True)
def w1_hull_rows(V, metric, metric_order, hull, hull_len, lo, hi):
    """For every source state ``lo <= i < hi``: the lower-left convex hull of the points
    ``(d(i, j), V_j)``, ``j = 0..S-1``, as state indices in ``hull[i, :hull_len[i]]`` with distance
    increasing and ``V`` strictly decreasing (``metric_order[i]`` is ``argsort(metric[i])``).
    ``O(S)`` per source (a monotone chain over the presorted points)."""
    S = V.shape[0]
    for i in range(lo, hi):
        n = 0
        best = np.inf
        for t in range(S):
            j = metric_order[i, t]
            y = V[j]
            if not y < best:  # only new record lows can lie on the decreasing part of the hull
                continue
            best = y
            x = metric[i, j]
            if n >= 1 and metric[i, hull[i, n - 1]] == x:
                n -= 1  # same distance, lower value: the earlier point is dominated
            while n >= 2:
                j1 = hull[i, n - 2]
                j2 = hull[i, n - 1]
                x1, y1 = metric[i, j1], V[j1]
                x2, y2 = metric[i, j2], V[j2]
                # j2 leaves the hull unless slope(j1, j2) < slope(j2, j)
                if (y2 - y1) * (x - x2) >= (y - y2) * (x2 - x1):
                    n -= 1
                else:
                    break
            hull[i, n] = j
            n += 1
        hull_len[i] = n


@njit(cache=True, parallel=True)
def w1_hulls_parallel(V, metric, metric_order, hull, hull_len):
    """Parallel :func:`w1_hull_rows` over all sources."""
    S = V.shape[0]
    n = _n_chunks(S)
    for c in prange(n):
        w1_hull_rows(V, metric, metric_order, hull, hull_len, c * S // n, (c + 1) * S // n)


@njit(cache=True, fastmath=FASTMATH)
def w1_row(idx, w, V, rho, metric, hull, hull_len, mark, out_idx, out_val):
    r"""``min p.V`` over ``W_1(p, p0) <= rho`` under the ground metric ``d``, i.e. the transport LP
    ``min sum_ij pi_ij V_j`` s.t. ``pi >= 0``, ``pi 1 = p0``, ``sum_ij pi_ij d_ij <= rho``.

    The LP couples the sources only through the budget: it is the LP relaxation of a
    multiple-choice knapsack, solved exactly by the greedy on convex hulls (Sinha and Zoltners
    1979). The mass of source ``i`` moves along the lower convex hull of ``{(d_ij, V_j)}_j``
    (:func:`w1_hull_rows`); the hull edges of all support sources are taken in increasing slope
    (``Delta V / Delta d``, most negative first), each at cost ``p0_i Delta d``, until the budget is
    spent; the last edge is taken fractionally. This is also the dual ``sup_{lam >= 0} -lam rho +
    sum_i p0_i min_j (V_j + lam d_ij)`` of Gao and Kleywegt (2016). ``O(E log E)`` for ``E`` hull
    edges of the support sources.
    """
    k = idx.shape[0]
    n_edges = 0
    for q in range(k):
        n_edges += hull_len[idx[q]] - 1
    keys = np.empty(n_edges)
    src = np.empty(n_edges, dtype=np.int64)
    num = np.empty(n_edges, dtype=np.int64)
    e = 0
    for q in range(k):
        i = idx[q]
        prev = -np.inf
        for t in range(hull_len[i] - 1):
            a, b = hull[i, t], hull[i, t + 1]
            slope = (V[b] - V[a]) / (metric[i, b] - metric[i, a])
            # slopes increase along a hull; rounding must not reorder one source's edges
            prev = max(prev, slope)
            keys[e] = prev
            src[e] = q
            num[e] = t
            e += 1
    pos = np.zeros(k, dtype=np.int64)
    split_q = -1
    frac = 0.0
    budget = rho
    if n_edges > 0 and budget > 0.0:
        for r in np.argsort(keys, kind="mergesort"):
            q = src[r]
            i = idx[q]
            t = num[r]
            cost = w[q] * (metric[i, hull[i, t + 1]] - metric[i, hull[i, t]])
            if cost <= budget:
                budget -= cost
                pos[q] = t + 1
            else:
                split_q = q
                frac = budget / cost
                budget = 0.0
            if not budget > 0.0:
                break
    n = 0
    for q in range(k):
        i = idx[q]
        here = hull[i, pos[q]]
        if q == split_q:
            n = _emit(here, w[q] * (1.0 - frac), mark, out_idx, out_val, n)
            n = _emit(hull[i, pos[q] + 1], w[q] * frac, mark, out_idx, out_val, n)
        else:
            n = _emit(here, w[q], mark, out_idx, out_val, n)
    return _finish(V, mark, out_idx, out_val, n), n, 0.0


# -- penalties ----------------------------------------------------------------------------------

@njit(cache=True, fastmath=FASTMATH)
def tv_penalty_row(idx, w, V, beta, jmin, mark, out_idx, out_val):
    """``min_p p.V + beta TV(p, p0)`` (``TV = ||p - p0||_1 / 2``, mass may go anywhere).

    Moving mass ``m`` from ``j`` to ``jmin = argmin_s V`` changes the objective by
    ``m (V_min + beta - V_j)``: move every support state with ``V_j > V_min + beta``. The optimum
    is ``E_p0[min(V, V_min + beta)]``. ``O(k)``.
    """
    vmin = V[jmin]
    cap = vmin + beta
    moved = 0.0
    value = 0.0
    n = 0
    for q in range(idx.shape[0]):
        j = idx[q]
        v = V[j]
        value += w[q] * min(v, cap)
        if j != jmin and v > cap:
            moved += w[q]
        else:
            n = _emit(j, w[q], mark, out_idx, out_val, n)
    if moved > 0.0:
        n = _emit(jmin, moved, mark, out_idx, out_val, n)
    _finish(V, mark, out_idx, out_val, n)
    return value, n, 0.0


@njit(cache=True, fastmath=FASTMATH)
def kl_penalty_row(idx, w, V, beta, mark, out_idx, out_val):
    """``min_{p << p0} p.V + beta KL(p || p0) = -beta log E_p0 exp(-V / beta)`` (Donsker-Varadhan),
    attained by ``p ~ p0 exp(-V / beta)``. ``beta = 0``: ``min_{supp} V``; ``beta = inf``:
    ``p0 . V``. ``O(k)``."""
    k = idx.shape[0]
    total, vmin, vmax = _support_range(idx, w, V)
    t = (vmax - vmin) / beta if beta > 0.0 else np.inf  # inverse temperature in units of the range
    if beta == np.inf or vmax == vmin or t == 0.0:
        n = _copy_row(idx, w, 1.0 / total, mark, out_idx, out_val)
        return _finish(V, mark, out_idx, out_val, n), n, 0.0
    wb = np.empty(k)
    d = np.empty(k)
    e = np.empty(k)
    rest = 0.0
    for q in range(k):
        wb[q] = w[q] / total
        d[q] = (V[idx[q]] - vmin) / (vmax - vmin)
        if d[q] > 0.0:
            rest += wb[q]
    if t == np.inf:  # beta = 0, or so small that exp(-d / beta) underflows off argmin
        n = _vertex(idx, w, V, vmin, mark, out_idx, out_val)
        _finish(V, mark, out_idx, out_val, n)
        return vmin - beta * math.log1p(-rest), n, 0.0
    log_z, _, _, _ = _kl_eval(wb, d, t, e)
    Z = 0.0
    for q in range(k):
        Z += wb[q] * e[q]
    n = 0
    for q in range(k):
        n = _emit(idx[q], wb[q] * e[q] / Z, mark, out_idx, out_val, n)
    _finish(V, mark, out_idx, out_val, n)
    return vmin - beta * log_z, n, 0.0


@njit(cache=True, fastmath=FASTMATH)
def chi2_penalty_row(idx, w, V, beta, mark, out_idx, out_val):
    r"""``min_{p << p0} p.V + beta chi2(p || p0)``, ``chi2 = sum (p - p0)^2 / p0``.

    KKT: ``p_j = p0_j (eta - V_j)_+ / (2 beta)`` with ``E_p0[(eta - V)_+] = 2 beta``; on the stretch
    where the ``i`` smallest values are active (mass ``A``, mean ``mu``) ``eta = mu + 2 beta / A``;
    the first stretch (increasing ``V``) containing its root is the optimum. The value equals the
    dual ``eta - beta - E_p0[(eta - V)_+^2] / (4 beta)``. ``beta = 0``: ``min_{supp} V``;
    ``beta = inf``: ``p0 . V``. Exact, ``O(k log k)``.
    """
    k = idx.shape[0]
    total, vmin, vmax = _support_range(idx, w, V)
    if beta == np.inf or vmax == vmin:
        n = _copy_row(idx, w, 1.0 / total, mark, out_idx, out_val)
        return _finish(V, mark, out_idx, out_val, n), n, 0.0
    if beta == 0.0:
        n = _vertex(idx, w, V, vmin, mark, out_idx, out_val)
        return _finish(V, mark, out_idx, out_val, n), n, 0.0
    vals = np.empty(k)
    for q in range(k):
        vals[q] = V[idx[q]]
    order = np.argsort(vals)
    A = 0.0
    mu = 0.0
    active = k
    i = 0
    while i < k:
        v = vals[order[i]]
        while i < k and vals[order[i]] == v:
            wq = w[order[i]] / total
            A += wq
            mu += wq / A * (v - mu)
            i += 1
        if i == k or mu + 2.0 * beta / A <= vals[order[i]]:
            active = i
            break
    inactive = 0.0
    for t in range(active, k):
        inactive += w[order[t]] / total
    # p_j / p0_j - 1 = (mu - V_j) / (2 beta) + (1 - A) / A, written to avoid eta - 2 beta
    base = inactive / A
    pv = 0.0
    chi2 = inactive
    n = 0
    for t in range(active):
        q = order[t]
        wq = w[q] / total
        dev = (mu - vals[q]) / (2.0 * beta) + base
        n = _emit(idx[q], wq * (1.0 + dev), mark, out_idx, out_val, n)
        chi2 += wq * dev * dev
    pv = _finish(V, mark, out_idx, out_val, n)
    return pv + beta * chi2, n, 0.0


# -- dispatch -----------------------------------------------------------------------------------

@njit(cache=True)
def inner_row(kind, idx, w, V, param, G, mark, out_idx, out_val):
    """Solve one inner problem of set ``kind`` (see the module docstring) with the per-sweep
    quantities ``G = (order, jmin, hull_len, hull, metric)`` of :func:`prepare_globals`."""
    order, jmin, hull_len, hull, metric = G
    if kind == KIND_L1:
        return l1_row(idx, w, V, param, jmin[0], mark, out_idx, out_val)
    if kind == KIND_LINF:
        return linf_row(idx, w, V, param, order, mark, out_idx, out_val)
    if kind == KIND_KL:
        return kl_row(idx, w, V, param, mark, out_idx, out_val)
    if kind == KIND_CHI2:
        return chi2_row(idx, w, V, param, mark, out_idx, out_val)
    if kind == KIND_W1:
        return w1_row(idx, w, V, param, metric, hull, hull_len, mark, out_idx, out_val)
    if kind == KIND_TV_PENALTY:
        return tv_penalty_row(idx, w, V, param, jmin[0], mark, out_idx, out_val)
    if kind == KIND_KL_PENALTY:
        return kl_penalty_row(idx, w, V, param, mark, out_idx, out_val)
    return chi2_penalty_row(idx, w, V, param, mark, out_idx, out_val)


_EMPTY_INT = np.empty(0, dtype=np.int64)
_EMPTY_INT2 = np.empty((0, 0), dtype=np.int64)
_EMPTY_FLOAT2 = np.empty((0, 0))


def prepare_globals(kind: int, V: np.ndarray, metric: np.ndarray | None = None,
                    metric_order: np.ndarray | None = None) -> tuple:
    """The per-sweep quantities that depend on ``V`` alone: ``argsort(V)`` (L-infinity),
    ``argmin V`` (L1, TV penalty), the convex hulls of every source (Wasserstein-1)."""
    order, jmin, hull_len = _EMPTY_INT, _EMPTY_INT, _EMPTY_INT
    hull, met = _EMPTY_INT2, _EMPTY_FLOAT2
    if kind == KIND_LINF:
        order = np.argsort(V, kind="stable").astype(np.int64)
    elif kind in (KIND_L1, KIND_TV_PENALTY):
        jmin = np.array([int(np.argmin(V))], dtype=np.int64)
    elif kind == KIND_W1:
        assert metric is not None  # WassersteinBall._globals passes its metric
        S = V.shape[0]
        hull = np.empty((S, S), dtype=np.int64)
        hull_len = np.empty(S, dtype=np.int64)
        if S * S >= PARALLEL_MIN_ENTRIES:
            w1_hulls_parallel(V, metric, metric_order, hull, hull_len)
        else:
            w1_hull_rows(V, metric, metric_order, hull, hull_len, 0, S)
        met = metric
    return order, jmin, hull_len, hull, met


# -- sweeps ------------------------------------------------------------------------------------

@njit(cache=True, fastmath=FASTMATH)
def _row(T, row, kind, V, param, G, mark, out_idx, out_val):
    indptr, indices, data = T
    lo, hi = indptr[row], indptr[row + 1]
    return inner_row(kind, indices[lo:hi], data[lo:hi], V, param, G, mark, out_idx, out_val)


@njit(cache=True)
def _scratch(S):
    return np.full(S, -1, dtype=np.int64), np.empty(S, dtype=np.int64), np.empty(S)


@njit(cache=True, fastmath=FASTMATH)
def robust_rows(T, offset, kind, param, param_offset, G, R, gamma, V, Q, V_out, greedy_out,
                gap_out, lo, hi):
    """Robust optimality backup on states ``lo <= s < hi`` (serial; see the module docstring)."""
    A = R.shape[1]
    mark, out_idx, out_val = _scratch(V.shape[0])
    for s in range(lo, hi):
        best = -np.inf
        arg = 0
        gmax = 0.0
        for a in range(A):
            value, _, gap = _row(T, offset + s * A + a, kind, V, param[param_offset + s * A + a],
                                 G, mark, out_idx, out_val)
            q = R[s, a] + gamma * value
            Q[s, a] = q
            gmax = max(gmax, gap)
            if q > best:
                best = q
                arg = a
        V_out[s] = best
        greedy_out[s] = arg
        gap_out[s] = gmax


@njit(cache=True, parallel=True, fastmath=FASTMATH)
def robust_backup(T, offset, kind, param, param_offset, G, R, gamma, V, Q, V_out, greedy_out,
                  gap_out):
    """Parallel :func:`robust_rows` over all states."""
    S = R.shape[0]
    n = _n_chunks(S)
    for c in prange(n):
        robust_rows(T, offset, kind, param, param_offset, G, R, gamma, V, Q, V_out, greedy_out,
                    gap_out, c * S // n, (c + 1) * S // n)


@njit(cache=True, fastmath=FASTMATH)
def robust_policy_rows(T, offset, kind, param, param_offset, G, R, gamma, V, pol, pol_offset,
                       V_out, gap_out, lo, hi):
    """Robust policy backup on states ``lo <= s < hi``; ``pol = (ptr, actions, weights)`` as in
    :func:`rlcert.mdp.policies.policy_operand`, row ``pol_offset + s`` for state ``s``."""
    ptr, actions, weights = pol
    A = R.shape[1]
    mark, out_idx, out_val = _scratch(V.shape[0])
    for s in range(lo, hi):
        acc = 0.0
        gmax = 0.0
        for k in range(ptr[pol_offset + s], ptr[pol_offset + s + 1]):
            a = actions[k]
            value, _, gap = _row(T, offset + s * A + a, kind, V, param[param_offset + s * A + a],
                                 G, mark, out_idx, out_val)
            acc += weights[k] * (R[s, a] + gamma * value)
            gmax = max(gmax, gap)
        V_out[s] = acc
        gap_out[s] = gmax


@njit(cache=True, parallel=True, fastmath=FASTMATH)
def robust_policy_backup(T, offset, kind, param, param_offset, G, R, gamma, V, pol, pol_offset,
                         V_out, gap_out):
    """Parallel :func:`robust_policy_rows` over all states."""
    S = R.shape[0]
    n = _n_chunks(S)
    for c in prange(n):
        robust_policy_rows(T, offset, kind, param, param_offset, G, R, gamma, V, pol, pol_offset,
                           V_out, gap_out, c * S // n, (c + 1) * S // n)


@njit(cache=True)
def worst_case_rows(T, offset, kind, param, param_offset, G, V, counts, indptr, indices, data,
                    lo, hi):
    """Worst-case rows ``offset + r`` for ``lo <= r < hi`` as CSR. With ``counts`` non-empty, only
    count each row's positive entries; otherwise fill ``indices`` / ``data`` from ``indptr``
    (indices sorted within each row)."""
    mark, out_idx, out_val = _scratch(V.shape[0])
    for r in range(lo, hi):
        _, m, _ = _row(T, offset + r, kind, V, param[param_offset + r], G, mark, out_idx, out_val)
        if counts.shape[0] > 0:
            k = 0
            for t in range(m):
                if out_val[t] > 0.0:
                    k += 1
            counts[r] = k
        else:
            k = indptr[r]
            for t in np.argsort(out_idx[:m]):
                if out_val[t] > 0.0:
                    indices[k] = out_idx[t]
                    data[k] = out_val[t]
                    k += 1


@njit(cache=True, parallel=True)
def worst_case_parallel(T, offset, kind, param, param_offset, G, V, n_rows, counts, indptr,
                        indices, data):
    """Parallel :func:`worst_case_rows` over ``n_rows`` rows."""
    n = _n_chunks(n_rows)
    for c in prange(n):
        worst_case_rows(T, offset, kind, param, param_offset, G, V, counts, indptr, indices, data,
                        c * n_rows // n, (c + 1) * n_rows // n)


@njit(cache=True)
def solve_one(kind, idx, w, V, param, G):
    """One inner problem: ``(value, dense p, gap)``."""
    S = V.shape[0]
    mark = np.full(S, -1, dtype=np.int64)
    out_idx = np.empty(S, dtype=np.int64)
    out_val = np.empty(S)
    value, m, gap = inner_row(kind, idx, w, V, param, G, mark, out_idx, out_val)
    p = np.zeros(S)
    for t in range(m):
        p[out_idx[t]] += out_val[t]
    return value, p, gap
