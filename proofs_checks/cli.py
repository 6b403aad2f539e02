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

Start-up. Nothing heavy is imported at module level: ``rlcert --help``, ``rlcert --version`` and
``rlcert instances`` import neither numba nor sympy (the zoo is listed from the source of
:mod:`rlcert.mdp.instances`); ``rlcert bounds ...`` reads the compiled snapshot of the catalog
(:mod:`rlcert.bounds.snapshot`, written on first use) and imports numpy but neither sympy nor
compiled code. Only the subcommand being run gets its full parser. ``python -X importtime -m rlcert.proofs_checks.cli
--help`` shows it.

Exit codes: 0 success, 1 a check ``violated`` (``verify``, ``replay``), 2 bad input (the message
names the argument), 141 the reader of the output went away (``rlcert ... | head``: no traceback).
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import sys
from typing import Any, Callable, Sequence

from ._version import __version__

#: ``rlcert.mdp.discounted.METHODS``, repeated here so that ``--help`` needs no compiled code
#: (tests/test_cli.py checks that the two agree).
SOLVE_METHODS = ("auto", "vi", "gs", "pi", "mpi", "lp")
COMMANDS = ("solve", "instances", "verify", "checks", "replay", "bounds")
DESCRIPTION = ("Reinforcement-learning theory, checkable: exact MDP oracles with certificates, "
               "the theorem catalog's bounds, and verified learners.")
EPILOG = """examples:
  rlcert solve riverswim -p n=6 --gamma 0.95
  rlcert instances
  rlcert bounds eval bandit.ucb1.upper --n 1e5 --Delta 0.1,0.3
  rlcert verify --quick

'rlcert COMMAND --help' describes each command. Exit codes: 0 success, 1 a check was violated,
2 bad input."""

CARD_PARAMS_HELP = """card parameters:
  Give every parameter of the card as --NAME VALUE (or --NAME=VALUE), NAME being the card's
  symbol exactly as 'rlcert bounds show CARD' prints it (case matters: --S, --A, --T, --gamma,
  --delta, ...). VALUE is a number (1e6 is fine) or, for a grid or a vector symbol, a comma
  list without spaces: --n 1e3,1e4,1e5 evaluates at three n; --Delta 0.1,0.3 gives one gap per
  suboptimal arm."""


class CliError(ValueError):
    """A command-line argument is malformed (the message names it)."""


# -- solve and instances -------------------------------------------------------------------------

def _parse_param(text: str) -> tuple[str, object]:
    if "=" not in text:
        raise CliError(f"-p {text!r}: expected key=value")
    key, raw = text.split("=", 1)
    try:
        value = ast.literal_eval(raw)
    except (ValueError, SyntaxError):
        value = raw
    return key.strip(), value


def _check_builder_params(name: str, params: dict) -> None:
    """Refuse unknown or missing parameters of zoo builder ``name`` by name, listing the ones
    that exist (rather than the builder's full signature)."""
    import inspect

    from rlcert.mdp import instances

    if name not in instances.names():
        return  # instances.make names the unknown instance and the known ones
    sig = instances.signature(name)
    known = list(sig.parameters)
    unknown = [k for k in params if k not in sig.parameters]
    if unknown:
        raise CliError(f"{name} has no parameter {', '.join(map(repr, unknown))}; its "
                       f"parameters are {', '.join(known)} (rlcert instances shows the defaults)")
    try:
        sig.bind(**params)
    except TypeError as exc:
        required = [p for p, v in sig.parameters.items() if v.default is inspect.Parameter.empty]
        raise CliError(f"{name}: {exc} (required: {', '.join(required)}; pass -p KEY=VALUE)") \
            from None


def _load_model(spec: str, params: dict, gamma: float | None, horizon: int | None):
    from rlcert.mdp import FiniteHorizonMDP, TabularMDP, instances, load

    if os.path.exists(spec) or spec.endswith(".npz"):
        if params:
            raise CliError("-p parameters apply to zoo instances, not to a saved model")
        _check_model_file(spec)
        model = load(spec)
        if gamma is not None and isinstance(model, TabularMDP):
            model = model.with_gamma(gamma)
    else:
        if gamma is not None:
            params = {**params, "gamma": gamma}
        _check_builder_params(spec, params)
        model = instances.make(spec, **params)
    if horizon is not None:
        if not isinstance(model, TabularMDP):
            raise CliError("--horizon applies to a tabular model")
        model = FiniteHorizonMDP.from_tabular(model, horizon, gamma=1.0 if gamma is None else gamma)
    return model


def _check_model_file(path: str) -> None:
    """A saved model is an .npz archive (a zip file); anything else is refused here, by name,
    before numpy would guess at it (and suggest unpickling it)."""
    import zipfile

    if not os.path.exists(path):
        raise CliError(f"{path}: no such file (save a model first: TabularMDP.save(path))")
    if os.path.isdir(path):
        raise CliError(f"{path} is a directory, not a saved model")
    if not zipfile.is_zipfile(path):
        raise CliError(f"{path} is not a model saved by rlcert (not an .npz archive); write one "
                       f"with TabularMDP.save or FiniteHorizonMDP.save")


def _format_text(model, res, max_rows: int) -> str:
    import numpy as np

    from rlcert.mdp import FiniteHorizonMDP

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
    import numpy as np

    return {
        "model": repr(model), "method": res.method, "status": res.status,
        "certificate": res.certificate, "rounding": res.rounding,
        "initial_value": res.initial_value(model.initial),
        "V": np.asarray(res.V).tolist(), "policy": np.asarray(res.policy).tolist(),
        "optimal_actions": np.asarray(res.optimal_actions).tolist(),
        "info": {k: v for k, v in res.info.items() if isinstance(v, (int, float, str, bool, list))},
    }


def _cmd_solve(args) -> int:
    from rlcert.mdp import FiniteHorizonMDP, TabularMDP, solve

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


def _signature_text(fn: ast.FunctionDef) -> str:
    """``(a, b=1, *, c=None)`` from a function's syntax tree (annotations left out)."""
    a = fn.args
    parts: list[str] = []
    positional = [*a.posonlyargs, *a.args]
    defaults: list[ast.expr | None] = [None] * (len(positional) - len(a.defaults))
    defaults += list(a.defaults)
    for i, (arg, default) in enumerate(zip(positional, defaults)):
        parts.append(arg.arg if default is None else f"{arg.arg}={ast.unparse(default)}")
        if a.posonlyargs and i == len(a.posonlyargs) - 1:
            parts.append("/")
    if a.vararg is not None:
        parts.append(f"*{a.vararg.arg}")
    elif a.kwonlyargs:
        parts.append("*")
    for arg, kw_default in zip(a.kwonlyargs, a.kw_defaults):
        parts.append(arg.arg if kw_default is None else f"{arg.arg}={ast.unparse(kw_default)}")
    if a.kwarg is not None:
        parts.append(f"**{a.kwarg.arg}")
    return f"({', '.join(parts)})"


def _summary_line(doc: str | None, width: int = 92) -> str:
    """The first sentence of a docstring's first paragraph, on one line of at most ``width``
    characters."""
    if not doc:
        return ""
    first = " ".join(doc.strip().split("\n\n")[0].split()).replace("``", "")
    end = re.search(r"(?<!\bal)\.\s(?=[A-Z])", first)  # a full stop, not "et al."
    if end:
        first = first[: end.start() + 1]
    if len(first) > width:
        first = first[: first.rindex(" ", 0, width - 4)] + " ..."
    return first


def zoo_listing() -> list[tuple[str, str, str]]:
    """``(name, signature, summary)`` of every zoo instance, read from the source of
    :mod:`rlcert.mdp.instances` (its ``_ZOO`` table and the builders' definitions) without
    importing it, so that listing the zoo compiles nothing. Falls back to importing the module
    when its source cannot be read."""
    import importlib.util

    spec = importlib.util.find_spec("rlcert.mdp")  # imports the namespace only, not rlcert.mdp
    try:
        assert spec is not None and spec.submodule_search_locations
        folder = list(spec.submodule_search_locations)[0]
        with open(os.path.join(folder, "instances.py"), encoding="utf-8") as f:
            tree = ast.parse(f.read())
        functions = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
        zoo: dict[str, str] = {}
        target: ast.expr
        for node in tree.body:
            if isinstance(node, ast.AnnAssign):
                target, value = node.target, node.value
            elif isinstance(node, ast.Assign):
                target, value = node.targets[0], node.value
            else:
                continue
            if isinstance(target, ast.Name) and target.id == "_ZOO" and \
                    isinstance(value, ast.Dict):
                zoo = {ast.literal_eval(k): v.id for k, v in zip(value.keys, value.values)
                       if k is not None and isinstance(v, ast.Name)}
        if not zoo or any(f not in functions for f in zoo.values()):
            raise LookupError("the zoo table was not found in the source")
        return [(name, _signature_text(functions[fn]),
                 _summary_line(ast.get_docstring(functions[fn])))
                for name, fn in sorted(zoo.items())]
    except (AssertionError, OSError, SyntaxError, LookupError, ValueError, AttributeError):
        return zoo_listing_imported()


def zoo_listing_imported() -> list[tuple[str, str, str]]:
    """:func:`zoo_listing` from the imported module (compiles the kernels; the reference the
    tests hold the fast listing to)."""
    import inspect

    from rlcert.mdp import instances

    out = []
    for name in instances.names():
        sig = instances.signature(name)
        parts, star = [], False
        for p in sig.parameters.values():
            if p.kind is p.KEYWORD_ONLY and not star:
                parts.append("*")
                star = True
            if p.kind is p.VAR_POSITIONAL:
                parts.append(f"*{p.name}")
                star = True
            elif p.kind is p.VAR_KEYWORD:
                parts.append(f"**{p.name}")
            else:
                parts.append(p.name if p.default is inspect.Parameter.empty
                             else f"{p.name}={p.default!r}")
        builder = getattr(instances, name, None) or instances._ZOO[name]
        out.append((name, f"({', '.join(parts)})", _summary_line(inspect.getdoc(builder))))
    return out


def _cmd_instances(args) -> int:
    for name, sig, summary in zoo_listing():
        print(f"{name}{sig}")
        if summary:
            print(f"    {summary}")
    return 0


# -- bounds --------------------------------------------------------------------------------------

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


def unit_label(card) -> str:
    """What a card's value counts, as ``bounds eval`` prints it: ``(total samples)``,
    ``(samples per pair)``, ``(T in steps)``, ``(T in episodes)``; empty when the card has no
    unit."""
    parts = []
    if card.samples_unit:
        parts.append({"total": "total samples", "per_pair": "samples per pair"}.get(
            card.samples_unit, f"samples {card.samples_unit.replace('_', ' ')}"))
    if card.T_unit:
        parts.append(f"T in {card.T_unit}")
    return f"({', '.join(parts)})" if parts else ""


def _grid_points(params: dict, shape: tuple) -> list[dict]:
    """For a vector evaluation of shape ``shape``, the grid parameters at each value (vector
    symbols, one entry per arm, are not grid axes)."""
    import numpy as np

    from rlcert.theory._plain import is_vector

    def vector(name: str) -> bool:
        try:
            return is_vector(name)
        except ValueError:
            return False

    grid = {k: v for k, v in params.items() if np.ndim(v) > 0 and not vector(k)}
    if not grid:
        return [{} for _ in range(int(np.prod(shape)))]
    axes = [np.broadcast_to(a, shape) for a in
            np.broadcast_arrays(*[np.asarray(v, dtype=float) for v in grid.values()])]
    return [{k: float(a.ravel()[i]) for k, a in zip(grid, axes)}
            for i in range(int(np.prod(shape)))]


def _latex_number(x: float) -> str:
    text = f"{x:.6g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        return f"{mantissa} \\times 10^{{{int(exponent)}}}"
    return text


def _catalog(card_id: str, snap) -> tuple[Any, Any]:
    """``(card, compiled)`` for ``card_id``: from the catalog snapshot when it has the card
    (``compiled`` is None when the snapshot has no numeric part for it), else the sympy card
    (:func:`rlcert.theory.get` names an unknown id and suggests near matches)."""
    view = None if snap is None else snap.get(card_id)
    if view is not None:
        return view, snap.compiled(card_id)
    from rlcert import theory

    return theory.get(card_id), None


def _snapshot():
    """The compiled snapshot of the catalog (:mod:`rlcert.bounds.snapshot`), or None when it is
    turned off: ``rlcert bounds`` then builds the catalog with sympy."""
    from rlcert.bounds import snapshot

    return snapshot.load()


def _cmd_bounds_eval(args, params: dict, fmt: str, snap) -> int:
    import numpy as np

    from rlcert import bounds
    from rlcert.bounds.evaluate import evaluate_compiled

    card, comp = _catalog(args.card_id, snap)
    value = np.asarray(bounds.evaluate(args.card_id, **params) if comp is None
                       else evaluate_compiled(card, comp, False, params), dtype=float)
    unit = unit_label(card)
    order = ("" if card.constants == "explicit"
             else "   (constants: order only; this is the rate with constant 1)")
    if fmt == "json":
        print(json.dumps({"card_id": args.card_id, "params": params, "value": value.tolist(),
                          "unit": unit.strip("()") or None, "constants": card.constants,
                          "guarantee": card.guarantee}, indent=1))
    elif fmt == "latex":
        if value.ndim == 0:
            print(f"{card.latex()} = {_latex_number(float(value))}")
        else:
            points = _grid_points(params, value.shape)
            print(card.latex())
            for x, point in zip(value.ravel(), points):
                where = ", ".join(f"{k} = {_latex_number(v)}" for k, v in point.items())
                print(f"  = {_latex_number(float(x))}" + (f" \\quad ({where})" if where else ""))
    else:
        shown = (f"{float(value):.11g}" if value.ndim == 0
                 else "[" + ", ".join(f"{x:.11g}" for x in value.ravel()) + "]")
        print(f"{args.card_id} = {shown}" + (f"   {unit}" if unit else "") + order)
    return 0


def _cmd_bounds(args, extra: list[str]) -> int:
    fmt = args.format
    snap = _snapshot()
    if args.bounds_command == "list":
        if extra:
            raise CliError(f"unexpected arguments {extra}")
        if snap is None:
            from rlcert import theory
            catalog: Any = theory
        else:
            catalog = snap
        found = catalog.cards(setting=args.setting, kind=args.kind, constants=args.constants)
        if args.search:
            ids = {c.card_id for c in catalog.search(args.search)}
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
        _print_card(_catalog(args.card_id, snap)[0], fmt)
        return 0
    params = _parse_card_params(extra)
    if args.bounds_command == "eval":
        return _cmd_bounds_eval(args, params, fmt, snap)
    if args.bounds_command == "invert":
        from rlcert import bounds
        from rlcert.bounds.evaluate import invert_compiled

        card, comp = _catalog(args.card_id, snap)
        root = (bounds.invert(args.card_id, args.solve_for, args.value, integer=args.integer,
                              **params) if comp is None
                else invert_compiled(card, comp, args.solve_for, args.value, args.integer,
                                     params))
        if fmt == "json":
            print(json.dumps({"card_id": args.card_id, "solve_for": args.solve_for,
                              "value": args.value, "root": root, "params": params}, indent=1))
        else:
            print(f"{args.solve_for} = {root:.10g}")
        return 0
    from rlcert.bounds.compare import compare, compare_cards

    if snap is None:
        table = compare(args.card_ids, T_unit=args.convert_T, **params)
    else:
        from rlcert.bounds.snapshot import SnapshotCatalog

        table = compare_cards(SnapshotCatalog(snap), args.card_ids, args.convert_T, params)
    print(table.to_json() if fmt == "json" else table.to_latex() if fmt == "latex" else table)
    return 0


# -- verify, checks, replay ----------------------------------------------------------------------

def load_factory(spec: str):
    """The subject named ``module:factory`` on the command line.

    ``factory`` is an attribute of the importable module ``module`` (a class or a function
    returning the subject) and is called with no arguments. The module may also be a path to a
    ``.py`` file.
    """
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
        assert loader_spec is not None and loader_spec.loader is not None
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
    kwargs: dict[str, Any] = {}
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


# -- the parser ----------------------------------------------------------------------------------

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


_RAW = argparse.RawDescriptionHelpFormatter


def _add_solve(sub) -> None:
    p = sub.add_parser("solve", help="solve a zoo instance or a saved model exactly",
                       description="Solve a zoo instance or a model saved with "
                       "TabularMDP.save / FiniteHorizonMDP.save, and print V, the policy, the "
                       "optimal actions and the certificate (a proven bound on ||V - V*||).",
                       epilog="examples:\n  rlcert solve riverswim -p n=6 --gamma 0.95\n"
                       "  rlcert solve garnet -p S=200 -p A=4 -p branching=5 --gamma 0.99 "
                       "--method vi\n  rlcert solve riverswim -p n=6 --horizon 20\n"
                       "  rlcert solve model.npz --gamma 0.9 --format json",
                       formatter_class=_RAW)
    p.add_argument("instance", help="a zoo name ('rlcert instances' lists them with their "
                   "parameters) or the path of a saved model (.npz)")
    p.add_argument("-p", "--param", action="append", default=[], metavar="KEY=VALUE",
                   help="a zoo instance's parameter, repeatable (e.g. -p n=6 -p seed=3)")
    p.add_argument("--gamma", type=float, default=None,
                   help="discount factor: G < 1 discounted, G = 1 total reward; replaces a "
                        "saved model's own")
    p.add_argument("--horizon", type=int, default=None,
                   help="solve the episodic version with this horizon (backward induction)")
    p.add_argument("--method", choices=SOLVE_METHODS, default="auto",
                   help="solver of a discounted model: value iteration, Gauss-Seidel, policy "
                        "iteration, modified PI, linear program (default: auto, policy "
                        "iteration)")
    p.add_argument("--tol", type=float, default=1e-8,
                   help="certificate asked for, a bound on ||V - V*||_inf (default: 1e-8)")
    p.add_argument("--format", choices=("text", "json"), default="text",
                   help="output format (default: text)")
    p.add_argument("--max-rows", type=_nonnegative_int, default=30,
                   help="states printed in text format (default: 30)")
    p.set_defaults(func=_cmd_solve)


def _add_instances(sub) -> None:
    p = sub.add_parser("instances", help="list the instance zoo",
                       description="List the zoo instances that 'rlcert solve NAME' builds, "
                       "with their parameters and defaults (pass them as -p KEY=VALUE).")
    p.set_defaults(func=_cmd_instances)


def _add_verify(sub) -> None:
    p = sub.add_parser("verify", help="run theorem checks and write a report",
                       description="Run theorem checks (rlcert's own subjects, or yours) and "
                       "write a report: report.md, report.html, results.json and plots. Exit "
                       "code 1 when a check is violated.",
                       epilog="examples:\n  rlcert verify --quick\n"
                       "  rlcert verify --only 'bandits.*' --n-trials 200\n"
                       "  rlcert verify --claims examples/claims_example.py --out claims-report",
                       formatter_class=_RAW)
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
                   help="override a check parameter ('rlcert checks list' shows them), "
                        "repeatable")
    p.add_argument("--n-trials", type=int, default=None, metavar="N",
                   help="override every check's trial count")
    p.add_argument("--seed", type=_nonnegative_int, default=0,
                   help="root seed; trial i gets SeedSequence(seed).spawn(n)[i] (default: 0)")
    p.add_argument("--backend", choices=("loky", "serial", "dask"), default="loky",
                   help="where trials run: joblib processes, this process, or a Dask cluster "
                        "(default: loky); results are identical on every backend")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="Dask scheduler address, tcp://host:port (with --backend dask)")
    p.add_argument("--jobs", type=int, default=None, metavar="N",
                   help="joblib workers (default: all cores)")
    p.add_argument("--out", default="rlcert-report", metavar="DIR",
                   help="report directory; the files of a report written there before are "
                        "replaced (default: rlcert-report)")
    p.add_argument("--progress", action="store_true",
                   help="progress bars (the default when standard error is a terminal)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=_cmd_verify)


def _add_checks(sub) -> None:
    p = sub.add_parser("checks", help="list the registered checks",
                       description="List the registered checks: id, card, subject, instances, "
                       "parameters.")
    p.add_argument("verb", choices=("list",), help="what to do with them: list")
    p.add_argument("--only", default=None, metavar="PATTERN",
                   help="the checks whose id matches a glob or substring")
    p.add_argument("--quick", action="store_true", help="only the quick subset")
    p.set_defaults(func=_cmd_checks)


def _add_replay(sub) -> None:
    p = sub.add_parser("replay", help="re-run a saved counterexample",
                       description="Re-run the trial a violated check saved "
                       "(counterexample_<check>.npz) and print what it measures now. Exit "
                       "code 1 when the trial fails again.")
    p.add_argument("file", help="a counterexample_<check>.npz file from a report directory")
    p.add_argument("--algorithm", default=None, metavar="MODULE:FACTORY",
                   help="replay with this subject instead of the one the file names")
    p.add_argument("--allow-import", action="store_true",
                   help="import the subject the file names even outside rlcert (runs its code: "
                        "only for files you trust)")
    p.set_defaults(func=_cmd_replay)


def _add_bounds(sub, full: bool) -> None:
    pb = sub.add_parser("bounds", help="the theorem catalog: list, show, eval, invert, compare",
                        description="The theorem catalog and its numbers: every card's bound "
                        "with the source's constants (or its rate, marked 'order').",
                        epilog="examples:\n  rlcert bounds list --setting episodic\n"
                        "  rlcert bounds show regret.ucrl2.upper\n"
                        "  rlcert bounds eval bandit.ucb1.upper --n 1e5 --Delta 0.1,0.3\n"
                        "  rlcert bounds invert concentration.weissman_l1 --solve-for n "
                        "--value 0.1 --integer --S 10 --delta 0.05\n"
                        "  rlcert bounds compare regret.ucbvi_bf.upper "
                        "regret.episodic_stationary.lower --H 20 --S 6 --A 2 --T 1e6 "
                        "--convert-T steps", formatter_class=_RAW)
    pb.set_defaults(func=_cmd_bounds, takes_extra=True)
    bsub = pb.add_subparsers(dest="bounds_command", required=True, metavar="SUBCOMMAND")
    fmt = _Parser(add_help=False)
    fmt.add_argument("--format", choices=("text", "json", "latex"), default="text",
                     help="output format (default: text)")
    settings: Sequence[str] | None = None
    kinds: Sequence[str] | None = None
    constants: Sequence[str] | None = None
    if full:  # else a stand-in, never parsed with: only the subcommand run gets the real parser
        from rlcert import theory
        settings, kinds, constants = theory.SETTINGS, theory.KINDS, theory.CONSTANTS
    card_help = "a card id ('rlcert bounds list' shows them)"
    q = bsub.add_parser("list", parents=[fmt], help="list cards",
                        description="List the catalog's cards: id, kind, constants, guarantee, "
                        "title.")
    q.add_argument("--setting", choices=settings, help="only the cards of this setting")
    q.add_argument("--kind", choices=kinds, help="only upper or only lower bounds")
    q.add_argument("--constants", choices=constants,
                   help="only the cards with the source's explicit constants, or only the "
                        "order-only ones")
    q.add_argument("--search", metavar="WORDS",
                   help="words to look for in ids, titles, references and notes")
    q = bsub.add_parser("show", parents=[fmt], help="statement, formula, units, domain, reference",
                        description="Print a card: statement, formula, units, domain, "
                        "parameters, constants status and reference.")
    q.add_argument("card_id", help=card_help)
    q = bsub.add_parser("eval", parents=[fmt], help="evaluate a card: --NAME VALUE ...",
                        description="Evaluate a card's bound at the parameters given; the value "
                        "is printed with its unit (total samples, T in steps, ...).",
                        usage="rlcert bounds eval [-h] [--format {text,json,latex}] CARD "
                        "--NAME VALUE [--NAME VALUE ...]",
                        epilog=CARD_PARAMS_HELP + "\n\nexamples:\n"
                        "  rlcert bounds eval generative.azar2013.lower --S 100 --A 10 "
                        "--gamma 0.99 --eps 0.1 --delta 0.0005\n"
                        "  rlcert bounds eval bandit.ucb1.upper --n 1e3,1e4,1e5 --Delta 0.1,0.3 "
                        "--format latex", formatter_class=_RAW)
    q.add_argument("card_id", metavar="CARD", help=card_help)
    q = bsub.add_parser("invert", parents=[fmt], help="solve bound = value for one parameter",
                        description="Solve bound = VALUE for the parameter --solve-for names, "
                        "the others given as --NAME VALUE (monotone root finding on the "
                        "parameter's domain).",
                        usage="rlcert bounds invert [-h] [--format {text,json,latex}] CARD "
                        "--solve-for NAME --value VALUE [--integer] --NAME VALUE ...",
                        epilog=CARD_PARAMS_HELP.replace("Give every parameter",
                                                        "Give every other parameter")
                        + "\n\nexample:\n  rlcert bounds invert concentration.weissman_l1 "
                        "--solve-for n --value 0.1 --integer --S 10 --delta 0.05",
                        formatter_class=_RAW)
    q.add_argument("card_id", metavar="CARD", help=card_help)
    q.add_argument("--solve-for", required=True, metavar="NAME",
                   help="the parameter to solve for (a scalar symbol of the card)")
    q.add_argument("--value", type=float, required=True,
                   help="the target value of the bound")
    q.add_argument("--integer", action="store_true", help="smallest integer meeting the target")
    q = bsub.add_parser("compare", parents=[fmt], help="several cards on one table",
                        description="Evaluate several cards at the same parameters, each upper "
                        "bound next to its matching lower bound (upper/lower ratio). Notes flag "
                        "an upper bound at or above its trivial bound (vacuous) and a pair whose "
                        "units of T differ.",
                        usage="rlcert bounds compare [-h] [--format {text,json,latex}] "
                        "[--convert-T {steps,episodes}] CARD [CARD ...] --NAME VALUE ...",
                        epilog=CARD_PARAMS_HELP + " A card ignores the parameters it does not "
                        "use.\n\nexample:\n  rlcert bounds compare regret.ucbvi_bf.upper "
                        "regret.episodic_stationary.lower --H 20 --S 6 --A 2 --T 1e6 "
                        "--convert-T steps", formatter_class=_RAW)
    q.add_argument("card_ids", nargs="+", metavar="CARD", help="card ids")
    q.add_argument("--convert-T", dest="convert_T", choices=("steps", "episodes"), default=None,
                   help="the unit of the --T given: each card is evaluated at T converted to "
                        "its own unit (steps = H * episodes; needs --H), so that cards counting "
                        "in different units are compared at the same horizon")


def build_parser(command: str | None = "all") -> argparse.ArgumentParser:
    """The ``rlcert`` argument parser.

    Parameters
    ----------
    command : str or None
        ``"all"`` (the default) builds every subcommand completely. Otherwise only the
        subcommand named is built completely (the one being run), the others get their name
        and one-line help, so that ``rlcert --help`` imports nothing heavy.

    Returns
    -------
    argparse.ArgumentParser
    """
    parser = _Parser(prog="rlcert", description=DESCRIPTION, epilog=EPILOG,
                     formatter_class=_RAW)
    parser.add_argument("--version", action="version", version=f"rlcert {__version__}",
                        help="print rlcert's version and exit")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    adders: dict[str, Callable[..., None]] = {
        "solve": _add_solve, "instances": _add_instances, "verify": _add_verify,
        "checks": _add_checks, "replay": _add_replay,
    }
    for name in COMMANDS:
        if name == "bounds":
            _add_bounds(sub, full=command in ("all", "bounds"))
        else:
            adders[name](sub)
    _wrap_descriptions(parser)
    return parser


def _wrap_descriptions(parser: argparse.ArgumentParser, width: int = 92) -> None:
    """Fill every description to ``width`` columns (the raw formatter keeps the examples of the
    epilogs as written, and would print a description on one line)."""
    import textwrap

    if parser.description:
        parser.description = textwrap.fill(parser.description, width)
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                _wrap_descriptions(sub, width)


def _command_of(argv: Sequence[str]) -> str | None:
    """The subcommand ``argv`` runs (its first word that names one), or None."""
    for tok in argv:
        if tok in COMMANDS:
            return tok
        if not tok.startswith("-"):
            return None
    return None


def _run(argv: Sequence[str]) -> int:
    parser = build_parser(_command_of(argv))
    args, extra = parser.parse_known_args(argv)
    if extra and not getattr(args, "takes_extra", False):
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    try:
        if getattr(args, "takes_extra", False):
            return args.func(args, extra)
        return args.func(args)
    except (ValueError, OSError, KeyError) as exc:  # rlcert input errors are ValueError subclasses
        if isinstance(exc, BrokenPipeError):
            raise
        print(f"rlcert {args.command}: error: {exc}", file=sys.stderr)
        return 2


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``rlcert`` console script.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments after ``rlcert`` (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        The exit code: 0 success, 1 a check violated, 2 bad input, 141 a closed output pipe.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        code = _run(argv)
        sys.stdout.flush()  # a closed pipe shows here, not at interpreter exit
        return code
    except BrokenPipeError:
        # the reader went away (rlcert ... | head): stop quietly, as a command killed by SIGPIPE
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError):  # stdout without a file descriptor (captured in tests)
            pass
        return 141


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
