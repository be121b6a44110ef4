"""The checks of lesson 6 accept right answers and diagnose each wrong one.

The right outputs and the mistakes' outputs come from the solution notebook and the mistake library
(``coursetools/mistakes/optimizers.py``), built for any seed and size on demand, as release would.
"""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest
from fixturing import on_demand

from helpers.checks import optimizers as checks

fixtures_on_demand = on_demand("06-optimizers")  # right answers and mistakes come from the solution notebook

SIZES = [dict(seed=0, p=4), dict(seed=1, p=1), dict(seed=2, p=7)]


# --- correct implementations, written independently of helpers.optimizers ------------------------

def minibatch_indices(m, batch_size, rng):
    order = rng.permutation(m)
    return [order[i:i + batch_size] for i in range(0, m, batch_size)]


def momentum_step(theta, grad_fn, state, *, learning_rate, beta=0.9):
    v = beta * state["v"] - learning_rate * grad_fn(theta)
    return theta + v, {**state, "v": v}


def nesterov_step(theta, grad_fn, state, *, learning_rate, beta=0.9):
    v = beta * state["v"] - learning_rate * grad_fn(theta + beta * state["v"])
    return theta + v, {**state, "v": v}


def rmsprop_step(theta, grad_fn, state, *, learning_rate, rho=0.9, eps=1e-8):
    g = grad_fn(theta)
    s = rho * state["s"] + (1 - rho) * g * g
    return theta - learning_rate * g / (s ** 0.5 + eps), {**state, "s": s}


def adam_step(theta, grad_fn, state, *, learning_rate, beta1=0.9, beta2=0.999, eps=1e-8):
    g = grad_fn(theta)
    v = beta1 * state["v"] + (1 - beta1) * g
    s = beta2 * state["s"] + (1 - beta2) * g * g
    t = state["t"]
    return theta - learning_rate * (v / (1 - beta1 ** t)) / ((s / (1 - beta2 ** t)) ** 0.5 + eps), \
        {"v": v, "s": s, "t": t}


CHECKS = {"momentum": (checks.check_momentum_step, momentum_step),
          "nesterov": (checks.check_nesterov_step, nesterov_step),
          "rmsprop": (checks.check_rmsprop_step, rmsprop_step),
          "adam": (checks.check_adam_step, adam_step)}


@pytest.mark.parametrize("name", CHECKS)
@pytest.mark.parametrize("sizes", SIZES)
def test_step_checks_accept_a_correct_implementation(name, sizes, capsys):
    check, fn = CHECKS[name]
    check(fn, **sizes)
    assert capsys.readouterr().out.startswith("✓")


@pytest.mark.parametrize("kwargs", [dict(seed=0), dict(seed=5, m=10, batch_size=10), dict(seed=6, m=31, batch_size=1)])
def test_minibatch_check_accepts_a_correct_implementation(kwargs, capsys):
    checks.check_minibatch_indices(minibatch_indices, **kwargs)
    assert capsys.readouterr().out.startswith("✓")


def test_adam_check_accepts_the_first_step(capsys):
    checks.check_adam_step(adam_step, t=1, seed=3)
    assert "✓" in capsys.readouterr().out


@pytest.mark.parametrize("name", CHECKS)
def test_a_stub_raises_not_implemented(name):
    def stub(*args, **kwargs):
        raise NotImplementedError()

    with pytest.raises(NotImplementedError):
        CHECKS[name][0](stub)
    with pytest.raises(NotImplementedError):
        checks.check_minibatch_indices(stub)


# --- wrong implementations ---------------------------------------------------------------------

def _momentum(update, look=0.0):
    """A wrong step built from one gradient, taken at θ + look β v."""
    def fn(theta, grad_fn, state, *, learning_rate, beta=0.9):
        v = state["v"]
        g = grad_fn(theta + look * beta * v)
        v_new, theta_new = update(theta, g, v, learning_rate, beta)
        return theta_new, {**state, "v": v_new}
    return fn


MOMENTUM_MISTAKES = {
    "the sign of the gradient term is flipped": _momentum(lambda th, g, v, lr, b: (b * v + lr * g,
                                                                                  th + b * v + lr * g)),
    "β is missing": _momentum(lambda th, g, v, lr, b: (v - lr * g, th + v - lr * g)),
    "averaged form": _momentum(lambda th, g, v, lr, b: (b * v + (1 - b) * g, th - lr * (b * v + (1 - b) * g))),
    "θ moved by the old velocity": _momentum(lambda th, g, v, lr, b: (b * v - lr * g, th + v)),
    "θ ← θ - v moves uphill": _momentum(lambda th, g, v, lr, b: (b * v - lr * g, th - (b * v - lr * g))),
    "which is Nesterov's step": nesterov_step,
    "called grad_fn 2 times": lambda th, g, state, *, learning_rate, beta: (th + 0 * g(th), {**state, "v": g(th)}),
}


@pytest.mark.parametrize("message", MOMENTUM_MISTAKES)
def test_momentum_mistakes_are_named(message):
    with pytest.raises(AssertionError, match=message.replace("(", r"\(")):
        checks.check_momentum_step(MOMENTUM_MISTAKES[message], seed=4, p=3)


NESTEROV_MISTAKES = {
    "that is plain momentum": momentum_step,
    "at θ - β v": _momentum(lambda th, g, v, lr, b: (b * v - lr * g, th + b * v - lr * g), look=-1.0),
    "θ moved from the look-ahead point": _momentum(lambda th, g, v, lr, b: (b * v - lr * g, th + 2 * b * v - lr * g),
                                                   look=1.0),
    "β is missing in front of the old velocity": _momentum(lambda th, g, v, lr, b: (v - lr * g, th + v - lr * g),
                                                           look=1.0),
}


@pytest.mark.parametrize("message", NESTEROV_MISTAKES)
def test_nesterov_mistakes_are_named(message):
    with pytest.raises(AssertionError, match=message):
        checks.check_nesterov_step(NESTEROV_MISTAKES[message], seed=5)


def _rmsprop(update):
    def fn(theta, grad_fn, state, *, learning_rate, rho=0.9, eps=1e-8):
        g = grad_fn(theta)
        return update(theta, g, state["s"], learning_rate, rho, eps)
    return fn


RMSPROP_MISTAKES = {
    "the square root is missing": lambda th, g, s, lr, r, e: (
        th - lr * g / (r * s + (1 - r) * g ** 2 + e), {"s": r * s + (1 - r) * g ** 2}),
    "ε is inside the square root": lambda th, g, s, lr, r, e: (
        th - lr * g / np.sqrt(r * s + (1 - r) * g ** 2 + e), {"s": r * s + (1 - r) * g ** 2}),
    "the gradient is not squared": lambda th, g, s, lr, r, e: (th - lr * g / (np.sqrt(np.abs(r * s + (1 - r) * g)) + e),
                                                               {"s": r * s + (1 - r) * g}),
    "θ used the old s": lambda th, g, s, lr, r, e: (th - lr * g / (np.sqrt(s) + e), {"s": r * s + (1 - r) * g ** 2}),
    r"\(1 - ρ\) is missing": lambda th, g, s, lr, r, e: (th - lr * g / (np.sqrt(r * s + g ** 2) + e),
                                                         {"s": r * s + g ** 2}),
    "state_new has no key 's'": lambda th, g, s, lr, r, e: (th - lr * g / (np.sqrt(r * s + (1 - r) * g ** 2) + e), {}),
}


@pytest.mark.parametrize("message", RMSPROP_MISTAKES)
def test_rmsprop_mistakes_are_named(message):
    with pytest.raises(AssertionError, match=message):
        checks.check_rmsprop_step(_rmsprop(RMSPROP_MISTAKES[message]), seed=6)


def _adam(correct_v=True, correct_s=True, t_shift=0, eps_inside=False, square_root=True, store_corrected=False):
    def fn(theta, grad_fn, state, *, learning_rate, beta1=0.9, beta2=0.999, eps=1e-8):
        g = grad_fn(theta)
        t = state["t"] + t_shift
        v = beta1 * state["v"] + (1 - beta1) * g
        s = beta2 * state["s"] + (1 - beta2) * g ** 2
        vh = v / (1 - beta1 ** t) if correct_v else v
        sh = s / (1 - beta2 ** t) if correct_s else s
        denom = np.sqrt(sh + eps) if eps_inside else (np.sqrt(sh) if square_root else sh) + eps
        if store_corrected:
            v = vh
        return theta - learning_rate * vh / denom, {"v": v, "s": s}
    return fn


ADAM_MISTAKES = {
    "no bias correction": _adam(correct_v=False, correct_s=False),
    "only v is bias-corrected": _adam(correct_s=False),
    "only s is bias-corrected": _adam(correct_v=False),
    "uses t - 1": _adam(t_shift=-1),
    "uses t \\+ 1": _adam(t_shift=1),
    "ε is inside the square root": _adam(eps_inside=True),
    "the square root is missing": _adam(square_root=False),
    "state_new\\['v'\\] is bias-corrected": _adam(store_corrected=True),
}


@pytest.mark.parametrize("message", ADAM_MISTAKES)
def test_adam_mistakes_are_named(message):
    with pytest.raises(AssertionError, match=message):
        checks.check_adam_step(ADAM_MISTAKES[message], seed=7)


def test_changing_theta_or_the_state_in_place_is_reported():
    def in_place_theta(theta, grad_fn, state, *, learning_rate, beta=0.9):
        v = beta * state["v"] - learning_rate * grad_fn(theta)
        theta += v
        return theta, {**state, "v": v}

    def in_place_state(theta, grad_fn, state, *, learning_rate, beta=0.9):
        state["v"] *= beta
        state["v"] -= learning_rate * grad_fn(theta)
        return theta + state["v"], state

    with pytest.raises(AssertionError, match="changed its argument theta in place"):
        checks.check_momentum_step(in_place_theta)
    with pytest.raises(AssertionError, match="changed its argument state\\['v'\\] in place"):
        checks.check_momentum_step(in_place_state)


def test_a_step_that_returns_only_theta_is_reported():
    with pytest.raises(AssertionError, match="should return 2 values \\(theta_new, state_new\\)"):
        checks.check_momentum_step(lambda theta, grad_fn, state, **kw: theta - grad_fn(theta))


MINIBATCH_MISTAKES = {
    "the last 3 examples": lambda m, b, rng: np.split(rng.permutation(m)[:m - m % b], m // b),
    "appears": lambda m, b, rng: [rng.integers(0, m, size=min(b, m - i)) for i in range(0, m, b)],
    "original order": lambda m, b, rng: [np.arange(m)[i:i + b] for i in range(0, m, b)],
    "different seeds": lambda m, b, rng: minibatch_indices(m, b, np.random.default_rng(0)),
    "batch sizes \\[6, 6, 6, 5\\], expected \\[5, 5, 5, 5, 3\\]":
        lambda m, b, rng: np.array_split(rng.permutation(m), m // b),
    "index 23 is not an example": lambda m, b, rng: minibatch_indices(m + 1, b, rng),
    "received one array of shape": lambda m, b, rng: rng.permutation(m - m % b).reshape(-1, b),
}


@pytest.mark.parametrize("message", MINIBATCH_MISTAKES)
def test_minibatch_mistakes_are_named(message):
    with pytest.raises(AssertionError, match=message):
        checks.check_minibatch_indices(MINIBATCH_MISTAKES[message], m=23, batch_size=5)


def test_minibatch_indices_that_ignore_the_rng_argument_are_named():
    """np.random.permutation (numpy's global generator) instead of the rng passed in: two generators with the
    same seed must give the same order."""
    def global_shuffle(m, batch_size, rng):
        order = np.random.permutation(m)  # noqa: NPY002 (the mistake under test)
        return [order[i:i + batch_size] for i in range(0, m, batch_size)]

    with pytest.raises(AssertionError, match=r"different results for two generators made with the same seed.*"
                                             r"use rng.permutation\(m\)"):
        checks.check_minibatch_indices(global_shuffle)


# --- a number written in place of an argument, and the checks' independence -----------------------

def _beta_written_in(th, gf, st, *, learning_rate, beta=0.9):
    return momentum_step(th, gf, st, learning_rate=learning_rate)


def _rate_written_in(th, gf, st, *, learning_rate, beta=0.9):
    return momentum_step(th, gf, st, learning_rate=0.05, beta=beta)


def _rho_written_in(th, gf, st, *, learning_rate, rho=0.9, eps=1e-8):
    return rmsprop_step(th, gf, st, learning_rate=learning_rate, eps=eps)


def _beta2_written_in(th, gf, st, *, learning_rate, beta1=0.9, beta2=0.999, eps=1e-8):
    return adam_step(th, gf, st, learning_rate=learning_rate, beta1=beta1, eps=eps)


WRITTEN_IN = {
    "beta": (checks.check_momentum_step, _beta_written_in, "momentum_step", "learning_rate or beta"),
    "learning_rate": (checks.check_momentum_step, _rate_written_in, "momentum_step", "learning_rate or beta"),
    "rho": (checks.check_rmsprop_step, _rho_written_in, "rmsprop_step", "learning_rate or rho"),
    "beta2": (checks.check_adam_step, _beta2_written_in, "adam_step", "learning_rate or beta1 or beta2"),
}


@pytest.mark.parametrize("argument", WRITTEN_IN)
def test_a_number_written_in_place_of_an_argument_is_named_by_a_probe(argument):
    """The visible call uses the default hyperparameters; a probe changes them."""
    check, fn, name, listed = WRITTEN_IN[argument]
    with pytest.raises(AssertionError, match=rf"right for .* but not for .*{argument} = .*{name} ignores an argument "
                                             rf"it is given \({listed}\)"):
        check(fn)


def test_a_step_whose_state_keeps_the_old_velocity_is_named():
    def stale(theta, grad_fn, state, *, learning_rate, beta=0.9):
        v = beta * state["v"] - learning_rate * grad_fn(theta)
        return theta + v, state

    with pytest.raises(AssertionError, match=r"state_new\['v'\] is the old velocity"):
        checks.check_momentum_step(stale, seed=9, p=5)


def test_the_checks_hold_no_reference_and_use_no_step_function_of_helpers():
    """helpers/checks/optimizers.py imports nothing of helpers.optimizers and holds no update formula."""
    source = (Path(checks.__file__)).read_text()
    tree = ast.parse(source)
    imported = {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not any("optimizers" in name for name in imported), imported
    assert "reference" not in source and "beta * " not in source and "np.sqrt" not in source
