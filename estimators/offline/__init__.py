"""Offline reinforcement learning: datasets made by a behaviour policy, and estimators that learn
from them without interacting.

* :class:`Dataset`, :func:`collect_episodes`, :func:`collect_transitions` (:mod:`.dataset`);
  :func:`from_minari` (:mod:`.minari_import`, Minari datasets of discrete environments).
* Concentrability, exactly (:mod:`.concentrability`): :func:`single_policy_concentrability`
  (``C*`` and Li et al.'s clipped coefficient), :func:`all_policy_concentrability`.
* Estimators (the verifier's offline protocol, ``fit(dataset)``): :class:`VILCB` (Rashidinejad
  et al. 2021), :class:`LiBernsteinLCB` (Li et al. 2022), :class:`TabularPEVI` (Jin, Yang and
  Wang 2021) in :mod:`.pessimism`, and the plug-in control :class:`PlugInOffline`
  (:mod:`.plugin`); all return an :class:`OfflineEstimate`.
* Committed instances (:mod:`.instances`): :func:`coverage_failure`,
  :func:`coverage_failure_episodic`, :func:`concentrability_family`.
"""

from ._model import OfflineEstimate
from .concentrability import (AllPolicyConcentrability, Concentrability,
                              all_policy_concentrability, single_policy_concentrability)
from .dataset import Dataset, OfflineArgumentError, collect_episodes, collect_transitions
from .instances import concentrability_family, coverage_failure, coverage_failure_episodic
from .minari_import import from_minari
from .pessimism import VILCB, LiBernsteinLCB, TabularPEVI
from .plugin import PlugInOffline

__all__ = ["Dataset", "OfflineArgumentError", "collect_episodes", "collect_transitions",
           "from_minari", "Concentrability", "AllPolicyConcentrability",
           "single_policy_concentrability", "all_policy_concentrability", "VILCB",
           "LiBernsteinLCB", "TabularPEVI", "PlugInOffline", "OfflineEstimate",
           "coverage_failure", "coverage_failure_episodic", "concentrability_family"]
