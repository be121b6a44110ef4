"""The checks of lesson 5 accept right answers and diagnose each wrong one.

The right answers are written here independently of the checks (with
``1 / (1 + exp(-z))`` and plain formulas); every known mistake is a
deliberately wrong function that must fail with its diagnosis, and a stub's
NotImplementedError must reach the test cell untouched.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from fixturing import on_demand

import helpers
from helpers.checks import backprop as checks

fixtures_on_demand = on_demand("05-backprop-by-hand")  # right answers and mistakes come from the solution notebook

SEEDS = [0, 1, 7, 123]


# --- correct implementations -------------------------------------------------------------------

def sig(z):
    return 1 / (1 + np.exp(-z))


def local_gradients(x, y, *, wrong=None):
    s = sig(x)
    out = {"mul": (y, x), "pow": y * x ** (y - 1), "exp": math.exp(x), "log": 1 / x, "sigmoid": s * (1 - s),
           "tanh": 1 - math.tanh(x) ** 2}
    out.update(wrong or {})
    return out


def neuron_gradients(x1, x2, w1, w2, b, y, *, mistake=None):
    z = w1 * x1 + w2 * x2 + b
    a = sig(z)
    da = -y / a + (1 - y) / (1 - a)
    dz = a - y
    if mistake == "sigma for sigma'":
        dz = da * a
    if mistake == "dz flipped":
        dz = y - a
    dw1 = dz * (w1 if mistake == "w for x" else x1)
    return {"a": da, "z": dz, "w1": dw1, "w2": dz * x2, "b": dz}


def forward(X, w, b):
    return sig(w @ X + b)


def bce_loss(A, Y):
    return float(-np.mean(Y * np.log(A) + (1 - Y) * np.log(1 - A)))


def backward(X, Y, A, *, mistake=None):
    m = X.shape[1]
    dZ = (A - Y) / m
    if mistake == "Y - A":
        dZ = -dZ
    if mistake == "no 1/m":
        dZ = A - Y
    if mistake == "extra sigma'":
        dZ = dZ * A * (1 - A)
    dw = X @ dZ.T if mistake == "transposed" else dZ @ X.T
    db = np.sum(dZ, axis=1, keepdims=True) if mistake == "db 1x1" else float(np.sum(dZ))
    return dw, db


def gradient_check_logistic(forward, bce_loss, backward, X, Y, w, b):
    def loss(params):
        return bce_loss(forward(X, params["w"], params["b"]), Y)
    dw, db = backward(X, Y, forward(X, w, b))
    return helpers.check_gradients(loss, {"w": w, "b": b}, {"w": dw, "b": db})


def stub(*args, **kwargs):
    raise NotImplementedError()


# --- right answers pass ------------------------------------------------------------------------

@pytest.mark.parametrize("seed", SEEDS)
def test_checks_accept_a_correct_implementation(seed, capsys):
    """Every check passes a correct implementation, for any seed and sizes, and prints one ✓ line each."""
    checks.check_local_gradients(local_gradients, seed=seed)
    checks.check_local_gradients(local_gradients, ops=["mul"], seed=seed)
    checks.check_neuron_gradients(neuron_gradients, seed=seed)
    checks.check_neuron_gradients(neuron_gradients, nodes=["b"], point=(1.0, 2.0, 0.5, -0.25, 0.0, 1.0))
    checks.check_forward(forward, seed=seed, n=1 + seed % 4, m=2 + seed % 5)
    checks.check_bce_loss(bce_loss, seed=seed, m=1 + seed % 6)
    checks.check_backward_dw(backward, seed=seed, n=2, m=3 + seed % 4)
    checks.check_backward_db(backward, seed=seed, n=2, m=3 + seed % 4)
    checks.check_gradient_check_logistic(gradient_check_logistic, seed=seed, n=2, m=4)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 9 and all(line.startswith("✓ ") for line in lines), lines


def test_numbers_may_be_numpy_numbers_or_0d_arrays(capsys):
    """A number returned as a numpy float or a 0-d array is accepted."""
    for convert in (np.float64, np.array):
        checks.check_bce_loss(lambda A, Y, c=convert: c(bce_loss(A, Y)))
        checks.check_backward_db(lambda X, Y, A, c=convert: (backward(X, Y, A)[0], c(backward(X, Y, A)[1])))
        checks.check_neuron_gradients(lambda *args, c=convert: {k: c(v) for k, v in neuron_gradients(*args).items()})
    assert capsys.readouterr().out.count("✓") == 6


ALL_CHECKS = [checks.check_local_gradients, checks.check_neuron_gradients, checks.check_forward,
              checks.check_bce_loss, checks.check_backward_dw, checks.check_backward_db,
              checks.check_gradient_check_logistic]


@pytest.mark.parametrize("check", ALL_CHECKS, ids=lambda c: c.__name__)
def test_a_stub_raises_not_implemented(check):
    """An unfinished exercise fails at its stub, not with an AssertionError from the check."""
    with pytest.raises(NotImplementedError):
        check(stub)


@pytest.mark.parametrize("call, message", [
    (lambda: checks.check_local_gradients(local_gradients, ops=["div"]), r"ops: expected some of \['mul'"),
    (lambda: checks.check_neuron_gradients(neuron_gradients, nodes=[]), r"nodes: expected some of \['a'"),
    (lambda: checks.check_gradient_check_logistic(gradient_check_logistic, m=1), r"m: expected a number >= 2"),
])
def test_bad_check_arguments_are_refused(call, message):
    """A typo in a test cell's arguments is a ValueError naming the argument and the choices."""
    with pytest.raises(ValueError, match=message):
        call()


# --- wrong answers are diagnosed ---------------------------------------------------------------


LOCAL_MISTAKES = {
    "mul swapped": ("mul", lambda x, y: (x, y), "the two are swapped"),
    "mul ones": ("mul", lambda x, y: (1.0, 1.0), "each is the other factor, not 1"),
    "mul one number": ("mul", lambda x, y: x * y, "should be a pair of numbers"),
    "pow no y": ("pow", lambda x, y: x ** (y - 1), "the factor y is missing"),
    "pow no -1": ("pow", lambda x, y: y * x ** y, "the exponent should drop by one"),
    "log itself": ("log", lambda x, y: math.log(x), "that is ln x itself"),
    "log minus": ("log", lambda x, y: -1 / x, "that is -1/x"),
    "sigmoid itself": ("sigmoid", lambda x, y: sig(x), r"that is σ\(x\) itself"),
    "sigmoid no s": ("sigmoid", lambda x, y: 1 - sig(x), r"the factor σ\(x\) is missing"),
    "tanh no square": ("tanh", lambda x, y: 1 - math.tanh(x), "the square is missing"),
    "tanh plus": ("tanh", lambda x, y: 1 + math.tanh(x) ** 2, "the sign is wrong"),
    "exp power rule": ("exp", lambda x, y: x * math.exp(x - 1), "the power rule"),
    "exp array": ("exp", lambda x, y: np.array([math.exp(x)]), r"has shape \(1,\), expected a single number"),
}


@pytest.mark.parametrize("case", LOCAL_MISTAKES)
def test_local_gradient_mistakes_are_diagnosed(case):
    """Each classic slip in a local derivative fails its check with the diagnosis, naming the op."""
    op, wrong, message = LOCAL_MISTAKES[case]

    def student(x, y):
        return local_gradients(x, y, wrong={op: wrong(x, y)})

    with pytest.raises(AssertionError, match=message) as info:
        checks.check_local_gradients(student, ops=[op], seed=3)
    assert f"local_gradients(x, y)[{op!r}]" in str(info.value)


def test_local_gradients_other_entries_are_not_graded():
    """A test cell grades only its ops: a wrong tanh does not cost the mul entry."""
    checks.check_local_gradients(lambda x, y: local_gradients(x, y, wrong={"tanh": 0.0}), ops=["mul", "pow"])
    with pytest.raises(AssertionError, match="no key 'log'"):
        checks.check_local_gradients(lambda x, y: {"mul": (y, x)}, ops=["mul", "log"])
    with pytest.raises(AssertionError, match="should return a dict"):
        checks.check_local_gradients(lambda x, y: [y, x], ops=["mul"])


@pytest.mark.parametrize("mistake, node, message", [
    ("sigma for sigma'", "z", r"σ'\(z\) is written as σ\(z\) = a"),
    ("dz flipped", "z", "the sign is flipped"),
    ("w for x", "w1", "the local derivative of w1·x1 with respect to w1 is x1, not w1"),
])
def test_neuron_gradient_mistakes_are_diagnosed(mistake, node, message):
    """Wrong ∂L/∂z and ∂L/∂w1 fail with the likely slip named."""
    def student(*args):
        return neuron_gradients(*args, mistake=mistake)
    with pytest.raises(AssertionError, match=message):
        checks.check_neuron_gradients(student, nodes=[node], seed=2)


def test_neuron_da_mistakes_are_diagnosed():
    """Forgetting the second term of BCE's derivative is named."""
    def student(x1, x2, w1, w2, b, y):
        a = sig(w1 * x1 + w2 * x2 + b)
        return {**neuron_gradients(x1, x2, w1, w2, b, y), "a": -y / a}
    with pytest.raises(AssertionError, match="only the y ln a term"):
        checks.check_neuron_gradients(student, nodes=["a"], point=(1.0, 2.0, 0.5, -0.25, 0.3, 0.0))


@pytest.mark.parametrize("wrong, message", [
    (lambda X, w, b: w @ X + b, "σ is missing"),
    (lambda X, w, b: sig(w @ X), "b is missing"),
    (lambda X, w, b: sig(-(w @ X + b)), r"that is σ\(-Z\)"),
    (lambda X, w, b: sig(X.T @ w.T + b), r"A has shape \(5, 1\), expected \(1, 5\): did you transpose it"),
])
def test_forward_mistakes_are_diagnosed(wrong, message):
    """forward without σ, without b, with σ(-Z) or transposed fails with the diagnosis."""
    with pytest.raises(AssertionError, match=message):
        checks.check_forward(wrong)


@pytest.mark.parametrize("wrong, message", [
    (lambda A, Y: -bce_loss(A, Y), "the sign is flipped"),
    (lambda A, Y: bce_loss(A, Y) * A.shape[1], "the 1/m is missing"),
    (lambda A, Y: float(-np.mean(Y * np.log(A))), "only the Y ln A term"),
    (lambda A, Y: float(-np.mean((1 - Y) * np.log(1 - A))), r"only the \(1 - Y\) ln\(1 - A\) term"),
    (lambda A, Y: float(-np.mean(Y * np.log10(A) + (1 - Y) * np.log10(1 - A))), "log10"),
    (lambda A, Y: -(Y * np.log(A) + (1 - Y) * np.log(1 - A)), r"L has shape \(1, 6\), expected a single number"),
])
def test_bce_loss_mistakes_are_diagnosed(wrong, message):
    """The usual slips in binary cross-entropy are each named."""
    with pytest.raises(AssertionError, match=message):
        checks.check_bce_loss(wrong)


@pytest.mark.parametrize("mistake, check, message", [
    ("Y - A", checks.check_backward_dw, "the sign is flipped"),
    ("Y - A", checks.check_backward_db, "the sign is flipped"),
    ("no 1/m", checks.check_backward_dw, "the 1/m is missing"),
    ("no 1/m", checks.check_backward_db, "the 1/m is missing"),
    ("extra sigma'", checks.check_backward_dw, r"σ'\(Z\) is multiplied in again"),
    ("extra sigma'", checks.check_backward_db, r"σ'\(Z\) is multiplied in again"),
    ("transposed", checks.check_backward_dw, r"dw has shape \(3, 1\), expected \(1, 3\): did you transpose it"),
    ("db 1x1", checks.check_backward_db, r"db has shape \(1, 1\), expected a single number"),
])
def test_backward_mistakes_are_diagnosed(mistake, check, message):
    """dZ = Y - A, a missing 1/m, σ' applied twice, a transposed dw and a (1, 1) db are each named."""
    with pytest.raises(AssertionError, match=message):
        check(lambda X, Y, A: backward(X, Y, A, mistake=mistake))


def test_backward_parts_are_graded_separately(capsys):
    """A wrong db does not cost dw's points, and the reverse."""
    checks.check_backward_dw(lambda X, Y, A: (backward(X, Y, A)[0], None))
    checks.check_backward_db(lambda X, Y, A: (None, backward(X, Y, A)[1]))
    assert capsys.readouterr().out.count("✓") == 2


def test_gradient_checks_that_cannot_fail_are_caught():
    """A 'gradient check' that never fails, swallows the failure or checks the wrong thing is refused."""
    def always_passes(forward, bce_loss, backward, X, Y, w, b):
        def loss(p):
            return bce_loss(forward(X, p["w"], p["b"]), Y)
        grads = helpers.numerical_gradient(loss, {"w": w, "b": b})
        return helpers.check_gradients(loss, {"w": w, "b": b}, grads)

    def swallows(*args):
        try:
            return gradient_check_logistic(*args)
        except AssertionError:
            return gradient_check_logistic(args[0], args[1], backward, *args[3:])

    def outer_w(forward, bce_loss, backward, X, Y, w, b):
        dw, db = backward(X, Y, forward(X, w, b))
        return helpers.check_gradients(lambda p: bce_loss(forward(X, w, b), Y), {"w": w, "b": b}, {"w": dw, "b": db})

    def doubled(forward, bce_loss, backward, X, Y, w, b):
        dw, db = backward(X, Y, forward(X, w, b))
        return helpers.check_gradients(lambda p: 2 * bce_loss(forward(X, p["w"], p["b"]), Y), {"w": w, "b": b},
                                       {"w": 2 * dw, "b": 2 * db})

    with pytest.raises(AssertionError, match="the 1/m is missing, your gradient check passes"):
        checks.check_gradient_check_logistic(always_passes)
    with pytest.raises(AssertionError, match="analytic gradient for w"):
        checks.check_gradient_check_logistic(doubled)
    with pytest.raises(AssertionError, match="the 1/m is missing, your gradient check passes"):
        checks.check_gradient_check_logistic(swallows)
    with pytest.raises(AssertionError, match="with a correct backward, your gradient check fails"):
        checks.check_gradient_check_logistic(outer_w)
    with pytest.raises(AssertionError, match="should return the report"):
        checks.check_gradient_check_logistic(lambda *a: None)
