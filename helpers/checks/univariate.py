"""Checks for lesson 1, univariate regression: ``ŷ = w x + b`` with the mean squared error.

Shapes, one example per column: ``x``, ``y`` and ``y_hat`` are (1, m); ``w``,
``b``, the loss ``L``, ``dw`` and ``db`` are single numbers.

==========================  ============================================  ===========================
check                       calls the student's                           compares
==========================  ============================================  ===========================
``check_forward``           ``forward(x, w, b)``                          ``y_hat`` (1, m)
``check_mse_loss``          ``mse_loss(y_hat, y)``                        ``L``
``check_backward_dw``       ``backward(x, y, y_hat)``                     ``dw``
``check_backward_db``       ``backward(x, y, y_hat)``                     ``db``
``check_gradient_descent``  ``gradient_descent(x, y, w, b, lr, steps)``   ``path`` (steps + 1, 2),
                                                                          ``losses`` (steps + 1,)
==========================  ============================================  ===========================

Every check takes the student's function, a ``seed`` and the number of examples
``m``. Its inputs are generated here from the seed (data and a point, or random
predictions); the right outputs and the outputs of known mistakes come from the
fixtures that ``coursetools release`` computed from the solution notebook
(``01-univariate.fixtures.json`` next to the notebook; see ``docs/checks.md``).
Nothing here computes an answer.

Each exercise is graded on its own: while ``check_gradient_descent`` runs the
student's loop, the names ``forward``, ``mse_loss`` and ``backward`` answer from
tables of the correct values recorded at release, so a wrong earlier exercise
costs only its own points.
"""

from __future__ import annotations

import numpy as np

from .._validate import as_rng, format_shape
from ..data import make_univariate
from ..feedback import fail
from ._common import call, passed, unpack
from ._engine import Check

__all__ = [
    "CHECKS",
    "check_backward_db",
    "check_backward_dw",
    "check_forward",
    "check_gradient_descent",
    "check_mse_loss",
]

ASSIGNMENT = "01-univariate"


# --------------------------------------------------------------------------- inputs (no answers)


def _problem(seed, m):
    """Seeded data and a point to evaluate at: ``x``, ``y`` of shape (1, m) and numbers ``w``, ``b``.

    The point ``(w, b)`` is away from zero (so a forgotten ``b`` or ``x`` shows)
    and away from the line the data came from (so the gradients are not small).
    """
    __tracebackhide__ = True
    gen = as_rng(seed)
    x, y = make_univariate(m, w=gen.uniform(-3.0, 3.0), b=gen.uniform(-2.0, 2.0), rng=gen)
    w = float(gen.uniform(0.5, 2.5) * gen.choice([-1.0, 1.0]))
    b = float(gen.uniform(0.5, 2.5) * gen.choice([-1.0, 1.0]))
    return x, y, w, b


def _predictions_for(seed, m):
    """Data and predictions that miss them by random amounts: ``x``, ``y``, ``y_hat`` of shape (1, m)."""
    __tracebackhide__ = True
    gen = as_rng(seed)
    x, y, _, _ = _problem(gen, m)
    y_hat = y + gen.normal(0.8, 1.5, size=(1, m))
    return x, y, y_hat


def _forward_inputs(seed, m):
    __tracebackhide__ = True
    x, _, w, b = _problem(seed, m)
    return {"x": x, "w": w, "b": b}


def _loss_inputs(seed, m):
    __tracebackhide__ = True
    _, y, y_hat = _predictions_for(seed, m)
    return {"y_hat": y_hat, "y": y}


def _backward_inputs(seed, m):
    __tracebackhide__ = True
    x, y, y_hat = _predictions_for(seed, m)
    return {"x": x, "y": y, "y_hat": y_hat}


def _descent_inputs(seed, m, steps=3, learning_rate=0.1):
    __tracebackhide__ = True
    x, y, w, b = _problem(seed, m)
    return {"x": x, "y": y, "w": w, "b": b, "learning_rate": learning_rate, "steps": steps}


def _other_size(seed, m, **rest):
    """The probe of a case: other data, three more examples."""
    __tracebackhide__ = True
    return [{"seed": seed + 1000, "m": m + 3, **rest}]


# --------------------------------------------------------------------------- how the student is called


def _one_number(name, value, fn_name, m):
    """Return ``value`` as a float, or raise AssertionError saying why it is not one number."""
    __tracebackhide__ = True
    if value is None:
        fail(f"{name} is None, expected one number: did {fn_name} forget to `return` it?")
    if isinstance(value, (str, bytes)):
        fail(f"{name} is a {type(value).__name__}, expected one number (a float)")
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        fail(f"{name} is a {type(value).__name__}, expected one number (a float)")
    if arr.shape == ():
        return float(arr)
    if arr.size == m and m > 1:
        hint = ("it has one entry per example: sum (or average) over the m examples "
                "to get one number")
    elif arr.size == 1:
        hint = ("it is an array holding one number; return the number itself "
                "(np.sum and np.mean without keepdims give one, or use .item())")
    else:
        hint = "expected a single number"
    fail(f"{name} has shape {format_shape(arr.shape)}, expected one number (a float): {hint}")


def _call_forward(fn, i):
    __tracebackhide__ = True
    y_hat = call(fn, "forward", i["x"], i["w"], i["b"])
    m = i["x"].shape[1]
    shape = np.shape(y_hat)
    if len(shape) == 2 and shape[0] == 1 and shape[1] != m and shape[1] > 1:
        fail(f"y_hat has shape {format_shape(shape)}, expected (1, {m}): it has a column for each of "
            f"{shape[1]} examples, but the x passed in has {m}; does forward use a variable of the "
            "notebook (such as x) instead of its argument?")
    return {"y_hat": y_hat}


def _call_loss(fn, i):
    __tracebackhide__ = True
    m = i["y"].shape[1]
    return {"L": _one_number("L", call(fn, "mse_loss", i["y_hat"], i["y"]), "mse_loss", m)}


def _call_backward(fn, i):
    __tracebackhide__ = True
    result = call(fn, "backward", i["x"], i["y"], i["y_hat"])
    return dict(zip(("dw", "db"), unpack(result, ("dw", "db"), "backward")))


def _call_backward_part(name):
    __tracebackhide__ = True

    def part(fn, i):
        __tracebackhide__ = True
        got = _call_backward(fn, i)[name]
        return {name: _one_number(name, got, "backward", i["x"].shape[1])}
    return part


def _call_descent(fn, i):
    __tracebackhide__ = True
    result = call(fn, "gradient_descent", i["x"], i["y"], i["w"], i["b"], i["learning_rate"], i["steps"])
    return dict(zip(("path", "losses"), unpack(result, ("path", "losses"), "gradient_descent")))


FORWARD = Check(ASSIGNMENT, "check_forward", "forward", _forward_inputs, _call_forward, ("y_hat",),
                arrays=("y_hat",), probes=_other_size)
MSE_LOSS = Check(ASSIGNMENT, "check_mse_loss", "mse_loss", _loss_inputs, _call_loss, ("L",), probes=_other_size)
BACKWARD_DW = Check(ASSIGNMENT, "check_backward_dw", "backward", _backward_inputs, _call_backward_part("dw"),
                    ("dw",), probes=_other_size)
BACKWARD_DB = Check(ASSIGNMENT, "check_backward_db", "backward", _backward_inputs, _call_backward_part("db"),
                    ("db",), probes=_other_size)
GRADIENT_DESCENT = Check(
    ASSIGNMENT, "check_gradient_descent", "gradient_descent", _descent_inputs, _call_descent, ("path", "losses"),
    probes=_other_size, standins=("forward", "mse_loss", "backward"),
    unnamed="This test runs your loop with correct forward, mse_loss and backward functions, so the mistake is "
            "in the loop itself: check each update, and check that the loop uses its arguments x, y, w, b, "
            "learning_rate and steps, not the notebook's variables.")

CHECKS = {c.name: c for c in (FORWARD, MSE_LOSS, BACKWARD_DW, BACKWARD_DB, GRADIENT_DESCENT)}


# --------------------------------------------------------------------------- the checks


def check_forward(forward, *, seed: int = 0, m: int = 5) -> None:
    """Check ``forward(x, w, b)``: ``y_hat = w x + b`` of shape (1, m).

    Parameters
    ----------
    forward : callable
        The student's ``forward(x, w, b) -> y_hat``.
    seed : int
        Seed of the data and of the point ``(w, b)``.
    m : int
        Number of examples.
    """
    __tracebackhide__ = True
    FORWARD.verify(forward, seed=seed, m=m)
    passed(f"forward: y_hat = w x + b, shape (1, {m})")


def check_mse_loss(mse_loss, *, seed: int = 0, m: int = 5) -> None:
    """Check ``mse_loss(y_hat, y)``: the number ``L = (1/m) Σ (ŷ − y)²``.

    Parameters are those of :func:`check_forward`, with the student's ``mse_loss(y_hat, y) -> L``.
    """
    __tracebackhide__ = True
    MSE_LOSS.verify(mse_loss, seed=seed, m=m)
    passed(f"mse_loss: L = (1/m) Σ (ŷ − y)² (m = {m})")


def check_backward_dw(backward, *, seed: int = 0, m: int = 5) -> None:
    """Check the first value of ``backward(x, y, y_hat)``: ``dw = (2/m) Σ (ŷ − y) x``.

    Parameters are those of :func:`check_forward`, with the student's ``backward(x, y, y_hat) -> (dw, db)``.
    """
    __tracebackhide__ = True
    BACKWARD_DW.verify(backward, seed=seed, m=m)
    passed(f"backward: dw = (2/m) Σ (ŷ − y) x (m = {m})")


def check_backward_db(backward, *, seed: int = 0, m: int = 5) -> None:
    """Check the second value of ``backward(x, y, y_hat)``: ``db = (2/m) Σ (ŷ − y)``.

    Parameters are those of :func:`check_backward_dw`.
    """
    __tracebackhide__ = True
    BACKWARD_DB.verify(backward, seed=seed, m=m)
    passed(f"backward: db = (2/m) Σ (ŷ − y) (m = {m})")


def check_gradient_descent(gradient_descent, *, seed: int = 0, m: int = 5, steps: int = 3,
                           learning_rate: float = 0.1) -> None:
    """Check ``gradient_descent(x, y, w, b, learning_rate, steps) -> (path, losses)``.

    ``path`` has shape (steps + 1, 2), row ``t`` holding ``(w, b)`` after ``t``
    updates (row 0 is the start); ``losses`` has shape (steps + 1,), entry
    ``t`` the loss at row ``t`` of ``path``.

    Parameters
    ----------
    gradient_descent : callable
        The student's function. While it runs, the names ``forward``,
        ``mse_loss`` and ``backward`` in its global namespace answer from the
        fixture's tables of correct values (the student's are restored
        afterwards), so only the loop is graded.
    seed : int
        Seed of the data and of the starting point.
    m : int
        Number of examples.
    steps : int
        Number of updates.
    learning_rate : float
        Step size.
    """
    __tracebackhide__ = True
    GRADIENT_DESCENT.verify(gradient_descent, seed=seed, m=m, steps=steps, learning_rate=learning_rate)
    passed(f"gradient_descent: path {format_shape((steps + 1, 2))} and losses {format_shape((steps + 1,))} "
           f"match {steps} update{'' if steps == 1 else 's'} w ← w − η dw, b ← b − η db")
