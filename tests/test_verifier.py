"""The verifier: its statistics, its verdict rules, mutation tests (each planted bug must be
caught, and the unmutated subject must pass), loky/Dask determinism, counterexample replay,
interruption, the report files and the command line."""

import json

import numpy as np
import pytest

from rlcert.bounds import concentration as conc
from rlcert.estimators.episodic import UCBVICH
from rlcert.mdp import solve
from rlcert.proofs_checks import statistics as st
from rlcert.proofs_checks.api import replay, verify, verify_many
from rlcert.proofs_checks.cli import main
from rlcert.proofs_checks.framework import CheckError, checks, get_check
from rlcert.proofs_checks.registry.planning import value_iteration
from rlcert.proofs_checks.verdicts import (Verdict, deterministic_rule, expectation_rule,
                                           probability_rule, rate_rule)


# -- statistics and rules -----------------------------------------------------------------------------
def test_clopper_pearson_known_values():
    lo, hi = st.clopper_pearson(59, 59, 0.05)
    assert lo == pytest.approx(0.05 ** (1 / 59), rel=1e-12) and hi == 1.0
    lo, hi = st.clopper_pearson(0, 10, 0.05)
    assert lo == 0.0 and hi == pytest.approx(1 - 0.05 ** (1 / 10), rel=1e-12)


def test_trials_needed_for_all_passing():
    """All-pass lower limit (alpha/m)^(1/n) >= 0.95: n = 59 at m = 1; at m = 10, n = 103 gives
    0.005^(1/103) = 0.94986 < 0.95, so 104 trials are needed."""
    assert st.trials_needed_all_pass(0.05, 0.05) == 59
    assert st.trials_needed_all_pass(0.05, 0.05, cells=10) == 104
    assert 0.005 ** (1 / 103) < 0.95 <= 0.005 ** (1 / 104)
    assert st.clopper_pearson(104, 104, 0.005)[0] >= 0.95 > st.clopper_pearson(103, 103, 0.005)[0]


def test_probability_rule():
    assert probability_rule(59, 59, 0.05, 0.05)[0] is Verdict.HOLDS
    assert probability_rule(58, 59, 0.05, 0.05)[0] is Verdict.INCONCLUSIVE
    assert probability_rule(40, 59, 0.05, 0.05)[0] is Verdict.VIOLATED
    verdict, lo, hi, more = probability_rule(95, 100, 0.05, 0.05)
    assert verdict is Verdict.INCONCLUSIVE and more is None  # at exactly 1 - delta nothing decides
    verdict, _, _, more = probability_rule(97, 100, 0.05, 0.05)
    assert verdict is Verdict.INCONCLUSIVE and more > 100


def test_expectation_and_rate_rules():
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, 5000) * 0.2  # mean 0.1 in [0, 1]
    assert expectation_rule(x, 0.5, 0.05, 1.0)[0] is Verdict.HOLDS
    assert expectation_rule(x, 0.01, 0.05, 1.0)[0] is Verdict.VIOLATED
    assert expectation_rule(x[:5], 0.11, 0.05, 1.0)[0] is Verdict.INCONCLUSIVE
    assert rate_rule(0.9, 0.5) is Verdict.INCONSISTENT
    assert rate_rule(0.52, 0.5) is Verdict.CONSISTENT
    assert deterministic_rule([True, True]) is Verdict.HOLDS
    assert deterministic_rule([True, False]) is Verdict.VIOLATED


def test_mean_confidence_bounds_cover():
    rng = np.random.default_rng(1)
    covered = 0
    for _ in range(400):
        x = rng.beta(2, 5, 50)
        mean, lo, hi = st.mean_confidence_bounds(x, 0.05, 1.0)
        covered += hi >= 2 / 7
    assert covered / 400 >= 0.95


def test_bootstrap_slope_recovers_a_power_law():
    x = np.geomspace(10, 1e4, 20)
    rng = np.random.default_rng(2)
    curves = np.array([x ** 0.5 * rng.uniform(0.9, 1.1) for _ in range(30)])
    s, lo, hi = st.bootstrap_slope(x, curves)
    assert s == pytest.approx(0.5, abs=1e-9) and lo <= 0.5 <= hi


# -- mutation tests: the planted bug is caught, the unmutated subject passes ----------------------------
def vi_wrong_discount(m, n_sweeps):
    """Value iteration whose backup discounts with 1.02 gamma instead of gamma."""
    return value_iteration(m.with_gamma(min(0.999, 1.02 * m.gamma)), n_sweeps)


def test_mutation_vi_wrong_discount():
    good = verify("planning.vi_iterations", n_trials=12, backend="serial")
    bad = verify("planning.vi_iterations", algorithm=vi_wrong_discount, n_trials=12,
                 backend="serial")
    assert good.status is Verdict.HOLDS
    assert bad.status is Verdict.VIOLATED and bad.counterexample is not None


def ucbvi_without_bonus():
    return UCBVICH(bonus_scale=0.0)


def test_mutation_ucbvi_bonus_removed():
    bad = verify("episodic.ucbvi_ch.optimism", algorithm=ucbvi_without_bonus(), n_trials=30,
                 backend="serial")
    assert bad.status is Verdict.VIOLATED
    good = verify("episodic.ucbvi_ch.optimism", n_trials=60, backend="serial")
    assert good.status is Verdict.HOLDS
    # sublinearity: with its documented practical bonus_scale the rate is consistent; without a
    # bonus it is linear ('inconsistent')
    rate_bad = verify("episodic.ucbvi_ch.regret_rate_riverswim", algorithm=ucbvi_without_bonus(),
                      n_trials=4, backend="serial")
    rate_good = verify("episodic.ucbvi_ch.regret_rate_riverswim", n_trials=4, backend="serial")
    assert rate_bad.status is Verdict.INCONSISTENT and rate_good.status is Verdict.CONSISTENT
    tiny = verify("episodic.ucbvi_ch.regret_rate_tiny", n_trials=2, backend="serial")
    assert tiny.status is Verdict.CONSISTENT  # the paper's constants on the tiny instance


def narrow_hoeffding(n, delta, b=1.0):
    """A width divided by 10."""
    return conc.hoeffding_width(n, delta, b) / 10.0


def test_mutation_concentration_width_divided_by_ten():
    bad = verify("concentration.hoeffding", algorithm=narrow_hoeffding, n_trials=400,
                 backend="serial")
    good = verify("concentration.hoeffding", n_trials=400, backend="serial")
    assert bad.status is Verdict.VIOLATED
    assert good.status in (Verdict.HOLDS, Verdict.INCONCLUSIVE) and good.pass_rate >= 0.95


class _StopsAfterOneImprovement:
    """Policy iteration that stops after one improvement step and claims exactness."""

    def __call__(self, m, method):
        res = solve(m, method="pi", max_iter=2)
        return type("R", (), {"V": res.V, "certificate": 0.0, "rounding": res.rounding,
                              "iterations": 2})()


def test_mutation_pi_stopping_after_one_improvement(tmp_path):
    bad = verify("planning.pi_exact", algorithm=_StopsAfterOneImprovement(), n_trials=16,
                 backend="serial", counterexample_dir=tmp_path)
    good = verify("planning.pi_exact", n_trials=16, backend="serial")
    assert bad.status is Verdict.VIOLATED and good.status is Verdict.HOLDS
    # the counterexample replays and fails again (the file records the subject by name only:
    # it is handed back, never unpickled)
    with pytest.raises(CheckError, match="cannot rebuild"):
        replay(bad.counterexample_path)
    out = replay(bad.counterexample_path, algorithm=_StopsAfterOneImprovement())
    assert out["passed"] is False and out["index"] == bad.counterexample
    with np.load(bad.counterexample_path) as f:
        assert "instance_P" in f and f["instance_P"].ndim == 3


# -- backends ------------------------------------------------------------------------------------------
def test_loky_and_serial_give_identical_trials():
    a = verify("concentration.kl_bernoulli", n_trials=60, seed=5, backend="serial")
    b = verify("concentration.kl_bernoulli", n_trials=60, seed=5, backend="loky", n_jobs=2)
    assert a.trials == b.trials


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_dask_local_cluster_gives_the_trials_of_loky():
    from dask.distributed import LocalCluster
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster:
        for check_id, n in (("concentration.kl_bernoulli", 40), ("episodic.ucb_h.optimism", 6)):
            d = verify(check_id, n_trials=n, seed=11, backend="dask",
                       scheduler=cluster.scheduler_address)
            l = verify(check_id, n_trials=n, seed=11, backend="loky", n_jobs=2)
            assert d.trials == l.trials


def test_dask_without_scheduler_is_refused():
    with pytest.raises(CheckError, match="scheduler"):
        verify("concentration.hoeffding", n_trials=3, backend="dask")


class _InterruptAfter:
    """A width function that behaves like Ctrl-C after some calls."""

    def __init__(self, calls):
        self.calls = calls

    def __call__(self, n, delta, b=1.0):
        self.calls -= 1
        if self.calls < 0:
            raise KeyboardInterrupt
        return conc.hoeffding_width(n, delta, b)


def test_interruption_keeps_the_finished_trials():
    calls_per_trial = len(get_check("concentration.hoeffding").params["ns"]) * \
        len(get_check("concentration.hoeffding").params["deltas"])
    r = verify("concentration.hoeffding", algorithm=_InterruptAfter(25 * calls_per_trial),
               n_trials=100, backend="serial")
    assert r.interrupted and r.n_trials == 25 and r.n_requested == 100
    assert "(partial)" in r.row()["verdict"]


# -- registry, reports and command line ----------------------------------------------------------------
def test_registry_covers_the_implemented_cards():
    ids = {c.card_id for c in checks()}
    for card in ("planning.vi_iterations", "planning.greedy_loss", "planning.pi_iterations",
                 "concentration.hoeffding", "concentration.bernstein",
                 "concentration.empirical_bernstein", "concentration.weissman_l1",
                 "concentration.kl_bernoulli", "concentration.freedman",
                 "regret.ucbvi_ch.upper", "regret.ucbvi_bf.upper", "regret.qlearning_ucb_h.upper",
                 "regret.psrl.bayes"):
        assert card in ids, card
    with pytest.raises(CheckError, match="no check"):
        get_check("nope")


def test_report_files(tmp_path):
    reports = verify_many("planning.greedy_loss", out=tmp_path, n_trials=6, backend="serial")
    assert reports[0].status is Verdict.HOLDS
    for name in ("report.md", "report.html", "results.json"):
        assert (tmp_path / name).stat().st_size > 0
    data = json.loads((tmp_path / "results.json").read_text())
    assert data["checks"][0]["status"] == "holds" and len(data["checks"][0]["trials"]) == 6
    assert list(tmp_path.glob("*.png"))
    html = (tmp_path / "report.html").read_text()
    assert "<table>" in html and "planning.greedy_loss" in html


def test_cli_verify_and_checks(tmp_path, capsys):
    code = main(["verify", "--only", "planning.vi_iterations", "--n-trials", "4", "--backend",
                 "serial", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0 and "planning.vi_iterations" in out and "holds" in out
    assert (tmp_path / "report.md").exists()
    assert main(["checks", "list", "--quick"]) == 0
    assert "episodic.ucb_h.optimism" in capsys.readouterr().out
