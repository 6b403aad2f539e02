r"""
A table of bounds from the theorem catalog
==========================================

Every theorem of the catalog is a card (:mod:`rlcert.theory`): a sympy expression with the
source's constants, or, when only the order is known, the rate with constant 1 (and the card
says so). :func:`rlcert.bounds.evaluate` evaluates a card, vectorised over numpy arrays;
:func:`rlcert.bounds.compare.compare` puts several cards on one table; :func:`rlcert.bounds.invert`
answers the inverse questions.

Here: how many samples of a generative model do the sample-complexity theorems ask for, for an
``eps = 0.1``-accurate ``Q*`` with ``S = 100`` states and ``A = 10`` actions, as the effective
horizon ``1 / (1 - gamma)`` grows?
"""

import matplotlib.pyplot as plt
import numpy as np

from rlcert import theory
from rlcert.bounds import evaluate, invert
from rlcert.bounds.compare import compare

CARDS = ["generative.azar2013.lower", "generative.azar2013.upper",
         "generative.agarwal2020.upper", "generative.li2020.upper"]
params = dict(S=100, A=10, eps=0.1, delta=5e-4)

# %%
# One point, every card: :func:`~rlcert.bounds.compare.compare` says what each card is (kind,
# constants, guarantee, units) next to its value.
print(compare(CARDS, gamma=0.99, **params))

# %%
# The cards count samples in different units (``total`` or ``per_pair``): convert before
# comparing. Vectorised over ``gamma``:
gammas = 1 - np.logspace(-1, -3, 9)
horizon = 1 / (1 - gammas)
totals = {}
for card_id in CARDS:
    card = theory.get(card_id)
    values = np.asarray(evaluate(card_id, gamma=gammas, **params), dtype=float)
    per_pair = card.samples_unit == "per_pair"
    totals[card_id] = values * (params["S"] * params["A"] if per_pair else 1)

print(f"{'1/(1-gamma)':>12}" + "".join(f"{c.split('.', 1)[1]:>20}" for c in CARDS))
for i in range(0, len(gammas), 2):
    print(f"{horizon[i]:12.0f}" + "".join(f"{totals[c][i]:20.3e}" for c in CARDS))

# %%
# The inverse question: with a budget of ``1e9`` samples in total, which accuracy does the lower
# bound rule out? Every ``eps`` below the returned value needs more samples than the budget.
eps_min = invert("generative.azar2013.lower", "eps", 1e9, gamma=0.99, S=100, A=10,
                 delta=5e-4)
print(f"eps below {eps_min:.3f} needs more than 1e9 samples (Azar, Munos and Kappen 2013)")

# %%
# Explicit constants are solid lines, order-only cards (constant 1) dashed: only the solid
# line is a number the source stands behind.
fig, ax = plt.subplots(figsize=(7, 4.5))
for card_id in CARDS:
    card = theory.get(card_id)
    style = "-" if card.constants == "explicit" else "--"
    ax.loglog(horizon, totals[card_id], style, marker="o", ms=3,
              label=f"{card_id} ({card.kind}, {card.constants})")
ax.set_xlabel(r"effective horizon $1/(1-\gamma)$")
ax.set_ylabel("samples (total)")
ax.set_title(r"Generative model: $S = 100$, $A = 10$, $\varepsilon = 0.1$, $\delta = 5\cdot10^{-4}$")
ax.legend(fontsize=8)
fig.tight_layout()
plt.show()
