"""Wrong implementations of lesson 2's exercises (``forward``, ``forward_loop``, ``mse_loss``, ``backward``).

Each is compiled into the namespace it is tested in (``np`` and the notebook's variables resolve there).
"""

# Free names (the notebook's m, X) resolve in the namespace a mistake is compiled into.
# ruff: noqa: F821

import numpy as np

from . import mistake

NOTEBOOK_X = np.linspace(-1.0, 1.0, 600).reshape(3, 200)  # a notebook's own X, shape (3, 200)

# --------------------------------------------------------------------------- forward and forward_loop


@mistake("forward", "the bias b is missing: y_hat = w X + b")
@mistake("forward_loop", "the bias b is missing: y_hat = w X + b")
def forward_no_bias(X, w, b):
    return w @ X


@mistake("forward", "b is subtracted; the model adds it: y_hat = w X + b")
@mistake("forward_loop", "b is subtracted; the model adds it: y_hat = w X + b")
def forward_minus_bias(X, w, b):
    return w @ X - b


@mistake("forward", "b is added n times (once per feature): add it once, after summing over the features")
@mistake("forward_loop", "b is added n times (once per feature): add it once, after summing over the features")
def forward_bias_per_feature(X, w, b):
    return np.sum(w.T * X + b, axis=0, keepdims=True)


@mistake("forward", "summed over the examples (axis=1) instead of over the features (axis=0)")
@mistake("forward_loop", "summed over the examples (axis=1) instead of over the features (axis=0)")
def forward_wrong_axis(X, w, b):
    return np.sum(w.T * X, axis=1, keepdims=True) + b


@mistake("forward", "did you transpose it?", fingerprint=False)
@mistake("forward_loop", "did you transpose it?", fingerprint=False)
def forward_transposed(X, w, b):
    return (w @ X + b).T


@mistake("forward", "a 1-D array", fingerprint=False)
@mistake("forward_loop", "a 1-D array", fingerprint=False)
def forward_flat(X, w, b):
    return (w @ X + b).ravel()


@mistake("forward", "the inner sizes must agree", fingerprint=False)
def forward_matmul_order(X, w, b):
    return X @ w + b


@mistake("forward", "`*` is not the matrix product, `@` is", fingerprint=False)
def forward_star_for_matmul(X, w, b):
    return w * X + b


@mistake("forward", "forward changed its argument X in place", fingerprint=False)
def forward_in_place(X, w, b):
    X *= w.T
    return np.sum(X, axis=0, keepdims=True) + b


@mistake("forward_loop", "a Python list", fingerprint=False)
def forward_loop_list(X, w, b):
    n, m = X.shape
    return [b + sum(w[0, j] * X[j, i] for j in range(n)) for i in range(m)]


@mistake("forward_loop", "the loop skips the last example: range(m) visits every column")
def forward_loop_off_by_one(X, w, b):
    n, m = X.shape
    y_hat = np.zeros((1, m))
    for i in range(m - 1):
        y_hat[0, i] = b + sum(w[0, j] * X[j, i] for j in range(n))
    return y_hat


@mistake("forward_loop", "does forward_loop use a variable of the notebook", notebook={"X": NOTEBOOK_X},
         fingerprint=False)
def forward_loop_notebook_X(X_in, w, b):
    n, m = X.shape
    y_hat = np.zeros((1, m))
    for i in range(m):
        y_hat[0, i] = b + sum(w[0, j] * X[j, i] for j in range(n))
    return y_hat


# --------------------------------------------------------------------------- mse_loss


@mistake("mse_loss", "half the expected value: this course's loss has no 1/2 in front, L = (1/m) Σ (ŷ - y)²")
def loss_half(y_hat, y):
    return float(np.mean((y_hat - y) ** 2) / 2)


@mistake("mse_loss", "the errors are not squared: square each y_hat - y, then average")
def loss_not_squared(y_hat, y):
    return float(np.mean(y_hat - y))


@mistake("mse_loss", "absolute errors: square each y_hat - y instead of taking its absolute value")
def loss_absolute(y_hat, y):
    return float(np.mean(np.abs(y_hat - y)))


@mistake("mse_loss", "the square root of the loss (that is the RMSE): leave out np.sqrt")
def loss_root(y_hat, y):
    return float(np.sqrt(np.mean((y_hat - y) ** 2)))


@mistake("mse_loss", "the mean error, squared: square each error first, then average, np.mean((y_hat - y) ** 2)")
def loss_mean_squared(y_hat, y):
    return float(np.mean(y_hat - y) ** 2)


@mistake("mse_loss", "m = 5 times too large: the 1/m is missing", fingerprint=False)
def loss_sum(y_hat, y):
    return float(np.sum((y_hat - y) ** 2))


@mistake("mse_loss", "it divides by the notebook's m = 200", notebook={"m": 200}, fingerprint=False)
def loss_notebook_m(y_hat, y):
    return float(np.sum((y_hat - y) ** 2) / m)


@mistake("mse_loss", "one value per example", fingerprint=False)
def loss_per_example(y_hat, y):
    return (y_hat - y) ** 2


# --------------------------------------------------------------------------- backward


@mistake("backward", {"dw": "did you transpose it? (2/m) X (ŷ - y)ᵀ is the transpose of the answer; "
                            "(2/m) (ŷ - y) Xᵀ has the shape of w, (1, n)"})
def backward_transposed(X, y, y_hat):
    m = X.shape[1]
    return (2 / m) * X @ (y_hat - y).T, float((2 / m) * np.sum(y_hat - y))


@mistake("backward", "divided by n (the number of features) instead of m (the number of examples)")
def backward_over_n(X, y, y_hat):
    n = X.shape[0]
    return (2 / n) * (y_hat - y) @ X.T, float((2 / n) * np.sum(y_hat - y))


@mistake("backward", {"dw": "summed over the wrong axis: summing (y_hat - y) * X over axis=0 adds up the features "
                            "of each example; sum over the examples (axis=1) to get one number per feature"})
def backward_wrong_axis(X, y, y_hat):
    m = X.shape[1]
    return (2 / m) * np.sum((y_hat - y) * X, axis=0, keepdims=True), float((2 / m) * np.sum(y_hat - y))


@mistake("backward", "used y_hat where the error y_hat - y belongs")
def backward_y_hat_for_error(X, y, y_hat):
    m = X.shape[1]
    return (2 / m) * y_hat @ X.T, float((2 / m) * np.sum(y_hat))


@mistake("backward", {"db": "db is 0: b shifts every prediction by the same amount, so ∂L/∂b = (2/m) Σ (ŷ - y)"})
def backward_db_zero(X, y, y_hat):
    m = X.shape[1]
    return (2 / m) * (y_hat - y) @ X.T, 0.0


@mistake("backward", "the sign is flipped", fingerprint=False)
def backward_sign(X, y, y_hat):
    m = X.shape[1]
    return (2 / m) * (y - y_hat) @ X.T, float((2 / m) * np.sum(y - y_hat))


@mistake("backward", "the 1/m is missing", fingerprint=False)
def backward_no_mean(X, y, y_hat):
    return 2 * (y_hat - y) @ X.T, float(2 * np.sum(y_hat - y))


@mistake("backward", "the factor 2 from differentiating the square", fingerprint=False)
def backward_no_two(X, y, y_hat):
    m = X.shape[1]
    return (y_hat - y) @ X.T / m, float(np.sum(y_hat - y) / m)


@mistake("backward", "it divides by the notebook's m = 200", notebook={"m": 200}, fingerprint=False)
def backward_notebook_m(X, y, y_hat):
    dy_hat = 2 / m * (y_hat - y)
    return dy_hat @ X.T, float(np.sum(dy_hat))


@mistake("backward", "the inner sizes must agree", fingerprint=False)
def backward_matmul_order(X, y, y_hat):
    m = X.shape[1]
    return (2 / m) * X.T @ (y_hat - y), float((2 / m) * np.sum(y_hat - y))


@mistake("backward", "backward changed its argument y_hat in place", fingerprint=False)
def backward_in_place(X, y, y_hat):
    y_hat -= y
    m = X.shape[1]
    return (2 / m) * y_hat @ X.T, (2 / m) * float(np.sum(y_hat))


@mistake("backward", "backward should return 2 values (dw, db)", fingerprint=False)
def backward_one_value(X, y, y_hat):
    return (2 / X.shape[1]) * (y_hat - y) @ X.T
