"""Wrong implementations of lessons 3 and 4's exercises: the two-layer network, without and with a sigmoid.

Each is compiled into the namespace it is tested in (``np``, and ``sigmoid`` for lesson 4's derivative,
resolve there). ``only=`` ties a mistake to the lesson whose signature it has.
"""

# Free names (sigmoid) resolve in the namespace a mistake is compiled into.
# ruff: noqa: F821

import numpy as np

from . import mistake

L3, L4 = "03-two-layer-linear", "04-two-layer-sigmoid"

# --------------------------------------------------------------------------- forward, lesson 3


@mistake("forward", {"cache['Z']": "b1 is missing: Z = W1 X + b1",
                     "y_hat": "b1 is missing: Z = W1 X + b1, then y_hat = w2 Z + b2"}, only=L3)
def forward3_no_b1(X, params):
    Z = params["W1"] @ X
    return params["w2"] @ Z + params["b2"], {"Z": Z}


@mistake("forward", {"y_hat": "b2 is missing: y_hat = w2 Z + b2"}, only=L3)
def forward3_no_b2(X, params):
    Z = params["W1"] @ X + params["b1"]
    return params["w2"] @ Z, {"Z": Z}


@mistake("forward", "forward should return 2 values (y_hat, cache)", fingerprint=False, only=L3)
def forward3_no_cache(X, params):
    return params["w2"] @ (params["W1"] @ X + params["b1"]) + params["b2"]


@mistake("forward", "the inner sizes must agree", fingerprint=False, only=L3)
def forward3_matmul_order(X, params):
    Z = X @ params["W1"] + params["b1"]
    return params["w2"] @ Z + params["b2"], {"Z": Z}


@mistake("forward", "forward changed its argument X in place", fingerprint=False, only=L3)
def forward3_in_place(X, params):
    X -= X.mean(axis=1, keepdims=True)  # "centring the features", on the caller's array
    Z = params["W1"] @ X + params["b1"]
    return params["w2"] @ Z + params["b2"], {"Z": Z}


# --------------------------------------------------------------------------- forward, lesson 4


@mistake("forward", {"cache['A']": "A equals Z: apply σ, A = σ(Z) (call sigma(Z))",
                     "y_hat": "the second layer reads Z; it should read A = σ(Z): y_hat = w2 A + b2"}, only=L4)
def forward4_no_sigma(X, params, sigma):
    Z = params["W1"] @ X + params["b1"]
    return params["w2"] @ Z + params["b2"], {"Z": Z, "A": Z}


@mistake("forward", {"cache['Z']": "b1 is missing: Z = W1 X + b1",
                     "cache['A']": "b1 is missing: Z = W1 X + b1, then A = σ(Z)",
                     "y_hat": "b1 is missing: Z = W1 X + b1"}, only=L4)
def forward4_no_b1(X, params, sigma):
    Z = params["W1"] @ X
    A = sigma(Z)
    return params["w2"] @ A + params["b2"], {"Z": Z, "A": A}


@mistake("forward", {"y_hat": "the second layer reads Z; it should read A = σ(Z): y_hat = w2 A + b2"}, only=L4)
def forward4_reads_z(X, params, sigma):
    Z = params["W1"] @ X + params["b1"]
    return params["w2"] @ Z + params["b2"], {"Z": Z, "A": sigma(Z)}


@mistake("forward", {"y_hat": "b2 is missing: y_hat = w2 A + b2"}, only=L4)
def forward4_no_b2(X, params, sigma):
    Z = params["W1"] @ X + params["b1"]
    A = sigma(Z)
    return params["w2"] @ A, {"Z": Z, "A": A}


@mistake("forward", {"y_hat": "σ is applied to the output too; the output layer has no σ: y_hat = w2 A + b2"},
         only=L4)
def forward4_sigma_on_output(X, params, sigma):
    Z = params["W1"] @ X + params["b1"]
    A = sigma(Z)
    return sigma(params["w2"] @ A + params["b2"]), {"Z": Z, "A": A}


@mistake("forward", "forward ignores the activation it is given", fingerprint=False, only=L4)
def forward4_own_sigmoid(X, params, sigma):
    Z = params["W1"] @ X + params["b1"]
    A = 1 / (1 + np.exp(-Z))
    return params["w2"] @ A + params["b2"], {"Z": Z, "A": A}


@mistake("forward", "it has no key 'A'", fingerprint=False, only=L4)
def forward4_no_a(X, params, sigma):
    Z = params["W1"] @ X + params["b1"]
    return params["w2"] @ sigma(Z) + params["b2"], {"Z": Z}


# --------------------------------------------------------------------------- backward, lesson 3


@mistake("backward", {"dW1": "the factor w2ᵀ is missing: dZ = w2ᵀ dŷ", "db1": "the factor w2ᵀ is missing: dZ = w2ᵀ dŷ"},
         only=L3)
def backward3_no_w2(X, y, y_hat, params, cache):
    m = X.shape[1]
    dy_hat = (2 / m) * (y_hat - y)
    dZ = np.ones_like(params["w2"].T) * dy_hat
    return {"W1": dZ @ X.T, "b1": dZ.sum(axis=1, keepdims=True), "w2": dy_hat @ cache["Z"].T,
            "b2": float(dy_hat.sum())}


@mistake("backward", {"dW1": "the factor w2ᵀ is missing: dZ = w2ᵀ dŷ has shape (k, m), dŷ only (1, m)",
                      "db1": "the factor w2ᵀ is missing: dZ = w2ᵀ dŷ has shape (k, m), dŷ only (1, m)"}, only=L3)
def backward3_dz_is_dy(X, y, y_hat, params, cache):
    m = X.shape[1]
    dy_hat = (2 / m) * (y_hat - y)
    dZ = dy_hat
    return {"W1": dZ @ X.T, "b1": dZ.sum(axis=1, keepdims=True), "w2": dy_hat @ cache["Z"].T,
            "b2": float(dy_hat.sum())}


@mistake("backward", {"dw2": "dw2 = dŷ Xᵀ: the second layer's input is Z, not X, so dw2 = dŷ Zᵀ"}, only=L3)
def backward3_x_in_dw2(X, y, y_hat, params, cache):
    m = X.shape[1]
    dy_hat = (2 / m) * (y_hat - y)
    dZ = params["w2"].T @ dy_hat
    return {"W1": dZ @ X.T, "b1": dZ.sum(axis=1, keepdims=True), "w2": dy_hat @ X.T, "b2": float(dy_hat.sum())}


@mistake("backward", "the 1/m is missing", fingerprint=False, only=L3)
def backward3_no_mean(X, y, y_hat, params, cache):
    dy_hat = 2 * (y_hat - y)
    dZ = params["w2"].T @ dy_hat
    return {"W1": dZ @ X.T, "b1": dZ.sum(axis=1, keepdims=True), "w2": dy_hat @ cache["Z"].T,
            "b2": float(dy_hat.sum())}


@mistake("backward", "backward changed its argument params['W1'] in place", fingerprint=False, only=L3)
def backward3_updates_params(X, y, y_hat, params, cache):
    m = X.shape[1]
    dy_hat = (2 / m) * (y_hat - y)
    dZ = params["w2"].T @ dy_hat
    params["W1"] -= 0.1 * (dZ @ X.T)
    return {"W1": dZ @ X.T, "b1": dZ.sum(axis=1, keepdims=True), "w2": dy_hat @ cache["Z"].T,
            "b2": float(dy_hat.sum())}


@mistake("backward", "backward should return its gradients as a dict", fingerprint=False, only=L3)
def backward3_tuple(X, y, y_hat, params, cache):
    m = X.shape[1]
    dy_hat = (2 / m) * (y_hat - y)
    dZ = params["w2"].T @ dy_hat
    return dZ @ X.T, dZ.sum(axis=1, keepdims=True), dy_hat @ cache["Z"].T, float(dy_hat.sum())


# --------------------------------------------------------------------------- backward, lesson 4


@mistake("backward", {"dW1": "the factor w2ᵀ is missing: dZ = w2ᵀ dŷ ⊙ σ'(Z)",
                      "db1": "the factor w2ᵀ is missing: dZ = w2ᵀ dŷ ⊙ σ'(Z)"}, only=L4)
def backward4_no_w2(X, y, y_hat, params, cache, sigma_prime):
    m = X.shape[1]
    dy_hat = (2 / m) * (y_hat - y)
    dZ = np.ones_like(params["w2"].T) * dy_hat * sigma_prime(cache["Z"])
    return {"W1": dZ @ X.T, "b1": dZ.sum(axis=1, keepdims=True), "w2": dy_hat @ cache["A"].T,
            "b2": float(dy_hat.sum())}


@mistake("backward", {"dW1": "σ'(Z) is missing: dZ = dA ⊙ σ'(Z), entry by entry (call sigma_prime(Z))",
                      "db1": "σ'(Z) is missing: dZ = dA ⊙ σ'(Z), entry by entry (call sigma_prime(Z))"}, only=L4)
def backward4_no_sigma_prime(X, y, y_hat, params, cache, sigma_prime):
    m = X.shape[1]
    dy_hat = (2 / m) * (y_hat - y)
    dZ = params["w2"].T @ dy_hat
    return {"W1": dZ @ X.T, "b1": dZ.sum(axis=1, keepdims=True), "w2": dy_hat @ cache["A"].T,
            "b2": float(dy_hat.sum())}


@mistake("backward", {"dW1": "σ'(z) is written as σ(z); it is σ(z)(1 - σ(z)): dZ = dA ⊙ σ'(Z)",
                      "db1": "σ'(z) is written as σ(z); it is σ(z)(1 - σ(z)): dZ = dA ⊙ σ'(Z)"}, only=L4)
def backward4_sigma_for_sigma_prime(X, y, y_hat, params, cache, sigma_prime):
    m = X.shape[1]
    dy_hat = (2 / m) * (y_hat - y)
    dZ = (params["w2"].T @ dy_hat) * cache["A"]
    return {"W1": dZ @ X.T, "b1": dZ.sum(axis=1, keepdims=True), "w2": dy_hat @ cache["A"].T,
            "b2": float(dy_hat.sum())}


@mistake("backward", {"dW1": "σ' is evaluated at A; evaluate it at Z: dZ = dA ⊙ σ'(Z)",
                      "db1": "σ' is evaluated at A; evaluate it at Z: dZ = dA ⊙ σ'(Z)"}, only=L4)
def backward4_sigma_prime_at_a(X, y, y_hat, params, cache, sigma_prime):
    m = X.shape[1]
    dy_hat = (2 / m) * (y_hat - y)
    dZ = (params["w2"].T @ dy_hat) * sigma_prime(cache["A"])
    return {"W1": dZ @ X.T, "b1": dZ.sum(axis=1, keepdims=True), "w2": dy_hat @ cache["A"].T,
            "b2": float(dy_hat.sum())}


@mistake("backward", {"dw2": "dw2 = dŷ Xᵀ: the second layer's input is A, not X, so dw2 = dŷ Aᵀ"}, only=L4)
def backward4_x_in_dw2(X, y, y_hat, params, cache, sigma_prime):
    m = X.shape[1]
    dy_hat = (2 / m) * (y_hat - y)
    dZ = (params["w2"].T @ dy_hat) * sigma_prime(cache["Z"])
    return {"W1": dZ @ X.T, "b1": dZ.sum(axis=1, keepdims=True), "w2": dy_hat @ X.T, "b2": float(dy_hat.sum())}


@mistake("backward", {"dw2": "dw2 = dŷ Zᵀ: the second layer's input is A = σ(Z), not Z, so dw2 = dŷ Aᵀ"}, only=L4)
def backward4_z_in_dw2(X, y, y_hat, params, cache, sigma_prime):
    m = X.shape[1]
    dy_hat = (2 / m) * (y_hat - y)
    dZ = (params["w2"].T @ dy_hat) * sigma_prime(cache["Z"])
    return {"W1": dZ @ X.T, "b1": dZ.sum(axis=1, keepdims=True), "w2": dy_hat @ cache["Z"].T,
            "b2": float(dy_hat.sum())}


@mistake("backward", "backward ignores the activation it is given", fingerprint=False, only=L4)
def backward4_own_sigma_prime(X, y, y_hat, params, cache, sigma_prime):
    m = X.shape[1]
    dy_hat = (2 / m) * (y_hat - y)
    s = 1 / (1 + np.exp(-cache["Z"]))
    dZ = (params["w2"].T @ dy_hat) * s * (1 - s)
    return {"W1": dZ @ X.T, "b1": dZ.sum(axis=1, keepdims=True), "w2": dy_hat @ cache["A"].T,
            "b2": float(dy_hat.sum())}


@mistake("backward", "the sign is flipped", fingerprint=False, only=L4)
def backward4_sign(X, y, y_hat, params, cache, sigma_prime):
    m = X.shape[1]
    dy_hat = (2 / m) * (y - y_hat)
    dZ = (params["w2"].T @ dy_hat) * sigma_prime(cache["Z"])
    return {"W1": dZ @ X.T, "b1": dZ.sum(axis=1, keepdims=True), "w2": dy_hat @ cache["A"].T,
            "b2": float(dy_hat.sum())}


@mistake("backward", "a 1-D array", fingerprint=False, only=L4)
def backward4_db1_no_keepdims(X, y, y_hat, params, cache, sigma_prime):
    m = X.shape[1]
    dy_hat = (2 / m) * (y_hat - y)
    dZ = (params["w2"].T @ dy_hat) * sigma_prime(cache["Z"])
    return {"W1": dZ @ X.T, "b1": dZ.sum(axis=1), "w2": dy_hat @ cache["A"].T,
            "b2": np.sum(dy_hat, axis=1, keepdims=True)}


# --------------------------------------------------------------------------- equivalent_linear (lesson 3)


@mistake("equivalent_linear", {"w": "w2 is missing: w = w2 W1 weights each row of W1 by its entry of w2"}, only=L3)
def equivalent_no_w2(params):
    return params["W1"].sum(axis=0, keepdims=True), (params["w2"] @ params["b1"]).item() + params["b2"]


@mistake("equivalent_linear", {"w": "did you transpose it? w = w2 W1 has shape (1, n), like lesson 2's w"}, only=L3)
def equivalent_transposed(params):
    return params["W1"].T @ params["w2"].T, (params["w2"] @ params["b1"]).item() + params["b2"]


@mistake("equivalent_linear", {"b": "b2 is missing: b = w2 b1 + b2"}, only=L3)
def equivalent_no_b2(params):
    return params["w2"] @ params["W1"], (params["w2"] @ params["b1"]).item()


@mistake("equivalent_linear", {"b": "w2 b1 is missing: the first layer's bias b1 reaches the output through w2, "
                                    "b = w2 b1 + b2"}, only=L3)
def equivalent_only_b2(params):
    return params["w2"] @ params["W1"], params["b2"]


@mistake("equivalent_linear", {"b": "b1's entries are added without their weights in w2: b = w2 b1 + b2"}, only=L3)
def equivalent_unweighted_b1(params):
    return params["w2"] @ params["W1"], float(params["b1"].sum()) + params["b2"]


@mistake("equivalent_linear", "b has shape (1, 1), expected a single number", fingerprint=False, only=L3)
def equivalent_b_matrix(params):
    return params["w2"] @ params["W1"], params["w2"] @ params["b1"] + params["b2"]


# --------------------------------------------------------------------------- sigmoid and its derivative (lesson 4)


@mistake("sigmoid", "that is σ(-z) = 1 - σ(z): the minus sign in exp(-z) is missing, σ(z) = 1 / (1 + exp(-z))",
         only=L4)
def sigmoid_no_minus(Z):
    return 1 / (1 + np.exp(Z))


@mistake("sigmoid", "that is tanh(z), which runs from -1 to 1; σ(z) = 1 / (1 + exp(-z)) runs from 0 to 1", only=L4)
def sigmoid_tanh(Z):
    return np.tanh(Z)


@mistake("sigmoid", "that is exp(-z); σ(z) = 1 / (1 + exp(-z))", only=L4)
def sigmoid_exp(Z):
    return np.exp(-Z)


@mistake("sigmoid", "math.exp, math.log, float(...) and int(...) take one number", fingerprint=False, only=L4)
def sigmoid_math_exp(Z):
    import math

    return 1 / (1 + math.exp(-Z))


@mistake("sigmoid", "sigmoid changed its argument Z in place", fingerprint=False, only=L4)
def sigmoid_in_place(Z):
    Z *= -1
    return 1 / (1 + np.exp(Z))


@mistake("sigmoid_derivative", "that is σ(z) itself; its derivative is σ'(z) = σ(z)(1 - σ(z))", only=L4)
def sigmoid_derivative_is_sigmoid(Z):
    return sigmoid(Z)


@mistake("sigmoid_derivative", "z(1 - z) uses z where σ(z) belongs: σ'(z) = σ(z)(1 - σ(z))", only=L4)
def sigmoid_derivative_of_z(Z):
    return Z * (1 - Z)


@mistake("sigmoid_derivative", "the factor σ(z) is missing: σ'(z) = σ(z)(1 - σ(z))", only=L4)
def sigmoid_derivative_one_factor(Z):
    return 1 - sigmoid(Z)


@mistake("sigmoid_derivative", "the sign is flipped", fingerprint=False, only=L4)
def sigmoid_derivative_sign(Z):
    return -sigmoid(Z) * (1 - sigmoid(Z))
