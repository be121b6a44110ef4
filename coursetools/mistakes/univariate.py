"""Wrong implementations of lesson 1's exercises (``forward``, ``mse_loss``, ``backward``, ``gradient_descent``).

Each is compiled into the namespace it is tested in, so ``np`` and the loop's ``forward``, ``mse_loss`` and
``backward`` are the names of that namespace (the solution's at release, stand-in tables in a check).
"""

# Free names (forward, backward, the notebook's m) resolve in the namespace a mistake is compiled into.
# ruff: noqa: F821

import numpy as np

from . import mistake

NOTEBOOK_X = np.linspace(-2.0, 2.0, 100)[None, :]  # a notebook's own x, shape (1, 100)

# --------------------------------------------------------------------------- forward


@mistake("forward", "the bias b is missing: ŷ = w x + b, not w x")
def forward_no_bias(x, w, b):
    return w * x


@mistake("forward", "w and b are swapped: ŷ = w x + b, not b x + w")
def forward_swapped(x, w, b):
    return b * x + w


@mistake("forward", "b is multiplied by w as well: ŷ = w x + b, not w (x + b)")
def forward_bias_times_w(x, w, b):
    return w * (x + b)


@mistake("forward", "b is subtracted: ŷ = w x + b, not w x − b")
def forward_minus_bias(x, w, b):
    return w * x - b


@mistake("forward", "the sign is flipped")
def forward_negated(x, w, b):
    return -(w * x + b)


@mistake("forward", "forward changed its argument x in place", fingerprint=False)
def forward_in_place(x, w, b):
    x *= w
    x += b
    return x


@mistake("forward", "does forward use a variable of the notebook (such as x) instead of its argument?",
         notebook={"x": NOTEBOOK_X}, fingerprint=False)
def forward_notebook_x(x_new, w, b):
    return w * x + b  # the notebook's variable


@mistake("forward", "y_hat is a Python list, expected a numpy array", fingerprint=False)
def forward_list(x, w, b):
    return [w * value + b for value in x[0]]


@mistake("forward", "a 1-D array of shape", fingerprint=False)
def forward_flat(x, w, b):
    return (w * x + b).ravel()


@mistake("forward", "did you transpose it?", fingerprint=False)
def forward_transposed(x, w, b):
    return (w * x + b).T


# --------------------------------------------------------------------------- mse_loss


@mistake("mse_loss", "the sum instead of the mean: divide by m (np.mean does)")
def loss_sum(y_hat, y):
    return float(np.sum((y_hat - y) ** 2))


@mistake("mse_loss", "an extra 1/2: this course's loss is (1/m) Σ (ŷ − y)², without ½")
def loss_half(y_hat, y):
    return float(0.5 * np.mean((y_hat - y) ** 2))


@mistake("mse_loss", "the differences are not squared, so positive and negative errors cancel")
def loss_not_squared(y_hat, y):
    return float(np.mean(y_hat - y))


@mistake("mse_loss", "absolute values instead of squares: that is the mean absolute error")
def loss_absolute(y_hat, y):
    return float(np.mean(np.abs(y_hat - y)))


@mistake("mse_loss", "a square root too many: that is the root mean squared error")
def loss_root(y_hat, y):
    return float(np.sqrt(np.mean((y_hat - y) ** 2)))


@mistake("mse_loss", "the mean is squared instead of the squares averaged: square each ŷ − y first, then average")
def loss_mean_squared(y_hat, y):
    return float(np.mean(y_hat - y) ** 2)


@mistake("mse_loss", "divided by m − 1 instead of m")
def loss_m_minus_one(y_hat, y):
    return float(np.sum((y_hat - y) ** 2) / (y.shape[1] - 1))


@mistake("mse_loss", "it divides by the notebook's m = 100", notebook={"m": 100}, fingerprint=False)
def loss_notebook_m(y_hat, y):
    return float(np.sum((y_hat - y) ** 2) / m)  # the notebook's variable


@mistake("mse_loss", "L has shape (1, 5), expected one number (a float): it has one entry per example",
         fingerprint=False)
def loss_unreduced(y_hat, y):
    return (y_hat - y) ** 2


@mistake("mse_loss", "it is an array holding one number", fingerprint=False)
def loss_keepdims(y_hat, y):
    return np.mean((y_hat - y) ** 2, keepdims=True)


@mistake("mse_loss", "mse_loss changed its argument y_hat in place", fingerprint=False)
def loss_in_place(y_hat, y):
    y_hat -= y
    return float(np.mean(y_hat ** 2))


# --------------------------------------------------------------------------- backward


def _times(factor_name):
    """A message naming a constant factor that depends on m, for either output."""

    def text(name, params):
        m = params["m"]
        return {"m/2": f"{name} is m/2 = {m / 2:g} times too large: the 1/m and the factor 2 are both missing",
                "2m": f"{name} is 2m = {2 * m} times too large: the 1/m is missing and there is an extra factor 2",
                }[factor_name]

    return text


@mistake("backward", "the sign is flipped: the error is ŷ − y (y_hat - y), not y − ŷ")
def backward_sign(x, y, y_hat):
    dy_hat = 2 / x.shape[1] * (y - y_hat)
    return float(np.sum(dy_hat * x)), float(np.sum(dy_hat))


@mistake("backward", {"dw": "the factor x is missing, which gives ∂L/∂b: dw = (2/m) Σ (ŷ − y) x (or are dw and db "
                            "swapped?)"})
def backward_dw_without_x(x, y, y_hat):
    dy_hat = 2 / x.shape[1] * (y_hat - y)
    return float(np.sum(dy_hat)), float(np.sum(dy_hat))


@mistake("backward", {"db": "multiplied by x, which gives ∂L/∂w: ∂ŷ/∂b = 1, so db = (2/m) Σ (ŷ − y) (or are dw and "
                            "db swapped?)"})
def backward_db_times_x(x, y, y_hat):
    dy_hat = 2 / x.shape[1] * (y_hat - y)
    return float(np.sum(dy_hat * x)), float(np.sum(dy_hat * x))


@mistake("backward", {"dw": "the product of two sums: multiply (ŷ − y) by x entry by entry first, then sum"})
def backward_product_of_sums(x, y, y_hat):
    dy_hat = 2 / x.shape[1] * (y_hat - y)
    return float(2 * np.mean(y_hat - y) * np.mean(x)), float(np.sum(dy_hat))


@mistake("backward", "{name} is half the right value: the factor 2 from differentiating the square is missing")
def backward_no_two(x, y, y_hat):
    dy_hat = 1 / x.shape[1] * (y_hat - y)
    return float(np.sum(dy_hat * x)), float(np.sum(dy_hat))


@mistake("backward", "{name} is twice the right value: an extra factor 2")
def backward_extra_two(x, y, y_hat):
    dy_hat = 4 / x.shape[1] * (y_hat - y)
    return float(np.sum(dy_hat * x)), float(np.sum(dy_hat))


@mistake("backward", "{name} is m = {m} times too large: the 1/m is missing")
def backward_no_mean(x, y, y_hat):
    dy_hat = 2 * (y_hat - y)
    return float(np.sum(dy_hat * x)), float(np.sum(dy_hat))


@mistake("backward", _times("m/2"))
def backward_no_mean_no_two(x, y, y_hat):
    dy_hat = y_hat - y
    return float(np.sum(dy_hat * x)), float(np.sum(dy_hat))


@mistake("backward", _times("2m"))
def backward_no_mean_extra_two(x, y, y_hat):
    dy_hat = 4 * (y_hat - y)
    return float(np.sum(dy_hat * x)), float(np.sum(dy_hat))


@mistake("backward", "it divides by the notebook's m = 100", notebook={"m": 100}, fingerprint=False)
def backward_notebook_m(x, y, y_hat):
    dy_hat = 2 / m * (y_hat - y)  # the notebook's m, as the lesson's hint reads
    return float(np.sum(dy_hat * x)), float(np.sum(dy_hat))


@mistake("backward", "backward changed its argument y_hat in place", fingerprint=False)
def backward_in_place(x, y, y_hat):
    y_hat -= y
    y_hat *= 2 / x.shape[1]
    return float(np.sum(y_hat * x)), float(np.sum(y_hat))


@mistake("backward", "it has one entry per example: sum", fingerprint=False)
def backward_unsummed(x, y, y_hat):
    dy_hat = 2 / x.shape[1] * (y_hat - y)
    return dy_hat * x, dy_hat


@mistake("backward", "backward should return 2 values (dw, db)", fingerprint=False)
def backward_one_value(x, y, y_hat):
    return float(np.sum(2 / x.shape[1] * (y_hat - y) * x))


# --------------------------------------------------------------------------- gradient_descent
# The loop's forward, mse_loss and backward are those of the namespace the mistake is compiled into.


@mistake("gradient_descent",
         "the parameters move up the gradient: subtract learning_rate · dw (and · db), do not add it")
def descent_ascent(x, y, w, b, learning_rate, steps):
    path, losses = [(w, b)], [mse_loss(forward(x, w, b), y)]
    for _ in range(steps):
        dw, db = backward(x, y, forward(x, w, b))
        w, b = w + learning_rate * dw, b + learning_rate * db
        path.append((w, b))
        losses.append(mse_loss(forward(x, w, b), y))
    return np.array(path), np.array(losses)


@mistake("gradient_descent", "b never changes: update it too, b ← b − learning_rate · db")
def descent_b_fixed(x, y, w, b, learning_rate, steps):
    path, losses = [(w, b)], [mse_loss(forward(x, w, b), y)]
    for _ in range(steps):
        dw, _ = backward(x, y, forward(x, w, b))
        w = w - learning_rate * dw
        path.append((w, b))
        losses.append(mse_loss(forward(x, w, b), y))
    return np.array(path), np.array(losses)


@mistake("gradient_descent", "w never changes: update it too, w ← w − learning_rate · dw")
def descent_w_fixed(x, y, w, b, learning_rate, steps):
    path, losses = [(w, b)], [mse_loss(forward(x, w, b), y)]
    for _ in range(steps):
        _, db = backward(x, y, forward(x, w, b))
        b = b - learning_rate * db
        path.append((w, b))
        losses.append(mse_loss(forward(x, w, b), y))
    return np.array(path), np.array(losses)


@mistake("gradient_descent", "the gradients never change: compute y_hat, dw and db again inside the loop, at the "
                             "current w and b")
def descent_stale(x, y, w, b, learning_rate, steps):
    dw, db = backward(x, y, forward(x, w, b))
    path, losses = [(w, b)], [mse_loss(forward(x, w, b), y)]
    for _ in range(steps):
        w, b = w - learning_rate * dw, b - learning_rate * db
        path.append((w, b))
        losses.append(mse_loss(forward(x, w, b), y))
    return np.array(path), np.array(losses)


@mistake("gradient_descent", "the learning rate is missing: the step is learning_rate · dw, not dw")
def descent_no_rate(x, y, w, b, learning_rate, steps):
    path, losses = [(w, b)], [mse_loss(forward(x, w, b), y)]
    for _ in range(steps):
        dw, db = backward(x, y, forward(x, w, b))
        w, b = w - dw, b - db
        path.append((w, b))
        losses.append(mse_loss(forward(x, w, b), y))
    return np.array(path), np.array(losses)


@mistake("gradient_descent", {
    "path": "row 0, the starting point (w, b), is missing: record where you start, then one row per update",
    "losses": "the loss at the starting point is missing: losses[t] is the loss at row t of path"})
def descent_no_start(x, y, w, b, learning_rate, steps):
    path, losses = [], []
    for _ in range(steps):
        dw, db = backward(x, y, forward(x, w, b))
        w, b = w - learning_rate * dw, b - learning_rate * db
        path.append((w, b))
        losses.append(mse_loss(forward(x, w, b), y))
    return np.array(path), np.array(losses)


@mistake("gradient_descent", {
    "path": "the point after the last update is missing: record (w, b) after every update",
    "losses": "the loss after the last update is missing: losses[t] is the loss at row t of path"})
def descent_no_end(x, y, w, b, learning_rate, steps):
    path, losses = [], []
    for _ in range(steps):
        y_hat = forward(x, w, b)
        path.append((w, b))
        losses.append(mse_loss(y_hat, y))
        dw, db = backward(x, y, y_hat)
        w, b = w - learning_rate * dw, b - learning_rate * db
    return np.array(path), np.array(losses)


@mistake("gradient_descent", "one update too many: the loop runs steps + 1 times; range(steps) gives steps updates")
def descent_one_too_many(x, y, w, b, learning_rate, steps):
    path, losses = [(w, b)], [mse_loss(forward(x, w, b), y)]
    for _ in range(steps + 1):
        dw, db = backward(x, y, forward(x, w, b))
        w, b = w - learning_rate * dw, b - learning_rate * db
        path.append((w, b))
        losses.append(mse_loss(forward(x, w, b), y))
    return np.array(path), np.array(losses)


@mistake("gradient_descent", {
    "path": "every row of path is the last point: the loop appends the same array each time and then changes it "
            "in place (p -= ...), so every row shows its final value; append a copy, or build a new array"})
def descent_same_array(x, y, w, b, learning_rate, steps):
    point = np.array([w, b], dtype=float)
    path, losses = [point], [mse_loss(forward(x, point[0], point[1]), y)]
    for _ in range(steps):
        dw, db = backward(x, y, forward(x, point[0], point[1]))
        point -= learning_rate * np.array([dw, db])
        path.append(point)
        losses.append(mse_loss(forward(x, point[0], point[1]), y))
    return np.array(path), np.array(losses)


@mistake("gradient_descent", "gradient_descent should return 2 values (path, losses)", fingerprint=False)
def descent_three_values(x, y, w, b, learning_rate, steps):
    path, losses = [(w, b)], [mse_loss(forward(x, w, b), y)]
    for _ in range(steps):
        dw, db = backward(x, y, forward(x, w, b))
        w, b = w - learning_rate * dw, b - learning_rate * db
        path.append((w, b))
        losses.append(mse_loss(forward(x, w, b), y))
    return w, b, np.array(losses)
