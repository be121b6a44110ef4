"""The checks of lessons 3 and 4 accept right answers and diagnose each wrong one.

Every check is run on a correct implementation, written here independently of
the checks (it prints one ✓ line, whatever the seed and sizes), and on
deliberately wrong ones, each of which must fail with the diagnosis a student
needs. A stub's NotImplementedError must reach the test cell untouched.
"""

from __future__ import annotations

import numpy as np
import pytest
from fixturing import on_demand

from helpers.checks import two_layer as checks

fixtures_on_demand = on_demand(("03-two-layer-linear", "04-two-layer-sigmoid"))  # answers from the solutions

SIZES = [dict(seed=0, n=3, k=4, m=5), dict(seed=1, n=2, k=5, m=7), dict(seed=2, n=1, k=1, m=3),
         dict(seed=3, n=4, k=4, m=4)]
LESSONS = {"lesson3": None, "lesson4": "sigmoid"}
BACKWARD_CHECKS = {"dW1": checks.check_backward_dW1, "db1": checks.check_backward_db1,
                   "dw2": checks.check_backward_dw2, "db2": checks.check_backward_db2}


# --- correct implementations -------------------------------------------------------------------

def sigmoid(Z):
    return 1 / (1 + np.exp(-Z))


def sigmoid_derivative(Z):
    return np.exp(-Z) / (1 + np.exp(-Z)) ** 2


def forward3(X, params):
    Z = params["W1"] @ X + params["b1"]
    return params["w2"] @ Z + params["b2"], {"Z": Z}


def forward4(X, params, sigma):
    Z = params["W1"] @ X + params["b1"]
    A = sigma(Z)
    return params["w2"] @ A + params["b2"], {"Z": Z, "A": A}


def backward3(X, y, y_hat, params, cache, *, mistake=None):
    """Lesson 3's backward pass; ``mistake`` names a deliberate error."""
    return _backward(X, y, y_hat, params, cache, None, mistake)


def backward4(X, y, y_hat, params, cache, sigma_prime, *, mistake=None):
    """Lesson 4's backward pass; ``mistake`` names a deliberate error."""
    return _backward(X, y, y_hat, params, cache, sigma_prime, mistake)


def _backward(X, y, y_hat, params, cache, sigma_prime, mistake):
    m = X.shape[1]
    Z = cache["Z"]
    H = Z if sigma_prime is None else cache["A"]
    dy_hat = (2 / m) * (y_hat - y)
    if mistake == "no 1/m":
        dy_hat = 2 * (y_hat - y)
    if mistake == "sign":
        dy_hat = -dy_hat
    dw2 = dy_hat @ (X if mistake == "X in dw2" else Z if mistake == "Z in dw2" else H).T
    db2 = float(np.sum(dy_hat))
    dH = np.ones_like(params["w2"].T) * dy_hat if mistake == "no w2" else params["w2"].T @ dy_hat
    if sigma_prime is None:
        dZ = dy_hat if mistake == "dZ = dy_hat" else dH
    elif mistake == "no sigma'":
        dZ = dH
    elif mistake == "sigma for sigma'":
        dZ = dH * cache["A"]
    elif mistake == "sigma' at A":
        dZ = dH * sigma_prime(cache["A"])
    else:
        dZ = dH * sigma_prime(Z)
    dW1 = (X @ dZ.T) if mistake == "transposed dW1" else dZ @ X.T
    db1 = dZ.sum(axis=1, keepdims=True)
    if mistake == "db1 axis 0":
        db1 = dZ.sum(axis=0, keepdims=True)
    if mistake == "db1 no keepdims":
        db1 = dZ.sum(axis=1)
    if mistake == "db1 all":
        db1 = dZ.sum()
    if mistake == "db2 1x1":
        db2 = np.sum(dy_hat, axis=1, keepdims=True)
    if mistake == "db2 unsummed":
        db2 = dy_hat
    return {"W1": dW1, "b1": db1, "w2": dw2, "b2": db2}


def equivalent_linear(params):
    return params["w2"] @ params["W1"], (params["w2"] @ params["b1"]).item() + params["b2"]


def stub(*args):
    raise NotImplementedError()


def _lesson(activation):
    return (forward3, backward3) if activation is None else (forward4, backward4)


# --- right answers pass --------------------------------------------------------------------------

@pytest.mark.parametrize("sizes", SIZES, ids=lambda s: f"n{s['n']}-k{s['k']}-m{s['m']}")
@pytest.mark.parametrize("activation", LESSONS.values(), ids=LESSONS.keys())
def test_checks_accept_a_correct_implementation(activation, sizes, capsys):
    """Each check passes a correct implementation, for any seed and sizes, and prints one ✓ line."""
    forward, backward = _lesson(activation)
    checks.check_forward(forward, activation=activation, **sizes)
    for check in BACKWARD_CHECKS.values():
        check(backward, activation=activation, **sizes)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 5 and all(line.startswith("✓ ") for line in lines), lines


@pytest.mark.parametrize("sizes", SIZES, ids=lambda s: f"n{s['n']}-k{s['k']}-m{s['m']}")
def test_lesson_only_checks_accept_a_correct_implementation(sizes, capsys):
    """The checks of equivalent_linear, sigmoid and sigmoid_derivative pass right answers."""
    checks.check_equivalent_linear(equivalent_linear, seed=sizes["seed"], n=sizes["n"], k=sizes["k"])
    checks.check_sigmoid(sigmoid, seed=sizes["seed"], k=sizes["k"], m=sizes["m"])
    checks.check_sigmoid_derivative(sigmoid_derivative, seed=sizes["seed"], k=sizes["k"], m=sizes["m"])
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3 and all(line.startswith("✓ ") for line in lines), lines


def test_a_b2_stored_as_a_numpy_number_or_0d_array_is_accepted(capsys):
    """db2 and equivalent_linear's b may be a Python float, a numpy float or a 0-d array."""
    for convert in (float, np.float64, np.array):
        def backward(X, y, y_hat, params, cache, convert=convert):
            grads = backward3(X, y, y_hat, params, cache)
            return {**grads, "b2": convert(grads["b2"])}
        checks.check_backward_db2(backward)
        checks.check_equivalent_linear(lambda p, convert=convert: (equivalent_linear(p)[0],
                                                                   convert(equivalent_linear(p)[1])))
    assert capsys.readouterr().out.count("✓") == 6


def test_backward_checks_ignore_the_other_gradients(capsys):
    """Each gradient is graded on its own: a wrong dW1 does not cost db1, dw2 or db2."""
    def backward(X, y, y_hat, params, cache):
        return {**backward3(X, y, y_hat, params, cache), "W1": "wrong"}
    for name in ("db1", "dw2", "db2"):
        BACKWARD_CHECKS[name](backward)
    assert capsys.readouterr().out.count("✓") == 3


def test_backward_checks_pass_their_own_cache_and_sigma_prime():
    """backward receives the check's own y_hat, Z, A and σ': a wrong forward or σ' cannot cost its points."""
    seen = {}

    def backward(X, y, y_hat, params, cache, sigma_prime):
        seen.update(y_hat=y_hat, params=params, cache=cache, sigma_prime=sigma_prime)
        return backward4(X, y, y_hat, params, cache, sigma_prime)

    checks.check_backward_dW1(backward, activation="sigmoid")
    Z, A = seen["cache"]["Z"], seen["cache"]["A"]
    np.testing.assert_allclose(A, sigmoid(Z), rtol=1e-12)
    np.testing.assert_allclose(seen["sigma_prime"](Z), sigmoid_derivative(Z), rtol=1e-12)
    np.testing.assert_allclose(seen["y_hat"], seen["params"]["w2"] @ A + seen["params"]["b2"], rtol=1e-12)


ALL_CHECKS = [
    lambda f: checks.check_forward(f),
    lambda f: checks.check_forward(f, activation="sigmoid"),
    *[lambda f, c=c: c(f) for c in BACKWARD_CHECKS.values()],
    *[lambda f, c=c: c(f, activation="sigmoid") for c in BACKWARD_CHECKS.values()],
    checks.check_equivalent_linear,
    checks.check_sigmoid,
    checks.check_sigmoid_derivative,
]


@pytest.mark.parametrize("check", ALL_CHECKS)
def test_a_stub_raises_not_implemented(check):
    """An unfinished exercise fails at its stub, not with an AssertionError from the check."""
    with pytest.raises(NotImplementedError):
        check(stub)


def test_an_unknown_activation_is_refused():
    """A typo in activation= is a ValueError that lists the choices."""
    with pytest.raises(ValueError, match=r"expected None \(lesson 3\) or 'sigmoid' \(lesson 4\)"):
        checks.check_forward(forward4, activation="relu")


# --- wrong answers are diagnosed -----------------------------------------------------------------

def _f3(change):
    """A lesson 3 forward whose (Z, y_hat) computation is replaced by ``change(X, p) -> (Z, y_hat)``."""
    def forward(X, params):
        Z, y_hat = change(X, params)
        return y_hat, {"Z": Z}
    return forward


def _f4(change):
    """A lesson 4 forward whose (Z, A, y_hat) computation is ``change(X, p, sigma)``."""
    def forward(X, params, sigma):
        Z, A, y_hat = change(X, params, sigma)
        return y_hat, {"Z": Z, "A": A}
    return forward


def _right_z(X, p):
    return p["W1"] @ X + p["b1"]


FORWARD3_MISTAKES = {
    "no b1": (_f3(lambda X, p: (p["W1"] @ X, p["w2"] @ p["W1"] @ X + p["b2"])),
              r"cache\['Z'\] has the right shape \(4, 5\) but wrong values.*Likely mistake: b1 is missing"),
    "no b1 in y_hat only": (_f3(lambda X, p: (_right_z(X, p), p["w2"] @ p["W1"] @ X + p["b2"])),
                            r"y_hat has the right shape \(1, 5\).*the worst, at \(0, \d\).*b1 is missing"),
    "no b2": (_f3(lambda X, p: (_right_z(X, p), p["w2"] @ _right_z(X, p))), r"y_hat .*b2 is missing"),
    "transposed Z": (_f3(lambda X, p: (_right_z(X, p).T, p["w2"] @ _right_z(X, p) + p["b2"])),
                     r"cache\['Z'\] has shape \(5, 4\), expected \(4, 5\): did you transpose it\?"),
    "1-D y_hat": (_f3(lambda X, p: (_right_z(X, p), (p["w2"] @ _right_z(X, p) + p["b2"]).ravel())),
                  r"y_hat has shape \(5,\), expected \(1, 5\): a 1-D array"),
    "no cache": (lambda X, p: p["w2"] @ _right_z(X, p) + p["b2"],
                 r"forward should return 2 values \(y_hat, cache\), received an array of shape \(1, 5\)"),
    "cache not a dict": (lambda X, p: (p["w2"] @ _right_z(X, p) + p["b2"], _right_z(X, p)),
                         r"forward should return as cache a dict, \{'Z': Z\}; received an array"),
    "cache key": (lambda X, p: (p["w2"] @ _right_z(X, p) + p["b2"], {"z": _right_z(X, p)}),
                  r"it has no key 'Z', its keys are \['z'\]"),
}


@pytest.mark.parametrize("name", FORWARD3_MISTAKES)
def test_lesson3_forward_mistakes_are_named(name):
    """A wrong lesson 3 forward fails with the mistake it made."""
    fn, message = FORWARD3_MISTAKES[name]
    with pytest.raises(AssertionError, match=message):
        checks.check_forward(fn)


FORWARD4_MISTAKES = {
    "no sigma": (_f4(lambda X, p, s: (_right_z(X, p), _right_z(X, p), p["w2"] @ _right_z(X, p) + p["b2"])),
                 r"cache\['A'\] has the right shape \(4, 5\).*A equals Z: apply σ"),
    "Z into layer 2": (_f4(lambda X, p, s: (_right_z(X, p), s(_right_z(X, p)),
                                            p["w2"] @ _right_z(X, p) + p["b2"])),
                       r"y_hat .*the second layer reads Z; it should read A = σ\(Z\)"),
    "sigma on output": (_f4(lambda X, p, s: (_right_z(X, p), s(_right_z(X, p)),
                                             s(p["w2"] @ s(_right_z(X, p)) + p["b2"]))),
                        r"y_hat .*σ is applied to the output too"),
    "no b2": (_f4(lambda X, p, s: (_right_z(X, p), s(_right_z(X, p)), p["w2"] @ s(_right_z(X, p)))),
              r"y_hat .*b2 is missing: y_hat = w2 A \+ b2"),
    "no b1": (_f4(lambda X, p, s: (p["W1"] @ X, s(p["W1"] @ X), p["w2"] @ s(p["W1"] @ X) + p["b2"])),
              r"cache\['Z'\] .*b1 is missing"),
    "no A in cache": (lambda X, p, s: (p["w2"] @ s(_right_z(X, p)) + p["b2"], {"Z": _right_z(X, p)}),
                      r"forward should return as cache a dict, \{'Z': Z, 'A': A\}; it has no key 'A'"),
}


@pytest.mark.parametrize("name", FORWARD4_MISTAKES)
def test_lesson4_forward_mistakes_are_named(name):
    """A wrong lesson 4 forward fails with the mistake it made."""
    fn, message = FORWARD4_MISTAKES[name]
    with pytest.raises(AssertionError, match=message):
        checks.check_forward(fn, activation="sigmoid")


# (gradient, lesson, mistake, expected message), with the checks' default sizes n=3, k=4, m=5
BACKWARD_MISTAKES = [
    ("dW1", None, "transposed dW1", r"dW1 has shape \(3, 4\), expected \(4, 3\): did you transpose it\?"),
    ("dW1", "sigmoid", "transposed dW1", r"dW1 has shape \(3, 4\), expected \(4, 3\): did you transpose it\?"),
    ("dW1", None, "no 1/m", r"dW1 has the right shape \(4, 3\) but wrong values: 12 of 12 entries differ; "
                            r"the worst, at \(\d, \d\): received -?[\d.]+, expected -?[\d.]+\. "
                            r"Likely mistake: every entry is m = 5 times too large: the 1/m is missing"),
    ("dW1", "sigmoid", "sign", r"dW1 .*the sign is flipped"),
    ("dW1", None, "no w2", r"dW1 .*the factor w2ᵀ is missing: dZ = w2ᵀ dŷ"),
    ("dW1", None, "dZ = dy_hat", r"dW1 has shape \(1, 3\), expected \(4, 3\): the factor w2ᵀ is missing"),
    ("dW1", "sigmoid", "no w2", r"dW1 .*the factor w2ᵀ is missing: dZ = w2ᵀ dŷ ⊙ σ'\(Z\)"),
    ("dW1", "sigmoid", "no sigma'", r"dW1 .*σ'\(Z\) is missing: dZ = dA ⊙ σ'\(Z\)"),
    ("dW1", "sigmoid", "sigma for sigma'", r"dW1 .*σ'\(z\) is written as σ\(z\); it is σ\(z\)\(1 - σ\(z\)\)"),
    ("dW1", "sigmoid", "sigma' at A", r"dW1 .*σ' is evaluated at A; evaluate it at Z"),
    ("db1", None, "db1 axis 0", r"db1 has shape \(1, 5\), expected \(4, 1\): summed \(or averaged\) over the "
                                r"wrong axis\? axis=1 with keepdims=True"),
    ("db1", "sigmoid", "db1 no keepdims", r"db1 has shape \(4,\), expected \(4, 1\): a 1-D array.*keepdims=True"),
    ("db1", None, "db1 all", r"db1 has shape \(\), expected \(4, 1\): summed over every axis"),
    ("db1", None, "no 1/m", r"db1 .*the 1/m is missing"),
    ("db1", "sigmoid", "sigma for sigma'", r"db1 .*σ'\(z\) is written as σ\(z\)"),
    ("db1", "sigmoid", "no sigma'", r"db1 .*σ'\(Z\) is missing"),
    ("dw2", None, "X in dw2", r"dw2 has shape \(1, 3\), expected \(1, 4\): dw2 = dŷ Xᵀ: the second layer's "
                              r"input is Z, not X"),
    ("dw2", "sigmoid", "X in dw2", r"dw2 .*the second layer's input is A, not X, so dw2 = dŷ Aᵀ"),
    ("dw2", "sigmoid", "Z in dw2", r"dw2 has the right shape \(1, 4\) but wrong values.*the worst, at \(0, \d\)"
                                   r".*dw2 = dŷ Zᵀ: the second layer's input is A = σ\(Z\), not Z"),
    ("dw2", None, "sign", r"dw2 .*the sign is flipped"),
    ("db2", None, "no 1/m", r"db2 has the right shape \(\) but a wrong value: received -?[\d.]+, expected "
                            r"-?[\d.]+\. Likely mistake: every entry is m = 5 times too large"),
    ("db2", "sigmoid", "db2 1x1", r"db2 has shape \(1, 1\), expected a single number \(shape \(\)\): b2 is one "
                                  r"number, so db2 is one too; np.sum\(...\) with no axis="),
    ("db2", None, "db2 unsummed", r"db2 has shape \(1, 5\), expected a single number.*add up over the examples"),
    ("db2", "sigmoid", "sign", r"db2 .*the sign is flipped"),
]


@pytest.mark.parametrize("grad, activation, mistake, message", BACKWARD_MISTAKES,
                         ids=[f"{g}-{a or 'linear'}-{m}" for g, a, m, _ in BACKWARD_MISTAKES])
def test_backward_mistakes_are_named(grad, activation, mistake, message):
    """A wrong gradient fails, in its own check, with the mistake it made."""
    _, backward = _lesson(activation)

    def wrong(*args):
        return backward(*args, mistake=mistake)

    with pytest.raises(AssertionError, match=message):
        BACKWARD_CHECKS[grad](wrong, activation=activation)


def test_backward_mistake_found_on_other_sizes():
    """The hidden tests' sizes diagnose a transposed dW1 and a missing keepdims too."""
    def transposed(*args):
        return backward4(*args, mistake="transposed dW1")

    def flat(*args):
        return backward4(*args, mistake="db1 no keepdims")

    with pytest.raises(AssertionError, match=r"dW1 has shape \(2, 5\), expected \(5, 2\): did you transpose"):
        checks.check_backward_dW1(transposed, activation="sigmoid", seed=7, n=2, k=5, m=9)
    with pytest.raises(AssertionError, match=r"db1 has shape \(5,\), expected \(5, 1\): a 1-D array"):
        checks.check_backward_db1(flat, activation="sigmoid", seed=7, n=2, k=5, m=9)


def test_backward_must_return_a_dict_named_like_the_parameters():
    """Returning a tuple, or keys named dW1 instead of W1, is reported with the expected layout."""
    def as_tuple(*args):
        return tuple(backward3(*args).values())

    def d_keys(*args):
        return {"d" + key: value for key, value in backward3(*args).items()}

    layout = r"a dict, \{'W1': dW1, 'b1': db1, 'w2': dw2, 'b2': db2\}"
    with pytest.raises(AssertionError, match=rf"backward should return its gradients as {layout}; received a tuple"):
        checks.check_backward_dW1(as_tuple)
    with pytest.raises(AssertionError, match=rf"{layout}; it has no key 'b2', its keys are \['dW1', 'db1'"):
        checks.check_backward_db2(d_keys)


def test_changing_an_input_in_place_is_reported():
    """A backward that updates the caller's parameters fails even when its gradients are right."""
    def backward_in_place(X, y, y_hat, params, cache):
        grads = backward3(X, y, y_hat, params, cache)
        params["W1"] -= 0.1 * grads["W1"]
        return grads

    with pytest.raises(AssertionError, match=r"backward changed its argument params\['W1'\] in place"):
        checks.check_backward_dW1(backward_in_place)


def test_wrong_values_name_the_worst_entry_and_both_values():
    """A wrong value names the array, its shape, the worst entry (i, j) and both values."""
    def backward(X, y, y_hat, params, cache):
        grads = backward3(X, y, y_hat, params, cache)
        grads["W1"] = grads["W1"] + np.array([[0, 0, 0], [0, 0, 0.5], [0, 0, 0], [0, 0, 0]])
        return grads

    with pytest.raises(AssertionError) as info:
        checks.check_backward_dW1(backward)
    msg = str(info.value)
    assert msg.startswith("dW1 has the right shape (4, 3) but wrong values: 1 of 12 entries differ; "
                          "the worst, at (1, 2): received "), msg
    assert ", expected " in msg


EQUIVALENT_MISTAKES = {
    "no w2": (lambda p: (p["W1"].sum(axis=0, keepdims=True), (p["w2"] @ p["b1"]).item() + p["b2"]),
              r"w has the right shape \(1, 3\).*w2 is missing"),
    "transposed": (lambda p: (p["W1"].T @ p["w2"].T, (p["w2"] @ p["b1"]).item() + p["b2"]),
                   r"w has shape \(3, 1\), expected \(1, 3\): did you transpose it\?"),
    "no b2": (lambda p: (p["w2"] @ p["W1"], (p["w2"] @ p["b1"]).item()), r"b .*b2 is missing: b = w2 b1 \+ b2"),
    "only b2": (lambda p: (p["w2"] @ p["W1"], p["b2"]), r"b .*w2 b1 is missing"),
    "unweighted b1": (lambda p: (p["w2"] @ p["W1"], p["b1"].sum() + p["b2"]),
                      r"b1's entries are added without their weights in w2"),
    "1x1 b": (lambda p: (p["w2"] @ p["W1"], p["w2"] @ p["b1"] + p["b2"]),
              r"b has shape \(1, 1\), expected a single number.*\.item\(\)"),
    "one value": (lambda p: p["w2"] @ p["W1"], r"equivalent_linear should return 2 values \(w, b\)"),
}


@pytest.mark.parametrize("name", EQUIVALENT_MISTAKES)
def test_equivalent_linear_mistakes_are_named(name):
    """A wrong equivalent_linear fails with the mistake it made."""
    fn, message = EQUIVALENT_MISTAKES[name]
    with pytest.raises(AssertionError, match=message):
        checks.check_equivalent_linear(fn)


SIGMOID_MISTAKES = {
    "no minus": (lambda Z: 1 / (1 + np.exp(Z)), r"sigmoid\(Z\) .*the minus sign in exp\(-z\) is missing"),
    "tanh": (np.tanh, r"that is tanh\(z\)"),
    "exp": (lambda Z: np.exp(-Z), r"that is exp\(-z\)"),
    "scalar": (lambda Z: 0.5, r"sigmoid\(Z\) has shape \(\), expected \(4, 5\)"),
    "no return": (lambda Z: None, r"sigmoid\(Z\) is None.*forget to `return`"),
}


@pytest.mark.parametrize("name", SIGMOID_MISTAKES)
def test_sigmoid_mistakes_are_named(name):
    """A wrong sigmoid fails with the mistake it made."""
    fn, message = SIGMOID_MISTAKES[name]
    with pytest.raises(AssertionError, match=message):
        checks.check_sigmoid(fn)


SIGMOID_DERIVATIVE_MISTAKES = {
    "sigma": (sigmoid, r"sigmoid_derivative\(Z\) has the right shape \(4, 5\) but wrong values.*"
                       r"the worst, at \(\d, \d\): received [\d.]+, expected [\d.]+\. "
                       r"Likely mistake: that is σ\(z\) itself"),
    "z(1 - z)": (lambda Z: Z * (1 - Z), r"z\(1 - z\) uses z where σ\(z\) belongs"),
    "1 - sigma": (lambda Z: 1 - sigmoid(Z), r"the factor σ\(z\) is missing"),
    "sign": (lambda Z: -sigmoid_derivative(Z), r"the sign is flipped"),
}


@pytest.mark.parametrize("name", SIGMOID_DERIVATIVE_MISTAKES)
def test_sigmoid_derivative_mistakes_are_named(name):
    """A wrong sigmoid_derivative fails with the mistake it made."""
    fn, message = SIGMOID_DERIVATIVE_MISTAKES[name]
    with pytest.raises(AssertionError, match=message):
        checks.check_sigmoid_derivative(fn)


def test_sigmoid_changing_z_in_place_is_reported():
    """A sigmoid that overwrites its input fails even when its values are right."""
    def sigmoid_in_place(Z):
        Z *= -1
        return 1 / (1 + np.exp(Z))

    with pytest.raises(AssertionError, match=r"sigmoid changed its argument Z in place"):
        checks.check_sigmoid(sigmoid_in_place)


def test_not_a_function_is_a_type_error():
    """Passing something that is not a function says so."""
    with pytest.raises(TypeError, match=r"forward: expected your function"):
        checks.check_forward(np.zeros((1, 5)))
