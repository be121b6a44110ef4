"""Lesson 9's checks, its mistake library, and its reference gradients against independent computations.

* every check passes the solution notebook's own functions, at the visible and at other sizes;
* every wrong implementation of ``coursetools/mistakes/deep.py`` fails a visible check of its exercise,
  and the failure names it (the part of its message before the first colon);
* the solution's ``backward`` agrees with lesson 5's scalar graph engine (``helpers.graph``) on a tiny
  network, entry by entry, and with centered differences in float64 on a larger one; its L2 gradient
  with centered differences too.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from fixturing import on_demand

import helpers
import helpers.checks.deep as checks
from coursetools import notebooks as nbs
from coursetools.fixtures import solution_namespace
from coursetools.mistakes import library
from helpers.graph import Value

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "solutions" / "09-deep-networks" / "09-deep-networks.ipynb"

fixtures_on_demand = on_demand("09-deep-networks")

ACT = {
    "sigmoid": (lambda Z: 1 / (1 + np.exp(-Z)), lambda Z: np.exp(-Z) / (1 + np.exp(-Z)) ** 2),
    "tanh": (np.tanh, lambda Z: 1 / np.cosh(Z) ** 2),
    "relu": (lambda Z: np.where(Z > 0, Z, 0.0), lambda Z: np.where(Z > 0, 1.0, 0.0)),
    "identity": (lambda Z: 1.0 * Z, lambda Z: 0.0 * Z + 1.0),
}


@pytest.fixture(scope="module")
def solution():
    """The solution notebook's first cell and solution cells, run in one namespace: its functions by name."""
    return solution_namespace(nbs.read(SOURCE), folder=SOURCE.parent)  # its support module lesson06.py too


VISIBLE = {
    "forward": [checks.check_forward_output, checks.check_forward_caches],
    "backward": [checks.check_backward_output_layer, checks.check_backward_hidden_layers],
    "l2_penalty": [checks.check_l2_penalty_value, checks.check_l2_penalty_gradient],
    "train": [checks.check_train],
}
OTHER_SIZES = {
    "forward": {"seed": 5, "sizes": (1, 7, 2, 3), "names": ("identity", "tanh", "relu"), "m": 9},
    "backward": {"seed": 6, "sizes": (2, 5, 3, 3, 1), "names": ("relu", "sigmoid", "tanh", "identity"), "m": 4},
    "l2_penalty": {"seed": 7, "sizes": (5, 1, 2), "lam": 12.0, "m": 3},
    "train": {"seed": 8, "steps": 6, "sizes": (1, 1)},
}


@pytest.mark.parametrize("exercise", VISIBLE)
def test_the_solution_passes_every_check(solution, exercise, capsys):
    """Each check prints one ✓ line for the solution, with its defaults and with other sizes."""
    for check in VISIBLE[exercise]:
        check(solution[exercise])
        check(solution[exercise], **OTHER_SIZES[exercise])
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 * len(VISIBLE[exercise]) and all(line.startswith("✓") for line in lines), lines


MISTAKES = library("deep")


def test_the_library_covers_the_lessons_typical_mistakes():
    """The issue's list: δ of the wrong layer, W[l] for W[l+1]ᵀ, g' forgotten or twice at the output, biases
    regularised, λ without 1/m, the cache of the wrong layer."""
    texts = " ".join(str(m.message) for m in MISTAKES)
    for phrase in ("δ of the wrong layer", "W[l] where W[l+1]ᵀ belongs", "g_L' is forgotten at the output",
                   "g_L' is applied twice at the output", "the biases are regularised", "λ without 1/m",
                   "the cache of the wrong layer"):
        assert phrase in texts, f"no mistake of the library names {phrase!r}"
    assert {m.exercise for m in MISTAKES} == set(VISIBLE)


def _headline(message) -> str:
    text = message if isinstance(message, str) else next(iter(message.values()))
    return text.split(":")[0]


@pytest.mark.parametrize("wrong", MISTAKES, ids=lambda m: m.function)
def test_every_mistake_is_caught_and_named_by_a_visible_check(solution, wrong):
    """Run the wrong implementation through its exercise's visible checks: one fails and names it."""
    fn = wrong.compile({"np": np, "helpers": helpers})
    messages = []
    for check in VISIBLE[wrong.exercise]:
        try:
            check(fn)
        except AssertionError as err:
            messages.append(str(err))
    assert messages, f"{wrong.function} passes every visible check of {wrong.exercise}"
    headline = _headline(wrong.message)
    assert any(headline in msg for msg in messages), (
        f"{wrong.function}: no failure names {headline!r}; the checks said:\n" + "\n".join(messages))


def test_a_broken_shape_is_reported_in_the_courses_words(solution):
    """A backward whose product does not fit gets a message about the layer shapes, not only numpy's."""
    def backward(Y, params, caches, activations):
        return solution["backward"](Y.T, params, caches, activations)

    with pytest.raises(AssertionError, match=r"numpy refused a product .* W\[l\] is \(n_l, n_\{l-1\}\)"):
        checks.check_backward_output_layer(backward, sizes=(3, 4, 2), names=("tanh", "sigmoid"))


def test_a_forward_that_ignores_its_activations_fails():
    """A forward that always applies tanh passes the right numbers only for tanh layers; the probe catches it."""
    def forward(X, params, activations):
        A, caches = X, []
        for layer in range(1, len(activations) + 1):
            Z = params[f"W{layer}"] @ A + params[f"b{layer}"]
            A_prev, A = A, np.tanh(Z)
            caches.append({"A_prev": A_prev, "Z": Z, "A": A})
        return A, caches

    with pytest.raises(AssertionError, match="does it call the functions in `activations`"):
        checks.check_forward_output(forward, names=("tanh", "tanh"), sizes=(2, 3, 1))


def test_the_hidden_layer_check_does_not_charge_the_output_layers_mistake_twice(solution):
    """With only δ[L] wrong (g_L' forgotten) the output-layer check fails and the hidden-layer check passes."""
    (wrong,) = [m for m in MISTAKES if m.function == "backward_output_prime_forgotten"]
    fn = wrong.compile({"np": np, "helpers": helpers})
    with pytest.raises(AssertionError, match="forgotten at the output"):
        checks.check_backward_output_layer(fn)
    checks.check_backward_hidden_layers(fn)


# --- the reference gradients against independent computations ---------------------------------------

def _network(rng, sizes, m):
    X = rng.standard_normal((sizes[0], m))
    Y = rng.uniform(0, 1, (sizes[-1], m))
    params = {}
    for layer in range(1, len(sizes)):
        params[f"W{layer}"] = rng.standard_normal((sizes[layer], sizes[layer - 1]))
        params[f"b{layer}"] = rng.standard_normal((sizes[layer], 1))
    return X, Y, params


def _graph_gradients(X, Y, params, names):
    """The loss (1/m) Σ (A[L] - Y)² built entry by entry from helpers.graph.Value nodes, and its gradients."""
    nodes = {key: [[Value(float(v)) for v in row] for row in value] for key, value in params.items()}
    L, m = len(names), X.shape[1]
    total = Value(0.0)
    for i in range(m):
        a = [Value(float(x)) for x in X[:, i]]
        for layer in range(1, L + 1):
            W, b = nodes[f"W{layer}"], nodes[f"b{layer}"]
            z = [sum((W[j][k] * a[k] for k in range(len(a))), b[j][0]) for j in range(len(W))]
            name = names[layer - 1]
            a = z if name == "identity" else [getattr(node, name)() for node in z]
        for j, node in enumerate(a):
            total = total + (node - float(Y[j, i])) ** 2
    loss = total / m
    loss.backward()
    return loss.data, {key: np.array([[v.grad for v in row] for row in value]) for key, value in nodes.items()}


def test_the_reference_backward_agrees_with_the_scalar_graph_engine(solution):
    """On a tiny network [2, 3, 2, 1] with tanh, relu and sigmoid, every gradient entry equals lesson 5's graph."""
    rng = np.random.default_rng(11)
    names = ("tanh", "relu", "sigmoid")
    X, Y, params = _network(rng, (2, 3, 2, 1), 4)
    acts = [ACT[n] for n in names]
    A_L, caches = solution["forward"](X, params, acts)
    grads, deltas = solution["backward"](Y, params, caches, acts)
    loss, expected = _graph_gradients(X, Y, params, names)
    assert np.sum((A_L - Y) ** 2) / 4 == pytest.approx(loss, rel=1e-12)
    assert [d.shape for d in deltas] == [(3, 4), (2, 4), (1, 4)]
    for key in params:
        np.testing.assert_allclose(grads[key], expected[key], rtol=1e-10, atol=1e-14, err_msg=key)


def test_the_reference_backward_agrees_with_centered_differences_on_a_larger_network(solution):
    """On [6, 8, 8, 8, 3] (sigmoid, tanh, sigmoid, identity), m = 25, every entry: relative error below 1e-7."""
    rng = np.random.default_rng(12)
    X, Y, params = _network(rng, (6, 8, 8, 8, 3), 25)
    acts = [ACT[n] for n in ("sigmoid", "tanh", "sigmoid", "identity")]

    def loss(p):
        return float(np.sum((solution["forward"](X, p, acts)[0] - Y) ** 2) / 25)

    _, caches = solution["forward"](X, params, acts)
    grads, _ = solution["backward"](Y, params, caches, acts)
    report = helpers.check_gradients(loss, params, grads, rtol=1e-7)
    assert report.passed and report.evaluations == 2 * helpers.deep.flatten(params).size


def test_the_reference_l2_gradient_agrees_with_centered_differences(solution):
    """(λ/2m) Σ ||W[l]||²: its gradient by centered differences is (λ/m) W[l], and 0 for every bias."""
    rng = np.random.default_rng(13)
    _, _, params = _network(rng, (3, 4, 2), 1)
    report = helpers.check_gradients(lambda p: solution["l2_penalty"](p, 0.8, 7)[0], params,
                                     solution["l2_penalty"](params, 0.8, 7)[1], rtol=1e-8)
    assert report.passed


def test_the_reference_train_with_gradient_descent_lowers_the_loss_of_a_known_problem(solution):
    """train with lesson 6's plain step on a quadratic bowl reaches its known minimum."""
    target = {"W1": np.array([[1.0, -2.0]]), "b1": np.array([[0.5]])}

    def loss_and_grads(p):
        return (sum(float(np.sum((p[k] - target[k]) ** 2)) for k in p),
                {k: 2 * (p[k] - target[k]) for k in p})

    def sgd_step(theta, grad_fn, state, *, learning_rate):
        return theta - learning_rate * grad_fn(theta), state

    start = {"W1": np.zeros((1, 2)), "b1": np.zeros((1, 1))}
    trained, losses = solution["train"](loss_and_grads, start, sgd_step, steps=60, learning_rate=0.1)
    assert losses.shape == (60,) and losses[0] == pytest.approx(5.25) and np.all(np.diff(losses) < 0)
    for key in target:
        np.testing.assert_allclose(trained[key], target[key], atol=1e-5)


@pytest.mark.parametrize("name", ["backward_output_prime_forgotten", "backward_hidden_prime_forgotten",
                                  "backward_delta_of_the_wrong_layer", "backward_cache_of_the_wrong_layer"])
def test_the_notebooks_directional_gradient_check_catches_a_wrong_deep_backward(solution, name):
    """The notebook's check of a deep network (10 directions per parameter) fails for a wrong backward, passes
    for the right one, with a few hundred loss evaluations instead of two per entry."""
    rng = np.random.default_rng(14)
    sizes = (10, 10, 10, 10, 10, 3)
    X, Y, _ = _network(rng, sizes, 50)
    params = helpers.deep.init_params(sizes, rng=rng)
    acts = [ACT[n] for n in ("tanh", "sigmoid", "tanh", "tanh", "sigmoid")]
    (wrong,) = [m for m in MISTAKES if m.function == name]
    wrong_backward = wrong.compile({"np": np, "helpers": helpers})

    def loss(p):
        return float(np.sum((solution["forward"](X, p, acts)[0] - Y) ** 2) / 50)

    _, caches = solution["forward"](X, params, acts)
    right = helpers.check_gradients(loss, params, solution["backward"](Y, params, caches, acts)[0],
                                    mode="directional", rng=0)
    assert right.passed and right.evaluations == 2 * 10 * len(params)
    with pytest.raises(AssertionError, match="gradient check failed"):
        helpers.check_gradients(loss, params, wrong_backward(Y, params, caches, acts)[0], mode="directional", rng=0)
