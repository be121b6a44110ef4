"""``helpers.logistic``: the vectorised logistic regression of lesson 5, checked against its definition.

The loss is recomputed here from its definition with ``1 / (1 + exp(-z))``,
and the gradients are compared with centered differences in float64
(``helpers.gradcheck``) and with the scalar graph of ``helpers.graph``.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import logistic
from helpers.gradcheck import check_gradients, numerical_gradient
from helpers.graph import logistic_regression_graph

FAST = settings(max_examples=25, deadline=None, database=None)
SEEDS = st.integers(0, 2**32 - 1)


def problem(seed, n=3, m=7):
    gen = np.random.default_rng(seed)
    X = gen.normal(size=(n, m))
    Y = gen.integers(0, 2, size=(1, m)).astype(np.float64)
    return X, Y, gen.normal(size=(1, n)), float(gen.normal())


def loss_by_definition(X, Y, w, b):
    A = 1.0 / (1.0 + np.exp(-(w @ X + b)))
    return float(-np.mean(Y * np.log(A) + (1 - Y) * np.log(1 - A)))


@FAST
@given(SEEDS, st.integers(1, 4), st.integers(1, 9))
def test_loss_matches_the_definition_and_gradients_pass_a_centered_difference_check(seed, n, m):
    """BCE equals its definition; dw (1, n) and db (a number) pass check_gradients in float64."""
    X, Y, w, b = problem(seed, n, m)
    L, grads = logistic.loss_and_gradients(X, Y, w, b)
    assert L == pytest.approx(loss_by_definition(X, Y, w, b), rel=1e-12)
    assert grads["w"].shape == (1, n) and isinstance(grads["b"], float)

    def loss(p):
        return logistic.bce_loss(logistic.forward(X, p["w"], p["b"]), Y)

    check_gradients(loss, {"w": w, "b": b}, grads, rtol=1e-7)


def test_dZ_is_A_minus_Y_over_m():
    """The sigmoid's derivative cancels the loss's: ∂L/∂Z = (A - Y)/m, checked entry by entry numerically."""
    X, Y, w, b = problem(3, n=2, m=5)
    Z = w @ X + b
    numeric = numerical_gradient(lambda p: logistic.bce_loss(logistic.sigmoid(p["Z"]), Y), {"Z": Z})["Z"]
    np.testing.assert_allclose(numeric, (logistic.sigmoid(Z) - Y) / 5, rtol=1e-7, atol=1e-10)


def test_vectorised_gradients_are_the_average_of_the_one_example_graphs():
    """dw and db are the averages of the per-example gradients of helpers.graph's scalar graph."""
    X, Y, w, b = problem(4, n=3, m=4)
    dw, db = logistic.backward(X, Y, logistic.forward(X, w, b))
    per_example = [logistic_regression_graph(X[:, i].tolist(), w[0].tolist(), b, Y[0, i]) for i in range(4)]
    np.testing.assert_allclose(dw, [[np.mean([g[f"w{j + 1}"].grad for g in per_example]) for j in range(3)]],
                               rtol=1e-10)
    assert db == pytest.approx(np.mean([g["b"].grad for g in per_example]), rel=1e-10)
    assert logistic.bce_loss(logistic.forward(X, w, b), Y) == pytest.approx(
        np.mean([g["L"].data for g in per_example]), rel=1e-12)


def test_sigmoid_is_stable_far_from_zero():
    """σ never overflows: ±1000 give 1 and 0 without a warning (warnings are errors here)."""
    np.testing.assert_array_equal(logistic.sigmoid(np.array([[-1000.0, 0.0, 1000.0]])), [[0.0, 0.5, 1.0]])


@pytest.mark.parametrize("call, message", [
    (lambda: logistic.forward(np.ones((2, 3)), np.ones((2, 1)), 0.0),
     r"w: expected shape \(1, n\) = \(1, 2\), received shape \(2, 1\): did you transpose it\?"),
    (lambda: logistic.bce_loss(np.full((1, 3), 0.5), np.ones((1, 4))),
     r"Y: expected shape \(1, m\) = \(1, 3\), received shape \(1, 4\)"),
    (lambda: logistic.bce_loss(np.array([[0.5, 1.0]]), np.ones((1, 2))),
     r"A: expected probabilities strictly between 0 and 1, received min 0.5, max 1"),
    (lambda: logistic.backward(np.ones((2, 3)), np.ones((1, 3)), np.ones((3, 1))),
     r"A: expected shape \(1, m\) = \(1, 3\), received shape \(3, 1\)"),
    (lambda: logistic.forward(np.ones((2, 3)), np.ones((1, 2)), np.ones(2)), r"b: expected a number"),
])
def test_bad_shapes_are_refused_with_a_clear_message(call, message):
    """Shapes and values are checked, with messages naming the argument, expected and received."""
    with pytest.raises((ValueError, TypeError), match=message):
        call()
