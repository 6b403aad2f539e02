"""The ``rlcert`` command line.

``rlcert solve INSTANCE``: solve a zoo instance (``rlcert solve riverswim -p n=6 --gamma 0.95``)
or a model saved with ``save`` (``rlcert solve model.npz``) and print V, the policy and the
certificate. ``rlcert instances`` lists the zoo.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import sys
from typing import Sequence

import numpy as np

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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rlcert", description=__doc__.split("\n\n")[0])
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
    p.add_argument("--max-rows", type=int, default=30, help="states printed in text format")
    p.set_defaults(func=_cmd_solve)

    p = sub.add_parser("instances", help="list the instance zoo")
    p.set_defaults(func=_cmd_instances)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``rlcert`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (ValueError, OSError) as exc:  # rlcert input errors are ValueError subclasses
        print(f"rlcert {args.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
