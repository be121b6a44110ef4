"""Checks for lesson 5, backpropagation by hand: local derivatives, a small graph, logistic regression.

The logistic regression of the lesson, one example per column (as in :mod:`helpers.logistic`)::

    Z = w X + b        X (n, m), w (1, n), b a number, Z (1, m)
    A = σ(Z)           A (1, m)
    L = -(1/m) Σ [Y ln A + (1 - Y) ln(1 - A)]        Y (1, m) of 0s and 1s
    dZ = (A - Y) / m,  dw = dZ Xᵀ (1, n),  db = Σ dZ (a number)

=================================================  ===============================================
student's function                                 check
=================================================  ===============================================
``local_gradients(x, y) -> dict``                  :func:`check_local_gradients` (``ops=`` picks
                                                   which entries a test cell grades)
``neuron_gradients(x1, x2, w1, w2, b, y) -> dict`` :func:`check_neuron_gradients` (``nodes=``)
``forward(X, w, b) -> A``                          :func:`check_forward`
``bce_loss(A, Y) -> L``                            :func:`check_bce_loss`
``backward(X, Y, A) -> (dw, db)``                  :func:`check_backward_dw`, :func:`check_backward_db`
``gradient_check_logistic(forward, bce_loss,``     :func:`check_gradient_check_logistic`
``backward, X, Y, w, b) -> report``
=================================================  ===============================================

The references come from :mod:`helpers.graph` (the scalar graph, for the
first two exercises) and :mod:`helpers.logistic`, never from the student's
other functions, so each exercise is graded on its own. Each check prints one
``✓`` line or raises AssertionError naming the value, the expected and received
numbers and, where it can tell, the likely mistake.

Examples
--------
>>> check_forward(lambda X, w, b: 1 / (1 + np.exp(-(w @ X + b))))
✓ forward: A = σ(w X + b) has shape (1, 5) and the right values (n = 3 features, m = 5 examples)
"""

from __future__ import annotations

import math

import numpy as np

from .. import logistic
from .._checks import as_rng, check_scalar, format_shape
from ..feedback import assert_matches
from ..gradcheck import GradCheckReport
from ..graph import Value, logistic_regression_graph
from ._common import call_on_copies as _call
from ._common import number as _number
from ._common import passed, unpack

__all__ = [
    "LOCAL_OPS",
    "NEURON_NODES",
    "check_backward_db",
    "check_backward_dw",
    "check_bce_loss",
    "check_forward",
    "check_gradient_check_logistic",
    "check_local_gradients",
    "check_neuron_gradients",
]

#: The entries of ``local_gradients(x, y)`` and what each one is.
LOCAL_OPS = {
    "mul": "(∂(x·y)/∂x, ∂(x·y)/∂y)",
    "pow": "∂(x^y)/∂x",
    "exp": "∂(e^x)/∂x",
    "log": "∂(ln x)/∂x",
    "sigmoid": "∂σ(x)/∂x",
    "tanh": "∂tanh(x)/∂x",
}

#: The entries of ``neuron_gradients(...)``: ∂L/∂(node) for each node of the graph.
NEURON_NODES = ("a", "z", "w1", "w2", "b")


# --- exercise 1: local derivatives ---------------------------------------------------------------

def _local_reference(x, y):
    """Each op's local derivative(s) from helpers.graph, plus the arrays known mistakes give."""
    __tracebackhide__ = True
    def grads(build, *inputs):
        __tracebackhide__ = True
        nodes = [Value(v) for v in inputs]
        build(*nodes).backward()
        return [n.grad for n in nodes]

    s, t = 1 / (1 + math.exp(-x)), math.tanh(x)
    expected = {
        "mul": grads(lambda a, b: a * b, x, y),
        "pow": grads(lambda a: a ** y, x)[0],
        "exp": grads(lambda a: a.exp(), x)[0],
        "log": grads(lambda a: a.log(), x)[0],
        "sigmoid": grads(lambda a: a.sigmoid(), x)[0],
        "tanh": grads(lambda a: a.tanh(), x)[0],
    }
    mistakes = {
        "mul": {"the two are swapped: ∂(x·y)/∂x = y (the other factor) and ∂(x·y)/∂y = x": [x, y],
                "each is the other factor, not 1: ∂(x·y)/∂x = y, ∂(x·y)/∂y = x": [1.0, 1.0]},
        "pow": {"the factor y is missing: ∂(x^y)/∂x = y·x^(y-1)": x ** (y - 1),
                "the exponent should drop by one: ∂(x^y)/∂x = y·x^(y-1)": y * x ** y},
        "exp": {"that is x·e^(x-1), the power rule; e^x is its own derivative": x * math.exp(x - 1)},
        "log": {"that is ln x itself; its derivative is 1/x": math.log(x),
                "that is -1/x; the derivative of ln x is 1/x": -1 / x,
                "that is 1/x², the derivative of -1/x; the derivative of ln x is 1/x": x ** -2},
        "sigmoid": {"that is σ(x) itself; its derivative is σ(x)(1 - σ(x))": s,
                    "x(1 - x) uses x where σ(x) belongs: σ'(x) = σ(x)(1 - σ(x))": x * (1 - x),
                    "the factor σ(x) is missing: σ'(x) = σ(x)(1 - σ(x))": 1 - s},
        "tanh": {"that is tanh(x) itself; its derivative is 1 - tanh²(x)": t,
                 "the square is missing: ∂tanh(x)/∂x = 1 - tanh²(x)": 1 - t,
                 "the sign is wrong: ∂tanh(x)/∂x = 1 - tanh²(x)": 1 + t * t},
    }
    return expected, mistakes


def check_local_gradients(local_gradients, *, ops=tuple(LOCAL_OPS), seed: int = 0) -> None:
    """Check the entries ``ops`` of ``local_gradients(x, y)`` at a point drawn from ``seed``.

    Parameters
    ----------
    local_gradients : callable
        The student's ``local_gradients(x, y)``, returning a dict with the keys of
        :data:`LOCAL_OPS`: ``"mul"`` a pair of numbers, every other entry a number.
    ops : iterable of str
        Which entries to grade (one test cell grades a few of them).
    seed : int
        Seed of the point: ``x`` in [0.5, 2.5] (positive, for ``ln x`` and ``x^y``), ``y`` in [-2, 3].
    """
    __tracebackhide__ = True
    ops = tuple(ops)
    unknown = [op for op in ops if op not in LOCAL_OPS]
    if unknown or not ops:
        raise ValueError(f"ops: expected some of {list(LOCAL_OPS)}, received {list(ops)}")
    gen = as_rng(seed)
    x, y = round(float(gen.uniform(0.5, 2.5)), 3), round(float(gen.uniform(-2.0, 3.0)), 3)
    expected, mistakes = _local_reference(x, y)
    result = _call(local_gradients, "local_gradients", x=x, y=y)
    _require_keys(result, "local_gradients(x, y)", ops)
    for op in ops:
        name = f"local_gradients({x}, {y})[{op!r}], {LOCAL_OPS[op]},"
        got = result[op]
        if op == "mul" and not (isinstance(got, (tuple, list)) and len(got) == 2):
            raise AssertionError(f"{name} should be a pair of numbers (∂/∂x, ∂/∂y), e.g. (y, x); "
                                 f"received {_describe(got)}")
        if op != "mul":
            got = _number(name, got, "local_gradients", why="the derivative of a function of one number "
                          "at one point is one number")
        assert_matches(name, got, expected[op], rtol=1e-6, mistakes=mistakes[op])
    passed(f"local_gradients: {', '.join(ops)} right at x = {x}, y = {y}")


# --- exercise 2: backprop through the neuron's graph ---------------------------------------------

def _neuron_point(seed):
    __tracebackhide__ = True
    gen = as_rng(seed)
    x1, x2, w1, w2, b = (round(float(v), 2) for v in gen.uniform(-2.0, 2.0, size=5))
    return x1, x2, w1, w2, b, float(gen.integers(0, 2))


def check_neuron_gradients(neuron_gradients, *, nodes=NEURON_NODES, seed: int = 0, point=None) -> None:
    """Check ∂L/∂(node) from ``neuron_gradients(x1, x2, w1, w2, b, y)`` for the given ``nodes``.

    The graph: ``z = w1 x1 + w2 x2 + b``, ``a = σ(z)``, ``L = -(y ln a + (1 - y) ln(1 - a))``.

    Parameters
    ----------
    neuron_gradients : callable
        The student's function, returning a dict with the keys of :data:`NEURON_NODES`.
    nodes : iterable of str
        Which gradients to grade.
    seed : int
        Seed of the point (each number in [-2, 2] to two decimals, ``y`` 0 or 1).
    point : tuple of 6 floats, optional
        ``(x1, x2, w1, w2, b, y)`` to use instead of a seeded point.
    """
    __tracebackhide__ = True
    nodes = tuple(nodes)
    if not nodes or any(n not in NEURON_NODES for n in nodes):
        raise ValueError(f"nodes: expected some of {list(NEURON_NODES)}, received {list(nodes)}")
    x1, x2, w1, w2, b, y = _neuron_point(seed) if point is None else (check_scalar("point", v) for v in point)
    g = logistic_regression_graph([x1, x2], [w1, w2], b, y)
    a, da, dz = g["a"].data, g["a"].grad, g["z"].grad
    s_prime = a * (1 - a)
    mistakes = {
        "a": {"only the y ln a term is differentiated: ∂L/∂a = -y/a + (1 - y)/(1 - a)": -y / a,
              "the second term's sign: ∂/∂a of -(1 - y) ln(1 - a) is +(1 - y)/(1 - a)": -y / a - (1 - y) / (1 - a)},
        "z": {"σ'(z) is written as σ(z) = a; it is a(1 - a): ∂L/∂z = ∂L/∂a · a(1 - a)": da * a,
              "σ'(z) is missing: ∂L/∂z = ∂L/∂a · σ'(z), with σ'(z) = a(1 - a)": da,
              "σ'(z) is applied twice: ∂L/∂z = ∂L/∂a · a(1 - a) = a - y already": dz * s_prime},
        "w1": {"the local derivative of w1·x1 with respect to w1 is x1, not w1": dz * w1,
               "σ'(z) is missing on the way: ∂L/∂w1 = ∂L/∂z · x1": da * x1},
        "w2": {"the local derivative of w2·x2 with respect to w2 is x2, not w2": dz * w2,
               "σ'(z) is missing on the way: ∂L/∂w2 = ∂L/∂z · x2": da * x2},
        "b": {"σ'(z) is missing on the way: ∂L/∂b = ∂L/∂z · 1": da,
              "∂L/∂b is ∂L/∂z times the local derivative 1, not 1": 1.0},
    }
    result = _call(neuron_gradients, "neuron_gradients", x1=x1, x2=x2, w1=w1, w2=w2, b=b, y=y)
    _require_keys(result, "neuron_gradients", nodes)
    for node in nodes:
        name = f"∂L/∂{node} (neuron_gradients(...)[{node!r}])"
        got = _number(name, result[node], "neuron_gradients", why="every node of this graph holds one number")
        assert_matches(name, got, g[node].grad, rtol=1e-6, mistakes=mistakes[node])
    passed(f"neuron_gradients: ∂L/∂{', ∂L/∂'.join(nodes)} right at x = ({x1}, {x2}), w = ({w1}, {w2}), "
           f"b = {b}, y = {y:g}")


# --- exercises 3 to 5: vectorised logistic regression --------------------------------------------

def _data(seed, n, m):
    __tracebackhide__ = True
    n = check_scalar("n", n, integer=True, minimum=1)
    m = check_scalar("m", m, integer=True, minimum=1)
    gen = as_rng(seed)
    X = gen.standard_normal((n, m))
    Y = gen.integers(0, 2, size=(1, m)).astype(np.float64)
    if m > 1:  # both classes, so that every term of the loss plays a part
        Y[0, :2] = (0.0, 1.0)
    w = gen.standard_normal((1, n))
    b = float(gen.uniform(0.5, 1.5) * gen.choice([-1.0, 1.0]))
    return X, Y, w, b


def _sizes(n, m):
    __tracebackhide__ = True
    return f"n = {n} feature{'s' * (n != 1)}, m = {m} example{'s' * (m != 1)}"


def check_forward(forward, *, seed: int = 0, n: int = 3, m: int = 5) -> None:
    """Check ``forward(X, w, b)`` returns ``A = σ(w X + b)`` of shape (1, m).

    Parameters
    ----------
    forward : callable
        The student's ``forward(X, w, b)``.
    seed : int
        Seed of ``X`` (n, m), ``w`` (1, n) and ``b``.
    n, m : int
        Number of features and examples.
    """
    __tracebackhide__ = True
    X, _, w, b = _data(seed, n, m)
    Z = w @ X + b
    A = logistic.sigmoid(Z)
    got = _call(forward, "forward", X=X, w=w, b=b)
    assert_matches("A", got, A, mistakes={
        "σ is missing: that is Z = w X + b; A = σ(Z)": Z,
        "b is missing: A = σ(w X + b)": logistic.sigmoid(w @ X),
        "that is σ(-Z) = 1 - σ(Z): σ(z) = 1 / (1 + exp(-z))": logistic.sigmoid(-Z),
    })
    passed(f"forward: A = σ(w X + b) has shape (1, {m}) and the right values ({_sizes(n, m)})")


def check_bce_loss(bce_loss, *, seed: int = 0, m: int = 6) -> None:
    """Check ``bce_loss(A, Y)`` returns the number ``-(1/m) Σ [Y ln A + (1 - Y) ln(1 - A)]``.

    Parameters
    ----------
    bce_loss : callable
        The student's ``bce_loss(A, Y)``.
    seed : int
        Seed of ``A`` (1, m), entries in [0.05, 0.95], and ``Y`` (1, m).
    m : int
        Number of examples.
    """
    __tracebackhide__ = True
    m = check_scalar("m", m, integer=True, minimum=1)
    gen = as_rng(seed)
    A = gen.uniform(0.05, 0.95, size=(1, m))
    Y = gen.integers(0, 2, size=(1, m)).astype(np.float64)
    if m > 1:
        Y[0, :2] = (1.0, 0.0)
    L = logistic.bce_loss(A, Y)
    pos, neg = Y * np.log(A), (1 - Y) * np.log(1 - A)
    got = _call(bce_loss, "bce_loss", A=A, Y=Y)
    got = _number("L", got, "bce_loss", why="the loss is one number, the average over the examples")
    assert_matches("L", got, L, m=m, mistakes={
        "only the Y ln A term: the label-0 examples need (1 - Y) ln(1 - A) too": float(-np.mean(pos)),
        "only the (1 - Y) ln(1 - A) term: the label-1 examples need Y ln A too": float(-np.mean(neg)),
        "the two terms are subtracted; both are added, inside one minus sign": float(-np.mean(pos - neg)),
        "log10 instead of the natural log np.log": float(-np.mean(pos + neg) / np.log(10)),
    })
    passed(f"bce_loss: L = -(1/m) Σ [Y ln A + (1 − Y) ln(1 − A)] (m = {m})")


def _backward_expected(seed, n, m):
    __tracebackhide__ = True
    X, Y, w, b = _data(seed, n, m)
    A = logistic.forward(X, w, b)
    dw, db = logistic.backward(X, Y, A)
    dZ = (A - Y) / m
    extra_sigma = dZ * A * (1 - A)  # σ' multiplied in again, although dZ = A - Y already contains it
    mistakes = {
        "dw": {"σ'(Z) is multiplied in again: with BCE, dZ = (A - Y)/m already includes it": extra_sigma @ X.T,
               "dw = dZ w: the local derivative of w X with respect to w is X, so dw = dZ Xᵀ": dZ.sum() * w},
        "db": {"σ'(Z) is multiplied in again: with BCE, dZ = (A - Y)/m already includes it":
               float(extra_sigma.sum())},
    }
    return X, Y, A, {"dw": dw, "db": db}, mistakes


def check_backward_dw(backward, *, seed: int = 0, n: int = 3, m: int = 5) -> None:
    """Check ``dw`` from ``backward(X, Y, A) -> (dw, db)``: ``dw = (1/m)(A - Y) Xᵀ``, shape (1, n).

    Parameters
    ----------
    backward : callable
        The student's ``backward(X, Y, A)``.
    seed : int
        Seed of the data and parameters.
    n, m : int
        Number of features and examples.
    """
    __tracebackhide__ = True
    X, Y, A, expected, mistakes = _backward_expected(seed, n, m)
    dw, _ = unpack(_call(backward, "backward", X=X, Y=Y, A=A), ("dw", "db"), "backward")
    assert_matches("dw", dw, expected["dw"], m=m, mistakes=mistakes["dw"])
    passed(f"backward: dw has shape {format_shape(expected['dw'].shape)} and the right values ({_sizes(n, m)})")


def check_backward_db(backward, *, seed: int = 0, n: int = 3, m: int = 5) -> None:
    """Check ``db`` from ``backward(X, Y, A) -> (dw, db)``: the number ``db = (1/m) Σ (A - Y)``.

    Parameters are those of :func:`check_backward_dw`.
    """
    __tracebackhide__ = True
    X, Y, A, expected, mistakes = _backward_expected(seed, n, m)
    _, db = unpack(_call(backward, "backward", X=X, Y=Y, A=A), ("dw", "db"), "backward")
    db = _number("db", db, "backward", why="b is one number, so db is one too")
    assert_matches("db", db, expected["db"], m=m, mistakes=mistakes["db"])
    passed(f"backward: db is a number with the right value ({_sizes(n, m)})")


# --- exercise 6: the gradient check ---------------------------------------------------------------

def check_gradient_check_logistic(gradient_check_logistic, *, seed: int = 0, n: int = 3, m: int = 5) -> None:
    """Check ``gradient_check_logistic(forward, bce_loss, backward, X, Y, w, b)`` passes and fails when it should.

    It is called three times with the reference ``forward`` and ``bce_loss``:
    with the right ``backward`` it must return a passing
    :class:`helpers.GradCheckReport` whose analytic values are the right ``dw``
    and ``db``; with a ``backward`` that forgets the ``1/m`` and with one whose
    sign is flipped it must raise AssertionError or return a failing report.

    Parameters
    ----------
    gradient_check_logistic : callable
        The student's function.
    seed : int
        Seed of the data and parameters.
    n, m : int
        Number of features and examples (m > 1, so that a missing 1/m shows).
    """
    __tracebackhide__ = True
    m = check_scalar("m", m, integer=True, minimum=2)
    X, Y, w, b = _data(seed, n, m)
    dw, db = logistic.backward(X, Y, logistic.forward(X, w, b))

    def call(backward):
        __tracebackhide__ = True
        return _call(gradient_check_logistic, "gradient_check_logistic", forward=logistic.forward,
                     bce_loss=logistic.bce_loss, backward=backward, X=X, Y=Y, w=w, b=b)

    hint = "Does your loss function use params['w'] and params['b'] (not the outer w and b)?"
    try:
        report = call(logistic.backward)
    except AssertionError as exc:
        raise AssertionError(f"with a correct backward, your gradient check fails. {hint}\n{exc}") from None
    if not isinstance(report, GradCheckReport):
        raise AssertionError("gradient_check_logistic should return the report of helpers.check_gradients "
                             f"(a GradCheckReport); received {_describe(report)}")
    rows = {row.name: row for row in report.rows}
    if sorted(rows) != ["b", "w"]:
        raise AssertionError("gradient_check_logistic should check the parameters named 'w' and 'b' "
                             f"(params = {{'w': w, 'b': b}}); its report checks {sorted(rows)}")
    if not report.passed:
        raise AssertionError(f"with a correct backward, your gradient check fails. {hint}\n{report}")
    for name, want in (("w", dw), ("b", db)):
        if not np.any(np.isclose(rows[name].analytic, np.ravel(want), rtol=1e-6, atol=1e-9)):
            raise AssertionError(f"your report's analytic gradient for {name} is not backward's: pass the "
                                 "gradients of backward(X, Y, forward(X, w, b)) as grads")
    wrong = {
        "the 1/m is missing": lambda X, Y, A: tuple(v * m for v in logistic.backward(X, Y, A)),
        "the sign is flipped": lambda X, Y, A: tuple(-v for v in logistic.backward(X, Y, A)),
    }
    for what, backward in wrong.items():
        try:
            report = call(backward)
        except AssertionError:
            continue
        if not isinstance(report, GradCheckReport) or report.passed:
            raise AssertionError(f"given a backward in which {what}, your gradient check passes: it should fail "
                                 "(helpers.check_gradients raises; do not catch its AssertionError). Does it "
                                 "compare backward's gradients with the loss's?")
    passed(f"gradient_check_logistic: passes the right gradients, catches a missing 1/m and a flipped sign "
           f"({_sizes(n, m)})")


# --- shared -----------------------------------------------------------------------------------------

def _require_keys(value, what, keys):
    __tracebackhide__ = True
    if not isinstance(value, dict):
        raise AssertionError(f"{what} should return a dict with the keys {list(keys)}; received {_describe(value)}")
    missing = [k for k in keys if k not in value]
    if missing:
        raise AssertionError(f"{what} should return a dict with the keys {list(keys)}; it has no key "
                             f"{missing[0]!r}, its keys are {sorted(map(str, value))}")


def _describe(value):
    __tracebackhide__ = True
    if hasattr(value, "shape"):
        return f"an array of shape {format_shape(value.shape)}"
    return f"a {type(value).__name__}"
