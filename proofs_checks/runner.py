"""Running trials: serially, with joblib (loky) on one machine, or on a Dask cluster.

Trial ``i`` of a run with seed ``s`` always receives ``SeedSequence(s).spawn(n)[i]``, whatever
backend runs it and in whatever order, so per-trial results are identical across backends.
An interruption (Ctrl-C) keeps the trials already finished; the caller reports them as partial.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from .framework import CheckError

BACKENDS = ("serial", "loky", "dask")


@dataclass
class TrialBatch:
    """Results in trial order (None where a trial did not finish) and whether the run was
    interrupted."""

    results: list[Any]
    interrupted: bool

    @property
    def finished(self) -> list[Any]:
        """The results of the trials that finished, in trial order."""
        return [r for r in self.results if r is not None]


def seeds(seed: int, n_trials: int) -> list[np.random.SeedSequence]:
    """``SeedSequence(seed).spawn(n_trials)``: one independent child per trial."""
    return np.random.SeedSequence(seed).spawn(n_trials)


def _progress(iterable, total: int, enabled: bool, desc: str):
    """Yield from ``iterable``, with a tqdm bar when ``enabled``. The first result carries the
    start-up cost (worker processes, numba compilation), so the bar's clock restarts after it:
    the rate and the remaining time are those of the trials that follow."""
    if not enabled:
        yield from iterable
        return
    from tqdm import tqdm
    bar = tqdm(total=total, desc=desc, leave=False, smoothing=0.05, mininterval=0.5)
    try:
        first = True
        for item in iterable:
            if first:
                bar.reset(total=total)
                bar.initial = bar.n = 1
                bar.refresh()
                first = False
            else:
                bar.update(1)
            yield item
    finally:
        bar.close()


def _indexed(fn, i, *args):
    return i, fn(*args)


def run_trials(fn: Callable, args: list[tuple], *, backend: str = "loky",
               n_jobs: int | None = None, scheduler: str | None = None, progress: bool = False,
               desc: str = "") -> TrialBatch:
    """Call ``fn(*a)`` for every tuple of ``args``; results come back in the order of ``args``."""
    if backend not in BACKENDS:
        raise CheckError(f"backend={backend!r} is not one of {BACKENDS}")
    results: list[Any] = [None] * len(args)
    interrupted = False
    try:
        if backend == "serial":
            for i, a in _progress(enumerate(args), len(args), progress, desc):
                results[i] = fn(*a)
        elif backend == "loky":
            from joblib import Parallel, delayed
            parallel = Parallel(n_jobs=n_jobs or -1, backend="loky",
                                return_as="generator_unordered")
            gen = parallel(delayed(_indexed)(fn, i, *a) for i, a in enumerate(args))
            for i, r in _progress(gen, len(args), progress, desc):
                results[i] = r
        else:
            if not scheduler:
                raise CheckError("backend='dask' needs a scheduler address (--scheduler "
                                 "tcp://host:port)")
            from dask.distributed import Client, as_completed
            with Client(scheduler) as client:
                futures = [client.submit(fn, *a, pure=False, key=f"{desc}-{i}-{id(args)}")
                           for i, a in enumerate(args)]
                index = {f.key: i for i, f in enumerate(futures)}
                for fut in _progress(as_completed(futures), len(futures), progress, desc):
                    results[index[fut.key]] = fut.result()
    except KeyboardInterrupt:
        interrupted = True
    return TrialBatch(results, interrupted)
