"""The catalog's named symbols: each described scalar is declared once, as a module attribute,
and the sympy-free tables (rlcert.theory._plain) are the ones the symbols module uses."""

import sympy as sp

from rlcert.theory import _plain, symbols


def test_every_described_scalar_is_a_declared_positive_symbol():
    for name in _plain._DESCRIPTIONS:
        sym = getattr(symbols, name)
        assert isinstance(sym, sp.Symbol) and sym.name == name and sym.is_positive
        assert symbols.symbol(name) is sym


def test_the_declarations_are_exactly_the_described_names():
    declared = {n for n, v in vars(symbols).items()
                if isinstance(v, sp.Symbol) and not isinstance(v, sp.Idx) and not n.startswith("_")}
    assert declared == set(_plain._DESCRIPTIONS)


def test_the_plain_helpers_are_reexported():
    assert symbols.describe is _plain.describe and symbols.is_integer is _plain.is_integer
    assert symbols.describe("tau_reg").startswith("entropy-regularisation weight")
    assert symbols.LATEX_NAMES[symbols.tau_reg] == r"\tau_{\mathrm{ent}}"
    assert _plain.matches_words("Upper bound of UCRL2", "ucrl2 UPPER")
    assert not _plain.matches_words("Upper bound", "upper lower")
