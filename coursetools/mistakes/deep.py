"""Lesson 9's mistakes: wrong implementations of forward, backward, l2_penalty and train.

Each function has the signature of the exercise it gets wrong and differs from the solution in one
place, the mistake its message names. They run in the solution notebook's namespace (``np`` and
``helpers`` are the first cell's imports). ``tests/test_checks_deep.py`` runs every one of them
through the visible checks of ``helpers.checks.deep`` and requires it caught and named.
"""

import numpy as np

import helpers.deep

from . import mistake

# --- forward(X, params, activations) -> (A_L, caches) ------------------------------------------------


@mistake("forward", "the biases are missing: Z[l] = W[l] A[l-1] + b[l]")
def forward_no_bias(X, params, activations):
    A, caches = X, []
    for layer, (g, _) in enumerate(activations, start=1):
        Z = params[f"W{layer}"] @ A
        A_prev, A = A, g(Z)
        caches.append({"A_prev": A_prev, "Z": Z, "A": A})
    return A, caches


@mistake("forward", "the output layer's activation is missing: A[L] = g_L(Z[L])")
def forward_output_not_activated(X, params, activations):
    A, caches = X, []
    for layer, (g, _) in enumerate(activations, start=1):
        Z = params[f"W{layer}"] @ A + params[f"b{layer}"]
        A_prev, A = A, (g(Z) if layer < len(activations) else Z)
        caches.append({"A_prev": A_prev, "Z": Z, "A": A})
    return A, caches


@mistake("forward", "every layer uses the first layer's activation: layer l uses activations[l - 1]")
def forward_first_activation_everywhere(X, params, activations):
    g = activations[0][0]
    A, caches = X, []
    for layer in range(1, len(activations) + 1):
        Z = params[f"W{layer}"] @ A + params[f"b{layer}"]
        A_prev, A = A, g(Z)
        caches.append({"A_prev": A_prev, "Z": Z, "A": A})
    return A, caches


@mistake("forward", {"caches": "the cache of the wrong layer: A_prev of layer l must be A[l-1], the input of "
                               "layer l, stored before A is overwritten"})
def forward_cache_of_the_wrong_layer(X, params, activations):
    A, caches = X, []
    for layer, (g, _) in enumerate(activations, start=1):
        Z = params[f"W{layer}"] @ A + params[f"b{layer}"]
        A = g(Z)
        caches.append({"A_prev": A, "Z": Z, "A": A})
    return A, caches


# --- backward(Y, params, caches, activations) -> (grads, deltas) -----------------------------------------

@mistake("backward", "g_L' is forgotten at the output: δ[L] = (2/m)(A[L] - Y) ⊙ g_L'(Z[L])")
def backward_output_prime_forgotten(Y, params, caches, activations):
    L, m = len(caches), Y.shape[1]
    grads, deltas = {}, [None] * L
    delta = (2 / m) * (caches[L - 1]["A"] - Y)
    for layer in range(L, 0, -1):
        deltas[layer - 1] = delta
        grads[f"W{layer}"] = delta @ caches[layer - 1]["A_prev"].T
        grads[f"b{layer}"] = np.sum(delta, axis=1, keepdims=True)
        if layer > 1:
            delta = (params[f"W{layer}"].T @ delta) * activations[layer - 2][1](caches[layer - 2]["Z"])
    return grads, deltas


@mistake("backward", "g_L' is applied twice at the output: δ[L] = (2/m)(A[L] - Y) ⊙ g_L'(Z[L]), once")
def backward_output_prime_twice(Y, params, caches, activations):
    L, m = len(caches), Y.shape[1]
    grads, deltas = {}, [None] * L
    g_prime = activations[L - 1][1]
    delta = (2 / m) * (caches[L - 1]["A"] - Y) * g_prime(caches[L - 1]["Z"])
    delta = delta * g_prime(caches[L - 1]["Z"])
    for layer in range(L, 0, -1):
        deltas[layer - 1] = delta
        grads[f"W{layer}"] = delta @ caches[layer - 1]["A_prev"].T
        grads[f"b{layer}"] = np.sum(delta, axis=1, keepdims=True)
        if layer > 1:
            delta = (params[f"W{layer}"].T @ delta) * activations[layer - 2][1](caches[layer - 2]["Z"])
    return grads, deltas


@mistake("backward", "δ of the wrong layer: the gradients of layer l use the error of the layer above, "
                     "δ[l+1], instead of δ[l]")
def backward_delta_of_the_wrong_layer(Y, params, caches, activations):
    L, m = len(caches), Y.shape[1]
    grads, deltas = {}, [None] * L
    delta = (2 / m) * (caches[L - 1]["A"] - Y) * activations[L - 1][1](caches[L - 1]["Z"])
    previous = delta
    for layer in range(L, 0, -1):
        deltas[layer - 1] = delta
        grads[f"W{layer}"] = previous @ caches[layer - 1]["A_prev"].T
        grads[f"b{layer}"] = np.sum(previous, axis=1, keepdims=True)
        previous = delta
        if layer > 1:
            delta = (params[f"W{layer}"].T @ delta) * activations[layer - 2][1](caches[layer - 2]["Z"])
    return grads, deltas


@mistake("backward", "W[l] where W[l+1]ᵀ belongs: δ[l] = (W[l+1]ᵀ δ[l+1]) ⊙ g_l'(Z[l])")
def backward_own_weights(Y, params, caches, activations):
    L, m = len(caches), Y.shape[1]
    grads, deltas = {}, [None] * L
    delta = (2 / m) * (caches[L - 1]["A"] - Y) * activations[L - 1][1](caches[L - 1]["Z"])
    for layer in range(L, 0, -1):
        deltas[layer - 1] = delta
        grads[f"W{layer}"] = delta @ caches[layer - 1]["A_prev"].T
        grads[f"b{layer}"] = np.sum(delta, axis=1, keepdims=True)
        if layer > 1:
            delta = (params[f"W{layer - 1}"].T @ delta) * activations[layer - 2][1](caches[layer - 2]["Z"])
    return grads, deltas


@mistake("backward", "W[l+1] is not transposed: δ[l] = (W[l+1]ᵀ δ[l+1]) ⊙ g_l'(Z[l])")
def backward_not_transposed(Y, params, caches, activations):
    L, m = len(caches), Y.shape[1]
    grads, deltas = {}, [None] * L
    delta = (2 / m) * (caches[L - 1]["A"] - Y) * activations[L - 1][1](caches[L - 1]["Z"])
    for layer in range(L, 0, -1):
        deltas[layer - 1] = delta
        grads[f"W{layer}"] = delta @ caches[layer - 1]["A_prev"].T
        grads[f"b{layer}"] = np.sum(delta, axis=1, keepdims=True)
        if layer > 1:
            delta = (params[f"W{layer}"] @ delta) * activations[layer - 2][1](caches[layer - 2]["Z"])
    return grads, deltas


@mistake("backward", "g_l' is missing: δ[l] = (W[l+1]ᵀ δ[l+1]) ⊙ g_l'(Z[l])")
def backward_hidden_prime_forgotten(Y, params, caches, activations):
    L, m = len(caches), Y.shape[1]
    grads, deltas = {}, [None] * L
    delta = (2 / m) * (caches[L - 1]["A"] - Y) * activations[L - 1][1](caches[L - 1]["Z"])
    for layer in range(L, 0, -1):
        deltas[layer - 1] = delta
        grads[f"W{layer}"] = delta @ caches[layer - 1]["A_prev"].T
        grads[f"b{layer}"] = np.sum(delta, axis=1, keepdims=True)
        if layer > 1:
            delta = params[f"W{layer}"].T @ delta
    return grads, deltas


@mistake("backward", "the cache of the wrong layer: dW[l] = δ[l] A[l-1]ᵀ uses the input of layer l, "
                     "caches[l - 1]['A_prev'], not its output A[l]")
def backward_cache_of_the_wrong_layer(Y, params, caches, activations):
    L, m = len(caches), Y.shape[1]
    grads, deltas = {}, [None] * L
    delta = (2 / m) * (caches[L - 1]["A"] - Y) * activations[L - 1][1](caches[L - 1]["Z"])
    for layer in range(L, 0, -1):
        deltas[layer - 1] = delta
        grads[f"W{layer}"] = delta @ caches[layer - 1]["A"].T
        grads[f"b{layer}"] = np.sum(delta, axis=1, keepdims=True)
        if layer > 1:
            delta = (params[f"W{layer}"].T @ delta) * activations[layer - 2][1](caches[layer - 2]["Z"])
    return grads, deltas


@mistake("backward", "the cache of the wrong layer: g_l' is evaluated at Z[l+1]; δ[l] needs Z[l], from caches[l - 1]")
def backward_prime_of_the_wrong_layer(Y, params, caches, activations):
    L, m = len(caches), Y.shape[1]
    grads, deltas = {}, [None] * L
    delta = (2 / m) * (caches[L - 1]["A"] - Y) * activations[L - 1][1](caches[L - 1]["Z"])
    for layer in range(L, 0, -1):
        deltas[layer - 1] = delta
        grads[f"W{layer}"] = delta @ caches[layer - 1]["A_prev"].T
        grads[f"b{layer}"] = np.sum(delta, axis=1, keepdims=True)
        if layer > 1:
            delta = (params[f"W{layer}"].T @ delta) * activations[layer - 2][1](caches[layer - 1]["Z"])
    return grads, deltas


@mistake("backward", "the bias gradient averages over the examples: the 1/m is already inside δ, so "
                     "db[l] = Σ_i δ[l][:, i]")
def backward_bias_mean(Y, params, caches, activations):
    L, m = len(caches), Y.shape[1]
    grads, deltas = {}, [None] * L
    delta = (2 / m) * (caches[L - 1]["A"] - Y) * activations[L - 1][1](caches[L - 1]["Z"])
    for layer in range(L, 0, -1):
        deltas[layer - 1] = delta
        grads[f"W{layer}"] = delta @ caches[layer - 1]["A_prev"].T
        grads[f"b{layer}"] = np.mean(delta, axis=1, keepdims=True)
        if layer > 1:
            delta = (params[f"W{layer}"].T @ delta) * activations[layer - 2][1](caches[layer - 2]["Z"])
    return grads, deltas


# --- l2_penalty(params, lam, m) -> (penalty, grads) -------------------------------------------------------

@mistake("l2_penalty", "the biases are regularised too: the penalty and its gradient concern the weights only")
def l2_penalty_biases_too(params, lam, m):
    penalty = sum(lam / (2 * m) * float(np.sum(value ** 2)) for value in params.values())
    return penalty, {key: (lam / m) * value for key, value in params.items()}


@mistake("l2_penalty", "λ without 1/m: the penalty is (λ / 2m) Σ ||W[l]||², its gradient (λ / m) W[l]")
def l2_penalty_without_m(params, lam, m):
    penalty, grads = 0.0, {}
    for key, value in params.items():
        if key.startswith("W"):
            penalty += lam / 2 * float(np.sum(value ** 2))
            grads[key] = lam * value
        else:
            grads[key] = np.zeros_like(value)
    return penalty, grads


@mistake("l2_penalty", "the 1/2 is missing: the penalty is (λ / 2m) Σ ||W[l]||²")
def l2_penalty_without_half(params, lam, m):
    penalty, grads = 0.0, {}
    for key, value in params.items():
        if key.startswith("W"):
            penalty += lam / m * float(np.sum(value ** 2))
            grads[key] = (lam / m) * value
        else:
            grads[key] = np.zeros_like(value)
    return penalty, grads


# --- train(loss_and_grads, params, step, *, steps, **hyper) -> (params, losses) ---------------------------

@mistake("train", "state['t'] starts at 0: the first step is t = 1 (pass {**state, 't': t} with t = 1, 2, ...)")
def train_t_from_zero(loss_and_grads, params, step, *, steps, **hyper):
    theta = helpers.deep.flatten(params)
    state = {"v": np.zeros_like(theta), "s": np.zeros_like(theta), "t": 0}
    losses = []

    def grad_fn(theta):
        loss, grads = loss_and_grads(helpers.deep.unflatten(theta, params))
        losses.append(loss)
        return helpers.deep.flatten(grads)

    for t in range(steps):
        theta, state = step(theta, grad_fn, {**state, "t": t}, **hyper)
    return helpers.deep.unflatten(theta, params), np.array(losses)


@mistake("train", "the state is not passed on: each step must receive the state the previous step returned")
def train_state_not_passed_on(loss_and_grads, params, step, *, steps, **hyper):
    theta = helpers.deep.flatten(params)
    start = {"v": np.zeros_like(theta), "s": np.zeros_like(theta), "t": 0}
    losses = []

    def grad_fn(theta):
        loss, grads = loss_and_grads(helpers.deep.unflatten(theta, params))
        losses.append(loss)
        return helpers.deep.flatten(grads)

    for t in range(1, steps + 1):
        theta, _ = step(theta, grad_fn, {**start, "t": t}, **hyper)
    return helpers.deep.unflatten(theta, params), np.array(losses)


@mistake("train", "params_new are the start: return the trained parameters")
def train_returns_the_start(loss_and_grads, params, step, *, steps, **hyper):
    theta = helpers.deep.flatten(params)
    state = {"v": np.zeros_like(theta), "s": np.zeros_like(theta), "t": 0}
    losses = []

    def grad_fn(theta):
        loss, grads = loss_and_grads(helpers.deep.unflatten(theta, params))
        losses.append(loss)
        return helpers.deep.flatten(grads)

    for t in range(1, steps + 1):
        theta, state = step(theta, grad_fn, {**state, "t": t}, **hyper)
    return params, np.array(losses)
