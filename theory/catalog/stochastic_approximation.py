"""Stochastic approximation along trajectories: TD(0) with linear features on one Markov chain
(Bhandari, Russo, Singal 2018, Theorem 3), linear SARSA (Zou, Xu, Liang 2019) and federated SARSA
over heterogeneous environments (Zhang, Wang, Mitra, Anderson 2024). Every card here is order
only: the sources' theorem statements (constants, log powers) were not read, only their abstracts
and secondary summaries, as each card's notes say."""

import sympy as sp

from ..card import Card, Condition, Reference
from ..symbols import T, eps, k, t_mix


td0_linear_markov = Card(
    card_id="sa.td0_linear_markov.upper",
    title="TD(0) with linear features along one Markov trajectory, step 1/sqrt(T) with iterate "
          "averaging: E ||V_theta* - V_theta_bar_T||_D^2 = O(t_mix log(T) / sqrt(T)) "
          "(Bhandari, Russo, Singal)",
    setting="discounted", kind="upper", quantity="D-weighted squared value error",
    expr=t_mix * sp.log(T) / sp.sqrt(T), guarantee="expectation", constants="order",
    T_unit="steps", rate={"T": (-0.5, 1.0), "t_mix": (1.0, 0.0)},
    domain=(Condition.interval("T", 2, None, lower_open=False),
            Condition.interval("t_mix", 1, None, lower_open=False)),
    reference=Reference("J. Bhandari, D. Russo, R. Singal", 2018, "A finite time analysis of "
                        "temporal difference learning with linear function approximation",
                        "COLT", "Theorem 3 (Markov chain observation model)",
                        "https://arxiv.org/abs/1806.02450"),
    assumptions="one trajectory of an irreducible, aperiodic chain (uniformly geometrically "
                "mixing), linearly independent features, alpha_t = 1/sqrt(T), theta_bar_T the "
                "average of the iterates; the theorem analyses projected TD(0) (projection on a "
                "ball of radius R containing theta*)",
    definitions={"t_mix": "mixing time of the evaluated policy's chain (the theorem uses "
                          "tau_mix(1/sqrt(T)), which is t_mix times a log factor for a "
                          "geometrically mixing chain)"},
    notes="order only: the source's constants (||theta* - theta_0||^2, G = r_max + 2R, and the "
          "numerical factors multiplying tau_mix) were not read; the form t_mix log T / sqrt(T) is "
          "the order as summarised in secondary sources. rlcert's td0_linear(markov=True) does not "
          "project; on the check's instance its iterates stay bounded (the check reports the "
          "largest ||theta_bar_T||).",
    example=dict(T=10000, t_mix=8),
)

sarsa_linear = Card(
    card_id="sa.sarsa_linear.upper",
    title="Linear SARSA with a Lipschitz policy-improvement operator, one trajectory, projection "
          "on a ball, diminishing step 1/(w (t+1)): E ||theta_T - theta*||^2 = O~(1/T) "
          "(Zou, Xu, Liang)",
    setting="discounted", kind="upper", quantity="squared parameter error",
    expr=1 / T, guarantee="expectation", constants="order", T_unit="steps",
    rate={"T": (-1.0, 0.0)},
    domain=(Condition.interval("T", 1, None, lower_open=False),),
    reference=Reference("S. Zou, T. Xu, Y. Liang", 2019, "Finite-sample analysis for SARSA with "
                        "linear function approximation", "NeurIPS",
                        "main theorem (diminishing step size)", "https://arxiv.org/abs/1902.02234"),
    assumptions="uniformly ergodic state-action chains under every policy of the family, "
                "linearly independent features with ||phi|| <= 1, a policy-improvement operator "
                "whose Lipschitz constant is small enough (a softmax with a large enough "
                "temperature), theta* inside the projection ball, alpha_t = 1/(w (t+1)) with w "
                "below the curvature of the mean-path field",
    notes="order only, logarithmic factors dropped: the theorem's exact statement (its log "
          "factors, constants and the conditions on w and the Lipschitz constant) was not read, "
          "only the abstract; the check allows a log factor's slack in the slope.",
    example=dict(T=10000),
)

fedsarsa_speedup = Card(
    card_id="sa.fedsarsa_speedup.upper",
    title="FedSARSA, identical environments: E ||theta_T - theta*||^2 = O(1/(N T)), linear "
          "speed-up in the number of agents N (Zhang, Wang, Mitra, Anderson)",
    setting="discounted", kind="upper", quantity="squared parameter error",
    expr=1 / (k * T), guarantee="expectation", constants="order", T_unit="steps",
    rate={"T": (-1.0, 0.0), "k": (-1.0, 0.0)},
    domain=(Condition.interval("T", 1, None, lower_open=False),
            Condition.interval("k", 1, None, lower_open=False)),
    reference=Reference("C. Zhang, H. Wang, A. Mitra, J. Anderson", 2024, "Finite-time analysis "
                        "of on-policy heterogeneous federated reinforcement learning", "ICLR",
                        "finite-time error bound (linear speed-up)",
                        "https://arxiv.org/abs/2401.15273"),
    assumptions="N agents on MDPs sharing S, A, rewards, gamma and features, zero heterogeneity "
                "(identical kernels), linear SARSA with projection, K local steps between "
                "averages, independent trajectories, the decaying step; T = local steps per agent",
    definitions={"k": "number of agents N"},
    notes="order only: the paper's constants, the higher-order terms of Markovian sampling and "
          "local steps, and the exact step conditions were not read (abstract and secondary "
          "summaries only). The catalog has no symbol for the number of agents; k stands for N.",
    example=dict(T=10000, k=8),
)

fedsarsa_bias = Card(
    card_id="sa.fedsarsa_bias.upper",
    title="FedSARSA, heterogeneous environments: the limit's squared distance to the "
          "zero-heterogeneity fixed point grows with the heterogeneity, O(eps^2) "
          "(Zhang, Wang, Mitra, Anderson)",
    setting="discounted", kind="upper", quantity="squared heterogeneity bias",
    expr=eps ** 2, guarantee="expectation", constants="order",
    rate={"eps": (2.0, 0.0)},
    domain=(Condition.interval("eps", 0, 1, upper_open=False),),
    reference=Reference("C. Zhang, H. Wang, A. Mitra, J. Anderson", 2024, "Finite-time analysis "
                        "of on-policy heterogeneous federated reinforcement learning", "ICLR",
                        "convergence region (heterogeneity bias)",
                        "https://arxiv.org/abs/2401.15273"),
    assumptions="agents' kernels within total-variation distance eps of each other (rewards "
                "shared here); the bound is on the distance of FedSARSA's limit from the fixed "
                "point of the common kernel",
    definitions={"eps": "heterogeneity level: the largest total-variation distance between the "
                        "agents' transition kernels"},
    notes="order only: the abstract says the limit is near-optimal for every agent with a gap "
          "proportional to the heterogeneity; the squared form eps^2 follows from a radius "
          "proportional to eps. The theorem's constants and exact heterogeneity measure were not "
          "read. The check judges monotonicity in eps and a zero bias at eps = 0, not the "
          "constant.",
    example=dict(eps=0.1),
)


log_q_learning = Card(
    card_id="sa.log_q_learning.asymptotic",
    title="Log-mapped Q-learning with separate heads for the positive and negative rewards "
          "converges to Q* (van Seijen, Fatemi, Tavakoli)",
    setting="generative", kind="upper", quantity="sup-norm Q error (limit)",
    expr=sp.Integer(0), guarantee="asymptotic", constants="order", rate={},
    domain=(),
    reference=Reference("H. van Seijen, M. Fatemi, A. Tavakoli", 2019, "Using a logarithmic "
                        "mapping to enable lower discount factors in reinforcement learning",
                        "NeurIPS", "convergence theorem (log Q-learning)",
                        "https://arxiv.org/abs/1906.00572"),
    assumptions="tabular, every pair updated infinitely often, f(x) = c ln(x + d) + k, the "
                "regular-space step beta_reg and the mapped-space step beta_log under the "
                "theorem's conditions (not read; the check uses beta_reg decaying as the "
                "rescaled linear step and beta_log constant)",
    notes="the limit ||Q_T - Q*||_inf -> 0 only (expression 0: no rate is claimed). The abstract "
          "was read: the paper proves convergence under standard assumptions and shows the "
          "benefit of the mapping empirically for approximate methods. The mapping constants "
          "(c = 1, d = gamma^h with h = 200, k = -c ln(Q_init + d)) and the annealed step sizes "
          "(beta_reg 1 -> 0.1, beta_log 1 -> 0.01) were read in the authors' public code "
          "(microsoft/logrl, linear_experiments/agent.py and main.py), not in the paper. The "
          "check sa.log_q_learning_convergence uses synchronous Q-learning's T^(-1/2) as a "
          "yardstick (to first order the pair of steps is Q-learning at beta_reg beta_log).",
)

CARDS = (td0_linear_markov, sarsa_linear, fedsarsa_speedup, fedsarsa_bias, log_q_learning)
