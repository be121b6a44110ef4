"""Wrong implementations of lesson 5's exercises: local derivatives, the neuron's graph, logistic regression.

Each is compiled into the namespace it is tested in (``np``, ``math`` and ``helpers`` resolve there, as
in the lesson's notebook).
"""

# Free names (math, helpers) resolve in the namespace a mistake is compiled into.
# ruff: noqa: F821

import numpy as np

from helpers.checks.backprop import _local_name as local
from helpers.checks.backprop import _node_name as node

from . import mistake

# --------------------------------------------------------------------------- local_gradients


@mistake("local_gradients", {local("mul"): "the two are swapped: ∂(x·y)/∂x = y (the other factor) and ∂(x·y)/∂y = x"})
def local_mul_swapped(x, y):
    s = 1 / (1 + math.exp(-x))
    return {"mul": (x, y), "pow": y * x ** (y - 1), "exp": math.exp(x), "log": 1 / x, "sigmoid": s * (1 - s),
            "tanh": 1 - math.tanh(x) ** 2}


@mistake("local_gradients", {local("mul"): "each is the other factor, not 1: ∂(x·y)/∂x = y, ∂(x·y)/∂y = x"})
def local_mul_ones(x, y):
    s = 1 / (1 + math.exp(-x))
    return {"mul": (1.0, 1.0), "pow": y * x ** (y - 1), "exp": math.exp(x), "log": 1 / x, "sigmoid": s * (1 - s),
            "tanh": 1 - math.tanh(x) ** 2}


@mistake("local_gradients", "should be a pair of numbers", fingerprint=False)
def local_mul_one_number(x, y):
    s = 1 / (1 + math.exp(-x))
    return {"mul": x * y, "pow": y * x ** (y - 1), "exp": math.exp(x), "log": 1 / x, "sigmoid": s * (1 - s),
            "tanh": 1 - math.tanh(x) ** 2}


@mistake("local_gradients", {local("pow"): "the factor y is missing: ∂(x^y)/∂x = y·x^(y-1)"})
def local_pow_no_y(x, y):
    s = 1 / (1 + math.exp(-x))
    return {"mul": (y, x), "pow": x ** (y - 1), "exp": math.exp(x), "log": 1 / x, "sigmoid": s * (1 - s),
            "tanh": 1 - math.tanh(x) ** 2}


@mistake("local_gradients", {local("pow"): "the exponent should drop by one: ∂(x^y)/∂x = y·x^(y-1)"})
def local_pow_no_minus_one(x, y):
    s = 1 / (1 + math.exp(-x))
    return {"mul": (y, x), "pow": y * x ** y, "exp": math.exp(x), "log": 1 / x, "sigmoid": s * (1 - s),
            "tanh": 1 - math.tanh(x) ** 2}


@mistake("local_gradients", {local("exp"): "that is x·e^(x-1), the power rule; e^x is its own derivative"})
def local_exp_power_rule(x, y):
    s = 1 / (1 + math.exp(-x))
    return {"mul": (y, x), "pow": y * x ** (y - 1), "exp": x * math.exp(x - 1), "log": 1 / x,
            "sigmoid": s * (1 - s), "tanh": 1 - math.tanh(x) ** 2}


@mistake("local_gradients", "expected a single number", fingerprint=False)
def local_exp_array(x, y):
    s = 1 / (1 + math.exp(-x))
    return {"mul": (y, x), "pow": y * x ** (y - 1), "exp": np.array([math.exp(x)]), "log": 1 / x,
            "sigmoid": s * (1 - s), "tanh": 1 - math.tanh(x) ** 2}


@mistake("local_gradients", {local("log"): "that is ln x itself; its derivative is 1/x"})
def local_log_itself(x, y):
    s = 1 / (1 + math.exp(-x))
    return {"mul": (y, x), "pow": y * x ** (y - 1), "exp": math.exp(x), "log": math.log(x),
            "sigmoid": s * (1 - s), "tanh": 1 - math.tanh(x) ** 2}


@mistake("local_gradients", {local("log"): "that is -1/x; the derivative of ln x is 1/x"})
def local_log_minus(x, y):
    s = 1 / (1 + math.exp(-x))
    return {"mul": (y, x), "pow": y * x ** (y - 1), "exp": math.exp(x), "log": -1 / x, "sigmoid": s * (1 - s),
            "tanh": 1 - math.tanh(x) ** 2}


@mistake("local_gradients", {local("log"): "that is 1/x², the derivative of -1/x; the derivative of ln x is 1/x"})
def local_log_squared(x, y):
    s = 1 / (1 + math.exp(-x))
    return {"mul": (y, x), "pow": y * x ** (y - 1), "exp": math.exp(x), "log": x ** -2, "sigmoid": s * (1 - s),
            "tanh": 1 - math.tanh(x) ** 2}


@mistake("local_gradients", {local("sigmoid"): "that is σ(x) itself; its derivative is σ(x)(1 - σ(x))"})
def local_sigmoid_itself(x, y):
    s = 1 / (1 + math.exp(-x))
    return {"mul": (y, x), "pow": y * x ** (y - 1), "exp": math.exp(x), "log": 1 / x, "sigmoid": s,
            "tanh": 1 - math.tanh(x) ** 2}


@mistake("local_gradients", {local("sigmoid"): "x(1 - x) uses x where σ(x) belongs: σ'(x) = σ(x)(1 - σ(x))"})
def local_sigmoid_of_x(x, y):
    return {"mul": (y, x), "pow": y * x ** (y - 1), "exp": math.exp(x), "log": 1 / x, "sigmoid": x * (1 - x),
            "tanh": 1 - math.tanh(x) ** 2}


@mistake("local_gradients", {local("sigmoid"): "the factor σ(x) is missing: σ'(x) = σ(x)(1 - σ(x))"})
def local_sigmoid_no_s(x, y):
    s = 1 / (1 + math.exp(-x))
    return {"mul": (y, x), "pow": y * x ** (y - 1), "exp": math.exp(x), "log": 1 / x, "sigmoid": 1 - s,
            "tanh": 1 - math.tanh(x) ** 2}


@mistake("local_gradients", {local("tanh"): "that is tanh(x) itself; its derivative is 1 - tanh²(x)"})
def local_tanh_itself(x, y):
    s = 1 / (1 + math.exp(-x))
    return {"mul": (y, x), "pow": y * x ** (y - 1), "exp": math.exp(x), "log": 1 / x, "sigmoid": s * (1 - s),
            "tanh": math.tanh(x)}


@mistake("local_gradients", {local("tanh"): "the square is missing: ∂tanh(x)/∂x = 1 - tanh²(x)"})
def local_tanh_no_square(x, y):
    s = 1 / (1 + math.exp(-x))
    return {"mul": (y, x), "pow": y * x ** (y - 1), "exp": math.exp(x), "log": 1 / x, "sigmoid": s * (1 - s),
            "tanh": 1 - math.tanh(x)}


@mistake("local_gradients", {local("tanh"): "the sign is wrong: ∂tanh(x)/∂x = 1 - tanh²(x)"})
def local_tanh_plus(x, y):
    s = 1 / (1 + math.exp(-x))
    return {"mul": (y, x), "pow": y * x ** (y - 1), "exp": math.exp(x), "log": 1 / x, "sigmoid": s * (1 - s),
            "tanh": 1 + math.tanh(x) ** 2}


@mistake("local_gradients", "it has no key 'tanh'", fingerprint=False)
def local_no_tanh(x, y):
    s = 1 / (1 + math.exp(-x))
    return {"mul": (y, x), "pow": y * x ** (y - 1), "exp": math.exp(x), "log": 1 / x, "sigmoid": s * (1 - s)}


# --------------------------------------------------------------------------- neuron_gradients


@mistake("neuron_gradients", "only the y ln a term is differentiated: ∂L/∂a = -y/a + (1 - y)/(1 - a)")
def neuron_da_one_term(x1, x2, w1, w2, b, y):
    z = w1 * x1 + w2 * x2 + b
    a = 1 / (1 + math.exp(-z))
    da = -y / a
    dz = da * a * (1 - a)
    return {"a": da, "z": dz, "w1": dz * x1, "w2": dz * x2, "b": dz}


@mistake("neuron_gradients", "the second term's sign: ∂/∂a of -(1 - y) ln(1 - a) is +(1 - y)/(1 - a)")
def neuron_da_second_sign(x1, x2, w1, w2, b, y):
    z = w1 * x1 + w2 * x2 + b
    a = 1 / (1 + math.exp(-z))
    da = -y / a - (1 - y) / (1 - a)
    dz = da * a * (1 - a)
    return {"a": da, "z": dz, "w1": dz * x1, "w2": dz * x2, "b": dz}


@mistake("neuron_gradients", "σ'(z) is written as σ(z) = a; it is a(1 - a): ∂L/∂z = ∂L/∂a · a(1 - a)")
def neuron_sigma_for_sigma_prime(x1, x2, w1, w2, b, y):
    z = w1 * x1 + w2 * x2 + b
    a = 1 / (1 + math.exp(-z))
    da = -y / a + (1 - y) / (1 - a)
    dz = da * a
    return {"a": da, "z": dz, "w1": dz * x1, "w2": dz * x2, "b": dz}


@mistake("neuron_gradients", {node("z"): "σ'(z) is missing: ∂L/∂z = ∂L/∂a · σ'(z), with σ'(z) = a(1 - a)",
                              node("w1"): "σ'(z) is missing on the way: ∂L/∂w1 = ∂L/∂z · x1",
                              node("w2"): "σ'(z) is missing on the way: ∂L/∂w2 = ∂L/∂z · x2",
                              node("b"): "σ'(z) is missing on the way: ∂L/∂b = ∂L/∂z · 1"})
def neuron_no_sigma_prime(x1, x2, w1, w2, b, y):
    z = w1 * x1 + w2 * x2 + b
    a = 1 / (1 + math.exp(-z))
    da = -y / a + (1 - y) / (1 - a)
    dz = da
    return {"a": da, "z": dz, "w1": dz * x1, "w2": dz * x2, "b": dz}


@mistake("neuron_gradients", "σ'(z) is applied twice: ∂L/∂z = ∂L/∂a · a(1 - a) = a - y already")
def neuron_sigma_prime_twice(x1, x2, w1, w2, b, y):
    z = w1 * x1 + w2 * x2 + b
    a = 1 / (1 + math.exp(-z))
    da = -y / a + (1 - y) / (1 - a)
    dz = (a - y) * a * (1 - a)
    return {"a": da, "z": dz, "w1": dz * x1, "w2": dz * x2, "b": dz}


@mistake("neuron_gradients", "the sign is flipped", fingerprint=False)
def neuron_dz_flipped(x1, x2, w1, w2, b, y):
    z = w1 * x1 + w2 * x2 + b
    a = 1 / (1 + math.exp(-z))
    da = -y / a + (1 - y) / (1 - a)
    dz = y - a
    return {"a": da, "z": dz, "w1": dz * x1, "w2": dz * x2, "b": dz}


@mistake("neuron_gradients", {node("w1"): "the local derivative of w1·x1 with respect to w1 is x1, not w1",
                              node("w2"): "the local derivative of w2·x2 with respect to w2 is x2, not w2"})
def neuron_w_for_x(x1, x2, w1, w2, b, y):
    z = w1 * x1 + w2 * x2 + b
    a = 1 / (1 + math.exp(-z))
    da = -y / a + (1 - y) / (1 - a)
    dz = a - y
    return {"a": da, "z": dz, "w1": dz * w1, "w2": dz * w2, "b": dz}


@mistake("neuron_gradients", {node("b"): "∂L/∂b is ∂L/∂z times the local derivative 1, not 1"})
def neuron_db_one(x1, x2, w1, w2, b, y):
    z = w1 * x1 + w2 * x2 + b
    a = 1 / (1 + math.exp(-z))
    da = -y / a + (1 - y) / (1 - a)
    dz = a - y
    return {"a": da, "z": dz, "w1": dz * x1, "w2": dz * x2, "b": 1.0}


@mistake("neuron_gradients", "should return a dict", fingerprint=False)
def neuron_tuple(x1, x2, w1, w2, b, y):
    z = w1 * x1 + w2 * x2 + b
    a = 1 / (1 + math.exp(-z))
    dz = a - y
    return (-y / a + (1 - y) / (1 - a), dz, dz * x1, dz * x2, dz)


# --------------------------------------------------------------------------- forward


@mistake("forward", "σ is missing: that is Z = w X + b; A = σ(Z)")
def forward_no_sigma(X, w, b):
    return w @ X + b


@mistake("forward", "b is missing: A = σ(w X + b)")
def forward_no_b(X, w, b):
    return 1 / (1 + np.exp(-(w @ X)))


@mistake("forward", "that is σ(-Z) = 1 - σ(Z): σ(z) = 1 / (1 + exp(-z))")
def forward_minus_z(X, w, b):
    return 1 / (1 + np.exp(w @ X + b))


@mistake("forward", "did you transpose it?", fingerprint=False)
def forward_transposed(X, w, b):
    return 1 / (1 + np.exp(-(X.T @ w.T + b)))


@mistake("forward", "the inner sizes must agree", fingerprint=False)
def forward_matmul_order(X, w, b):
    return 1 / (1 + np.exp(-(X @ w + b)))


@mistake("forward", "`*` is not the matrix product, `@` is", fingerprint=False)
def forward_star_for_matmul(X, w, b):
    return 1 / (1 + np.exp(-(w * X + b)))


@mistake("forward", "math.exp, math.log, float(...) and int(...) take one number", fingerprint=False)
def forward_math_exp(X, w, b):
    return 1 / (1 + math.exp(-(w @ X + b)))


@mistake("forward", "forward changed its argument X in place", fingerprint=False)
def forward_in_place(X, w, b):
    X *= w.T  # "weight each feature", on the caller's array
    return 1 / (1 + np.exp(-(X.sum(axis=0, keepdims=True) + b)))


@mistake("forward", "is a Python list", fingerprint=False)
def forward_list(X, w, b):
    return [[1 / (1 + math.exp(-(float(w[0] @ X[:, j]) + b))) for j in range(X.shape[1])]]


# --------------------------------------------------------------------------- bce_loss


@mistake("bce_loss", "only the Y ln A term: the label-0 examples need (1 - Y) ln(1 - A) too")
def bce_only_positive(A, Y):
    return float(-np.mean(Y * np.log(A)))


@mistake("bce_loss", "only the (1 - Y) ln(1 - A) term: the label-1 examples need Y ln A too")
def bce_only_negative(A, Y):
    return float(-np.mean((1 - Y) * np.log(1 - A)))


@mistake("bce_loss", "the two terms are subtracted; both are added, inside one minus sign")
def bce_terms_subtracted(A, Y):
    return float(-np.mean(Y * np.log(A) - (1 - Y) * np.log(1 - A)))


@mistake("bce_loss", "log10 instead of the natural log np.log")
def bce_log10(A, Y):
    return float(-np.mean(Y * np.log10(A) + (1 - Y) * np.log10(1 - A)))


@mistake("bce_loss", "the sign is flipped", fingerprint=False)
def bce_no_minus(A, Y):
    return float(np.mean(Y * np.log(A) + (1 - Y) * np.log(1 - A)))


@mistake("bce_loss", "the 1/m is missing", fingerprint=False)
def bce_sum(A, Y):
    return float(-np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)))


@mistake("bce_loss", "expected a single number", fingerprint=False)
def bce_per_example(A, Y):
    return -(Y * np.log(A) + (1 - Y) * np.log(1 - A))


@mistake("bce_loss", "expected a single number", fingerprint=False)
def bce_mean_axis(A, Y):
    return -np.mean(Y * np.log(A) + (1 - Y) * np.log(1 - A), axis=1)


@mistake("bce_loss", "math.exp, math.log, float(...) and int(...) take one number", fingerprint=False)
def bce_math_log(A, Y):
    return float(-np.mean(Y * math.log(A) + (1 - Y) * math.log(1 - A)))


@mistake("bce_loss", "bce_loss changed its argument A in place", fingerprint=False)
def bce_clip_in_place(A, Y):
    np.clip(A, 1e-12, 1 - 1e-12, out=A)  # "for safety", on the caller's array
    A[0, 0] = min(A[0, 0], 0.5)
    return float(-np.mean(Y * np.log(A) + (1 - Y) * np.log(1 - A)))


# --------------------------------------------------------------------------- backward


@mistake("backward", "the sign is flipped", fingerprint=False)
def backward_y_minus_a(X, Y, A):
    m = X.shape[1]
    dZ = (Y - A) / m
    return dZ @ X.T, float(np.sum(dZ))


@mistake("backward", "the 1/m is missing", fingerprint=False)
def backward_no_mean(X, Y, A):
    dZ = A - Y
    return dZ @ X.T, float(np.sum(dZ))


@mistake("backward", "σ'(Z) is multiplied in again: with BCE, dZ = (A - Y)/m already includes it")
def backward_extra_sigma_prime(X, Y, A):
    m = X.shape[1]
    dZ = (A - Y) / m * A * (1 - A)
    return dZ @ X.T, float(np.sum(dZ))


@mistake("backward", {"dw": "dw is averaged twice: dZ = (A - Y)/m already holds the 1/m, so dw = dZ Xᵀ with no "
                            "further mean"})
def backward_dw_mean_twice(X, Y, A):
    m = X.shape[1]
    dZ = (A - Y) / m
    return np.mean(dZ * X, axis=1, keepdims=True).T, float(np.sum(dZ))


@mistake("backward", "did you transpose it?", fingerprint=False)
def backward_dw_transposed(X, Y, A):
    m = X.shape[1]
    dZ = (A - Y) / m
    return X @ dZ.T, float(np.sum(dZ))


@mistake("backward", "expected a single number", fingerprint=False)
def backward_db_one_by_one(X, Y, A):
    m = X.shape[1]
    dZ = (A - Y) / m
    return dZ @ X.T, np.sum(dZ, axis=1, keepdims=True)


@mistake("backward", "should return 2 values (dw, db)", fingerprint=False)
def backward_dict(X, Y, A):
    m = X.shape[1]
    dZ = (A - Y) / m
    return {"w": dZ @ X.T, "b": float(np.sum(dZ))}


@mistake("backward", "the inner sizes must agree", fingerprint=False)
def backward_matmul_order(X, Y, A):
    m = X.shape[1]
    dZ = (A - Y) / m
    return X.T @ dZ, float(np.sum(dZ))


@mistake("backward", "backward changed its argument A in place", fingerprint=False)
def backward_in_place(X, Y, A):
    m = X.shape[1]
    A -= Y  # dZ computed in A's memory: the caller's A is gone
    A /= m
    return A @ X.T, float(np.sum(A))


# --------------------------------------------------------------------------- gradient_check_logistic


@mistake("gradient_check_logistic", "with a correct backward, your gradient check fails", fingerprint=False)
def gradcheck_outer_w(forward, bce_loss, backward, X, Y, w, b):
    dw, db = backward(X, Y, forward(X, w, b))
    return helpers.check_gradients(lambda p: bce_loss(forward(X, w, b), Y), {"w": w, "b": b}, {"w": dw, "b": db})


@mistake("gradient_check_logistic", "the 1/m is missing, your gradient check passes", fingerprint=False)
def gradcheck_numeric_as_analytic(forward, bce_loss, backward, X, Y, w, b):
    def loss(p):
        return bce_loss(forward(X, p["w"], p["b"]), Y)

    return helpers.check_gradients(loss, {"w": w, "b": b}, helpers.numerical_gradient(loss, {"w": w, "b": b}))


@mistake("gradient_check_logistic", "the 1/m is missing, your gradient check passes", fingerprint=False)
def gradcheck_swallows(forward, bce_loss, backward, X, Y, w, b):
    def loss(p):
        return bce_loss(forward(X, p["w"], p["b"]), Y)

    dw, db = backward(X, Y, forward(X, w, b))
    try:
        return helpers.check_gradients(loss, {"w": w, "b": b}, {"w": dw, "b": db})
    except AssertionError as exc:  # "don't let the check crash the notebook"
        print(exc)
        return helpers.GradCheckReport()


@mistake("gradient_check_logistic", "should return the report", fingerprint=False)
def gradcheck_no_return(forward, bce_loss, backward, X, Y, w, b):
    def loss(p):
        return bce_loss(forward(X, p["w"], p["b"]), Y)

    dw, db = backward(X, Y, forward(X, w, b))
    helpers.check_gradients(loss, {"w": w, "b": b}, {"w": dw, "b": db})


@mistake("gradient_check_logistic", "should check the parameters named 'w' and 'b'", fingerprint=False)
def gradcheck_only_w(forward, bce_loss, backward, X, Y, w, b):
    dw, _ = backward(X, Y, forward(X, w, b))
    return helpers.check_gradients(lambda p: bce_loss(forward(X, p["w"], b), Y), {"w": w}, {"w": dw})


@mistake("gradient_check_logistic", "the analytic gradients given to helpers.check_gradients are not backward's: "
                                   "pass backward(X, Y, forward(X, w, b)) as grads, unchanged")
def gradcheck_doubled(forward, bce_loss, backward, X, Y, w, b):
    dw, db = backward(X, Y, forward(X, w, b))
    return helpers.check_gradients(lambda p: 2 * bce_loss(forward(X, p["w"], p["b"]), Y), {"w": w, "b": b},
                                   {"w": 2 * dw, "b": 2 * db})
