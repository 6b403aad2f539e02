r"""Average-reward oracles: the optimal gain, a bias, and an optimal policy of a finite MDP.

The gain of a stationary policy ``pi`` is ``g^pi = P*_pi r_pi`` (``P*`` the Cesàro limit of
``P_pi^t``), its bias ``h^pi = H_pi r_pi`` with ``H_pi = (I - P_pi + P*_pi)^{-1} (I - P*_pi)``, the
unique solution of

.. math:: g = P_\pi g, \qquad g + h = r_\pi + P_\pi h, \qquad P^*_\pi h = 0

(Puterman 1994, *Markov Decision Processes*, Sec. 8.2 and 9.2.1). The optimal gain
``g*(s) = max_pi g^pi(s)`` may differ across states (multichain MDPs); it is constant in weakly
communicating MDPs. ``(g*, h)`` solve the **nested (multichain) optimality equations** (Puterman
1994, Sec. 9.1)

.. math:: g(s) = \max_a P(\cdot|s,a) g, \qquad
          g(s) + h(s) = \max_{a \in B_s} [r(s,a) + P(\cdot|s,a) h],

with ``B_s`` the maximisers of the first equation; any policy choosing conserving actions in both
is gain optimal (Puterman 1994, Sec. 9.1): for such a ``pi``, ``P_pi g = g`` and
``r_pi + P_pi h = g + h``, so ``g^pi = P*_pi (r_pi + P_pi h - h) = P*_pi g = g``.

**Bracket.** For every ``h`` and every state ``s``, ``min(T h - h) <= g*(s) <= max(T h - h)`` with
``(T h)(s) = max_a r(s, a) + P(.|s, a) h``: for any policy, ``g^pi = P*_pi (r_pi + P_pi h - h) <=
P*_pi (T h - h)``, and the greedy policy of ``h`` attains at least ``min(T h - h)`` (Odoni 1969,
"On finding the maximal gain for Markov decision processes", Oper. Res. 17:857-860; Puterman 1994,
Sec. 8.5; the argument needs no chain structure). Every result carries it.

Methods (:func:`solve_average`):

``"pi"``   multichain policy iteration (Howard 1960; Puterman 1994, Sec. 9.2): exact evaluation of
           ``(g, h)`` (bias normalisation ``P* h = 0``), then gain improvement, and only when no
           gain improvement exists, bias improvement among the gain-conserving actions; the current
           action is kept whenever it attains the maximum (the anti-cycling rule that makes the
           algorithm terminate).
``"lp"``   Puterman's multichain linear program (Sec. 9.3; Hordijk and Kallenberg 1979), solved by
           HiGHS (interior point with crossover, dual simplex as a fallback):
           ``min sum_s alpha(s) g(s)`` s.t. ``g(s) >= P(.|s,a) g`` and
           ``g(s) + h(s) >= r(s,a) + P(.|s,a) h`` for all ``(s, a)``, ``alpha = 1/S``; its optimal
           ``g`` is ``g*`` (every feasible ``g`` is ``>= g*``). The policy is read from the dual
           ``(x, y)`` (``x(s, a) > 0`` where ``sum_a x(s, a) > 0``, ``y(s, a) > 0`` elsewhere),
           evaluated exactly and checked against the optimality equations; policy iteration
           continues from it if the check fails (``info["polish_steps"]``).
``"rvi"``  relative value iteration (White 1963) on the aperiodicity transform (Schweitzer 1971;
           Puterman 1994, Sec. 8.5.4): ``P~ = tau P + (1 - tau) I``, ``r~ = tau r`` has gain
           ``tau g*`` and the same bias, and every policy's chain is aperiodic. Since
           ``(T~ h)(s) = tau (T h)(s) + (1 - tau) h(s)``, the transformed bracket divided by ``tau``
           is the bracket of ``T`` itself: ``h_{k+1} = T~ h_k - (T~ h_k)(s_0)``, stopped when
           ``sp(T h_k - h_k) <= tol``. For weakly communicating MDPs only (otherwise ``g*`` need not
           be constant and the span need not vanish); it certifies the gain only.

Floating point: linear systems are solved by LU (dense or SuperLU); each backup entry is off by at
most ``rho`` (Higham's bound, :func:`~rlcert.mdp.results.backup_rounding`). Improvement steps
switch an action only when it wins by more than a threshold (twice the evaluation residual plus
twice ``rho``). Exact policy iteration never visits a policy twice, so a recurrence can only come
from rounding; the thresholds are then multiplied by 10 (``info["threshold_scale"]``). The
certificate reports the residuals reached, and ``rounding`` the thresholds in force at the end;
``info["kappa"]``, the largest expected time to reach a pinned state or to leave the transient
states, tells how much the linear solves may amplify rounding.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog

from . import _transitions as tr
from . import kernels
from ._chains import gain_bias
from ._validate import (check_bool, check_choice, check_lp_rewards, check_positive_int, check_real,
                        check_tolerance)
from .discounted import SolverFailedError
from .errors import InvalidArgumentError, UnsupportedModelError
from .models import TabularMDP
from .policies import action_array, policy_weights
from .results import UNIT_ROUNDOFF, backup_rounding

METHODS = ("pi", "lp", "rvi")


@dataclass(frozen=True, repr=False)
class AverageCertificate:
    r"""How exact an average-reward result is.

    Attributes
    ----------
    gain_residual : float
        ``max_s |max_a P(.|s, a) g - g(s)|``: the first optimality equation at the returned ``g``.
    bias_residual : float
        ``max_s |max_{a in B_s} [r(s, a) + P(.|s, a) h] - g(s) - h(s)|``, ``B_s`` the actions
        within ``rounding`` of the first maximum: the second optimality equation at the returned
        ``(g, h)``.
    bracket : (float, float)
        ``(min(T h - h), max(T h - h))``; ``lo <= g*(s) <= hi`` for every state (all methods; for
        ``"rvi"`` with RVI's own relative values ``h_k``, the certificate proper).
    rounding : float
        Floating-point allowance of the bracket and the residuals. For ``"pi"`` and ``"lp"``, the
        larger of the two improvement thresholds in force at the end (module docstring). For
        ``"rvi"``, ``2 rho`` with

        .. math:: \rho = \frac{n u}{1 - n u} (\max_{s,a} |r(s, a)| + \|h_k\|_\infty)
                  + u \|T h_k - h_k\|_\infty, \qquad n = \mathrm{nnz} + 3,

        ``u = 2^-53``, ``nnz`` the largest number of stored entries in one row ``P(.|s, a)``
        (``S`` for a dense model) and ``h_k`` the relative values of the last sweep (those whose
        bracket is reported): the first term is
        :func:`~rlcert.mdp.results.backup_rounding` at ``gamma = 1``, a bound on the error of
        each computed entry of ``T h_k``, the second the rounding of the subtraction, so each
        computed entry of ``T h_k - h_k``, hence each end of the bracket, is off by at most
        ``rho``, and the width by at most ``2 rho``.
    """

    gain_residual: float
    bias_residual: float
    bracket: tuple[float, float]
    rounding: float

    @property
    def width(self) -> float:
        """``hi - lo``: a bound on ``|g(s) - g*(s)|`` for every state whenever ``g`` is a policy's
        gain (it also lies in the bracket); tight only when ``g*`` is constant."""
        return float(self.bracket[1] - self.bracket[0])

    def __repr__(self) -> str:
        lo, hi = self.bracket
        return (f"AverageCertificate(gain_residual={self.gain_residual:.1e}, bias_residual="
                f"{self.bias_residual:.1e}, bracket=[{lo:.10g}, {hi:.10g}], rounding="
                f"{self.rounding:.1e})")


@dataclass(frozen=True, repr=False)
class AverageResult:
    r"""Solution of an average-reward MDP.

    Attributes
    ----------
    gain : ndarray (S,)
        The exact gain of :attr:`policy` (evaluated by a linear solve). For ``"pi"`` and ``"lp"`` it
        is ``g*`` when ``status == "exact"``; for ``"rvi"`` it lies in the certified bracket, so
        ``|gain(s) - g*(s)| <= certificate.width``.
    bias : ndarray (S,)
        The bias of :attr:`policy`, normalised by ``P*_pi h = 0``.
    policy : ndarray (S,) of int
    optimal_actions : ndarray (S, A) of bool, or None
        Actions conserving in both optimality equations at ``(gain, bias)`` (within the rounding
        thresholds); every policy choosing among them is gain optimal. ``"pi"`` and ``"lp"`` only:
        ``None`` for ``"rvi"``, which certifies the gain only.
    certificate : AverageCertificate
    method, status : str
        ``status``: ``"exact"`` (PI/LP: no improving action beyond rounding), ``"converged"``
        (RVI: bracket width <= tol), ``"floor"`` (RVI: the width stopped shrinking at the rounding
        level), ``"max_iter"``.
    iterations : int
    info : dict
    """

    gain: np.ndarray
    bias: np.ndarray
    policy: np.ndarray
    optimal_actions: np.ndarray | None
    certificate: AverageCertificate
    method: str
    status: str
    iterations: int
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def optimal_gain(self) -> float:
        """``max_s gain(s)``; equals ``g*`` everywhere when the optimal gain is constant."""
        return float(self.gain.max())

    def summary(self) -> str:
        """Several lines for humans."""
        lo, hi = self.certificate.bracket
        return (f"method={self.method} status={self.status} iterations={self.iterations}\n"
                f"gain in [{self.gain.min():.10g}, {self.gain.max():.10g}]; bracket "
                f"{lo:.10g} <= g*(s) <= {hi:.10g}\n"
                f"residuals: gain {self.certificate.gain_residual:.1e}, bias "
                f"{self.certificate.bias_residual:.1e} (rounding {self.certificate.rounding:.1e})\n"
                f"bias (P* h = 0) in [{self.bias.min():.6g}, {self.bias.max():.6g}]")

    def __repr__(self) -> str:
        return (f"AverageResult(method={self.method!r}, status={self.status!r}, iterations="
                f"{self.iterations}, gain=[{self.gain.min():.6g}, {self.gain.max():.6g}], "
                f"S={self.gain.shape[0]})")


# -- evaluation ------------------------------------------------------------------------------------
def _norm(x: np.ndarray) -> float:
    return float(np.max(np.abs(x))) if x.size else 0.0


def _check_model(m) -> TabularMDP:
    if not isinstance(m, TabularMDP):
        raise InvalidArgumentError(f"m must be a TabularMDP, got {type(m).__name__}")
    return m


def _evaluate(m: TabularMDP, W: np.ndarray):
    P_pi = tr.policy_matrix(m.rows, W)
    r_pi = np.einsum("sa,sa->s", W, m._R)
    g, h, classes, _, _, kappa = gain_bias(P_pi, r_pi)
    return g, h, P_pi, r_pi, len(classes), kappa


def evaluate_policy_average(m: TabularMDP, pi, *, with_certificate: bool = False):
    r"""Gain and bias of a stationary policy, exactly.

    ``g = P*_pi r_pi`` and the bias ``h`` (normalised by ``P*_pi h = 0``) solve ``g = P_pi g``,
    ``g + h = r_pi + P_pi h`` (Puterman 1994, Sec. 8.2). They are computed class by class: on each
    closed class ``C`` of ``P_pi`` the stationary distribution and ``h`` from one LU factorisation
    of ``I - P_{C', C'}`` (``C'`` = ``C`` without one pinned state of large stationary mass, which
    keeps the system well conditioned), on the transient states by
    ``(I - P_TT) g_T = P_{T,rec} g_rec`` and ``(I - P_TT) h_T = r_T - g_T + P_{T,rec} h_rec``.
    The model's ``gamma`` is ignored.

    Parameters
    ----------
    m : TabularMDP
    pi : (S,) actions or (S, A) probabilities
    with_certificate : bool
        Also return ``max(||P_pi g - g||_inf, ||r_pi + P_pi h - g - h||_inf)``, the residual of
        the evaluation equations at the computed ``(g, h)``.

    Returns
    -------
    gain, bias : ndarray (S,)
    residual : float, only if ``with_certificate``
    """
    m = _check_model(m)
    check_bool(with_certificate, "with_certificate")
    W = policy_weights(pi, m.n_states, m.n_actions)
    g, h, P_pi, r_pi, _, _ = _evaluate(m, W)
    if with_certificate:
        res = max(_norm(P_pi @ g - g), _norm(r_pi + P_pi @ h - g - h))
        return g, h, float(res)
    return g, h


# -- the optimality equations at (g, h) ------------------------------------------------------------
def _backups(m: TabularMDP, g: np.ndarray, h: np.ndarray):
    """``Pg[s, a] = P(.|s, a) g`` and ``Qh[s, a] = r(s, a) + P(.|s, a) h`` by the Bellman kernel."""
    S, A = m.n_states, m.n_actions
    Pg = np.empty((S, A))
    Qh = np.empty((S, A))
    v, a = np.empty(S), np.empty(S, dtype=np.int64)
    kernels.bellman_backup(m.operand, 0, np.zeros((S, A)), 1.0, g, Pg, v, a)
    kernels.bellman_backup(m.operand, 0, m._R, 1.0, h, Qh, v, a)
    return Pg, Qh


def _thresholds(m: TabularMDP, g: np.ndarray, h: np.ndarray, Pg, Qh, pi,
                scale: float = 1.0) -> tuple[float, float]:
    """Improvement thresholds: twice the evaluation residual plus twice the backup rounding ``rho``
    (two backups are compared), times ``scale`` (raised when rounding made a policy recur)."""
    idx = np.arange(m.n_states)
    rho_g = backup_rounding(m.max_row_nnz, 0.0, _norm(g), 1.0)
    rho_h = (backup_rounding(m.max_row_nnz, _norm(m._R), _norm(h), 1.0)
             + 2 * UNIT_ROUNDOFF * _norm(g))
    e_g = _norm(Pg[idx, pi] - g)
    e_h = _norm(Qh[idx, pi] - g - h)
    return scale * (2.0 * e_g + 2.0 * rho_g), scale * (2.0 * e_h + 2.0 * rho_h)


def _certificate(g, h, Pg, Qh, theta_g, theta_h) -> tuple[AverageCertificate, np.ndarray]:
    best_g = Pg.max(axis=1)
    B = Pg >= (best_g - theta_g)[:, None]
    QB = np.where(B, Qh, -np.inf)
    best_h = QB.max(axis=1)
    Th = Qh.max(axis=1)
    diff = Th - h
    cert = AverageCertificate(gain_residual=_norm(best_g - g), bias_residual=_norm(best_h - g - h),
                              bracket=(float(diff.min()), float(diff.max())),
                              rounding=float(max(theta_g, theta_h)))
    optimal = B & (QB >= (best_h - theta_h)[:, None])
    return cert, optimal


# -- multichain policy iteration -------------------------------------------------------------------
def _one_hot(actions: np.ndarray, A: int) -> np.ndarray:
    W = np.zeros((actions.shape[0], A))
    W[np.arange(actions.shape[0]), actions] = 1.0
    return W


def _policy_iteration(m: TabularMDP, pi0: np.ndarray, max_iter: int, info: dict):
    S, A = m.n_states, m.n_actions
    idx = np.arange(S)
    pi = pi0.copy()
    status, k, steps = "max_iter", 0, {"gain": 0, "bias": 0}
    seen: set[bytes] = set()
    scale = 1.0
    for k in range(1, max_iter + 1):
        key = pi.tobytes()
        if key in seen:
            # exact policy iteration never returns to a policy (each step improves (g, h)
            # lexicographically): a recurrence is rounding, so demand larger improvements
            scale *= 10.0
        seen.add(key)
        g, h, _, _, n_classes, kappa = _evaluate(m, _one_hot(pi, A))
        Pg, Qh = _backups(m, g, h)
        theta_g, theta_h = _thresholds(m, g, h, Pg, Qh, pi, scale)
        # gain improvement: switch only where some action beats the current one by theta_g
        best_g = Pg.max(axis=1)
        improve = best_g > Pg[idx, pi] + theta_g
        kind, choice = "gain", np.argmax(Pg, axis=1)
        if not improve.any():
            # bias improvement among the gain-conserving actions
            B = Pg >= (best_g - theta_g)[:, None]
            QB = np.where(B, Qh, -np.inf)
            improve = QB.max(axis=1) > Qh[idx, pi] + theta_h
            kind, choice = "bias", np.argmax(QB, axis=1)
        if not improve.any():
            status = "exact"
            break
        if k == max_iter:  # keep (g, h) the gain and bias of the returned policy
            break
        pi = np.where(improve, choice, pi)
        steps[kind] += 1
    cert, optimal = _certificate(g, h, Pg, Qh, theta_g, theta_h)
    info.update(improvement_steps=steps, closed_classes=n_classes, kappa=kappa,
                threshold_scale=scale)
    return g, h, pi, optimal, cert, status, k


# -- linear program --------------------------------------------------------------------------------
def _linear_program(m: TabularMDP, max_iter: int, info: dict):
    S, A = m.n_states, m.n_actions
    rows = m.rows if m.is_sparse else tr.dense_to_csr(m.rows)
    E = sp.csr_matrix((np.ones(S * A), (np.arange(S * A), np.repeat(np.arange(S), A))),
                      shape=(S * A, S))
    D = (rows - E).tocsr()
    zero = sp.csr_matrix((S * A, S))
    # rows 0 .. SA-1: P g - g(s) <= 0 (dual y);  rows SA .. 2SA-1: -g(s) + P h - h(s) <= -r (dual x)
    A_ub = sp.vstack([sp.hstack([D, zero]), sp.hstack([-E, D])], format="csr")
    b_ub = np.concatenate([np.zeros(S * A), -m._R.ravel()])
    c = np.concatenate([np.full(S, 1.0 / S), np.zeros(S)])
    # interior point (with crossover, so the duals are basic) first: predictable on random models;
    # the dual simplex as a fallback when it reports numerical trouble
    tried = []
    for lp_method in ("highs-ipm", "highs-ds"):
        res = linprog(c, A_ub=A_ub, b_ub=b_ub, bounds=(None, None), method=lp_method,
                      options={"primal_feasibility_tolerance": 1e-9,
                               "dual_feasibility_tolerance": 1e-9})
        tried.append(f"{lp_method}: status {res.status} ({res.message})")
        if res.status == 0:
            break
    else:
        raise SolverFailedError("HiGHS failed on the multichain average-reward linear program: "
                                + "; ".join(tried))
    duals = -np.asarray(res.ineqlin.marginals)
    y = duals[:S * A].reshape(S, A)
    x = duals[S * A:].reshape(S, A)
    in_x = x.sum(axis=1) > 1e-12
    pi_lp = np.where(in_x, np.argmax(x, axis=1), np.argmax(y, axis=1))
    info.update(lp_gain=np.asarray(res.x[:S]), lp_bias=np.asarray(res.x[S:]),
                lp_objective=float(res.fun), lp_message=res.message, lp_method=lp_method,
                lp_policy=pi_lp.copy())
    g, h, pi, optimal, cert, status, k = _policy_iteration(m, pi_lp, max_iter, info)
    info["polish_steps"] = k - 1
    return g, h, pi, optimal, cert, status, 1


# -- relative value iteration ----------------------------------------------------------------------
def _require_weakly_communicating(m: TabularMDP) -> None:
    from .total_reward import maximal_end_components

    labels, _ = maximal_end_components(m)
    comps = np.unique(labels[labels >= 0])
    if comps.size > 1:
        a = np.flatnonzero(labels == comps[0])
        b = np.flatnonzero(labels == comps[1])
        raise UnsupportedModelError(
            f"method='rvi' needs a weakly communicating MDP (constant optimal gain); this one has "
            f"{comps.size} maximal end components, e.g. states {a[:8].tolist()} and "
            f"{b[:8].tolist()}, between which no policy moves: use method='pi' or 'lp'")


def _relative_value_iteration(m: TabularMDP, tol: float, max_iter: int, tau: float, ref: int,
                              info: dict):
    _require_weakly_communicating(m)
    S, A = m.n_states, m.n_actions
    T, R = m.operand, m._R
    h = np.zeros(S)
    Q = np.empty((S, A))
    Th = np.empty(S)
    greedy = np.empty(S, dtype=np.int64)
    best, since_best, status, k = math.inf, 0, "max_iter", 0
    lo = hi = math.nan
    rho = 0.0
    for k in range(1, max_iter + 1):
        kernels.bellman_backup(T, 0, R, 1.0, h, Q, Th, greedy)
        diff = Th - h
        lo, hi = float(diff.min()), float(diff.max())
        width = hi - lo
        rho = backup_rounding(m.max_row_nnz, _norm(R), _norm(h), 1.0) + UNIT_ROUNDOFF * _norm(diff)
        if width <= tol:
            status = "converged"
            break
        if width < best:
            best, since_best = width, 0
        else:
            since_best += 1
            if since_best >= 50 and width <= 1e3 * rho:
                status = "floor"
                break
        h_new = tau * Th + (1.0 - tau) * h
        h = h_new - h_new[ref]
    pi = greedy.copy()
    g, hb, _, _, n_classes, kappa = _evaluate(m, _one_hot(pi, A))
    Pg, Qh = _backups(m, g, hb)
    theta_g, theta_h = _thresholds(m, g, hb, Pg, Qh, pi)
    own, _ = _certificate(g, hb, Pg, Qh, theta_g, theta_h)
    cert = AverageCertificate(gain_residual=own.gain_residual, bias_residual=own.bias_residual,
                              bracket=(lo, hi), rounding=float(2.0 * rho))
    info.update(tau=tau, reference_state=ref, relative_values=h, closed_classes=n_classes,
                policy_bracket=own.bracket)
    return g, hb, pi, None, cert, status, k


# -- entry point -----------------------------------------------------------------------------------
def solve_average(m: TabularMDP, method: str = "pi", tol: float = 1e-10,
                  max_iter: int | None = None, *, tau: float = 0.5, reference_state: int = 0,
                  initial_policy=None) -> AverageResult:
    r"""Solve an average-reward MDP: optimal gain, a bias, an optimal policy, and a certificate.

    Parameters
    ----------
    m : TabularMDP
        Any finite MDP (multichain included for ``"pi"`` and ``"lp"``; weakly communicating for
        ``"rvi"``, refused otherwise naming two end components between which no policy moves).
        Its ``gamma``, if any, is ignored.
    method : {"pi", "lp", "rvi"}
        See the module docstring.
    tol : float
        RVI: the bracket width asked for (``sp(T h - h) <= tol``). PI and LP are exact and ignore
        it.
    max_iter : int, optional
        RVI sweeps (default 1,000,000) or PI improvement steps (default 10,000).
    tau : float in (0, 1), keyword-only
        RVI's aperiodicity transform ``P~ = tau P + (1 - tau) I``.
    reference_state : int, keyword-only
        RVI's normalisation state ``s_0`` (``h_k(s_0) = 0``).
    initial_policy : (S,) actions, keyword-only
        PI's starting policy (default: the greedy policy of ``r``).

    Returns
    -------
    AverageResult
        ``gain``, ``bias`` (of ``policy``, normalised by ``P* h = 0``), ``policy``,
        ``optimal_actions``, ``certificate``, ``method``, ``status``, ``info``.

    Examples
    --------
    >>> from rlcert.mdp import instances
    >>> from rlcert.mdp.average import solve_average
    >>> res = solve_average(instances.joa_two_state(delta=0.1, eps=0.05))
    >>> round(res.optimal_gain, 12)  # (delta + eps) / (2 delta + eps)
    0.6
    """
    m = _check_model(m)
    check_choice(method, "method", METHODS)
    tol = check_tolerance(tol)
    if max_iter is not None:
        max_iter = check_positive_int(max_iter, "max_iter", InvalidArgumentError)
    tau = check_real(tau, "tau", lower=0.0, upper=1.0, lower_open=True, upper_open=True)
    S, A = m.n_states, m.n_actions
    ref = check_positive_int(reference_state, "reference_state", InvalidArgumentError, minimum=0)
    if ref >= S:
        raise InvalidArgumentError(f"reference_state={ref} is not a state index in [0, {S})")
    if initial_policy is not None and method != "pi":
        raise InvalidArgumentError(f"initial_policy applies to method='pi' only, not {method!r}")
    t0 = time.perf_counter()
    info: dict = {}
    if method == "pi":
        if initial_policy is None:
            pi0 = np.argmax(m._R, axis=1)
        else:
            pi0 = action_array(initial_policy, S, A, "initial_policy")
        out = _policy_iteration(m, pi0, 10_000 if max_iter is None else max_iter, info)
    elif method == "lp":
        check_lp_rewards(m, "method='lp'")
        out = _linear_program(m, 10_000 if max_iter is None else max_iter, info)
    else:
        out = _relative_value_iteration(m, tol, 1_000_000 if max_iter is None else max_iter,
                                        float(tau), ref, info)
    g, h, pi, optimal, cert, status, k = out
    info["seconds"] = time.perf_counter() - t0
    return AverageResult(gain=g, bias=h, policy=np.asarray(pi, dtype=np.int64),
                         optimal_actions=optimal, certificate=cert, method=method, status=status,
                         iterations=int(k), info=info)


__all__ = ["solve_average", "evaluate_policy_average", "AverageResult", "AverageCertificate"]
