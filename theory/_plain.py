"""The parts of the catalog that need no sympy: symbol names and meanings, the counting
symbols, the card fields' allowed values and the text search rule.

:mod:`rlcert.theory.symbols` and :mod:`rlcert.theory.card` re-export these; this module exists so
that the command line (``rlcert bounds ...``) can answer from a compiled snapshot of the catalog
(:mod:`rlcert.theory.snapshot`) without importing sympy.
"""

from __future__ import annotations

SETTINGS = ("planning", "discounted", "episodic", "average-reward", "generative", "linear",
            "bandit", "robust", "cvar", "policy-gradient", "concentration", "pac")
KINDS = ("upper", "lower")
GUARANTEES = ("deterministic", "high_probability", "expectation", "asymptotic")
CONSTANTS = ("explicit", "order")
T_UNITS = ("steps", "episodes")
SAMPLE_UNITS = ("total", "per_pair")

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
    "tau_reg": "entropy-regularisation weight (the tau of Cen et al.)",
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


def filter_error(setting, kind, constants) -> str | None:
    """The message for the first of the filters of :func:`rlcert.theory.cards` whose value is not
    one of its allowed values (None is always allowed), or None when all are valid."""
    for name, value, allowed in (("setting", setting, SETTINGS), ("kind", kind, KINDS),
                                 ("constants", constants, CONSTANTS)):
        if value is not None and (not isinstance(value, str) or value not in allowed):
            return f"{name}={value!r} is not one of {allowed}"
    return None


def matches_words(text: str, words: str) -> bool:
    """True when ``text`` contains every whitespace-separated word of ``words``, ignoring case
    (the rule of :func:`rlcert.theory.search`)."""
    low = text.lower()
    return all(w in low for w in words.lower().split())
