"""Packaging: every installed folder is declared in pyproject.toml, ``rlcert`` is a PEP 420
namespace, the subpackages are documented, and tests/ is never part of the namespace."""

import importlib
import importlib.util
import os
import tomllib
from pathlib import Path

import pytest

import rlcert

ROOT = Path(__file__).resolve().parent.parent
NOT_INSTALLED = {"tests", "benchmarks"}


def setuptools_config() -> dict:
    with open(ROOT / "pyproject.toml", "rb") as f:
        return tomllib.load(f)["tool"]["setuptools"]


def top_level_packages() -> list[str]:
    return sorted(p.name for p in ROOT.iterdir()
                  if p.is_dir() and (p / "__init__.py").is_file() and p.name not in NOT_INSTALLED)


def nested_packages(folder: str) -> list[str]:
    """Dotted names ``folder.sub[.subsub...]`` of every package folder below ``folder``."""
    out = []
    for dirpath, dirnames, _ in os.walk(ROOT / folder):
        dirnames[:] = [d for d in dirnames if d != "__pycache__" and not d.startswith(".")]
        rel = Path(dirpath).relative_to(ROOT)
        if rel.parts != (folder,) and (Path(dirpath) / "__init__.py").is_file():
            out.append(".".join(rel.parts))
    return sorted(out)


def test_the_card_folders_are_found():
    # the design card's packages exist as folders with an __init__.py
    assert {"theory", "bounds", "mdp", "estimators", "proofs_checks"} <= set(top_level_packages())


@pytest.mark.parametrize("folder", top_level_packages())
def test_top_level_folder_is_declared(folder):
    cfg = setuptools_config()
    assert f"rlcert.{folder}" in cfg["packages"]
    assert cfg["package-dir"].get(f"rlcert.{folder}") == folder


@pytest.mark.parametrize("folder", top_level_packages())
def test_nested_packages_are_declared(folder):
    packages = set(setuptools_config()["packages"])
    missing = [f"rlcert.{name}" for name in nested_packages(folder)
               if f"rlcert.{name}" not in packages]
    assert missing == []


def test_declared_packages_exist():
    """No stale entry: every declared package maps to a folder with an __init__.py."""
    cfg = setuptools_config()
    for name in cfg["packages"]:
        assert name.startswith("rlcert.")
        parts = name.split(".")[1:]
        top = cfg["package-dir"].get(f"rlcert.{parts[0]}", parts[0])
        assert (ROOT / top / Path(*parts[1:]) / "__init__.py").is_file(), name
    for name, folder in cfg["package-dir"].items():
        assert name in cfg["packages"] and (ROOT / folder / "__init__.py").is_file()


def test_tests_and_benchmarks_are_not_declared():
    cfg = setuptools_config()
    for name in list(cfg["packages"]) + list(cfg["package-dir"]):
        assert name.split(".")[1] not in NOT_INSTALLED, name
    assert "" not in cfg["package-dir"]  # no mapping of the repository root itself


def test_nested_package_walk_finds_a_nested_package(tmp_path, monkeypatch):
    """The folder walk used above sees nested packages (a fake tree, so the check is not
    vacuous while the real folders have no subpackages)."""
    (tmp_path / "pkg" / "sub" / "deeper").mkdir(parents=True)
    for p in ("pkg", "pkg/sub", "pkg/sub/deeper"):
        (tmp_path / p / "__init__.py").write_text("")
    (tmp_path / "pkg" / "data").mkdir()
    monkeypatch.setitem(globals(), "ROOT", tmp_path)
    assert nested_packages("pkg") == ["pkg.sub", "pkg.sub.deeper"]


def test_rlcert_is_a_namespace_package():
    assert getattr(rlcert, "__file__", None) is None
    spec = importlib.util.find_spec("rlcert")
    assert spec is not None and spec.origin in (None, "namespace")
    assert spec.submodule_search_locations is not None


@pytest.mark.parametrize("folder", top_level_packages())
def test_subpackage_imports_and_has_a_docstring(folder):
    mod = importlib.import_module(f"rlcert.{folder}")
    assert mod.__doc__ is not None and mod.__doc__.strip()
    # editable installs import the repo's file, wheel installs a copy of it: same content
    assert Path(mod.__file__).read_text() == (ROOT / folder / "__init__.py").read_text()


def test_tests_are_not_importable_from_the_namespace():
    assert importlib.util.find_spec("rlcert.tests") is None
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("rlcert.tests")
    assert importlib.util.find_spec("rlcert.benchmarks") is None
