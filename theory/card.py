"""The theorem card: one object per theorem (upper and lower bounds alike).

A card states what a source claims, in a form a computer can evaluate: the bound as a sympy
expression in the catalog's named symbols (:mod:`rlcert.theory.symbols`), the guarantee type, the
units, the machine-checkable domain, the rate it claims, and whether its constants are the
source's own (``explicit``) or only the order is known (``order``: the expression is the rate with
constant 1, and the card says so). Constants are never invented.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

import sympy as sp

from ._plain import CONSTANTS, GUARANTEES, KINDS, SAMPLE_UNITS, SETTINGS, T_UNITS  # noqa: F401
from .symbols import LATEX_NAMES, describe


class CardError(ValueError):
    """A card is malformed (raised when the catalog is built, naming the card and the field)."""


@dataclass(frozen=True)
class Reference:
    """Where a theorem comes from."""

    authors: str
    year: int
    title: str
    venue: str
    locator: str  # theorem / corollary / equation number
    url: str = ""

    def __str__(self) -> str:
        return f"{self.authors} ({self.year}). {self.title}. {self.venue}. {self.locator}."


@dataclass(frozen=True)
class Condition:
    """One machine-checkable condition of a card's domain.

    Either an interval for one symbol (``Condition.interval("delta", 0, 1)`` is ``0 < delta < 1``)
    or a sympy relation between symbols (``Condition.relation(T >= D * S * A, "T >= DSA")``).
    """

    expr: sp.Basic
    text: str
    symbol: str | None = None
    lower: float | None = None
    upper: float | None = None
    lower_open: bool = True
    upper_open: bool = True

    @classmethod
    def interval(cls, name: str, lower: float | None = None, upper: float | None = None, *,
                 lower_open: bool = True, upper_open: bool = True) -> "Condition":
        """``lower < name < upper`` (open or closed ends; None for unbounded)."""
        from .symbols import symbol
        x = symbol(name)
        parts = []
        if lower is not None:
            parts.append(x > lower if lower_open else x >= lower)
        if upper is not None:
            parts.append(x < upper if upper_open else x <= upper)
        expr = sp.And(*parts) if parts else sp.true
        lo = "(" if lower_open else "["
        hi = ")" if upper_open else "]"
        text = (f"{name} in {lo}{'-inf' if lower is None else _fmt(lower)}, "
                f"{'inf' if upper is None else _fmt(upper)}{hi}")
        return cls(expr=expr, text=text, symbol=name, lower=lower, upper=upper,
                   lower_open=lower_open, upper_open=upper_open)

    @classmethod
    def relation(cls, expr: sp.Basic, text: str) -> "Condition":
        """A relation between symbols, e.g. ``T >= D * S * A``."""
        return cls(expr=expr, text=text)

    @property
    def names(self) -> list[str]:
        """Symbols the condition involves."""
        return sorted(str(s) for s in self.expr.free_symbols)


def _real_example(value) -> bool:
    """A real number (not a bool) or a non-empty list or tuple of them."""
    import numbers
    if isinstance(value, (list, tuple)):
        return bool(value) and all(_real_example(v) for v in value)
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _fmt(x: float) -> str:
    return repr(x) if not float(x).is_integer() else str(int(x))


@dataclass(frozen=True)
class Card:
    """A theorem, stated so that it can be evaluated, inverted and checked.

    Attributes
    ----------
    card_id : str
        Dotted identifier, e.g. ``"regret.ucrl2.upper"``.
    title, setting, kind, quantity : str
        ``setting`` in :data:`SETTINGS`, ``kind`` ``"upper"`` or ``"lower"``, ``quantity`` what is
        bounded (``"regret"``, ``"sample_complexity"``, ``"iterations"``, ...).
    expr : sympy expression
        The bound, in the symbols of :mod:`rlcert.theory.symbols`.
    guarantee : str
        ``deterministic``, ``high_probability`` (with ``delta``), ``expectation``, ``asymptotic``.
    constants : str
        ``explicit`` (the source's constants and log factors) or ``order`` (rate only, constant 1).
    rate : mapping
        Per symbol, ``(power, log power)`` of the bound's growth; the key ``"eff_horizon"`` stands
        for ``1 / (1 - gamma)``.
    domain : tuple of Condition
        Where the theorem applies.
    reference : Reference
    T_unit, samples_unit : str or None
        ``steps`` / ``episodes`` where T appears; ``total`` / ``per_pair`` for sample counts.
    matches : str or None
        The matching lower (for an upper) or upper (for a lower) card in the same setting and units.
    assumptions, notes : str
    definitions : mapping
        Meaning of symbols specific to this card (e.g. an instance-dependent term).
    trivial : sympy expression or None
        The quantity's trivial bound (regret <= K*H, width <= range, ...): a bound at or above it
        is ``vacuous``.
    verification : str
        How the constants were checked against the source: ``primary: ...`` (seen in the source),
        ``secondary: ...`` (a restatement citing it), ``derived: ...`` (derived here from a checked
        statement), ``standard: ...`` (a textbook inequality whose source text was not read here,
        checked by simulation). Required for ``explicit`` cards.
    example : mapping
        A point of the domain with every parameter (used by documentation and self-checks).
    rate_point : mapping
        Where the asymptotic rate of a symbol is measured, when the default (1e10 for counts and
        sizes, 1e-10 for eps, delta, tau; effective horizon 1e6) is outside the domain.
    """

    card_id: str
    title: str
    setting: str
    kind: str
    quantity: str
    expr: sp.Expr
    guarantee: str
    constants: str
    rate: Mapping[str, tuple[float, float]]
    domain: tuple[Condition, ...]
    reference: Reference
    T_unit: str | None = None
    samples_unit: str | None = None
    matches: str | None = None
    assumptions: str = ""
    notes: str = ""
    definitions: Mapping[str, str] = field(default_factory=dict)
    trivial: sp.Expr | None = None
    verification: str = ""
    example: Mapping[str, object] = field(default_factory=dict)
    rate_point: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.card_id, str) or not self.card_id:
            raise CardError(f"card_id must be a non-empty string, got {self.card_id!r}")
        if not isinstance(self.expr, sp.Basic):
            raise CardError(f"card {self.card_id}: expr must be a sympy expression, got "
                            f"{type(self.expr).__name__}")
        if not isinstance(self.domain, (tuple, list)) or not all(
                isinstance(c, Condition) for c in self.domain):
            raise CardError(f"card {self.card_id}: domain must be a tuple of Condition, got "
                            f"{self.domain!r}")
        if not isinstance(self.reference, Reference):
            raise CardError(f"card {self.card_id}: reference must be a Reference, got "
                            f"{type(self.reference).__name__}")
        for name, value in dict(self.example).items():
            if not _real_example(value):
                raise CardError(f"card {self.card_id}: example[{name!r}] = {value!r} is not a "
                                f"real number (or a list of them)")
        for attr, allowed in (("setting", SETTINGS), ("kind", KINDS), ("guarantee", GUARANTEES),
                              ("constants", CONSTANTS)):
            if getattr(self, attr) not in allowed:
                raise CardError(f"card {self.card_id}: {attr}={getattr(self, attr)!r} is not one "
                                f"of {allowed}")
        if self.T_unit is not None and self.T_unit not in T_UNITS:
            raise CardError(f"card {self.card_id}: T_unit={self.T_unit!r} is not one of {T_UNITS}")
        if self.samples_unit is not None and self.samples_unit not in SAMPLE_UNITS:
            raise CardError(f"card {self.card_id}: samples_unit={self.samples_unit!r} is not one "
                            f"of {SAMPLE_UNITS}")
        if "T" in self.symbol_names and self.T_unit is None:
            raise CardError(f"card {self.card_id}: the bound uses T but T_unit is not set")
        if (self.guarantee == "high_probability" and self.constants == "explicit"
                and "delta" not in self.symbol_names):
            raise CardError(f"card {self.card_id}: an explicit high-probability bound must "
                            f"involve delta")
        for cond in self.domain:
            stray = [n for n in ([cond.symbol] if cond.symbol else cond.names)
                     if n not in self.symbol_names]
            if stray:
                raise CardError(f"card {self.card_id}: the domain condition {cond.text!r} uses "
                                f"{stray}, which the bound does not")
        if self.constants == "explicit" and not self.verification:
            raise CardError(f"card {self.card_id}: an explicit card must say how its constants "
                            f"were verified (field 'verification')")
        missing = [n for n in self.symbol_names if n not in self.example]
        if missing:
            raise CardError(f"card {self.card_id}: example misses parameters {missing}")
        unknown = [k for k in self.rate if k != "eff_horizon" and k not in self.symbol_names]
        if unknown:
            raise CardError(f"card {self.card_id}: rate names {unknown}, which the bound does "
                            f"not use")

    # -- symbols -------------------------------------------------------------------------------
    @property
    def vector_names(self) -> list[str]:
        """Vector symbols (IndexedBase) used by the bound."""
        return sorted({str(x.base.label) for x in self.expr.atoms(sp.Indexed)})

    @property
    def symbol_names(self) -> list[str]:
        """Every parameter the bound needs (scalars, then vectors)."""
        # a sum's limits only say "over every entry of the vector": its length is implicit
        body = self.expr.replace(lambda e: isinstance(e, sp.Sum), lambda e: e.function)
        scalars = {str(s) for s in body.free_symbols
                   if isinstance(s, sp.Symbol) and not isinstance(s, sp.Idx)}
        scalars -= {str(b.label) for b in self.expr.atoms(sp.IndexedBase)}
        return sorted(scalars) + self.vector_names

    def parameters(self) -> dict[str, str]:
        """Each parameter with its meaning (card-specific definitions first)."""
        return {n: self.definitions.get(n, describe(n)) for n in self.symbol_names}

    # -- presentation --------------------------------------------------------------------------
    def latex(self) -> str:
        """The bound in LaTeX."""
        return sp.latex(self.expr, symbol_names=LATEX_NAMES)

    def formula(self) -> str:
        """The bound as plain text."""
        return sp.sstr(self.expr)

    def describe(self) -> str:
        """A multi-line statement: formula, guarantee, units, domain, reference."""
        lines = [f"{self.card_id}: {self.title}",
                 f"  {self.kind} bound on {self.quantity} ({self.setting}); guarantee: "
                 f"{self.guarantee}; constants: {self.constants}",
                 f"  bound = {self.formula()}"]
        if self.T_unit:
            lines.append(f"  T counts {self.T_unit}")
        if self.samples_unit:
            lines.append(f"  samples counted {self.samples_unit.replace('_', ' ')}")
        if self.domain:
            lines.append("  domain: " + "; ".join(c.text for c in self.domain))
        if self.rate:
            lines.append("  rate: " + ", ".join(
                f"{k}^{p:g}" + (f" log^{q:g}" if q else "") for k, (p, q) in self.rate.items()))
        lines.append("  parameters: " + "; ".join(f"{k}: {v}" for k, v in self.parameters().items()))
        if self.matches:
            lines.append(f"  matches: {self.matches}")
        if self.assumptions:
            lines.append(f"  assumptions: {self.assumptions}")
        lines.append(f"  reference: {self.reference}")
        if self.verification:
            lines.append(f"  constants checked: {self.verification}")
        if self.notes:
            lines.append(f"  notes: {self.notes}")
        return "\n".join(lines)

    def search_text(self) -> str:
        """The text :func:`rlcert.theory.search` looks in: id, title, reference, assumptions,
        notes, quantity and setting."""
        return " ".join([self.card_id, self.title, str(self.reference), self.assumptions,
                         self.notes, self.quantity, self.setting])

    def to_dict(self) -> dict:
        """A JSON-ready description."""
        return {
            "card_id": self.card_id, "title": self.title, "setting": self.setting,
            "kind": self.kind, "quantity": self.quantity, "formula": self.formula(),
            "latex": self.latex(), "guarantee": self.guarantee, "constants": self.constants,
            "rate": {k: list(v) for k, v in self.rate.items()},
            "domain": [c.text for c in self.domain], "T_unit": self.T_unit,
            "samples_unit": self.samples_unit, "matches": self.matches,
            "parameters": self.parameters(), "assumptions": self.assumptions,
            "notes": self.notes, "reference": str(self.reference),
            "verification": self.verification,
            "trivial": None if self.trivial is None else sp.sstr(self.trivial),
            "example": {k: (list(v) if isinstance(v, (list, tuple)) else v)
                        for k, v in self.example.items()},
        }
