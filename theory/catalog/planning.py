"""Planning (exact dynamic programming): value-iteration iterations, the greedy-policy loss, and
policy-iteration iteration counts."""

import sympy as sp

from ..card import Card, Condition, Reference
from ..symbols import R_max, eps, gamma, m, residual

vi_iterations = Card(
    card_id="planning.vi_iterations",
    title="Value iteration from V_0 = 0: iterations until ||V_k - V*||_inf <= eps",
    setting="planning", kind="upper", quantity="iterations",
    expr=sp.log(R_max / (eps * (1 - gamma))) / sp.log(1 / gamma),
    guarantee="deterministic", constants="explicit",
    rate={"eff_horizon": (1.0, 1.0), "eps": (0.0, 1.0)},
    domain=(Condition.interval("gamma", 0, 1), Condition.interval("eps", 0, None),
            Condition.interval("R_max", 0, None),
            Condition.relation(eps * (1 - gamma) < R_max, "eps (1 - gamma) < R_max "
                               "(otherwise V_0 = 0 already qualifies)")),
    reference=Reference("M. L. Puterman", 1994, "Markov Decision Processes: Discrete Stochastic "
                        "Dynamic Programming", "Wiley", "Theorem 6.2.3 (contraction) and Sec. 6.3"),
    assumptions="discounted MDP, rewards in [0, R_max], V_0 = 0",
    notes="Derived from the contraction: ||V_k - V*|| <= gamma^k ||V*|| <= gamma^k R_max/(1-gamma), "
          "which is <= eps once k >= ln(R_max/(eps (1-gamma))) / ln(1/gamma). Since "
          "ln(1/gamma) >= 1 - gamma, k >= ln(R_max/(eps (1-gamma)))/(1-gamma) also suffices.",
    example=dict(R_max=1.0, eps=1e-6, gamma=0.99),
    verification="derived: from the gamma-contraction of the Bellman operator (Puterman Thm 6.2.3) and ||V*|| <= R_max/(1-gamma)",
)

greedy_loss = Card(
    card_id="planning.greedy_loss",
    title="Loss of the greedy policy of an eps-accurate value function (Singh and Yee)",
    setting="planning", kind="upper", quantity="suboptimality",
    expr=2 * gamma * eps / (1 - gamma),
    guarantee="deterministic", constants="explicit",
    rate={"eff_horizon": (1.0, 0.0), "eps": (1.0, 0.0)},
    domain=(Condition.interval("gamma", 0, 1), Condition.interval("eps", 0, None)),
    reference=Reference("S. P. Singh, R. C. Yee", 1994, "An upper bound on the loss from "
                        "approximate optimal-value functions", "Machine Learning 16:227-233",
                        "Theorem 1 (V form)",
                        "https://rltheory.github.io/w2021-lecture-notes/planning-in-mdps/lec3/"),
    assumptions="||V - V*||_inf <= eps, pi greedy with respect to V; then "
                "V^pi >= V* - 2 gamma eps / (1 - gamma) pointwise",
    notes="Constant checked against a restatement (Szepesvari's 2021 lecture notes, Lecture 3: "
          "v^pi >= v* - 2 gamma ||v* - v||_inf / (1 - gamma)); the original paper was not "
          "available. The bound is tight on a two-state example (tests/test_theory_catalog.py).",
    example=dict(eps=0.01, gamma=0.9),
    verification="secondary: Szepesvari's 2021 lecture notes (Lecture 3) state v^pi >= v* - 2 gamma ||v* - v||/(1-gamma) for the greedy policy; the original was not read; tightness shown in tests",
)

pi_iterations = Card(
    card_id="planning.pi_iterations",
    title="Howard's policy iteration: number of iterations (Scherrer 2016)",
    setting="planning", kind="upper", quantity="iterations",
    expr=m / (1 - gamma) * sp.log(1 / (1 - gamma)),
    guarantee="deterministic", constants="order",
    rate={"m": (1.0, 0.0), "eff_horizon": (1.0, 1.0)},
    domain=(Condition.interval("gamma", 0, 1), Condition.interval("m", 1, None, lower_open=False)),
    reference=Reference("B. Scherrer", 2016, "Improved and generalized upper bounds on the "
                        "complexity of policy iteration", "Mathematics of Operations Research "
                        "41(3):758-774", "Theorem 3 (journal version, arXiv 1306.0386 v4)"),
    assumptions="m = total number of state-action pairs; finite discounted MDP",
    definitions={"m": "total number of state-action pairs"},
    notes="O(m/(1-gamma) log(1/(1-gamma))) iterations; only the order could be verified "
          "(the conference version states O(n m/(1-gamma) log(1/(1-gamma))) with m = actions per "
          "state; Hansen, Miltersen and Zwick 2013 give O(m/(1-gamma) log(n/(1-gamma)))). The "
          "expression is the rate with constant 1.",
    example=dict(m=100, gamma=0.9),
)

residual_certificate = Card(
    card_id="planning.residual_certificate",
    title="A-posteriori error bound from the Bellman residual: ||V - V*|| <= ||T V - V|| / (1 - gamma)",
    setting="planning", kind="upper", quantity="value error",
    expr=residual / (1 - gamma),
    guarantee="deterministic", constants="explicit",
    rate={"residual": (1.0, 0.0), "eff_horizon": (1.0, 0.0)},
    domain=(Condition.interval("gamma", 0, 1),
            Condition.interval("residual", 0, None, lower_open=False)),
    reference=Reference("M. L. Puterman", 1994, "Markov Decision Processes: Discrete Stochastic "
                        "Dynamic Programming", "Wiley", "Theorem 6.2.3 and Proposition 6.6.1"),
    assumptions="discounted MDP; any value estimate V; T the Bellman optimality operator",
    notes="From ||V - V*|| <= ||V - T V|| + ||T V - T V*|| <= residual + gamma ||V - V*||. This "
          "is the certificate rlcert.mdp.solve reports for PI, MPI and LP (and, with the smaller "
          "gamma/(1-gamma) ||V_k - V_{k-1}|| bound, for VI).",
    verification="derived: from the gamma-contraction of T (Puterman Thm 6.2.3)",
    example=dict(residual=1e-6, gamma=0.9),
)

CARDS = (vi_iterations, greedy_loss, pi_iterations, residual_certificate)
