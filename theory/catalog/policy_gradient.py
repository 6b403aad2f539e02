"""Policy-gradient methods: exact softmax PG, natural PG, and stochastic PG for Fisher-non-
degenerate policies; and the stochastic-approximation rates (TD(0) with linear features,
synchronous Q-learning) that rlcert.estimators.stochastic_approximation is checked against."""

import sympy as sp

from ..card import Card, Condition, Reference
from ..symbols import A, S, T, c_min, eps, eta, gamma, inv_mu, mismatch, t, tau_reg

softmax = Card(
    card_id="pg.softmax.upper",
    title="Softmax policy gradient with exact gradients, O(1/t) (Mei, Xiao, Szepesvari, Schuurmans)",
    setting="policy-gradient", kind="upper", quantity="suboptimality",
    expr=S * mismatch ** 2 * inv_mu / (c_min ** 2 * (1 - gamma) ** 6 * t),
    guarantee="deterministic", constants="order",
    rate={"t": (-1.0, 0.0), "eff_horizon": (6.0, 0.0)},
    domain=(Condition.interval("t", 1, None, lower_open=False), Condition.interval("gamma", 0, 1),
            Condition.interval("c_min", 0, 1, upper_open=False),
            Condition.interval("mismatch", 1, None, lower_open=False),
            Condition.interval("inv_mu", 1, None, lower_open=False),
            Condition.interval("S", 1, None, lower_open=False)),
    reference=Reference("J. Mei, C. Xiao, C. Szepesvari, D. Schuurmans", 2020, "On the global "
                        "convergence rates of softmax policy gradient methods", "ICML",
                        "Theorem 4", "https://arxiv.org/abs/2005.06392"),
    assumptions="tabular softmax, exact gradients, eta = (1-gamma)^3 / 8, min_s mu(s) > 0; "
                "c = inf_t min_s pi_t(a*(s)|s) > 0",
    definitions={"c_min": "c = inf_t min_s pi_{theta_t}(a*(s) | s) along the run"},
    notes="V*(rho) - V^{pi_t}(rho) <= 16 S / (c^2 (1-gamma)^6 t) times a distribution-mismatch "
          "factor: restatements disagree on it (||d/mu||_inf, or ||d/mu||_inf^2 ||1/mu||_inf), so "
          "the card is order only: O(1/t) with the catalog's factor and constant 1.",
    example=dict(S=5, mismatch=2.0, inv_mu=5.0, c_min=0.2, gamma=0.9, t=1000),
)

npg = Card(
    card_id="pg.npg.upper",
    title="Natural policy gradient, softmax, tabular (Agarwal, Kakade, Lee, Mahajan 2021)",
    setting="policy-gradient", kind="upper", quantity="suboptimality",
    expr=sp.log(A) / (eta * t) + 1 / ((1 - gamma) ** 2 * t),
    guarantee="deterministic", constants="explicit",
    rate={"t": (-1.0, 0.0), "eff_horizon": (2.0, 0.0)},
    domain=(Condition.interval("t", 1, None, lower_open=False), Condition.interval("gamma", 0, 1),
            Condition.interval("eta", 0, None), Condition.interval("A", 2, None,
                                                                   lower_open=False)),
    reference=Reference("A. Agarwal, S. M. Kakade, J. D. Lee, G. Mahajan", 2021, "On the theory "
                        "of policy gradient methods: optimality, approximation, and distribution "
                        "shift", "JMLR 22(98)", "Theorem 16"),
    assumptions="theta_0 = 0, any fixed eta > 0, exact NPG updates pi_{t+1} proportional to "
                "pi_t exp(eta A^{pi_t} / (1-gamma)); bound for every start distribution rho",
    notes="V*(rho) - V^{(T)}(rho) <= log|A| / (eta T) + 1 / ((1-gamma)^2 T); no "
          "distribution-mismatch coefficient.",
    verification="secondary: the same statement in notes of Agarwal, Jiang, Kakade and Sun's book "
                 "(Theorem 12.7); the JMLR text was not read",
    example=dict(A=4, eta=1.0, gamma=0.9, t=1000),
)

npg_igt = Card(
    card_id="pg.npg_igt.upper",
    title="N-PG-IGT: samples for a global eps-optimal policy, Fisher-non-degenerate policies",
    setting="policy-gradient", kind="upper", quantity="sample complexity",
    expr=eps ** sp.Rational(-5, 2),
    guarantee="expectation", constants="order", samples_unit="total",
    rate={"eps": (-2.5, 0.0)},
    domain=(Condition.interval("eps", 0, None),),
    reference=Reference("I. Fatkhullin, A. Barakat, A. Kireeva, N. He", 2023, "Stochastic policy "
                        "gradient methods: improved sample complexity for Fisher-non-degenerate "
                        "policies", "ICML", "N-PG-IGT theorem", "https://arxiv.org/abs/2302.01734"),
    assumptions="Fisher-non-degenerate parametrised policies; J* - E J(theta) <= eps + "
                "O(sqrt(eps_bias))",
    notes="O~(eps^-2.5); order only. Check pg.npg_igt_rate measures E[J* - J] against the "
          "samples N (claimed slope -2/5) on a tabular softmax policy, which is not "
          "Fisher-non-degenerate: a trend check outside the theorem's assumptions, with this "
          "library's step constant (the paper's was not read).",
    example=dict(eps=0.1),
)

harpg = Card(
    card_id="pg.harpg.upper",
    title="(N)-HARPG: samples for a global eps-optimal policy, Fisher-non-degenerate policies",
    setting="policy-gradient", kind="upper", quantity="sample complexity",
    expr=eps ** -2,
    guarantee="expectation", constants="order", samples_unit="total",
    rate={"eps": (-2.0, 0.0)},
    domain=(Condition.interval("eps", 0, None),),
    reference=Reference("I. Fatkhullin, A. Barakat, A. Kireeva, N. He", 2023, "Stochastic policy "
                        "gradient methods: improved sample complexity for Fisher-non-degenerate "
                        "policies", "ICML", "(N)-HARPG theorem", "https://arxiv.org/abs/2302.01734"),
    assumptions="as N-PG-IGT; Hessian-aided recursive policy gradient, two trajectories per "
                "iteration",
    notes="O~(eps^-2); order only. Check pg.harpg_rate measures E[J* - J] against the "
          "samples N (claimed slope -1/2) on a tabular softmax policy (not "
          "Fisher-non-degenerate; the paper's step constant was not read).",
    example=dict(eps=0.1),
)

entropy_npg = Card(
    card_id="pg.entropy_npg.upper",
    title="Entropy-regularised NPG, linear rate (1 - eta tau)^t; soft policy iteration at "
          "eta = (1-gamma)/tau (Cen, Cheng, Chen, Wei, Chi)",
    setting="policy-gradient", kind="upper", quantity="sup-norm regularised Q error",
    expr=gamma * (1 - eta * tau_reg) ** t, guarantee="deterministic", constants="order",
    rate={},
    domain=(Condition.interval("t", 0, None, lower_open=False), Condition.interval("gamma", 0, 1),
            Condition.interval("eta", 0, None), Condition.interval("tau_reg", 0, None),
            Condition.relation(eta * tau_reg + gamma <= 1, "eta tau_reg <= 1 - gamma")),
    reference=Reference("S. Cen, C. Cheng, Y. Chen, Y. Wei, Y. Chi", 2022, "Fast global "
                        "convergence of natural policy gradient methods with entropy "
                        "regularization", "Operations Research 70(4)", "Theorem 1",
                        "https://arxiv.org/abs/2007.06558"),
    assumptions="exact soft policy evaluation, entropy weight tau_reg > 0, step 0 < eta <= "
                "(1-gamma)/tau_reg; at eta = (1-gamma)/tau_reg (soft policy iteration) the rate "
                "1 - eta tau_reg equals gamma",
    definitions={"eta": "NPG step size (the paper's learning rate)",
                 "t": "iteration count (the bound is on iterate t + 1)"},
    notes="||Q*_tau - Q_tau^{(t+1)}||_inf <= C1 gamma (1 - eta tau)^t; the form of C1 in "
          "theorems.md PG-4 is unverified, so the card is order only (C1 = 1). Check "
          "pg.entropy_npg_exact judges the update's closed form and monotonicity, and reports "
          "the C1 form without judging it.",
    example=dict(gamma=0.9, t=10, eta=1.0, tau_reg=0.1),
)

td0_linear = Card(
    card_id="sa.td0_linear.upper",
    title="TD(0) with linear features, i.i.d. observations, step 1/sqrt(T) with iterate "
          "averaging: E ||V_theta* - V_theta_bar_T||_D^2 = O(1/sqrt(T)) (Bhandari, Russo, Singal)",
    setting="discounted", kind="upper", quantity="D-weighted squared value error",
    expr=1 / sp.sqrt(T), guarantee="expectation", constants="order", T_unit="steps",
    rate={"T": (-0.5, 0.0)},
    domain=(Condition.interval("T", 1, None, lower_open=False),),
    reference=Reference("J. Bhandari, D. Russo, R. Singal", 2018, "A finite time analysis of "
                        "temporal difference learning with linear function approximation",
                        "COLT", "Theorem 2(a)", "https://arxiv.org/abs/1806.02450"),
    assumptions="stationary i.i.d. observation model, linearly independent features, fixed "
                "policy with an irreducible chain, alpha_t = 1/sqrt(T), theta_bar_T the average "
                "of the iterates",
    notes="order only: the bound's constant involves ||theta* - theta_0||^2, the noise variance "
          "at theta* and 1/(1-gamma); those constants were not read from the source.",
    example=dict(T=10000),
)

q_learning_sync = Card(
    card_id="sa.q_learning_sync.upper",
    title="Synchronous Q-learning with a generative model, rescaled linear step: ||Q_T - Q*||_inf "
          "= O~(1/sqrt((1-gamma)^4 T)) (Li, Cai, Chen, Wei, Chi)",
    setting="generative", kind="upper", quantity="sup-norm Q error",
    expr=1 / ((1 - gamma) ** 2 * sp.sqrt(T)), guarantee="high_probability", constants="order",
    T_unit="steps", rate={"T": (-0.5, 0.0), "eff_horizon": (2.0, 0.0)},
    domain=(Condition.interval("T", 1, None, lower_open=False), Condition.interval("gamma", 0, 1)),
    reference=Reference("G. Li, C. Cai, Y. Chen, Y. Wei, Y. Chi", 2024, "Is Q-learning minimax "
                        "optimal? A tight sample complexity analysis", "Operations Research "
                        "72(1)", "synchronous Q-learning theorem",
                        "https://arxiv.org/abs/2102.06548"),
    assumptions="one fresh next-state sample per (s, a) and step, rewards in [0, 1], rescaled "
                "linear step alpha_t = 1/(1 + (1-gamma) t)",
    notes="order only; logarithmic factors in S A T / delta are dropped (the check allows a "
          "log factor's slack in the slope).",
    example=dict(T=10000, gamma=0.9),
)

CARDS = (softmax, npg, npg_igt, harpg, entropy_npg, td0_linear, q_learning_sync)
