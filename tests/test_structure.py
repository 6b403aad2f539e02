"""Structure of MDPs and chains: classification against brute force and hand-built examples,
diameters against shortest paths and the RiverSwim birth-death recursion, mixing times against
the two-state closed form and step-by-step powers, stationary distributions, hitting times and
periods against independent computations.

Expected numbers come from networkx, closed forms, exact rationals and brute-force enumeration,
never from rlcert.mdp.structure itself.
"""

from fractions import Fraction
from itertools import product
from math import gcd, inf

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from rlcert.mdp import InvalidArgumentError, TabularMDP, instances
from rlcert.mdp.strategies import tabular_mdps, transition_arrays
from rlcert.mdp.structure import (classify, closed_classes, communicating_classes, diameter,
                                  hitting_times, limiting_matrix, min_hitting_times, mixing_time,
                                  periods, span, stationary_distributions, support_graph,
                                  transient_states, worst_mixing_time)

EPS64 = np.finfo(float).eps
# an eps with no small-denominator rational near it, so that d(t) = eps ties cannot occur
ODD_EPS = 1.0 / (3.0 * np.sqrt(2.0))


# -- independent helpers --------------------------------------------------------------------------
def policy_graph(P: np.ndarray, pol) -> nx.DiGraph:
    S = P.shape[0]
    G = nx.DiGraph()
    G.add_nodes_from(range(S))
    for s in range(S):
        for t in np.flatnonzero(P[s, pol[s]] > 0):
            G.add_edge(s, int(t))
    return G


def dense(P) -> np.ndarray:
    return P.toarray() if sp.issparse(P) else np.asarray(P, dtype=float)


def lazy_limit(P: np.ndarray, squarings: int = 60) -> np.ndarray:
    """P* as the limit of the lazy chain ((I + P)/2)^(2^k): aperiodic, same Cesaro limit as P.
    Rows are renormalised after each squaring (a row summing to 1 - 1e-16 would otherwise decay
    over 2^60 steps)."""
    M = 0.5 * (np.eye(P.shape[0]) + dense(P))
    for _ in range(squarings):
        M = M @ M
        M /= M.sum(axis=1, keepdims=True)
    return M


def brute_classification(P: np.ndarray):
    """Flags by enumerating deterministic policies (Puterman's definitions, Sec. 8.3.1)."""
    S, A, _ = P.shape
    graphs = [policy_graph(P, pol) for pol in product(range(A), repeat=S)]
    n_attr = [len(list(nx.attracting_components(G))) for G in graphs]
    recurrent = all(nx.is_strongly_connected(G) for G in graphs)
    unichain = all(n == 1 for n in n_attr)
    communicating = all(any(nx.has_path(G, s, t) for G in graphs)
                        for s in range(S) for t in range(S))
    rec_states = set()
    for G in graphs:
        for comp in nx.attracting_components(G):
            rec_states |= comp
    R = sorted(rec_states)
    closed = all(t in rec_states for s in R for a in range(A) for t in np.flatnonzero(P[s, a] > 0))
    mutually = all(any(nx.has_path(G.subgraph(R), s, t) for G in graphs) for s in R for t in R)
    return recurrent, unichain, communicating, closed and mutually


def n_closed_classes(P: np.ndarray, pol) -> int:
    return len(list(nx.attracting_components(policy_graph(P, pol))))


# -- classification --------------------------------------------------------------------------------
def mdp(P, R=None):
    P = np.asarray(P, dtype=float)
    return TabularMDP(P, np.zeros(P.shape[:2]) if R is None else R)


STAY, MOVE = 0, 1
two_state_switch = [[[1, 0], [0, 1]],       # state 0: stay / move
                    [[0, 1], [1, 0]]]       # state 1: stay / move

EXAMPLES = {
    # every policy's chain is irreducible
    "recurrent": ([[[0.5, 0.5], [0.9, 0.1]], [[0.3, 0.7], [0.2, 0.8]]],
                  dict(recurrent=True, communicating=True, weakly_communicating=True,
                       unichain=True)),
    # state 0 absorbing, state 1 leaks into it: one closed class {0}, 1 cannot be reached from 0
    "unichain_not_communicating": ([[[1, 0], [1, 0]], [[0.5, 0.5], [0.5, 0.5]]],
                                   dict(recurrent=False, communicating=False,
                                        weakly_communicating=True, unichain=True)),
    # stay/move in both states: communicating, but "stay, stay" has two closed classes
    "communicating_multichain": (two_state_switch,
                                 dict(recurrent=False, communicating=True,
                                      weakly_communicating=True, unichain=False)),
    # state 0 may stay or move; state 1 always returns: unichain (0 is in every closed class)
    "communicating_unichain_not_recurrent": ([[[1, 0], [0, 1]], [[1, 0], [0.5, 0.5]]],
                                             dict(recurrent=False, communicating=True,
                                                  weakly_communicating=True, unichain=True)),
    # the switch pair plus a state 2 that is left forever: weakly communicating, multichain
    "weakly_communicating_multichain": ([[[1, 0, 0], [0, 1, 0]], [[0, 1, 0], [1, 0, 0]],
                                         [[0.5, 0.5, 0], [1, 0, 0]]],
                                        dict(recurrent=False, communicating=False,
                                             weakly_communicating=True, unichain=False)),
    # two absorbing states and a chooser: not weakly communicating
    "multichain_not_weakly_communicating": ([[[1, 0, 0], [1, 0, 0]], [[0, 1, 0], [0, 1, 0]],
                                             [[1, 0, 0], [0, 1, 0]]],
                                            dict(recurrent=False, communicating=False,
                                                 weakly_communicating=False, unichain=False)),
}


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_classification_of_hand_built_examples(name):
    P, expected = EXAMPLES[name]
    P = np.asarray(P, dtype=float)
    c = classify(mdp(P), max_policies=100)
    got = dict(recurrent=c.recurrent, communicating=c.communicating,
               weakly_communicating=c.weakly_communicating, unichain=c.unichain)
    assert got == expected, c.explanation
    # the brute-force reading of the definitions agrees
    rec, uni, comm, wc = brute_classification(P)
    assert (rec, uni, comm, wc) == (expected["recurrent"], expected["unichain"],
                                    expected["communicating"], expected["weakly_communicating"])
    if c.unichain is False:
        assert n_closed_classes(P, c.witness_policy) >= 2
    assert c.multichain == (not expected["unichain"])


def test_unichain_unknown_without_enumeration_and_settled_with_it():
    """Three states, two actions moving to each of the other two states: every deterministic policy
    is a functional graph without self-loops on 3 nodes, so it has one cycle (unichain), yet every
    state is avoided by a closable pair, and no closable set is disjoint from a pair: only an
    enumeration decides."""
    P = np.zeros((3, 2, 3))
    for s in range(3):
        P[s, 0, (s + 1) % 3] = 1.0
        P[s, 1, (s + 2) % 3] = 1.0
    m = mdp(P)
    c0 = classify(m)
    assert c0.unichain is None
    assert "max_policies >= 8" in c0.explanation
    c1 = classify(m, max_policies=8)
    assert c1.unichain is True and c1.policies_enumerated == 8
    assert brute_classification(P)[1] is True
    assert c1.communicating and not c1.recurrent


def test_unknown_unichain_on_a_large_random_model_reports_the_enumeration_size():
    """Garnet(300, 4, 5): no polynomial argument settles unichain; the enumeration it would take
    (4^300 policies on the end component, about 10^181) is too large to write out in full."""
    c = classify(instances.garnet(300, 4, 5, seed=0))
    assert c.unichain is None and c.communicating
    assert "max_policies >= about 10^181" in c.explanation


def test_cheap_search_finds_two_disjoint_closable_sets():
    """States 0..3: each pair {0, 1} and {2, 3} can be kept closed by a policy, which the search
    over closable cores must find without enumerating."""
    P = np.zeros((4, 2, 4))
    P[0, 0, 1] = 1.0
    P[0, 1, 2] = 1.0
    P[1, 0, 0] = 1.0
    P[1, 1, 3] = 1.0
    P[2, 0, 3] = 1.0
    P[2, 1, 0] = 1.0
    P[3, 0, 2] = 1.0
    P[3, 1, 1] = 1.0
    c = classify(mdp(P))
    assert c.unichain is False and c.policies_enumerated == 0
    assert n_closed_classes(P, c.witness_policy) >= 2
    assert brute_classification(P)[1] is False


# six states, three actions: multichain, but no cheap argument finds it (found by a random search)
H, F = 0.5, 1.0
ENUMERATION_ONLY = [
    [[0, F, 0, 0, 0, 0], [0, 0, F, 0, 0, 0], [0, 0, 0, H, 0, H]],
    [[0, 0, 0, H, H, 0], [H, 0, 0, 0, 0, H], [0, 0, 0, 0, H, H]],
    [[0, 0, 0, 0, F, 0], [0, 0, 0, 0, 0, F], [0, 0, 0, F, 0, 0]],
    [[F, 0, 0, 0, 0, 0], [F, 0, 0, 0, 0, 0], [0, 0, 0, 0, F, 0]],
    [[0, H, 0, 0, 0, H], [0, H, H, 0, 0, 0], [H, 0, 0, 0, 0, H]],
    [[H, 0, 0, H, 0, 0], [F, 0, 0, 0, 0, 0], [0, H, 0, 0, H, 0]],
]


def test_multichain_found_only_by_enumeration():
    P = np.asarray(ENUMERATION_ONLY, dtype=float)
    m = mdp(P)
    assert classify(m).unichain is None
    c = classify(m, max_policies=3 ** 6)
    assert c.unichain is False and 0 < c.policies_enumerated <= 3 ** 6
    assert n_closed_classes(P, c.witness_policy) >= 2
    assert brute_classification(P)[1] is False


def sparse_weights(max_states=4, max_actions=3):
    @st.composite
    def build(draw):
        S = draw(st.integers(1, max_states))
        A = draw(st.integers(1, max_actions))
        return draw(transition_arrays(S, A, max_weight=1))
    return build()


@settings(max_examples=60)
@given(P=sparse_weights())
def test_classification_agrees_with_brute_force(P):
    rec, uni, comm, wc = brute_classification(P)
    m = mdp(P)
    exact = classify(m, max_policies=10_000)
    assert (exact.recurrent, exact.unichain, exact.communicating,
            exact.weakly_communicating) == (rec, uni, comm, wc), exact.explanation
    cheap = classify(m)
    assert cheap.unichain in (uni, None)
    assert (cheap.recurrent, cheap.communicating, cheap.weakly_communicating) == (rec, comm, wc)
    for c in (exact, cheap):
        if c.unichain is False:
            assert n_closed_classes(P, c.witness_policy) >= 2
        if c.witness_state is not None:  # it lies in every closed class of every policy
            S, A = P.shape[:2]
            for pol in product(range(A), repeat=S):
                for comp in nx.attracting_components(policy_graph(P, pol)):
                    assert c.witness_state in comp


def test_strategies_build_the_structures_they_promise():
    @settings(max_examples=30)
    @given(m=tabular_mdps(max_states=4, communicating=True, gamma=None))
    def communicating(m):
        assert classify(m).communicating

    @settings(max_examples=30)
    @given(m=tabular_mdps(max_states=4, unichain=True, gamma=None))
    def unichain(m):
        assert classify(m).unichain is True

    communicating()
    unichain()


# -- graphs, classes, periods, stationary distributions --------------------------------------------
@given(P=sparse_weights(max_states=5, max_actions=2))
def test_graphs_and_classes_match_networkx(P):
    m = mdp(P)
    G = support_graph(m)
    S, A = P.shape[:2]
    for s, t in product(range(S), range(S)):
        acts = tuple(a for a in range(A) if P[s, a, t] > 0)
        assert G.has_edge(s, t) == bool(acts)
        if acts:
            assert G.edges[s, t]["actions"] == acts
    ours = sorted(tuple(c.tolist()) for c in communicating_classes(m))
    assert ours == sorted(tuple(sorted(c)) for c in nx.strongly_connected_components(G))
    pol = np.zeros(S, dtype=int)
    Gp = policy_graph(P, pol)
    closed = sorted(tuple(c.tolist()) for c in closed_classes(m, pol))
    assert closed == sorted(tuple(sorted(c)) for c in nx.attracting_components(Gp))
    rec = set().union(*[set(c) for c in closed])
    assert transient_states(m, pol).tolist() == [s for s in range(S) if s not in rec]


def brute_period(P: np.ndarray, states) -> int:
    """gcd of the return times t <= 2 n^2 of one state (boolean matrix powers)."""
    B = (dense(P)[np.ix_(states, states)] > 0).astype(np.int64)
    M = np.eye(len(states), dtype=np.int64)
    d = 0
    for t in range(1, 2 * len(states) ** 2 + 2):
        M = np.minimum(M @ B, 1)
        if M[0, 0]:
            d = gcd(d, t)
    return d


def test_periods_of_cycles():
    def cycle(k, chord=None):
        P = np.zeros((k, k))
        P[np.arange(k), (np.arange(k) + 1) % k] = 1.0
        if chord is not None:
            s, t = chord
            P[s] = 0.0
            P[s, (s + 1) % k] = 0.5
            P[s, t] = 0.5
        return P

    assert periods(cycle(4)) == [4]
    P6 = cycle(6, chord=(5, 2))  # cycles of lengths 6 and 4
    assert periods(P6) == [brute_period(P6, range(6))] == [2]
    assert periods(cycle(5, chord=(4, 1))) == [1]  # cycles of lengths 5 and 2


@given(P=sparse_weights(max_states=5, max_actions=1))
def test_periods_match_return_time_gcd(P):
    chain = P[:, 0, :]
    for C, d in zip(closed_classes(chain), periods(chain)):
        assert d == brute_period(chain, list(C))


@given(P=sparse_weights(max_states=5, max_actions=1))
def test_stationary_distributions_and_limit(P):
    chain = P[:, 0, :]
    mus = stationary_distributions(chain)
    Pstar = lazy_limit(chain)
    classes = closed_classes(chain)
    assert mus.shape == (len(classes), chain.shape[0])
    for mu, C in zip(mus, classes):
        assert abs(mu.sum() - 1.0) <= 1e-12
        np.testing.assert_allclose(mu @ chain, mu, atol=1e-12)
        assert np.all(mu[np.setdiff1d(np.arange(chain.shape[0]), C)] == 0.0)
        np.testing.assert_allclose(mu, Pstar[C[0]], atol=1e-10)
    np.testing.assert_allclose(limiting_matrix(chain), Pstar, atol=1e-10)


# -- hitting times ---------------------------------------------------------------------------------
def test_hitting_times_of_the_gamblers_ruin_walk():
    """Symmetric walk on 0..N absorbed at both ends: E_k[T] = k (N - k)."""
    N = 9
    P = np.zeros((N + 1, N + 1))
    P[0, 0] = P[N, N] = 1.0
    for k in range(1, N):
        P[k, k - 1] = P[k, k + 1] = 0.5
    t = hitting_times(P, target=[0, N])
    np.testing.assert_allclose(t, [k * (N - k) for k in range(N + 1)], rtol=1e-12)
    # a target missed with positive probability: inf where 0 can still be reached first
    t = hitting_times(P, target=N)
    assert t[N] == 0.0 and np.all(np.isinf(t[:N]))


@settings(max_examples=40)
@given(P=sparse_weights(max_states=4, max_actions=2), target=st.integers(0, 3))
def test_min_hitting_times_is_the_best_deterministic_policy(P, target):
    S, A = P.shape[:2]
    target = target % S
    m = mdp(P)
    t, pol, cert = min_hitting_times(m, target)
    best = np.full(S, inf)
    for p in product(range(A), repeat=S):
        best = np.minimum(best, hitting_times(m, np.array(p), target=target))
    finite = np.isfinite(best)
    assert np.array_equal(np.isfinite(t), finite)
    assert np.all(np.abs(t[finite] - best[finite]) <= cert + 1e-9 * np.maximum(1, best[finite]))
    np.testing.assert_allclose(hitting_times(m, pol, target=target)[finite], t[finite], rtol=1e-12)


# -- diameter --------------------------------------------------------------------------------------
@st.composite
def deterministic_mdps(draw, max_states=7, max_actions=3):
    S = draw(st.integers(1, max_states))
    A = draw(st.integers(1, max_actions))
    succ = draw(hnp.arrays(np.int64, (S, A), elements=st.integers(0, S - 1)))
    P = np.zeros((S, A, S))
    P[np.arange(S)[:, None], np.arange(A)[None, :], succ] = 1.0
    return P


@given(P=deterministic_mdps())
def test_diameter_of_a_deterministic_mdp_is_the_longest_shortest_path(P):
    """With deterministic transitions the fastest policy follows a shortest path, so D is the
    longest shortest path of the support graph (inf if it is not strongly connected)."""
    S, A = P.shape[:2]
    G = nx.DiGraph()
    G.add_nodes_from(range(S))
    G.add_edges_from((s, int(np.argmax(P[s, a]))) for s in range(S) for a in range(A))
    dist = dict(nx.all_pairs_shortest_path_length(G))
    pairs = [(s, t) for s in range(S) for t in range(S) if s != t]
    expected = max((dist[s].get(t, inf) for s, t in pairs), default=0)
    res = diameter(mdp(P))
    if expected == inf:
        assert res.D == inf
        s, t = res.pair
        assert t not in dist[s]
    else:
        assert res.D == pytest.approx(expected, abs=1e-9)
        if pairs:
            assert dist[res.pair[0]][res.pair[1]] == expected
        assert res.certificate <= 1e-9


@pytest.mark.parametrize("n", [2, 3, 6, 12, 25])
def test_riverswim_diameter_from_the_birth_death_recursion(n):
    """Swimming right (action 1) is the fastest way to any state on the right: from s, the expected
    time E_s to first reach s + 1 obeys E_0 = 1 / p(0 -> 1) and, in the middle,
    E_s = 1 + p_stay E_s + p_left (E_{s-1} + E_s), i.e. E_s = (1 + p_left E_{s-1}) / p_right.
    Swimming left is deterministic (one step per state), and 1 + E_{s-1} + ... exceeds what
    action 1 needs, so always-right solves the shortest-path equation for targets on the right.
    Going left takes n - 1 steps at most, which is less; hence D = sum_{s < n-1} E_s, from 0 to
    n - 1. Exact rationals of the model's float probabilities."""
    m = instances.riverswim(n)
    P = m.dense_P()
    E = [1 / Fraction(P[0, 1, 1])]
    for s in range(1, n - 1):
        p_left, p_right = Fraction(P[s, 1, s - 1]), Fraction(P[s, 1, s + 1])
        E.append((1 + p_left * E[-1]) / p_right)
    D_exact = max(sum(E), Fraction(n - 1))
    res = diameter(m)
    err = abs(Fraction(res.D) - D_exact)
    assert err <= Fraction(res.certificate) + Fraction(64 * EPS64 * n * float(D_exact))
    assert res.pair == (0, n - 1)


def test_joa_block_diameter_is_one_over_delta():
    """Jaksch, Ortner and Auer (2010): from s_1 every action returns w.p. delta, so D = 1/delta."""
    res = diameter(instances.joa_two_state(delta=0.125, eps=0.05, n_actions=3))
    assert res.D == pytest.approx(8.0, rel=1e-14) and res.pair == (1, 0)


def test_diameter_is_infinite_when_not_communicating():
    P, _ = EXAMPLES["unichain_not_communicating"]
    res = diameter(mdp(P))
    assert res.D == inf and res.pair == (0, 1)


# -- mixing times ----------------------------------------------------------------------------------
def two_state_closed_form(p: Fraction, q: Fraction, eps: Fraction) -> int:
    """min t: max(p, q)/(p + q) |1 - p - q|^t <= eps (exact rationals)."""
    c, lam = max(p, q) / (p + q), abs(1 - p - q)
    t = 0
    while c * lam ** t > eps:
        t += 1
    return t


@given(a=st.integers(1, 100), b=st.integers(1, 100))
def test_two_state_mixing_time_closed_form(a, b):
    """P = [[1-p, p], [q, 1-q]] with p, q = a/101, b/101:
    P^t(0, .) - pi = p/(p+q) (1-p-q)^t (1, -1), so d(t) = max(p, q)/(p + q) |1 - p - q|^t.
    With the prime 101 no t gives d(t) = 1/4 exactly."""
    p, q = a / 101, b / 101
    P = np.array([[1 - p, p], [q, 1 - q]])
    res = mixing_time(P, eps=0.25)
    assert res.t_mix == two_state_closed_form(Fraction(P[0, 1]), Fraction(P[1, 0]), Fraction(1, 4))
    assert not res.reducible


def test_periodic_and_reducible_chains():
    flip = np.array([[0.0, 1.0], [1.0, 0.0]])
    res = mixing_time(flip)
    assert res.t_mix == inf and res.per_class[0].period == 2 and "period 2" in res.explanation
    # two absorbing states and a transient one between them
    P = np.array([[1, 0, 0], [0, 1, 0], [0.25, 0.25, 0.5]])
    res = mixing_time(P, eps=0.25)
    # from state 2: P^t(2, 2) = 2^-t and the limit is (1/2, 1/2, 0): d(t) = 2^-t
    assert res.reducible and res.t_mix == 2
    assert [c.t_mix for c in res.per_class] == [0, 0]
    assert "2 closed classes" in res.explanation


def brute_mixing(P: np.ndarray, eps: float, t_max: int = 20_000) -> float:
    P = dense(P)
    Pstar = lazy_limit(P)
    M = np.eye(P.shape[0])
    for t in range(t_max):
        if 0.5 * np.abs(M - Pstar).sum(axis=1).max() <= eps:
            return t
        M = M @ P
    return inf


@settings(max_examples=80)
@given(P=sparse_weights(max_states=5, max_actions=1))
def test_mixing_time_matches_step_by_step_powers(P):
    chain = P[:, 0, :]
    res = mixing_time(chain, eps=ODD_EPS)
    periodic = any(brute_period(chain, list(C)) > 1 for C in closed_classes(chain))
    if periodic:
        assert res.t_mix == inf
    else:
        assert res.t_mix == brute_mixing(chain, ODD_EPS)
        for c in res.per_class:
            sub = chain[np.ix_(c.states, c.states)]
            assert c.t_mix == brute_mixing(sub, ODD_EPS)


def test_riverswim_mixing_time_matches_step_by_step_powers():
    m = instances.riverswim(8)
    right = np.ones(8, dtype=int)
    P = m.policy_matrix(right)
    assert mixing_time(m, right).t_mix == brute_mixing(P, 0.25)
    assert mixing_time(m, right, eps=ODD_EPS).t_mix == brute_mixing(P, ODD_EPS)


@st.composite
def stochastic_policies(draw, S, A):
    w = draw(hnp.arrays(np.int64, (S, A), elements=st.integers(0, 3))).astype(float)
    w[:, 0] += 1.0
    return w / w.sum(axis=1, keepdims=True)


@settings(max_examples=40)
@given(m=tabular_mdps(max_states=3, max_actions=2, gamma=None), data=st.data())
def test_worst_mixing_time_bounds_hold(m, data):
    """lower (deterministic policies) <= upper (Doeblin), and every stationary policy, randomised
    ones included, mixes within the upper bound."""
    res = worst_mixing_time(m)
    assert res.lower is not None and res.lower <= res.upper
    for _ in range(3):
        pi = data.draw(stochastic_policies(m.n_states, m.n_actions))
        assert mixing_time(m, pi).t_mix <= res.upper
    brute = max(brute_mixing(m.policy_matrix(np.array(p)), 0.25) if not any(
        brute_period(m.policy_matrix(np.array(p)), list(C)) > 1
        for C in closed_classes(m.policy_matrix(np.array(p)))) else inf
        for p in product(range(m.n_actions), repeat=m.n_states))
    assert res.lower == brute


def test_worst_mixing_time_closed_cases():
    # every row is (1/2, 1/2): P^1 = P* for every policy, alpha_1 = 1, t_mix = 1
    P = np.full((2, 3, 2), 0.5)
    res = worst_mixing_time(mdp(P))
    assert res.lower == 1 and res.upper == 1 and res.upper_k == 1
    # a multichain policy exists (stay, stay): no Doeblin bound
    res = worst_mixing_time(mdp(two_state_switch), max_policies=0)
    assert res.lower is None and res.upper == inf and "no finite upper bound" in res.explanation


# -- span and input checks -------------------------------------------------------------------------
def test_span():
    assert span([1.0, 3.0, -2.0]) == 5.0
    assert span(np.array([[2.0]])) == 0.0
    with pytest.raises(InvalidArgumentError, match="empty"):
        span([])


def test_bad_inputs_are_refused_by_name():
    m = instances.riverswim(4)
    with pytest.raises(InvalidArgumentError, match="policy is required"):
        mixing_time(m)
    with pytest.raises(InvalidArgumentError, match=r"P\[1, :\] sums to 0.9"):
        mixing_time(np.array([[1.0, 0.0], [0.5, 0.4]]))
    with pytest.raises(InvalidArgumentError, match="eps must be in"):
        mixing_time(np.eye(2), eps=0.0)
    with pytest.raises(InvalidArgumentError, match="target state 9"):
        hitting_times(m, np.zeros(4, int), target=9)
    with pytest.raises(InvalidArgumentError, match="max_policies"):
        classify(m, max_policies=-1)
