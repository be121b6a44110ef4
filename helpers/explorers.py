"""Widgets to play with gradient descent, driven by the student's own functions.

Two explorers, one per family of lessons:

* :class:`DescentExplorer` (lessons 1 and 2): the learning rate (log scale), the
  number of steps and the starting point; it draws the descent path on the
  contours of the loss, the loss at each step and the fitted model, and a
  "step" button advances one update at a time, drawing the next step's arrow.
* :class:`NetworkExplorer` (lessons 3 and 4): the number of hidden units, the
  scale of the initial weights and the learning rate; it draws the training
  curve and the fitted function and, with ``show_units=True``, each hidden
  unit's contribution ``w2_j σ(W1_j x + b1_j)`` adding up to the fit.

Both run only the student's functions (``forward``, ``backward``, ``loss``).
When one raises (an unfinished stub raises ``NotImplementedError``), returns the
wrong shape or a non-finite number, the explorer shows one sentence saying so in
the widget, never a traceback, and writes nothing to stderr. A run stops once its
loss diverges (the one rule of :mod:`helpers.descent`: past a million times its
start, or not a finite number): the message says η is too large and the plots
stop there. No exception leaves a widget callback.

What the sliders show is what the run uses: the learning rate to three
significant digits (every such value, 0.6, 0.7 or 0.636, can be typed or
dragged to exactly), the start on its 0.05 grid. Training runs on the one descent
engine (:func:`helpers.descent.iterate` with :func:`helpers.descent.gradient_step`);
runs are cached by the slider values that fix them and extended, only the steps
not yet taken, when only the number of steps grows.

The figure is a :class:`matplotlib.figure.Figure` made once (not through
pyplot, so nothing is displayed twice); each update moves its artists
(``Line2D.set_data``, ``Quiver.set_UVC``) and renders it into an
``ipywidgets.Image`` as PNG, so no ipympl is needed (the machinery is in
:mod:`helpers._explorer_base`). Tests read what is drawn from
``explorer.lines[...]`` and press ``explorer.controls[...]``.
"""

from __future__ import annotations

import time

import ipywidgets as widgets
import numpy as np

from ._explorer_base import (
    FRAME_STEPS,
    STYLE,
    StudentCodeError,
    _as_shape,
    _call,
    _Explorer,
    _log_axis,
    _loss_limits,
    _on_grid,
    _rate_slider,
    _round_limits,
    _round_sig,
    _running_loop,
    _Runs,
    _slider,
    _start_slider,
    _step_limit,
    _stop_text,
    _students,
    _unpack,
)
from ._validate import as_rng, check_array
from .descent import Run, gradient_step, iterate
from .plots import plot_loss_contours
from .surfaces import linear_mse_surface

__all__ = ["DescentExplorer", "NetworkExplorer", "StudentCodeError"]


# --- lessons 1 and 2 --------------------------------------------------------------------------

class DescentExplorer(_Explorer):
    """Gradient descent on a linear model ``ŷ = w X + b``, with sliders.

    Parameters
    ----------
    X : array_like of shape (n, m)
        Inputs, one example per column; ``n`` is 1 (lesson 1, ``x`` of shape
        (1, m), ``w`` a number) or 2 (lesson 2, ``w`` of shape (1, 2)).
    y : array_like of shape (1, m)
        Targets.
    forward : callable
        ``forward(X, w, b) -> y_hat`` of shape (1, m): the student's (the explorer has none of its own).
    backward : callable
        ``backward(X, y, y_hat) -> (dw, db)``, ``dw`` shaped like ``w``: the student's.
    loss : callable
        ``loss(y_hat, y) -> L``, a number: the student's.
    learning_rate : float
        Initial learning rate η; the slider covers 10⁻³ to 10⁰·⁵ on a log scale.
    steps : int
        Initial number of updates; the slider covers 0 to ``max_steps``.
    start : (float, float), optional
        Initial starting point of the two coordinates drawn: ``(w, b)`` when
        n = 1, ``(w0, w1)`` when n = 2 (b then starts at 0). Default: (-1, 2)
        or (0, 0).
    view : ((float, float), (float, float)), optional
        Ranges of the two coordinates on the map; by default 3.5 either side
        of the least-squares fit.
    max_steps : int
    grid : int
        Points per axis of the loss map (computed once).
    dpi : int
        Resolution of the rendered figure.

    Attributes
    ----------
    widget : ipywidgets.VBox
        What the notebook shows (a bare ``explorer`` at the end of a cell shows it too).
    controls : dict
        "learning_rate", "steps", "start0", "start1" sliders and "step", "reset" buttons.
    lines : dict
        Artists: "path" (the descent path, ``get_xydata()`` of shape (T + 1, 2)),
        "loss" (loss against step), "fit" (the fitted line when n = 1, or
        predictions against targets when n = 2) and "arrow" (a Quiver: the next step).
    path : ndarray of shape (T + 1, 2)
        The path last computed; ``losses`` of shape (T + 1,) its losses;
        ``gradient`` of shape (2,) the gradient at its end.

    Examples
    --------
    The explorer has no model of its own: it runs the lesson's functions, once they are written.

    >>> x = np.array([[0.0, 1.0, 2.0, 3.0]]); y = 2 * x - 1
    >>> DescentExplorer(x, y, loss=len)
    Traceback (most recent call last):
    ...
    TypeError: the explorer runs your own functions: pass forward=forward, backward=backward (received None, None)
    """

    _uses = "forward, loss and backward"

    def __init__(self, X, y, *, forward=None, backward=None, loss=None, learning_rate: float = 0.1,
                 steps: int = 30, start=None, view=None, max_steps: int = 100, grid: int = 101,
                 dpi: int = 80):
        super().__init__((10.5, 3.3), dpi)
        sizes = {}
        self.X = check_array("X", X, ("n", "m"), sizes=sizes)
        self.y = check_array("y", y, (1, "m"), sizes=sizes)
        self.n, self.m = self.X.shape
        if self.n not in (1, 2):
            raise ValueError(f"X: expected 1 or 2 features (shape (1, m) or (2, m)), received shape {self.X.shape}")
        self.forward, self.backward, self.loss = _students(forward=forward, backward=backward, loss=loss)
        X1 = np.vstack([self.X, np.ones((1, self.m))])
        theta = np.linalg.lstsq(X1.T, self.y.T, rcond=None)[0].ravel()  # least squares (w..., b)
        self._b_fixed = float(theta[-1])
        if view is None:
            view = ((theta[0] - 3.5, theta[0] + 3.5), (theta[1] - 3.5, theta[1] + 3.5))
        self._view = tuple(map(tuple, view))
        if start is None:
            start = (-1.0, 2.0) if self.n == 1 else (0.0, 0.0)
        self.axes = dict(zip(("map", "loss", "fit"), self.figure.subplots(1, 3, width_ratios=[1.15, 1, 1])))
        L = self._build_map(grid)
        self._build_loss_panel(L)
        self._build_fit_panel()
        self._moving = [self.lines[key] for key in ("path", "start", "arrow", "loss", "fit")]
        self._build_controls(learning_rate, steps, start, max_steps)
        self._runs = _Runs()
        self._clear()
        self.update()

    @property
    def _vary(self):
        return ("w", "b") if self.n == 1 else ("w0", "w1")

    def _build_map(self, grid):
        """The contours of the loss (drawn once: they depend only on the data), the path, start and arrow."""
        (lo0, hi0), (lo1, hi1) = self._view
        values0, values1 = np.linspace(lo0, hi0, grid), np.linspace(lo1, hi1, grid)
        L = linear_mse_surface(self.X, self.y, values0, values1, vary=self._vary, b=self._b_fixed)
        ax = self.axes["map"]
        plot_loss_contours(values0, values1, L, ax=ax, levels=20,
                           labels=("w", "b") if self.n == 1 else ("$w_0$", "$w_1$"))
        ax.set_xlim(lo0, hi0)
        ax.set_ylim(lo1, hi1)
        ax.set_title("descent on the loss" + ("" if self.n == 1 else f" (b = {self._b_fixed:.2f})"),
                     fontsize="medium")
        (self.lines["path"],) = ax.plot([], [], "o-", color="tab:red", markersize=3, linewidth=1)
        (self.lines["start"],) = ax.plot([], [], "o", color="white", markeredgecolor="k", markersize=6)
        self.lines["arrow"] = ax.quiver([0.0], [0.0], [0.0], [0.0], color="white", angles="xy",
                                        scale_units="xy", scale=1, width=0.012)
        return L

    def _build_loss_panel(self, L):
        ax = self.axes["loss"]
        (self.lines["loss"],) = ax.plot([], [], color="tab:blue")
        _log_axis(ax)
        ax.set_ylim(*_loss_limits(None, np.array([L.max(), L.min()])))  # every start on the map fits
        ax.set(xlabel="step", ylabel="loss")
        ax.set_title("loss at each step", fontsize="medium")

    def _build_fit_panel(self):
        """The fitted line (n = 1) or the predictions against the targets (n = 2)."""
        ax = self.axes["fit"]
        if self.n == 1:
            ax.scatter(self.X[0], self.y[0], s=8, alpha=0.5)
            self._x_line = np.array([self.X.min(), self.X.max()])
            pad = 0.15 * np.ptp(self.y)
            ax.set(xlabel="x", ylabel="y", ylim=(self.y.min() - pad, self.y.max() + pad))
            (self.lines["fit"],) = ax.plot([], [], color="tab:red", linewidth=2)
            ax.set_title("the fitted line", fontsize="medium")
        else:
            lo, hi = float(self.y.min()), float(self.y.max())
            ax.plot([lo, hi], [lo, hi], color="grey", linewidth=0.8)
            (self.lines["fit"],) = ax.plot([], [], "o", color="tab:red", markersize=2, alpha=0.6)
            ax.set(xlabel="target y", ylabel="prediction ŷ", xlim=(lo - 0.1 * (hi - lo), hi + 0.1 * (hi - lo)),
                   ylim=(lo - 0.5 * (hi - lo), hi + 0.5 * (hi - lo)))
            ax.set_title("predictions against targets", fontsize="medium")

    def _build_controls(self, learning_rate, steps, start, max_steps):
        (lo0, hi0), (lo1, hi1) = self._view
        wide = widgets.Layout(width="340px")
        self._controls(
            learning_rate=_rate_slider(learning_rate, style=STYLE, layout=wide),
            steps=_slider(widgets.IntSlider, steps, 0, max_steps, "steps", width="340px"),
            start0=_start_slider(start[0], lo0, hi0, f"start {self._vary[0]}", style=STYLE, layout=wide),
            start1=_start_slider(start[1], lo1, hi1, f"start {self._vary[1]}", style=STYLE, layout=wide),
            step=widgets.Button(description="step", tooltip="one more update; the arrow shows the next one",
                                icon="step-forward"),
            reset=widgets.Button(description="reset", tooltip="back to 0 steps", icon="undo"),
        )
        self.controls["step"].on_click(self._one_more_step)
        self.controls["reset"].on_click(self._reset)
        self._layout(("learning_rate", "steps", "step", "reset"), ("start0", "start1"))

    def _one_more_step(self, _button=None):
        s = self.controls["steps"]
        s.value = min(s.value + 1, s.max)

    def _reset(self, _button=None):
        self.controls["steps"].value = 0

    @property
    def learning_rate(self) -> float:
        """The learning rate the run uses: the slider's value to three significant digits, as its readout shows."""
        return _round_sig(self.controls["learning_rate"].value)

    @property
    def start(self) -> tuple[float, float]:
        """The start the run uses: the start sliders' values on their 0.05 grid, as their readouts show."""
        return (_on_grid(self.controls["start0"].value), _on_grid(self.controls["start1"].value))

    def _params(self, coords, b):
        if self.n == 1:
            return float(coords[0]), float(coords[1])
        return np.array([[coords[0], coords[1]]]), b

    def _compute(self):
        lr, steps, start = self.learning_rate, int(self.controls["steps"].value), self.start
        key = (self.forward, self.backward, self.loss, lr, start)
        run = self._runs.get_or_make(key, lambda: Run(self._params(start, 0.0 if self.n == 2 else None),
                                                      learning_rate=lr))
        self._extend(run, steps, lr)
        T = min(steps, run.steps)
        self.path = np.array([self._coords(*p) for p in run.params[:T + 1]]).reshape(-1, 2)
        self.losses = run.losses[:T + 1]
        self.gradient = self._gradient(*run.gradients[T]) if T >= 0 else np.full(2, np.nan)
        w, b = run.params[max(T, 0)]
        stopped = run.diverged_at is not None and run.diverged_at <= steps
        self._draw(lr, w, b, diverged=stopped)
        if stopped:
            return _stop_text(run)
        end = self.path[-1]
        w_text = f"w = {end[0]:.4g}, b = {end[1]:.4g}" if self.n == 1 else \
            f"w = [{end[0]:.4g}, {end[1]:.4g}], b = {b:.4g}"
        text = f"after {steps} steps with η = {lr:.3g}: {w_text}, loss {self.losses[-1]:.4g}"
        if self.losses[-1] > self.losses[0]:
            return "warn", text + f". The loss grew: η = {lr:.3g} is too large, each step overshoots the valley"
        return text

    def _coords(self, w, b):
        return (w, b) if self.n == 1 else tuple(np.ravel(w)[:2])

    def _gradient(self, dw, db):
        """The gradient in the map's two coordinates, shape (2,)."""
        return np.array([dw, db] if self.n == 1 else np.ravel(dw)[:2], dtype=np.float64)

    def _extend(self, run, steps, lr):
        """Train ``run`` on until it holds ``steps`` updates (or stopped): only the steps not yet computed,
        on the one descent engine, with the student's forward, loss and backward as the problem."""
        w_shape = () if self.n == 1 else (1, self.n)
        forward, loss, backward, X, y, shape = self.forward, self.loss, self.backward, self.X, self.y, (1, self.m)

        def evaluate(params):
            w, b = params
            y_hat = _as_shape(_call(forward, "forward", X, w, b), shape, "the y_hat your forward returned")
            L = float(_as_shape(_call(loss, "loss", y_hat, y), (), "the loss your mse_loss returned"))
            dw, db = _unpack(_call(backward, "backward", X, y, y_hat), 2, "your backward")
            dw = _as_shape(dw, w_shape, "the dw your backward returned")
            db = float(_as_shape(db, (), "the db your backward returned"))
            return L, (float(dw) if self.n == 1 else dw, db)

        iterate(gradient_step(lr), evaluate, run=run, steps=steps)

    def _draw(self, lr, w, b, diverged=False):
        path, losses = self.path, self.losses
        self.lines["path"].set_data(path[:, 0], path[:, 1])
        self.lines["start"].set_data(path[:1, 0], path[:1, 1])
        arrow = self.lines["arrow"]
        step = -lr * self.gradient
        if len(path) and not diverged and np.all(np.isfinite(step)) and self._in_view(path[-1]) \
                and self._in_view(path[-1] + step):
            arrow.set_offsets(path[-1:])
            arrow.set_UVC([step[0]], [step[1]])
            arrow.set_visible(True)
        else:  # no next step to show, or one that would cross the whole map
            arrow.set_visible(False)
        self.lines["loss"].set_data(np.arange(losses.size), losses)
        ax = self.axes["loss"]
        ax.set_xlim(0, _step_limit(int(self.controls["steps"].value)))
        ax.set_ylim(*_loss_limits(ax.get_ylim(), losses))
        fit = self.lines["fit"]
        if not len(path):
            fit.set_data([], [])
        elif self.n == 1:
            w_end, b_end = path[-1]
            line = _call(self.forward, "forward", self._x_line[None, :], float(w_end), float(b_end))
            fit.set_data(self._x_line, _as_shape(line, (1, 2), "the y_hat your forward returned")[0])
        else:
            y_hat = _call(self.forward, "forward", self.X, np.array([path[-1]]), b)
            fit.set_data(self.y[0], _as_shape(y_hat, (1, self.m), "the y_hat your forward returned")[0])

    def _in_view(self, point):
        (lo0, hi0), (lo1, hi1) = self._view
        return bool(lo0 <= point[0] <= hi0 and lo1 <= point[1] <= hi1)

    def _clear(self):
        self.path, self.losses, self.gradient = np.empty((0, 2)), np.empty(0), np.full(2, np.nan)
        for key in ("path", "start", "loss", "fit"):
            self.lines[key].set_data([], [])
        self.lines["arrow"].set_visible(False)

    def animation(self, **kwargs):
        """The current path as a :class:`matplotlib.animation.FuncAnimation` (see :mod:`helpers.animation`)."""
        from .animation import animate_descent

        return animate_descent(self.path, self.losses, **kwargs)


# --- lessons 3 and 4 --------------------------------------------------------------------------

def _default_init(n, k, *, scale, rng):
    return {"W1": scale * rng.standard_normal((k, n)), "b1": scale * rng.standard_normal((k, 1)),
            "w2": scale * rng.standard_normal((1, k)), "b2": 0.0}


class NetworkExplorer(_Explorer):
    """Training a two-layer network ``ŷ = w2 σ(W1 X + b1) + b2`` on one input feature, with sliders.

    Parameters
    ----------
    X : array_like of shape (1, m)
        Inputs, one feature, one example per column.
    y : array_like of shape (1, m)
        Targets.
    forward : callable
        The student's ``forward(X, params) -> (y_hat, cache)`` (lesson 3), or
        ``forward(X, params, sigma)`` when ``activation`` is a pair (lesson 4);
        ``y_hat`` has shape (1, m) and ``cache`` holds "Z" (k, m) (and "A").
    backward : callable
        The student's ``backward(X, y, y_hat, params, cache) -> grads`` (lesson 3), or with a
        last argument ``sigma_prime`` (lesson 4); ``grads`` is a dict "W1"
        (k, n), "b1" (k, 1), "w2" (1, k), "b2" a number.
    loss : callable
        The student's ``loss(y_hat, y) -> L``, a number.
    activation : None or (callable, callable)
        None: the linear network of lesson 3 (σ(z) = z). A pair
        ``(sigma, sigma_prime)``, e.g. the student's ``(sigmoid,
        sigmoid_derivative)``, is passed on to ``forward`` and ``backward``.
    init : callable, optional
        ``init(n, k, scale=..., rng=...) -> params``, e.g. the lesson's ``init_params``.
    hidden_units, init_scale, learning_rate, steps : int, float, float, int
        Initial values of the sliders: k from 1 to ``max_units``, the scale
        from 0 to 2, η from 10⁻³ to 10⁰·⁵ (log scale), steps from 0 to ``max_steps``.
    show_units : bool
        Also draw each unit's ``w2_j A_j`` and their sum plus ``b2``.
    seed : int
        Initial value of the "random start" slider (0 to 9): the seed of the
        starting weights, so the same sliders always give the same run and
        another seed shows another start.
    dpi : int

    Attributes
    ----------
    widget, controls, lines, message :
        As for :class:`DescentExplorer`; ``controls`` holds the sliders
        "hidden_units", "init_scale", "learning_rate", "steps" and "seed";
        ``lines`` holds "loss", "fit", and
        with ``show_units`` "units" (a list of ``max_units`` lines, the unused
        ones hidden) and "sum".
    losses : ndarray of shape (T + 1,)
    params : dict
        The trained parameters.

    Examples
    --------
    >>> X = np.linspace(-2, 2, 20)[None, :]; y = np.exp(-X ** 2)
    >>> NetworkExplorer(X, y, activation="sigmoid")
    Traceback (most recent call last):
    ...
    ValueError: activation: expected None or a pair (sigma, sigma_prime) of your functions, received 'sigmoid'
    """

    _uses = "forward and backward (and what they call)"

    def __init__(self, X, y, *, forward=None, backward=None, loss=None, activation=None, init=None,
                 hidden_units: int = 2, init_scale: float = 1.0, learning_rate: float = 0.5, steps: int = 300,
                 max_units: int = 8, max_steps: int = 2000, show_units: bool = False, seed: int = 0,
                 dpi: int = 80):
        super().__init__((10.5 if show_units else 7.5, 3.3), dpi)
        sizes = {}
        self.X = check_array("X", X, (1, "m"), sizes=sizes)
        self.y = check_array("y", y, (1, "m"), sizes=sizes)
        self.m = self.X.shape[1]
        if activation is None:
            self._act = None
        elif isinstance(activation, tuple) and len(activation) == 2 and all(map(callable, activation)):
            self._act = activation
        else:
            raise ValueError(f"activation: expected None or a pair (sigma, sigma_prime) of your functions, "
                             f"received {activation!r}")
        self.forward, self.backward, self.loss = _students(forward=forward, backward=backward, loss=loss)
        self.init = init or _default_init
        self.show_units = show_units
        self._grid = np.linspace(self.X.min(), self.X.max(), 200)[None, :]
        panels = ("fit", "units", "loss") if show_units else ("fit", "loss")
        self.axes = dict(zip(panels, self.figure.subplots(1, len(panels))))
        self._build_panels(max_units)
        self._moving = [self.lines["fit"], self.lines["loss"]]
        if show_units:
            self._moving += [*self.lines["units"], self.lines["sum"]]
        self._controls(
            continuous=False,  # a training run takes a moment: run it on release
            hidden_units=_slider(widgets.IntSlider, hidden_units, 1, max_units, "hidden units k"),
            init_scale=_slider(widgets.FloatSlider, init_scale, 0.0, 2.0, "initial scale", step=0.05),
            learning_rate=_rate_slider(learning_rate, style=STYLE, layout=widgets.Layout(width="320px")),
            steps=_slider(widgets.IntSlider, steps, 0, max_steps, "steps", step=10),
            seed=_slider(widgets.IntSlider, seed, 0, max(9, seed), "random start"),
        )
        self._layout(("hidden_units", "init_scale", "seed"), ("learning_rate", "steps"))
        self.losses = np.empty(0)
        self.params = {}
        self._loss_ylim = None  # the first run with a loss sets it; later ones only widen it
        self._runs = _Runs()
        self.training = False  # whether the current values' run is still being trained, in frames
        self._frame_seconds = self.first_frame_seconds
        self._scheduled = None  # the event loop on which the next frame waits, if one does
        self._at_once = True  # the first run is trained to its end before the cell shows the explorer
        self.update()
        self._at_once = False

    def _build_panels(self, max_units):
        """The fitted function, with ``show_units`` each unit's part, and the training curve."""
        pad = 0.25 * np.ptp(self.y)
        ylim = (self.y.min() - pad, self.y.max() + pad)
        ax = self.axes["fit"]
        ax.scatter(self.X[0], self.y[0], s=8, alpha=0.5)
        (self.lines["fit"],) = ax.plot([], [], color="tab:red", linewidth=2)
        ax.set(xlabel="x", ylabel="y", ylim=ylim)
        ax.set_title("the fitted function", fontsize="medium")
        if self.show_units:
            ax = self.axes["units"]
            self.lines["units"] = [ax.plot([], [], "--", linewidth=1)[0] for _ in range(max_units)]
            (self.lines["sum"],) = ax.plot([], [], color="tab:red", linewidth=2)
            ax.set(xlabel="x", xlim=(self.X.min(), self.X.max()), ylim=ylim)
            ax.set_title("units $w_{2,j}\\,\\sigma(W_{1,j} x + b_{1,j})$ and their sum + $b_2$", fontsize="medium")
        ax = self.axes["loss"]
        (self.lines["loss"],) = ax.plot([], [], color="tab:blue")
        _log_axis(ax)
        ax.set(xlabel="step", ylabel="loss")
        ax.set_title("training curve", fontsize="medium")

    def _fwd(self, X, params):
        args = (X, params) + ((self._act[0],) if self._act else ())
        out = _unpack(_call(self.forward, "forward", *args), 2, "your forward (y_hat, cache)")
        y_hat = _as_shape(out[0], (1, X.shape[1]), "the y_hat your forward returned")
        if not isinstance(out[1], dict) or "Z" not in out[1]:
            raise StudentCodeError('your forward should return (y_hat, cache) with cache a dict holding "Z"')
        return y_hat, out[1]

    def _bwd(self, y_hat, params, cache):
        args = (self.X, self.y, y_hat, params, cache) + ((self._act[1],) if self._act else ())
        grads = _call(self.backward, "backward", *args)
        if not isinstance(grads, dict) or set(grads) != set(params):
            raise StudentCodeError(f"your backward should return a dict with keys {sorted(params)}")
        return {key: _as_shape(grads[key], np.shape(params[key]), f"the d{key} your backward returned")
                for key in params}

    @property
    def learning_rate(self) -> float:
        """The learning rate the run uses: the slider's value to three significant digits, as its readout shows."""
        return _round_sig(self.controls["learning_rate"].value)

    def _compute(self):
        c = self.controls
        k, scale = int(c["hidden_units"].value), round(float(c["init_scale"].value), 2)
        lr, steps, seed = self.learning_rate, int(c["steps"].value), int(c["seed"].value)
        key = (self.forward, self.backward, self.loss, self._act, self.init, k, scale, seed, lr)
        run = self._runs.get_or_make(key, lambda: Run(self._start(k, scale, seed), learning_rate=lr))
        loop = None if self._at_once else _running_loop()
        self.training = not self._extend(run, steps, lr, None if loop is None else self._frame_seconds)
        if self.training and self._scheduled is not loop:  # (a loop that ended with a frame pending does not count)
            self._scheduled = loop
            loop.call_soon(self._next_frame)
        T = min(steps, run.steps)
        self.losses = run.losses[:T + 1]
        self.params = run.params[max(T, 0)]
        stopped = run.diverged_at is not None and run.diverged_at <= steps
        if T >= 0:
            self._draw(k)
        else:
            self._clear()
        if stopped:
            return _stop_text(run)
        if self.training:
            return "info", (f"k = {k} hidden units, initial scale {scale:.2f}, η = {lr:.3g}: training, step {T} of "
                            f"{steps}, loss {self.losses[-1]:.4g}")
        text = (f"k = {k} hidden units, initial scale {scale:.2f}, η = {lr:.3g}: "
                f"loss {self.losses[-1]:.4g} after {steps} steps")
        if self.losses[-1] > self.losses[0]:
            return "warn", text + f". The loss grew: η = {lr:.3g} is too large"
        return text

    def _start(self, k, scale, seed):
        params = _call(lambda: self.init(1, k, scale=scale, rng=as_rng(seed)), "init_params")
        if not isinstance(params, dict) or not {"W1", "b1", "w2", "b2"} <= set(params):
            raise StudentCodeError('your init_params should return a dict with keys "W1", "b1", "w2", "b2"')
        shapes = {"W1": (k, 1), "b1": (k, 1), "w2": (1, k), "b2": ()}
        return {key: _as_shape(params[key], shape, f"the {key} your init_params returned")
                for key, shape in shapes.items()}

    def _extend(self, run, steps, lr, seconds=None):
        """Train ``run`` on until it holds ``steps`` updates (or stopped), on the one descent engine: only the
        steps not yet computed. The problem is :meth:`_evaluator`'s, the student's functions as they are.

        With ``seconds``, stop once that much time is spent (in chunks of :data:`FRAME_STEPS` steps); returns
        whether the run is complete.
        """
        evaluate, rule = self._evaluator(run.params[0]), gradient_step(lr)
        if seconds is None:
            iterate(rule, evaluate, run=run, steps=steps)
            return True
        end = time.perf_counter() + seconds
        while run.steps < steps and run.diverged_at is None:
            iterate(rule, evaluate, run=run, steps=min(steps, max(run.steps, 0) + FRAME_STEPS))
            if time.perf_counter() >= end:
                break
        return run.steps >= steps or run.diverged_at is not None

    def _evaluator(self, start):
        """``evaluate(params) -> (loss, grads)`` for the engine, from the student's forward, loss and backward.

        It calls them with no wrapper and checks their results inline while every result has the usual type
        and shape (the same numbers, a third of the time); anything else goes through :meth:`_checked`, which
        calls them again and says in one sentence what is wrong.
        """
        forward, backward, loss, X, y = self.forward, self.backward, self.loss, self.X, self.y
        f_extra, b_extra = ((self._act[0],), (self._act[1],)) if self._act else ((), ())
        shape, f64, ndarray = (1, self.m), np.float64, np.ndarray
        shapes = [(key, np.shape(value)) for key, value in start.items()]
        keys = {key for key, _ in shapes}
        checked = self._checked

        def evaluate(params):
            try:
                out = forward(X, params, *f_extra)
                if type(out) is not tuple or len(out) != 2:
                    return checked(params)
                y_hat, cache = out
                if type(y_hat) is not ndarray or y_hat.dtype != f64 or y_hat.shape != shape or \
                        type(cache) is not dict or "Z" not in cache:
                    return checked(params)
                L = loss(y_hat, y)
                if type(L) not in (float, f64):
                    return checked(params)
                grads = backward(X, y, y_hat, params, cache, *b_extra)
                if type(grads) is not dict or grads.keys() != keys:
                    return checked(params)
                for key, key_shape in shapes:
                    g = grads[key]
                    if not ((type(g) is ndarray and g.dtype == f64 and g.shape == key_shape)
                            or (not key_shape and type(g) in (float, f64))):
                        return checked(params)
                return float(L), grads
            except Exception:  # _checked calls them again and says what went wrong
                return checked(params)

        return evaluate

    def _checked(self, params):
        """The loss and gradients at ``params``, every result of the student's functions checked."""
        y_hat, cache = self._fwd(self.X, params)
        L = float(_as_shape(_call(self.loss, "loss", y_hat, self.y), (), "the loss"))
        return L, self._bwd(y_hat, params, cache)

    def _draw(self, k):
        y_grid, cache = self._fwd(self._grid, self.params)
        x = self._grid[0]
        self.lines["fit"].set_data(x, y_grid[0])
        self.lines["loss"].set_data(np.arange(self.losses.size), self.losses)
        ax = self.axes["loss"]
        ax.set_xlim(0, _step_limit(int(self.controls["steps"].value)))
        ax.set_ylim(*_loss_limits(self._loss_ylim, self.losses))
        self._loss_ylim = ax.get_ylim()
        if self.show_units:
            A = _as_shape(cache.get("A", cache["Z"]), (k, x.size), 'the cache["A"] your forward returned')
            parts = np.asarray(self.params["w2"]).reshape(-1, 1) * A
            for j, line in enumerate(self.lines["units"]):
                line.set_visible(j < k)
                line.set_data(x, parts[j]) if j < k else line.set_data([], [])
            self.lines["sum"].set_data(x, y_grid[0])
            lo = min(float(parts.min()), float(y_grid.min()))
            hi = max(float(parts.max()), float(y_grid.max()))
            if np.isfinite(lo) and np.isfinite(hi):  # only widened, within ten times the data's range
                ax, (y0, y1) = self.axes["units"], self.axes["fit"].get_ylim()
                lo, hi = _round_limits(max(lo, y0 - 10 * (y1 - y0)), min(hi, y1 + 10 * (y1 - y0)))
                ax.set_ylim(min(lo, ax.get_ylim()[0]), max(hi, ax.get_ylim()[1]))

    def _clear(self):
        self.losses, self.params = np.empty(0), {}
        self.lines["fit"].set_data([], [])
        self.lines["loss"].set_data([], [])
        if self.show_units:
            for line in self.lines["units"]:
                line.set_data([], [])
            self.lines["sum"].set_data([], [])
