"""Users' own claims: built with ``claim(...)`` from a card (a catalog id or the user's own
:class:`~rlcert.theory.Card`), a subject, instances and a measured quantity; run from Python or
from a file with ``rlcert verify --claims``. A correct bound ``holds``; the same bound divided by
10 is ``violated``; planted bugs in the subjects are caught by the claims that measure them."""

import dataclasses
import json
import math
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from rlcert.estimators.bandits import UCB1
from rlcert.estimators.episodic import UCBVICH
from rlcert.mdp import instances
from rlcert.proofs_checks import claim, verify
from rlcert.proofs_checks.claims import ClaimError

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "claims_example.py"


def _cli(*args, cwd):
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    return subprocess.run([sys.executable, "-m", "rlcert.proofs_checks.cli", *args], cwd=cwd,
                          capture_output=True, text=True, env=env, timeout=600)


def _statuses(out_dir: Path) -> dict:
    data = json.loads((out_dir / "results.json").read_text())
    return {c["check_id"]: c["status"] for c in data["checks"]}


def test_the_example_claims_run_from_the_cli(tmp_path):
    res = _cli("verify", "--claims", str(EXAMPLE), "--out", str(tmp_path / "r"), "--quiet",
               cwd=tmp_path)
    assert res.returncode == 0, res.stderr[-2000:]
    assert _statuses(tmp_path / "r") == {"example.etc.expected_regret": "holds",
                                         "example.qlearning.optimism": "holds"}


def test_a_users_card_holds_and_its_tenth_is_violated(tmp_path):
    """The user's card (ETC, Lattimore-Szepesvari Theorem 6.1) holds with mean/bound up to about
    0.54; divided by 10 it is below what ETC's exploration alone costs (m Delta = 10 at every
    checkpoint), and the verifier says so: exit code 1."""
    path = tmp_path / "my_claims.py"
    path.write_text(textwrap.dedent(f"""
        import dataclasses, runpy
        from rlcert.proofs_checks import claim
        ex = runpy.run_path({str(EXAMPLE)!r})
        tenth = dataclasses.replace(ex["etc_card"], card_id="user.etc.tenth",
                                    expr=ex["etc_card"].expr / 10)
        claim("mine.etc.tenth", card=tenth, subject=ex["ExploreThenCommit"](m=20),
              instances=[(0.75, 0.25)], measure="pseudo_regret", checkpoints=[100, 300, 1000],
              card_params={{"m": 20}}, n_trials=600)
    """))
    res = _cli("verify", "--claims", str(path), "--out", str(tmp_path / "r"), "--quiet",
               cwd=tmp_path)
    assert res.returncode == 1, res.stderr[-2000:]
    assert "violated: mine.etc.tenth" in res.stderr
    statuses = _statuses(tmp_path / "r")
    assert statuses["mine.etc.tenth"] == "violated"
    assert statuses["example.etc.expected_regret"] == "holds"


def test_a_catalog_card_claim_catches_an_over_exploring_ucb1():
    kw = dict(card="bandit.ucb1.upper", instances=[(0.6, 0.5)], measure="pseudo_regret",
              checkpoints=[10 ** 4, 10 ** 5], n_trials=200, register_it=False)
    good = verify(claim("t.ucb1", subject=UCB1(), **kw), backend="loky", n_jobs=2)
    bad = verify(claim("t.ucb1.bad", subject=UCB1(bonus_scale=5.0), **kw), backend="loky",
                 n_jobs=2)
    assert good.status.value == "holds" and bad.status.value == "violated"


def test_an_optimism_claim_catches_a_missing_bonus():
    kw = dict(card="regret.ucbvi_ch.upper", instances=("riverswim", {"n": 4}), horizon=5,
              measure="optimism_margin", checkpoints=[100, 400], guarantee="high_probability",
              n_trials=40, register_it=False)
    good = verify(claim("t.opt", subject=UCBVICH(), **kw), backend="serial")
    bad = verify(claim("t.opt.bad", subject=UCBVICH(bonus_scale=0.0), **kw), backend="serial")
    assert good.status.value != "violated" and good.pass_rate == 1.0
    assert bad.status.value == "violated"


class SweepsOfTheCard:
    """Value iteration from 0 for ``factor`` times the card's ceil(ln(R_max / (eps (1-gamma))) /
    ln(1/gamma)) sweeps, every sweep asked of the verifier's Bellman operator."""

    def __init__(self, factor=1.0):
        self.factor = factor

    def __call__(self, backup, S, A, gamma, eps):
        Q = backup(np.zeros(S))  # Q of V_0 = 0 is R; its maximum is V_1
        R_max = float(np.abs(Q).max())
        k = math.ceil(math.log(R_max / (eps * (1 - gamma))) / math.log(1 / gamma))
        V = Q.max(axis=1)
        for _ in range(max(1, int(self.factor * k)) - 1):
            V = backup(V).max(axis=1)
        return V  # V_k after k backups


def test_an_iterations_claim_counts_the_backups_itself():
    kw = dict(card="planning.vi_iterations", instances=[instances.garnet(8, 3, 3, seed=s,
                                                                         gamma=0.9)
                                                        for s in range(3)],
              measure="iterations", eps=1e-3, n_trials=1, register_it=False)
    assert verify(claim("t.it", subject=SweepsOfTheCard(), **kw),
                  backend="serial").status.value == "holds"
    # twice the sweeps: within eps, but more iterations than the card allows
    assert verify(claim("t.it2", subject=SweepsOfTheCard(2.0), **kw),
                  backend="serial").status.value == "violated"
    # a third of the sweeps: fewer iterations, but not within eps
    assert verify(claim("t.it3", subject=SweepsOfTheCard(1 / 3), **kw),
                  backend="serial").status.value == "violated"


@pytest.mark.parametrize("kwargs, message", [
    (dict(measure="regret"), "measure"),
    (dict(card="bandit.lai_robbins.lower"), "lower bound"),
    (dict(checkpoints=[100, 50]), "strictly increasing"),
    (dict(checkpoints=None), "needs checkpoints"),
    (dict(instances=[]), "empty"),
    (dict(instances=[(0.5, 0.4), instances.riverswim(4)]), "mix kinds"),
    (dict(instances="riverswim"), "horizon"),
    (dict(n_trials=0), "n_trials"),
    (dict(delta=1.5), "delta"),
    (dict(measure="samples_to_eps", instances=instances.riverswim(4, gamma=0.9)), "applies to"),
])
def test_malformed_claims_are_refused_by_name(kwargs, message):
    base = dict(card="bandit.ucb1.upper", subject=UCB1(), instances=[(0.6, 0.5)],
                measure="pseudo_regret", checkpoints=[10, 100], register_it=False)
    with pytest.raises(ClaimError, match=message):
        claim("t.bad", **{**base, **kwargs})


def test_a_claim_defined_again_replaces_the_first():
    kw = dict(card="bandit.ucb1.upper", subject=UCB1(), instances=[(0.6, 0.5)],
              measure="pseudo_regret", checkpoints=[100])
    claim("t.again", n_trials=3, **kw)
    c = claim("t.again", n_trials=5, **kw)
    from rlcert.proofs_checks import get_check
    assert get_check("t.again") is c


class FixedMixture:
    """A user's bandit subject that declares the same probabilities at every step."""

    def __init__(self, p=(0.25, 0.75)):
        self.p = np.array(p)

    def reset(self, k, seed):
        pass

    def probabilities(self):
        return self.p

    def select(self):  # not asked: the verifier draws the arm from probabilities()
        raise AssertionError("select() must not be called")

    def update(self, arm, reward):
        pass


def test_adversarial_pseudo_regret_of_a_declaring_subject_is_measured_from_its_probabilities():
    """Pseudo-regret ``max_a sum_t x[t, a] - sum_t p_t . x_t`` computed here directly from the
    table (this used to fail: the probabilities were not recorded)."""
    from rlcert.estimators.bandits import AdversarialBandit
    from rlcert.proofs_checks.claims import _bandit_cell

    rng = np.random.default_rng(3)
    table = rng.random((300, 2))
    table[:, 1] *= 0.5  # arm 0 is the best in hindsight
    inst = AdversarialBandit(table)
    cps = [50, 300]
    cell = _bandit_cell(FixedMixture(), inst, cps, np.random.SeedSequence(0), "pseudo_regret")
    got = np.cumsum(0.25 * table[:, 0] + 0.75 * table[:, 1])
    best = np.max(np.cumsum(table, axis=0), axis=1)
    assert cell["values"] == pytest.approx([best[c - 1] - got[c - 1] for c in cps], rel=1e-12)
    # through verify: a fixed mixture's regret grows linearly (about 0.75 * 0.25 per step, 56 at
    # n = 300) past EXP3's sqrt(2 n k ln k) = 28.8, with no randomness in the measure
    c = claim("t.adversarial_mixture", card="bandit.exp3.upper", subject=FixedMixture(),
              instances=inst, measure="pseudo_regret", checkpoints=cps, n_trials=3,
              register_it=False)
    # (the expectation rule's interval is built from the measure's range, so 3 trials cannot
    # conclude "violated"; "holds" would be wrong)
    assert verify(c, backend="serial").status in ("violated", "inconclusive")
