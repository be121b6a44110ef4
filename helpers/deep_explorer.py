"""Lesson 9's explorer: train the student's deep network on a 2-D classification set, with sliders.

:class:`DeepExplorer` has a slider for the number of hidden layers, their width, the
regularisation parameter λ and the learning rate, and a menu for the hidden layers'
activation. Each change builds the network ``[2, width, ..., width, 1]`` (a sigmoid output,
read as the probability of class 1), trains it with the student's ``train`` on the student's
``objective`` (forward, backward and L2 penalty), and draws the plane coloured by the trained
network's answer with the data on top, and the training and held-out losses at each step.

It runs only the student's functions (there is no reference network here): until they are
written it says which one is missing, in the widget, and writes nothing to stderr. It shares
the figure, rendering and error handling of :mod:`helpers.explorers`.

A run takes the student's ``train`` about 25 to 100 ms, more than a slider move may take. So a
move to slider values not seen before trains for ``first_frame_seconds`` (6 ms) and draws where the
run has got to (its loss curve so far and the network it has reached, "training: step k of
250"), and the rest of the run goes on in frames of ``frame_seconds`` (40 ms) on the kernel's event
loop, each drawn, until the run is complete: then the figure is exactly the one a run without
pauses draws. The student's ``train`` runs in a greenlet that pauses between two of its
gradient evaluations, so it is one call, with its own loop and state, as the student wrote it.
A move before the end pauses that run (kept, and resumed if its slider values come back).
Without a running event loop (a script, a test) and when the explorer is made, each run is
trained to its end at once. Runs are cached by the slider values that fix them.
"""

from __future__ import annotations

import math
import time

import greenlet
import ipywidgets as widgets
import numpy as np

from ._explorer_base import (
    StudentCodeError,
    _as_shape,
    _call,
    _Explorer,
    _loss_limits,
    _running_loop,
    _Runs,
    _step_limit,
)
from ._validate import as_rng, check_array, check_scalar
from .deep import init_params

__all__ = ["DeepExplorer"]

LAMBDAS = (0.0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)


class _Training:
    """One run of the student's ``train`` in a greenlet, paused at a deadline so that it can be drawn.

    ``advance(seconds)`` resumes it until ``seconds`` of wall-clock time have passed (``None``: to its
    end) and returns; what the student's code raises comes out of it. The run pauses only between two
    gradient evaluations (``pause_if_due``, called by the objective the explorer gives ``train``).
    Until ``done``, ``losses`` (the loss at each evaluation so far), ``params`` (the parameters of the
    last one) and ``held_out`` (pairs of evaluation number and held-out error) say where it has got to;
    then ``result`` is what the run's function returned. ``acts`` are the network's activations.
    """

    def __init__(self, run, acts):
        self._greenlet = greenlet.greenlet(run)
        self.acts = acts
        self.deadline = math.inf
        self.done, self.result = False, None
        self.losses, self.params, self.held_out = [], None, []

    def held(self, steps):
        """The held-out curve up to evaluation ``steps``: the evaluation numbers and the errors, each (k,)."""
        pairs = [(step, error) for step, error in self.held_out if step <= steps]
        return np.array([s for s, _ in pairs], dtype=float), np.array([e for _, e in pairs], dtype=float)

    def advance(self, seconds=None):
        self.deadline = math.inf if seconds is None else time.perf_counter() + seconds
        self._greenlet.parent = greenlet.getcurrent()  # pauses come back here, whoever resumes it
        result = self._greenlet.switch()
        if self._greenlet.dead:
            self.done, self.result = True, result

    def seen(self, params, out):
        """Record one gradient evaluation: the parameters it was at and the loss it returned."""
        self._latest = params
        try:
            self.losses.append(float(out[0]))
        except (TypeError, ValueError, IndexError, KeyError):
            self.losses.append(math.nan)  # not a (loss, grads) pair: train will say so when it ends

    def pause_if_due(self):
        if time.perf_counter() < self.deadline:
            return
        try:  # a copy of the parameters reached, to draw while the run waits
            self.params = {key: np.array(value, dtype=float) for key, value in self._latest.items()}
        except (AttributeError, TypeError, ValueError):
            self.params = None  # not a dict of arrays: train will say so when it ends
        self._greenlet.parent.switch()


class DeepExplorer(_Explorer):
    """Train a deep network on ``X`` (2, m), ``y`` (1, m) with sliders; held-out ``X_val``, ``y_val``.

    Parameters
    ----------
    X, y : array_like of shape (2, m) and (1, m)
        Training examples, labels 0 or 1.
    X_val, y_val : array_like of shape (2, m_val) and (1, m_val)
        Held-out examples, never trained on.
    forward : callable
        The student's ``forward(X, params, activations) -> (A_L, caches)``.
    objective : callable
        ``objective(X, Y, activations, lam) -> loss_and_grads``, with
        ``loss_and_grads(params) -> (loss, grads)`` (the lesson's, built on the student's functions).
    train : callable
        The student's ``train(loss_and_grads, params, step, *, steps, **hyper) -> (params, losses)``.
    step : callable
        A step function of lesson 6's interface, e.g. ``adam_step``.
    activations : dict
        Name to ``(g, g_prime)``; must hold "sigmoid" (the output layer) and the menu's choices.
    depth, width : int
        Initial number of hidden layers (1 to ``max_depth``) and units per hidden layer (1 to ``max_width``).
    activation : str
        Initial activation of the hidden layers: "sigmoid", "tanh" or "relu".
    lam : float
        Initial λ, one of ``LAMBDAS``.
    learning_rate : float
        Initial learning rate; the slider covers 10⁻³ to 10⁰ on a log scale.
    steps : int
        Training steps per change.
    seed : int
        Seed of the starting weights: the same sliders always give the same run.
    grid : int
        Points per axis at which the network's answer is drawn.
    max_depth, max_width : int
    dpi : int

    Attributes
    ----------
    widget : ipywidgets.VBox
        What the notebook shows (a bare ``explorer`` at the end of a cell shows it too).
    controls : dict
        "depth", "width", "activation", "lam", "learning_rate".
    lines : dict
        "regions" (the image of the network's answer on the grid), "train" and "held_out"
        (the losses against the step).
    losses : ndarray of shape (steps,)
        Training loss (the objective, penalty included) at each step.
    held_out : ndarray of shape (about 50,)
        Held-out mean squared error at every ``steps // 50``-th step (every step when ``steps`` < 100).
    params : dict
        The trained parameters.
    training : bool
        Whether the run of the current slider values is still being trained (in frames on the
        kernel's event loop): the plots then show where it has got to.
    """

    _uses = "forward, backward, l2_penalty and train"

    def __init__(self, X, y, X_val, y_val, *, forward, objective, train, step, activations, depth: int = 2,
                 width: int = 5, activation: str = "tanh", lam: float = 0.0, learning_rate: float = 0.02,
                 steps: int = 200, seed: int = 0, grid: int = 60, max_depth: int = 6, max_width: int = 12,
                 dpi: int = 80):
        super().__init__((9.0, 3.6), dpi)
        sizes = {}
        self.X = check_array("X", X, (2, "m"), sizes=sizes)
        self.y = check_array("y", y, (1, "m"), sizes=sizes)
        val = {}
        self.X_val = check_array("X_val", X_val, (2, "m_val"), sizes=val)
        self.y_val = check_array("y_val", y_val, (1, "m_val"), sizes=val)
        for name, fn in (("forward", forward), ("objective", objective), ("train", train), ("step", step)):
            if not callable(fn):
                raise TypeError(f"{name}: expected a function, received {type(fn).__name__}")
        if not isinstance(activations, dict) or "sigmoid" not in activations:
            raise TypeError("activations: expected a dict of name -> (g, g_prime) holding 'sigmoid' for the output")
        choices = [name for name in ("sigmoid", "tanh", "relu") if name in activations]
        if activation not in choices:
            raise ValueError(f"activation: expected one of {choices}, received {activation!r}")
        if lam not in LAMBDAS:
            raise ValueError(f"lam: expected one of {LAMBDAS}, received {lam!r}")
        self.forward, self.objective, self.train, self.step = forward, objective, train, step
        self.activations = activations
        self.steps = check_scalar("steps", steps, integer=True, minimum=1)
        self.seed = seed
        lo, hi = self.X.min(axis=1), self.X.max(axis=1)
        pad = 0.1 * (hi - lo)
        g0 = np.linspace(lo[0] - pad[0], hi[0] + pad[0], grid)
        g1 = np.linspace(lo[1] - pad[1], hi[1] + pad[1], grid)
        G0, G1 = np.meshgrid(g0, g1)
        self._grid = np.vstack([G0.ravel(), G1.ravel()])  # (2, grid²)
        self._grid_shape = G0.shape

        ax_map, ax_loss = self.figure.subplots(1, 2, width_ratios=[1, 1.3])
        # fixed places, where constrained layout puts them: no layout pass, half of the first draw's time
        self.figure.set_layout_engine(None)
        ax_map.set_position([0.079, 0.131, 0.322, 0.803])
        ax_loss.set_position([0.504, 0.131, 0.477, 0.803])
        self.axes = {"regions": ax_map, "loss": ax_loss}
        self.lines["regions"] = ax_map.imshow(np.full(G0.shape, np.nan), origin="lower", cmap="RdBu_r",
                                              vmin=0.0, vmax=1.0, alpha=0.55, interpolation="bilinear",
                                              extent=(g0[0], g0[-1], g1[0], g1[-1]), aspect="equal")
        self.lines["class0"] = ax_map.scatter(*self.X[:, self.y[0] == 0], s=9, color="tab:blue",
                                              edgecolors="white", linewidths=0.4)
        self.lines["class1"] = ax_map.scatter(*self.X[:, self.y[0] == 1], s=9, color="tab:red",
                                              edgecolors="white", linewidths=0.4)
        ax_map.set(xlim=(g0[0], g0[-1]), ylim=(g1[0], g1[-1]), xlabel="$x_0$", ylabel="$x_1$")
        ax_map.set_title("the trained network's answer", fontsize="medium")
        (self.lines["train"],) = ax_loss.plot([], [], color="tab:blue", label="training (with penalty)")
        (self.lines["held_out"],) = ax_loss.plot([], [], color="tab:orange", label="held-out")
        ax_loss.set_yscale("log")
        ax_loss.set(xlabel="step", ylabel="loss")
        ax_loss.legend(fontsize="small", loc="upper right")
        ax_loss.set_title("training curve", fontsize="medium")
        self._moving = [self.lines["regions"], self.lines["class0"], self.lines["class1"],
                        self.lines["train"], self.lines["held_out"]]

        style = {"description_width": "initial"}
        wide = widgets.Layout(width="300px")
        c = self.controls
        c["depth"] = widgets.IntSlider(value=depth, min=1, max=max_depth, description="hidden layers",
                                       style=style, layout=wide)
        c["width"] = widgets.IntSlider(value=width, min=1, max=max_width, description="units per layer",
                                       style=style, layout=wide)
        c["activation"] = widgets.Dropdown(options=choices, value=activation, description="activation",
                                           style=style, layout=widgets.Layout(width="220px"))
        c["lam"] = widgets.SelectionSlider(options=[(f"{v:g}", v) for v in LAMBDAS], value=lam,
                                           description="λ", style=style, layout=wide)
        c["learning_rate"] = widgets.FloatLogSlider(value=learning_rate, base=10, min=-3, max=0, step=0.05,
                                                    readout_format=".3g", description="learning rate η",
                                                    style=style, layout=wide)
        for key in ("depth", "width", "activation", "lam", "learning_rate"):
            if hasattr(c[key], "continuous_update"):
                c[key].continuous_update = False  # a training run takes a moment: run it on release
            c[key].observe(self.update, names="value")
        self.widget = widgets.VBox([
            widgets.HBox([c["depth"], c["width"], c["activation"]]),
            widgets.HBox([c["lam"], c["learning_rate"]]),
            self.message,
            self.image,
        ])
        self.losses, self.held_out, self.params = np.empty(0), np.empty(0), {}
        self.training = False
        self._runs = _Runs()  # runs by the slider values that fix them: moving back to a value trains nothing
        self._loss_ylim = None  # the first run with a loss sets it; later ones only widen it
        self._frame_seconds = self.first_frame_seconds
        self._scheduled = None  # the event loop on which the next frame of the current run waits, if one does
        self._at_once = True  # the first run is trained to its end before the cell shows the explorer
        self._shown = None  # the finished run's drawing, if this update shows one: its PNG is kept with it
        self.update()
        self._at_once = False

    def _predict(self, X, params, acts):
        out = _call(self.forward, "forward", X, params, acts)
        if not isinstance(out, (tuple, list)) or len(out) != 2:
            raise StudentCodeError("your forward should return (A_L, caches)")
        return _as_shape(out[0], (1, X.shape[1]), "the A_L your forward returned")

    def _compute(self):
        c = self.controls
        depth, width, name = int(c["depth"].value), int(c["width"].value), c["activation"].value
        lam, lr = float(c["lam"].value), float(c["learning_rate"].value)
        key = (self.forward, self.objective, self.train, self.step, self.activations[name], depth, width, lam, lr)
        run = self._runs.get_or_make(key, lambda: self._start(depth, width, name, lam, lr))
        self.training = False
        if not run.done:
            loop = None if self._at_once else _running_loop()
            try:
                run.advance(None if loop is None else self._frame_seconds)
            except BaseException:
                self._runs.pop(key, None)  # a run that raised is not kept: the same values try again
                raise
            if not run.done:
                self.training = True
                if self._scheduled is not loop:  # (a loop that ended with a frame pending does not count)
                    self._scheduled = loop
                    loop.call_soon(self._next_frame)
        layers = f"{depth} hidden layer{'s' if depth > 1 else ''} of {width} {name} unit{'s' if width > 1 else ''}"
        self._shown = None
        if self.training:
            return self._draw_partial(run, layers, lam, lr)
        drawn = self._shown = run.result
        self.params, self.losses, self.held_out = drawn["params"], drawn["losses"], drawn["held_out"]
        losses = self.losses
        self.lines["regions"].set_data(drawn["regions"])
        self._draw_losses(losses, drawn["held_steps"], self.held_out)
        if not np.all(np.isfinite(losses)):
            return f"{layers}, η = {lr:.3g}: the loss became infinite: η is too large, try a smaller learning rate"
        return (f"{layers}, λ = {lam:g}, η = {lr:.3g}: training loss {losses[-1]:.4f}, held-out loss "
                f"{self.held_out[-1]:.4f}, {drawn['right']:.0%} of the held-out points right")

    def _render(self):
        """Render as the other explorers do, except a finished run drawn before on the same loss axis: its PNG."""
        drawn = self._shown
        if drawn is not None and drawn.get("png_ylim") == self._loss_ylim:
            self.image.value = drawn["png"]  # the same pixels: nothing else in the figure moves
            return
        super()._render()
        if drawn is not None:
            drawn["png"], drawn["png_ylim"] = self.image.value, self._loss_ylim

    def _draw_losses(self, losses, held_steps, held_out):
        self.lines["train"].set_data(np.arange(1, losses.size + 1), losses)
        self.lines["held_out"].set_data(held_steps, held_out)
        ax = self.axes["loss"]
        ax.set_xlim(0, _step_limit(self.steps))
        # whole decades that only widen (from the first run on): the axis is drawn again only when they change
        ax.set_ylim(*_loss_limits(self._loss_ylim, np.concatenate([losses, held_out])))
        self._loss_ylim = ax.get_ylim()

    def _draw_partial(self, run, layers, lam, lr):
        """Draw where an unfinished run has got to: its losses so far and the network of its last step."""
        losses = np.array(run.losses, dtype=float)
        held_steps, held_out = run.held(self.steps)
        self.losses, self.held_out = losses, held_out
        self.params = run.params or {}
        if run.params is not None:
            P = self._predict(self._grid, run.params, run.acts)
            self.lines["regions"].set_data(P.reshape(self._grid_shape))
        self._draw_losses(losses, held_steps, held_out)
        now = f"training loss {losses[-1]:.4f}" if losses.size else "starting"
        return "info", f"{layers}, λ = {lam:g}, η = {lr:.3g}: training, step {losses.size} of {self.steps}, {now}"

    def _start(self, depth, width, name, lam, lr):
        """The run these slider values fix, not yet started: the student's ``train`` in a :class:`_Training`."""
        sizes = [2] + [width] * depth + [1]
        acts = [self.activations[name]] * depth + [self.activations["sigmoid"]]
        start = init_params(sizes, rng=as_rng(self.seed))
        calls = [0]
        every = max(1, self.steps // 50)  # about 50 points on the held-out curve: a forward pass each
        loss_and_grads = _call(self.objective, "objective", self.X, self.y, acts, lam)

        def tracked(params):
            # the held-out error at every `every`-th point where the optimizer takes a gradient
            calls[0] += 1
            if calls[0] % every == 1 or every == 1:
                error = float(np.mean((self._predict(self.X_val, params, acts) - self.y_val) ** 2))
                run.held_out.append((calls[0], error))
            out = loss_and_grads(params)
            run.seen(params, out)
            run.pause_if_due()
            return out

        def train():
            with np.errstate(all="ignore"):  # a greenlet has its own context: numpy's settings are set in it
                result = _call(lambda: self.train(tracked, start, self.step, steps=self.steps, learning_rate=lr),
                               "train")
                return self._finish(result, run)

        run = _Training(train, acts)
        return run

    def _finish(self, result, run):
        """What is drawn of a run from what the student's ``train`` returned."""
        if not isinstance(result, (tuple, list)) or len(result) != 2 or not isinstance(result[0], dict):
            raise StudentCodeError("your train should return (params, losses), params a dict")
        params, losses = result
        losses = _as_shape(losses, (self.steps,), "the losses your train returned")
        P = self._predict(self._grid, params, run.acts)
        right = float(np.mean((self._predict(self.X_val, params, run.acts) > 0.5) == (self.y_val > 0.5)))
        held_steps, held_out = run.held(self.steps)
        return {"params": params, "losses": losses, "regions": P.reshape(self._grid_shape), "right": right,
                "held_out": held_out, "held_steps": held_steps}

    def _clear(self):
        self.losses, self.held_out, self.params = np.empty(0), np.empty(0), {}
        self.training = False
        self._shown = None
        self.lines["regions"].set_data(np.full(self._grid_shape, np.nan))
        self.lines["train"].set_data([], [])
        self.lines["held_out"].set_data([], [])

