"""Offline RL with pessimism, tabular: VI-LCB (Rashidinejad et al. 2021), VI-LCB with the
Bernstein-style penalty (Li, Shi, Chen, Chi and Wei 2022), PEVI (Jin, Yang and Wang 2021).

``C_cov`` is the card's coverage term: the single-policy concentrability ``C*`` for the
discounted cards, the data-dependent sum of PEVI's penalties along ``pi*`` for PEVI. Sample
counts are in transitions (``samples_unit="total"``)."""

import sympy as sp

from ..card import Card, Condition, Reference
from ..symbols import C_cov, H, K, S, d, delta, eps, gamma, n

#: Remark 2 of Li et al. (2022) as transcribed: Theorem 1 holds with ``c_b >= 144`` and
#: ``c_1 = 21000 c_b``; with ``c_b = 144`` (the estimator's default), ``c_1 = 3 024 000``. These
#: values have not been confirmed against the published text here, so the cards that carry them
#: are order-only: the rate is the theorem's, the constant a transcription to be checked.
LI2022_CB = 144
LI2022_C1 = 21000 * LI2022_CB

_H3 = (1 - gamma) ** 3
_LI_REF = ("G. Li, L. Shi, Y. Chen, Y. Chi, Y. Wei", 2024, "Settling the sample complexity of "
           "model-based offline reinforcement learning", "Ann. Statist. 52(1):233-260 (arXiv "
           "2204.05275)")
_LI_URL = "https://arxiv.org/abs/2204.05275"
_C_STAR = ("single-policy concentrability C* = max_{s,a} d^{pi*}(s, a) / d^mu(s, a) (Li et al. "
           "Definition 1; Definition 2's clipped coefficient may replace it)")
_LI_DOMAIN = (Condition.interval("gamma", 0.5, 1, lower_open=False),
              Condition.interval("delta", 0, 1),
              Condition.interval("S", 1, None, lower_open=False),
              Condition.interval("C_cov", 1, None, lower_open=False))
_LI_ASSUMPTIONS = ("N independent transitions, (s, a) ~ d^b and s' ~ P(.|s, a) (eq. 17); "
                   "rewards in [0, 1], known to the learner; Algorithm 1 (VI-LCB, all samples "
                   "reused) with the Bernstein-style penalty (28), c_b = 144, tau_max >= "
                   "log(N / (1-gamma)) / (1-gamma) iterations; success probability at least "
                   "1 - 2 delta (delta is also the penalty's parameter)")
_X = LI2022_C1 * S * C_cov / (_H3 * eps ** 2)

li2022_upper = Card(
    card_id="offline.li2022.upper",
    title="VI-LCB with the Bernstein-style penalty: transitions for an eps-optimal policy, no "
          "burn-in (Li, Shi, Chen, Chi, Wei)",
    setting="discounted", kind="upper", quantity="sample complexity",
    expr=2 * _X * sp.log(2 * _X * S / ((1 - gamma) * delta)),
    guarantee="high_probability", constants="order", samples_unit="total",
    rate={"eps": (-2.0, 1.0), "eff_horizon": (3.0, 1.0), "S": (1.0, 1.0), "C_cov": (1.0, 1.0),
          "delta": (0.0, 1.0)},
    domain=_LI_DOMAIN + (Condition.interval("eps", 0, None),
                         Condition.relation(eps <= 1 / (1 - gamma),
                                            "eps <= 1/(1 - gamma) (the whole range: no burn-in)")),
    reference=Reference(*_LI_REF, "Theorem 1, eq. (35), and Remark 2", _LI_URL),
    assumptions=_LI_ASSUMPTIONS,
    definitions={"C_cov": _C_STAR},
    notes="Theorem 1: V*(rho) - V^{pi_hat}(rho) <= eps once N >= c_1 S C* log(N S / ((1-gamma) "
          "delta)) / ((1-gamma)^3 eps^2) (eq. 35), i.e. the rate S C* / ((1-gamma)^3 eps^2), "
          "minimax by Theorem 2 (c_2 = 1/25088 by Remark 3). Eq. (35) has N on both sides; this "
          "card is the explicit sufficient sample size N = 2 X log(2 X S / ((1-gamma) delta)), "
          "X = c_1 S C* / ((1-gamma)^3 eps^2): it satisfies (35), and so does every larger N.",
    verification="order only: the expression carries c_1 = 21000 c_b, c_b = 144 as transcribed "
                 "from Theorem 1 (eq. 35) and Remark 2, not confirmed against the published text; "
                 "the explicit form is derived: with k = S / ((1-gamma) delta), N = 2 X log(2 X k) gives "
                 "X log(N k) = X (log(2 X k) + log log(2 X k)) <= 2 X log(2 X k) = N, and N - X "
                 "log(N k) increases for N >= X (here 2 X k >= e^(1/2) holds since c_1 > 10^6)",
    example=dict(S=10, C_cov=2.0, gamma=0.9, eps=0.5, delta=0.05),
    rate_point={"C_cov": 1e250, "delta": 1e-250},
)

li2022_suboptimality = Card(
    card_id="offline.li2022.suboptimality",
    title="VI-LCB with the Bernstein-style penalty: suboptimality after n transitions (Li et al. "
          "Theorem 1 solved for eps)",
    setting="discounted", kind="upper", quantity="suboptimality",
    expr=sp.sqrt(LI2022_C1 * S * C_cov * sp.log(n * S / ((1 - gamma) * delta)) / (_H3 * n)),
    guarantee="high_probability", constants="order", samples_unit="total",
    rate={"n": (-0.5, 0.5), "C_cov": (0.5, 0.0), "S": (0.5, 0.5), "eff_horizon": (1.5, 0.5),
          "delta": (0.0, 0.5)},
    domain=_LI_DOMAIN + (Condition.interval("n", 1, None, lower_open=False),),
    reference=Reference(*_LI_REF, "Theorem 1, eq. (35), and Remark 2", _LI_URL),
    assumptions=_LI_ASSUMPTIONS,
    definitions={"C_cov": _C_STAR, "n": "number of transitions N in the dataset"},
    trivial=1 / (1 - gamma),
    notes="For a dataset of N transitions, eps_N = sqrt(c_1 S C* log(N S / ((1-gamma) delta)) / "
          "((1-gamma)^3 N)) meets eq. (35) with equality; when eps_N <= 1/(1-gamma) Theorem 1 "
          "gives V*(rho) - V^{pi_hat}(rho) <= eps_N with probability at least 1 - 2 delta, and "
          "otherwise the bound is at least the trivial 1/(1-gamma) (vacuous).",
    verification="order only: Theorem 1 (eq. 35) with equality at eps = eps_N, carrying c_1 = "
                 "21000 * 144 as transcribed from Remark 2, not confirmed against the published "
                 "text",
    example=dict(n=10 ** 6, S=10, C_cov=2.0, gamma=0.9, delta=0.05),
)

vi_lcb_upper = Card(
    card_id="offline.vi_lcb.upper",
    title="VI-LCB with sample splitting and a Hoeffding-style penalty: transitions for an "
          "eps-optimal policy (Rashidinejad, Zhu, Ma, Jiao, Russell)",
    setting="discounted", kind="upper", quantity="sample complexity",
    expr=S * C_cov / ((1 - gamma) ** 5 * eps ** 2),
    guarantee="expectation", constants="order", samples_unit="total",
    rate={"eps": (-2.0, 0.0), "eff_horizon": (5.0, 0.0), "S": (1.0, 0.0), "C_cov": (1.0, 0.0)},
    domain=(Condition.interval("gamma", 0, 1), Condition.interval("eps", 0, None),
            Condition.interval("S", 1, None, lower_open=False),
            Condition.interval("C_cov", 1, None, lower_open=False)),
    reference=Reference("P. Rashidinejad, B. Zhu, C. Ma, J. Jiao, S. Russell", 2021, "Bridging "
                        "offline reinforcement learning and imitation learning: a tale of "
                        "pessimism", "NeurIPS 2021; IEEE Trans. Inf. Theory 68 (2022) (arXiv "
                        "2103.12021)", "the MDP upper bound of the LCB algorithm (VI-LCB)",
                        "https://arxiv.org/abs/2103.12021"),
    assumptions="N independent transitions (s, a) ~ d^mu with rewards in [0, 1]; the data split "
                "into O~(1/(1-gamma)) parts, one per iteration; single-policy concentrability "
                "C* (C_cov)",
    definitions={"C_cov": "single-policy concentrability C* = max_{s,a} d^{pi*}(s, a) / "
                          "d^mu(s, a)"},
    notes="Order only, up to log factors: Li et al. (2022, Table 1 and Sec. 1.2, read) quote "
          "S C* / ((1-gamma)^5 eps^2) for this algorithm, a factor 1/(1-gamma)^2 above the "
          "minimax rate. The paper's own statement could not be read here; as recalled it "
          "bounds the expected suboptimality (with delta = 1/N), min(1/(1-gamma), sqrt(S C* / "
          "((1-gamma)^5 N))) up to logs (unverified).",
    example=dict(S=10, C_cov=2.0, gamma=0.9, eps=0.5),
)

pevi_upper = Card(
    card_id="offline.pevi.upper",
    title="PEVI suboptimality, tabular MDP as a linear MDP with one-hot features (Jin, Yang, "
          "Wang)",
    setting="episodic", kind="upper", quantity="suboptimality",
    expr=2 * d * H * sp.sqrt(sp.log(2 * d * H * K / delta)) * C_cov,
    guarantee="high_probability", constants="order",
    rate={"d": (1.0, 0.5), "H": (1.0, 0.5), "K": (0.0, 0.5), "C_cov": (1.0, 0.0),
          "delta": (0.0, 0.5)},
    domain=(Condition.interval("delta", 0, 1), Condition.interval("d", 1, None, lower_open=False),
            Condition.interval("H", 1, None, lower_open=False),
            Condition.interval("K", 1, None, lower_open=False),
            Condition.interval("C_cov", 0, None, lower_open=False)),
    reference=Reference("Y. Jin, Z. Yang, Z. Wang", 2021, "Is pessimism provably efficient for "
                        "offline RL?", "ICML (PMLR 139:5084-5096) (arXiv 2012.15085)",
                        "Theorem 4.2 with the linear-MDP quantifier of Theorem 4.4",
                        "https://arxiv.org/abs/2012.15085"),
    assumptions="K trajectories of a behaviour policy (compliant data); tabular MDP as a linear "
                "MDP, d = S A, phi one-hot, lambda = 1; Gamma_h(s, a) = beta (N_h(s, a) + "
                "1)^(-1/2), beta = c d H sqrt(log(2 d H K / delta)); SubOpt(pi_hat; s) <= 2 "
                "sum_h E_{pi*}[Gamma_h(s_h, a_h) | s_1 = s] with probability 1 - delta",
    definitions={"C_cov": "sum_h E_{pi*}[(N_h(s_h, a_h) + 1)^(-1/2)] along the optimal policy "
                          "from the start distribution (data-dependent)",
                 "d": "feature dimension, S A for the tabular MDP"},
    trivial=H,
    notes="Theorem 4.2 (read as a qualitative statement: the suboptimality is at most twice the "
          "expected penalty along pi*) holds for any xi-uncertainty quantifier; beta = c d H "
          "sqrt(zeta), zeta = log(2 d H K / xi), with an absolute constant c the paper does not "
          "give (the form itself is recorded from memory in the catalog's reference list, "
          "unverified): order only, c = 1.",
    example=dict(d=10, H=3, K=10 ** 5, C_cov=0.1, delta=0.05),
)

CARDS = (li2022_upper, li2022_suboptimality, vi_lcb_upper, pevi_upper)
