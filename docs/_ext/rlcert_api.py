"""Generate the API reference pages from the subpackages' ``__all__``.

One page per public module, ``docs/api/<module>.rst``: the module's docstring, then one
autosummary table per kind of object (classes, functions, exceptions, data) over the module's
``__all__`` (or, for a module without ``__all__``, the public names it defines itself). A name
that an earlier page already documents (``rlcert.mdp.classify`` re-exported from
``rlcert.mdp.structure``) is linked, not documented twice. The pages are written when
``conf.py`` is read, so that autosummary finds them, and only when their text changes.
"""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path

#: (module, one-line description). Order matters: a name is documented at its first module.
MODULES: list[tuple[str, str]] = [
    ("rlcert.theory", "the theorem cards and the catalog"),
    ("rlcert.theory.symbols", "the catalog's named symbols"),
    ("rlcert.bounds", "evaluate and invert cards"),
    ("rlcert.bounds.compare", "several cards in one table"),
    ("rlcert.bounds.snapshot", "the compiled snapshot of the catalog the command line reads"),
    ("rlcert.bounds.concentration", "concentration widths, callable from numba code"),
    ("rlcert.bounds.selfcheck", "consistency checks of the catalog"),
    ("rlcert.mdp", "models and exact oracles"),
    ("rlcert.mdp.instances", "the instance zoo"),
    ("rlcert.mdp.structure", "chain structure, diameter, mixing times"),
    ("rlcert.mdp.rollout", "simulating a policy"),
    ("rlcert.mdp.strategies", "hypothesis strategies for MDPs"),
    ("rlcert.mdp.robust", "robust MDPs"),
    ("rlcert.mdp.risk", "risk-sensitive oracles"),
    ("rlcert.mdp.linear", "linear MDPs"),
    ("rlcert.estimators", "learners: common types"),
    ("rlcert.estimators.bandits", "multi-armed bandits"),
    ("rlcert.estimators.episodic", "episodic regret minimisers"),
    ("rlcert.estimators.generative", "generative-model estimators"),
    ("rlcert.estimators.offline", "offline datasets and estimators"),
    ("rlcert.estimators.linear", "learners for linear MDPs"),
    ("rlcert.estimators.average", "average-reward regret minimisers"),
    ("rlcert.estimators.pac", "discounted PAC exploration"),
    ("rlcert.estimators.policy_gradient", "exact-gradient policy optimisation"),
    ("rlcert.estimators.stochastic_approximation", "TD(0), Q-learning, SARSA, FedSARSA, log-Q"),
    ("rlcert.proofs_checks", "the verifier"),
    ("rlcert.proofs_checks.protocols", "the subjects' protocols"),
    ("rlcert.proofs_checks.harness", "the verifier-owned environments"),
    ("rlcert.proofs_checks.claims", "users' own claims"),
    ("rlcert.proofs_checks.verdicts", "verdict words and rules"),
    ("rlcert.proofs_checks.statistics", "the statistics behind the verdicts"),
    ("rlcert.proofs_checks.report", "reports"),
]

#: Names left out of the reference, with the reason. Keys are module names, values sets of
#: names; ``"*"`` leaves the whole module out, ``"__doc__"`` only the module's own docstring.
EXCLUDE: dict[str, set[str]] = {}


_LISTED: dict[str, list[str]] = {}


def public_names(module) -> list[str]:
    """``__all__``, or the public classes and functions the module defines itself."""
    names = getattr(module, "__all__", None)
    if names is not None:
        return list(names)
    out = []
    for name, obj in vars(module).items():
        if name.startswith("_"):
            continue
        defined_here = getattr(obj, "__module__", None) == module.__name__
        if (inspect.isclass(obj) or inspect.isfunction(obj)) and defined_here:
            out.append(name)
        elif hasattr(obj, "py_func") and getattr(obj.py_func, "__module__", None) == module.__name__:
            out.append(name)  # a numba dispatcher
    return sorted(out)


def kind_of(obj) -> str:
    if inspect.isclass(obj):
        return "Exceptions" if issubclass(obj, BaseException) else "Classes"
    if callable(obj):
        return "Functions"
    return "Data"


def _underline(text: str, char: str) -> str:
    return f"{text}\n{char * len(text)}\n"


def page(modname: str, description: str, documented: dict[int, str]) -> str:
    module = importlib.import_module(modname)
    excluded = EXCLUDE.get(modname, set())
    groups: dict[str, list[str]] = {"Classes": [], "Functions": [], "Exceptions": [], "Data": []}
    elsewhere: list[tuple[str, str]] = []
    for name in public_names(module):
        if name in excluded:
            continue
        obj = getattr(module, name)
        key = id(obj)
        if kind_of(obj) != "Data" and key in documented:
            elsewhere.append((name, documented[key]))
            continue
        if kind_of(obj) != "Data":
            documented[key] = f"{modname}.{name}"
        groups[kind_of(obj)].append(name)
        _LISTED.setdefault(modname, []).append(name)

    lines = [f".. _api-{modname}:", "", _underline(f"``{modname}``", "=")]
    if "__doc__" in excluded:
        lines += [f".. py:module:: {modname}", "", f"{description[0].upper()}{description[1:]}.",
                  ""]
    else:
        lines += [f".. automodule:: {modname}", "   :no-members:", ""]
    lines += [f".. currentmodule:: {modname}", ""]
    for title, names in groups.items():
        if not names:
            continue
        lines += [_underline(title, "-"), ".. autosummary::", "   :toctree: generated/",
                  "   :nosignatures:", ""]
        lines += [f"   {n}" for n in names] + [""]
    if elsewhere:
        lines += [_underline("Also exported here", "-"),
                  "Documented under the name where they are first exported:", ""]
        lines += [f"* ``{name}``: :py:obj:`{target}`" for name, target in elsewhere] + [""]
    return "\n".join(lines)


def index_page() -> str:
    lines = [".. _api:", "", _underline("API reference", "="),
             "Every public name of rlcert, module by module: each subpackage's ``__all__``, and "
             "the public names of the modules the user guide refers to. Each entry's docstring "
             "states the equation it implements and its source.", "",
             ".. list-table::", "   :header-rows: 1", "   :widths: 35 65", "",
             "   * - module", "     - contents"]
    for modname, description in MODULES:
        if EXCLUDE.get(modname) == {"*"}:
            continue
        lines += [f"   * - :ref:`{modname} <api-{modname}>`", f"     - {description}"]
    lines += ["", ".. toctree::", "   :hidden:", ""]
    lines += [f"   {m}" for m, _ in MODULES if EXCLUDE.get(m) != {"*"}]
    return "\n".join(lines) + "\n"


def _write(path: Path, text: str) -> None:
    if not path.exists() or path.read_text() != text:
        path.write_text(text)


def write_api(outdir: Path) -> list[str]:
    """Write ``index.rst`` and one page per module into ``outdir`` (``docs/api``); return the
    module pages, for ``autosummary_generate`` (a page new since the last build is not yet among
    the documents an incremental build knows, so autosummary is told about it by name)."""
    outdir.mkdir(parents=True, exist_ok=True)
    documented: dict[int, str] = {}
    wanted = {"index.rst"}
    for modname, description in MODULES:
        if EXCLUDE.get(modname) == {"*"}:
            continue
        _write(outdir / f"{modname}.rst", page(modname, description, documented))
        wanted.add(f"{modname}.rst")
    _write(outdir / "index.rst", index_page())
    for stale in outdir.glob("*.rst"):
        if stale.name not in wanted:
            stale.unlink()
    # autosummary never removes the stub of a name that left the reference
    stubs = {f"{m}.{n}.rst" for m, names in _LISTED.items() for n in names}
    for stale in (outdir / "generated").glob("*.rst"):
        if stale.name not in stubs:
            stale.unlink()
    return sorted(f"{outdir.name}/{name}" for name in wanted if name != "index.rst")


def _balanced(text: str) -> bool:
    """No inline literal (````...````) or interpreted text (```...```) left open."""
    doubles = text.count("``")
    singles = text.replace("``", "").count("`")
    return doubles % 2 == 0 and singles % 2 == 0


def patch_autosummary_summaries() -> None:
    """Autosummary cuts a summary at the first ``". "``, also inside an inline literal
    (````initial . V[0]````, ````p[0] + ... + p[j]````), and then warns about the literal it
    broke. Extend such a summary, sentence by sentence, until its markup is closed."""
    import re

    from sphinx.ext import autosummary

    original = autosummary.extract_summary

    def extract_summary(doc, settings):
        summary = original(doc, settings)
        if _balanced(summary):
            return summary
        stanza = []
        for line in doc:
            if not line.strip():
                if stanza:
                    break
                continue
            stanza.append(line.strip())
        sentences = re.split(r"\.(?:\s+)", " ".join(stanza))
        for i in range(len(sentences)):
            candidate = ". ".join(sentences[: i + 1]).rstrip(".") + "."
            if _balanced(candidate):
                return candidate
        return summary

    autosummary.extract_summary = extract_summary
