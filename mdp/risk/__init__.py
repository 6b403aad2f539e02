r"""Risk-sensitive oracles for finite-horizon MDPs: exact return distributions, the optimal static
CVaR, distributional dynamic programming.

**One CVaR convention everywhere.** Returns are rewards (larger is better); ``tau`` in (0, 1] is
the fraction of the *lower* tail:

.. math:: \mathrm{CVaR}_\tau(X) = \sup_{b \in \mathbb R} \Big\{ b - \frac{E[(b - X)^+]}{\tau} \Big\}
          \qquad\text{(Rockafellar and Uryasev 2000, 2002, in reward form)},

so ``CVaR_1(X) = E X``, ``tau -> CVaR_tau(X)`` is non-decreasing, ``CVaR_tau(X) -> ess inf X`` as
``tau -> 0``, and for a continuous law ``CVaR_tau(X) = E[X | X <= VaR_tau(X)]`` with
``VaR_tau(X) = inf{x : P(X <= x) >= tau}`` (the supremum's maximiser). Its dual form is
``CVaR_tau(X) = min {E[xi X] : 0 <= xi <= 1/tau, E xi = 1}``.

**From the loss form.** Papers on costs (Rockafellar and Uryasev; Bauerle and Ott 2011, who write
``AVaR_tau`` for the level we call ``alpha``; Chow et al. 2015 with a confidence level ``y``) use
a loss ``L`` and a level ``alpha`` in [0, 1):

.. math:: \mathrm{AVaR}_\alpha(L) = \min_b \Big\{ b + \frac{E[(L - b)^+]}{1 - \alpha} \Big\}
          = \frac{1}{1 - \alpha} \int_\alpha^1 \mathrm{VaR}_u(L)\, du .

With ``L = -X`` (costs are negative rewards) and ``tau = 1 - alpha``:
``AVaR_alpha(L) = -CVaR_{1 - alpha}(X)``, ``CVaR_tau(X) = -AVaR_{1 - tau}(-X)``; minimising the
``AVaR_alpha`` of a cost is maximising the ``CVaR_{1 - alpha}`` of the reward. Chow et al.'s
confidence level ``y`` (the upper tail of the cost) is our ``tau`` directly: ``CVaR_y`` of a cost
is the mean of its worst ``y`` fraction. :func:`loss_cvar` computes the loss form through this
conversion.

**Rewards.** :class:`~rlcert.mdp.FiniteHorizonMDP` stores expected rewards ``r_h(s, a)``. Return
distributions need the reward itself: every function here takes ``rewards``, deterministic in
``(s, a)`` or ``(s, a, s')`` (shapes ``(S, A)``, ``(H, S, A)``, ``(S, A, S)``,
``(H, S, A, S)``), and
checks that its expectation is the model's ``R``. The return is
``G = sum_{h<H} gamma^h r_h(s_h, a_h, s_{h+1})`` from ``s_0 ~ fh.initial``.

Contents
--------
* :class:`DiscreteDistribution`, :func:`cvar`, :func:`value_at_risk`, :func:`loss_cvar`,
  :func:`wasserstein1`, :func:`cramer` (:mod:`.measures`);
* :func:`return_distribution`: exact laws of the return of a Markov policy (:mod:`.returns`);
* :func:`solve_cvar`: the optimal static CVaR by the augmented-state program of Bauerle and Ott
  (2011), exact on a reward lattice, with an optimal history-dependent policy and its exact
  evaluation (:mod:`.cvar`);
* :func:`chow_cvar`: the CVaR value iteration with interpolation of Chow, Tamar, Mannor and Pavone
  (2015), an approximation reported with its gap to :func:`solve_cvar` (:mod:`.chow`);
* :func:`categorical_evaluation`, :func:`quantile_evaluation`: projected distributional backward
  induction with its error bounds; :func:`split_evaluation`, :func:`split_control`: worst-case and
  best-case substates separating safe from risky optimal actions (:mod:`.distributional`).
"""

from .chow import ChowResult, chow_cvar
from .cvar import BudgetPolicy, CVaRResult, evaluate_budget_policy, solve_cvar
from .distributional import (CategoricalResult, QuantileResult, SplitControlResult, SplitResult,
                             categorical_backup, categorical_evaluation, quantile_backup,
                             quantile_evaluation, split_control, split_evaluation)
from .measures import DiscreteDistribution, cramer, cvar, loss_cvar, value_at_risk, wasserstein1
from .returns import ReturnDistributions, return_distribution

__all__ = [
    "DiscreteDistribution", "cvar", "value_at_risk", "loss_cvar", "wasserstein1", "cramer",
    "return_distribution", "ReturnDistributions", "solve_cvar", "CVaRResult", "BudgetPolicy",
    "evaluate_budget_policy", "chow_cvar", "ChowResult", "categorical_evaluation",
    "quantile_evaluation", "categorical_backup", "quantile_backup", "CategoricalResult",
    "QuantileResult", "split_evaluation", "split_control", "SplitResult", "SplitControlResult",
]
