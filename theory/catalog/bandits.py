"""Stochastic and adversarial multi-armed bandits.

Vector symbols: ``Delta`` (the gap of each suboptimal arm) and ``KL`` (each suboptimal arm's
KL divergence to the best arm), evaluated with arrays over the suboptimal arms."""

import sympy as sp

from ..card import Card, Condition, Reference
from ..symbols import KL, Delta, g, i, k, n

_sum = lambda term: sp.Sum(term, (i, 1, k))  # noqa: E731

ucb1 = Card(
    card_id="bandit.ucb1.upper",
    title="UCB1 expected regret after n plays (Auer, Cesa-Bianchi, Fischer 2002)",
    setting="bandit", kind="upper", quantity="regret",
    expr=8 * _sum(sp.log(n) / Delta[i]) + (1 + sp.pi ** 2 / 3) * _sum(Delta[i]),
    guarantee="expectation", constants="explicit",
    rate={"n": (0.0, 1.0)},
    domain=(Condition.interval("n", 1, None, lower_open=False),
            Condition.interval("Delta", 0, 1, upper_open=False)),
    reference=Reference("P. Auer, N. Cesa-Bianchi, P. Fischer", 2002, "Finite-time analysis of the "
                        "multiarmed bandit problem", "Machine Learning 47:235-256", "Theorem 1"),
    assumptions="K > 1 arms with rewards in [0, 1]; index x_bar_j + sqrt(2 ln n / n_j) after one "
                "pull of each arm; the bound holds for every n",
    definitions={"Delta": "gap mu* - mu_i of each suboptimal arm (pass only arms with a positive "
                          "gap; the optimal arms' zero gaps add nothing to the second sum)"},
    notes="E[R_n] <= 8 sum_{i: mu_i < mu*} ln(n)/Delta_i + (1 + pi^2/3) sum_j Delta_j; per arm "
          "E[T_i(n)] <= 8 ln(n)/Delta_i^2 + 1 + pi^2/3.",
    verification="primary: Theorem 1 read in the journal text (constants 8 and 1 + pi^2/3, "
                 "second sum over all arms)",
    matches="bandit.lai_robbins.lower",
    example=dict(n=1e4, Delta=[0.1, 0.3]),
)

exp3 = Card(
    card_id="bandit.exp3.upper",
    title="EXP3 expected regret with learning rate sqrt(2 log k / (n k)) (Lattimore-Szepesvari)",
    setting="bandit", kind="upper", quantity="regret",
    expr=sp.sqrt(2 * n * k * sp.log(k)),
    guarantee="expectation", constants="explicit",
    rate={"n": (0.5, 0.0), "k": (0.5, 0.5)},
    domain=(Condition.interval("n", 1, None, lower_open=False),
            Condition.interval("k", 2, None, lower_open=False)),
    reference=Reference("T. Lattimore, C. Szepesvari", 2020, "Bandit Algorithms", "Cambridge "
                        "University Press", "Theorem 11.2"),
    assumptions="adversarial rewards in [0, 1] (loss-based estimator), horizon n known, "
                "eta = sqrt(2 log k / (n k)); regret against the best fixed arm",
    definitions={"k": "number of arms"},
    notes="Holds at the horizon n the learning rate was tuned for. The original EXP3 "
          "(Auer et al. 2002, Cor. 3.2: gamma = min{1, sqrt(K ln K / ((e-1) g))}, bound "
          "2 sqrt(e-1) sqrt(g K ln K)) is the card bandit.exp3_auer2002.upper.",
    verification="primary (catalog reference): Theorem 11.2 read on the book's page 160",
    example=dict(n=1e4, k=10),
)

exp3_auer = Card(
    card_id="bandit.exp3_auer2002.upper",
    title="EXP3 weak regret with gamma tuned to g >= G_max (Auer, Cesa-Bianchi, Freund, Schapire)",
    setting="bandit", kind="upper", quantity="regret",
    expr=sp.sqrt(g * k * sp.log(k)),
    guarantee="expectation", constants="order",
    rate={"g": (0.5, 0.0), "k": (0.5, 0.5)},
    domain=(Condition.interval("g", 0, None), Condition.interval("k", 2, None,
                                                                 lower_open=False)),
    reference=Reference("P. Auer, N. Cesa-Bianchi, Y. Freund, R. E. Schapire", 2002, "The "
                        "nonstochastic multiarmed bandit problem", "SIAM J. Comput. 32(1):48-77",
                        "Corollary 3.2"),
    assumptions="rewards in [0, 1], g >= G_max known, gamma = min{1, sqrt(K ln K / ((e-1) g))}",
    definitions={"k": "number of arms K"},
    notes="A restatement gives G_max - E[G_Exp3] <= 2 sqrt(e-1) sqrt(g K ln K) <= 2.63 sqrt(g K "
          "ln K); only the abstract (rate O(sqrt(T))) was read: order only until checked.",
    example=dict(g=1e4, k=10),
)

klucb = Card(
    card_id="bandit.klucb.upper",
    title="KL-UCB regret, Bernoulli rewards (Garivier and Cappe 2011), leading term",
    setting="bandit", kind="upper", quantity="regret",
    expr=_sum(Delta[i] * sp.log(n) / KL[i]),
    guarantee="expectation", constants="order",
    rate={"n": (0.0, 1.0)},
    domain=(Condition.interval("n", 1, None), Condition.interval("Delta", 0, 1, upper_open=False),
            Condition.interval("KL", 0, None)),
    reference=Reference("A. Garivier, O. Cappe", 2011, "The KL-UCB algorithm for bounded "
                        "stochastic bandits and beyond", "COLT", "regret theorem"),
    assumptions="Bernoulli rewards; exploration function log t + c log log t",
    definitions={"KL": "kl(mu_i, mu*) of each suboptimal arm"},
    notes="E[N_a(n)] <= (1 + eps) log(n) / kl(mu_a, mu*) + lower-order terms, which reaches the "
          "Lai-Robbins constant; the exact lower-order terms and c = 3 could not be read: order "
          "only (leading term with constant 1).",
    matches="bandit.lai_robbins.lower",
    example=dict(n=1e4, Delta=[0.1, 0.3], KL=[0.02, 0.2]),
)

lai_robbins = Card(
    card_id="bandit.lai_robbins.lower",
    title="Lai-Robbins asymptotic lower bound for consistent policies",
    setting="bandit", kind="lower", quantity="regret",
    expr=_sum(Delta[i] * sp.log(n) / KL[i]),
    guarantee="asymptotic", constants="explicit",
    rate={"n": (0.0, 1.0)},
    domain=(Condition.interval("n", 1, None), Condition.interval("Delta", 0, 1, upper_open=False),
            Condition.interval("KL", 0, None)),
    reference=Reference("T. L. Lai, H. Robbins", 1985, "Asymptotically efficient adaptive "
                        "allocation rules", "Advances in Applied Mathematics 6:4-22",
                        "Theorem 2"),
    assumptions="any consistent policy (regret o(n^a) for every a > 0) on a parametric family; "
                "liminf E[N_i(n)] / ln n >= 1 / KL(P_i, P*)",
    definitions={"KL": "KL(P_i, P*) of each suboptimal arm's reward law to the best arm's"},
    notes="Asymptotic: liminf R_n / ln n >= sum_i Delta_i / KL_i; at finite n the ratio of a good "
          "algorithm's regret to this expression is typically well below 1 and rises slowly. "
          "Compared with upper bounds in its leading coefficient only.",
    verification="secondary: restated by Auer, Cesa-Bianchi and Fischer (2002, p. 236): "
                 "E[T_j(n)] >= ln n / D(p_j || p*) asymptotically",
    matches="bandit.klucb.upper",
    example=dict(n=1e4, Delta=[0.1, 0.3], KL=[0.02, 0.2]),
)

CARDS = (ucb1, exp3, exp3_auer, klucb, lai_robbins)
