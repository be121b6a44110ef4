"""Logistic regression, vectorised over the examples: the reference for lesson 5.

One example per column::

    Z = w X + b              X (n, m), w (1, n), b a number, Z (1, m)
    A = σ(Z)                 A (1, m), each entry a probability of class 1
    L = -(1/m) Σ [Y ln A + (1 - Y) ln(1 - A)]      Y (1, m) of 0s and 1s

and the backward pass, where the sigmoid's derivative and the loss's cancel::

    dZ = ∂L/∂Z = (A - Y) / m            (1, m)
    dw = dZ Xᵀ                          (1, n)
    db = Σ dZ                           a number

The interface: :func:`forward` ``(X, w, b) -> A``, :func:`bce_loss`
``(A, Y) -> L``, :func:`backward` ``(X, Y, A) -> (dw, db)`` and
:func:`loss_and_gradients` ``(X, Y, w, b) -> (L, {"w": dw, "b": db})``, whose
dict is what :func:`helpers.gradcheck.check_gradients` compares with
centered differences.
"""

from __future__ import annotations

import numpy as np

from ._checks import check_array, check_scalar

__all__ = ["backward", "bce_loss", "forward", "loss_and_gradients", "sigmoid"]


def sigmoid(Z):
    """σ(Z) = 1 / (1 + exp(-Z)) entry by entry, computed as (1 + tanh(Z/2)) / 2 so it never overflows.

    Parameters
    ----------
    Z : array_like of any shape, e.g. (1, m)

    Returns
    -------
    ndarray of Z's shape, entries in [0, 1]

    Examples
    --------
    >>> sigmoid(np.array([[0.0, 1000.0, -1000.0]])).tolist()
    [[0.5, 1.0, 0.0]]
    """
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(Z, dtype=np.float64)))


def forward(X, w, b):
    """Probabilities ``A = σ(w X + b)`` of class 1, one per example.

    Parameters
    ----------
    X : array_like of shape (n, m)
        Inputs, one example per column.
    w : array_like of shape (1, n)
        Weights.
    b : float
        Bias.

    Returns
    -------
    A : ndarray of shape (1, m)

    Examples
    --------
    >>> forward(np.array([[1.0, -1.0], [2.0, 0.0]]), np.array([[0.5, -0.25]]), 0.0).round(4).tolist()
    [[0.5, 0.3775]]
    """
    sizes = {}
    X = check_array("X", X, ("n", "m"), sizes=sizes)
    w = check_array("w", w, (1, "n"), sizes=sizes)
    b = check_scalar("b", b)
    return sigmoid(w @ X + b)


def bce_loss(A, Y) -> float:
    """Binary cross-entropy ``L = -(1/m) Σ [Y ln A + (1 - Y) ln(1 - A)]``, one number.

    Parameters
    ----------
    A : array_like of shape (1, m)
        Probabilities, each strictly between 0 and 1.
    Y : array_like of shape (1, m)
        Labels, 0 or 1.

    Returns
    -------
    float

    Examples
    --------
    >>> round(bce_loss(np.array([[0.5, 0.9]]), np.array([[1.0, 0.0]])), 6)
    1.497866
    """
    sizes = {}
    A = check_array("A", A, (1, "m"), sizes=sizes)
    Y = check_array("Y", Y, (1, "m"), sizes=sizes)
    if np.any(A <= 0) or np.any(A >= 1):
        raise ValueError(f"A: expected probabilities strictly between 0 and 1, received min {A.min():.6g}, "
                         f"max {A.max():.6g}")
    return float(-np.mean(Y * np.log(A) + (1 - Y) * np.log1p(-A)))


def backward(X, Y, A):
    """Gradients of the binary cross-entropy with respect to ``w`` and ``b``.

    Parameters
    ----------
    X : array_like of shape (n, m)
        Inputs.
    Y : array_like of shape (1, m)
        Labels.
    A : array_like of shape (1, m)
        Probabilities from :func:`forward`.

    Returns
    -------
    dw : ndarray of shape (1, n)
        ∂L/∂w = (1/m) (A - Y) Xᵀ.
    db : float
        ∂L/∂b = (1/m) Σ (A - Y).

    Examples
    --------
    >>> dw, db = backward(np.array([[1.0, 3.0]]), np.array([[1.0, 0.0]]), np.array([[0.5, 0.5]]))
    >>> dw.tolist(), db
    ([[0.5]], 0.0)
    """
    sizes = {}
    X = check_array("X", X, ("n", "m"), sizes=sizes)
    Y = check_array("Y", Y, (1, "m"), sizes=sizes)
    A = check_array("A", A, (1, "m"), sizes=sizes)
    dZ = (A - Y) / X.shape[1]
    return dZ @ X.T, float(np.sum(dZ))


def loss_and_gradients(X, Y, w, b):
    """The loss and ``{"w": dw, "b": db}`` at ``(w, b)``: shapes as in :func:`forward` and :func:`backward`."""
    A = forward(X, w, b)
    dw, db = backward(X, Y, A)
    return bce_loss(A, Y), {"w": dw, "b": db}
