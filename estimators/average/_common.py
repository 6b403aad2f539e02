"""Input checks shared by the continuing (non-episodic) learners of :mod:`rlcert.estimators.average`
and :mod:`rlcert.estimators.pac`."""

from __future__ import annotations

import numbers
import operator

import numpy as np

from rlcert.mdp import TabularMDP


class ContinuingArgumentError(ValueError):
    """A continuing learner's parameter, its environment or a protocol call is out of range (the
    message names the argument and the bad value)."""


def positive_real(value: float, name: str, *, upper: float | None = None, upper_open: bool = True
                  ) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real) \
            or not np.isfinite(value) or value <= 0:
        raise ContinuingArgumentError(f"{name} must be a positive number, got {value!r}")
    if upper is not None and (value >= upper if upper_open else value > upper):
        raise ContinuingArgumentError(f"{name}={value!r} is not in (0, {upper}"
                                      f"{')' if upper_open else ']'}")
    return float(value)


def nonnegative_real(value: float, name: str) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real) \
            or not np.isfinite(value) or value < 0:
        raise ContinuingArgumentError(f"{name} must be a non-negative number, got {value!r}")
    return float(value)


def positive_int(value, name: str) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral) or value < 1:
        raise ContinuingArgumentError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def check_rewards_unit(m: TabularMDP, algorithm: str) -> None:
    R = m.R
    if R.min() < 0.0 or R.max() > 1.0:
        raise ContinuingArgumentError(f"{algorithm} needs rewards in [0, 1]; the model's range is "
                                      f"[{R.min():.6g}, {R.max():.6g}] (rescale it)")


def check_tabular(m, algorithm: str) -> TabularMDP:
    if not isinstance(m, TabularMDP):
        raise ContinuingArgumentError(f"{algorithm} runs on a TabularMDP, got {type(m).__name__}")
    check_rewards_unit(m, algorithm)
    return m


def check_noise(reward_noise) -> bool:
    if reward_noise not in ("none", "bernoulli"):
        raise ContinuingArgumentError(f"reward_noise={reward_noise!r} is not 'none' or "
                                      f"'bernoulli'")
    return reward_noise == "bernoulli"


def check_transition(dims, s, a, r, s_next, algorithm: str) -> tuple[int, int, float, int]:
    """``observe(s, a, r, s_next)`` arguments as indices and a reward in [0, 1]."""
    S, A = dims
    try:
        if any(type(v) is bool or isinstance(v, np.bool_) for v in (s, a, s_next)):
            raise TypeError
        i_s, ia, i_n = (operator.index(v) for v in (s, a, s_next))
    except TypeError:
        i_s = -1
        ia = i_n = 0
    if not (0 <= i_s < S and 0 <= i_n < S and 0 <= ia < A):
        raise ContinuingArgumentError(f"{algorithm}.observe(s={s!r}, a={a!r}, r={r!r}, "
                                      f"s_next={s_next!r}) is outside S={S}, A={A}")
    if isinstance(r, (bool, np.bool_)) or not isinstance(r, numbers.Real) \
            or not 0.0 <= float(r) <= 1.0:
        raise ContinuingArgumentError(f"{algorithm}.observe(...): reward r={r!r} is not in [0, 1]")
    return i_s, ia, float(r), i_n


def check_state(dims, s, algorithm: str) -> int:
    S = dims[0]
    try:
        if type(s) is bool or isinstance(s, np.bool_):
            raise TypeError
        i = operator.index(s)
    except TypeError:
        i = -1
    if not 0 <= i < S:
        raise ContinuingArgumentError(f"{algorithm}.act(s={s!r}) is not a state in [0, {S})")
    return i
