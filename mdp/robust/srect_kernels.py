"""Compiled kernels of the s-rectangular L1 robust Bellman operator (Ho, Petrik and Wiesemann
2018), in one module: numba's on-disk cache does not follow calls into other files.

State ``s`` has nominal rows ``P0[a, :]`` (``A x S``), rewards ``r[a]``, a budget ``kappa`` shared
by its actions, and values ``V``. For action ``a``,

    q_a(xi) = min {p . V : p in simplex, ||p - P0[a]||_1 <= xi}

is convex, non-increasing and piecewise linear in ``xi``: the worst case moves ``xi / 2`` of mass
onto ``j* = argmin V`` (any state), taken from the support states of largest ``V`` first; donor
``j`` (``V_j > min V``) spans ``2 P0[a, j]`` of ``xi`` at slope ``-(V_j - min V) / 2``. The knots of
``g_a(xi) = r[a] + gamma q_a(xi)`` are ``(xi_k, u_k)``, ``xi_0 = 0``, ``u`` decreasing.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def _argmin(V):
    j = 0
    for i in range(V.shape[0]):
        if V[i] < V[j]:
            j = i
    return j


@njit(cache=True)
def action_knots(p0, V, r, gamma, order_desc, jmin, xi, u):
    """Knots of ``g(xi) = r + gamma q(xi)`` for one nominal row; returns their number ``n + 1``
    (``xi[0] = 0``, ``u[0] = r + gamma p0 . V``; ``u[n]`` the floor ``r + gamma min V``)."""
    vmin = V[jmin]
    q = 0.0
    for j in range(V.shape[0]):
        q += p0[j] * V[j]
    xi[0] = 0.0
    u[0] = r + gamma * q
    n = 0
    x = 0.0
    for t in range(order_desc.shape[0]):
        j = order_desc[t]
        if j == jmin or p0[j] == 0.0 or not V[j] > vmin:
            continue
        x += 2.0 * p0[j]
        q -= p0[j] * (V[j] - vmin)
        n += 1
        xi[n] = x
        u[n] = r + gamma * q
    return n + 1


@njit(cache=True)
def xi_of_u(xi, u, n, level):
    """``min {x >= 0 : g(x) <= level}`` for the knots ``(xi, u)`` (first ``n``); ``inf`` below the
    floor ``u[n-1]``."""
    if level >= u[0]:
        return 0.0
    if level < u[n - 1]:
        return np.inf
    k = 0
    while k < n - 1 and u[k + 1] > level:
        k += 1
    # u[k + 1] <= level < u[k]
    if k == n - 1:
        return xi[n - 1]
    return xi[k] + (u[k] - level) / (u[k] - u[k + 1]) * (xi[k + 1] - xi[k])


@njit(cache=True)
def _budget(XI, U, cnt, level):
    """``sum_a xi_a(level)``."""
    tot = 0.0
    for a in range(cnt.shape[0]):
        tot += xi_of_u(XI[a], U[a], cnt[a], level)
    return tot


@njit(cache=True)
def _segment_slope(xi, u, n, level):
    """``|g'|`` on the piece of the knots holding ``level`` in ``(u[k+1], u[k]]`` (the last piece
    for levels at or below the floor)."""
    k = 0
    while k < n - 2 and u[k + 1] >= level:
        k += 1
    return (u[k] - u[k + 1]) / (xi[k + 1] - xi[k])


@njit(cache=True)
def l1_worst_row(p0, V, budget, order_desc, jmin, out):
    """``argmin {p . V : ||p - p0||_1 <= budget}``: ``budget / 2`` of mass onto ``jmin`` from the
    states of largest ``V`` first."""
    for j in range(p0.shape[0]):
        out[j] = p0[j]
    rest = 0.5 * budget
    moved = 0.0
    for t in range(order_desc.shape[0]):
        if rest <= 0.0:
            break
        j = order_desc[t]
        if j == jmin or out[j] == 0.0:
            continue
        take = min(out[j], rest)
        out[j] -= take
        rest -= take
        moved += take
    out[jmin] += moved


@njit(cache=True)
def srect_state(P0, r, V, gamma, kappa, d_out, p_out):
    """``max_{d in simplex} min_{sum_a ||p_a - P0[a]||_1 <= kappa} sum_a d_a (r[a] + gamma p_a.V)``.

    Ho, Petrik and Wiesemann (2018): the value is the smallest ``u`` with
    ``sum_a xi_a(u) <= kappa``, ``xi_a(u) = min {xi : g_a(xi) <= u}``; it lies at or above
    ``F = max_a`` floor, and if ``sum_a xi_a(F) > kappa`` it is the root of the piecewise-linear
    ``sum_a xi_a(u) = kappa``, found here exactly between consecutive knots (they bisect). An
    optimal
    ``d`` puts weight ``proportional to 1 / |g_a'(xi_a(u))|`` on the actions with
    ``xi_a(u) > 0`` (complementary slackness with a common multiplier of the budget). Writes ``d``
    and nature's response ``p_a`` (the L1 worst case with budget ``xi_a(u)``); returns ``u``.
    """
    A, S = P0.shape
    order_desc = np.argsort(-V, kind="mergesort")
    jmin = _argmin(V)
    XI = np.empty((A, S + 1))
    U = np.empty((A, S + 1))
    cnt = np.empty(A, dtype=np.int64)
    floor = -np.inf
    top = -np.inf
    a_floor = 0
    a_top = 0
    for a in range(A):
        cnt[a] = action_knots(P0[a], V, r[a], gamma, order_desc, jmin, XI[a], U[a])
        if U[a, cnt[a] - 1] > floor:
            floor = U[a, cnt[a] - 1]
            a_floor = a
        if U[a, 0] > top:
            top = U[a, 0]
            a_top = a
    for a in range(A):
        d_out[a] = 0.0
    xis = np.empty(A)
    if kappa <= 0.0 or top <= floor:
        # no budget, or every action's value is flat: the best nominal action
        ustar = top
        d_out[a_top] = 1.0
        for a in range(A):
            xis[a] = 0.0
    else:
        total = 0.0
        for a in range(A):
            xis[a] = xi_of_u(XI[a], U[a], cnt[a], floor)
            total += xis[a]
        if total <= kappa:
            ustar = floor
            d_out[a_floor] = 1.0
        else:
            # candidate levels: every knot in (floor, top], sorted
            m = 0
            for a in range(A):
                m += cnt[a]
            levels = np.empty(m + 2)
            levels[0] = floor
            t = 1
            for a in range(A):
                for k in range(cnt[a]):
                    levels[t] = U[a, k]
                    t += 1
            levels[t] = top
            levels = np.sort(levels[: t + 1])
            # the budget curve sum_a xi_a(u) is non-increasing and linear between knots: find
            # the first knot above the floor where it is <= kappa by bisection, then interpolate
            first = 0
            while levels[first] <= floor:
                first += 1
            lo_i = first - 1
            hi_i = levels.shape[0] - 1
            while hi_i - lo_i > 1:
                mid = (lo_i + hi_i) // 2
                if _budget(XI, U, cnt, levels[mid]) <= kappa:
                    hi_i = mid
                else:
                    lo_i = mid
            lo_u = floor if lo_i < first else levels[lo_i]
            lo_x = total if lo_i < first else _budget(XI, U, cnt, lo_u)
            hi_u = levels[hi_i]
            hi_x = _budget(XI, U, cnt, hi_u)
            ustar = lo_u + (lo_x - kappa) / (lo_x - hi_x) * (hi_u - lo_u)
            wsum = 0.0
            for a in range(A):
                xis[a] = xi_of_u(XI[a], U[a], cnt[a], ustar)
                if xis[a] > 0.0 and U[a, 0] > ustar:
                    d_out[a] = 1.0 / _segment_slope(XI[a], U[a], cnt[a], ustar)
                    wsum += d_out[a]
            if wsum > 0.0:
                for a in range(A):
                    d_out[a] /= wsum
            else:  # u* at the top knot (rounding): the best nominal action
                d_out[a_top] = 1.0
                for a in range(A):
                    xis[a] = 0.0
    row = np.empty(S)
    for a in range(A):
        budget = xis[a] if np.isfinite(xis[a]) else 2.0
        l1_worst_row(P0[a], V, budget, order_desc, jmin, row)
        for j in range(S):
            p_out[a, j] = row[j]
    return ustar


@njit(cache=True)
def srect_policy_state(P0, r, V, gamma, kappa, d, p_out):
    """``min_{sum_a ||p_a - P0[a]||_1 <= kappa} sum_a d_a (r[a] + gamma p_a.V)`` for a fixed ``d``:
    a separable convex piecewise-linear allocation of one budget, solved greedily (donor pieces
    of all played actions by decreasing ``d_a gamma (V_j - min V) / 2`` per unit of budget)."""
    A, S = P0.shape
    order_desc = np.argsort(-V, kind="mergesort")
    jmin = _argmin(V)
    vmin = V[jmin]
    n = 0
    for a in range(A):
        if d[a] > 0.0:
            for j in range(S):
                if j != jmin and P0[a, j] > 0.0 and V[j] > vmin:
                    n += 1
    rate = np.empty(n)
    length = np.empty(n)
    owner = np.empty(n, dtype=np.int64)
    t = 0
    value = 0.0
    for a in range(A):
        if d[a] == 0.0:
            continue
        acc = 0.0
        for j in range(S):
            acc += P0[a, j] * V[j]
        value += d[a] * (r[a] + gamma * acc)
        for j in range(S):
            if j != jmin and P0[a, j] > 0.0 and V[j] > vmin:
                rate[t] = d[a] * gamma * (V[j] - vmin) / 2.0
                length[t] = 2.0 * P0[a, j]
                owner[t] = a
                t += 1
    order = np.argsort(-rate, kind="mergesort")
    spent = np.zeros(A)
    rest = kappa
    for i in range(n):
        if rest <= 0.0:
            break
        k = order[i]
        take = min(length[k], rest)
        value -= take * rate[k]
        spent[owner[k]] += take
        rest -= take
    row = np.empty(S)
    for a in range(A):
        l1_worst_row(P0[a], V, spent[a], order_desc, jmin, row)
        for j in range(S):
            p_out[a, j] = row[j]
    return value


@njit(cache=True)
def srect_backup(P, R, V, gamma, kappa, V_out, D_out, W_out):
    """The s-rectangular robust Bellman operator on every state (``P (S, A, S)`` dense)."""
    S = P.shape[0]
    for s in range(S):
        V_out[s] = srect_state(P[s], R[s], V, gamma, kappa[s], D_out[s], W_out[s])


@njit(cache=True)
def srect_policy_backup(P, R, V, gamma, kappa, D, V_out, W_out):
    """The s-rectangular robust operator of a randomised policy ``D (S, A)`` on every state."""
    S = P.shape[0]
    for s in range(S):
        V_out[s] = srect_policy_state(P[s], R[s], V, gamma, kappa[s], D[s], W_out[s])
