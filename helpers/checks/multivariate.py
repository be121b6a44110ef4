"""Checks for lesson 2, multivariate regression.

The lesson's shapes, one example per column: ``X`` of shape (n, m), ``y`` and
``y_hat`` of shape (1, m), ``w`` of shape (1, n), ``b`` a single number. The
exercises and their checks:

=================================  ==========================================
student's function                 check
=================================  ==========================================
``forward(X, w, b) -> y_hat``      :func:`check_forward`
``mse_loss(y_hat, y) -> L``        :func:`check_mse_loss`
``backward(X, y, y_hat)``          :func:`check_backward_dw` (``dw`` of shape
``-> (dw, db)``                    (1, n)), :func:`check_backward_db` (``db`` a number)
``forward_loop(X, w, b)``          :func:`check_forward_loop`
=================================  ==========================================

Each check draws data of the requested sizes from ``seed``, calls the student's
function on copies of it, and compares with the right outputs and the outputs
of known mistakes that ``coursetools release`` computed from the solution
notebook (``02-multivariate.fixtures.json``; see ``docs/checks.md``). It prints
one ✓ line or fails naming the array, its shape, the worst entry and the likely
mistake. Nothing here computes an answer.
"""

from __future__ import annotations

from .._validate import as_rng, check_scalar, format_shape
from ._common import call, passed, unpack
from ._common import number as _one_number
from ._engine import Check

__all__ = [
    "CHECKS",
    "check_backward_db",
    "check_backward_dw",
    "check_forward",
    "check_forward_loop",
    "check_mse_loss",
]

ASSIGNMENT = "02-multivariate"


# --- inputs (no answers) -----------------------------------------------------------------------

def _sizes(n, m):
    __tracebackhide__ = True
    return (check_scalar("n", n, integer=True, minimum=1),
            check_scalar("m", m, integer=True, minimum=1))


def _linear_inputs(seed, n, m):
    """``X`` (n, m), ``w`` (1, n) and a bias ``b`` clearly away from 0."""
    __tracebackhide__ = True
    n, m = _sizes(n, m)
    gen = as_rng(seed)
    X = gen.standard_normal((n, m))
    w = gen.standard_normal((1, n))
    b = float(gen.uniform(0.5, 1.5) * gen.choice([-1.0, 1.0]))
    return {"X": X, "w": w, "b": b}


def _loss_inputs(seed, m):
    """Targets ``y`` and predictions ``y_hat`` (1, m) that miss them by random amounts."""
    __tracebackhide__ = True
    m = check_scalar("m", m, integer=True, minimum=1)
    gen = as_rng(seed)
    y = gen.standard_normal((1, m))
    y_hat = gen.standard_normal((1, m)) + 0.5
    return {"y_hat": y_hat, "y": y}


def _backward_inputs(seed, n, m):
    """``X`` (n, m), targets ``y`` and predictions ``y_hat`` (1, m) away from them."""
    __tracebackhide__ = True
    n, m = _sizes(n, m)
    gen = as_rng(seed)
    X = gen.standard_normal((n, m))
    y = gen.standard_normal((1, m))
    y_hat = y + gen.normal(0.6, 1.2, size=(1, m))
    return {"X": X, "y": y, "y_hat": y_hat}


def _other_sizes(seed, n, m):
    __tracebackhide__ = True
    return [{"seed": seed + 1000, "n": n + 1, "m": m + 3}]


def _other_m(seed, m):
    __tracebackhide__ = True
    return [{"seed": seed + 1000, "m": m + 3}]


# --- how the student's functions are called ----------------------------------------------------

def _call_prediction(name):
    __tracebackhide__ = True

    def run(fn, i):
        __tracebackhide__ = True
        return {"y_hat": call(fn, name, i["X"], i["w"], i["b"])}

    return run


def _call_loss(fn, i):
    __tracebackhide__ = True
    loss = call(fn, "mse_loss", i["y_hat"], i["y"])
    return {"loss": _one_number("loss", loss, "mse_loss",
                                one="np.mean(...) with no axis= gives one number (or take .item())",
                                many="one value per example? average the squared errors over the m examples "
                                     "with np.mean(...) and no axis=")}


def _call_dw(fn, i):
    __tracebackhide__ = True
    dw, _ = unpack(call(fn, "backward", i["X"], i["y"], i["y_hat"]), ("dw", "db"), "backward")
    return {"dw": dw}


def _call_db(fn, i):
    __tracebackhide__ = True
    _, db = unpack(call(fn, "backward", i["X"], i["y"], i["y_hat"]), ("dw", "db"), "backward")
    return {"db": _one_number("db", db, "backward",
                              one="b is one number, so db is one too: np.sum(...) with no axis= gives one "
                                  "(or take .item())",
                              many="one value per example? add up (2/m) (y_hat - y) over the m examples with "
                                   "np.sum(...) and no axis=: b is one number, so db is one too")}


FORWARD = Check(ASSIGNMENT, "check_forward", "forward", _linear_inputs, _call_prediction("forward"), ("y_hat",),
                arrays=("y_hat",), probes=_other_sizes)
FORWARD_LOOP = Check(ASSIGNMENT, "check_forward_loop", "forward_loop", _linear_inputs,
                     _call_prediction("forward_loop"), ("y_hat",), arrays=("y_hat",), probes=_other_sizes)
MSE_LOSS = Check(ASSIGNMENT, "check_mse_loss", "mse_loss", _loss_inputs, _call_loss, ("loss",), probes=_other_m)
BACKWARD_DW = Check(ASSIGNMENT, "check_backward_dw", "backward", _backward_inputs, _call_dw, ("dw",),
                    arrays=("dw",), probes=_other_sizes)
BACKWARD_DB = Check(ASSIGNMENT, "check_backward_db", "backward", _backward_inputs, _call_db, ("db",),
                    probes=_other_sizes)

CHECKS = {c.name: c for c in (FORWARD, FORWARD_LOOP, MSE_LOSS, BACKWARD_DW, BACKWARD_DB)}


# --- the checks --------------------------------------------------------------------------------

def check_forward(forward, *, seed: int = 0, n: int = 3, m: int = 4) -> None:
    """Check ``forward(X, w, b)`` returns ``y_hat = w X + b`` of shape (1, m).

    Parameters
    ----------
    forward : callable
        The student's ``forward(X, w, b)``, with ``X`` of shape (n, m),
        ``w`` of shape (1, n) and ``b`` a number.
    seed : int
        Seed of the data.
    n, m : int
        Number of features and of examples.
    """
    __tracebackhide__ = True
    FORWARD.verify(forward, seed=seed, n=n, m=m)
    passed(f"forward: y_hat has shape (1, {m}) and the right values (n = {n} features, m = {m} examples)")


def check_forward_loop(forward_loop, *, seed: int = 0, n: int = 3, m: int = 4) -> None:
    """Check ``forward_loop(X, w, b)`` returns the same ``y_hat`` as ``w X + b``.

    Parameters are those of :func:`check_forward`.
    """
    __tracebackhide__ = True
    FORWARD_LOOP.verify(forward_loop, seed=seed, n=n, m=m)
    passed(f"forward_loop: y_hat has shape (1, {m}) and the right values (n = {n} features, m = {m} examples)")


def check_mse_loss(mse_loss, *, seed: int = 0, m: int = 5) -> None:
    """Check ``mse_loss(y_hat, y)`` returns the number ``L = (1/m) Σ (ŷ - y)²``.

    Parameters
    ----------
    mse_loss : callable
        The student's ``mse_loss(y_hat, y)``, with ``y_hat`` and ``y`` of shape (1, m).
    seed : int
        Seed of the data.
    m : int
        Number of examples.
    """
    __tracebackhide__ = True
    MSE_LOSS.verify(mse_loss, seed=seed, m=m)
    passed(f"mse_loss: the right loss for m = {m} examples")


def check_backward_dw(backward, *, seed: int = 0, n: int = 3, m: int = 4) -> None:
    """Check the ``dw`` of ``backward(X, y, y_hat) -> (dw, db)``: ``(2/m) (ŷ - y) Xᵀ``, shape (1, n).

    Parameters
    ----------
    backward : callable
        The student's ``backward(X, y, y_hat)``, with ``X`` of shape (n, m),
        ``y`` and ``y_hat`` of shape (1, m).
    seed : int
        Seed of the data.
    n, m : int
        Number of features and of examples.
    """
    __tracebackhide__ = True
    BACKWARD_DW.verify(backward, seed=seed, n=n, m=m)
    passed(f"backward: dw has shape {format_shape((1, n))} and the right values "
           f"(n = {n} features, m = {m} examples)")


def check_backward_db(backward, *, seed: int = 0, n: int = 3, m: int = 4) -> None:
    """Check the ``db`` of ``backward(X, y, y_hat) -> (dw, db)``: the number ``(2/m) Σ (ŷ - y)``.

    Parameters are those of :func:`check_backward_dw`.
    """
    __tracebackhide__ = True
    BACKWARD_DB.verify(backward, seed=seed, n=n, m=m)
    passed(f"backward: db is the right number (n = {n} features, m = {m} examples)")
