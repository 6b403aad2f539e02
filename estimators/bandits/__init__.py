r"""Multi-armed bandits: instances, learners compiled with numba, and many-trial runs.

Instances (:mod:`.instances`)

=====================================  ==========================================================
:class:`BernoulliBandit`               Bernoulli arms; gaps, ``kl(mu_a, mu*)``, Lai-Robbins constant
:class:`GaussianBandit`                ``N(mu_a, sigma^2)`` arms; ``KL = Delta^2 / (2 sigma^2)``
:class:`AdversarialBandit`             an oblivious reward table ``x[t, a]`` in [0, 1]
:func:`switching`, :func:`ucb_trap`    seeded tables: a switching best arm; a trap for UCB-type
                                       index policies (their regret is linear on it)
=====================================  ==========================================================

Learners (:mod:`.learners`), each with ``run(bandit, *, n_steps, seed) -> RunResult``

=====================================  ==========================================================
:class:`UCB1`                          Auer, Cesa-Bianchi and Fischer 2002, Figure 1
:class:`KLUCB`                         Garivier and Cappé 2011, Algorithm 1 (``ln t + c ln ln t``)
:class:`BernoulliThompsonSampling`     Agrawal and Goyal 2012, Algorithms 1-2 (Beta priors)
:class:`GaussianThompsonSampling`      Agrawal and Goyal 2013, Algorithm 2 (Gaussian priors)
:class:`EXP3`                          Auer et al. 2002 (Cor. 3.2 tuning) or Lattimore and
                                       Szepesvári 2020, Algorithm 9 (Thm 11.2 tuning)
:class:`EpsilonGreedy`                 fixed epsilon
:class:`DecayingEpsilonGreedy`         Auer, Cesa-Bianchi and Fischer 2002, Figure 3
:class:`MaxInfoBoltzmann`              Boltzmann exploration with an information-gain bonus
                                       (after Sukhija et al. 2024; :mod:`.maxinfo`)
=====================================  ==========================================================

:func:`run_trials` runs many seeded trials in threads and keeps per-trial summaries at
checkpoints (:class:`TrialSet`).
"""

from .errors import BanditArgumentError, InvalidBanditError
from .instances import AdversarialBandit, BernoulliBandit, GaussianBandit, switching, ucb_trap
from .learners import (EXP3, KLUCB, UCB1, BanditLearner, BernoulliThompsonSampling,
                       DecayingEpsilonGreedy, EpsilonGreedy, GaussianThompsonSampling)
from .maxinfo import MaxInfoBoltzmann
from .trials import TrialSet, run_trials

__all__ = [
    "BernoulliBandit", "GaussianBandit", "AdversarialBandit", "switching", "ucb_trap",
    "BanditLearner", "UCB1", "KLUCB", "BernoulliThompsonSampling", "GaussianThompsonSampling",
    "EXP3", "EpsilonGreedy", "DecayingEpsilonGreedy", "MaxInfoBoltzmann",
    "run_trials", "TrialSet", "InvalidBanditError", "BanditArgumentError",
]
