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
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from ._explorer_base import StudentCodeError, _as_shape, _call, _Explorer, _loss_limits, _Runs, _step_limit
from ._validate import as_rng, check_array, check_scalar
from .deep import init_params

__all__ = ["DeepExplorer"]

LAMBDAS = (0.0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)


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
        self._runs = _Runs()  # runs by the slider values that fix them: moving back to a value trains nothing
        self._loss_ylim = None  # the first run with a loss sets it; later ones only widen it
        self.update()

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
        run = self._runs.get_or_make(key, lambda: self._run(depth, width, name, lam, lr))
        self.params, self.losses, self.held_out = run["params"], run["losses"], run["held_out"]
        losses = self.losses
        self.lines["regions"].set_data(run["regions"])
        self.lines["train"].set_data(np.arange(1, losses.size + 1), losses)
        self.lines["held_out"].set_data(run["held_steps"], self.held_out)
        ax = self.axes["loss"]
        ax.set_xlim(0, _step_limit(self.steps))
        # whole decades that only widen (from the first run on): the axis is drawn again only when they change
        ax.set_ylim(*_loss_limits(self._loss_ylim, np.concatenate([losses, self.held_out])))
        self._loss_ylim = ax.get_ylim()
        layers = f"{depth} hidden layer{'s' if depth > 1 else ''} of {width} {name} unit{'s' if width > 1 else ''}"
        if not np.all(np.isfinite(losses)):
            return f"{layers}, η = {lr:.3g}: the loss became infinite: η is too large, try a smaller learning rate"
        return (f"{layers}, λ = {lam:g}, η = {lr:.3g}: training loss {losses[-1]:.4f}, held-out loss "
                f"{self.held_out[-1]:.4f}, {run['right']:.0%} of the held-out points right")

    def _run(self, depth, width, name, lam, lr):
        """Train the network these slider values fix with the student's ``train``; what is drawn of it."""
        sizes = [2] + [width] * depth + [1]
        acts = [self.activations[name]] * depth + [self.activations["sigmoid"]]
        start = init_params(sizes, rng=as_rng(self.seed))
        held_out, calls = [], [0]
        every = max(1, self.steps // 50)  # about 50 points on the held-out curve: a forward pass each
        loss_and_grads = _call(self.objective, "objective", self.X, self.y, acts, lam)

        def tracked(params):
            # the held-out error at every `every`-th point where the optimizer takes a gradient
            calls[0] += 1
            if calls[0] % every == 1 or every == 1:
                error = float(np.mean((self._predict(self.X_val, params, acts) - self.y_val) ** 2))
                held_out.append((calls[0], error))
            return loss_and_grads(params)

        with np.errstate(all="ignore"):
            result = _call(lambda: self.train(tracked, start, self.step, steps=self.steps, learning_rate=lr), "train")
            if not isinstance(result, (tuple, list)) or len(result) != 2 or not isinstance(result[0], dict):
                raise StudentCodeError("your train should return (params, losses), params a dict")
            params, losses = result
            losses = _as_shape(losses, (self.steps,), "the losses your train returned")
            P = self._predict(self._grid, params, acts)
            right = float(np.mean((self._predict(self.X_val, params, acts) > 0.5) == (self.y_val > 0.5)))
        return {"params": params, "losses": losses, "regions": P.reshape(self._grid_shape), "right": right,
                "held_out": np.array([error for step, error in held_out if step <= self.steps]),
                "held_steps": np.array([step for step, _ in held_out if step <= self.steps])}

    def _clear(self):
        self.losses, self.held_out, self.params = np.empty(0), np.empty(0), {}
        self.lines["regions"].set_data(np.full(self._grid_shape, np.nan))
        self.lines["train"].set_data([], [])
        self.lines["held_out"].set_data([], [])
