"""Sample complexity with a generative model: discounted (Azar et al. 2013; Agarwal et al. 2020;
Li et al. 2020) and average reward (Jin and Sidford 2020, 2021; Wang, Blanchet and Glynn 2023).

``samples_unit`` says whether a card counts samples per state-action pair or in total
(``total = S A * per_pair``)."""

import sympy as sp

from ..card import Card, Condition, Reference
from ..symbols import A, S, delta, eps, gamma, t_mix

_N = S * A
_H3 = (1 - gamma) ** 3

azar2013_upper = Card(
    card_id="generative.azar2013.upper",
    title="Model-based Q-value iteration with a generative model: samples for ||Q* - Q_k|| <= eps",
    setting="generative", kind="upper", quantity="sample complexity",
    expr=_N * sp.log(_N / delta) / (_H3 * eps ** 2),
    guarantee="high_probability", constants="order", samples_unit="total",
    rate={"eps": (-2.0, 0.0), "eff_horizon": (3.0, 0.0), "S": (1.0, 1.0), "delta": (0.0, 1.0)},
    domain=(Condition.interval("eps", 0, 1), Condition.interval("delta", 0, 1),
            Condition.interval("gamma", 0, 1), Condition.interval("S", 1, None, lower_open=False),
            Condition.interval("A", 1, None, lower_open=False)),
    reference=Reference("M. G. Azar, R. Munos, H. J. Kappen", 2013, "Minimax PAC bounds on the "
                        "sample complexity of reinforcement learning with a generative model",
                        "Machine Learning 91(3):325-349", "Theorem 1",
                        "https://hal.science/hal-00831875v1"),
    assumptions="rewards in [0, 1]; n samples per pair, total T = n S A; QVI or PI on the "
                "empirical model for k = ceil(d log(d0 beta / eps) / log(1/gamma)) iterations",
    notes="The theorem's constants c, c0, d, d0 exist but are not given: order only. The "
          "near-optimal-policy result (Theorem 2) needs eps < c1' sqrt(1/((1-gamma) gamma S)) "
          "and n > 8 gamma^2 S log(4 S A / delta) / (1-gamma)^2 per pair.",
    matches="generative.azar2013.lower",
    example=dict(S=10, A=2, gamma=0.9, eps=0.1, delta=0.05),
)

azar2013_lower = Card(
    card_id="generative.azar2013.lower",
    title="Lower bound on the samples any (eps, delta)-correct Q-estimator needs (Azar et al. 2013)",
    setting="generative", kind="lower", quantity="sample complexity",
    expr=_N / (8100 * _H3 * eps ** 2) * sp.log(_N / (72 * delta)),
    guarantee="high_probability", constants="explicit", samples_unit="total",
    rate={"eps": (-2.0, 0.0), "eff_horizon": (3.0, 0.0), "delta": (0.0, 1.0)},
    domain=(Condition.interval("eps", 0, 3, upper_open=False),
            Condition.interval("gamma", 0.4, 1, lower_open=False),
            Condition.interval("delta", 0, 1),
            Condition.interval("S", 1, None, lower_open=False),
            Condition.interval("A", 1, None, lower_open=False),
            Condition.relation(delta * S * A <= 1, "delta S A <= 1")),
    reference=Reference("M. G. Azar, R. Munos, H. J. Kappen", 2013, "Minimax PAC bounds on the "
                        "sample complexity of reinforcement learning with a generative model",
                        "Machine Learning 91(3):325-349", "Theorem 3 and its proof (Sec. 4.2)",
                        "https://hal.science/hal-00831875v1"),
    assumptions="any algorithm that returns Q with ||Q* - Q|| <= eps with probability >= 1 - delta "
                "on the paper's class of MDPs; Q-estimation (not policy) lower bound",
    notes="The proof fixes c1 = 8100 and c2 = 72: T >= beta^3 N / (c1 eps^2) log(N / (c2 delta)), "
          "beta = 1/(1-gamma), for eps in (0, 3] and gamma >= 0.4; the statement needs delta < "
          "delta0 / N (the proof uses delta' = delta N / 12 < 1/2; the card uses the stricter "
          "delta S A <= 1).",
    verification="primary: c1 = 8100, c2 = 72, eps <= 3 and gamma >= 0.4 read in the proof of "
                 "Theorem 3 (HAL full text)",
    matches="generative.azar2013.upper",
    example=dict(S=10, A=2, gamma=0.9, eps=0.1, delta=0.01),
)

agarwal2020 = Card(
    card_id="generative.agarwal2020.upper",
    title="Plug-in model (plan in the empirical MDP) is minimax optimal (Agarwal, Kakade, Yang 2020)",
    setting="generative", kind="upper", quantity="sample complexity",
    expr=sp.log(S * A / ((1 - gamma) * delta)) / (_H3 * eps ** 2),
    guarantee="high_probability", constants="order", samples_unit="per_pair",
    rate={"eps": (-2.0, 0.0), "eff_horizon": (3.0, 1.0), "delta": (0.0, 1.0)},
    domain=(Condition.interval("delta", 0, 1),
            Condition.interval("gamma", 0.5, 1, lower_open=False),
            Condition.interval("eps", 0, None),
            Condition.relation(eps <= 1 / sp.sqrt(1 - gamma), "eps <= 1/sqrt(1 - gamma)"),
            Condition.interval("S", 1, None, lower_open=False),
            Condition.interval("A", 1, None, lower_open=False)),
    reference=Reference("A. Agarwal, S. Kakade, L. F. Yang", 2020, "Model-based reinforcement "
                        "learning with a generative model is minimax optimal", "COLT (PMLR "
                        "125:67-83)", "Theorem 1", "https://arxiv.org/abs/1906.03804"),
    assumptions="N samples per pair (total S A N); pi_hat any eps_opt-optimal policy of the "
                "empirical MDP; ||Q^{pi_hat} - Q*|| <= eps + O(eps_opt) w.p. >= 1 - delta",
    notes="N >= c log(c S A / ((1-gamma) delta)) / ((1-gamma)^3 eps^2) with c an absolute "
          "constant (not given), for eps in (0, (1-gamma)^(-1/2)] and gamma >= 1/2. Order only.",
    example=dict(S=10, A=2, gamma=0.9, eps=0.1, delta=0.05),
)

li2020 = Card(
    card_id="generative.li2020.upper",
    title="Perturbed model-based planning for every eps in (0, 1/(1-gamma)] (Li, Wei, Chi, Gu, Chen)",
    setting="generative", kind="upper", quantity="sample complexity",
    expr=sp.log(S * A / ((1 - gamma) * delta * eps)) / (_H3 * eps ** 2),
    guarantee="high_probability", constants="order", samples_unit="per_pair",
    rate={"eps": (-2.0, 1.0), "eff_horizon": (3.0, 1.0), "delta": (0.0, 1.0)},
    domain=(Condition.interval("delta", 0, 1), Condition.interval("gamma", 0, 1),
            Condition.interval("eps", 0, None),
            Condition.relation(eps <= 1 / (1 - gamma), "eps <= 1/(1 - gamma) (the burn-in: N "
                               "per pair of order 1/(1-gamma), S A/(1-gamma) in total)"),
            Condition.interval("S", 1, None, lower_open=False),
            Condition.interval("A", 1, None, lower_open=False)),
    reference=Reference("G. Li, Y. Wei, Y. Chi, Y. Gu, Y. Chen", 2020, "Breaking the sample size "
                        "barrier in model-based reinforcement learning with a generative model",
                        "NeurIPS; extended in Operations Research", "Theorem 1",
                        "https://arxiv.org/abs/2005.12900"),
    assumptions="rewards perturbed by i.i.d. Unif(0, xi), xi = c1 (1-gamma) eps / (S^5 A^5); "
                "N samples per pair (total N S A)",
    notes="N >= c0 log(S A / ((1-gamma) delta eps)) / ((1-gamma)^3 eps^2) with c0 universal "
          "(not given; the proof uses xi with c1 = 1/3): order only. The log factor contains "
          "delta (the abstract's log(S A / ((1-gamma) eps)) is simplified). The whole range "
          "eps <= 1/(1-gamma) is allowed: the burn-in is S A / (1-gamma) samples in total.",
    example=dict(S=10, A=2, gamma=0.9, eps=0.5, delta=0.05),
)

wang2023_upper = Card(
    card_id="average.wang2023.upper",
    title="Optimal sample complexity for average-reward MDPs (Wang, Blanchet, Glynn 2023)",
    setting="average-reward", kind="upper", quantity="sample complexity",
    expr=S * A * t_mix / eps ** 2,
    guarantee="high_probability", constants="order", samples_unit="total",
    rate={"eps": (-2.0, 0.0), "t_mix": (1.0, 0.0), "S": (1.0, 0.0)},
    domain=(Condition.interval("eps", 0, 1), Condition.interval("t_mix", 1, None,
                                                                lower_open=False),
            Condition.interval("S", 1, None, lower_open=False),
            Condition.interval("A", 1, None, lower_open=False)),
    reference=Reference("S. Wang, J. Blanchet, P. Glynn", 2024, "Optimal sample complexity for "
                        "average reward Markov decision processes", "ICLR 2024 "
                        "(arXiv 2310.08833)", "main theorem (average-reward result)",
                        "https://arxiv.org/abs/2310.08833"),
    assumptions="uniformly ergodic MDP; t_mix a uniform upper limit of the total-variation mixing "
                "times over policies; generative model",
    notes="O~(|S||A| t_mix eps^-2), matching the lower bound; the estimator combines Jin and "
          "Sidford's discounted reduction with Li et al.'s perturbed plug-in planner. Only the "
          "abstract could be read: order only (the gamma choice and constants are unverified).",
    matches="average.wang2023.lower",
    example=dict(S=10, A=2, t_mix=10.0, eps=0.1),
)

wang2023_lower = Card(
    card_id="average.wang2023.lower",
    title="Lower bound Omega(|S||A| t_mix eps^-2) for average-reward MDPs (Jin and Sidford 2021)",
    setting="average-reward", kind="lower", quantity="sample complexity",
    expr=S * A * t_mix / eps ** 2,
    guarantee="high_probability", constants="order", samples_unit="total",
    rate={"eps": (-2.0, 0.0), "t_mix": (1.0, 0.0)},
    domain=(Condition.interval("eps", 0, 1), Condition.interval("t_mix", 1, None,
                                                                lower_open=False),
            Condition.interval("S", 1, None, lower_open=False),
            Condition.interval("A", 1, None, lower_open=False)),
    reference=Reference("Y. Jin, A. Sidford", 2021, "Towards tight bounds on the sample complexity "
                        "of average-reward MDPs", "ICML (arXiv 2106.07046)", "lower bound",
                        "https://arxiv.org/abs/2106.07046"),
    assumptions="algorithms drawing oblivious samples from a generative model; worst case over "
                "MDPs with mixing time t_mix",
    notes="Quoted by Wang, Blanchet and Glynn (2023) as the lower bound Omega(|S||A| t_mix "
          "eps^-2) their upper bound matches; Jin and Sidford show that a linear dependence on "
          "t_mix is necessary. The exact statement could not be read: order only.",
    matches="average.wang2023.upper",
    example=dict(S=10, A=2, t_mix=10.0, eps=0.1),
)

jin_sidford2020 = Card(
    card_id="average.jin_sidford2020.upper",
    title="Stochastic mirror descent for average-reward MDPs (Jin and Sidford 2020)",
    setting="average-reward", kind="upper", quantity="sample complexity",
    expr=t_mix ** 2 * S * A / eps ** 2,
    guarantee="expectation", constants="order", samples_unit="total",
    rate={"eps": (-2.0, 0.0), "t_mix": (2.0, 0.0)},
    domain=(Condition.interval("eps", 0, 1), Condition.interval("t_mix", 1, None,
                                                                lower_open=False),
            Condition.interval("S", 1, None, lower_open=False),
            Condition.interval("A", 1, None, lower_open=False)),
    reference=Reference("Y. Jin, A. Sidford", 2020, "Efficiently solving MDPs with stochastic "
                        "mirror descent", "ICML (PMLR 119:4890-4900)", "average-reward result",
                        "http://proceedings.mlr.press/v119/jin20f.html"),
    assumptions="mixing time bound t_mix for every policy; A_tot = S A pairs; expected number of "
                "samples (model-free)",
    notes="O~(t_mix^2 A_tot eps^-2) expected total samples; order only.",
    example=dict(S=10, A=2, t_mix=10.0, eps=0.1),
)

jin_sidford2021 = Card(
    card_id="average.jin_sidford2021.upper",
    title="Reduction to a discounted MDP with 1 - gamma ~ eps / t_mix (Jin and Sidford 2021)",
    setting="average-reward", kind="upper", quantity="sample complexity",
    expr=t_mix / eps ** 3,
    guarantee="high_probability", constants="order", samples_unit="per_pair",
    rate={"eps": (-3.0, 0.0), "t_mix": (1.0, 0.0)},
    domain=(Condition.interval("eps", 0, 1), Condition.interval("t_mix", 1, None,
                                                                lower_open=False)),
    reference=Reference("Y. Jin, A. Sidford", 2021, "Towards tight bounds on the sample complexity "
                        "of average-reward MDPs", "ICML (arXiv 2106.07046)", "upper bound",
                        "https://arxiv.org/abs/2106.07046"),
    assumptions="mixing time of every policy at most t_mix; oblivious samples per pair",
    notes="O~(t_mix eps^-3) samples per state-action pair; order only.",
    example=dict(t_mix=10.0, eps=0.1),
)

CARDS = (azar2013_upper, azar2013_lower, agarwal2020, li2020, wang2023_upper, wang2023_lower,
         jin_sidford2020, jin_sidford2021)
