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

Every check takes the student's function, a ``seed`` and the number of
examples ``m``; it makes its own data, computes the right answer itself and
either prints one ``✓`` line or raises :class:`AssertionError` naming the
array, its shape, the worst entry and, where it can tell, the likely mistake.

Each exercise is graded on its own: ``check_gradient_descent`` runs the
student's loop with correct ``forward``, ``mse_loss`` and ``backward`` (see
:func:`_our_functions`), so a wrong earlier exercise costs only its own points.

Examples
--------
>>> check_forward(lambda x, w, b: w * x + b)
✓ forward: y_hat = w x + b, shape (1, 5)
>>> check_forward(lambda x, w, b: w * x)
Traceback (most recent call last):
...
AssertionError: y_hat has the right shape (1, 5) but wrong values: 5 of 5 entries differ; the
worst, at (0, 2): received 2.77533, expected 0.816024. Likely mistake: the bias b is missing:
ŷ = w x + b, not w x.
"""

from __future__ import annotations

import contextlib

import numpy as np

from .._checks import as_rng, format_shape
from ..data import make_univariate
from ..feedback import assert_matches, diagnose
from ._common import call, passed, unpack

__all__ = [
    "check_backward_db",
    "check_backward_dw",
    "check_forward",
    "check_gradient_descent",
    "check_mse_loss",
]


# --------------------------------------------------------------------------- data and reference answers


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


def _forward(x, w, b):
    """The right forward pass, ``y_hat = w x + b`` of shape (1, m)."""
    __tracebackhide__ = True
    return w * x + b


def _mse_loss(y_hat, y):
    """The right loss, one number."""
    __tracebackhide__ = True
    return float(np.mean((y_hat - y) ** 2))


def _gradients(x, y, y_hat):
    """The right ``(dw, db)`` for ``x``, ``y``, ``y_hat`` of shape (1, m)."""
    __tracebackhide__ = True
    dy_hat = 2.0 * (y_hat - y) / x.shape[1]
    return float(np.sum(dy_hat * x)), float(np.sum(dy_hat))


def _descent(x, y, w, b, learning_rate, steps, *, mistake=None):
    """Reference gradient descent: ``path`` (steps + 1, 2) and ``losses`` (steps + 1,).

    ``mistake`` reproduces a wrong loop: "ascent", "b_fixed", "w_fixed",
    "stale" (gradients computed once, before the loop) or "no_lr".
    """
    __tracebackhide__ = True
    path, losses = [], []
    stale = _gradients(x, y, _forward(x, w, b))
    for step in range(steps + 1):
        y_hat = _forward(x, w, b)
        path.append((w, b))
        losses.append(_mse_loss(y_hat, y))
        if step == steps:
            break
        dw, db = stale if mistake == "stale" else _gradients(x, y, y_hat)
        lr = 1.0 if mistake == "no_lr" else learning_rate
        sign = -1.0 if mistake == "ascent" else 1.0
        if mistake != "w_fixed":
            w = w - sign * lr * dw
        if mistake != "b_fixed":
            b = b - sign * lr * db
    return np.array(path), np.array(losses)


@contextlib.contextmanager
def _our_functions(fn):
    """Run the student's ``fn`` with our forward, mse_loss and backward in place of the student's.

    ``gradient_descent`` looks these names up in its module's (the notebook's)
    global namespace when it runs. Swapping in the right ones for the length of
    the check grades the loop alone: an unfinished or wrong earlier exercise
    does not cost the loop's points too. The student's functions are put back
    afterwards, whatever happens.
    """
    __tracebackhide__ = True
    namespace = getattr(fn, "__globals__", None)
    if not isinstance(namespace, dict):
        yield
        return
    ours = {"forward": _forward, "mse_loss": _mse_loss, "backward": _gradients}
    saved = {name: namespace[name] for name in ours if name in namespace}
    namespace.update(ours)
    try:
        yield
    finally:
        for name in ours:
            namespace.pop(name, None)
        namespace.update(saved)


def _one_number(name, value, fn_name, m):
    """Return ``value`` as a float, or raise AssertionError saying why it is not one number."""
    __tracebackhide__ = True
    if value is None:
        raise AssertionError(f"{name} is None, expected one number: did {fn_name} forget to `return` it?")
    if isinstance(value, (str, bytes)):
        raise AssertionError(f"{name} is a {type(value).__name__}, expected one number (a float)")
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise AssertionError(f"{name} is a {type(value).__name__}, expected one number (a float)") from None
    if arr.shape == ():
        return float(arr)
    if arr.size == m and m > 1:
        hint = ("it has one entry per example: sum (or average) over the m examples "
                "to get one number")
    elif arr.size == 1:
        hint = ("it is an array holding one number; return the number itself "
                "(np.sum and np.mean without keepdims give one, or use float(...))")
    else:
        hint = "expected a single number"
    raise AssertionError(f"{name} has shape {format_shape(arr.shape)}, expected one number (a float): {hint}")


def _factors(name, expected, m):
    """Mistakes that scale a gradient ``name`` by a constant: the factor 2 and the 1/m."""
    __tracebackhide__ = True
    out = {
        f"{name} is half the right value: the factor 2 from differentiating the square is missing":
            0.5 * expected,
        f"{name} is twice the right value: an extra factor 2": 2.0 * expected,
    }
    if m > 2:  # with m = 1 or 2 these factors are 1 or 2 and say nothing new
        out.update({
            f"{name} is m = {m} times too large: the 1/m is missing": m * expected,
            f"{name} is m/2 = {m / 2:g} times too large: the 1/m and the factor 2 are both missing":
                m / 2 * expected,
            f"{name} is 2m = {2 * m} times too large: the 1/m is missing and there is an extra factor 2":
                2.0 * m * expected,
        })
    return out


def _predictions(received, m):
    """Catch a (1, k) answer built from the notebook's data instead of the arguments."""
    __tracebackhide__ = True
    shape = np.shape(received)
    if len(shape) == 2 and shape[0] == 1 and shape[1] != m and shape[1] > 1:
        raise AssertionError(
            f"y_hat has shape {format_shape(shape)}, expected (1, {m}): it has a column for each of "
            f"{shape[1]} examples, but the x passed in has {m}; does forward use a variable of the "
            "notebook (such as x) instead of its argument?")


# --------------------------------------------------------------------------- exercise 1: forward


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
    x, _, w, b = _problem(seed, m)
    expected = _forward(x, w, b)
    y_hat = call(forward, "forward", x.copy(), w, b)
    _predictions(y_hat, m)
    assert_matches("y_hat", y_hat, expected, m=m, mistakes={
        "the bias b is missing: ŷ = w x + b, not w x": w * x,
        "w and b are swapped: ŷ = w x + b, not b x + w": b * x + w,
        "b is multiplied by w as well: ŷ = w x + b, not w (x + b)": w * (x + b),
        "b is subtracted: ŷ = w x + b, not w x − b": w * x - b,
    })
    passed(f"forward: y_hat = w x + b, shape (1, {m})")


# --------------------------------------------------------------------------- exercise 2: mse_loss


def check_mse_loss(mse_loss, *, seed: int = 0, m: int = 5) -> None:
    """Check ``mse_loss(y_hat, y)``: the number ``L = (1/m) Σ (ŷ − y)²``.

    Parameters
    ----------
    mse_loss : callable
        The student's ``mse_loss(y_hat, y) -> L``.
    seed : int
        Seed of the data and of the predictions.
    m : int
        Number of examples.
    """
    __tracebackhide__ = True
    x, y, w, b = _problem(seed, m)
    y_hat = _forward(x, w, b)
    r = y_hat - y
    expected = _mse_loss(y_hat, y)
    loss = _one_number("L", call(mse_loss, "mse_loss", y_hat.copy(), y.copy()), "mse_loss", m)
    assert_matches("L", loss, expected, m=m, mistakes={
        "the sum instead of the mean: divide by m (np.mean does)": np.sum(r ** 2),
        "an extra 1/2: this course's loss is (1/m) Σ (ŷ − y)², without ½": 0.5 * expected,
        "the differences are not squared, so positive and negative errors cancel": np.mean(r),
        "absolute values instead of squares: that is the mean absolute error": np.mean(np.abs(r)),
        "a square root too many: that is the root mean squared error": np.sqrt(expected),
        "the mean is squared instead of the squares averaged: square each ŷ − y first, then "
        "average": np.mean(r) ** 2,
        **({"divided by m − 1 instead of m": np.sum(r ** 2) / (m - 1)} if m > 1 else {}),
    })
    passed(f"mse_loss: L = (1/m) Σ (ŷ − y)² (m = {m})")


# --------------------------------------------------------------------------- exercise 3: backward


def _backward(backward, name, seed, m):
    """Call the student's backward on seeded data; return its ``name`` ("dw" or "db") as a number,
    the right ``(dw, db)``, ``x`` and the errors ``ŷ − y``."""
    __tracebackhide__ = True
    x, y, w, b = _problem(seed, m)
    y_hat = _forward(x, w, b)
    result = call(backward, "backward", x.copy(), y.copy(), y_hat.copy())
    got = dict(zip(("dw", "db"), unpack(result, ("dw", "db"), "backward")))[name]
    return _one_number(name, got, "backward", m), _gradients(x, y, y_hat), x, y_hat - y


def check_backward_dw(backward, *, seed: int = 0, m: int = 5) -> None:
    """Check the first value of ``backward(x, y, y_hat)``: ``dw = (2/m) Σ (ŷ − y) x``.

    Parameters
    ----------
    backward : callable
        The student's ``backward(x, y, y_hat) -> (dw, db)``.
    seed : int
        Seed of the data and of the predictions.
    m : int
        Number of examples.
    """
    __tracebackhide__ = True
    dw, (expected, db), x, r = _backward(backward, "dw", seed, m)
    assert_matches("dw", dw, expected, m=m, mistakes={
        "the sign is flipped: the error is ŷ − y (y_hat - y), not y − ŷ": -expected,
        "the factor x is missing, which gives ∂L/∂b: dw = (2/m) Σ (ŷ − y) x (or are dw and db "
        "swapped?)": db,
        "the product of two sums: multiply (ŷ − y) by x entry by entry first, then sum": 2.0 * np.mean(r) * np.mean(x),
        **_factors("dw", expected, m),
    })
    passed(f"backward: dw = (2/m) Σ (ŷ − y) x (m = {m})")


def check_backward_db(backward, *, seed: int = 0, m: int = 5) -> None:
    """Check the second value of ``backward(x, y, y_hat)``: ``db = (2/m) Σ (ŷ − y)``.

    Parameters are those of :func:`check_backward_dw`.
    """
    __tracebackhide__ = True
    db, (dw, expected), _, _ = _backward(backward, "db", seed, m)
    assert_matches("db", db, expected, m=m, mistakes={
        "the sign is flipped: the error is ŷ − y (y_hat - y), not y − ŷ": -expected,
        "multiplied by x, which gives ∂L/∂w: ∂ŷ/∂b = 1, so db = (2/m) Σ (ŷ − y) (or are dw and db "
        "swapped?)": dw,
        **_factors("db", expected, m),
    })
    passed(f"backward: db = (2/m) Σ (ŷ − y) (m = {m})")


# --------------------------------------------------------------------------- exercise 4: gradient descent


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
        ``mse_loss`` and ``backward`` in its global namespace are our correct
        versions (the student's are restored afterwards), so only the loop is graded.
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
    x, y, w, b = _problem(seed, m)
    path, losses = _descent(x, y, w, b, learning_rate, steps)
    with _our_functions(gradient_descent):
        result = call(gradient_descent, "gradient_descent", x.copy(), y.copy(), w, b, learning_rate, steps)
    got_path, got_losses = unpack(result, ("path", "losses"), "gradient_descent")
    wrong = {
        "the parameters move up the gradient: subtract learning_rate · dw (and · db), do not add it": "ascent",
        "b never changes: update it too, b ← b − learning_rate · db": "b_fixed",
        "w never changes: update it too, w ← w − learning_rate · dw": "w_fixed",
        "the gradients never change: compute y_hat, dw and db again inside the loop, at the "
        "current w and b": "stale",
        "the learning rate is missing: the step is learning_rate · dw, not dw": "no_lr",
    }
    mistakes = {label: _descent(x, y, w, b, learning_rate, steps, mistake=kind)[0]
                for label, kind in wrong.items()}
    mistakes["row 0, the starting point (w, b), is missing: record where you start, then one row "
             "per update"] = path[1:]
    mistakes["the point after the last update is missing: record (w, b) after every update"] = path[:-1]
    _match_run("path", got_path, path, mistakes)
    _match_run("losses", got_losses, losses, {
        "the loss at the starting point is missing: losses[t] is the loss at row t of path": losses[1:],
        "the loss after the last update is missing: losses[t] is the loss at row t of path": losses[:-1],
    })
    passed(f"gradient_descent: path {format_shape(path.shape)} and losses {format_shape(losses.shape)} "
           f"match {steps} update{'' if steps == 1 else 's'} w ← w − η dw, b ← b − η db")


def _match_run(name, received, expected, mistakes):
    """assert_matches for a run's output; when no mistake can be named, say where else to look."""
    __tracebackhide__ = True
    try:
        assert_matches(name, received, expected, mistakes=mistakes)
    except AssertionError as exc:
        try:
            named = diagnose(received, expected, mistakes=mistakes) is not None
        except (TypeError, ValueError):
            named = True  # not numbers at all: the message already says so
        if named:
            raise
        raise AssertionError(
            f"{exc} This test runs your loop with correct forward, mse_loss and backward functions, so "
            "the mistake is in the loop itself: check each update, and check that the loop uses its "
            "arguments x, y, w, b, learning_rate and steps, not the notebook's variables.") from None
