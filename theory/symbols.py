"""The named symbols that theorem cards are written in.

Every card's expression uses these sympy symbols (all positive reals), so that the same name means
the same thing across the catalog. Users pass values by these names
(``evaluate("regret.ucrl2.upper", D=10, S=6, A=2, T=1e6, delta=0.05)``).

Vector symbols (one value per arm or per state) are sympy ``IndexedBase`` objects summed with
``Sum(..., (i, 1, k))``; they are evaluated with numpy arrays whose last axis runs over ``i``.
"""

from __future__ import annotations

import sympy as sp

_DESCRIPTIONS: dict[str, str] = {
    "S": "number of states",
    "A": "number of actions (per state)",
    "H": "horizon (steps per episode)",
    "K": "number of episodes",
    "T": "number of time steps or episodes, as the card's T_unit says",
    "gamma": "discount factor",
    "eps": "accuracy",
    "delta": "failure probability",
    "d": "feature dimension",
    "t_mix": "mixing time (total variation, threshold 1/4), uniform over policies",
    "D": "diameter",
    "span": "span of the optimal bias, sp(h*)",
    "n": "number of samples, pulls or rounds",
    "tau": "CVaR tail fraction",
    "R_max": "largest reward",
    "k": "number of arms",
    "g": "upper bound on the best arm's total reward (EXP3)",
    "sigma2": "variance",
    "b": "almost-sure bound on the increments (range)",
    "V_n": "sample variance",
    "L": "reachability radius (autonomous exploration)",
    "S_L": "number of L-reachable states, S_{L(1+eps)}",
    "Gamma_L": "branching factor of the L-reachable states, Gamma_{L(1+eps)}",
    "R_O": "cumulative regret of the regression oracles, R(O)",
    "C_cov": "instance-dependent coverage term (defined by the card)",
    "c_min": "smallest probability of the optimal action along the run, c (Mei et al.)",
    "mismatch": "distribution-mismatch coefficient ||d_mu^{pi*} / mu||_inf",
    "inv_mu": "||1 / mu||_inf for the start distribution mu",
    "eta": "step size",
    "t": "iteration count",
    "m": "number of state-action pairs",
    "t_k": "time at the start of the episode",
    "c": "absolute constant left unspecified by the source",
    "rho": "radius of the uncertainty set",
    "residual": "Bellman residual ||T V - V||_inf of a value estimate V",
    "logdet": "log-determinant ratio log(det V_t / det V_0) of a regularised Gram matrix "
              "V_t = V_0 + sum_s x_s x_s^T",
    "lam": "ridge (regularisation) parameter lambda, V_0 = lambda I",
}

_POSITIVE = {name: sp.Symbol(name, positive=True) for name in _DESCRIPTIONS}
globals().update(_POSITIVE)

#: Vector symbols: per-arm gaps and per-arm KL divergences.
Delta = sp.IndexedBase("Delta", positive=True)
KL = sp.IndexedBase("KL", positive=True)
#: Summation index of vector symbols.
i = sp.Idx("i")

_VECTOR_DESCRIPTIONS = {
    "Delta": "gap of each suboptimal arm, mu* - mu_i (one value per arm)",
    "KL": "KL(P_i, P*) of each suboptimal arm's reward law to the best arm's (one value per arm)",
}

#: Symbols that count things (states, actions, steps, episodes, samples, arms, dimensions,
#: iterations): :func:`rlcert.bounds.evaluate` refuses non-integral values for them unless asked
#: for the formula's continuous extension.
INTEGER_SYMBOLS = frozenset({"S", "A", "H", "K", "T", "n", "k", "d", "m", "t", "t_k", "S_L",
                             "Gamma_L"})


class UnknownSymbolError(KeyError, ValueError):
    """No catalog symbol has this name."""

    def __str__(self) -> str:  # KeyError would quote the message
        return self.args[0] if self.args else ""


def _check_name(name) -> str:
    if not isinstance(name, str):
        raise UnknownSymbolError(f"name must be a symbol name (str), got {name!r}")
    return name


#: LaTeX names for symbols whose plain name is not the usual notation.
LATEX_NAMES = {
    _POSITIVE["eps"]: r"\varepsilon", _POSITIVE["t_mix"]: r"t_{\mathrm{mix}}",
    _POSITIVE["span"]: r"\mathrm{sp}(h^*)", _POSITIVE["R_max"]: r"R_{\max}",
    _POSITIVE["sigma2"]: r"\sigma^2", _POSITIVE["S_L"]: r"S_{L(1+\varepsilon)}",
    _POSITIVE["Gamma_L"]: r"\Gamma_{L(1+\varepsilon)}", _POSITIVE["R_O"]: r"R(\mathcal{O})",
    _POSITIVE["C_cov"]: r"C_{\mathrm{cov}}", _POSITIVE["c_min"]: r"c",
    _POSITIVE["inv_mu"]: r"\|1/\mu\|_\infty", _POSITIVE["t_k"]: r"t_k", _POSITIVE["V_n"]: r"V_n",
    _POSITIVE["logdet"]: r"\log\frac{\det V_t}{\det V_0}", _POSITIVE["lam"]: r"\lambda",
}


def symbol(name: str) -> sp.Symbol:
    """The catalog symbol called ``name`` (for a vector symbol: a scalar stand-in used to state
    conditions on each of its entries)."""
    _check_name(name)
    if name in _VECTOR_DESCRIPTIONS:
        return sp.Symbol(name, positive=True)
    if name not in _POSITIVE:
        raise UnknownSymbolError(f"name={name!r} is not a catalog symbol; the symbols are "
                                 f"{all_names()}")
    return _POSITIVE[name]


def describe(name: str) -> str:
    """What the symbol ``name`` stands for (empty for a name that is not a catalog symbol)."""
    _check_name(name)
    if name in _DESCRIPTIONS:
        return _DESCRIPTIONS[name]
    return _VECTOR_DESCRIPTIONS.get(name, "")


def is_vector(name: str) -> bool:
    """True for vector symbols (evaluated with an array over arms or states)."""
    return _check_name(name) in _VECTOR_DESCRIPTIONS


def is_integer(name: str) -> bool:
    """True for the symbols that count things (:data:`INTEGER_SYMBOLS`)."""
    return _check_name(name) in INTEGER_SYMBOLS


def all_names() -> list[str]:
    """Every symbol name, scalars then vectors."""
    return list(_DESCRIPTIONS) + list(_VECTOR_DESCRIPTIONS)
