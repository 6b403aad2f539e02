"""Mutation tests of the oracle checks: for every family (robust, s-rectangular, CVaR, Chow's
approximation, distributional projections, average reward, total reward, diameter, mixing time)
the rlcert oracle passes its check (``holds``), and the oracle with one plausible planted bug is
caught (``violated``, with a counterexample). Ground truth lives in the checks (brute force over
policies, exact rationals, cvxpy), never in the oracle under test."""

import dataclasses

import numpy as np
import pytest

from rlcert.mdp import FiniteHorizonMDP, solve
from rlcert.mdp.average import solve_average
from rlcert.mdp.risk import categorical_evaluation, chow_cvar, quantile_evaluation, solve_cvar
from rlcert.mdp.robust import L1Ball, solve_robust
from rlcert.mdp.structure import diameter, mixing_time
from rlcert.proofs_checks.api import verify
from rlcert.proofs_checks.framework import checks, get_check
from rlcert.proofs_checks.verdicts import Verdict

pytestmark = pytest.mark.filterwarnings("ignore:Solution may be inaccurate")

ORACLE_CHECKS = ("robust.certificates", "robust.srect_certificates", "risk.cvar_brute_force",
                 "risk.chow_policy_gap", "risk.distributional_bounds",
                 "average.bracket_and_methods", "total_reward.ssp_certificate",
                 "structure.diameter_brute_force", "structure.mixing_time_brute_force")


# -- planted bugs: each wraps the rlcert oracle with one plausible mistake -------------------------
def robust_radius_ignored(m, uncertainty, method, tol):
    """The robust solver run with the nominal rows (the set's radius dropped)."""
    return solve_robust(m, L1Ball(0.0), method=method, tol=tol)


class _Result:
    def __init__(self, **kw):
        self.__dict__.update(kw)


def srect_budget_per_action(m, uncertainty):
    """The s-rectangular budget given in full to every action (an (s,a)-rectangular L1 ball of
    radius kappa_s on each pair) instead of shared by the actions of a state."""
    S, A = m.n_states, m.n_actions
    kappa = np.broadcast_to(np.asarray(uncertainty.radius, dtype=float), (S,))
    res = solve_robust(m, L1Ball(np.repeat(kappa[:, None], A, axis=1)), tol=1e-8)
    return _Result(V=res.V, policy=np.eye(A)[res.policy], certificate=res.certificate,
                   rounding=res.rounding, policy_loss_bound=res.policy_loss_bound)


def cvar_loss_level(fh, tau, rewards):
    """The loss-form level alpha = tau passed where the reward-form tail fraction is expected
    (the CVaR of the upper 1 - tau of the return)."""
    return solve_cvar(fh, 1.0 - tau, rewards)


def chow_reports_its_estimate(fh, tau, rewards, n_grid):
    """Chow et al.'s interpolated value reported as the CVaR its policy attains."""
    res = chow_cvar(fh, tau, rewards, n_grid=n_grid)
    return dataclasses.replace(res, policy_cvar=res.value)


def distributional_undiscounted(fh, policy, method, n_atoms, rewards):
    """The projected backups run without the discount (gamma = 1 in the target r + gamma z)."""
    fh1 = FiniteHorizonMDP(fh.stage_P(0), rewards, fh.horizon, 1.0, fh.initial)
    evaluate = categorical_evaluation if method == "categorical" else quantile_evaluation
    return evaluate(fh1, policy, n_atoms, rewards)


def average_bracket_of_transformed_chain(m, method):
    """RVI's bracket reported for the aperiodicity transform tau T + (1 - tau) I (gain tau g*)
    without dividing by tau = 1/2."""
    res = solve_average(m, method, tol=1e-10)
    if method != "rvi":
        return res
    lo, hi = res.certificate.bracket
    cert = dataclasses.replace(res.certificate, bracket=(0.5 * lo, 0.5 * hi))
    return dataclasses.replace(res, certificate=cert)


def ssp_residual_wrong_sign(m, method, max_iter):
    """The SSP certificate built from ``max(V - T V)`` instead of ``max(T V - V)``."""
    res = solve(m, method=method, max_iter=max_iter)
    P, V = m.dense_P(), res.V
    TV = (m.R + P @ V).max(axis=1)
    c = -float(m.R[m.R < 0].max())
    eps = max(0.0, float(np.max(V - TV)))
    return dataclasses.replace(res, certificate=eps * float(np.abs(V).max()) / c)


def diameter_off_by_one(m):
    """The diameter counting the states of a path instead of its steps."""
    res = diameter(m)
    return dataclasses.replace(res, D=res.D + 1.0)


def mixing_l1_instead_of_tv(P, eps):
    """The mixing time with the L1 distance in place of total variation (the 1/2 dropped)."""
    return mixing_time(P, eps=eps / 2.0)


MUTANTS = [
    ("robust.certificates", robust_radius_ignored, 4),
    ("robust.srect_certificates", srect_budget_per_action, 2),
    ("risk.cvar_brute_force", cvar_loss_level, 4),
    ("risk.chow_policy_gap", chow_reports_its_estimate, 6),
    ("risk.distributional_bounds", distributional_undiscounted, 4),
    ("average.bracket_and_methods", average_bracket_of_transformed_chain, 4),
    ("total_reward.ssp_certificate", ssp_residual_wrong_sign, 4),
    ("structure.diameter_brute_force", diameter_off_by_one, 3),
    ("structure.mixing_time_brute_force", mixing_l1_instead_of_tv, 4),
]


def test_every_oracle_family_has_a_registered_deterministic_check():
    registered = {c.check_id: c for c in checks()}
    for check_id in ORACLE_CHECKS:
        c = registered[check_id]
        assert c.guarantee == "deterministic" and c.subject_kind and c.trial.__doc__
    assert sum(get_check(c).quick for c in ORACLE_CHECKS) <= 2
    assert {m[0] for m in MUTANTS} == set(ORACLE_CHECKS)


@pytest.mark.parametrize("check_id, mutant, n", MUTANTS, ids=[m[0] for m in MUTANTS])
def test_oracle_holds_and_its_planted_bug_is_violated(check_id, mutant, n):
    good = verify(check_id, n_trials=n, backend="serial")
    assert good.status is Verdict.HOLDS, good.details
    assert good.numbers["max_ratio"] <= 1.0
    bad = verify(check_id, algorithm=mutant, n_trials=n, backend="serial")
    assert bad.status is Verdict.VIOLATED, bad.details
    assert bad.counterexample is not None
    failing = bad.trials_by_index(bad.counterexample)
    assert not failing["passed"] and any(not c["ok"] for c in failing["cells"])


def robust_claims_nothing(m, uncertainty, method, tol):
    """A robust solver whose certificate and policy-loss bound exceed the value range."""
    res = solve_robust(m, uncertainty, method=method, tol=tol)
    big = 2.0 * float(m.R.max() - m.R.min()) / (1.0 - m.gamma) + 1.0
    return dataclasses.replace(res, certificate=big, policy_loss_bound=big)


def test_bounds_at_least_the_value_range_are_vacuous():
    r = verify("robust.certificates", algorithm=robust_claims_nothing, n_trials=2,
               backend="serial")
    assert r.status is Verdict.VACUOUS and r.numbers["vacuous_trials"] == 2
