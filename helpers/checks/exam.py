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
printed in the notebook; with a seed it draws other numbers.

Examples
--------
>>> check_dL_dz(lambda z, y: 1 / (1 + math.exp(-z)) - y)
✓ dL_dz: ∂L/∂z = σ(z) − y = -0.5 at z = 0, y = 1
"""

from __future__ import annotations

import math

from .._checks import as_rng, check_scalar, format_shape
from ..feedback import assert_matches
from ._common import call, passed, unpack
from ._common import number as _number

__all__ = ["SHAPE_KEYS", "check_dL_dz", "check_differences", "check_one_step", "check_shapes"]

#: The arrays of the shape question, forward ones first.
SHAPE_KEYS = {
    "forward": ("W1", "b1", "Z", "A", "w2", "y_hat"),
    "backward": ("dy_hat", "dw2", "db2", "dA", "dZ", "dW1", "db1"),
}


# --- shapes ----------------------------------------------------------------------------------------

def _shapes(n, k, m):
    __tracebackhide__ = True
    return {"W1": (k, n), "b1": (k, 1), "Z": (k, m), "A": (k, m), "w2": (1, k), "y_hat": (1, m),
            "dy_hat": (1, m), "dw2": (1, k), "db2": (), "dA": (k, m), "dZ": (k, m), "dW1": (k, n), "db1": (k, 1)}


def _shape_hint(key, got, want, n, k, m):
    __tracebackhide__ = True
    names = {(n, m): "X's (n, m)", (k, m): "Z's (k, m)", (k, n): "W1's (k, n)", (1, m): "ŷ's (1, m)",
             (1, k): "w2's (1, k)", (k, 1): "b1's (k, 1)", (): "a number's ()"}
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
    return f"expected {names.get(tuple(want), format_shape(want))}"


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
    if part not in SHAPE_KEYS:
        raise ValueError(f"part: expected 'forward' or 'backward', received {part!r}")
    if seed is None:
        n, k, m = 3, 4, 5
    else:
        n, k, m = (int(v) for v in as_rng(seed).choice(range(2, 30), size=3, replace=False))
    expected = _shapes(n, k, m)
    result = call(shapes, "shapes", n, k, m)
    if not isinstance(result, dict):
        raise AssertionError(f"shapes should return a dict of shapes; received a {type(result).__name__}")
    for key in SHAPE_KEYS[part]:
        if key not in result:
            raise AssertionError(f"shapes(n, k, m) has no key {key!r}; its keys are {sorted(map(str, result))}")
        got = result[key]
        try:
            got = tuple(int(v) for v in got)
        except (TypeError, ValueError):
            raise AssertionError(f"shapes({n}, {k}, {m})[{key!r}] should be a tuple of sizes, like (k, n), "
                                 f"or () for a number; received {got!r}") from None
        want = expected[key]
        if got != want:
            raise AssertionError(f"shapes({n}, {k}, {m})[{key!r}] is {format_shape(got)}, expected "
                                 f"{format_shape(want)}: {_shape_hint(key, got, want, n, k, m)}")
    passed(f"shapes: the {part} shapes are right for n = {n}, k = {k}, m = {m}")


# --- one step of gradient descent -------------------------------------------------------------------

def _numbers(seed, question, draw):
    __tracebackhide__ = True
    if seed is None:
        return question
    gen = as_rng(seed)
    return tuple(round(float(v), 2) for v in draw(gen))


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
    w, b, x, y, lr = _numbers(seed, (1.0, 0.0, 2.0, 3.0, 0.1),
                              lambda g: (*g.uniform(-2, 2, size=4), g.uniform(0.05, 0.3)))
    d = 2 * (w * x + b - y)  # ∂L/∂ŷ
    want = (w - lr * d * x, b - lr * d)
    result = call(one_step, "one_step", w, b, x, y, lr)
    got = unpack(result, ("w_new", "b_new"), "one_step")
    got = [_number(name, v, "one_step", why="w and b are numbers") for name, v in zip(("w_new", "b_new"), got)]
    where = f"at w = {w:g}, b = {b:g}, x = {x:g}, y = {y:g}, η = {lr:g}"
    assert_matches(f"(w_new, b_new) {where}", [float(v) for v in got], want, rtol=1e-6, mistakes={
        "the step goes uphill: gradient descent subtracts, w ← w − η ∂L/∂w": (w + lr * d * x, b + lr * d),
        "the factor 2 from the square is missing: ∂L/∂ŷ = 2(ŷ − y)": (w - lr * d * x / 2, b - lr * d / 2),
        "∂L/∂w is missing its factor x: ∂ŷ/∂w = x": (w - lr * d, b - lr * d),
        "these are the gradients, not the new parameters: return w − η ∂L/∂w, b − η ∂L/∂b": (d * x, d),
    })
    passed(f"one_step: (w, b) → ({want[0]:.6g}, {want[1]:.6g}) {where}")


# --- ∂L/∂z with a sigmoid and binary cross-entropy ---------------------------------------------------

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
    z, y = _numbers(seed, (0.0, 1.0), lambda g: (g.uniform(-3, 3), g.integers(0, 2)))
    a = 1 / (1 + math.exp(-z))
    got = _number("dL_dz", call(dL_dz, "dL_dz", z, y), "dL_dz", why="z is one number, so ∂L/∂z is one too")
    assert_matches(f"dL_dz({z:g}, {y:g})", got, a - y, rtol=1e-6, mistakes={
        "that is ∂L/∂a; multiply by the sigmoid's local derivative a(1 − a) (it cancels to a − y)":
            -y / a + (1 - y) / (1 - a),
        "σ'(z) is multiplied in again: ∂L/∂a · σ'(z) is already a − y": (a - y) * a * (1 - a),
    })
    passed(f"dL_dz: ∂L/∂z = σ(z) − y = {a - y:.6g} at z = {z:g}, y = {y:g}")


# --- forward and centered differences --------------------------------------------------------------

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
    x, eps = _numbers(seed, (1.0, 0.1), lambda g: (g.uniform(-2, 2), g.uniform(0.01, 0.5)))
    eps = check_scalar("eps", eps, positive=True)
    forward = ((x + eps) ** 3 - x ** 3) / eps
    centered = ((x + eps) ** 3 - (x - eps) ** 3) / (2 * eps)
    got = unpack(call(differences, "differences", x, eps), ("forward", "centered"), "differences")
    got = [_number(name, v, "differences", why="a difference quotient is one number")
           for name, v in zip(("forward", "centered"), got)]
    assert_matches(f"(forward, centered) at x = {x:g}, ε = {eps:g}", [float(v) for v in got],
                   (forward, centered), rtol=1e-6, mistakes={
                       "the two are swapped: forward is (f(x+ε) − f(x))/ε": (centered, forward),
                       "the centered difference divides by 2ε, not ε": (forward, 2 * centered),
                       "that is the exact derivative 3x², not the difference quotients": (3 * x * x, 3 * x * x),
                   })
    passed(f"differences: forward {forward:.6g}, centered {centered:.6g} (exact 3x² = {3 * x * x:.6g}) "
           f"at x = {x:g}, ε = {eps:g}")
