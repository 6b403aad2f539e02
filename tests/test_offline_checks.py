"""The registered offline checks and their power: concentrability against brute force (and a
planted state-only ratio, violated); pessimism of Li et al.'s VI-LCB (holds) and of half its
penalty (violated) on the coverage-failure instance; Rashidinejad et al.'s VI-LCB vacuous at the
paper's constant and violated with its penalty shrunk 500x; PEVI pessimistic and the unpenalised
PEVI violated; the plug-in inconsistent with a decaying suboptimality while VI-LCB's vanishes;
Li et al.'s bound (with its transcribed constants) vacuous at these sizes; the exponent in C* reported. Trial counts and
grids are reduced through ``params`` (the registered values are for ``rlcert verify --full``)."""

import math

import numpy as np

from rlcert.estimators.offline import VILCB, LiBernsteinLCB, TabularPEVI
from rlcert.mdp import occupancy, solve
from rlcert.proofs_checks.api import verify
from rlcert.proofs_checks.framework import checks, get_check
from rlcert.proofs_checks.verdicts import Verdict


def state_only_ratio(m, behaviour):
    """Planted bug: ``max d*(s) / d^mu(s)``, the state occupancies only (ignores how rarely the
    behaviour plays the optimal action)."""
    pi = solve(m, method="pi").policy
    ds, dm = occupancy(m, pi).sum(axis=1), occupancy(m, behaviour).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(ds > 0, np.where(dm > 0, ds / dm, np.inf), 0.0)
    return float(r.max()), float(r.max())


def test_offline_checks_are_registered_with_their_protocol():
    ids = {c.check_id: c for c in checks("offline.*")}
    assert len(ids) == 9 and sum(c.quick for c in ids.values()) == 1
    for cid, c in ids.items():
        if cid != "offline.concentrability.exact":
            assert c.protocol == "offline", cid
        assert c.trial.__doc__ or c.judge.__doc__ or cid.endswith("pessimism")


def test_concentrability_holds_and_a_state_only_ratio_is_violated():
    good = verify("offline.concentrability.exact", n_trials=12, backend="serial")
    assert good.status is Verdict.HOLDS, good.details
    bad = verify("offline.concentrability.exact", algorithm=state_only_ratio, n_trials=12,
                 backend="serial")
    assert bad.status is Verdict.VIOLATED and bad.counterexample is not None


def test_li_pessimism_holds_and_half_its_penalty_is_caught():
    good = verify("offline.li2022.pessimism", n_trials=60, backend="serial")
    assert good.status is Verdict.HOLDS, good.details
    bad = verify("offline.li2022.pessimism", algorithm=LiBernsteinLCB(0.9, penalty_scale=0.5),
                 n_trials=40, backend="serial")
    assert bad.status is Verdict.VIOLATED, bad.details
    assert bad.numbers["largest_margin"] > 0.1


def test_vilcb_pessimism_is_vacuous_at_the_papers_constant_and_a_shrunk_penalty_is_caught():
    small = {"n": 10 ** 5}
    good = verify("offline.vi_lcb.pessimism", n_trials=5, backend="serial", params=small)
    assert good.status is Verdict.VACUOUS, good.details  # V_hat = 0: burn-in at L = 2000 log
    bad = verify("offline.vi_lcb.pessimism", algorithm=VILCB(0.9, penalty_scale=0.002),
                 n_trials=40, backend="serial")
    assert bad.status is Verdict.VIOLATED, bad.details


def test_pevi_pessimism_holds_and_no_penalty_is_caught():
    small = {"n": 5 * 10 ** 4}
    good = verify("offline.pevi.pessimism", n_trials=60, backend="serial", params=small)
    assert good.status in (Verdict.HOLDS, Verdict.VACUOUS), good.details
    bad = verify("offline.pevi.pessimism", algorithm=TabularPEVI(penalty_scale=0.0),
                 n_trials=40, backend="serial", params=small)
    assert bad.status is Verdict.VIOLATED, bad.details


SMALL_GRID = {"grid": (10 ** 3, 10 ** 4, 10 ** 5)}


def test_plugin_suboptimality_does_not_decay_while_vilcb_vanishes():
    plug = verify("offline.coverage.plugin", n_trials=100, backend="serial", params=SMALL_GRID)
    assert plug.status is Verdict.INCONSISTENT, plug.details
    assert min(plug.numbers["means"]) > 0.02  # about 0.054 in the limit
    vi = verify("offline.coverage.vi_lcb", n_trials=20, backend="serial", params=SMALL_GRID)
    assert vi.status is Verdict.CONSISTENT and vi.numbers["means"][-1] == 0.0, vi.details


def test_li_suboptimality_vanishes_after_its_burn_in():
    grid = {"grid": (10 ** 5, 3 * 10 ** 5, 2 * 10 ** 6)}
    li = verify("offline.coverage.li2022", n_trials=4, backend="serial", params=grid)
    assert li.status is Verdict.CONSISTENT, li.details
    assert li.numbers["means"][0] > 0.1 and li.numbers["means"][-1] == 0.0


def test_li_explicit_bound_is_vacuous_and_the_exponent_is_reported():
    p = {"C": (1.0, 10.0), "grid": (10 ** 3, 10 ** 4, 10 ** 5)}
    r = verify("offline.li2022.suboptimality", n_trials=2, backend="serial", params=p)
    assert r.status is Verdict.VACUOUS and r.numbers["bound_min"] > 2.0, r.details
    e = verify("offline.li2022.c_exponent", n_trials=2, backend="serial",
               params={"C": (2.0, 4.0, 8.0), "resolution": 0.05})
    assert e.status is Verdict.REPORTED
    assert 0.8 < e.slope < 1.5, e.details  # linear in C* up to the penalty's log factor
    assert all(math.isfinite(v) for v in e.numbers["median_n_emp"])
    assert get_check("offline.li2022.c_exponent").card_id == "offline.li2022.upper"
