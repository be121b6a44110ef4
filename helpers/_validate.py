"""Argument checks shared by every public function of :mod:`helpers`.

Each check raises :class:`ValueError` (or :class:`TypeError`) with a message that
names the argument, says what was expected and what was received, so that a
student reading the error knows which array to look at.

Shapes are described with the course's letters: ``("n", "m")`` means "any
number of rows ``n`` and columns ``m``", and letters that repeat across several
arrays must agree (``X`` of shape ``(n, m)`` and ``y`` of shape ``(1, m)`` must
have the same ``m``).  Integers in a shape spec are fixed sizes.
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = ["as_rng", "check_array", "check_scalar", "check_theta", "format_shape"]


def format_shape(shape) -> str:
    """Return ``shape`` written the way numpy prints it, e.g. ``(3, 1)`` or ``(5,)``."""
    shape = tuple(shape)
    if len(shape) == 1:
        return f"({shape[0]},)"
    return "(" + ", ".join(str(s) for s in shape) + ")"


def as_rng(rng) -> np.random.Generator:
    """Turn ``rng`` (a Generator, an int seed or None) into a ``numpy.random.Generator``.

    >>> bool(as_rng(0).integers(10) == as_rng(0).integers(10))
    True
    """
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or (isinstance(rng, numbers.Integral) and not isinstance(rng, bool)):
        return np.random.default_rng(rng)
    raise TypeError(
        "rng: expected a numpy.random.Generator, an int seed or None, "
        f"received {type(rng).__name__} {rng!r}"
    )


def check_array(name: str, value, shape=None, *, sizes: dict | None = None,
                finite: bool = True) -> np.ndarray:
    """Return ``value`` as a float64 array after checking its shape and values.

    Parameters
    ----------
    name : str
        The argument's name, used in error messages.
    value : array_like
        The value received.
    shape : tuple of (int or str), optional
        Expected shape; strings are symbolic sizes that must agree with the
        same letter in ``sizes`` (which is updated with any new letter).
    sizes : dict, optional
        Sizes bound so far, e.g. ``{"m": 100}``; shared between calls so that
        ``X`` and ``y`` must agree on ``m``.
    finite : bool
        Also reject NaN and infinite entries.

    Returns
    -------
    ndarray
        ``value`` converted to float64, of the checked shape.

    Examples
    --------
    >>> sizes = {}
    >>> check_array("X", np.zeros((3, 5)), ("n", "m"), sizes=sizes).shape
    (3, 5)
    >>> sizes
    {'n': 3, 'm': 5}
    >>> check_array("y", np.zeros((5, 1)), (1, "m"), sizes=sizes)
    Traceback (most recent call last):
    ...
    ValueError: y: expected shape (1, m) = (1, 5), received shape (5, 1): did you transpose it?
    """
    if isinstance(value, (str, bytes)) or value is None:
        raise TypeError(f"{name}: expected a numeric array, received {type(value).__name__}")
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"{name}: expected a numeric array, received {type(value).__name__} "
            f"that numpy cannot turn into numbers ({exc})"
        ) from None
    if shape is not None:
        sizes = {} if sizes is None else sizes
        _match_shape(name, arr.shape, tuple(shape), sizes)
    # A sum is non-finite whenever an entry is, and needs no temporary array the
    # size of the data; only then look for the entry (the sum can also overflow).
    with np.errstate(over="ignore", invalid="ignore"):
        total = arr.sum() if finite and arr.size else 0.0
    if not np.isfinite(total):
        bad = np.argwhere(~np.isfinite(arr))
        if bad.size:
            where = tuple(int(i) for i in bad[0])
            raise ValueError(
                f"{name}: expected finite numbers, received {arr[where]} at index {where}"
            )
    return arr


def _match_shape(name, received, expected, sizes):
    ok = len(received) == len(expected)
    new = {}
    if ok:
        for got, want in zip(received, expected):
            if isinstance(want, str):
                bound = sizes.get(want, new.get(want))
                if bound is None:
                    new[want] = got
                elif bound != got:
                    ok = False
            elif got != want:
                ok = False
    if ok:
        sizes.update(new)
        return
    symbolic = "(" + ", ".join(str(s) for s in expected) + ("," if len(expected) == 1 else "") + ")"
    concrete = tuple(sizes.get(s, s) if isinstance(s, str) else s for s in expected)
    if all(isinstance(s, int) for s in concrete) and symbolic != format_shape(concrete):
        described = f"{symbolic} = {format_shape(concrete)}"
    else:
        described = symbolic
    hint = ""
    if all(isinstance(s, int) for s in concrete):
        if len(received) == 2 and tuple(received[::-1]) == concrete and received != concrete:
            hint = ": did you transpose it?"
        elif len(received) == 1 and len(concrete) == 2 and received[0] in concrete and 1 in concrete:
            hint = ": a 1-D array; keep it 2-D with .reshape" + format_shape(concrete)
    raise ValueError(
        f"{name}: expected shape {described}, received shape {format_shape(received)}{hint}"
    )


def check_scalar(name: str, value, *, positive: bool = False, integer: bool = False,
                 minimum=None) -> float | int:
    """Return ``value`` as a Python float (or int) after checking it is a finite number.

    >>> check_scalar("learning_rate", 0.1, positive=True)
    0.1
    >>> check_scalar("learning_rate", -1, positive=True)
    Traceback (most recent call last):
    ...
    ValueError: learning_rate: expected a positive number, received -1
    """
    if isinstance(value, np.ndarray) and value.size == 1:
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        kind = "an integer" if integer else "a number"
        raise TypeError(f"{name}: expected {kind}, received {type(value).__name__} {value!r}")
    if integer and not float(value).is_integer():
        raise ValueError(f"{name}: expected an integer, received {value!r}")
    if not np.isfinite(value):
        raise ValueError(f"{name}: expected a finite number, received {value!r}")
    if positive and value <= 0:
        raise ValueError(f"{name}: expected a positive number, received {value!r}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name}: expected a number >= {minimum}, received {value!r}")
    return int(value) if integer else float(value)


def check_theta(theta, p: int) -> np.ndarray:
    """Return ``theta`` as a float64 array of shape (p,), or (p, N) for a batch of N candidates.

    Used by the objectives' ``loss``, which take one parameter vector or one per
    column; entries are not checked (a loss may be infinite far away).

    >>> check_theta([1.0, 2.0], 2).shape, check_theta(np.zeros((2, 3)), 2).shape
    ((2,), (2, 3))
    """
    arr = np.asarray(theta, dtype=np.float64)
    if arr.ndim not in (1, 2) or arr.shape[0] != p:
        raise ValueError(f"theta: expected shape ({p},) or ({p}, N), received shape {arr.shape}")
    return arr
