"""Several cards on one table: :func:`compare`.

:func:`compare` reads the catalog through a small interface (:class:`SympyCatalog`: a card by id,
its value, its trivial bound), so that the command line can compare cards from the compiled
snapshot of the catalog (:class:`rlcert.bounds.snapshot.SnapshotCatalog`) with the same rules.
sympy is imported when a card is first compiled, not with this module.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from .evaluate import BoundError, convert_T, evaluate

if TYPE_CHECKING:
    from rlcert.theory import Card


class Catalog(Protocol):
    """What :func:`compare_cards` needs of a catalog."""

    def get(self, card_id: str) -> Any:
        """The card (an object with ``card_id``, ``kind``, ``quantity``, ``guarantee``,
        ``constants``, ``T_unit``, ``samples_unit``, ``matches``, ``symbol_names`` and
        ``trivial``, whose ``str`` is the trivial bound's formula, or None)."""

    def evaluate(self, card: Any, params: dict) -> float:
        """The card's bound at ``params`` (:class:`BoundError` outside its domain)."""

    def trivial(self, card: Any, params: dict) -> float | None:
        """The card's trivial bound at ``params``; None without one or a value it needs."""


class SympyCatalog:
    """The catalog of :mod:`rlcert.theory`, evaluated with :func:`rlcert.bounds.evaluate`."""

    def get(self, card_id: str) -> Card:
        from rlcert.theory import get

        return get(card_id)

    def evaluate(self, card: Card, params: dict) -> float:
        return float(evaluate(card.card_id, **params))

    def trivial(self, card: Card, params: dict) -> float | None:
        return _trivial(card, params)


@dataclass(frozen=True)
class Row:
    """One card of a comparison."""

    card_id: str
    kind: str
    quantity: str
    guarantee: str
    constants: str
    units: str
    value: float | None
    note: str = ""
    matches: str | None = None
    ratio_to_match: float | None = None


@dataclass(frozen=True)
class Comparison:
    """Rows in display order: each upper bound is followed by its matching lower bound when both
    are compared. ``ratio_to_match`` is upper / lower for such a pair."""

    rows: tuple[Row, ...]
    params: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        """JSON-ready."""
        return {"params": {k: _jsonable(v) for k, v in self.params.items()},
                "rows": [asdict(r) for r in self.rows]}

    def to_json(self) -> str:
        """The comparison as JSON text."""
        return json.dumps(self.to_dict(), indent=1)

    def __str__(self) -> str:
        head = ("card", "kind", "constants", "guarantee", "units", "value", "upper/lower", "note")
        body = [(r.card_id, r.kind, r.constants, r.guarantee, r.units,
                 "-" if r.value is None else f"{r.value:.6g}",
                 "" if r.ratio_to_match is None else f"{r.ratio_to_match:.4g}", r.note)
                for r in self.rows]
        widths = [max(len(str(x)) for x in col) for col in zip(head, *body)]
        lines = ["  ".join(str(x).ljust(w) for x, w in zip(row, widths)).rstrip()
                 for row in (head, *body)]
        lines.insert(1, "  ".join("-" * w for w in widths))
        return "\n".join(lines)

    def to_latex(self) -> str:
        """A LaTeX ``tabular`` of the comparison."""
        lines = [r"\begin{tabular}{llllrr}", r"\hline",
                 r"card & kind & constants & guarantee & value & upper/lower \\", r"\hline"]
        for r in self.rows:
            val = "--" if r.value is None else f"{r.value:.4g}"
            ratio = "" if r.ratio_to_match is None else f"{r.ratio_to_match:.3g}"
            lines.append(f"\\texttt{{{r.card_id}}} & {r.kind} & {r.constants} & "
                         f"{r.guarantee.replace('_', ' ')} & {val} & {ratio} \\\\")
        lines += [r"\hline", r"\end{tabular}"]
        return "\n".join(lines)


def _jsonable(v):
    if isinstance(v, str):
        return v
    try:
        return float(v)
    except (TypeError, ValueError):
        return [float(x) for x in v]


def _units(card: Card) -> str:
    parts = []
    if card.T_unit:
        parts.append(f"T in {card.T_unit}")
    if card.samples_unit:
        parts.append(f"samples {card.samples_unit}")
    return ", ".join(parts) or "-"


def _order(cards: list, get) -> list:
    ids = {c.card_id for c in cards}
    out, placed = [], set()
    for c in cards:
        if c.card_id in placed:
            continue
        out.append(c)
        placed.add(c.card_id)
        if c.kind == "upper" and c.matches in ids and c.matches not in placed:
            out.append(get(c.matches))
            placed.add(c.matches)
    return out


def compare(card_ids, *, T_unit: str | None = None, **params) -> Comparison:
    """Evaluate several cards at the same parameters, each upper bound next to its matching
    lower bound.

    Parameters a card does not use are ignored for it; a card missing a parameter or outside its
    domain gets no value and a note saying why. An upper bound at or above its quantity's trivial
    bound (``Card.trivial``: regret ``<= T`` in steps, ``<= H T`` in episodes) is noted as
    vacuous; an upper bound below its matching lower bound is noted too, with the likely reason
    when the two cards count ``T`` in different units.

    Parameters
    ----------
    card_ids : sequence of str
        Card ids (a single id is refused rather than read as its characters); an id that is not
        in the catalog raises :class:`~rlcert.theory.UnknownCardError`.
    T_unit : {"steps", "episodes"}, optional
        The unit of the ``T`` given. Each card is then evaluated at ``T`` converted to its own
        unit (:func:`~rlcert.bounds.convert_T`, which needs ``H``), so that cards counting in
        different units are compared at the same horizon and get their upper/lower ratio.
        Without it, ``T`` is passed to every card as it is, and a pair whose units differ gets no
        ratio.
    **params
        The cards' parameters (numbers; vector symbols as sequences).

    Returns
    -------
    Comparison
        The rows in display order.
    """
    return compare_cards(SympyCatalog(), card_ids, T_unit, params)


def compare_cards(catalog: Catalog, card_ids, T_unit: str | None, params: dict) -> Comparison:
    """:func:`compare` over a given catalog (see :class:`Catalog`)."""
    get = catalog.get
    if isinstance(card_ids, (str, bytes)):
        raise BoundError(f"card_ids must be a list of card ids, got the string {card_ids!r} (for "
                         f"one card, pass [card_id])")
    try:
        card_ids = list(card_ids)
    except TypeError:
        raise BoundError(f"card_ids must be a list of card ids, got {card_ids!r}") from None
    if not card_ids:
        raise BoundError("card_ids is empty: name at least one card")
    if T_unit is not None:
        if T_unit not in ("steps", "episodes"):
            raise BoundError(f"T_unit={T_unit!r} is not one of ('steps', 'episodes')")
        if "T" not in params:
            raise BoundError(f"T_unit={T_unit!r} was given without T")
    cards = _order([get(c) for c in card_ids], get)
    values: dict[str, float | None] = {}
    rows: list[tuple[Any, float | None, list[str]]] = []
    for c in cards:
        used = {k: v for k, v in params.items() if k in c.symbol_names}
        notes = []
        try:
            if T_unit is not None and c.T_unit is not None and c.T_unit != T_unit \
                    and "T" in used:
                if "H" not in params:
                    raise BoundError(f"T is given in {T_unit}; converting it to {c.T_unit} "
                                     f"needs H")
                used["T"] = convert_T(params["T"], T_unit, c.T_unit, params["H"])
                notes.append(f"T = {float(used['T']):.6g} {c.T_unit}")
            val: float | None = catalog.evaluate(c, used)
        except BoundError as exc:
            val = None
            notes.append(str(exc).replace(f"{c.card_id}: ", "").replace(c.card_id + " ", ""))
        trivial = catalog.trivial(c, used) if val is not None and c.kind == "upper" else None
        if trivial is not None and val is not None and val >= trivial:
            notes.append(f"vacuous: at least the trivial bound {c.trivial} = {trivial:.6g}")
        values[c.card_id] = val
        rows.append((c, val, notes))
    out = []
    for c, val, notes in rows:
        ratio = None
        m = c.matches
        lower_value = values.get(m) if m is not None else None
        if c.kind == "upper" and m is not None and val is not None and lower_value:
            lower = get(m)
            same_units = lower.T_unit == c.T_unit and lower.samples_unit == c.samples_unit
            if same_units or (T_unit is not None and lower.samples_unit == c.samples_unit):
                ratio = val / lower_value
                if val < lower_value:
                    notes.append(f"below its lower bound {m}")
            else:
                why = (", which is why it sits below that lower bound" if val < lower_value
                       else "")
                notes.append(f"units differ from {m} (T in {c.T_unit} vs {lower.T_unit}){why}: "
                             f"convert first (T_unit= or --convert-T, with H)")
        out.append(Row(c.card_id, c.kind, c.quantity, c.guarantee, c.constants, _units(c), val,
                       "; ".join(notes), m, ratio))
    shown = dict(params)
    if T_unit is not None:
        shown["T_unit"] = T_unit
    return Comparison(tuple(out), shown)


def trivial_function(card: Card):
    """``(names, fn)``: the card's trivial bound compiled to numpy (``fn(*values of names)``), or
    None when the card has none."""
    import sympy as sp

    if card.trivial is None:
        return None
    names = sorted(str(s) for s in card.trivial.free_symbols)
    return names, sp.lambdify(names, card.trivial, "numpy")


def trivial_value(compiled, used: dict) -> float | None:
    """The value of a compiled trivial bound (:func:`trivial_function`) at ``used``, or None when
    there is none or a value it needs is missing or not a scalar."""
    if compiled is None:
        return None
    names, fn = compiled
    if any(n not in used or np.ndim(used[n]) != 0 for n in names):
        return None
    return float(fn(*[float(used[n]) for n in names]))


def _trivial(card: Card, used: dict) -> float | None:
    """The card's trivial bound at ``used``, or None when it has none (or misses a value)."""
    return trivial_value(trivial_function(card), used)
