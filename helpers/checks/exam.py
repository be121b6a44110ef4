"""Checks for the exam-practice sheet (assignment 8): shape reasoning and short numeric questions.

The auto-graded questions are functions of their inputs, so that grading can
ask the same question again with other numbers:

=============================================  ==========================================================
student's function                             check
=============================================  ==========================================================
``shapes(n, k, m) -> dict``                    :func:`check_shapes` (``part="forward"`` or ``"backward"``)
``one_step(w, b, x, y, learning_rate)``        :func:`check_one_step`
``-> (w_new, b_new)``
``dL_dz(z, y) -> float``                       :func:`check_dL_dz`
``differences(x, eps) -> (forward, centered)`` :func:`check_differences`
=============================================  ==========================================================

The network of the shape question is lesson 4's, one example per column::

    Z = W1 X + b1     X (n, m), W1 (k, n), b1 (k, 1), Z (k, m)
    A = σ(Z)          A (k, m)
    ŷ = w2 A + b2     w2 (1, k), b2 a number, ŷ (1, m)

With ``seed=None`` (the default) each numeric check asks exactly the question
printed in the notebook; with a seed it draws other numbers. Every check also
asks again with drawn numbers (its probes: ``z = 0`` alone would hide a sign
slip in ``σ(z)``, ``y = 1`` alone the ``1 − y`` term). The right answers and
the answers of known mistakes come from the fixtures ``coursetools release``
computed from the solution notebook (``08-exam-practice.fixtures.json``; see
``docs/checks.md``); nothing here computes an answer.
"""

from __future__ import annotations

import numpy as np

from .._checks import as_rng, check_scalar, format_shape
from ..feedback import fail
from ._common import call, passed, unpack
from ._common import number as _number
from ._engine import Check

__all__ = ["CHECKS", "SHAPE_KEYS", "check_dL_dz", "check_differences", "check_one_step", "check_shapes"]

ASSIGNMENT = "08-exam-practice"

#: The arrays of the shape question, forward ones first.
SHAPE_KEYS = {
    "forward": ("W1", "b1", "Z", "A", "w2", "y_hat"),
    "backward": ("dy_hat", "dw2", "db2", "dA", "dZ", "dW1", "db1"),
}


def _probes(seed=None, **rest):
    """Two other draws of the same question (the notebook's own numbers may hide a term)."""
    __tracebackhide__ = True
    base = 1000 if seed is None else seed + 1000
    return [{**rest, "seed": base}, {**rest, "seed": base + 1}]


# --- shapes ----------------------------------------------------------------------------------------

def _sizes(seed):
    __tracebackhide__ = True
    if seed is None:
        return 3, 4, 5
    return tuple(int(v) for v in as_rng(seed).choice(range(2, 30), size=3, replace=False))


def _shape_inputs(part="forward", seed=None):
    __tracebackhide__ = True
    if part not in SHAPE_KEYS:
        fail(f"part: expected 'forward' or 'backward', received {part!r}", kind=ValueError)
    n, k, m = _sizes(seed)
    return {"n": n, "k": k, "m": m, "part": part}


def _call_shapes(fn, i):
    __tracebackhide__ = True
    n, k, m = i["n"], i["k"], i["m"]
    result = call(fn, "shapes", n, k, m)
    if not isinstance(result, dict):
        fail(f"shapes should return a dict of shapes; received a {type(result).__name__}")
    out = {}
    for key in SHAPE_KEYS[i["part"]]:
        if key not in result:
            fail(f"shapes(n, k, m) has no key {key!r}; its keys are {sorted(map(str, result))}")
        got = result[key]
        try:
            out[key] = tuple(int(v) for v in got)
        except (TypeError, ValueError):
            fail(f"shapes({n}, {k}, {m})[{key!r}] should be a tuple of sizes, like (k, n), "
                 f"or () for a number; received {got!r}")
    return out


def _shape_hint(key, got, want):
    __tracebackhide__ = True
    if key.startswith("d"):
        of = key[1:]
        if of in ("W1", "b1", "w2", "b2"):
            return f"a gradient has the shape of its parameter: {key} has the shape of {of}"
        return f"{key} = ∂L/∂{of} has the shape of {of}"
    if len(got) == 2 and tuple(got) == tuple(want)[::-1]:
        return "it is transposed: one example per column, so m counts columns"
    if key in ("Z", "A"):
        return "one row per hidden unit, one column per example"
    if key == "y_hat":
        return "one prediction per example, in a row"
    return f"expected {format_shape(want)}"


def _compare_shapes(key, got, want, params):
    __tracebackhide__ = True
    want = tuple(int(v) for v in want)
    n, k, m = _sizes(params.get("seed"))
    if tuple(got) != want:
        fail(f"shapes({n}, {k}, {m})[{key!r}] is {format_shape(got)}, expected {format_shape(want)}: "
             f"{_shape_hint(key, got, want)}")


SHAPES = Check(ASSIGNMENT, "check_shapes", "shapes", _shape_inputs, _call_shapes,
               (*SHAPE_KEYS["forward"], *SHAPE_KEYS["backward"]), probes=_probes, compare=_compare_shapes)


def check_shapes(shapes, *, part: str = "forward", seed: int | None = None) -> None:
    """Check the ``part`` entries of ``shapes(n, k, m)``, each a tuple like ``(k, n)``.

    Parameters
    ----------
    shapes : callable
        The student's ``shapes(n, k, m)``, returning a dict from the names of
        :data:`SHAPE_KEYS` to shape tuples (``()`` for a number).
    part : {"forward", "backward"}
        Which entries to grade.
    seed : int, optional
        None asks for n = 3, k = 4, m = 5; a seed draws other distinct sizes.
    """
    __tracebackhide__ = True
    _shape_inputs(part, seed)
    SHAPES.verify(shapes, part=part, seed=seed)
    n, k, m = _sizes(seed)
    passed(f"shapes: the {part} shapes are right for n = {n}, k = {k}, m = {m}")


# --- the numeric questions -------------------------------------------------------------------------

def _numbers(seed, question, draw):
    __tracebackhide__ = True
    if seed is None:
        return question
    gen = as_rng(seed)
    return tuple(round(float(v), 2) for v in draw(gen))


def _step_inputs(seed=None):
    __tracebackhide__ = True
    w, b, x, y, lr = _numbers(seed, (1.0, 0.0, 2.0, 3.0, 0.1),
                              lambda g: (*g.uniform(-2, 2, size=4), g.uniform(0.05, 0.3)))
    return {"w": w, "b": b, "x": x, "y": y, "learning_rate": lr}


def _call_step(fn, i):
    __tracebackhide__ = True
    result = call(fn, "one_step", i["w"], i["b"], i["x"], i["y"], i["learning_rate"])
    got = unpack(result, ("w_new", "b_new"), "one_step")
    got = [float(_number(name, v, "one_step", why="w and b are numbers")) for name, v in zip(("w_new", "b_new"), got)]
    return {"(w_new, b_new)": np.array(got)}


def _dz_inputs(seed=None):
    __tracebackhide__ = True
    z, y = _numbers(seed, (0.0, 1.0), lambda g: (g.uniform(-3, 3), g.integers(0, 2)))
    return {"z": z, "y": y}


def _call_dz(fn, i):
    __tracebackhide__ = True
    got = _number("dL_dz", call(fn, "dL_dz", i["z"], i["y"]), "dL_dz", why="z is one number, so ∂L/∂z is one too")
    return {"dL_dz": got}


def _difference_inputs(seed=None):
    __tracebackhide__ = True
    x, eps = _numbers(seed, (1.0, 0.1), lambda g: (g.uniform(-2, 2), g.uniform(0.01, 0.5)))
    return {"x": x, "eps": float(check_scalar("eps", eps, positive=True))}


def _call_differences(fn, i):
    __tracebackhide__ = True
    got = unpack(call(fn, "differences", i["x"], i["eps"]), ("forward", "centered"), "differences")
    got = [float(_number(name, v, "differences", why="a difference quotient is one number"))
           for name, v in zip(("forward", "centered"), got)]
    return {"(forward, centered)": np.array(got)}


ONE_STEP = Check(ASSIGNMENT, "check_one_step", "one_step", _step_inputs, _call_step, ("(w_new, b_new)",),
                 probes=_probes)
def _dz_probes(seed=None):
    """Two drawn questions, one with y = 0 and one with y = 1: y = 1 alone hides the (1 − y) term."""
    __tracebackhide__ = True
    base = 1000 if seed is None else seed + 1000
    first = {}
    for s in range(base, base + 100):
        first.setdefault(_dz_inputs(s)["y"], s)
        if len(first) == 2:
            break
    return [{"seed": s} for _, s in sorted(first.items())]


DL_DZ = Check(ASSIGNMENT, "check_dL_dz", "dL_dz", _dz_inputs, _call_dz, ("dL_dz",), probes=_dz_probes)
DIFFERENCES = Check(ASSIGNMENT, "check_differences", "differences", _difference_inputs, _call_differences,
                    ("(forward, centered)",), probes=_probes)

CHECKS = {c.name: c for c in (SHAPES, ONE_STEP, DL_DZ, DIFFERENCES)}


def check_one_step(one_step, *, seed: int | None = None) -> None:
    """Check ``one_step(w, b, x, y, learning_rate)``: one gradient step on ``L = (w x + b - y)²``.

    Parameters
    ----------
    one_step : callable
        The student's function, returning ``(w_new, b_new)``.
    seed : int, optional
        None asks the notebook's question (w = 1, b = 0, x = 2, y = 3, η = 0.1);
        a seed draws other numbers.
    """
    __tracebackhide__ = True
    found = ONE_STEP.verify(one_step, seed=seed)
    i, (w_new, b_new) = found["inputs"], found["expected"]["(w_new, b_new)"]
    passed(f"one_step: (w, b) → ({w_new:.6g}, {b_new:.6g}) at w = {i['w']:g}, b = {i['b']:g}, x = {i['x']:g}, "
           f"y = {i['y']:g}, η = {i['learning_rate']:g}")


def check_dL_dz(dL_dz, *, seed: int | None = None) -> None:
    """Check ``dL_dz(z, y)``: the gradient ``σ(z) − y`` of the binary cross-entropy of ``σ(z)``.

    Parameters
    ----------
    dL_dz : callable
        The student's function, returning a number.
    seed : int, optional
        None asks the notebook's question (z = 0, y = 1); a seed draws z in [-3, 3] and y in {0, 1}.
    """
    __tracebackhide__ = True
    found = DL_DZ.verify(dL_dz, seed=seed)
    i = found["inputs"]
    passed(f"dL_dz: ∂L/∂z = σ(z) − y = {float(found['expected']['dL_dz']):.6g} at z = {i['z']:g}, y = {i['y']:g}")


def check_differences(differences, *, seed: int | None = None) -> None:
    """Check ``differences(x, eps)`` returns the forward and centered differences of ``f(x) = x³``.

    Parameters
    ----------
    differences : callable
        The student's function, returning ``(forward, centered)``.
    seed : int, optional
        None asks the notebook's question (x = 1, ε = 0.1); a seed draws x in [-2, 2], ε in [0.01, 0.5].
    """
    __tracebackhide__ = True
    found = DIFFERENCES.verify(differences, seed=seed)
    i, (forward, centered) = found["inputs"], found["expected"]["(forward, centered)"]
    passed(f"differences: forward {forward:.6g}, centered {centered:.6g} (exact 3x² = {3 * i['x'] ** 2:.6g}) "
           f"at x = {i['x']:g}, ε = {i['eps']:g}")
