"""Wrong implementations of lesson 6's exercises (``minibatch_indices`` and the four step functions).

Each is compiled into the namespace it is tested in (``np`` and the notebook's variables resolve there).
The outputs a step check compares, in order: the point passed to ``grad_fn``, ``state_new['v']`` and/or
``state_new['s']``, then ``theta_new``; a message given for one output only is the fingerprint of the
first output this mistake gets wrong.
"""

# Free names (np, the notebook's X_lin) resolve in the namespace a mistake is compiled into.
# ruff: noqa: F821, NPY002

import numpy as np

from . import mistake

POINT = "the point passed to grad_fn"
V, S = "state_new['v']", "state_new['s']"

# --------------------------------------------------------------------------- minibatch_indices
# Checked by properties and by the engine's rng rule, not by fingerprints.


@mistake("minibatch_indices", "form a smaller last batch; keep it", fingerprint=False)
def minibatch_drop_last(m, batch_size, rng):
    order = rng.permutation(m)
    return [order[i * batch_size:(i + 1) * batch_size] for i in range(m // batch_size)]


@mistake("minibatch_indices", "rather than sampling with replacement", fingerprint=False)
def minibatch_with_replacement(m, batch_size, rng):
    return [rng.integers(0, m, size=min(batch_size, m - start)) for start in range(0, m, batch_size)]


@mistake("minibatch_indices", "rather than sampling with replacement", fingerprint=False)
def minibatch_choice_per_batch(m, batch_size, rng):
    return [rng.choice(m, size=min(batch_size, m - start), replace=False) for start in range(0, m, batch_size)]


@mistake("minibatch_indices", "letting batches overlap", fingerprint=False)
def minibatch_overlapping_slices(m, batch_size, rng):
    order = rng.permutation(m)
    return [order[start:start + batch_size + 1] for start in range(0, m, batch_size)]


@mistake("minibatch_indices", "their original order 0, 1, 2", fingerprint=False)
def minibatch_unshuffled(m, batch_size, rng):
    order = np.arange(m)
    return [order[start:start + batch_size] for start in range(0, m, batch_size)]


@mistake("minibatch_indices", "the same seed", fingerprint=False)
def minibatch_global_permutation(m, batch_size, rng):
    order = np.random.permutation(m)
    return [order[start:start + batch_size] for start in range(0, m, batch_size)]


@mistake("minibatch_indices", "the same seed", fingerprint=False)
def minibatch_global_shuffle(m, batch_size, rng):
    order = np.arange(m)
    np.random.shuffle(order)
    return [order[start:start + batch_size] for start in range(0, m, batch_size)]


@mistake("minibatch_indices", "the same seed", fingerprint=False)
def minibatch_new_generator(m, batch_size, rng):
    order = np.random.default_rng().permutation(m)
    return [order[start:start + batch_size] for start in range(0, m, batch_size)]


@mistake("minibatch_indices", "different seeds", fingerprint=False)
def minibatch_fixed_seed(m, batch_size, rng):
    order = np.random.default_rng(0).permutation(m)
    return [order[start:start + batch_size] for start in range(0, m, batch_size)]


@mistake("minibatch_indices", "received one array of shape", fingerprint=False)
def minibatch_reshaped(m, batch_size, rng):
    return rng.permutation(m - m % batch_size).reshape(-1, batch_size)


@mistake("minibatch_indices", "should be a 1-D array of integer indices", fingerprint=False)
def minibatch_not_split(m, batch_size, rng):
    return rng.permutation(m)


@mistake("minibatch_indices", "every batch holds batch_size", fingerprint=False)
def minibatch_array_split(m, batch_size, rng):
    return np.array_split(rng.permutation(m), m // batch_size)


@mistake("minibatch_indices", "is not an example", fingerprint=False, notebook={"X_lin": np.zeros((3, 200))})
def minibatch_notebook_m(m, batch_size, rng):
    order = rng.permutation(X_lin.shape[1])
    return [order[start:start + batch_size] for start in range(0, m, batch_size)]


@mistake("minibatch_indices", "are in no batch", fingerprint=False)
def minibatch_range_stops_early(m, batch_size, rng):
    order = rng.permutation(m)
    return [order[start:start + batch_size] for start in range(0, m - batch_size, batch_size)]


# --------------------------------------------------------------------------- momentum_step


@mistake("momentum_step", {POINT: "the gradient is taken at the look-ahead point θ + βv, which is Nesterov's step "
                                  "(next exercise); momentum takes it at θ"})
def momentum_is_nesterov(theta, grad_fn, state, *, learning_rate, beta=0.9):
    v = beta * state["v"] - learning_rate * grad_fn(theta + beta * state["v"])
    return theta + v, {**state, "v": v}


@mistake("momentum_step", {V: "the sign of the gradient term is flipped: v ← β v - η g, so that v points downhill"})
def momentum_sign(theta, grad_fn, state, *, learning_rate, beta=0.9):
    v = beta * state["v"] + learning_rate * grad_fn(theta)
    return theta + v, {**state, "v": v}


@mistake("momentum_step", {V: "β is missing: v ← β v - η g keeps a fraction β of the old velocity"})
def momentum_no_beta(theta, grad_fn, state, *, learning_rate, beta=0.9):
    v = state["v"] - learning_rate * grad_fn(theta)
    return theta + v, {**state, "v": v}


@mistake("momentum_step", {V: "the old velocity is dropped: v ← β v - η g (that is plain gradient descent)"})
def momentum_no_velocity(theta, grad_fn, state, *, learning_rate, beta=0.9):
    v = -learning_rate * grad_fn(theta)
    return theta + v, {**state, "v": v}


@mistake("momentum_step", {V: "that is the averaged form v ← β v + (1 - β) g; this lesson writes v ← β v - η g, "
                              "θ ← θ + v"})
def momentum_averaged(theta, grad_fn, state, *, learning_rate, beta=0.9):
    v = beta * state["v"] + (1 - beta) * grad_fn(theta)
    return theta - learning_rate * v, {**state, "v": v}


@mistake("momentum_step", {V: "state_new['v'] is the old velocity: return the new one, {{**state, 'v': v}}"})
def momentum_state_not_updated(theta, grad_fn, state, *, learning_rate, beta=0.9):
    v = beta * state["v"] - learning_rate * grad_fn(theta)
    return theta + v, state


@mistake("momentum_step", {"theta_new": "θ moved by the old velocity: update v first, then θ ← θ + v with the new v"})
def momentum_old_velocity(theta, grad_fn, state, *, learning_rate, beta=0.9):
    v = beta * state["v"] - learning_rate * grad_fn(theta)
    return theta + state["v"], {**state, "v": v}


@mistake("momentum_step", {"theta_new": "θ ← θ - v moves uphill: v already contains -η g, so θ ← θ + v"})
def momentum_minus_v(theta, grad_fn, state, *, learning_rate, beta=0.9):
    v = beta * state["v"] - learning_rate * grad_fn(theta)
    return theta - v, {**state, "v": v}


@mistake("momentum_step", {"theta_new": "θ ← θ - η v is the averaged form; here v already contains -η g, so "
                                        "θ ← θ + v"})
def momentum_eta_twice(theta, grad_fn, state, *, learning_rate, beta=0.9):
    v = beta * state["v"] - learning_rate * grad_fn(theta)
    return theta - learning_rate * v, {**state, "v": v}


@mistake("momentum_step", {"theta_new": "θ ← θ + v - η g counts the gradient twice: v already contains -η g, so "
                                        "θ ← θ + v"})
def momentum_gradient_twice(theta, grad_fn, state, *, learning_rate, beta=0.9):
    g = grad_fn(theta)
    v = beta * state["v"] - learning_rate * g
    return theta + v - learning_rate * g, {**state, "v": v}


@mistake("momentum_step", "momentum_step ignores an argument it is given", fingerprint=False)
def momentum_beta_written_in(theta, grad_fn, state, *, learning_rate, beta=0.9):
    v = 0.9 * state["v"] - learning_rate * grad_fn(theta)
    return theta + v, {**state, "v": v}


@mistake("momentum_step", "momentum_step ignores an argument it is given", fingerprint=False)
def momentum_rate_written_in(theta, grad_fn, state, *, learning_rate, beta=0.9):
    v = beta * state["v"] - 0.05 * grad_fn(theta)
    return theta + v, {**state, "v": v}


@mistake("momentum_step", "changed its argument theta in place", fingerprint=False)
def momentum_theta_in_place(theta, grad_fn, state, *, learning_rate, beta=0.9):
    v = beta * state["v"] - learning_rate * grad_fn(theta)
    theta += v
    return theta, {**state, "v": v}


@mistake("momentum_step", "changed its argument state['v'] in place", fingerprint=False)
def momentum_state_in_place(theta, grad_fn, state, *, learning_rate, beta=0.9):
    state["v"] *= beta
    state["v"] -= learning_rate * grad_fn(theta)
    return theta + state["v"], state


@mistake("momentum_step", "called grad_fn 2 times", fingerprint=False)
def momentum_two_gradients(theta, grad_fn, state, *, learning_rate, beta=0.9):
    v = beta * state["v"] - learning_rate * grad_fn(theta)
    print("gradient norm", np.linalg.norm(grad_fn(theta)))
    return theta + v, {**state, "v": v}


@mistake("momentum_step", "should return 2 values (theta_new, state_new)", fingerprint=False)
def momentum_only_theta(theta, grad_fn, state, *, learning_rate, beta=0.9):
    v = beta * state["v"] - learning_rate * grad_fn(theta)
    return theta + v


@mistake("momentum_step", "theta_new is a Python list", fingerprint=False)
def momentum_list(theta, grad_fn, state, *, learning_rate, beta=0.9):
    v = beta * state["v"] - learning_rate * grad_fn(theta)
    return [t + dv for t, dv in zip(theta, v)], {**state, "v": v}


# --------------------------------------------------------------------------- nesterov_step


@mistake("nesterov_step", {POINT: "the gradient is taken at theta itself: that is plain momentum; Nesterov looks "
                                  "ahead to θ + β v"})
def nesterov_is_momentum(theta, grad_fn, state, *, learning_rate, beta=0.9):
    v = beta * state["v"] - learning_rate * grad_fn(theta)
    return theta + v, {**state, "v": v}


@mistake("nesterov_step", {POINT: "the gradient is taken at θ - β v: the look-ahead goes the way the velocity "
                                  "points, θ + β v"})
def nesterov_looks_back(theta, grad_fn, state, *, learning_rate, beta=0.9):
    v = beta * state["v"] - learning_rate * grad_fn(theta - beta * state["v"])
    return theta + v, {**state, "v": v}


@mistake("nesterov_step", {POINT: "the gradient is taken at θ + v: the look-ahead point is θ + β v"})
def nesterov_no_beta_in_look(theta, grad_fn, state, *, learning_rate, beta=0.9):
    v = beta * state["v"] - learning_rate * grad_fn(theta + state["v"])
    return theta + v, {**state, "v": v}


@mistake("nesterov_step", {V: "the sign of the gradient term is flipped: v ← β v - η g(θ + β v)"})
def nesterov_sign(theta, grad_fn, state, *, learning_rate, beta=0.9):
    v = beta * state["v"] + learning_rate * grad_fn(theta + beta * state["v"])
    return theta + v, {**state, "v": v}


@mistake("nesterov_step", {V: "β is missing in front of the old velocity: v ← β v - η g(θ + β v)"})
def nesterov_no_beta(theta, grad_fn, state, *, learning_rate, beta=0.9):
    v = state["v"] - learning_rate * grad_fn(theta + beta * state["v"])
    return theta + v, {**state, "v": v}


@mistake("nesterov_step", {V: "state_new['v'] is the old velocity: return the new one, {{**state, 'v': v}}"})
def nesterov_state_not_updated(theta, grad_fn, state, *, learning_rate, beta=0.9):
    v = beta * state["v"] - learning_rate * grad_fn(theta + beta * state["v"])
    return theta + v, state


@mistake("nesterov_step", {"theta_new": "θ moved by the old velocity: update v first, then θ ← θ + v"})
def nesterov_old_velocity(theta, grad_fn, state, *, learning_rate, beta=0.9):
    v = beta * state["v"] - learning_rate * grad_fn(theta + beta * state["v"])
    return theta + state["v"], {**state, "v": v}


@mistake("nesterov_step", {"theta_new": "θ ← θ - v moves uphill: θ ← θ + v"})
def nesterov_minus_v(theta, grad_fn, state, *, learning_rate, beta=0.9):
    v = beta * state["v"] - learning_rate * grad_fn(theta + beta * state["v"])
    return theta - v, {**state, "v": v}


@mistake("nesterov_step", {"theta_new": "θ moved from the look-ahead point: the step starts from θ, θ ← θ + v"})
def nesterov_from_look(theta, grad_fn, state, *, learning_rate, beta=0.9):
    look = theta + beta * state["v"]
    v = beta * state["v"] - learning_rate * grad_fn(look)
    return look + v, {**state, "v": v}


@mistake("nesterov_step", "nesterov_step ignores an argument it is given", fingerprint=False)
def nesterov_beta_written_in(theta, grad_fn, state, *, learning_rate, beta=0.9):
    v = 0.9 * state["v"] - learning_rate * grad_fn(theta + 0.9 * state["v"])
    return theta + v, {**state, "v": v}


@mistake("nesterov_step", "changed its argument theta in place", fingerprint=False)
def nesterov_theta_in_place(theta, grad_fn, state, *, learning_rate, beta=0.9):
    v = beta * state["v"] - learning_rate * grad_fn(theta + beta * state["v"])
    theta += v
    return theta, {**state, "v": v}


@mistake("nesterov_step", "called grad_fn 2 times", fingerprint=False)
def nesterov_two_gradients(theta, grad_fn, state, *, learning_rate, beta=0.9):
    g = grad_fn(theta)
    v = beta * state["v"] - learning_rate * grad_fn(theta + beta * state["v"]) + 0 * g
    return theta + v, {**state, "v": v}


# --------------------------------------------------------------------------- rmsprop_step


@mistake("rmsprop_step", {S: "the gradient is not squared: s ← ρ s + (1 - ρ) g², with g² entry by entry"})
def rmsprop_not_squared(theta, grad_fn, state, *, learning_rate, rho=0.9, eps=1e-8):
    g = grad_fn(theta)
    s = rho * state["s"] + (1 - rho) * g
    return theta - learning_rate * g / (np.sqrt(np.abs(s)) + eps), {**state, "s": s}


@mistake("rmsprop_step", {S: "(1 - ρ) is missing: s ← ρ s + (1 - ρ) g²"})
def rmsprop_no_one_minus_rho(theta, grad_fn, state, *, learning_rate, rho=0.9, eps=1e-8):
    g = grad_fn(theta)
    s = rho * state["s"] + g ** 2
    return theta - learning_rate * g / (np.sqrt(s) + eps), {**state, "s": s}


@mistake("rmsprop_step", {S: "ρ and 1 - ρ are swapped: s ← ρ s + (1 - ρ) g² keeps most of the old s"})
def rmsprop_swapped(theta, grad_fn, state, *, learning_rate, rho=0.9, eps=1e-8):
    g = grad_fn(theta)
    s = (1 - rho) * state["s"] + rho * g ** 2
    return theta - learning_rate * g / (np.sqrt(s) + eps), {**state, "s": s}


@mistake("rmsprop_step", {S: "the old s is dropped: s ← ρ s + (1 - ρ) g² is a running mean"})
def rmsprop_no_memory(theta, grad_fn, state, *, learning_rate, rho=0.9, eps=1e-8):
    g = grad_fn(theta)
    s = (1 - rho) * g ** 2
    return theta - learning_rate * g / (np.sqrt(s) + eps), {**state, "s": s}


@mistake("rmsprop_step", {S: "state_new['s'] is the old s: return the new one, {{**state, 's': s}}"})
def rmsprop_state_not_updated(theta, grad_fn, state, *, learning_rate, rho=0.9, eps=1e-8):
    g = grad_fn(theta)
    s = rho * state["s"] + (1 - rho) * g ** 2
    return theta - learning_rate * g / (np.sqrt(s) + eps), state


@mistake("rmsprop_step", {"theta_new": "the square root is missing: divide by √s + ε"})
def rmsprop_no_root(theta, grad_fn, state, *, learning_rate, rho=0.9, eps=1e-8):
    g = grad_fn(theta)
    s = rho * state["s"] + (1 - rho) * g ** 2
    return theta - learning_rate * g / (s + eps), {**state, "s": s}


@mistake("rmsprop_step", {"theta_new": "ε is inside the square root: divide by √s + ε, not √(s + ε)"})
def rmsprop_eps_inside(theta, grad_fn, state, *, learning_rate, rho=0.9, eps=1e-8):
    g = grad_fn(theta)
    s = rho * state["s"] + (1 - rho) * g ** 2
    return theta - learning_rate * g / np.sqrt(s + eps), {**state, "s": s}


@mistake("rmsprop_step", {"theta_new": "θ used the old s: update s first, then divide by √s + ε with the new s"})
def rmsprop_old_s(theta, grad_fn, state, *, learning_rate, rho=0.9, eps=1e-8):
    g = grad_fn(theta)
    s = rho * state["s"] + (1 - rho) * g ** 2
    return theta - learning_rate * g / (np.sqrt(state["s"]) + eps), {**state, "s": s}


@mistake("rmsprop_step", {"theta_new": "the sign is flipped: θ ← θ - η g / (√s + ε) goes downhill"})
def rmsprop_sign(theta, grad_fn, state, *, learning_rate, rho=0.9, eps=1e-8):
    g = grad_fn(theta)
    s = rho * state["s"] + (1 - rho) * g ** 2
    return theta + learning_rate * g / (np.sqrt(s) + eps), {**state, "s": s}


@mistake("rmsprop_step", {"theta_new": "ε is missing or not the eps given: divide by √s + ε with the eps argument "
                                       "(this test passes eps = {eps})"})
def rmsprop_eps_written_in(theta, grad_fn, state, *, learning_rate, rho=0.9, eps=1e-8):
    g = grad_fn(theta)
    s = rho * state["s"] + (1 - rho) * g ** 2
    return theta - learning_rate * g / (np.sqrt(s) + 1e-8), {**state, "s": s}


@mistake("rmsprop_step", {"theta_new": "θ is divided by √s + ε, not the step: θ ← θ - η g / (√s + ε)"})
def rmsprop_precedence(theta, grad_fn, state, *, learning_rate, rho=0.9, eps=1e-8):
    g = grad_fn(theta)
    s = rho * state["s"] + (1 - rho) * g ** 2
    return (theta - learning_rate * g) / (np.sqrt(s) + eps), {**state, "s": s}


@mistake("rmsprop_step", "rmsprop_step ignores an argument it is given", fingerprint=False)
def rmsprop_rho_written_in(theta, grad_fn, state, *, learning_rate, rho=0.9, eps=1e-8):
    g = grad_fn(theta)
    s = 0.9 * state["s"] + 0.1 * g ** 2
    return theta - learning_rate * g / (np.sqrt(s) + eps), {**state, "s": s}


@mistake("rmsprop_step", "state_new has no key 's'", fingerprint=False)
def rmsprop_no_s(theta, grad_fn, state, *, learning_rate, rho=0.9, eps=1e-8):
    g = grad_fn(theta)
    s = rho * state["s"] + (1 - rho) * g ** 2
    return theta - learning_rate * g / (np.sqrt(s) + eps), {"v": state["v"], "t": state["t"]}


@mistake("rmsprop_step", "changed its argument state['s'] in place", fingerprint=False)
def rmsprop_state_in_place(theta, grad_fn, state, *, learning_rate, rho=0.9, eps=1e-8):
    g = grad_fn(theta)
    state["s"] = rho * state["s"] + (1 - rho) * g ** 2
    return theta - learning_rate * g / (np.sqrt(state["s"]) + eps), state


@mistake("rmsprop_step", "changed its argument theta in place", fingerprint=False)
def rmsprop_theta_in_place(theta, grad_fn, state, *, learning_rate, rho=0.9, eps=1e-8):
    g = grad_fn(theta)
    s = rho * state["s"] + (1 - rho) * g ** 2
    theta -= learning_rate * g / (np.sqrt(s) + eps)
    return theta, {**state, "s": s}


@mistake("rmsprop_step", "math.exp, math.log, float(...) and int(...) take one number", fingerprint=False)
def rmsprop_math_sqrt(theta, grad_fn, state, *, learning_rate, rho=0.9, eps=1e-8):
    import math

    g = grad_fn(theta)
    s = rho * state["s"] + (1 - rho) * g ** 2
    return theta - learning_rate * g / (math.sqrt(s) + eps), {**state, "s": s}


# --------------------------------------------------------------------------- adam_step


@mistake("adam_step", {V: "(1 - β1) is missing: v ← β1 v + (1 - β1) g"})
def adam_no_one_minus_beta1(theta, grad_fn, state, *, learning_rate, beta1=0.9, beta2=0.999, eps=1e-8):
    g = grad_fn(theta)
    t = state["t"]
    v = beta1 * state["v"] + g
    s = beta2 * state["s"] + (1 - beta2) * g ** 2
    return theta - learning_rate * (v / (1 - beta1 ** t)) / (np.sqrt(s / (1 - beta2 ** t)) + eps), \
        {**state, "v": v, "s": s}


@mistake("adam_step", {V: "state_new['v'] is bias-corrected; store the uncorrected v and correct a copy, "
                          "v̂ = v / (1 - β1^t)"})
def adam_stores_corrected_v(theta, grad_fn, state, *, learning_rate, beta1=0.9, beta2=0.999, eps=1e-8):
    g = grad_fn(theta)
    t = state["t"]
    v = (beta1 * state["v"] + (1 - beta1) * g) / (1 - beta1 ** t)
    s = beta2 * state["s"] + (1 - beta2) * g ** 2
    return theta - learning_rate * v / (np.sqrt(s / (1 - beta2 ** t)) + eps), {**state, "v": v, "s": s}


@mistake("adam_step", {V: "β1 and β2 are swapped: v ← β1 v + (1 - β1) g, s ← β2 s + (1 - β2) g²"})
def adam_betas_swapped(theta, grad_fn, state, *, learning_rate, beta1=0.9, beta2=0.999, eps=1e-8):
    g = grad_fn(theta)
    t = state["t"]
    v = beta2 * state["v"] + (1 - beta2) * g
    s = beta1 * state["s"] + (1 - beta1) * g ** 2
    return theta - learning_rate * (v / (1 - beta2 ** t)) / (np.sqrt(s / (1 - beta1 ** t)) + eps), \
        {**state, "v": v, "s": s}


@mistake("adam_step", {S: "the gradient is not squared: s ← β2 s + (1 - β2) g²"})
def adam_not_squared(theta, grad_fn, state, *, learning_rate, beta1=0.9, beta2=0.999, eps=1e-8):
    g = grad_fn(theta)
    t = state["t"]
    v = beta1 * state["v"] + (1 - beta1) * g
    s = beta2 * state["s"] + (1 - beta2) * g
    return theta - learning_rate * (v / (1 - beta1 ** t)) / (np.sqrt(np.abs(s) / (1 - beta2 ** t)) + eps), \
        {**state, "v": v, "s": s}


@mistake("adam_step", {S: "(1 - β2) is missing: s ← β2 s + (1 - β2) g²"})
def adam_no_one_minus_beta2(theta, grad_fn, state, *, learning_rate, beta1=0.9, beta2=0.999, eps=1e-8):
    g = grad_fn(theta)
    t = state["t"]
    v = beta1 * state["v"] + (1 - beta1) * g
    s = beta2 * state["s"] + g ** 2
    return theta - learning_rate * (v / (1 - beta1 ** t)) / (np.sqrt(s / (1 - beta2 ** t)) + eps), \
        {**state, "v": v, "s": s}


@mistake("adam_step", {S: "state_new['s'] is bias-corrected; store the uncorrected s and correct a copy, "
                          "ŝ = s / (1 - β2^t)"})
def adam_stores_corrected_s(theta, grad_fn, state, *, learning_rate, beta1=0.9, beta2=0.999, eps=1e-8):
    g = grad_fn(theta)
    t = state["t"]
    v = beta1 * state["v"] + (1 - beta1) * g
    s = (beta2 * state["s"] + (1 - beta2) * g ** 2) / (1 - beta2 ** t)
    return theta - learning_rate * (v / (1 - beta1 ** t)) / (np.sqrt(s) + eps), {**state, "v": v, "s": s}


@mistake("adam_step", {"theta_new": "no bias correction: divide v by (1 - β1^t) and s by (1 - β2^t) before the step"})
def adam_no_correction(theta, grad_fn, state, *, learning_rate, beta1=0.9, beta2=0.999, eps=1e-8):
    g = grad_fn(theta)
    v = beta1 * state["v"] + (1 - beta1) * g
    s = beta2 * state["s"] + (1 - beta2) * g ** 2
    return theta - learning_rate * v / (np.sqrt(s) + eps), {**state, "v": v, "s": s}


@mistake("adam_step", {"theta_new": "only v is bias-corrected: ŝ = s / (1 - β2^t) too"})
def adam_only_v_corrected(theta, grad_fn, state, *, learning_rate, beta1=0.9, beta2=0.999, eps=1e-8):
    g = grad_fn(theta)
    v = beta1 * state["v"] + (1 - beta1) * g
    s = beta2 * state["s"] + (1 - beta2) * g ** 2
    return theta - learning_rate * (v / (1 - beta1 ** state["t"])) / (np.sqrt(s) + eps), {**state, "v": v, "s": s}


@mistake("adam_step", {"theta_new": "only s is bias-corrected: v̂ = v / (1 - β1^t) too"})
def adam_only_s_corrected(theta, grad_fn, state, *, learning_rate, beta1=0.9, beta2=0.999, eps=1e-8):
    g = grad_fn(theta)
    v = beta1 * state["v"] + (1 - beta1) * g
    s = beta2 * state["s"] + (1 - beta2) * g ** 2
    return theta - learning_rate * v / (np.sqrt(s / (1 - beta2 ** state["t"])) + eps), {**state, "v": v, "s": s}


@mistake("adam_step", {"theta_new": "the bias correction uses t - 1; state['t'] is already this step's number "
                                    "(1 on the first step)"})
def adam_t_minus_one(theta, grad_fn, state, *, learning_rate, beta1=0.9, beta2=0.999, eps=1e-8):
    g = grad_fn(theta)
    t = state["t"] - 1
    v = beta1 * state["v"] + (1 - beta1) * g
    s = beta2 * state["s"] + (1 - beta2) * g ** 2
    return theta - learning_rate * (v / (1 - beta1 ** t)) / (np.sqrt(s / (1 - beta2 ** t)) + eps), \
        {**state, "v": v, "s": s}


@mistake("adam_step", {"theta_new": "the bias correction uses t + 1; state['t'] is already this step's number "
                                    "(1 on the first step)"})
def adam_t_plus_one(theta, grad_fn, state, *, learning_rate, beta1=0.9, beta2=0.999, eps=1e-8):
    g = grad_fn(theta)
    t = state["t"] + 1
    v = beta1 * state["v"] + (1 - beta1) * g
    s = beta2 * state["s"] + (1 - beta2) * g ** 2
    return theta - learning_rate * (v / (1 - beta1 ** t)) / (np.sqrt(s / (1 - beta2 ** t)) + eps), \
        {**state, "v": v, "s": s}


@mistake("adam_step", {"theta_new": "(1 - β)^t is not 1 - β^t: the power binds first, write v / (1 - beta1 ** t) "
                                    "and s / (1 - beta2 ** t)"})
def adam_power_of_one_minus_beta(theta, grad_fn, state, *, learning_rate, beta1=0.9, beta2=0.999, eps=1e-8):
    g = grad_fn(theta)
    t = state["t"]
    v = beta1 * state["v"] + (1 - beta1) * g
    s = beta2 * state["s"] + (1 - beta2) * g ** 2
    return theta - learning_rate * (v / (1 - beta1) ** t) / (np.sqrt(s / (1 - beta2) ** t) + eps), \
        {**state, "v": v, "s": s}


@mistake("adam_step", {"theta_new": "ε is inside the square root: divide by √ŝ + ε, not √(ŝ + ε)"})
def adam_eps_inside(theta, grad_fn, state, *, learning_rate, beta1=0.9, beta2=0.999, eps=1e-8):
    g = grad_fn(theta)
    t = state["t"]
    v = beta1 * state["v"] + (1 - beta1) * g
    s = beta2 * state["s"] + (1 - beta2) * g ** 2
    return theta - learning_rate * (v / (1 - beta1 ** t)) / np.sqrt(s / (1 - beta2 ** t) + eps), \
        {**state, "v": v, "s": s}


@mistake("adam_step", {"theta_new": "the square root is missing: divide by √ŝ + ε"})
def adam_no_root(theta, grad_fn, state, *, learning_rate, beta1=0.9, beta2=0.999, eps=1e-8):
    g = grad_fn(theta)
    t = state["t"]
    v = beta1 * state["v"] + (1 - beta1) * g
    s = beta2 * state["s"] + (1 - beta2) * g ** 2
    return theta - learning_rate * (v / (1 - beta1 ** t)) / (s / (1 - beta2 ** t) + eps), {**state, "v": v, "s": s}


@mistake("adam_step", {"theta_new": "the sign is flipped: θ ← θ - η v̂ / (√ŝ + ε) goes downhill"})
def adam_sign(theta, grad_fn, state, *, learning_rate, beta1=0.9, beta2=0.999, eps=1e-8):
    g = grad_fn(theta)
    t = state["t"]
    v = beta1 * state["v"] + (1 - beta1) * g
    s = beta2 * state["s"] + (1 - beta2) * g ** 2
    return theta + learning_rate * (v / (1 - beta1 ** t)) / (np.sqrt(s / (1 - beta2 ** t)) + eps), \
        {**state, "v": v, "s": s}


@mistake("adam_step", {"theta_new": "θ used the old v and s: update them first, then correct and step with the new "
                                    "ones"})
def adam_old_moments(theta, grad_fn, state, *, learning_rate, beta1=0.9, beta2=0.999, eps=1e-8):
    g = grad_fn(theta)
    t = state["t"]
    v = beta1 * state["v"] + (1 - beta1) * g
    s = beta2 * state["s"] + (1 - beta2) * g ** 2
    return theta - learning_rate * (state["v"] / (1 - beta1 ** t)) / (np.sqrt(state["s"] / (1 - beta2 ** t)) + eps), \
        {**state, "v": v, "s": s}


@mistake("adam_step", {"theta_new": "ε is missing or not the eps given: divide by √ŝ + ε with the eps argument "
                                    "(this test passes eps = {eps})"})
def adam_eps_written_in(theta, grad_fn, state, *, learning_rate, beta1=0.9, beta2=0.999, eps=1e-8):
    g = grad_fn(theta)
    t = state["t"]
    v = beta1 * state["v"] + (1 - beta1) * g
    s = beta2 * state["s"] + (1 - beta2) * g ** 2
    return theta - learning_rate * (v / (1 - beta1 ** t)) / (np.sqrt(s / (1 - beta2 ** t)) + 1e-8), \
        {**state, "v": v, "s": s}


@mistake("adam_step", "adam_step ignores an argument it is given", fingerprint=False)
def adam_beta1_written_in(theta, grad_fn, state, *, learning_rate, beta1=0.9, beta2=0.999, eps=1e-8):
    g = grad_fn(theta)
    t = state["t"]
    v = 0.9 * state["v"] + 0.1 * g
    s = beta2 * state["s"] + (1 - beta2) * g ** 2
    return theta - learning_rate * (v / (1 - 0.9 ** t)) / (np.sqrt(s / (1 - beta2 ** t)) + eps), \
        {**state, "v": v, "s": s}


@mistake("adam_step", "state_new has no key 'v'", fingerprint=False)
def adam_state_keys_renamed(theta, grad_fn, state, *, learning_rate, beta1=0.9, beta2=0.999, eps=1e-8):
    g = grad_fn(theta)
    t = state["t"]
    m1 = beta1 * state["v"] + (1 - beta1) * g
    m2 = beta2 * state["s"] + (1 - beta2) * g ** 2
    return theta - learning_rate * (m1 / (1 - beta1 ** t)) / (np.sqrt(m2 / (1 - beta2 ** t)) + eps), \
        {"m": m1, "s": m2, "t": t}


@mistake("adam_step", "changed its argument state['s'] in place", fingerprint=False)
def adam_state_in_place(theta, grad_fn, state, *, learning_rate, beta1=0.9, beta2=0.999, eps=1e-8):
    g = grad_fn(theta)
    t = state["t"]
    state["v"] = beta1 * state["v"] + (1 - beta1) * g
    state["s"] = beta2 * state["s"] + (1 - beta2) * g ** 2
    return theta - learning_rate * (state["v"] / (1 - beta1 ** t)) / (np.sqrt(state["s"] / (1 - beta2 ** t)) + eps), \
        state
