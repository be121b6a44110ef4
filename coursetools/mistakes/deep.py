"""Lesson 9's mistakes: wrong implementations of forward, backward, l2_penalty and train.

Each function has the signature of the exercise it gets wrong and differs from the solution in one
place, the mistake its message names. They run in the solution notebook's namespace (``np`` and
``helpers`` are the first cell's imports). ``tests/test_checks_deep.py`` runs every one of them
through the visible checks of ``helpers.checks.deep`` and requires it caught and named.
"""

import numpy as np

import helpers.deep

from . import mistake

# --- what the lesson's notebook gives the student (not an exercise): its sigmoid, for release ---------------
# The checks pass the student's forward and backward tables of these values (lesson 4's answer is not in helpers).

def sigmoid(Z):
    return 1 / (1 + np.exp(-Z))


def sigmoid_prime(Z):
    return sigmoid(Z) * (1 - sigmoid(Z))


GIVEN = {"sigmoid": sigmoid, "sigmoid_prime": sigmoid_prime}

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


@mistake("forward", "each layer uses the next layer's activation (activations[l] instead of activations[l - 1])")
def forward_next_activation(X, params, activations):
    shifted = list(activations[1:]) + [activations[-1]]
    A, caches = X, []
    for layer, (g, _) in enumerate(shifted, start=1):
        Z = params[f"W{layer}"] @ A + params[f"b{layer}"]
        A_prev, A = A, g(Z)
        caches.append({"A_prev": A_prev, "Z": Z, "A": A})
    return A, caches


@mistake("forward", "the cache of the wrong layer: A_prev of layer l must be A[l-1], the input of layer l, stored "
                    "before A is overwritten")
def forward_cache_of_the_wrong_layer(X, params, activations):
    A, caches = X, []
    for layer, (g, _) in enumerate(activations, start=1):
        Z = params[f"W{layer}"] @ A + params[f"b{layer}"]
        A = g(Z)
        caches.append({"A_prev": A, "Z": Z, "A": A})
    return A, caches


# --- backward(Y, params, caches, activations) -> (grads, deltas) -----------------------------------------

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


@mistake("backward", "g_L' is evaluated at A[L]; evaluate it at Z[L]")
def backward_output_prime_of_A(Y, params, caches, activations):
    L, m = len(caches), Y.shape[1]
    grads, deltas = {}, [None] * L
    delta = (2 / m) * (caches[L - 1]["A"] - Y) * activations[L - 1][1](caches[L - 1]["A"])
    for layer in range(L, 0, -1):
        deltas[layer - 1] = delta
        grads[f"W{layer}"] = delta @ caches[layer - 1]["A_prev"].T
        grads[f"b{layer}"] = np.sum(delta, axis=1, keepdims=True)
        if layer > 1:
            delta = (params[f"W{layer}"].T @ delta) * activations[layer - 2][1](caches[layer - 2]["Z"])
    return grads, deltas


@mistake("backward", "A[L] - Y uses Z[L] for A[L]: the output is A[L] = g_L(Z[L])")
def backward_output_uses_Z(Y, params, caches, activations):
    L, m = len(caches), Y.shape[1]
    grads, deltas = {}, [None] * L
    delta = (2 / m) * (caches[L - 1]["Z"] - Y) * activations[L - 1][1](caches[L - 1]["Z"])
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


@mistake("backward", "the derivative of the wrong layer's activation: δ[l] uses g_l' of layer l, activations[l - 1]")
def backward_prime_of_the_layer_above(Y, params, caches, activations):
    L, m = len(caches), Y.shape[1]
    grads, deltas = {}, [None] * L
    delta = (2 / m) * (caches[L - 1]["A"] - Y) * activations[L - 1][1](caches[L - 1]["Z"])
    for layer in range(L, 0, -1):
        deltas[layer - 1] = delta
        grads[f"W{layer}"] = delta @ caches[layer - 1]["A_prev"].T
        grads[f"b{layer}"] = np.sum(delta, axis=1, keepdims=True)
        if layer > 1:
            delta = (params[f"W{layer}"].T @ delta) * activations[layer - 1][1](caches[layer - 2]["Z"])
    return grads, deltas


@mistake("backward", "g_l' is evaluated at A[l]; evaluate it at Z[l]")
def backward_hidden_prime_of_A(Y, params, caches, activations):
    L, m = len(caches), Y.shape[1]
    grads, deltas = {}, [None] * L
    delta = (2 / m) * (caches[L - 1]["A"] - Y) * activations[L - 1][1](caches[L - 1]["Z"])
    for layer in range(L, 0, -1):
        deltas[layer - 1] = delta
        grads[f"W{layer}"] = delta @ caches[layer - 1]["A_prev"].T
        grads[f"b{layer}"] = np.sum(delta, axis=1, keepdims=True)
        if layer > 1:
            delta = (params[f"W{layer}"].T @ delta) * activations[layer - 2][1](caches[layer - 2]["A"])
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


# --- l2_penalty(params, lam, m) -> (penalty, grads) -------------------------------------------------------

@mistake("l2_penalty", {"penalty": "the biases are regularised too: the penalty and its gradient concern the weights "
                                   "only"})
def l2_penalty_biases_too(params, lam, m):
    penalty = sum(lam / (2 * m) * float(np.sum(value ** 2)) for value in params.values())
    return penalty, {key: (lam / m) * value for key, value in params.items()}


@mistake("l2_penalty", "the biases are regularised: the penalty has no bias in it, so its gradient for every b[l] is 0")
def l2_penalty_bias_gradient(params, lam, m):
    penalty, grads = 0.0, {}
    for key, value in params.items():
        if key.startswith("W"):
            penalty += lam / (2 * m) * float(np.sum(value ** 2))
        grads[key] = (lam / m) * value
    return penalty, grads


@mistake("l2_penalty", "the biases are regularised (and λ without 1/m): their penalty gradient is 0")
def l2_penalty_bias_gradient_without_m(params, lam, m):
    penalty, grads = 0.0, {}
    for key, value in params.items():
        if key.startswith("W"):
            penalty += lam / (2 * m) * float(np.sum(value ** 2))
            grads[key] = (lam / m) * value
        else:
            grads[key] = lam * value
    return penalty, grads


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


@mistake("l2_penalty", "λ without 1/(2m): the penalty is (λ / 2m) Σ ||W[l]||²")
def l2_penalty_without_2m(params, lam, m):
    penalty, grads = 0.0, {}
    for key, value in params.items():
        if key.startswith("W"):
            penalty += lam * float(np.sum(value ** 2))
            grads[key] = (lam / m) * value
        else:
            grads[key] = np.zeros_like(value)
    return penalty, grads


@mistake("l2_penalty", "the squares are missing: ||W||² is the sum of the squared entries")
def l2_penalty_without_squares(params, lam, m):
    penalty, grads = 0.0, {}
    for key, value in params.items():
        if key.startswith("W"):
            penalty += lam / (2 * m) * float(np.sum(value))
            grads[key] = (lam / m) * value
        else:
            grads[key] = np.zeros_like(value)
    return penalty, grads


@mistake("l2_penalty", "only the first layer is penalised: sum ||W[l]||² over every layer")
def l2_penalty_first_layer_only(params, lam, m):
    penalty, grads = lam / (2 * m) * float(np.sum(params["W1"] ** 2)), {}
    for key, value in params.items():
        grads[key] = (lam / m) * value if key.startswith("W") else np.zeros_like(value)
    return penalty, grads


@mistake("l2_penalty", "the gradient of (λ / 2m) ||W||² is (λ / m) W: the 2 of the square cancels the 1/2")
def l2_penalty_gradient_with_half(params, lam, m):
    penalty, grads = 0.0, {}
    for key, value in params.items():
        if key.startswith("W"):
            penalty += lam / (2 * m) * float(np.sum(value ** 2))
            grads[key] = lam / (2 * m) * value
        else:
            grads[key] = np.zeros_like(value)
    return penalty, grads


# --- train(loss_and_grads, params, step, *, steps, **hyper) -> (params, losses) ---------------------------

@mistake("train", "state['t'] starts at 0: the first step is t = 1 (pass {{**state, 't': t}} with t = 1, 2, ...)",
         fingerprint=False)
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


@mistake("train", "theta is not updated: keep the theta each step returns (theta, state = step(...))")
def train_theta_not_updated(loss_and_grads, params, step, *, steps, **hyper):
    theta = helpers.deep.flatten(params)
    state = {"v": np.zeros_like(theta), "s": np.zeros_like(theta), "t": 0}
    losses = []

    def grad_fn(theta):
        loss, grads = loss_and_grads(helpers.deep.unflatten(theta, params))
        losses.append(loss)
        return helpers.deep.flatten(grads)

    for t in range(1, steps + 1):
        theta_new, state = step(theta, grad_fn, {**state, "t": t}, **hyper)
    return helpers.deep.unflatten(theta_new, params), np.array(losses)


@mistake("train", "params_new are the parameters before the last step: return the theta of the last step")
def train_returns_the_parameters_before_the_last_step(loss_and_grads, params, step, *, steps, **hyper):
    theta = helpers.deep.flatten(params)
    state = {"v": np.zeros_like(theta), "s": np.zeros_like(theta), "t": 0}
    losses = []

    def grad_fn(theta):
        loss, grads = loss_and_grads(helpers.deep.unflatten(theta, params))
        losses.append(loss)
        return helpers.deep.flatten(grads)

    before = theta
    for t in range(1, steps + 1):
        before = theta
        theta, state = step(theta, grad_fn, {**state, "t": t}, **hyper)
    return helpers.deep.unflatten(before, params), np.array(losses)


@mistake("train", "losses holds one loss too few or the losses after each step")
def train_losses_after_each_step(loss_and_grads, params, step, *, steps, **hyper):
    theta = helpers.deep.flatten(params)
    state = {"v": np.zeros_like(theta), "s": np.zeros_like(theta), "t": 0}
    losses = []

    def grad_fn(theta):
        return helpers.deep.flatten(loss_and_grads(helpers.deep.unflatten(theta, params))[1])

    for t in range(1, steps + 1):
        theta, state = step(theta, grad_fn, {**state, "t": t}, **hyper)
        losses.append(loss_and_grads(helpers.deep.unflatten(theta, params))[0])
    return helpers.deep.unflatten(theta, params), np.array(losses)
