"""The compiled snapshot of the catalog (rlcert.bounds.snapshot): the command line's numbers
without sympy must be the library's numbers, and a cache file is data, never trusted code.

The second method each snapshot result is held against is the sympy path of
:func:`rlcert.bounds.evaluate` / :func:`rlcert.theory.get` on the same card.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pytest

from rlcert import bounds, theory
from rlcert.bounds import snapshot
from rlcert.bounds.evaluate import BoundError, _bisect, evaluate_compiled, invert_compiled


@pytest.fixture(scope="module")
def snap() -> snapshot.Snapshot:
    return snapshot.build()


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("RLCERT_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("RLCERT_NO_SNAPSHOT", raising=False)
    return tmp_path


def _example(card) -> dict:
    return {k: (list(v) if isinstance(v, (list, tuple)) else v) for k, v in card.example.items()}


# -- the snapshot says what the catalog says -------------------------------------------------------
def test_every_card_is_in_the_snapshot_with_its_numbers(snap):
    """No card falls back to sympy: each has a numeric part that passed the build's probe."""
    ids = [c.card_id for c in theory.cards()]
    assert sorted(snap.entries) == ids
    assert all(snap.compiled(cid) is not None for cid in ids)


def test_snapshot_values_equal_the_sympy_values_bit_for_bit(snap):
    """At each card's example and at points around it (scalars times 0.5, 2 and 10, clipped
    into (0, 1) for probabilities and discounts)."""
    for card in theory.cards():
        view, comp = snap.get(card.card_id), snap.compiled(card.card_id)
        for scale in (1.0, 0.5, 2.0, 10.0):
            point = {}
            for k, v in _example(card).items():
                if isinstance(v, list) or scale == 1.0:
                    point[k] = v
                elif k in ("gamma", "delta", "tau", "eps", "rho", "c_min"):
                    point[k] = v ** scale if 0 < v < 1 else v
                else:
                    point[k] = v * scale
            try:
                want = ("value", bounds.evaluate(card.card_id, continuous=True, **point))
            except BoundError as exc:
                want = ("error", str(exc))
            try:
                got = ("value", evaluate_compiled(view, comp, True, point))
            except BoundError as exc:
                got = ("error", str(exc))
            assert got[0] == want[0], (card.card_id, point, got, want)
            if got[0] == "error":
                assert got[1] == want[1]
            else:
                assert np.array_equal(np.asarray(got[1]), np.asarray(want[1]), equal_nan=True), \
                    (card.card_id, point)


def test_vector_grids_and_errors_are_the_same(snap):
    cid = "bandit.ucb1.upper"
    view, comp = snap.get(cid), snap.compiled(cid)
    grid = dict(n=np.array([[1e3], [1e5]]), Delta=[0.1, 0.3, 0.5])
    assert np.array_equal(evaluate_compiled(view, comp, False, grid), bounds.evaluate(cid, **grid))
    for bad in (dict(n=10.5, Delta=[0.1]), dict(n=100), dict(n=100, Delta=[0.1], k=3),
                dict(n=100, Delta=[1.5]), dict(n=float("nan"), Delta=[0.1])):
        with pytest.raises(BoundError) as slow:
            bounds.evaluate(cid, **bad)
        with pytest.raises(BoundError) as fast:
            evaluate_compiled(view, comp, False, bad)
        assert str(fast.value) == str(slow.value)


def test_relation_conditions_are_checked_from_the_snapshot(snap):
    """A card whose domain has a relation between symbols (not an interval) refuses the same
    points through the snapshot."""
    with_relation = [c for c in theory.cards() if any(d.symbol is None for d in c.domain)]
    assert with_relation
    card = with_relation[0]
    cond = next(d for d in card.domain if d.symbol is None)
    view, comp = snap.get(card.card_id), snap.compiled(card.card_id)
    point = dict(_example(card))
    names = cond.names
    # push the first scalar of the relation to both extremes: one of them breaks it
    for factor in (1e-12, 1e12):
        p = dict(point, **{names[0]: point[names[0]] * factor})
        try:
            bounds.evaluate(card.card_id, continuous=True, **p)
            continue
        except BoundError as exc:
            slow = str(exc)
        with pytest.raises(BoundError) as fast:
            evaluate_compiled(view, comp, True, p)
        assert str(fast.value) == slow
        return
    pytest.fail(f"no probe broke {cond.text!r} of {card.card_id}")


def test_inversions_are_the_same_and_the_closed_form(snap):
    """Hoeffding's width sqrt(b^2 ln(2/delta) / (2 n)) = w solves to n = b^2 ln(2/delta) / (2 w^2)."""
    cid = "concentration.hoeffding"
    view, comp = snap.get(cid), snap.compiled(cid)
    n_fast = invert_compiled(view, comp, "n", 0.1, False, dict(delta=0.05, b=1.0))
    n_slow = bounds.invert(cid, "n", 0.1, delta=0.05, b=1.0)
    exact = math.log(2 / 0.05) / (2 * 0.1 ** 2)
    assert n_fast == n_slow
    assert abs(n_fast - exact) <= 1e-12 * exact
    assert invert_compiled(view, comp, "n", 0.1, True, dict(delta=0.05, b=1.0)) == math.ceil(exact)


@pytest.mark.parametrize("shift", [0.3, 1e-9, 2.0 ** -40])
def test_bisection_brackets_the_root_to_its_tolerance(shift):
    """The root of log(t) - log(r) is log(r); bisection from either orientation."""
    root = 1.0 + shift
    f = lambda t: math.log(t) - math.log(root)  # noqa: E731
    for a, b in ((0.5, 3.0), (3.0, 0.5)):
        t = _bisect(f, a, b, f(a))
        assert abs(t - root) <= 1e-15 + 8 * np.finfo(float).eps * abs(root)


def test_views_print_what_the_cards_print(snap):
    for card in theory.cards():
        view = snap.get(card.card_id)
        assert view.to_dict() == json.loads(json.dumps(card.to_dict()))
        assert view.describe() == card.describe()
        assert view.latex() == card.latex()
        assert view.search_text() == card.search_text()
        assert view.parameters() == card.parameters()
        for c, v in zip(card.domain, view.domain, strict=True):
            assert (v.text, v.symbol, v.lower, v.upper, v.lower_open, v.upper_open) == (
                c.text, c.symbol, c.lower, c.upper, c.lower_open, c.upper_open)


@pytest.mark.parametrize("filters", [{}, {"setting": "bandit"}, {"kind": "lower"},
                                     {"constants": "explicit", "setting": "episodic"}])
def test_filters_and_search_are_the_catalogs(snap, filters):
    assert [v.card_id for v in snap.cards(**filters)] == [
        c.card_id for c in theory.cards(**filters)]
    for words in ("regret", "UCB", "azar lower", "no-such-word"):
        assert [v.card_id for v in snap.search(words)] == [c.card_id for c in theory.search(words)]
    with pytest.raises(ValueError, match="setting='nope'"):
        snap.cards(setting="nope")


# -- the cache file ---------------------------------------------------------------------------------
def test_load_writes_then_reads_the_file(cache):
    first = snapshot.load()
    files = list(cache.glob("catalog-*.json"))
    assert len(files) == 1 and first is not None
    again = snapshot.load(build_if_missing=False)
    assert again is not None and again.entries == first.entries


def test_a_file_for_other_sources_or_with_a_bad_digest_is_not_used(cache):
    snapshot.load()
    path = next(cache.glob("catalog-*.json"))
    data = json.loads(path.read_text())
    data["key"] = "0" * 64
    path.write_text(json.dumps(data))
    assert snapshot.load(build_if_missing=False) is None
    snapshot.load()  # rebuilt
    data = json.loads(path.read_text())
    data["entries"]["concentration.hoeffding"]["dict"]["title"] = "edited"
    path.write_text(json.dumps(data))
    assert snapshot.load(build_if_missing=False) is None
    path.write_text("{not json")
    assert snapshot.load(build_if_missing=False) is None


def test_the_snapshot_can_be_turned_off(cache, monkeypatch):
    monkeypatch.setenv("RLCERT_NO_SNAPSHOT", "1")
    assert snapshot.load() is None
    assert not list(cache.glob("catalog-*.json"))


def test_a_changed_source_changes_the_key(monkeypatch, tmp_path):
    """Editing a catalog file must invalidate the snapshot: the key hashes the sources."""
    key = snapshot.source_key()
    files = snapshot._source_files()
    assert any(p.parent.name == "catalog" for p in files)
    fake = tmp_path / files[-1].name
    fake.write_bytes(files[-1].read_bytes() + b"# edited\n")
    monkeypatch.setattr(snapshot, "_source_files", lambda: files[:-1] + [fake])
    assert snapshot.source_key() != key


# -- a stored function is data: the grammar -------------------------------------------------------
def _spec(expr: str, names=None, args=("n",)) -> dict:
    return {"args": list(args), "expr": expr, "names": names or {}}


@pytest.mark.parametrize("expr,names", [
    ("__import__('os').system('true')", {}),
    ("n.__class__", {}),
    ("open", {}),
    ("numpy.load('x')", {"numpy": ["module"]}),  # refused: a string constant
    ("numpy._core", {"numpy": ["module"]}),
    ("sqrt(n, out=n)", {"sqrt": ["numpy", "sqrt"]}),
    ("[x for x in n]", {}),
    ("lambda: n", {}),
    ("n if n else n", {}),
    ("f(n)", {"f": ["numpy", "sqrt"]}),  # a name that is not the numpy function's own
    ("e * n", {"e": ["number", "__import__('os')"]}),
    ("True + n", {}),
])
def test_stored_functions_outside_the_grammar_are_refused(expr, names):
    with pytest.raises((snapshot.SnapshotError, ValueError)):
        snapshot._restore(_spec(expr, names))


def test_stored_functions_inside_the_grammar_evaluate_without_builtins():
    fn = snapshot._restore(_spec("2*sqrt(n)/log(n) + numpy.exp(-n) + I*0",
                                 {"sqrt": ["numpy", "sqrt"], "log": ["numpy", "log"],
                                  "numpy": ["module"], "I": ["number", "1j"]}))
    n = 3.0
    assert fn(n) == 2 * math.sqrt(n) / math.log(n) + math.exp(-n) + 0j
    assert fn.__globals__["__builtins__"] == {}


def test_a_tampered_file_is_ignored_not_run(cache):
    snapshot.load()
    path = next(cache.glob("catalog-*.json"))
    data = json.loads(path.read_text())
    entry = data["entries"]["concentration.hoeffding"]["numeric"]["main"]
    entry["expr"] = "__import__('os').system('echo pwned')"
    data["digest"] = snapshot._digest(data["entries"])  # a consistent digest: the grammar stops it
    path.write_text(json.dumps(data))
    snap = snapshot.load(build_if_missing=False)
    assert snap is not None
    with pytest.raises(snapshot.SnapshotError):
        snap.compiled("concentration.hoeffding")


# -- the command line ------------------------------------------------------------------------------
def _run_cli(argv: list[str], env: dict) -> tuple[str, set[str]]:
    code = ("import sys\nfrom rlcert.proofs_checks.cli import main\n"
            "try:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
            "sys.stdout.flush()\nprint('\\n'.join(sorted(sys.modules)), file=sys.stderr)")
    proc = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True,
                          timeout=120, env=env)
    return proc.stdout, set(proc.stderr.split())


@pytest.mark.parametrize("argv", [
    ["bounds", "eval", "bandit.ucb1.upper", "--n", "1e5", "--Delta", "0.1,0.3"],
    ["bounds", "show", "regret.ucrl2.upper", "--format", "latex"],
    ["bounds", "list", "--setting", "bandit", "--search", "regret"],
    ["bounds", "invert", "concentration.weissman_l1", "--solve-for", "n", "--value", "0.1",
     "--integer", "--S", "10", "--delta", "0.05"],
    ["bounds", "compare", "regret.ucbvi_bf.upper", "regret.episodic_stationary.lower", "--H", "20",
     "--S", "6", "--A", "2", "--T", "1e6", "--convert-T", "steps", "--format", "json"],
])
def test_bounds_commands_with_a_snapshot_import_no_sympy_and_print_the_same(argv, tmp_path):
    import os

    env = dict(os.environ, RLCERT_CACHE_DIR=str(tmp_path))
    env.pop("RLCERT_NO_SNAPSHOT", None)
    first, loaded_first = _run_cli(argv, env)  # builds the snapshot (with sympy)
    warm, loaded = _run_cli(argv, env)
    cold, _ = _run_cli(argv, dict(env, RLCERT_NO_SNAPSHOT="1"))
    assert "sympy" in loaded_first and "sympy" not in loaded and "scipy" not in loaded
    assert warm == first == cold and warm.strip()


def test_the_build_probe_rejects_a_function_off_by_one_ulp(snap):
    """The guard that keeps a mis-generated function out of a snapshot file."""
    from dataclasses import replace

    card = theory.get("concentration.hoeffding")
    comp = snap.compiled(card.card_id)
    assert snapshot._agrees(card, comp, comp)
    off = replace(comp, main=lambda *a: np.nextafter(comp.main(*a), np.inf))
    assert not snapshot._agrees(card, comp, off)


@pytest.mark.parametrize("argv", [
    ["bounds", "eval", "bandit.ucb1.upper", "--n", "10.5", "--Delta", "0.1"],
    ["bounds", "eval", "bandit.ucb1.upper", "--n", "100"],
    ["bounds", "eval", "no.such.card", "--n", "100"],
    ["bounds", "show", "regret.ucrl2.uper"],
])
def test_bad_input_gets_the_same_message_with_and_without_the_snapshot(argv, tmp_path):
    import os

    env = dict(os.environ, RLCERT_CACHE_DIR=str(tmp_path))
    env.pop("RLCERT_NO_SNAPSHOT", None)
    runs = [subprocess.run([sys.executable, "-m", "rlcert.proofs_checks.cli", *argv],
                           capture_output=True, text=True, timeout=120, env=e)
            for e in (env, env, dict(env, RLCERT_NO_SNAPSHOT="1"))]
    assert all(r.returncode == 2 for r in runs), [r.stderr for r in runs]
    assert runs[0].stderr == runs[1].stderr == runs[2].stderr and runs[0].stderr.strip()


# -- comparisons through the snapshot ----------------------------------------------------------------
@pytest.mark.parametrize("ids,params,T_unit", [
    (["regret.ucrl2.upper", "regret.ucrl2.lower"], dict(D=10, S=6, A=2, T=1e7, delta=0.05), None),
    (["regret.ucbvi_ch.upper"], dict(T=1, S=1, A=1, H=1), None),  # at its trivial bound
    (["regret.ucbvi_ch.upper"], dict(T=4, S=1, A=1, H=1), None),
    (["regret.ucbvi_bf.upper", "regret.episodic_stationary.lower"],
     dict(H=20, S=6, A=2, T=1e6), None),  # units differ
    (["regret.ucbvi_bf.upper", "regret.episodic_stationary.lower"],
     dict(H=20, S=6, A=2, T=1e6), "steps"),
    (["concentration.hoeffding", "concentration.bernstein", "bandit.ucb1.upper"],
     dict(n=100, delta=0.05, b=1.0, sigma2=0.1), None),  # one card misses a parameter
])
def test_comparisons_from_the_snapshot_are_the_catalogs(snap, ids, params, T_unit):
    from rlcert.bounds.compare import compare, compare_cards

    fast = compare_cards(snapshot.SnapshotCatalog(snap), ids, T_unit, params)
    slow = compare(ids, T_unit=T_unit, **params)
    assert fast.rows == slow.rows and fast.params == slow.params


def test_every_trivial_bound_is_in_the_snapshot(snap):
    from rlcert.bounds.compare import _trivial

    with_trivial = [c for c in theory.cards() if c.trivial is not None]
    assert with_trivial
    for card in with_trivial:
        names, fn = snap.trivial(card.card_id)
        point = {n: 3.0 + k for k, n in enumerate(names)}
        assert fn(*point.values()) == _trivial(card, point)
        assert snap.get(card.card_id).trivial == card.to_dict()["trivial"]
    assert all(snap.trivial(c.card_id) is None for c in theory.cards() if c.trivial is None)


def test_the_build_probe_rejects_a_wrong_trivial_bound():
    card = theory.get("regret.ucbvi_ch.upper")
    good = snapshot._trivial_entry(card)
    assert snapshot._trivial_agrees(card, good)
    bad = dict(good, fn=dict(good["fn"], expr="2*(" + good["fn"]["expr"] + ")"))
    assert not snapshot._trivial_agrees(card, bad)
    assert not snapshot._trivial_agrees(card, None)


def test_a_card_whose_stored_functions_disagree_is_left_to_sympy(monkeypatch):
    """The build drops the numbers of a card whose stored trivial bound is off, and the catalog
    view then falls back to the sympy card for it (same comparison)."""
    from rlcert.bounds.compare import compare, compare_cards

    real = snapshot._trivial_entry

    def off(card):
        entry = real(card)
        if card.card_id == "regret.ucbvi_ch.upper":
            entry = dict(entry, fn=dict(entry["fn"], expr="2*(" + entry["fn"]["expr"] + ")"))
        return entry

    monkeypatch.setattr(snapshot, "_trivial_entry", off)
    snap = snapshot.build()
    assert snap.compiled("regret.ucbvi_ch.upper") is None
    assert snap.compiled("regret.ucrl2.upper") is not None
    cat = snapshot.SnapshotCatalog(snap)
    assert isinstance(cat.get("regret.ucbvi_ch.upper"), theory.Card)
    params = dict(T=1, S=1, A=1, H=1)
    assert compare_cards(cat, ["regret.ucbvi_ch.upper"], None, params).rows == compare(
        ["regret.ucbvi_ch.upper"], **params).rows
