"""Wrong implementations of the exam sheet's auto-graded questions (``helpers.checks.exam``).

Each is a mistake a student makes when working the question out by hand, with the message that names it.
"""

import math

import numpy as np

from . import mistake

# --------------------------------------------------------------------------- C1-C3 (lessons 1 to 5)


@mistake("one_step", "the step goes uphill: gradient descent subtracts, w ← w − η ∂L/∂w")
def one_step_uphill(w, b, x, y, learning_rate):
    d = 2 * (w * x + b - y)
    return w + learning_rate * d * x, b + learning_rate * d


@mistake("one_step", "the factor 2 from the square is missing: ∂L/∂ŷ = 2(ŷ − y)")
def one_step_no_two(w, b, x, y, learning_rate):
    d = w * x + b - y
    return w - learning_rate * d * x, b - learning_rate * d


@mistake("one_step", "∂L/∂w is missing its factor x: ∂ŷ/∂w = x")
def one_step_no_x(w, b, x, y, learning_rate):
    d = 2 * (w * x + b - y)
    return w - learning_rate * d, b - learning_rate * d


@mistake("one_step", "these are the gradients, not the new parameters: return w − η ∂L/∂w, b − η ∂L/∂b")
def one_step_gradients(w, b, x, y, learning_rate):
    d = 2 * (w * x + b - y)
    return d * x, d


@mistake("dL_dz", "the sign is flipped: ∂L/∂z = σ(z) − y")
def dL_dz_flipped(z, y):
    return y - 1 / (1 + math.exp(-z))


@mistake("dL_dz", "that is ∂L/∂a; multiply by the sigmoid's local derivative a(1 − a) (it cancels to a − y)")
def dL_dz_stops_at_a(z, y):
    a = 1 / (1 + math.exp(-z))
    return -y / a + (1 - y) / (1 - a)


@mistake("dL_dz", "σ'(z) is multiplied in again: ∂L/∂a · σ'(z) is already a − y")
def dL_dz_sigma_twice(z, y):
    a = 1 / (1 + math.exp(-z))
    return (a - y) * a * (1 - a)


@mistake("differences", "the two are swapped: forward is (f(x+ε) − f(x))/ε")
def differences_swapped(x, eps):
    return ((x + eps) ** 3 - (x - eps) ** 3) / (2 * eps), ((x + eps) ** 3 - x ** 3) / eps


@mistake("differences", {"centered": "the centered difference divides by 2ε, not ε"})
def differences_no_half(x, eps):
    return ((x + eps) ** 3 - x ** 3) / eps, ((x + eps) ** 3 - (x - eps) ** 3) / eps


@mistake("differences", "that is the exact derivative 3x², not the difference quotients")
def differences_exact(x, eps):
    return 3 * x * x, 3 * x * x


# --------------------------------------------------------------------------- D1: a graph with fan-out


@mistake("fan_out", "the last node adds q and r; it multiplies them: f = q r, so ∂f/∂q = r and ∂f/∂r = q")
def fan_out_sum(x, y, z):
    q, r = x + y, x * z
    return q + r, 1 + z, 1.0, x


@mistake("fan_out", {"df_dx": "only the path through r = x z is counted: x also reaches f through q = x + y, "
                              "and the gradients of the two paths add up"})
def fan_out_path_r_only(x, y, z):
    q, r = x + y, x * z
    return q * r, q * z, r, q * x


@mistake("fan_out", {"df_dx": "only the path through q = x + y is counted: x also reaches f through r = x z, "
                              "and the gradients of the two paths add up"})
def fan_out_path_q_only(x, y, z):
    q, r = x + y, x * z
    return q * r, r, r, q * x


@mistake("fan_out", {"df_dx": "the two paths are multiplied; the chain rule multiplies along a path and adds "
                              "over paths"})
def fan_out_paths_multiplied(x, y, z):
    q, r = x + y, x * z
    return q * r, r * (q * z), r, q * x


# --------------------------------------------------------------------------- D2: softmax + cross-entropy


@mistake("softmax_ce", {"dz": "that is p; ∂L/∂z = p − y subtracts 1 at the true class"})
def softmax_forgets_label(z, label):
    p = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
    return -np.log(p[label, 0]), p


@mistake("softmax_ce", {"dz": "the sign is flipped: ∂L/∂z = p − y, not y − p"})
def softmax_flipped(z, label):
    p = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
    y = np.zeros_like(z)
    y[label] = 1
    return -np.log(p[label, 0]), y - p


@mistake("softmax_ce", {"dz": "that is ∂L/∂p (−1/p at the true class); go on through the softmax to ∂L/∂z = p − y"})
def softmax_stops_at_p(z, label):
    p = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
    dp = np.zeros_like(z)
    dp[label] = -1 / p[label]
    return -np.log(p[label, 0]), dp


@mistake("softmax_ce", {"L": "the minus sign is missing: L = −ln p_label is positive"})
def softmax_no_minus(z, label):
    p = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
    y = np.zeros_like(z)
    y[label] = 1
    return np.log(p[label, 0]), p - y


@mistake("softmax_ce", {"L": "the loss takes ln of the score z, not of the probability p = softmax(z)"})
def softmax_log_of_score(z, label):
    p = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
    y = np.zeros_like(z)
    y[label] = 1
    return -z[label, 0] + 0.0, p - y


# --------------------------------------------------------------------------- D3: ReLU and tanh backward


@mistake("activation_backward", "dZ is dA passed straight through: multiply it entry by entry by the local "
                                "derivative g'(Z)")
def activation_no_local(Z, dA):
    return {"relu": dA, "tanh": dA}


@mistake("activation_backward", {"dZ_relu": "the ReLU's mask is taken from dA; it comes from Z: dZ = dA where Z > 0"})
def relu_mask_from_dA(Z, dA):
    return {"relu": dA * (dA > 0), "tanh": dA * (1 - np.tanh(Z) ** 2)}


@mistake("activation_backward", {"dZ_relu": "that is ReLU(Z) · dA; the ReLU's derivative is 1 where Z > 0 and 0 "
                                            "elsewhere"})
def relu_value_not_slope(Z, dA):
    return {"relu": dA * np.maximum(Z, 0), "tanh": dA * (1 - np.tanh(Z) ** 2)}


@mistake("activation_backward", {"dZ_relu": "dA is not multiplied in: dZ = dA ⊙ ReLU'(Z)"})
def relu_local_only(Z, dA):
    return {"relu": (Z > 0).astype(float), "tanh": 1 - np.tanh(Z) ** 2}


@mistake("activation_backward", {"dZ_tanh": "tanh'(Z) = 1 − tanh²(Z), not 1 − Z²: square A = tanh(Z), not Z"})
def tanh_of_z(Z, dA):
    return {"relu": dA * (Z > 0), "tanh": dA * (1 - Z ** 2)}


@mistake("activation_backward", {"dZ_tanh": "the square is missing: tanh'(Z) = 1 − tanh²(Z)"})
def tanh_no_square(Z, dA):
    return {"relu": dA * (Z > 0), "tanh": dA * (1 - np.tanh(Z))}


@mistake("activation_backward", {"dZ_tanh": "that is the sigmoid's derivative A(1 − A); tanh's is 1 − A²"})
def tanh_sigmoid_rule(Z, dA):
    A = np.tanh(Z)
    return {"relu": dA * (Z > 0), "tanh": dA * A * (1 - A)}


# --------------------------------------------------------------------------- D4: the L2 gradient


@mistake("l2_step", "the 1/m is missing: the gradient of (λ/2m) w² is (λ/m) w")
def l2_no_m(w, dw, lam, m, learning_rate):
    return w - learning_rate * (dw + lam * w)


@mistake("l2_step", "the 1/2 of the penalty is kept: differentiating w² gives 2w, so (λ/2m) w² → (λ/m) w")
def l2_half_kept(w, dw, lam, m, learning_rate):
    return w - learning_rate * (dw + lam / (2 * m) * w)


@mistake("l2_step", "the penalty's gradient is added with the wrong sign: the step shrinks w, w − η(dw + (λ/m) w)")
def l2_wrong_sign(w, dw, lam, m, learning_rate):
    return w - learning_rate * (dw - lam / m * w)


@mistake("l2_step", "the data gradient dw is missing: the step uses dw + (λ/m) w")
def l2_no_data(w, dw, lam, m, learning_rate):
    return w - learning_rate * lam / m * w


# --------------------------------------------------------------------------- D5: momentum and Adam by hand


@mistake("momentum_by_hand", "the gradient is added: v ← β v − η g (the velocity points downhill)")
def momentum_uphill(theta, v, g, learning_rate, beta):
    v = beta * v + learning_rate * g
    return v, theta + v


@mistake("momentum_by_hand", {"theta_new": "θ moves by the old velocity: update v first, then θ ← θ + v_new"})
def momentum_old_velocity(theta, v, g, learning_rate, beta):
    return beta * v - learning_rate * g, theta + v


@mistake("momentum_by_hand", "η is missing: v ← β v − η g")
def momentum_no_rate(theta, v, g, learning_rate, beta):
    v = beta * v - g
    return v, theta + v


@mistake("momentum_by_hand", "β is missing: the old velocity is multiplied by β before the gradient is added")
def momentum_no_beta(theta, v, g, learning_rate, beta):
    v = v - learning_rate * g
    return v, theta + v


@mistake("adam_bias_correction", "the bias correction is missing: divide v by 1 − β1^t and s by 1 − β2^t")
def adam_uncorrected(v, s, g, t, beta1, beta2):
    return beta1 * v + (1 - beta1) * g, beta2 * s + (1 - beta2) * g * g


@mistake("adam_bias_correction", "the running means are not updated with g before the correction")
def adam_no_update(v, s, g, t, beta1, beta2):
    return v / (1 - beta1 ** t), s / (1 - beta2 ** t)


@mistake("adam_bias_correction", "the correction divides by 1 − β t; it is 1 − β^t, β to the power t")
def adam_times_t(v, s, g, t, beta1, beta2):
    return (beta1 * v + (1 - beta1) * g) / (1 - beta1 * t), (beta2 * s + (1 - beta2) * g * g) / (1 - beta2 * t)


@mistake("adam_bias_correction", {"s_hat": "s is the running mean of g², not of g"})
def adam_s_of_g(v, s, g, t, beta1, beta2):
    return (beta1 * v + (1 - beta1) * g) / (1 - beta1 ** t), (beta2 * s + (1 - beta2) * g) / (1 - beta2 ** t)


# --------------------------------------------------------------------------- D9: examples in rows


@mistake("rows_backward", {"db": "db is the mean of dout over the examples; b is added to every row, so its "
                                 "gradient is the sum: db = dout.sum(axis=0)"})
def rows_db_mean(X, W, dout):
    return dout @ W.T, X.T @ dout, dout.mean(axis=0)


@mistake("rows_backward", {"dW": "that is the examples-in-columns formula dout.T @ X, of shape (H, D): with examples "
                                 "in rows, out = X W, so dW = X.T @ dout, (D, H) like W"})
def rows_columns_formula(X, W, dout):
    return dout @ W.T, dout.T @ X, dout.sum(axis=0)


@mistake("rows_backward", {"db": "db is summed over the wrong axis: with examples in rows, sum over the rows "
                                 "(axis=0), one entry per output unit, shape (H,)"})
def rows_db_axis(X, W, dout):
    return dout @ W.T, X.T @ dout, dout.sum(axis=1)


@mistake("rows_backward", {"db": "db has shape (1, H); b has shape (H,) here, so sum with axis=0 and no keepdims"})
def rows_db_keepdims(X, W, dout):
    return dout @ W.T, X.T @ dout, dout.sum(axis=0, keepdims=True)
