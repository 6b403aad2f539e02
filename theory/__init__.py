"""What is claimed: the theorem catalog.

One card per theorem (upper and lower bounds alike): the bound as a sympy expression in named
symbols, the source's constants and log factors (or the label ``order`` when only the rate is
known), the guarantee type, units, domain and reference. This subpackage imports only sympy,
and only when a card is first asked for: ``import rlcert.theory`` is cheap, and the command line
reads a compiled snapshot of the catalog (:mod:`rlcert.theory.snapshot`) without sympy.

>>> from rlcert import theory
>>> card = theory.get("concentration.hoeffding")
>>> card.kind, card.constants
('upper', 'explicit')
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._plain import CONSTANTS, GUARANTEES, KINDS, SETTINGS

if TYPE_CHECKING:
    from .card import Card, CardError, Condition, Reference
    from .registry import UnknownCardError, cards, get, search

__all__ = ["Card", "Condition", "Reference", "CardError", "UnknownCardError", "cards", "get",
           "search", "SETTINGS", "KINDS", "GUARANTEES", "CONSTANTS"]

#: Public names defined in the sympy-based modules, imported on first access (PEP 562).
_LAZY = {"Card": "card", "Condition": "card", "Reference": "card", "CardError": "card",
         "UnknownCardError": "registry", "cards": "registry", "get": "registry",
         "search": "registry"}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
