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
activation *names* (``names=("tanh", "relu", "sigmoid")``) and pass pairs of their own:
``np.tanh``, the ReLU and the identity as they are, and for the sigmoid (lesson 4's
answer) tables of its values at the points a correct pass, or a known wrong one, visits.

Each check draws its inputs from ``seed`` at the requested sizes, calls the student's
function on copies, and compares with the fixtures that ``coursetools release`` computed
from the solution notebook (``09-deep-networks``; see ``docs/checks.md``): the right
outputs and those of the lesson's mistakes, written as wrong implementations in
``coursetools/mistakes/deep.py`` (δ of the wrong layer, ``W[l]`` where ``W[l+1]ᵀ``
belongs, ``g'`` forgotten at the output or applied twice, the biases regularised, ``λ``
without ``1/m``, the cache of the wrong layer, ...). It prints one ✓ line or fails naming
the array, the layer, the worst entry and the likely mistake. Nothing here computes an
answer.

The backward checks get the caches of the solution's forward pass, recorded at release.
The hidden-layer check grades the layers below the output on their own: when the
student's ``δ[L]`` is wrong, the values it expects are those that follow from the
student's own ``δ[L]``, through the linear map from ``δ[L]`` to the lower layers' errors
and gradients that release recorded (numbers, one column per entry of ``δ[L]``).
"""

from __future__ import annotations

import numpy as np

from .._validate import as_rng, check_scalar, format_shape
from ..feedback import fail
from ._common import call, passed, unpack
from ._common import number as _number
from ._engine import Check
from .two_layer import _tanh_prime

__all__ = [
    "CHECKS",
    "check_backward_hidden_layers",
    "check_backward_output_layer",
    "check_forward_caches",
    "check_forward_output",
    "check_l2_penalty_gradient",
    "check_l2_penalty_value",
    "check_train",
]

ASSIGNMENT = "09-deep-networks"
SIZES = (3, 4, 4, 2)
NAMES = ("tanh", "relu", "sigmoid")
SQUARE = (4, 4, 4, 4)  # every product fits even when a layer index is off: mistakes show as values
MAX_LAYERS = 12  # the outputs a check may compare are listed up to this depth
IGNORED_ACTIVATIONS = ("does it call the functions in `activations` (g, _ = activations[l - 1]), and use the shapes "
                       "of its arguments rather than notebook variables?")


# --- activations (tools given to the student's function; the sigmoid only as a table) -------------------

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


# name -> (g, g'): a function passed as it is, or the name of a function of the solution's namespace
# (lesson 9 gives the student the sigmoid; release records it and the checks answer from its table)
_ACTIVATIONS = {"sigmoid": ("sigmoid", "sigmoid_prime"), "tanh": (np.tanh, _tanh_prime),
                "relu": (_relu, _relu_prime), "identity": (_identity, _one)}


def _functions(params):
    """The activation functions of a case's layers, passed as ``g[name]`` and ``g'[name]``."""
    __tracebackhide__ = True
    out = {}
    for name in params.get("names", ()):
        g, g_prime = _ACTIVATIONS[name]
        out[f"g[{name}]"], out[f"g'[{name}]"] = g, g_prime
    return out


def _acts(i):
    """The list of (g, g_prime) pairs the student's function gets, one per layer."""
    __tracebackhide__ = True
    return [(i[f"g[{name}]"], i[f"g'[{name}]"]) for name in i["names"]]


def _solution_acts(names, solution):
    """At release only: the real activation pairs (the sigmoid from the solution's namespace)."""
    __tracebackhide__ = True
    pairs = []
    for name in names:
        pairs.append(tuple(solution[f] if isinstance(f, str) else f for f in _ACTIVATIONS[name]))
    return pairs


# --- inputs (no answers) ---------------------------------------------------------------------------------

def _sizes(sizes):
    __tracebackhide__ = True
    try:
        sizes = tuple(int(n) for n in sizes)
    except (TypeError, ValueError):
        fail(f"sizes: expected a tuple of layer sizes (n_0, ..., n_L), received {sizes!r}", kind=ValueError)
    if len(sizes) < 2 or min(sizes) < 1 or len(sizes) > MAX_LAYERS + 1:
        fail(f"sizes: expected 2 to {MAX_LAYERS + 1} positive sizes (n_0, ..., n_L), received {sizes}",
             kind=ValueError)
    return sizes


def _network(seed, sizes, names, m):
    """``X`` (n_0, m), ``Y`` (n_L, m), parameters with biases away from 0, and the activation names."""
    __tracebackhide__ = True
    sizes = _sizes(sizes)
    names = tuple(names)
    if len(names) != len(sizes) - 1 or any(n not in _ACTIVATIONS for n in names):
        fail(f"names: expected {len(sizes) - 1} activation names from {sorted(_ACTIVATIONS)}, received {names}",
             kind=ValueError)
    m = check_scalar("m", m, integer=True, minimum=1)
    gen = as_rng(seed)
    X = gen.standard_normal((sizes[0], m))
    Y = gen.uniform(0.0, 1.0, (sizes[-1], m))
    params = {}
    for layer in range(1, len(sizes)):
        params[f"W{layer}"] = gen.standard_normal((sizes[layer], sizes[layer - 1])) / np.sqrt(sizes[layer - 1])
        params[f"b{layer}"] = gen.uniform(0.2, 1.0, (sizes[layer], 1)) * gen.choice([-1.0, 1.0], (sizes[layer], 1))
    return X, Y, params, names


def _forward_inputs(seed, sizes, names, m):
    __tracebackhide__ = True
    X, _, params, names = _network(seed, sizes, names, m)
    return {"X": X, "params": params, "names": names}


def _backward_inputs(seed, sizes, names, m):
    __tracebackhide__ = True
    X, Y, params, names = _network(seed, sizes, names, m)
    return {"X": X, "Y": Y, "params": params, "names": names}


def _hidden_inputs(seed, sizes, names, m):
    __tracebackhide__ = True
    if len(_sizes(sizes)) < 3:
        fail(f"sizes: a network with hidden layers needs at least 3 sizes, received {sizes}", kind=ValueError)
    return _backward_inputs(seed, sizes, names, m)


def _correct_pass(inputs, solution):
    """At release only: the caches of the solution's forward pass, for the backward checks."""
    __tracebackhide__ = True
    X = inputs.pop("X")
    _, caches = solution["forward"](X, inputs["params"], _solution_acts(inputs["names"], solution))
    return {"caches": caches}


def _hidden_outputs(grads, deltas):
    """The hidden-layer check's outputs, by name, from a backward pass's results (layers L-1, ..., 1)."""
    __tracebackhide__ = True
    L = len(deltas)
    out = {}
    for layer in range(L - 1, 0, -1):
        out[_delta_name(layer, L)] = deltas[layer - 1]
    for layer in range(L - 1, 0, -1):
        for kind in "Wb":
            out[f"grads['{kind}{layer}']"] = grads[f"{kind}{layer}"]
    return out


def _propagation(inputs, solution):
    """At release only: the caches, the right δ[L], and the linear map from δ[L] to the lower layers' results.

    Every error and gradient below the output is linear in δ[L] (the caches held fixed). Column k of
    ``propagate`` holds them, flattened in the order of :func:`_hidden_outputs`, for δ[L] = the k-th unit
    array: the solution's backward run with the output's g' replaced by 1 and ``Y = A[L] - (m/2) δ[L]``.
    """
    __tracebackhide__ = True
    derived = _correct_pass(inputs, solution)
    caches, params = derived["caches"], inputs["params"]
    acts = _solution_acts(inputs["names"], solution)
    _, deltas = solution["backward"](inputs["Y"], params, caches, acts)
    unit = acts[:-1] + [(acts[-1][0], _one)]
    A_L = caches[-1]["A"]
    m = A_L.shape[1]
    columns = []
    for k in range(A_L.size):
        D = np.zeros(A_L.shape)
        D.flat[k] = 1.0
        grads_k, deltas_k = solution["backward"](A_L - (m / 2) * D, params, caches, unit)
        columns.append(np.concatenate([np.ravel(v) for v in _hidden_outputs(grads_k, deltas_k).values()]))
    return {**derived, "delta_L": deltas[-1], "propagate": np.array(columns).T}


def _penalty_inputs(seed, sizes, lam, m):
    __tracebackhide__ = True
    sizes = _sizes(sizes)
    lam = check_scalar("lam", lam, minimum=0)
    m = check_scalar("m", m, integer=True, minimum=1)
    gen = as_rng(seed)
    params = {}
    for layer in range(1, len(sizes)):
        params[f"W{layer}"] = gen.standard_normal((sizes[layer], sizes[layer - 1]))
        params[f"b{layer}"] = gen.uniform(0.5, 1.5, (sizes[layer], 1)) * gen.choice([-1.0, 1.0], (sizes[layer], 1))
    return {"params": params, "lam": float(lam), "m": int(m)}


def _train_inputs(seed, steps, sizes, learning_rate):
    """A start (a parameter dict of layer sizes ``sizes``) and a quadratic bowl Σ w (θ - target)² around it."""
    __tracebackhide__ = True
    sizes = _sizes(sizes)
    steps = check_scalar("steps", steps, integer=True, minimum=1)
    learning_rate = check_scalar("learning_rate", learning_rate, positive=True)
    gen = as_rng(seed)
    start = {}
    for layer in range(1, len(sizes)):
        start[f"W{layer}"] = gen.standard_normal((sizes[layer], sizes[layer - 1]))
        start[f"b{layer}"] = gen.standard_normal((sizes[layer], 1))
    p = sum(v.size for v in start.values())
    return {"start": start, "target": gen.standard_normal(p), "weights": gen.uniform(0.5, 2.0, p),
            "steps": int(steps), "learning_rate": float(learning_rate)}


def _other_activations(seed, sizes, names, m):
    """The same check with the activations turned around and one more example: a forward that ignores its
    argument, or reads a notebook variable, fails."""
    __tracebackhide__ = True
    other = tuple({"sigmoid": "tanh", "tanh": "sigmoid", "relu": "identity", "identity": "relu"}[n] for n in names)
    return [{"seed": seed + 1, "sizes": sizes, "names": other, "m": m + 1}]


# --- how the student's functions are called ----------------------------------------------------------------

def _shapes_in_words(fn, name, *args, **kwargs):
    """Call the student's function; numpy's shape errors inside it get the course's words (its frame stays)."""
    __tracebackhide__ = True
    try:
        return call(fn, name, *args, **kwargs)
    except ValueError as err:
        text = str(err)
        if "matmul" in text or "could not be broadcast" in text:
            fail(
 f"numpy refused a product or a sum inside your {name} ({text.splitlines()[0]}): check the shapes "
 "of each step, W[l] is (n_l, n_{l-1}), A[l-1] (n_{l-1}, m), δ[l] (n_l, m), and "
 "δ[l] = (W[l+1]ᵀ δ[l+1]) ⊙ g_l'(Z[l]) is (n_l, n_{l+1})(n_{l+1}, m); a layer index one off "
 "(W[l] for W[l+1], caches[l] for caches[l - 1]) gives exactly such a mismatch", cause=err)
        raise


def _run_forward(fn, i):
    __tracebackhide__ = True
    return unpack(_shapes_in_words(fn, "forward", i["X"], i["params"], _acts(i)), ("A_L", "caches"), "forward")


def _call_forward_output(fn, i):
    __tracebackhide__ = True
    A_L, _ = _run_forward(fn, i)
    return {"A_L": A_L}


def _cache_name(layer, key):
    __tracebackhide__ = True
    return f"caches[{layer - 1}][{key!r}] (layer {layer})"


def _call_forward_caches(fn, i):
    __tracebackhide__ = True
    _, got = _run_forward(fn, i)
    L = len(i["names"])
    if not isinstance(got, (list, tuple)) or len(got) != L:
        what = f"a {type(got).__name__}" + (f" of {len(got)}" if isinstance(got, (list, tuple)) else "")
        fail(f"forward should return a list of {L} caches, one per layer; received {what}")
    out = {}
    for layer, cache in enumerate(got, start=1):
        if not isinstance(cache, dict) or any(key not in cache for key in ("A_prev", "Z", "A")):
            keys = sorted(map(str, cache)) if isinstance(cache, dict) else type(cache).__name__
            fail(f"caches[{layer - 1}] (layer {layer}) should be a dict "
                 f"{{'A_prev': A[{layer - 1}], 'Z': Z[{layer}], 'A': A[{layer}]}}; received {keys}")
        for key in ("A_prev", "Z", "A"):
            out[_cache_name(layer, key)] = cache[key]
    return out


def _run_backward(fn, i):
    __tracebackhide__ = True
    result = _shapes_in_words(fn, "backward", i["Y"], i["params"], i["caches"], _acts(i))
    grads, deltas = unpack(result, ("grads", "deltas"), "backward")
    L = len(i["names"])
    keys = [f"{kind}{layer}" for layer in range(1, L + 1) for kind in "Wb"]
    if not isinstance(grads, dict) or any(key not in grads for key in keys):
        got = sorted(map(str, grads)) if isinstance(grads, dict) else type(grads).__name__
        fail(f"backward's grads should be a dict with the keys {keys}, one per parameter; received {got}")
    if not isinstance(deltas, (list, tuple)) or len(deltas) != L:
        got = f"{len(deltas)} arrays" if isinstance(deltas, (list, tuple)) else f"a {type(deltas).__name__}"
        fail(f"backward's deltas should be a list of the {L} errors [δ[1], ..., δ[{L}]]; received {got}")
    return grads, list(deltas)


def _delta_name(layer, L):
    __tracebackhide__ = True
    return f"deltas[{layer - 1}] (δ[{layer}], the output layer)" if layer == L else f"deltas[{layer - 1}] (δ[{layer}])"


def _call_backward_output(fn, i):
    __tracebackhide__ = True
    grads, deltas = _run_backward(fn, i)
    L = len(deltas)
    return {_delta_name(L, L): deltas[L - 1], f"grads['W{L}']": grads[f"W{L}"], f"grads['b{L}']": grads[f"b{L}"]}


def _call_backward_hidden(fn, i):
    """The lower layers' results; shifted by the map of δ[L] when the student's own δ[L] is wrong, so that
    they are compared with what follows from it (an output-layer mistake is charged once)."""
    __tracebackhide__ = True
    grads, deltas = _run_backward(fn, i)
    out = _hidden_outputs(grads, deltas)
    right = i["delta_L"]
    try:
        top = np.asarray(deltas[-1], dtype=np.float64)
    except (TypeError, ValueError):
        return out
    if top.shape != right.shape or not np.all(np.isfinite(top)) or np.allclose(top, right, rtol=1e-12, atol=0.0):
        return out
    shift = i["propagate"] @ (top - right).ravel()
    start = 0
    for name, value in out.items():
        size = int(np.prod(np.shape(value))) if np.ndim(value) else 1
        if np.shape(value) == () or start + size > shift.size:
            break
        part = shift[start:start + size]
        start += size
        try:
            out[name] = np.asarray(value, dtype=np.float64) - part.reshape(np.shape(value))
        except (TypeError, ValueError):
            break
    return out


def _call_l2_value(fn, i):
    __tracebackhide__ = True
    penalty, _ = unpack(call(fn, "l2_penalty", i["params"], i["lam"], i["m"]), ("penalty", "grads"), "l2_penalty")
    return {"penalty": _number("penalty", penalty, "l2_penalty", why="the penalty is added to the loss, a number")}


def _call_l2_gradient(fn, i):
    __tracebackhide__ = True
    _, grads = unpack(call(fn, "l2_penalty", i["params"], i["lam"], i["m"]), ("penalty", "grads"), "l2_penalty")
    params = i["params"]
    if not isinstance(grads, dict) or any(key not in grads for key in params):
        got = sorted(map(str, grads)) if isinstance(grads, dict) else type(grads).__name__
        fail(f"l2_penalty's grads should be a dict with an entry for every parameter, {list(params)} "
             f"(zeros for the biases), so that it can be added to backward's; received {got}")
    return {f"grads[{key!r}]": grads[key] for key in params}


def _call_train(fn, i):
    """Run the student's train on a quadratic bowl with a step function that records how it is called."""
    __tracebackhide__ = True
    from ..deep import flatten, unflatten

    start, target, weights = i["start"], i["target"], i["weights"]
    steps, learning_rate = i["steps"], i["learning_rate"]
    p = target.size

    def loss_and_grads(params):
        __tracebackhide__ = True
        if not isinstance(params, dict):
            fail(f"train passed loss_and_grads a {type(params).__name__}; pass the parameters "
                 "as a dict: helpers.deep.unflatten(theta, params)")
        theta = flatten(params)
        return float(np.sum(weights * (theta - target) ** 2)), unflatten(2 * weights * (theta - target), start)

    calls = []

    def step(theta, grad_fn, state, **hyper):
        # a step of lesson 6's interface whose move depends on its state (a sum of squared gradients)
        __tracebackhide__ = True
        calls.append({"theta": np.array(theta, dtype=np.float64, copy=True), "state": state, "hyper": hyper})
        g = np.asarray(grad_fn(theta), dtype=np.float64)
        s = np.asarray(state.get("s", 0.0), dtype=np.float64) + g * g
        v = 0.5 * np.asarray(state.get("v", 0.0), dtype=np.float64) + g
        move = hyper.get("learning_rate", 0.0) * v / np.sqrt(1.0 + s)
        return np.asarray(theta, dtype=np.float64) - move, {**state, "v": v, "s": s}

    result = call(fn, "train", loss_and_grads, start, step, steps=steps, learning_rate=learning_rate)
    got_params, losses = unpack(result, ("params_new", "losses"), "train")
    if len(calls) != steps:
        fail(f"train called the step function {len(calls)} times with steps={steps}: one call per step")
    for t, record in enumerate(calls, start=1):
        st = record["state"]
        if not isinstance(st, dict) or any(k not in st for k in ("v", "s", "t")):
            got = sorted(map(str, st)) if isinstance(st, dict) else type(st).__name__
            fail(f"step {t} received the state {got}; it should be a dict with 'v', 's' and 't', "
                 "starting from {'v': zeros, 's': zeros, 't': 0}")
        if st["t"] != t:
            hint = (". Likely mistake: state['t'] starts at 0: the first step is t = 1 (pass {**state, 't': t} "
                    "with t = 1, 2, ...)" if st["t"] == t - 1 else "")
            fail(f"step {t} received state['t'] = {st['t']}, expected {t}{hint}")
        if record["hyper"].get("learning_rate") != learning_rate:
            fail(f"step {t} received the hyperparameters {record['hyper']}, expected "
                 f"learning_rate={learning_rate!r}: pass **hyper on to the step function")
        if record["theta"].shape != (p,):
            fail(f"step {t} received theta of shape {format_shape(record['theta'].shape)}, expected "
                 f"({p},): one vector of every parameter, helpers.deep.flatten(params)")
    if not isinstance(got_params, dict):
        fail(f"train should return the parameters as a dict like params; received "
             f"{type(got_params).__name__} (use helpers.deep.unflatten(theta, params))")
    for key in start:
        if key not in got_params:
            fail(f"train's params_new has no key {key!r}; its keys are {sorted(map(str, got_params))}")
    return {"state['v'] received by each step": np.array([np.asarray(c["state"]["v"]) * np.ones(p) for c in calls]),
            "theta received by each step": np.array([c["theta"] for c in calls]),
            **{f"params_new[{key!r}]": got_params[key] for key in start},
            "losses": losses}


# --- fingerprints taken from the case itself: the right value of another layer --------------------------------

def _other_cache(name, entry, params):
    """A cache entry holding the value of another layer's entry: the cache of the wrong layer."""
    __tracebackhide__ = True
    expected = entry["expected"]
    here = next(((layer, key) for layer in range(1, MAX_LAYERS + 1) for key in ("A_prev", "Z", "A")
                 if _cache_name(layer, key) == name), None)
    if here is None:
        return {}
    layer, key = here
    out = {}
    for j in range(1, MAX_LAYERS + 1):
        for k in ("A_prev", "Z", "A"):
            other = _cache_name(j, k)
            if other not in expected or (j, k) == (layer, key):
                continue
            if (k == "A_prev" and key == "A" and j == layer + 1) or (k == "A" and key == "A_prev" and j == layer - 1):
                continue
            out[f"that is {k} of layer {j}: the cache of the wrong layer (caches[{layer - 1}] is layer {layer}: "
                f"A_prev = A[{layer - 1}], Z = Z[{layer}], A = A[{layer}])"] = expected[other]
    return out


def _other_delta(name, entry, params):
    """δ of another layer stored in deltas[l - 1]."""
    __tracebackhide__ = True
    expected = entry["expected"]
    L = len(params["names"])
    here = next((layer for layer in range(1, L + 1) if _delta_name(layer, L) == name), None)
    if here is None:
        return {}
    found = {j: expected[_delta_name(j, L)] for j in range(1, L) if _delta_name(j, L) in expected}
    if "delta_L" in entry["inputs"]:
        found[L] = entry["inputs"]["delta_L"]
    return {f"that is δ[{j}]: δ of the wrong layer (deltas[{here - 1}] is δ[{here}])": d
            for j, d in sorted(found.items()) if j != here}


# --- the checks, declared once ------------------------------------------------------------------------------

_CACHE_OUTPUTS = tuple(_cache_name(layer, key) for layer in range(1, MAX_LAYERS + 1) for key in ("A_prev", "Z", "A"))
_HIDDEN_OUTPUTS = tuple(f"deltas[{layer - 1}] (δ[{layer}])" for layer in range(MAX_LAYERS - 1, 0, -1)) + tuple(
    f"grads['{kind}{layer}']" for layer in range(MAX_LAYERS - 1, 0, -1) for kind in "Wb")
_OUTPUT_LAYER = tuple(name for L in range(1, MAX_LAYERS + 1)
                      for name in (_delta_name(L, L), f"grads['W{L}']", f"grads['b{L}']"))
_PARAM_GRADS = tuple(f"grads['{kind}{layer}']" for layer in range(1, MAX_LAYERS + 1) for kind in "Wb")

FORWARD_OUTPUT = Check(ASSIGNMENT, "check_forward_output", "forward", _forward_inputs, _call_forward_output, ("A_L",),
                       arrays=("A_L",), probes=_other_activations, functions=_functions,
                       hints={"names": IGNORED_ACTIVATIONS})
FORWARD_CACHES = Check(ASSIGNMENT, "check_forward_caches", "forward", _forward_inputs, _call_forward_caches,
                       _CACHE_OUTPUTS, probes=_other_activations, functions=_functions,
                       hints={"names": IGNORED_ACTIVATIONS}, related=_other_cache)
BACKWARD_OUTPUT = Check(ASSIGNMENT, "check_backward_output_layer", "backward", _backward_inputs,
                        _call_backward_output, _OUTPUT_LAYER, arrays=_OUTPUT_LAYER, functions=_functions,
                        derive=_correct_pass)
BACKWARD_HIDDEN = Check(ASSIGNMENT, "check_backward_hidden_layers", "backward", _hidden_inputs,
                        _call_backward_hidden, _HIDDEN_OUTPUTS, functions=_functions, derive=_propagation,
                        related=_other_delta)
L2_VALUE = Check(ASSIGNMENT, "check_l2_penalty_value", "l2_penalty", _penalty_inputs, _call_l2_value, ("penalty",))
L2_GRADIENT = Check(ASSIGNMENT, "check_l2_penalty_gradient", "l2_penalty", _penalty_inputs, _call_l2_gradient,
                    _PARAM_GRADS, arrays=_PARAM_GRADS)
TRAIN = Check(ASSIGNMENT, "check_train", "train", _train_inputs, _call_train,
              ("state['v'] received by each step", "theta received by each step",
               *(f"params_new['{kind}{layer}']" for layer in range(1, MAX_LAYERS + 1) for kind in "Wb"), "losses"))

CHECKS = {c.name: c for c in (FORWARD_OUTPUT, FORWARD_CACHES, BACKWARD_OUTPUT, BACKWARD_HIDDEN, L2_VALUE,
                              L2_GRADIENT, TRAIN)}


# --- the exercises ---------------------------------------------------------------------------------------------

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
    FORWARD_OUTPUT.verify(forward, seed=seed, sizes=sizes, names=names, m=m)
    passed(f"forward: A_L {format_shape((sizes[-1], m))} has the right values ({_text(sizes, names, m)})")


def check_forward_caches(forward, *, seed: int = 0, sizes=SIZES, names=NAMES, m: int = 5) -> None:
    """Check ``forward``'s caches: ``caches[l-1] = {"A_prev": A[l-1], "Z": Z[l], "A": A[l]}`` for every layer.

    Parameters are those of :func:`check_forward_output`.
    """
    __tracebackhide__ = True
    FORWARD_CACHES.verify(forward, seed=seed, sizes=sizes, names=names, m=m)
    L = len(sizes) - 1
    passed(f"forward: the {L} caches hold A[l-1], Z[l] and A[l] of every layer ({_text(sizes, names, m)})")


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
    BACKWARD_OUTPUT.verify(backward, seed=seed, sizes=sizes, names=names, m=m)
    L = len(sizes) - 1
    passed(f"backward: δ[{L}], dW{L} {format_shape((sizes[L], sizes[L - 1]))} and db{L} {format_shape((sizes[L], 1))} "
           f"of the output layer have the right values ({_text(sizes, names, m)})")


def check_backward_hidden_layers(backward, *, seed: int = 0, sizes=SQUARE, names=NAMES, m: int = 5) -> None:
    """Check ``backward`` below the output: ``δ[l] = (W[l+1]ᵀ δ[l+1]) ⊙ g_l'(Z[l])`` (BP2), ``dW[l]``, ``db[l]``.

    The expected values follow from the student's own ``δ[L]`` (when it has the right shape), so a
    mistake at the output layer costs only the output layer's points.

    Parameters are those of :func:`check_backward_output_layer`.
    """
    __tracebackhide__ = True
    BACKWARD_HIDDEN.verify(backward, seed=seed, sizes=sizes, names=names, m=m)
    L = len(sizes) - 1
    passed(f"backward: δ[l], dW[l] and db[l] of the {L - 1} layer{'s' if L > 2 else ''} below the output have the "
           f"right values ({_text(sizes, names, m)})")


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
    L2_VALUE.verify(l2_penalty, seed=seed, sizes=sizes, lam=lam, m=m)
    passed(f"l2_penalty: the penalty has the right value (λ = {lam:g}, m = {m}, layers {tuple(sizes)})")


def check_l2_penalty_gradient(l2_penalty, *, seed: int = 0, sizes=SIZES, lam: float = 0.7, m: int = 20) -> None:
    """Check ``l2_penalty``'s gradient: ``(λ / m) W[l]`` for each ``"W{l}"``, zeros for each ``"b{l}"``.

    Parameters are those of :func:`check_l2_penalty_value`.
    """
    __tracebackhide__ = True
    L2_GRADIENT.verify(l2_penalty, seed=seed, sizes=sizes, lam=lam, m=m)
    passed(f"l2_penalty: the gradient is (λ/m) W[l] for the weights and 0 for the biases (λ = {lam:g}, m = {m}, "
           f"layers {tuple(sizes)})")


def check_train(train, *, seed: int = 0, steps: int = 4, sizes=(2, 3, 1), learning_rate: float = 0.1) -> None:
    """Check ``train(loss_and_grads, params, step, *, steps, **hyper)`` drives a step function correctly.

    The check passes a quadratic ``loss_and_grads`` on a parameter dict of layer sizes
    ``sizes`` and a step function of lesson 6's interface, whose move depends on its state,
    that records how it is called; it checks ``t = 1, ..., steps``, that each step receives
    the previous step's state and the flattened parameters, that the hyperparameters arrive
    by name, and that ``train`` returns the last parameters as a dict and one loss per step.

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
    found = TRAIN.verify(train, seed=seed, steps=steps, sizes=sizes, learning_rate=learning_rate)
    p = found["inputs"]["target"].size
    passed(f"train: {steps} step{'s' if steps > 1 else ''} with t = 1, ..., {steps}, the state passed on, "
           f"the right parameters and losses ({p} parameters)")


def _text(sizes, names, m):
    __tracebackhide__ = True
    return f"layers {tuple(sizes)}, activations {', '.join(names)}, m = {m}"
