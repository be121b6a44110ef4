"""The checks of lesson 1 (``helpers.checks.univariate``): right answers pass, each wrong one is diagnosed."""

from __future__ import annotations

import numpy as np
import pytest
from fixturing import entry_for, on_demand

from helpers.checks import univariate as checks

fixtures_on_demand = on_demand("01-univariate")  # right answers and mistakes come from the solution notebook

# Sizes and seeds the hidden tests might use, besides the visible defaults (m = 5, seed = 0).
CASES = [(0, 5), (1, 7), (2, 1), (3, 13), (42, 100)]


# --------------------------------------------------------------------------- right answers


def forward(x, w, b):
    return w * x + b


def mse_loss(y_hat, y):
    return float(np.mean((y_hat - y) ** 2))


def backward(x, y, y_hat):
    dy_hat = 2 * (y_hat - y) / x.shape[1]
    return np.sum(dy_hat * x), np.sum(dy_hat)


def gradient_descent(x, y, w, b, learning_rate, steps):
    path, losses = [(w, b)], [mse_loss(forward(x, w, b), y)]
    for _ in range(steps):
        dw, db = backward(x, y, forward(x, w, b))
        w, b = w - learning_rate * dw, b - learning_rate * db
        path.append((w, b))
        losses.append(mse_loss(forward(x, w, b), y))
    return np.array(path), np.array(losses)


def _rejects(check, fn, *fragments, **kwargs):
    """Run a check that must fail; return its message after checking it holds every fragment."""
    with pytest.raises(AssertionError) as info:
        check(fn, **kwargs)
    msg = str(info.value)
    for fragment in fragments:
        assert fragment in msg, f"expected {fragment!r} in the message:\n{msg}"
    return msg


@pytest.mark.parametrize("seed, m", CASES)
def test_every_check_accepts_a_right_answer_and_prints_one_tick(seed, m, capsys):
    """Correct functions pass every check, for several seeds and sizes, with one ✓ line each."""
    checks.check_forward(forward, seed=seed, m=m)
    checks.check_mse_loss(mse_loss, seed=seed, m=m)
    checks.check_backward_dw(backward, seed=seed, m=m)
    checks.check_backward_db(backward, seed=seed, m=m)
    checks.check_gradient_descent(gradient_descent, seed=seed, m=m, steps=4, learning_rate=0.05)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 5 and all(line.startswith("✓ ") for line in lines), lines


def test_right_answers_written_differently_also_pass(capsys):
    """Sums divided by m, numpy scalars, lists of tuples: any correct form is accepted."""
    checks.check_mse_loss(lambda y_hat, y: np.sum((y - y_hat) ** 2) / y.shape[1])
    checks.check_backward_dw(lambda x, y, y_hat: [2 * np.mean((y_hat - y) * x), 0.0])
    checks.check_backward_db(lambda x, y, y_hat: (0.0, float(2 * np.mean(y_hat - y))))

    def descent_as_lists(x, y, w, b, learning_rate, steps):
        path, losses = gradient_descent(x, y, w, b, learning_rate, steps)
        return [tuple(row) for row in path.tolist()], losses.tolist()

    checks.check_gradient_descent(descent_as_lists)
    assert capsys.readouterr().out.count("✓") == 4


def test_a_stub_fails_with_its_own_not_implemented_error():
    """NotImplementedError from an unfinished exercise propagates out of every check unchanged."""
    def stub(*args):
        raise NotImplementedError()

    for check in (checks.check_forward, checks.check_mse_loss, checks.check_backward_dw,
                  checks.check_backward_db, checks.check_gradient_descent):
        with pytest.raises(NotImplementedError):
            check(stub)


def test_a_check_given_something_that_is_not_a_function_says_so():
    """Passing the result instead of the function is a TypeError naming the exercise."""
    with pytest.raises(TypeError, match=r"^forward: expected your function forward\(\.\.\.\), received ndarray$"):
        checks.check_forward(np.zeros((1, 5)))


# --------------------------------------------------------------------------- forward


@pytest.mark.parametrize("wrong, diagnosis", [
    (lambda x, w, b: w * x, "the bias b is missing"),
    (lambda x, w, b: b * x + w, "w and b are swapped"),
    (lambda x, w, b: w * (x + b), "b is multiplied by w as well"),
    (lambda x, w, b: w * x - b, "b is subtracted"),
    (lambda x, w, b: -(w * x + b), "the sign is flipped"),
])
def test_check_forward_names_the_mistake(wrong, diagnosis):
    """A wrong forward pass gets the array, the shape, the worst entry with both values, and the mistake."""
    msg = _rejects(checks.check_forward, wrong, "y_hat has the right shape (1, 5) but wrong values",
                   "the worst, at (0, ", "received ", "expected ", f"Likely mistake: {diagnosis}")
    assert msg.count("Likely mistake") == 1


def test_check_forward_shape_mistakes():
    """A 1-D answer, a transposed one, and one built from the notebook's own x are each named."""
    _rejects(checks.check_forward, lambda x, w, b: (w * x + b).ravel(),
             "y_hat has shape (5,), expected (1, 5): a 1-D array of shape (5,); keep it 2-D")
    _rejects(checks.check_forward, lambda x, w, b: (w * x + b).T,
             "y_hat has shape (5, 1), expected (1, 5): did you transpose it?")
    notebook_x = np.linspace(-2, 2, 100)[None, :]
    _rejects(checks.check_forward, lambda x, w, b: w * notebook_x + b,
             "y_hat has shape (1, 100), expected (1, 5)", "the x passed in has 5",
             "instead of its argument")


def test_check_forward_other_sizes_use_other_data():
    """A hidden test with another seed and size rejects an answer that only fits the visible one."""
    memorised = entry_for("01-univariate", "check_forward", {"m": 5, "seed": 0})["expected"]["y_hat"]
    # the visible test already runs a probe of another size, so the memorised answer fails it too
    _rejects(checks.check_forward, lambda x, w, b: memorised, "forward is right for m = 5 but not for m = 8",
             "y_hat has shape (1, 5), expected (1, 8)")
    _rejects(checks.check_forward, lambda x, w, b: memorised, "y_hat has shape (1, 5), expected (1, 7)",
             seed=1, m=7)
    _rejects(checks.check_forward, lambda x, w, b: memorised, "wrong values", seed=1, m=5)


# --------------------------------------------------------------------------- mse_loss


@pytest.mark.parametrize("wrong, diagnosis", [
    (lambda y_hat, y: np.sum((y_hat - y) ** 2), "the sum instead of the mean"),
    (lambda y_hat, y: 0.5 * np.mean((y_hat - y) ** 2), "an extra 1/2"),
    (lambda y_hat, y: np.mean(y_hat - y), "the differences are not squared"),
    (lambda y_hat, y: np.mean(np.abs(y_hat - y)), "absolute values instead of squares"),
    (lambda y_hat, y: np.sqrt(np.mean((y_hat - y) ** 2)), "a square root too many"),
    (lambda y_hat, y: np.mean(y_hat - y) ** 2, "the mean is squared instead of the squares averaged"),
    (lambda y_hat, y: np.sum((y_hat - y) ** 2) / (y.shape[1] - 1), "divided by m − 1 instead of m"),
])
def test_check_mse_loss_names_the_mistake(wrong, diagnosis):
    """A wrong loss gets both values and the likely mistake."""
    _rejects(checks.check_mse_loss, wrong, "L has the right shape () but a wrong value: received ",
             ", expected ", diagnosis)


def test_check_mse_loss_wants_one_number():
    """An unreduced array, or a (1, 1) array from keepdims, is refused with how to fix it."""
    _rejects(checks.check_mse_loss, lambda y_hat, y: (y_hat - y) ** 2,
             "L has shape (1, 5), expected one number (a float): it has one entry per example")
    _rejects(checks.check_mse_loss, lambda y_hat, y: np.mean((y_hat - y) ** 2, keepdims=True),
             "L has shape (1, 1), expected one number (a float): it is an array holding one number")
    _rejects(checks.check_mse_loss, lambda y_hat, y: None,
             "L is None, expected one number: did mse_loss forget to `return` it?")


# --------------------------------------------------------------------------- backward


def _grads(x, y, y_hat):
    r = y_hat - y
    m = x.shape[1]
    return r, m


@pytest.mark.parametrize("wrong_dw, diagnosis", [
    (lambda r, x, m: 2 / m * np.sum(-r * x), "the sign is flipped: the error is ŷ − y"),
    (lambda r, x, m: 1 / m * np.sum(r * x), "dw is half the right value: the factor 2 from differentiating"),
    (lambda r, x, m: 2 * np.sum(r * x), "dw is m = 7 times too large: the 1/m is missing"),
    (lambda r, x, m: np.sum(r * x), "dw is m/2 = 3.5 times too large: the 1/m and the factor 2 are both missing"),
    (lambda r, x, m: 4 * np.sum(r * x), "dw is 2m = 14 times too large"),
    (lambda r, x, m: 2 / m * np.sum(r), "the factor x is missing"),
    (lambda r, x, m: 2 * np.mean(r) * np.mean(x), "the product of two sums"),
    (lambda r, x, m: 4 / m * np.sum(r * x), "dw is twice the right value: an extra factor 2"),
])
def test_check_backward_dw_names_the_mistake(wrong_dw, diagnosis):
    """A wrong dw gets both values and the likely mistake; db is not looked at."""
    def wrong(x, y, y_hat):
        r, m = _grads(x, y, y_hat)
        return wrong_dw(r, x, m), "db is not checked here"

    _rejects(checks.check_backward_dw, wrong, "dw has the right shape () but a wrong value: received ",
             ", expected ", f"Likely mistake: {diagnosis}", m=7)


@pytest.mark.parametrize("wrong_db, diagnosis", [
    (lambda r, x, m: 2 / m * np.sum(-r), "the sign is flipped: the error is ŷ − y"),
    (lambda r, x, m: np.mean(r), "db is half the right value: the factor 2 from differentiating"),
    (lambda r, x, m: 2 * np.sum(r), "db is m = 7 times too large: the 1/m is missing"),
    (lambda r, x, m: 2 / m * np.sum(r * x), "multiplied by x, which gives ∂L/∂w"),
])
def test_check_backward_db_names_the_mistake(wrong_db, diagnosis):
    """A wrong db gets both values and the likely mistake; dw is not looked at."""
    def wrong(x, y, y_hat):
        r, m = _grads(x, y, y_hat)
        return "dw is not checked here", wrong_db(r, x, m)

    _rejects(checks.check_backward_db, wrong, "db has the right shape () but a wrong value: received ",
             ", expected ", f"Likely mistake: {diagnosis}", m=7)


def test_dw_and_db_are_graded_independently(capsys):
    """A backward with a right dw and a wrong db passes the dw check and fails the db check."""
    def half_right(x, y, y_hat):
        dw, db = backward(x, y, y_hat)
        return dw, -db

    checks.check_backward_dw(half_right)
    _rejects(checks.check_backward_db, half_right, "the sign is flipped")
    assert capsys.readouterr().out.startswith("✓ backward: dw")


def test_swapped_gradients_are_named_in_both_checks():
    """Returning (db, dw) is recognised from either side."""
    def swapped(x, y, y_hat):
        dw, db = backward(x, y, y_hat)
        return db, dw

    _rejects(checks.check_backward_dw, swapped, "or are dw and db swapped?")
    _rejects(checks.check_backward_db, swapped, "or are dw and db swapped?")


def test_check_backward_wants_two_numbers():
    """Unsummed gradients, a single return value and (1, 1) arrays are each refused precisely."""
    _rejects(checks.check_backward_dw, lambda x, y, y_hat: (2 * (y_hat - y) * x, 0.0),
             "dw has shape (1, 5), expected one number (a float): it has one entry per example: sum")
    _rejects(checks.check_backward_db, lambda x, y, y_hat: (0.0, np.sum(y_hat - y, keepdims=True)),
             "db has shape (1, 1), expected one number (a float): it is an array holding one number")
    _rejects(checks.check_backward_dw, lambda x, y, y_hat: 1.0,
             "backward should return 2 values (dw, db), received one float")


# --------------------------------------------------------------------------- gradient_descent


def _descent_with(update):
    """A gradient descent whose update step is ``update(w, b, dw, db, lr) -> (w, b)``."""
    def descent(x, y, w, b, learning_rate, steps):
        path, losses = [(w, b)], [mse_loss(forward(x, w, b), y)]
        for _ in range(steps):
            dw, db = backward(x, y, forward(x, w, b))
            w, b = update(w, b, dw, db, learning_rate)
            path.append((w, b))
            losses.append(mse_loss(forward(x, w, b), y))
        return np.array(path), np.array(losses)
    return descent


def _stale(x, y, w, b, learning_rate, steps):
    dw, db = backward(x, y, forward(x, w, b))
    path, losses = [(w, b)], [mse_loss(forward(x, w, b), y)]
    for _ in range(steps):
        w, b = w - learning_rate * dw, b - learning_rate * db
        path.append((w, b))
        losses.append(mse_loss(forward(x, w, b), y))
    return np.array(path), np.array(losses)


@pytest.mark.parametrize("wrong, diagnosis", [
    (_descent_with(lambda w, b, dw, db, lr: (w + lr * dw, b + lr * db)), "the parameters move up the gradient"),
    (_descent_with(lambda w, b, dw, db, lr: (w - lr * dw, b)), "b never changes"),
    (_descent_with(lambda w, b, dw, db, lr: (w, b - lr * db)), "w never changes"),
    (_descent_with(lambda w, b, dw, db, lr: (w - dw, b - db)), "the learning rate is missing"),
    (_stale, "the gradients never change"),
])
def test_check_gradient_descent_names_the_mistake(wrong, diagnosis):
    """A wrong loop gets the path's worst entry with both values and the likely mistake."""
    _rejects(checks.check_gradient_descent, wrong, "path has the right shape (4, 2) but wrong values",
             "the worst, at (", f"Likely mistake: {diagnosis}")


def test_check_gradient_descent_names_missing_rows():
    """A path or losses without its first or last entry is named, not just called the wrong shape."""
    def cut(path_slice=slice(None), loss_slice=slice(None)):
        def descent(*args):
            path, losses = gradient_descent(*args)
            return path[path_slice], losses[loss_slice]
        return descent

    _rejects(checks.check_gradient_descent, cut(path_slice=slice(1, None)),
             "path has shape (3, 2), expected (4, 2): row 0, the starting point (w, b), is missing")
    _rejects(checks.check_gradient_descent, cut(path_slice=slice(None, -1)),
             "path has shape (3, 2), expected (4, 2): the point after the last update is missing")
    _rejects(checks.check_gradient_descent, cut(loss_slice=slice(1, None)),
             "losses has shape (3,), expected (4,): the loss at the starting point is missing")
    _rejects(checks.check_gradient_descent, cut(loss_slice=slice(None, -1)),
             "losses has shape (3,), expected (4,): the loss after the last update is missing")
    _rejects(checks.check_gradient_descent, lambda *args: (gradient_descent(*args)[0].T, None),
             "path has shape (2, 4), expected (4, 2): did you transpose it?")


def test_check_gradient_descent_points_back_to_the_other_exercises_when_it_cannot_tell():
    """An unrecognised wrong path says the loop relies on forward, mse_loss and backward."""
    wrong = _descent_with(lambda w, b, dw, db, lr: (w - lr * dw, b - 0.5 * lr * db))
    # the stand-ins answer only at the points a correct (or a known wrong) loop visits
    _rejects(checks.check_gradient_descent, wrong, "call 3 of forward got arguments the correct gradient_descent "
             "never passes", "This test runs your gradient_descent with correct forward, mse_loss and backward "
             "functions", "the mistake is in gradient_descent itself")

    def wrong_losses(*args):
        path, losses = gradient_descent(*args)
        return path, losses + 1.0

    msg = _rejects(checks.check_gradient_descent, wrong_losses, "losses has the right shape (4,)",
                   "the mistake is in the loop itself")
    assert "Likely mistake" not in msg


def test_check_gradient_descent_grades_the_loop_alone():
    """A right loop passes even when the forward, mse_loss and backward around it are wrong or stubs;
    the student's own functions are back in place afterwards, also when the check fails."""
    namespace = {"np": np}
    exec(
        "def forward(x, w, b):\n"
        "    raise NotImplementedError()\n"
        "def mse_loss(y_hat, y):\n"
        "    return 0.0\n"
        "def gradient_descent(x, y, w, b, learning_rate, steps):\n"
        "    y_hat = forward(x, w, b)\n"
        "    path, losses = [(w, b)], [mse_loss(y_hat, y)]\n"
        "    for _ in range(steps):\n"
        "        dw, db = backward(x, y, y_hat)\n"
        "        w, b = w - learning_rate * dw, b - learning_rate * db\n"
        "        y_hat = forward(x, w, b)\n"
        "        path.append((w, b))\n"
        "        losses.append(mse_loss(y_hat, y))\n"
        "    return np.array(path), np.array(losses)\n"
        "def ascent(x, y, w, b, learning_rate, steps):\n"
        "    return gradient_descent(x, y, w, b, -learning_rate, steps)\n",
        namespace)
    before = dict(namespace)
    checks.check_gradient_descent(namespace["gradient_descent"])  # no backward defined at all
    assert namespace == before
    _rejects(checks.check_gradient_descent, namespace["ascent"], "the parameters move up the gradient")
    assert namespace == before
    with pytest.raises(NotImplementedError):
        namespace["gradient_descent"](np.zeros((1, 3)), np.zeros((1, 3)), 0.0, 0.0, 0.1, 2)


def test_check_gradient_descent_needs_a_pair():
    """Returning the final (w, b, losses) instead of (path, losses) is refused with what is expected."""
    def three(*args):
        path, losses = gradient_descent(*args)
        return path[-1, 0], path[-1, 1], losses

    _rejects(checks.check_gradient_descent, three,
             "gradient_descent should return 2 values (path, losses), received 3 values")
