r"""Average-reward estimators with a generative model: reductions to a discounted problem.

For a uniformly ergodic MDP whose policies all mix within ``t_mix`` (total variation, Levin, Peres
and Wilmer 2009, Sec. 4.5), the discounted value at a discount close to 1 carries the gain:
``(1 - gamma) V*_gamma(s) = g* + (1 - gamma) h*(s) + O((1-gamma)^2)`` (Blackwell's Laurent
expansion; Puterman 1994, Sec. 8.2), and ``|h*| = O(t_mix)`` for rewards in [0, 1], so
``1 - gamma`` of order ``eps / t_mix`` makes the reduction's bias ``O(eps)``. Both estimators
below solve the discounted empirical problem at such a discount and return

* ``policy``: the discounted empirical optimum (the average-reward policy);
* ``gain``: the gain estimate ``g_hat(s) = (1 - gamma) V_hat(s)``;
* ``Q``, ``V``: the discounted estimates at ``gamma`` (``result.gamma``).

``t_mix`` is an input (the papers assume it known). :func:`rlcert.mdp.structure.mixing_time`
computes it exactly for a policy; :func:`.instances.family_mixing_time` gives the largest value
over deterministic policies.
"""

from __future__ import annotations

import math
import numbers


from .discounted import PerturbedPlugIn, PlugIn, _check_positive, run_with_sampler
from .errors import GenerativeArgumentError
from .results import GenerativeResult
from .sampler import check_model, check_samples


def _check_eps(eps) -> float:
    if isinstance(eps, bool) or not isinstance(eps, numbers.Real) or not math.isfinite(eps) \
            or not (0.0 < float(eps) <= 1.0):
        raise GenerativeArgumentError(f"eps = {eps!r} must be in (0, 1] (gain accuracy, rewards "
                                      f"in [0, 1])")
    return float(eps)


def _check_t_mix(t_mix) -> float:
    if isinstance(t_mix, bool) or not isinstance(t_mix, numbers.Real) \
            or not math.isfinite(t_mix) or float(t_mix) < 1.0:
        raise GenerativeArgumentError(f"t_mix = {t_mix!r} must be a finite number >= 1")
    return float(t_mix)


class _Reduction:
    algorithm = ""
    default_c_gamma = 1.0

    def __init__(self, eps: float, t_mix: float, *, c_gamma: float | None = None,
                 tol: float = 1e-10):
        self.eps = _check_eps(eps)
        self.t_mix = _check_t_mix(t_mix)
        self.c_gamma = _check_positive(self.default_c_gamma if c_gamma is None else c_gamma,
                                       "c_gamma")
        self.tol = _check_positive(tol, "tol")
        if self.discount() <= 0.0:
            ratio = self.eps / (self.c_gamma * self.t_mix)
            raise GenerativeArgumentError(f"eps / (c_gamma t_mix) = {ratio:.6g} >= 1 leaves no "
                                          f"discount in (0, 1)")

    def discount(self) -> float:
        """``1 - eps / (c_gamma t_mix)``."""
        return 1.0 - self.eps / (self.c_gamma * self.t_mix)

    def params(self) -> dict:
        return {"eps": self.eps, "t_mix": self.t_mix, "c_gamma": self.c_gamma, "tol": self.tol}

    def _inner(self, gamma: float):  # pragma: no cover - overridden
        raise NotImplementedError

    def estimate(self, sampler, *, rewards, gamma=None, budget, seed=None) -> GenerativeResult:
        """The generative protocol: ``budget // (S A)`` draws of every pair, the discounted
        empirical problem at :meth:`discount` (the ``gamma`` handed in is ignored: the problem is
        average reward), and the gain estimate ``(1 - gamma) V_hat``."""
        g = self.discount()
        inner = self._inner(g).estimate(sampler, rewards=rewards, gamma=g, budget=budget,
                                        seed=seed)
        return GenerativeResult(self.algorithm, {**self.params(), "n": inner.params["n"],
                                                 "gamma": g}, seed,
                                inner.policy, inner.Q, inner.V, inner.samples_per_pair,
                                inner.samples_total, g, gain=(1.0 - g) * inner.V,
                                extras={**inner.extras, "inner": inner.algorithm})

    def run(self, m, *, n: int, seed=None) -> GenerativeResult:
        """``n`` samples per pair, the discounted empirical problem at :meth:`discount`, and the
        gain estimate ``(1 - gamma) V_hat``."""
        m = check_model(m)
        n = check_samples(n)
        return run_with_sampler(self, m, seed, n * m.n_states * m.n_actions)


class WangBlanchetGlynn(_Reduction):
    r"""The optimal average-reward estimator of Wang, Blanchet and Glynn (2023, "Optimal sample
    complexity for average reward Markov decision processes", ICLR 2024, arXiv 2310.08833):
    the discounted reduction solved by Li et al.'s perturbed plug-in planner
    (:class:`~.discounted.PerturbedPlugIn`), ``O~(S A t_mix / eps^2)`` samples in total (card
    ``average.wang2023.upper``, order only).

    Parameter choices (documented, not verified in the paper, whose text could not be read here):

    * ``gamma = 1 - eps / (c_gamma t_mix)`` with ``c_gamma = 19``: a secondary source restates the
      paper's choice as ``gamma = 1 - eps / (19 t_minorize)``, with ``t_minorize`` the uniform
      minorization time; this implementation takes the total-variation ``t_mix`` in its place
      (the two are within constant factors of each other for uniformly ergodic chains);
    * the discounted accuracy handed to the perturbed planner is ``eps / (1 - gamma) =
      c_gamma t_mix``, inside Li et al.'s range ``(0, 1/(1-gamma)]`` since ``eps <= 1``; the
      perturbation constant ``c1 = 1/3`` (Li et al.'s proof).

    Parameters
    ----------
    eps : float in (0, 1]
        Target gain accuracy.
    t_mix : float >= 1
        Uniform bound on the policies' mixing times.
    c_gamma : float, default 19
    c1 : float, default 1/3
    tol : float
        Planner's certificate.
    """

    algorithm = "Wang-Blanchet-Glynn"
    default_c_gamma = 19.0

    def __init__(self, eps: float, t_mix: float, *, c_gamma: float | None = None,
                 c1: float = 1.0 / 3.0, tol: float = 1e-10):
        super().__init__(eps, t_mix, c_gamma=c_gamma, tol=tol)
        self.c1 = _check_positive(c1, "c1")

    def params(self) -> dict:
        return {**super().params(), "c1": self.c1}

    def _inner(self, gamma: float):
        return PerturbedPlugIn(self.eps / (1.0 - gamma), c1=self.c1, tol=self.tol)


class JinSidford(_Reduction):
    r"""The discounted reduction of Jin and Sidford (2021, "Towards tight bounds on the sample
    complexity of average-reward MDPs", ICML, arXiv 2106.07046): solve the discounted MDP with
    ``1 - gamma`` of order ``eps / t_mix`` and return its policy; ``O~(t_mix / eps^3)`` samples
    per pair (card ``average.jin_sidford2021.upper``, order only). The discounted problem is
    solved here by plain plug-in planning (:class:`~.discounted.PlugIn`).

    ``gamma = 1 - eps / (c_gamma t_mix)`` with ``c_gamma = 1`` (a documented choice: the paper's
    constant could not be read here; the abstract states ``1 - gamma ~ eps / t_mix``).
    """

    algorithm = "Jin-Sidford reduction"
    default_c_gamma = 1.0

    def _inner(self, gamma: float):
        return PlugIn(tol=self.tol)


__all__ = ["WangBlanchetGlynn", "JinSidford"]
