"""Lesson 9's tools: helpers.deep (parameters, flattening, decision regions), its data sets and its explorer."""

from __future__ import annotations

import asyncio
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
    namespace = solution_namespace(nbs.read(SOURCE), folder=SOURCE.parent)  # with its support module lesson06.py

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


# --- the explorer in a kernel: a new run drawn in frames on the event loop -----------------------------

def _in_loop(coroutine_function):
    """Run ``coroutine_function()`` in an event loop, as the kernel runs widget callbacks; return its result and
    what reached the loop's exception handler."""
    escaped = []

    async def main():
        asyncio.get_running_loop().set_exception_handler(lambda loop, context: escaped.append(context))
        return await coroutine_function()

    return asyncio.run(main()), escaped


async def _until_trained(explorer, limit=2000):
    frames = 0
    while explorer.training and frames < limit:
        await asyncio.sleep(0)
        frames += 1
    assert not explorer.training, "the run did not finish"
    return frames


@pytest.fixture
def one_step_frames(monkeypatch):
    """Frames of (almost) no training time: a run pauses after each gradient evaluation, whatever the machine."""
    monkeypatch.setattr(DeepExplorer, "first_frame_seconds", 0.0)
    monkeypatch.setattr(DeepExplorer, "frame_seconds", 0.0)


def test_a_move_in_the_kernel_draws_the_run_so_far_then_exactly_the_whole_run(solution, rings, one_step_frames,
                                                                              monkeypatch):
    """In an event loop a move answers with the first steps of the new run ("training, step k of 60"), and the
    frames that follow end on the very figure of a run trained at once: the same losses, map and PNG."""
    at_once = _explorer(solution, rings)
    at_once.controls["width"].value = 3

    async def move():
        explorer = _explorer(solution, rings)  # made at once: its first run is complete
        assert not explorer.training and explorer.losses.size == 60
        explorer.controls["width"].value = 3
        assert explorer.training and 0 < explorer.losses.size < 60
        assert "of 3 tanh units, λ = 0, η = 0.02: training, step 1 of 60" in explorer.message.value
        assert bytes(explorer.image.value).startswith(PNG)
        first = explorer.losses.size
        await asyncio.sleep(0)  # the loop's next iteration: the next frame, a step further
        assert explorer.training and explorer.losses.size == first + 1
        assert f"training, step {first + 1} of 60" in explorer.message.value
        monkeypatch.setattr(DeepExplorer, "frame_seconds", 1.0)  # the rest in one frame
        frames = await _until_trained(explorer)
        return explorer, frames

    (explorer, frames), escaped = _in_loop(move)
    assert frames >= 1 and escaped == []
    np.testing.assert_array_equal(explorer.losses, at_once.losses)
    np.testing.assert_array_equal(explorer.held_out, at_once.held_out)
    np.testing.assert_array_equal(explorer.lines["regions"].get_array(), at_once.lines["regions"].get_array())
    assert explorer.message.value == at_once.message.value
    assert bytes(explorer.image.value) == bytes(at_once.image.value)


def test_a_run_left_before_its_end_is_resumed_when_its_values_come_back(solution, rings, one_step_frames,
                                                                        monkeypatch):
    """Moving on pauses the unfinished run; coming back resumes it (train is not called again) and ends on the
    figure of a run trained at once. Moving back to a finished run trains nothing and draws the same PNG."""
    at_once = _explorer(solution, rings, width=4)
    calls = []

    def train(*args, **kwargs):
        calls.append(1)
        return solution["train"](*args, **kwargs)

    async def moves():
        explorer = _explorer(solution, rings, train=train, width=4)
        first_png = bytes(explorer.image.value)
        explorer.controls["width"].value = 6
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        partly = explorer.losses.size
        assert explorer.training and partly < 60
        explorer.controls["width"].value = 4  # the finished first run: drawn from the cache
        assert not explorer.training and bytes(explorer.image.value) == first_png
        explorer.controls["width"].value = 6  # resumed where it was left
        assert explorer.training and explorer.losses.size >= partly
        monkeypatch.setattr(DeepExplorer, "frame_seconds", 1.0)  # the rest in one frame
        await _until_trained(explorer)
        return explorer

    explorer, escaped = _in_loop(moves)
    assert len(calls) == 2 and escaped == []  # the first run and width 6's, each trained once
    at_once.controls["width"].value = 6
    np.testing.assert_array_equal(explorer.losses, at_once.losses)
    assert bytes(explorer.image.value) == bytes(at_once.image.value)


def test_a_function_that_fails_in_the_middle_of_a_run_is_one_sentence_and_nothing_escapes(solution, rings,
                                                                                       one_step_frames, capsys):
    """The student's objective raising at its 10th call, in a frame on the event loop: the widget says so in one
    sentence, the plots are cleared, nothing reaches the loop's exception handler or stderr, and the run is
    not cached (the same values try again)."""
    calls = []

    def objective(X, Y, activations, lam):
        inner = solution["objective"](X, Y, activations, lam)

        def loss_and_grads(params):
            calls.append(1)
            if len(calls) == 70:  # the first run (60 calls, at once), then the 10th of the next one
                raise ZeroDivisionError("division by zero")
            return inner(params)
        return loss_and_grads

    async def move():
        explorer = _explorer(solution, rings, objective=objective)
        explorer.controls["lam"].value = 0.1
        await _until_trained(explorer)
        return explorer

    explorer, escaped = _in_loop(move)
    assert escaped == []
    assert "your train raised ZeroDivisionError: division by zero" in explorer.message.value
    assert explorer.losses.size == 0 and not explorer.training
    assert len(explorer._runs) == 1  # only the first, finished run
    assert capsys.readouterr().err == ""


def test_moving_back_to_a_finished_run_shows_its_png_again_only_while_the_loss_axis_is_unchanged(solution, rings):
    """A cache hit on the same loss axis renders nothing and shows the very PNG drawn before; once another run
    has widened the loss axis, moving back renders again, the same as a render of the figure from scratch."""
    from helpers.explorers import _Explorer

    explorer = _explorer(solution, rings, width=5, learning_rate=0.001)  # a slow run: its losses stay high
    first_png = bytes(explorer.image.value)
    renders = []
    explorer._canvas.buffer_rgba = lambda real=explorer._canvas.buffer_rgba: renders.append(1) or real()
    explorer.controls["depth"].value = 1
    explorer.controls["depth"].value = 2  # back: the same axis, so the same PNG, with no render
    assert bytes(explorer.image.value) == first_png
    assert len(renders) == 1  # only depth 1's
    np.testing.assert_array_equal(explorer.lines["train"].get_ydata(), explorer.losses)  # and its artists moved
    before = explorer.axes["loss"].get_ylim()
    explorer.controls["learning_rate"].value = 0.1  # a fast run: lower losses widen the loss axis
    assert explorer.axes["loss"].get_ylim() != before
    explorer.controls["learning_rate"].value = 0.001
    shown = bytes(explorer.image.value)
    assert shown != first_png
    _Explorer._render(explorer)  # the figure rendered in full, as it stands
    assert bytes(explorer.image.value) == shown


def test_a_run_left_pending_by_an_event_loop_that_ended_goes_on_in_the_next_one(solution, rings, one_step_frames,
                                                                                monkeypatch):
    """An event loop that ends with a frame still waiting (a kernel restarted its loop, a script's asyncio.run)
    does not leave the run stuck: the next move in another loop schedules its frames again."""
    async def start():
        explorer = _explorer(solution, rings)
        explorer.controls["width"].value = 3
        return explorer  # the loop ends with width 3's next frame pending

    explorer, _ = _in_loop(start)
    assert explorer.training
    monkeypatch.setattr(DeepExplorer, "frame_seconds", 1.0)  # the rest in one frame

    async def finish():
        explorer.controls["width"].value = 4
        explorer.controls["width"].value = 3
        await _until_trained(explorer)

    _, escaped = _in_loop(finish)
    assert escaped == [] and explorer.losses.size == 60 and "held-out points right" in explorer.message.value


def _options(control):
    """Every value a control can send (a dropdown's or selection slider's options; a slider's whole range)."""
    import ipywidgets as widgets

    if isinstance(control, widgets.FloatLogSlider):
        return [float(control.base ** e) for e in np.linspace(control.min, control.max, 5)]
    if isinstance(control, widgets.IntSlider):
        return list(range(control.min, control.max + 1))
    return [value for _, value in control.options] if isinstance(control.options[0], tuple) else list(control.options)


def _shown(explorer, capsys, what):
    """A message and a PNG, finite drawn losses, nothing on stdout or stderr."""
    import re

    assert re.search(r">[^<]+<", explorer.message.value) and "Traceback" not in explorer.message.value, what
    assert bytes(explorer.image.value).startswith(PNG), what
    assert np.all(np.isfinite(np.asarray(explorer.lines["train"].get_ydata(), dtype=float))), what
    out = capsys.readouterr()
    assert out.out == "" and out.err == "", f"{what}: {out}"


def test_every_control_over_its_whole_range_and_all_at_their_extremes_never_raises(solution, rings, capsys):
    """Issue 13, item 1, for lesson 9's explorer: each control through every value it can send, then all at
    their first and at their last values together: a message and a plot each time, never an exception."""
    explorer = _explorer(solution, rings, steps=8, grid=12, dpi=30)
    for key, control in explorer.controls.items():
        start = control.value
        for value in _options(control):
            control.value = value  # raises if the callback does
            _shown(explorer, capsys, f"{key} = {value}")
        control.value = start
    for end in (0, -1, 0):
        for control in explorer.controls.values():
            control.value = _options(control)[end]
        _shown(explorer, capsys, f"every control at its {'first' if end == 0 else 'last'} value")
