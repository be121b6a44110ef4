"""The explorer widgets, driven without a browser: set sliders, press buttons, read the plotted artists."""

from __future__ import annotations

import io
import re

import ipywidgets as widgets
import numpy as np
import pytest
from PIL import Image

import helpers
from helpers.animation import animate_descent, save_descent_animation
from helpers.explorers import DescentExplorer, NetworkExplorer

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def line_data():
    return helpers.make_univariate(40, w=2.0, b=-1.0, noise=0.5, rng=3)


def _descent(x, y, w, b, lr, steps):
    """Plain gradient descent on the mean squared error of w x + b: path (steps + 1, 2), losses (steps + 1,)."""
    path, losses = [], []
    for _ in range(steps + 1):
        err = w * x + b - y
        path.append((w, b))
        losses.append(float(np.mean(err ** 2)))
        w, b = w - lr * float(np.mean(2 * err * x)), b - lr * float(np.mean(2 * err))
    return np.array(path), np.array(losses)


def _student(x, w, b):
    return w * x + b


def _student_backward(x, y, y_hat):
    dy_hat = 2 / x.shape[1] * (y_hat - y)
    return float(np.sum(dy_hat * x)), float(np.sum(dy_hat))


def _student_loss(y_hat, y):
    return float(np.mean((y_hat - y) ** 2))


def _explorer(x, y, **kwargs):
    return DescentExplorer(x, y, forward=_student, backward=_student_backward, loss=_student_loss, **kwargs)


# --- lessons 1 and 2 --------------------------------------------------------------------------

def test_descent_explorer_draws_the_path_the_losses_and_the_fitted_line(line_data):
    """The plotted path, loss curve and fitted line are those of gradient descent with the sliders' values."""
    x, y = line_data
    explorer = _explorer(x, y, learning_rate=0.1, steps=12, start=(-1.0, 2.0))
    path, losses = _descent(x, y, -1.0, 2.0, 0.1, 12)
    np.testing.assert_allclose(explorer.lines["path"].get_xydata(), path, rtol=1e-12)
    np.testing.assert_allclose(explorer.lines["loss"].get_ydata(), losses, rtol=1e-12)
    np.testing.assert_array_equal(explorer.lines["loss"].get_xdata(), np.arange(13))
    fit_x, fit_y = explorer.lines["fit"].get_data()
    np.testing.assert_allclose(fit_y, path[-1, 0] * fit_x + path[-1, 1], rtol=1e-12)
    assert bytes(explorer.image.value).startswith(PNG)
    assert "after 12 steps" in explorer.message.value


def test_moving_the_sliders_recomputes_and_redraws(line_data):
    """Learning rate, steps and start sliders each change what is drawn, and the image."""
    x, y = line_data
    explorer = _explorer(x, y, learning_rate=0.1, steps=10)
    before = explorer.image.value
    explorer.controls["learning_rate"].value = 0.02
    np.testing.assert_allclose(explorer.lines["path"].get_xydata(), _descent(x, y, -1.0, 2.0, 0.02, 10)[0])
    assert bytes(explorer.image.value) != bytes(before)
    explorer.controls["steps"].value = 25
    assert explorer.lines["path"].get_xydata().shape == (26, 2)
    explorer.controls["start0"].value = 3.0
    explorer.controls["start1"].value = -2.0
    np.testing.assert_allclose(explorer.lines["path"].get_xydata()[0], [3.0, -2.0])
    np.testing.assert_allclose(explorer.lines["start"].get_xydata(), [[3.0, -2.0]])
    np.testing.assert_allclose(explorer.lines["path"].get_xydata(), _descent(x, y, 3.0, -2.0, 0.02, 25)[0])


def test_the_step_button_advances_one_update_and_draws_the_next_step_as_an_arrow(line_data):
    """Each press adds one point to the path; the arrow starts at the last point and is -η times its gradient."""
    x, y = line_data
    explorer = _explorer(x, y, learning_rate=0.1, steps=0)
    assert explorer.lines["path"].get_xydata().shape == (1, 2)
    for presses in range(1, 4):
        explorer.controls["step"].click()
        assert explorer.controls["steps"].value == presses
        assert explorer.lines["path"].get_xydata().shape == (presses + 1, 2)
    path, _ = _descent(x, y, -1.0, 2.0, 0.1, 4)
    arrow = explorer.lines["arrow"]
    assert arrow.get_visible()
    np.testing.assert_allclose(arrow.get_offsets(), path[3:4])
    np.testing.assert_allclose([arrow.U[0], arrow.V[0]], path[4] - path[3], rtol=1e-9)
    explorer.controls["reset"].click()
    assert explorer.controls["steps"].value == 0
    assert explorer.lines["path"].get_xydata().shape == (1, 2)


def test_a_diverging_learning_rate_is_named_not_a_traceback(line_data):
    """Too large a learning rate: the message says the loss grew or became infinite because η is too large."""
    x, y = line_data
    explorer = _explorer(x, y, steps=100)
    explorer.controls["learning_rate"].value = 3.0
    assert "too large" in explorer.message.value
    assert np.all(np.isfinite(explorer.lines["loss"].get_ydata()))


def test_the_explorer_has_no_model_of_its_own(line_data):
    """Without the student's functions the explorer refuses, naming what to pass (it holds no answer)."""
    x, y = line_data
    with pytest.raises(TypeError, match=r"runs your own functions: pass forward=forward, backward=backward, "
                                        r"loss=loss"):
        DescentExplorer(x, y, steps=7)
    with pytest.raises(TypeError, match=r"pass forward=forward, backward=backward, loss=loss"):
        NetworkExplorer(x, y, steps=7)
    with pytest.raises(ValueError, match="a pair"):
        NetworkExplorer(x, y, forward=_student, backward=_student_backward, loss=_student_loss, activation="sigmoid")


def test_an_unwritten_exercise_shows_a_friendly_message_and_nothing_on_stderr(line_data, capsys):
    """A stub raising NotImplementedError gives a sentence in the widget, empty plots and no output."""
    x, y = line_data

    def backward(x, y, y_hat):
        raise NotImplementedError()

    explorer = _explorer(x, y)
    explorer.backward = backward
    explorer.update()
    assert "backward is not written yet" in explorer.message.value
    assert explorer.lines["path"].get_xydata().shape == (0, 2)
    assert not explorer.lines["arrow"].get_visible()
    assert bytes(explorer.image.value).startswith(PNG)
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""


@pytest.mark.parametrize(("forward", "backward", "expected"), [
    (lambda x, w, b: (w * x + b).T, _student_backward, "shape (40, 1), expected (1, 40): did you transpose it?"),
    (_student, lambda x, y, y_hat: (y_hat - y, 0.0), "the dw your backward returned has shape (1, 40), expected ()"),
    (_student, lambda x, y, y_hat: 1.0, "your backward should return 2 values"),
    (_student, lambda x, y, y_hat: x[5, 0], "your backward raised IndexError"),
])
def test_wrong_student_code_is_described_in_one_sentence(line_data, capsys, forward, backward, expected):
    """Wrong shapes, wrong return values and exceptions in the student's code each become one clear sentence."""
    x, y = line_data
    explorer = DescentExplorer(x, y, forward=forward, backward=backward, loss=_student_loss)
    assert expected in explorer.message.value
    assert "Traceback" not in explorer.message.value
    assert capsys.readouterr().err == ""


def test_two_features_draw_the_two_weights_and_predictions_against_targets():
    """With X of shape (2, m) the map shows (w0, w1) and the fit panel ŷ against y."""
    X, y = helpers.make_multivariate(m=50, n=2, w=np.array([[2.0, 0.3]]), b=0.5, rng=0)

    def forward(X, w, b):
        return w @ X + b

    def backward(X, y, y_hat):
        dy_hat = 2 / X.shape[1] * (y_hat - y)
        return dy_hat @ X.T, float(np.sum(dy_hat))

    explorer = DescentExplorer(X, y, forward=forward, backward=backward, loss=_student_loss, steps=5,
                               learning_rate=0.1)
    w, b = np.zeros((1, 2)), 0.0
    for _ in range(5):
        w, b = w - 0.1 * backward(X, y, forward(X, w, b))[0], b - 0.1 * backward(X, y, forward(X, w, b))[1]
    np.testing.assert_allclose(explorer.lines["path"].get_xydata()[-1], w[0], rtol=1e-12)
    targets, predictions = explorer.lines["fit"].get_data()
    np.testing.assert_allclose(targets, y[0])
    np.testing.assert_allclose(predictions, forward(X, w, b)[0], rtol=1e-12)


def test_the_explorer_displays_as_its_widget_with_a_stable_text_form(line_data):
    """A bare explorer shows the VBox; its text/plain (what nbval compares) holds no model id."""
    x, y = line_data
    explorer = _explorer(x, y)
    bundle = explorer._repr_mimebundle_()
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == explorer.widget.model_id
    assert bundle["text/plain"] == repr(explorer) == repr(_explorer(x, y))


def test_an_update_redraws_artists_without_rebuilding_the_figure(line_data):
    """Moving a slider keeps the same figure and artists and takes well under the 50 ms target."""
    x, y = line_data
    explorer = _explorer(x, y)
    figure, path_line = explorer.figure, explorer.lines["path"]
    times = []
    for lr in np.geomspace(0.01, 0.3, 15):
        explorer.controls["learning_rate"].value = lr
        times.append(explorer.last_update_seconds)
    assert explorer.figure is figure and explorer.lines["path"] is path_line
    assert len(figure.axes[0].lines) == 2  # the path and the start marker, never piled up
    assert np.median(times) < 0.25, f"median update {np.median(times) * 1e3:.0f} ms (make bench checks < 50 ms)"


# --- lessons 3 and 4 --------------------------------------------------------------------------

@pytest.fixture
def bump():
    return helpers.make_nonlinear(m=30, kind="bump", rng=0)


def _sigmoid(Z):
    return 1 / (1 + np.exp(-Z))


def _sigmoid_prime(Z):
    return _sigmoid(Z) * (1 - _sigmoid(Z))


def _network_forward(X, params, sigma=lambda Z: Z):
    Z = params["W1"] @ X + params["b1"]
    A = sigma(Z)
    return params["w2"] @ A + params["b2"], {"Z": Z, "A": A}


def _network_backward(X, y, y_hat, params, cache, sigma_prime=np.ones_like):
    dy_hat = 2 / X.shape[1] * (y_hat - y)
    dZ = (params["w2"].T @ dy_hat) * sigma_prime(cache["Z"])
    return {"W1": dZ @ X.T, "b1": dZ.sum(axis=1, keepdims=True), "w2": dy_hat @ cache["A"].T,
            "b2": float(np.sum(dy_hat))}


def _network(X, y, **kwargs):
    """A network explorer running the tests' own two-layer sigmoid network (the lesson 4 student's role)."""
    return NetworkExplorer(X, y, forward=_network_forward, backward=_network_backward, loss=_student_loss,
                           activation=(_sigmoid, _sigmoid_prime), **kwargs)


def test_network_explorer_trains_and_draws_the_fit_and_the_training_curve(bump):
    """The fit line is the trained network on a grid; the training curve has steps + 1 losses."""
    X, y = bump
    explorer = _network(X, y, steps=40, learning_rate=0.5)
    assert explorer.lines["loss"].get_ydata().shape == (41,)
    grid_x, fit = explorer.lines["fit"].get_data()
    p = explorer.params
    expected = p["w2"] @ (1 / (1 + np.exp(-(p["W1"] @ grid_x[None, :] + p["b1"])))) + p["b2"]
    np.testing.assert_allclose(fit, expected[0], rtol=1e-12)
    assert explorer.losses[-1] < explorer.losses[0]


def test_network_training_is_the_engines_run_and_a_hand_written_loop(bump):
    """The losses drawn are those of a hand-written loop from the same start; the cached run is a
    helpers.descent.Run, and growing the steps extends it to the numbers of a fresh run."""
    from helpers.descent import Run

    X, y = bump
    explorer = _network(X, y, steps=20, learning_rate=0.3, seed=2)
    p = {key: np.array(v, dtype=np.float64) for key, v in
         _default_start(1, 2, scale=1.0, rng=np.random.default_rng(2)).items()}
    losses = []
    for _ in range(61):
        y_hat, cache = _network_forward(X, p, _sigmoid)
        losses.append(_student_loss(y_hat, y))
        g = _network_backward(X, y, y_hat, p, cache, _sigmoid_prime)
        p = {key: p[key] - 0.3 * g[key] for key in p}
    np.testing.assert_allclose(explorer.losses, losses[:21], rtol=1e-12)
    (run,) = explorer._runs.values()
    assert isinstance(run, Run) and run.steps == 20
    explorer.controls["steps"].value = 60
    assert explorer._runs[next(iter(explorer._runs))] is run and run.steps == 60  # extended, not rebuilt
    np.testing.assert_allclose(explorer.losses, losses, rtol=1e-12)
    np.testing.assert_allclose(explorer.lines["loss"].get_ydata(), losses, rtol=1e-12)


def _default_start(n, k, *, scale, rng):
    """The explorer's default initialisation, written out: W1, b1, w2 from N(0, scale²), b2 = 0."""
    return {"W1": scale * rng.standard_normal((k, n)), "b1": scale * rng.standard_normal((k, 1)),
            "w2": scale * rng.standard_normal((1, k)), "b2": 0.0}


def test_network_sliders_change_the_units_and_the_training(bump):
    """Hidden units, initial scale, learning rate and steps each change the run; the units add up to the fit."""
    X, y = bump
    explorer = _network(X, y, steps=30, show_units=True, max_units=6)
    explorer.controls["hidden_units"].value = 4
    assert explorer.params["W1"].shape == (4, 1)
    assert sum(line.get_visible() for line in explorer.lines["units"]) == 4
    units = np.array([line.get_ydata() for line in explorer.lines["units"][:4]])
    np.testing.assert_allclose(units.sum(axis=0) + explorer.params["b2"], explorer.lines["sum"].get_ydata(),
                               rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(explorer.lines["sum"].get_ydata(), explorer.lines["fit"].get_ydata())
    explorer.controls["init_scale"].value = 0.0
    assert np.all(explorer.params["W1"] == explorer.params["W1"][0])  # from zero every unit stays the same
    explorer.controls["steps"].value = 60
    assert explorer.lines["loss"].get_ydata().shape == (61,)
    first = explorer.losses.copy()
    explorer.controls["learning_rate"].value = 0.05
    assert not np.allclose(first, explorer.losses)


def test_the_linear_network_draws_a_straight_line_whatever_its_size(bump):
    """Lesson 3: without an activation, the fit is a line for every k (its second differences vanish)."""
    X, y = bump

    def forward(X, params):
        Z = params["W1"] @ X + params["b1"]
        return params["w2"] @ Z + params["b2"], {"Z": Z}

    def backward(X, y, y_hat, params, cache):
        dy_hat = 2 / X.shape[1] * (y_hat - y)
        dZ = params["w2"].T @ dy_hat
        return {"W1": dZ @ X.T, "b1": dZ.sum(axis=1, keepdims=True), "w2": dy_hat @ cache["Z"].T,
                "b2": float(dy_hat.sum())}

    explorer = NetworkExplorer(X, y, forward=forward, backward=backward, loss=_student_loss, steps=50,
                               learning_rate=0.05, init_scale=0.5)
    for k in (1, 5):
        explorer.controls["hidden_units"].value = k
        fit = explorer.lines["fit"].get_ydata()
        assert np.allclose(np.diff(fit, 2), 0, atol=1e-10)
    reference = NetworkExplorer(X, y, forward=_network_forward, backward=_network_backward, loss=_student_loss,
                                steps=50, learning_rate=0.05, init_scale=0.5, hidden_units=5)
    np.testing.assert_allclose(reference.losses, explorer.losses, rtol=1e-10)


def test_the_students_activation_and_mistakes_reach_the_message(bump, capsys):
    """Lesson 4's (sigmoid, sigmoid_derivative) are passed on; a stub or a wrong shape becomes a sentence."""
    X, y = bump

    def sigmoid(Z):
        raise NotImplementedError()

    def forward(X, params, sigma):
        Z = params["W1"] @ X + params["b1"]
        A = sigma(Z)
        return params["w2"] @ A + params["b2"], {"Z": Z, "A": A}

    def backward(X, y, y_hat, params, cache, sigma_prime):
        return {"W1": np.zeros((1, 2)), "b1": np.zeros((2, 1)), "w2": np.zeros((1, 2)), "b2": 0.0}

    explorer = NetworkExplorer(X, y, forward=forward, backward=backward, loss=_student_loss,
                               activation=(sigmoid, np.cos), steps=5)
    assert "Your sigmoid is not written yet" in explorer.message.value  # the stub forward calls is named
    explorer = NetworkExplorer(X, y, forward=forward, backward=backward, loss=_student_loss,
                               activation=(np.tanh, np.cos), steps=5)
    assert "the dW1 your backward returned has shape (1, 2), expected (2, 1): did you transpose it?" in \
        explorer.message.value
    assert capsys.readouterr().err == ""


# --- every control over its whole range, with right and broken functions ------------------------

def _values(control, n=5):
    """``n`` values spread over a slider's whole range, both ends included, as the frontend can send them."""
    if isinstance(control, widgets.FloatLogSlider):
        return [float(control.base ** e) for e in np.linspace(control.min, control.max, n)]
    values = np.linspace(control.min, control.max, n)
    return [int(round(v / control.step) * control.step) if isinstance(control, widgets.IntSlider) else float(v)
            for v in values]


def _sliders(explorer):
    return {key: c for key, c in explorer.controls.items() if isinstance(c, widgets.widgets.widget_float._Float)
            or isinstance(c, widgets.IntSlider)}


def _assert_shown(explorer, capsys, what):
    """The callback left a message, a PNG and finite drawn losses; nothing on stdout or stderr."""
    text = explorer.message.value
    assert re.search(r">[^<]+<", text), f"{what}: no message"
    assert "Traceback" not in text
    assert bytes(explorer.image.value).startswith(PNG)
    assert np.all(np.isfinite(np.asarray(explorer.lines["loss"].get_ydata(), dtype=float))), what
    out = capsys.readouterr()
    assert out.out == "" and out.err == "", f"{what}: {out}"


def _sweep(explorer, capsys, name):
    """Every slider across its range, then every slider at its minimum and at its maximum together."""
    sliders = _sliders(explorer)
    for key, control in sliders.items():
        start = control.value
        for value in _values(control):
            control.value = value  # raises if the callback does
            _assert_shown(explorer, capsys, f"{name}: {key} = {value}")
        control.value = start
    for corner in ("min", "max", "min", "max"):
        for control in sliders.values():
            control.value = _values(control)[0 if corner == "min" else -1]
        _assert_shown(explorer, capsys, f"{name}: every slider at its {corner}")
    for key, control in sliders.items():
        control.value = _values(control)[0 if key == "learning_rate" else -1]  # the others at the top
    _assert_shown(explorer, capsys, f"{name}: the smallest learning rate, the rest at the top")


LESSONS = {
    "lesson 1": lambda: DescentExplorer(*helpers.make_univariate(60, w=2.0, b=-1.0, noise=0.5, rng=0),
                                        forward=_student, backward=_student_backward, loss=_student_loss,
                                        max_steps=60, dpi=20, grid=31),
    "lesson 2": lambda: DescentExplorer(*helpers.make_multivariate(m=60, n=2, w=np.array([[2.0, 0.3]]), b=0.5,
                                                                   scales=[1.0, 10.0], rng=0),
                                        forward=lambda X, w, b: w @ X + b, backward=_backward_2,
                                        loss=_student_loss, max_steps=60, dpi=20, grid=31,
                                        view=((-1.5, 4.5), (-1.5, 4.5))),
    "lesson 3": lambda: NetworkExplorer(*helpers.make_nonlinear(m=30, kind="bump", rng=0),
                                        forward=_network_forward, backward=_network_backward, loss=_student_loss,
                                        max_steps=60, max_units=4, dpi=20),
    "lesson 4": lambda: NetworkExplorer(*helpers.make_nonlinear(m=30, kind="bump", rng=0),
                                        forward=_network_forward, backward=_network_backward, loss=_student_loss,
                                        activation=(_sigmoid, _sigmoid_prime), max_steps=60, max_units=4,
                                        show_units=True, dpi=20),
}


def _backward_2(X, y, y_hat):
    dy_hat = 2 / X.shape[1] * (y_hat - y)
    return dy_hat @ X.T, float(np.sum(dy_hat))


@pytest.mark.parametrize("lesson", LESSONS)
def test_every_slider_over_its_whole_range_never_raises(lesson, capsys):
    """Each control across its range and all at their extremes: a message and a plot, never an exception;
    a diverging run says that η is too large and reset goes back to the start."""
    explorer = LESSONS[lesson]()
    _sweep(explorer, capsys, lesson)
    explorer.controls["learning_rate"].value = 10 ** explorer.controls["learning_rate"].max
    explorer.controls["steps"].value = explorer.controls["steps"].max
    assert "too large" in explorer.message.value, explorer.message.value
    if "reset" in explorer.controls:
        explorer.controls["reset"].click()
        assert explorer.controls["steps"].value == 0 and explorer.lines["path"].get_xydata().shape == (1, 2)
        assert "after 0 steps" in explorer.message.value


def _broken(kind, shape_of):
    """A student's function gone wrong: it raises, returns NaN or infinity, or returns the wrong shape."""
    def broken(*args):
        value = shape_of(*args)
        if kind == "raises":
            raise ValueError("operands could not be broadcast together")
        if kind in ("nan", "inf"):
            return np.full_like(np.asarray(value, dtype=float), np.nan if kind == "nan" else np.inf)
        return np.zeros((3, 3))
    return broken


@pytest.mark.parametrize("lesson", LESSONS)
def test_broken_functions_become_a_sentence_at_every_extreme(lesson, capsys):
    """A forward or loss that raises, gives NaN or infinity or the wrong shape: a sentence at both extremes."""
    explorer = LESSONS[lesson]()
    for kind in ("raises", "nan", "inf", "shape"):
        for name in ("forward", "loss"):
            right = getattr(explorer, name)
            setattr(explorer, name, _broken(kind, right))
            for corner in (0, -1):
                for control in _sliders(explorer).values():
                    control.value = _values(control, 3)[corner]
                _assert_shown(explorer, capsys, f"{lesson}, {kind} {name}")
                assert "color:#b42318" in explorer.message.value, (kind, name, explorer.message.value)
            setattr(explorer, name, right)
    explorer.update()
    assert "color:#b42318" not in explorer.message.value  # and back once the functions are right


def test_a_backward_that_returns_nan_is_named_and_the_plots_stop_there(line_data, capsys):
    """NaN gradients after a few good steps: the message names backward, the path stops at the last good point."""
    x, y = line_data
    calls = []

    def backward(x, y, y_hat):
        calls.append(1)
        dw, db = _student_backward(x, y, y_hat)
        return (dw, db) if len(calls) < 4 else (np.nan, db)

    explorer = DescentExplorer(x, y, forward=_student, backward=backward, loss=_student_loss, steps=10)
    assert "became NaN at step 4" in explorer.message.value and "backward" in explorer.message.value
    assert explorer.lines["path"].get_xydata().shape == (4, 2)
    assert not explorer.lines["arrow"].get_visible()
    _assert_shown(explorer, capsys, "NaN backward")


def test_divergence_stops_the_plots_instead_of_overflowing(line_data):
    """η far too large: the run stops once the loss passes a million times its start; no arrow crosses the map."""
    x, y = line_data
    explorer = _explorer(x, y, steps=100, learning_rate=3.0)
    losses = explorer.lines["loss"].get_ydata()
    assert "grew past a million times its start" in explorer.message.value
    assert losses.max() <= 1e6 * losses[0] and len(losses) < 101
    assert not explorer.lines["arrow"].get_visible()
    high = explorer.axes["loss"].get_ylim()[1]
    assert high <= 1e4 * losses[0]  # the axis keeps the start's decades; the diverging curve leaves at the top


# --- slider values the lesson text can name ---------------------------------------------------

def _frontend(control, value):
    """The value the browser sends for ``value`` typed or dragged: snapped to the slider's step."""
    if isinstance(control, widgets.FloatLogSlider):
        return float(control.base ** (round(np.log10(value) / control.step) * control.step))
    return float(control.min + round((value - control.min) / control.step) * control.step)


def test_every_three_digit_learning_rate_is_reachable_exactly():
    """Every learning rate with three significant digits from 0.001 to 3.16 (0.6, 0.7, 0.636, 0.0089, 0.5,
    lesson 1's and 2's) comes out of the frontend's snapping as itself."""
    control = _explorer(*helpers.make_univariate(20, rng=0)).controls["learning_rate"]
    mantissas = np.arange(100, 1000) / 100
    wanted = np.concatenate([mantissas * 10.0 ** e for e in range(-3, 1)])
    wanted = np.array([float(f"{v:.3g}") for v in wanted if v <= 10 ** control.max])
    snapped = control.base ** (np.round(np.log10(wanted) / control.step) * control.step)
    got = np.array([float(f"{v:.3g}") for v in snapped])
    np.testing.assert_array_equal(got, wanted)
    assert {0.6, 0.7, 0.636, 0.0089, 0.5, 0.01, 0.1} <= set(wanted.tolist())


@pytest.mark.parametrize("rate", [0.01, 0.1, 0.6, 0.7, 0.636])
def test_lesson_1s_learning_rates_run_exactly(line_data, rate):
    """The rates lesson 1's text names, typed or dragged: the run uses exactly that η, and says so."""
    x, y = line_data
    explorer = _explorer(x, y, steps=5)
    control = explorer.controls["learning_rate"]
    control.value = _frontend(control, rate)
    assert explorer.learning_rate == rate
    assert f"η = {rate:g}:" in explorer.message.value
    np.testing.assert_allclose(explorer.lines["path"].get_xydata(), _descent(x, y, -1.0, 2.0, rate, 5)[0],
                               rtol=1e-12)


def test_the_start_sliders_show_the_start_the_run_uses(line_data):
    """Lesson 1's start (-1, 2) sits on the sliders' grid, so the browser shows -1.00 and 2.00 and runs from there."""
    x, y = line_data
    explorer = _explorer(x, y, start=(-1.0, 2.0))
    for key, value in (("start0", -1.0), ("start1", 2.0)):
        control = explorer.controls[key]
        assert _frontend(control, control.value) == pytest.approx(value, abs=1e-12)
        assert control.readout_format == ".2f"
    assert explorer.start == (-1.0, 2.0)
    np.testing.assert_allclose(explorer.lines["path"].get_xydata()[0], [-1.0, 2.0])
    explorer.controls["start0"].value = _frontend(explorer.controls["start0"], 0.4)
    assert explorer.start[0] == 0.4 and explorer.lines["path"].get_xydata()[0, 0] == 0.4


def _pixels(explorer):
    explorer._render()
    with Image.open(io.BytesIO(bytes(explorer.image.value))) as image:
        return np.asarray(image.convert("RGB"), dtype=int)


def test_the_next_step_arrow_is_visible_at_the_lessons_size(line_data):
    """The white arrow at the lesson's figure size: it covers a few hundred pixels, its head wider than its shaft."""
    x, y = line_data
    explorer = _explorer(x, y, steps=0, learning_rate=0.1)
    arrow = explorer.lines["arrow"]
    assert arrow.get_visible()
    with_arrow = _pixels(explorer)
    arrow.set_visible(False)
    rows, cols = np.nonzero(np.any(with_arrow != _pixels(explorer), axis=2))
    assert rows.size >= 150, f"the arrow covers {rows.size} pixels"
    # across the arrow (it points mostly left-right or up-down), its widest part is the head
    extent = min(np.ptp(rows), np.ptp(cols)) + 1
    assert extent >= 9, f"the arrow is {extent} pixels across at its widest"


def test_the_lessons_step_arrows_have_visible_heads(line_data):
    """plot_trajectory at lesson 1's figure size (15 x 4.2 in, three maps): each arrowhead is at least 7 pixels
    wide, on top of the path."""
    import matplotlib.pyplot as plt

    x, y = line_data
    path, _ = _descent(x, y, -1.0, 2.0, 0.1, 8)
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2), dpi=100)
    _, quiver = helpers.plot_trajectory(path, ax=axes[1])
    fig.canvas.draw()
    verts = quiver.get_transform().transform(quiver._make_verts(quiver.XY, quiver.U, quiver.V, quiver.angles)[0])
    head = np.linalg.norm(verts[2] - verts[4])  # from barb to barb of the first head (verts[3] is its tip), pixels
    assert head >= 7, f"arrowheads only {head:.1f} pixels wide (they were 4 before)"
    assert quiver.get_zorder() > axes[1].lines[0].get_zorder()


# --- animation ---------------------------------------------------------------------------------

def test_a_descent_path_exports_as_a_gif_with_one_frame_per_step(line_data, tmp_path):
    """save_descent_animation writes a valid GIF with T + 1 frames, with or without a loss panel and a map."""
    x, y = line_data
    path, losses = _descent(x, y, -1.0, 2.0, 0.1, 9)
    w_values, b_values = np.linspace(-2, 4, 31), np.linspace(-3, 3, 31)
    surface = (w_values, b_values, helpers.linear_mse_surface(x, y, w_values, b_values))
    out = save_descent_animation(tmp_path / "descent.gif", path, losses, surface=surface, dpi=40)
    with Image.open(out) as gif:
        assert gif.format == "GIF"
        assert gif.n_frames == 10
    out = save_descent_animation(tmp_path / "bare.gif", path[:4], dpi=40)
    with Image.open(out) as gif:
        assert gif.n_frames == 4


def test_the_animation_shows_the_path_up_to_each_frame(line_data, tmp_path):
    """Frame t of animate_descent draws the first t + 1 points; the explorer animates its current path."""
    x, y = line_data
    explorer = _explorer(x, y, steps=6)
    anim = explorer.animation(dpi=40)
    line = anim._fig.axes[0].lines[0]
    anim._func(3)
    np.testing.assert_allclose(line.get_xydata(), explorer.path[:4])
    anim.save(tmp_path / "explorer.gif", writer="pillow")  # an animation must be rendered once
    with Image.open(tmp_path / "explorer.gif") as gif:
        assert gif.n_frames == 7
    with pytest.raises(ValueError, match="path"):
        animate_descent(np.zeros((3, 3)))


def test_a_network_move_in_the_kernel_draws_the_run_so_far_then_exactly_the_whole_run(monkeypatch):
    """In an event loop (the kernel's), a move of lesson 4's explorer answers with the first chunk of steps of
    the new run ("training, step 25 of 60"), and the frames after it end on the very figure of a run trained at
    once: the same losses, message, drawn lines and axes; nothing reaches the loop's exception handler."""
    import asyncio

    import helpers.explorers as explorers

    monkeypatch.setattr(NetworkExplorer, "first_frame_seconds", 0.0)  # one chunk per frame, whatever the machine
    monkeypatch.setattr(NetworkExplorer, "frame_seconds", 0.0)
    at_once = LESSONS["lesson 4"]()
    at_once.controls["seed"].value = 3

    async def move():
        asyncio.get_running_loop().set_exception_handler(lambda loop, context: escaped.append(context))
        explorer = LESSONS["lesson 4"]()  # made at once: its first run is complete
        assert not explorer.training and explorer.losses.size == explorer.controls["steps"].value + 1
        explorer.controls["seed"].value = 3
        assert explorer.training and explorer.losses.size == explorers.FRAME_STEPS + 1
        assert f"training, step {explorers.FRAME_STEPS} of {explorer.controls['steps'].value}" in explorer.message.value
        frames = 0
        while explorer.training and frames < 100:
            await asyncio.sleep(0)
            frames += 1
        return explorer, frames

    escaped = []
    explorer, frames = asyncio.run(move())
    assert not explorer.training and frames >= 1 and escaped == []
    np.testing.assert_array_equal(explorer.losses, at_once.losses)
    assert explorer.message.value == at_once.message.value
    for name in ("fit", "loss", "sum"):
        np.testing.assert_array_equal(explorer.lines[name].get_xydata(), at_once.lines[name].get_xydata())
    assert explorer.axes["loss"].get_ylim() == at_once.axes["loss"].get_ylim()
    assert bytes(explorer.image.value).startswith(b"\x89PNG")
