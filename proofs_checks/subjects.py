"""Naming, describing and rebuilding a check's subject.

A report names its subject with every parameter (``UCBVI-CH[bonus_scale=0.01]``: parameters that
differ from the class defaults are shown in the name as a variant), and a counterexample file
stores the subject as a *spec*: an import path and JSON parameters, never a pickle, so that
replaying a file received from someone else runs no code it carries. Rebuilding a spec imports
only rlcert's own modules unless the caller allows others explicitly.

* :func:`subject_name`: the short name with the variant;
* :func:`subject_spec`: ``{"factory": "module:qualname", "params": {...}, "call": bool}``, or
  ``{"dict": {name: spec}}`` for a dict of subjects, or None when the subject cannot be rebuilt
  from an import path and JSON;
* :func:`build_subject`: the inverse, refusing non-rlcert import paths unless ``allow_import``.
"""

from __future__ import annotations

import importlib
import inspect
import json
import math
from typing import Any


class SubjectSpecError(ValueError):
    """A subject spec cannot be built or rebuilt (the message names the path or parameter)."""


def _params(subject) -> dict | None:
    fn = getattr(subject, "params", None)
    if callable(fn):
        try:
            p = fn()
        except TypeError:
            return None
        return dict(p) if isinstance(p, dict) else None
    return None


def _jsonable(value) -> bool:
    try:
        json.dumps(value, allow_nan=True)
    except (TypeError, ValueError):
        return False
    return True


def _path(obj) -> str | None:
    module = getattr(obj, "__module__", None)
    qualname = getattr(obj, "__qualname__", None)
    if not module or not qualname or "<" in qualname:
        return None
    return f"{module}:{qualname}"


def _label(subject) -> str:
    for attr in ("algorithm", "name"):
        v = getattr(subject, attr, None)
        if isinstance(v, str) and v:
            return v
    if inspect.isfunction(subject) or inspect.isclass(subject):
        return subject.__name__
    return type(subject).__name__


def _defaults(subject) -> dict | None:
    try:
        fresh = type(subject)()
    except Exception:  # a class without a no-argument constructor has no defaults to show
        return None
    return _params(fresh)


def _fmt(v) -> str:
    return f"{v:g}" if isinstance(v, float) and math.isfinite(v) else repr(v)


def subject_name(subject) -> str:
    """The subject's name, with the parameters that differ from its class defaults (and any
    ``bonus_scale != 1``, a documented practical variant) in brackets."""
    if subject is None:
        return "-"
    if isinstance(subject, dict):
        return "{" + ", ".join(f"{k}: {subject_name(v)}" for k, v in subject.items()) + "}"
    name = _label(subject)
    params = _params(subject)
    if not params:
        return name
    defaults = _defaults(subject) or {}
    shown = {k: v for k, v in params.items() if k not in defaults or defaults[k] != v}
    if "bonus_scale" in params and params["bonus_scale"] != 1.0:
        shown["bonus_scale"] = params["bonus_scale"]
    if not shown:
        return name
    return f"{name}[{', '.join(f'{k}={_fmt(v)}' for k, v in shown.items())}]"


def subject_spec(subject) -> dict | None:
    """An import path plus JSON parameters that rebuild ``subject`` (None if impossible)."""
    if isinstance(subject, dict):
        parts = {str(k): subject_spec(v) for k, v in subject.items()}
        return None if any(v is None for v in parts.values()) else {"dict": parts}
    if inspect.isfunction(subject) or inspect.isclass(subject) or inspect.isbuiltin(subject):
        path = _path(subject)
        return None if path is None else {"factory": path, "params": {}, "call": False}
    path = _path(type(subject))
    params = _params(subject)
    if path is None or params is None or not _jsonable(params):
        return None
    return {"factory": path, "params": params, "call": True}


def _resolve(path: object, allow_import: bool):
    if not isinstance(path, str) or path.count(":") != 1:
        raise SubjectSpecError(f"subject path {path!r} is not 'module:qualname'")
    module, qualname = path.split(":")
    if not (module == "rlcert" or module.startswith("rlcert.")) and not allow_import:
        raise SubjectSpecError(
            f"the file names the subject {path!r}, outside rlcert: importing it would run its "
            f"code. Pass allow_import=True (rlcert replay --allow-import) only for a file you "
            f"trust, or replace the subject (--algorithm module:factory)")
    try:
        obj = importlib.import_module(module)
        for part in qualname.split("."):
            obj = getattr(obj, part)
    except (ImportError, AttributeError) as exc:
        raise SubjectSpecError(f"cannot import the subject {path!r}: {exc}") from None
    return obj


def build_subject(spec: Any, *, allow_import: bool = False):
    """Rebuild a subject from :func:`subject_spec`'s output; the rebuilt subject's parameters
    must equal the spec's."""
    if not isinstance(spec, dict):
        raise SubjectSpecError(f"a subject spec is a JSON object, got {type(spec).__name__}")
    if "dict" in spec:
        return {k: build_subject(v, allow_import=allow_import) for k, v in spec["dict"].items()}
    obj = _resolve(spec.get("factory"), allow_import)
    params = spec.get("params", {})
    if not isinstance(params, dict):
        raise SubjectSpecError(f"subject params must be a JSON object, got {params!r}")
    if not spec.get("call", True):
        return obj
    if not inspect.isclass(obj):
        raise SubjectSpecError(f"{spec['factory']} is not a class")
    try:
        subject = obj(**params)
    except TypeError as exc:
        raise SubjectSpecError(f"cannot rebuild {spec['factory']} from {params}: {exc}") from None
    if _params(subject) != params:
        raise SubjectSpecError(f"{spec['factory']}({params}) rebuilt with parameters "
                               f"{_params(subject)}, not the recorded ones")
    return subject


__all__ = ["subject_name", "subject_spec", "build_subject", "SubjectSpecError"]
