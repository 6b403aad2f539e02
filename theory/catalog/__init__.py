"""The cards, one module per area; each module defines ``CARDS``, a tuple of
:class:`~rlcert.theory.Card`. The registry (:mod:`rlcert.theory.registry`) collects them."""
