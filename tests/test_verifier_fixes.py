"""Fixes to the verifier found while trying it as a new user: ``--only`` selects among every
check, bad trial counts are refused, progress bars restart their clock after the start-up trial,
``holds`` never sits beside a measured/bound above 1, counterexample files carry no pickle and
name the subject by import path, reports record their provenance, plots say what they draw, and
a report folder is rewritten cleanly."""

import json
import os
import pickle

import numpy as np
import pytest

from rlcert.estimators.episodic import UCBVICH
from rlcert.proofs_checks import runner
from rlcert.proofs_checks.api import replay, verify, verify_many
from rlcert.proofs_checks.cli import main
from rlcert.proofs_checks.framework import CheckError, Plot, get_check
from rlcert.proofs_checks.report import _html, md_text, plural, render_plot
from rlcert.proofs_checks.subjects import SubjectSpecError, build_subject, subject_name


# -- selection and input ----------------------------------------------------------------------------
def test_only_selects_among_every_check(capsys, tmp_path):
    assert not get_check("planning.pi_iterations").quick
    code = main(["verify", "--only", "planning.pi_iterations", "--n-trials", "2", "--backend",
                 "serial", "--quiet", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0 and "planning.pi_iterations" in out


@pytest.mark.parametrize("n", [0, -3, 2.5, True])
def test_bad_trial_counts_are_refused(n):
    with pytest.raises(CheckError, match="n_trials"):
        verify("planning.greedy_loss", n_trials=n, backend="serial")


@pytest.mark.parametrize("args, message", [
    (["verify", "--n-trials", "0"], "--n-trials 0"),
    (["verify", "--jobs", "0"], "--jobs 0"),
    (["checks", "list", "--only", "nosuch"], "no check matches"),
    (["verify", "--only", "nosuch"], "no check matches"),
    (["verify", "--param", "nosuch=3", "--only", "planning.greedy_loss"], "no parameter"),
])
def test_bad_cli_input_is_one_line_and_exit_2(args, message, capsys):
    assert main(args) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_check_parameters_can_be_overridden():
    r = verify("planning.greedy_loss", n_trials=4, backend="serial", params={"eps": 0.2})
    assert r.provenance["check_params"]["eps"] == 0.2 and r.status.value == "holds"
    with pytest.raises(CheckError, match="no parameter 'epsilon'"):
        verify("planning.greedy_loss", n_trials=4, params={"epsilon": 0.2})


def test_the_progress_bar_restarts_its_clock_after_the_first_trial(monkeypatch):
    events = []

    class Recorder:
        def __init__(self, total, **kw):
            self.n, self.initial = 0, 0

        def reset(self, total=None):
            events.append(("reset", self.n))
            self.n = 0

        def update(self, k):
            self.n += k

        def refresh(self):
            pass

        def close(self):
            events.append(("close", self.n))

    import tqdm
    monkeypatch.setattr(tqdm, "tqdm", Recorder)
    got = list(runner._progress(iter(range(5)), 5, True, "x"))
    assert got == [0, 1, 2, 3, 4] and events == [("reset", 0), ("close", 5)]


# -- holds never beside a ratio above 1 -------------------------------------------------------------
@pytest.mark.parametrize("check_id", ["planning.certificates", "planning.pi_exact",
                                      "planning.vi_iterations", "planning.greedy_loss"])
def test_holds_never_sits_beside_a_ratio_above_one(check_id):
    r = verify(check_id, quick=True, backend="serial")
    assert r.status.value == "holds" and r.numbers["max_ratio"] <= 1.0


class ZeroCertificate:
    """A solver claiming exactness (certificate 0, rounding 0) for value iteration's answer."""

    def __call__(self, m, method):
        from rlcert.mdp import solve
        res = solve(m, method="vi", tol=1e-3)
        return type("R", (), {"V": res.V, "certificate": 0.0, "rounding": 0.0})()


class NaNCertificate(ZeroCertificate):
    def __call__(self, m, method):
        r = super().__call__(m, method)
        r.certificate = float("nan")
        return r


@pytest.mark.parametrize("subject", [ZeroCertificate(), NaNCertificate()])
def test_bad_certificates_are_violations_not_crashes(subject):
    r = verify("planning.pi_exact", algorithm=subject, n_trials=6, backend="serial")
    assert r.status.value == "violated"
    assert "e+28" not in r.details  # no 1e-300 stand-in for a zero bound


# -- counterexamples: no pickle, subjects by import path --------------------------------------------
def test_a_counterexample_names_its_subject_and_replays(tmp_path):
    bad = verify("episodic.ucbvi_ch.optimism", algorithm=UCBVICH(bonus_scale=0.0), n_trials=10,
                 backend="serial", counterexample_dir=tmp_path)
    assert bad.status.value == "violated" and bad.subject == "UCBVI-CH[bonus_scale=0]"
    with np.load(bad.counterexample_path, allow_pickle=False) as f:
        spec = json.loads(str(f["subject_spec"]))
        assert all(f[k].dtype != object for k in f.files)
    assert spec == {"factory": "rlcert.estimators.episodic.learners:UCBVICH",
                    "params": {"delta": 0.05, "bonus_scale": 0.0}, "call": True}
    out = replay(bad.counterexample_path)
    assert out["passed"] is False and out["subject"] == "UCBVI-CH[bonus_scale=0]"


def test_replay_refuses_files_carrying_a_pickle_or_a_foreign_import(tmp_path):
    good = verify("episodic.ucbvi_ch.optimism", algorithm=UCBVICH(bonus_scale=0.0), n_trials=6,
                  backend="serial", counterexample_dir=tmp_path)
    with np.load(good.counterexample_path, allow_pickle=False) as f:
        payload = {k: f[k] for k in f.files}
    # a pickled subject smuggled in as bytes
    evil = tmp_path / "evil.npz"
    np.savez(evil, **payload, subject=np.frombuffer(pickle.dumps(UCBVICH()), dtype=np.uint8))
    with pytest.raises(CheckError, match="unexpected entries \\['subject'\\]"):
        replay(evil)
    # an object array needs pickle to load: refused
    obj = tmp_path / "obj.npz"
    np.savez(obj, **payload, instance_P=np.array([UCBVICH()], dtype=object))
    with pytest.raises(CheckError, match="not a counterexample file"):
        replay(obj)
    # a subject path outside rlcert is not imported unless allowed
    foreign = tmp_path / "foreign.npz"
    np.savez(foreign, **{**payload, "subject_spec": json.dumps(
        {"factory": "os:system", "params": {"command": "true"}, "call": True})})
    with pytest.raises(SubjectSpecError, match="outside rlcert"):
        replay(foreign)
    with pytest.raises(CheckError, match="not a counterexample file"):
        replay(tmp_path / "nope.npz")


def test_subject_specs_refuse_what_does_not_rebuild():
    with pytest.raises(SubjectSpecError, match="not the recorded ones"):
        build_subject({"factory": "rlcert.estimators.episodic.learners:UCBVICH",
                       "params": {"delta": 0.05}, "call": True})
    with pytest.raises(SubjectSpecError, match="cannot rebuild"):
        build_subject({"factory": "rlcert.estimators.bandits.learners:UCB1",
                       "params": {"bonus_scale": 2, "extra": 1}, "call": True})
    with pytest.raises(SubjectSpecError, match="module:qualname"):
        build_subject({"factory": "rlcert.estimators.bandits.learners.UCB1", "params": {}})
    assert subject_name(UCBVICH()) == "UCBVI-CH"
    assert subject_name(UCBVICH(delta=0.1)) == "UCBVI-CH[delta=0.1]"


# -- reports ------------------------------------------------------------------------------------------
def test_reports_record_provenance_and_rewrite_their_folder(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    verify_many("planning.greedy_loss", out=tmp_path, n_trials=4, backend="serial")
    first_png = set(p.name for p in tmp_path.glob("*.png"))
    data = json.loads((tmp_path / "results.json").read_text())
    for key in ("rlcert", "numpy", "scipy", "numba", "python", "platform"):
        assert key in data["versions"]
    prov = data["checks"][0]["provenance"]
    assert prov["seed"] == 0 and prov["backend"] == "serial" and prov["n_trials"] == 4
    assert prov["subject_spec"]["factory"].endswith(":greedy_policy")
    verify_many("planning.vi_iterations", out=tmp_path, n_trials=4, backend="serial")
    assert not (first_png & set(p.name for p in tmp_path.glob("*.png")))  # old plots removed
    assert (tmp_path / "notes.txt").read_text() == "mine"  # other files kept
    md = (tmp_path / "report.md").read_text()
    assert "1 check;" in md and "Provenance: rlcert" in md


def test_html_keeps_asterisks_literal_and_words_plural():
    html = _html("# t\n\n" + md_text("mu* is the best mean and mu* - mu_a its gap") + " *real*")
    assert "<i>" in html and html.count("<i>") == 1 and "mu* is" in html
    assert plural(1, "check") == "1 check" and plural(3, "trial") == "3 trials"


def test_plots_draw_what_they_say(tmp_path):
    trap = verify("bandits.exp3.trap", n_trials=4, backend="serial")
    plot = trap.plots[0]
    assert "exp3" in plot.bound_label and "UCB1" in plot.references[0][0]
    cov = verify("bandits.ucb1.index_coverage", n_trials=200, backend="serial")
    curves = np.asarray(cov.plots[0].curves)
    assert curves.min() == 0.0  # zeros are zeros (not drawn on the log axis, never 1e-12)
    for p in (plot, cov.plots[0], Plot("hist", "all equal", curves=np.full(30, 1.978),
                                       xlabel="m", ylabel="trials")):
        assert os.path.getsize(render_plot(p, str(tmp_path / "p.png"))) > 0
