"""The named symbols that theorem cards are written in.

Every card's expression uses these sympy symbols (all positive reals), so that the same name means
the same thing across the catalog. Users pass values by these names
(``evaluate("regret.ucrl2.upper", D=10, S=6, A=2, T=1e6, delta=0.05)``).

Vector symbols (one value per arm or per state) are sympy ``IndexedBase`` objects summed with
``Sum(..., (i, 1, k))``; they are evaluated with numpy arrays whose last axis runs over ``i``.
"""

from __future__ import annotations

import sympy as sp

from ._plain import (_DESCRIPTIONS, _VECTOR_DESCRIPTIONS, INTEGER_SYMBOLS,  # noqa: F401
                     UnknownSymbolError, _check_name, all_names, describe, is_integer, is_vector)

_POSITIVE = {name: sp.Symbol(name, positive=True) for name in _DESCRIPTIONS}

#: The scalar symbols, one module attribute each (``from rlcert.theory.symbols import S, A``).
S: sp.Symbol = _POSITIVE["S"]
A: sp.Symbol = _POSITIVE["A"]
H: sp.Symbol = _POSITIVE["H"]
K: sp.Symbol = _POSITIVE["K"]
T: sp.Symbol = _POSITIVE["T"]
gamma: sp.Symbol = _POSITIVE["gamma"]
eps: sp.Symbol = _POSITIVE["eps"]
delta: sp.Symbol = _POSITIVE["delta"]
d: sp.Symbol = _POSITIVE["d"]
t_mix: sp.Symbol = _POSITIVE["t_mix"]
D: sp.Symbol = _POSITIVE["D"]
span: sp.Symbol = _POSITIVE["span"]
n: sp.Symbol = _POSITIVE["n"]
tau: sp.Symbol = _POSITIVE["tau"]
tau_reg: sp.Symbol = _POSITIVE["tau_reg"]
R_max: sp.Symbol = _POSITIVE["R_max"]
k: sp.Symbol = _POSITIVE["k"]
g: sp.Symbol = _POSITIVE["g"]
sigma2: sp.Symbol = _POSITIVE["sigma2"]
b: sp.Symbol = _POSITIVE["b"]
V_n: sp.Symbol = _POSITIVE["V_n"]
L: sp.Symbol = _POSITIVE["L"]
S_L: sp.Symbol = _POSITIVE["S_L"]
Gamma_L: sp.Symbol = _POSITIVE["Gamma_L"]
R_O: sp.Symbol = _POSITIVE["R_O"]
C_cov: sp.Symbol = _POSITIVE["C_cov"]
c_min: sp.Symbol = _POSITIVE["c_min"]
mismatch: sp.Symbol = _POSITIVE["mismatch"]
inv_mu: sp.Symbol = _POSITIVE["inv_mu"]
eta: sp.Symbol = _POSITIVE["eta"]
t: sp.Symbol = _POSITIVE["t"]
m: sp.Symbol = _POSITIVE["m"]
t_k: sp.Symbol = _POSITIVE["t_k"]
c: sp.Symbol = _POSITIVE["c"]
rho: sp.Symbol = _POSITIVE["rho"]
residual: sp.Symbol = _POSITIVE["residual"]
logdet: sp.Symbol = _POSITIVE["logdet"]
lam: sp.Symbol = _POSITIVE["lam"]

#: Vector symbols: per-arm gaps and per-arm KL divergences.
Delta = sp.IndexedBase("Delta", positive=True)
KL = sp.IndexedBase("KL", positive=True)
#: Summation index of vector symbols.
i = sp.Idx("i")

#: LaTeX names for symbols whose plain name is not the usual notation.
LATEX_NAMES = {
    _POSITIVE["eps"]: r"\varepsilon", _POSITIVE["t_mix"]: r"t_{\mathrm{mix}}",
    _POSITIVE["span"]: r"\mathrm{sp}(h^*)", _POSITIVE["R_max"]: r"R_{\max}",
    _POSITIVE["sigma2"]: r"\sigma^2", _POSITIVE["S_L"]: r"S_{L(1+\varepsilon)}",
    _POSITIVE["Gamma_L"]: r"\Gamma_{L(1+\varepsilon)}", _POSITIVE["R_O"]: r"R(\mathcal{O})",
    _POSITIVE["C_cov"]: r"C_{\mathrm{cov}}", _POSITIVE["c_min"]: r"c",
    _POSITIVE["inv_mu"]: r"\|1/\mu\|_\infty", _POSITIVE["t_k"]: r"t_k", _POSITIVE["V_n"]: r"V_n",
    _POSITIVE["logdet"]: r"\log\frac{\det V_t}{\det V_0}", _POSITIVE["lam"]: r"\lambda",
    _POSITIVE["tau_reg"]: r"\tau_{\mathrm{ent}}",
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


__all__ = ["symbol", "describe", "is_vector", "is_integer", "all_names", "UnknownSymbolError",
           "INTEGER_SYMBOLS", "LATEX_NAMES", "Delta", "KL", "i"]
