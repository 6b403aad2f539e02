r"""Brute-force ground truth for the oracle checks: enumeration of policies, exact rational
linear algebra, path enumeration of return laws, and small convex programs (cvxpy) written from
the definitions of the robust sets. None of it calls the oracle it is used to judge.

* **Chains** (exact rationals, :mod:`.exact`): the closed classes of a chain from networkx's
  attracting components, the Cesaro limit ``P* = lim (1/T) sum_t P^t`` from the stationary law of
  each closed class and the absorption probabilities of the transient states, the gain
  ``g = P* r``, expected hitting times, and the total-variation distance ``d(t) = max_s
  TV(P^t(s, .), P*(s, .))`` step by step.
* **Policies enumerated**: the optimal gain ``g*(s) = max_pi g^pi(s)`` over deterministic
  stationary policies (they attain the optimum, Puterman 1994, Ch. 9), the diameter
  ``D = max_{s != s'} min_pi E^pi[T(s') | s]`` (a stochastic shortest path with unit costs: a
  deterministic stationary policy attains the minimum, Bertsekas and Tsitsiklis 1991), the optimal
  total reward of a stochastic shortest path over proper policies.
* **Return laws** by path enumeration (floats): of a Markov policy, and of every deterministic
  history-dependent policy of a finite-horizon model (a randomised history-dependent policy is a
  mixture of these, Kuhn's theorem, and CVaR in reward form is convex in the mixture weights, so
  its maximum over all policies is attained among them); CVaR by the sorted-tail formula, W1 and
  Cramer distances on the merged support.
* **Robust values** of a fixed policy as one convex program: ``V^pi_rob`` is the largest ``V``
  with ``V(s) <= r(s, pi(s)) + gamma sigma_{s}(V)`` (the feasible set is convex because ``sigma``
  is concave, and ``V^pi_rob`` is its largest element because ``T_pi`` is a monotone contraction;
  Iyengar 2005), with ``sigma(V) = min_{p in U} p . V`` written through its Lagrangian dual.
  Polyhedral sets (L1, TV, L-infinity, Wasserstein-1, the s-rectangular L1 budget) use the LP
  dual of the set's own constraints; KL, chi-square and the penalties use their conic duals.
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import networkx as nx
import numpy as np

from .exact import solve_linear, to_fractions

# -- exact chains --------------------------------------------------------------------------------


def rational_rows(P, max_denominator: int | None = None) -> np.ndarray:
    """Exact rationals of a float stochastic matrix ``(S, S)``, each row divided by its exact sum
    (float rows sum to 1 only to an ulp when the probabilities are not dyadic). With
    ``max_denominator``, each entry is first replaced by the closest fraction with at most that
    denominator (the probability a float such as ``0.35`` stands for), which keeps the rational
    powers of a chain small; the result then differs from the float matrix by about one ulp per
    entry."""
    Pf = to_fractions(P)
    if max_denominator is not None:
        Pf = np.vectorize(lambda x: x.limit_denominator(max_denominator), otypes=[object])(Pf)
    for i in range(Pf.shape[0]):
        total = sum(Pf[i])
        Pf[i] = Pf[i] / total
    return Pf


def support_digraph(P) -> nx.DiGraph:
    """``s -> s'`` when ``P[s, s'] > 0``."""
    S = P.shape[0]
    G = nx.DiGraph()
    G.add_nodes_from(range(S))
    G.add_edges_from((i, j) for i in range(S) for j in range(S) if P[i, j] > 0)
    return G


def exact_limit(P, max_denominator: int | None = None
                ) -> tuple[list[list[Fraction]], list[list[int]]]:
    """``(P*, closed classes)`` of the chain ``P`` in exact rationals: ``P*[s][c] =
    a_s(C) pi_C(c)``, ``pi_C`` the stationary law of the closed class ``C`` (its balance
    equations with one replaced by ``sum pi = 1``) and ``a_s(C)`` the probability of absorption
    in ``C`` from ``s`` (``(I - P_TT) a = P_TC 1`` on the transient states ``T``);
    ``max_denominator`` as for :func:`rational_rows`."""
    S = P.shape[0]
    Pf = rational_rows(P, max_denominator)
    classes = [sorted(c) for c in nx.attracting_components(support_digraph(P))]
    rec = {s for C in classes for s in C}
    T = [s for s in range(S) if s not in rec]
    Pstar = [[Fraction(0)] * S for _ in range(S)]
    laws = []
    for C in classes:
        n = len(C)
        M = [[(1 if i == j else 0) - Pf[C[j], C[i]] for j in range(n)] for i in range(n)]
        M[-1] = [Fraction(1)] * n
        pi = solve_linear(M, [Fraction(0)] * (n - 1) + [Fraction(1)])
        laws.append(pi)
        for s in C:
            for j, c in enumerate(C):
                Pstar[s][c] = pi[j]
    if T:
        M = [[(1 if i == j else 0) - Pf[T[i], T[j]] for j in range(len(T))]
             for i in range(len(T))]
        for C, pi in zip(classes, laws):
            a = solve_linear(M, [sum(Pf[t, c] for c in C) for t in T])
            for i, t in enumerate(T):
                for j, c in enumerate(C):
                    Pstar[t][c] += a[i] * pi[j]
    return Pstar, classes


def exact_gain(P, r) -> list[Fraction]:
    """The gain ``g = P* r`` of the chain ``P`` with rewards ``r``, exactly."""
    Pstar, _ = exact_limit(P)
    rf = to_fractions(r)
    return [sum(Pstar[s][j] * rf[j] for j in range(len(rf))) for s in range(len(rf))]


def deterministic_policies(S: int, A: int):
    """Every deterministic stationary policy, as a tuple of actions."""
    return itertools.product(range(A), repeat=S)


def policy_chain(P3, R, policy) -> tuple[np.ndarray, np.ndarray]:
    """``(P_pi, r_pi)`` of a deterministic policy (``P3`` dense ``(S, A, S)``)."""
    idx = np.arange(P3.shape[0])
    pol = np.asarray(policy)
    return P3[idx, pol], np.asarray(R)[idx, pol]


def optimal_gain(P3, R) -> list[Fraction]:
    """``g*(s) = max_pi g^pi(s)`` over deterministic stationary policies, exactly."""
    S, A = R.shape
    best: list[Fraction] | None = None
    for pol in deterministic_policies(S, A):
        g = exact_gain(*policy_chain(P3, R, pol))
        best = g if best is None else [max(a, b) for a, b in zip(best, g)]
    if best is None:
        raise ValueError(f"R has shape {R.shape}: no action, so no policy")
    return best


def exact_hitting_times(P, target: int) -> list[Fraction | None]:
    """``E_s[T(target)]``, ``T = min{t >= 0 : s_t = target}``, exactly; ``None`` where the target
    is missed with positive probability (the target made absorbing, ``s`` can reach a closed class
    other than ``{target}``)."""
    S = P.shape[0]
    Q = np.array(P, dtype=float, copy=True)
    Q[target] = 0.0
    Q[target, target] = 1.0
    G = support_digraph(Q)
    bad_classes = [c for c in nx.attracting_components(G) if c != {target}]
    bad = set()
    for C in bad_classes:
        for c in C:
            bad |= nx.ancestors(G, c) | {c}
    N = [s for s in range(S) if s != target and s not in bad]
    Pf = rational_rows(P)
    out: list[Fraction | None] = [None if s in bad else Fraction(0) for s in range(S)]
    if N:
        M = [[(1 if i == j else 0) - Pf[N[i], N[j]] for j in range(len(N))] for i in range(len(N))]
        t = solve_linear(M, [Fraction(1)] * len(N))
        for s, v in zip(N, t):
            out[s] = v
    return out


def min_hitting_times(P3) -> list[list[Fraction | None]]:
    """``t*[s][s'] = min_pi E^pi[T(s') | s_0 = s]`` over deterministic stationary policies
    (``None`` = infinite), exactly."""
    S, A = P3.shape[:2]
    best: list[list[Fraction | None]] = [[None] * S for _ in range(S)]
    for pol in deterministic_policies(S, A):
        chain = P3[np.arange(S), np.asarray(pol)]
        for t in range(S):
            h = exact_hitting_times(chain, t)
            for s in range(S):
                new, old = h[s], best[s][t]
                if new is not None and (old is None or new < old):
                    best[s][t] = new
    return best


def diameter(P3) -> Fraction | float:
    """``D = max_{s != s'} min_pi E^pi[T(s') | s]`` (``math.inf`` if some pair is unreachable; 0
    for one state), exactly."""
    S = P3.shape[0]
    if S == 1:
        return Fraction(0)
    t = min_hitting_times(P3)
    vals = [t[s][u] for s in range(S) for u in range(S) if s != u]
    finite = [v for v in vals if v is not None]
    if len(finite) < len(vals):
        return math.inf
    return max(finite)


def mixing_time_exact(P, eps: float, t_max: int, max_denominator: int | None = None
                      ) -> tuple[int, Fraction | None, Fraction] | None:
    """``t* = min{t : d(t) <= eps}``, ``d(t) = max_s (1/2) sum_j |P^t(s, j) - P*(s, j)|``, with
    ``P^t`` step by step and ``P*`` from :func:`exact_limit`, all in exact rationals (``eps`` the
    exact value of its float). Returns ``(t*, d(t* - 1), d(t*))`` (``None`` for ``d(-1)``), or
    ``None`` if ``d(t) > eps`` up to ``t_max``. Meaningful for aperiodic chains only (otherwise
    ``d`` need not reach ``eps``: see :func:`class_periods`)."""
    Pstar, _ = exact_limit(P, max_denominator)
    Pf = rational_rows(P, max_denominator)
    S = P.shape[0]
    e = Fraction(eps)
    M = [[Fraction(int(i == j)) for j in range(S)] for i in range(S)]
    prev: Fraction | None = None
    for t in range(t_max + 1):
        d = max(sum((abs(M[i][j] - Pstar[i][j]) for j in range(S)), Fraction(0))
                for i in range(S)) / 2
        if d <= e:
            return t, prev, d
        prev = d
        M = [[sum(M[i][k] * Pf[k, j] for k in range(S)) for j in range(S)] for i in range(S)]
    return None


def class_periods(P) -> list[int]:
    """The period of each closed class (networkx on the class's subgraph)."""
    G = support_digraph(P)
    out = []
    for C in nx.attracting_components(G):
        sub = G.subgraph(C)
        if sub.number_of_edges() == 0:
            out.append(1)
            continue
        out.append(1 if nx.is_aperiodic(sub) else _period(sub))
    return out


def _period(G: nx.DiGraph) -> int:
    """gcd of ``level(u) + 1 - level(v)`` over the edges of a strongly connected graph (BFS
    levels from any node)."""
    root = next(iter(G.nodes))
    level = nx.single_source_shortest_path_length(G, root)
    g = 0
    for u, v in G.edges:
        g = math.gcd(g, level[u] + 1 - level[v])
    return abs(g)


# -- stochastic shortest paths -------------------------------------------------------------------


def is_proper(P3, policy, terminal) -> bool:
    """Whether the policy reaches the terminal set with probability 1 from every state: every
    closed class of its chain lies in the terminal set."""
    chain = P3[np.arange(P3.shape[0]), np.asarray(policy)]
    term = set(np.flatnonzero(terminal).tolist())
    return all(set(C) <= term for C in nx.attracting_components(support_digraph(chain)))


def ssp_policy_value(P3, R, terminal, policy) -> list[Fraction]:
    """Exact total reward of a proper policy: ``V = 0`` on terminal states, ``(I - P_NN) V_N =
    r_N`` elsewhere (rows normalised exactly)."""
    S = P3.shape[0]
    chain, r = policy_chain(P3, R, policy)
    Pf, rf = rational_rows(chain), to_fractions(r)
    N = [s for s in range(S) if not terminal[s]]
    V = [Fraction(0)] * S
    if N:
        M = [[(1 if i == j else 0) - Pf[i, j] for j in N] for i in N]
        for s, v in zip(N, solve_linear(M, [rf[i] for i in N])):
            V[s] = v
    return V


def ssp_optimal_value(P3, R, terminal) -> list[Fraction]:
    """``V*(s) = max`` over proper deterministic stationary policies of their exact values (an
    optimal proper stationary policy exists when improper ones earn ``-inf``, Bertsekas and
    Tsitsiklis 1991)."""
    S, A = R.shape
    best = None
    for pol in deterministic_policies(S, A):
        if not is_proper(P3, pol, terminal):
            continue
        V = ssp_policy_value(P3, R, terminal, pol)
        best = V if best is None else [max(a, b) for a, b in zip(best, V)]
    if best is None:
        raise ValueError("no proper deterministic policy")
    return best


# -- return laws -----------------------------------------------------------------------------------


def _add(law: dict, x: float, q: float) -> None:
    law[x] = law.get(x, 0.0) + q


def markov_return_laws(P, r, gamma: float, W) -> list[dict]:
    """The law ``{return: probability}`` of ``G_0 = sum_h gamma^h r_h(s_h, a_h, s_{h+1})`` from
    each start state, for a Markov policy ``W (H, S, A)`` (probabilities), by path enumeration.
    ``P`` and ``r`` are ``(H, S, A, S)``."""
    H, S, A, _ = P.shape
    out = []
    for s0 in range(S):
        nodes = {(s0, 0.0): 1.0}
        for h in range(H):
            nxt: dict = {}
            for (s, acc), q in nodes.items():
                for a in range(A):
                    if W[h, s, a] <= 0:
                        continue
                    for j in np.flatnonzero(P[h, s, a]):
                        key = (int(j), acc + gamma ** h * float(r[h, s, a, j]))
                        nxt[key] = nxt.get(key, 0.0) + q * W[h, s, a] * P[h, s, a, j]
            nodes = nxt
        law: dict = {}
        for (_, acc), q in nodes.items():
            _add(law, acc, q)
        out.append(law)
    return out


def history_return_laws(P, r, gamma: float, s0: int) -> list[dict]:
    """Return laws of every deterministic history-dependent policy from ``s0`` (one decision at
    every history node the policy itself reaches), ``P`` and ``r`` of shape ``(H, S, A, S)``.
    Returns of stage ``h`` onward are discounted from ``h``; ``G_0 = r_0 + gamma G_1``."""
    H, S, A, _ = P.shape

    def rec(h: int, s: int) -> list[dict]:
        if h == H:
            return [{0.0: 1.0}]
        laws = []
        for a in range(A):
            succ = [int(j) for j in np.flatnonzero(P[h, s, a])]
            for combo in itertools.product(*[rec(h + 1, j) for j in succ]):
                law: dict = {}
                for j, sub in zip(succ, combo):
                    for v, q in sub.items():
                        _add(law, float(r[h, s, a, j]) + gamma * v, P[h, s, a, j] * q)
                laws.append(law)
        return laws

    return rec(0, s0)


def mixture_laws(per_state: list[list[dict]], mu) -> list[dict]:
    """Every joint choice of one law per start state (``s_0 ~ mu``), mixed by ``mu``: the laws
    from the initial distribution of every deterministic history-dependent policy."""
    out = []
    choices = [per_state[s] if mu[s] > 0 else [{0.0: 1.0}] for s in range(len(mu))]
    for combo in itertools.product(*choices):
        law: dict = {}
        for s, sub in enumerate(combo):
            if mu[s] > 0:
                for v, q in sub.items():
                    _add(law, v, mu[s] * q)
        out.append(law)
    return out


def tail_cvar(law: dict, tau: float) -> float:
    """``CVaR_tau`` in reward form: the mean of the lowest ``tau`` of the mass."""
    acc = taken = 0.0
    for x in sorted(law):
        t = min(law[x], tau - taken)
        if t > 0:
            acc, taken = acc + t * x, taken + t
    return acc / tau


def law_mean(law: dict) -> float:
    """``E X``."""
    return float(sum(x * q for x, q in law.items()))


def _cdfs(a: dict, b: dict):
    grid = np.array(sorted(set(a) | set(b)), dtype=float)
    Fa = np.cumsum([a.get(x, 0.0) for x in grid])
    Fb = np.cumsum([b.get(x, 0.0) for x in grid])
    return np.diff(grid), Fa[:-1], Fb[:-1]


def wasserstein1(a: dict, b: dict) -> float:
    """``W1 = int |F_a - F_b|`` on the merged support."""
    w, Fa, Fb = _cdfs(a, b)
    return float(np.sum(w * np.abs(Fa - Fb)))


def cramer(a: dict, b: dict) -> float:
    """Cramer distance ``(int (F_a - F_b)^2)^{1/2}`` on the merged support."""
    w, Fa, Fb = _cdfs(a, b)
    return float(np.sqrt(np.sum(w * (Fa - Fb) ** 2)))


def as_law(values, probs) -> dict:
    """``{value: probability}`` of atoms (equal values merged)."""
    law: dict = {}
    for x, q in zip(np.asarray(values, dtype=float), np.asarray(probs, dtype=float)):
        if q != 0:
            _add(law, float(x), float(q))
    return law


# -- robust values by convex programs -------------------------------------------------------------

#: Clarabel with tightened tolerances: values accurate to about 1e-8 on these programs.
CLARABEL = dict(tol_gap_abs=1e-10, tol_gap_rel=1e-10, tol_feas=1e-10)


class TruthUnavailable(RuntimeError):
    """The convex program of the ground truth did not report an optimal solution."""


def _solve(prob) -> None:
    import cvxpy as cp
    prob.solve(solver=cp.CLARABEL, **CLARABEL)
    if prob.status not in (cp.OPTIMAL, cp.OPTIMAL_INACCURATE):
        raise TruthUnavailable(f"cvxpy status {prob.status}")


def _lp_sigma(cp, V, G, h, Aeq, beq, C, const=0.0):
    """Hypograph of ``min {(C V) . x : G x <= h, Aeq x = beq}`` through its LP dual
    ``max {-h . lam - beq . nu : G^T lam + Aeq^T nu + C V = 0, lam >= 0}`` (strong duality for a
    feasible bounded LP). Returns ``(expression, constraints)``."""
    lam = cp.Variable(G.shape[0], nonneg=True)
    nu = cp.Variable(Aeq.shape[0])
    cons = [G.T @ lam + Aeq.T @ nu + C @ V == 0]
    return const - h @ lam - beq @ nu, cons


def _ball_lp(name: str, p0: np.ndarray, rho: float, metric=None):
    """``(G, h, Aeq, beq, C)`` of ``min_{p in U} p . V`` for the polyhedral balls, with the set's
    constraints written from its definition. ``C`` maps ``V`` to the cost vector."""
    S = p0.shape[0]
    I, Z = np.eye(S), np.zeros((S, S))
    if name == "l1":  # x = (p, e), e >= |p - p0|, sum e <= rho
        G = np.vstack([np.hstack([-I, Z]), np.hstack([I, -I]), np.hstack([-I, -I]),
                       np.concatenate([np.zeros(S), np.ones(S)])[None]])
        h: np.ndarray = np.concatenate([np.zeros(S), p0, -p0, [rho]])
        Aeq = np.concatenate([np.ones(S), np.zeros(S)])[None]
        C: np.ndarray = np.vstack([I, Z])
        return G, h, Aeq, np.ones(1), C
    if name == "linf":  # max(0, p0 - rho) <= p <= p0 + rho
        G = np.vstack([-I, I])
        h = np.concatenate([-np.maximum(0.0, p0 - rho), p0 + rho])
        return G, h, np.ones((1, S)), np.ones(1), I
    if name == "w1":  # x = coupling pi[i, j] >= 0, pi 1 = p0, sum d pi <= rho; p = 1^T pi
        n = S * S
        G = np.vstack([-np.eye(n), np.asarray(metric, dtype=float).reshape(1, n)])
        h = np.concatenate([np.zeros(n), [rho]])
        Aeq = np.kron(np.eye(S), np.ones((1, S)))  # row i: sum_j pi[i, j]
        C = np.kron(np.ones((S, 1)), np.eye(S))    # cost of pi[i, j] is V[j]
        return G, h, Aeq, p0, C
    raise ValueError(name)


def sigma_expression(cp, V, spec: dict, p0: np.ndarray):
    """``(sigma, constraints)``: a concave expression in ``V`` whose hypograph (under the returned
    constraints) is that of the inner problem of ``spec`` at the nominal row ``p0``.

    ``spec = {"name": ..., "param": ..., "metric": ...}``; names ``l1``, ``tv`` (L1 units ``2 r``),
    ``linf``, ``w1`` (LP dual of the set's constraints), ``kl`` (``max_{lam >= 0} -lam rho -
    lam log E_p0 exp(-V / lam)``, exponential cones), ``chi2`` (``max_eta eta - sqrt(1 + rho)
    ||(eta - V)_+||_{L2(p0)}``), ``tv_pen`` (``E_p0 min(V, min V + beta)``), ``kl_pen``
    (``-beta log E_p0 exp(-V / beta)``), ``chi2_pen`` (the Lagrangian of ``sum p = 1`` with
    ``p = p0 q``: ``max_eta eta + E_p0 g(V - eta)``, ``g(x) = min_{q >= 0} q x + beta (q - 1)^2 =
    beta - (2 beta - x)_+^2 / (4 beta)``, that is ``max_zeta zeta - beta - E_p0 (zeta - V)_+^2 /
    (4 beta)``).
    """
    name, rho = spec["name"], float(spec["param"])
    J = np.flatnonzero(p0 > 0)
    if name in ("l1", "tv", "linf", "w1"):
        r = 2.0 * rho if name == "tv" else rho
        G, h, Aeq, beq, C = _ball_lp("l1" if name == "tv" else name, p0, r, spec.get("metric"))
        return _lp_sigma(cp, V, G, h, Aeq, beq, C)
    if name == "kl":
        z, lam, u = cp.Variable(), cp.Variable(nonneg=True), cp.Variable(J.size)
        cons = [cp.constraints.ExpCone(z - V[J], lam * np.ones(J.size), u), p0[J] @ u <= lam]
        return z - lam * rho, cons
    if name == "chi2":
        eta, t, w = cp.Variable(), cp.Variable(), cp.Variable(J.size, nonneg=True)
        cons = [w >= eta - V[J], cp.norm(cp.multiply(np.sqrt(p0[J]), w)) <= t]
        return eta - np.sqrt(1.0 + rho) * t, cons
    if name == "tv_pen":
        m, w = cp.Variable(), cp.Variable(J.size)
        return p0[J] @ w, [m <= V, w <= V[J], w <= m + rho]
    if name == "kl_pen":
        return -rho * cp.log_sum_exp(np.log(p0[J]) - V[J] / rho), []
    if name == "chi2_pen":  # zeta = eta + 2 beta
        zeta, w = cp.Variable(), cp.Variable(J.size, nonneg=True)
        sig = zeta - rho - cp.sum(cp.multiply(p0[J], cp.square(w))) / (4.0 * rho)
        return sig, [w >= zeta - V[J]]
    raise ValueError(f"unknown set {name!r}")


def robust_policy_value(P3, R, gamma: float, policy, spec: dict) -> np.ndarray:
    """``V^pi_rob``, the largest ``V`` with ``V(s) <= r(s, pi(s)) + gamma sigma_{s, pi(s)}(V)``
    for a deterministic policy and an ``(s,a)``-rectangular set (see the module docstring)."""
    import cvxpy as cp
    S = P3.shape[0]
    V = cp.Variable(S)
    cons = []
    for s in range(S):
        a = int(policy[s])
        sig, extra = sigma_expression(cp, V, spec, P3[s, a])
        cons += extra + [V[s] <= float(R[s, a]) + gamma * sig]
    prob = cp.Problem(cp.Maximize(cp.sum(V)), cons)
    _solve(prob)
    return np.asarray(V.value, dtype=float)


def _srect_lp(P0: np.ndarray, kappa: float):
    """Constraints of ``U_s = {(p_a) : p_a in simplex, sum_a ||p_a - P0[a]||_1 <= kappa}`` for
    ``x = (p (A*S), e (A*S))``: ``(G, h, Aeq, beq)``."""
    A, S = P0.shape
    n = A * S
    I, Z = np.eye(n), np.zeros((n, n))
    p0 = P0.ravel()
    G = np.vstack([np.hstack([-I, Z]), np.hstack([I, -I]), np.hstack([-I, -I]),
                   np.concatenate([np.zeros(n), np.ones(n)])[None]])
    h = np.concatenate([np.zeros(n), p0, -p0, [kappa]])
    Aeq = np.hstack([np.kron(np.eye(A), np.ones((1, S))), np.zeros((A, n))])
    return G, h, Aeq, np.ones(A)


def srect_policy_value(P3, R, gamma: float, D, kappa) -> np.ndarray:
    """Robust value of a randomised policy ``D (S, A)`` against the s-rectangular L1 budgets
    ``kappa (S,)``: the largest ``V`` with ``V(s) <= min_{(p_a) in U_s} sum_a D[s, a] (r(s, a) +
    gamma p_a . V)`` (a monotone ``gamma``-contraction; the inner minimum through its LP dual)."""
    import cvxpy as cp
    S, A = R.shape
    V = cp.Variable(S)
    cons = []
    for s in range(S):
        G, h, Aeq, beq = _srect_lp(P3[s], float(kappa[s]))
        # cost of p[a, j] is gamma D[s, a] V[j]; of e, 0
        C = np.vstack([gamma * np.kron(D[s][:, None], np.eye(S)), np.zeros((A * S, S))])
        sig, extra = _lp_sigma(cp, V, G, h, Aeq, beq, C, const=float(D[s] @ R[s]))
        cons += extra + [V[s] <= sig]
    prob = cp.Problem(cp.Maximize(cp.sum(V)), cons)
    _solve(prob)
    return np.asarray(V.value, dtype=float)


def srect_update(P0: np.ndarray, r: np.ndarray, V: np.ndarray, gamma: float, kappa: float) -> float:
    """One state's s-rectangular robust update in its min-max form ``min_{(p_a) in U_s} max_a
    r_a + gamma p_a . V`` (equal to the max over randomised decisions of the min, von Neumann)."""
    import cvxpy as cp
    A, S = P0.shape
    p, t = cp.Variable((A, S)), cp.Variable()
    cons = [p >= 0, cp.sum(p, axis=1) == 1, cp.sum(cp.abs(p - P0)) <= kappa]
    cons += [t >= r[a] + gamma * p[a] @ V for a in range(A)]
    prob = cp.Problem(cp.Minimize(t), cons)
    _solve(prob)
    return float(prob.value)


__all__ = [
    "rational_rows", "support_digraph", "exact_limit", "exact_gain", "deterministic_policies",
    "policy_chain", "optimal_gain", "exact_hitting_times", "min_hitting_times", "diameter",
    "mixing_time_exact", "class_periods", "is_proper", "ssp_policy_value",
    "ssp_optimal_value", "markov_return_laws", "history_return_laws", "mixture_laws", "tail_cvar",
    "law_mean", "wasserstein1", "cramer", "as_law", "robust_policy_value", "srect_policy_value",
    "srect_update", "sigma_expression", "TruthUnavailable", "CLARABEL",
]
