"""``rlcert bounds``: list, show, eval, invert, compare in text, json and latex."""

import json
import math

import pytest

from rlcert.bounds import evaluate
from rlcert.proofs_checks.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_list_and_filters(capsys):
    code, out, _ = run(capsys, "bounds", "list", "--setting", "bandit")
    assert code == 0 and "bandit.ucb1.upper" in out and "regret.ucrl2.upper" not in out
    code, out, _ = run(capsys, "bounds", "list", "--kind", "lower", "--format", "json")
    assert code == 0 and all(c["kind"] == "lower" for c in json.loads(out))
    code, out, _ = run(capsys, "bounds", "list", "--search", "freedman")
    assert "concentration.freedman" in out


def test_show_in_three_formats(capsys):
    code, out, _ = run(capsys, "bounds", "show", "regret.ucrl2.upper")
    assert code == 0 and "T counts steps" in out and "Jaksch" in out and "delta in (0, 1)" in out
    code, out, _ = run(capsys, "bounds", "show", "regret.ucrl2.upper", "--format", "json")
    assert json.loads(out)["T_unit"] == "steps"
    code, out, _ = run(capsys, "bounds", "show", "regret.ucrl2.upper", "--format", "latex")
    assert "\\sqrt" in out


def test_eval_matches_the_library(capsys):
    code, out, _ = run(capsys, "bounds", "eval", "regret.ucrl2.upper", "--D", "10", "--S", "6",
                       "--A", "2", "--T", "1e6", "--delta", "0.05", "--format", "json")
    assert code == 0
    value = json.loads(out)["value"]
    assert value == pytest.approx(34 * 10 * 6 * math.sqrt(2 * 1e6 * math.log(1e6 / 0.05)))


def test_eval_vector_parameters(capsys):
    code, out, _ = run(capsys, "bounds", "eval", "bandit.ucb1.upper", "--n", "1000",
                       "--Delta", "0.1,0.2", "--format", "json")
    assert json.loads(out)["value"] == pytest.approx(
        evaluate("bandit.ucb1.upper", n=1000, Delta=[0.1, 0.2]))


def test_eval_says_when_constants_are_order_only(capsys):
    code, out, _ = run(capsys, "bounds", "eval", "regret.ucbvi_ch.upper", "--H", "20", "--S", "6",
                       "--A", "2", "--T", "1e6")
    assert code == 0 and "order only" in out


def test_invert(capsys):
    code, out, _ = run(capsys, "bounds", "invert", "concentration.hoeffding", "--solve-for", "n",
                       "--value", "0.01", "--integer", "--delta", "0.05", "--b", "1")
    n = int(out.split("=")[1])
    assert code == 0 and math.sqrt(math.log(40) / (2 * n)) <= 0.01 < math.sqrt(math.log(40) / (2 * (n - 1)))


def test_compare(capsys):
    code, out, _ = run(capsys, "bounds", "compare", "regret.ucrl2.upper", "regret.ucrl2.lower",
                       "--D", "40", "--S", "10", "--A", "10", "--T", "1e7", "--delta", "0.05")
    assert code == 0 and "upper/lower" in out
    code, out, _ = run(capsys, "bounds", "compare", "regret.ucrl2.upper", "regret.ucrl2.lower",
                       "--D", "40", "--S", "10", "--A", "10", "--T", "1e7", "--delta", "0.05",
                       "--format", "latex")
    assert "tabular" in out


@pytest.mark.parametrize("argv, message", [
    (["bounds", "eval", "concentration.hoeffding", "--n", "10", "--delta", "2", "--b", "1"],
     "delta=2 is not in (0, 1)"),
    (["bounds", "eval", "concentration.hoeffding", "--n", "ten"], "not a number"),
    (["bounds", "eval", "concentration.hoeffding", "--n"], "needs a value"),
    (["bounds", "show", "no.such.card"], "no card"),
    (["bounds", "invert", "concentration.hoeffding", "--solve-for", "n", "--value", "5",
      "--delta", "0.05", "--b", "1"], "not attained"),
])
def test_errors_exit_2_with_the_reason(capsys, argv, message):
    code, _, err = run(capsys, *argv)
    assert code == 2 and message in err


# -- units, vectors, inversion and comparison messages (issue 19) -------------------------------

def test_eval_prints_the_unit(capsys):
    code, out, _ = run(capsys, "bounds", "eval", "generative.azar2013.lower", "--S", "100",
                       "--A", "10", "--gamma", "0.99", "--eps", "0.1", "--delta", "0.0005")
    value = evaluate("generative.azar2013.lower", S=100, A=10, gamma=0.99, eps=0.1, delta=0.0005)
    assert code == 0 and out.strip() == f"generative.azar2013.lower = {value:.11g}   (total samples)"
    code, out, _ = run(capsys, "bounds", "eval", "regret.ucrl2.upper", "--D", "10", "--S", "6",
                       "--A", "2", "--T", "1e6", "--delta", "0.05")
    assert code == 0 and out.rstrip().endswith("(T in steps)")
    code, out, _ = run(capsys, "bounds", "eval", "regret.ucrl2.upper", "--D", "10", "--S", "6",
                       "--A", "2", "--T", "1e6", "--delta", "0.05", "--format", "json")
    assert json.loads(out)["unit"] == "T in steps"


def test_eval_latex_prints_every_value_of_a_grid(capsys):
    code, out, _ = run(capsys, "bounds", "eval", "bandit.ucb1.upper", "--n", "1e3,1e4,1e5",
                       "--Delta", "0.1,0.3", "--format", "latex")
    lines = out.strip().splitlines()
    values = evaluate("bandit.ucb1.upper", n=[1e3, 1e4, 1e5], Delta=[0.1, 0.3])
    assert code == 0 and len(lines) == 4 and "\\sum" in lines[0]
    for line, v, n in zip(lines[1:], values, ["1000", "10000", "100000"]):
        assert line.strip().startswith(f"= {v:.6g}") and f"n = {n}" in line


def test_invert_names_the_missing_parameter(capsys):
    code, _, err = run(capsys, "bounds", "invert", "regret.ucrl2.upper", "--solve-for", "T",
                       "--value", "1e6", "--S", "10", "--A", "2", "--delta", "0.05")
    assert code == 2 and "needs D" in err and "not finite" not in err


def test_compare_flags_a_vacuous_upper_bound(capsys):
    """UCRL2's bound at T = 1e7 steps exceeds T, the trivial bound on regret."""
    code, out, _ = run(capsys, "bounds", "compare", "regret.ucrl2.upper", "regret.ucrl2.lower",
                       "--D", "40", "--S", "10", "--A", "10", "--T", "1e7", "--delta", "0.05")
    upper = next(line for line in out.splitlines() if line.startswith("regret.ucrl2.upper"))
    assert code == 0 and "vacuous" in upper and "trivial bound T = 1e+07" in upper


def test_compare_explains_an_upper_bound_below_its_lower_bound_by_units(capsys):
    argv = ["bounds", "compare", "regret.ucbvi_bf.upper", "regret.episodic_stationary.lower",
            "--H", "20", "--S", "6", "--A", "2", "--T", "1e6"]
    code, out, _ = run(capsys, *argv)
    assert code == 0 and "units differ" in out and "below that lower bound" in out
    assert "--convert-T" in out
    code, out, _ = run(capsys, *argv, "--convert-T", "steps", "--format", "json")
    rows = {r["card_id"]: r for r in json.loads(out)["rows"]}
    upper = evaluate("regret.ucbvi_bf.upper", H=20, S=6, A=2, T=1e6)
    lower = evaluate("regret.episodic_stationary.lower", H=20, S=6, A=2, T=1e6 / 20)
    assert rows["regret.ucbvi_bf.upper"]["value"] == pytest.approx(upper)
    assert rows["regret.episodic_stationary.lower"]["value"] == pytest.approx(lower)
    assert rows["regret.ucbvi_bf.upper"]["ratio_to_match"] == pytest.approx(upper / lower)
    assert "units differ" not in rows["regret.ucbvi_bf.upper"]["note"]


def test_compare_convert_T_needs_H(capsys):
    code, out, _ = run(capsys, "bounds", "compare", "regret.ucrl2.upper",
                       "regret.episodic_stationary.lower", "--D", "40", "--S", "10", "--A", "10",
                       "--T", "1e6", "--delta", "0.05", "--convert-T", "steps")
    assert code == 0 and "needs H" in out
