"""Lesson 9's tools: helpers.deep (parameters, flattening, decision regions), its data sets and its explorer."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import helpers
import helpers.deep as deep
from coursetools import notebooks as nbs
from coursetools.fixtures import solution_namespace
from helpers.deep_explorer import DeepExplorer

PNG = b"\x89PNG\r\n\x1a\n"
SOURCE = Path(__file__).resolve().parent.parent / "solutions" / "09-deep-networks" / "09-deep-networks.ipynb"
# lesson 6's Adam, as lesson 9 gets it (its support module lesson06.py is made from this solution)
_LESSON6 = SOURCE.parent.parent / "06-optimizers"
adam_step = solution_namespace(nbs.read(_LESSON6 / "06-optimizers.ipynb"), folder=_LESSON6)["adam_step"]
ACT = {"sigmoid": (lambda Z: 1 / (1 + np.exp(-Z)), lambda Z: np.exp(-Z) / (1 + np.exp(-Z)) ** 2),
       "tanh": (np.tanh, lambda Z: 1 / np.cosh(Z) ** 2),
       "relu": (lambda Z: np.where(Z > 0, Z, 0.0), lambda Z: np.where(Z > 0, 1.0, 0.0))}


# --- parameters and flattening ------------------------------------------------------------------

def test_init_params_has_the_courses_shapes_zero_biases_and_the_stated_spread():
    """W[l] (n_l, n_{l-1}) with standard deviation scale / sqrt(n_{l-1}); b[l] (n_l, 1) zero; seeded."""
    params = deep.init_params([400, 300, 2], scale=2.0, rng=0)
    assert {k: v.shape for k, v in params.items()} == {"W1": (300, 400), "b1": (300, 1), "W2": (2, 300),
                                                       "b2": (2, 1)}
    assert params["W1"].std() == pytest.approx(2.0 / np.sqrt(400), rel=0.02)
    assert not np.any(params["b1"]) and not np.any(params["b2"])
    np.testing.assert_array_equal(deep.init_params([3, 2], rng=5)["W1"], deep.init_params([3, 2], rng=5)["W1"])
    assert not np.any(deep.init_params([3, 2], scale=0.0, rng=1)["W1"])


@pytest.mark.parametrize("sizes, message", [([3], "at least two"), ([3, 0, 1], "at least two positive"),
                                            ("abc", "expected a list of layer sizes")])
def test_init_params_refuses_bad_sizes(sizes, message):
    with pytest.raises(ValueError, match=message):
        deep.init_params(sizes)


def test_layer_sizes_reads_the_sizes_and_names_the_layer_that_does_not_fit():
    params = deep.init_params([3, 4, 2], rng=0)
    assert deep.layer_sizes(params) == [3, 4, 2]
    with pytest.raises(ValueError, match=r"params\['b2'\] has shape \(1, 2\), expected \(2, 1\)"):
        deep.layer_sizes({**params, "b2": np.zeros((1, 2))})
    with pytest.raises(ValueError, match=r"missing \['b2'\]"):
        deep.layer_sizes({k: v for k, v in params.items() if k != "b2"})
    with pytest.raises(ValueError, match="unexpected key 'w2'"):
        deep.layer_sizes({**params, "w2": 1.0})


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(1, 5), min_size=2, max_size=5), st.integers(0, 2 ** 16))
def test_unflatten_inverts_flatten_in_the_layers_order_whatever_the_dict_order(sizes, seed):
    params = deep.init_params(sizes, rng=seed)
    params = {k: v + np.random.default_rng(seed).standard_normal(v.shape) for k, v in params.items()}
    backwards = dict(reversed(list(params.items())))  # a backward pass fills the dict from the top down
    theta = deep.flatten(backwards)
    assert theta.shape == (sum(v.size for v in params.values()),)
    np.testing.assert_array_equal(theta[:params["W1"].size], params["W1"].ravel())
    again = deep.unflatten(theta, params)
    assert list(again) == [f"{kind}{layer}" for layer in range(1, len(sizes)) for kind in "Wb"]
    for key in params:
        np.testing.assert_array_equal(again[key], params[key])
    again["W1"][...] = 7.0
    assert not np.all(theta[:params["W1"].size] == 7.0), "unflatten returned a view of theta"


def test_unflatten_says_how_many_numbers_it_expected():
    with pytest.raises(ValueError, match=r"theta: expected shape \(4,\)"):
        deep.unflatten(np.zeros(5), {"W1": np.zeros((1, 3)), "b1": np.zeros((1, 1))})


def test_plot_decision_regions_colours_by_the_prediction_and_checks_its_shape():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    X, y = helpers.make_xor(30, rng=0)
    fig, ax = plt.subplots()
    calls = []

    def predict(G):
        calls.append(G.shape)
        return (G[:1] * G[1:] > 0).astype(float)

    regions = deep.plot_decision_regions(predict, X, y, ax=ax, grid=40)
    assert calls == [(2, 1600)] and len(regions.allsegs) == 2  # one call on the whole grid; two regions
    with pytest.raises(ValueError, match=r"expected 1600 predictions, shape \(1, 1600\)"):
        deep.plot_decision_regions(lambda G: G, X, y, ax=ax, grid=40)
    plt.close(fig)


# --- data ------------------------------------------------------------------------------------------

def test_make_rings_labels_the_disk_and_the_outside_1_and_the_ring_0():
    X, y = helpers.make_rings(500, rng=1)
    r = np.hypot(*X)
    assert X.shape == (2, 500) and y.shape == (1, 500)
    np.testing.assert_array_equal(y[0], ((r < 0.6) | (r > 1.2)).astype(float))
    _, noisy = helpers.make_rings(500, flip=0.2, rng=1)
    assert 0.1 < np.mean(noisy != y) < 0.3
    with pytest.raises(ValueError, match="flip"):
        helpers.make_rings(10, flip=1.0)


def test_make_xor_labels_same_sign_corners_1_and_is_seeded():
    X, y = helpers.make_xor(400, noise=0.0, rng=2)
    np.testing.assert_array_equal(y[0], (X[0] * X[1] > 0).astype(float))
    np.testing.assert_array_equal(helpers.make_xor(20, rng=3)[0], helpers.make_xor(20, rng=3)[0])


# --- the explorer ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def solution():
    # its first cell (which imports adam_step from its support module lesson06.py) and its solutions
    namespace = solution_namespace(nbs.read(SOURCE), folder=SOURCE.parent)

    def objective(X, Y, activations, lam):
        def loss_and_grads(params):
            A_L, caches = namespace["forward"](X, params, activations)
            grads, _ = namespace["backward"](Y, params, caches, activations)
            penalty, extra = namespace["l2_penalty"](params, lam, X.shape[1])
            return float(np.sum((A_L - Y) ** 2) / X.shape[1]) + penalty, {k: grads[k] + extra[k] for k in grads}
        return loss_and_grads

    namespace["objective"] = objective
    return namespace


@pytest.fixture(scope="module")
def rings():
    return helpers.make_rings(120, rng=4), helpers.make_rings(60, rng=5)


def _explorer(solution, rings, **kwargs):
    (X, y), (X_val, y_val) = rings
    args = {"forward": solution["forward"], "objective": solution["objective"], "train": solution["train"],
            "step": adam_step, "activations": ACT, "steps": 60, **kwargs}
    return DeepExplorer(X, y, X_val, y_val, **args)


def test_the_explorer_trains_the_students_network_and_draws_what_it_trained(solution, rings):
    """The loss curve is the losses of train with the sliders' values; the map is the trained network's answer."""
    (X, y), (X_val, y_val) = rings
    explorer = _explorer(solution, rings, depth=2, width=4, activation="relu", learning_rate=0.05, seed=3)
    acts = [ACT["relu"]] * 2 + [ACT["sigmoid"]]
    start = deep.init_params([2, 4, 4, 1], rng=3)
    params, losses = solution["train"](solution["objective"](X, y, acts, 0.0), start, adam_step, steps=60,
                                       learning_rate=0.05)
    np.testing.assert_allclose(explorer.lines["train"].get_ydata(), losses, rtol=1e-12)
    grid = explorer._grid
    np.testing.assert_allclose(explorer.lines["regions"].get_array().ravel(),
                               solution["forward"](grid, params, acts)[0].ravel(), rtol=1e-12)
    assert explorer.held_out.size == 60
    assert explorer.held_out[-1] == pytest.approx(float(np.mean((solution["forward"](
        X_val, explorer.params, acts)[0] - y_val) ** 2)), rel=0.2)
    assert bytes(explorer.image.value).startswith(PNG)
    assert "2 hidden layers of 4 relu units" in explorer.message.value


def test_every_control_retrains(solution, rings):
    explorer = _explorer(solution, rings)
    for key, value in (("depth", 1), ("width", 3), ("activation", "sigmoid"), ("lam", 1.0),
                       ("learning_rate", 0.1)):
        before = explorer.losses.copy()
        explorer.controls[key].value = value
        assert not np.array_equal(before, explorer.losses), f"moving {key} did not retrain"
    assert "1 hidden layer of 3 sigmoid units, λ = 1, η = 0.1" in explorer.message.value


def test_an_unfinished_exercise_is_named_in_the_widget_and_nothing_goes_to_stderr(solution, rings, capsys):
    def backward(Y, params, caches, activations):
        raise NotImplementedError()

    def objective(X, Y, activations, lam):
        return lambda params: (0.0, backward(Y, params, None, activations))

    explorer = _explorer(solution, rings, objective=objective)
    assert "Your backward is not written yet" in explorer.message.value
    assert explorer.losses.size == 0 and bytes(explorer.image.value).startswith(PNG)
    out = capsys.readouterr()
    assert out.err == "" and out.out == ""


def test_a_wrong_shape_from_the_students_train_is_one_sentence(solution, rings):
    explorer = _explorer(solution, rings, train=lambda *args, **kwargs: (args[1], np.zeros(3)))
    assert "the losses your train returned has shape (3,), expected (60,)" in explorer.message.value


def test_the_explorer_refuses_bad_arguments(solution, rings):
    with pytest.raises(ValueError, match="activation: expected one of"):
        _explorer(solution, rings, activation="softmax")
    with pytest.raises(ValueError, match="lam: expected one of"):
        _explorer(solution, rings, lam=0.5)
    with pytest.raises(TypeError, match="train: expected a function"):
        _explorer(solution, rings, train=None)
