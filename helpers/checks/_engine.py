"""The one engine behind every check: run the student's function on a fixture's inputs, compare with its outputs.

A lesson declares each check as a :class:`Check` (how its inputs are generated from a case's seed and
sizes, how the student's function is called, which outputs are compared, which probe cases follow) and
its ``check_*`` function calls :meth:`Check.verify`. The right outputs and the outputs of known mistakes
come from the fixtures ``coursetools release`` wrote (:mod:`helpers.checks._fixtures`); nothing here
computes an answer. ``docs/checks.md`` states the interface.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .._checks import format_shape
from ..feedback import assert_matches, diagnose, fail
from . import _fixtures

__all__ = ["Check", "Table"]


@dataclass(frozen=True)
class Check:
    """One check of one exercise, declared once.

    Attributes
    ----------
    assignment : str
        The assignment whose fixtures hold its cases ("01-univariate").
    name : str
        The ``check_*`` function's name, the first part of every case key.
    exercise : str
        The graded function's name in the lesson ("forward").
    inputs : callable
        ``inputs(**params) -> dict``: the case's inputs generated from its seed and sizes (no answer).
    call : callable
        ``call(fn, inputs) -> dict``: call the student's ``fn`` as the lesson specifies; return its outputs
        by name (it may raise AssertionError for a result of the wrong kind).
    outputs : tuple of str
        The outputs compared, in order.
    arrays : tuple of str
        Outputs that must be numpy arrays (a list or tuple is named as such).
    probes : callable, optional
        ``probes(**params) -> list of dict``: other cases run once the main case matched.
    standins : tuple of str
        Names in the student function's globals replaced, while it runs, by tables of the solution's
        values recorded at release (so an exercise is graded on its own).
    unnamed : str
        Appended to a mismatch that no mistake or relation names.
    rtol, atol : float
        Tolerances of the comparison.
    """

    assignment: str
    name: str
    exercise: str
    inputs: Callable
    call: Callable
    outputs: tuple
    arrays: tuple = ()
    probes: Callable | None = None
    standins: tuple = ()
    unnamed: str = ""
    rtol: float = 1e-6
    atol: float = 1e-9
    sizes: dict = field(default_factory=dict)

    def cases(self, **params) -> list[dict]:
        """The parameters of the main case then of its probes."""
        __tracebackhide__ = True
        return [params, *(self.probes(**params) if self.probes else [])]

    def run(self, fn, inputs: dict, tables: dict | None = None) -> dict:
        """Call ``fn`` on copies of ``inputs`` (with the stand-in ``tables``); fail if it changed an input."""
        __tracebackhide__ = True
        given = _copy(inputs)
        with _standins(fn, self.exercise, tables or {}):
            try:
                outputs = self.call(fn, given)
            except (ValueError, TypeError) as exc:
                message = _numpy_error(exc, self.exercise, inputs)
                if message is None:
                    raise
                fail(message, cause=exc)
        for key, before in inputs.items():
            _unchanged(self.exercise, key, before, given[key])
        return outputs

    def verify(self, fn, **params) -> None:
        """Run every step of the check on the student's ``fn``: before values, values, probes."""
        __tracebackhide__ = True
        main, *probes = self.cases(**params)
        self._one(fn, main)
        for probe in probes:
            try:
                self._one(fn, probe)
            except AssertionError as exc:
                hint = "" if "instead of its argument" in str(exc) else (
                    f" Does {self.exercise} use a variable of the notebook (such as m, x or X) instead of its "
                    "arguments?")
                fail(f"{self.exercise} is right for {_params(main)} but not for "
                                     f"{_params(probe)}: {exc}{hint}")

    def _one(self, fn, params):
        __tracebackhide__ = True
        found = _fixtures.entry(self.assignment, self.name, params)
        outputs = self.run(fn, found["inputs"], found.get("tables"))
        m = params.get("m")
        for name in self.outputs:
            received = outputs[name]
            expected = found["expected"][name]
            if name in self.arrays and isinstance(received, (list, tuple)):
                fail(f"{name} is a Python {type(received).__name__}, expected a numpy array of shape "
                    f"{format_shape(np.shape(expected))}: build it with numpy operations (or np.array(...)), "
                    "so that the next step can compute with it")
            mistakes = dict(found.get("mistakes", {}).get(name, {}))
            mistakes.update(_notebook_size(fn, name, expected, m))
            try:
                assert_matches(name, received, expected, m=m, mistakes=mistakes, rtol=self.rtol, atol=self.atol)
            except AssertionError as exc:
                if not self.unnamed or _named(received, expected, m, mistakes):
                    raise
                fail(f"{exc} {self.unnamed}")


def _params(params):
    __tracebackhide__ = True
    return ", ".join(f"{k} = {v!r}" for k, v in sorted(params.items()) if k != "seed") or "these data"


def _named(received, expected, m, mistakes):
    __tracebackhide__ = True
    try:
        return diagnose(received, expected, m=m, mistakes=mistakes) is not None
    except (TypeError, ValueError):
        return True


def _notebook_size(fn, name, expected, m):
    """The relation that gives away a notebook global ``m``: the answer scaled by m / m_notebook."""
    __tracebackhide__ = True
    namespace = getattr(fn, "__globals__", None)
    theirs = namespace.get("m") if isinstance(namespace, dict) else None
    if not isinstance(theirs, int) or isinstance(theirs, bool) or not m or theirs in (0, m):
        return {}
    try:
        value = np.asarray(expected, dtype=np.float64)
    except (TypeError, ValueError):
        return {}
    text = (f"{name} is scaled by {m}/{theirs}: it divides by the notebook's m = {theirs} instead of the number "
            f"of examples of its argument ({m} here); use x.shape[1] (or X.shape[1])")
    return {text: value * m / theirs, text + " ": value * theirs / m}


def _copy(value):
    __tracebackhide__ = True
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_copy(v) for v in value)
    return value.copy() if isinstance(value, np.ndarray) else value


def _unchanged(exercise, key, before, after):
    """Raise when an argument changed in place (an array edited with ``-=``, a dict entry replaced)."""
    __tracebackhide__ = True
    if isinstance(before, dict):
        for k, v in before.items():
            _unchanged(exercise, f"{key}[{k!r}]", v, after.get(k) if isinstance(after, dict) else None)
        return
    if isinstance(before, np.ndarray) and not (isinstance(after, np.ndarray) and after.shape == before.shape
                                               and np.array_equal(after, before, equal_nan=True)):
        short = key.split("[")[-1].strip("']") if "[" in key else key
        fail(f"{exercise} changed its argument {key} in place (with -=, *=, [...] = or by replacing a dict entry), "
            f"so the caller's {key} changed too: make new arrays instead, e.g. {short} = {short} - ... "
            f"rather than {short} -= ...")


class Table:
    """A stand-in for an earlier exercise: the values the solution returned at the arguments seen at release.

    It answers only arguments it has seen (up to rounding) and otherwise fails, saying that the
    student's function called it where the correct one never does.
    """

    def __init__(self, name: str, table: dict, caller: str, names: tuple):
        __tracebackhide__ = True
        self.name, self.params, self.rows = name, table["params"], table["rows"]
        self.caller, self.names, self.calls = caller, names, 0

    def __call__(self, *args, **kwargs):
        __tracebackhide__ = True
        self.calls += 1
        if kwargs:
            named = dict(zip(self.params, args), **kwargs)
            if set(named) != set(self.params):
                fail(f"{self.name}() takes the arguments ({', '.join(self.params)}), received "
                                f"{len(args)} positional and {', '.join(kwargs)} by name", kind=TypeError)
            args = tuple(named[p] for p in self.params)
        for row in self.rows:
            if _fixtures.same(list(args), row["args"]):
                return _copy(row["result"])
        shown = ", ".join(f"{p} {_describe(a)}" for p, a in zip(self.params, args))
        others = ", ".join(self.names[:-1]) + f" and {self.names[-1]}" if len(self.names) > 1 else self.names[0]
        fail(f"This test runs your {self.caller} with correct {others} functions (their values at the points a "
            f"correct {self.caller} visits), and call {self.calls} of {self.name} got arguments the correct "
            f"{self.caller} never passes ({shown}), so the mistake is in the loop itself: check each update, "
            f"what {self.caller} passes to {self.name}, and that it uses its own arguments, not the notebook's "
            "variables")


def _describe(value):
    __tracebackhide__ = True
    if isinstance(value, np.ndarray):
        return f"of shape {format_shape(value.shape)}"
    if isinstance(value, (int, float, np.number)):
        return f"= {float(value):.6g}"
    return f"a {type(value).__name__}"


@contextlib.contextmanager
def _standins(fn, caller, tables):
    """Put ``tables`` in ``fn``'s global namespace under their names while it runs; restore afterwards."""
    __tracebackhide__ = True
    namespace = getattr(fn, "__globals__", None)
    if not tables or not isinstance(namespace, dict):
        yield
        return
    saved = {name: namespace[name] for name in tables if name in namespace}
    namespace.update({name: Table(name, table, caller, tuple(tables)) for name, table in tables.items()})
    try:
        yield
    finally:
        for name in tables:
            namespace.pop(name, None)
        namespace.update(saved)


_MATMUL = re.compile(r"matmul: Input operand (\d) has a mismatch in its core dimension (\d).*\(size (\d+) is "
                     r"different from (\d+)\)", re.S)
_BROADCAST = re.compile(r"operands could not be broadcast together with shapes (.*)")


def _numpy_error(exc, exercise, inputs):
    """numpy's message for a shape or type slip inside the student's function, in the course's words (or None)."""
    __tracebackhide__ = True
    text = str(exc)
    shapes = ", ".join(f"{k} {format_shape(np.shape(v))}" for k, v in inputs.items() if isinstance(v, np.ndarray))
    given = f" (this test passes {shapes})" if shapes else ""
    if _MATMUL.search(text) or "not aligned" in text:
        return (f"{exercise} raised numpy's ValueError: {text}. In words: `A @ B` multiplies (p, q) by (q, r), the "
                f"inner sizes must agree; with one example per column the model is `w @ X` or `W1 @ X` (weights "
                f"on the left), and a transpose (`.T`) may be missing{given}")
    found = _BROADCAST.search(text)
    if found:
        return (f"{exercise} raised numpy's ValueError: {text}. In words: `*`, `+` and `-` work entry by entry and "
                f"need equal shapes (or a size 1 to stretch); `*` is not the matrix product, `@` is{given}")
    if "truth value of an array" in text:
        return (f"{exercise} raised numpy's ValueError: {text}. In words: `and`, `or`, `not` and `if` need one "
                "True/False, not an array: use np.logical_and/np.logical_or/np.where (or np.maximum) entry by entry")
    if "only length-1 arrays" in text or "only 0-dimensional arrays" in text or "only size-1 arrays" in text:
        return (f"{exercise} raised numpy's TypeError: {text}. In words: math.exp, math.log, float(...) and int(...) "
                "take one number, not an array: use np.exp/np.log on arrays, and .item() or np.sum(...) without "
                f"keepdims to get one number from an array{given}")
    return None
