"""Wrong answers to the exam-practice sheet's auto-graded questions (``shapes``, ``one_step``, ``dL_dz``,
``differences``). Each is compiled into the namespace it is tested in (``math`` and ``np`` resolve there).
"""

import math

from . import mistake

# --------------------------------------------------------------------------- shapes (named by the shape check)



@mistake("shapes", "it is transposed: one example per column, so m counts columns", fingerprint=False)
def shapes_examples_in_rows(n, k, m):
    return {"W1": (k, n), "b1": (k, 1), "Z": (m, k), "A": (m, k), "w2": (1, k), "y_hat": (m, 1),
            "dy_hat": (m, 1), "dw2": (1, k), "db2": (), "dA": (m, k), "dZ": (m, k), "dW1": (k, n), "db1": (k, 1)}


@mistake("shapes", "a gradient has the shape of its parameter: dW1 has the shape of W1", fingerprint=False)
def shapes_dw1_transposed(n, k, m):
    return {"W1": (k, n), "b1": (k, 1), "Z": (k, m), "A": (k, m), "w2": (1, k), "y_hat": (1, m),
            "dy_hat": (1, m), "dw2": (1, k), "db2": (), "dA": (k, m), "dZ": (k, m), "dW1": (n, k), "db1": (k, 1)}


@mistake("shapes", "a gradient has the shape of its parameter: db2 has the shape of b2", fingerprint=False)
def shapes_db2_matrix(n, k, m):
    return {"W1": (k, n), "b1": (k, 1), "Z": (k, m), "A": (k, m), "w2": (1, k), "y_hat": (1, m),
            "dy_hat": (1, m), "dw2": (1, k), "db2": (1, 1), "dA": (k, m), "dZ": (k, m), "dW1": (k, n), "db1": (k, 1)}


@mistake("shapes", "one prediction per example, in a row", fingerprint=False)
def shapes_flat_prediction(n, k, m):
    return {"W1": (k, n), "b1": (k, 1), "Z": (k, m), "A": (k, m), "w2": (1, k), "y_hat": (m,),
            "dy_hat": (1, m), "dw2": (1, k), "db2": (), "dA": (k, m), "dZ": (k, m), "dW1": (k, n), "db1": (k, 1)}


@mistake("shapes", "should be a tuple of sizes", fingerprint=False)
def shapes_number_for_b1(n, k, m):
    return {"W1": (k, n), "b1": k, "Z": (k, m), "A": (k, m), "w2": (1, k), "y_hat": (1, m),
            "dy_hat": (1, m), "dw2": (1, k), "db2": (), "dA": (k, m), "dZ": (k, m), "dW1": (k, n), "db1": (k, 1)}


@mistake("shapes", "expected (4, 1)", fingerprint=False)
def shapes_fixed_sizes(n, k, m):
    return {"W1": (4, 3), "b1": (4,), "Z": (4, 5), "A": (4, 5), "w2": (1, 4), "y_hat": (1, 5),
            "dy_hat": (1, 5), "dw2": (1, 4), "db2": (), "dA": (4, 5), "dZ": (4, 5), "dW1": (4, 3), "db1": (4,)}


# --------------------------------------------------------------------------- one_step


@mistake("one_step", "the step goes uphill: gradient descent subtracts, w ← w − η ∂L/∂w")
def step_uphill(w, b, x, y, learning_rate):
    d = 2 * (w * x + b - y)
    return w + learning_rate * d * x, b + learning_rate * d


@mistake("one_step", "the factor 2 from the square is missing: ∂L/∂ŷ = 2(ŷ − y)")
def step_no_two(w, b, x, y, learning_rate):
    d = w * x + b - y
    return w - learning_rate * d * x, b - learning_rate * d


@mistake("one_step", "∂L/∂w is missing its factor x: ∂ŷ/∂w = x")
def step_no_x(w, b, x, y, learning_rate):
    d = 2 * (w * x + b - y)
    return w - learning_rate * d, b - learning_rate * d


@mistake("one_step", "these are the gradients, not the new parameters: return w − η ∂L/∂w, b − η ∂L/∂b")
def step_gradients(w, b, x, y, learning_rate):
    d = 2 * (w * x + b - y)
    return d * x, d


@mistake("one_step", "one_step should return 2 values", fingerprint=False)
def step_one_value(w, b, x, y, learning_rate):
    return w - learning_rate * 2 * (w * x + b - y) * x


# --------------------------------------------------------------------------- dL_dz


@mistake("dL_dz", "the sign is flipped: ∂L/∂z = σ(z) − y, not y − σ(z)")
def dz_sign(z, y):
    return y - 1 / (1 + math.exp(-z))


@mistake("dL_dz", "that is ∂L/∂a; multiply by the sigmoid's local derivative a(1 − a) (it cancels to a − y)")
def dz_stops_at_a(z, y):
    a = 1 / (1 + math.exp(-z))
    return -y / a + (1 - y) / (1 - a)


@mistake("dL_dz", "σ'(z) is multiplied in again: ∂L/∂a · σ'(z) is already a − y")
def dz_sigma_prime_twice(z, y):
    a = 1 / (1 + math.exp(-z))
    return (a - y) * a * (1 - a)


@mistake("dL_dz", "the (1 − y) term of the loss is missing: L = −y log a − (1 − y) log(1 − a), so ∂L/∂z = a − y")
def dz_no_one_minus_y(z, y):
    a = 1 / (1 + math.exp(-z))
    return -y * (1 - a)


@mistake("dL_dz", "σ(z) has a sign slip: σ(z) = 1 / (1 + exp(−z)), so ∂L/∂z = σ(z) − y")
def dz_sigmoid_sign_slip(z, y):
    return 1 / (1 + math.exp(z)) - y


# --------------------------------------------------------------------------- differences


@mistake("differences", "the two are swapped: forward is (f(x+ε) − f(x))/ε")
def differences_swapped(x, eps):
    return ((x + eps) ** 3 - (x - eps) ** 3) / (2 * eps), ((x + eps) ** 3 - x ** 3) / eps


@mistake("differences", "the centered difference divides by 2ε, not ε")
def differences_no_two(x, eps):
    return ((x + eps) ** 3 - x ** 3) / eps, ((x + eps) ** 3 - (x - eps) ** 3) / eps


@mistake("differences", "that is the exact derivative 3x², not the difference quotients")
def differences_exact(x, eps):
    return 3 * x * x, 3 * x * x
