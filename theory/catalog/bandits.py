"""Stochastic and adversarial multi-armed bandits.

Vector symbols: ``Delta`` (the gap of each suboptimal arm) and ``KL`` (each suboptimal arm's
KL divergence to the best arm), evaluated with arrays over the suboptimal arms."""

import sympy as sp

from ..card import Card, Condition, Reference
from ..symbols import KL, Delta, eps, g, i, k, n

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
          "only (leading term with constant 1). A finite-time bound with every constant for "
          "rlcert's KLUCB(c=3) is bandit.klucb_c3.upper.",
    matches="bandit.lai_robbins.lower",
    example=dict(n=1e4, Delta=[0.1, 0.3], KL=[0.02, 0.2]),
)

#: rlcert's KL-UCB exploration after t plays, ln t + 3 ln ln t (Garivier and Cappe's c = 3).
_klucb_level = sp.log(n) + 3 * sp.log(sp.log(n))

klucb_c3 = Card(
    card_id="bandit.klucb_c3.upper",
    title="KL-UCB (c = 3) expected regret after n plays, Bernoulli rewards, every constant "
          "(from Lattimore-Szepesvari Theorem 10.6)",
    setting="bandit", kind="upper", quantity="regret",
    expr=_sum(_klucb_level / (2 * (1 - 2 * eps) ** 2 * Delta[i])
              + 5 / (2 * eps ** 2 * Delta[i]) + 5 * Delta[i]),
    guarantee="expectation", constants="explicit",
    rate={"n": (0.0, 1.0)},
    domain=(Condition.interval("n", 3, None, lower_open=False),
            Condition.interval("Delta", 0, 1, upper_open=False),
            Condition.interval("eps", 0, 0.5)),
    reference=Reference("T. Lattimore, C. Szepesvari", 2020, "Bandit Algorithms", "Cambridge "
                        "University Press", "Theorem 10.6 (final display of its proof, p. 133) "
                        "and Lemma 10.2(b)"),
    assumptions="Bernoulli rewards; KL-UCB of Garivier and Cappe (2011, Algorithm 1) with "
                "exploration ln t + 3 ln ln t after t plays (rlcert's KLUCB(c=3), the default), "
                "each arm played once first, any tie-breaking; holds for every n >= 3 and every "
                "eps in (0, 1/2)",
    definitions={"Delta": "gap mu* - mu_i of each suboptimal arm (pass only arms with a positive "
                          "gap)",
                 "eps": "the proof's free shifts eps1 = eps2 = eps Delta_i of the means (any "
                        "value in (0, 1/2); the smallest bound is at eps = r / (1 + 2 r), "
                        "r = (5 / (2 g))^(1/3), g = ln n + 3 ln ln n)"},
    notes="Source display (proof of Theorem 10.6, Algorithm 8 with index level log f(t) / "
          "T_i(t-1), f(t) = 1 + t log^2 t): for eps1, eps2 > 0 with eps1 + eps2 < Delta_i, "
          "E[T_i(n)] <= 2/eps2^2 + log f(n) / d(mu_i + eps1, mu* - eps2) + 1/(2 eps1^2). "
          "Derived for rlcert's KL-UCB, whose level after t - 1 plays (the book's round t) is "
          "g(t-1) = ln(t-1) + 3 ln ln(t-1): (i) g(t-1) >= log f(t) for every t >= 6 (the "
          "difference grows like ln ln t; checked to t = 1e7 in the tests), so the proof's step "
          "'for t > tau the optimal arm's index is >= mu* - eps2' holds for t > max(tau, 5), "
          "which adds at most 5 plays; (ii) the level log f(n) in kappa becomes g(n) (g "
          "increases, and the kappa lemma holds for any level a > 0); (iii) d(mu_i + eps1, "
          "mu* - eps2) >= 2 (Delta_i - eps1 - eps2)^2 (Pinsker, Lemma 10.2(b)); (iv) eps1 = "
          "eps2 = eps Delta_i. Per arm: E[T_i(n)] <= 5 + g(n) / (2 (1 - 2 eps)^2 Delta_i^2) + "
          "5 / (2 eps^2 Delta_i^2); at the best eps, 5 + (g(n)^(1/3) + 20^(1/3))^3 / "
          "(2 Delta_i^2). The display's KL form (before step iii) is tighter for means near 0 "
          "or 1 but needs the arm means themselves, which the catalog's symbols do not carry. "
          "On the check's instances (n <= 5000) the bound is 12 to 30 times the measured mean "
          "regret of KLUCB(c=3): a KL-UCB exploring five times too much still meets it (mean/"
          "bound <= 0.33); gross errors (linear regret, ~15 times the exploration) do not.",
    verification="derived: from the final display of the proof of Theorem 10.6 (terms "
                 "2/eps2^2, log f(n) / d(mu_i + eps1, mu* - eps2), 1/(2 eps1^2)) read on the "
                 "book's page 133, with Pinsker's inequality (Lemma 10.2(b), cited there) and "
                 "rlcert's exploration ln t + 3 ln ln t in place of log f(t) (steps in notes); "
                 "the page with the theorem's statement and Algorithm 8 was not read: f(t) = "
                 "1 + t log^2 t is Chapter 8's (notes on p. 115)",
    matches="bandit.lai_robbins.lower",
    example=dict(n=1e4, Delta=[0.8, 0.45], eps=0.25),
)

thompson = Card(
    card_id="bandit.thompson.upper",
    title="Thompson sampling with Beta priors, expected regret, Bernoulli rewards (Agrawal and "
          "Goyal 2013), order only",
    setting="bandit", kind="upper", quantity="regret",
    expr=(1 + eps) * _sum(sp.log(n) / Delta[i]) + k / eps ** 2,
    guarantee="expectation", constants="order",
    rate={"n": (0.0, 1.0)},
    domain=(Condition.interval("n", 2, None, lower_open=False),
            Condition.interval("Delta", 0, 1, upper_open=False),
            Condition.interval("eps", 0, 1, upper_open=False),
            Condition.interval("k", 2, None, lower_open=False)),
    reference=Reference("S. Agrawal, N. Goyal", 2013, "Further optimal regret bounds for Thompson "
                        "sampling", "AISTATS (PMLR 31)", "Theorem 1 (problem-dependent bound)"),
    assumptions="Bernoulli rewards (or rewards in [0, 1] through Bernoulli trials); Thompson "
                "sampling with Beta(1, 1) priors (rlcert's BernoulliThompsonSampling(), the "
                "default); every eps > 0",
    definitions={"Delta": "gap mu* - mu_i of each suboptimal arm",
                 "k": "number of arms N",
                 "eps": "the free eps of the (1 + eps) leading term"},
    notes="Read: the paper's abstract, (1 + eps) sum_i ln T / Delta_i + O(N / eps^2); the O(N / "
          "eps^2) term hides a dependence on the means and gaps with no constant stated: order "
          "only (constant 1 on that term). The learner's docstring states the sharper "
          "(1 + eps) ln n / kl(mu_a, mu*) per arm, and Kaufmann, Korda and Munos (2012, ALT, "
          "Theorem 1) R(T) <= (1 + eps) sum_a Delta_a (ln T + ln ln T) / K(mu_a, mu*) + C(eps, "
          "mu) with a problem-dependent C (only their abstract, 'matches the Lai-Robbins rate', "
          "was read); Lattimore and Szepesvari (Chapter 36) treat Gaussian priors. No "
          "finite-time bound with every constant was found for Beta-prior Thompson sampling, "
          "so rlcert judges it by its rate only (bandits.thompson.regret_rate: regret grows like "
          "ln n).",
    matches="bandit.lai_robbins.lower",
    example=dict(n=1e4, Delta=[0.1, 0.3], eps=0.1, k=3),
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

CARDS = (ucb1, exp3, exp3_auer, klucb, klucb_c3, thompson, lai_robbins)
