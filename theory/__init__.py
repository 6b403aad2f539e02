"""What is claimed: the theorem catalog.

One card per theorem (upper and lower bounds alike): the bound as a sympy expression in named
symbols, the source's constants and log factors (or the label ``order`` when only the rate is
known), the guarantee type, units, domain and reference. This subpackage imports only sympy.

>>> from rlcert import theory
>>> card = theory.get("concentration.hoeffding")
>>> card.kind, card.constants
('upper', 'explicit')
"""

from .card import (CONSTANTS, GUARANTEES, KINDS, SETTINGS, Card, CardError, Condition,
                   Reference)
from .registry import UnknownCardError, cards, get, search

__all__ = ["Card", "Condition", "Reference", "CardError", "UnknownCardError", "cards", "get",
           "search", "SETTINGS", "KINDS", "GUARANTEES", "CONSTANTS"]
