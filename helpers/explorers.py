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

Both take the student's functions (``forward``, ``backward``, ``loss``); the
reference implementations below are used only when a function is not given.
When a student's function raises (an unfinished stub raises
``NotImplementedError``), returns the wrong shape or a non-finite number, the
explorer shows one sentence saying so in the widget, never a traceback, and
writes nothing to stderr.

The figure is a :class:`matplotlib.figure.Figure` made once (not through
pyplot, so nothing is displayed twice); each update moves its artists
(``Line2D.set_data``, ``Quiver.set_UVC``) and renders it into an
``ipywidgets.Image`` as PNG, so no ipympl is needed. Tests read what is drawn
from ``explorer.lines[...]`` and press ``explorer.controls[...]``.
"""

from __future__ import annotations

import io
import time
import warnings

import ipywidgets as widgets
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from ._checks import as_rng, check_array, format_shape
from .feedback import diagnose
from .plots import plot_loss_contours
from .surfaces import linear_mse_surface

__all__ = ["DescentExplorer", "NetworkExplorer"]


# --- what both explorers share ----------------------------------------------------------------

def _students(**functions):
    """The student's functions an explorer runs, in order; a clear error when one is not given."""
    missing = [name for name, fn in functions.items() if not callable(fn)]
    if missing:
        raise TypeError(f"the explorer runs your own functions: pass {', '.join(f'{n}={n}' for n in missing)} "
                        f"(received {', '.join(repr(functions[n]) for n in missing)})")
    return tuple(functions.values())


class StudentCodeError(Exception):
    """A student's function raised or returned something unusable; the message says which and how."""


class _NotWritten(Exception):
    """A student's function is still the stub (it raised NotImplementedError)."""


def _call(fn, name, *args):
    """Call the student's ``fn`` (called ``name``), turning any failure into one sentence."""
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            return fn(*args)
    except NotImplementedError as err:
        tb = err.__traceback__
        while tb.tb_next is not None:  # the stub that raised: forward, or the sigmoid it calls
            tb = tb.tb_next
        stub = tb.tb_frame.f_code.co_name
        raise _NotWritten(stub if stub.isidentifier() and stub != "<lambda>" else name) from None
    except Exception as err:  # the student's code can raise anything; show it, never a traceback
        raise StudentCodeError(f"your {name} raised {type(err).__name__}: {err}") from None


def _as_shape(value, shape, what):
    """``value`` as a float array of ``shape``, or StudentCodeError naming ``what`` and the likely mistake."""
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise StudentCodeError(f"{what} is a {type(value).__name__}, expected numbers of shape "
                               f"{format_shape(shape)}") from None
    if arr.shape != tuple(shape):
        if arr.size == 1 and int(np.prod(shape)) == 1:
            return arr.reshape(shape)
        hint = diagnose(arr, np.zeros(shape))
        raise StudentCodeError(f"{what} has shape {format_shape(arr.shape)}, expected {format_shape(shape)}"
                               + (f": {hint}" if hint else ""))
    return arr


def _unpack(result, count, what):
    if not isinstance(result, (tuple, list)) or len(result) != count:
        raise StudentCodeError(f"{what} should return {count} values, received {type(result).__name__}")
    return result


def _message(kind, text):
    colour = {"ok": "#1a7f37", "info": "#555", "error": "#b42318"}[kind]
    return f'<div style="color:{colour}; font-family:sans-serif; min-height:1.4em">{text}</div>'


def _escape(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _log_limits(values):
    """Whole decades around the finite positive ``values``, so that the limits change rarely."""
    finite = values[np.isfinite(values) & (values > 0)]
    if finite.size == 0:
        return 1e-3, 1.0
    lo, hi = np.floor(np.log10(finite.min())), np.ceil(np.log10(finite.max()))
    return 10.0 ** lo, 10.0 ** max(hi, lo + 1)


def _step_limit(steps):
    """A round number of steps at least ``steps``, for the horizontal axis of a loss curve."""
    for limit in (10, 20, 50, 100, 200, 500, 1000, 2000, 5000):
        if steps <= limit:
            return limit
    return steps


class _Explorer:
    """The figure, the image it renders into, the message line and the controls."""

    def __init__(self, figsize, dpi):
        self.figure = Figure(figsize=figsize, dpi=dpi, layout="constrained")
        self._canvas = FigureCanvasAgg(self.figure)
        self.image = widgets.Image(format="png", layout=widgets.Layout(width="auto", max_width="100%"))
        self.message = widgets.HTML(_message("info", ""))
        self.lines = {}
        self.controls = {}
        self._moving = []  # the artists an update moves; everything else is a cached background
        self._background, self._background_key = None, None
        self.last_update_seconds = float("nan")

    def _render(self):
        """Draw the figure into ``self.image``: only the moving artists when the axes limits have not changed."""
        key = tuple(lim for ax in self.figure.axes for lim in (*ax.get_xlim(), *ax.get_ylim()))
        if key != self._background_key:
            for artist in self._moving:
                artist.set_animated(True)  # left out of a full draw
            self._canvas.draw()
            self._background = self._canvas.copy_from_bbox(self.figure.bbox)
            self._background_key = key
            # after the first draw the layout is fixed: later draws only move artists
            self.figure.set_layout_engine("none")
        else:
            self._canvas.restore_region(self._background)
        for artist in self._moving:
            if artist.get_visible():
                self.figure.draw_artist(artist)
        width, height = self._canvas.get_width_height()
        rgba = Image.frombuffer("RGBA", (width, height), self._canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
        buf = io.BytesIO()
        rgba.convert("RGB").save(buf, format="png", compress_level=1)
        self.image.value = buf.getvalue()

    def update(self, change=None):
        """Recompute with the current control values and redraw (the widgets' callback)."""
        start = time.perf_counter()
        try:
            status = self._compute()
            self.message.value = _message("ok", _escape(status))
        except _NotWritten as missing:
            self._clear()
            self.message.value = _message("info", self._not_written_text(str(missing)))
        except StudentCodeError as err:
            self._clear()
            self.message.value = _message("error", _escape(str(err)))
        self._render()
        self.last_update_seconds = time.perf_counter() - start

    def _not_written_text(self, name):
        return (f"This explorer runs your own {self._uses}. Your {name} is not written yet "
                "(it raises NotImplementedError): the plots appear once that exercise is done.")

    def _repr_mimebundle_(self, **kwargs):
        data = self.widget._repr_mimebundle_(**kwargs)
        data["text/plain"] = repr(self)
        return data

    def __repr__(self):
        return f"<{type(self).__name__}: run the cell in Jupyter to see its sliders and plots>"


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
        names = ("w", "b") if self.n == 1 else ("$w_0$", "$w_1$")
        X1 = np.vstack([self.X, np.ones((1, self.m))])
        theta = np.linalg.lstsq(X1.T, self.y.T, rcond=None)[0].ravel()  # least squares (w..., b)
        self._b_fixed = float(theta[-1])
        best = theta[:2]
        if view is None:
            view = ((best[0] - 3.5, best[0] + 3.5), (best[1] - 3.5, best[1] + 3.5))
        (lo0, hi0), (lo1, hi1) = view
        if start is None:
            start = (-1.0, 2.0) if self.n == 1 else (0.0, 0.0)

        # the map: drawn once, it depends only on the data
        axes = self.figure.subplots(1, 3, width_ratios=[1.15, 1, 1])
        self.axes = dict(zip(("map", "loss", "fit"), axes))
        values0, values1 = np.linspace(lo0, hi0, grid), np.linspace(lo1, hi1, grid)
        vary = ("w", "b") if self.n == 1 else ("w0", "w1")
        L = linear_mse_surface(self.X, self.y, values0, values1, vary=vary, b=self._b_fixed)
        ax = self.axes["map"]
        plot_loss_contours(values0, values1, L, ax=ax, levels=20, labels=names)
        ax.set_xlim(lo0, hi0)
        ax.set_ylim(lo1, hi1)
        ax.set_title("descent on the loss" + ("" if self.n == 1 else f" (b = {self._b_fixed:.2f})"),
                     fontsize="medium")
        (self.lines["path"],) = ax.plot([], [], "o-", color="tab:red", markersize=3, linewidth=1)
        (self.lines["start"],) = ax.plot([], [], "o", color="white", markeredgecolor="k", markersize=6)
        self.lines["arrow"] = ax.quiver([0.0], [0.0], [0.0], [0.0], color="white", angles="xy",
                                        scale_units="xy", scale=1, width=0.012)
        ax = self.axes["loss"]
        (self.lines["loss"],) = ax.plot([], [], color="tab:blue")
        ax.set_yscale("log")
        ax.set_xlabel("step")
        ax.set_ylabel("loss")
        ax.set_title("loss at each step", fontsize="medium")
        ax = self.axes["fit"]
        if self.n == 1:
            ax.scatter(self.X[0], self.y[0], s=8, alpha=0.5)
            ax.set_xlabel("x")
            ax.set_ylabel("y")
            self._x_line = np.array([self.X.min(), self.X.max()])
            pad = 0.15 * np.ptp(self.y)
            ax.set_ylim(self.y.min() - pad, self.y.max() + pad)
            (self.lines["fit"],) = ax.plot([], [], color="tab:red", linewidth=2)
            ax.set_title("the fitted line", fontsize="medium")
        else:
            lo, hi = float(self.y.min()), float(self.y.max())
            ax.plot([lo, hi], [lo, hi], color="grey", linewidth=0.8)
            (self.lines["fit"],) = ax.plot([], [], "o", color="tab:red", markersize=2, alpha=0.6)
            ax.set_xlim(lo - 0.1 * (hi - lo), hi + 0.1 * (hi - lo))
            ax.set_ylim(lo - 0.5 * (hi - lo), hi + 0.5 * (hi - lo))
            ax.set_xlabel("target y")
            ax.set_ylabel("prediction ŷ")
            ax.set_title("predictions against targets", fontsize="medium")

        self._moving = [self.lines[key] for key in ("path", "start", "arrow", "loss", "fit")]
        style = {"description_width": "initial"}
        wide = widgets.Layout(width="340px")
        c = self.controls
        c["learning_rate"] = widgets.FloatLogSlider(value=learning_rate, base=10, min=-3, max=0.5, step=0.01,
                                                    readout_format=".3g", description="learning rate η",
                                                    style=style, layout=wide)
        c["steps"] = widgets.IntSlider(value=steps, min=0, max=max_steps, description="steps", style=style,
                                       layout=wide)
        c["start0"] = widgets.FloatSlider(value=start[0], min=lo0, max=hi0, step=0.05,
                                          description=f"start {vary[0]}", style=style, layout=wide)
        c["start1"] = widgets.FloatSlider(value=start[1], min=lo1, max=hi1, step=0.05,
                                          description=f"start {vary[1]}", style=style, layout=wide)
        c["step"] = widgets.Button(description="step", tooltip="one more update; the arrow shows the next one",
                                   icon="step-forward")
        c["reset"] = widgets.Button(description="reset", tooltip="back to 0 steps", icon="undo")
        c["step"].on_click(self._one_more_step)
        c["reset"].on_click(self._reset)
        for key in ("learning_rate", "steps", "start0", "start1"):
            c[key].observe(self.update, names="value")
        self.widget = widgets.VBox([
            widgets.HBox([c["learning_rate"], c["steps"], c["step"], c["reset"]]),
            widgets.HBox([c["start0"], c["start1"]]),
            self.message,
            self.image,
        ])
        self.path = np.empty((0, 2))
        self.losses = np.empty(0)
        self.gradient = np.full(2, np.nan)
        self.update()

    def _one_more_step(self, _button=None):
        s = self.controls["steps"]
        s.value = min(s.value + 1, s.max)

    def _reset(self, _button=None):
        self.controls["steps"].value = 0

    def _params(self, coords, b):
        if self.n == 1:
            return float(coords[0]), float(coords[1])
        return np.array([[coords[0], coords[1]]]), b

    def _compute(self):
        c = self.controls
        lr, steps = float(c["learning_rate"].value), int(c["steps"].value)
        w, b = self._params((c["start0"].value, c["start1"].value), 0.0 if self.n == 2 else None)
        w_shape = () if self.n == 1 else (1, self.n)
        path, losses, grad, stopped = [], [], np.full(2, np.nan), None
        with np.errstate(all="ignore"):
            for t in range(steps + 1):
                y_hat = _as_shape(_call(self.forward, "forward", self.X, w, b), (1, self.m),
                                  "the y_hat your forward returned")
                L = _as_shape(_call(self.loss, "loss", y_hat, self.y), (), "the loss your mse_loss returned")
                coords = (w, b) if self.n == 1 else tuple(np.ravel(w)[:2])
                if not np.isfinite(L):
                    stopped = t
                    break
                path.append(coords)
                losses.append(float(L))
                dw, db = _unpack(_call(self.backward, "backward", self.X, self.y, y_hat), 2, "your backward")
                dw = _as_shape(dw, w_shape, "the dw your backward returned")
                db = float(_as_shape(db, (), "the db your backward returned"))
                grad = np.array([float(dw), db] if self.n == 1 else np.ravel(dw)[:2], dtype=np.float64)
                if t == steps:
                    break
                w = float(w - lr * dw) if self.n == 1 else w - lr * dw
                b = b - lr * db
        self.path, self.losses, self.gradient = np.array(path).reshape(-1, 2), np.array(losses), grad
        self._draw(lr, w, b)
        if stopped is not None:
            return (f"the loss became infinite at step {stopped}: η = {lr:.3g} is too large, the steps "
                    "overshoot further and further")
        end = self.path[-1]
        w_text = f"w = {end[0]:.4g}, b = {end[1]:.4g}" if self.n == 1 else \
            f"w = [{end[0]:.4g}, {end[1]:.4g}], b = {b:.4g}"
        text = f"after {steps} steps with η = {lr:.3g}: {w_text}, loss {self.losses[-1]:.4g}"
        if self.losses[-1] > self.losses[0]:
            text += f". The loss grew: η = {lr:.3g} is too large, each step overshoots the valley"
        return text

    def _draw(self, lr, w, b):
        path, losses = self.path, self.losses
        self.lines["path"].set_data(path[:, 0], path[:, 1])
        self.lines["start"].set_data(path[:1, 0], path[:1, 1])
        arrow = self.lines["arrow"]
        if len(path) and np.all(np.isfinite(self.gradient)):
            arrow.set_offsets(path[-1:])
            step = -lr * self.gradient
            arrow.set_UVC([step[0]], [step[1]])
            arrow.set_visible(True)
        else:
            arrow.set_visible(False)
        self.lines["loss"].set_data(np.arange(losses.size), losses)
        ax = self.axes["loss"]
        ax.set_xlim(0, _step_limit(losses.size - 1))
        ax.set_ylim(*_log_limits(losses))
        fit = self.lines["fit"]
        if not len(path):
            fit.set_data([], [])
        elif self.n == 1:
            w_end, b_end = path[-1]
            fit.set_data(self._x_line, np.ravel(self.forward(self._x_line[None, :], float(w_end), float(b_end))))
        else:
            y_hat = self.forward(self.X, np.array([path[-1]]), b)
            fit.set_data(self.y[0], np.ravel(y_hat))

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
        pad = 0.25 * np.ptp(self.y)
        ylim = (self.y.min() - pad, self.y.max() + pad)
        ax = self.axes["fit"]
        ax.scatter(self.X[0], self.y[0], s=8, alpha=0.5)
        (self.lines["fit"],) = ax.plot([], [], color="tab:red", linewidth=2)
        ax.set(xlabel="x", ylabel="y", ylim=ylim)
        ax.set_title("the fitted function", fontsize="medium")
        if show_units:
            ax = self.axes["units"]
            self.lines["units"] = [ax.plot([], [], "--", linewidth=1)[0] for _ in range(max_units)]
            (self.lines["sum"],) = ax.plot([], [], color="tab:red", linewidth=2)
            ax.set(xlabel="x", xlim=(self.X.min(), self.X.max()))
            ax.set_title("units $w_{2,j}\\,\\sigma(W_{1,j} x + b_{1,j})$ and their sum + $b_2$", fontsize="medium")
        ax = self.axes["loss"]
        (self.lines["loss"],) = ax.plot([], [], color="tab:blue")
        ax.set_yscale("log")
        ax.set(xlabel="step", ylabel="loss")
        ax.set_title("training curve", fontsize="medium")

        self._moving = [self.lines["fit"], self.lines["loss"]]
        if show_units:
            self._moving += [*self.lines["units"], self.lines["sum"]]
        style = {"description_width": "initial"}
        wide = widgets.Layout(width="320px")
        c = self.controls
        c["hidden_units"] = widgets.IntSlider(value=hidden_units, min=1, max=max_units,
                                              description="hidden units k", style=style, layout=wide)
        c["init_scale"] = widgets.FloatSlider(value=init_scale, min=0.0, max=2.0, step=0.05,
                                              description="initial scale", style=style, layout=wide)
        c["learning_rate"] = widgets.FloatLogSlider(value=learning_rate, base=10, min=-3, max=0.5, step=0.01,
                                                    readout_format=".3g", description="learning rate η",
                                                    style=style, layout=wide)
        c["steps"] = widgets.IntSlider(value=steps, min=0, max=max_steps, step=10, description="steps",
                                       style=style, layout=wide)
        c["seed"] = widgets.IntSlider(value=seed, min=0, max=max(9, seed), description="random start",
                                      style=style, layout=wide)
        for key in ("hidden_units", "init_scale", "learning_rate", "steps", "seed"):
            c[key].continuous_update = False  # a training run takes a moment: run it on release
            c[key].observe(self.update, names="value")
        self.widget = widgets.VBox([
            widgets.HBox([c["hidden_units"], c["init_scale"], c["seed"]]),
            widgets.HBox([c["learning_rate"], c["steps"]]),
            self.message,
            self.image,
        ])
        self.losses = np.empty(0)
        self.params = {}
        self.update()

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

    def _compute(self):
        c = self.controls
        k, scale = int(c["hidden_units"].value), float(c["init_scale"].value)
        lr, steps = float(c["learning_rate"].value), int(c["steps"].value)
        params = self.init(1, k, scale=scale, rng=as_rng(int(c["seed"].value)))
        params = {key: np.array(value, dtype=np.float64) for key, value in params.items()}
        losses, stopped = [], None
        with np.errstate(all="ignore"):
            for t in range(steps + 1):
                y_hat, cache = self._fwd(self.X, params)
                L = float(_as_shape(_call(self.loss, "loss", y_hat, self.y), (), "the loss"))
                if not np.isfinite(L):
                    stopped = t
                    break
                losses.append(L)
                if t == steps:
                    break
                grads = self._bwd(y_hat, params, cache)
                params = {key: params[key] - lr * grads[key] for key in params}
            self.losses, self.params = np.array(losses), params
            self._draw(k)
        if stopped is not None:
            return (f"the loss became infinite at step {stopped}: η = {lr:.3g} is too large, "
                    "try a smaller learning rate")
        return (f"k = {k} hidden units, initial scale {scale:.2f}, η = {lr:.3g}: "
                f"loss {losses[-1]:.4g} after {steps} steps")

    def _draw(self, k):
        y_grid, cache = self._fwd(self._grid, self.params)
        x = self._grid[0]
        self.lines["fit"].set_data(x, y_grid[0])
        self.lines["loss"].set_data(np.arange(self.losses.size), self.losses)
        ax = self.axes["loss"]
        ax.set_xlim(0, _step_limit(self.losses.size - 1))
        ax.set_ylim(*_log_limits(self.losses))
        if self.show_units:
            A = np.asarray(cache.get("A", cache["Z"]), dtype=np.float64)
            parts = np.asarray(self.params["w2"]).reshape(-1, 1) * A
            for j, line in enumerate(self.lines["units"]):
                line.set_visible(j < k)
                line.set_data(x, parts[j]) if j < k else line.set_data([], [])
            self.lines["sum"].set_data(x, y_grid[0])
            lo = min(float(parts.min()), float(y_grid.min()))
            hi = max(float(parts.max()), float(y_grid.max()))
            if np.isfinite(lo) and np.isfinite(hi):
                pad = 0.1 * (hi - lo) + 1e-3
                self.axes["units"].set_ylim(lo - pad, hi + pad)

    def _clear(self):
        self.losses, self.params = np.empty(0), {}
        self.lines["fit"].set_data([], [])
        self.lines["loss"].set_data([], [])
        if self.show_units:
            for line in self.lines["units"]:
                line.set_data([], [])
            self.lines["sum"].set_data([], [])
