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
