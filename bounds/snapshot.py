r"""A compiled snapshot of the theorem catalog: the command line's numbers without sympy.

Building the catalog means importing sympy and constructing every card's expression (about
0.5 s); ``rlcert bounds list``, ``show``, ``eval``, ``invert`` and ``compare`` need none of it
once the cards have been compiled. :func:`load` returns a :class:`Snapshot` read from a cache file written the
first time (:func:`build`); the file is keyed by a hash of everything it is derived from (the
sources of :mod:`rlcert.theory` and its catalog, of :mod:`rlcert.bounds.evaluate` and of this
module, and the versions of rlcert and sympy), so that editing a card makes the next call rebuild
it.

What a snapshot holds, per card: the card's JSON description (:meth:`rlcert.theory.Card.to_dict`),
its text and LaTeX statements, its search text, its domain conditions, and the numeric functions
that :func:`rlcert.bounds.evaluate` compiles with ``sympy.lambdify`` (and the trivial bound that
:func:`rlcert.bounds.compare.compare` compiles), kept as the generated source. Evaluation goes through the same checks as :func:`~rlcert.bounds.evaluate` does
(:func:`rlcert.bounds.evaluate.evaluate_compiled`): only the compiled functions come from the
file.

A cache file is data, never trusted code. Each function is stored as one expression; on reading,
the expression is parsed and refused unless it consists of arithmetic, comparisons, numeric
constants and calls of named numpy functions on the function's own arguments; it is evaluated
with no builtins. When :func:`build` writes a card, it first checks that the snapshot's function
returns bit for bit what ``lambdify``'s does at the card's example (and at a second point), and
leaves the numeric part out otherwise; a card without one is evaluated through sympy. A file that
fails its digest, its key or any of these checks is ignored and rebuilt.

Environment: ``RLCERT_CACHE_DIR`` chooses the folder (default ``$XDG_CACHE_HOME/rlcert``, else
``~/.cache/rlcert``); ``RLCERT_NO_SNAPSHOT=1`` turns the snapshot off (every call then builds
the catalog with sympy).
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from rlcert.theory._plain import filter_error, matches_words

from .evaluate import BoundError, _Compiled

#: Bumped whenever the layout of a snapshot entry changes.
SNAPSHOT_FORMAT = 2

_FILE_PREFIX = "catalog-"


class SnapshotError(ValueError):
    """A snapshot entry cannot be used (a malformed file, or a function outside the allowed
    grammar); :func:`load` treats the file as absent."""


# -- the card as the command line sees it ---------------------------------------------------------
@dataclass(frozen=True)
class DomainCondition:
    """One condition of a card's domain, as :func:`rlcert.bounds.evaluate` checks it: an
    interval of one symbol (``symbol`` set) or a relation between symbols (checked by a compiled
    function)."""

    text: str
    symbol: str | None = None
    lower: float | None = None
    upper: float | None = None
    lower_open: bool = True
    upper_open: bool = True


class CardView:
    """A card read from a snapshot: the fields the command line prints and the domain the
    numeric checks need (the parts of :class:`rlcert.theory.Card` that are not sympy objects).

    Parameters
    ----------
    entry : dict
        One card's snapshot entry (see :func:`build`).
    """

    def __init__(self, entry: dict[str, Any]):
        try:
            self._dict = dict(entry["dict"])
            self._describe = str(entry["describe"])
            self._search = str(entry["search"])
            self.domain = tuple(DomainCondition(**c) for c in entry["domain"])
        except (KeyError, TypeError) as exc:
            raise SnapshotError(f"malformed snapshot entry: {exc}") from None
        d = self._dict
        self.card_id: str = d["card_id"]
        self.title: str = d["title"]
        self.setting: str = d["setting"]
        self.kind: str = d["kind"]
        self.quantity: str = d["quantity"]
        self.guarantee: str = d["guarantee"]
        self.constants: str = d["constants"]
        self.T_unit: str | None = d["T_unit"]
        self.samples_unit: str | None = d["samples_unit"]
        self.matches: str | None = d["matches"]
        #: The trivial bound's formula (as :meth:`rlcert.theory.Card.to_dict` prints it), or None.
        self.trivial: str | None = d["trivial"]

    @property
    def symbol_names(self) -> list[str]:
        """Every parameter the bound needs, as :attr:`rlcert.theory.Card.symbol_names`."""
        return list(self._dict["parameters"])

    def parameters(self) -> dict[str, str]:
        """Each parameter with its meaning, as :meth:`rlcert.theory.Card.parameters`."""
        return dict(self._dict["parameters"])

    def to_dict(self) -> dict[str, Any]:
        """The card's JSON description, as :meth:`rlcert.theory.Card.to_dict`."""
        return json.loads(json.dumps(self._dict))

    def latex(self) -> str:
        """The bound in LaTeX, as :meth:`rlcert.theory.Card.latex`."""
        return str(self._dict["latex"])

    def describe(self) -> str:
        """The multi-line statement, as :meth:`rlcert.theory.Card.describe`."""
        return self._describe

    def search_text(self) -> str:
        """The text searched, as :meth:`rlcert.theory.Card.search_text`."""
        return self._search

    def __repr__(self) -> str:
        return f"CardView({self.card_id!r})"


# -- stored functions: one expression each, parsed before use -------------------------------------
_ALLOWED_NODES = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.BoolOp, ast.Compare, ast.Call,
                  ast.Name, ast.Constant, ast.Attribute, ast.Load, ast.operator, ast.unaryop,
                  ast.boolop, ast.cmpop, ast.Tuple, ast.List)


def _function_spec(fn: Callable) -> dict[str, Any]:
    """The stored form of a function that ``sympy.lambdify`` generated: its argument names, the
    returned expression's source, and where each other name in it comes from (a numpy function
    or a numeric constant). Raises :class:`SnapshotError` when it is not one return statement
    of names the snapshot can resolve."""
    import inspect

    try:
        tree = ast.parse(inspect.getsource(fn))
    except (OSError, TypeError, SyntaxError) as exc:
        raise SnapshotError(f"no source for {fn!r}: {exc}") from None
    func = tree.body[0] if len(tree.body) == 1 else None
    if not isinstance(func, ast.FunctionDef) or len(func.body) != 1 or not isinstance(
            func.body[0], ast.Return) or func.body[0].value is None:
        raise SnapshotError("the generated function is not a single return statement")
    args = [a.arg for a in func.args.args]
    expr = func.body[0].value
    names: dict[str, Any] = {}
    for node in ast.walk(expr):
        if isinstance(node, ast.Name) and node.id not in args and node.id not in names:
            value = fn.__globals__.get(node.id)
            if node.id == "numpy" and value is np:
                names[node.id] = ["module"]
            elif callable(value) and getattr(np, node.id, None) is value:
                names[node.id] = ["numpy", node.id]
            elif isinstance(value, (int, float, complex)) and not isinstance(value, bool):
                names[node.id] = ["number", repr(value)]
            else:
                raise SnapshotError(f"name {node.id!r} of the generated function is neither a "
                                    f"numpy function nor a number")
    spec = {"args": args, "expr": ast.unparse(expr), "names": names}
    _restore(spec)  # the stored form must pass the reader's grammar
    return spec


def _restore(spec: dict[str, Any]) -> Callable:
    """The function a stored spec describes, after checking its grammar (see the module
    docstring); evaluated with no builtins."""
    try:
        args = [str(a) for a in spec["args"]]
        tree = ast.parse(str(spec["expr"]), mode="eval")
        stored = dict(spec["names"])
    except (KeyError, TypeError, ValueError, SyntaxError) as exc:
        raise SnapshotError(f"malformed stored function: {exc}") from None
    if not all(a.isidentifier() and not a.startswith("__") for a in args):
        raise SnapshotError(f"bad argument names {args}")
    namespace: dict[str, Any] = {"__builtins__": {}}
    for name, (kind, *rest) in stored.items():
        if kind == "module" and name == "numpy":
            namespace[name] = np
        elif kind == "numpy" and rest == [name] and callable(getattr(np, name, None)) \
                and not name.startswith("_"):
            namespace[name] = getattr(np, name)
        elif kind == "number" and len(rest) == 1:
            namespace[name] = complex(rest[0]) if "j" in rest[0] else float(rest[0])
        else:
            raise SnapshotError(f"stored name {name!r} = {[kind, *rest]!r} is not allowed")
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED_NODES):
            raise SnapshotError(f"{type(node).__name__} is not allowed in a stored function")
        if isinstance(node, ast.Constant) and (isinstance(node.value, bool) or not isinstance(
                node.value, (int, float, complex))):
            raise SnapshotError(f"constant {node.value!r} is not a number")
        if isinstance(node, ast.Attribute) and not (
                isinstance(node.value, ast.Name) and node.value.id == "numpy"
                and "numpy" in namespace and not node.attr.startswith("_")
                and callable(getattr(np, node.attr, None))):
            raise SnapshotError(f"attribute {ast.unparse(node)!r} is not a numpy function")
        if isinstance(node, ast.Name) and node.id not in args and node.id not in namespace:
            raise SnapshotError(f"unknown name {node.id!r}")
        if isinstance(node, ast.Call) and node.keywords:
            raise SnapshotError("keyword arguments are not allowed in a stored function")
    lam = ast.Expression(ast.Lambda(
        args=ast.arguments(posonlyargs=[], args=[ast.arg(a) for a in args], kwonlyargs=[],
                           kw_defaults=[], defaults=[]), body=tree.body))
    code = compile(ast.fix_missing_locations(lam), "<rlcert snapshot>", "eval")
    return eval(code, namespace)  # noqa: S307 -- grammar checked above, no builtins


def _numeric_entry(comp: _Compiled) -> dict[str, Any]:
    return {"scalars": list(comp.scalars), "vectors": list(comp.vectors),
            "main": _function_spec(comp.main),
            "sums": [{"fn": _function_spec(fn), "vectors": list(names)} for fn, names in comp.sums],
            "conditions": [None if fn is None else {"fn": _function_spec(fn),
                                                    "names": list(names)}
                           for _, fn, names in comp.conditions]}


def _trivial_entry(card) -> dict[str, Any] | None:
    from .compare import trivial_function

    compiled = trivial_function(card)
    if compiled is None:
        return None
    names, fn = compiled
    return {"names": list(names), "fn": _function_spec(fn)}


def compile_entry(view: CardView, numeric: dict[str, Any]) -> _Compiled:
    """The compiled form (as :func:`rlcert.bounds.evaluate.resolve` returns it) of a snapshot
    entry's numeric part."""
    try:
        sums = tuple((_restore(s["fn"]), tuple(s["vectors"])) for s in numeric["sums"])
        if len(numeric["conditions"]) != len(view.domain):
            raise SnapshotError("the stored conditions do not match the domain")
        conds: list[tuple[Any, Callable | None, tuple[str, ...]]] = []
        for cond, stored in zip(view.domain, numeric["conditions"]):
            if cond.symbol is not None:
                conds.append((cond, None, (cond.symbol,)))
            else:
                conds.append((cond, _restore(stored["fn"]), tuple(stored["names"])))
        return _Compiled(tuple(numeric["scalars"]), tuple(numeric["vectors"]),
                         _restore(numeric["main"]), sums, tuple(conds))
    except (KeyError, TypeError) as exc:
        raise SnapshotError(f"malformed numeric entry for {view.card_id}: {exc}") from None


# -- the snapshot ----------------------------------------------------------------------------------
class Snapshot:
    """The catalog as the command line reads it: :meth:`cards`, :meth:`search`, :meth:`get` and
    :meth:`compiled` mirror :func:`rlcert.theory.cards`, :func:`rlcert.theory.search`,
    :func:`rlcert.theory.get` and :func:`rlcert.bounds.evaluate.resolve`.

    Parameters
    ----------
    key : str
        The hash the snapshot was built for (:func:`source_key`).
    entries : dict
        Card id to entry.
    """

    def __init__(self, key: str, entries: dict[str, dict[str, Any]]):
        self.key = key
        self.entries = entries
        self._views = {cid: CardView(e) for cid, e in entries.items()}
        self._compiled: dict[str, _Compiled | None] = {}

    def __len__(self) -> int:
        return len(self._views)

    def cards(self, setting: str | None = None, kind: str | None = None,
              constants: str | None = None) -> list[CardView]:
        """Cards filtered by setting, kind and constants, sorted by id (the filters'
        values are checked as :func:`rlcert.theory.cards` checks them)."""
        bad = filter_error(setting, kind, constants)
        if bad:
            raise BoundError(bad)
        return [v for _, v in sorted(self._views.items())
                if (setting is None or v.setting == setting) and (kind is None or v.kind == kind)
                and (constants is None or v.constants == constants)]

    def search(self, text: str) -> list[CardView]:
        """Cards whose search text contains every word of ``text`` (case-insensitive)."""
        return [v for _, v in sorted(self._views.items()) if matches_words(v.search_text(), text)]

    def get(self, card_id: str) -> CardView | None:
        """The card ``card_id``, or None when the snapshot does not have it."""
        return self._views.get(card_id)

    def compiled(self, card_id: str) -> _Compiled | None:
        """The card's compiled functions, or None when the snapshot has no numeric part for it
        (then :func:`rlcert.bounds.evaluate` compiles it with sympy)."""
        if card_id not in self._compiled:
            view, numeric = self._views.get(card_id), None
            if view is not None:
                numeric = self.entries[card_id].get("numeric")
            self._compiled[card_id] = (None if view is None or numeric is None
                                       else compile_entry(view, numeric))
        return self._compiled[card_id]

    def trivial(self, card_id: str) -> tuple[list[str], Callable] | None:
        """The card's compiled trivial bound ``(names, fn)`` (as
        :func:`rlcert.bounds.compare.trivial_function`), or None when it has none. Only for a card
        whose :meth:`compiled` is not None."""
        stored = self.entries[card_id]["numeric"]["trivial"]
        return None if stored is None else (list(stored["names"]), _restore(stored["fn"]))


def _source_files() -> list[Path]:
    import rlcert.theory

    theory_dir = Path(rlcert.theory.__file__).parent
    here = Path(__file__).parent
    return (sorted(theory_dir.glob("*.py")) + sorted((theory_dir / "catalog").glob("*.py"))
            + [here / "evaluate.py", here / "snapshot.py"])


def source_key() -> str:
    """The hash a snapshot file is keyed by: the format number, the versions of rlcert and
    sympy (its ``release.py``), and the bytes of every source file the snapshot is derived from."""
    import importlib.util

    from rlcert.proofs_checks._version import __version__

    h = hashlib.sha256(f"{SNAPSHOT_FORMAT}|{__version__}|".encode())
    spec = importlib.util.find_spec("sympy")  # sympy's release file, read, not imported
    release = (Path(spec.origin).parent / "release.py" if spec is not None and spec.origin
               else None)
    h.update(release.read_bytes() if release is not None and release.is_file() else b"no-sympy")
    for path in _source_files():
        h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def cache_dir() -> Path:
    """The folder snapshot files are written to (``RLCERT_CACHE_DIR``, else
    ``$XDG_CACHE_HOME/rlcert``, else ``~/.cache/rlcert``)."""
    chosen = os.environ.get("RLCERT_CACHE_DIR")
    if chosen:
        return Path(chosen)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "rlcert"


def _probe_points(card, comp: _Compiled) -> list[dict[str, Any]]:
    """The card's example, and the example with every scalar scaled by 1.5 (kept only when it is
    still in the domain): the points where a snapshot function must equal lambdify's."""
    example = {k: (np.asarray(v, dtype=float) if isinstance(v, (list, tuple)) else float(v))
               for k, v in dict(card.example).items()}
    second = {k: (v * 1.5 if k in comp.scalars and isinstance(v, float) and k != "gamma"
                  and k != "delta" else v) for k, v in example.items()}
    return [example, second]


def _same(a: Any, b: Any) -> bool:
    x, y = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return x.shape == y.shape and bool(np.all((x == y) | (np.isnan(x) & np.isnan(y))))


def _agrees(card, comp: _Compiled, fast: _Compiled) -> bool:
    """True when the snapshot's functions give what lambdify's give at the probe points (the same
    value bit for bit, or the same error message)."""
    from .evaluate import evaluate_compiled

    for point in _probe_points(card, comp):
        outcomes: list[tuple[str, Any]] = []
        for c in (comp, fast):
            try:
                outcomes.append(("value", evaluate_compiled(card, c, True, point)))
            except BoundError as exc:
                outcomes.append(("error", str(exc)))
        (k1, v1), (k2, v2) = outcomes
        if k1 != k2 or (k1 == "value" and not _same(v1, v2)) or (k1 == "error" and v1 != v2):
            return False
    return True


def _trivial_agrees(card, stored: dict[str, Any] | None) -> bool:
    """True when the stored trivial bound gives lambdify's value at the card's example (or there
    is none)."""
    from .compare import _trivial, trivial_value

    if stored is None:
        return card.trivial is None
    example = {k: v for k, v in dict(card.example).items() if not isinstance(v, (list, tuple))}
    slow = _trivial(card, example)
    fast = trivial_value((stored["names"], _restore(stored["fn"])), example)
    if slow is None or fast is None:
        return slow is None and fast is None
    return _same(slow, fast)


def build(key: str | None = None) -> Snapshot:
    """A snapshot of the whole catalog, built with sympy (see the module docstring)."""
    from rlcert import theory

    from .evaluate import _compile

    entries: dict[str, dict[str, Any]] = {}
    for card in theory.cards():
        entry: dict[str, Any] = {
            "dict": card.to_dict(), "describe": card.describe(), "search": card.search_text(),
            "domain": [{"text": c.text, "symbol": c.symbol,
                        "lower": None if c.lower is None else float(c.lower),
                        "upper": None if c.upper is None else float(c.upper),
                        "lower_open": bool(c.lower_open), "upper_open": bool(c.upper_open)}
                       for c in card.domain],
            "numeric": None}
        comp = _compile(card.card_id)
        try:
            numeric = _numeric_entry(comp)
            numeric["trivial"] = _trivial_entry(card)
            fast = compile_entry(CardView(entry), numeric)
            if _agrees(card, comp, fast) and _trivial_agrees(card, numeric["trivial"]):
                entry["numeric"] = numeric
        except SnapshotError:
            pass
        entries[card.card_id] = json.loads(json.dumps(entry))  # exactly what a file would hold
    return Snapshot(key or source_key(), entries)


def _digest(entries: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(entries, sort_keys=True).encode()).hexdigest()


def _read(path: Path, key: str) -> Snapshot | None:
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        if (data.get("format") != SNAPSHOT_FORMAT or data.get("key") != key
                or data.get("digest") != _digest(data["entries"])):
            return None
        return Snapshot(key, data["entries"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def _write(path: Path, snap: Snapshot) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump({"format": SNAPSHOT_FORMAT, "key": snap.key, "digest": _digest(snap.entries),
                       "entries": snap.entries}, f)
        os.replace(tmp, path)  # atomic: a reader sees the old file or the new one
    except OSError:
        pass  # an unwritable cache folder only costs speed


def load(*, build_if_missing: bool = True) -> Snapshot | None:
    """The snapshot for the installed sources: read from the cache file when one matches
    :func:`source_key`, else (``build_if_missing``) built with :func:`build` and written.
    None when ``RLCERT_NO_SNAPSHOT`` is set to anything but ``0``/empty, or when no matching file
    exists and ``build_if_missing`` is False."""
    if os.environ.get("RLCERT_NO_SNAPSHOT", "") not in ("", "0"):
        return None
    key = source_key()
    path = cache_dir() / f"{_FILE_PREFIX}{key[:32]}.json"
    snap = _read(path, key)
    if snap is None and build_if_missing:
        snap = build(key)
        _write(path, snap)
    return snap


class SnapshotCatalog:
    """A snapshot read as :func:`rlcert.bounds.compare.compare_cards` reads a catalog: cards,
    values and trivial bounds from the snapshot, each falling back to sympy for a card the
    snapshot has no numbers for (an unknown id raises :class:`rlcert.theory.UnknownCardError`)."""

    def __init__(self, snap: Snapshot):
        self.snap = snap

    def get(self, card_id: str) -> Any:
        view = self.snap.get(card_id) if isinstance(card_id, str) else None
        if view is not None and self.snap.compiled(card_id) is not None:
            return view
        from rlcert.theory import get

        return get(card_id)

    def evaluate(self, card: Any, params: dict) -> float:
        from .evaluate import evaluate, evaluate_compiled

        if isinstance(card, CardView):
            comp = self.snap.compiled(card.card_id)
            assert comp is not None  # get() returns views with numbers only
            return float(evaluate_compiled(card, comp, False, params))
        return float(evaluate(card.card_id, **params))

    def trivial(self, card: Any, params: dict) -> float | None:
        from .compare import _trivial, trivial_value

        if isinstance(card, CardView):
            return trivial_value(self.snap.trivial(card.card_id), params)
        return _trivial(card, params)


__all__ = ["Snapshot", "SnapshotCatalog", "CardView", "DomainCondition", "SnapshotError", "load", "build",
           "source_key", "cache_dir", "compile_entry", "SNAPSHOT_FORMAT"]
