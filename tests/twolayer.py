"""Lesson 4's network for the tests, written here independently of the solution notebook.

``helpers.network.TwoLayerProblem`` is a harness that holds no answer: it is given a forward and a
backward pass. The lessons give it lesson 4's solution (their support module ``lesson04.py``); the
tests give it these, so that a test of an optimizer or a search does not depend on a notebook.
"""

from __future__ import annotations

import numpy as np

from helpers import network


def sigmoid(Z):
    """σ(Z) entry by entry, as (1 + tanh(Z/2)) / 2 (no overflow)."""
    return 0.5 * (1.0 + np.tanh(0.5 * Z))


def sigmoid_derivative(Z):
    """σ'(Z) = σ(Z)(1 - σ(Z)) entry by entry."""
    s = sigmoid(Z)
    return s - s * s


def forward(X, params, sigma):
    """ŷ = w2 σ(W1 X + b1) + b2, for one parameter set or N of them stacked on a first axis."""
    Z = np.matmul(params["W1"], X) + params["b1"]
    A = sigma(Z)
    return np.matmul(params["w2"], A) + params["b2"], {"Z": Z, "A": A}


def backward(X, y, y_hat, params, cache, sigma_prime):
    """The gradients of L = (1/m) Σ (ŷ - y)², by the chain rule written out entry by entry."""
    m = X.shape[1]
    r = (2.0 / m) * (y_hat - y)[0]                                 # (m,)
    A, Z = cache["A"], cache["Z"]
    dZ = params["w2"][0][:, None] * r[None, :] * sigma_prime(Z)    # (k, m)
    return {"W1": np.einsum("km,nm->kn", dZ, X), "b1": dZ.sum(axis=1)[:, None],
            "w2": (A * r[None, :]).sum(axis=1)[None, :], "b2": float(r.sum())}


def TwoLayerProblem(X, y, k):
    """``helpers.network.TwoLayerProblem`` run by the functions of this module."""
    return network.TwoLayerProblem(X, y, k, forward=forward, backward=backward, sigma=sigmoid,
                                   sigma_prime=sigmoid_derivative)
