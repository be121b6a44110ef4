"""Gradient checking with centered differences, in float64.

The interface: a loss function takes a dict of named parameters and returns a
number; gradients are a dict with the same names and shapes.

* :func:`numerical_gradient` estimates every entry of every gradient with a
  centered difference, ``(L(θ + ε e_ij) - L(θ - ε e_ij)) / (2ε)``: exactly two
  evaluations of the loss per entry.
* :func:`gradient_check` compares analytic gradients with those estimates and
  returns a :class:`GradCheckReport` (a small table, one row per parameter).
* :func:`check_gradients` does the same and raises :class:`AssertionError`
  with the report when a parameter fails.

For large parameters, ``mode="directional"`` compares directional derivatives
along random unit directions ``u`` instead: the centered difference
``(L(θ + ε u) - L(θ - ε u)) / (2ε)`` against ``<g, u>``, two evaluations per
direction whatever the parameter's size.

Relative error of a parameter ``p`` with analytic gradient ``a`` and numeric
estimate ``g`` (the formula of cs231n and of Ng's notes)::

    rel_error(p) = ||a - g|| / max(||a|| + ||g||, 1e-300)

with the Euclidean norm over all entries of ``p`` (over the directional
derivatives in directional mode). A parameter passes when
``rel_error <= rtol`` or, for gradients that are nearly zero, when
``max |a - g| <= atol``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ._validate import as_rng, check_scalar, format_shape
from .feedback import describe_mismatch

__all__ = ["GradCheckReport", "check_gradients", "gradient_check", "numerical_gradient"]


def numerical_gradient(loss_fn, params: dict, *, eps: float = 1e-5, names=None) -> dict:
    """Estimate the gradient of ``loss_fn`` at ``params`` by centered differences.

    Parameters
    ----------
    loss_fn : callable
        ``loss_fn(params) -> float``; called with float64 copies of ``params``.
    params : dict of str to array_like
        Where to differentiate, e.g. ``{"W1": W1, "b1": b1}`` with ``W1`` of
        shape (k, n) and ``b1`` of shape (k, 1).
    eps : float
        Step of the centered difference.
    names : iterable of str, optional
        Only estimate these parameters' gradients (default: all of them).

    Returns
    -------
    dict of str to ndarray
        The estimates, each of its parameter's shape.

    Examples
    --------
    >>> grads = numerical_gradient(lambda p: float(np.sum(p["w"] ** 2)), {"w": [[1.0, -2.0]]})
    >>> grads["w"].round(6).tolist()
    [[2.0, -4.0]]
    """
    eps = check_scalar("eps", eps, positive=True)
    theta = _as_params(params)
    names = list(theta) if names is None else list(names)
    out = {}
    for name in names:
        if name not in theta:
            raise ValueError(f"names: {name!r} is not a parameter; the parameters are {sorted(theta)}")
        p = theta[name]
        grad = np.empty_like(p)
        flat, gflat = p.reshape(-1), grad.reshape(-1)
        for i in range(flat.size):
            gflat[i] = _centered(loss_fn, theta, flat, i, eps)
        out[name] = grad
    return out


@dataclass
class GradCheckRow:
    """One parameter's line of a :class:`GradCheckReport`."""

    name: str
    shape: tuple
    rel_error: float
    max_abs_error: float
    worst: str
    analytic: float
    numeric: float
    passed: bool
    message: str = ""


@dataclass
class GradCheckReport:
    """The result of :func:`gradient_check`: one row per parameter.

    ``str(report)`` is a table naming, for each parameter, its relative error
    and its worst entry ``(i, j)`` with the analytic and numeric values there.
    """

    rows: list = field(default_factory=list)
    rtol: float = 1e-6
    atol: float = 1e-8
    mode: str = "full"
    evaluations: int = 0

    @property
    def passed(self) -> bool:
        """True when every parameter passed."""
        return all(row.passed for row in self.rows)

    @property
    def worst(self) -> GradCheckRow:
        """The row with the largest relative error."""
        return max(self.rows, key=lambda r: (not r.passed, r.rel_error))

    def __str__(self) -> str:
        head = ("parameter", "shape", "rel. error", "worst at" if self.mode == "full" else "worst along",
                "analytic", "numeric", "status")
        lines = [head]
        for r in self.rows:
            lines.append((r.name, format_shape(r.shape), f"{r.rel_error:.1e}", r.worst,
                          f"{r.analytic:.6g}", f"{r.numeric:.6g}", "ok" if r.passed else "FAIL"))
        widths = [max(len(line[c]) for line in lines) for c in range(len(head))]
        text = ["  ".join(cell.ljust(w) for cell, w in zip(line, widths)).rstrip() for line in lines]
        verdict = ("all gradients match" if self.passed else
                   "gradients that do not match: " + ", ".join(r.name for r in self.rows if not r.passed))
        text.append(f"{verdict} (rtol={self.rtol:g}, atol={self.atol:g}, "
                    f"{self.evaluations} loss evaluations)")
        text.extend(r.message for r in self.rows if r.message)
        return "\n".join(text)

    def _repr_pretty_(self, printer, cycle):
        printer.text(str(self))


def gradient_check(loss_fn, params: dict, grads: dict, *, eps: float = 1e-5, rtol: float = 1e-6,
                   atol: float = 1e-8, mode: str = "full", n_directions: int = 10,
                   rng=None) -> GradCheckReport:
    """Compare analytic gradients with centered differences; return a report.

    Parameters
    ----------
    loss_fn : callable
        ``loss_fn(params) -> float``.
    params : dict of str to array_like
        The point at which to check, e.g. ``{"w": w, "b": b}`` with ``w`` of
        shape (1, n) and ``b`` of shape (1, 1).
    grads : dict of str to array_like
        The analytic gradients, one per parameter and of its shape.
    eps : float
        Step of the centered differences.
    rtol, atol : float
        A parameter passes when its relative error (module docstring) is at
        most ``rtol`` or its largest absolute error is at most ``atol``.
    mode : {"full", "directional"}
        Check every entry (two loss evaluations each) or ``n_directions``
        random directions per parameter (two evaluations each).
    n_directions : int
        Directions per parameter in directional mode.
    rng : Generator, int or None
        Source of the random directions.

    Returns
    -------
    GradCheckReport

    Examples
    --------
    >>> params = {"w": np.array([[1.0, 2.0]])}
    >>> loss = lambda p: float(np.sum(p["w"] ** 3))
    >>> gradient_check(loss, params, {"w": 3 * params["w"] ** 2}).passed
    True
    """
    eps = check_scalar("eps", eps, positive=True)
    rtol = check_scalar("rtol", rtol, minimum=0)
    atol = check_scalar("atol", atol, minimum=0)
    if mode not in ("full", "directional"):
        raise ValueError(f"mode: expected 'full' or 'directional', received {mode!r}")
    theta = _as_params(params)
    if not isinstance(grads, dict):
        raise TypeError(f"grads: expected a dict of gradients named like params ({sorted(theta)}), "
                        f"received {type(grads).__name__}")
    missing = [k for k in theta if k not in grads]
    extra = [k for k in grads if k not in theta]
    if missing or extra:
        raise ValueError(f"grads: expected the keys {sorted(theta)}, received {sorted(grads)}"
                         + (f" (missing {missing})" if missing else "")
                         + (f" (not parameters: {extra})" if extra else ""))
    report = GradCheckReport(rtol=rtol, atol=atol, mode=mode)
    counted = _Counted(loss_fn)
    gen = as_rng(rng) if mode == "directional" else None
    for name, p in theta.items():
        analytic, problem = _as_gradient(name, grads[name], p)
        if problem:
            report.rows.append(GradCheckRow(name, p.shape, np.inf, np.inf, "-", np.nan, np.nan,
                                            False, problem))
            continue
        if mode == "full":
            numeric = numerical_gradient(counted, theta, eps=eps, names=[name])[name]
            a_vals, n_vals = analytic, numeric
        else:
            n_dir = check_scalar("n_directions", n_directions, integer=True, minimum=1)
            a_vals, n_vals = np.empty(n_dir), np.empty(n_dir)
            for k in range(n_dir):
                u = gen.standard_normal(p.shape)
                u /= np.linalg.norm(u)
                a_vals[k] = np.sum(analytic * u)
                n_vals[k] = _directional(counted, theta, name, u, eps)
        report.rows.append(_row(name, p.shape, a_vals, n_vals, rtol, atol, mode))
    report.evaluations = counted.calls
    return report


def check_gradients(loss_fn, params: dict, grads: dict, **kwargs) -> GradCheckReport:
    """Like :func:`gradient_check`, but raise AssertionError with the report on failure.

    Takes the same arguments as :func:`gradient_check` and returns its report
    when every parameter passes.

    Examples
    --------
    >>> loss = lambda p: float(np.sum(p["w"] ** 2))
    >>> check_gradients(loss, {"w": [[3.0]]}, {"w": [[3.0]]})
    Traceback (most recent call last):
    ...
    AssertionError: gradient check failed for w
    parameter  shape   rel. error  worst at  analytic  numeric  status
    w          (1, 1)  3.3e-01     (0, 0)    3         6        FAIL
    gradients that do not match: w (rtol=1e-06, atol=1e-08, 2 loss evaluations)
    """
    report = gradient_check(loss_fn, params, grads, **kwargs)
    if not report.passed:
        failed = ", ".join(r.name for r in report.rows if not r.passed)
        raise AssertionError(f"gradient check failed for {failed}\n{report}")
    return report


class _Counted:
    """Wraps a loss function: checks it returns one finite number; counts calls."""

    def __init__(self, fn):
        if not callable(fn):
            raise TypeError(f"loss_fn: expected a function of the parameter dict, received "
                            f"{type(fn).__name__}")
        self.fn, self.calls = fn, 0

    def __call__(self, params):
        self.calls += 1
        with np.errstate(all="ignore"):
            value = self.fn(params)
        arr = np.asarray(value, dtype=np.float64) if value is not None else None
        if arr is None or arr.size != 1:
            got = "None" if arr is None else f"an array of shape {format_shape(arr.shape)}"
            raise ValueError(f"loss_fn: expected a single number, received {got}")
        out = float(arr.reshape(()))
        if not np.isfinite(out):
            raise ValueError(f"loss_fn: returned {out} at the checked point; the gradient "
                             "cannot be estimated where the loss is not finite")
        return out


def _as_params(params):
    if not isinstance(params, dict) or not params:
        raise TypeError(f"params: expected a non-empty dict of named arrays, received {params!r:.80}")
    out = {}
    for name, value in params.items():
        arr = np.array(value, dtype=np.float64)  # a copy: the caller's arrays are never touched
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"params[{name!r}]: expected finite numbers, received {arr}")
        out[name] = arr
    return out


def _as_gradient(name, value, p):
    """Return (gradient as float64, None) or (None, what is wrong with it)."""
    label = f"grads[{name!r}]"
    if value is None:
        return None, f"{label} is None: did the backward pass forget to `return` it?"
    try:
        g = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return None, f"{label} is a {type(value).__name__}, expected a numeric array"
    if g.shape != p.shape:
        return None, describe_mismatch(label, g, p)
    if not np.all(np.isfinite(g)):
        idx = tuple(int(i) for i in np.argwhere(~np.isfinite(g))[0])
        return None, f"{label} contains {g[idx]} at {idx}, expected finite numbers"
    return g, None


def _centered(loss_fn, theta, flat, i, eps):
    old = flat[i]
    flat[i] = old + eps
    plus = loss_fn(theta)
    flat[i] = old - eps
    minus = loss_fn(theta)
    flat[i] = old
    return (plus - minus) / (2 * eps)


def _directional(loss_fn, theta, name, u, eps):
    p = theta[name]
    old = p.copy()
    p += eps * u
    plus = loss_fn(theta)
    p[...] = old - eps * u
    minus = loss_fn(theta)
    p[...] = old
    return (plus - minus) / (2 * eps)


def _row(name, shape, a, g, rtol, atol, mode):
    diff = np.abs(a - g)
    denom = max(float(np.linalg.norm(a) + np.linalg.norm(g)), 1e-300)
    rel = float(np.linalg.norm(a - g)) / denom
    k = int(np.argmax(diff))
    if mode == "full":
        worst = format_shape(np.unravel_index(k, shape)) if len(shape) else "()"
    else:
        worst = f"direction {k}"
    passed = rel <= rtol or float(diff.max()) <= atol
    return GradCheckRow(name, tuple(shape), rel, float(diff.max()), worst,
                        float(a.reshape(-1)[k]), float(g.reshape(-1)[k]), passed)
