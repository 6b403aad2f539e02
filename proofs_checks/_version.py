"""rlcert's version: the one place it is written.

``pyproject.toml`` reads it from here (``[tool.setuptools.dynamic]``), ``rlcert --version``
prints it, and Python reaches it as ``rlcert.proofs_checks.__version__`` or, for an installed
copy, ``importlib.metadata.version("rlcert")``. ``rlcert`` itself is a PEP 420 namespace without
an ``__init__``, so it has no ``__version__``. This module imports nothing.
"""

__version__ = "0.1.0"
