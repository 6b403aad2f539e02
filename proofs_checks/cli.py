"""The ``rlcert`` command line.

``rlcert solve INSTANCE``: solve a zoo instance (``rlcert solve riverswim -p n=6 --gamma 0.95``)
or a model saved with ``save`` (``rlcert solve model.npz``) and print V, the policy and the
certificate. ``rlcert instances`` lists the zoo.

``rlcert verify [--quick | --full] [--only PATTERN] [--out DIR]``: run the theorem checks and
write a report (exit code 1 when a check is ``violated``); ``--algorithm module:factory`` replaces
the subject of the checks run, ``--claims FILE`` runs the claims a user file defines, ``--param
KEY=VALUE`` overrides a check parameter; ``rlcert checks list``; ``rlcert replay FILE``
reproduces a saved counterexample.

``rlcert bounds list|show|eval|invert|compare``: the theorem catalog and its numbers, e.g.
``rlcert bounds eval regret.ucrl2.upper --D 10 --S 6 --A 2 --T 1e6 --delta 0.05``;
``--format text|json|latex``; vector parameters as comma lists (``--Delta 0.1,0.2``).
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import sys
from typing import Sequence

import numpy as np

from rlcert import bounds, theory
from rlcert.bounds.compare import compare
from rlcert.mdp import FiniteHorizonMDP, TabularMDP, instances, load, solve
from rlcert.mdp.discounted import METHODS


class CliError(ValueError):
    """A command-line argument is malformed (the message names it)."""


def _parse_param(text: str) -> tuple[str, object]:
    if "=" not in text:
        raise CliError(f"-p {text!r}: expected key=value")
    key, raw = text.split("=", 1)
    try:
        value = ast.literal_eval(raw)
    except (ValueError, SyntaxError):
        value = raw
    return key.strip(), value


def _load_model(spec: str, params: dict, gamma: float | None, horizon: int | None):
    if os.path.exists(spec) or spec.endswith(".npz"):
        if params:
            raise CliError("-p parameters apply to zoo instances, not to a saved model")
        model = load(spec)
        if gamma is not None and isinstance(model, TabularMDP):
            model = model.with_gamma(gamma)
    else:
        if gamma is not None:
            params = {**params, "gamma": gamma}
        model = instances.make(spec, **params)
    if horizon is not None:
        if not isinstance(model, TabularMDP):
            raise CliError("--horizon applies to a tabular model")
        model = FiniteHorizonMDP.from_tabular(model, horizon, gamma=1.0 if gamma is None else gamma)
    return model


def _format_text(model, res, max_rows: int) -> str:
    lines = [repr(model), res.summary()]
    if isinstance(model, FiniteHorizonMDP):
        V0, pol = res.V[0], res.policy[0]
        lines.append("stage 0:")
    else:
        V0, pol = res.V, res.policy
    lines.append(f"{'state':>7} {'V':>16} {'policy':>7} {'optimal actions':>16}")
    opt = res.optimal_actions[0] if isinstance(model, FiniteHorizonMDP) else res.optimal_actions
    S = V0.shape[0]
    for s in range(min(S, max_rows)):
        acts = ",".join(str(a) for a in np.flatnonzero(opt[s]))
        lines.append(f"{s:>7} {V0[s]:>16.10g} {pol[s]:>7} {acts:>16}")
    if S > max_rows:
        lines.append(f"... {S - max_rows} more states (use --max-rows)")
    lines.append(f"initial-state value: {res.initial_value(model.initial):.10g}")
    return "\n".join(lines)


def _result_json(model, res) -> dict:
    return {
        "model": repr(model), "method": res.method, "status": res.status,
        "certificate": res.certificate, "rounding": res.rounding,
        "initial_value": res.initial_value(model.initial),
        "V": np.asarray(res.V).tolist(), "policy": np.asarray(res.policy).tolist(),
        "optimal_actions": np.asarray(res.optimal_actions).tolist(),
        "info": {k: v for k, v in res.info.items() if isinstance(v, (int, float, str, bool, list))},
    }


def _cmd_solve(args) -> int:
    params = dict(_parse_param(p) for p in args.param)
    model = _load_model(args.instance, params, args.gamma, args.horizon)
    if isinstance(model, TabularMDP) and model.gamma is None:
        raise CliError(f"{args.instance} has no discount attached: pass --gamma G (G < 1 "
                       f"discounted, G = 1 total reward) or --horizon H")
    kwargs = {} if isinstance(model, FiniteHorizonMDP) else {"method": args.method}
    res = solve(model, tol=args.tol, **kwargs)
    if args.format == "json":
        print(json.dumps(_result_json(model, res), indent=1))
    else:
        print(_format_text(model, res, args.max_rows))
    return 0


def _cmd_instances(args) -> int:
    for name in instances.names():
        print(f"{name}{instances.signature(name)}")
    return 0


def _parse_card_params(extra: list[str]) -> dict:
    """``--name value`` / ``--name=value`` pairs; comma lists become vectors."""
    params: dict = {}
    k = 0
    while k < len(extra):
        tok = extra[k]
        if not tok.startswith("--") or len(tok) < 3:
            raise CliError(f"unexpected argument {tok!r}: parameters are given as --NAME VALUE")
        if "=" in tok:
            name, raw = tok[2:].split("=", 1)
            k += 1
        else:
            if k + 1 >= len(extra):
                raise CliError(f"{tok} needs a value")
            name, raw = tok[2:], extra[k + 1]
            k += 2
        try:
            vals = [float(x) for x in raw.split(",")]
        except ValueError:
            raise CliError(f"--{name} {raw!r} is not a number or a comma list of numbers") from None
        params[name] = vals if "," in raw else vals[0]
    return params


def _print_card(card, fmt: str) -> None:
    if fmt == "json":
        print(json.dumps(card.to_dict(), indent=1))
    elif fmt == "latex":
        print(card.latex())
    else:
        print(card.describe())


def _cmd_bounds(args, extra: list[str]) -> int:
    fmt = args.format
    if args.bounds_command == "list":
        if extra:
            raise CliError(f"unexpected arguments {extra}")
        found = theory.cards(setting=args.setting, kind=args.kind, constants=args.constants)
        if args.search:
            ids = {c.card_id for c in theory.search(args.search)}
            found = [c for c in found if c.card_id in ids]
        if fmt == "json":
            print(json.dumps([c.to_dict() for c in found], indent=1))
            return 0
        for c in found:
            print(f"{c.card_id:<42} {c.kind:<5} {c.constants:<8} {c.guarantee:<16} {c.title}")
        return 0
    if args.bounds_command == "show":
        if extra:
            raise CliError(f"unexpected arguments {extra}")
        _print_card(theory.get(args.card_id), fmt)
        return 0
    params = _parse_card_params(extra)
    if args.bounds_command == "eval":
        card = theory.get(args.card_id)
        value = bounds.evaluate(args.card_id, **params)
        if fmt == "json":
            print(json.dumps({"card_id": args.card_id, "params": params,
                              "value": np.asarray(value).tolist(), "constants": card.constants,
                              "guarantee": card.guarantee}, indent=1))
        elif fmt == "latex":
            print(f"{card.latex()} = {float(np.asarray(value).ravel()[0]):.6g}")
        else:
            print(f"{args.card_id} = {np.asarray(value)}" + ("" if card.constants == "explicit"
                  else "   (constants: order only; this is the rate with constant 1)"))
        return 0
    if args.bounds_command == "invert":
        root = bounds.invert(args.card_id, args.solve_for, args.value, integer=args.integer,
                             **params)
        if fmt == "json":
            print(json.dumps({"card_id": args.card_id, "solve_for": args.solve_for,
                              "value": args.value, "root": root, "params": params}, indent=1))
        else:
            print(f"{args.solve_for} = {root:.10g}")
        return 0
    table = compare(args.card_ids, **params)
    print(table.to_json() if fmt == "json" else table.to_latex() if fmt == "latex" else table)
    return 0


def load_factory(spec: str):
    """The subject named ``module:factory`` on the command line: the attribute ``factory`` of the
    importable module ``module`` (a class or a function returning the subject), called with no
    arguments. The module may also be a path to a ``.py`` file."""
    import importlib
    import importlib.util

    if spec.count(":") != 1:
        raise CliError(f"--algorithm {spec!r}: expected module:factory (e.g. "
                       f"mypkg.learners:make_learner)")
    module_name, attr = spec.split(":")
    if module_name.endswith(".py"):
        if not os.path.isfile(module_name):
            raise CliError(f"--algorithm {spec!r}: no file {module_name!r}")
        loader_spec = importlib.util.spec_from_file_location(
            "rlcert_user_algorithm_" + os.path.basename(module_name)[:-3], module_name)
        module = importlib.util.module_from_spec(loader_spec)
        sys.modules[loader_spec.name] = module
        loader_spec.loader.exec_module(module)
        try:
            import cloudpickle
            cloudpickle.register_pickle_by_value(module)
        except (ImportError, AttributeError, ValueError):
            pass
    else:
        sys.path.insert(0, os.getcwd())
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            raise CliError(f"--algorithm {spec!r}: cannot import {module_name!r}: {exc}") from None
    factory = getattr(module, attr, None)
    if not callable(factory):
        raise CliError(f"--algorithm {spec!r}: {module_name} has no callable {attr!r}")
    return factory()


def _check_params(texts: list[str]) -> dict:
    return dict(_parse_param(t) for t in texts)


def _cmd_verify(args) -> int:
    from .api import verify_many
    from .claims import load_claims
    from .report import summary_markdown

    if args.quick and args.full:
        raise CliError("--quick and --full exclude each other")
    for name in ("n_trials", "jobs"):
        value = getattr(args, name)
        if value is not None and value < 1:
            raise CliError(f"--{name.replace('_', '-')} {value} must be a positive integer")
    extra = load_claims(args.claims) if args.claims else None
    kwargs = {}
    if args.algorithm:
        kwargs["algorithm"] = load_factory(args.algorithm)
    if args.param:
        kwargs["params"] = _check_params(args.param)
    progress = True if args.progress else (False if args.quiet else None)
    reports = verify_many(args.only, quick=not args.full, out=args.out, extra=extra,
                          seed=args.seed, backend=args.backend, scheduler=args.scheduler,
                          n_trials=args.n_trials, n_jobs=args.jobs, progress=progress, **kwargs)
    print(summary_markdown(reports))
    if args.out:
        print(f"\nreport: {os.path.join(args.out, 'report.md')} (html, json and plots beside it)")
    violated = [r.check_id for r in reports if r.status.fails]
    if violated:
        print(f"violated: {', '.join(violated)}", file=sys.stderr)
        return 1
    return 0


def _cmd_checks(args) -> int:
    from .framework import checks
    found = checks(args.only, quick=True if args.quick else None)
    if not found:
        raise CliError(f"no check matches --only {args.only!r}" if args.only else
                       "no check registered")
    for c in found:
        print(c.describe())
    return 0


def _cmd_replay(args) -> int:
    from .api import replay
    algorithm = load_factory(args.algorithm) if args.algorithm else None
    out = replay(args.file, algorithm=algorithm, allow_import=args.allow_import)
    print(json.dumps({k: (v if isinstance(v, (int, float, str, bool, list, type(None)))
                          else str(v)) for k, v in out.items()}, indent=1))
    return 1 if out.get("passed") is False else 0


def _nonnegative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{value} must be >= 0")
    return value


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (``rlcert verify: error: ...``) and exit code 2."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="rlcert", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("solve", help="solve a zoo instance or a saved model exactly")
    p.add_argument("instance", help=f"zoo name ({', '.join(instances.names())}) or a .npz file")
    p.add_argument("-p", "--param", action="append", default=[], metavar="KEY=VALUE",
                   help="instance parameter, repeatable (e.g. -p n=6 -p seed=3)")
    p.add_argument("--gamma", type=float, default=None, help="discount factor")
    p.add_argument("--horizon", type=int, default=None, help="solve the episodic version")
    p.add_argument("--method", choices=METHODS, default="auto")
    p.add_argument("--tol", type=float, default=1e-8, help="certificate asked for")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--max-rows", type=_nonnegative_int, default=30,
                   help="states printed in text format")
    p.set_defaults(func=_cmd_solve)

    p = sub.add_parser("instances", help="list the instance zoo")
    p.set_defaults(func=_cmd_instances)

    p = sub.add_parser("verify", help="run theorem checks and write a report")
    p.add_argument("--quick", action="store_true",
                   help="the quick subset with the quick trial counts (the default)")
    p.add_argument("--full", action="store_true", help="every check, with the full trial counts")
    p.add_argument("--only", default=None, metavar="PATTERN",
                   help="the checks (any, quick or not) whose id matches a glob or substring")
    p.add_argument("--claims", default=None, metavar="FILE",
                   help="run the claims defined in a Python file (rlcert.proofs_checks.claim)")
    p.add_argument("--algorithm", default=None, metavar="MODULE:FACTORY",
                   help="replace the subject of the checks run by FACTORY() from MODULE (an "
                        "importable module or a .py file)")
    p.add_argument("--param", action="append", default=[], metavar="KEY=VALUE",
                   help="override a check parameter (rlcert checks list shows them), repeatable")
    p.add_argument("--n-trials", type=int, default=None, help="override every check's count")
    p.add_argument("--seed", type=_nonnegative_int, default=0)
    p.add_argument("--backend", choices=("loky", "serial", "dask"), default="loky")
    p.add_argument("--scheduler", default=None, help="Dask scheduler address, tcp://host:port")
    p.add_argument("--jobs", type=int, default=None, help="joblib workers (default: all cores)")
    p.add_argument("--out", default="rlcert-report", help="report directory (the files of a "
                   "report written there before are replaced)")
    p.add_argument("--progress", action="store_true",
                   help="progress bars (the default when standard error is a terminal)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=_cmd_verify)

    p = sub.add_parser("checks", help="list the registered checks")
    p.add_argument("verb", choices=("list",))
    p.add_argument("--only", default=None, metavar="PATTERN")
    p.add_argument("--quick", action="store_true", help="only the quick subset")
    p.set_defaults(func=_cmd_checks)

    p = sub.add_parser("replay", help="re-run a saved counterexample")
    p.add_argument("file")
    p.add_argument("--algorithm", default=None, metavar="MODULE:FACTORY",
                   help="replay with this subject instead of the one the file names")
    p.add_argument("--allow-import", action="store_true",
                   help="import the subject the file names even outside rlcert (runs its code: "
                        "only for files you trust)")
    p.set_defaults(func=_cmd_replay)

    pb = sub.add_parser("bounds", help="the theorem catalog: list, show, eval, invert, compare")
    bsub = pb.add_subparsers(dest="bounds_command", required=True)
    fmt = _Parser(add_help=False)
    fmt.add_argument("--format", choices=("text", "json", "latex"), default="text")
    q = bsub.add_parser("list", parents=[fmt], help="list cards")
    q.add_argument("--setting", choices=theory.SETTINGS)
    q.add_argument("--kind", choices=theory.KINDS)
    q.add_argument("--constants", choices=theory.CONSTANTS)
    q.add_argument("--search", help="words to look for in ids, titles, references and notes")
    q = bsub.add_parser("show", parents=[fmt], help="statement, formula, units, domain, reference")
    q.add_argument("card_id")
    q = bsub.add_parser("eval", parents=[fmt], help="evaluate a card: --NAME VALUE ...")
    q.add_argument("card_id")
    q = bsub.add_parser("invert", parents=[fmt], help="solve bound = value for one parameter")
    q.add_argument("card_id")
    q.add_argument("--solve-for", required=True)
    q.add_argument("--value", type=float, required=True)
    q.add_argument("--integer", action="store_true", help="smallest integer meeting the target")
    q = bsub.add_parser("compare", parents=[fmt], help="several cards on one table")
    q.add_argument("card_ids", nargs="+")
    pb.set_defaults(func=_cmd_bounds, takes_extra=True)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``rlcert`` console script."""
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra and not getattr(args, "takes_extra", False):
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    try:
        if getattr(args, "takes_extra", False):
            return args.func(args, extra)
        return args.func(args)
    except (ValueError, OSError, KeyError) as exc:  # rlcert input errors are ValueError subclasses
        print(f"rlcert {args.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
