"""What the explorers share, apart from the widgets: the figure and its rendering, the message line,
calling the student's functions safely, the run cache, the sliders and the axis limits.

* :class:`_Explorer`: a :class:`matplotlib.figure.Figure` made once (not through pyplot, so nothing is
  displayed twice), rendered into an ``ipywidgets.Image`` as PNG (no ipympl needed). Each axes' static
  content is kept as a background image and only the moving artists are drawn on it (blitting); an axes
  whose limits changed is drawn again over its own region. Its ``update`` is the widgets' callback, and
  nothing raises out of it: the student's mistakes become one sentence in the message line.
* :func:`_call`, :func:`_as_shape`, :func:`_unpack`: run a student's function and check what it returned,
  turning any failure into :class:`StudentCodeError` (or :class:`_NotWritten` for a stub).
* :class:`_Runs`: the last few runs (:class:`helpers.descent.Run`), keyed by the slider values that fix them.
* :func:`_rate_slider`, :func:`_start_slider`, :func:`_slider`: the controls, whose readouts are the values
  the run uses; :meth:`_Explorer._controls` registers them and :meth:`_Explorer._layout` arranges them.
* :func:`_loss_limits`, :func:`_step_limit`, :func:`_round_limits`: axis limits that change rarely.

The widgets themselves are in :mod:`helpers.explorers` (lessons 1 to 4) and :mod:`helpers.deep_explorer`.
"""

from __future__ import annotations

import asyncio
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

from ._validate import format_shape
from .feedback import diagnose

__all__: list[str] = []  # private: the explorers' machinery


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
    """A round number of steps at least ``steps``, for the horizontal axis of a loss curve.

    >>> [_step_limit(s) for s in (8, 30, 250, 300, 6000)]
    [10, 50, 250, 500, 6000]
    """
    for limit in (10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000):
        if steps <= limit:
            return limit
    return steps


def _round_limits(lo, hi):
    """Limits a little wider than ``lo`` to ``hi``, rounded out to a round step, so that they change rarely."""
    span = max(hi - lo, 1e-3)
    unit = 10.0 ** math.floor(math.log10(span)) / 2
    return math.floor(lo / unit - 0.2) * unit, math.ceil(hi / unit + 0.2) * unit


# The learning-rate sliders move in steps of 0.0002 of a decade and the run uses the value rounded to three
# significant digits, as the readout shows it: every such value (0.6, 0.7, 0.636, 0.0089) can be typed or
# dragged to, and the frontend's snapping to the step (at most 0.023 %) never changes its rounding.
# Explorers whose runs take longer than a slider move may (lessons 4 and 9) train them in frames on the kernel's
# event loop: wall-clock seconds of training before a frame is drawn, the first after a move (so that the move is
# answered within the explorers' latency target), then each later one (the kernel answers the next move between
# two frames); a frame's training goes on in chunks of FRAME_STEPS steps until its time is spent.
FIRST_FRAME_SECONDS = 0.006
FRAME_SECONDS = 0.04
FRAME_STEPS = 25


def _running_loop():
    """The event loop running in this thread (the kernel's, in a notebook), or None (a script, a test)."""
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


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


def _stop_text(run):
    """What an explorer says about a run that stopped (:attr:`helpers.descent.Run.diverged_at`): kind and text."""
    L, t = run.diverged_loss, run.diverged_at
    if t == 0:
        return "error", (f"the loss at the start is {L:.3g}, not a finite number: check that your forward "
                         "and loss return finite numbers")
    if math.isnan(L):  # η too large (inf − inf), or a backward that returns NaN
        return "error", (f"{run.message}, or check your backward (does it return NaN or infinity?); "
                         "the plots stop there")
    return "warn", f"{run.message} (the plots stop there)"


STYLE = {"description_width": "initial"}


def _slider(kind, value, lo, hi, description, *, step=None, width="320px"):
    """An ``IntSlider`` or ``FloatSlider`` (``kind``) from ``lo`` to ``hi`` in the explorers' style."""
    extra = {} if step is None else {"step": step}
    return kind(value=value, min=lo, max=hi, description=description, style=STYLE,
                layout=widgets.Layout(width=width), **extra)


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

    # Explorers that train in frames (they set ``training``): the training time before the first frame after
    # a move, and before each later one (see FIRST_FRAME_SECONDS); class attributes, so a test can change them.
    first_frame_seconds = FIRST_FRAME_SECONDS
    frame_seconds = FRAME_SECONDS

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

    def _next_frame(self):
        """The event loop's callback: train the current run one frame further and draw it (raises nothing)."""
        self._scheduled = None
        if not self.training:
            return  # the student moved to a finished run meanwhile: it is drawn already
        self._frame_seconds = self.frame_seconds
        try:
            self.update()
        finally:
            self._frame_seconds = self.first_frame_seconds

    def _controls(self, continuous=True, **controls):
        """Register ``controls`` (name to widget) in ``self.controls``; a value change calls :meth:`update`.

        ``continuous=False``: the sliders call it on release only (for runs that take a moment).
        """
        for name, control in controls.items():
            self.controls[name] = control
            if isinstance(control, widgets.Button):
                continue
            if not continuous:
                control.continuous_update = False
            control.observe(self.update, names="value")

    def _layout(self, *rows):
        """``self.widget``: one row per list of control names, then the message line and the figure."""
        self.widget = widgets.VBox([widgets.HBox([self.controls[name] for name in row]) for row in rows]
                                   + [self.message, self.image])

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
