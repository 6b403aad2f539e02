"""PAC bounds on the sample complexity of exploration (discounted, single trajectory) and of
autonomous exploration."""

import sympy as sp

from ..card import Card, Condition, Reference
from ..symbols import A, Gamma_L, L, S, S_L, eps, gamma

_DOMAIN = (Condition.interval("eps", 0, None),
           Condition.interval("gamma", 0, 1), Condition.interval("S", 1, None, lower_open=False),
           Condition.interval("A", 1, None, lower_open=False))

rmax = Card(
    card_id="pac.rmax",
    title="R-MAX sample complexity of exploration",
    setting="pac", kind="upper", quantity="sample complexity of exploration",
    expr=S ** 2 * A / (eps ** 3 * (1 - gamma) ** 6),
    guarantee="high_probability", constants="order", samples_unit="total",
    rate={"S": (2.0, 0.0), "eps": (-3.0, 0.0), "eff_horizon": (6.0, 0.0)},
    domain=_DOMAIN,
    reference=Reference("R. I. Brafman, M. Tennenholtz", 2002, "R-MAX: a general polynomial time "
                        "algorithm for near-optimal reinforcement learning", "JMLR 3:213-231",
                        "analysis of Kakade 2003 (PhD thesis) and Strehl, Li, Littman 2009 "
                        "(JMLR 10)"),
    assumptions="discounted MDP; the count of time steps t with V^{A_t}(s_t) < V*(s_t) - eps",
    notes="O~(S^2 A / (eps^3 (1-gamma)^6)); the exact form could not be read in the sources (the "
          "R-MAX paper itself states polynomial time for average reward): order only, and the "
          "rate is the one commonly quoted for the discounted analysis.",
    example=dict(S=6, A=2, eps=0.1, gamma=0.9),
)

mbie_eb = Card(
    card_id="pac.mbie_eb",
    title="MBIE-EB sample complexity of exploration (Strehl and Littman 2008)",
    setting="pac", kind="upper", quantity="sample complexity of exploration",
    expr=S ** 2 * A / (eps ** 3 * (1 - gamma) ** 6),
    guarantee="high_probability", constants="order", samples_unit="total",
    rate={"S": (2.0, 0.0), "eps": (-3.0, 0.0), "eff_horizon": (6.0, 0.0)},
    domain=_DOMAIN,
    reference=Reference("A. L. Strehl, M. L. Littman", 2008, "An analysis of model-based interval "
                        "estimation for Markov decision processes", "Journal of Computer and "
                        "System Sciences 74(8):1309-1331", "Theorem 2"),
    assumptions="exploration bonus beta / sqrt(n(s, a)) with beta = (1/(1-gamma)) "
                "sqrt(ln(2 S A m / delta) / 2)",
    notes="O~(S^2 A / (eps^3 (1-gamma)^6)); the bonus's beta is checked against public code, the "
          "sample-complexity form could not be read in the paper: order only.",
    example=dict(S=6, A=2, eps=0.1, gamma=0.9),
)

layered_ax = Card(
    card_id="pac.layered_ax",
    title="Layered Autonomous Exploration: incrementally L-controllable states "
          "(Chen, Tirinzoni, Lazaric, Pirotta 2023)",
    setting="pac", kind="upper", quantity="sample complexity",
    expr=L * S_L * Gamma_L * A * sp.log(S_L) ** 12 / eps ** 2,
    guarantee="high_probability", constants="order", samples_unit="total",
    rate={"eps": (-2.0, 0.0), "L": (1.0, 0.0), "S_L": (1.0, 12.0)},
    domain=(Condition.interval("eps", 0, 1), Condition.interval("L", 1, None, lower_open=False),
            Condition.interval("S_L", 2, None, lower_open=False),
            Condition.interval("Gamma_L", 1, None, lower_open=False),
            Condition.interval("A", 1, None, lower_open=False)),
    reference=Reference("L. Chen, A. Tirinzoni, A. Lazaric, M. Pirotta", 2023, "Layered state "
                        "discovery for incremental autonomous exploration", "ICML",
                        "main theorem", "https://arxiv.org/abs/2302.03789"),
    assumptions="autonomous exploration from a reset state; S_{L(1+eps)} incrementally "
                "L(1+eps)-controllable states with branching Gamma_{L(1+eps)}",
    definitions={"S_L": "number of incrementally L(1+eps)-controllable states",
                 "Gamma_L": "largest branching factor among them"},
    notes="O~(L S_{L(1+eps)} Gamma_{L(1+eps)} A ln^12(S_{L(1+eps)}) / eps^2); under an "
          "identifiability assumption O~(L S_L A ln^12(S_L) / eps^2), minimax optimal (matching "
          "Cai et al. 2022). Order only; O~ hides the log factors, ln(1/delta) included.",
    example=dict(L=5, S_L=20, Gamma_L=3, A=4, eps=0.1),
)

delayed_q = Card(
    card_id="pac.delayed_q",
    title="Delayed Q-learning sample complexity of exploration (Strehl et al. 2006)",
    setting="pac", kind="upper", quantity="sample complexity of exploration",
    expr=S * A / (eps ** 4 * (1 - gamma) ** 8),
    guarantee="high_probability", constants="order", samples_unit="total",
    rate={"S": (1.0, 0.0), "eps": (-4.0, 0.0), "eff_horizon": (8.0, 0.0)},
    domain=_DOMAIN,
    reference=Reference("A. L. Strehl, L. Li, E. Wiewiora, J. Langford, M. L. Littman", 2006,
                        "PAC model-free reinforcement learning", "ICML", "Theorem 1"),
    assumptions="discounted MDP, rewards in [0, 1]; m and eps1 set as the theorem asks; the count "
                "of time steps t with V^{A_t}(s_t) < V*(s_t) - eps",
    notes="O~(S A / (eps^4 (1-gamma)^8)); the linear dependence on S A (against S^2 A for the "
          "model-based learners) is confirmed by the abstract, the powers of eps and (1 - gamma) "
          "could not be read in the sources: order only. Measured by the verifier with the "
          "frozen-policy proxy (rlcert.proofs_checks.harness.exploration_mistakes).",
    example=dict(S=6, A=2, eps=0.1, gamma=0.9),
)

CARDS = (rmax, mbie_eb, delayed_q, layered_ax)
