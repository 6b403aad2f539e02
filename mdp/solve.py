"""The entry point of the exact oracles: :func:`solve` dispatches on the model and its discount."""

from __future__ import annotations

from ._validate import check_choice, check_lp_rewards, check_positive_int, check_tolerance
from .discounted import METHODS, solve_discounted
from .errors import InvalidArgumentError, UnsupportedModelError
from .finite_horizon import solve_finite_horizon
from .linear import LinearMDP, solve_linear
from .models import FiniteHorizonMDP, TabularMDP
from .results import FiniteHorizonResult, SolveResult


def solve(m: TabularMDP | FiniteHorizonMDP, method: str = "auto", tol: float = 1e-8,
          max_iter: int | None = None, **options) -> SolveResult | FiniteHorizonResult:
    r"""Solve an MDP exactly and say how exact the answer is.

    Parameters
    ----------
    m : TabularMDP, FiniteHorizonMDP or LinearMDP
        ``gamma < 1``: discounted (:mod:`rlcert.mdp.discounted`); ``gamma = 1``: total reward
        with absorbing zero-reward terminal states (:mod:`rlcert.mdp.total_reward`);
        :class:`FiniteHorizonMDP`: backward induction (:mod:`rlcert.mdp.finite_horizon`);
        :class:`~rlcert.mdp.linear.LinearMDP`: :func:`~rlcert.mdp.linear.solve_linear` through
        the factorisation (``method`` ``"auto"`` or ``"pi"``, no options).
        ``gamma=None`` is refused (no discount attached).
    method : {"auto", "vi", "gs", "pi", "mpi", "lp"}
        Discounted solver; ignored for finite-horizon models (always backward induction).
    tol : float
        The certificate asked for: a bound on ``||V - V*||_inf``. When rounding stops the
        certificate above it, the solver says so with ``status="floor"``, and then
        ``||V - V*||_inf <= certificate + rounding <= info["floor"]``
        (:func:`~rlcert.mdp.results.floor_bound`).
    max_iter : int, optional
        Iteration cap. The defaults for ``"vi"``, ``"gs"`` and ``"mpi"`` are derived so that the
        certificate reaches ``tol`` in exact arithmetic (see
        :func:`~rlcert.mdp.discounted.default_max_sweeps` and
        :func:`~rlcert.mdp.discounted.default_max_improvements`); policy iteration's default is
        10,000 improvement steps, not proven to suffice for every model (see
        :func:`~rlcert.mdp.discounted.solve_discounted`); total-reward models use 10,000.
        ``status="max_iter"`` reports a cap that was hit.
    **options
        ``sparsify`` (None: convert dense storage with at most 25% nonzeros to CSR; True;
        False), ``evaluation`` ("auto", "direct", "krylov": PI/LP linear solver), ``inner``
        (MPI's partial-evaluation sweeps, default 20), ``initial_policy`` and ``trace`` (PI:
        start policy; record the successive policies in ``info["policies"]``).

    Returns
    -------
    SolveResult or FiniteHorizonResult
        ``V``, ``Q``, ``policy``, ``optimal_actions``, ``certificate``, ``status``, ...

    Examples
    --------
    >>> from rlcert.mdp import instances, solve
    >>> res = solve(instances.riverswim(6, gamma=0.95))
    >>> res.status, res.certificate < 1e-8
    ('converged', True)
    """
    tol = check_tolerance(tol)
    if max_iter is not None:
        max_iter = check_positive_int(max_iter, "max_iter", InvalidArgumentError)
    if isinstance(m, LinearMDP):
        if method not in ("auto", "pi") or options:
            raise InvalidArgumentError(f"a LinearMDP is solved by solve_linear (backward "
                                       f"induction or policy iteration): method={method!r} and "
                                       f"options {sorted(options)} do not apply")
        return solve_linear(m, tol=tol, max_iter=1000 if max_iter is None else max_iter)
    if isinstance(m, FiniteHorizonMDP):
        if options:
            raise InvalidArgumentError(f"options {sorted(options)} do not apply to finite-horizon "
                                       f"models (backward induction)")
        return solve_finite_horizon(m)
    if not isinstance(m, TabularMDP):
        raise InvalidArgumentError(f"m must be a TabularMDP, FiniteHorizonMDP or LinearMDP, got "
                                   f"{type(m).__name__}")
    if m.gamma is None:
        raise UnsupportedModelError("solve needs a discount: the model has gamma=None (attach one "
                                    "with m.with_gamma(gamma); average-reward models have their "
                                    "own oracle)")
    check_choice(method, "method", METHODS)
    if method == "lp" or (m.gamma == 1.0 and method == "auto" and float(m._R.min()) >= 0.0):
        check_lp_rewards(m, f"method={method!r}")  # the positive total-reward solver is an LP
    if m.gamma == 1.0:
        from .total_reward import solve_total_reward
        return solve_total_reward(m, method=method, tol=tol, max_iter=max_iter, **options)
    allowed = {"sparsify", "evaluation", "inner", "initial_policy", "trace"}
    unknown = set(options) - allowed
    if unknown:
        raise InvalidArgumentError(f"unknown options {sorted(unknown)}; allowed: {sorted(allowed)}")
    applies = {"inner": ("mpi",), "initial_policy": ("pi", "auto"), "trace": ("pi", "auto"),
               "evaluation": ("pi", "lp", "auto"), "sparsify": METHODS}
    for key in options:
        if method not in applies[key]:
            raise InvalidArgumentError(f"option {key!r} does not apply to method={method!r} "
                                       f"(only to {list(applies[key])})")
    return solve_discounted(m, method, tol, max_iter, **options)
