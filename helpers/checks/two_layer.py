"""Checks for lessons 3 and 4: the two-layer network, without and with a sigmoid.

The network, one example per column::

    Z = W1 X + b1         X (n, m), W1 (k, n), b1 (k, 1), Z (k, m)
    A = σ(Z)              lesson 4 only; in lesson 3 the second layer reads Z
    ŷ = w2 A + b2         w2 (1, k), b2 a number, ŷ (1, m)
    L = (1/m) Σ (ŷ - y)²  y (1, m)

The parameters are a dict ``params = {"W1": W1, "b1": b1, "w2": w2, "b2": b2}``
and the gradients a dict ``grads`` with the same keys and shapes (``grads["W1"]``
holds ``dW1 = ∂L/∂W1``). The exercises and their checks:

===============================================  =======================================
student's function                               check
===============================================  =======================================
``forward(X, params) -> (y_hat, cache)``         :func:`check_forward`
``backward(X, y, y_hat, params, cache)``         :func:`check_backward_dW1`,
``-> grads``                                     :func:`check_backward_db1`,
                                                 :func:`check_backward_dw2`,
                                                 :func:`check_backward_db2`
``equivalent_linear(params) -> (w, b)``          :func:`check_equivalent_linear` (lesson 3)
``sigmoid(Z)``, ``sigmoid_derivative(Z)``        :func:`check_sigmoid`,
                                                 :func:`check_sigmoid_derivative` (lesson 4)
===============================================  =======================================

The forward and backward checks serve both lessons through ``activation``:
with ``activation=None`` (lesson 3) they call ``forward(X, params)`` and
``backward(X, y, y_hat, params, cache)`` and expect ``cache = {"Z": Z}``; with
``activation="sigmoid"`` (lesson 4) they call ``forward(X, params, sigma)`` and
``backward(X, y, y_hat, params, cache, sigma_prime)`` and expect ``cache = {"Z":
Z, "A": A}``. The σ and σ' they pass are tables of the solution's ``sigmoid``
and ``sigmoid_derivative`` at the points a correct pass (or a known wrong one)
uses, and each lesson 4 check runs again with ``tanh`` (and its derivative) in
their place, so a function that ignores the argument is named. The backward
checks get ``y_hat`` and the cache of the solution's forward pass, recorded at
release, and ``sigmoid_derivative`` runs with a table for ``sigmoid``: each
exercise is graded on its own, a wrong sigmoid, forward or ``dW1`` costs only
its own points.

Each check draws its data from ``seed`` at the requested sizes, calls the
student's function on copies, and compares with the fixtures that ``coursetools
release`` computed from the solution notebooks (``03-two-layer-linear`` and
``04-two-layer-sigmoid``; see ``docs/checks.md``). It prints one ✓ line or fails
naming the array, its shape, the worst entry and the likely mistake. Nothing here
computes an answer.
"""

from __future__ import annotations

import numpy as np

from .._validate import as_rng, check_scalar, format_shape
from ..feedback import fail
from ._common import call, passed, unpack
from ._common import number as _number
from ._engine import Check

__all__ = [
    "CHECKS",
    "check_backward_dW1",
    "check_backward_db1",
    "check_backward_db2",
    "check_backward_dw2",
    "check_equivalent_linear",
    "check_forward",
    "check_sigmoid",
    "check_sigmoid_derivative",
]

LESSONS = {None: "03-two-layer-linear", "sigmoid": "04-two-layer-sigmoid", "tanh": "04-two-layer-sigmoid"}
IGNORED_ACTIVATION = ("{exercise} ignores the activation it is given: use the function passed in (sigma(Z), "
                      "sigma_prime(Z)), not a sigmoid of your own; this test passes tanh as well as σ")


# --- inputs (no answers) -------------------------------------------------------------------------

def _lesson(params):
    __tracebackhide__ = True
    activation = params.get("activation")
    if activation not in LESSONS:
        fail(f"activation: expected None (lesson 3) or 'sigmoid' (lesson 4), received {activation!r}",
             kind=ValueError)
    return LESSONS[activation]


def _data(seed, n, k, m):
    """``X`` (n, m), ``y`` (1, m) and parameters drawn from ``seed``; ``b2`` a number away from 0."""
    __tracebackhide__ = True
    n = check_scalar("n", n, integer=True, minimum=1)
    k = check_scalar("k", k, integer=True, minimum=1)
    m = check_scalar("m", m, integer=True, minimum=1)
    gen = as_rng(seed)
    X = gen.standard_normal((n, m))
    y = gen.standard_normal((1, m))
    params = {
        "W1": gen.standard_normal((k, n)),
        "b1": gen.standard_normal((k, 1)),
        "w2": gen.standard_normal((1, k)),
        "b2": float(gen.uniform(0.5, 1.5) * gen.choice([-1.0, 1.0])),
    }
    return X, y, params


def _network_inputs(activation=None, *, seed, n, k, m):
    __tracebackhide__ = True
    _lesson({"activation": activation})
    X, y, params = _data(seed, n, k, m)
    return {"X": X, "y": y, "params": params}


def _forward_inputs(activation=None, *, seed, n, k, m):
    __tracebackhide__ = True
    inputs = _network_inputs(activation, seed=seed, n=n, k=k, m=m)
    del inputs["y"]
    return inputs


def _tanh_prime(Z):
    """The derivative of tanh (the stand-in activation that shows an ignored sigma_prime)."""
    __tracebackhide__ = True
    return 1.0 - np.tanh(Z) ** 2


def _sigma(params):
    __tracebackhide__ = True
    activation = params.get("activation")
    return {} if activation is None else {"sigma": np.tanh if activation == "tanh" else "sigmoid"}


def _sigma_prime(params):
    __tracebackhide__ = True
    activation = params.get("activation")
    return {} if activation is None else {
        "sigma_prime": _tanh_prime if activation == "tanh" else "sigmoid_derivative"}


def _correct_pass(inputs, solution):
    """At release only: ``y_hat`` and the cache of the solution's forward pass, for the backward checks."""
    __tracebackhide__ = True
    activation = inputs.pop("activation")
    args = (inputs["X"], inputs["params"])
    if activation is not None:
        args += (np.tanh if activation == "tanh" else solution["sigmoid"],)
    y_hat, cache = solution["forward"](*args)
    return {"y_hat": y_hat, "cache": cache}


def _backward_inputs(activation=None, *, seed, n, k, m):
    __tracebackhide__ = True
    return {**_network_inputs(activation, seed=seed, n=n, k=k, m=m), "activation": activation}


def _points(seed, k, m):
    __tracebackhide__ = True
    k = check_scalar("k", k, integer=True, minimum=1)
    m = check_scalar("m", m, integer=True, minimum=1)
    return {"Z": as_rng(seed).uniform(-5.0, 5.0, size=(k, m))}


def _equivalent_inputs(seed, n, k):
    __tracebackhide__ = True
    _, _, params = _data(seed, n, k, 1)
    return {"params": params}


def _probes(activation=None, *, seed, n, k, m):
    """Lesson 4 runs again with tanh in place of σ; both lessons on other data of other sizes."""
    __tracebackhide__ = True
    sizes = {"seed": seed + 1000, "n": n + 1, "k": k + 1, "m": m + 2}
    if activation is None:
        return [{"activation": None, **sizes}]
    return [{"activation": "tanh", "seed": seed, "n": n, "k": k, "m": m}, {"activation": activation, **sizes}]


def _other_points(seed, k, m):
    __tracebackhide__ = True
    return [{"seed": seed + 1000, "k": k + 1, "m": m + 2}]


def _other_weights(seed, n, k):
    __tracebackhide__ = True
    return [{"seed": seed + 1000, "n": n + 1, "k": k + 1}]


# --- how the student's functions are called --------------------------------------------------------

def _require_dict(value, fn_name, should, keys, layout):
    """Fail unless ``value`` is a dict holding ``keys``, e.g. ``layout = "{'Z': Z}"``."""
    __tracebackhide__ = True
    if not isinstance(value, dict):
        got = (f"an array of shape {format_shape(value.shape)}" if hasattr(value, "shape")
               else f"a {type(value).__name__}")
        fail(f"{fn_name} should {should} a dict, {layout}; received {got}")
    missing = [key for key in keys if key not in value]
    if missing:
        fail(f"{fn_name} should {should} a dict, {layout}; it has no key {missing[0]!r}, "
             f"its keys are {sorted(map(str, value))}")


def _call_forward(fn, i):
    __tracebackhide__ = True
    sigma = (i["sigma"],) if "sigma" in i else ()
    y_hat, cache = unpack(call(fn, "forward", i["X"], i["params"], *sigma), ("y_hat", "cache"), "forward")
    names = ["Z", "A"] if sigma else ["Z"]
    _require_dict(cache, "forward", "return as cache", names,
                  "{" + ", ".join(f"'{name}': {name}" for name in names) + "}")
    return {**{f"cache['{name}']": cache[name] for name in names}, "y_hat": y_hat}


_KEYS = {"dW1": "W1", "db1": "b1", "dw2": "w2", "db2": "b2"}


def _call_gradient(grad):
    __tracebackhide__ = True

    def run(fn, i):
        __tracebackhide__ = True
        sigma_prime = (i["sigma_prime"],) if "sigma_prime" in i else ()
        grads = call(fn, "backward", i["X"], i["y"], i["y_hat"], i["params"], i["cache"], *sigma_prime)
        _require_dict(grads, "backward", "return its gradients as", [_KEYS[grad]],
                      "{'W1': dW1, 'b1': db1, 'w2': dw2, 'b2': db2}")
        got = grads[_KEYS[grad]]
        if grad == "db2":
            got = _number("db2", got, "backward", why="b2 is one number, so db2 is one too")
        return {grad: got}

    return run


def _call_equivalent(fn, i):
    __tracebackhide__ = True
    w, b = unpack(call(fn, "equivalent_linear", i["params"]), ("w", "b"), "equivalent_linear")
    return {"w": w, "b": _number("b", b, "equivalent_linear", why="b is one number, like lesson 2's b")}


def _call_sigmoid(fn, i):
    __tracebackhide__ = True
    return {"sigmoid(Z)": call(fn, "sigmoid", i["Z"])}


def _call_sigmoid_derivative(fn, i):
    __tracebackhide__ = True
    return {"sigmoid_derivative(Z)": call(fn, "sigmoid_derivative", i["Z"])}


def _network_check(name, exercise, inputs, run, outputs, **kwargs):
    __tracebackhide__ = True
    return Check(_lesson, name, exercise, inputs, run, outputs, probes=_probes,
                 hints={"activation": IGNORED_ACTIVATION}, **kwargs)


FORWARD = _network_check("check_forward", "forward", _forward_inputs, _call_forward,
                         ("cache['Z']", "cache['A']", "y_hat"), arrays=("y_hat",), functions=_sigma)
BACKWARD = {grad: _network_check(f"check_backward_{grad}", "backward", _backward_inputs, _call_gradient(grad),
                                 (grad,), arrays=() if grad == "db2" else (grad,), functions=_sigma_prime,
                                 derive=_correct_pass)
            for grad in _KEYS}
EQUIVALENT_LINEAR = Check(LESSONS[None], "check_equivalent_linear", "equivalent_linear", _equivalent_inputs,
                          _call_equivalent, ("w", "b"), arrays=("w",), probes=_other_weights)
SIGMOID = Check(LESSONS["sigmoid"], "check_sigmoid", "sigmoid", _points, _call_sigmoid, ("sigmoid(Z)",),
                arrays=("sigmoid(Z)",), probes=_other_points)
SIGMOID_DERIVATIVE = Check(LESSONS["sigmoid"], "check_sigmoid_derivative", "sigmoid_derivative", _points,
                           _call_sigmoid_derivative, ("sigmoid_derivative(Z)",), arrays=("sigmoid_derivative(Z)",),
                           probes=_other_points, standins=("sigmoid",))

CHECKS = {c.name: c for c in (FORWARD, *BACKWARD.values(), EQUIVALENT_LINEAR, SIGMOID, SIGMOID_DERIVATIVE)}


# --- the exercises -------------------------------------------------------------------------------

def check_forward(forward, *, activation: str | None = None, seed: int = 0, n: int = 3, k: int = 4,
                  m: int = 5) -> None:
    """Check ``forward`` returns ``y_hat`` (1, m) and the cache of ``Z`` (and ``A``), each (k, m).

    Parameters
    ----------
    forward : callable
        The student's ``forward(X, params)`` (lesson 3) or
        ``forward(X, params, sigma)`` (lesson 4), returning ``(y_hat, cache)``.
    activation : {None, "sigmoid"}
        None for lesson 3 (``ŷ = w2 Z + b2``), ``"sigmoid"`` for lesson 4
        (``ŷ = w2 σ(Z) + b2``).
    seed : int
        Seed of the data and parameters.
    n, k, m : int
        Number of features, hidden units and examples.
    """
    __tracebackhide__ = True
    _lesson({"activation": activation})
    FORWARD.verify(forward, activation=activation, seed=seed, n=n, k=k, m=m)
    parts = ", ".join(f"{name} ({k}, {m})" for name in (("Z",) if activation is None else ("Z", "A")))
    passed(f"forward: y_hat (1, {m}) and the cache's {parts} have the right values ({_sizes_text(n, k, m)})")


def _check_gradient(backward, grad, *, activation, seed, n, k, m):
    __tracebackhide__ = True
    _lesson({"activation": activation})
    BACKWARD[grad].verify(backward, activation=activation, seed=seed, n=n, k=k, m=m)
    shape = {"dW1": (k, n), "db1": (k, 1), "dw2": (1, k)}.get(grad)
    what = "is a number with the right value" if shape is None else \
        f"has shape {format_shape(shape)} and the right values"
    passed(f"backward: {grad} {what} ({_sizes_text(n, k, m)})")

def check_backward_dW1(backward, *, activation: str | None = None, seed: int = 0, n: int = 3,
                       k: int = 4, m: int = 5) -> None:
    """Check ``grads["W1"]`` from ``backward``: ``dW1 = dZ Xᵀ``, shape (k, n).

    Parameters
    ----------
    backward : callable
        The student's ``backward(X, y, y_hat, params, cache)`` (lesson 3) or
        ``backward(X, y, y_hat, params, cache, sigma_prime)`` (lesson 4),
        returning the dict ``grads``.
    activation : {None, "sigmoid"}
        None for lesson 3, ``"sigmoid"`` for lesson 4.
    seed : int
        Seed of the data and parameters.
    n, k, m : int
        Number of features, hidden units and examples.
    """
    __tracebackhide__ = True
    _check_gradient(backward, "dW1", activation=activation, seed=seed, n=n, k=k, m=m)


def check_backward_db1(backward, *, activation: str | None = None, seed: int = 0, n: int = 3,
                       k: int = 4, m: int = 5) -> None:
    """Check ``grads["b1"]`` from ``backward``: ``db1 = Σ_columns dZ``, shape (k, 1).

    Parameters are those of :func:`check_backward_dW1`.
    """
    __tracebackhide__ = True
    _check_gradient(backward, "db1", activation=activation, seed=seed, n=n, k=k, m=m)


def check_backward_dw2(backward, *, activation: str | None = None, seed: int = 0, n: int = 3,
                       k: int = 4, m: int = 5) -> None:
    """Check ``grads["w2"]`` from ``backward``: ``dw2 = dŷ Zᵀ`` (lesson 3) or ``dŷ Aᵀ``, shape (1, k).

    Parameters are those of :func:`check_backward_dW1`.
    """
    __tracebackhide__ = True
    _check_gradient(backward, "dw2", activation=activation, seed=seed, n=n, k=k, m=m)


def check_backward_db2(backward, *, activation: str | None = None, seed: int = 0, n: int = 3,
                       k: int = 4, m: int = 5) -> None:
    """Check ``grads["b2"]`` from ``backward``: the number ``db2 = Σ dŷ``.

    Parameters are those of :func:`check_backward_dW1`.
    """
    __tracebackhide__ = True
    _check_gradient(backward, "db2", activation=activation, seed=seed, n=n, k=k, m=m)


def check_equivalent_linear(equivalent_linear, *, seed: int = 0, n: int = 3, k: int = 4) -> None:
    """Check ``equivalent_linear(params) -> (w, b)``: ``w = w2 W1`` (1, n) and the number ``b = w2 b1 + b2``.

    Parameters
    ----------
    equivalent_linear : callable
        The student's function, taking the dict of a two-layer linear network.
    seed : int
        Seed of the parameters.
    n, k : int
        Number of features and hidden units.
    """
    __tracebackhide__ = True
    EQUIVALENT_LINEAR.verify(equivalent_linear, seed=seed, n=n, k=k)
    passed(f"equivalent_linear: w (1, {n}) and the number b have the right values ({_sizes_text(n, k)})")


def check_sigmoid(sigmoid, *, seed: int = 0, k: int = 4, m: int = 5) -> None:
    """Check ``sigmoid(Z)`` returns ``σ(Z) = 1 / (1 + exp(-Z))`` entry by entry, of Z's shape (k, m).

    Parameters
    ----------
    sigmoid : callable
        The student's ``sigmoid(Z)``.
    seed : int
        Seed of ``Z`` (entries between -5 and 5, never all 0).
    k, m : int
        Shape of ``Z``.
    """
    __tracebackhide__ = True
    SIGMOID.verify(sigmoid, seed=seed, k=k, m=m)
    passed(f"sigmoid: the right values for Z of shape {format_shape((k, m))}")


def check_sigmoid_derivative(sigmoid_derivative, *, seed: int = 0, k: int = 4, m: int = 5) -> None:
    """Check ``sigmoid_derivative(Z)`` returns ``σ'(Z) = σ(Z)(1 - σ(Z))`` entry by entry, shape (k, m).

    While it runs, the name ``sigmoid`` in its namespace answers from a table of the solution's values, so
    a wrong ``sigmoid`` does not cost these points. Parameters are those of :func:`check_sigmoid`.
    """
    __tracebackhide__ = True
    SIGMOID_DERIVATIVE.verify(sigmoid_derivative, seed=seed, k=k, m=m)
    passed(f"sigmoid_derivative: the right values for Z of shape {format_shape((k, m))}")


# --- shared --------------------------------------------------------------------------------------

def _sizes_text(n, k, m=None):
    __tracebackhide__ = True

    def count(size, noun):
        __tracebackhide__ = True
        return f"{size} {noun}{'' if size == 1 else 's'}"

    text = f"n = {count(n, 'feature')}, k = {count(k, 'hidden unit')}"
    return text if m is None else f"{text}, m = {count(m, 'example')}"
