"""Read the fixtures that ``coursetools release`` wrote next to the notebook: numbers only, never code.

A fixture file is JSON (see ``docs/checks.md``): ``{"format": 1, "assignment": ..., "cases": {key: entry}}``
where ``key`` is a check's name with its parameters (:func:`case_key`) and ``entry`` holds the case's
``inputs``, the ``expected`` outputs, the outputs of known ``mistakes`` and the ``tables`` of stand-in
functions. Arrays are ``{"shape": [...], "data": [...]}`` (row-major, exact float repr); tuples are
``{"tuple": [...]}``; dicts of values are ``{"dict": {...}}``. Nothing here evaluates or unpickles.

>>> case_key("check_forward", {"seed": 0, "m": 5})
'check_forward(m=5, seed=0)'
>>> decode(encode({"W1": np.eye(2), "b2": 0.5}))["W1"].shape
(2, 2)

Under ``coursetools grade`` the kernel gets the hidden fixture *stripped* (:func:`strip`): each entry keeps
what calling the student's function needs (``inputs``, ``tables``) and loses ``expected`` and ``mistakes``.
A check that finds such an entry compares nothing: it emits what the student's function returned (one
output of MIME type :data:`MIME`, see :func:`emit`) and the grader's own process compares it with the full
fixture, which never enters the kernel (``docs/checks.md``, "How hidden fixtures reach the graders").

>>> strip({"format": 1, "cases": {"k": {"inputs": {"x": 1.0}, "expected": {"y": 2.0}, "mistakes": {}}}})
{'format': 1, 'cases': {'k': {'inputs': {'x': 1.0}}}, 'stripped': True}
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

from ..feedback import fail

__all__ = ["FORMAT", "MIME", "FixtureError", "case_key", "decode", "emit", "encode", "entry", "fixture_files",
           "strip"]

FORMAT = 1
#: The MIME type of the outputs a check emits, in collect mode, for the grader's process to compare.
MIME = "application/vnd.coursetools.outputs+json"
#: What an entry keeps when stripped: enough to call the student's function, nothing to compare with.
CALLING = ("inputs", "tables")


class FixtureError(LookupError):
    """A check found no fixture for its case: the release is missing or out of date (an instructor's error)."""


def case_key(check: str, params: dict) -> str:
    """The key of one call of a check: its name and its parameters, sorted by name."""
    __tracebackhide__ = True
    return f"{check}({', '.join(f'{k}={params[k]!r}' for k in sorted(params))})"


def fixture_files(assignment: str, folder=None) -> list[Path]:
    """Where the checks look, in order: ``<assignment>.fixtures.json`` then ``<assignment>.hidden.json``."""
    __tracebackhide__ = True
    folder = Path.cwd() if folder is None else Path(folder)
    return [folder / f"{assignment}.fixtures.json", folder / f"{assignment}.hidden.json"]


def _read(path: Path) -> dict:
    """The cases of one fixture file, read afresh each time (no cache a student's code could fill)."""
    __tracebackhide__ = True
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("format") != FORMAT:
        fail(f"{path.name} has fixture format {data.get('format')!r}, expected {FORMAT}: run `make release` "
             "again with this version of the course", kind=FixtureError)
    return data["cases"]


def entry(assignment: str, check: str, params: dict, folder=None, *, cases: dict | None = None) -> dict:
    """The decoded fixture entry of ``check(**params)``; FixtureError when no file in the folder has it.

    ``cases`` (the grader's process): look in these encoded cases (a full fixture held in memory) instead.
    """
    __tracebackhide__ = True
    key = case_key(check, params)
    if cases is not None:
        if key not in cases:
            fail(f"no fixture for {key} in the grader's fixtures: run `make release`", kind=FixtureError)
        return decode(cases[key])
    paths = fixture_files(assignment, folder)
    for path in paths:
        if path.is_file():
            found = _read(path).get(key)
            if found is not None:
                return decode(found)
    names = " or ".join(p.name for p in paths)
    fail(f"no fixture for {key} in {names} (in {paths[0].parent}): this test needs the "
                       "fixtures that `make release` writes next to the notebook; run it from the "
                       "notebook's folder, or ask your instructor for the assignment's files", kind=FixtureError)


def strip(document: dict) -> dict:
    """A fixture document with only what calling the student needs (``inputs``, ``tables``) in each entry.

    What the kernel gets under ``coursetools grade`` in place of the hidden fixture: no ``expected`` outputs,
    no ``mistakes``, so that nothing in the kernel's reach can be compared with, copied or returned.
    """
    __tracebackhide__ = True
    cases = {key: {k: v for k, v in found.items() if k in CALLING} for key, found in document["cases"].items()}
    return {**{k: v for k, v in document.items() if k != "cases"}, "cases": cases, "stripped": True}


def emit(case: str, outputs: dict, context: dict) -> None:
    """Show ``outputs`` of the case ``case`` (encoded, exact floats) as one output of MIME type :data:`MIME`.

    Collect mode (a stripped entry): the grader's process reads these outputs from the kernel's reply and
    compares them; the check itself decides nothing. ``context`` holds what the notebook-global relations
    need (``m``, and the column count of each 2-D array of the notebook).
    """
    __tracebackhide__ = True
    from IPython.display import display

    encoded = {}
    for name, value in outputs.items():
        try:
            encoded[name] = encode(value)
        except (AssertionError, TypeError):
            encoded[name] = {"unencodable": type(value).__name__}
    text = json.dumps({"case": case, "outputs": encoded, "context": context}, allow_nan=True)
    display({MIME: text}, raw=True)


def encode(value):
    """A JSON-ready form of ``value``: arrays, numbers, tuples, lists and dicts of them."""
    __tracebackhide__ = True
    if isinstance(value, np.ndarray):
        out = {"shape": list(value.shape), "data": value.ravel().tolist()}
        if value.dtype != np.float64:
            out["dtype"] = value.dtype.str
        return out
    if isinstance(value, dict):
        return {"dict": {str(k): encode(v) for k, v in value.items()}}
    if isinstance(value, tuple):
        return {"tuple": [encode(v) for v in value]}
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value)
    if value is None or isinstance(value, str):
        return value
    fail(f"a fixture holds numbers, arrays, tuples, lists and dicts, received {type(value).__name__}", kind=TypeError)


def decode(value):
    """The inverse of :func:`encode`: ndarrays, floats, tuples, lists and dicts."""
    __tracebackhide__ = True
    if isinstance(value, dict):
        if "shape" in value and "data" in value:
            return np.array(value["data"], dtype=value.get("dtype", np.float64)).reshape(value["shape"])
        if "dict" in value:
            return {k: decode(v) for k, v in value["dict"].items()}
        if "tuple" in value:
            return tuple(decode(v) for v in value["tuple"])
        return {k: decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decode(v) for v in value]
    return value


def same(a, b, *, rtol: float = 1e-12, atol: float = 1e-15) -> bool:
    """Whether two decoded values are equal up to rounding (arrays by shape and entries)."""
    __tracebackhide__ = True
    if isinstance(a, dict) or isinstance(b, dict):
        return (isinstance(a, dict) and isinstance(b, dict) and a.keys() == b.keys()
                and all(same(a[k], b[k], rtol=rtol, atol=atol) for k in a))
    if isinstance(a, (tuple, list)) or isinstance(b, (tuple, list)):
        return (isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)) and len(a) == len(b)
                and all(same(x, y, rtol=rtol, atol=atol) for x, y in zip(a, b)))
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        try:
            a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
        except (TypeError, ValueError):
            return False
        return a.shape == b.shape and bool(np.allclose(a, b, rtol=rtol, atol=atol, equal_nan=True))
    if isinstance(a, (int, float, np.number)) and isinstance(b, (int, float, np.number)):
        return math.isclose(float(a), float(b), rel_tol=rtol, abs_tol=atol) or (a != a and b != b)
    return a == b
