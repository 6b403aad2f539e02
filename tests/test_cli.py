"""The ``rlcert`` command line, called in-process through ``main(argv)``.

Printed numbers are checked against exact rational values (tests/exact.py), the MDP Toolbox's
documented forest values, and the library's own ``solve`` where the claim under test is "the CLI
prints what solve returns".
"""

import json
import re
from fractions import Fraction

import numpy as np
import pytest

from rlcert.mdp import FiniteHorizonMDP, TabularMDP, instances, solve
from rlcert.proofs_checks.cli import main

from .exact import optimal_value, to_fractions


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def parse_table(out: str):
    """Rows ``state V policy optimal-actions`` of the text format."""
    rows = []
    for line in out.splitlines():
        m = re.fullmatch(r"\s*(\d+)\s+(\S+)\s+(\d+)\s+([\d,]+)\s*", line)
        if m:
            rows.append((int(m[1]), float(m[2]), int(m[3]),
                         [int(a) for a in m[4].split(",")]))
    return rows


def exact_q(P, R, gamma, V):
    Pf, Rf, g = to_fractions(P), to_fractions(R), Fraction(gamma)
    S, A = R.shape
    return [[Rf[s, a] + g * sum(Pf[s, a, t] * V[t] for t in range(S)) for a in range(A)]
            for s in range(S)]


def exact_backward(P, R, gamma, H):
    """Exact optimal V[h] (h = 0..H) of the stationary finite-horizon problem."""
    S, A = R.shape
    Pf, Rf, g = to_fractions(P), to_fractions(R), Fraction(gamma)
    V = [[Fraction(0)] * S]
    for _ in range(H):
        nxt = V[0]
        V.insert(0, [max(Rf[s, a] + g * sum(Pf[s, a, t] * nxt[t] for t in range(S))
                         for a in range(A)) for s in range(S)])
    return V


@pytest.fixture(scope="module")
def riverswim_exact():
    m = instances.riverswim(6, gamma=0.95)
    V = optimal_value(m.dense_P(), m.R, 0.95)
    return m, V, exact_q(m.dense_P(), m.R, 0.95, V)


def test_solve_riverswim_text(capsys, riverswim_exact):
    m, V_star, Q_star = riverswim_exact
    code, out, err = run(capsys, "solve", "riverswim", "-p", "n=6", "--gamma", "0.95")
    assert code == 0 and err == ""
    cert = re.search(r"certificate \|\|V - V\*\|\|_inf <= (\S+)", out)
    assert cert is not None and float(cert[1]) >= 0.0
    rows = parse_table(out)
    assert [r[0] for r in rows] == list(range(6))
    for s, v, action, opt in rows:
        # V printed with 10 significant digits
        assert abs(Fraction(v) - V_star[s]) <= Fraction(6e-10) * abs(V_star[s]) + Fraction(1e-12)
        assert Q_star[s][action] == V_star[s], (s, action)  # the printed policy is optimal
        assert action in opt
        truly_optimal = [a for a in range(2) if Q_star[s][a] == V_star[s]]
        assert set(truly_optimal) <= set(opt)
    init = re.search(r"initial-state value: (\S+)", out)
    assert abs(Fraction(float(init[1])) - V_star[0]) <= Fraction(6e-10) * V_star[0]


def test_solve_riverswim_json(capsys, riverswim_exact):
    m, V_star, _ = riverswim_exact
    code, out, err = run(capsys, "solve", "riverswim", "-p", "n=6", "--gamma", "0.95",
                         "--format", "json")
    assert code == 0 and err == ""
    doc = json.loads(out)
    res = solve(m)
    np.testing.assert_array_equal(doc["V"], res.V)
    np.testing.assert_array_equal(doc["policy"], res.policy)
    assert doc["certificate"] == res.certificate and doc["status"] == res.status
    bound = Fraction(doc["certificate"]) + Fraction(doc["rounding"])
    assert max(abs(Fraction(v) - w) for v, w in zip(doc["V"], V_star)) <= bound
    assert doc["initial_value"] == doc["V"][0]


@pytest.mark.parametrize("method", ["vi", "gs", "pi", "mpi", "lp"])
def test_solve_method_and_tol_are_passed_on(capsys, riverswim_exact, method):
    _, V_star, _ = riverswim_exact
    code, out, _ = run(capsys, "solve", "riverswim", "-p", "n=6", "--gamma", "0.95",
                       "--method", method, "--tol", "1e-6", "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert doc["method"] == method and doc["certificate"] <= 1e-6
    bound = Fraction(doc["certificate"]) + Fraction(doc["rounding"])
    assert max(abs(Fraction(v) - w) for v, w in zip(doc["V"], V_star)) <= bound


def test_solve_horizon(capsys):
    m = instances.riverswim(6)
    V_exact = exact_backward(m.dense_P(), m.R, 1.0, 5)
    code, out, err = run(capsys, "solve", "riverswim", "-p", "n=6", "--horizon", "5",
                         "--format", "json")
    assert code == 0 and err == ""
    doc = json.loads(out)
    V = np.array(doc["V"])
    assert V.shape == (6, 6) and np.array(doc["policy"]).shape == (5, 6)
    for h in range(6):
        for s in range(6):
            assert abs(Fraction(V[h, s]) - V_exact[h][s]) <= Fraction(doc["certificate"])
    code, out, _ = run(capsys, "solve", "riverswim", "-p", "n=6", "--horizon", "5")
    assert code == 0 and "stage 0:" in out and "H=5" in out
    rows = parse_table(out)
    assert len(rows) == 6
    for s, v, _, _ in rows:
        assert abs(Fraction(v) - V_exact[0][s]) <= Fraction(6e-10) * V_exact[0][s] + Fraction(1e-15)


def test_solve_horizon_with_gamma(capsys):
    m = instances.riverswim(4)
    V_exact = exact_backward(m.dense_P(), m.R, 0.5, 3)
    code, out, _ = run(capsys, "solve", "riverswim", "-p", "n=4", "--horizon", "3",
                       "--gamma", "0.5", "--format", "json")
    assert code == 0
    V = json.loads(out)["V"]
    for s in range(4):
        assert abs(Fraction(V[0][s]) - V_exact[0][s]) <= Fraction(1e-15)


def test_solve_saved_model(capsys, tmp_path):
    """MDP Toolbox documentation: forest() with discount 0.9 has V = (26.244, 29.484, 33.484)."""
    path = tmp_path / "forest.npz"
    instances.forest().save(path)  # saved without a discount
    code, out, err = run(capsys, "solve", str(path), "--gamma", "0.9", "--format", "json")
    assert code == 0 and err == ""
    np.testing.assert_allclose(json.loads(out)["V"], [26.244, 29.484, 33.484], rtol=0,
                               atol=1e-9)
    assert json.loads(out)["policy"] == [0, 0, 0]
    code, out, err = run(capsys, "solve", str(path), "--gamma", "0.9")
    assert code == 0 and "33.484" in out


def test_solve_saved_finite_horizon_model(capsys, tmp_path):
    P = np.array([[[0.5, 0.5], [1.0, 0.0]], [[0.0, 1.0], [0.25, 0.75]]])
    R = np.array([[1.0, 0.0], [0.0, 2.0]])
    path = tmp_path / "fh.npz"
    FiniteHorizonMDP(P, R, 3).save(path)
    code, out, _ = run(capsys, "solve", str(path), "--format", "json")
    assert code == 0
    V_exact = exact_backward(P, R, 1.0, 3)
    V = json.loads(out)["V"]
    assert [[Fraction(x) for x in row] for row in V] == V_exact  # dyadic numbers: exact


def test_instances_lists_the_zoo(capsys):
    code, out, err = run(capsys, "instances")
    assert code == 0 and err == ""
    names = {line.split("(")[0] for line in out.splitlines() if line.strip()}
    assert {"riverswim", "garnet", "forest", "random_dense"} <= names
    garnet_line = next(line for line in out.splitlines() if line.startswith("garnet("))
    assert "branching" in garnet_line


# -- bad input: exit code 2 and a message naming the problem ----------------------------------

def test_unknown_instance(capsys):
    code, out, err = run(capsys, "solve", "nosuchmdp", "--gamma", "0.9")
    assert code == 2 and out == ""
    assert "nosuchmdp" in err and "not in the zoo" in err


def test_missing_required_garnet_parameter(capsys):
    code, out, err = run(capsys, "solve", "garnet", "-p", "S=10", "-p", "A=2", "--gamma", "0.9")
    assert code == 2 and out == ""
    assert "missing a required argument" in err and "branching" in err


def test_riverswim_without_gamma(capsys):
    code, out, err = run(capsys, "solve", "riverswim", "-p", "n=6")
    assert code == 2 and out == ""
    assert "no discount" in err and "--gamma" in err


@pytest.mark.parametrize("bad", ["n6", "n"])
def test_malformed_param(capsys, bad):
    code, out, err = run(capsys, "solve", "riverswim", "-p", bad, "--gamma", "0.9")
    assert code == 2 and out == ""
    assert f"-p {bad!r}" in err and "expected key=value" in err


def test_invalid_param_value(capsys):
    code, out, err = run(capsys, "solve", "riverswim", "-p", "n=1", "--gamma", "0.9")
    assert code == 2 and out == ""
    assert "n=1" in err


def test_invalid_gamma_value(capsys):
    code, out, err = run(capsys, "solve", "riverswim", "-p", "n=6", "--gamma", "1.5")
    assert code == 2 and out == ""
    assert "gamma=1.5" in err


def test_params_refused_for_saved_model(capsys, tmp_path):
    path = tmp_path / "m.npz"
    instances.forest().save(path)
    code, out, err = run(capsys, "solve", str(path), "-p", "S=4", "--gamma", "0.9")
    assert code == 2 and "-p parameters apply to zoo instances" in err


def test_missing_model_file(capsys, tmp_path):
    missing = tmp_path / "missing.npz"
    code, out, err = run(capsys, "solve", str(missing), "--gamma", "0.9")
    assert code == 2 and out == ""
    assert "missing.npz" in err


def test_argparse_errors_exit_2(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["solve", "riverswim", "--gamma", "abc"])
    assert exc.value.code == 2
    assert "--gamma" in capsys.readouterr().err


def test_saved_model_gamma_override_does_not_touch_the_file(capsys, tmp_path):
    path = tmp_path / "m.npz"
    m = TabularMDP(np.array([[[1.0]]]), np.array([[1.0]]), 0.5)
    m.save(path)
    code, out, _ = run(capsys, "solve", str(path), "--gamma", "0.75", "--format", "json")
    assert code == 0 and json.loads(out)["V"] == [4.0]  # 1 / (1 - 0.75)
    code, out, _ = run(capsys, "solve", str(path), "--format", "json")
    assert code == 0 and json.loads(out)["V"] == [2.0]  # 1 / (1 - 0.5)


# -- start-up, help texts, polish (issue 19) ----------------------------------------------------

import argparse
import subprocess
import sys

from rlcert.proofs_checks import cli


def _modules_after(argv: list[str]) -> set[str]:
    """The modules imported by ``rlcert ARGV`` in a fresh interpreter."""
    code = ("import sys\nfrom rlcert.proofs_checks.cli import main\n"
            "try:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
            "sys.stdout.flush()\nprint('\\n'.join(sorted(sys.modules)), file=sys.stderr)")
    proc = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True,
                          timeout=120)
    return set(proc.stderr.split())


@pytest.mark.parametrize("argv", [["--help"], ["--version"], ["instances"], ["solve", "--help"],
                                  ["verify", "--help"]])
def test_help_version_and_instances_import_no_compiled_code(argv):
    """No numba, sympy or scipy: these need none of it (start-up is measured, not timed here)."""
    loaded = _modules_after(argv)
    assert "rlcert.proofs_checks.cli" in loaded
    assert not {"numba", "sympy", "scipy", "rlcert.mdp", "rlcert.theory"} & loaded


@pytest.mark.parametrize("argv", [
    ["bounds", "eval", "bandit.ucb1.upper", "--n", "1e5", "--Delta", "0.1,0.3"],
    ["bounds", "show", "regret.ucrl2.upper"],
    ["bounds", "list", "--setting", "bandit"],
    ["bounds", "eval", "--help"],
])
def test_bounds_commands_import_no_numba_and_no_scipy(argv):
    loaded = _modules_after(argv)
    assert "rlcert.bounds" in loaded or "rlcert.theory" in loaded
    assert not {"numba", "scipy", "rlcert.mdp", "rlcert.estimators"} & loaded


def test_version(capsys):
    from importlib import metadata

    from rlcert.proofs_checks import __version__
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"rlcert {__version__}"
    assert metadata.version("rlcert") == __version__


def test_the_help_methods_are_the_solver_methods():
    from rlcert.mdp.discounted import METHODS
    assert cli.SOLVE_METHODS == METHODS


def _all_parsers(parser: argparse.ArgumentParser, path=("rlcert",)):
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _all_parsers(sub, path + (name,))


def test_every_option_and_argument_has_help_text():
    missing = []
    for path, parser in _all_parsers(cli.build_parser()):
        for action in parser._actions:
            if isinstance(action, (argparse._HelpAction, argparse._SubParsersAction)):
                continue
            if not action.help:
                missing.append((" ".join(path), action.dest))
    assert missing == []


def test_help_texts_hold_no_rst_markup():
    for path, parser in _all_parsers(cli.build_parser()):
        text = parser.format_help()
        for markup in ("``", ":func:", ":class:", ":mod:", ":meth:", ".. "):
            assert markup not in text, (" ".join(path), markup)


def test_bounds_eval_help_explains_parameters(capsys):
    with pytest.raises(SystemExit):
        main(["bounds", "eval", "--help"])
    out = capsys.readouterr().out
    assert "--NAME VALUE" in out and "comma" in out and "--Delta 0.1,0.3" in out


def test_fast_zoo_listing_equals_the_imported_one(capsys):
    fast = cli.zoo_listing()
    assert fast == cli.zoo_listing_imported()
    assert [name for name, _, _ in fast] == instances.names()
    code, out, _ = run(capsys, "instances")
    assert code == 0
    assert "garnet(S, A, branching, seed=0, *, sparse=True, gamma=None, initial=0)" in out
    assert "'int'" not in out  # no annotations


def test_unknown_builder_parameter_lists_the_parameters(capsys):
    code, out, err = run(capsys, "solve", "riverswim", "-p", "N=6", "--gamma", "0.9")
    assert code == 2 and out == ""
    assert "no parameter 'N'" in err and "n, p_right" in err
    assert "'float'" not in err and "->" not in err  # not the signature


def test_a_file_that_is_not_an_npz_archive_is_named(capsys, tmp_path):
    bad = tmp_path / "model.npz"
    bad.write_text("not a model")
    code, out, err = run(capsys, "solve", str(bad), "--gamma", "0.9")
    assert code == 2 and out == ""
    assert str(bad) in err and "not an .npz archive" in err
    assert "pickle" not in err


def test_broken_pipe_exits_quietly():
    """``rlcert solve ... | head -1``: no traceback, exit code 141. The output (3000 rows, about
    150 kB) is larger than a pipe's buffer, so the writer is still writing when the reader
    leaves."""
    proc = subprocess.Popen([sys.executable, "-c", "import sys\nfrom rlcert.proofs_checks.cli "
                             "import main\nsys.exit(main(sys.argv[1:]))", "solve", "garnet",
                             "-p", "S=3000", "-p", "A=2", "-p", "branching=2", "--gamma", "0.9",
                             "--max-rows", "3000"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.readline()
    proc.stdout.close()  # the reader goes away after one line
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 141
    assert "Traceback" not in err and "BrokenPipe" not in err
