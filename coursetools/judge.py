"""Hidden tests compared in the grader's process: the kernel returns outputs, never a verdict.

Under ``coursetools grade`` the kernel's folder holds the hidden fixture *stripped*
(:func:`helpers.checks._fixtures.strip`: per case the inputs and stand-in tables, no expected output,
no mistake): a check that finds such an entry runs the before-value checks it can (an input changed in
place, numpy's errors), then emits what the student's function returned (one output of MIME type
:data:`~helpers.checks._fixtures.MIME` per case) and compares nothing. This module is the other half, in
the worker process outside the sandbox:

* :func:`plan` reads a test cell's hidden part (the gradebook's source, never the student's) with the
  same :mod:`ast` code release uses (:func:`coursetools.fixtures.calls`): which fixture checks it calls,
  with which literal parameters, hence which cases must be emitted;
* :func:`verdict` takes the outputs of the kernel's reply to the hidden part and the full hidden fixture
  (which never enters the sandbox) and compares them with the engine's own comparison
  (:meth:`helpers.checks._engine.Check.judge`), so a mistake is named in the same words as in a kernel.
  The hidden part passes only when every expected case was emitted exactly once, nothing else was
  emitted, every emission is well formed and every case matches; the caller also requires the reply to
  be ``ok``.

A hidden part with no fixture check (a lesson not converted yet) is compared in the kernel, as today
(``"kernel"``); one with both fixture checks and other statements is ``"mixed"``: its fixture checks
are compared here and the rest in the kernel.

Stock ``nbgrader autograde`` is unchanged: it copies the full ``<a>.hidden.json`` and the checks compare
in the kernel.
"""

from __future__ import annotations

import ast
import importlib
import json
from collections import Counter
from dataclasses import dataclass

import nbformat

__all__ = ["IN_KERNEL", "KERNEL", "MIXED", "PARENT", "Plan", "emissions", "judged", "plan", "verdict"]

PARENT, KERNEL, MIXED = "parent", "kernel", "mixed"
#: dtypes an emitted array may declare (anything else is malformed).
_DTYPES = frozenset({"<f8", "<f4", "<f2", "<i8", "<i4", "<i2", "|i1", "<u8", "<u4", "<u2", "|u1", "|b1"})
#: An emission larger than this (characters) is malformed: no correct output of the course comes near it.
MAX_EMISSION = 8 << 20


@dataclass(frozen=True)
class Plan:
    """What the parent compares of one test cell's hidden part.

    ``calls`` are the fixture check calls (:class:`coursetools.fixtures.Call`), ``keys`` the case keys
    they must emit (with multiplicity), ``how`` one of :data:`PARENT`, :data:`KERNEL`, :data:`MIXED`, and
    ``problem`` why the hidden part cannot be compared here (an instructor's error), else "".
    """

    calls: tuple
    keys: Counter
    how: str
    problem: str = ""


#: The plan of a hidden part with no fixture check: compared in the kernel; any emission there is a failure.
IN_KERNEL = Plan((), Counter(), KERNEL)


def _is_fixture_call(node, checks) -> bool:
    from .fixtures import _dotted

    if not isinstance(node, ast.Call):
        return False
    name = _dotted(node.func)
    return bool(name) and name in checks


def plan(cell, cases: dict) -> Plan:
    """The :class:`Plan` of a test cell (a notebook cell with its gradebook source) whose hidden cases are ``cases``.

    ``cases`` is the full hidden fixture's ``cases`` (a case not in it is visible: the kernel compares it).
    """
    from helpers.checks._fixtures import case_key

    from .fixtures import ReleaseError, calls

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.from_dict(dict(cell))]
    try:
        found = [c for c in calls(nb) if c.hidden]
    except (ReleaseError, SyntaxError, ImportError) as exc:
        return Plan((), Counter(), KERNEL, f"the hidden tests cannot be read: {exc}")
    if not found:
        return Plan((), Counter(), KERNEL)
    names = {f"{c.module}.{c.check}" for c in found}
    source = cell["source"]
    start = source.index("### BEGIN HIDDEN TESTS")
    tree = ast.parse(source)
    top, other = [], False
    for stmt in tree.body:
        if stmt.lineno <= source[:start].count("\n") + 1:
            continue  # the visible part
        if isinstance(stmt, ast.Expr) and _is_fixture_call(stmt.value, names):
            top.append(stmt.value)
        elif not (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)):
            other = True
    if len(top) != len(found):  # a check inside a loop, a function or an expression: its emissions uncountable
        return Plan(tuple(found), Counter(), MIXED, "a hidden fixture check is called inside a block or an "
                    "expression; the grader compares only checks called as statements of their own")
    keys = Counter()
    for call in found:
        check = importlib.import_module(call.module).CHECKS[call.check]
        keys.update(k for k in (case_key(call.check, p) for p in check.cases(**call.params)) if k in cases)
    return Plan(tuple(found), keys, MIXED if other else PARENT)


def _well_formed(value, depth=0) -> bool:
    """Only JSON numbers, strings, lists and dicts, arrays with a known dtype and a consistent shape."""
    if depth > 32:
        return False
    if isinstance(value, dict):
        if "shape" in value and "data" in value:
            shape, data = value["shape"], value["data"]
            if not (isinstance(shape, list) and all(isinstance(n, int) and n >= 0 for n in shape)
                    and isinstance(data, list) and value.get("dtype", "<f8") in _DTYPES):
                return False
            size = 1
            for n in shape:
                size *= n
            return size == len(data) and all(isinstance(x, (int, float, bool)) for x in data)
        return all(isinstance(k, str) and _well_formed(v, depth + 1) for k, v in value.items())
    if isinstance(value, list):
        return all(_well_formed(v, depth + 1) for v in value)
    return value is None or isinstance(value, (bool, int, float, str))


def emissions(outputs) -> tuple[list[tuple[str, dict]], list[str]]:
    """The well-formed emissions among a reply's outputs, as ``(case key, {"outputs", "context"})``, and problems."""
    from helpers.checks._fixtures import MIME, decode

    found, problems = [], []
    for out in outputs:
        data = out.get("data", {}) if out.get("output_type") in ("display_data", "execute_result") else {}
        if MIME not in data:
            continue
        text = data[MIME]
        try:
            if not isinstance(text, str) or len(text) > MAX_EMISSION:
                raise ValueError("not a string of outputs")
            sent = json.loads(text)
            if not (isinstance(sent, dict) and isinstance(sent.get("case"), str)
                    and isinstance(sent.get("outputs"), dict) and _well_formed(sent["outputs"])):
                raise ValueError("not {case, outputs, context}")
            context = sent.get("context") if isinstance(sent.get("context"), dict) else {}
            found.append((sent["case"], {"outputs": {k: decode(v) for k, v in sent["outputs"].items()},
                                         "context": context}))
        except (ValueError, TypeError, RecursionError) as exc:
            problems.append(f"a malformed emission ({type(exc).__name__}: {str(exc)[:80]})")
    return found, problems


def verdict(the_plan: Plan, outputs, cases: dict) -> str | None:
    """None when the hidden part's emitted outputs match the full fixture's ``cases``, else why not (for the
    instructor). ``outputs`` are the outputs of the kernel's reply to the hidden part."""
    return judged(the_plan, outputs, cases)[0]


def judged(the_plan: Plan, outputs, cases: dict) -> tuple[str | None, bool]:
    """(:func:`verdict`, whether the failure is a forged or missing emission rather than wrong values)."""
    if the_plan.problem:
        return the_plan.problem, False
    found, problems = emissions(outputs)
    if the_plan.how == KERNEL:  # compared in the kernel: the outputs are its own, nothing is emitted
        return ("outputs were emitted for cases the grader does not compare", True) if found or problems else (
            None, False)
    if problems:
        return "; ".join(problems[:3]), True
    got = Counter(key for key, _ in found)
    if got != the_plan.keys:
        missing = sorted((the_plan.keys - got).elements())
        extra = sorted((got - the_plan.keys).elements())
        parts = ([f"not emitted: {', '.join(missing[:4])}"] if missing else []) + (
            [f"emitted but not expected (or more than once): {', '.join(extra[:4])}"] if extra else [])
        return "the kernel's outputs do not answer the hidden tests' cases: " + "; ".join(parts), True
    queues: dict[str, list] = {}
    for key, sent in found:
        queues.setdefault(key, []).append(sent)
    for call in the_plan.calls:
        check = importlib.import_module(call.module).CHECKS[call.check]
        from helpers.checks._fixtures import case_key

        mine = {}
        for params in check.cases(**call.params):
            key = case_key(call.check, params)
            if key in queues and queues[key] and key not in mine:
                mine[key] = queues[key].pop(0)
        try:
            check.judge(call.params, mine, cases)
        except AssertionError as exc:
            return f"{call.check}({', '.join(f'{k}={v!r}' for k, v in sorted(call.params.items()))}): {exc}", False
        except Exception as exc:  # a value the comparison cannot handle (a string, an object): not a match
            return f"{call.check}: the outputs could not be compared ({type(exc).__name__}: {str(exc)[:200]})", False
    return None, False
