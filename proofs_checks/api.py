"""``verify``: run a registered check (or a user's implementation through it) and judge it;
``verify_many``; ``replay`` of a saved counterexample.

Input is validated before any trial runs: ``n_trials`` a positive integer, ``seed`` a
non-negative integer, ``backend`` one of ``serial``, ``loky``, ``dask``, ``n_jobs`` a positive
integer, ``params`` keys the check knows; a learner or estimator subject must implement the
check's protocol (:mod:`.protocols`), including any optional method the check needs.
"""

from __future__ import annotations

import json
import numbers
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from .framework import Check, CheckError, checks, get_check
from .protocols import require
from .report import Report, clear_previous_report, save_counterexample, write_reports
from .runner import BACKENDS, run_trials, seeds
from .subjects import build_subject, subject_name, subject_spec
from .verdicts import Verdict


def _positive_int(value, name: str) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral) or value < 1:
        raise CheckError(f"{name} = {value!r} must be a positive integer")
    return int(value)


def _seed(value) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral) or value < 0:
        raise CheckError(f"seed = {value!r} must be a non-negative integer")
    return int(value)


def versions() -> dict[str, str]:
    """Versions of rlcert, Python and the numerical libraries, and the platform."""
    from importlib import metadata

    out = {"python": sys.version.split()[0], "platform": platform.platform()}
    for dist in ("rlcert", "numpy", "scipy", "numba", "sympy", "cvxpy"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = "not installed"
    return out


def _subject_params(subject) -> Any:
    if isinstance(subject, dict):
        return {k: _subject_params(v) for k, v in subject.items()}
    fn = getattr(subject, "params", None)
    try:
        return fn() if callable(fn) else {}
    except TypeError:
        return {}


def _with_params(check: Check, params: dict | None) -> Check:
    if not params:
        return check
    if not isinstance(params, dict):
        raise CheckError(f"params must be a dict of check parameters, got {type(params).__name__}")
    unknown = sorted(set(params) - set(check.params))
    if unknown:
        raise CheckError(f"{check.check_id} has no parameter {', '.join(map(repr, unknown))}; its "
                         f"parameters: {sorted(check.params)}")
    from dataclasses import replace
    return replace(check, params={**check.params, **params})


def _violation_outcome(check: Check, trials: list[dict]):
    from .framework import Outcome

    broken = [t for t in trials if "protocol_violation" in t]
    first = broken[0]
    return Outcome(Verdict.VIOLATED,
                   f"the subject broke its protocol in {len(broken)} of {len(trials)} trials; "
                   f"first, trial {first['index']}: {first['protocol_violation']}",
                   counterexample=first["index"],
                   numbers={"protocol_violations": len(broken)})


def verify(check_id: str | Check, algorithm=None, n_trials: int | None = None, seed: int = 0,
           backend: str = "loky", scheduler: str | None = None, quick: bool = False,
           n_jobs: int | None = None, progress: bool | None = None,
           counterexample_dir: str | os.PathLike | None = None,
           params: dict | None = None) -> Report:
    """Run check ``check_id`` and return its :class:`~rlcert.proofs_checks.report.Report`.

    Parameters
    ----------
    check_id : str or Check
        A registered check's id, or a :class:`~rlcert.proofs_checks.framework.Check` (e.g. one
        built by :func:`rlcert.proofs_checks.claim`).
    algorithm : object, optional
        Replaces the check's default subject. Learner and estimator checks run it through the
        protocol of its kind (:mod:`rlcert.proofs_checks.protocols`) in the verifier's own
        environment and measure every quantity from what they observed; solver and width checks
        call it with the signature the check documents (``rlcert checks list`` shows the subject
        kind).
    n_trials : int, optional
        Defaults to the check's own count (its quick count with ``quick=True``).
    seed : int
        Trial ``i`` uses ``SeedSequence(seed).spawn(n)[i]``: identical results on every backend.
    backend : {"loky", "serial", "dask"}
        ``"dask"`` needs ``scheduler`` (a ``tcp://host:port`` address).
    n_jobs : int, optional
        joblib workers (default: every core).
    progress : bool, optional
        A progress bar per check on standard error; default: when standard error is a terminal.
    counterexample_dir : path, optional
        Where a violated check saves its counterexample (``rlcert replay`` reproduces it).
    params : dict, optional
        Overrides of the check's parameters (``rlcert checks list`` shows them), to probe other
        regimes; unknown keys are refused.
    """
    check = check_id if isinstance(check_id, Check) else get_check(check_id)
    check = _with_params(check, params)
    subject = check.default_subject() if algorithm is None else algorithm
    if check.protocol is not None:
        require(subject, check.protocol, check.requires)
    if n_trials is None:
        n = check.n_trials_quick if quick else check.n_trials
    else:
        n = _positive_int(n_trials, "n_trials")
    seed = _seed(seed)
    if backend not in BACKENDS:
        raise CheckError(f"backend = {backend!r} is not one of {BACKENDS}")
    if n_jobs is not None:
        n_jobs = _positive_int(n_jobs, "n_jobs")
    if progress is None:
        progress = sys.stderr.isatty()
    children = seeds(seed, n)
    args = [(check.params, subject, children[i], i) for i in range(n)]
    t0 = time.perf_counter()
    batch = run_trials(check.trial, args, backend=backend, n_jobs=n_jobs, scheduler=scheduler,
                       progress=progress, desc=check.check_id)
    trials = [{"index": i, **r} for i, r in enumerate(batch.results) if r is not None]
    if not trials:
        raise CheckError(f"{check.check_id}: no trial finished")
    if any("protocol_violation" in t for t in trials):
        outcome = _violation_outcome(check, trials)
    else:
        outcome = check.judge(check, trials)
    provenance = {**versions(), "seed": seed, "backend": backend, "n_jobs": n_jobs,
                  "n_trials": len(trials), "n_requested": n, "subject": subject_name(subject),
                  "subject_spec": subject_spec(subject),
                  "subject_params": _subject_params(subject), "check_params": check.params}
    report = Report(
        check_id=check.check_id, card_id=check.card_id, title=check.title,
        guarantee=check.guarantee, status=outcome.status, details=outcome.details,
        n_trials=len(trials), n_requested=n, seconds=time.perf_counter() - t0, seed=seed,
        backend=backend, subject=subject_name(subject), alpha=check.alpha, delta=check.delta,
        interrupted=batch.interrupted, pass_rate=outcome.pass_rate,
        pass_rate_ci=outcome.pass_rate_ci, slope=outcome.slope, slope_ci=outcome.slope_ci,
        secondary=dict(outcome.secondary), numbers=dict(outcome.numbers), trials=trials,
        plots=outcome.plots, counterexample=outcome.counterexample, provenance=provenance)
    if report.status is Verdict.VIOLATED and report.counterexample is not None \
            and counterexample_dir is not None:
        Path(counterexample_dir).mkdir(parents=True, exist_ok=True)
        path = Path(counterexample_dir) / f"counterexample_{check.check_id}.npz"
        report.counterexample_path = save_counterexample(report, path, check.replay_instance,
                                                         check.params)
    return report


def select_checks(pattern: str | None = None, quick: bool = False,
                  extra: list[Check] | None = None) -> list[Check]:
    """The checks ``verify_many`` runs: with a ``pattern``, every registered check (and every
    ``extra`` one) whose id matches it; without, the quick subset (``quick=True``) or all."""
    pool = checks()
    known = {c.check_id for c in pool}
    pool += [c for c in (extra or []) if c.check_id not in known]
    if pattern is not None:
        from .framework import matches
        selected = [c for c in pool if matches(c.check_id, pattern)]
        if not selected:
            raise CheckError(f"no check matches {pattern!r} (rlcert checks list shows them)")
        return selected
    if extra:
        return list(extra)
    return [c for c in pool if c.quick] if quick else pool


def verify_many(pattern: str | None = None, quick: bool = False,
                out: str | os.PathLike | None = None, extra: list[Check] | None = None,
                **kwargs) -> list[Report]:
    """Verify every check :func:`select_checks` picks (trial counts: the checks' quick counts
    with ``quick=True``); write the report into ``out`` if given. Stops early on Ctrl-C and keeps
    what finished."""
    selected = select_checks(pattern, quick, extra)
    if out is not None:
        clear_previous_report(out)  # before the run: its counterexamples are written as it goes
    reports = []
    for check in selected:
        try:
            reports.append(verify(check, quick=quick, counterexample_dir=out, **kwargs))
        except KeyboardInterrupt:
            break
        if reports[-1].interrupted:
            break
    if out is not None:
        write_reports(reports, out, seed=kwargs.get("seed", 0),
                      backend=kwargs.get("backend", "loky"), clear=False)
    return reports


#: What a counterexample file may hold; anything else is refused.
_COUNTEREXAMPLE_KEYS = {"check_id", "seed", "index", "trial", "subject_spec", "subject_name",
                        "instance_P", "instance_R", "instance_gamma", "format"}


def replay(path: str | os.PathLike, *, algorithm=None, allow_import: bool = False) -> dict:
    """Re-run the trial saved in a counterexample file; returns the trial dict (with
    ``"passed"`` where the check defines it) and the check's id.

    The file holds only arrays and JSON text (no pickle): the subject is rebuilt from its import
    path and parameters, and only rlcert's own modules are imported unless ``allow_import`` (a
    file from someone else could name any module). ``algorithm`` replays with another subject.
    """
    try:
        f = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise CheckError(f"{os.fspath(path)} is not a counterexample file (.npz): {exc}") from None
    with f:
        if not hasattr(f, "files"):
            raise CheckError(f"{os.fspath(path)} is a single array, not a counterexample file")
        stray = sorted(set(f.files) - _COUNTEREXAMPLE_KEYS)
        if stray or not {"check_id", "seed", "index"} <= set(f.files):
            raise CheckError(f"{os.fspath(path)} is not a counterexample file of this version: "
                             f"unexpected entries {stray}" if stray else
                             f"{os.fspath(path)} lacks check_id, seed or index")
        try:
            entries = {k: f[k] for k in f.files}  # each entry read without pickle
        except ValueError as exc:
            raise CheckError(f"{os.fspath(path)} is not a counterexample file: an entry needs "
                             f"pickle to load ({exc})") from None
        check_id = str(entries["check_id"])
        seed, index = int(entries["seed"]), int(entries["index"])
        spec = json.loads(str(entries["subject_spec"])) if "subject_spec" in entries else None
        name = str(entries["subject_name"]) if "subject_name" in entries else "?"
    check = get_check(check_id)
    if algorithm is not None:
        subject = algorithm
    elif spec is not None:
        subject = build_subject(spec, allow_import=allow_import)
    else:
        raise CheckError(f"{os.fspath(path)} names its subject {name!r} but cannot rebuild it "
                         f"(no import path with JSON parameters): replay it with "
                         f"algorithm=... (rlcert replay FILE --algorithm module:factory)")
    child = np.random.SeedSequence(seed, spawn_key=(index,))
    result = check.trial(check.params, subject, child, index)
    return {"check_id": check_id, "seed": seed, "index": index, "subject": subject_name(subject),
            **result}


__all__ = ["verify", "verify_many", "select_checks", "replay", "versions", "Report", "Verdict"]
