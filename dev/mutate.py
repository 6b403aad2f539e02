"""Mutation testing of one module at a time, against only the tests that target it.

Run ``python dev/mutate.py MODULE [--tests TEST_FILES...] [--max N] [--seed S]``, e.g.
``python dev/mutate.py estimators/episodic/bonuses.py --max 50``. Without ``--tests`` the test
files come from ``[tool.rlcert-mutation.modules]`` in ``pyproject.toml``. ``--list`` prints the
mutants without running them; ``--ids 3,17`` runs those mutants only (ids are positions in the
deterministic enumeration of the module's current source, or their keys); ``--survivors-of
A.json`` re-runs the survivors of a saved run (after tests were added); ``--summary A.json
B.json`` prints the per-module table of saved runs (a later run of a mutant, matched by key,
replaces an earlier one). Not run in CI (minutes per module).

**Isolation.** The script never writes into the checkout. It copies the repository (``git ls-files``:
the tracked files with their working-tree content, plus the untracked, not-ignored files of the
package folders, ``tests/`` and ``dev/``) into a private ``tempfile.mkdtemp`` directory, and builds
the installed layout there: ``<tmp>/site/rlcert/<name>`` is a symlink to the copy's folder, for every
``package-dir`` entry of ``[tool.setuptools]``. Tests run with ``<tmp>/site`` first on
``PYTHONPATH``: the path finder then resolves ``rlcert.X`` to the copy before the editable install's
finder (appended to ``sys.meta_path``) is asked. Two checks at every start, both must pass or the
run stops: the module, imported as the tests import it, has its ``__file__`` in the copy; and the
module with a ``raise`` planted at import makes the test run fail.

**Mutants** (a small AST mutator, one change per mutant, the changed expression re-printed in
parentheses in place): comparisons (``<`` to ``<=`` and ``>=``, ``==`` to ``!=``, ...; ``is`` /
``is not``, ``in`` / ``not in``), arithmetic (``+``/``-``, ``*``/``/``, ``//`` and ``**`` to ``*``,
also in ``+=`` etc.), a sum without one of its terms, unary minus and ``not`` dropped, numeric
constants (``c + 1``, ``2 c``, ``0 <-> 1``), ``and``/``or``, ``min``/``max``, ``True``/``False``,
``return x`` to ``return -x`` for numeric-looking ``x`` (an arithmetic expression, a number, a call
of ``min``/``max``/``abs``/``float``/``int``/``math.*``), ``range`` bounds off by one. Never mutated:
strings (docstrings, error messages, f-strings), annotations, imports, decorators, ``__all__``.
Mutants are enumerated in source order and de-duplicated by their resulting source; ``--max N``
samples N of them with ``random.Random(seed)``.

**Each run**: the module's target tests with ``-x -q -p no:cacheprovider``,
``HYPOTHESIS_PROFILE=ci``, ``PYTHONDONTWRITEBYTECODE=1``, and a timeout (a mutant that hangs is
*killed by timeout*, reported as such). A failing test or an error at collection (e.g. a numba
typing error) kills. numba's ``cache=True`` only checks the stamp of the kernel's own file, so a
kernel in another file that calls a mutated kernel would load its stale compiled copy: before each
mutant the script deletes the cache files (``*.nbi``, ``*.nbc``) of the mutated file and of every
file that imports it, directly or not (import graph of the copy), and afterwards restores the
unmutated caches (saved after a baseline run of the unmutated copy, which must pass).

**Output**: a JSON file (every mutant: id, key, line, operator, the changed source, status, the
first failing test, seconds) and a markdown table (module, mutants sampled of enumerated, killed,
equivalent, survived non-equivalent, kill rate of the non-equivalent). Survivors judged
equivalent are listed by key under ``[tool.rlcert-mutation.equivalent]`` in ``pyproject.toml``
(the reason is in ``dev/MUTATION.md``).
"""

from __future__ import annotations

import argparse
import ast
import copy
import hashlib
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import tomllib
from dataclasses import asdict, dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PYTEST_ARGS = ["-x", "-q", "-p", "no:cacheprovider"]
SENTINEL = "rlcert-mutate-import-check"


# -- configuration ----------------------------------------------------------------------------------
def load_config(repo: Path) -> dict:
    with open(repo / "pyproject.toml", "rb") as fh:
        data = tomllib.load(fh)
    return {"package_dir": data["tool"]["setuptools"]["package-dir"],
            "mutation": data["tool"].get("rlcert-mutation", {})}


# -- mutants ----------------------------------------------------------------------------------------
@dataclass
class Mutant:
    id: int
    key: str
    line: int
    col: int
    operator: str
    original: str
    replacement: str
    source: str = field(repr=False, default="")


_CMP = {ast.Lt: [ast.LtE, ast.GtE], ast.LtE: [ast.Lt, ast.Gt], ast.Gt: [ast.GtE, ast.LtE],
        ast.GtE: [ast.Gt, ast.Lt], ast.Eq: [ast.NotEq], ast.NotEq: [ast.Eq],
        ast.Is: [ast.IsNot], ast.IsNot: [ast.Is], ast.In: [ast.NotIn], ast.NotIn: [ast.In]}
_ARITH = {ast.Add: [ast.Sub], ast.Sub: [ast.Add], ast.Mult: [ast.Div], ast.Div: [ast.Mult],
          ast.FloorDiv: [ast.Mult], ast.Pow: [ast.Mult], ast.Mod: [ast.Mult]}
_NUMERIC_CALLS = {"min", "max", "abs", "float", "int", "sum"}


def _numeric_constant(node) -> bool:
    return (isinstance(node, ast.Constant) and isinstance(node.value, (int, float))
            and not isinstance(node.value, bool))


def _constant_variants(v):
    out = []
    if v == 0:
        out.append(type(v)(1))
    elif v == 1:
        out.append(type(v)(0))
    out += [v + 1, 2 * v]
    seen, res = set(), []
    for w in out:
        if w != v and repr(w) not in seen:
            seen.add(repr(w))
            res.append(w)
    return res


def _numeric_looking(node) -> bool:
    if isinstance(node, ast.BinOp) or _numeric_constant(node):
        return True
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return True
    if isinstance(node, ast.Call):
        f = node.func
        if isinstance(f, ast.Name) and f.id in _NUMERIC_CALLS:
            return True
        if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id == "math":
            return True
    return False


class _Collector(ast.NodeVisitor):
    """Every (node, replacement node, operator name) of a module, in source order."""

    def __init__(self):
        self.found: list[tuple[ast.AST, ast.AST, str]] = []

    def add(self, node, new, op):
        self.found.append((node, new, op))

    # never mutated
    def visit_JoinedStr(self, node):
        return

    def visit_Import(self, node):
        return

    def visit_ImportFrom(self, node):
        return

    def visit_AnnAssign(self, node):
        if node.value is not None:
            self.visit(node.value)

    def visit_Assign(self, node):
        if any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
            return
        for t in node.targets:  # subscripts' indices in targets are expressions too
            if not isinstance(t, ast.Name):
                self.visit(t)
        self.visit(node.value)

    def _visit_function(self, node):
        for d in node.args.defaults + [d for d in node.args.kw_defaults if d is not None]:
            self.visit(d)
        body = node.body
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                and isinstance(body[0].value.value, str):
            body = body[1:]
        for stmt in body:
            self.visit(stmt)

    visit_FunctionDef = visit_AsyncFunctionDef = _visit_function

    def visit_ClassDef(self, node):
        body = node.body
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
            body = body[1:]
        for stmt in body:
            self.visit(stmt)

    def visit_Raise(self, node):
        return  # the raise itself and its message; the condition that leads here is mutated

    # mutated
    def visit_Compare(self, node):
        for i, op in enumerate(node.ops):
            for new_op in _CMP.get(type(op), []):
                new = copy.deepcopy(node)
                new.ops[i] = new_op()
                self.add(node, new, f"compare {type(op).__name__}->{new_op.__name__}")
        self.generic_visit(node)

    def visit_BinOp(self, node):
        for new_op in _ARITH.get(type(node.op), []):
            new = copy.deepcopy(node)
            new.op = new_op()
            self.add(node, new, f"arith {type(node.op).__name__}->{new_op.__name__}")
        if isinstance(node.op, (ast.Add, ast.Sub)):
            self.add(node, copy.deepcopy(node.left), "drop term (right)")
            if isinstance(node.op, ast.Add):
                self.add(node, copy.deepcopy(node.right), "drop term (left)")
        self.generic_visit(node)

    def visit_AugAssign(self, node):
        for new_op in _ARITH.get(type(node.op), []):
            new = copy.deepcopy(node)
            new.op = new_op()
            self.add(node, new, f"augassign {type(node.op).__name__}->{new_op.__name__}")
        self.visit(node.target)
        self.visit(node.value)

    def visit_UnaryOp(self, node):
        if isinstance(node.op, (ast.USub, ast.Not)):
            self.add(node, copy.deepcopy(node.operand), f"drop unary {type(node.op).__name__}")
        self.generic_visit(node)

    def visit_BoolOp(self, node):
        new = copy.deepcopy(node)
        new.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()
        self.add(node, new, f"boolop {type(node.op).__name__}->{type(new.op).__name__}")
        self.generic_visit(node)

    def visit_Constant(self, node):
        if isinstance(node.value, bool):
            self.add(node, ast.Constant(not node.value), f"constant {node.value}->{not node.value}")
        elif _numeric_constant(node):
            for w in _constant_variants(node.value):
                self.add(node, ast.Constant(w), f"constant {node.value!r}->{w!r}")

    def visit_Call(self, node):
        f = node.func
        if isinstance(f, ast.Name) and f.id in ("min", "max"):
            new = copy.deepcopy(node)
            new.func.id = "max" if f.id == "min" else "min"
            self.add(node, new, f"call {f.id}->{new.func.id}")
        if isinstance(f, ast.Name) and f.id == "range" and node.args and not node.keywords:
            args = node.args
            stop = 0 if len(args) == 1 else 1
            for delta, name in ((1, "stop+1"), (-1, "stop-1")):
                new = copy.deepcopy(node)
                new.args[stop] = ast.BinOp(args[stop], ast.Add() if delta > 0 else ast.Sub(),
                                           ast.Constant(1))
                self.add(node, new, f"range {name}")
            if len(args) >= 2:
                new = copy.deepcopy(node)
                new.args[0] = ast.BinOp(args[0], ast.Add(), ast.Constant(1))
                self.add(node, new, "range start+1")
        self.generic_visit(node)

    def visit_Return(self, node):
        if node.value is not None and _numeric_looking(node.value):
            new = ast.Return(ast.UnaryOp(ast.USub(), copy.deepcopy(node.value)))
            self.add(node, new, "return x->-x")
        self.generic_visit(node)


def _module_body(tree):
    body = tree.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    return body


def _offsets(lines_b):
    """Byte offset of the start of every line (ast columns are UTF-8 byte offsets)."""
    out, pos = [], 0
    for ln in lines_b:
        out.append(pos)
        pos += len(ln)
    return out


def enumerate_mutants(source: str, module: str) -> list[Mutant]:
    tree = ast.parse(source)
    col = _Collector()
    for stmt in _module_body(tree):  # decorators (njit flags) are never visited
        col.visit(stmt)
    src_b = source.encode()
    lines_b = src_b.splitlines(keepends=True)
    starts = _offsets(lines_b)
    mutants, seen, repeats = [], {src_b}, {}
    for node, new, op in col.found:
        a = starts[node.lineno - 1] + node.col_offset
        b = starts[node.end_lineno - 1] + node.end_col_offset
        text = ast.unparse(new)
        if not isinstance(node, ast.stmt):
            text = f"({text})"
        new_src = src_b[:a] + text.encode() + src_b[b:]
        if new_src in seen:
            continue
        try:
            ast.parse(new_src)
        except SyntaxError:
            continue
        seen.add(new_src)
        original = src_b[a:b].decode()
        line_text = lines_b[node.lineno - 1].decode().strip()
        # stable under edits elsewhere in the file; the n-th repeat of an identical line and
        # change (e.g. two ``for j in range(k):``) gets its own key
        base = f"{module}|{line_text}|{node.col_offset}|{op}|{text}"
        repeat = repeats.get(base, 0)
        repeats[base] = repeat + 1
        key = hashlib.sha1((base + (f"|{repeat}" if repeat else "")).encode()).hexdigest()[:10]
        mutants.append(Mutant(len(mutants), key, node.lineno, node.col_offset, op,
                              " ".join(original.split()), text, new_src.decode()))
    return mutants


def import_check_source(source: str) -> str:
    """The module with ``raise RuntimeError`` as its first statement after the docstring and the
    ``__future__`` imports."""
    tree = ast.parse(source)
    last = 0
    for i, stmt in enumerate(tree.body):
        if i == 0 and isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
            last = stmt.end_lineno
        elif isinstance(stmt, ast.ImportFrom) and stmt.module == "__future__":
            last = stmt.end_lineno
        else:
            break
    lines = source.splitlines(keepends=True)
    return "".join(lines[:last] + [f"raise RuntimeError({SENTINEL!r})\n"] + lines[last:])


# -- the private copy -------------------------------------------------------------------------------
def _git_files(repo: Path, folders: list[str]) -> list[str]:
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=repo, check=True,
                             capture_output=True).stdout.decode().split("\0")
    others = subprocess.run(["git", "ls-files", "-z", "--others", "--exclude-standard", "--",
                             *folders], cwd=repo, check=True,
                            capture_output=True).stdout.decode().split("\0")
    return sorted({f for f in tracked + others if f})


def make_copy(repo: Path, package_dir: dict) -> Path:
    tmp = Path(tempfile.mkdtemp(prefix="rlcert-mutate-"))
    dst = tmp / "repo"
    folders = sorted(set(package_dir.values()) | {"tests", "dev"})
    for rel in _git_files(repo, folders):
        src = repo / rel
        if not src.is_file() or "__pycache__" in src.parts or src.suffix in (".pyc", ".nbi",
                                                                               ".nbc"):
            continue
        out = dst / rel
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, out)
    site = tmp / "site" / "rlcert"
    site.mkdir(parents=True)
    for name, folder in package_dir.items():
        prefix, _, sub = name.partition(".")
        assert prefix == "rlcert" and "." not in sub, name
        (site / sub).symlink_to(dst / folder, target_is_directory=True)
    return tmp


def module_name(rel: str, package_dir: dict) -> str | None:
    p = Path(rel)
    for name, folder in package_dir.items():
        fp = Path(folder)
        if p.parts[:len(fp.parts)] == fp.parts:
            rest = list(p.parts[len(fp.parts):])
            rest[-1] = rest[-1][:-3]
            if rest[-1] == "__init__":
                rest = rest[:-1]
            return ".".join([name] + rest)
    return None


def dependants(copy_root: Path, target_rel: str, package_dir: dict) -> set[Path]:
    """Python files of the copy that import the target module, directly or through others
    (an over-approximation of the kernels that may have compiled the target's code in)."""
    files = {}
    for folder in set(package_dir.values()) | {"tests"}:
        for f in (copy_root / folder).rglob("*.py"):
            if "__pycache__" not in f.parts:
                rel = f.relative_to(copy_root).as_posix()
                files[rel] = module_name(rel, package_dir) or "tests." + rel[6:-3].replace("/", ".")
    by_mod = {m: r for r, m in files.items()}
    edges: dict[str, set[str]] = {r: set() for r in files}
    for rel, mod in files.items():
        try:
            tree = ast.parse((copy_root / rel).read_text())
        except SyntaxError:
            continue
        pkg = mod if rel.endswith("__init__.py") else mod.rpartition(".")[0]
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = pkg.split(".")
                    parts = parts[:len(parts) - node.level + 1]
                    base = ".".join(parts + ([base] if base else []))
                names = [base] + [f"{base}.{a.name}" for a in node.names]
            for n in names:
                # importing a.b.c runs a/__init__, a/b/__init__ and a/b/c
                parts = n.split(".")
                for i in range(1, len(parts) + 1):
                    m = ".".join(parts[:i])
                    if m in by_mod and by_mod[m] != rel:
                        edges[rel].add(by_mod[m])
    hit, todo = {target_rel}, [target_rel]
    while todo:
        cur = todo.pop()
        for rel, deps in edges.items():
            if cur in deps and rel not in hit:
                hit.add(rel)
                todo.append(rel)
    return {copy_root / r for r in hit}


def numba_cache_files(py: Path) -> list[Path]:
    cache = py.parent / "__pycache__"
    if not cache.is_dir():
        return []
    stem = py.stem + "."
    return [f for f in cache.iterdir() if f.name.startswith(stem) and f.suffix in (".nbi", ".nbc")]


def snapshot_caches(copy_root: Path) -> dict[Path, bytes]:
    return {f: f.read_bytes() for f in copy_root.rglob("__pycache__/*") if f.suffix in (".nbi",
                                                                                     ".nbc")}


def clear_caches(files: set[Path]) -> None:
    for py in files:
        for f in numba_cache_files(py):
            f.unlink()


def restore_caches(files: set[Path], snap: dict[Path, bytes]) -> None:
    clear_caches(files)
    parents = {py.parent / "__pycache__" for py in files}
    stems = {(py.parent / "__pycache__", py.stem + ".") for py in files}
    for f, data in snap.items():
        if f.parent in parents and any(f.parent == d and f.name.startswith(s) for d, s in stems):
            f.write_bytes(data)


# -- running ----------------------------------------------------------------------------------------
def test_env(tmp: Path) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(tmp / "site")] + [p for p in
                                                               env.get("PYTHONPATH", "").split(
                                                                   os.pathsep) if p])
    env["HYPOTHESIS_PROFILE"] = "ci"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.pop("NUMBA_CACHE_DIR", None)
    env.pop("NUMBA_DISABLE_JIT", None)
    return env


_FAILED = re.compile(r"^(FAILED|ERROR) (\S+)", re.M)


def run_tests(tmp: Path, tests: list[str], timeout: float) -> tuple[str, str, float, str]:
    """(status, first failing test, seconds, output tail): status ``passed``, ``failed``,
    ``error`` (collection or internal error) or ``timeout``. ``tests`` may hold pytest options
    (``--deselect NODE``)."""
    t0 = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "pytest", *PYTEST_ARGS, *tests],
                            cwd=tmp / "repo", env=test_env(tmp), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return "timeout", "", time.monotonic() - t0, ""
    dt = time.monotonic() - t0
    text = out.decode(errors="replace")
    m = _FAILED.search(text)
    first = m.group(2) if m else ""
    if proc.returncode == 0:
        return "passed", "", dt, text[-2000:]
    if proc.returncode == 1:
        return "failed", first, dt, text[-4000:]
    return "error", first, dt, text[-4000:]


def check_isolation(tmp: Path, target_rel: str, mod: str, tests: list[str], timeout: float,
                    log) -> None:
    env = test_env(tmp)
    # importlib, not ``import a.b as m``: a package may re-export a function under its
    # submodule's name (``rlcert.bounds.evaluate``), and the attribute then shadows the module
    code = (f"import importlib, os; m = importlib.import_module({mod!r}); "
            f"print(os.path.realpath(m.__file__))")
    got = subprocess.run([sys.executable, "-c", code], cwd=tmp / "repo", env=env,
                         capture_output=True, text=True)
    path = got.stdout.strip()
    want = os.path.realpath(tmp / "repo" / target_rel)
    if got.returncode != 0 or path != want:
        raise SystemExit(f"isolation check failed: {mod} imports from {path!r} "
                         f"(wanted {want}); stderr: {got.stderr[-1000:]}")
    log(f"isolation: {mod} is imported from the copy ({path})")
    f = tmp / "repo" / target_rel
    original = f.read_text()
    st = f.stat()
    try:
        f.write_text(import_check_source(original))
        status, first, dt, text = run_tests(tmp, tests, timeout)
    finally:
        f.write_text(original)
        os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns))
    if status not in ("failed", "error") or SENTINEL not in text:
        raise SystemExit(f"isolation check failed: with a raise planted at import the tests "
                         f"ended {status!r}:\n{text[-2000:]}")
    log(f"isolation: a raise planted at import of the copy fails the run ({status}, {dt:.0f} s)")


def run_module(args, cfg) -> dict:
    target_rel = Path(args.module).as_posix()
    package_dir = cfg["package_dir"]
    mod = module_name(target_rel, package_dir)
    if mod is None:
        raise SystemExit(f"{target_rel} is not in a package folder {sorted(package_dir.values())}")
    mcfg = cfg["mutation"]
    tests = args.tests or mcfg.get("modules", {}).get(target_rel)
    if not tests:
        raise SystemExit(f"no --tests and no entry for {target_rel!r} in "
                         f"[tool.rlcert-mutation.modules]")
    missing = [t for t in tests if not (REPO / t.split("::")[0]).is_file()]
    if missing:
        print(f"warning: test files not found, left out: {' '.join(missing)}", file=sys.stderr)
        tests = [t for t in tests if t not in missing]
    for node in args.deselect or []:
        tests = tests + ["--deselect", node]
    source = (REPO / target_rel).read_text()
    mutants = enumerate_mutants(source, target_rel)
    if args.list:
        for m in mutants:
            print(f"{m.id:4d} {m.key} L{m.line}:{m.col} {m.operator}: {m.original!r} -> "
                  f"{m.replacement!r}")
        print(f"{len(mutants)} mutants")
        return {}
    if args.ids:
        wanted = set(args.ids.split(","))
        chosen = [m for m in mutants if str(m.id) in wanted or m.key in wanted]
        unknown = wanted - {str(m.id) for m in chosen} - {m.key for m in chosen}
        if unknown:
            raise SystemExit(f"no such mutant (id or key) in the current source: {sorted(unknown)}")
    elif args.max and len(mutants) > args.max:
        chosen = sorted(random.Random(args.seed).sample(mutants, args.max), key=lambda m: m.id)
    else:
        chosen = mutants

    log_lines = []

    def log(msg):
        print(msg, flush=True)
        log_lines.append(msg)

    t_start = time.monotonic()
    tmp = make_copy(REPO, package_dir)
    log(f"copy: {tmp}; {target_rel} ({mod}): {len(mutants)} mutants, running {len(chosen)}; "
        f"tests {' '.join(tests)}")
    try:
        status, first, t_base, text = run_tests(tmp, tests, args.baseline_timeout)
        if status != "passed":
            raise SystemExit(f"the unmutated copy does not pass ({status}, {first}):\n{text}")
        log(f"baseline (cold numba cache): passed in {t_base:.0f} s")
        timeout = args.timeout or max(60.0, 3.0 * t_base)
        check_isolation(tmp, target_rel, mod, tests, timeout, log)
        snap = snapshot_caches(tmp / "repo")
        affected = dependants(tmp / "repo", target_rel, package_dir)
        log(f"numba caches invalidated per mutant: {len(affected)} files import the module; "
            f"timeout {timeout:.0f} s")
        f = tmp / "repo" / target_rel
        st = f.stat()
        results = []
        for i, m in enumerate(chosen):
            clear_caches(affected)
            f.write_text(m.source)
            os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns + (i + 1) * 10**9))
            try:
                status, first, dt, text = run_tests(tmp, tests, timeout)
            finally:
                f.write_text(source)
                os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns))
                restore_caches(affected, snap)
            verdict = "survived" if status == "passed" else "killed"
            r = asdict(m)
            r.pop("source")
            r.update(status=verdict, how=status, killed_by=first, seconds=round(dt, 1))
            if status == "error":
                r["error_tail"] = text[-600:]
            results.append(r)
            log(f"[{i + 1}/{len(chosen)}] #{m.id} {m.key} L{m.line} {m.operator}: "
                f"{m.original!r} -> {m.replacement!r}: {verdict} ({status}"
                f"{', ' + first if first else ''}; {dt:.0f} s)")
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    out = {"module": target_rel, "tests": tests, "source_sha1": hashlib.sha1(
        source.encode()).hexdigest(), "n_enumerated": len(mutants), "seed": args.seed,
           "max": args.max, "ids": args.ids, "baseline_seconds": round(t_base, 1),
           "timeout_seconds": timeout, "wall_seconds": round(time.monotonic() - t_start, 1),
           "mutants": results}
    return out


# -- the table --------------------------------------------------------------------------------------
def summarize(runs: list[dict], cfg) -> str:
    equivalent = cfg["mutation"].get("equivalent", {})
    rows = ["| Module | Mutants sampled (of enumerated) | Killed | Equivalent | "
            "Survived (non-equivalent) | Kill rate (of non-equivalent) |",
            "|---|---|---|---|---|---|"]
    for run in runs:
        eq = set(equivalent.get(run["module"], []))
        ms = run["mutants"]
        killed = sum(m["status"] == "killed" for m in ms)
        surv = [m for m in ms if m["status"] == "survived"]
        n_eq = sum(m["key"] in eq for m in surv)
        live = len(ms) - n_eq
        pct = f"{100.0 * killed / live:.0f} %" if live else "-"
        rows.append(f"| `{run['module']}` | {len(ms)} (of {run['n_enumerated']}) | {killed} | "
                    f"{n_eq} | {len(surv) - n_eq} | {pct} |")
    return "\n".join(rows)


def merge(runs: list[dict]) -> list[dict]:
    """One run per module: a later run of the same mutant (``--ids`` re-runs) replaces it.

    Mutants are matched by key (stable under edits elsewhere in the file; ids are positions in
    the enumeration of one source and shift when the file changes). The enumeration size and the
    sample of the first run are kept."""
    by_mod: dict[str, dict] = {}
    for run in runs:
        cur = by_mod.setdefault(run["module"], {**run, "mutants": []})
        if cur["source_sha1"] != run["source_sha1"]:
            print(f"warning: {run['module']}: runs of different sources merged (by key)",
                  file=sys.stderr)
        idx = {m["key"]: k for k, m in enumerate(cur["mutants"])}
        for m in run["mutants"]:
            if m["key"] in idx:
                cur["mutants"][idx[m["key"]]] = m
            else:
                cur["mutants"].append(m)
    return list(by_mod.values())


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("module", nargs="?", help="file to mutate, relative to the repository")
    ap.add_argument("--tests", nargs="+", help="test files (default: pyproject's table)")
    ap.add_argument("--max", type=int, default=None, help="sample this many mutants")
    ap.add_argument("--seed", type=int, default=0, help="seed of the sample (default 0)")
    ap.add_argument("--ids", help="comma-separated mutant ids or keys to run (instead of a sample)")
    ap.add_argument("--survivors-of", metavar="JSON",
                    help="re-run the survivors of a saved run (by key), e.g. after adding tests; "
                         "merge the two files with --summary")
    ap.add_argument("--timeout", type=float, default=None,
                    help="seconds per mutant (default: max(60, 3 x the cold baseline run))")
    ap.add_argument("--deselect", action="append", metavar="NODE",
                    help="leave out a test that fails on the unmutated copy (repeatable)")
    ap.add_argument("--baseline-timeout", type=float, default=1800.0)
    ap.add_argument("--out", help="JSON file (default: <tmpdir>/rlcert-mutation/<module>.json)")
    ap.add_argument("--list", action="store_true", help="print the mutants, run nothing")
    ap.add_argument("--keep", action="store_true", help="keep the private copy")
    ap.add_argument("--summary", nargs="+", metavar="JSON", help="table of saved runs")
    args = ap.parse_args(argv)
    # a terminated run still removes its private copy (the finally clause of run_module)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    cfg = load_config(REPO)
    if args.summary:
        runs = merge([json.loads(Path(p).read_text()) for p in args.summary])
        print(summarize(runs, cfg))
        eq = {k for v in cfg["mutation"].get("equivalent", {}).values() for k in v}
        for run in runs:
            for m in run["mutants"]:
                if m["status"] == "survived":
                    tag = "equivalent" if m["key"] in eq else "SURVIVED"
                    print(f"  {tag}: {run['module']} #{m['id']} {m['key']} L{m['line']} "
                          f"{m['operator']}: {m['original']!r} -> {m['replacement']!r}")
        return 0
    if args.survivors_of:
        prev = json.loads(Path(args.survivors_of).read_text())
        keys = [m["key"] for m in prev["mutants"] if m["status"] == "survived"]
        if not keys:
            print(f"{args.survivors_of}: no survivors")
            return 0
        args.module = args.module or prev["module"]
        if args.module != prev["module"]:
            ap.error(f"--survivors-of is a run of {prev['module']}, not {args.module}")
        args.ids = ",".join(keys)
    if not args.module:
        ap.error("MODULE is required (or --summary)")
    res = run_module(args, cfg)
    if not res:
        return 0
    out = Path(args.out) if args.out else Path(tempfile.gettempdir()) / "rlcert-mutation" / (
        res["module"].replace("/", "__") + ".json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(res, indent=1))
    table = summarize([res], cfg)
    out.with_suffix(".md").write_text(table + "\n")
    print(table)
    print(f"results: {out} (wall {res['wall_seconds']:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
