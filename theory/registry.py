"""The catalog's registry: every card by id, with lookup and text search."""

from __future__ import annotations

import importlib
import pkgutil

from ._plain import filter_error, matches_words
from .card import Card, CardError


class UnknownCardError(KeyError, ValueError):
    """No card has this id (the message suggests near matches)."""

    def __str__(self) -> str:  # KeyError would quote the message
        return self.args[0] if self.args else ""


_REGISTRY: dict[str, Card] = {}


def _load() -> dict[str, Card]:
    if _REGISTRY:
        return _REGISTRY
    from . import catalog
    found: dict[str, Card] = {}
    for info in sorted(pkgutil.iter_modules(catalog.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{catalog.__name__}.{info.name}")
        for card in getattr(module, "CARDS", ()):
            if card.card_id in found:
                raise CardError(f"card id {card.card_id!r} is defined twice")
            found[card.card_id] = card
    for card in found.values():
        if card.matches is not None and card.matches not in found:
            raise CardError(f"card {card.card_id}: matches={card.matches!r} is not a card")
    _REGISTRY.update(found)
    return _REGISTRY


_PARTIAL: dict[str, Card] = {}


def _find(card_id: str) -> Card | None:
    """The card ``card_id`` from the catalog modules whose source names it, importing only those
    (building every card's sympy expression is most of a ``rlcert bounds eval``); None when no
    module names it literally, and :func:`get` then loads the whole catalog."""
    if _REGISTRY or card_id in _PARTIAL:
        return (_REGISTRY or _PARTIAL).get(card_id)
    import os

    from . import catalog
    needles = (f'"{card_id}"', f"'{card_id}'")
    for info in sorted(pkgutil.iter_modules(catalog.__path__), key=lambda m: m.name):
        try:
            with open(os.path.join(list(catalog.__path__)[0], info.name + ".py"),
                      encoding="utf-8") as f:
                source = f.read()
        except OSError:
            return None
        if not any(n in source for n in needles):
            continue
        module = importlib.import_module(f"{catalog.__name__}.{info.name}")
        for card in getattr(module, "CARDS", ()):
            if _PARTIAL.get(card.card_id, card) is not card:
                raise CardError(f"card id {card.card_id!r} is defined twice")
            _PARTIAL[card.card_id] = card
    return _PARTIAL.get(card_id)


def get(card_id: str) -> Card:
    """The card with id ``card_id`` (:class:`UnknownCardError`, a ``ValueError``, for an id that
    is not in the catalog or not a string)."""
    if not isinstance(card_id, str):
        raise UnknownCardError(f"card_id must be a card id (str), got {card_id!r}")
    found = _find(card_id)
    if found is not None:
        return found
    reg = _load()
    if card_id not in reg:
        import difflib
        close = difflib.get_close_matches(card_id, list(reg), n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise UnknownCardError(f"card_id={card_id!r}: no card with this id in the catalog{hint}")
    return reg[card_id]


def cards(setting: str | None = None, kind: str | None = None,
          constants: str | None = None) -> list[Card]:
    """Cards filtered by setting, kind (``upper``/``lower``) and constants (``explicit``/``order``),
    sorted by id."""
    bad = filter_error(setting, kind, constants)
    if bad:
        raise CardError(bad)
    out = [c for c in _load().values()
           if (setting is None or c.setting == setting) and (kind is None or c.kind == kind)
           and (constants is None or c.constants == constants)]
    return sorted(out, key=lambda c: c.card_id)


def search(text: str) -> list[Card]:
    """Cards whose id, title, reference, assumptions or notes contain every word of ``text``
    (case-insensitive)."""
    if not isinstance(text, str):
        raise CardError(f"text must be a string of search words, got {text!r}")
    hits = [c for c in _load().values() if matches_words(c.search_text(), text)]
    return sorted(hits, key=lambda c: c.card_id)
