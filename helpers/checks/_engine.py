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

from .._validate import format_shape
from ..feedback import assert_matches, diagnose, fail
from . import _fixtures

__all__ = ["Check", "Table"]


@dataclass(frozen=True)
class Check:
    """One check of one exercise, declared once.

    Attributes
    ----------
    assignment : str or callable
        The assignment whose fixtures hold its cases ("01-univariate"), or ``assignment(params) -> str``
        for a check shared by two lessons.
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
    functions : callable, optional
        ``functions(params) -> {argument: function}``: functions the check passes to the student's function
        as arguments (``sigma``). A string names a solution function: at release the solution's own, in a
        check a table of its recorded values; anything else (``np.tanh``) is passed as it is.
    derive : callable, optional
        ``derive(inputs, solution) -> dict``, run at release only: more inputs computed with the solution's
        functions (``solution["forward"]``), so that a later exercise gets consistent inputs (``y_hat`` and
        the cache of a correct forward pass). They are recorded in the fixture like every input.
    hints : dict
        Parameter name -> what to say when a probe that changes that parameter fails ("{exercise}" is
        filled in); by default a failing probe asks about notebook variables.
    compare : callable, optional
        ``compare(name, received, expected, params)``: fails (through ``fail``) when they differ, in place of
        ``assert_matches`` (the exam's shape tuples).
    related : callable, optional
        ``related(name, entry, params) -> {message: value}``: more fingerprints of output ``name`` taken from
        the case's own fixture ``entry`` (the right value of another layer, stored in the wrong place); they
        follow the mistakes of the library.
    unnamed : str
        Appended to a mismatch that no mistake or relation names.
    rtol, atol : float
        Tolerances of the comparison.
    rng : str
        The input holding the seed of the generator ``call`` passes as ``rng`` (empty: none). Two runs with
        equal seeds must agree (checked before values: ``np.random.permutation`` draws from numpy's global
        generator) and a run with another seed must differ (checked after values: a generator made inside
        with a fixed seed). ``hints["rng"]`` is appended to both messages.
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
    functions: Callable | None = None
    derive: Callable | None = None
    hints: dict = field(default_factory=dict)
    compare: Callable | None = None
    related: Callable | None = None
    unnamed: str = ""
    rtol: float = 1e-6
    atol: float = 1e-9
    sizes: dict = field(default_factory=dict)
    rng: str = ""

    def cases(self, **params) -> list[dict]:
        """The parameters of the main case then of its probes."""
        __tracebackhide__ = True
        return [params, *(self.probes(**params) if self.probes else [])]

    def assignment_for(self, params: dict) -> str:
        """The assignment whose fixtures hold the case ``params``."""
        __tracebackhide__ = True
        return self.assignment(params) if callable(self.assignment) else self.assignment

    def passed_functions(self, params: dict, resolve: Callable) -> dict:
        """The functions passed as arguments for ``params``; ``resolve(name)`` gives a solution function's stand-in."""
        __tracebackhide__ = True
        wanted = self.functions(params) if self.functions else {}
        return {arg: resolve(spec) if isinstance(spec, str) else spec for arg, spec in wanted.items()}

    def solution_names(self, params: dict) -> tuple:
        """The solution functions recorded as tables for ``params``: the stand-ins and the named arguments."""
        __tracebackhide__ = True
        wanted = self.functions(params) if self.functions else {}
        return tuple(self.standins) + tuple(v for v in wanted.values() if isinstance(v, str))

    def run(self, fn, inputs: dict, tables: dict | None = None, params: dict | None = None,
            resolve: Callable | None = None) -> dict:
        """Call ``fn`` on copies of ``inputs`` (with the stand-in ``tables``); fail if it changed an input.

        Functions passed as arguments come from ``resolve(name)`` (release) or from ``tables`` (a check).
        """
        __tracebackhide__ = True
        tables = tables or {}
        given = _copy(inputs)
        if self.functions is not None:
            names = tuple(self.solution_names(params or {}))
            resolve = resolve or (lambda name: Table(name, tables[name], self.exercise, names))
            given.update(self.passed_functions(params or {}, resolve))
        standins = {name: tables[name] for name in self.standins if name in tables}
        with _standins(fn, self.exercise, standins):
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

    def verify(self, fn, **params) -> dict:
        """Run every step of the check on the student's ``fn``: before values, values, probes.

        Returns the main case's fixture entry (its ``inputs`` and ``expected`` outputs, for the ✓ line).
        """
        __tracebackhide__ = True
        main, *probes = self.cases(**params)
        found = self._one(fn, main)
        for probe in probes:
            try:
                self._one(fn, probe)
            except AssertionError as exc:
                self._probe_failed(main, probe, exc)
        return found

    def judge(self, params: dict, emitted: dict, cases: dict) -> None:
        """In the grader's process: compare what a kernel emitted for ``check(**params)`` with the full fixture.

        The other half of collect mode (:func:`helpers.checks._fixtures.emit`): ``emitted`` maps each case
        key to the decoded emission (``outputs`` and ``context``) and ``cases`` holds the full fixture's
        encoded cases. The values are compared exactly as :meth:`verify` compares them in a kernel, in the
        same order (main case, then probes), so a mistake is named in the same words; raises AssertionError
        when they differ or when a case's outputs are missing. A case that is not in ``cases`` (a visible
        one, compared by the kernel with public values) is skipped.
        """
        __tracebackhide__ = True
        main, *probes = self.cases(**params)
        self._one(None, main, emitted=emitted, cases=cases)
        for probe in probes:
            try:
                self._one(None, probe, emitted=emitted, cases=cases)
            except AssertionError as exc:
                self._probe_failed(main, probe, exc)

    def _probe_failed(self, main, probe, exc):
        __tracebackhide__ = True
        changed = [k for k in probe if probe.get(k) != main.get(k) and k in self.hints]
        if changed:
            hint = " " + self.hints[changed[0]].format(exercise=self.exercise)
        elif "instead of its argument" in str(exc):
            hint = ""
        else:
            hint = (f" Does {self.exercise} use a variable of the notebook (such as m, x or X) instead "
                    "of its arguments?")
        fail(f"{self.exercise} is right for {_params(main)} but not for "
                             f"{_params(probe)}: {exc}{hint}")

    def _one(self, fn, params, *, emitted=None, cases=None):
        __tracebackhide__ = True
        if emitted is not None:  # the grader's process: the outputs come from the kernel's emission
            key = _fixtures.case_key(self.name, params)
            if key not in cases:
                return None
            found = _fixtures.entry(self.assignment_for(params), self.name, params, cases=cases)
            fn, outputs = _received(self, key, emitted, found)
        else:
            found = _fixtures.entry(self.assignment_for(params), self.name, params)
            outputs = self.run(fn, found["inputs"], found.get("tables"), params)
            if self.rng:
                self._same_seed_agrees(fn, found, params, outputs)
            if "expected" not in found:  # collect mode: a stripped entry, the grader's process compares
                if self.rng:  # needs no expected value: two runs of the student's own function
                    self._other_seed_differs(fn, found, params, outputs)
                _collect(self, fn, params, outputs)
                return found
        m = params.get("m")
        for name in (n for n in self.outputs if n in found["expected"]):  # a shared check may compare fewer
            received = outputs[name]
            expected = found["expected"][name]
            if self.compare is not None:
                self.compare(name, received, expected, params)
                continue
            if name in self.arrays and isinstance(received, (list, tuple)):
                fail(f"{name} is a Python {type(received).__name__}, expected a numpy array of shape "
                    f"{format_shape(np.shape(expected))}: build it with numpy operations (or np.array(...)), "
                    "so that the next step can compute with it")
            _notebook_columns(fn, self.exercise, name, received, expected)
            mistakes = dict(found.get("mistakes", {}).get(name, {}))
            if self.related is not None:
                mistakes.update({k: v for k, v in self.related(name, found, params).items() if k not in mistakes})
            mistakes.update(_notebook_size(fn, name, expected, m))
            try:
                assert_matches(name, received, expected, m=m, mistakes=mistakes, rtol=self.rtol, atol=self.atol)
            except AssertionError as exc:
                if not self.unnamed or _named(received, expected, m, mistakes):
                    raise
                fail(f"{exc} {self.unnamed}")
        if self.rng and emitted is None:
            self._other_seed_differs(fn, found, params, outputs)
        return found

    def _same_seed_agrees(self, fn, found, params, outputs):
        """Fail when a second run with a generator of the same seed gives other outputs (not drawn from rng)."""
        __tracebackhide__ = True
        again = self.run(fn, found["inputs"], found.get("tables"), params)
        if not _fixtures.same(outputs, again):
            fail(f"{self.exercise} gave different results for two generators made with the same seed, so its "
                 "randomness does not come from its rng argument (np.random.permutation, np.random.shuffle and "
                 "np.random.rand draw from numpy's global generator, np.random.default_rng() from a new one): "
                 f"draw every random number from rng, so that a seed reproduces the run{self._rng_hint()}")

    def _other_seed_differs(self, fn, found, params, outputs):
        """Fail when a generator of another seed gives the same outputs (a generator made inside, fixed seed)."""
        __tracebackhide__ = True
        inputs = dict(found["inputs"])
        inputs[self.rng] = inputs[self.rng] + 1
        other = self.run(fn, inputs, found.get("tables"), params)
        if _fixtures.same(outputs, other):
            fail(f"{self.exercise} gave the same result for generators made with different seeds, so it does not "
                 "draw from its rng argument (a generator made inside with a fixed seed, such as "
                 "np.random.default_rng(0), gives the same numbers every time): draw every random number from "
                 f"rng{self._rng_hint()}")

    def _rng_hint(self):
        __tracebackhide__ = True
        hint = self.hints.get("rng", "")
        return f" ({hint.format(exercise=self.exercise)})" if hint else ""


class _Notebook:
    """What the notebook-global relations read of a student's function (``__globals__``), rebuilt in the
    grader's process from an emission's ``context``: ``m``, and a (1, columns) stand-in per 2-D array."""

    def __init__(self, context):
        __tracebackhide__ = True
        context = context if isinstance(context, dict) else {}
        m = context.get("m")
        columns = context.get("columns") if isinstance(context.get("columns"), dict) else {}
        self.__globals__ = {"m": m} if isinstance(m, int) and not isinstance(m, bool) else {}
        for name, count in list(columns.items())[:_CONTEXT_NAMES]:
            if isinstance(name, str) and isinstance(count, int) and 0 < count < 1 << 40:
                self.__globals__[name] = np.broadcast_to(np.float64(0.0), (1, count))  # no memory


_CONTEXT_NAMES = 64


def _context(fn) -> dict:
    """The notebook facts the value relations use (see :class:`_Notebook`), read from ``fn``'s globals."""
    __tracebackhide__ = True
    namespace = getattr(fn, "__globals__", None)
    if not isinstance(namespace, dict):
        return {}
    m = namespace.get("m")
    columns = {k: int(v.shape[1]) for k, v in list(namespace.items())
               if isinstance(k, str) and not k.startswith("_") and isinstance(v, np.ndarray) and v.ndim == 2}
    return {"m": m if isinstance(m, int) and not isinstance(m, bool) else None,
            "columns": dict(sorted(columns.items())[:_CONTEXT_NAMES])}


def _collect(check, fn, params, outputs):
    """Collect mode: emit the case's outputs for the grader's process, compare nothing."""
    __tracebackhide__ = True
    named = {name: outputs[name] for name in check.outputs if name in outputs}
    _fixtures.emit(_fixtures.case_key(check.name, params), named, _context(fn))


def _received(check, key, emitted, found):
    """(a stand-in for the student's function, its outputs) of the case ``key`` from a kernel's emission."""
    __tracebackhide__ = True
    sent = emitted.get(key)
    if not isinstance(sent, dict) or not isinstance(sent.get("outputs"), dict):
        fail(f"the kernel emitted no outputs for {key}: the check did not run to its end", kind=AssertionError)
    outputs = sent["outputs"]
    missing = [name for name in check.outputs if name in found["expected"] and name not in outputs]
    if missing:
        fail(f"the kernel emitted no {', '.join(missing)} for {key}", kind=AssertionError)
    return _Notebook(sent.get("context")), outputs


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


def _notebook_columns(fn, exercise, name, received, expected):
    """Fail when an output has one column per example of a notebook array instead of the argument's."""
    __tracebackhide__ = True
    got, want = np.shape(received), np.shape(expected)
    if len(got) != 2 or len(want) != 2 or got[0] != want[0] or got[1] == want[1] or got[1] < 2:
        return
    namespace = getattr(fn, "__globals__", None)
    names = sorted(k for k, v in (namespace or {}).items() if not k.startswith("_") and isinstance(v, np.ndarray)
                   and v.ndim == 2 and v.shape[1] == got[1])
    if names:
        fail(f"{name} has shape {format_shape(got)}, expected {format_shape(want)}: it has a column for each of "
             f"{got[1]} examples, like the notebook's {', '.join(names)}, but the data passed in has {want[1]}; "
             f"does {exercise} use a variable of the notebook (such as {names[0]}) instead of its argument?")


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
            f"{self.caller} never passes ({shown}), so the mistake is in {self.caller} itself: check each step, "
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
