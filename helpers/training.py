"""Plain gradient descent that records its path and stops cleanly when it diverges.

The interface: ``loss_and_grads(params) -> (loss, grads)`` where ``params``
and ``grads`` are dicts of arrays with the same names and shapes, e.g.
``{"w": w, "b": b}`` with ``w`` of shape (1, n) and ``b`` of shape (1, 1).

A run whose loss becomes ``inf`` or ``nan`` is reported in one sentence
("loss became inf at step 37; try a smaller learning rate") instead of a
stream of numpy RuntimeWarnings: :func:`gradient_descent` raises
:class:`DivergenceError`, or, with ``on_divergence="stop"``, returns the
history up to the last finite step with the sentence in ``history.message``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ._validate import check_scalar

__all__ = ["DivergenceError", "History", "gradient_descent"]


class DivergenceError(FloatingPointError):
    """Raised when the loss or a gradient stops being a finite number."""


@dataclass
class History:
    """What a run of :func:`gradient_descent` went through.

    Attributes
    ----------
    losses : ndarray of shape (T + 1,)
        The loss before the first step and after each of the ``T`` steps taken.
    params : list of dict
        Copies of the parameters at the same ``T + 1`` moments.
    diverged_at : int or None
        The step at which the loss stopped being finite, if it did.
    message : str
        A sentence describing how the run ended.
    """

    losses: np.ndarray
    params: list = field(default_factory=list)
    diverged_at: int | None = None
    message: str = ""

    def trajectory(self, *entries) -> np.ndarray:
        """The path of some parameter entries, shape (T + 1, len(entries)).

        Each entry is a parameter name (for one-entry parameters) or
        ``(name, index)``.

        >>> h = History(np.zeros(2), [{"w": np.array([[1.0]]), "b": 0.0},
        ...                           {"w": np.array([[2.0]]), "b": 0.5}])
        >>> h.trajectory("w", "b").tolist()
        [[1.0, 0.0], [2.0, 0.5]]
        """
        if not self.params:
            raise ValueError("this history has no recorded parameters (record_params=False)")
        cols = []
        for entry in entries:
            name, idx = (entry, None) if isinstance(entry, str) else entry
            if name not in self.params[0]:
                raise ValueError(f"entries: expected parameter names from {sorted(self.params[0])}, "
                                 f"received {name!r}")
            col = []
            for p in self.params:
                arr = np.asarray(p[name], dtype=np.float64)
                if idx is None and arr.size != 1:
                    raise ValueError(f"entries: {name!r} has shape {arr.shape}; name an entry as "
                                     f"({name!r}, index)")
                col.append(arr.reshape(-1)[0] if idx is None else arr[tuple(np.atleast_1d(idx))])
            cols.append(col)
        return np.array(cols, dtype=np.float64).T.reshape(len(self.params), len(entries))


def gradient_descent(loss_and_grads, params: dict, *, learning_rate: float, steps: int,
                     on_divergence: str = "raise", record_params: bool = True) -> History:
    """Run ``steps`` updates ``θ ← θ - learning_rate · ∂L/∂θ`` and record the losses.

    Parameters
    ----------
    loss_and_grads : callable
        ``loss_and_grads(params) -> (loss, grads)``.
    params : dict of str to array_like
        Starting point; not modified (the run works on float64 copies).
    learning_rate : float
        Step size, positive.
    steps : int
        Number of updates.
    on_divergence : {"raise", "stop"}
        What to do when the loss or a gradient becomes non-finite.
    record_params : bool
        Keep a copy of the parameters after every step (for trajectories).

    Returns
    -------
    History

    Examples
    --------
    >>> f = lambda p: (float((p["w"][0, 0] - 3) ** 2), {"w": 2 * (p["w"] - 3)})
    >>> h = gradient_descent(f, {"w": np.zeros((1, 1))}, learning_rate=0.25, steps=3)
    >>> h.losses.tolist()
    [9.0, 2.25, 0.5625, 0.140625]
    >>> gradient_descent(f, {"w": np.zeros((1, 1))}, learning_rate=100.0, steps=500)
    Traceback (most recent call last):
    ...
    helpers.training.DivergenceError: loss became inf at step 67; try a smaller learning rate than 100
    """
    if not callable(loss_and_grads):
        raise TypeError("loss_and_grads: expected a function params -> (loss, grads), received "
                        f"{type(loss_and_grads).__name__}")
    learning_rate = check_scalar("learning_rate", learning_rate, positive=True)
    steps = check_scalar("steps", steps, integer=True, minimum=0)
    if on_divergence not in ("raise", "stop"):
        raise ValueError(f"on_divergence: expected 'raise' or 'stop', received {on_divergence!r}")
    if not isinstance(params, dict) or not params:
        raise TypeError("params: expected a non-empty dict of named arrays")
    theta = {k: np.array(v, dtype=np.float64) for k, v in params.items()}
    losses, path = [], []
    history = History(np.empty(0))
    with np.errstate(all="ignore"):
        for step in range(steps + 1):
            loss, grads = _evaluate(loss_and_grads, theta)
            problem = _non_finite(loss, grads)
            if problem:
                history.diverged_at = step
                history.message = (f"{problem} at step {step}; try a smaller learning rate "
                                   f"than {learning_rate:g}")
                if on_divergence == "raise":
                    raise DivergenceError(history.message)
                break
            losses.append(loss)
            if record_params:
                path.append({k: v.copy() for k, v in theta.items()})
            if step == steps:
                break
            for k in theta:
                theta[k] -= learning_rate * grads[k]
    history.losses = np.array(losses)
    history.params = path
    if history.diverged_at is None:
        history.message = f"ran {steps} steps; final loss {losses[-1]:.6g}"
    return history


def _evaluate(loss_and_grads, theta):
    out = loss_and_grads({k: v.copy() for k, v in theta.items()})
    if not (isinstance(out, tuple) and len(out) == 2 and isinstance(out[1], dict)):
        raise TypeError("loss_and_grads: expected it to return (loss, grads) with grads a dict, "
                        f"received {type(out).__name__}")
    loss, grads = out
    loss_arr = np.asarray(loss, dtype=np.float64)
    if loss_arr.size != 1:
        raise ValueError(f"loss_and_grads: expected the loss to be one number, received shape {loss_arr.shape}")
    if set(grads) != set(theta):
        raise ValueError(f"loss_and_grads: expected gradients for {sorted(theta)}, received {sorted(grads)}")
    out_grads = {}
    for k, g in grads.items():
        g = np.asarray(g, dtype=np.float64)
        if g.shape != theta[k].shape:
            raise ValueError(f"loss_and_grads: the gradient of {k} has shape {g.shape}, expected "
                             f"{theta[k].shape} (the shape of {k})")
        out_grads[k] = g
    return float(loss_arr.reshape(())), out_grads


def _non_finite(loss, grads):
    if not np.isfinite(loss):
        return f"loss became {loss}"
    for k, g in grads.items():
        if not np.all(np.isfinite(g)):
            return f"the gradient of {k} became non-finite"
    return None
