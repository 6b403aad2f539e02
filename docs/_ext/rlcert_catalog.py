"""Sphinx extension: the theorem catalog, generated from the cards at build time.

Directives
----------
``.. rlcert-catalog::``
    One section per setting (in the order of :data:`rlcert.theory.SETTINGS`), each with one
    table: the card's id and title, its bound in LaTeX (``Card.latex()``, i.e. ``sympy.latex`` of
    ``card.expr`` with :data:`rlcert.theory.symbols.LATEX_NAMES`) and domain, its guarantee and
    units, its constants status (``explicit`` with how they were verified, or ``order``) and its
    reference. Every card gets the anchor ``card-<id with dots as dashes>``.
``.. rlcert-symbols::``
    The catalog's named symbols: name, LaTeX, meaning.

The tables are built as docutils nodes (no reStructuredText is generated), so that the cards' free
text needs no escaping.
"""

from __future__ import annotations

import re

import sympy as sp
from docutils import nodes
from docutils.parsers.rst import Directive
from sphinx.util import logging

logger = logging.getLogger(__name__)

SETTING_TITLES = {
    "planning": "Planning", "discounted": "Discounted MDPs", "episodic": "Episodic MDPs",
    "average-reward": "Average reward", "generative": "Generative model",
    "linear": "Linear MDPs", "bandit": "Bandits", "robust": "Robust MDPs", "cvar": "CVaR",
    "policy-gradient": "Policy gradient", "concentration": "Concentration inequalities",
    "pac": "PAC learning", "offline": "Offline RL",
}


def card_anchor(card_id: str) -> str:
    return "card-" + re.sub(r"[^a-z0-9]+", "-", card_id.lower()).strip("-")


def _para(*children) -> nodes.paragraph:
    p = nodes.paragraph()
    for c in children:
        p += c if isinstance(c, nodes.Node) else nodes.Text(str(c))
    return p


def _literal(text: str) -> nodes.literal:
    return nodes.literal(text, text)


def _entry(*paragraphs) -> nodes.entry:
    e = nodes.entry()
    for p in paragraphs:
        if p is not None:
            e += p
    return e


def _table(headers: list[str], widths: list[int], rows: list[list[nodes.entry]],
           classes=()) -> nodes.table:
    table = nodes.table(classes=["rlcert-catalog", "colwidths-given", *classes])
    tgroup = nodes.tgroup(cols=len(headers))
    table += tgroup
    for w in widths:
        tgroup += nodes.colspec(colwidth=w)
    thead = nodes.thead()
    tgroup += thead
    head = nodes.row()
    for h in headers:
        head += _entry(_para(h))
    thead += head
    tbody = nodes.tbody()
    tgroup += tbody
    for cells in rows:
        row = nodes.row()
        for c in cells:
            row += c
        tbody += row
    return table


def _units(card) -> str:
    parts = [card.guarantee.replace("_", " ")]
    if card.T_unit:
        parts.append(f"T in {card.T_unit}")
    if card.samples_unit:
        parts.append("samples " + card.samples_unit.replace("_", " "))
    return "; ".join(parts)


def _reference(card) -> nodes.paragraph:
    ref = card.reference
    text = str(ref)
    if ref.url:
        return _para(nodes.reference(text, text, refuri=ref.url))
    return _para(text)


def card_row(card) -> list[nodes.entry]:
    ident = _para(_literal(card.card_id))
    ident["ids"].append(card_anchor(card.card_id))
    title = _para(nodes.emphasis(card.title, card.title))
    what = _para(f"{card.kind} bound on {card.quantity.replace('_', ' ')}")
    matches = _para("matches ", _literal(card.matches)) if card.matches else None

    latex = r"\displaystyle " + card.latex()  # full-size fractions and sums inside the cell
    formula = _para(nodes.math(latex, latex))
    domain = (_para("domain: " + "; ".join(c.text for c in card.domain))
              if card.domain else None)
    defs = (_para("; ".join(f"{k}: {v}" for k, v in card.definitions.items()))
            if card.definitions else None)

    if card.constants == "explicit":
        note = _para(card.verification) if card.verification else None
        if note is not None:
            note["classes"].append("rlcert-note")
        constants = [_para(nodes.strong("explicit", "explicit")), note]
    else:
        constants = [_para(nodes.strong("order", "order")),
                     _para("rate only, constant 1")]
    return [_entry(ident, title, what, matches), _entry(formula, domain, defs),
            _entry(_para(_units(card))), _entry(*constants), _entry(_reference(card))]


class CatalogDirective(Directive):
    has_content = False

    def run(self):
        from rlcert import theory
        env = self.state.document.settings.env
        out: list[nodes.Node] = []
        all_cards = theory.cards()
        n_explicit = sum(c.constants == "explicit" for c in all_cards)
        out.append(_para(f"{len(all_cards)} cards: {n_explicit} with the source's explicit "
                         f"constants, {len(all_cards) - n_explicit} order only. Generated from "
                         f"rlcert.theory.cards() when these pages were built."))
        settings = list(theory.SETTINGS) + sorted({c.setting for c in all_cards}
                                                  - set(theory.SETTINGS))
        for setting in settings:
            cards = theory.cards(setting=setting) if setting in theory.SETTINGS else \
                [c for c in all_cards if c.setting == setting]
            if not cards:
                continue
            title = SETTING_TITLES.get(setting, setting.replace("-", " ").capitalize())
            section = nodes.section(ids=[f"catalog-{setting}"])
            section += nodes.title(title, title)
            n_exp = sum(c.constants == "explicit" for c in cards)
            section += _para(f"Setting ", _literal(setting), f": {len(cards)} cards "
                             f"({n_exp} explicit, {len(cards) - n_exp} order).")
            section += _table(["card", "bound", "guarantee and units", "constants",
                               "reference"], [19, 35, 11, 17, 18],
                              [card_row(c) for c in cards])
            out.append(section)
            std = env.get_domain("std")
            for c in cards:  # :ref:`card-...` links to a card's row
                std.note_hyperlink_target(card_anchor(c.card_id), env.docname,
                                          card_anchor(c.card_id), c.card_id)
        return out


class SymbolsDirective(Directive):
    has_content = False

    def run(self):
        from rlcert.theory import symbols
        rows = []
        for name in symbols.all_names():
            sym = symbols.symbol(name)
            latex = sp.latex(sym, symbol_names=symbols.LATEX_NAMES)
            rows.append([_entry(_para(_literal(name))), _entry(_para(nodes.math(latex, latex))),
                         _entry(_para(symbols.describe(name)))])
        return [_table(["name", "symbol", "meaning"], [15, 15, 70], rows)]


def setup(app):
    app.add_directive("rlcert-catalog", CatalogDirective)
    app.add_directive("rlcert-symbols", SymbolsDirective)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
