"""State metrics and action reduction: value continuity of the bisimulation metric, the value
error of aggregating states by the metric, the approximation error of action grouping, and the
regret order of MaxInfo Boltzmann exploration in bandits."""

import sympy as sp

from ..card import Card, Condition, Reference
from ..symbols import b, eps, gamma, k, n, span

FPP04 = ("N. Ferns, P. Panangaden, D. Precup", 2004, "Metrics for finite Markov decision "
         "processes", "UAI 2004, 162-169")

value_continuity = Card(
    card_id="metrics.bisimulation.value_continuity",
    title="Bisimulation metric (c_R = 1, c_T = gamma): |V*(s) - V*(t)| <= d*(s, t)",
    setting="discounted", kind="upper", quantity="value difference",
    expr=eps,
    guarantee="deterministic", constants="explicit",
    rate={"eps": (1.0, 0.0)},
    domain=(Condition.interval("eps", 0, None, lower_open=False),),
    reference=Reference(*FPP04, "Theorem 5.1 (value continuity); Theorem 4.5 (the fixed point)"),
    assumptions="finite discounted MDP; d* the fixed point of F(d)(s,t) = max_a |r(s,a) - r(t,a)| "
                "+ gamma W_1(P(.|s,a), P(.|t,a); d); more generally c_R |V*(s) - V*(t)| <= d*(s,t) "
                "for any c_T >= gamma",
    definitions={"eps": "the bisimulation distance d*(s, t) of the two states"},
    notes="Proof (rlcert.mdp.bisimulation): value iteration from 0 keeps V_k d*-Lipschitz by "
          "Kantorovich-Rubinstein duality. Tight: two absorbing states with rewards r0, r1 have "
          "d* = |V*(0) - V*(1)| = |r0 - r1| / (1 - gamma).",
    verification="derived: the statement as restated in reference/theorems.md (MISC-3) and the "
                 "2004 paper's abstract; the proof is given in rlcert.mdp.bisimulation and the "
                 "equality case is tested",
    example=dict(eps=0.5),
)

aggregation = Card(
    card_id="metrics.bisimulation.aggregation",
    title="Aggregating states of bisimulation spread eps: |V*(s) - V~*(C(s))| <= eps / (1 - gamma)",
    setting="discounted", kind="upper", quantity="value error",
    expr=eps / (1 - gamma),
    guarantee="deterministic", constants="explicit",
    rate={"eps": (1.0, 0.0), "eff_horizon": (1.0, 0.0)},
    domain=(Condition.interval("gamma", 0, 1), Condition.interval("eps", 0, None,
                                                                  lower_open=False)),
    reference=Reference(*FPP04, "Theorem 5.2 (aggregation), stated with c_T / (1 - c_T)"),
    assumptions="clusters C with weights w, aggregated MDP r~ = sum_C w r, P~(C'|C,a) = sum_C w "
                "P(C'|u,a); g(s) = sum_{u in C(s)} w_u d*(s, u) <= eps (e.g. clusters of "
                "d*-diameter eps); pointwise |V*(s) - V~*(C(s))| <= g(s) + gamma/(1-gamma) max g",
    definitions={"eps": "max_s g(s), the largest weighted within-cluster bisimulation distance"},
    notes="Derived and proved in rlcert.mdp.bisimulation (the source's constant c_T/(1-c_T) "
          "could not be read; with c_T = gamma the forms agree). The 1/(1-gamma) is needed: "
          "the check's mutant that drops the max g term fails.",
    verification="derived: proved in the rlcert.mdp.bisimulation module docstring from "
                 "|Q*(u,a) - Q*(s,a)| <= d*(u,s) and the gamma-contraction",
    example=dict(eps=0.1, gamma=0.9),
)

grouping = Card(
    card_id="metrics.grouping.approximation",
    title="Action grouping: 0 <= V*_M - V*_{M_G} <= (eps_R + gamma eps_P sp(V*)/2) / (1 - gamma)",
    setting="discounted", kind="upper", quantity="approximation error",
    expr=(eps + gamma * b * span / 2) / (1 - gamma),
    guarantee="deterministic", constants="explicit",
    rate={"eff_horizon": (1.0, 0.0)},
    domain=(Condition.interval("gamma", 0, 1), Condition.interval("eps", 0, None,
                                                                  lower_open=False),
            Condition.interval("b", 0, None, lower_open=False),
            Condition.interval("span", 0, None, lower_open=False)),
    reference=Reference("Y. Li, P. Ju, N. Shroff", 2024, "Achieving sample and computational "
                        "efficient reinforcement learning by action space reduction via grouping",
                        "ICLR 2024 (arXiv:2306.12981)", "setting of Sec. 3; the bound derived "
                        "in rlcert.mdp.grouping"),
    assumptions="actions partitioned into groups (the same in every state); the grouped MDP "
                "averages rewards and transitions uniformly over each group (uniform play within "
                "the chosen group)",
    definitions={"eps": "eps_R = max_{s,a} |r(s,a) - r_G(s, G(a))|",
                 "b": "eps_P = max_{s,a} ||P(s,a) - P_G(s, G(a))||_1 (at most 2)",
                 "span": "sp(V*) of the original MDP"},
    notes="Only the paper's abstract could be read; the construction is the natural one and the "
          "bound is derived and proved in rlcert.mdp.grouping (labelled as such). The loss of a "
          "plug-in learner splits exactly into this approximation error and an estimation error.",
    verification="derived: proved in the rlcert.mdp.grouping module docstring (not the paper's "
                 "statement)",
    example=dict(eps=0.1, b=0.2, span=5.0, gamma=0.9),
)

maxinfo = Card(
    card_id="bandit.maxinfo.regret",
    title="MaxInfo Boltzmann exploration: sublinear expected regret, order sqrt(k n ln n)",
    setting="bandit", kind="upper", quantity="regret",
    expr=sp.sqrt(k * n * sp.log(n)),
    guarantee="expectation", constants="order",
    rate={"n": (0.5, 0.5), "k": (0.5, 0.0)},
    domain=(Condition.interval("n", 1, None), Condition.interval("k", 1, None)),
    reference=Reference("B. Sukhija, S. Coros, A. Krause, P. Abbeel, C. Sferrazza", 2024,
                        "MaxInfoRL: boosting exploration in reinforcement learning through "
                        "information gain maximization", "arXiv:2412.12098",
                        "bandit section (sublinear regret); the order derived in "
                        "rlcert.estimators.bandits.maxinfo"),
    assumptions="k arms with rewards in [0, 1]; softmax at inverse temperature sqrt(t) over "
                "mu_hat + sqrt(8 ln t I_t(a)), I_t(a) = log(1 + 1/n_a)/2",
    notes="The paper claims sublinear regret; its theorem's exact form was not read. The order "
          "sqrt(k n ln n) + ln(k) sqrt(n) is derived in the learner's module docstring.",
    example=dict(n=1e4, k=3),
)

CARDS = (value_continuity, aggregation, grouping, maxinfo)
