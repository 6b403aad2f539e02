"""Sphinx configuration of rlcert's documentation (numpy/scipy style).

Build (from the repository root, after ``pip install ".[docs]"``)::

    python -m sphinx -W --keep-going -b html docs docs/_build/html
"""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # the gallery draws off-screen

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "_ext"))

import rlcert_api  # noqa: E402  (docs/_ext)
from rlcert.proofs_checks import __version__  # noqa: E402

# -- project ---------------------------------------------------------------------------------------
project = "rlcert"
author = "the rlcert developers"
copyright = "the rlcert developers, BSD-3-Clause"
release = __version__  # written once, in proofs_checks/_version.py
version = release

# -- extensions ------------------------------------------------------------------------------------
extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "rlcert_catalog",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "README.md", "**/GALLERY_HEADER.rst"]
source_suffix = {".rst": "restructuredtext"}
root_doc = "index"

# ``single backticks`` in docstrings: a link when the name resolves, else emphasis (numpy's choice)
default_role = "autolink"
# Python warnings raised while importing rlcert are not documentation warnings
warnings.filterwarnings("ignore", category=DeprecationWarning)

# -- API reference (generated from each module's __all__ before autosummary runs) ------------------
API_PAGES = rlcert_api.write_api(HERE / "api")
rlcert_api.patch_autosummary_summaries()

autosummary_generate = API_PAGES
autosummary_imported_members = True
autodoc_default_options = {"member-order": "bysource"}
autodoc_typehints = "none"  # numpydoc shows the documented types; signatures stay readable
autoclass_content = "class"

numpydoc_show_class_members = False  # members are listed by the autosummary class template
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True
numpydoc_xref_param_type = False

# -- math ------------------------------------------------------------------------------------------
# MathJax 3 renders the docstrings' ``.. math::`` blocks and the catalog's formulas. Sphinx's
# default loads it from a CDN; set RLCERT_MATHJAX_PATH to a local copy to read the pages offline.
if os.environ.get("RLCERT_MATHJAX_PATH"):
    mathjax_path = os.environ["RLCERT_MATHJAX_PATH"]

# -- gallery ---------------------------------------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": str(HERE.parent / "examples"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",          # run (and draw) the plot_*.py scripts
    # claims_example.py is a file for `rlcert verify --claims` (tests/test_claims.py runs it);
    # the user guide includes it as it is.
    "ignore_pattern": r"claims_example\.py|__init__\.py",
    "within_subsection_order": "FileNameSortKey",
    "download_all_examples": False,
    "remove_config_comments": True,
    "show_memory": False,
    "min_reported_time": 1,
    "capture_repr": ("_repr_html_", "__repr__"),
    "matplotlib_animations": False,
    "image_scrapers": ("matplotlib",),
    "reference_url": {"rlcert": None},
    "doc_module": ("rlcert",),
    "backreferences_dir": None,
}

# -- HTML ------------------------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"rlcert {release}"
html_static_path = ["_static"]
html_css_files = ["rlcert.css"]
html_theme_options = {
    "navbar_align": "left",
    "show_toc_level": 2,
    "navigation_with_keys": False,
    "header_links_before_dropdown": 6,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
html_sidebars = {"index": [], "getting_started": [], "catalog": [], "verdicts": []}
html_show_sourcelink = False
html_copy_source = False
