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
loss passes :data:`GROWTH_LIMIT` times its start: the message says η is too
large and the plots stop there. No exception leaves a widget callback.

What the sliders show is what the run uses: the learning rate to three
significant digits (every such value, 0.6, 0.7 or 0.636, can be typed or
dragged to exactly), the start on its 0.05 grid. Runs are cached by the slider
values that fix them and extended step by step when only the number of steps grows.

The figure is a :class:`matplotlib.figure.Figure` made once (not through
pyplot, so nothing is displayed twice); each update moves its artists
(``Line2D.set_data``, ``Quiver.set_UVC``) and renders it into an
``ipywidgets.Image`` as PNG, so no ipympl is needed. Tests read what is drawn
from ``explorer.lines[...]`` and press ``explorer.controls[...]``.
"""

from __future__ import annotations

import contextlib
import io
import math
import time
import warnings
import zlib
from collections import OrderedDict

import ipywidgets as widgets
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import LogLocator, NullFormatter
from matplotlib.transforms import Bbox
from PIL import Image

from ._validate import as_rng, check_array, format_shape
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
    """Call the student's ``fn`` (called ``name``), turning any failure into one sentence.

    Call it inside :func:`_quiet`, which keeps numpy's and Python's warnings out of stderr.
    """
    try:
        return fn(*args)
    except NotImplementedError as err:
        tb = err.__traceback__
        while tb.tb_next is not None:  # the stub that raised: forward, or the sigmoid it calls
            tb = tb.tb_next
        stub = tb.tb_frame.f_code.co_name
        raise _NotWritten(stub if stub.isidentifier() and stub != "<lambda>" else name) from None
    except Exception as err:  # the student's code can raise anything; show it, never a traceback
        raise StudentCodeError(f"your {name} raised {type(err).__name__}: {err}") from None


@contextlib.contextmanager
def _quiet():
    """No warning and no floating-point message reaches stderr (a diverging run overflows on purpose)."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        yield


def _as_shape(value, shape, what):
    """``value`` as a float array of ``shape``, or StudentCodeError naming ``what`` and the likely mistake."""
    if type(value) is np.ndarray and value.dtype == np.float64 and value.shape == tuple(shape):
        return value  # the usual case, checked without a copy: the explorers call this at every step
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
    colour = {"ok": "#1a7f37", "info": "#555", "warn": "#9a6700", "error": "#b42318"}[kind]
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


def _loss_limits(current, losses):
    """Log-axis limits in whole decades that only widen: to the lowest loss and to the first (the start).

    Later losses above the start (a diverging run) are clipped at the top rather than widening the axis,
    so the limits change rarely and a diverging curve leaves the panel at the top, as it leaves the map.
    """
    finite = losses[np.isfinite(losses) & (losses > 0)]
    if finite.size == 0:
        return current if current is not None else (1e-3, 1.0)
    lo = 10.0 ** math.floor(math.log10(finite.min()))
    hi = 10.0 ** math.ceil(math.log10(finite[0] if np.isfinite(losses[0]) and losses[0] > 0 else finite.max()))
    if current is not None:
        lo, hi = min(lo, current[0]), max(hi, current[1])
    hi = max(hi, 10 * lo)
    return max(lo, hi * 1e-10), hi


def _log_axis(ax):
    """A log-scale loss axis with minor ticks at 2 and 5 of each decade (not all eight: fewer to redraw)."""
    ax.set_yscale("log")
    ax.yaxis.set_minor_locator(LogLocator(base=10, subs=(2.0, 5.0)))
    ax.yaxis.set_minor_formatter(NullFormatter())


def _step_limit(steps):
    """A round number of steps at least ``steps``, for the horizontal axis of a loss curve."""
    for limit in (10, 20, 50, 100, 200, 500, 1000, 2000, 5000):
        if steps <= limit:
            return limit
    return steps


def _round_limits(lo, hi):
    """Limits a little wider than ``lo`` to ``hi``, rounded out to a round step, so that they change rarely."""
    span = max(hi - lo, 1e-3)
    unit = 10.0 ** math.floor(math.log10(span)) / 2
    return math.floor(lo / unit - 0.2) * unit, math.ceil(hi / unit + 0.2) * unit


# A run stops once its loss is this many times its first: the loss axis keeps a few readable decades, no
# number overflows, and the message says why (a diverging run would otherwise reach infinity).
GROWTH_LIMIT = 1e6
# The learning-rate sliders move in steps of 0.0002 of a decade and the run uses the value rounded to three
# significant digits, as the readout shows it: every such value (0.6, 0.7, 0.636, 0.0089) can be typed or
# dragged to, and the frontend's snapping to the step (at most 0.023 %) never changes its rounding.
RATE_DIGITS = 3
RATE_STEP = 0.0002


def _round_sig(value, digits=RATE_DIGITS):
    """``value`` rounded to ``digits`` significant digits (what a ``.3g`` readout shows)."""
    value = float(value)
    return float(f"{value:.{digits}g}") if math.isfinite(value) and value != 0 else value


def _rate_slider(value, *, style, layout):
    """A log-scale learning-rate slider from 10⁻³ to 10⁰·⁵ whose readout is the value the run uses."""
    return widgets.FloatLogSlider(value=_round_sig(value), base=10, min=-3, max=0.5, step=RATE_STEP,
                                  readout_format=".3g", description="learning rate η", style=style,
                                  layout=layout)


START_STEP = 0.05


def _on_grid(value, step=START_STEP):
    """``value`` on the start sliders' grid (multiples of ``step``), as their two-decimal readout shows it."""
    return float(round(round(float(value) / step) * step, 10))


def _start_slider(value, lo, hi, description, *, style, layout):
    """A start slider on multiples of 0.05 covering ``lo`` to ``hi``: its readout is the start the run uses.

    The frontend snaps to ``min + k * step``, so ``min`` is itself a multiple of the step.
    """
    lo, hi = _on_grid(math.floor(lo / START_STEP) * START_STEP), _on_grid(math.ceil(hi / START_STEP) * START_STEP)
    return widgets.FloatSlider(value=min(max(_on_grid(value), lo), hi), min=lo, max=hi, step=START_STEP,
                               readout_format=".2f", description=description, style=style, layout=layout)


def _grown(L, first):
    """Whether the loss ``L`` has diverged: not a finite number, or past GROWTH_LIMIT times the ``first``."""
    return not math.isfinite(L) or (first is not None and L > GROWTH_LIMIT * max(first, 1e-300))


def _drawn_box(ax, renderer):
    """The pixels ``ax`` covers after a draw: its frame, title, labels and the tick labels just drawn.

    Cheaper than ``ax.get_tightbbox``, which computes the ticks again: this reads the texts already laid out.
    """
    texts = [ax.title, ax.xaxis.label, ax.yaxis.label]
    for axis in (ax.xaxis, ax.yaxis):
        texts += [tick.label1 for tick in axis.get_major_ticks() if tick.get_visible() and tick.label1.get_visible()
                  and tick.label1.get_text()]
    boxes = [ax.bbox] + [t.get_window_extent(renderer) for t in texts if t.get_visible() and t.get_text()]
    return Bbox.union(boxes)


class _Runs(OrderedDict):
    """The last few training runs, keyed by the slider values that fix them (least recently used dropped)."""

    def __init__(self, size=32):
        super().__init__()
        self.size = size

    def get_or_make(self, key, make):
        if key in self:
            self.move_to_end(key)
            return self[key]
        run = self[key] = make()
        while len(self) > self.size:
            self.popitem(last=False)
        return run


class _Explorer:
    """The figure, the image it renders into, the message line and the controls.

    Rendering does as little as a move needs: each axes' static content (contours, ticks, labels) is
    kept as a background image, and only the artists in ``_moving`` are drawn on it. When a move
    changes an axes' limits, only that axes is drawn again, over its own region of the background.
    """

    def __init__(self, figsize, dpi):
        self.figure = Figure(figsize=figsize, dpi=dpi, layout="constrained")
        self._canvas = FigureCanvasAgg(self.figure)
        self.image = widgets.Image(format="png", layout=widgets.Layout(width="auto", max_width="100%"))
        self.message = widgets.HTML(_message("info", ""))
        self.lines = {}
        self.controls = {}
        self._moving = []  # the artists an update moves; everything else is a cached background
        self._background, self._limits, self._boxes = None, {}, {}
        self.full_draws = 0  # complete draws of the figure (the first, and after a failed partial one)
        self.last_update_seconds = float("nan")

    def _axes_limits(self):
        return {ax: (*ax.get_xlim(), *ax.get_ylim()) for ax in self.figure.axes}

    def _draw_all(self):
        for artist in self._moving:
            artist.set_animated(True)  # left out of the background
        self._canvas.draw()
        self.full_draws += 1
        self.figure.set_layout_engine("none")  # after the first draw the layout is fixed
        renderer = self._canvas.get_renderer()
        self._boxes = {ax: ax.get_tightbbox(renderer) for ax in self.figure.axes}
        self._background = self._canvas.copy_from_bbox(self.figure.bbox)

    def _redraw_axes(self, changed):
        """Draw again the static content of the axes whose limits changed, each over its own region."""
        renderer = self._canvas.get_renderer()
        self._canvas.restore_region(self._background)
        pixels = np.asarray(self._canvas.buffer_rgba())
        height, width = pixels.shape[:2]
        face = (np.array(self.figure.get_facecolor()) * 255).round().astype(np.uint8)
        for ax in changed:
            box = self._boxes[ax]  # where it was drawn; the new ticks are drawn inside the same axes region
            x0, x1 = max(int(box.x0) - 1, 0), min(int(np.ceil(box.x1)) + 1, width)
            y0, y1 = max(height - int(np.ceil(box.y1)) - 1, 0), min(height - int(box.y0) + 1, height)
            pixels[y0:y1, x0:x1] = face
            ax.draw(renderer)  # its animated artists (the moving ones) are left out
            self._boxes[ax] = _drawn_box(ax, renderer)
        self._background = self._canvas.copy_from_bbox(self.figure.bbox)

    def _render(self):
        """Draw the figure into ``self.image``: the moving artists over the kept background."""
        limits = self._axes_limits()
        if self._background is None:
            self._draw_all()
        else:
            changed = [ax for ax, lim in limits.items() if lim != self._limits.get(ax)]
            if changed:
                self._redraw_axes(changed)
            else:
                self._canvas.restore_region(self._background)
        self._limits = limits
        for artist in self._moving:
            if artist.get_visible():
                self.figure.draw_artist(artist)
        width, height = self._canvas.get_width_height()
        rgba = Image.frombuffer("RGBA", (width, height), self._canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
        buf = io.BytesIO()
        # run-length deflate: the same pixels, a quarter faster to encode than the default strategy, 10 % larger
        rgba.convert("RGB").save(buf, format="png", compress_level=1, compress_type=zlib.Z_RLE)
        self.image.value = buf.getvalue()

    def update(self, change=None):
        """Recompute with the current control values and redraw (the widgets' callback).

        Nothing raises out of it: the student's mistakes become a sentence, and anything else that goes
        wrong (a number matplotlib cannot draw) is said in the message with the plots cleared.
        """
        start = time.perf_counter()
        try:
            with _quiet():
                status = self._compute()
            kind, status = status if isinstance(status, tuple) else ("ok", status)
            self.message.value = _message(kind, _escape(status))
        except _NotWritten as missing:
            self._clear()
            self.message.value = _message("info", self._not_written_text(str(missing)))
        except StudentCodeError as err:
            self._clear()
            self.message.value = _message("error", _escape(str(err)))
        except Exception as err:  # never a traceback in the widget's callback
            self._clear()
            self.message.value = _message("error", _escape(f"the explorer could not draw this run "
                                                           f"({type(err).__name__}: {err})"))
        try:
            with _quiet():
                self._render()
        except Exception:  # a partial redraw went wrong: start again from a full draw of the cleared plots
            self._clear()
            self._background = None
            with _quiet():
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
        _log_axis(ax)
        ax.set_ylim(*_loss_limits(None, np.array([L.max(), L.min()])))  # every start on the map fits
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
        self._view = ((lo0, hi0), (lo1, hi1))
        style = {"description_width": "initial"}
        wide = widgets.Layout(width="340px")
        c = self.controls
        c["learning_rate"] = _rate_slider(learning_rate, style=style, layout=wide)
        c["steps"] = widgets.IntSlider(value=steps, min=0, max=max_steps, description="steps", style=style,
                                       layout=wide)
        c["start0"] = _start_slider(start[0], lo0, hi0, f"start {vary[0]}", style=style, layout=wide)
        c["start1"] = _start_slider(start[1], lo1, hi1, f"start {vary[1]}", style=style, layout=wide)
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
        self._runs = _Runs()
        self._clear()
        self.update()

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
        run = self._runs.get_or_make(key, lambda: {"params": [self._params(start, 0.0 if self.n == 2 else None)],
                                                   "losses": [], "grads": [], "stop": None})
        self._extend(run, steps, lr)
        T = min(steps, len(run["losses"]) - 1)
        self.path = np.array([self._coords(*p) for p in run["params"][:T + 1]]).reshape(-1, 2)
        self.losses = np.array(run["losses"][:T + 1])
        self.gradient = run["grads"][T] if 0 <= T < len(run["grads"]) else np.full(2, np.nan)
        w, b = run["params"][T] if T >= 0 else run["params"][0]
        stopped = run["stop"] if run["stop"] is not None and run["stop"][1] <= steps else None
        self._draw(lr, w, b, diverged=stopped is not None)
        if stopped is not None:
            return self._stop_text(*stopped, lr)
        end = self.path[-1]
        w_text = f"w = {end[0]:.4g}, b = {end[1]:.4g}" if self.n == 1 else \
            f"w = [{end[0]:.4g}, {end[1]:.4g}], b = {b:.4g}"
        text = f"after {steps} steps with η = {lr:.3g}: {w_text}, loss {self.losses[-1]:.4g}"
        if self.losses[-1] > self.losses[0]:
            return "warn", text + f". The loss grew: η = {lr:.3g} is too large, each step overshoots the valley"
        return text

    def _coords(self, w, b):
        return (w, b) if self.n == 1 else tuple(np.ravel(w)[:2])

    def _extend(self, run, steps, lr):
        """Train ``run`` on until it holds ``steps`` updates (or stopped): only the steps not yet computed."""
        w_shape = () if self.n == 1 else (1, self.n)
        params, losses, grads = run["params"], run["losses"], run["grads"]
        while len(losses) <= steps and run["stop"] is None:
            t = len(losses)
            w, b = params[t]
            y_hat = _as_shape(_call(self.forward, "forward", self.X, w, b), (1, self.m),
                              "the y_hat your forward returned")
            L = float(_as_shape(_call(self.loss, "loss", y_hat, self.y), (), "the loss your mse_loss returned"))
            if _grown(L, losses[0] if losses else None):
                run["stop"] = (L, t, losses[0] if losses else L)
                break
            losses.append(L)
            dw, db = _unpack(_call(self.backward, "backward", self.X, self.y, y_hat), 2, "your backward")
            dw = _as_shape(dw, w_shape, "the dw your backward returned")
            db = float(_as_shape(db, (), "the db your backward returned"))
            grads.append(np.array([float(dw), db] if self.n == 1 else np.ravel(dw)[:2], dtype=np.float64))
            params.append((float(w - lr * dw), b - lr * db) if self.n == 1 else (w - lr * dw, b - lr * db))

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

    def _stop_text(self, L, t, first, lr):
        if t == 0:
            return "error", (f"the loss at the start is {L:.3g}, not a finite number: check that your forward "
                             "and loss return finite numbers")
        if math.isnan(L):
            return "error", (f"the loss became NaN at step {t}: check your backward (does it return NaN or "
                             "infinity?); the plots stop there")
        return "warn", (f"the loss grew past a million times its start at step {t}: η = {lr:.3g} is too large, "
                        "the steps overshoot further and further (the plots stop there)")

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
            ax.set(xlabel="x", xlim=(self.X.min(), self.X.max()), ylim=ylim)
            ax.set_title("units $w_{2,j}\\,\\sigma(W_{1,j} x + b_{1,j})$ and their sum + $b_2$", fontsize="medium")
        ax = self.axes["loss"]
        (self.lines["loss"],) = ax.plot([], [], color="tab:blue")
        _log_axis(ax)
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
        c["learning_rate"] = _rate_slider(learning_rate, style=style, layout=wide)
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
        self._loss_ylim = None  # the first run with a loss sets it; later ones only widen it
        self._runs = _Runs()
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

    @property
    def learning_rate(self) -> float:
        """The learning rate the run uses: the slider's value to three significant digits, as its readout shows."""
        return _round_sig(self.controls["learning_rate"].value)

    def _compute(self):
        c = self.controls
        k, scale = int(c["hidden_units"].value), round(float(c["init_scale"].value), 2)
        lr, steps, seed = self.learning_rate, int(c["steps"].value), int(c["seed"].value)
        key = (self.forward, self.backward, self.loss, self._act, self.init, k, scale, seed, lr)
        run = self._runs.get_or_make(key, lambda: self._start(k, scale, seed))
        self._extend(run, steps, lr)
        T = min(steps, len(run["losses"]) - 1)
        self.losses = np.array(run["losses"][:T + 1])
        self.params = run["params"][max(T, 0)]
        stopped = run["stop"] if run["stop"] is not None and run["stop"][1] <= steps else None
        if T >= 0:
            self._draw(k)
        else:
            self._clear()
        if stopped is not None:
            L, t = stopped
            if t == 0:
                return "error", (f"the loss at the start is {L:.3g}, not a finite number: check that your "
                                 "forward and loss return finite numbers")
            if math.isnan(L):
                return "error", (f"the loss became NaN at step {t}: check your backward (does it return NaN or "
                                 "infinity?); the plots stop there")
            return "warn", (f"the loss grew past a million times its start at step {t}: η = {lr:.3g} is too "
                            "large, try a smaller learning rate (the plots stop there)")
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
        params = {key: _as_shape(params[key], shape, f"the {key} your init_params returned")
                  for key, shape in shapes.items()}
        return {"params": [params], "losses": [], "stop": None}

    def _extend(self, run, steps, lr):
        """Train ``run`` on until it holds ``steps`` updates (or stopped): only the steps not yet computed.

        Most steps take :meth:`_fast_steps`, which calls the student's functions with no wrapper and checks
        their results inline; a step it cannot take as is goes through the checked :meth:`_step`.
        """
        while len(run["losses"]) <= steps and run["stop"] is None:
            if run["losses"]:
                self._fast_steps(run, steps, lr)
            if len(run["losses"]) <= steps and run["stop"] is None:
                self._step(run, lr)

    def _step(self, run, lr):
        """One update of ``run``, every result of the student's functions checked (a clear error if unusable)."""
        history, losses = run["params"], run["losses"]
        t = len(losses)
        params = history[t]
        y_hat, cache = self._fwd(self.X, params)
        L = float(_as_shape(_call(self.loss, "loss", y_hat, self.y), (), "the loss"))
        if _grown(L, losses[0] if losses else None):
            run["stop"] = (L, t)
            return
        losses.append(L)
        grads = self._bwd(y_hat, params, cache)  # also after the last step: a later run goes on from there
        history.append({key: params[key] - lr * grads[key] for key in params})

    def _fast_steps(self, run, steps, lr):
        """The updates of :meth:`_step` while every result has the usual type and shape; returns at the first
        that has not (or raises), leaving that step to :meth:`_step`. The same numbers, a third of the time."""
        history, losses = run["params"], run["losses"]
        forward, backward, loss, X, y = self.forward, self.backward, self.loss, self.X, self.y
        f_extra, b_extra = ((self._act[0],), (self._act[1],)) if self._act else ((), ())
        shape, f64, ndarray = (1, self.m), np.float64, np.ndarray
        shapes = [(key, np.shape(value)) for key, value in history[0].items()]
        keys = {key for key, _ in shapes}
        limit = GROWTH_LIMIT * max(losses[0], 1e-300)
        try:
            while len(losses) <= steps:
                params = history[-1]
                out = forward(X, params, *f_extra)
                if type(out) is not tuple or len(out) != 2:
                    return
                y_hat, cache = out
                if type(y_hat) is not ndarray or y_hat.dtype != f64 or y_hat.shape != shape or \
                        type(cache) is not dict or "Z" not in cache:
                    return
                L = loss(y_hat, y)
                if type(L) not in (float, f64):
                    return
                L = float(L)
                if not L <= limit:  # grown, infinite or NaN: _step says which
                    return
                grads = backward(X, y, y_hat, params, cache, *b_extra)
                if type(grads) is not dict or grads.keys() != keys:
                    return
                new = {}
                for key, key_shape in shapes:
                    g = grads[key]
                    if type(g) is ndarray and g.dtype == f64 and g.shape == key_shape:
                        new[key] = params[key] - lr * g
                    elif not key_shape and type(g) in (float, f64):
                        new[key] = params[key] - lr * np.asarray(g)
                    else:
                        return
                losses.append(L)
                history.append(new)
        except Exception:  # _step calls it again and says what went wrong
            return

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
