"""Throw a corpus of bad inputs at the public API of rlcert.mdp, rlcert.bounds, rlcert.theory and
the learners of rlcert.estimators, and classify what happens to each.

Areas: ``mdp``, ``bounds``, ``theory``; ``linear`` (:mod:`rlcert.mdp.linear` and
:mod:`rlcert.estimators.linear`), ``offline`` (:mod:`rlcert.estimators.offline`), ``pg``
(:mod:`rlcert.estimators.policy_gradient`) and ``sa``
(:mod:`rlcert.estimators.stochastic_approximation`).

Run ``python dev/bad_inputs.py`` (``--save counts.json`` to keep the counts, ``--compare
counts.json`` to print them next to a saved run, ``--verbose`` to list every case not refused,
``--area mdp`` to run one area; ``--timing`` times the validation of a 2e5-state CSR model
instead). Every case is a bad input: no outcome except a clear refusal is right.

Outcomes
--------
``refused``   a ``ValueError`` (or subclass) whose message names the argument (one of the names the
              case lists, as a whole word);
``silent``    the call returned: the bad input was accepted;
``unclear``   another exception type, or a ``ValueError`` whose message does not name the argument;
``crash``     the worker process died (a signal such as SIGSEGV, or an abort) or the case ran longer
              than ``--timeout`` seconds.

The cases run in a worker subprocess, one after another; when the worker dies, the case it was
running is a crash and a new worker resumes at the next case. (Out-of-bounds reads are not
deterministic: a case that segfaults on one run may return garbage on the next.)

To run the corpus against another revision (e.g. HEAD before a change), extract it and put a
``rlcert`` directory of symlinks first on ``PYTHONPATH``::

    git archive HEAD | tar -x -C /tmp/head
    mkdir -p /tmp/shim/rlcert
    for d in mdp bounds theory estimators proofs_checks; do ln -s /tmp/head/$d /tmp/shim/rlcert/$d; done
    PYTHONPATH=/tmp/shim python dev/bad_inputs.py --save before.json
    python dev/bad_inputs.py --compare before.json
"""

from __future__ import annotations

import argparse
import json
import os
import re
import select
import subprocess
import sys
import time
from collections import Counter, defaultdict

OUTCOMES = ("refused", "silent", "unclear", "crash")

# -- the shared setup of every worker ---------------------------------------------------------------
PRELUDE = r'''
import math, os, tempfile
import numpy as np
import scipy.sparse as sp
from rlcert.mdp import (TabularMDP, FiniteHorizonMDP, solve, evaluate_policy, q_from_v, greedy,
                        action_gaps, occupancy, load, solve_average, evaluate_policy_average)
from rlcert.mdp import instances, structure, interop
from rlcert.mdp.robust import (L1Ball, TVBall, LInfBall, KLBall, ChiSquareBall, WassersteinBall,
                               TVPenalty, KLPenalty, ChiSquarePenalty, SRectL1Ball, solve_robust,
                               evaluate_policy_robust, robust_bellman, worst_case_kernel,
                               solve_srect, evaluate_policy_srect, srect_bellman)
from rlcert.mdp.risk import (DiscreteDistribution, cvar, value_at_risk, loss_cvar, wasserstein1,
                             cramer, return_distribution, solve_cvar, chow_cvar,
                             categorical_evaluation, quantile_evaluation, split_evaluation,
                             split_control)
from rlcert.mdp.risk.measures import check_tau
from rlcert.bounds import evaluate, invert, convert_T
from rlcert.bounds import concentration as conc
from rlcert.bounds.indices import kl_upper_newton
from rlcert.bounds.compare import compare
from rlcert import theory

P2 = np.full((2, 2, 2), 0.5)
R2 = np.zeros((2, 2))
m = TabularMDP(P2, R2, 0.9)
m1 = TabularMDP(P2, R2, 1.0)
m_avg = TabularMDP(P2, R2)
fh = FiniteHorizonMDP(P2, R2, 3)
chain = np.full((2, 2), 0.5)
pi0 = np.zeros(2, dtype=np.int64)

def good_csr(S=2, A=2):
    """The uniform kernel as a CSR (S*A, S) matrix."""
    return sp.csr_matrix(np.full((S * A, S), 1.0 / S))

def bad_csr(kind, S=2, A=2):
    """A CSR matrix of shape (S*A, S) made malformed after construction (scipy checks little
    when it builds a matrix from arrays, and nothing when the arrays change later)."""
    C = good_csr(S, A)
    if kind == "col_big":
        C.indices[3] = 10 ** 6
    elif kind == "col_neg":
        C.indices[3] = -1
    elif kind == "col_5":
        C.indices[3] = 5
    elif kind == "indptr_nonmonotone":
        C.indptr[1], C.indptr[2] = C.indptr[2], C.indptr[1]
    elif kind == "indptr_start":
        C.indptr[0] = 1
    elif kind == "indptr_end":
        C.indptr[-1] = C.indptr[-1] + 3
    elif kind == "dup_cols":
        C.indices[1] = C.indices[0]
    elif kind == "short_indices":
        C.indices = C.indices[:-1]
    else:
        raise AssertionError(kind)
    return C

def bad_chain(kind):
    """A 2x2 CSR chain matrix made malformed the same way."""
    C = sp.csr_matrix(np.full((2, 2), 0.5))
    if kind == "col_big":
        C.indices[1] = 10 ** 6
    elif kind == "col_neg":
        C.indices[1] = -1
    elif kind == "indptr_nonmonotone":
        C.indptr[1] = 5  # [0, 5, 4]
    return C

def tmpfile(content, suffix=".npz"):
    fd, path = tempfile.mkstemp(suffix=suffix)
    with os.fdopen(fd, "wb") as f:
        f.write(content)
    return path

from rlcert.mdp import linear as lin
from rlcert.mdp.linear import (LinearMDP, solve_linear, evaluate_policy_linear,
                               solve_robust_regularized, evaluate_policy_robust_regularized)
from rlcert.estimators.linear import LSVI, LSVIUCB, LinearPEVI, R2PVI
from rlcert.estimators import offline as off
from rlcert.estimators.offline import (Dataset, collect_episodes, collect_transitions, VILCB,
                                       LiBernsteinLCB, TabularPEVI, PlugInOffline,
                                       single_policy_concentrability, all_policy_concentrability)
from rlcert.estimators import policy_gradient as pg
from rlcert.estimators import stochastic_approximation as sa

# linear MDPs: one feature, the uniform kernel, reward 0.5
phi1 = np.ones((2, 2, 1))
mu1 = np.full((1, 2), 0.5)
theta1 = np.array([0.5])
lm = LinearMDP(phi1, mu1, theta1, 3)
lmd = LinearMDP(phi1, mu1, theta1, gamma=0.9)
beh = np.full((2, 2), 0.5)
fh_half = FiniteHorizonMDP(P2, np.full((2, 2), 0.5), 3)
ds_ep = collect_episodes(fh_half, beh, 5, seed=0)
ds_tr = collect_transitions(TabularMDP(P2, np.full((2, 2), 0.5), 0.9), beh, 50, seed=0)
i3 = np.zeros(3, dtype=np.int64)
f3 = np.zeros(3)
phi_sa = np.eye(4).reshape(2, 2, 4)
sarsa_kw = dict(temperature=1.0, w=1.0)

def lsvi_started():
    u = LSVIUCB(phi1)
    u.reset(2, 2, 3, 0, n_episodes=5)
    u.start_episode()
    return u

class FakeSpace:
    def __init__(self, n):
        self.n = n

class FakeEnv:
    def __init__(self, n_obs=2, n_act=1, table=None):
        self.observation_space = FakeSpace(n_obs)
        self.action_space = FakeSpace(n_act)
        self.P = table if table is not None else {0: {0: [(1.0, 1, 0.0, False)]},
                                                  1: {0: [(1.0, 1, 0.0, True)]}}
'''

CASES: list[tuple[str, str, tuple[str, ...], str]] = []  # (area, id, names, code)


def case(area: str, names, code: str, cid: str | None = None) -> None:
    names = (names,) if isinstance(names, str) else tuple(names)
    CASES.append((area, cid or code, names, code))


# -- mdp: models -------------------------------------------------------------------------------------
M = "mdp"
case(M, "P", "TabularMDP(P2 * (1 + 0.5j), R2, 0.9)")
case(M, "P", "TabularMDP(P2 + 0j, R2, 0.9)")
case(M, "P", "TabularMDP(np.eye(2, dtype=bool)[[0, 1, 0, 1]].reshape(2, 2, 2), R2, 0.9)")
case(M, "P", "TabularMDP(np.array([[[True, False]], [[False, True]]]), [[0.0], [0.0]], 0.9)")
case(M, "P", "TabularMDP(np.array([[['a', 'b']]]), [[0.0]], 0.9)")
case(M, "P", "TabularMDP([[[0.5, 0.5], [1.0]]], [[0.0, 0.0]], 0.9)")
case(M, "P", "TabularMDP(np.full((2, 2), 0.5), R2, 0.9)")
case(M, "P", "TabularMDP(np.full((2, 2, 3), 1 / 3), R2, 0.9)")
case(M, "P", "TabularMDP(np.zeros((0, 2, 0)), np.zeros((0, 2)), 0.9)")
case(M, "P", "TabularMDP(np.where(P2 > 0, np.nan, 0), R2, 0.9)")
case(M, "P", "TabularMDP(P2 * 0.97, R2, 0.9)")
case(M, "P", "TabularMDP(np.array([[[1.5, -0.5]], [[0.0, 1.0]]]), [[0.0], [0.0]], 0.9)")
case(M, "P", "TabularMDP(np.array(P2, dtype=object), R2, 0.9)")
case(M, "P", "TabularMDP(None, R2, 0.9)")
case(M, "P", "TabularMDP('abc', R2, 0.9)")
case(M, "R", "TabularMDP(P2, R2 + 1j, 0.9)")
case(M, "R", "TabularMDP(P2, R2 + 0j, 0.9)")
case(M, "R", "TabularMDP(P2, np.ones((2, 2), dtype=bool), 0.9)")
case(M, "R", "TabularMDP(P2, np.full((2, 2), 1e308), 0.9)")
case(M, "R", "TabularMDP(P2, np.full((2, 2), 1e305), 0.9999)")
case(M, "R", "TabularMDP(P2, np.full((2, 2), -1e308), 0.5)")
case(M, "R", "TabularMDP(P2, np.full((2, 2), 2 ** 53 + 1, dtype=np.int64), 0.9)")
case(M, "R", "TabularMDP(P2, np.full((2, 2, 2), 1e308), 0.9)")
case(M, "R", "TabularMDP(P2, np.zeros((2, 2, 2)) + 1j, 0.9)")
case(M, "R", "TabularMDP(P2, np.full((2, 2), np.nan), 0.9)")
case(M, "R", "TabularMDP(P2, np.zeros((3, 2)), 0.9)")
case(M, "R", "TabularMDP(P2, [['a', 'b'], ['c', 'd']], 0.9)")
case(M, "R", "TabularMDP(good_csr(), sp.csr_matrix(np.ones((4, 2)) * (1 + 1j)), 0.9)")
case(M, "R", "TabularMDP(good_csr(), sp.csr_matrix(np.ones((4, 2), dtype=bool)), 0.9)")
case(M, "R", "TabularMDP(P2, sp.csr_matrix(np.full((4, 2), 1e308)), 0.9)")
case(M, "R", "TabularMDP(P2, np.full((2, 2), 1e308)).with_gamma(0.9)")
case(M, "R", "m.with_rewards(np.full((2, 2), 1e308))")
case(M, "R", "m.with_rewards(R2 + 1j)")
case(M, "R", "FiniteHorizonMDP(P2, np.full((2, 2), 1e307), 100)")
case(M, "R", "FiniteHorizonMDP(P2, np.zeros((3, 2, 2)) + 1j, 3)")
case(M, "gamma", "TabularMDP(P2, R2, 0.9 + 0j)")
case(M, "gamma", "TabularMDP(P2, R2, float('nan'))")
case(M, "gamma", "TabularMDP(P2, R2, '0.9')")
case(M, "gamma", "TabularMDP(P2, R2, True)")
case(M, "gamma", "TabularMDP(P2, R2, 1.5)")
case(M, "gamma", "TabularMDP(P2, R2, np.array([0.9, 0.8]))")
case(M, "gamma", "m.with_gamma(-0.1)")
case(M, "initial", "TabularMDP(P2, R2, 0.9, initial=np.array([0.5, 0.5]) + 0j)")
case(M, "initial", "TabularMDP(P2, R2, 0.9, initial=np.array([True, False]))")
case(M, "initial", "TabularMDP(P2, R2, 0.9, initial=1.0)")
case(M, "initial", "TabularMDP(P2, R2, 0.9, initial=-1)")
case(M, "initial", "TabularMDP(P2, R2, 0.9, initial=np.int64(5))")
case(M, "initial", "TabularMDP(P2, R2, 0.9, initial=True)")
case(M, "initial", "TabularMDP(P2, R2, 0.9, initial=[0.5, 0.6])")
case(M, "initial", "m.with_initial([np.nan, 1.0])")
case(M, "horizon", "FiniteHorizonMDP(P2, R2, 10 ** 12)")
case(M, "horizon", "FiniteHorizonMDP(P2, R2, 10 ** 9)")
case(M, "horizon", "FiniteHorizonMDP(good_csr(), R2, 10 ** 12)")
case(M, "horizon", "FiniteHorizonMDP(P2, R2, 2.5)")
case(M, "horizon", "FiniteHorizonMDP(P2, R2, 0)")
case(M, "horizon", "FiniteHorizonMDP(P2, R2, True)")
case(M, "horizon", "FiniteHorizonMDP(P2, R2, np.float64(3.0))")
case(M, "P", "FiniteHorizonMDP(P2 + 1j, R2, 3)")
case(M, "P", "FiniteHorizonMDP(np.stack([P2, P2 * 0.9]), R2, 2)")
case(M, "P", "FiniteHorizonMDP([good_csr(), bad_csr('col_big')], R2, 2)")
case(M, "P", "FiniteHorizonMDP([good_csr(), np.full((4, 2), 0.5) + 1j], R2, 2)")
case(M, "gamma", "FiniteHorizonMDP(P2, R2, 3, gamma=float('nan'))")
case(M, "gamma", "FiniteHorizonMDP(P2, R2, 3, gamma=0.5j)")

# -- mdp: CSR structure, at every kernel-backed entry point -------------------------------------------
CALLS = {
    "solve_vi": "solve(TabularMDP(C, R2, 0.9), method='vi')",
    "solve_pi": "solve(TabularMDP(C, R2, 0.9), method='pi')",
    "solve_gs": "solve(TabularMDP(C, R2, 0.9), method='gs')",
    "evaluate_policy": "evaluate_policy(TabularMDP(C, R2, 0.9), pi0)",
    "q_from_v": "q_from_v(TabularMDP(C, R2, 0.9), np.zeros(2))",
    "robust_kl": "solve_robust(TabularMDP(C, R2, 0.9), KLBall(0.1))",
    "fh_solve": "solve(FiniteHorizonMDP(C, R2, 3))",
    "solve_average": "solve_average(TabularMDP(C, R2))",
    "classify": "structure.classify(TabularMDP(C, R2))",
    "sample_counts": "__import__('rlcert.estimators.generative', fromlist=['x'])"
                     ".sample_counts(TabularMDP(C, R2, 0.9), 10, seed=0)",
}
for kind in ("col_big", "col_neg", "col_5", "indptr_nonmonotone", "indptr_start", "indptr_end"):
    for call, code in CALLS.items():
        case(M, "P", f"C = bad_csr({kind!r}); {code}", cid=f"csr[{kind}] -> {call}")
case(M, "P", "TabularMDP(bad_csr('short_indices'), R2, 0.9)", cid="csr[indices shorter than nnz]")
case(M, "P", "TabularMDP(sp.csr_matrix(np.array([[0.5, 0.5], [1, 0], [0, 1], [0, 0]])), R2, 0.9)",
     cid="csr[last row empty]")
case(M, "P", "C = good_csr(); C.data = C.data + 1j; TabularMDP(C, R2, 0.9)", cid="csr[complex]")
case(M, "P", "C = good_csr(); C.data = C.data > 0; TabularMDP(C, R2, 0.9)", cid="csr[bool]")
case(M, "P", "C = sp.coo_matrix(np.full((4, 2), 0.5)); C.col[1] = 7; TabularMDP(C, R2, 0.9)",
     cid="coo[col out of range]")
case(M, "P", "C = sp.coo_matrix(np.full((4, 2), 0.5)); C.row[1] = -3; TabularMDP(C, R2, 0.9)",
     cid="coo[row negative]")
case(M, "P", "C = sp.csc_matrix(np.full((4, 2), 0.5)); C.indices[1] = 99; TabularMDP(C, R2, 0.9)",
     cid="csc[row index out of range]")
case(M, "P", "C = sp.csc_matrix(np.full((4, 2), 0.5)); C.indptr[1] = 9; TabularMDP(C, R2, 0.9)",
     cid="csc[indptr non-monotone]")
for kind in ("col_big", "col_neg", "indptr_nonmonotone"):
    case(M, "P", f"structure.stationary_distributions(bad_chain({kind!r}))",
         cid=f"chain csr[{kind}] -> stationary_distributions")
    case(M, "P", f"structure.hitting_times(bad_chain({kind!r}), target=0)",
         cid=f"chain csr[{kind}] -> hitting_times")
case(M, "P", "structure.stationary_distributions(chain + 1j)")
case(M, "P", "structure.mixing_time(np.array([[True, False], [False, True]]))")

# -- mdp: solvers and their options --------------------------------------------------------------------
case(M, "tol", "solve(m, tol=1e-8 + 0j)")
case(M, "tol", "solve(m, tol=float('nan'))")
case(M, "tol", "solve(m, tol=0)")
case(M, "max_iter", "solve(m, method='vi', max_iter=0)")
case(M, "max_iter", "solve(m, method='vi', max_iter=2.5)")
case(M, "method", "solve(m, method=None)")
case(M, "method", "solve(m, method='VI')")
case(M, "initial_policy", "solve(m, method='pi', initial_policy=[0, 5])")
case(M, "initial_policy", "solve(m, method='pi', initial_policy=[0, -1])")
case(M, "initial_policy", "solve(m, method='pi', initial_policy=[0.5, 1.0])")
case(M, "initial_policy", "solve(m, method='pi', initial_policy=[0, 1, 0])")
case(M, "initial_policy", "solve(m, method='pi', initial_policy=np.array([0, 1]) + 0j)")
case(M, "initial_policy", "solve(m, method='pi', initial_policy=np.array([True, False]))")
case(M, "sparsify", "solve(m, method='vi', sparsify='yes')")
case(M, "evaluation", "solve(m, method='pi', evaluation='fast')")
case(M, "inner", "solve(m, method='mpi', inner=0)")
case(M, "inner", "solve(m, method='mpi', inner=2.5)")
case(M, "trace", "solve(m, method='pi', trace='yes')")
case(M, "m", "solve('model')")
case(M, "pi", "evaluate_policy(m, np.array([0, 1]) + 0j)")
case(M, "pi", "evaluate_policy(m, np.array([True, False]))")
case(M, "pi", "evaluate_policy(m, np.array([[True, False], [False, True]]))")
case(M, "pi", "evaluate_policy(m, np.array([[0.5, 0.5], [1, 0]]) + 0j)")
case(M, "pi", "evaluate_policy(m, [0.5, 1.0])")
case(M, "pi", "evaluate_policy(m, [0, 2])")
case(M, "pi", "r = evaluate_policy(m, [1e20, 0])", cid="evaluate_policy(m, [1e20, 0])")
case(M, "pi", "evaluate_policy(m, [[0.5, 0.6], [1.0, 0.0]])")
case(M, "pi", "evaluate_policy(m, [np.nan, 0])")
case(M, "pi", "evaluate_policy(m, 'ab')")
case(M, "pi", "evaluate_policy(fh, np.zeros((3, 2)) + 0j)")
case(M, "pi", "evaluate_policy(fh, np.array([[True, False]] * 3))")
case(M, "solver", "evaluate_policy(m, pi0, solver='fast')")
case(M, "with_certificate", "evaluate_policy(m, pi0, with_certificate='yes')")
case(M, "V", "q_from_v(m, np.array([np.nan, 0.0]))")
case(M, "V", "q_from_v(m, np.array([np.inf, 0.0]))")
case(M, "V", "q_from_v(m, np.array([1.0, 0.0]) + 1j)")
case(M, "V", "q_from_v(m, np.array([True, False]))")
case(M, "V", "q_from_v(m, np.full(2, 1e308))")
case(M, "V", "q_from_v(m, np.zeros(3))")
case(M, "V", "q_from_v(fh, np.full((4, 2), np.nan))")
case(M, "V", "action_gaps(m, np.array([np.nan, 0.0]))")
case(M, "Q", "greedy(np.array([[np.nan, 1.0]]))")
case(M, "Q", "greedy(np.array([[1.0, 2.0]]) + 1j)")
case(M, "tol", "greedy(np.zeros((2, 2)), tol=float('nan'))")
case(M, "tol", "greedy(np.zeros((2, 2)), tol=1j)")
case(M, "pi", "occupancy(m, np.array([0, 1]) + 0j)")
case(M, "initial", "occupancy(m, pi0, initial=[0.5, 0.6])")
case(M, "initial", "occupancy(m, pi0, initial=np.array([1.0, 0.0]) + 0j)")
case(M, "method", "solve(m1, method='gs2')")

# -- mdp: average reward and structure ------------------------------------------------------------
case(M, "tol", "solve_average(m_avg, method='rvi', tol=float('nan'))")
case(M, "tau", "solve_average(m_avg, method='rvi', tau=float('nan'))")
case(M, "tau", "solve_average(m_avg, method='rvi', tau=0.5 + 0j)")
case(M, "tau", "solve_average(m_avg, method='rvi', tau=np.float32(1.5))")
case(M, "reference_state", "solve_average(m_avg, method='rvi', reference_state=1.0)")
case(M, "reference_state", "solve_average(m_avg, method='rvi', reference_state=2)")
case(M, "initial_policy", "solve_average(m_avg, initial_policy=[0, 5])")
case(M, "initial_policy", "solve_average(m_avg, initial_policy=np.array([True, False]))")
case(M, "max_iter", "solve_average(m_avg, method='rvi', max_iter=0)")
case(M, "pi", "evaluate_policy_average(m_avg, np.array([0, 1]) + 0j)")
case(M, "pi", "evaluate_policy_average(m_avg, np.array([True, True]))")
case(M, "max_iter", "structure.diameter(m_avg, max_iter=0)")
case(M, "max_iter", "structure.diameter(m_avg, max_iter=2.5)")
case(M, "max_iter", "structure.min_hitting_times(m_avg, 0, max_iter=0)")
case(M, "target", "structure.min_hitting_times(m_avg, 5)")
case(M, "target", "structure.min_hitting_times(m_avg, 0.5)")
case(M, "target", "structure.hitting_times(chain, target=[0.5])")
case(M, "target", "structure.hitting_times(chain, target=np.array([True]))")
case(M, "eps", "structure.mixing_time(chain, eps=0)")
case(M, "eps", "structure.mixing_time(chain, eps=1.5)")
case(M, "eps", "structure.mixing_time(chain, eps=float('nan'))")
case(M, "eps", "structure.mixing_time(chain, eps=0.25j)")
case(M, "eps", "structure.worst_mixing_time(m_avg, eps=float('nan'))")
case(M, "max_policies", "structure.classify(m_avg, max_policies=-1)")
case(M, "max_policies", "structure.classify(m_avg, max_policies=2.5)")
case(M, "v", "structure.span(np.array([1.0, 2.0]) + 1j)")
case(M, "v", "structure.span(np.array([True, False]))")
case(M, "v", "structure.span([np.inf, 0.0])")
case(M, "policy", "structure.stationary_distributions(m_avg, np.array([0, 1]) + 0j)")
case(M, "P", "structure.stationary_distributions(np.array([[0.5, 0.5], [0.2, 0.7]]))")
case(M, "P", "structure.limiting_matrix(np.full((2, 3), 1 / 3))")

# -- mdp: robust sets and solvers -------------------------------------------------------------------
case(M, "radius", "L1Ball(0.1 + 0j)")
case(M, "radius", "L1Ball(float('nan'))")
case(M, "radius", "L1Ball(-0.1)")
case(M, "radius", "L1Ball('0.1')")
case(M, "radius", "L1Ball(True)")
case(M, "radius", "KLBall(np.full((2, 2), 0.1) + 1j)")
case(M, "radius", "KLBall(np.ones((2, 2), dtype=bool))")
case(M, "radius", "TVBall(np.full((2, 2), np.nan))")
case(M, "radius", "solve_robust(m, L1Ball(np.full((3, 2), 0.1)))")
case(M, "beta", "KLPenalty(-1.0)")
case(M, "beta", "ChiSquarePenalty(1j)")
case(M, "metric", "WassersteinBall(0.1, np.array([[0, 1], [1, 0]]) + 1j)")
case(M, "metric", "WassersteinBall(0.1, np.array([[0.0, np.nan], [np.nan, 0.0]]))")
case(M, "metric", "WassersteinBall(0.1, np.array([[True, False], [False, True]]))")
case(M, "metric", "solve_robust(m, WassersteinBall(0.1, np.zeros((3, 3))))")
case(M, "radius", "SRectL1Ball(-1.0)")
case(M, "radius", "SRectL1Ball(np.array([0.1, 0.2]) + 1j)")
case(M, "radius", "solve_srect(m, SRectL1Ball(np.ones(3)))")
case(M, "p0", "L1Ball(0.1).worst_case(np.array([0.5, 0.5]) + 0j, [0.0, 1.0])")
case(M, "p0", "L1Ball(0.1).worst_case(np.array([True, False]), [0.0, 1.0])")
case(M, "V", "L1Ball(0.1).worst_case([0.5, 0.5], [np.nan, 1.0])")
case(M, "V", "KLBall(0.1).worst_case([0.5, 0.5], np.array([0.0, 1.0]) + 1j)")
case(M, "V", "KLBall(0.1).worst_case([0.5, 0.5], [1e308, -1e308])")
case(M, "tol", "solve_robust(m, KLBall(0.1), tol=-1)")
case(M, "method", "solve_robust(m, KLBall(0.1), method='pi')")
case(M, "max_iter", "solve_robust(m, KLBall(0.1), max_iter=0)")
case(M, "inner", "solve_robust(m, KLBall(0.1), method='mpi', inner=0)")
case(M, "uncertainty", "solve_robust(m, 0.1)")
case(M, "uncertainty", "solve_robust(m, SRectL1Ball(0.1))")
case(M, "pi", "evaluate_policy_robust(m, np.array([0, 1]) + 0j, KLBall(0.1))")
case(M, "pi", "evaluate_policy_robust(m, [0, 7], KLBall(0.1))")
case(M, "max_iter", "evaluate_policy_robust(m, pi0, KLBall(0.1), max_iter=0)")
case(M, "V", "robust_bellman(m, [np.nan, 0.0], KLBall(0.1))")
case(M, "V", "robust_bellman(m, np.full(2, 1e308), L1Ball(0.1))")
case(M, "stage", "robust_bellman(fh, [0.0, 0.0], KLBall(0.1), stage=1.5)")
case(M, "stage", "robust_bellman(fh, [0.0, 0.0], KLBall(0.1), stage=3)")
case(M, "V", "worst_case_kernel(m, np.zeros(3), KLBall(0.1))")
case(M, "tol", "solve_srect(m, SRectL1Ball(0.1), tol=0)")
case(M, "max_iter", "solve_srect(m, SRectL1Ball(0.1), max_iter=0)")
case(M, "pi", "evaluate_policy_srect(m, np.array([0, 1]) + 0j, SRectL1Ball(0.1))")
case(M, "V", "srect_bellman(m, [np.nan, 0.0], SRectL1Ball(0.1))")
case(M, "stage", "srect_bellman(fh, [0.0, 0.0], SRectL1Ball(0.1), stage=-1)")
case(M, "m", "solve_srect(instances.garnet(60000, 2, 2, sparse=True, gamma=0.9), SRectL1Ball(0.1))")
case(M, "V", "SRectL1Ball(0.1).state_worst_case(np.full((2, 2), 0.5), [0.0, 1.0], [0.0, 1j])")
case(M, "r", "SRectL1Ball(0.1).state_worst_case(np.full((2, 2), 0.5), [0.0, np.nan], [0.0, 1.0])")

# -- mdp: risk ---------------------------------------------------------------------------------------
case(M, "tau", "check_tau(0.5 + 0j)")
case(M, "tau", "solve_cvar(fh, float('nan'))")
case(M, "tau", "solve_cvar(fh, 0)")
case(M, "tau", "solve_cvar(fh, np.array([0.5]))")
case(M, "rewards", "solve_cvar(fh, 0.5, rewards=R2 + 1j)")
case(M, "rewards", "solve_cvar(fh, 0.5, rewards=np.zeros((2, 2), dtype=bool))")
case(M, "lattice", "solve_cvar(fh, 0.5, lattice=-1.0)")
case(M, "lattice", "solve_cvar(fh, 0.5, lattice=float('nan'))")
case(M, "lattice", "solve_cvar(fh, 0.5, lattice=0.0)")
case(M, "lattice", "solve_cvar(fh, 0.5, lattice='1')")
case(M, "approximate", "solve_cvar(fh, 0.5, approximate='yes')")
case(M, "n_grid", "chow_cvar(fh, 0.5, n_grid=0)")
case(M, "n_grid", "chow_cvar(fh, 0.5, n_grid=2.5)")
case(M, "n_grid", "chow_cvar(fh, 0.5, n_grid=10 ** 12, compare=False)")
case(M, "grid", "chow_cvar(fh, 0.5, grid=[0.0, 0.6, 0.5, 1.0])")
case(M, "grid", "chow_cvar(fh, 0.5, grid=np.array([0.0, 0.5, 1.0]) + 0j)")
case(M, "policy", "return_distribution(fh, np.zeros((3, 2)) + 0j)")
case(M, "policy", "return_distribution(fh, np.array([True, False]))")
case(M, "max_atoms", "return_distribution(fh, pi0, max_atoms=1)")
case(M, "max_atoms", "return_distribution(fh, pi0, max_atoms=2.5)")
case(M, "lattice", "return_distribution(fh, pi0, lattice=0.0)")
case(M, "lattice", "return_distribution(fh, pi0, lattice=-0.5)")
case(M, "lattice", "return_distribution(fh, pi0, lattice=float('inf'))")
case(M, "values", "DiscreteDistribution(np.array([0.0, 1.0]) + 1j, [0.5, 0.5])")
case(M, "values", "DiscreteDistribution([np.nan, 1.0], [0.5, 0.5])")
case(M, "probs", "DiscreteDistribution([0.0, 1.0], [0.5, 0.6])")
case(M, "probs", "DiscreteDistribution([0.0, 1.0], np.array([True, False]))")
case(M, "probs", "DiscreteDistribution([0.0, 1.0], np.array([0.5, 0.5]) + 0j)")
case(M, "tau", "cvar([0.0, 1.0], [0.5, 0.5], 1.5)")
case(M, "tau", "value_at_risk([0.0, 1.0], [0.5, 0.5], float('nan'))")
case(M, "alpha", "loss_cvar([0.0, 1.0], [0.5, 0.5], 1.0)")
case(M, "alpha", "loss_cvar([0.0, 1.0], [0.5, 0.5], 0.5j)")
case(M, "nu", "wasserstein1(DiscreteDistribution([0.0], [1.0]), [0.0, 1.0])")
case(M, "n_atoms", "categorical_evaluation(fh, pi0, n_atoms=1)")
case(M, "n_atoms", "categorical_evaluation(fh, pi0, n_atoms=2.5)")
case(M, "n_atoms", "categorical_evaluation(fh, pi0, n_atoms=10 ** 12)")
case(M, "n_quantiles", "quantile_evaluation(fh, pi0, n_quantiles=0)")
case(M, "n_quantiles", "quantile_evaluation(fh, pi0, n_quantiles=10 ** 12)")
case(M, "alpha", "split_evaluation(fh, pi0, float('nan'))")
case(M, "alpha", "split_control(fh, 1.5)")
case(M, "tol", "split_control(fh, 0.5, tol=float('nan'))")
case(M, "fh", "solve_cvar(m, 0.5)")
case(M, "fh", "solve_cvar(FiniteHorizonMDP.from_tabular(instances.garnet(10000, 2, 2), 100), 0.5)")

# -- mdp: instances, interop, load ------------------------------------------------------------------
case(M, "n", "instances.riverswim(0)")
case(M, "n", "instances.riverswim(2.5)")
case(M, "n", "instances.riverswim(10 ** 9)")
case(M, ("p_right", "p_stay", "p_left"), "instances.riverswim(6, p_right=0.5)")
case(M, "p_right", "instances.riverswim(6, p_right=1.5)")
case(M, "p_right", "instances.riverswim(6, p_right=0.5j)")
case(M, "p_right", "instances.riverswim(6, p_right='0.3')")
case(M, "p_right", "instances.riverswim(6, p_right=True)")
case(M, "S", "instances.garnet(0, 2, 1)")
case(M, "S", "instances.garnet(2.5, 2, 1)")
case(M, "branching", "instances.garnet(3, 2, 5)")
case(M, "S", "instances.garnet(10 ** 9, 10 ** 3, 2)")
case(M, "S", "instances.random_dense(10 ** 6, 10)")
case(M, "seed", "instances.garnet(3, 2, 1, seed=-1)")
case(M, "seed", "instances.garnet(3, 2, 1, seed=2.5)")
case(M, "slip", "instances.chain(5, slip=1.5)")
case(M, "slip", "instances.gridworld(4, 4, slip=float('nan'))")
case(M, "rows", "instances.gridworld(0, 4)")
case(M, "rows", "instances.gridworld(10 ** 6, 10 ** 6)")
case(M, "p", "instances.forest(3, p=float('nan'))")
case(M, "goal", "instances.gamblers_problem(2.5)")
case(M, "p_heads", "instances.gamblers_problem(10, p_heads=1j)")
case(M, "delta", "instances.joa_two_state(delta=float('nan'))")
case(M, "name", "instances.make('no_such_instance')")
case(M, "env", "interop.from_gymnasium(FakeEnv(n_obs=2.5))")
case(M, "env", "interop.from_gymnasium(FakeEnv(n_obs=-1))")
case(M, "env", "interop.from_gymnasium(FakeEnv(table={0: {0: [(1.0, 1, np.nan, False)]}, "
     "1: {0: [(1.0, 1, 0.0, True)]}}))")
case(M, "env", "interop.from_gymnasium(FakeEnv(table={0: {0: [(1j, 1, 0.0, False)]}, "
     "1: {0: [(1.0, 1, 0.0, True)]}}))")
case(M, "sparse", "interop.from_gymnasium(FakeEnv(), sparse='yes')")
case(M, "path", "load(tmpfile(b'this is not an npz file'))")
case(M, "path", "TabularMDP.load(tmpfile(b'this is not an npz file'))")
case(M, "path", "p = tmpfile(b''); np.savez(p, kind='tabular'); load(p)",
     cid="load(npz with kind=tabular and nothing else)")
case(M, "path", "p = tempfile.mktemp(suffix='.npz'); np.savez(p, kind='tabular', n_states=2, "
     "n_actions=2, P=P2 + 1j, R=R2, gamma=0.9, initial=[1.0, 0.0]); load(p)",
     cid="load(npz holding a complex P)")
case(M, "path", "load(12345)")

# -- bounds -------------------------------------------------------------------------------------------
B = "bounds"
case(B, "S", "evaluate('generative.azar2013.upper', S=2.5, A=2, gamma=0.9, eps=0.1, delta=0.05)")
case(B, "A", "evaluate('generative.azar2013.upper', S=10, A=2.5, gamma=0.9, eps=0.1, delta=0.05)")
case(B, "n", "evaluate('concentration.hoeffding', n=10.5, delta=0.05, b=1.0)")
case(B, "n", "evaluate('concentration.hoeffding', n=np.array([10, 10.5]), delta=0.05, b=1.0)")
case(B, "n", "evaluate('concentration.hoeffding', n=0, delta=0.05, b=1.0)")
case(B, "n", "evaluate('concentration.hoeffding', n=True, delta=0.05, b=1.0)")
case(B, "n", "evaluate('concentration.hoeffding', n='100', delta=0.05, b=1.0)")
case(B, "n", "evaluate('concentration.hoeffding', n=100 + 0j, delta=0.05, b=1.0)")
case(B, "delta", "evaluate('concentration.hoeffding', n=100, delta=0, b=1.0)")
case(B, "delta", "evaluate('concentration.hoeffding', n=100, delta=0.05j, b=1.0)")
case(B, "delta", "evaluate('concentration.hoeffding', n=100, delta=None, b=1.0)")
case(B, "S", "evaluate('concentration.weissman_l1', n=100, delta=0.05, S=2.5)")
case(B, "Delta", "evaluate('bandit.ucb1.upper', n=1000, Delta=[])")
case(B, "Delta", "evaluate('bandit.ucb1.upper', n=1000, Delta=[0.1, np.nan])")
case(B, "Delta", "evaluate('bandit.ucb1.upper', n=1000, Delta=np.array([0.1, 0.2]) + 1j)")
case(B, "Delta", "evaluate('bandit.ucb1.upper', n=1000, Delta=[[0.1, 0.2], [0.3]])")
case(B, "n", "evaluate('bandit.ucb1.upper', n=1000.5, Delta=[0.1, 0.2])")
case(B, ("card_id", "card"), "evaluate(123, n=1)")
case(B, "card_id", "evaluate('no.such.card', n=1)")
case(B, "b", "evaluate('concentration.hoeffding', n=100, delta=0.05)")
case(B, "zeta", "evaluate('concentration.hoeffding', n=100, delta=0.05, b=1.0, zeta=3)")
case(B, "S", "invert('generative.azar2013.upper', 'eps', 1e6, S=2.5, A=2, gamma=0.9, delta=0.05)")
case(B, "n", "invert('concentration.hoeffding', 'delta', 0.1, n=10.5, b=1.0)")
case(B, "value", "invert('concentration.hoeffding', 'n', True, delta=0.05, b=1.0)")
case(B, "value", "invert('concentration.hoeffding', 'n', float('nan'), delta=0.05, b=1.0)")
case(B, "value", "invert('concentration.hoeffding', 'n', 0.1j, delta=0.05, b=1.0)")
case(B, "integer", "invert('concentration.hoeffding', 'n', 0.1, integer='yes', delta=0.05, b=1.0)")
case(B, "solve_for", "invert('concentration.hoeffding', 3, 0.1, delta=0.05, b=1.0)")
case(B, "solve_for", "invert('concentration.hoeffding', 'zeta', 0.1, delta=0.05, b=1.0)")
case(B, "delta", "invert('concentration.hoeffding', 'n', 0.1, delta=1.5, b=1.0)")
case(B, "H", "convert_T(100, 'episodes', 'steps', H=0)")
case(B, "H", "convert_T(100, 'steps', 'episodes', H=0)")
case(B, "H", "convert_T(100, 'steps', 'episodes', H=-2)")
case(B, "H", "convert_T(100, 'steps', 'episodes', H=2.5)")
case(B, "H", "convert_T(100, 'steps', 'episodes', H='5')")
case(B, "T", "convert_T(-5, 'steps', 'episodes', H=5)")
case(B, "T", "convert_T(float('nan'), 'steps', 'episodes', H=5)")
case(B, "T", "convert_T(1j, 'steps', 'episodes', H=5)")
case(B, "T", "convert_T('100', 'steps', 'steps', H=5)")
case(B, "from_unit", "convert_T(100, 'days', 'steps', H=5)")
case(B, "card_ids", "compare('concentration.hoeffding', n=100, delta=0.05, b=1.0)")
case(B, "card_ids", "compare([], n=100)")
case(B, ("card_ids", "card_id"), "compare([3], n=100)")
case(B, "Delta", "invert('bandit.ucb1.upper', 'n', 50.0, Delta=[np.array([0.5, 0.25]), 0.0])")
case(B, "Delta", "invert('bandit.ucb1.upper', 'n', 50.0, Delta=[np.array([0.5, 0.25])])")
case(B, ("T", "H"), "convert_T(1e308, 'episodes', 'steps', H=10)")
case(B, ("b", "delta"), "evaluate('concentration.hoeffding', n=100, delta=[], b=np.array([0.5, 0.25]))")
case(B, "n", "r = compare(['concentration.hoeffding'], n=10.5, delta=0.05, b=1.0).rows[0]\n"
     "if r.value is None: raise ValueError(r.note)", cid="compare(n=10.5): a value, or a note")
case(B, "n", "conc.hoeffding_width(0, 0.05)")
case(B, "n", "conc.hoeffding_width(-5, 0.05)")
case(B, "n", "conc.hoeffding_width(np.nan, 0.05)")
case(B, "delta", "conc.hoeffding_width(10, 0)")
case(B, "delta", "conc.hoeffding_width(10, 1.5)")
case(B, "delta", "conc.hoeffding_width(10, -0.1)")
case(B, "b", "conc.hoeffding_width(10, 0.05, -1.0)")
case(B, "n", "conc.hoeffding_width(10j, 0.05)")
case(B, "n", "conc.bernstein_width(0, 0.05, 0.25)")
case(B, "sigma2", "conc.bernstein_width(10, 0.05, -0.25)")
case(B, "delta", "conc.bernstein_width(10, 0, 0.25)")
case(B, "n", "conc.empirical_bernstein_width(1, 0.05, 0.1)")
case(B, "V_n", "conc.empirical_bernstein_width(10, 0.05, -0.1)")
case(B, "delta", "conc.empirical_bernstein_width(10, 0.0, 0.1)")
case(B, "S", "conc.weissman_l1_width(100, 0.05, 1)")
case(B, "S", "conc.weissman_l1_width(100, 0.05, 2.5)")
case(B, "n", "conc.weissman_l1_width(0, 0.05, 3)")
case(B, "delta", "conc.weissman_l1_width(100, 0.0, 3)")
case(B, "n", "conc.kl_radius(0, 0.05)")
case(B, "delta", "conc.kl_radius(10, 0)")
case(B, "sigma2", "conc.freedman_width(-1.0, 0.05)")
case(B, "delta", "conc.freedman_width(1.0, 0.0)")
case(B, "b", "conc.freedman_width(1.0, 0.05, float('nan'))")
case(B, "n", "conc.time_uniform_hoeffding_width(0, 0.05)")
case(B, "delta", "conc.time_uniform_hoeffding_width(10, 0)")
case(B, "S", "conc.log_two_pow_minus_two(1)")
case(B, "p", "conc.kl_bernoulli(1.5, 0.5)")
case(B, "q", "conc.kl_bernoulli(0.5, -0.1)")
case(B, "p", "conc.kl_bernoulli(np.nan, 0.5)")
case(B, "p", "conc.kl_upper(1.5, 0.1)")
case(B, "level", "conc.kl_upper(0.5, np.nan)")
case(B, "p", "conc.kl_lower(-0.5, 0.1)")
case(B, "level", "conc.kl_lower(0.5, np.nan)")
case(B, "p", "kl_upper_newton(1.5, 0.1)")
case(B, "p", "kl_upper_newton(np.nan, 0.1)")
case(B, "level", "kl_upper_newton(0.5, np.nan)")

# -- theory -------------------------------------------------------------------------------------------
T = "theory"
case(T, "card_id", "theory.get(123)")
case(T, "card_id", "theory.get(None)")
case(T, "card_id", "theory.get('')")
case(T, "constants", "theory.cards(constants='exact')")
case(T, "setting", "theory.cards(setting='nope')")
case(T, "kind", "theory.cards(kind=1)")
case(T, "text", "theory.search(None)")
case(T, "text", "theory.search(123)")
case(T, "name", "theory.symbols.symbol('nope')")
case(T, "name", "theory.symbols.describe(3)")


# -- linear: rlcert.mdp.linear and rlcert.estimators.linear ------------------------------------------
L = "linear"
case(L, "phi", "LinearMDP(phi1 + 1j, mu1, theta1, 3)")
case(L, "phi", "LinearMDP(np.ones((2, 2, 1), dtype=bool), mu1, theta1, 3)")
case(L, "phi", "LinearMDP(np.full((2, 2, 1), np.nan), mu1, theta1, 3)")
case(L, "phi", "LinearMDP(np.ones((2, 2)), mu1, theta1, 3)")
case(L, "phi", "LinearMDP(np.ones((0, 2, 1)), mu1, theta1, 3)")
case(L, "phi", "LinearMDP(np.array(phi1, dtype=object), mu1, theta1, 3)")
case(L, "mu", "LinearMDP(phi1, np.full((1, 3), 1 / 3), theta1, 3)")
case(L, ("mu", "phi"), "LinearMDP(phi1, mu1 * 0.9, theta1, 3)")
case(L, ("mu", "phi"), "LinearMDP(phi1, np.array([[1.5, -0.5]]), theta1, 3)")
case(L, "mu", "LinearMDP(phi1, np.full((2, 1, 2), 0.5), theta1, 3)")
case(L, "mu", "LinearMDP(phi1, mu1 + 0j, theta1, 3)")
case(L, "theta", "LinearMDP(phi1, mu1, np.array([np.inf]), 3)")
case(L, "theta", "LinearMDP(phi1, mu1, np.array(['a']), 3)")
case(L, "theta", "LinearMDP(phi1, mu1, np.full((2, 1), 0.5), 3)")
case(L, ("theta", "r"), "LinearMDP(phi1, mu1, np.array([1e307]), 100)")
case(L, "horizon", "LinearMDP(phi1, mu1, theta1, 0)")
case(L, "horizon", "LinearMDP(phi1, mu1, theta1, 2.5)")
case(L, "horizon", "LinearMDP(phi1, mu1, theta1, True)")
case(L, "gamma", "LinearMDP(phi1, mu1, theta1, gamma=1.5)")
case(L, "gamma", "LinearMDP(phi1, mu1, theta1, gamma=float('nan'))")
case(L, "gamma", "LinearMDP(phi1, mu1, theta1, gamma=1.0)")
case(L, "gamma", "LinearMDP(phi1, mu1, theta1, 3, gamma=0.9)")
case(L, "initial", "LinearMDP(phi1, mu1, theta1, 3, initial=5)")
case(L, "initial", "LinearMDP(phi1, mu1, theta1, 3, initial=[0.5, 0.6])")
case(L, "h", "lm.mu(5)")
case(L, "h", "lm.theta(1.5)")
case(L, "tol", "solve_linear(lmd, tol=float('nan'))")
case(L, "max_iter", "solve_linear(lmd, max_iter=0)")
case(L, "m", "solve_linear('model')")
case(L, "policy", "evaluate_policy_linear(lm, np.zeros((3, 2)) + 0j)")
case(L, "policy", "evaluate_policy_linear(lm, [[0, 5]] * 3)")
case(L, "policy", "evaluate_policy_linear(lmd, [0.5, 1.0])")
case(L, "policy", "evaluate_policy_linear(lmd, np.array([True, False]))")
case(L, "penalty", "solve_robust_regularized(lm, 0.1)")
case(L, "policy", "evaluate_policy_robust_regularized(lm, np.zeros((3, 2)) + 0j, "
     "__import__('rlcert.mdp.robust', fromlist=['x']).KLPenalty(1.0))")
case(L, "S", "lin.random_simplex(0, 2, 2)")
case(L, "branching", "lin.random_simplex(3, 2, 2, gamma=0.9, branching=5)")
case(L, "seed", "lin.random_simplex(3, 2, 2, gamma=0.9, seed=-1)")
case(L, "seed", "lin.random_simplex(3, 2, 2, gamma=0.9, seed='abc')")
case(L, ("S", "A", "d"), "lin.random_simplex(10 ** 5, 10 ** 3, 10 ** 3, horizon=2)")
case(L, "stationary", "lin.random_simplex(3, 2, 2, horizon=3, stationary='no')")
case(L, "weights", "lin.linear_mixture(np.stack([P2, P2]), [0.5, 0.6], R2, horizon=3)")
case(L, "weights", "lin.linear_mixture(np.stack([P2, P2]), [np.nan, 1.0], R2, horizon=3)")
case(L, "bases", "lin.linear_mixture(np.stack([P2, P2]) + 1j, [0.5, 0.5], R2, horizon=3)")
case(L, "m", "lin.one_hot('model')")
case(L, "d", "lin.zhou_gu_szepesvari_hard(1, 3, 10)")
case(L, "d", "lin.zhou_gu_szepesvari_hard(13, 3, 10)")
case(L, "horizon", "lin.zhou_gu_szepesvari_hard(3, 1, 10)")
case(L, "K", "lin.zhou_gu_szepesvari_hard(3, 3, 0)")
case(L, "delta", "lin.zhou_gu_szepesvari_hard(3, 3, 10, delta=1.5)")
case(L, "delta", "lin.zhou_gu_szepesvari_hard(3, 3, 10, delta=float('nan'))")
case(L, "Delta", "lin.zhou_gu_szepesvari_hard(3, 3, 10, Delta=-1.0)")
case(L, "signs", "lin.zhou_gu_szepesvari_hard(3, 3, 10, signs=[1, 0])")
case(L, "d", "lin.hypercube_actions(2.5)")
case(L, "features", "LSVIUCB(phi1 + 1j)")
case(L, "features", "LSVIUCB(np.ones((2, 2, 1), dtype=bool))")
case(L, "features", "LSVIUCB(np.full((2, 2, 1), np.nan))")
case(L, "features", "LSVIUCB(np.ones((2, 2)))")
case(L, "features", "LSVIUCB(np.ones((2, 0, 1)))")
case(L, "features", "LSVIUCB('abc')")
case(L, "lam", "LSVIUCB(phi1, lam=0)")
case(L, "lam", "LSVIUCB(phi1, lam=float('nan'))")
case(L, "lam", "LSVI(phi1, lam=-1.0)")
case(L, "delta", "LSVIUCB(phi1, delta=1.5)")
case(L, "c", "LSVIUCB(phi1, c=-1.0)")
case(L, "bonus_scale", "LSVIUCB(phi1, bonus_scale=-1.0)")
case(L, "n_episodes", "LSVIUCB(phi1).transcript(fh_half, n_episodes=0)")
case(L, "n_episodes", "LSVIUCB(phi1).transcript(fh_half, n_episodes=2.5)")
case(L, "n_episodes", "LSVIUCB(phi1).transcript(fh_half, n_episodes=10 ** 12)")
case(L, "seed", "LSVIUCB(phi1).transcript(fh_half, n_episodes=3, seed=-1)")
case(L, "reward_noise", "LSVIUCB(phi1).transcript(fh_half, n_episodes=3, reward_noise='gauss')")
case(L, ("features", "mdp"), "LSVIUCB(np.ones((3, 2, 1))).transcript(fh_half, n_episodes=3)")
case(L, ("mdp", "rewards", "R"), "LSVIUCB(phi1).transcript(FiniteHorizonMDP(P2, np.full((2, 2), "
     "1.5), 3), n_episodes=3)", cid="LSVIUCB.transcript(rewards 1.5)")
case(L, "H", "LSVIUCB(phi1).reset(2, 2, 0, 0, n_episodes=5)")
case(L, "seed", "LSVIUCB(phi1).reset(2, 2, 3, -1, n_episodes=5)")
case(L, "h", "lsvi_started().observe(5, 0, 0, 0.5, 0)")
case(L, "r", "lsvi_started().observe(0, 0, 0, float('nan'), 0)")
case(L, "s", "lsvi_started().observe(0, 0.5, 0, 0.5, 0)")
case(L, "h", "lsvi_started().act(5, 0)")
case(L, "h", "lsvi_started().act(-1, 0)")
case(L, "s", "lsvi_started().act(0, 1.5)")
case(L, "xi", "LinearPEVI(phi1, xi=0)")
case(L, "xi", "LinearPEVI(phi1, xi=1.5)")
case(L, "lam", "LinearPEVI(phi1, lam=0)")
case(L, "penalty_scale", "LinearPEVI(phi1, penalty_scale=-1.0)")
case(L, "data", "LinearPEVI(phi1).fit('data')")
case(L, "data", "LinearPEVI(phi1).fit(ds_tr)")
case(L, ("data", "features"), "LinearPEVI(np.ones((3, 2, 1))).fit(ds_ep)")
case(L, "divergence", "R2PVI(phi1, divergence='js')")
case(L, "rho", "R2PVI(phi1, rho=0)")
case(L, "features", "R2PVI(np.full((2, 2, 1), 0.5))")

# -- offline: rlcert.estimators.offline -------------------------------------------------------------
O = "offline"
case(O, "n_episodes", "collect_episodes(fh_half, beh, 0)")
case(O, "n_episodes", "collect_episodes(fh_half, beh, 2.5)")
case(O, "n_episodes", "collect_episodes(fh_half, beh, True)")
case(O, "n_episodes", "collect_episodes(fh_half, beh, 10 ** 12)")
case(O, "behaviour", "collect_episodes(fh_half, np.full((2, 2), 0.6), 5)")
case(O, "behaviour", "collect_episodes(fh_half, np.array([0, 5]), 5)")
case(O, "behaviour", "collect_episodes(fh_half, beh + 0j, 5)")
case(O, "behaviour", "collect_episodes(fh_half, [[np.nan, 1.0], [0.5, 0.5]], 5)")
case(O, "m", "collect_episodes(m, beh, 5)")
case(O, "seed", "collect_episodes(fh_half, beh, 5, seed=-1)")
case(O, "seed", "collect_episodes(fh_half, beh, 5, seed=2.5)")
case(O, "reward_noise", "collect_episodes(fh_half, beh, 5, reward_noise='gauss')")
case(O, ("reward_noise", "m", "rewards", "R"),
     "collect_episodes(FiniteHorizonMDP(P2, np.full((2, 2), 1.5), 3), beh, 5, "
     "reward_noise='bernoulli')", cid="collect_episodes(R = 1.5, bernoulli)")
case(O, ("reward_noise", "m", "rewards", "R"),
     "collect_transitions(TabularMDP(P2, np.full((2, 2), -0.5), 0.9), beh, 5, "
     "reward_noise='bernoulli')", cid="collect_transitions(R = -0.5, bernoulli)")
case(O, "n", "collect_transitions(m, beh, 0)")
case(O, "n", "collect_transitions(m, beh, 10 ** 12)")
case(O, "m", "collect_transitions(fh_half, beh, 5)")
case(O, ("m", "gamma"), "collect_transitions(m1, beh, 5)")
case(O, "n_states", "Dataset(i3, i3, f3, i3, 0, 2)")
case(O, "n_states", "Dataset(i3, i3, f3, i3, 2.5, 2)")
case(O, "states", "Dataset(f3, i3, f3, i3, 2, 2)")
case(O, "states", "Dataset(i3 + 5, i3, f3, i3, 2, 2)")
case(O, "actions", "Dataset(i3, i3 - 1, f3, i3, 2, 2)")
case(O, "next_states", "Dataset(i3, i3, f3, i3 > 0, 2, 2)")
case(O, "rewards", "Dataset(i3, i3, f3 + np.nan, i3, 2, 2)")
case(O, "rewards", "Dataset(i3, i3, f3 + 1j, i3, 2, 2)")
case(O, "rewards", "Dataset(i3, i3, np.zeros(2), i3, 2, 2)")
case(O, "states", "Dataset([0, 0, 0], i3, f3, i3, 2, 2)")
case(O, "states", "Dataset(np.zeros((1, 1, 3), np.int64), i3, f3, i3, 2, 2)")
case(O, "horizon", "Dataset(np.zeros((3, 2), np.int64), np.zeros((3, 2), np.int64), "
     "np.zeros((3, 2)), np.zeros((3, 2), np.int64), 2, 2, horizon=3)")
case(O, "behaviour", "Dataset(i3, i3, f3, i3, 2, 2, behaviour=np.full((2, 2), 0.7))")
case(O, "behaviour", "Dataset(i3, i3, f3, i3, 2, 2, behaviour='uniform')")
case(O, "behaviour", "Dataset(i3, i3, f3, i3, 2, 2, behaviour=np.full((3, 2), 0.5))")
case(O, "h", "ds_ep.counts(h=5)")
case(O, "gamma", "VILCB(1.0)")
case(O, "gamma", "VILCB(float('nan'))")
case(O, "delta", "VILCB(0.9, delta=0)")
case(O, "c_L", "VILCB(0.9, c_L=-1.0)")
case(O, "penalty_scale", "VILCB(0.9, penalty_scale=float('nan'))")
case(O, "shuffle_seed", "VILCB(0.9, shuffle_seed=-1)")
case(O, "data", "VILCB(0.9).fit(ds_ep)")
case(O, "data", "VILCB(0.9).fit('data')")
case(O, "rewards", "VILCB(0.9).fit(Dataset(i3, i3, f3 + 1.5, i3, 2, 2))")
case(O, "n_iter", "LiBernsteinLCB(0.9, n_iter=0)")
case(O, "rewards", "LiBernsteinLCB(0.9, rewards=np.full((2, 2), 1.5))")
case(O, "rewards", "LiBernsteinLCB(0.9, rewards=[[np.nan, 0.0], [0.0, 0.0]])")
case(O, "rewards", "LiBernsteinLCB(0.9, rewards=np.zeros((3, 2))).fit(ds_tr)")
case(O, "rewards", "LiBernsteinLCB(0.9, rewards=np.zeros((2, 2)) + 0.5j)")
case(O, "c_b", "LiBernsteinLCB(0.9, c_b=0)")
case(O, "xi", "TabularPEVI(xi=1.0)")
case(O, "lam", "TabularPEVI(lam=0)")
case(O, "c", "TabularPEVI(c=float('inf'))")
case(O, "data", "TabularPEVI().fit(ds_tr)")
case(O, "tol", "PlugInOffline(0.9, tol=0)")
case(O, "gamma", "PlugInOffline(1.5)")
case(O, "gamma", "PlugInOffline().fit(ds_tr)")
case(O, "rewards", "PlugInOffline(0.9, rewards=np.zeros((2, 2)) + 1j)")
case(O, "behaviour", "single_policy_concentrability(m, np.full((2, 2), 0.7))")
case(O, "policy", "single_policy_concentrability(m, beh, policy=[0, 5])")
case(O, "policy", "single_policy_concentrability(m, beh, policy=[0.5, 1.0])")
case(O, ("m", "gamma"), "all_policy_concentrability(m1, beh)")
case(O, "n", "off.coverage_failure(0)")
case(O, "gamma", "off.coverage_failure(10, gamma=1.0)")
case(O, "q", "off.coverage_failure(10, q=1.5)")
case(O, "initial", "off.coverage_failure(10, initial=(1.0, 0.0, 0.0, 0.0, 0.1))")
case(O, "initial", "off.coverage_failure(10, initial=(np.nan, 0.0, 0.0, 0.0, 1.0))")
case(O, "horizon", "off.coverage_failure_episodic(10, horizon=1)")
case(O, "C", "off.concentrability_family(0.5)")
case(O, "n_states", "off.concentrability_family(2.0, n_states=0)")
case(O, ("r_decoy", "r_expert"), "off.concentrability_family(2.0, r_expert=0.5, r_decoy=0.9)")

# -- pg: rlcert.estimators.policy_gradient -----------------------------------------------------------
G = "pg"
case(G, "n_iter", "pg.softmax_pg(m, -1)")
case(G, "n_iter", "pg.softmax_pg(m, 2.5)")
case(G, "n_iter", "pg.softmax_pg(m, True)")
case(G, "n_iter", "pg.softmax_pg(m, 10 ** 9)")
case(G, "eta", "pg.softmax_pg(m, 5, eta=0)")
case(G, "eta", "pg.softmax_pg(m, 5, eta=float('nan'))")
case(G, "eta", "pg.softmax_pg(m, 5, eta=1j)")
case(G, "eta", "pg.softmax_pg(m, 5, eta=True)")
case(G, ("m", "gamma"), "pg.softmax_pg(m1, 5)")
case(G, "m", "pg.softmax_pg('model', 5)")
case(G, "theta0", "pg.softmax_pg(m, 5, theta0=np.zeros((3, 2)))")
case(G, "theta0", "pg.softmax_pg(m, 5, theta0=np.full((2, 2), np.nan))")
case(G, "theta0", "pg.softmax_pg(m, 5, theta0=np.zeros((2, 2)) + 1j)")
case(G, "theta0", "pg.softmax_pg(m, 5, theta0=np.ones((2, 2), dtype=bool))")
case(G, "theta0", "pg.softmax_pg(m, 5, theta0=[['a', 'b'], ['c', 'd']])")
case(G, "initial", "pg.softmax_pg(m, 5, initial=[0.5, 0.6])")
case(G, "initial", "pg.softmax_pg(m, 5, initial=5)")
case(G, "eta", "pg.npg(m, 5, -1.0)")
case(G, "eta", "pg.npg(m, 5, None)")
case(G, "tau", "pg.entropy_npg(m, 5, 0)")
case(G, "tau", "pg.entropy_npg(m, 5, float('nan'))")
case(G, "eta", "pg.entropy_npg(m, 5, 0.1, eta=100.0)")
case(G, "theta", "pg.policy_gradient(m, np.zeros((2, 3)))")
case(G, "theta", "pg.policy_gradient(m, None)")
case(G, "theta", "pg.policy_gradient(m, np.full((2, 2), np.inf))")
case(G, "tau", "pg.soft_optimal(m, -1.0)")
case(G, "tol", "pg.soft_optimal(m, 0.1, tol=0)")
case(G, "max_iter", "pg.soft_optimal(m, 0.1, max_iter=0)")
case(G, "horizon", "pg.n_pg_igt(m, 5, 0)")
case(G, "horizon", "pg.n_pg_igt(m, 5, 2.5)")
case(G, "n_iter", "pg.n_pg_igt(m, -1, 3)")
case(G, "step0", "pg.n_pg_igt(m, 5, 3, step0=0)")
case(G, "step0", "pg.n_pg_igt(m, 5, 3, step0=float('inf'))")
case(G, "step_exponent", "pg.n_pg_igt(m, 5, 3, step_exponent=3.0)")
case(G, "momentum_exponent", "pg.n_pg_igt(m, 5, 3, momentum_exponent=-0.1)")
case(G, "checkpoints", "pg.n_pg_igt(m, 5, 3, checkpoints=[7])")
case(G, "checkpoints", "pg.n_pg_igt(m, 5, 3, checkpoints=[0.5])")
case(G, "checkpoints", "pg.n_pg_igt(m, 5, 3, checkpoints=[])")
case(G, "seed", "pg.n_pg_igt(m, 5, 3, seed=-1)")
case(G, "seed", "pg.n_pg_igt(m, 5, 3, seed='abc')")
case(G, "theta0", "pg.n_pg_igt(m, 5, 3, theta0=np.zeros((2, 2)) + 1j)")
case(G, "initial", "pg.n_pg_igt(m, 5, 3, initial=[np.nan, 1.0])")
case(G, "normalize", "pg.n_harpg(m, 5, 3, normalize='yes')")
case(G, "n_traj", "pg.gpomdp_gradient(m, np.zeros((2, 2)), 3, n_traj=0)")
case(G, "n_traj", "pg.gpomdp_gradient(m, np.zeros((2, 2)), 3, n_traj=10 ** 10)")
case(G, "theta", "pg.gpomdp_gradient(m, np.zeros((2, 2)) + 1j, 3)")
case(G, "u", "pg.hessian_vector_estimate(m, np.zeros((2, 2)), np.full((2, 2), np.nan), 3)")
case(G, "u", "pg.hessian_vector_estimate(m, np.zeros((2, 2)), np.zeros((2, 2)) + 1j, 3)")
case(G, "u", "pg.hessian_vector_estimate(m, np.zeros((2, 2)), np.ones((2, 2), dtype=bool), 3)")

# -- sa: rlcert.estimators.stochastic_approximation --------------------------------------------------
Q = "sa"
case(Q, "n_steps", "sa.td0_linear(m, pi0, np.eye(2), 0)")
case(Q, "n_steps", "sa.td0_linear(m, pi0, np.eye(2), 2.5)")
case(Q, "n_steps", "sa.td0_linear(m, pi0, np.eye(2), 10 ** 12)")
case(Q, "schedule", "sa.td0_linear(m, pi0, np.eye(2), 10, schedule='linear')")
case(Q, "alpha", "sa.td0_linear(m, pi0, np.eye(2), 10, schedule='constant')")
case(Q, "alpha", "sa.td0_linear(m, pi0, np.eye(2), 10, schedule='constant', alpha=-0.1)")
case(Q, "alpha", "sa.td0_linear(m, pi0, np.eye(2), 10, schedule='constant', alpha=np.nan)")
case(Q, "phi", "sa.td0_linear(m, pi0, np.ones((2, 2)), 10)")
case(Q, "phi", "sa.td0_linear(m, pi0, np.eye(3), 10)")
case(Q, "phi", "sa.td0_linear(m, pi0, np.eye(2) + 1j, 10)")
case(Q, "phi", "sa.td0_linear(m, pi0, np.eye(2, dtype=bool), 10)")
case(Q, "phi", "sa.td0_linear(m, pi0, np.full((2, 2), np.nan), 10)")
case(Q, "pi", "sa.td0_linear(m, [0, 5], np.eye(2), 10)")
case(Q, "theta0", "sa.td0_linear(m, pi0, np.eye(2), 10, theta0=[np.nan, 0.0])")
case(Q, "theta0", "sa.td0_linear(m, pi0, np.eye(2), 10, theta0=np.zeros(2) + 1j)")
case(Q, "seed", "sa.td0_linear(m, pi0, np.eye(2), 10, seed=-1)")
case(Q, "seed", "sa.td0_linear(m, pi0, np.eye(2), 10, seed=2.5)")
case(Q, "markov", "sa.td0_linear(m, pi0, np.eye(2), 10, markov='yes')")
case(Q, "record_every", "sa.td0_linear(m, pi0, np.eye(2), 10, record_every=0)")
case(Q, ("m", "gamma"), "sa.td0_linear(m1, pi0, np.eye(2), 10)")
case(Q, "P_pi", "sa.stationary_distribution(np.full((2, 3), 0.5))")
case(Q, "P_pi", "sa.stationary_distribution(np.full((2, 2), np.nan))")
case(Q, "P_pi", "sa.stationary_distribution(np.full((2, 2), 0.7))")
case(Q, "n_steps", "sa.q_learning_sync(m, 0)")
case(Q, "n_steps", "sa.q_learning_sync(m, 10 ** 12)")
case(Q, "steps", "sa.q_learning_sync(m, 10, steps=1.5)")
case(Q, "steps", "sa.q_learning_sync(m, 10, steps=float('nan'))")
case(Q, "steps", "sa.q_learning_sync(m, 10, steps=[0.5] * 3)")
case(Q, "steps", "sa.q_learning_sync(m, 10, steps=np.full(10, 0.5) + 0.5j)")
case(Q, "Q0", "sa.q_learning_sync(m, 10, Q0=np.full((2, 2), np.nan))")
case(Q, "Q0", "sa.q_learning_sync(m, 10, Q0=np.zeros((2, 3)))")
case(Q, "Q0", "sa.q_learning_sync(m, 10, Q0=np.zeros((2, 2)) + 1j)")
case(Q, "seed", "sa.q_learning_sync(m, 10, seed=-1)")
case(Q, ("temperature", "epsilon"), "sa.linear_sarsa(m, phi_sa, 10, w=1.0)")
case(Q, ("temperature", "epsilon"), "sa.linear_sarsa(m, phi_sa, 10, temperature=1.0, "
     "epsilon=0.1, w=1.0)")
case(Q, "temperature", "sa.linear_sarsa(m, phi_sa, 10, temperature=0, w=1.0)")
case(Q, "epsilon", "sa.linear_sarsa(m, phi_sa, 10, epsilon=1.5, w=1.0)")
case(Q, "w", "sa.linear_sarsa(m, phi_sa, 10, temperature=1.0)")
case(Q, "w", "sa.linear_sarsa(m, phi_sa, 10, temperature=1.0, w=-1.0)")
case(Q, "t0", "sa.linear_sarsa(m, phi_sa, 10, t0=0, **sarsa_kw)")
case(Q, "radius", "sa.linear_sarsa(m, phi_sa, 10, radius=0, **sarsa_kw)")
case(Q, "phi", "sa.linear_sarsa(m, np.ones((2, 2, 4)), 10, **sarsa_kw)")
case(Q, "phi", "sa.linear_sarsa(m, phi_sa + 1j, 10, **sarsa_kw)")
case(Q, "phi", "sa.linear_sarsa(m, np.eye(4, dtype=bool).reshape(2, 2, 4), 10, **sarsa_kw)")
case(Q, "theta0", "sa.linear_sarsa(m, phi_sa, 10, theta0=np.zeros(3), **sarsa_kw)")
case(Q, "alpha", "sa.linear_sarsa(m, phi_sa, 10, temperature=1.0, schedule='constant', alpha=0)")
case(Q, "seed", "sa.linear_sarsa(m, phi_sa, 10, seed='abc', **sarsa_kw)")
case(Q, "n_steps", "sa.linear_sarsa(m, phi_sa, 10 ** 12, **sarsa_kw)")
case(Q, "radius", "sa.tabular_sarsa(m, 10, radius=-1.0, **sarsa_kw)")
case(Q, "m", "sa.tabular_sarsa('model', 10, **sarsa_kw)")
case(Q, "phi", "sa.sarsa_policy(np.ones((2, 2)), np.zeros(1), temperature=1.0)")
case(Q, "phi", "sa.sarsa_policy(np.full((2, 2, 1), np.nan), np.zeros(1), temperature=1.0)")
case(Q, "phi", "sa.sarsa_policy(np.ones((2, 2, 1)) + 1j, np.zeros(1), temperature=1.0)")
case(Q, "theta", "sa.sarsa_policy(phi_sa, np.zeros(3), temperature=1.0)")
case(Q, "theta", "sa.mean_path(m, phi_sa, np.zeros(3), temperature=1.0)")
case(Q, "tol", "sa.sarsa_fixed_point(m, phi_sa, temperature=1.0, tol=0)")
case(Q, "max_iter", "sa.sarsa_fixed_point(m, phi_sa, temperature=1.0, max_iter=0)")
case(Q, "S", "sa.one_hot_features(0, 2)")
case(Q, "n_rounds", "sa.fedsarsa([m, m], phi_sa, 0, 1, **sarsa_kw)")
case(Q, "local_steps", "sa.fedsarsa([m, m], phi_sa, 2, 0, **sarsa_kw)")
case(Q, "mdps", "sa.fedsarsa([], phi_sa, 2, 1, **sarsa_kw)")
case(Q, "mdps", "sa.fedsarsa(m, phi_sa, 2, 1, **sarsa_kw)")
case(Q, "mdps", "sa.fedsarsa([m, 'model'], phi_sa, 2, 1, **sarsa_kw)")
case(Q, "mdps", "sa.fedsarsa([m, TabularMDP(np.full((3, 2, 3), 1 / 3), np.zeros((3, 2)), 0.9)], "
     "phi_sa, 2, 1, **sarsa_kw)", cid="fedsarsa(agents with different S)")
case(Q, "mdps", "sa.fedsarsa([m, TabularMDP(P2, R2, 0.5)], phi_sa, 2, 1, **sarsa_kw)")
case(Q, "mdps", "sa.fedsarsa([m, TabularMDP(P2, R2 + 0.5, 0.9)], phi_sa, 2, 1, **sarsa_kw)")
case(Q, ("n_rounds", "local_steps"), "sa.fedsarsa([m, m], phi_sa, 10 ** 6, 10 ** 6, **sarsa_kw)")
case(Q, "mdps", "sa.fedsarsa_fixed_point([], phi_sa, temperature=1.0)")
case(Q, "n_agents", "sa.heterogeneous_kernels(P2, 0, 0.1)")
case(Q, "n_agents", "sa.heterogeneous_kernels(P2, 10 ** 10, 0.1)")
case(Q, "eps", "sa.heterogeneous_kernels(P2, 2, 1.5)")
case(Q, "eps", "sa.heterogeneous_kernels(P2, 2, float('nan'))")
case(Q, "P", "sa.heterogeneous_kernels(P2 * 0.9, 2, 0.1)")
case(Q, "P", "sa.heterogeneous_kernels(np.full((2, 2), 0.5), 2, 0.1)")
case(Q, "P", "sa.heterogeneous_kernels(P2 + 1j, 2, 0.1)")
case(Q, "concentration", "sa.heterogeneous_kernels(P2, 2, 0.1, concentration=0)")
case(Q, "seed", "sa.heterogeneous_kernels(P2, 2, 0.1, seed=-1)")
case(Q, "kernels", "sa.max_tv_distance(np.ones((2, 2)))")
case(Q, "kernels", "sa.max_tv_distance(np.full((2, 2, 2, 2), np.nan))")
case(Q, "kernels", "sa.max_tv_distance(np.full((2, 2, 2, 2), 0.7))")
case(Q, "n_steps", "sa.log_q_learning(m, 0)")
case(Q, "n_steps", "sa.log_q_learning(m, 10 ** 12)")
case(Q, "beta_reg", "sa.log_q_learning(m, 10, beta_reg=0)")
case(Q, "beta_log", "sa.log_q_learning(m, 10, beta_log=1.5)")
case(Q, "beta_reg", "sa.log_q_learning(m, 10, beta_reg=np.full(10, 0.5) + 0.5j)")
case(Q, "decay_steps", "sa.log_q_learning(m, 10, decay_steps=1)")
case(Q, "c", "sa.log_q_learning(m, 10, c=0)")
case(Q, "h", "sa.log_q_learning(m, 10, h=-1.0)")
case(Q, ("m", "gamma"), "sa.log_q_learning(TabularMDP(P2, R2, 0.0), 10)")
case(Q, "seed", "sa.log_q_learning(m, 10, seed=-1)")
case(Q, ("initial", "final"), "sa.anneal(10, 0.5, 1.0, 5)")
case(Q, "n_steps", "sa.anneal(0, 1.0, 0.1, 5)")
case(Q, "decay_steps", "sa.anneal(10, 1.0, 0.1, 1)")
case(Q, "gamma", "sa.log_mapping(1.0)")
case(Q, "q_init", "sa.log_mapping(0.9, q_init=-1.0)")
case(Q, "h", "sa.log_mapping(0.9, h=1e6)")


# -- running ------------------------------------------------------------------------------------------
def _names_in(message: str, names) -> bool:
    return any(re.search(rf"(?<![A-Za-z0-9_]){re.escape(n)}(?![A-Za-z0-9_])", message)
               for n in names)


def worker(start: int, area: str | None) -> None:
    """Run the cases from ``start`` on, one JSON line per case on stdout."""
    import warnings
    warnings.simplefilter("ignore")
    ns: dict = {}
    exec(PRELUDE, ns)  # noqa: S102 - the corpus is this file's own code
    for i, (a, cid, names, code) in enumerate(CASES):
        if i < start or (area and a != area):
            continue
        print(json.dumps({"start": i}), flush=True)
        local = dict(ns)
        try:
            exec(code, local)  # noqa: S102
            out, detail = "silent", ""
        except BaseException as exc:  # noqa: BLE001 - classifying every exception is the point
            msg = str(exc)
            if isinstance(exc, ValueError) and _names_in(msg, names):
                out = "refused"
            else:
                out = "unclear"
            detail = f"{type(exc).__name__}: {msg}"[:300]
        print(json.dumps({"index": i, "outcome": out, "detail": detail}), flush=True)
    print(json.dumps({"done": True}), flush=True)


def run(area: str | None, timeout: float) -> list[dict]:
    """Run every case (of ``area``) in worker subprocesses; restart after a crash or a timeout."""
    results: dict[int, dict] = {}
    start = 0
    wanted = [i for i, c in enumerate(CASES) if not area or c[0] == area]
    env = dict(os.environ, PYTHONFAULTHANDLER="0")
    while True:
        todo = [i for i in wanted if i >= start and i not in results]
        if not todo:
            break
        cmd = [sys.executable, os.path.abspath(__file__), "--worker", str(todo[0])]
        if area:
            cmd += ["--area", area]
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                                env=env)
        current, last = None, time.monotonic()
        done = False
        while True:
            ready, _, _ = select.select([proc.stdout], [], [], 1.0)
            if ready:
                line = proc.stdout.readline()
                if not line:
                    break
                try:
                    msg = json.loads(line)
                except json.JSONDecodeError:
                    continue  # compiled code writing to stdout (LAPACK's XERBLA, say)
                last = time.monotonic()
                if "start" in msg:
                    current = msg["start"]
                elif "index" in msg:
                    results[msg["index"]] = msg
                    current = None
                elif msg.get("done"):
                    done = True
                    break
            elif current is not None and time.monotonic() - last > timeout:
                proc.kill()
                results[current] = {"index": current, "outcome": "crash",
                                    "detail": f"timeout after {timeout:g} s"}
                break
            elif proc.poll() is not None:
                break
        rc = proc.wait()
        if done:
            break
        if current is not None and current not in results:
            results[current] = {"index": current, "outcome": "crash",
                                "detail": f"worker died (return code {rc})"}
        start = (current if current is not None else start) + 1
    return [dict(results[i], area=CASES[i][0], case=CASES[i][1]) for i in wanted if i in results]


def table(counts: dict[str, Counter], title: str) -> str:
    lines = [title, f"{'area':<8}" + "".join(f"{o:>10}" for o in OUTCOMES) + f"{'total':>8}"]
    total = Counter()
    for area in sorted(counts):
        c = counts[area]
        total.update(c)
        lines.append(f"{area:<8}" + "".join(f"{c[o]:>10}" for o in OUTCOMES)
                     + f"{sum(c.values()):>8}")
    lines.append(f"{'all':<8}" + "".join(f"{total[o]:>10}" for o in OUTCOMES)
                 + f"{sum(total.values()):>8}")
    return "\n".join(lines)


def timing(S: int = 200_000, A: int = 4, branching: int = 10) -> None:
    """Time the validation of a large CSR model (``S*A`` rows, ``branching`` entries each): the
    structural checks alone, the canonical copy they guard, and the whole constructor."""
    import numpy as np
    import scipy.sparse as sp
    from rlcert.mdp import TabularMDP
    from rlcert.mdp._validate import _check_compressed, check_sparse_matrix

    rng = np.random.default_rng(0)
    n = S * A
    idx = np.sort(rng.integers(0, S, size=(n, branching)), axis=1)
    data = rng.random((n, branching))
    data /= data.sum(axis=1, keepdims=True)
    P = sp.csr_matrix((data.ravel(), idx.ravel(), np.arange(0, n * branching + 1, branching)),
                      shape=(n, S))
    R = rng.random((S, A))
    TabularMDP(P, R, 0.99)  # warm up (first-touch allocations, compiled kernels)
    best = {}
    for _ in range(5):
        for name, call in (("structure", lambda: _check_compressed(P, "csr", "P", ValueError)),
                           ("structure + canonical copy", lambda: check_sparse_matrix(P, "P")),
                           ("TabularMDP(P, R, 0.99)", lambda: TabularMDP(P, R, 0.99))):
            t0 = time.perf_counter()
            call()
            best[name] = min(best.get(name, float("inf")), time.perf_counter() - t0)
    print(f"S={S}, A={A}, nnz={P.nnz:,} (best of 5)")
    for name, t in best.items():
        print(f"  {name:<28} {t * 1e3:8.1f} ms")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--worker", type=int, default=None, help=argparse.SUPPRESS)
    ap.add_argument("--area", default=None,
                    choices=("mdp", "bounds", "theory", "linear", "offline", "pg", "sa"))
    ap.add_argument("--timeout", type=float, default=120.0)
    ap.add_argument("--save", help="write the outcomes to this JSON file")
    ap.add_argument("--compare", help="a JSON file saved by --save, shown as 'before'")
    ap.add_argument("--verbose", action="store_true", help="list every case that is not refused")
    ap.add_argument("--timing", action="store_true",
                    help="time the validation of a 2e5-state CSR model instead")
    args = ap.parse_args()
    if args.timing:
        timing()
        return
    if args.worker is not None:
        worker(args.worker, args.area)
        return
    results = run(args.area, args.timeout)
    counts: dict[str, Counter] = defaultdict(Counter)
    for r in results:
        counts[r["area"]][r["outcome"]] += 1
    if args.compare:
        with open(args.compare) as f:
            before = json.load(f)
        bc: dict[str, Counter] = defaultdict(Counter)
        for r in before["results"]:
            bc[r["area"]][r["outcome"]] += 1
        print(table(bc, f"before ({args.compare})"))
        print()
    print(table(counts, "now"))
    if args.verbose:
        for r in results:
            if r["outcome"] != "refused":
                print(f"  [{r['outcome']}] {r['case']}\n      {r['detail']}")
    if args.save:
        with open(args.save, "w") as f:
            json.dump({"results": results}, f, indent=1)


if __name__ == "__main__":
    main()
