"""The exploration checks: their verdicts with rlcert's learners, and that each can fail (a
radius- or bonus-shrunk learner, a subject breaking the doubling rule or its protocol)."""

import numpy as np
import pytest

from rlcert.estimators.average import UCRL2
from rlcert.estimators.pac import MBIEEB
from rlcert.proofs_checks import protocols
from rlcert.proofs_checks.api import verify
from rlcert.proofs_checks.harness import play_continuing
from rlcert.proofs_checks.registry import exploration as ex
from rlcert.proofs_checks.verdicts import Verdict
from rlcert.bounds import evaluate


class Plain:
    """A user's subject wrapping UCRL2 (not native: the harness plays it step by step)."""

    def __init__(self, inner):
        self.inner = inner

    def reset(self, S, A, seed, n_steps=None):
        self.inner.reset(S, A, seed)

    def act(self, s):
        return self.inner.act(s)

    def observe(self, s, a, r, s_next):
        self.inner.observe(s, a, r, s_next)

    def policy(self):
        return self.inner.policy()

    def optimistic_model(self):
        return self.inner.optimistic_model()


class SwitchesTooOften(Plain):
    """Declares a new policy every 7 steps, whatever the doubling rule says."""

    def reset(self, S, A, seed, n_steps=None):
        super().reset(S, A, seed)
        self.t = 0

    def observe(self, s, a, r, s_next):
        super().observe(s, a, r, s_next)
        self.t += 1

    def act(self, s):
        self.inner.act(s)
        return int(self.policy()[s])

    def policy(self):
        pol = self.inner.policy().copy()
        if (self.t // 7) % 2:
            pol[:] = 0
        return pol


def test_the_switch_instance_is_as_documented():
    m = ex.switch_instance()
    g, D = ex._truth(m)
    assert (g, D) == (0.95, 1.0)
    bound = float(evaluate("regret.ucrl2.upper", D=1, S=2, A=2, T=1e6, delta=0.05))
    # closed form: 34 * 1 * 2 * sqrt(2 * 1e6 * ln(2e7))
    assert bound == pytest.approx(68 * np.sqrt(2e6 * np.log(2e7)))
    assert bound < 1e6


def test_episodes_check_holds_and_fails_for_a_rule_breaker():
    assert verify("average.ucrl2.episodes", quick=True, seed=0, n_jobs=1).status is Verdict.HOLDS
    bad = verify("average.ucrl2.episodes", quick=True, seed=0, n_jobs=1,
                 algorithm=SwitchesTooOften(UCRL2()))
    assert bad.status is Verdict.VIOLATED


def test_optimism_check_holds_and_a_radius_shrunk_ucrl2_fails_it():
    assert verify("average.ucrl2.optimism", quick=True, seed=0, n_jobs=1).status is Verdict.HOLDS
    bad = verify("average.ucrl2.optimism", quick=True, seed=0, n_jobs=1,
                 algorithm=UCRL2(radius_scale=0.1))
    assert bad.status is Verdict.VIOLATED


def test_coverage_check_holds_and_reports_the_slack():
    rep = verify("average.ucrl2.coverage", quick=True, seed=0, n_jobs=1)
    assert rep.status is Verdict.HOLDS
    assert 1.0 < rep.numbers["slack_factor"] < 100.0


def test_regret_bound_is_vacuous_on_riverswim():
    rep = verify("average.ucrl2.regret_bound_riverswim", quick=True, seed=0, n_jobs=1)
    assert rep.status is Verdict.VACUOUS


def test_regret_bound_check_fails_for_a_radius_shrunk_ucrl2():
    # radii 30x smaller: UCRL2 settles in state 0 in most runs and loses 0.5 per step > 0.39
    rep = verify("average.ucrl2.regret_bound", n_trials=12, seed=0, n_jobs=1,
                 algorithm=UCRL2(radius_scale=0.0))
    assert rep.status is Verdict.VIOLATED
    assert rep.numbers["bound_over_T"] < 0.4


@pytest.mark.slow
def test_regret_bound_holds_on_the_switch_instance():
    rep = verify("average.ucrl2.regret_bound", seed=0, n_jobs=1)
    assert rep.status is Verdict.HOLDS


def test_regret_measured_by_the_verifier():
    m = ex.switch_instance()
    tr = play_continuing(Plain(UCRL2()), m, 2000, 1)
    assert tr.regret(0.95) == pytest.approx(2000 * 0.95 - tr.rewards.sum())
    R = np.array(m.R)
    assert tr.pseudo_regret(0.95) == pytest.approx(np.sum(0.95 - R[tr.states, tr.actions]))
    fast = play_continuing(UCRL2(), m, 2000, 1)
    np.testing.assert_array_equal(fast.rewards, tr.rewards)


def test_mbie_eb_optimism_holds_and_fails_with_a_shrunk_bonus():
    assert verify("pac.mbie_eb.optimism", quick=True, seed=0, n_jobs=1).status is Verdict.HOLDS
    bad = verify("pac.mbie_eb.optimism", quick=True, seed=0, n_jobs=1,
                 algorithm=MBIEEB(gamma=0.8, m=200, bonus_scale=0.03))
    assert bad.status is Verdict.VIOLATED


def test_rmax_tolerance_holds():
    assert verify("pac.rmax.known_tolerance", quick=True, seed=0, n_jobs=1).status \
        is Verdict.HOLDS


@pytest.mark.parametrize("cid", ["pac.rmax.sample_complexity", "pac.mbie_eb.sample_complexity",
                                 "pac.delayed_q.sample_complexity"])
def test_sample_complexity_is_reported(cid):
    rep = verify(cid, quick=True, seed=0, n_jobs=1)
    assert rep.status is Verdict.REPORTED
    assert 0 < rep.numbers["mean_mistakes"] < 20000


class OffPolicy(Plain):
    def act(self, s):
        return 1 - self.inner.act(s)


def test_protocol_breaks_are_violations_and_missing_methods_are_refused():
    tr = play_continuing(OffPolicy(UCRL2()), ex.switch_instance(), 100, 0)
    assert tr.violation is not None and "declared policy" in tr.violation

    class NoAct:
        def reset(self, S, A, seed):
            pass

        def observe(self, s, a, r, s_next):
            pass

    with pytest.raises(protocols.ProtocolError, match="act"):
        play_continuing(NoAct(), ex.switch_instance(), 10, 0)
    rep = verify("average.ucrl2.episodes", quick=True, n_trials=2, seed=0, n_jobs=1,
                 algorithm=OffPolicy(UCRL2()))
    assert rep.status is Verdict.VIOLATED


def test_pac_rate_check_reports_both_slopes():
    rep = verify("pac.mbie_eb.rates", quick=True, seed=0, n_jobs=1)
    assert rep.status is Verdict.CONSISTENT
    assert set(rep.secondary) == {"rate in 1/eps", "rate in 1/(1-gamma)"}
    # more eps-bad steps for a smaller eps and a longer horizon
    assert rep.numbers["slope_eps"] > 0 and rep.numbers["slope_horizon"] > 0
