"""Concentration inequalities, stated as deviation widths (the tail bound solved for the
deviation at confidence ``1 - delta``). :mod:`rlcert.bounds.concentration` implements each width
as a compiled function; a test asserts that they equal these cards."""

import sympy as sp

from ..card import Card, Condition, Reference
from ..symbols import S, V_n, b, delta, logdet, n, sigma2

_L = sp.log(1 / delta)

hoeffding = Card(
    card_id="concentration.hoeffding",
    title="Hoeffding's inequality, two-sided, for the mean of n bounded variables",
    setting="concentration", kind="upper", quantity="deviation width",
    expr=b * sp.sqrt(sp.log(2 / delta) / (2 * n)),
    guarantee="high_probability", constants="explicit",
    rate={"n": (-0.5, 0.0), "delta": (0.0, 0.5)},
    domain=(Condition.interval("delta", 0, 1), Condition.interval("n", 1, None, lower_open=False),
            Condition.interval("b", 0, None)),
    reference=Reference("W. Hoeffding", 1963, "Probability inequalities for sums of bounded "
                        "random variables", "Journal of the American Statistical Association "
                        "58(301):13-30", "Theorem 2"),
    assumptions="X_1..X_n independent, each in an interval of length b",
    notes="From P(|X_bar - mu| >= t) <= 2 exp(-2 n t^2 / b^2) solved for t at level delta.",
    trivial=b,
    example=dict(n=100, delta=0.05, b=1.0),
    verification="primary text not read; the mean form b sqrt(ln(2/delta)/(2n)) is the one marked verified in the catalog reference (theorems.md CONC-1); coverage checked by simulation (tests/test_concentration.py)",
)

bernstein = Card(
    card_id="concentration.bernstein",
    title="Bernstein's inequality, one-sided, for the mean of n variables with known variance",
    setting="concentration", kind="upper", quantity="deviation width",
    expr=b * _L / (3 * n) + sp.sqrt((b * _L / (3 * n)) ** 2 + 2 * sigma2 * _L / n),
    guarantee="high_probability", constants="explicit",
    rate={"n": (-0.5, 0.0), "delta": (0.0, 1.0)},
    domain=(Condition.interval("delta", 0, 1), Condition.interval("n", 1, None, lower_open=False),
            Condition.interval("b", 0, None), Condition.interval("sigma2", 0, None,
                                                                 lower_open=False)),
    reference=Reference("S. Boucheron, G. Lugosi, P. Massart", 2013, "Concentration "
                        "Inequalities: A Nonasymptotic Theory of Independence",
                        "Oxford University Press", "Theorem 2.10 (Bernstein's inequality)"),
    assumptions="X_1..X_n independent, X_i - E X_i <= b almost surely, (1/n) sum Var X_i <= sigma2",
    notes="The tail exp(-n t^2 / (2 (sigma2 + b t / 3))) = delta solved exactly for t (the root "
          "of a quadratic); it is at most sqrt(2 sigma2 ln(1/delta)/n) + 2 b ln(1/delta)/(3n).",
    trivial=b,
    example=dict(n=100, delta=0.05, b=1.0, sigma2=0.01),
    verification="standard: the textbook tail bound (the Rademacher special case was checked in a restatement); the width is its exact inversion, derived here; coverage checked by simulation",
)

empirical_bernstein = Card(
    card_id="concentration.empirical_bernstein",
    title="Empirical Bernstein bound (Maurer and Pontil), one-sided, variables in [0, 1]",
    setting="concentration", kind="upper", quantity="deviation width",
    expr=sp.sqrt(2 * V_n * sp.log(2 / delta) / n) + 7 * sp.log(2 / delta) / (3 * (n - 1)),
    guarantee="high_probability", constants="explicit",
    rate={"n": (-0.5, 0.0), "delta": (0.0, 1.0)},
    # the unbiased sample variance of n values in [0, 1] is at most
    # floor(n/2) ceil(n/2) / (n (n - 1)) <= n / (4 (n - 1)), attained by a half-0 half-1 sample
    # (1/2 at n = 2, data {0, 1}): 1/4 would refuse legitimate samples
    domain=(Condition.interval("delta", 0, 1), Condition.interval("n", 2, None, lower_open=False),
            Condition.interval("V_n", 0, None, lower_open=False),
            Condition.relation(V_n <= n / (4 * (n - 1)), "V_n <= n / (4 (n - 1))")),
    reference=Reference("A. Maurer, M. Pontil", 2009, "Empirical Bernstein bounds and sample "
                        "variance penalization", "COLT", "Theorem 4"),
    assumptions="X_1..X_n i.i.d. in [0, 1]; V_n the unbiased sample variance "
                "(1/(n(n-1))) sum_{i<j} (X_i - X_j)^2",
    definitions={"V_n": "unbiased sample variance of the n observations (in [0, n/(4(n-1))])"},
    notes="E X - X_bar <= width with probability >= 1 - delta; the two-sided version uses "
          "delta/2.",
    trivial=sp.Integer(1),
    example=dict(n=100, delta=0.05, V_n=0.01),
    verification="secondary: verbatim restatement of Theorem 4 (n >= 2, values in [0, 1], V_n unbiased) in a formalization project; coverage checked by simulation at n = 2, 5, 20, 1000",
)

weissman_l1 = Card(
    card_id="concentration.weissman_l1",
    title="L1 deviation of the empirical distribution over S outcomes (Weissman et al.)",
    setting="concentration", kind="upper", quantity="L1 deviation width",
    # ln(2^S - 2) written as S ln 2 + ln(1 - 2^(1-S)): the same number, no overflow at large S
    expr=sp.sqrt(2 * (S * sp.log(2) + sp.log(1 - 2 ** (1 - S)) + _L) / n),
    guarantee="high_probability", constants="explicit",
    rate={"n": (-0.5, 0.0), "S": (0.5, 0.0), "delta": (0.0, 0.5)},
    domain=(Condition.interval("delta", 0, 1), Condition.interval("n", 1, None, lower_open=False),
            Condition.interval("S", 2, None, lower_open=False)),
    reference=Reference("T. Weissman, E. Ordentlich, G. Seroussi, S. Verdu, M. J. Weinberger", 2003,
                        "Inequalities for the L1 deviation of the empirical distribution",
                        "HP Labs technical report HPL-2003-97", "Theorem 2.1"),
    assumptions="n i.i.d. draws from a distribution on S outcomes",
    definitions={"S": "number of outcomes (next states)"},
    notes="From P(||p_hat - p||_1 >= eps) <= (2^S - 2) exp(-n phi(pi_p) eps^2 / 4) with "
          "phi >= 2, solved for eps; ln(2^S - 2) = S ln 2 + log1p(-2^(1-S)) is computed in log "
          "space for large S.",
    trivial=sp.Integer(2),
    example=dict(n=1000, delta=0.05, S=10),
    verification="standard: the tail (2^S - 2) exp(-n eps^2/2) (phi >= 2, with phi as defined in the report and restated in Azar et al. 2013, Lemma 12); inversion derived here; coverage checked by simulation",
)

kl_bernoulli = Card(
    card_id="concentration.kl_bernoulli",
    title="Chernoff bound in KL form for the mean of n Bernoulli (or [0, 1]) variables",
    setting="concentration", kind="upper", quantity="KL radius",
    expr=_L / n,
    guarantee="high_probability", constants="explicit",
    rate={"n": (-1.0, 0.0), "delta": (0.0, 1.0)},
    domain=(Condition.interval("delta", 0, 1), Condition.interval("n", 1, None, lower_open=False)),
    reference=Reference("H. Chernoff", 1952, "A measure of asymptotic efficiency for tests of a "
                        "hypothesis based on the sum of observations", "Annals of Mathematical "
                        "Statistics 23(4):493-507", "Theorem 1 (in the form of Garivier and "
                        "Cappe 2011, Lemma 2 / Cover and Thomas Thm 11.4.1)"),
    assumptions="X_1..X_n i.i.d. in [0, 1] with mean mu",
    notes="P(mu_hat >= x) <= exp(-n kl(x, mu)) for x >= mu (and symmetrically below): with "
          "probability >= 1 - delta, kl(mu_hat, mu) <= ln(1/delta)/n on the side of interest. "
          "The upper confidence bound max{q >= mu_hat : kl(mu_hat, q) <= radius} is computed by "
          "rlcert.bounds.concentration.kl_upper.",
    example=dict(n=100, delta=0.05),
    verification="standard: the Chernoff bound in KL form (as used by Azar et al. 2013, Lemma 15, and Garivier and Cappe 2011); coverage checked by simulation, including n = 1 where it is tight",
)

freedman = Card(
    card_id="concentration.freedman",
    title="Freedman's inequality for martingales with bounded increments and predictable variance",
    setting="concentration", kind="upper", quantity="deviation width",
    expr=b * _L / 3 + sp.sqrt((b * _L / 3) ** 2 + 2 * sigma2 * _L),
    guarantee="high_probability", constants="explicit",
    rate={"sigma2": (0.5, 0.0), "delta": (0.0, 1.0)},
    domain=(Condition.interval("delta", 0, 1), Condition.interval("b", 0, None),
            Condition.interval("sigma2", 0, None, lower_open=False)),
    reference=Reference("D. A. Freedman", 1975, "On tail probabilities for martingales",
                        "Annals of Probability 3(1):100-118", "Theorem 1.6"),
    assumptions="martingale differences D_i <= b; sigma2 bounds the predictable quadratic "
                "variation W_n = sum E[D_i^2 | F_{i-1}]",
    notes="P(exists n: S_n >= t and W_n <= sigma2) <= exp(-t^2 / (2 (sigma2 + b t / 3))) solved "
          "for t with L = ln(1/delta): t = b L/3 + sqrt((b L/3)^2 + 2 sigma2 L). Time-uniform "
          "over n for a fixed variance budget sigma2.",
    example=dict(delta=0.05, b=1.0, sigma2=1.0),
    verification="standard: Freedman's tail exp(-t^2/(2(sigma2 + b t/3))); inversion derived here; time-uniform coverage checked by simulation",
)

time_uniform_hoeffding = Card(
    card_id="concentration.time_uniform_hoeffding",
    title="Time-uniform Hoeffding width by a union bound over n with delta_n = delta/(n(n+1))",
    setting="concentration", kind="upper", quantity="deviation width",
    expr=b * sp.sqrt(sp.log(2 * n * (n + 1) / delta) / (2 * n)),
    guarantee="high_probability", constants="explicit",
    rate={"n": (-0.5, 0.5), "delta": (0.0, 0.5)},
    domain=(Condition.interval("delta", 0, 1), Condition.interval("n", 1, None, lower_open=False),
            Condition.interval("b", 0, None)),
    reference=Reference("W. Hoeffding", 1963, "Probability inequalities for sums of bounded "
                        "random variables", "Journal of the American Statistical Association "
                        "58(301):13-30", "Theorem 2, with a union bound over n"),
    assumptions="X_1, X_2, ... independent in an interval of length b",
    notes="Derived here: Hoeffding at level delta_n = delta/(n(n+1)) for each n, and "
          "sum_n delta/(n(n+1)) = delta, so P(exists n: |X_bar_n - mu| > width_n) <= delta.",
    trivial=b,
    example=dict(n=100, delta=0.05, b=1.0),
    verification="derived: Hoeffding (as above) with a union bound over n; coverage to 1e4 steps checked by simulation",
)

self_normalized = Card(
    card_id="concentration.self_normalized",
    title="Self-normalised bound for vector-valued martingales (Abbasi-Yadkori, Pal, Szepesvari), "
          "time-uniform",
    setting="concentration", kind="upper", quantity="self-normalised norm width",
    expr=sp.sqrt(sigma2 * (2 * _L + logdet)),
    guarantee="high_probability", constants="explicit",
    rate={"logdet": (0.5, 0.0), "sigma2": (0.5, 0.0), "delta": (0.0, 0.5)},
    domain=(Condition.interval("delta", 0, 1), Condition.interval("sigma2", 0, None),
            Condition.interval("logdet", 0, None, lower_open=False)),
    reference=Reference("Y. Abbasi-Yadkori, D. Pal, C. Szepesvari", 2011, "Improved algorithms "
                        "for linear stochastic bandits", "NeurIPS 24", "Theorem 1"),
    assumptions="x_t in R^d predictable (F_{t-1}-measurable), eta_t conditionally sigma-sub-"
                "Gaussian given F_{t-1} (E exp(l eta_t) <= exp(l^2 sigma^2 / 2)), S_t = sum_{s<=t} "
                "eta_s x_s, V_bar_t = lambda I + sum_{s<=t} x_s x_s^T",
    definitions={"sigma2": "sub-Gaussian variance proxy sigma^2 (R^2 in the source)",
                 "logdet": "log det(V_bar_t) - log det(lambda I)"},
    notes="P(exists t >= 0: ||S_t||^2_{V_bar_t^-1} > 2 sigma^2 log(det(V_bar_t)^{1/2} "
          "det(lambda I)^{-1/2} / delta)) <= delta; the card is the bound's square root, "
          "sqrt(sigma^2 (2 log(1/delta) + logdet)), a width for the norm ||S_t||_{V_bar_t^-1}. "
          "Uniform in t (a stopping-time argument), so logdet may be the running value. With "
          "||x_s|| <= L, logdet <= d log(1 + t L^2 / (d lambda)) (Lattimore and Szepesvari "
          "2020, Lemma 19.4's determinant bound).",
    example=dict(logdet=5.0, delta=0.05, sigma2=1.0),
    verification="secondary: the final step of the method-of-mixtures proof as restated in T. Zhang, Mathematical Analysis of Machine Learning Algorithms (2023), Theorem 13.7 (exp(l z) = det(Lambda_0^-1 Lambda_t)^{1/2}/delta with l = 1/(2 sigma^2), i.e. z = 2 sigma^2 log(det(Lambda_0^-1 Lambda_t)^{1/2}/delta)); primary text not read; time-uniform coverage checked by simulation (concentration.self_normalized)",
)

CARDS = (hoeffding, bernstein, empirical_bernstein, weissman_l1, kl_bernoulli, freedman,
         time_uniform_hoeffding, self_normalized)
