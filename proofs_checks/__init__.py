"""The verifier and the command line.

Runs subjects (rlcert's learners, estimators and solvers, or a user's) on instances in the
verifier's own environments, measures the outcome exactly with the oracles of :mod:`rlcert.mdp`,
and holds it against the cards of :mod:`rlcert.theory` evaluated by :mod:`rlcert.bounds`. The
subject only acts and declares, through the protocols of :mod:`.protocols`; every measured
quantity is computed by the verifier (:mod:`.harness`). Users state their own claims with
:func:`claim`. The console command ``rlcert`` lives in :mod:`rlcert.proofs_checks.cli`.

The names below are imported on first use (PEP 562), so that the command line starts without
compiling the numba kernels the verifier needs; ``from rlcert.proofs_checks import verify``
works as usual. ``__version__`` is rlcert's version (``rlcert`` itself is a namespace package
without attributes).
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import TYPE_CHECKING, Any

from ._version import __version__

if TYPE_CHECKING:  # the eager imports, for type checkers and readers
    from .api import replay, verify, verify_many
    from .claims import MEASURES, claim, load_claims
    from .framework import Check, checks, get_check
    from .protocols import BanditSubject, EpisodicSubject, GenerativeSubject, ProtocolError
    from .verdicts import Verdict

#: public name -> submodule defining it
_LAZY = {
    "verify": "api", "verify_many": "api", "replay": "api",
    "claim": "claims", "load_claims": "claims", "MEASURES": "claims",
    "Check": "framework", "checks": "framework", "get_check": "framework",
    "BanditSubject": "protocols", "EpisodicSubject": "protocols",
    "GenerativeSubject": "protocols", "ProtocolError": "protocols",
    "Verdict": "verdicts",
}

__all__ = ["verify", "verify_many", "replay", "claim", "load_claims", "MEASURES", "Check",
           "checks", "get_check", "BanditSubject", "EpisodicSubject", "GenerativeSubject",
           "ProtocolError", "Verdict"]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        # a submodule, as the eager imports used to bind them (``proofs_checks.report``)
        if importlib.util.find_spec(f"{__name__}.{name}") is None:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        return importlib.import_module(f".{name}", __name__)
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
