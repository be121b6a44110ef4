"""Checks for lesson 9: a network of L layers, the four equations, the L2 penalty and a training loop.

The network, one example per column: ``A[0] = X`` (n_0, m); for ``l = 1, ..., L``,
``Z[l] = W[l] A[l-1] + b[l]`` and ``A[l] = g_l(Z[l])``, both (n_l, m), with ``W[l]``
(n_l, n_{l-1}) and ``b[l]`` (n_l, 1) stored as ``params["W{l}"]`` and ``params["b{l}"]``.
The loss is ``L = (1/m) Σ_i Σ_j (A[L]_ji - Y_ji)²`` and ``δ[l] = ∂L/∂Z[l]`` (n_l, m).

===================================================  =========================================
student's function                                   check
===================================================  =========================================
``forward(X, params, activations)``                  :func:`check_forward_output`,
``-> (A_L, caches)``                                 :func:`check_forward_caches`
``backward(Y, params, caches, activations)``         :func:`check_backward_output_layer`,
``-> (grads, deltas)``                               :func:`check_backward_hidden_layers`
``l2_penalty(params, lam, m) -> (penalty, grads)``   :func:`check_l2_penalty_value`,
                                                     :func:`check_l2_penalty_gradient`
``train(loss_and_grads, params, step, *, steps,``    :func:`check_train`
``**hyper) -> (params, losses)``
===================================================  =========================================

``activations`` is a list of L pairs ``(g, g_prime)``; the checks take the layers'
activation *names* (``names=("tanh", "relu", "sigmoid")``) and pass pairs of their own.
Each check draws its data from ``seed``, calls the student's function on copies,
and prints one ✓ line or raises AssertionError naming the array, the layer, the
worst entry and, where it can tell, the likely mistake (this lesson's mistakes: δ of
the wrong layer, ``W[l]`` where ``W[l+1]ᵀ`` belongs, ``g'`` forgotten at the output
or applied twice, the biases regularised, ``λ`` without ``1/m``, the cache of the
wrong layer). The backward checks build the caches with their own forward pass, and
the hidden-layer check propagates from the student's own ``δ[L]``, so each part is
graded on its own.

These checks still compute the right answer themselves (the style of lessons 1 to 8
before the answer-key redesign); the same mistakes are written as wrong
implementations in ``coursetools/mistakes/deep.py``, which ``tests/test_checks_deep.py``
runs through these checks.
"""

from __future__ import annotations

import numpy as np

from .._checks import as_rng, check_scalar, format_shape
from ..feedback import assert_matches
from ._common import call_on_copies as _call
from ._common import number as _number
from ._common import passed, unpack

__all__ = [
    "check_backward_hidden_layers",
    "check_backward_output_layer",
    "check_forward_caches",
    "check_forward_output",
    "check_l2_penalty_gradient",
    "check_l2_penalty_value",
    "check_train",
]

SIZES = (3, 4, 4, 2)
NAMES = ("tanh", "relu", "sigmoid")
SQUARE = (4, 4, 4, 4)  # every product fits even when a layer index is off: mistakes show as values


# --- forward ---------------------------------------------------------------------------------------

def check_forward_output(forward, *, seed: int = 0, sizes=SIZES, names=NAMES, m: int = 5) -> None:
    """Check ``forward(X, params, activations)`` returns ``A_L = A[L]`` of shape (n_L, m).

    Parameters
    ----------
    forward : callable
        The student's ``forward``, returning ``(A_L, caches)``.
    seed : int
        Seed of ``X`` (n_0, m) and of the parameters.
    sizes : tuple of int
        ``(n_0, n_1, ..., n_L)``.
    names : tuple of str
        The L layers' activations: "sigmoid", "tanh", "relu" or "identity".
    m : int
        Number of examples.
    """
    __tracebackhide__ = True
    X, _, params, acts = _network(seed, sizes, names, m)
    A_L, _ = _forward(X, params, acts)
    got, _ = _run_forward(forward, X, params, acts, len(acts))
    assert_matches("A_L", got, A_L, mistakes=_forward_mistakes(X, params, acts, "A_L"))
    _probe_forward(forward, seed, sizes, names, m, what="A_L")
    passed(f"forward: A_L {format_shape(A_L.shape)} has the right values ({_text(sizes, names, m)})")


def check_forward_caches(forward, *, seed: int = 0, sizes=SIZES, names=NAMES, m: int = 5) -> None:
    """Check ``forward``'s caches: ``caches[l-1] = {"A_prev": A[l-1], "Z": Z[l], "A": A[l]}`` for every layer.

    Parameters are those of :func:`check_forward_output`.
    """
    __tracebackhide__ = True
    X, _, params, acts = _network(seed, sizes, names, m)
    _, caches = _forward(X, params, acts)
    _, got = _run_forward(forward, X, params, acts, len(acts))
    if not isinstance(got, (list, tuple)) or len(got) != len(caches):
        what = f"a {type(got).__name__}" + (f" of {len(got)}" if isinstance(got, (list, tuple)) else "")
        _fail(f"forward should return a list of {len(caches)} caches, one per layer; "
              f"received {what}")
    wrong = _forward_mistakes(X, params, acts, "caches")
    for layer, (cache, expected) in enumerate(zip(got, caches), start=1):
        if not isinstance(cache, dict) or any(key not in cache for key in expected):
            keys = sorted(map(str, cache)) if isinstance(cache, dict) else type(cache).__name__
            _fail(f"caches[{layer - 1}] (layer {layer}) should be a dict "
                  f"{{'A_prev': A[{layer - 1}], 'Z': Z[{layer}], 'A': A[{layer}]}}; received {keys}")
        for key in ("A_prev", "Z", "A"):
            mistakes = {label: value[layer - 1][key] for label, value in wrong.items()}
            mistakes.update(_other_layers(caches, layer, key))
            assert_matches(f"caches[{layer - 1}][{key!r}] (layer {layer})", cache[key], expected[key],
                           mistakes=mistakes)
    _probe_forward(forward, seed, sizes, names, m, what="caches")
    passed(f"forward: the {len(caches)} caches hold A[l-1], Z[l] and A[l] of every layer ({_text(sizes, names, m)})")


def _run_forward(forward, X, params, acts, L):
    __tracebackhide__ = True
    result = _shapes_in_words(_call, forward, "forward", X=X, params=params, activations=list(acts))
    return unpack(result, ("A_L", "caches"), "forward")


def _probe_forward(forward, seed, sizes, names, m, *, what):
    """The same check with the activations turned around: a forward that ignores its argument fails."""
    __tracebackhide__ = True
    other = tuple({"sigmoid": "tanh", "tanh": "sigmoid", "relu": "identity", "identity": "relu"}[n] for n in names)
    X, _, params, acts = _network(seed + 1, sizes, other, m + 1)
    A_L, caches = _forward(X, params, acts)
    got_A, got_caches = _run_forward(forward, X, params, acts, len(acts))
    ok = (np.shape(got_A) == A_L.shape and np.allclose(got_A, A_L, rtol=1e-6, atol=1e-9))
    if what == "caches":
        ok = isinstance(got_caches, (list, tuple)) and len(got_caches) == len(caches) and all(
            isinstance(c, dict) and all(np.shape(c.get(k)) == e[k].shape and np.allclose(c[k], e[k], rtol=1e-6,
                                                                                          atol=1e-9) for k in e)
            for c, e in zip(got_caches, caches))
    if not ok:
        _fail(
            f"forward is right for the activations {list(names)} with m = {m} but wrong for {list(other)} "
            f"with m = {m + 1}: does it call the functions in `activations` (g, _ = activations[l - 1]), "
            "and use the shapes of its arguments rather than notebook variables?")


def _forward_mistakes(X, params, acts, what):
    """The outputs (A_L, or the caches) of the lesson's wrong forward passes."""
    __tracebackhide__ = True
    L = len(acts)
    first = [acts[0]] * L
    shifted = list(acts[1:]) + [acts[-1]]
    variants = {
        "the biases are missing: Z[l] = W[l] A[l-1] + b[l]": _forward(X, params, acts, bias=False),
        "every layer uses the first layer's activation: layer l uses activations[l - 1]": _forward(X, params, first),
        "each layer uses the next layer's activation (activations[l] instead of activations[l - 1])":
            _forward(X, params, shifted),
        "the output layer's activation is missing: A[L] = g_L(Z[L])": _forward(X, params, acts, last=False),
    }
    if what == "A_L":
        out = {label: A for label, (A, _) in variants.items()}
        Z_L = _forward(X, params, acts)[1][-1]["Z"]
        out["A_L is Z[L]: apply the output layer's activation, A[L] = g_L(Z[L])"] = Z_L
        return out
    out = {label: caches for label, (_, caches) in variants.items()}
    _, right = _forward(X, params, acts)
    out["the cache of the wrong layer: A_prev of layer l must be A[l-1], the input of layer l, "
        "stored before A is overwritten"] = [{**c, "A_prev": c["A"]} for c in right]
    return out


def _other_layers(caches, layer, key):
    """Fingerprints of an array stored in the cache of the wrong layer."""
    __tracebackhide__ = True
    out = {}
    for j, cache in enumerate(caches, start=1):
        for k, value in cache.items():
            if (j, k) != (layer, key) and not (k == "A_prev" and key == "A" and j == layer + 1) and \
                    not (k == "A" and key == "A_prev" and j == layer - 1):
                out[f"that is {k} of layer {j}: the cache of the wrong layer (caches[{layer - 1}] is layer {layer}: "
                    f"A_prev = A[{layer - 1}], Z = Z[{layer}], A = A[{layer}])"] = value
    return out


# --- backward --------------------------------------------------------------------------------------

def check_backward_output_layer(backward, *, seed: int = 0, sizes=SQUARE, names=NAMES, m: int = 5) -> None:
    """Check ``backward``'s output layer: ``δ[L] = (2/m)(A[L] - Y) ⊙ g_L'(Z[L])`` (BP1), ``dW[L]``, ``db[L]``.

    Parameters
    ----------
    backward : callable
        The student's ``backward(Y, params, caches, activations)``, returning ``(grads, deltas)``.
    seed, sizes, names, m :
        As for :func:`check_forward_output`.
    """
    __tracebackhide__ = True
    X, Y, params, acts = _network(seed, sizes, names, m)
    _, caches = _forward(X, params, acts)
    grads, deltas = _backward(Y, params, caches, acts)
    got_grads, got_deltas = _run_backward(backward, Y, params, caches, acts)
    L = len(acts)
    assert_matches(f"deltas[{L - 1}] (δ[{L}], the output layer)", got_deltas[L - 1], deltas[L - 1], m=m,
                   mistakes=_output_delta_mistakes(Y, caches, acts))
    layer_mistakes = _layer_gradient_mistakes(L, deltas, caches)
    for key in (f"W{L}", f"b{L}"):
        mistakes = layer_mistakes[key]
        assert_matches(f"grads[{key!r}]", got_grads[key], grads[key], m=m, mistakes=mistakes)
    passed(f"backward: δ[{L}], dW{L} {format_shape(grads[f'W{L}'].shape)} and "
           f"db{L} {format_shape(grads[f'b{L}'].shape)} "
           f"of the output layer have the right values ({_text(sizes, names, m)})")


def check_backward_hidden_layers(backward, *, seed: int = 0, sizes=SQUARE, names=NAMES, m: int = 5) -> None:
    """Check ``backward`` below the output: ``δ[l] = (W[l+1]ᵀ δ[l+1]) ⊙ g_l'(Z[l])`` (BP2), ``dW[l]``, ``db[l]``.

    The expected values are propagated from the student's own ``δ[L]`` (when it has the right
    shape), so a mistake at the output layer costs only the output layer's points.

    Parameters are those of :func:`check_backward_output_layer`.
    """
    __tracebackhide__ = True
    X, Y, params, acts = _network(seed, sizes, names, m)
    L = len(acts)
    if L < 2:
        raise ValueError(f"sizes: a network with hidden layers needs at least 3 sizes, received {sizes}")
    _, caches = _forward(X, params, acts)
    _, right = _backward(Y, params, caches, acts)
    got_grads, got_deltas = _run_backward(backward, Y, params, caches, acts)
    top = right[-1]
    if np.shape(got_deltas[L - 1]) == right[-1].shape:
        top = np.asarray(got_deltas[L - 1], dtype=np.float64)
    if not np.all(np.isfinite(top)):
        top = right[-1]
    deltas = _propagate(top, params, caches, acts)
    wrong = _hidden_delta_mistakes(top, params, caches, acts)
    for layer in range(L - 1, 0, -1):  # from the top down: the first wrong layer is the one to fix
        assert_matches(f"deltas[{layer - 1}] (δ[{layer}])", got_deltas[layer - 1], deltas[layer - 1], m=m,
                       mistakes={**{label: value[layer - 1] for label, value in wrong.items()},
                                 **_delta_of_other_layer(right, deltas, layer)})
    grads = _gradients(deltas, caches)
    layer_mistakes = _layer_gradient_mistakes(L, deltas, caches)
    for layer in range(L - 1, 0, -1):
        for key in (f"W{layer}", f"b{layer}"):
            assert_matches(f"grads[{key!r}]", got_grads[key], grads[key], m=m, mistakes=layer_mistakes.get(key, {}))
    passed(f"backward: δ[l], dW[l] and db[l] of the {L - 1} layer{'s' if L > 2 else ''} below the output have the "
           f"right values ({_text(sizes, names, m)})")


def _run_backward(backward, Y, params, caches, acts):
    __tracebackhide__ = True
    result = _shapes_in_words(_call, backward, "backward", Y=Y, params=params, caches=[dict(c) for c in caches],
                              activations=list(acts))
    grads, deltas = unpack(result, ("grads", "deltas"), "backward")
    L = len(acts)
    keys = [f"{kind}{layer}" for layer in range(1, L + 1) for kind in "Wb"]
    if not isinstance(grads, dict) or any(key not in grads for key in keys):
        got = sorted(map(str, grads)) if isinstance(grads, dict) else type(grads).__name__
        _fail(f"backward's grads should be a dict with the keys {keys}, one per parameter; "
              f"received {got}")
    if not isinstance(deltas, (list, tuple)) or len(deltas) != L:
        got = f"{len(deltas)} arrays" if isinstance(deltas, (list, tuple)) else f"a {type(deltas).__name__}"
        _fail(f"backward's deltas should be a list of the {L} errors [δ[1], ..., δ[{L}]]; "
              f"received {got}")
    return grads, list(deltas)


def _output_delta_mistakes(Y, caches, acts):
    __tracebackhide__ = True
    L, m = len(acts), Y.shape[1]
    g_prime = acts[-1][1]
    Z, A = caches[-1]["Z"], caches[-1]["A"]
    dA = (2 / m) * (A - Y)
    return {
        f"g_L' is forgotten at the output: δ[{L}] = (2/m)(A[{L}] - Y) ⊙ g_L'(Z[{L}])": dA,
        f"g_L' is applied twice at the output: δ[{L}] = (2/m)(A[{L}] - Y) ⊙ g_L'(Z[{L}]), once": dA * g_prime(Z) ** 2,
        f"g_L' is evaluated at A[{L}]; evaluate it at Z[{L}]": dA * g_prime(A),
        f"A[{L}] - Y uses Z[{L}] for A[{L}]: the output is A[{L}] = g_L(Z[{L}])": (2 / m) * (Z - Y) * g_prime(Z),
    }


def _layer_gradient_mistakes(L, deltas, caches):
    """BP3/BP4 mistakes for every layer, given the errors ``deltas`` the student's loop should use."""
    __tracebackhide__ = True
    out = {}
    for layer in range(1, L + 1):
        d, A_prev, A = deltas[layer - 1], caches[layer - 1]["A_prev"], caches[layer - 1]["A"]
        W = {f"the cache of the wrong layer: dW{layer} = δ[{layer}] A[{layer - 1}]ᵀ uses the input of layer {layer}, "
             f"caches[{layer - 1}]['A_prev'], not its output A[{layer}]": d @ A.T}
        b = {f"the bias gradient averages over the examples: the 1/m is already inside δ, so "
             f"db{layer} = Σ_i δ[{layer}][:, i]": d.mean(axis=1, keepdims=True)}
        if layer < L:
            up = deltas[layer]
            W[f"δ of the wrong layer: dW{layer} = δ[{layer}] A[{layer - 1}]ᵀ, with layer {layer}'s own "
              f"error δ[{layer}], "
              f"not δ[{layer + 1}]"] = up @ A_prev.T
            b[f"δ of the wrong layer: db{layer} sums layer {layer}'s own error δ[{layer}], not δ[{layer + 1}]"] = \
                up.sum(axis=1, keepdims=True)
        out[f"W{layer}"], out[f"b{layer}"] = W, b
    return out


def _propagate(top, params, caches, acts, *, how="right"):
    """δ[1], ..., δ[L] from δ[L] = ``top`` by BP2, or by one of the lesson's wrong versions of it."""
    __tracebackhide__ = True
    L = len(acts)
    deltas = [None] * L
    deltas[-1] = top
    for layer in range(L - 1, 0, -1):
        up, Z = deltas[layer], caches[layer - 1]["Z"]
        g_prime = acts[layer - 1][1]
        W_next = params[f"W{layer + 1}"]
        try:
            if how == "right":
                d = (W_next.T @ up) * g_prime(Z)
            elif how == "own_W":
                d = (params[f"W{layer}"].T @ up) * g_prime(Z)
            elif how == "no_transpose":
                d = (W_next @ up) * g_prime(Z)
            elif how == "no_prime":
                d = W_next.T @ up
            elif how == "next_prime":
                d = (W_next.T @ up) * acts[layer][1](Z)
            elif how == "prime_of_A":
                d = (W_next.T @ up) * g_prime(caches[layer - 1]["A"])
            elif how == "wrong_Z":
                d = (W_next.T @ up) * g_prime(caches[layer]["Z"])
            else:
                raise ValueError(how)
        except ValueError:  # that mistake cannot even be computed at this size: numpy would refuse it
            d = None
        if d is None or d.shape != Z.shape:
            return [None] * L
        deltas[layer - 1] = d
    return deltas


def _hidden_delta_mistakes(top, params, caches, acts):
    __tracebackhide__ = True
    labels = {
        "own_W": "W[l] where W[l+1]ᵀ belongs: δ[l] = (W[l+1]ᵀ δ[l+1]) ⊙ g_l'(Z[l]) goes back through the weights "
                 "of the layer above",
        "no_transpose": "W[l+1] is not transposed: δ[l] = (W[l+1]ᵀ δ[l+1]) ⊙ g_l'(Z[l])",
        "no_prime": "g_l' is missing: δ[l] = (W[l+1]ᵀ δ[l+1]) ⊙ g_l'(Z[l])",
        "next_prime": "the derivative of the wrong layer's activation: δ[l] uses g_l' of layer l, activations[l - 1]",
        "prime_of_A": "g_l' is evaluated at A[l]; evaluate it at Z[l]",
        "wrong_Z": "the cache of the wrong layer: g_l' is evaluated at Z[l+1]; δ[l] needs Z[l], from caches[l - 1]",
    }
    out = {}
    for how, label in labels.items():
        deltas = _propagate(top, params, caches, acts, how=how)
        if deltas[0] is not None:
            out[label] = deltas
    return out


def _delta_of_other_layer(right, deltas, layer):
    __tracebackhide__ = True
    out = {}
    for j, d in enumerate(deltas, start=1):
        if j != layer and d is not None:
            out[f"that is δ[{j}]: δ of the wrong layer (deltas[{layer - 1}] is δ[{layer}])"] = d
    return out


def _gradients(deltas, caches):
    __tracebackhide__ = True
    grads = {}
    for layer, (d, cache) in enumerate(zip(deltas, caches), start=1):
        grads[f"W{layer}"] = d @ cache["A_prev"].T
        grads[f"b{layer}"] = d.sum(axis=1, keepdims=True)
    return grads


# --- the L2 penalty ---------------------------------------------------------------------------------

def check_l2_penalty_value(l2_penalty, *, seed: int = 0, sizes=SIZES, lam: float = 0.7, m: int = 20) -> None:
    """Check ``l2_penalty(params, lam, m)``'s penalty: the number ``(λ / 2m) Σ_l ||W[l]||²``.

    Parameters
    ----------
    l2_penalty : callable
        The student's ``l2_penalty``, returning ``(penalty, grads)``.
    seed : int
        Seed of the parameters (biases not zero).
    sizes : tuple of int
        ``(n_0, ..., n_L)``.
    lam : float
        ``λ``.
    m : int
        Number of training examples.
    """
    __tracebackhide__ = True
    params, lam, m = _penalty_case(seed, sizes, lam, m)
    penalty, _ = unpack(_call(l2_penalty, "l2_penalty", params=params, lam=lam, m=m),
                                ("penalty", "grads"), "l2_penalty")
    got = _number("penalty", penalty, "l2_penalty", why="the penalty is added to the loss, a number")
    W2 = sum(float(np.sum(v ** 2)) for k, v in params.items() if k.startswith("W"))
    b2 = sum(float(np.sum(v ** 2)) for k, v in params.items() if k.startswith("b"))
    assert_matches("penalty", got, lam / (2 * m) * W2, mistakes={
        "the biases are regularised too: the penalty sums the squares of the weights only": lam / (2 * m) * (W2 + b2),
        "λ without 1/m: the penalty is (λ / 2m) Σ ||W[l]||²": lam / 2 * W2,
        "λ without 1/(2m): the penalty is (λ / 2m) Σ ||W[l]||²": lam * W2,
        "the 1/2 is missing: the penalty is (λ / 2m) Σ ||W[l]||²": lam / m * W2,
        "the squares are missing: ||W||² is the sum of the squared entries": lam / (2 * m) * sum(
            float(np.sum(v)) for k, v in params.items() if k.startswith("W")),
        "only the first layer is penalised: sum ||W[l]||² over every layer":
            lam / (2 * m) * float(np.sum(params["W1"] ** 2)),
    })
    passed(f"l2_penalty: the penalty has the right value (λ = {lam:g}, m = {m}, layers {tuple(sizes)})")


def check_l2_penalty_gradient(l2_penalty, *, seed: int = 0, sizes=SIZES, lam: float = 0.7, m: int = 20) -> None:
    """Check ``l2_penalty``'s gradient: ``(λ / m) W[l]`` for each ``"W{l}"``, zeros for each ``"b{l}"``.

    Parameters are those of :func:`check_l2_penalty_value`.
    """
    __tracebackhide__ = True
    params, lam, m = _penalty_case(seed, sizes, lam, m)
    _, grads = unpack(_call(l2_penalty, "l2_penalty", params=params, lam=lam, m=m), ("penalty", "grads"), "l2_penalty")
    if not isinstance(grads, dict) or any(key not in grads for key in params):
        got = sorted(map(str, grads)) if isinstance(grads, dict) else type(grads).__name__
        _fail(f"l2_penalty's grads should be a dict with an entry for every parameter, {list(params)} "
              f"(zeros for the biases), so that it can be added to backward's; received {got}")
    for key, value in params.items():
        if key.startswith("W"):
            assert_matches(f"grads[{key!r}]", grads[key], lam / m * value, m=m, mistakes={
                "λ without 1/m: the gradient of (λ / 2m) ||W||² is (λ / m) W": lam * value,
                "the gradient of (λ / 2m) ||W||² is (λ / m) W: the 2 of the square cancels the 1/2":
                    lam / (2 * m) * value,
            })
        else:
            assert_matches(f"grads[{key!r}]", grads[key], np.zeros_like(value), mistakes={
                "the biases are regularised: the penalty has no bias in it, so its gradient for every b[l] is 0":
                    lam / m * value,
                "the biases are regularised (and λ without 1/m): their penalty gradient is 0": lam * value,
            })
    passed(f"l2_penalty: the gradient is (λ/m) W[l] for the weights and 0 for the biases (λ = {lam:g}, m = {m}, "
           f"layers {tuple(sizes)})")


def _penalty_case(seed, sizes, lam, m):
    __tracebackhide__ = True
    sizes = _sizes(sizes)
    lam = check_scalar("lam", lam, minimum=0)
    m = check_scalar("m", m, integer=True, minimum=1)
    gen = as_rng(seed)
    params = {}
    for layer in range(1, len(sizes)):
        params[f"W{layer}"] = gen.standard_normal((sizes[layer], sizes[layer - 1]))
        params[f"b{layer}"] = gen.uniform(0.5, 1.5, (sizes[layer], 1)) * gen.choice([-1.0, 1.0], (sizes[layer], 1))
    return params, lam, m


# --- the training loop --------------------------------------------------------------------------------

def check_train(train, *, seed: int = 0, steps: int = 4, sizes=(2, 3, 1), learning_rate: float = 0.1) -> None:
    """Check ``train(loss_and_grads, params, step, *, steps, **hyper)`` drives a step function correctly.

    The check passes a quadratic ``loss_and_grads`` on a parameter dict of layer sizes
    ``sizes`` and a momentum-like step function of lesson 6's interface that records how it
    is called; it checks ``t = 1, ..., steps``, that each step receives the previous step's
    state and the flattened parameters, that the hyperparameters arrive by name, and that
    ``train`` returns the last parameters as a dict and one loss per step.

    Parameters
    ----------
    train : callable
        The student's ``train``.
    seed : int
        Seed of the start and of the quadratic.
    steps : int
        Number of steps.
    sizes : tuple of int
        Layer sizes of the parameter dict.
    learning_rate : float
        The hyperparameter passed on by name.
    """
    __tracebackhide__ = True
    from ..deep import flatten, unflatten

    sizes = _sizes(sizes)
    steps = check_scalar("steps", steps, integer=True, minimum=1)
    learning_rate = check_scalar("learning_rate", learning_rate, positive=True)
    gen = as_rng(seed)
    start = {}
    for layer in range(1, len(sizes)):
        start[f"W{layer}"] = gen.standard_normal((sizes[layer], sizes[layer - 1]))
        start[f"b{layer}"] = gen.standard_normal((sizes[layer], 1))
    theta0 = flatten(start)
    p = theta0.size
    target = gen.standard_normal(p)
    weights = gen.uniform(0.5, 2.0, p)

    def loss_and_grads(params):
        __tracebackhide__ = True
        if not isinstance(params, dict):
            _fail(f"train passed loss_and_grads a {type(params).__name__}; pass the parameters "
                  "as a dict: helpers.deep.unflatten(theta, params)")
        theta = flatten(params)
        return float(np.sum(weights * (theta - target) ** 2)), unflatten(2 * weights * (theta - target), start)

    calls = []

    def step(theta, grad_fn, state, **hyper):
        __tracebackhide__ = True
        calls.append({"theta": np.array(theta, dtype=np.float64, copy=True), "state": state, "hyper": hyper})
        g = np.asarray(grad_fn(theta), dtype=np.float64)
        v = 0.5 * np.asarray(state.get("v", 0.0)) - hyper.get("learning_rate", 0.0) * g
        return np.asarray(theta, dtype=np.float64) + v, {**state, "v": v, "s": np.asarray(state.get("s", 0.0)) + 1.0}

    result = _call(train, "train", loss_and_grads=loss_and_grads, params=start, step=step,
                   keywords={"steps": steps, "learning_rate": learning_rate})
    got_params, losses = unpack(result, ("params_new", "losses"), "train")

    # what a right loop gives
    theta, state, right_losses, thetas, states = theta0, {"v": np.zeros(p), "s": np.zeros(p), "t": 0}, [], [], []
    for t in range(1, steps + 1):
        state = {**state, "t": t}
        thetas.append(theta)
        states.append(state)
        g = 2 * weights * (theta - target)
        right_losses.append(float(np.sum(weights * (theta - target) ** 2)))
        v = 0.5 * state["v"] - learning_rate * g
        theta, state = theta + v, {**state, "v": v, "s": state["s"] + 1.0}

    if len(calls) != steps:
        _fail(f"train called the step function {len(calls)} times with steps={steps}: one call per step")
    for t, (call, theta_t, state_t) in enumerate(zip(calls, thetas, states), start=1):
        st = call["state"]
        if not isinstance(st, dict) or any(k not in st for k in ("v", "s", "t")):
            got = sorted(map(str, st)) if isinstance(st, dict) else type(st).__name__
            _fail(f"step {t} received the state {got}; it should be a dict with 'v', 's' and 't', "
                  "starting from {'v': zeros, 's': zeros, 't': 0}")
        if st["t"] != t:
            hint = (". Likely mistake: state['t'] starts at 0: the first step is t = 1 (pass {**state, 't': t} "
                    "with t = 1, 2, ...)" if st["t"] == t - 1 else "")
            _fail(f"step {t} received state['t'] = {st['t']}, expected {t}{hint}")
        if "learning_rate" not in call["hyper"] or call["hyper"]["learning_rate"] != learning_rate:
            _fail(f"step {t} received the hyperparameters {call['hyper']}, expected "
                  f"learning_rate={learning_rate!r}: pass **hyper on to the step function")
        if call["theta"].shape != theta_t.shape:
            _fail(f"step {t} received theta of shape {format_shape(call['theta'].shape)}, expected "
                  f"({p},): one vector of every parameter, helpers.deep.flatten(params)")
        if t == 1:
            assert_matches("theta at the first step", call["theta"], theta_t)
        assert_matches(f"state['v'] received by step {t}", st["v"], state_t["v"], mistakes={
            "the state is not passed on: each step must receive the state the previous step returned":
                np.zeros(p)} if t > 1 else None)
        assert_matches(f"theta received by step {t}", call["theta"], theta_t, mistakes={
            "theta is not updated: keep the theta each step returns (theta, state = step(...))": theta0}
            if t > 1 else None)
    if not isinstance(got_params, dict):
        _fail(f"train should return the parameters as a dict like params; received "
              f"{type(got_params).__name__} (use helpers.deep.unflatten(theta, params))")
    final = unflatten(theta, start)
    for key in start:
        if key not in got_params:
            _fail(f"train's params_new has no key {key!r}; its keys are {sorted(map(str, got_params))}")
        assert_matches(f"params_new[{key!r}]", got_params[key], final[key], mistakes={
            "params_new are the parameters before the last step: return the theta of the last step": unflatten(
                thetas[-1], start)[key],
            "params_new are the start: return the trained parameters": start[key]})
    assert_matches("losses", losses, np.array(right_losses), mistakes={
        "losses holds one loss too few or the losses after each step": np.array(
            right_losses[1:] + [float(np.sum(weights * (theta - target) ** 2))])})
    passed(f"train: {steps} step{'s' if steps > 1 else ''} with t = 1, ..., {steps}, the state passed on, "
           f"the right parameters and losses ({p} parameters)")


# --- the reference network, for the checks only -------------------------------------------------------

def _sigmoid(Z):
    __tracebackhide__ = True
    return 0.5 * (1.0 + np.tanh(0.5 * Z))


def _sigmoid_prime(Z):
    __tracebackhide__ = True
    s = _sigmoid(Z)
    return s * (1.0 - s)


def _tanh_prime(Z):
    __tracebackhide__ = True
    return 1.0 - np.tanh(Z) ** 2


def _relu(Z):
    __tracebackhide__ = True
    return np.maximum(Z, 0.0)


def _relu_prime(Z):
    __tracebackhide__ = True
    return (Z > 0).astype(np.float64)


def _identity(Z):
    __tracebackhide__ = True
    return Z


def _one(Z):
    __tracebackhide__ = True
    return np.ones_like(Z)


_ACTIVATIONS = {"sigmoid": (_sigmoid, _sigmoid_prime), "tanh": (np.tanh, _tanh_prime),
                "relu": (_relu, _relu_prime), "identity": (_identity, _one)}


def _sizes(sizes):
    __tracebackhide__ = True
    try:
        sizes = tuple(int(n) for n in sizes)
    except (TypeError, ValueError):
        raise ValueError(f"sizes: expected a tuple of layer sizes (n_0, ..., n_L), received {sizes!r}") from None
    if len(sizes) < 2 or min(sizes) < 1:
        raise ValueError(f"sizes: expected at least two positive sizes (n_0, ..., n_L), received {sizes}")
    return sizes


def _network(seed, sizes, names, m):
    """``X`` (n_0, m), ``Y`` (n_L, m), parameters with biases away from 0, and the activation pairs."""
    __tracebackhide__ = True
    sizes = _sizes(sizes)
    names = tuple(names)
    if len(names) != len(sizes) - 1 or any(n not in _ACTIVATIONS for n in names):
        raise ValueError(f"names: expected {len(sizes) - 1} activation names from {sorted(_ACTIVATIONS)}, "
                         f"received {names}")
    m = check_scalar("m", m, integer=True, minimum=1)
    gen = as_rng(seed)
    X = gen.standard_normal((sizes[0], m))
    Y = gen.uniform(0.0, 1.0, (sizes[-1], m))
    params = {}
    for layer in range(1, len(sizes)):
        params[f"W{layer}"] = gen.standard_normal((sizes[layer], sizes[layer - 1])) / np.sqrt(sizes[layer - 1])
        params[f"b{layer}"] = gen.uniform(0.2, 1.0, (sizes[layer], 1)) * gen.choice([-1.0, 1.0], (sizes[layer], 1))
    return X, Y, params, [_ACTIVATIONS[n] for n in names]


def _forward(X, params, acts, *, bias=True, last=True):
    __tracebackhide__ = True
    A, caches = X, []
    for layer, (g, _) in enumerate(acts, start=1):
        Z = params[f"W{layer}"] @ A + (params[f"b{layer}"] if bias else 0.0)
        A_prev, A = A, (g(Z) if last or layer < len(acts) else Z)
        caches.append({"A_prev": A_prev, "Z": Z, "A": A})
    return A, caches


def _backward(Y, params, caches, acts):
    __tracebackhide__ = True
    m = Y.shape[1]
    top = (2 / m) * (caches[-1]["A"] - Y) * acts[-1][1](caches[-1]["Z"])
    deltas = _propagate(top, params, caches, acts)
    return _gradients(deltas, caches), deltas


def _shapes_in_words(call, fn, name, **inputs):
    """Call the student's function; numpy's shape errors inside it get the course's words (its frame stays)."""
    __tracebackhide__ = True
    try:
        return call(fn, name, **inputs)
    except ValueError as err:
        text = str(err)
        if "matmul" in text or "could not be broadcast" in text:
            _fail(
 f"numpy refused a product or a sum inside your {name} ({text.splitlines()[0]}): check the shapes "
 "of each step, W[l] is (n_l, n_{l-1}), A[l-1] (n_{l-1}, m), δ[l] (n_l, m), and "
 "δ[l] = (W[l+1]ᵀ δ[l+1]) ⊙ g_l'(Z[l]) is (n_l, n_{l+1})(n_{l+1}, m); a layer index one off "
 "(W[l] for W[l+1], caches[l] for caches[l - 1]) gives exactly such a mismatch", cause=err)
        raise


def _fail(message, *, cause=None):
    """Raise the AssertionError of a failed check: the one frame a failing test cell shows, with no answer in it."""
    __tracebackhide__ = True
    raise AssertionError(message) from cause


def _text(sizes, names, m):
    __tracebackhide__ = True
    return f"layers {tuple(sizes)}, activations {', '.join(names)}, m = {m}"
