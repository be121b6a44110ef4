"""The checks of lesson 2 accept right answers and diagnose each wrong one.

Every check is run on a correct implementation (it prints one ✓ line, whatever
the seed and sizes) and on deliberately wrong ones, each of which must fail
with the diagnosis a student needs. A stub's NotImplementedError must reach
the test cell untouched.
"""

from __future__ import annotations

import numpy as np
import pytest
from fixturing import on_demand

from helpers.checks import multivariate as checks

fixtures_on_demand = on_demand("02-multivariate")  # right answers and mistakes come from the solution notebook

SIZES = [dict(seed=0, n=3, m=4), dict(seed=1, n=5, m=7), dict(seed=2, n=1, m=6), dict(seed=3, n=4, m=4)]


# --- correct implementations -------------------------------------------------------------------

def forward(X, w, b):
    return w @ X + b


def forward_loop(X, w, b):
    n, m = X.shape
    y_hat = np.zeros((1, m))
    for i in range(m):
        total = b
        for j in range(n):
            total += w[0, j] * X[j, i]
        y_hat[0, i] = total
    return y_hat


def mse_loss(y_hat, y):
    return float(np.mean((y_hat - y) ** 2))


def backward(X, y, y_hat):
    m = X.shape[1]
    dy_hat = (2 / m) * (y_hat - y)
    return dy_hat @ X.T, float(np.sum(dy_hat))


def stub(*args):
    raise NotImplementedError()


# --- right answers pass --------------------------------------------------------------------------

@pytest.mark.parametrize("sizes", SIZES, ids=lambda s: f"n{s['n']}-m{s['m']}")
def test_checks_accept_a_correct_implementation(sizes, capsys):
    """Each check passes a correct implementation, for any seed and sizes, and prints one ✓ line."""
    checks.check_forward(forward, **sizes)
    checks.check_forward_loop(forward_loop, **sizes)
    checks.check_mse_loss(mse_loss, seed=sizes["seed"], m=sizes["m"])
    checks.check_backward_dw(backward, **sizes)
    checks.check_backward_db(backward, **sizes)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 5 and all(line.startswith("✓ ") for line in lines), lines


def test_checks_accept_numbers_of_any_float_type(capsys):
    """A loss or db returned as a numpy float, a Python float or a 0-d array is a number."""
    checks.check_mse_loss(lambda y_hat, y: np.mean((y_hat - y) ** 2))
    checks.check_mse_loss(lambda y_hat, y: np.array(np.mean((y_hat - y) ** 2)))
    checks.check_backward_db(lambda X, y, y_hat: (None, 2 * np.mean(y_hat - y)))
    assert capsys.readouterr().out.count("✓") == 3


@pytest.mark.parametrize("check", [checks.check_forward, checks.check_forward_loop, checks.check_mse_loss,
                                   checks.check_backward_dw, checks.check_backward_db])
def test_a_stub_raises_not_implemented(check):
    """An unfinished exercise fails at its stub, not with an AssertionError from the check."""
    with pytest.raises(NotImplementedError):
        check(stub)


# --- wrong answers are diagnosed -----------------------------------------------------------------

FORWARD_MISTAKES = {
    "bias missing": (lambda X, w, b: w @ X, r"the bias b is missing"),
    "bias subtracted": (lambda X, w, b: w @ X - b, r"b is subtracted"),
    "bias added per feature": (lambda X, w, b: np.sum(w.T * X + b, axis=0, keepdims=True),
                               r"b is added n times"),
    "transposed": (lambda X, w, b: (w @ X + b).T, r"y_hat has shape \(4, 1\), expected \(1, 4\): did you transpose"),
    "1-D": (lambda X, w, b: (w @ X + b).ravel(), r"y_hat has shape \(4,\), expected \(1, 4\): a 1-D array"),
    "wrong axis": (lambda X, w, b: np.sum(w.T * X, axis=1, keepdims=True) + b,
                   r"y_hat has shape \(3, 1\), expected \(1, 4\): summed over the examples \(axis=1\)"),
}


@pytest.mark.parametrize("name", FORWARD_MISTAKES)
@pytest.mark.parametrize("check", [checks.check_forward, checks.check_forward_loop])
def test_forward_mistakes_are_named(check, name):
    """A wrong forward (or forward_loop) fails with the mistake it made."""
    fn, message = FORWARD_MISTAKES[name]
    with pytest.raises(AssertionError, match=message):
        check(fn)


def test_wrong_values_name_the_worst_entry_and_both_values():
    """A wrong value names the array, its shape, the worst entry and what was received and expected."""
    with pytest.raises(AssertionError) as info:
        checks.check_forward(lambda X, w, b: w @ X + b + np.array([[0.0, 0.0, 0.25, 0.0]]))
    msg = str(info.value)
    assert msg.startswith("y_hat has the right shape (1, 4) but wrong values: 1 of 4 entries differ")
    assert "the worst, at (0, 2): received" in msg and "expected" in msg


LOSS_MISTAKES = {
    "sum": (lambda y_hat, y: np.sum((y_hat - y) ** 2), r"m = 5 times too large: the 1/m is missing"),
    "half": (lambda y_hat, y: 0.5 * np.mean((y_hat - y) ** 2), r"no 1/2 in front"),
    "not squared": (lambda y_hat, y: np.mean(y_hat - y), r"the errors are not squared"),
    "absolute": (lambda y_hat, y: np.mean(np.abs(y_hat - y)), r"absolute errors"),
    "rmse": (lambda y_hat, y: np.sqrt(np.mean((y_hat - y) ** 2)), r"RMSE"),
    "mean squared": (lambda y_hat, y: np.mean(y_hat - y) ** 2, r"the mean error, squared"),
    "per example": (lambda y_hat, y: (y_hat - y) ** 2,
                    r"loss has shape \(1, 5\), expected a single number.*one value per example"),
    "1x1": (lambda y_hat, y: np.mean((y_hat - y) ** 2, axis=1, keepdims=True),
            r"loss has shape \(1, 1\), expected a single number"),
    "sign": (lambda y_hat, y: -np.mean((y_hat - y) ** 2), r"the sign is flipped"),
    "no return": (lambda y_hat, y: None, r"forget to `return`"),
}


@pytest.mark.parametrize("name", LOSS_MISTAKES)
def test_mse_loss_mistakes_are_named(name):
    """A wrong mse_loss fails with the mistake it made."""
    fn, message = LOSS_MISTAKES[name]
    with pytest.raises(AssertionError, match=message):
        checks.check_mse_loss(fn)


def _dw(X, y, y_hat):
    return (2 / X.shape[1]) * (y_hat - y) @ X.T


DW_MISTAKES = {
    "X err^T": (lambda X, y, y_hat: (2 / X.shape[1]) * X @ (y_hat - y).T,
                r"dw has shape \(3, 1\), expected \(1, 3\): did you transpose it\? \(2/m\) X \(ŷ - y\)ᵀ"),
    "transposed and scaled": (lambda X, y, y_hat: 3 * _dw(X, y, y_hat).T,
                              r"dw has shape \(3, 1\), expected \(1, 3\): did you transpose it\?"),
    "1-D": (lambda X, y, y_hat: _dw(X, y, y_hat).ravel(), r"dw has shape \(3,\), expected \(1, 3\): a 1-D array"),
    "wrong axis": (lambda X, y, y_hat: (2 / X.shape[1]) * np.sum((y_hat - y) * X, axis=0, keepdims=True),
                   r"dw has shape \(1, 4\), expected \(1, 3\): summed over the wrong axis"),
    "no 1/m": (lambda X, y, y_hat: 2 * (y_hat - y) @ X.T, r"m = 4 times too large: the 1/m is missing"),
    "no 2": (lambda X, y, y_hat: (y_hat - y) @ X.T / X.shape[1], r"factor 2 from differentiating the square"),
    "sign": (lambda X, y, y_hat: (2 / X.shape[1]) * (y - y_hat) @ X.T, r"the sign is flipped"),
    "1/n": (lambda X, y, y_hat: (2 / X.shape[0]) * (y_hat - y) @ X.T, r"divided by n"),
    "y_hat for error": (lambda X, y, y_hat: (2 / X.shape[1]) * y_hat @ X.T, r"used y_hat where the error"),
}


@pytest.mark.parametrize("name", DW_MISTAKES)
def test_backward_dw_mistakes_are_named(name):
    """A wrong dw fails with the mistake it made, whatever db is."""
    fn, message = DW_MISTAKES[name]
    with pytest.raises(AssertionError, match=message):
        checks.check_backward_dw(lambda X, y, y_hat: (fn(X, y, y_hat), "db is not looked at"))


def test_backward_dw_mistake_found_on_other_sizes():
    """The hidden tests' sizes diagnose a transposed dw too."""
    with pytest.raises(AssertionError, match=r"dw has shape \(5, 1\), expected \(1, 5\): did you transpose it\?"):
        checks.check_backward_dw(lambda X, y, y_hat: (_dw(X, y, y_hat).T, 0.0), seed=1, n=5, m=7)


def _sum_err(X, y, y_hat, **kwargs):
    return (2 / X.shape[1]) * np.sum(y_hat - y, **kwargs)


DB_MISTAKES = {
    "1x1": (lambda X, y, y_hat: _sum_err(X, y, y_hat, axis=1, keepdims=True),
            r"db has shape \(1, 1\), expected a single number.*b is one number"),
    "per example": (lambda X, y, y_hat: (2 / X.shape[1]) * (y_hat - y),
                    r"db has shape \(1, 4\), expected a single number.*one value per example"),
    "no 1/m": (lambda X, y, y_hat: 2 * np.sum(y_hat - y), r"the 1/m is missing"),
    "no 2": (lambda X, y, y_hat: np.mean(y_hat - y), r"factor 2 from differentiating the square"),
    "sign": (lambda X, y, y_hat: -_sum_err(X, y, y_hat), r"the sign is flipped"),
    "zero": (lambda X, y, y_hat: 0.0, r"db is 0"),
    "1/n": (lambda X, y, y_hat: (2 / X.shape[0]) * np.sum(y_hat - y), r"divided by n"),
    "y_hat for error": (lambda X, y, y_hat: (2 / X.shape[1]) * np.sum(y_hat), r"used y_hat where the error"),
    "no return": (lambda X, y, y_hat: None, r"db is None"),
}


@pytest.mark.parametrize("name", DB_MISTAKES)
def test_backward_db_mistakes_are_named(name):
    """A wrong db fails with the mistake it made, whatever dw is."""
    fn, message = DB_MISTAKES[name]
    with pytest.raises(AssertionError, match=message):
        checks.check_backward_db(lambda X, y, y_hat: ("dw is not looked at", fn(X, y, y_hat)))


def test_backward_must_return_two_values():
    """Returning only dw is reported as such, by both backward checks."""
    for check in (checks.check_backward_dw, checks.check_backward_db):
        with pytest.raises(AssertionError, match=r"backward should return 2 values \(dw, db\)"):
            check(lambda X, y, y_hat: _dw(X, y, y_hat))


def test_changing_an_input_in_place_is_reported():
    """A function that modifies its caller's array fails even when its answer is right."""
    def backward_in_place(X, y, y_hat):
        y_hat -= y
        m = X.shape[1]
        return (2 / m) * y_hat @ X.T, (2 / m) * float(np.sum(y_hat))

    for check in (checks.check_backward_dw, checks.check_backward_db):
        with pytest.raises(AssertionError, match=r"backward changed its argument y_hat in place"):
            check(backward_in_place)


def test_not_a_function_is_a_type_error():
    """Passing something that is not a function says so."""
    with pytest.raises(TypeError, match=r"forward: expected your function"):
        checks.check_forward(np.zeros((1, 4)))
