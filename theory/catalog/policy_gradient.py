"""Policy-gradient methods: exact softmax PG, natural PG, and stochastic PG for Fisher-non-
degenerate policies."""

import sympy as sp

from ..card import Card, Condition, Reference
from ..symbols import A, S, c_min, eps, eta, gamma, inv_mu, mismatch, t

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
    notes="O~(eps^-2.5); order only.",
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
    notes="O~(eps^-2); order only.",
    example=dict(eps=0.1),
)

CARDS = (softmax, npg, npg_igt, harpg)
