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
``backward(X, y, y_hat, params, cache, sigma_prime)``, passing their own correct
σ and σ', and expect ``cache = {"Z": Z, "A": A}``. The backward checks build
``y_hat`` and the cache with their own forward pass, so each exercise is checked
on its own: a wrong sigmoid, forward or ``dW1`` costs only its own points.

Each check draws its data from ``seed`` at the requested sizes, computes the
right answer itself, calls the student's function on copies, and prints one ✓
line or raises AssertionError naming the array, its shape, the worst entry and
the likely mistake.
"""

from __future__ import annotations

import numpy as np

from .._checks import as_rng, check_scalar, format_shape
from ..feedback import assert_matches
from ._common import call_on_copies as _call
from ._common import number as _number
from ._common import passed, unpack

__all__ = [
    "check_backward_dW1",
    "check_backward_db1",
    "check_backward_db2",
    "check_backward_dw2",
    "check_equivalent_linear",
    "check_forward",
    "check_sigmoid",
    "check_sigmoid_derivative",
]


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
    act = _activation(activation)
    X, _, params = _data(seed, n, k, m)
    y_hat, cache = _forward(X, params, act)
    result = _call(forward, "forward", X=X, params=params, sigma=None if act is None else act.sigma)
    got_y_hat, got_cache = unpack(result, ("y_hat", "cache"), "forward")
    _require_dict(got_cache, "forward", "return as cache", list(cache),
                  "{" + ", ".join(f"'{name}': {name}" for name in cache) + "}")

    W1, w2, b2 = params["W1"], params["w2"], params["b2"]
    no_b1 = W1 @ X
    mistakes = {"Z": {"b1 is missing: Z = W1 X + b1": no_b1}}
    if act is None:
        mistakes["y_hat"] = {
            "b1 is missing: Z = W1 X + b1, then y_hat = w2 Z + b2": w2 @ no_b1 + b2,
            "b2 is missing: y_hat = w2 Z + b2": w2 @ cache["Z"],
        }
    else:
        A = cache["A"]
        mistakes["A"] = {
            "A equals Z: apply σ, A = σ(Z) (call sigma(Z))": cache["Z"],
            "b1 is missing: Z = W1 X + b1, then A = σ(Z)": act.sigma(no_b1),
        }
        mistakes["y_hat"] = {
            "the second layer reads Z; it should read A = σ(Z): y_hat = w2 A + b2": w2 @ cache["Z"] + b2,
            "b2 is missing: y_hat = w2 A + b2": w2 @ A,
            "b1 is missing: Z = W1 X + b1": w2 @ act.sigma(no_b1) + b2,
            "σ is applied to the output too; the output layer has no σ: y_hat = w2 A + b2":
                act.sigma(y_hat),
        }
    for name in cache:  # Z first: a wrong Z explains a wrong y_hat
        assert_matches(f"cache['{name}']", got_cache[name], cache[name], mistakes=mistakes[name])
    assert_matches("y_hat", got_y_hat, y_hat, mistakes=mistakes["y_hat"])
    parts = ", ".join(f"{name} {format_shape(value.shape)}" for name, value in cache.items())
    passed(f"forward: y_hat (1, {m}) and the cache's {parts} have the right values "
           f"({_sizes_text(n, k, m)})")


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
    _, _, params = _data(seed, n, k, 1)
    W1, b1, w2, b2 = (params[p] for p in ("W1", "b1", "w2", "b2"))
    result = _call(equivalent_linear, "equivalent_linear", params=params)
    w, b = unpack(result, ("w", "b"), "equivalent_linear")
    assert_matches("w", w, w2 @ W1, mistakes={
        "w2 is missing: w = w2 W1 weights each row of W1 by its entry of w2": W1.sum(axis=0, keepdims=True),
        "did you transpose it? w = w2 W1 has shape (1, n), like lesson 2's w": W1.T @ w2.T,
    })
    b = _number("b", b, "equivalent_linear", why="b is one number, like lesson 2's b")
    assert_matches("b", b, (w2 @ b1).item() + b2, mistakes={
        "b2 is missing: b = w2 b1 + b2": (w2 @ b1).item(),
        "w2 b1 is missing: the first layer's bias b1 reaches the output through w2, b = w2 b1 + b2": b2,
        "b1's entries are added without their weights in w2: b = w2 b1 + b2": b1.sum() + b2,
    })
    passed(f"equivalent_linear: w (1, {n}) and the number b have the right values ({_sizes_text(n, k)})")


def check_sigmoid(sigmoid, *, seed: int = 0, k: int = 4, m: int = 5) -> None:
    """Check ``sigmoid(Z)`` returns ``σ(Z) = 1 / (1 + exp(-Z))`` entry by entry, of Z's shape (k, m).

    Parameters
    ----------
    sigmoid : callable
        The student's ``sigmoid(Z)``.
    seed : int
        Seed of ``Z``.
    k, m : int
        Shape of ``Z``.
    """
    __tracebackhide__ = True
    Z = _points(seed, k, m)
    got = _call(sigmoid, "sigmoid", Z=Z)
    assert_matches("sigmoid(Z)", got, _sigmoid(Z), mistakes={
        "that is σ(-z) = 1 - σ(z): the minus sign in exp(-z) is missing, σ(z) = 1 / (1 + exp(-z))":
            _sigmoid(-Z),
        "that is tanh(z), which runs from -1 to 1; σ(z) = 1 / (1 + exp(-z)) runs from 0 to 1": np.tanh(Z),
        "that is exp(-z); σ(z) = 1 / (1 + exp(-z))": np.exp(-Z),
    })
    passed(f"sigmoid: the right values for Z of shape {format_shape(Z.shape)}")


def check_sigmoid_derivative(sigmoid_derivative, *, seed: int = 0, k: int = 4, m: int = 5) -> None:
    """Check ``sigmoid_derivative(Z)`` returns ``σ'(Z) = σ(Z)(1 - σ(Z))`` entry by entry, shape (k, m).

    Parameters are those of :func:`check_sigmoid`.
    """
    __tracebackhide__ = True
    Z = _points(seed, k, m)
    s = _sigmoid(Z)
    got = _call(sigmoid_derivative, "sigmoid_derivative", Z=Z)
    assert_matches("sigmoid_derivative(Z)", got, s * (1 - s), mistakes={
        "that is σ(z) itself; its derivative is σ'(z) = σ(z)(1 - σ(z))": s,
        "z(1 - z) uses z where σ(z) belongs: σ'(z) = σ(z)(1 - σ(z))": Z * (1 - Z),
        "the factor σ(z) is missing: σ'(z) = σ(z)(1 - σ(z))": 1 - s,
    })
    passed(f"sigmoid_derivative: the right values for Z of shape {format_shape(Z.shape)}")


# --- the reference network -----------------------------------------------------------------------

class _Activation:
    """σ and σ' as the checks pass them to the student's forward and backward (lesson 4)."""

    def __init__(self, sigma, sigma_prime):
        __tracebackhide__ = True
        self.sigma, self.sigma_prime = sigma, sigma_prime


def _sigmoid(Z):
    # σ(z) = (1 + tanh(z/2)) / 2 exactly; unlike 1 / (1 + exp(-z)) it never overflows.
    __tracebackhide__ = True
    return 0.5 * (1.0 + np.tanh(0.5 * Z))


def _sigmoid_prime(Z):
    __tracebackhide__ = True
    s = _sigmoid(Z)
    return s * (1.0 - s)


_ACTIVATIONS = {None: None, "sigmoid": _Activation(_sigmoid, _sigmoid_prime)}


def _activation(activation):
    __tracebackhide__ = True
    if activation not in _ACTIVATIONS:
        raise ValueError(f"activation: expected None (lesson 3) or 'sigmoid' (lesson 4), "
                         f"received {activation!r}")
    return _ACTIVATIONS[activation]


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


def _points(seed, k, m):
    __tracebackhide__ = True
    k = check_scalar("k", k, integer=True, minimum=1)
    m = check_scalar("m", m, integer=True, minimum=1)
    return as_rng(seed).uniform(-5.0, 5.0, size=(k, m))


def _forward(X, params, act):
    __tracebackhide__ = True
    Z = params["W1"] @ X + params["b1"]
    if act is None:
        return params["w2"] @ Z + params["b2"], {"Z": Z}
    A = act.sigma(Z)
    return params["w2"] @ A + params["b2"], {"Z": Z, "A": A}


def _backward(X, y, y_hat, params, cache, act):
    """The gradients, and for each the arrays that the lesson's known mistakes give."""
    __tracebackhide__ = True
    m = X.shape[1]
    Z, w2 = cache["Z"], params["w2"]
    H, h = (Z, "Z") if act is None else (cache["A"], "A")  # the second layer's input
    dy = (2 / m) * (y_hat - y)
    dH = w2.T @ dy
    dZ = dH if act is None else dH * act.sigma_prime(Z)
    grads = {"dW1": dZ @ X.T, "db1": dZ.sum(axis=1, keepdims=True), "dw2": dy @ H.T, "db2": dy.sum()}

    if act is None:
        wrong_dZ = {"the factor w2ᵀ is missing: dZ = w2ᵀ dŷ": np.ones_like(Z) * dy,
                    "the factor w2ᵀ is missing: dZ = w2ᵀ dŷ has shape (k, m), dŷ only (1, m)": dy}
    else:
        wrong_dZ = {
            "the factor w2ᵀ is missing: dZ = w2ᵀ dŷ ⊙ σ'(Z)": dy * act.sigma_prime(Z),
            "σ'(Z) is missing: dZ = dA ⊙ σ'(Z), entry by entry (call sigma_prime(Z))": dH,
            "σ'(z) is written as σ(z); it is σ(z)(1 - σ(z)): dZ = dA ⊙ σ'(Z)": dH * H,
            "σ' is evaluated at A; evaluate it at Z: dZ = dA ⊙ σ'(Z)": dH * act.sigma_prime(H),
        }
    mistakes = {
        "dW1": {label: v @ X.T for label, v in wrong_dZ.items()},
        "db1": {label: v.sum(axis=1, keepdims=True) for label, v in wrong_dZ.items()},
        "dw2": {f"dw2 = dŷ Xᵀ: the second layer's input is {h}, not X, so dw2 = dŷ {h}ᵀ": dy @ X.T},
        "db2": {},
    }
    if act is not None:
        mistakes["dw2"]["dw2 = dŷ Zᵀ: the second layer's input is A = σ(Z), not Z, so dw2 = dŷ Aᵀ"] = dy @ Z.T
    return grads, mistakes


# --- shared --------------------------------------------------------------------------------------

_KEYS = {"dW1": "W1", "db1": "b1", "dw2": "w2", "db2": "b2"}


def _check_gradient(backward, grad, *, activation, seed, n, k, m):
    __tracebackhide__ = True
    act = _activation(activation)
    X, y, params = _data(seed, n, k, m)
    y_hat, cache = _forward(X, params, act)
    expected, mistakes = _backward(X, y, y_hat, params, cache, act)
    result = _call(backward, "backward", X=X, y=y, y_hat=y_hat, params=params, cache=cache,
                   sigma_prime=None if act is None else act.sigma_prime)
    _require_dict(result, "backward", "return its gradients as", [_KEYS[grad]],
                  "{'W1': dW1, 'b1': db1, 'w2': dw2, 'b2': db2}")
    got = result[_KEYS[grad]]
    if grad == "db2":
        got = _number("db2", got, "backward", why="b2 is one number, so db2 is one too")
    assert_matches(grad, got, expected[grad], m=m, mistakes=mistakes[grad])
    what = ("is a number with the right value" if grad == "db2" else
            f"has shape {format_shape(expected[grad].shape)} and the right values")
    passed(f"backward: {grad} {what} ({_sizes_text(n, k, m)})")


def _require_dict(value, fn_name, should, keys, layout):
    """Fail unless ``value`` is a dict holding ``keys``, e.g. ``layout = "{'Z': Z}"``."""
    __tracebackhide__ = True
    if not isinstance(value, dict):
        got = (f"an array of shape {format_shape(value.shape)}" if hasattr(value, "shape")
               else f"a {type(value).__name__}")
        raise AssertionError(f"{fn_name} should {should} a dict, {layout}; received {got}")
    missing = [key for key in keys if key not in value]
    if missing:
        raise AssertionError(f"{fn_name} should {should} a dict, {layout}; it has no key {missing[0]!r}, "
                             f"its keys are {sorted(map(str, value))}")


def _sizes_text(n, k, m=None):
    __tracebackhide__ = True
    def count(size, noun):
        __tracebackhide__ = True
        return f"{size} {noun}{'' if size == 1 else 's'}"
    text = f"n = {count(n, 'feature')}, k = {count(k, 'hidden unit')}"
    return text if m is None else f"{text}, m = {count(m, 'example')}"
