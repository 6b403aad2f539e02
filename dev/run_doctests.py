"""Run the docstring examples of every module of the installed rlcert packages.

Each module is imported by its own name (``rlcert.mdp.solve``), so the examples see the same
classes as the library; run from outside the repository to test an installed copy::

    cd "$(mktemp -d)" && python /path/to/dev/run_doctests.py

Exit status 1 if any example fails; modules whose optional dependency is missing are reported
and skipped.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil
import sys

SUBPACKAGES = ("rlcert.theory", "rlcert.bounds", "rlcert.mdp", "rlcert.estimators",
               "rlcert.proofs_checks")


def module_names() -> list[str]:
    """Every module of the subpackages, the subpackages included, sorted."""
    names = []
    for name in SUBPACKAGES:
        package = importlib.import_module(name)
        names.append(name)
        names += [info.name for info in pkgutil.walk_packages(package.__path__, name + ".")]
    return sorted(set(names))


def main() -> int:
    failed = attempted = 0
    for name in module_names():
        try:
            module = importlib.import_module(name)
        except ImportError as exc:  # an optional dependency
            print(f"skipped {name}: {exc}")
            continue
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
        failed += result.failed
        attempted += result.attempted
    print(f"doctests: {attempted} examples, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
