r"""The hard instance behind the :math:`\Omega(dH\sqrt{T})` regret lower bound for linear mixture
MDPs (Zhou, Gu and Szepesvári 2021), as a :class:`~rlcert.mdp.linear.LinearMDP`.

**Source, and what of it could be read.** D. Zhou, Q. Gu, C. Szepesvári, "Nearly minimax optimal
reinforcement learning for linear mixture Markov decision processes", COLT 2021 (PMLR 134:
4532-4576), arXiv:2012.08507. Of the paper itself only the abstract could be read
(https://arxiv.org/abs/2012.08507v2 and the opening of
https://ar5iv.labs.arxiv.org/html/2012.08507): it states the lower bound
:math:`\Omega(dH\sqrt{T})`, ``T = K H``. The lower-bound section and its appendix (the
construction, the theorem's conditions and constant) were **not** readable in the copies
available. The construction below is the one two independent later texts give for it, and they
agree with each other:

1. J. Lee and M. Oh, "Combinatorial reinforcement learning with preference feedback", ICML 2025
   (PMLR 267), Appendix F.1, eqs. (F.1)-(F.2) (the first layer of their instance, which is the
   hypercube instance of Zhou et al. written as a linear MDP: ``psi(x_h, a) = (alpha, beta a)``,
   ``mu_h(x_{h+1}) = ((1 - delta)/alpha, -mu_h/beta)``, ``mu_h(x_{H+2}) = (delta/alpha,
   mu_h/beta)``, ``delta = 1/H``, ``mu_h in {-Delta, Delta}^{d-1}``, ``Delta = sqrt(delta/K) /
   (4 sqrt 2)``; their ``alpha``, ``beta`` are normalised for their longer feature vector, and the
   kernel does not depend on ``alpha``, ``beta``), and Proposition F.5, which restates *Lemma C.8
   of Zhou et al. 2021a*: for the
   Bernoulli linear bandit with rewards ``B(delta + <mu, a>)``, ``mu in {-Delta, Delta}^n``,
   actions ``{-1, 1}^n``, ``0 < delta < 1/3``, ``K >= n^2 / (2 delta)`` and ``Delta =
   sqrt(delta/K) / (4 sqrt 2)``, every algorithm has expected pseudo-regret at least
   ``n sqrt(K delta) / (8 sqrt 2)`` over ``K`` rounds on some ``mu``. Their remark that the
   rewards of Zhou et al.'s bound must be rescaled by ``1/H`` to match their normalised setting
   agrees with the unnormalised reward (1 per step in ``x_{H+2}``) used here.
2. A public implementation of the instance (class ``HardToLearn``, citing arXiv:2012.08507): ``S = H + 2`` states, ``delta = 1/H``, ``Delta =
   sqrt(delta/K) / (4 sqrt 2)``, ``alpha = sqrt(1/(1 + Delta (d-1)))``, ``beta = sqrt(Delta/(1 +
   Delta (d-1)))``, the linear-mixture features ``phi(s'|s, a)`` and ``theta_h = (1/alpha,
   mu_h/beta)`` below, reward 1 in ``x_{H+2}`` and 0 elsewhere, one ``mu_h`` per stage.

**The construction** (stages ``h = 1 .. H`` in the source; 0-based ``t = h - 1`` in code):

* states ``x_1, ..., x_{H+2}`` (indices ``0 .. H + 1``), initial state ``x_1``;
* actions: the hypercube ``{-1, 1}^{d-1}`` (``2^{d-1}`` actions; index ``k`` is the vector whose
  ``i``-th coordinate is ``+1`` if bit ``i`` of ``k`` is set, ``-1`` otherwise,
  :func:`hypercube_actions`);
* parameters ``mu_h in {-Delta, Delta}^{d-1}``, one per stage (``mu_h = Delta * signs[h]``);
* transitions at stage ``h`` from ``x_h``::

      P_h(x_{h+1} | x_h, a) = 1 - delta - <mu_h, a>,
      P_h(x_{H+2} | x_h, a) = delta + <mu_h, a>,

  and ``x_{H+1}``, ``x_{H+2}`` absorbing;
* reward ``r_h(s, a) = 1{s = x_{H+2}}`` (unnormalised: up to ``H - 1`` per episode);
* ``delta = 1/H``, ``Delta = sqrt(delta / K) / (4 sqrt 2)``.

As a linear mixture MDP (the source's model) the kernel is ``P_h(s'|s, a) = <phi(s'|s, a),
theta_h>`` with ``phi(x_{h+1}|x_h, a) = (alpha (1 - delta), -beta a)``, ``phi(x_{H+2}|x_h, a) =
(alpha delta, beta a)``, ``phi(s|s, a) = (alpha, 0)`` for the two absorbing states, ``theta_h =
(1/alpha, mu_h/beta)`` (:func:`zhou_gu_szepesvari_mixture`). ``alpha`` and ``beta`` make
``||sum_s' phi(s'|s, a) V(s')||_2 <= 1`` for every ``V`` with values in ``[0, 1]`` (``alpha^2 +
(d-1) beta^2 = 1``) and ``||theta_h||_2 = 1 + (d-1) Delta`` (derived here, not read).

**As a LinearMDP** (:func:`zhou_gu_szepesvari_hard`, feature dimension ``d + 2``, the form of
Lee and Oh's (F.1)-(F.2)): ``phi(x_j, a) = (alpha, beta a, 0, 0)`` for ``j <= H``,
``phi(x_{H+1}, a) = e_{d}``, ``phi(x_{H+2}, a) = e_{d+1}``; at stage ``h``, ``mu_h(x_{h+1}) =
((1 - delta)/alpha, -mu_h/beta, 0, 0)``, ``mu_h(x_{H+2}) = (delta/alpha, mu_h/beta, 0, 1)``,
``mu_h(x_{H+1}) += e_{d}``; ``theta_h = e_{d+1}``. The two extra coordinates carry the two
absorbing self-loops and the reward. The kernel equals the source's at every (stage, state)
pair reachable from ``x_1`` (``x_h`` at stage ``h``, and the absorbing states); from an
unreachable ``x_j``, ``j != h``, at stage ``h`` it moves to ``x_{h+1}`` rather than ``x_{j+1}``,
which no policy's value from ``x_1`` can see.

**Exact quantities** (derived from the construction, :func:`zhou_gu_szepesvari_quantities`).
Let ``q = delta + (d-1) Delta``, the largest absorption probability, reached only by ``a =
sign(mu_h)``. Absorbed during stage ``h``, the agent collects ``H - h`` more rewards, and ``H -
h > V*_{h+1}(x_{h+1})``, so ``a*_h = sign(mu_h)`` and ``V*_h = q (H - h) + (1 - q) V*_{h+1}``,
``V*_{H+1} = 0``::

      V*_1(x_1) = sum_{h=1}^{H} q (1 - q)^{h-1} (H - h) = (H - 1) - (1 - q)(1 - (1 - q)^{H-1}) / q.

An action that disagrees with ``sign(mu_h)`` in ``j`` coordinates has ``<mu_h, a> = (d - 1 -
2j) Delta``; its gap at stage ``h`` is ``Q*_h(x_h, a*) - Q*_h(x_h, a) = 2 j Delta (H - h -
V*_{h+1}(x_{h+1}))``, and the policy that plays such an action at every stage loses
``V(q) - V(q - 2 j Delta)`` per episode, ``V(p) = (H - 1) - (1 - p)(1 - (1 - p)^{H-1}) / p``.
At the last stage ``h = H`` every action ties (absorption then brings ``H - H = 0``): the
optimal action is unique, ``sign(mu_h)``, at stages ``h < H`` (when ``Delta > 0``).

**The lower bound's value.** The theorem's constant and conditions were not readable: only the
order ``d H sqrt(T)``, ``T = K H``, is reported (constant 1, ``constants="order"``). The bandit
lemma's explicit value ``(d-1) sqrt(K delta) / (8 sqrt 2)`` (Lemma C.8 as restated by Lee and Oh,
with ``n = d - 1``) is reported with its two conditions.

**Why d is capped.** The action set has ``2^{d-1}`` elements and the model stores ``phi`` as
``(H + 2) x 2^{d-1} x (d + 2)``; the features and ``mu`` have negative entries, so
:class:`LinearMDP` checks the induced rows entry by entry, ``O(H S^2 A d)``. ``d <= 12``
(2048 actions) keeps a build to seconds, and the check's size is validated up front
(:data:`D_MAX`, :data:`~rlcert.mdp.linear.EXACT_ROW_CHECK`).
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field

import numpy as np

from .errors import InvalidArgumentError
from .linear import EXACT_ROW_CHECK, LinearMDP

#: Largest feature dimension ``d`` accepted (``2^{d-1}`` actions).
D_MAX = 12


# -- parameters ------------------------------------------------------------------------------------
def _int(value, name: str, minimum: int, maximum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise InvalidArgumentError(f"{name} must be an integer, got {value!r}")
    v = int(value)
    if v < minimum or (maximum is not None and v > maximum):
        hi = f" and <= {maximum}" if maximum is not None else ""
        raise InvalidArgumentError(f"{name}={v} must be >= {minimum}{hi}")
    return v


def _real(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InvalidArgumentError(f"{name} must be a real number, got {value!r}")
    v = float(value)
    if not math.isfinite(v):
        raise InvalidArgumentError(f"{name}={value!r} is not finite")
    return v


@dataclass(frozen=True)
class _Params:
    d: int
    H: int
    K: int | None
    delta: float
    Delta: float

    @property
    def alpha(self) -> float:
        return math.sqrt(1.0 / (1.0 + self.Delta * (self.d - 1)))

    @property
    def beta(self) -> float:
        return math.sqrt(self.Delta / (1.0 + self.Delta * (self.d - 1)))


def _params(d, horizon, K, delta, Delta) -> _Params:
    d = _int(d, "d", 2, D_MAX)
    H = _int(horizon, "horizon", 2)
    if K is not None:
        K = _int(K, "K", 1)
    if delta is None:
        delta = 1.0 / H
    else:
        delta = _real(delta, "delta")
        if not 0.0 < delta < 1.0:
            raise InvalidArgumentError(f"delta={delta!r} must lie in (0, 1)")
    if Delta is None:
        if K is None:
            raise InvalidArgumentError("K (the number of episodes) is needed for the source's "
                                       "Delta = sqrt(delta / K) / (4 sqrt 2); give K or Delta")
        Delta = math.sqrt(delta / K) / (4.0 * math.sqrt(2.0))
    else:
        Delta = _real(Delta, "Delta")
        if Delta < 0.0:
            raise InvalidArgumentError(f"Delta={Delta!r} must be >= 0")
    spread = (d - 1) * Delta
    if spread > delta or delta + spread > 1.0:
        src = f" (from K={K}, delta={delta:.6g})" if K is not None else ""
        raise InvalidArgumentError(
            f"Delta={Delta:.6g}{src} makes delta + <mu, a> leave [0, 1]: the absorption "
            f"probabilities range over delta -+ (d-1) Delta = [{delta - spread:.6g}, "
            f"{delta + spread:.6g}]; need (d-1) Delta <= min(delta, 1 - delta)")
    return _Params(d, H, K, float(delta), float(Delta))


def _signs(signs, d: int, H: int) -> np.ndarray:
    if signs is None:
        return np.ones((H, d - 1))
    try:
        s = np.asarray(signs, dtype=np.float64)
    except (TypeError, ValueError):
        raise InvalidArgumentError(f"signs must be an array of +1/-1, got {signs!r}") from None
    if s.shape == (d - 1,):
        s = np.broadcast_to(s, (H, d - 1))
    if s.shape != (H, d - 1):
        raise InvalidArgumentError(f"signs must have shape ({d - 1},) or ({H}, {d - 1}) "
                                   f"(d - 1 = {d - 1}, horizon = {H}), got {s.shape}")
    bad = (s != 1.0) & (s != -1.0)
    if bad.any():
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        raise InvalidArgumentError(f"signs{list(idx)} = {s[idx]!r}: every entry must be +1 or -1")
    return np.array(s)


def hypercube_actions(d: int) -> np.ndarray:
    """The action set ``{-1, 1}^{d-1}`` as a ``(2^{d-1}, d-1)`` array: row ``k`` has ``+1`` in
    coordinate ``i`` if bit ``i`` of ``k`` is set and ``-1`` otherwise."""
    d = _int(d, "d", 2, D_MAX)
    k = np.arange(2 ** (d - 1))[:, None]
    bits = (k >> np.arange(d - 1)[None, :]) & 1
    return (2.0 * bits - 1.0)


def action_index(a) -> int:
    """The index of a hypercube vector ``a`` in :func:`hypercube_actions` (``sum_i 2^i 1{a_i =
    +1}``)."""
    v = np.asarray(a, dtype=np.float64).ravel()
    if v.size < 1 or np.any((v != 1.0) & (v != -1.0)):
        raise InvalidArgumentError(f"a={a!r} is not a vector of +1/-1")
    return int(((v > 0).astype(np.int64) << np.arange(v.size)).sum())


# -- the model -----------------------------------------------------------------------------------
def zhou_gu_szepesvari_hard(d: int, horizon: int, K: int | None = None, *, signs=None,
                            delta: float | None = None, Delta: float | None = None) -> LinearMDP:
    r"""The hypercube hard instance of Zhou, Gu and Szepesvári (COLT 2021) behind their
    :math:`\Omega(dH\sqrt{T})` regret lower bound, as an episodic :class:`LinearMDP` with ``S =
    H + 2`` states, ``2^{d-1}`` actions and feature dimension ``d + 2``.

    See the module docstring for the sources (the paper's lower-bound section could not be read;
    the construction is the one restated by Lee and Oh 2025, Appendix F.1, and implemented in a
    public ``HardToLearn`` environment citing arXiv:2012.08507) and for what is derived here.

    Construction (source stages ``h = 1 .. H``; stage ``h`` is index ``h - 1`` here; state
    ``x_j`` is index ``j - 1``)::

        states   x_1 .. x_{H+2}, start in x_1; x_{H+1}, x_{H+2} absorbing
        actions  a in {-1, 1}^{d-1}               (index: see hypercube_actions)
        mu_h     = Delta * signs[h]  in {-Delta, Delta}^{d-1}
        P_h(x_{h+1} | x_h, a) = 1 - delta - <mu_h, a>
        P_h(x_{H+2} | x_h, a) = delta + <mu_h, a>
        r_h(s, a) = 1{s = x_{H+2}}
        delta = 1/H,   Delta = sqrt(delta/K) / (4 sqrt 2)

    Linear-MDP factorisation ``P_h(s'|s, a) = phi(s, a) . mu_h[:, s']``, ``r = phi . theta``::

        phi(x_j, a)    = (alpha, beta a_1, .., beta a_{d-1}, 0, 0)     j = 1 .. H
        phi(x_{H+1}, a) = e_d,   phi(x_{H+2}, a) = e_{d+1}
        mu_h[:, x_{h+1}] = ((1 - delta)/alpha, -mu_h/beta, 0, 0)  (+ e_d when h = H)
        mu_h[:, x_{H+2}] = (delta/alpha, mu_h/beta, 0, 1)
        mu_h[:, x_{H+1}] += e_d
        theta_h = e_{d+1}
        alpha = sqrt(1/(1 + Delta (d-1))),  beta = sqrt(Delta/(1 + Delta (d-1)))

    so ``||phi(s, a)||_2 = 1``. The kernel is the source's at every reachable (stage, state)
    pair; at an unreachable ``x_j`` (``j != h``) stage ``h`` moves to ``x_{h+1}``.

    Parameters
    ----------
    d : int in [2, 12]
        The source's feature dimension (the hypercube has dimension ``d - 1``). Capped at
        :data:`D_MAX` = 12: ``2^{d-1}`` actions, and the entry-by-entry row check of a factor
        with negative entries costs ``O(H S^2 A d)``.
    horizon : int >= 2
        The episode length ``H`` (``H = 1`` has no reward to collect).
    K : int >= 1, optional
        The number of episodes; it sets ``Delta = sqrt(delta/K) / (4 sqrt 2)``. Needed unless
        ``Delta`` is given.
    signs : array_like (d-1,) or (H, d-1) of +1/-1, optional
        ``sign(mu_h)``; one vector for every stage, or one per stage (the source: one ``mu_h``
        per stage). Default all ``+1``.
    delta : float in (0, 1), optional
        The base absorption probability; default the source's ``1/H``.
    Delta : float >= 0, optional
        The per-coordinate advantage; default the source's ``sqrt(delta/K) / (4 sqrt 2)``.
        ``Delta = 0`` is the reference instance in which every action is the same.

    The absorption probabilities ``delta + <mu_h, a>`` must lie in ``[0, 1]``: ``(d-1) Delta
    <= min(delta, 1 - delta)``, refused otherwise (naming ``Delta`` and ``K``). The source's
    bandit lemma asks for more, ``K >= (d-1)^2 H / 2`` (then ``(d-1) Delta <= delta/4``); see
    :func:`zhou_gu_szepesvari_quantities`.

    Returns
    -------
    LinearMDP
        Episodic, ``horizon = H``, per-stage ``mu`` of shape ``(H, d + 2, H + 2)``, initial
        state 0 (``x_1``).
    """
    p = _params(d, horizon, K, delta, Delta)
    d, H = p.d, p.H
    sg = _signs(signs, d, H)
    S, A, D = H + 2, 2 ** (d - 1), d + 2
    work = float(S) * S * A * D * H
    if work > EXACT_ROW_CHECK:
        raise InvalidArgumentError(
            f"d={d}, horizon={H}: the model's rows would need S^2 A (d+2) H = {work:.3g} "
            f"operations to check (limit {EXACT_ROW_CHECK:.3g}); use a smaller d or horizon")
    acts = hypercube_actions(d)
    alpha, beta = p.alpha, p.beta
    absorb_next, absorb_goal = H, H + 1  # x_{H+1}, x_{H+2}
    phi = np.zeros((S, A, D))
    phi[:H, :, 0] = alpha
    phi[:H, :, 1:d] = beta * acts[None, :, :]
    phi[absorb_next, :, d] = 1.0
    phi[absorb_goal, :, d + 1] = 1.0
    mu = np.zeros((H, D, S))
    for t in range(H):
        mu_t = p.Delta * sg[t]
        scaled = mu_t / beta if beta > 0 else np.zeros(d - 1)
        nxt = t + 1  # x_{h+1} for source stage h = t + 1
        mu[t, 0, nxt] = (1.0 - p.delta) / alpha
        mu[t, 1:d, nxt] = -scaled
        mu[t, 0, absorb_goal] = p.delta / alpha
        mu[t, 1:d, absorb_goal] = scaled
        mu[t, d, absorb_next] += 1.0
        mu[t, d + 1, absorb_goal] = 1.0
    theta = np.zeros(D)
    theta[d + 1] = 1.0
    return LinearMDP(phi, mu, theta, horizon=H, initial=0)


def zhou_gu_szepesvari_mixture(d: int, horizon: int, K: int | None = None, *, signs=None,
                               delta: float | None = None, Delta: float | None = None):
    r"""The same instance in the source's linear-mixture form: features ``phi(s'|s, a)`` in
    ``R^d`` and parameters ``theta_h`` with ``P_h(s'|s, a) = <phi(s'|s, a), theta_h>``::

        phi(x_{j+1} | x_j, a) = (alpha (1 - delta), -beta a)     j = 1 .. H
        phi(x_{H+2} | x_j, a) = (alpha delta,        beta a)
        phi(s | s, a)         = (alpha, 0)                      s = x_{H+1}, x_{H+2}
        theta_h               = (1/alpha, mu_h/beta)

    (all other ``phi(s'|s, a) = 0``), as in the public implementation cited in the module
    docstring. Here the kernel is exact at every (stage, state) pair: from ``x_j`` at any stage
    ``h`` the agent moves to ``x_{j+1}`` or ``x_{H+2}`` with ``mu_h``.

    Returns
    -------
    features : ndarray (S, A, S, d)
        ``phi(s'|s, a)``, ``S = H + 2``, ``A = 2^{d-1}``.
    theta : ndarray (H, d)
        ``theta_h``. ``||theta_h||_2 = 1 + (d-1) Delta``; ``alpha^2 + (d-1) beta^2 = 1``.
    """
    p = _params(d, horizon, K, delta, Delta)
    d, H = p.d, p.H
    sg = _signs(signs, d, H)
    S, A = H + 2, 2 ** (d - 1)
    acts = hypercube_actions(d)
    alpha, beta = p.alpha, p.beta
    feat = np.zeros((S, A, S, d))
    for j in range(H):
        feat[j, :, j + 1, 0] = alpha * (1.0 - p.delta)
        feat[j, :, j + 1, 1:] = -beta * acts
        feat[j, :, H + 1, 0] = alpha * p.delta
        feat[j, :, H + 1, 1:] = beta * acts
    feat[H, :, H, 0] = alpha
    feat[H + 1, :, H + 1, 0] = alpha
    theta = np.zeros((H, d))
    theta[:, 0] = 1.0 / alpha
    if beta > 0:
        theta[:, 1:] = p.Delta * sg / beta
    return feat, theta


# -- exact quantities ------------------------------------------------------------------------------
def _value_constant_p(p: float, H: int) -> float:
    """``V(p) = sum_{m=0}^{n} (n - m) p (1 - p)^m = n - (1 - p)(1 - (1 - p)^n) / p``, ``n = H -
    1``: the value from ``x_1`` of playing absorption probability ``p`` at every stage."""
    n = H - 1
    if p <= 0.0:
        return 0.0
    if p >= 1.0:
        return float(n)
    return n - (1.0 - p) * (-math.expm1(n * math.log1p(-p))) / p


@dataclass(frozen=True)
class ZGSQuantities:
    """Exact quantities of :func:`zhou_gu_szepesvari_hard` (derived from the construction; see
    the module docstring). Stages are 0-based (``t = h - 1``)."""

    d: int
    horizon: int
    K: int | None
    delta: float
    Delta: float
    alpha: float
    beta: float
    #: ``q = delta + (d-1) Delta``: the optimal action's absorption probability.
    q: float
    #: ``V*_1(x_1) = (H-1) - (1-q)(1 - (1-q)^{H-1}) / q``.
    value: float
    #: ``(H + 1,)``: ``values[t] = V*`` at stage ``t`` in its reachable state ``x_{t+1}``.
    values: np.ndarray
    #: ``(H, d)``: ``stage_gaps[t, j] = 2 j Delta (H - 1 - t - values[t + 1])``, the gap at stage
    #: ``t`` of an action that disagrees with ``sign(mu_t)`` in ``j`` coordinates.
    stage_gaps: np.ndarray
    #: ``(d,)``: ``policy_gaps[j] = V(q) - V(q - 2 j Delta)``, the per-episode loss of playing a
    #: ``j``-disagreeing action at every stage.
    policy_gaps: np.ndarray
    #: ``(H,)``: the index of ``sign(mu_t)``, optimal at every stage and the unique optimal action
    #: at stages ``t < H - 1`` when ``Delta > 0`` (all actions tie at the last stage); all ``+1``
    #: when ``signs`` is not given.
    optimal_actions: np.ndarray
    #: ``d H sqrt(K H)``: the order of the regret lower bound, constant 1 (the theorem's constant
    #: could not be read). ``None`` without ``K``.
    lower_bound_order: float | None
    #: ``(d-1) sqrt(K delta) / (8 sqrt 2)``: Lemma C.8 of the source as restated by Lee and Oh
    #: (2025, Prop. F.5), the bandit regret bound behind the MDP bound. ``None`` without ``K``.
    bandit_lemma_bound: float | None
    #: Whether the lemma's conditions hold: ``0 < delta < 1/3``, ``K >= (d-1)^2 / (2 delta)``, and
    #: ``Delta`` the source's value.
    bandit_lemma_conditions: bool
    constants: str = "order"
    notes: str = field(default=(
        "The construction, delta = 1/H and Delta = sqrt(delta/K)/(4 sqrt 2) follow Lee & Oh "
        "(ICML 2025, App. F.1, Prop. F.5 quoting Lemma C.8 of Zhou, Gu, Szepesvari 2021) and a "
        "public implementation citing arXiv:2012.08507; the regret theorem's constant and its "
        "conditions on d, H, K could not be read, so only the order d H sqrt(T) is given."))


def zhou_gu_szepesvari_quantities(d: int, horizon: int, K: int | None = None, *, signs=None,
                                  delta: float | None = None,
                                  Delta: float | None = None) -> ZGSQuantities:
    r"""The optimal value, the gaps of every suboptimal action class and the lower bound's value
    for :func:`zhou_gu_szepesvari_hard` with the same arguments.

    Derivation (see the module docstring): with ``q = delta + (d-1) Delta``,
    ``V*_h = q (H - h) + (1 - q) V*_{h+1}``, ``V*_{H+1} = 0``, so ``V*_1(x_1) = (H - 1) - (1 -
    q)(1 - (1 - q)^{H-1}) / q``; an action disagreeing with ``sign(mu_h)`` in ``j`` coordinates
    has absorption probability ``q - 2 j Delta`` and gap ``2 j Delta (H - h - V*_{h+1})``; the
    policy playing such actions at every stage has value ``V(q - 2 j Delta)``, ``V(p) = (H - 1) -
    (1 - p)(1 - (1 - p)^{H-1}) / p``.

    The lower bound: only its order ``d H sqrt(T)``, ``T = K H``, is available (constant 1). The
    bandit lemma's explicit ``(d-1) sqrt(K delta) / (8 sqrt 2)`` is returned with a flag for its
    conditions ``0 < delta < 1/3`` and ``K >= (d-1)^2 / (2 delta)`` (``= (d-1)^2 H / 2`` at
    ``delta = 1/H``) and ``Delta`` at the source's value.
    """
    p = _params(d, horizon, K, delta, Delta)
    d, H = p.d, p.H
    sg = _signs(signs, d, H)
    q = p.delta + (d - 1) * p.Delta
    values = np.zeros(H + 1)
    for t in range(H - 1, -1, -1):
        values[t] = q * (H - 1 - t) + (1.0 - q) * values[t + 1]
    j = np.arange(d)
    stage_gaps = 2.0 * j[None, :] * p.Delta * (H - 1 - np.arange(H) - values[1:])[:, None]
    V_opt = _value_constant_p(q, H)
    policy_gaps = np.array([V_opt - _value_constant_p(q - 2.0 * jj * p.Delta, H) for jj in j])
    opt = np.array([action_index(sg[t]) for t in range(H)], dtype=np.int64)
    order: float | None
    lemma: float | None
    if p.K is not None:
        T = p.K * H
        order = float(d * H * math.sqrt(T))
        lemma = (d - 1) * math.sqrt(p.K * p.delta) / (8.0 * math.sqrt(2.0))
        src_Delta = math.sqrt(p.delta / p.K) / (4.0 * math.sqrt(2.0))
        cond = bool(0.0 < p.delta < 1.0 / 3.0 and p.K >= (d - 1) ** 2 / (2.0 * p.delta)
                    and math.isclose(p.Delta, src_Delta, rel_tol=1e-12))
    else:
        order = lemma = None
        cond = False
    return ZGSQuantities(d=d, horizon=H, K=p.K, delta=p.delta, Delta=p.Delta, alpha=p.alpha,
                         beta=p.beta, q=q, value=V_opt, values=values, stage_gaps=stage_gaps,
                         policy_gaps=policy_gaps, optimal_actions=opt, lower_bound_order=order,
                         bandit_lemma_bound=lemma, bandit_lemma_conditions=cond)


__all__ = ["zhou_gu_szepesvari_hard", "zhou_gu_szepesvari_mixture",
           "zhou_gu_szepesvari_quantities", "ZGSQuantities", "hypercube_actions", "action_index",
           "D_MAX"]
