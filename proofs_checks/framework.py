"""Checks: what is run, on which instances, what is measured, and how it is judged.

A :class:`Check` ties a theorem card to a *subject* (a learner, an estimator, a solver, or a width
function: the default is rlcert's own implementation, ``algorithm=`` replaces it), an instance
family, a measured quantity and a verdict rule. Its ``trial`` function runs one independent
trial from a :class:`numpy.random.SeedSequence` and returns a dict of numbers; its ``judge``
function turns the list of trial dicts into an :class:`Outcome`. Trial functions are module-level
(picklable), so that joblib and Dask workers run them unchanged.

Learner and estimator checks name the subject's ``protocol`` (:mod:`.protocols`) and any optional
method they need (``requires``, e.g. ``q_values`` for an optimism check): a subject lacking one is
refused by name before any trial runs. Their trials run the subject through the verifier's own
environments (:mod:`.harness`) and measure from what the verifier observed; a trial whose subject
broke its protocol returns ``{"protocol_violation": reason}`` and the check is ``violated``.
"""

from __future__ import annotations

import fnmatch
import importlib
import pkgutil
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from .verdicts import Verdict

if TYPE_CHECKING:
    import numpy as np

GUARANTEES = ("deterministic", "high_probability", "expectation", "rate", "report")


class CheckError(ValueError):
    """An unknown check, or bad arguments to a check (the message names them)."""


@dataclass(frozen=True)
class Plot:
    """Data for one figure of the report (rendered by :mod:`.report`).

    ``kind="curves"``: the measured curves (trials x len(x)) drawn as their median, with the
    10-90% band across trials when there are several; ``bound`` (same length as ``x``) is drawn
    dashed and labelled ``bound_label``; ``references`` adds further labelled curves
    ``(label, y)``; ``vlines`` labelled vertical lines ``(label, x)``. On log axes only positive
    values are drawn (zeros are counted in the legend, never clipped to a floor).
    ``kind="hist"``: a histogram of ``curves`` (one value per trial) with an optional vertical
    ``reference``; when every value is equal, one bar and the value are shown. ``integer_y``
    puts whole numbers on the y axis (counts).
    """

    kind: str
    title: str
    x: Any = None
    curves: Any = None
    bound: Any = None
    xlabel: str = ""
    ylabel: str = ""
    loglog: bool = True
    reference: float | None = None
    bound_label: str = "bound"
    references: tuple = ()
    vlines: tuple = ()
    integer_y: bool = False


@dataclass(frozen=True)
class Outcome:
    """A judged check: the verdict and the numbers behind it."""

    status: Verdict
    details: str
    pass_rate: float | None = None
    pass_rate_ci: tuple[float, float] | None = None
    slope: float | None = None
    slope_ci: tuple[float, float] | None = None
    counterexample: int | None = None
    secondary: dict[str, Verdict] = field(default_factory=dict)
    numbers: dict[str, Any] = field(default_factory=dict)
    plots: tuple[Plot, ...] = ()


@dataclass(frozen=True)
class Check:
    """One registered check (see the module docstring)."""

    check_id: str
    card_id: str | None
    title: str
    guarantee: str
    measured: str
    instances: str
    trial: Callable[..., dict]
    judge: Callable[["Check", list[dict]], Outcome]
    default_subject: Callable[[], Any]
    subject_kind: str
    n_trials: int
    n_trials_quick: int
    quick: bool = False
    params: dict[str, Any] = field(default_factory=dict)
    delta: float = 0.05
    alpha: float = 0.05
    #: ``replay_instance(params, seed)``: the instance of the trial run from ``seed``
    replay_instance: Callable[[dict, np.random.SeedSequence], Any] | None = None
    protocol: str | None = None
    requires: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.guarantee not in GUARANTEES:
            raise CheckError(f"check {self.check_id}: guarantee={self.guarantee!r} is not one of "
                             f"{GUARANTEES}")
        from .protocols import REQUIRED
        if self.protocol is not None and self.protocol not in REQUIRED:
            raise CheckError(f"check {self.check_id}: protocol={self.protocol!r} is not one of "
                             f"None, {', '.join(repr(k) for k in REQUIRED)}")

    def describe(self) -> str:
        """Three lines for ``rlcert checks list``."""
        params = ", ".join(f"{k}={v!r}" for k, v in self.params.items()
                           if not isinstance(v, (dict, list, tuple)) or len(str(v)) < 60)
        return (f"{self.check_id}  [{self.guarantee}{', quick' if self.quick else ''}]  "
                f"card: {self.card_id or '-'}\n    {self.title}; measures {self.measured} on "
                f"{self.instances}; subject: {self.subject_kind}"
                + (f"\n    parameters: {params}" if params else ""))


_CHECKS: dict[str, Check] = {}
_LOADED = False


def register(check: Check) -> Check:
    """Add a check to the registry (ids are unique)."""
    if check.check_id in _CHECKS:
        raise CheckError(f"check id {check.check_id!r} is registered twice")
    _CHECKS[check.check_id] = check
    return check


def unregister(check_id: str) -> None:
    """Remove a check from the registry (used when a user's claim is defined again)."""
    _CHECKS.pop(check_id, None)


def _load() -> dict[str, Check]:
    global _LOADED
    if not _LOADED:
        from . import registry
        for info in sorted(pkgutil.iter_modules(registry.__path__), key=lambda m: m.name):
            importlib.import_module(f"{registry.__name__}.{info.name}")  # no-op if imported
        _LOADED = True
    return _CHECKS


def get_check(check_id: str) -> Check:
    """The check with this id."""
    checks = _load()
    if check_id not in checks:
        raise CheckError(f"no check {check_id!r}; known: {sorted(checks)}")
    return checks[check_id]


def matches(check_id: str, pattern: str) -> bool:
    """Whether ``check_id`` matches ``pattern``: a glob (``bandits.*``) or a substring."""
    return fnmatch.fnmatch(check_id, pattern) or pattern in check_id


def checks(pattern: str | None = None, quick: bool | None = None) -> list[Check]:
    """Registered checks, optionally filtered by a glob ``pattern`` on the id and by ``quick``."""
    out = [c for c in _load().values()
           if (pattern is None or matches(c.check_id, pattern))
           and (quick is None or c.quick == quick)]
    return sorted(out, key=lambda c: c.check_id)
