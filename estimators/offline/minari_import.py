r"""Import of Minari datasets (Farama's format for offline RL data) of discrete environments:
:func:`from_minari`.

A Minari dataset is a set of episodes, each with ``observations`` (one more than its steps),
``actions``, ``rewards``, ``terminations`` and ``truncations``. For a Gymnasium toy-text
environment (FrozenLake, CliffWalking, Taxi) observations and actions are integers of
``Discrete`` spaces, and the episodes become a :class:`~rlcert.estimators.offline.Dataset`:

* **transitions** (default): every step ``(s_t, a_t, r_t, s_{t+1})`` of every episode, flattened
  in episode order; the data of the discounted estimators (the steps of an episode are not
  independent draws from ``d^mu``, as Rashidinejad et al.'s and Li et al.'s analyses assume:
  the import does not pretend they are, ``info`` records the episode boundaries);
* **episodes** (``episodic=True``): a ``(K, H)`` array, when every episode has the same length
  ``H`` (e.g. truncated at a fixed horizon).

The environment's own terminal states are where a terminating step lands. rlcert's model of the
environment (:func:`rlcert.mdp.from_gymnasium`) may have split such a state into an absorbing
copy; pass ``terminal_copies`` (the inverse of ``GymnasiumImport.copies``: original state ->
copy) so that terminating steps land on the copies, as in the model. The behaviour policy of
Minari data is unknown: ``behaviour`` is ``None``.

Minari is an optional dependency (``pip install "rlcert[offline]"``); this module imports it only
to read a dataset's spaces, through the dataset object it is given.
"""

from __future__ import annotations

import numbers

import numpy as np

from .dataset import Dataset, OfflineArgumentError


def _discrete(space, what: str) -> tuple[int, int]:
    n = getattr(space, "n", None)
    if n is None or isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise OfflineArgumentError(f"the dataset's {what} space {space!r} is not Discrete: only "
                                   f"datasets of tabular environments can be imported")
    start = int(getattr(space, "start", 0))
    return int(n), start


def _copies(terminal_copies, S_obs: int) -> dict[int, int]:
    """``terminal_copies`` as ``{state: copy}`` of non-negative ints, states in ``[0, S_obs)``."""
    if terminal_copies is None:
        return {}
    if not isinstance(terminal_copies, dict):
        raise OfflineArgumentError(f"terminal_copies must be a dict state -> copy, got "
                                   f"{type(terminal_copies).__name__}")
    out = {}
    for k, v in terminal_copies.items():
        for what, x in (("state", k), ("copy", v)):
            if isinstance(x, (bool, np.bool_)) or not isinstance(x, numbers.Integral) or x < 0:
                raise OfflineArgumentError(f"terminal_copies: {what} {x!r} (of {k!r}: {v!r}) is "
                                           f"not a non-negative integer")
        if k >= S_obs:
            raise OfflineArgumentError(f"terminal_copies: state {k!r} is outside the observation "
                                       f"space [0, {S_obs})")
        out[int(k)] = int(v)
    return out


def from_minari(dataset, *, episodic: bool = False, terminal_copies: dict | None = None,
                n_states: int | None = None) -> Dataset:
    """A :class:`Dataset` from a Minari dataset of a discrete environment (module docstring).

    Parameters
    ----------
    dataset : minari.MinariDataset
        With ``Discrete`` observation and action spaces.
    episodic : bool
        Return ``(K, H)`` trajectories (every episode must have the same length) instead of
        transitions.
    terminal_copies : dict, optional
        ``state -> absorbing copy`` for terminating steps (see the module docstring).
    n_states : int, optional
        Number of states of the model the data are used with (default: the observation space's
        size, or one more than the largest copy index).

    Returns
    -------
    Dataset
    """
    spec = getattr(dataset, "spec", None)
    if spec is None or not callable(getattr(dataset, "iterate_episodes", None)):
        raise OfflineArgumentError(f"dataset must be a minari.MinariDataset, got "
                                   f"{type(dataset).__name__}")
    S_obs, s0 = _discrete(spec.observation_space, "observation")
    A, a0 = _discrete(spec.action_space, "action")
    if not isinstance(episodic, (bool, np.bool_)):
        raise OfflineArgumentError(f"episodic = {episodic!r} must be True or False")
    copies = _copies(terminal_copies, S_obs)
    S = S_obs if not copies else max(S_obs, max(copies.values()) + 1)
    if n_states is not None:
        if isinstance(n_states, bool) or not isinstance(n_states, numbers.Integral) or \
                n_states < S:
            raise OfflineArgumentError(f"n_states = {n_states!r} must be an integer >= {S}")
        S = int(n_states)
    parts: dict[str, list[np.ndarray]] = {k: [] for k in ("s", "a", "r", "s2")}
    lengths, terminated = [], 0
    for ep in dataset.iterate_episodes():
        obs = np.asarray(ep.observations).astype(np.int64).ravel() - s0
        act = np.asarray(ep.actions).astype(np.int64).ravel() - a0
        rew = np.asarray(ep.rewards, dtype=np.float64).ravel()
        term = np.asarray(ep.terminations, dtype=bool).ravel()
        T = act.size
        if obs.size != T + 1 or rew.size != T or term.size != T:
            raise OfflineArgumentError(f"episode {getattr(ep, 'id', '?')} has {obs.size} "
                                       f"observations, {T} actions, {rew.size} rewards: expected "
                                       f"one more observation than steps")
        nxt = obs[1:].copy()
        if copies and term.any():
            idx = np.flatnonzero(term)
            nxt[idx] = [copies.get(int(x), int(x)) for x in nxt[idx]]
        terminated += int(term.any())
        parts["s"].append(obs[:-1])
        parts["a"].append(act)
        parts["r"].append(rew)
        parts["s2"].append(nxt)
        lengths.append(T)
    if not lengths:
        raise OfflineArgumentError("the Minari dataset has no episodes")
    info = {"collector": "minari", "dataset_id": getattr(spec, "dataset_id", ""),
            "episode_lengths": np.asarray(lengths), "terminated_episodes": terminated}
    if episodic:
        H = lengths[0]
        if any(L != H for L in lengths) or H == 0:
            raise OfflineArgumentError(f"episodic=True needs episodes of one length; the lengths "
                                       f"range over [{min(lengths)}, {max(lengths)}]")
        s, a, r, s2 = (np.stack(parts[k]) for k in ("s", "a", "r", "s2"))
        return Dataset(s, a, r, s2, n_states=S, n_actions=A, horizon=H, info=info)
    s, a, r, s2 = (np.concatenate(parts[k]) for k in ("s", "a", "r", "s2"))
    return Dataset(s, a, r, s2, n_states=S, n_actions=A, info=info)


__all__ = ["from_minari"]
