r"""What a check's subject may do: one protocol per kind of subject.

The verifier never trusts its subject. It owns the environment, the sampler and the oracle; the
subject only acts and declares, through the methods below, and every number a verdict rests on is
computed by the verifier from what it observed (:mod:`.harness`).

=================  ======================================================================  ===========================================
subject            methods the verifier calls                                              what the verifier measures itself
=================  ======================================================================  ===========================================
bandit             ``reset(n_arms, seed)``, ``select() -> arm``, ``update(arm, reward)``;  pseudo-regret from the arms played; regret
                   optional ``probabilities() -> p`` (the verifier draws the arm),         against the best arm of a table; expected
                   ``indices() -> (n_arms,)`` (the arm played must maximise them)          regret from declared ``p``; index coverage
episodic           ``reset(S, A, H, seed)``, ``start_episode() -> policy`` (``(H, S)``     ``initial . (V*_1 - V^{pi_k}_1)`` of each
                   actions or ``(H, S, A)`` probabilities, or ``None``),                   declared policy; every action played checked
                   ``observe(h, s, a, r, s_next)``; optional ``act(h, s) -> a``,           against it; realised regret
                   ``q_values() -> (H, S, A)``                                             ``sum_k V*_1(s_1^k) - G_k``; optimism margin
                                                                                           ``min (Q_k - Q*)`` of declared Q tables
generative         ``estimate(sampler, *, rewards, gamma, budget, seed) -> result``        samples drawn (the verifier's sampler counts
                   with ``Q``, ``policy``, ``V`` or ``gain``; samples only through         them and refuses draws past the budget);
                   ``sampler(s, a, n)``, ``sampler.counts(n)``, ``sampler.synchronous()``  errors of the returned estimate
offline            ``fit(dataset) -> result`` with ``policy`` (and ``V`` for pessimism     the returned policy's exact value; the
                   checks); the verifier makes the dataset with its own behaviour policy   estimate against it
continuing         ``reset(S, A, seed)``, ``act(s) -> a``, ``observe(s, a, r, s_next)``;   regret ``T g* - sum_t r_t`` and pseudo-regret
                   optional ``policy() -> (S,)`` (the stationary policy in force, checked  ``sum_t (g* - r(s_t, a_t))``; the sample
                   against every action), ``optimistic_model() -> (p~, r~)``,              complexity of exploration of the declared
                   ``q_values() -> (S, A)``                                                policies (frozen-policy proxy); episodes
                                                                                           and optimism from the declarations
solver / width     a function with the signature the check documents                       its outputs against the oracle
=================  ======================================================================  ===========================================

Optional keywords: the verifier passes ``n_steps=`` (bandits, continuing) or ``n_episodes=``
(episodic) to ``reset`` when the subject's ``reset`` accepts it (learners tuned for a horizon need
it).

A subject that breaks its protocol (an arm outside ``[0, n_arms)``, a declared policy of the wrong
shape, an action that is not the declared one, a draw past the budget) fails that trial with a
reason naming the step; the check is then ``violated``. A subject that declares no policy
(``start_episode()`` returns ``None`` and ``act`` chooses) is measured by its realised regret, and
the report says so.

rlcert's own learners implement these protocols; they may also run a compiled loop for speed,
which a test shows plays and measures exactly as the protocol run does.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

import numpy as np


@runtime_checkable
class BanditSubject(Protocol):
    """A bandit learner as the verifier runs it.

    Each step the verifier calls ``select()`` (or, when the subject defines ``probabilities()``,
    draws the arm itself from the returned distribution), draws the reward from its own
    environment and calls ``update(arm, reward)``. A subject defining ``indices()`` declares its
    upper confidence indices before each choice; the arm it plays must maximise them.
    """

    def reset(self, n_arms: int, seed: int) -> None:
        """Start a run on ``n_arms`` arms; the subject's own randomness from ``seed``."""

    def select(self) -> int:
        """The arm to play at the current step."""

    def update(self, arm: int, reward: float) -> None:
        """The arm played and the reward it paid."""


@runtime_checkable
class EpisodicSubject(Protocol):
    """An episodic learner as the verifier runs it.

    Each episode: ``start_episode()`` returns the Markov policy the learner commits to (``(H, S)``
    int actions, ``(H, S, A)`` probabilities, or ``None``); the verifier draws the start state,
    plays the declared policy step by step in its own environment (asking ``act(h, s)`` when the
    subject defines it and checking the answer against the declaration; drawing the action itself
    when the policy is randomised; asking ``act`` alone when no policy was declared) and reports
    each transition with ``observe(h, s, a, r, s_next)``.
    """

    def reset(self, S: int, A: int, H: int, seed: int) -> None:
        """Start a run on ``S`` states, ``A`` actions, horizon ``H``; randomness from ``seed``."""

    def start_episode(self) -> Any:
        """The policy of the next episode: ``(H, S)`` actions, ``(H, S, A)`` probabilities or
        ``None``."""

    def observe(self, h: int, s: int, a: int, r: float, s_next: int) -> None:
        """The transition observed at stage ``h`` (0-based)."""


@runtime_checkable
class GenerativeSubject(Protocol):
    """A generative-model estimator as the verifier runs it: it sees the model only through the
    verifier's sampler (``sampler(s, a, n)`` next states of one pair, ``sampler.counts(n)`` the
    ``(S, A, S)`` next-state counts of ``n`` draws of every pair, ``sampler.synchronous()`` one
    draw of every pair), which counts every draw and refuses those past ``budget``."""

    def estimate(self, sampler, *, rewards: np.ndarray, gamma: float | None, budget: int | None,
                 seed: int) -> Any:
        """An estimate with ``Q`` (``(S, A)``), ``policy`` (``(S,)``), ``V`` or ``gain``."""


@runtime_checkable
class OfflineSubject(Protocol):
    """An offline estimator as the verifier runs it: it gets a
    :class:`~rlcert.estimators.offline.Dataset` the verifier collected with its own behaviour
    policy, and returns its policy (``(S,)`` or ``(H, S)`` actions) and, for pessimism checks, its
    value estimate ``V`` (``(S,)``, or ``(H + 1, S)`` / ``(S,)`` at stage 0 for episodic data)."""

    def fit(self, dataset) -> Any:
        """An estimate with ``policy`` (and ``V``)."""


@runtime_checkable
class ContinuingSubject(Protocol):
    """A non-episodic learner as the verifier runs it, on one trajectory that never resets.

    At every step ``t`` the verifier asks ``act(s_t)``; when the subject defines ``policy()`` it
    then reads the stationary policy the subject declares to be in force (``(S,)`` actions: the
    policy it would keep playing if it never updated again), checks that it plays ``a_t`` at
    ``s_t``, and records it whenever it changes (with ``optimistic_model()`` and ``q_values()``
    when a check asks for them). The verifier then draws ``r_t`` and ``s_{t+1}`` from its own
    model and calls ``observe(s_t, a_t, r_t, s_{t+1})``.
    """

    def reset(self, S: int, A: int, seed: int) -> None:
        """Start a run on ``S`` states and ``A`` actions; the subject's randomness from ``seed``."""

    def act(self, s: int) -> int:
        """The action at state ``s`` (the current step)."""

    def observe(self, s: int, a: int, r: float, s_next: int) -> None:
        """The transition observed at the current step."""


#: The methods each protocol requires, for error messages.
REQUIRED = {
    "bandit": ("reset", "select", "update"),
    "episodic": ("reset", "start_episode", "observe"),
    "generative": ("estimate",),
    "offline": ("fit",),
    "continuing": ("reset", "act", "observe"),
}


class ProtocolError(ValueError):
    """A subject handed to a check does not implement the protocol the check needs (the message
    names the missing method and the protocol)."""


def require(subject, kind: str, extra: tuple[str, ...] = ()) -> None:
    """Refuse, by name, a subject that lacks a method its protocol (or the check) needs."""
    missing = [m for m in REQUIRED[kind] + tuple(extra)
               if not callable(getattr(subject, m, None))]
    if missing:
        have = "run()" if callable(getattr(subject, "run", None)) else "neither"
        raise ProtocolError(
            f"{type(subject).__name__} does not implement the {kind} protocol: missing "
            f"{', '.join(m + '()' for m in missing)} (see rlcert.proofs_checks.protocols; the "
            f"verifier steps the environment itself and never reads a subject's own "
            f"{'run() result' if have == 'run()' else 'report'})")


__all__ = ["BanditSubject", "EpisodicSubject", "GenerativeSubject", "OfflineSubject",
           "ContinuingSubject",
           "ProtocolError", "require", "REQUIRED"]
