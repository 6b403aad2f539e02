r"""Backward induction for :class:`~rlcert.mdp.FiniteHorizonMDP`.

``V[H] = 0``; for ``h = H-1, ..., 0``: ``Q[h] = r_h + gamma P_h V[h+1]``, ``V[h] = max_a Q[h]``
(Puterman 1994, Sec. 4.5). Indices are 0-based: ``V[h]`` is the papers' ``V_{h+1}``. The result
is exact up to rounding: each stage adds at most ``rho_h`` (see
:func:`~rlcert.mdp.results.backup_rounding`) to the error of the next, so
``||V[h] - V*_h||_inf <= sum_{j >= h} gamma^{j-h} rho_j``; the certificate is that sum at ``h = 0``.
"""

from __future__ import annotations

import numpy as np

from . import kernels
from ._validate import array_bytes, check_memory
from .discounted import PARALLEL_MIN_ENTRIES
from .errors import InvalidArgumentError
from .models import FiniteHorizonMDP
from .results import FiniteHorizonResult, backup_rounding


def solve_finite_horizon(m: FiniteHorizonMDP) -> FiniteHorizonResult:
    """Optimal values, Q-values and a deterministic Markov optimal policy by backward induction.

    The result holds ``V (H+1, S)``, ``Q (H, S, A)``, ``policy (H, S)`` and ``optimal_actions
    (H, S, A)``; a horizon whose arrays would not fit in memory is refused up front. Stages with
    fewer than :data:`~rlcert.mdp.discounted.PARALLEL_MIN_ENTRIES` transition entries are swept
    by one serial compiled call (the same row arithmetic, hence the same numbers): waking the
    worker threads once per stage costs more than such a backup."""
    if not isinstance(m, FiniteHorizonMDP):
        raise InvalidArgumentError(f"m must be a FiniteHorizonMDP, got {type(m).__name__}")
    H, S, A, g = m.horizon, m.n_states, m.n_actions, m.gamma
    check_memory(array_bytes(H + 1, S) + array_bytes(H, S, A) + array_bytes(H, S)
                 + array_bytes(H, S, A, itemsize=1),
                 f"backward induction with horizon={H}, S={S}, A={A} (V, Q, policy and optimal "
                 f"actions)")
    V = np.zeros((H + 1, S))
    Q = np.empty((H, S, A))
    policy = np.empty((H, S), dtype=np.int64)
    T, R, stride = m.operand, m._R, m.stage_stride
    if S * A * m.max_row_nnz < PARALLEL_MIN_ENTRIES:  # one serial compiled call, every stage
        kernels.backward_induction(T, stride, R, g, V, Q, policy)
    else:
        for h in range(H - 1, -1, -1):  # one parallel kernel call per stage
            kernels.bellman_backup(T, h * stride, R[h], g, V[h + 1], Q[h], V[h], policy[h])
    r_norm = float(np.max(np.abs(R)))
    error = 0.0
    stage_error = np.empty(H + 1)
    stage_error[H] = 0.0
    for h in range(H - 1, -1, -1):
        rho = backup_rounding(m.max_row_nnz, r_norm, float(np.max(np.abs(V[h + 1]))), g)
        error = rho + g * error
        stage_error[h] = error
    # Q[h] is off by at most rho_h + gamma * err_{h+1} <= err_h; ties within 2 err_h are kept.
    optimal = Q >= (V[:H] - 2.0 * stage_error[:H, None])[:, :, None]
    return FiniteHorizonResult(V=V, Q=Q, policy=policy, optimal_actions=optimal,
                               certificate=float(stage_error.max()), method="backward_induction",
                               status="exact", horizon=H, gamma=g,
                               info={"stage_error": stage_error})
