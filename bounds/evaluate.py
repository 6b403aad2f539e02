"""Numbers from cards: :func:`evaluate`, :func:`invert`, and unit conversion.

A card's sympy expression is compiled once (``sympy.lambdify`` to numpy) and cached; sympy is
imported then, not with this module (the command line evaluates from a compiled snapshot of the
catalog, :mod:`rlcert.bounds.snapshot`, through the same checks below). Parameters
broadcast like numpy arrays; vector symbols (one value per arm) take arrays whose last axis runs
over the arms and are summed as the card's ``Sum`` says. Every call checks the card's domain and
refuses values outside it with an error naming the parameter and the range.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Callable

import numpy as np

from rlcert.theory._plain import describe, is_integer

if TYPE_CHECKING:
    import sympy as sp

    from rlcert.theory import Card


class BoundError(ValueError):
    """Bad parameters for a bound: a missing or unknown symbol, a value outside the card's domain,
    or an inversion whose target is not attained."""


@dataclass(frozen=True)
class _Compiled:
    scalars: tuple[str, ...]
    vectors: tuple[str, ...]
    main: Callable
    sums: tuple[tuple[Callable, tuple[str, ...]], ...]  # (term function, its vector names)
    conditions: tuple[tuple[Any, Callable | None, tuple[str, ...]], ...]


def _scalar_free(expr: sp.Basic) -> list[str]:
    import sympy as sp

    return sorted(str(s) for s in expr.free_symbols
                  if isinstance(s, sp.Symbol) and not isinstance(s, sp.Idx))


@lru_cache(maxsize=None)
def _compile(card_id: str) -> _Compiled:
    from rlcert.theory import get

    return _compile_card(get(card_id))


#: Compiled user cards (not in the catalog), keyed by their content.
_USER_CARDS: dict[tuple, _Compiled] = {}


def resolve(card: str | Card) -> tuple[Card, _Compiled]:
    """The card (a catalog id, or a user's own :class:`~rlcert.theory.Card`) and its compiled
    form."""
    from rlcert.theory import Card, get

    if isinstance(card, Card):
        import sympy as sp

        key = (card.card_id, sp.srepr(card.expr), tuple(c.text for c in card.domain))
        if key not in _USER_CARDS:
            _USER_CARDS[key] = _compile_card(card)
        return card, _USER_CARDS[key]
    if not isinstance(card, str):
        raise BoundError(f"card_id={card!r} must be a card id (str) or a rlcert.theory.Card")
    return get(card), _compile(card)


def _compile_card(card: Card) -> _Compiled:
    import sympy as sp

    vectors = tuple(card.vector_names)
    scalars = tuple(n for n in card.symbol_names if n not in vectors)
    expr = card.expr
    sums = []
    replacements = {}
    for j, s in enumerate(sorted(expr.atoms(sp.Sum), key=sp.default_sort_key)):
        placeholder = sp.Symbol(f"_sum{j}")
        replacements[s] = placeholder
        term = s.function
        elems = {ind: sp.Symbol(f"_{ind.base.label}") for ind in term.atoms(sp.Indexed)}
        names = tuple(sorted(str(ind.base.label) for ind in elems))
        args = [sp.Symbol(n, positive=True) for n in scalars] + [elems[k] for k in
                                                                 sorted(elems, key=str)]
        sums.append((sp.lambdify(args, term.xreplace(elems), "numpy"), names))
    main_expr = expr.xreplace(replacements)
    main_args = [sp.Symbol(n, positive=True) for n in scalars] + list(replacements.values())
    main = sp.lambdify(main_args, main_expr, "numpy")
    conds: list[tuple[Any, Callable | None, tuple[str, ...]]] = []
    for c in card.domain:
        if c.symbol is not None:
            conds.append((c, None, (c.symbol,)))
        else:
            names = tuple(_scalar_free(c.expr))
            fn = sp.lambdify([sp.Symbol(n, positive=True) for n in names], c.expr, "numpy")
            conds.append((c, fn, names))
    return _Compiled(scalars, vectors, main, tuple(sums), tuple(conds))


def _format_values(values: dict[str, np.ndarray], names, where=None) -> str:
    parts = []
    for n in names:
        v = np.asarray(values[n])
        if where is not None and v.ndim and v.shape == where.shape:
            v = v[where]
        v = v.ravel()
        parts.append(f"{n}={v[0]:.6g}" if v.size else f"{n}=[]")
    return ", ".join(parts)


def _check_domain(card: Card, comp: _Compiled, values: dict[str, np.ndarray]) -> None:
    for cond, fn, names in comp.conditions:
        if cond.symbol is not None:
            v = np.asarray(values[cond.symbol], dtype=np.float64)
            ok = np.ones(v.shape, dtype=bool)
            if cond.lower is not None:
                ok &= (v > cond.lower) if cond.lower_open else (v >= cond.lower)
            if cond.upper is not None:
                ok &= (v < cond.upper) if cond.upper_open else (v <= cond.upper)
            ok &= ~np.isnan(v)
            if not np.all(ok):
                bad = v[~ok].ravel()[0]
                rng = cond.text.split(" in ", 1)[1]
                raise BoundError(f"{card.card_id}: {cond.symbol}={bad:.6g} is not in {rng}")
            continue
        assert fn is not None  # conditions without a symbol are compiled
        try:
            ok = np.asarray(fn(*[values[n] for n in names]), dtype=bool)
        except (TypeError, ValueError) as exc:
            raise BoundError(f"{card.card_id}: cannot check the condition {cond.text}: {exc}") from None
        if not np.all(ok):
            where = ~np.broadcast_to(ok, np.broadcast(*[np.asarray(values[n]) for n in names]).shape)
            raise BoundError(f"{card.card_id}: the condition {cond.text} fails at "
                             f"{_format_values(values, names, where)}")


def _real_values(card: Card, name: str, val) -> np.ndarray:
    """A parameter as a float64 array of real numbers: booleans, complex numbers, strings, None
    and ragged sequences are refused (``True`` is not 1, and an imaginary part is not dropped)."""
    try:
        raw = np.asarray(val)
    except (TypeError, ValueError) as exc:
        raise BoundError(f"{card.card_id}: {name} must be a real number or an array of them, "
                         f"got {val!r} ({exc})") from None
    kind = raw.dtype.kind
    if kind in "fiu":
        return np.asarray(raw, dtype=np.float64)
    if kind == "O":  # e.g. sympy numbers: accepted when each converts to a real float
        try:
            if all(x is not None and not isinstance(x, (bool, np.bool_, complex, np.complexfloating,
                                                         str, bytes))
                   for x in raw.ravel()):
                return np.asarray(raw, dtype=np.float64)
        except (TypeError, ValueError):
            pass
    what = {"b": "a boolean", "c": "a complex number", "U": "a string", "S": "a string"}.get(
        kind, "None" if val is None else f"a value of dtype {raw.dtype}")
    raise BoundError(f"{card.card_id}: {name} must be a real number or an array of them, got "
                     f"{what}: {val!r}")


def _check_integers(card: Card, values: dict[str, np.ndarray], skip: tuple[str, ...] = ()) -> None:
    """Symbols that count things (:func:`rlcert.theory.symbols.is_integer`: ``S``, ``A``, ``H``,
    ``n``, ...) take integral values (``1e6`` is accepted, ``10.5`` is not)."""
    for name, arr in values.items():
        if name in skip or not is_integer(name):
            continue
        bad = np.isfinite(arr) & (arr != np.floor(arr))
        if bad.any():
            raise BoundError(f"{card.card_id}: {name} ({describe(name)}) must be an integer, got "
                             f"{name}={float(arr[bad].ravel()[0])!r} (pass continuous=True to "
                             f"evaluate the formula's continuous extension)")


def _check_given(card: Card, comp: _Compiled, params: dict[str, Any]) -> dict[str, np.ndarray]:
    """The parameters given to :func:`invert` (all but the one solved for), checked up front:
    known, real, finite, integral where they count things, inside their own intervals; returned
    as arrays."""
    known = set(comp.scalars) | set(comp.vectors)
    unknown = sorted(set(params) - known)
    if unknown:
        raise BoundError(f"{card.card_id} has no parameter(s) {unknown}; its parameters are "
                         f"{sorted(known)}")
    values = {}
    for name, val in params.items():
        arr = _real_values(card, name, val)
        if not np.all(np.isfinite(arr)):
            raise BoundError(f"{card.card_id}: {name} must be finite, got {val!r}")
        values[name] = arr
    _check_integers(card, values)
    for cond, fn, names in comp.conditions:
        if cond.symbol is None or cond.symbol not in values:
            continue
        v = values[cond.symbol]
        ok = np.ones(v.shape, dtype=bool)
        if cond.lower is not None:
            ok &= (v > cond.lower) if cond.lower_open else (v >= cond.lower)
        if cond.upper is not None:
            ok &= (v < cond.upper) if cond.upper_open else (v <= cond.upper)
        if not np.all(ok):
            rng = cond.text.split(" in ", 1)[1]
            raise BoundError(f"{card.card_id}: {cond.symbol}={v[~ok].ravel()[0]:.6g} is not in "
                             f"{rng}")
    return values


def _prepare(card: Card, comp: _Compiled, params: dict[str, Any]) -> dict[str, np.ndarray]:
    known = set(comp.scalars) | set(comp.vectors)
    unknown = sorted(set(params) - known)
    if unknown:
        raise BoundError(f"{card.card_id} has no parameter(s) {unknown}; its parameters are "
                         f"{sorted(known)}")
    values: dict[str, np.ndarray] = {}
    for name, val in params.items():
        arr = _real_values(card, name, val)
        if name in comp.vectors:
            if arr.ndim == 0:
                arr = arr[None]
            if arr.shape[-1] == 0:
                raise BoundError(f"{card.card_id}: {name} is empty; a vector parameter needs one "
                                 f"value per arm (got shape {arr.shape})")
        values[name] = arr
    lengths = {values[v].shape[-1] for v in comp.vectors if v in values}
    if len(lengths) > 1:
        raise BoundError(f"{card.card_id}: the vector parameters {list(comp.vectors)} have "
                         f"different lengths {sorted(lengths)}")
    missing = [n for n in list(comp.scalars) + list(comp.vectors) if n not in values]
    if missing:
        meaning = "; ".join(f"{n} ({card.parameters().get(n) or describe(n)})" for n in missing)
        raise BoundError(f"{card.card_id} needs {meaning}")
    # scalars broadcast together, and with the leading axes of the vectors (their last axis is
    # the arms)
    shapes = {n: (values[n].shape[:-1] if n in comp.vectors else values[n].shape) for n in values}
    try:
        np.broadcast_shapes(*shapes.values())
    except ValueError:
        raise BoundError(f"{card.card_id}: the parameters' shapes do not broadcast together: "
                         + ", ".join(f"{n} {s}" for n, s in shapes.items())) from None
    for name, arr in values.items():
        if not np.all(np.isfinite(arr)):
            raise BoundError(f"{card.card_id}: {name} must be finite, got {arr.ravel()[~np.isfinite(arr.ravel())][0]}")
    return values


def evaluate(card_id: str | Card, *, continuous: bool = False, **params) -> float | np.ndarray:
    """The card's bound at the given parameters.

    Scalars broadcast like numpy arrays; vector symbols take arrays over arms (last axis).
    Returns a float when every parameter is a scalar, an array otherwise. Parameters outside the
    card's domain, missing or unknown parameters raise :class:`BoundError`, naming the parameter
    and the value; so do non-real values (booleans, complex numbers, strings), NaN and
    infinities, empty vector parameters, and non-integral values of the symbols that count things
    (``S``, ``A``, ``H``, ``K``, ``T``, ``n``, ``k``, ``d``, ..., see
    :func:`rlcert.theory.symbols.is_integer`; integral floats such as ``1e6`` are accepted).
    ``continuous=True`` evaluates the formula's continuous extension at non-integral counts
    instead (what rate checks and inversions need).

    Examples
    --------
    >>> round(evaluate("concentration.hoeffding", n=100, delta=0.05, b=1.0), 6)
    0.13581
    """
    if not isinstance(continuous, (bool, np.bool_)):
        raise BoundError(f"continuous must be True or False, got {continuous!r}")
    card, comp = resolve(card_id)
    return evaluate_compiled(card, comp, continuous, params)


def evaluate_compiled(card, comp: _Compiled, continuous: bool, params: dict[str, Any]
                      ) -> float | np.ndarray:
    """:func:`evaluate` for a card already compiled: ``card`` needs ``card_id``, ``domain`` (its
    conditions) and ``parameters()`` only, so that a :class:`~rlcert.bounds.snapshot.CardView`
    goes through exactly the checks a :class:`~rlcert.theory.Card` does."""
    values = _prepare(card, comp, params)
    if not continuous:
        _check_integers(card, values)
    _check_domain(card, comp, values)
    scalar_args = [values[n] for n in comp.scalars]
    sum_values = []
    for fn, names in comp.sums:
        expanded = [a[..., None] for a in scalar_args]
        sum_values.append(np.sum(fn(*expanded, *[values[v] for v in names]), axis=-1))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        out = np.asarray(comp.main(*scalar_args, *sum_values), dtype=np.float64)
    all_scalar = all(v.ndim == 0 for n, v in values.items() if n not in comp.vectors) and all(
        values[v].ndim <= 1 for v in comp.vectors)
    if all_scalar:
        return float(out)
    return out


# -- inversion -------------------------------------------------------------------------------------
def _interval_of(card: Card, name: str) -> tuple[float, float, bool, bool]:
    lo, hi, lo_open, hi_open = 0.0, math.inf, True, True
    for c in card.domain:
        if c.symbol == name:
            if c.lower is not None and c.lower >= lo:
                lo, lo_open = float(c.lower), c.lower_open
            if c.upper is not None and c.upper <= hi:
                hi, hi_open = float(c.upper), c.upper_open
    return lo, hi, lo_open, hi_open


def _transform(name: str, lo: float, hi: float):
    """Map ``t`` in an interval of the real line to the parameter (log space; ``gamma`` through
    its effective horizon ``1/(1-gamma)``). Returns ``(to_x, t_lo, t_hi)``."""
    if name == "gamma":
        lo_h = 1.0 / (1.0 - lo) if lo < 1 else math.inf
        hi_h = 1.0 / (1.0 - hi) if hi < 1 else math.inf
        t_lo = math.log(max(lo_h, 1.0 + 1e-12))
        t_hi = math.log(min(hi_h, 1e15))
        return (lambda t: 1.0 - math.exp(-t)), t_lo, t_hi
    t_lo = math.log(max(lo, 1e-300)) if lo > 0 else math.log(1e-300)
    t_hi = math.log(min(hi, 1e300))
    return math.exp, t_lo, t_hi


def invert(card_id: str | Card, solve_for: str, value: float, integer: bool = False,
           **params) -> float | int:
    """Solve ``bound = value`` for one parameter.

    Monotone root finding in log space (``gamma`` through ``log(1/(1-gamma))``): the bound is
    sampled on a grid over the parameter's domain, a sign change of ``log(bound / value)`` is
    bracketed, monotonicity is checked on the bracket, and bisection finds the root to within
    ``1e-15 + 4 eps |t|`` in the transformed variable ``t``.
    ``integer=True`` returns the smallest integer that meets the target: ``bound <= value`` when
    the bound decreases in the parameter, ``bound >= value`` when it increases.

    Raises :class:`BoundError` when the target is not attained on the domain, the bound is not
    monotone around the root, or the root violates another domain condition.
    """
    card, comp = resolve(card_id)
    return invert_compiled(card, comp, solve_for, value, integer, params)


def invert_compiled(card, comp: _Compiled, solve_for: str, value: float, integer: bool,
                    params: dict[str, Any]) -> float | int:
    """:func:`invert` for a card already compiled (see :func:`evaluate_compiled`)."""
    if solve_for not in comp.scalars:
        raise BoundError(f"{card.card_id}: solve_for={solve_for!r} is not one of its scalar "
                         f"parameters {list(comp.scalars)}")
    if solve_for in params:
        raise BoundError(f"{card.card_id}: {solve_for} is being solved for; do not pass it")
    if not (isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))
            and math.isfinite(value) and value > 0):
        raise BoundError(f"value must be a positive finite number, got {value!r}")
    if not isinstance(integer, (bool, np.bool_)):
        raise BoundError(f"integer must be True or False, got {integer!r}")
    for k, arr in _check_given(card, comp, params).items():
        if arr.ndim > (1 if k in comp.vectors else 0):
            raise BoundError(f"invert takes scalar parameters (one value per arm for a vector); "
                             f"{k} has shape {arr.shape}")
    missing = [n for n in list(comp.scalars) + list(comp.vectors)
               if n != solve_for and n not in params]
    if missing:  # else the probes are all NaN and the error would blame the domain
        meaning = "; ".join(f"{n} ({card.parameters().get(n) or describe(n)})" for n in missing)
        raise BoundError(f"{card.card_id} needs {meaning}")
    lo, hi, lo_open, hi_open = _interval_of(card, solve_for)
    to_x, t_lo, t_hi = _transform(solve_for, lo, hi)
    if integer:
        t_lo = max(t_lo, 0.0) if solve_for != "gamma" else t_lo

    def f_at(t: float) -> float:
        x = to_x(t)
        if (x <= lo if lo_open else x < lo) or (x >= hi if hi_open else x > hi):
            return math.nan
        try:
            return float(_evaluate_unchecked(card, comp, {**params, solve_for: x}))
        except (BoundError, FloatingPointError, ZeroDivisionError, OverflowError):
            return math.nan

    # a grid over the domain, closed ends included, open ends approached to within 1e-12
    grid = np.linspace(t_lo, t_hi, 1601)
    grid[0] = t_lo if (not lo_open or solve_for == "gamma") else t_lo + 1e-12
    grid[-1] = t_hi if not hi_open else t_hi - 1e-12 * max(1.0, abs(t_hi))
    vals = np.array([f_at(t) for t in grid])
    good = np.isfinite(vals) & (vals > 0)
    if not good.any():
        raise BoundError(f"{card.card_id}: the bound is not finite anywhere on the domain of {solve_for}")
    g = np.where(good, np.log(np.where(good, vals, 1.0)) - math.log(value), np.nan)
    idx = np.flatnonzero(good)
    sign = np.sign(g[idx])
    change = np.flatnonzero(sign[:-1] * sign[1:] <= 0)
    if change.size == 0:
        raise BoundError(f"{card.card_id}: the bound takes values in [{np.nanmin(vals[good]):.6g}, "
                         f"{np.nanmax(vals[good]):.6g}] for {solve_for} in its domain "
                         f"({_fmt_interval(lo, hi, lo_open, hi_open)}); {value:.6g} is not attained")
    crossings = np.flatnonzero(sign[:-1] * sign[1:] < 0).size + np.count_nonzero(sign == 0)
    if crossings > 1:
        raise BoundError(f"{card.card_id}: the bound is not monotone in {solve_for}: it crosses "
                         f"{value:.6g} {crossings} times on the domain")
    a_i, b_i = idx[change[0]], idx[change[0] + 1]
    ta, tb = grid[a_i], grid[b_i]
    probe = np.array([f_at(t) for t in np.linspace(ta, tb, 65)])
    diffs = np.diff(probe)
    if not (np.all(diffs >= -1e-12 * np.abs(probe[:-1])) or np.all(diffs <= 1e-12 * np.abs(probe[:-1]))):
        raise BoundError(f"{card.card_id}: the bound is not monotone in {solve_for} around the root")
    ga, gb = g[a_i], g[b_i]
    if ga == 0.0:
        t_root = ta
    elif gb == 0.0:
        t_root = tb
    else:
        t_root = _bisect(lambda t: math.log(f_at(t)) - math.log(value), ta, tb, ga)
    root = to_x(t_root)
    increasing = probe[-1] > probe[0]
    if integer:
        root = _integer_root(card, comp, params, solve_for, value, root, increasing, lo, lo_open)
    _check_domain(card, comp, _prepare(card, comp, {**params, solve_for: root}))
    return root


def _bisect(fun: Callable[[float], float], a: float, b: float, fa: float) -> float:
    """A root of ``fun`` on ``[a, b]``, where ``fun(a) = fa`` and ``fun(b)`` have opposite signs:
    bisection until ``|b - a| <= 1e-15 + 4 eps max(|a|, |b|)`` (at most 200 halvings; a NaN
    midpoint counts as the side of ``b``). Pure Python, so that ``rlcert bounds invert`` does not
    import scipy."""
    for _ in range(200):
        if abs(b - a) <= 1e-15 + 4 * np.finfo(float).eps * max(abs(a), abs(b)):
            break
        mid = 0.5 * (a + b)
        fm = fun(mid)
        if fm == 0.0:
            return mid
        if (fm < 0) == (fa < 0):  # f keeps the sign of fa at every left end
            a = mid
        else:
            b = mid
    return 0.5 * (a + b)


def _integer_root(card, comp, params, name, value, root, increasing, lo, lo_open) -> int:
    def meets(x: int) -> bool:
        fx = float(_evaluate_unchecked(card, comp, {**params, name: float(x)}))
        return fx >= value if increasing else fx <= value

    def allowed(x: int) -> bool:
        return x > lo if lo_open else x >= lo

    n = max(int(math.ceil(root - 1e-9 * abs(root))), int(math.ceil(lo)) + (1 if lo_open and float(lo).is_integer() else 0))
    while not meets(n):
        n += 1
    while allowed(n - 1) and meets(n - 1):
        n -= 1
    return n


def _evaluate_unchecked(card: Card, comp: _Compiled, params: dict) -> float:
    values = _prepare(card, comp, params)
    scalar_args = [values[n] for n in comp.scalars]
    sum_values = [np.sum(fn(*[a[..., None] for a in scalar_args], *[values[v] for v in names]),
                         axis=-1) for fn, names in comp.sums]
    with np.errstate(all="ignore"):
        return comp.main(*scalar_args, *sum_values)


def _fmt_interval(lo, hi, lo_open, hi_open) -> str:
    return f"{'(' if lo_open else '['}{lo:g}, {hi:g}{')' if hi_open else ']'}"


# -- units -----------------------------------------------------------------------------------------
def convert_T(T, from_unit: str, to_unit: str, H):
    """Convert a horizon count between ``"steps"`` and ``"episodes"`` (``steps = H * episodes``).

    ``T`` is a number or array of numbers ``>= 0``; ``H`` an integer ``>= 1`` (or an array of
    them; integral floats accepted). Anything else raises :class:`BoundError` naming the argument.
    """
    units = ("steps", "episodes")
    for name, u in (("from_unit", from_unit), ("to_unit", to_unit)):
        if not isinstance(u, str) or u not in units:
            raise BoundError(f"{name}={u!r} is not one of {units}")
    t = _plain_values("T", T)
    if not np.all(np.isfinite(t)) or np.any(t < 0):
        bad = t[~(np.isfinite(t) & (t >= 0))].ravel()[0]
        shown = T if np.ndim(T) == 0 else float(bad)
        raise BoundError(f"T must be a finite number >= 0 (a count of steps or episodes), got "
                         f"T={shown!r}")
    h = _plain_values("H", H)
    if not np.all(np.isfinite(h)) or np.any(h < 1) or np.any(h != np.floor(h)):
        bad = h[~(np.isfinite(h) & (h >= 1) & (h == np.floor(h)))].ravel()[0]
        shown = H if np.ndim(H) == 0 else float(bad)
        raise BoundError(f"H must be an integer >= 1 (steps per episode), got H={shown!r}")
    if from_unit == to_unit:
        return T
    with np.errstate(over="ignore"):
        out = np.asarray(T) * H if from_unit == "episodes" else np.asarray(T) / H
    if not np.all(np.isfinite(out)):
        raise BoundError(f"T * H overflows float64: T={float(np.max(t)):.6g} episodes of "
                         f"H={float(np.max(h)):.6g} steps")
    return out


def _plain_values(name: str, val) -> np.ndarray:
    """``val`` as float64 when it holds real numbers (not booleans, complex numbers, strings)."""
    try:
        raw = np.asarray(val)
    except (TypeError, ValueError):
        raw = np.asarray(None, dtype=object)
    if raw.dtype.kind not in "fiu":
        raise BoundError(f"{name} must be a real number or an array of them, got {val!r}")
    return np.asarray(raw, dtype=np.float64)
