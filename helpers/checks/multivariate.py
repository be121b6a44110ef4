"""Checks for lesson 2, multivariate regression.

The lesson's shapes, one example per column: ``X`` of shape (n, m), ``y`` and
``y_hat`` of shape (1, m), ``w`` of shape (1, n), ``b`` a single number. The
exercises and their checks:

=================================  ==========================================
student's function                 check
=================================  ==========================================
``forward(X, w, b) -> y_hat``      :func:`check_forward`
``mse_loss(y_hat, y) -> L``        :func:`check_mse_loss`
``backward(X, y, y_hat)``          :func:`check_backward_dw` (``dw`` of shape
``-> (dw, db)``                    (1, n)), :func:`check_backward_db` (``db`` a number)
``forward_loop(X, w, b)``          :func:`check_forward_loop`
=================================  ==========================================

Each check draws data of the requested sizes from ``seed``, computes the right
answer itself, calls the student's function on copies of that data, and prints
one ✓ line or raises AssertionError naming the array, its shape, the worst
entry and the likely mistake.
"""

from __future__ import annotations

import numpy as np

from .._checks import as_rng, check_scalar, format_shape
from ..feedback import assert_matches
from ._common import call_on_copies as _call
from ._common import number as _one_number
from ._common import passed, unpack

__all__ = [
    "check_backward_db",
    "check_backward_dw",
    "check_forward",
    "check_forward_loop",
    "check_mse_loss",
]


def check_forward(forward, *, seed: int = 0, n: int = 3, m: int = 4) -> None:
    """Check ``forward(X, w, b)`` returns ``y_hat = w X + b`` of shape (1, m).

    Parameters
    ----------
    forward : callable
        The student's ``forward(X, w, b)``, with ``X`` of shape (n, m),
        ``w`` of shape (1, n) and ``b`` a number.
    seed : int
        Seed of the data.
    n, m : int
        Number of features and of examples.
    """
    __tracebackhide__ = True
    _check_prediction(forward, "forward", seed=seed, n=n, m=m)


def check_forward_loop(forward_loop, *, seed: int = 0, n: int = 3, m: int = 4) -> None:
    """Check ``forward_loop(X, w, b)`` returns the same ``y_hat`` as ``w X + b``.

    Parameters are those of :func:`check_forward`.
    """
    __tracebackhide__ = True
    _check_prediction(forward_loop, "forward_loop", seed=seed, n=n, m=m)


def check_mse_loss(mse_loss, *, seed: int = 0, m: int = 5) -> None:
    """Check ``mse_loss(y_hat, y)`` returns the number ``L = (1/m) Σ (ŷ - y)²``.

    Parameters
    ----------
    mse_loss : callable
        The student's ``mse_loss(y_hat, y)``, with ``y_hat`` and ``y`` of shape (1, m).
    seed : int
        Seed of the data.
    m : int
        Number of examples.
    """
    __tracebackhide__ = True
    m = check_scalar("m", m, integer=True, minimum=1)
    gen = as_rng(seed)
    y = gen.standard_normal((1, m))
    y_hat = gen.standard_normal((1, m)) + 0.5
    err = y_hat - y
    expected = np.mean(err ** 2)
    loss = _call(mse_loss, "mse_loss", y_hat=y_hat, y=y)
    loss = _one_number("loss", loss, "mse_loss",
                       one="np.mean(...) with no axis= gives one number (or take .item())",
                       many="one value per example? average the squared errors over the m examples "
                            "with np.mean(...) and no axis=")
    mistakes = {
        "half the expected value: this course's loss has no 1/2 in front, L = (1/m) Σ (ŷ - y)²":
            expected / 2,
        "the errors are not squared: square each y_hat - y, then average": np.mean(err),
        "absolute errors: square each y_hat - y instead of taking its absolute value":
            np.mean(np.abs(err)),
        "the square root of the loss (that is the RMSE): leave out np.sqrt": np.sqrt(expected),
        "the mean error, squared: square each error first, then average, np.mean((y_hat - y) ** 2)":
            np.mean(err) ** 2,
    }
    assert_matches("loss", loss, expected, m=m, mistakes=mistakes)
    passed(f"mse_loss: the right loss for m = {m} examples")


def check_backward_dw(backward, *, seed: int = 0, n: int = 3, m: int = 4) -> None:
    """Check the ``dw`` of ``backward(X, y, y_hat) -> (dw, db)``: ``(2/m) (ŷ - y) Xᵀ``, shape (1, n).

    Parameters
    ----------
    backward : callable
        The student's ``backward(X, y, y_hat)``, with ``X`` of shape (n, m),
        ``y`` and ``y_hat`` of shape (1, m).
    seed : int
        Seed of the data.
    n, m : int
        Number of features and of examples.
    """
    __tracebackhide__ = True
    X, y, y_hat = _backward_data(seed, n, m)
    err = y_hat - y
    expected = (2 / m) * err @ X.T
    dw, _ = unpack(_call(backward, "backward", X=X, y=y, y_hat=y_hat), ("dw", "db"), "backward")
    mistakes = {
        "did you transpose it? (2/m) X (ŷ - y)ᵀ is the transpose of the answer; "
        "(2/m) (ŷ - y) Xᵀ has the shape of w, (1, n)": (2 / m) * X @ err.T,
        "divided by n (the number of features) instead of m (the number of examples)":
            (2 / n) * err @ X.T,
        "summed over the wrong axis: summing (y_hat - y) * X over axis=0 adds up the features of "
        "each example; sum over the examples (axis=1) to get one number per feature":
            (2 / m) * np.sum(err * X, axis=0, keepdims=True),
        "used y_hat where the error y_hat - y belongs": (2 / m) * y_hat @ X.T,
    }
    assert_matches("dw", dw, expected, m=m, mistakes=mistakes)
    passed(f"backward: dw has shape {format_shape(expected.shape)} and the right values "
           f"(n = {n} features, m = {m} examples)")


def check_backward_db(backward, *, seed: int = 0, n: int = 3, m: int = 4) -> None:
    """Check the ``db`` of ``backward(X, y, y_hat) -> (dw, db)``: the number ``(2/m) Σ (ŷ - y)``.

    Parameters are those of :func:`check_backward_dw`.
    """
    __tracebackhide__ = True
    X, y, y_hat = _backward_data(seed, n, m)
    err = y_hat - y
    expected = (2 / m) * np.sum(err)
    _, db = unpack(_call(backward, "backward", X=X, y=y, y_hat=y_hat), ("dw", "db"), "backward")
    db = _one_number("db", db, "backward",
                     one="b is one number, so db is one too: np.sum(...) with no axis= gives one "
                         "(or take .item())",
                     many="one value per example? add up (2/m) (y_hat - y) over the m examples with "
                          "np.sum(...) and no axis=: b is one number, so db is one too")
    mistakes = {
        "db is 0: b shifts every prediction by the same amount, so ∂L/∂b = (2/m) Σ (ŷ - y)": 0.0,
        "divided by n (the number of features) instead of m (the number of examples)":
            (2 / n) * np.sum(err),
        "used y_hat where the error y_hat - y belongs": (2 / m) * np.sum(y_hat),
    }
    assert_matches("db", db, expected, m=m, mistakes=mistakes)
    passed(f"backward: db is the right number (n = {n} features, m = {m} examples)")


# --- shared ------------------------------------------------------------------------------------

def _sizes(n, m):
    __tracebackhide__ = True
    return (check_scalar("n", n, integer=True, minimum=1),
            check_scalar("m", m, integer=True, minimum=1))


def _linear_data(seed, n, m):
    """``X`` (n, m), ``w`` (1, n), a bias ``b`` clearly away from 0, and targets ``y`` (1, m)."""
    __tracebackhide__ = True
    gen = as_rng(seed)
    X = gen.standard_normal((n, m))
    w = gen.standard_normal((1, n))
    b = float(gen.uniform(0.5, 1.5) * gen.choice([-1.0, 1.0]))
    y = gen.standard_normal((1, m))
    return X, w, b, y


def _backward_data(seed, n, m):
    __tracebackhide__ = True
    n, m = _sizes(n, m)
    X, w, b, y = _linear_data(seed, n, m)
    return X, y, w @ X + b


def _check_prediction(fn, fn_name, *, seed, n, m):
    __tracebackhide__ = True
    n, m = _sizes(n, m)
    X, w, b, _ = _linear_data(seed, n, m)
    expected = w @ X + b
    y_hat = _call(fn, fn_name, X=X, w=w, b=b)
    mistakes = {
        "the bias b is missing: y_hat = w X + b": w @ X,
        "b is subtracted; the model adds it: y_hat = w X + b": w @ X - b,
        "b is added n times (once per feature): add it once, after summing over the features":
            w @ X + n * b,
        "summed over the examples (axis=1) instead of over the features (axis=0)":
            np.sum(w.T * X, axis=1, keepdims=True) + b,
    }
    assert_matches("y_hat", y_hat, expected, mistakes=mistakes)
    passed(f"{fn_name}: y_hat has shape (1, {m}) and the right values (n = {n} features, m = {m} examples)")


