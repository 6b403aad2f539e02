"""``verify``: run a registered check (or a user's implementation through it) and judge it."""

from __future__ import annotations

import os
import pickle
import time
from pathlib import Path

import numpy as np

from .framework import CheckError, checks, get_check
from .report import Report, save_counterexample, write_reports
from .runner import run_trials, seeds
from .verdicts import Verdict


def _subject_name(subject) -> str:
    if subject is None:
        return "-"
    return getattr(subject, "algorithm", None) or getattr(subject, "__name__", None) or \
        type(subject).__name__


def verify(check_id: str, algorithm=None, n_trials: int | None = None, seed: int = 0,
           backend: str = "loky", scheduler: str | None = None, quick: bool = False,
           n_jobs: int | None = None, progress: bool = False,
           counterexample_dir: str | os.PathLike | None = None) -> Report:
    """Run check ``check_id`` and return its :class:`~rlcert.proofs_checks.report.Report`.

    Parameters
    ----------
    algorithm : object, optional
        Replaces the check's default subject. For learner checks, any object with the estimator
        protocol ``run(instance, *, n_episodes=... | n_steps=..., seed) -> RunResult``; for
        solver and width checks, a callable with the signature the check documents
        (``rlcert checks list`` shows the subject kind).
    n_trials : int, optional
        Defaults to the check's own count (its quick count with ``quick=True``).
    seed : int
        Trial ``i`` uses ``SeedSequence(seed).spawn(n)[i]``: identical results on every backend.
    backend : {"loky", "serial", "dask"}
        ``"dask"`` needs ``scheduler`` (a ``tcp://host:port`` address).
    counterexample_dir : path, optional
        Where a violated check saves its counterexample (``rlcert replay`` reproduces it).
    """
    check = get_check(check_id)
    subject = check.default_subject() if algorithm is None else algorithm
    n = int(n_trials or (check.n_trials_quick if quick else check.n_trials))
    if n < 1:
        raise CheckError(f"n_trials must be >= 1, got {n_trials!r}")
    children = seeds(seed, n)
    args = [(check.params, subject, children[i], i) for i in range(n)]
    t0 = time.perf_counter()
    batch = run_trials(check.trial, args, backend=backend, n_jobs=n_jobs, scheduler=scheduler,
                       progress=progress, desc=check.check_id)
    trials = []
    for i, r in enumerate(batch.results):
        if r is not None:
            trials.append({"index": i, **r})
    if not trials:
        raise CheckError(f"{check_id}: no trial finished")
    outcome = check.judge(check, trials)
    report = Report(
        check_id=check.check_id, card_id=check.card_id, title=check.title,
        guarantee=check.guarantee, status=outcome.status, details=outcome.details,
        n_trials=len(trials), n_requested=n, seconds=time.perf_counter() - t0, seed=seed,
        backend=backend, subject=_subject_name(subject), alpha=check.alpha, delta=check.delta,
        interrupted=batch.interrupted, pass_rate=outcome.pass_rate,
        pass_rate_ci=outcome.pass_rate_ci, slope=outcome.slope, slope_ci=outcome.slope_ci,
        secondary=dict(outcome.secondary), numbers=dict(outcome.numbers), trials=trials,
        plots=outcome.plots, counterexample=outcome.counterexample, subject_object=subject)
    if report.status is Verdict.VIOLATED and report.counterexample is not None \
            and counterexample_dir is not None:
        Path(counterexample_dir).mkdir(parents=True, exist_ok=True)
        path = Path(counterexample_dir) / f"counterexample_{check.check_id}.npz"
        report.counterexample_path = save_counterexample(report, path, check.replay_instance,
                                                         check.params)
    return report


def verify_many(pattern: str | None = None, quick: bool = False, out: str | os.PathLike | None = None,
                **kwargs) -> list[Report]:
    """Verify every check matching ``pattern`` (all of them, or the quick subset with
    ``quick=True``); write the report into ``out`` if given. Stops early on Ctrl-C and keeps
    what finished."""
    selected = checks(pattern, quick=True if quick else None)
    if not selected:
        raise CheckError(f"no check matches {pattern!r}")
    reports = []
    for check in selected:
        try:
            reports.append(verify(check.check_id, quick=quick, counterexample_dir=out, **kwargs))
        except KeyboardInterrupt:
            break
        if reports[-1].interrupted:
            break
    if out is not None:
        write_reports(reports, out, seed=kwargs.get("seed", 0),
                      backend=kwargs.get("backend", "loky"))
    return reports


def replay(path: str | os.PathLike) -> dict:
    """Re-run the trial saved in a counterexample file; returns the trial dict (with
    ``"passed"``) and the check's id."""
    with np.load(path, allow_pickle=False) as f:
        check_id = str(f["check_id"])
        seed, index = int(f["seed"]), int(f["index"])
        subject_bytes = f["subject"].tobytes() if "subject" in f else None
    check = get_check(check_id)
    subject = pickle.loads(subject_bytes) if subject_bytes is not None else check.default_subject()
    child = np.random.SeedSequence(seed, spawn_key=(index,))
    result = check.trial(check.params, subject, child, index)
    return {"check_id": check_id, "seed": seed, "index": index, **result}


__all__ = ["verify", "verify_many", "replay", "Report", "Verdict"]
