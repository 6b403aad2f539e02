"""Regret of tabular and linear learners, upper and lower bounds.

T counts steps or episodes as each card's ``T_unit`` says (Jin et al. 2018 and Azar et al. 2017
count steps, T = K H; Domingues et al. 2021 count episodes): convert with
:func:`rlcert.bounds.convert_T` before comparing cards in different units.
"""

import sympy as sp

from ..card import Card, Condition, Reference
from ..symbols import A, D, H, K, R_O, S, T, d, delta, tau

_DELTA = Condition.interval("delta", 0, 1)
_POS = lambda name: Condition.interval(name, 1, None, lower_open=False)  # noqa: E731

ucrl2_upper = Card(
    card_id="regret.ucrl2.upper",
    title="UCRL2 regret, communicating MDPs with diameter D",
    setting="average-reward", kind="upper", quantity="regret",
    expr=34 * D * S * sp.sqrt(A * T * sp.log(T / delta)),
    guarantee="high_probability", constants="explicit", T_unit="steps",
    rate={"T": (0.5, 0.5), "D": (1.0, 0.0), "S": (1.0, 0.0), "A": (0.5, 0.0),
          "delta": (0.0, 0.5)},
    domain=(_DELTA, Condition.interval("T", 1, None), _POS("S"), _POS("A"),
            Condition.interval("D", 1, None, lower_open=False)),
    reference=Reference("T. Jaksch, R. Ortner, P. Auer", 2010, "Near-optimal regret bounds for "
                        "reinforcement learning", "JMLR 11:1563-1600", "Theorem 2"),
    assumptions="communicating MDP with diameter D, rewards in [0, 1]; with probability >= "
                "1 - delta the bound holds for every T > 1 and every initial state",
    notes="The theorem's display was not machine-readable in the copies seen; the constant 34 is "
          "confirmed by the paper's own use of it (proof of Corollary 3: alpha := 34^2 D^2 S^2 "
          "A^2; proof of Theorem 4: 34^2 2 D^2 S^2 A log(T)/g) and by a restatement. The number "
          "of episodes is at most S A log2(8T/(SA)) (Appendix C.2). The bound is below the trivial "
          "T only when T > (34 D S)^2 A log(T/delta): with S = A = 2 and delta = 0.05 from T = "
          "1.4e5 at D = 1 and T = 6.0e5 at D = 2 (the check average.ucrl2.regret_bound runs it "
          "at D = 1, T = 1e6, where it is 0.39 T); on RiverSwim(6), D = 14.7, only from T = "
          "4.1e8. The radii of the confidence sets (Figure 1): sqrt(7 log(2 S A t_k/delta) / "
          "(2 max(1, N))) for rewards and sqrt(14 S log(2 A t_k/delta) / max(1, N)) in L1 for "
          "transitions (rlcert.estimators.average).",
    matches="regret.ucrl2.lower",
    trivial=T,
    example=dict(D=10.0, S=6, A=2, T=1e6, delta=0.05),
    verification="primary (indirect): the display of Theorem 2 was unreadable, but the paper uses the constant 34 of the form 34 D S sqrt(A T log(T/delta)) in the proofs of Corollary 3 and Theorem 4; conditions (T > 1, delta in (0, 1), T in steps) read in the paper",
)

ucrl2_lower = Card(
    card_id="regret.ucrl2.lower",
    title="Minimax lower bound on the expected regret in communicating MDPs (Jaksch et al. Thm 5)",
    setting="average-reward", kind="lower", quantity="regret",
    expr=sp.Rational(15, 1000) * sp.sqrt(D / 4 * sp.floor(S / 2) * sp.floor((A - 1) / 2) * T),
    guarantee="expectation", constants="explicit", T_unit="steps",
    rate={"T": (0.5, 0.0), "D": (0.5, 0.0)},
    domain=(Condition.interval("S", 10, None, lower_open=False),
            Condition.interval("A", 10, None, lower_open=False),
            Condition.interval("D", 12, None, lower_open=False),
            Condition.relation(D >= 20 * sp.log(S) / sp.log(A), "D >= 20 log_A S"),
            Condition.relation(T >= D * S * A, "T >= D S A")),
    reference=Reference("T. Jaksch, R. Ortner, P. Auer", 2010, "Near-optimal regret bounds for "
                        "reinforcement learning", "JMLR 11:1563-1600", "Theorem 5 and its proof "
                        "(Section 6)"),
    assumptions="for any algorithm there is an MDP with S states, A actions and diameter D "
                "whose expected regret after T steps is at least the bound",
    notes="The theorem is usually quoted as 0.015 sqrt(D S A T); its proof (Section 6) ends with "
          "> 0.015 sqrt(D' k A' T), D' = D/4, k = floor(S/2), A' = floor((A-1)/2), and "
          "D' k A' <= D S A / 16, so the card states what the proof establishes. The construction "
          "assumes D >= 12 (a footnote treats smaller D differently).",
    matches="regret.ucrl2.upper",
    example=dict(D=40.0, S=10, A=10, T=1e7),
    rate_point={"D": 1e4},
    verification="primary: 0.015 sqrt(D' k A' T) read in the proof of Theorem 5 (Section 6), with its conditions S, A >= 10, D >= 20 log_A S, T >= D S A",
)

ucbvi_ch = Card(
    card_id="regret.ucbvi_ch.upper",
    title="UCBVI with Chernoff-Hoeffding bonus (Azar, Osband, Munos 2017)",
    setting="episodic", kind="upper", quantity="regret",
    expr=H * sp.sqrt(S * A * T),
    guarantee="high_probability", constants="order", T_unit="steps",
    rate={"T": (0.5, 0.0), "H": (1.0, 0.0), "S": (0.5, 0.0), "A": (0.5, 0.0)},
    domain=(_POS("T"), _POS("S"), _POS("A"), _POS("H")),
    reference=Reference("M. G. Azar, I. Osband, R. Munos", 2017, "Minimax regret bounds for "
                        "reinforcement learning", "ICML (PMLR 70)", "Theorem 1",
                        "https://arxiv.org/abs/1703.05449"),
    assumptions="episodic, stationary transitions, rewards in [0, 1], T = K H steps",
    notes="Order only: O~(H sqrt(S A T)) (log factors hidden). A restatement gives "
          "20 H L sqrt(S A T) + 250 H^2 S^2 A L^2 with L = ln(5 H S A T / delta), and the "
          "algorithm's bonus 7 H ln(5 S A T / delta) / sqrt(N); neither constant could be seen "
          "in the paper, so neither is used here. The bound does not depend on delta in this "
          "order form.",
    matches="regret.episodic_stationary.lower",
    trivial=T,
    example=dict(H=20, S=6, A=2, T=2e6),
)

ucbvi_bf = Card(
    card_id="regret.ucbvi_bf.upper",
    title="UCBVI with Bernstein-Freedman bonus (Azar, Osband, Munos 2017)",
    setting="episodic", kind="upper", quantity="regret",
    expr=sp.sqrt(H * S * A * T) + H ** 2 * S ** 2 * A + H * sp.sqrt(T),
    guarantee="high_probability", constants="order", T_unit="steps",
    rate={"T": (0.5, 0.0), "S": (2.0, 0.0)},
    domain=(_POS("T"), _POS("S"), _POS("A"), _POS("H")),
    reference=Reference("M. G. Azar, I. Osband, R. Munos", 2017, "Minimax regret bounds for "
                        "reinforcement learning", "ICML (PMLR 70)", "Theorem 2",
                        "https://arxiv.org/abs/1703.05449"),
    assumptions="episodic, stationary transitions, rewards in [0, 1], T = K H steps; for "
                "T >= H^3 S^3 A and S A >= H the bound is O~(sqrt(H S A T))",
    notes="Order only: O~(sqrt(H S A T) + H^2 S^2 A + H sqrt(T)) as in the abstract. A "
          "restatement gives 30 L sqrt(H S A T) + 2500 H^2 S^2 A L^2 + 4 H sqrt(T L), "
          "L = ln(5 H S A T / delta), not verified in the paper and not used.",
    matches="regret.episodic_stationary.lower",
    trivial=T,
    example=dict(H=20, S=6, A=2, T=2e6),
)

_iota = sp.log(S * A * T / delta)

qlearning_ucb_h = Card(
    card_id="regret.qlearning_ucb_h.upper",
    title="Q-learning with UCB-Hoeffding (Jin, Allen-Zhu, Bubeck, Jordan 2018)",
    setting="episodic", kind="upper", quantity="regret",
    expr=sp.sqrt(H ** 4 * S * A * T * _iota),
    guarantee="high_probability", constants="order", T_unit="steps",
    rate={"T": (0.5, 0.5), "H": (2.0, 0.0), "S": (0.5, 0.5), "delta": (0.0, 0.5)},
    domain=(_DELTA, Condition.interval("T", 1, None), _POS("S"), _POS("A"), _POS("H")),
    reference=Reference("C. Jin, Z. Allen-Zhu, S. Bubeck, M. I. Jordan", 2018, "Is Q-learning "
                        "provably efficient?", "NeurIPS", "Theorem 1",
                        "https://arxiv.org/abs/1807.03765"),
    assumptions="episodic, stage-dependent transitions P_h, rewards in [0, 1]; T = K H steps; "
                "iota = log(S A T / delta); bonus b_t = c sqrt(H^3 iota / t), learning rate "
                "alpha_t = (H + 1)/(H + t)",
    notes="The theorem states O(sqrt(H^4 S A T iota)) for an absolute constant c > 0 that the "
          "paper does not give; the proof ends at O(H^2 S A + sqrt(H^4 S A T iota)) with "
          "probability 1 - 2p. The expression is the rate with constant 1.",
    matches="regret.episodic_stage.lower",
    trivial=T,
    example=dict(H=5, S=2, A=2, T=1e6, delta=0.05),
)

qlearning_ucb_b = Card(
    card_id="regret.qlearning_ucb_b.upper",
    title="Q-learning with UCB-Bernstein (Jin, Allen-Zhu, Bubeck, Jordan 2018)",
    setting="episodic", kind="upper", quantity="regret",
    expr=sp.sqrt(H ** 3 * S * A * T * _iota ** 2) + sp.sqrt(H ** 9 * S ** 3 * A ** 3) * _iota ** 2,
    guarantee="high_probability", constants="order", T_unit="steps",
    rate={"T": (0.5, 1.0)},
    domain=(_DELTA, Condition.interval("T", 1, None), _POS("S"), _POS("A"), _POS("H")),
    reference=Reference("C. Jin, Z. Allen-Zhu, S. Bubeck, M. I. Jordan", 2018, "Is Q-learning "
                        "provably efficient?", "NeurIPS", "Theorem 2",
                        "https://arxiv.org/abs/1807.03765"),
    assumptions="as Theorem 1, with the Bernstein bonus of Algorithm 2 (absolute constants c1, "
                "c2)",
    notes="O(sqrt(H^3 S A T iota^2) + sqrt(H^9 S^3 A^3) iota^2) as printed (the log factor iota "
          "written as in the theorem); constants absolute and unspecified: rate with constant 1.",
    matches="regret.episodic_stage.lower",
    trivial=T,
    example=dict(H=5, S=2, A=2, T=1e8, delta=0.05),
)

episodic_stage_lower = Card(
    card_id="regret.episodic_stage.lower",
    title="Minimax regret lower bound, stage-dependent transitions (Domingues et al. 2021)",
    setting="episodic", kind="lower", quantity="regret",
    expr=sp.sqrt(H ** 3 * S * A * T),
    guarantee="expectation", constants="order", T_unit="episodes",
    rate={"T": (0.5, 0.0), "H": (1.5, 0.0), "S": (0.5, 0.0), "A": (0.5, 0.0)},
    domain=(_POS("T"), _POS("S"), _POS("A"), _POS("H")),
    reference=Reference("O. D. Domingues, P. Menard, E. Kaufmann, M. Valko", 2021, "Episodic "
                        "reinforcement learning in finite MDPs: minimax lower bounds revisited",
                        "ALT (PMLR 132)", "regret lower bound for non-stationary MDPs",
                        "https://arxiv.org/abs/2010.03531"),
    assumptions="episodic MDPs whose transitions may change with the stage; T episodes",
    notes="Omega(sqrt(H^3 S A T)) with T in episodes (= sqrt(H^2 S A T_steps)); the constant "
          "and the conditions on T could not be read in the copies available. Rate with "
          "constant 1. The hard instance is rlcert.mdp.instances.domingues_hard.",
    matches="regret.qlearning_ucb_h.upper",
    trivial=H * T,
    example=dict(H=5, S=2, A=2, T=2e5),
)

episodic_stationary_lower = Card(
    card_id="regret.episodic_stationary.lower",
    title="Minimax regret lower bound, stationary transitions",
    setting="episodic", kind="lower", quantity="regret",
    expr=sp.sqrt(H ** 2 * S * A * T),
    guarantee="expectation", constants="order", T_unit="episodes",
    rate={"T": (0.5, 0.0), "H": (1.0, 0.0), "S": (0.5, 0.0), "A": (0.5, 0.0)},
    domain=(_POS("T"), _POS("S"), _POS("A"), _POS("H")),
    reference=Reference("O. D. Domingues, P. Menard, E. Kaufmann, M. Valko", 2021, "Episodic "
                        "reinforcement learning in finite MDPs: minimax lower bounds revisited",
                        "ALT (PMLR 132)", "stationary case",
                        "https://arxiv.org/abs/2010.03531"),
    assumptions="episodic MDPs with the same transitions at every stage; T episodes",
    notes="Omega(sqrt(H^2 S A T)) with T in episodes, i.e. Omega(sqrt(H S A T_steps)) as quoted by "
          "Azar et al. 2017; order only.",
    matches="regret.ucbvi_bf.upper",
    trivial=H * T,
    example=dict(H=20, S=6, A=2, T=1e5),
)

_iota_lin = sp.log(2 * d * T / delta)

lsvi_ucb = Card(
    card_id="regret.lsvi_ucb.upper",
    title="LSVI-UCB in linear MDPs (Jin, Yang, Wang, Jordan 2020)",
    setting="linear", kind="upper", quantity="regret",
    expr=sp.sqrt(d ** 3 * H ** 3 * T * _iota_lin ** 2),
    guarantee="high_probability", constants="order", T_unit="steps",
    rate={"T": (0.5, 1.0), "d": (1.5, 1.0), "H": (1.5, 0.0)},
    domain=(_DELTA, Condition.interval("T", 1, None), _POS("d"), _POS("H")),
    reference=Reference("C. Jin, Z. Yang, Z. Wang, M. I. Jordan", 2020, "Provably efficient "
                        "reinforcement learning with linear function approximation", "COLT "
                        "(PMLR 125)", "Theorem 3.1", "https://arxiv.org/abs/1907.05388"),
    assumptions="linear MDP (Assumption A), T = K H steps, lambda = 1, beta = c d H sqrt(iota), "
                "iota = log(2 d T / delta)",
    notes="O(sqrt(d^3 H^3 T iota^2)) where O hides only absolute constants (unspecified): rate "
          "with constant 1.",
    trivial=T,
    example=dict(d=10, H=20, T=1e6, delta=0.05),
)

linear_mixture_lower = Card(
    card_id="regret.linear_mixture.lower",
    title="Minimax lower bound for linear mixture MDPs (Zhou, Gu, Szepesvari 2021)",
    setting="linear", kind="lower", quantity="regret",
    expr=d * H * sp.sqrt(T),
    guarantee="expectation", constants="order", T_unit="steps",
    rate={"T": (0.5, 0.0), "d": (1.0, 0.0), "H": (1.0, 0.0)},
    domain=(Condition.interval("T", 1, None), _POS("d"), _POS("H")),
    reference=Reference("D. Zhou, Q. Gu, C. Szepesvari", 2021, "Nearly minimax optimal "
                        "reinforcement learning for linear mixture Markov decision processes",
                        "COLT (PMLR 134)", "lower bound of the abstract, Omega(d H sqrt(T))",
                        "https://arxiv.org/abs/2012.08507"),
    assumptions="episodic linear mixture MDPs with d-dimensional parameters, horizon H, T = K H "
                "steps, rewards in [0, 1] per step; for any algorithm some instance of the "
                "hypercube family has expected regret at least the bound (up to a constant)",
    notes="Order only: the theorem's constant and conditions were not read (only the abstract "
          "was). The hard instance is rlcert.mdp.linear.zhou_gu_szepesvari_hard (as a LinearMDP, "
          "feature dimension d + 2) and zhou_gu_szepesvari_mixture (the mixture form), built from "
          "secondary restatements; its bandit lemma (restated by Lee and Oh 2025, Prop. F.5) "
          "gives n sqrt(K delta) / (8 sqrt 2) for n = d - 1 coordinates, 0 < delta < 1/3, "
          "K >= n^2 / (2 delta).",
    trivial=T,
    example=dict(d=5, H=10, T=1e6),
)

horizon_free_linear_mixture = Card(
    card_id="regret.horizon_free_linear_mixture.upper",
    title="Horizon-free regret for adversarial linear mixture MDPs, full information "
          "(Ji, Zhao, He, Zhang, Gu)",
    setting="linear", kind="upper", quantity="regret",
    expr=(d + sp.log(S)) * sp.sqrt(K) + d ** 2,
    guarantee="high_probability", constants="order",
    rate={"K": (0.5, 0.0), "d": (2.0, 0.0), "S": (0.0, 1.0)},
    domain=(_POS("K"), _POS("d"), Condition.interval("S", 2, None, lower_open=False)),
    reference=Reference("K. Ji, Q. Zhao, J. He, W. Zhang, Q. Gu", 2024, "Horizon-free "
                        "reinforcement learning in adversarial linear mixture MDPs",
                        "ICLR 2024", "main theorem", "https://arxiv.org/abs/2305.08359"),
    assumptions="adversarial rewards, full-information feedback, total reward of an episode in "
                "[0, 1], unknown linear-mixture transitions of dimension d; K episodes",
    definitions={"K": "number of episodes"},
    notes="The published (ICLR 2024) bound O~((d + log|S|) sqrt(K) + d^2); arXiv v1 stated "
          "O~((d + log(|S|^2 |A|)) sqrt(K)). O~ hides log factors of H, K and 1/delta. Order only.",
    trivial=K,
    example=dict(d=5, S=10, K=1e6),
)

omg_cmdp = Card(
    card_id="regret.omg_cmdp.upper",
    title="OMG-CMDP! for adversarial contextual MDPs with regression oracles (Levy, Cohen, "
          "Cassel, Mansour 2023)",
    setting="episodic", kind="upper", quantity="regret",
    expr=H ** sp.Rational(5, 2) * sp.sqrt(T * S * A * (R_O + H * sp.log(1 / delta))),
    guarantee="high_probability", constants="order", T_unit="episodes",
    rate={"T": (0.5, 0.0), "H": (3.0, 0.0), "R_O": (0.5, 0.0)},
    domain=(_DELTA, _POS("T"), _POS("S"), _POS("A"), _POS("H"),
            Condition.interval("R_O", 0, None, lower_open=False)),
    reference=Reference("O. Levy, A. Cohen, A. Cassel, Y. Mansour", 2023, "Efficient rate optimal "
                        "regret for adversarial contextual MDPs using online function "
                        "approximation", "ICML (PMLR 202:19287-19314)", "main theorem",
                        "https://proceedings.mlr.press/v202/levy23a.html"),
    assumptions="contextual MDPs with adversarial contexts; T episodes; R(O) = regret of the "
                "square-loss and log-loss online regression oracles over T H rounds",
    definitions={"R_O": "total regret R_TH(O) of the online regression oracles (instance- and "
                        "oracle-dependent, supplied by the user)"},
    notes="O~(H^2.5 sqrt(T |S||A| (R_TH(O) + H log(1/delta)))); 'CMDP' is a contextual MDP here. "
          "Order only.",
    trivial=H * T,
    example=dict(H=5, S=4, A=2, T=1e6, R_O=100.0, delta=0.05),
)

psrl = Card(
    card_id="regret.psrl.bayes",
    title="PSRL Bayesian regret (Osband, Russo, Van Roy 2013)",
    setting="episodic", kind="upper", quantity="Bayesian regret",
    expr=tau * S * sp.sqrt(A * T * sp.log(S * A * T)),
    guarantee="expectation", constants="order", T_unit="steps",
    rate={"T": (0.5, 0.5), "S": (1.0, 0.5)},
    domain=(Condition.interval("T", 1, None), _POS("S"), _POS("A"), _POS("tau")),
    reference=Reference("I. Osband, D. Russo, B. Van Roy", 2013, "(More) efficient reinforcement "
                        "learning via posterior sampling", "NeurIPS", "Theorem 1"),
    assumptions="episodes of length tau; expectation over the prior from which the MDP is drawn "
                "(PSRL samples from that prior); T steps",
    definitions={"tau": "episode length (the paper's tau)"},
    notes="O(tau S sqrt(A T log(S A T))); a Bayesian guarantee: a frequentist check on one MDP "
          "does not test it. Order only (the displayed constant could not be read).",
    trivial=T,
    example=dict(tau=20, S=6, A=2, T=1e6),
)

CARDS = (ucrl2_upper, ucrl2_lower, ucbvi_ch, ucbvi_bf, qlearning_ucb_h, qlearning_ucb_b,
         episodic_stage_lower, episodic_stationary_lower, lsvi_ucb, linear_mixture_lower,
         horizon_free_linear_mixture,
         omg_cmdp, psrl)
