"""Offline reinforcement learning: datasets made by a behaviour policy, and estimators that learn
from them without interacting.

* :class:`Dataset`, :func:`collect_episodes`, :func:`collect_transitions` (:mod:`.dataset`).
"""

from .dataset import Dataset, OfflineArgumentError, collect_episodes, collect_transitions

__all__ = ["Dataset", "OfflineArgumentError", "collect_episodes", "collect_transitions"]
