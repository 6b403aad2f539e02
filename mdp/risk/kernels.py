"""Compiled kernels of the risk oracles (one module: numba's cache does not follow calls across
files).

All kernels work on dense stage arrays: ``P[s, a, s']`` of one stage, rewards ``r[s, a, s']`` of
that stage, policy weights ``W[s, a]``. Integer rewards ``K[s, a, s']`` are reward indices on a
lattice of step ``delta``. Entries with ``P = 0`` or ``W = 0`` are skipped, so that they never
widen a support.
"""

from __future__ import annotations

import numpy as np
from numba import njit

#: Cumulative masses within this much of a target count as reaching it (see measures.py).
SLACK = 1e-12


# -- exact return distributions on a lattice ------------------------------------------------------

@njit(cache=True)
def lattice_stage(P, K, W, dist_next, lo_next, dist_out, lo):
    """``dist_out[s, k - lo] = sum_a W[s, a] sum_s' P[s, a, s'] dist_next[s', k - K[s, a, s'] -
    lo_next]``: the law of ``K + G_{h+1}`` in lattice units. ``dist_out`` must be zero on entry."""
    S, A, _ = P.shape
    L_next = dist_next.shape[1]
    for s in range(S):
        for a in range(A):
            w = W[s, a]
            if w == 0.0:
                continue
            for s2 in range(S):
                p = P[s, a, s2]
                if p == 0.0:
                    continue
                shift = lo_next + K[s, a, s2] - lo
                c = w * p
                for j in range(L_next):
                    q = dist_next[s2, j]
                    if q != 0.0:
                        dist_out[s, j + shift] += c * q


# -- the augmented-state CVaR dynamic program --------------------------------------------------

@njit(cache=True)
def _shortfall(table, s, k, lo, hi, vstar, delta):
    """``W_{h+1}(s, k delta) = min_pi E[(k delta - G_{h+1})^+ | s]`` with its closed forms outside
    ``[lo, hi]``: 0 below (the shortfall cannot be positive), ``k delta - V*_{h+1}(s)`` above (it
    is always positive, so its expectation is linear)."""
    if k <= lo:
        return 0.0
    if k >= hi:
        return k * delta - vstar[s]
    return table[s, k - lo]


@njit(cache=True)
def budget_stage(P, K, table_next, lo_next, hi_next, vstar_next, delta, lo, hi, table, actions):
    """One stage of ``W_h(s, y) = min_a sum_s' P[s, a, s'] W_{h+1}(s', y - r(s, a, s'))`` on the
    budgets ``y = k delta``, ``lo <= k <= hi``; ``actions`` gets the first minimiser."""
    S, A, _ = P.shape
    for s in range(S):
        for k in range(lo, hi + 1):
            best = np.inf
            arg = 0
            for a in range(A):
                acc = 0.0
                for s2 in range(S):
                    p = P[s, a, s2]
                    if p != 0.0:
                        acc += p * _shortfall(table_next, s2, k - K[s, a, s2], lo_next, hi_next,
                                              vstar_next, delta)
                if acc < best:
                    best = acc
                    arg = a
            table[s, k - lo] = best
            actions[s, k - lo] = arg


# -- distances between finite distributions -------------------------------------------------------

@njit(cache=True)
def cdf_distances(xa, pa, xb, pb):
    """``(W1, l2^2)`` between two finite distributions given by sorted atoms: ``int |F - G|`` and
    ``int (F - G)^2`` over the merged support."""
    i = 0
    j = 0
    Fa = 0.0
    Fb = 0.0
    w1 = 0.0
    l2 = 0.0
    na = xa.shape[0]
    nb = xb.shape[0]
    x_prev = 0.0
    started = False
    while i < na or j < nb:
        if j >= nb or (i < na and xa[i] <= xb[j]):
            x = xa[i]
        else:
            x = xb[j]
        if started:
            d = Fa - Fb
            w1 += abs(d) * (x - x_prev)
            l2 += d * d * (x - x_prev)
        while i < na and xa[i] == x:
            Fa += pa[i]
            i += 1
        while j < nb and xb[j] == x:
            Fb += pb[j]
            j += 1
        x_prev = x
        started = True
    return w1, l2


# -- categorical and quantile projections -------------------------------------------------------

@njit(cache=True)
def _target_atoms(P, r, W, gamma, s, locs, probs):
    """The atoms ``r[s, a, s'] + gamma locs[s', j]`` with masses ``W P probs[s', j]`` of the
    distributional Bellman target at state ``s``; ``probs`` may be None-like (all 1/m)."""
    S, A, _ = P.shape
    m = locs.shape[1]
    n = 0
    for a in range(A):
        if W[s, a] == 0.0:
            continue
        for s2 in range(S):
            if P[s, a, s2] != 0.0:
                n += m
    vals = np.empty(n)
    mass = np.empty(n)
    t = 0
    for a in range(A):
        w = W[s, a]
        if w == 0.0:
            continue
        for s2 in range(S):
            p = P[s, a, s2]
            if p == 0.0:
                continue
            for j in range(m):
                vals[t] = r[s, a, s2] + gamma * locs[s2, j]
                mass[t] = w * p * probs[s2, j]
                t += 1
    order = np.argsort(vals, kind="mergesort")
    return vals[order], mass[order]


@njit(cache=True)
def categorical_stage(P, r, W, gamma, z_next, probs_next, z, probs_out, resid):
    """``probs_out[s] = Pi_C T probs_next`` on the support ``z`` (increasing), ``probs_next``
    holding masses on ``z_next``, and ``resid[s] = (W1, l2^2)`` between the target
    ``T probs_next (s)`` and its projection.

    ``Pi_C`` splits the mass at ``x`` in ``[z_i, z_{i+1}]`` between the two neighbours in
    proportions ``(z_{i+1} - x, x - z_i) / (z_{i+1} - z_i)`` (Rowland et al. 2018);
    mass outside ``[z_0, z_{m-1}]`` goes to the nearest end.
    """
    S = P.shape[0]
    m = z.shape[0]
    mn = z_next.shape[0]
    locs = np.empty((S, mn))
    for s2 in range(S):
        for j in range(mn):
            locs[s2, j] = z_next[j]
    for s in range(S):
        vals, mass = _target_atoms(P, r, W, gamma, s, locs, probs_next)
        for i in range(m):
            probs_out[s, i] = 0.0
        for t in range(vals.shape[0]):
            x = vals[t]
            q = mass[t]
            if x <= z[0]:
                probs_out[s, 0] += q
            elif x >= z[m - 1]:
                probs_out[s, m - 1] += q
            else:
                i = np.searchsorted(z, x, side="right") - 1
                lam = (x - z[i]) / (z[i + 1] - z[i])
                probs_out[s, i] += (1.0 - lam) * q
                probs_out[s, i + 1] += lam * q
        w1, l2 = cdf_distances(vals, mass, z, probs_out[s])
        resid[s, 0] = w1
        resid[s, 1] = l2


@njit(cache=True)
def quantile_stage(P, r, W, gamma, locs_next, locs_out, resid):
    """``locs_out[s, i] = F^{-1}((2i + 1) / (2m))`` of the target ``T locs_next (s)`` (each atom
    of ``locs_next`` has mass ``1/m``): the ``W1``-projection onto ``m`` equally weighted atoms
    (Dabney et al. 2018). ``resid[s] = W1`` between the target and its projection,
    ``int_0^1 |F^{-1}(u) - F_Q^{-1}(u)| du``."""
    S = P.shape[0]
    m = locs_next.shape[1]
    unif = np.full((S, m), 1.0 / m)
    for s in range(S):
        vals, mass = _target_atoms(P, r, W, gamma, s, locs_next, unif)
        n = vals.shape[0]
        cum = np.empty(n)
        c = 0.0
        for t in range(n):
            c += mass[t]
            cum[t] = c
        t = 0
        for i in range(m):
            target = (2.0 * i + 1.0) / (2.0 * m)
            while t < n - 1 and cum[t] < target - SLACK:
                t += 1
            locs_out[s, i] = vals[t]
        # W1 through the quantile functions: sweep the pieces of both
        w1 = 0.0
        u = 0.0
        t = 0
        i = 0
        while t < n and i < m:
            end_t = cum[t] if t < n - 1 else 1.0
            end_i = (i + 1.0) / m
            end = min(end_t, end_i)
            if end > u:
                w1 += (end - u) * abs(vals[t] - locs_out[s, i])
                u = end
            if end_t <= end_i:
                t += 1
            else:
                i += 1
        resid[s] = w1


# -- worst-case / best-case substates ------------------------------------------------------------

@njit(cache=True)
def _tails(vals, mass, alpha):
    """Sorted atoms: the means of the lowest ``alpha`` and of the highest ``1 - alpha`` of the
    mass."""
    n = vals.shape[0]
    low = 0.0
    total = 0.0
    taken = 0.0
    for t in range(n):
        total += mass[t] * vals[t]
        room = alpha - taken
        if room > 0.0:
            q = min(mass[t], room)
            low += q * vals[t]
            taken += q
    return low / alpha, (total - low) / (1.0 - alpha)


@njit(cache=True)
def _split_state(P, r, W, gamma, L, U, alpha, s, vals, mass):
    """The two tail means of the target at state ``s`` under action weights ``W[s]``."""
    S, A, _ = P.shape
    n = 0
    for a in range(A):
        w = W[s, a]
        if w == 0.0:
            continue
        for s2 in range(S):
            p = P[s, a, s2]
            if p == 0.0:
                continue
            vals[n] = r[s, a, s2] + gamma * L[s2]
            mass[n] = alpha * w * p
            vals[n + 1] = r[s, a, s2] + gamma * U[s2]
            mass[n + 1] = (1.0 - alpha) * w * p
            n += 2
    order = np.argsort(vals[:n], kind="mergesort")
    return _tails(vals[:n][order], mass[:n][order], alpha)


@njit(cache=True)
def split_q(P, r, gamma, L, U, alpha, QL, QU):
    """For every ``(s, a)``: the target ``sum_s' P[s, a, s'] (alpha delta_{r + gamma L(s')} +
    (1 - alpha) delta_{r + gamma U(s')})`` and its lower-``alpha`` and upper-``(1 - alpha)`` tail
    means ``QL[s, a]`` and ``QU[s, a]``."""
    S, A, _ = P.shape
    vals = np.empty(2 * S)
    mass = np.empty(2 * S)
    W = np.zeros((S, A))
    for s in range(S):
        for a in range(A):
            W[s, a] = 1.0
            lo, hi = _split_state(P, r, W, gamma, L, U, alpha, s, vals, mass)
            W[s, a] = 0.0
            QL[s, a] = lo
            QU[s, a] = hi


@njit(cache=True)
def split_v(P, r, W, gamma, L, U, alpha, VL, VU):
    """The same for the policy's mixture of actions ``W[s]`` at every state."""
    S, A, _ = P.shape
    vals = np.empty(2 * S * A)
    mass = np.empty(2 * S * A)
    for s in range(S):
        lo, hi = _split_state(P, r, W, gamma, L, U, alpha, s, vals, mass)
        VL[s] = lo
        VU[s] = hi


# -- CVaR value iteration with interpolation (Chow et al. 2015) ---------------------------------

@njit(cache=True)
def chow_segments(p, r, gamma, Vnext, grid):
    """The convex piecewise-linear pieces of ``z -> z (r(s') + gamma V_{h+1}(s', z))`` for every
    ``s'`` with ``p(s') > 0``, as ``(mass length, slope, s')`` sorted by slope.

    ``Vnext[s', i]`` is ``V_{h+1}(s', grid[i])`` for ``grid[0] = 0 < ... < grid[-1] = 1``; the
    function is interpolated linearly in ``z`` between grid points, from ``0`` at ``z = 0``. A
    piece of ``s'`` spans ``p(s') (grid[i+1] - grid[i])`` of probability mass."""
    S = p.shape[0]
    N = grid.shape[0]
    count = 0
    for s2 in range(S):
        if p[s2] != 0.0:
            count += N - 1
    length = np.empty(count)
    slope = np.empty(count)
    owner = np.empty(count, dtype=np.int64)
    t = 0
    for s2 in range(S):
        if p[s2] == 0.0:
            continue
        prev = 0.0
        for i in range(1, N):
            cur = grid[i] * (r[s2] + gamma * Vnext[s2, i])
            length[t] = p[s2] * (grid[i] - grid[i - 1])
            slope[t] = (cur - prev) / (grid[i] - grid[i - 1])
            owner[t] = s2
            prev = cur
            t += 1
    order = np.argsort(slope, kind="mergesort")
    return length[order], slope[order], owner[order]


@njit(cache=True)
def chow_fill(length, slope, owner, p, y, z_out):
    """``min sum_s' p(s') g_s'(z(s'))`` over ``sum_s' p(s') z(s') = y``, ``0 <= z <= 1``, for the
    convex piecewise-linear ``g_s'`` of :func:`chow_segments`: fill the pieces by increasing
    slope. Returns the minimum divided by ``y`` (the interpolated operator's value) and writes the
    minimiser ``z_out`` (the next risk levels ``y xi(s')``)."""
    for s2 in range(z_out.shape[0]):
        z_out[s2] = 0.0
    rest = y
    cost = 0.0
    for t in range(length.shape[0]):
        if rest <= 0.0:
            break
        q = min(length[t], rest)
        cost += q * slope[t]
        z_out[owner[t]] += q / p[owner[t]]
        rest -= q
    for s2 in range(z_out.shape[0]):
        if z_out[s2] > 1.0:
            z_out[s2] = 1.0
    return cost / y


@njit(cache=True)
def chow_stage(P, r, gamma, Vnext, grid, V, actions):
    """``V[s, i] = max_a T_I`` at ``y = grid[i]`` for ``i >= 1``, and the worst-case column
    ``V[s, 0] = max_a min_{s' : P > 0} r + gamma V_{h+1}(s', 0)`` at ``y = 0``."""
    S, A, _ = P.shape
    N = grid.shape[0]
    z = np.empty(S)
    for s in range(S):
        for i in range(N):
            V[s, i] = -np.inf
        for a in range(A):
            length, slope, owner = chow_segments(P[s, a], r[s, a], gamma, Vnext, grid)
            worst = np.inf
            for s2 in range(S):
                if P[s, a, s2] != 0.0:
                    worst = min(worst, r[s, a, s2] + gamma * Vnext[s2, 0])
            if worst > V[s, 0]:
                V[s, 0] = worst
                actions[s, 0] = a
            for i in range(1, N):
                v = chow_fill(length, slope, owner, P[s, a], grid[i], z)
                if v > V[s, i]:
                    V[s, i] = v
                    actions[s, i] = a


@njit(cache=True)
def budget_forward_stage(P, K, M, base, actions, lo, hi, fallback, M_out, base_out):
    """Push the mass ``M[s, k - base]`` over ``(state, budget)`` through one stage of the budget
    policy: action ``actions[s, k - lo]`` for ``lo <= k <= hi``, ``fallback[s]`` otherwise; the
    budget drops by the reward index ``K[s, a, s']``. ``M_out`` must be zero on entry."""
    S, A, _ = P.shape
    for s in range(S):
        for j in range(M.shape[1]):
            m = M[s, j]
            if m == 0.0:
                continue
            k = base + j
            if lo <= k <= hi:
                a = actions[s, k - lo]
            else:
                a = fallback[s]
            for s2 in range(S):
                p = P[s, a, s2]
                if p != 0.0:
                    M_out[s2, k - K[s, a, s2] - base_out] += m * p
