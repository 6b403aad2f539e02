"""Memory safety: malformed sparse transition matrices never reach a compiled kernel.

The compiled kernels index ``data[k]`` and ``V[indices[k]]`` without bounds checks, so a CSR matrix
whose column indices fall outside ``[0, S)`` or whose ``indptr`` is not a valid row partition would
make them read (or write) outside their arrays: a segfault, or silently wrong numbers. The models'
validation refuses such matrices before anything reads them, and the models expose their arrays
read-only, so that no later change can break what was validated.

Each malformation runs **in a subprocess** through every kernel-backed entry point (solvers, policy
evaluation, Q-values, occupancy, average reward, structure, robust and s-rectangular solvers,
finite-horizon and risk oracles, the generative sampler, chain-matrix functions, saved files);
the test asserts that the process exits normally and that each entry point refused the input
with a ValueError subclass naming ``P`` (or ``R`` for a malformed sparse reward).
"""

import json
import os
import re
import subprocess
import sys

import pytest

SCRIPT = r'''
import json, sys, tempfile, os
import numpy as np
import scipy.sparse as sp
from rlcert.mdp import (TabularMDP, FiniteHorizonMDP, solve, evaluate_policy, q_from_v, occupancy,
                        solve_average, evaluate_policy_average, structure, load)
from rlcert.mdp.robust import (KLBall, L1Ball, solve_robust, evaluate_policy_robust, robust_bellman,
                               worst_case_kernel, SRectL1Ball, solve_srect)
from rlcert.mdp.risk import solve_cvar, return_distribution, categorical_evaluation

kind = sys.argv[1]
S, A = 2, 2
R = np.zeros((S, A))
pi = np.zeros(S, dtype=np.int64)


def malformed(rows, cols):
    C = sp.csr_matrix(np.full((rows, cols), 1.0 / cols))
    if kind == "col_1e6":
        C.indices[3] = 10 ** 6
    elif kind == "col_minus_1":
        C.indices[3] = -1
    elif kind == "col_5":
        C.indices[3] = 5
    elif kind == "indptr_decreasing":
        C.indptr[1], C.indptr[2] = C.indptr[2], C.indptr[1]
    elif kind == "indptr_start":
        C.indptr[0] = 1
    elif kind == "indptr_end":
        C.indptr[-1] += 3
    elif kind == "indptr_short":
        C.indptr = C.indptr[:-1]
    elif kind == "indices_short":
        C.indices = C.indices[:-1]
    elif kind == "coo_col":
        C = sp.coo_matrix(C.toarray())
        C.col[1] = 10 ** 6
    elif kind == "csc_row":
        C = sp.csc_matrix(C.toarray())
        C.indices[1] = 10 ** 6
    else:
        raise AssertionError(kind)
    return C


def P():
    return malformed(S * A, S)


def saved():
    C = P()
    path = os.path.join(tempfile.mkdtemp(), "m.npz")
    if sp.isspmatrix_csr(C):
        np.savez(path, kind="tabular", n_states=S, n_actions=A, P_data=C.data,
                 P_indices=C.indices, P_indptr=C.indptr, R=R, gamma=0.9, initial=[1.0, 0.0])
    else:
        np.savez(path, kind="tabular", n_states=S, n_actions=A, P_data=np.ones(1),
                 P_indices=np.array([10 ** 6]), P_indptr=np.array([0, 1, 1, 1, 1]), R=R,
                 gamma=0.9, initial=[1.0, 0.0])
    return path


def sample_counts(m):
    from rlcert.estimators.generative import sample_counts
    return sample_counts(m, 10, seed=0)


ENTRY_POINTS = {
    "TabularMDP": lambda: TabularMDP(P(), R, 0.9),
    "solve vi": lambda: solve(TabularMDP(P(), R, 0.9), method="vi"),
    "solve gs": lambda: solve(TabularMDP(P(), R, 0.9), method="gs"),
    "solve pi": lambda: solve(TabularMDP(P(), R, 0.9), method="pi"),
    "solve mpi": lambda: solve(TabularMDP(P(), R, 0.9), method="mpi"),
    "solve lp": lambda: solve(TabularMDP(P(), R, 0.9), method="lp"),
    "solve total reward": lambda: solve(TabularMDP(P(), R, 1.0)),
    "evaluate_policy": lambda: evaluate_policy(TabularMDP(P(), R, 0.9), pi),
    "evaluate_policy total reward": lambda: evaluate_policy(TabularMDP(P(), R, 1.0), pi),
    "q_from_v": lambda: q_from_v(TabularMDP(P(), R, 0.9), np.zeros(S)),
    "occupancy": lambda: occupancy(TabularMDP(P(), R, 0.9), pi),
    "solve_average pi": lambda: solve_average(TabularMDP(P(), R)),
    "solve_average rvi": lambda: solve_average(TabularMDP(P(), R), method="rvi"),
    "evaluate_policy_average": lambda: evaluate_policy_average(TabularMDP(P(), R), pi),
    "classify": lambda: structure.classify(TabularMDP(P(), R)),
    "diameter": lambda: structure.diameter(TabularMDP(P(), R)),
    "min_hitting_times": lambda: structure.min_hitting_times(TabularMDP(P(), R), 0),
    "mixing_time": lambda: structure.mixing_time(TabularMDP(P(), R), pi),
    "worst_mixing_time": lambda: structure.worst_mixing_time(TabularMDP(P(), R)),
    "support_graph": lambda: structure.support_graph(TabularMDP(P(), R)),
    "solve_robust kl": lambda: solve_robust(TabularMDP(P(), R, 0.9), KLBall(0.1)),
    "solve_robust l1 mpi": lambda: solve_robust(TabularMDP(P(), R, 0.9), L1Ball(0.1), method="mpi"),
    "evaluate_policy_robust": lambda: evaluate_policy_robust(TabularMDP(P(), R, 0.9), pi,
                                                             KLBall(0.1)),
    "robust_bellman": lambda: robust_bellman(TabularMDP(P(), R, 0.9), np.zeros(S), KLBall(0.1)),
    "worst_case_kernel": lambda: worst_case_kernel(TabularMDP(P(), R, 0.9), np.zeros(S),
                                                   L1Ball(0.1)),
    "solve_srect": lambda: solve_srect(TabularMDP(P(), R, 0.9), SRectL1Ball(0.1)),
    "FiniteHorizonMDP solve": lambda: solve(FiniteHorizonMDP(P(), R, 3)),
    "FiniteHorizonMDP per-step": lambda: solve(FiniteHorizonMDP([P(), P(), P()], R, 3)),
    "FiniteHorizonMDP evaluate_policy": lambda: evaluate_policy(FiniteHorizonMDP(P(), R, 3), pi),
    "FiniteHorizonMDP solve_robust": lambda: solve_robust(FiniteHorizonMDP(P(), R, 3), KLBall(0.1)),
    "solve_cvar": lambda: solve_cvar(FiniteHorizonMDP(P(), R, 3), 0.5),
    "return_distribution": lambda: return_distribution(FiniteHorizonMDP(P(), R, 3), pi),
    "categorical_evaluation": lambda: categorical_evaluation(FiniteHorizonMDP(P(), R, 3), pi),
    "sample_counts": lambda: sample_counts(TabularMDP(P(), R, 0.9)),
    "sparse R": lambda: solve(TabularMDP(np.full((S, A, S), 0.5), malformed(S * A, S), 0.9)),
    "chain stationary_distributions": lambda: structure.stationary_distributions(malformed(4, 4)),
    "chain hitting_times": lambda: structure.hitting_times(malformed(4, 4), target=0),
    "chain limiting_matrix": lambda: structure.limiting_matrix(malformed(4, 4)),
    "chain mixing_time": lambda: structure.mixing_time(malformed(4, 4)),
    "chain periods": lambda: structure.periods(malformed(4, 4)),
    "load": lambda: load(saved()),
}

for name, call in ENTRY_POINTS.items():
    print(json.dumps({"start": name}), flush=True)
    try:
        call()
        out, msg = "returned", ""
    except ValueError as exc:
        out, msg = "refused", f"{type(exc).__name__}: {exc}"
    except Exception as exc:  # noqa: BLE001 - the test classifies it
        out, msg = "other", f"{type(exc).__name__}: {exc}"
    print(json.dumps({"entry": name, "outcome": out, "message": msg}), flush=True)

# the validated arrays cannot be changed afterwards: the kernels keep reading valid ones
m = TabularMDP(sp.csr_matrix(np.full((S * A, S), 0.5)), R, 0.9)
before = solve(m, method="vi").V
for arr in (m.P.indices, m.P.indptr, m.rows.indices, m.rows.indptr, m.rows.data):
    try:
        arr[0] = 10 ** 6
        print(json.dumps({"entry": "mutation", "outcome": "returned", "message": "written"}))
    except ValueError as exc:
        print(json.dumps({"entry": "mutation", "outcome": "refused", "message": str(exc)}))
after = solve(m, method="vi").V
print(json.dumps({"entry": "unchanged", "outcome": "refused" if np.array_equal(before, after)
                  else "returned", "message": "the solve after the attempt"}), flush=True)
print(json.dumps({"done": True}), flush=True)
'''

KINDS = ["col_1e6", "col_minus_1", "col_5", "indptr_decreasing", "indptr_start", "indptr_end",
         "indptr_short", "indices_short", "coo_col", "csc_row"]


@pytest.mark.parametrize("kind", KINDS)
def test_malformed_csr_never_reaches_a_kernel(kind):
    env = dict(os.environ, PYTHONFAULTHANDLER="1")
    proc = subprocess.run([sys.executable, "-c", SCRIPT, kind], capture_output=True, text=True,
                          timeout=600, env=env)
    lines = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    started = [x["start"] for x in lines if "start" in x]
    assert proc.returncode == 0, (f"the process died (return code {proc.returncode}) in "
                                  f"{started[-1] if started else 'setup'}:\n{proc.stderr[-3000:]}")
    assert lines and lines[-1].get("done"), proc.stderr[-3000:]
    results = [x for x in lines if "entry" in x]
    assert len([r for r in results if r["entry"] not in ("mutation", "unchanged")]) == 41
    for r in results:
        assert r["outcome"] == "refused", r
        if r["entry"] == "sparse R":
            assert "R (" in r["message"], r
        elif r["entry"] == "mutation":
            assert "read-only" in r["message"], r
        elif r["entry"] == "load":
            assert "path=" in r["message"] and "P" in r["message"], r
        elif r["entry"] != "unchanged":  # "indices of P (CSR) ...", "P[0] (COO) holds ..."
            assert re.search(r"(?<![A-Za-z_])P(\[\d+\])? \((CSR|CSC|COO)\)", r["message"]), r
