"""The verifier and the command line.

Runs subjects (rlcert's learners, estimators and solvers, or a user's) on instances in the
verifier's own environments, measures the outcome exactly with the oracles of :mod:`rlcert.mdp`,
and holds it against the cards of :mod:`rlcert.theory` evaluated by :mod:`rlcert.bounds`. The
subject only acts and declares, through the protocols of :mod:`.protocols`; every measured
quantity is computed by the verifier (:mod:`.harness`). Users state their own claims with
:func:`claim`. The console command ``rlcert`` lives in :mod:`rlcert.proofs_checks.cli`.
"""

from .api import replay, verify, verify_many
from .claims import MEASURES, claim, load_claims
from .framework import Check, checks, get_check
from .protocols import BanditSubject, EpisodicSubject, GenerativeSubject, ProtocolError
from .verdicts import Verdict

__all__ = ["verify", "verify_many", "replay", "claim", "load_claims", "MEASURES", "Check",
           "checks", "get_check", "BanditSubject", "EpisodicSubject", "GenerativeSubject",
           "ProtocolError", "Verdict"]
