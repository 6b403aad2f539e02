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


# -- version, licence, citation, typing markers, docs and examples (issue 19) -------------------

import re
import subprocess
import sys
import zipfile

from rlcert.proofs_checks import _version


def pyproject() -> dict:
    with open(ROOT / "pyproject.toml", "rb") as f:
        return tomllib.load(f)


def test_the_version_is_written_once():
    """pyproject reads it from proofs_checks/_version.py; the installed metadata, the package
    attribute, CITATION.cff and ``rlcert --version`` all agree with it."""
    from importlib import metadata

    import rlcert.proofs_checks
    cfg = pyproject()
    assert "version" not in cfg["project"] and "version" in cfg["project"]["dynamic"]
    assert cfg["tool"]["setuptools"]["dynamic"]["version"] == {
        "attr": "rlcert.proofs_checks._version.__version__"}
    version = _version.__version__
    assert re.fullmatch(r"\d+\.\d+\.\d+((a|b|rc)\d+)?(\.dev\d+)?", version)
    assert rlcert.proofs_checks.__version__ == version == metadata.version("rlcert")
    citation = (ROOT / "CITATION.cff").read_text()
    assert f'version: "{version}"' in citation
    out = subprocess.run([sys.executable, "-c", "from rlcert.proofs_checks.cli import main; "
                          "main(['--version'])"], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == f"rlcert {version}"


def test_licence_and_citation():
    text = (ROOT / "LICENSE").read_text()
    assert "BSD 3-Clause License" in text and "Copyright (c) 2026, rlcert developers" in text
    assert pyproject()["project"]["license"] == "BSD-3-Clause"
    citation = (ROOT / "CITATION.cff").read_text()
    assert "cff-version: 1.2.0" in citation and "license: BSD-3-Clause" in citation
    assert 'name: "rlcert developers"' in citation


@pytest.mark.parametrize("folder", top_level_packages())
def test_every_subpackage_is_typed(folder):
    assert (ROOT / folder / "py.typed").is_file()
    assert "py.typed" in pyproject()["tool"]["setuptools"]["package-data"]["*"]


def test_docs_extra_and_tree():
    extra = " ".join(pyproject()["project"]["optional-dependencies"]["docs"])
    for name in ("sphinx", "numpydoc", "pydata-sphinx-theme", "sphinx-gallery"):
        assert name in extra
    for page in ("conf.py", "index.rst", "getting_started.rst", "catalog.rst", "verdicts.rst",
                 "user_guide/index.rst", "_ext/rlcert_catalog.py", "_ext/rlcert_api.py"):
        assert (ROOT / "docs" / page).is_file(), page


def test_gallery_examples_have_a_title_and_draw_a_figure():
    examples = sorted((ROOT / "examples").glob("plot_*.py"))
    assert len(examples) >= 5
    for path in examples:
        source = path.read_text()
        doc = source.split('"""')[1]
        title, underline = doc.strip().splitlines()[:2]
        assert set(underline) == {"="} and len(underline) >= len(title), path.name
        assert "plt.show()" in source or "savefig" in source, path.name


def test_wheel_contents(tmp_path):
    """The wheel holds the five subpackages with their py.typed markers, the licence, the
    console script and the version, and nothing of tests/, docs/, examples/ or benchmarks/."""
    src = tmp_path / "src"
    src.mkdir()
    cfg = setuptools_config()
    for item in ["pyproject.toml", "README.md", "LICENSE", *cfg["package-dir"].values()]:
        p = ROOT / item
        if p.is_dir():
            import shutil
            shutil.copytree(p, src / item, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            (src / item).write_bytes(p.read_bytes())
    out = tmp_path / "dist"
    # build isolation: pyproject's build-system (setuptools >= 77) builds it, as pip install does
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w",
                           str(out), str(src)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    (wheel,) = out.glob("rlcert-*.whl")
    assert wheel.name.startswith(f"rlcert-{_version.__version__}-")
    names = zipfile.ZipFile(wheel).namelist()
    for folder in cfg["package-dir"]:
        assert f"{folder.replace('.', '/')}/py.typed" in names
    assert not any(n.startswith(("rlcert/__init__", "tests/", "docs/", "examples/",
                                 "benchmarks/")) for n in names)
    assert any(n.endswith(".dist-info/licenses/LICENSE") or n.endswith(".dist-info/LICENSE")
               for n in names)
    entry = next(n for n in names if n.endswith("entry_points.txt"))
    assert "rlcert = rlcert.proofs_checks.cli:main" in zipfile.ZipFile(wheel).read(entry).decode()
