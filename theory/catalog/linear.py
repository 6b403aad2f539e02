"""Deterministic lemmas of linear function approximation, as used by the analyses of LSVI-UCB,
OFUL and linear PEVI."""

import sympy as sp

from ..card import Card, Condition, Reference
from ..symbols import d, lam, n

elliptical_potential = Card(
    card_id="linear.elliptical_potential",
    title="Elliptical potential lemma: sum of min(1, ||x_k||^2 in the inverse running Gram matrix)",
    setting="linear", kind="upper",
    quantity="elliptical potential sum_k min(1, ||x_k||^2_{V_{k-1}^-1})",
    expr=2 * d * sp.log(1 + n / (d * lam)),
    guarantee="deterministic", constants="explicit",
    rate={"n": (0.0, 1.0)},
    domain=(Condition.interval("n", 1, None, lower_open=False),
            Condition.interval("d", 1, None, lower_open=False), Condition.interval("lam", 0, None)),
    reference=Reference("T. Lattimore, C. Szepesvari", 2020, "Bandit Algorithms",
                        "Cambridge University Press", "Lemma 19.4 (with V_0 = lambda I, L = 1)"),
    assumptions="x_1, ..., x_n in R^d with ||x_k||_2 <= 1 (any sequence, chosen adaptively or "
                "not); V_k = lambda I + sum_{j <= k} x_j x_j^T",
    definitions={"n": "number of vectors (episodes, for one stage of LSVI-UCB)",
                 "d": "dimension of the vectors (features)",
                 "lam": "ridge parameter lambda of V_0 = lambda I"},
    notes="sum_k min(1, ||x_k||^2_{V_{k-1}^-1}) <= 2 log(det V_n / det V_0) <= 2 d log((trace V_0 "
          "+ n L^2) / (d det(V_0)^{1/d})); with V_0 = lambda I and L = 1 the last is 2 d log(1 + "
          "n / (d lambda)). The middle identity is exact: det V_n = det V_0 prod_k (1 + "
          "||x_k||^2_{V_{k-1}^-1}). Jin, Yang, Wang and Jordan (2020, Lemma D.2) use the same bound "
          "for LSVI-UCB. Nearly attained by one-hot vectors: d blocks of n/d repeats give d "
          "H_{n/d} ~ d log(n/d) against 2 d log(1 + n/d).",
    trivial=n,
    example=dict(n=1000, d=10, lam=1.0),
    verification="primary: Lemma 19.4 and its proof read in the book (the inequality chain with trace V_0 + n L^2 and det^{1/d} V_0); V_0 = lambda I, L = 1 substituted here; checked on the features LSVI-UCB sees (linear.lsvi_ucb.elliptical_potential) and attained within a factor of about 2 by one-hot features",
)

CARDS = (elliptical_potential,)
