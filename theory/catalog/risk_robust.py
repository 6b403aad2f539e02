"""Robust MDPs (sample complexity of robust planning, robust offline RL) and CVaR RL."""

import sympy as sp

from ..card import Card, Condition, Reference
from ..symbols import A, C_cov, H, S, d, delta, eps, gamma, rho, tau

cvar_lowrank = Card(
    card_id="cvar.lowrank.upper",
    title="CVaR RL in low-rank MDPs: samples for an eps-optimal CVaR policy (Zhao et al. 2024)",
    setting="cvar", kind="upper", quantity="sample complexity",
    expr=H ** 7 * A ** 2 * d ** 4 / (tau ** 2 * eps ** 2),
    guarantee="high_probability", constants="order", samples_unit="total",
    rate={"H": (7.0, 0.0), "A": (2.0, 0.0), "d": (4.0, 0.0), "tau": (-2.0, 0.0),
          "eps": (-2.0, 0.0)},
    domain=(Condition.interval("tau", 0, 1, upper_open=False), Condition.interval("eps", 0, None),
            Condition.interval("H", 1, None, lower_open=False),
            Condition.interval("A", 1, None, lower_open=False),
            Condition.interval("d", 1, None, lower_open=False)),
    reference=Reference("Y. Zhao, W. Zhan, X. Hu, H.-F. Leung, F. Farnia, W. Sun, J. D. Lee", 2024,
                        "Provably efficient CVaR RL in low-rank MDPs", "ICLR 2024",
                        "main theorem (Theorem 4.1 per the reviews)",
                        "https://arxiv.org/abs/2311.11965"),
    assumptions="low-rank MDP with d-dimensional representations, episode length H, tail "
                "fraction tau",
    notes="O~(H^7 A^2 d^4 / (tau^2 eps^2)) as in the abstract; order only. Reviewers note the "
          "algorithm may need a simulator to draw its two trajectory sets.",
    example=dict(H=5, A=2, d=4, tau=0.1, eps=0.1),
)

r2pvi = Card(
    card_id="robust.r2pvi.upper",
    title="R2PVI suboptimality, d-rectangular robust-regularized offline RL (Tang, Liu, Xu 2025)",
    setting="robust", kind="upper", quantity="suboptimality",
    expr=C_cov,
    guarantee="high_probability", constants="order",
    rate={"C_cov": (1.0, 0.0)},
    domain=(Condition.interval("C_cov", 0, None, lower_open=False),),
    reference=Reference("C. Tang, Z. Liu, P. Xu", 2025, "Robust offline reinforcement learning "
                        "with linearly structured f-divergence regularization", "ICML (PMLR "
                        "267:58842-58882)", "suboptimality theorem",
                        "https://arxiv.org/abs/2411.18612"),
    assumptions="linear (d-rectangular) robust-regularized MDP, offline data, pessimistic "
                "robust-regularized value iteration with ridge regression per coordinate",
    definitions={"C_cov": "the instance-dependent bound itself: beta sum_h sup over the robustly "
                          "admissible kernels of E^{pi*,P}[sum_i phi_i(s_h, a_h) "
                          "||1_i||_{Lambda_h^{-1}}], with the paper's beta (supplied by the user)"},
    notes="Instance-dependent: the bound is a single term computed from the data and the "
          "instance; its exact constants and beta could not be read: order only.",
    example=dict(C_cov=0.5),
)

_log = lambda c: sp.log(c * gamma * S * A / (delta * eps * (1 - gamma) ** 2))  # noqa: E731
_ROBUST_DOMAIN = (Condition.interval("delta", 0, 1), Condition.interval("gamma", 0, 1),
                  Condition.interval("S", 1, None, lower_open=False),
                  Condition.interval("A", 1, None, lower_open=False))
_PK22 = ("K. Panaganti, D. Kalathil", 2022, "Sample complexity of robust reinforcement learning "
         "with a generative model", "AISTATS (PMLR 151:9582-9602)")

robust_tv = Card(
    card_id="robust.generative.tv.upper",
    title="Robust empirical value iteration, total-variation sets: samples per pair "
          "(Panaganti and Kalathil 2022)",
    setting="robust", kind="upper", quantity="sample complexity",
    expr=72 * gamma ** 2 * S / ((1 - gamma) ** 4 * eps ** 2) * _log(144),
    guarantee="high_probability", constants="explicit", samples_unit="per_pair",
    rate={"eps": (-2.0, 1.0), "eff_horizon": (4.0, 1.0), "S": (1.0, 1.0)},
    domain=_ROBUST_DOMAIN + (Condition.interval("eps", 0, None),
                             Condition.relation(eps < 24 * gamma / (1 - gamma),
                                                "eps < 24 gamma / (1 - gamma)")),
    reference=Reference(*_PK22, "Theorem 1, eq. (10)",
                        "https://proceedings.mlr.press/v151/panaganti22a.html"),
    assumptions="(s, a)-rectangular TV sets D_tv = ||.||_1 / 2 <= c_r around the nominal kernel; "
                "REVI with K >= K0 iterations; ||V* - V^{pi_K}|| <= eps with probability at least "
                "1 - 2 delta (note the factor 2)",
    notes="N_tv = 72 gamma^2 |S| / ((1-gamma)^4 eps^2) log(144 gamma |S||A| / (delta eps "
          "(1-gamma)^2)) samples per pair; the radius does not enter.",
    verification="primary: Theorem 1 and eq. (10) read in the PMLR full text",
    example=dict(S=10, A=2, gamma=0.9, eps=0.1, delta=0.05),
)

robust_chi2 = Card(
    card_id="robust.generative.chi2.upper",
    title="Robust empirical value iteration, chi-square sets: samples per pair "
          "(Panaganti and Kalathil 2022)",
    setting="robust", kind="upper", quantity="sample complexity",
    expr=64 * gamma ** 2 * (2 * rho + 1) * S / ((1 - gamma) ** 4 * eps ** 2) * _log(192),
    guarantee="high_probability", constants="explicit", samples_unit="per_pair",
    rate={"eps": (-2.0, 1.0), "eff_horizon": (4.0, 1.0), "rho": (1.0, 0.0)},
    domain=_ROBUST_DOMAIN + (Condition.interval("rho", 0, None),
                             Condition.interval("eps", 0, None),
                             Condition.relation(eps < 16 * gamma / (1 - gamma),
                                                "eps < 16 gamma / (1 - gamma)")),
    reference=Reference(*_PK22, "Theorem 2, eq. (11)",
                        "https://proceedings.mlr.press/v151/panaganti22a.html"),
    assumptions="(s, a)-rectangular chi-square sets of radius c_r = rho; success probability "
                "1 - 2 delta",
    definitions={"rho": "chi-square radius c_r"},
    notes="N_c = 64 gamma^2 (2 c_r + 1) |S| / ((1-gamma)^4 eps^2) log(192 |S||A| gamma / (delta "
          "eps (1-gamma)^2)) per pair.",
    verification="primary: Theorem 2 and eq. (11) read in the PMLR full text",
    example=dict(S=10, A=2, gamma=0.9, eps=0.1, delta=0.05, rho=0.5),
)

robust_kl = Card(
    card_id="robust.generative.kl.upper",
    title="Robust empirical value iteration, KL sets: total samples (Panaganti and Kalathil 2022)",
    setting="robust", kind="upper", quantity="sample complexity",
    expr=S ** 2 * A * sp.exp(1 / (1 - gamma)) / ((1 - gamma) ** 4 * eps ** 2 * rho ** 2),
    guarantee="high_probability", constants="order", samples_unit="total",
    rate={"eps": (-2.0, 0.0), "rho": (-2.0, 0.0), "S": (2.0, 0.0)},
    domain=(Condition.interval("gamma", 0, 1), Condition.interval("rho", 0, None),
            Condition.interval("eps", 0, None),
            Condition.relation(eps < 1 / (1 - gamma), "eps < 1 / (1 - gamma)"),
            Condition.interval("S", 1, None, lower_open=False),
            Condition.interval("A", 1, None, lower_open=False)),
    reference=Reference(*_PK22, "Theorem 3 and Remark 4",
                        "https://proceedings.mlr.press/v151/panaganti22a.html"),
    assumptions="(s, a)-rectangular KL sets of radius c_r = rho; success probability 1 - 2 delta",
    definitions={"rho": "KL radius c_r"},
    notes="Remark 4's order O(|S|^2 |A| exp(1/(1-gamma)) / ((1-gamma)^4 eps^2 c_r^2)); Theorem 3's "
          "explicit N_kl involves a problem-dependent lambda_kl and the grouping of its exponent "
          "could not be read unambiguously: order only.",
    example=dict(S=10, A=2, gamma=0.9, eps=0.1, rho=0.1),
)

CARDS = (cvar_lowrank, r2pvi, robust_tv, robust_chi2, robust_kl)
