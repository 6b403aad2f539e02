"""Several cards on one table: :func:`compare`."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

from rlcert.theory import Card, get

from .evaluate import BoundError, evaluate


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


def _order(cards: list[Card]) -> list[Card]:
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


def compare(card_ids, **params) -> Comparison:
    """Evaluate several cards at the same parameters, each upper bound next to its matching
    lower bound. Parameters a card does not use are ignored for it; a card missing a parameter or
    outside its domain gets no value and a note saying why.

    ``card_ids`` is a non-empty sequence of card ids (a single id is refused rather than read as
    its characters); an id that is not in the catalog raises
    :class:`~rlcert.theory.registry.UnknownCardError`."""
    if isinstance(card_ids, (str, bytes)):
        raise BoundError(f"card_ids must be a list of card ids, got the string {card_ids!r} (for "
                         f"one card, pass [card_id])")
    try:
        card_ids = list(card_ids)
    except TypeError:
        raise BoundError(f"card_ids must be a list of card ids, got {card_ids!r}") from None
    if not card_ids:
        raise BoundError("card_ids is empty: name at least one card")
    cards = _order([get(c) for c in card_ids])
    values: dict[str, float | None] = {}
    rows = []
    for c in cards:
        used = {k: v for k, v in params.items() if k in c.symbol_names}
        try:
            val = float(evaluate(c.card_id, **used))
            note = ""
        except BoundError as exc:
            val, note = None, str(exc).replace(f"{c.card_id}: ", "").replace(c.card_id + " ", "")
        values[c.card_id] = val
        rows.append([c, val, note])
    out = []
    for c, val, note in rows:
        ratio = None
        m = c.matches
        if c.kind == "upper" and m in values and val is not None and values[m]:
            lower = get(m)
            if lower.T_unit != c.T_unit or lower.samples_unit != c.samples_unit:
                note = (note + "; " if note else "") + f"units differ from {m}: convert first"
            else:
                ratio = val / values[m]
        out.append(Row(c.card_id, c.kind, c.quantity, c.guarantee, c.constants, _units(c), val,
                       note, m, ratio))
    return Comparison(tuple(out), dict(params))
