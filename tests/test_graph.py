"""``helpers.graph``: every local derivative, the backward pass and the drawing.

Every analytic derivative is compared with a centered difference in float64,
``(f(x + h) - f(x - h)) / (2h)`` with ``h = 1e-6``, computed here with plain
``math`` functions, independently of the module.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers.graph import Value, draw_graph, gradients, logistic_regression_graph, topological_order, two_layer_graph

FAST = settings(max_examples=40, deadline=None, database=None)
H = 1e-6
REAL = st.floats(-4.0, 4.0, allow_nan=False)
POSITIVE = st.floats(0.2, 4.0, allow_nan=False)


def centered(f, x):
    return (f(x + H) - f(x - H)) / (2 * H)


def close(a, b, tol=1e-6):
    return abs(a - b) <= tol * (1.0 + abs(b))


def sig(z):
    return 1.0 / (1.0 + math.exp(-z))


UNARY = {  # name: (build from a Value, the same function on floats, domain)
    "neg": (lambda v: -v, lambda x: -x, REAL),
    "exp": (lambda v: v.exp(), math.exp, REAL),
    "log": (lambda v: v.log(), math.log, POSITIVE),
    "sigmoid": (lambda v: v.sigmoid(), sig, REAL),
    "tanh": (lambda v: v.tanh(), math.tanh, REAL),
    "square": (lambda v: v ** 2, lambda x: x ** 2, REAL),
    "cube": (lambda v: v ** 3, lambda x: x ** 3, REAL),
    "sqrt": (lambda v: v ** 0.5, math.sqrt, POSITIVE),
    "inverse": (lambda v: v ** -1, lambda x: 1 / x, POSITIVE),
    "bce y=1": (lambda v: v.sigmoid().bce(1.0), lambda x: -math.log(sig(x)), REAL),
    "bce y=0": (lambda v: v.sigmoid().bce(0.0), lambda x: -math.log(1 - sig(x)), REAL),
    "bce y=0.3": (lambda v: v.sigmoid().bce(0.3),
                  lambda x: -(0.3 * math.log(sig(x)) + 0.7 * math.log(1 - sig(x))), REAL),
}

BINARY = {
    "add": (lambda a, b: a + b, lambda a, b: a + b),
    "sub": (lambda a, b: a - b, lambda a, b: a - b),
    "mul": (lambda a, b: a * b, lambda a, b: a * b),
    "div": (lambda a, b: a / b, lambda a, b: a / b),
}


@pytest.mark.parametrize("name", UNARY)
def test_every_unary_local_derivative_matches_a_centered_difference(name):
    """Value and gradient of each one-input operation agree with math and with a centered difference."""
    build, f, domain = UNARY[name]

    @FAST
    @given(domain)
    def check(x):
        v = Value(x, "x")
        out = build(v)
        out.backward()
        assert close(out.data, f(x), 1e-12), (name, x, out.data, f(x))
        assert close(v.grad, centered(f, x)), (name, x, v.grad, centered(f, x))

    check()


@pytest.mark.parametrize("name", BINARY)
def test_every_binary_local_derivative_matches_a_centered_difference(name):
    """Both partial derivatives of +, -, × and ÷ agree with centered differences; numbers mix with nodes."""
    build, f = BINARY[name]

    @FAST
    @given(REAL, POSITIVE)
    def check(a, b):
        va, vb = Value(a, "a"), Value(b, "b")
        out = build(va, vb)
        out.backward()
        assert close(out.data, f(a, b), 1e-12)
        assert close(va.grad, centered(lambda t: f(t, b), a))
        assert close(vb.grad, centered(lambda t: f(a, t), b))
        # a plain number on either side becomes a constant node
        left, right = build(a, vb), build(va, b)
        assert close(left.data, f(a, b), 1e-12) and close(right.data, f(a, b), 1e-12)

    check()


def test_relu_derivative_is_one_on_the_right_and_zero_on_the_left():
    """relu passes the gradient through where its input is positive and stops it elsewhere."""
    for x, value, grad in ((2.5, 2.5, 1.0), (-1.5, 0.0, 0.0)):
        v = Value(x)
        out = v.relu()
        out.backward()
        assert (out.data, v.grad) == (value, grad)
        assert close(v.grad, centered(lambda t: max(t, 0.0), x))


def test_a_node_used_twice_accumulates_both_paths():
    """f = x·x + x: the chain rule adds the gradient of every path, f' = 2x + 1."""
    x = Value(3.0, "x")
    f = x * x + x
    f.backward()
    assert (f.data, x.grad) == (12.0, 7.0)
    f.backward()  # a second backward starts from zero again
    assert x.grad == 7.0


def test_topological_order_puts_every_node_after_its_parents():
    """Each node comes after all its inputs, the root last, each node once (even on a deep chain)."""
    x = Value(0.5, "x")
    out = x
    for _ in range(3000):  # deeper than Python's recursion limit
        out = out * 1.0 + 0.0
    order = topological_order(out)
    position = {id(n): i for i, n in enumerate(order)}
    assert order[-1] is out and len(position) == len(order)
    assert all(position[id(p)] < position[id(n)] for n in order for p in n.parents)
    out.backward()
    assert x.grad == 1.0


def _graph_loss(builder, params, name, t):
    """The loss of ``builder(**params)`` with parameter ``name`` set to ``t`` (float arithmetic)."""
    changed = {k: np.array(v, dtype=np.float64) for k, v in params.items()}
    key, index = name
    if index is None:
        changed[key] = t
    else:
        changed[key][index] = t
    return builder(**{k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in changed.items()})["L"].data


@FAST
@given(st.lists(st.floats(-2, 2), min_size=3, max_size=3), st.lists(st.floats(-2, 2), min_size=3, max_size=3),
       st.floats(-2, 2), st.sampled_from([0.0, 1.0]))
def test_logistic_regression_graph_gradients_match_centered_differences(x, w, b, y):
    """Every parameter's and input's gradient in the logistic-regression graph matches a centered difference."""
    params = {"x": x, "w": w, "b": b, "y": y}
    g = logistic_regression_graph(**params)
    z = sum(wi * xi for wi, xi in zip(w, x)) + b
    assert close(g["z"].data, z, 1e-12) and close(g["a"].data, sig(z), 1e-12)
    assert close(g["z"].grad, sig(z) - y, 1e-9)  # ∂L/∂z = a - y
    for i in range(3):
        for key in ("x", "w"):
            numeric = centered(lambda t, key=key, i=i: _graph_loss(logistic_regression_graph, params, (key, i), t),
                               params[key][i])
            assert close(g[f"{key}{i + 1}"].grad, numeric, 1e-5)
    assert close(g["b"].grad, centered(lambda t: _graph_loss(logistic_regression_graph, params, ("b", None), t), b),
                 1e-5)


@FAST
@given(st.integers(0, 2**32 - 1))
def test_two_layer_graph_gradients_match_centered_differences_and_the_matrix_formulas(seed):
    """The 2-2-1 perceptron's gradients match centered differences and dW1 = dZ xᵀ, dw2 = dz Hᵀ."""
    gen = np.random.default_rng(seed)
    params = {"x": gen.normal(size=2).tolist(), "W1": gen.normal(size=(2, 2)).tolist(),
              "b1": gen.normal(size=2).tolist(), "w2": gen.normal(size=2).tolist(),
              "b2": float(gen.normal()), "y": float(gen.integers(0, 2))}
    g = two_layer_graph(**params)
    assert close(g["b2"].grad, g["a"].data - params["y"], 1e-9)
    for j in range(2):
        numeric = centered(lambda t, j=j: _graph_loss(two_layer_graph, params, ("b1", j), t), params["b1"][j])
        assert close(g[f"b1[{j}]"].grad, numeric, 1e-5)
        numeric = centered(lambda t, j=j: _graph_loss(two_layer_graph, params, ("w2", j), t), params["w2"][j])
        assert close(g[f"w2[{j}]"].grad, numeric, 1e-5)
        for i in range(2):
            numeric = centered(lambda t, j=j, i=i: _graph_loss(two_layer_graph, params, ("W1", (j, i)), t),
                               params["W1"][j][i])
            assert close(g[f"W1[{j},{i}]"].grad, numeric, 1e-5)
    # the same numbers from the vectorised formulas of lessons 4 and 5, one example (m = 1)
    x = np.array(params["x"]).reshape(2, 1)
    H_ = np.array([[g["h1"].data], [g["h2"].data]])
    dz = g["a"].data - params["y"]
    dZ = np.array(params["w2"]).reshape(2, 1) * dz * H_ * (1 - H_)
    got = np.array([[g[f"W1[{j},{i}]"].grad for i in range(2)] for j in range(2)])
    np.testing.assert_allclose(got, dZ @ x.T, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose([g["w2[0]"].grad, g["w2[1]"].grad], (dz * H_).ravel(), rtol=1e-9, atol=1e-12)


def test_gradients_returns_the_gradient_of_every_named_node():
    """gradients(g) maps each name to ∂L/∂node, e.g. ∂L/∂b = a - y."""
    g = logistic_regression_graph([1.0, 2.0], [0.5, -0.25], 0.0, 1.0)
    grads = gradients(g)
    assert grads["b"] == pytest.approx(-0.5) and grads["w2"] == pytest.approx(-1.0) and grads["L"] == 1.0


@pytest.mark.parametrize("call, message", [
    (lambda: Value("1"), r"expected a number, received str"),
    (lambda: Value(-1.0).log(), r"log\(a\): expected a > 0, received a = -1.0"),
    (lambda: Value(-2.0) ** 0.5, r"expected a > 0 for the non-integer exponent p = 0.5, received a = -2.0"),
    (lambda: Value(0.5).bce(2.0), r"y: expected a label between 0 and 1, received 2.0"),
    (lambda: Value(1.5).bce(1.0), r"expected 0 < a < 1 \(a sigmoid's output\), received a = 1.5"),
    (lambda: Value(1.0) / 0.0, r"division by a node whose value is 0"),
    (lambda: Value(1.0) + "2", r"expected a Value or a number, received str"),
    (lambda: logistic_regression_graph([1.0, 2.0], [1.0], 0.0, 1.0), r"w: expected 2 weights, one per feature"),
    (lambda: two_layer_graph([1.0, 2.0], [[1.0, 2.0], [1.0]], [0.0, 0.0], [1.0, 1.0], 0.0, 1.0),
     r"W1: expected shape \(k, n\) = \(2, 2\), received rows of lengths \[2, 1\]"),
    (lambda: two_layer_graph([1.0], [[1.0], [2.0]], [0.0], [1.0, 1.0], 0.0, 1.0),
     r"b1 and w2: expected 2 entries each .* received 1 and 2"),
    (lambda: topological_order(1.0), r"root: expected a Value, received float"),
])
def test_bad_arguments_are_refused_with_a_clear_message(call, message):
    """Wrong arguments raise ValueError/TypeError/ZeroDivisionError naming what was expected and received."""
    with pytest.raises((ValueError, TypeError, ZeroDivisionError), match=message):
        call()


def test_draw_graph_writes_each_node_value_and_gradient():
    """Each node's box shows its name or operation, its forward value and its gradient; edges carry locals."""
    import matplotlib.pyplot as plt

    g = logistic_regression_graph([1.0, 2.0], [0.5, -0.25], 0.0, 1.0)
    _, ax = plt.subplots()
    drawn = draw_graph(g["L"], ax=ax)
    texts = [t.get_text() for t in drawn["nodes"]]
    assert len(texts) == len(topological_order(g["L"])) == 11
    assert "b\n0\ngrad -0.5" in texts and "a = σ\n0.5\ngrad -2" in texts
    assert any(t.startswith("L = BCE(y=1)\n0.6931\ngrad 1") for t in texts)
    assert len(drawn["edges"]) == len(drawn["locals"]) == 10
    assert "0.25" in [t.get_text() for t in drawn["locals"]]  # σ'(0) on the edge z → a
    assert not ax.axison
    # inputs sit one column left of their first use; the loss is alone in the last column
    xs = {t.get_text().split("\n")[0]: t.get_position()[0] for t in drawn["nodes"]}
    assert xs["b"] == xs["z = +"] - 1 and xs["L = BCE(y=1)"] == max(xs.values())
    forward_only = draw_graph(g["L"], show_grad=False, title="forward")
    assert all("grad" not in t.get_text() for t in forward_only["nodes"])
    assert forward_only["nodes"][0].axes.get_title() == "forward"
