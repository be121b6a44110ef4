"""The one descent engine of ``helpers``: a step rule, one loop, one run record, one divergence rule.

The interface, the same as lesson 6's step functions::

    step(theta, grad_fn, state) -> (theta_new, state_new)
    evaluate(theta) -> (loss, grad)

* ``theta``: the parameters, in whatever form the problem keeps them: an ndarray
  of shape (p,) (:mod:`helpers.optimizers`), a dict of named arrays such as
  ``{"W1": (k, n), "b1": (k, 1), "w2": (1, k), "b2": number}`` (the lessons'
  networks) or a tuple ``(w, b)``;
* ``grad_fn(theta) -> grad``: the gradient, shaped like ``theta``, at any point
  the rule asks (Nesterov asks at its look-ahead point); at the current point it
  is the one :func:`iterate` has already computed, so it costs nothing more;
* ``state``: the rule's memory (a dict, ``{}`` at the start), returned anew;
* ``evaluate``: the problem, the loss (a number) and its gradient at ``theta``.

:func:`iterate` runs the loop and records a :class:`Run`: the parameters, the
loss and the gradient at each point, the time spent, the gradients the rule used
and the evaluations. It extends a run it is given (only the steps not yet taken),
which is how the explorers stay fast when a slider only adds steps.

One divergence rule (:func:`diverged`): a loss that is not a finite number, or
that grows past :data:`GROWTH_LIMIT` times the loss at the start. One message
(:func:`divergence_message`): "the loss became inf at step 37: η = 0.8 is too
large, try a smaller learning rate". A diverged point is not recorded: the run
ends at the last good one, with ``diverged_at`` and ``message`` set.
"""

from __future__ import annotations

import math
import time

import numpy as np

__all__ = [
    "GROWTH_LIMIT",
    "DivergenceError",
    "Run",
    "diverged",
    "divergence_message",
    "gradient_step",
    "iterate",
]

# A run has diverged once its loss is this many times its first (or not a finite number): a loss axis keeps
# a few readable decades, nothing overflows, and the message can say why.
GROWTH_LIMIT = 1e6


class DivergenceError(FloatingPointError):
    """Raised (with ``on_divergence="raise"``) when a run's loss diverges; the message says where."""


def diverged(loss: float, first: float | None) -> bool:
    """Whether ``loss`` has diverged: not a finite number, or past GROWTH_LIMIT times ``first`` (the start's).

    >>> diverged(float("nan"), 1.0), diverged(2e6, 1.0), diverged(9e5, 1.0), diverged(5.0, None)
    (True, True, False, False)
    """
    if not math.isfinite(loss):
        return True
    if first is None:
        return False
    return loss > GROWTH_LIMIT * (first if first > 0 else 1.0)


def divergence_message(loss: float, step: int, learning_rate: float | None = None) -> str:
    """The one sentence that says how and where a run diverged, and what to try.

    >>> divergence_message(float("inf"), 37, 0.8)
    'the loss became inf at step 37: η = 0.8 is too large, try a smaller learning rate'
    >>> divergence_message(5e9, 4)
    'the loss grew past a million times its start at step 4: try a smaller learning rate'
    """
    if step == 0:
        return (f"the loss at the start is {loss:.3g}, not a finite number: check that the loss and its "
                "gradient are finite there")
    what = "became NaN" if math.isnan(loss) else "became inf" if math.isinf(loss) else \
        "grew past a million times its start"
    advice = "try a smaller learning rate" if learning_rate is None else \
        f"η = {learning_rate:.3g} is too large, try a smaller learning rate"
    return f"the loss {what} at step {step}: {advice}"


def gradient_step(learning_rate: float):
    """The step rule of plain gradient descent, ``θ ← θ − η ∇L(θ)``, for arrays, numbers, dicts or tuples of them.

    >>> step = gradient_step(0.25)
    >>> step({"w": np.array([[1.0]]), "b": 2.0}, lambda th: {"w": np.array([[4.0]]), "b": -4.0}, {})
    ({'w': array([[0.]]), 'b': 3.0}, {})
    """
    def step(theta, grad_fn, state):
        grad = grad_fn(theta)
        if type(theta) is dict:
            return {key: value - learning_rate * grad[key] for key, value in theta.items()}, state
        if type(theta) is tuple:
            return tuple(t - learning_rate * g for t, g in zip(theta, grad)), state
        return theta - learning_rate * grad, state

    step.learning_rate = learning_rate
    return step


class Run:
    """What :func:`iterate` recorded: one point per step, the start included.

    Attributes
    ----------
    name : str
        For legends.
    params : list of length T + 1
        The parameters at the start and after each of the ``T`` steps taken (never a diverged point).
    losses : ndarray of shape (T + 1,)
        The loss at each of those points.
    gradients : list of length T + 1
        The gradient at each point (the last one is where a longer run goes on from).
    times : ndarray of shape (T + 1,)
        Seconds spent in the loop (the problem and the step rule) up to each point; 0 at the start.
    gradient_evaluations : ndarray of int, shape (T + 1,)
        Gradients the step rule used up to each point.
    evaluations : ndarray of int, shape (T + 1,)
        Calls of ``evaluate`` up to each point (one per point, plus any look-ahead).
    diverged_at : int or None
        The step whose loss diverged (see :func:`diverged`), if one did.
    diverged_loss : float or None
        That loss.
    message : str
        One sentence: how the run ended.
    state : dict
        The step rule's memory after the last step, to go on from.
    """

    def __init__(self, theta0, *, name: str = "", learning_rate: float | None = None):
        self.name = name
        self.learning_rate = learning_rate
        self.params = [theta0]
        self._losses, self.gradients, self._times, self._grad_evals, self._evals = [], [], [], [], []
        self.diverged_at = self.diverged_loss = None
        self.message = ""
        self.state = {}
        self.elapsed = 0.0

    @property
    def steps(self) -> int:
        """Steps taken and recorded, ``T`` (-1 when even the start diverged)."""
        return len(self._losses) - 1

    @property
    def losses(self) -> np.ndarray:
        return np.array(self._losses, dtype=np.float64)

    @property
    def times(self) -> np.ndarray:
        return np.array(self._times, dtype=np.float64)

    @property
    def gradient_evaluations(self) -> np.ndarray:
        return np.array(self._grad_evals, dtype=int)

    @property
    def evaluations(self) -> np.ndarray:
        return np.array(self._evals, dtype=int)

    @property
    def path(self) -> np.ndarray:
        """The parameters as an array of shape (T + 1, p) when they are flat vectors of shape (p,)."""
        points = self.params[:len(self._losses)]
        width = np.size(self.params[0]) if self.params and self.params[0] is not None else 0
        return np.array(points, dtype=np.float64).reshape(len(points), width)

    @property
    def final_loss(self) -> float:
        """The last loss, or ``inf`` when the run diverged."""
        return float("inf") if self.diverged_at is not None or not self._losses else float(self._losses[-1])

    def trajectory(self, *entries) -> np.ndarray:
        """The path of some entries of dict parameters, shape (T + 1, len(entries)).

        Each entry is a parameter name (for one-entry parameters) or ``(name, index)``.

        >>> run = Run({"w": np.array([[1.0]]), "b": 0.0}); run._losses = [1.0, 0.5]
        >>> run.params.append({"w": np.array([[2.0]]), "b": 0.5})
        >>> run.trajectory("w", "b").tolist()
        [[1.0, 0.0], [2.0, 0.5]]
        """
        points = self.params[:len(self._losses)]
        if not points:
            raise ValueError("this history has no recorded parameters (record_params=False)")
        cols = []
        for entry in entries:
            name, idx = (entry, None) if isinstance(entry, str) else entry
            if name not in points[0]:
                raise ValueError(f"entries: expected parameter names from {sorted(points[0])}, "
                                 f"received {name!r}")
            col = []
            for p in points:
                arr = np.asarray(p[name], dtype=np.float64)
                if idx is None and arr.size != 1:
                    raise ValueError(f"entries: {name!r} has shape {arr.shape}; name an entry as "
                                     f"({name!r}, index)")
                col.append(arr.reshape(-1)[0] if idx is None else arr[tuple(np.atleast_1d(idx))])
            cols.append(col)
        return np.array(cols, dtype=np.float64).T.reshape(len(points), len(entries))

    def __repr__(self):
        end = self.message or f"{self.steps} steps"
        return f"<Run {self.name or 'of descent'}: {end}>"


def iterate(step, evaluate, theta0=None, *, steps: int, run: Run | None = None, max_evaluations: int | None = None,
            on_divergence: str = "stop", name: str = "", learning_rate: float | None = None) -> Run:
    """Run ``step`` on ``evaluate`` until the run holds ``steps`` steps, diverges or spends ``max_evaluations``.

    Parameters
    ----------
    step : callable
        ``step(theta, grad_fn, state) -> (theta_new, state_new)``, e.g. :func:`gradient_step`.
    evaluate : callable
        ``evaluate(theta) -> (loss, grad)``; ``loss`` a number, ``grad`` shaped like ``theta``.
        It may raise: the error reaches the caller, and the run keeps what it recorded before.
    theta0 : array, dict or tuple
        The start (not copied: the step rules here return new parameters). Not needed with ``run``.
    steps : int
        The number of steps the run should hold.
    run : Run, optional
        A run to extend: only the steps it does not hold yet are taken.
    max_evaluations : int, optional
        Stop before a point whose evaluation would make the calls of ``evaluate`` exceed this.
    on_divergence : {"stop", "raise"}
        "raise": :class:`DivergenceError` with the message (the run is kept up to the last good point).
    name, learning_rate :
        Recorded on a new run; the learning rate is named in the divergence message.

    Returns
    -------
    Run

    Examples
    --------
    >>> square = lambda th: (float(th[0] ** 2), 2 * th)
    >>> run = iterate(gradient_step(0.25), square, np.array([4.0]), steps=3)
    >>> run.losses.tolist(), run.path.ravel().tolist()
    ([16.0, 4.0, 1.0, 0.25], [4.0, 2.0, 1.0, 0.5])
    >>> run = iterate(gradient_step(0.25), square, run=run, steps=5)   # two more steps, the first three kept
    >>> run.losses.tolist()[-2:], run.gradient_evaluations.tolist()
    ([0.0625, 0.015625], [0, 1, 2, 3, 4, 5])
    >>> iterate(gradient_step(2.0), square, np.array([4.0]), steps=50, learning_rate=2.0).message
    'the loss grew past a million times its start at step 7: η = 2 is too large, try a smaller learning rate'
    """
    if on_divergence not in ("raise", "stop"):
        raise ValueError(f"on_divergence: expected 'raise' or 'stop', received {on_divergence!r}")
    if run is None:
        if theta0 is None:
            raise TypeError("iterate: expected a start theta0, or a run to extend, received neither")
        run = Run(theta0, name=name, learning_rate=learning_rate)
    params, losses, gradients = run.params, run._losses, run.gradients
    times, grad_evals, evals = run._times, run._grad_evals, run._evals
    limit = max_evaluations if max_evaluations is not None else math.inf
    calls = [evals[-1] if evals else 0, grad_evals[-1] if grad_evals else 0]
    ndarray, array_equal = np.ndarray, np.array_equal

    def grad_fn(theta):
        calls[1] += 1
        if theta is current or (type(theta) is ndarray and type(current) is ndarray
                                and theta.shape == current.shape and array_equal(theta, current)):
            return gradients[-1]  # the point just evaluated (or a copy of it): its gradient is known
        calls[0] += 1
        return evaluate(theta)[1]

    clock = time.perf_counter
    tic = clock()
    try:
        if not losses and run.diverged_at is None and limit >= 1:  # the start
            loss, grad = evaluate(params[0])
            calls[0] += 1
            loss = float(loss)
            if diverged(loss, None):
                _diverge(run, loss, 0, on_divergence)
            else:
                losses.append(loss)
                gradients.append(grad)
                times.append(0.0)
                grad_evals.append(0)
                evals.append(calls[0])
        first = losses[0] if losses else None
        while len(losses) <= steps and run.diverged_at is None and calls[0] < limit:
            current = params[-1]
            theta, run.state = step(current, grad_fn, run.state)
            if calls[0] >= limit:  # the rule's look-ahead spent the budget: no evaluation at the new point
                break
            loss, grad = evaluate(theta)
            calls[0] += 1
            loss = float(loss)
            if diverged(loss, first):
                _diverge(run, loss, len(losses), on_divergence)
                break
            params.append(theta)
            losses.append(loss)
            gradients.append(grad)
            times.append(run.elapsed + clock() - tic)
            grad_evals.append(calls[1])
            evals.append(calls[0])
    finally:
        run.elapsed += clock() - tic
    return run


def _diverge(run, loss, step, on_divergence):
    run.diverged_at, run.diverged_loss = step, loss
    run.message = divergence_message(loss, step, run.learning_rate)
    if on_divergence == "raise":
        raise DivergenceError(run.message)
