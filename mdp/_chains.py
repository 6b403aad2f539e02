"""Markov-chain helpers used by the oracles: recurrent (closed) classes and transient states."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components


def recurrent_mask(P_pi) -> np.ndarray:
    """Boolean ``(S,)`` mask of the recurrent states of the chain ``P_pi`` (dense or sparse).

    A state is recurrent iff its strongly connected component of the support graph is closed
    (no edge leaves it); every other state is transient (finite chains).
    """
    G = sp.csr_matrix(P_pi)
    G.eliminate_zeros()
    n_comp, labels = connected_components(G, directed=True, connection="strong")
    coo = G.tocoo()
    leaving = labels[coo.row] != labels[coo.col]
    open_comp = np.zeros(n_comp, dtype=bool)
    open_comp[labels[coo.row[leaving]]] = True
    return ~open_comp[labels]
