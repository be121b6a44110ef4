"""Feedback checks: compare a student's array with the expected one and say what is wrong.

The interface is one function, :func:`assert_matches`, which raises
:class:`AssertionError` with a message that names the array, its expected and
received shapes, the worst entry ``(i, j)`` with both values, and, where it
can tell, the likely mistake.  :func:`diagnose` returns just the likely
mistake (or None) for callers that build their own message.

Mistakes recognised from the numbers alone:

* a transposed matrix (``(3, 2)`` received where ``(2, 3)`` was expected, or
  a square matrix equal to the transpose of the answer);
* a 1-D array ``(n,)`` where a column ``(n, 1)`` or row ``(1, n)`` was
  expected, and the square ``(n, n)`` array that broadcasting one produces;
* a sum over the wrong axis (a row where a column was expected and the reverse,
  or a single number where a column was expected);
* a flipped sign; a missing or extra ``1/m``; a missing or extra factor 2; a
  constant factor in general.

Lesson-specific mistakes (a forgotten bias, the sigmoid's derivative written
as ``σ(z)`` instead of ``σ(z)(1 - σ(z))``) are recognised by passing the array
that mistake would produce in ``mistakes``: the checker reports a mistake whose
array matches what it received.
"""

from __future__ import annotations

import contextlib

import numpy as np

from ._validate import format_shape

__all__ = ["assert_matches", "describe_mismatch", "diagnose", "fail", "requires_exercise"]


@contextlib.contextmanager
def requires_exercise(what: str):
    """Run a demonstration cell that uses a student's function, if it is written yet.

    Inside the ``with`` block, a ``NotImplementedError`` (what an unfinished
    exercise stub raises) is caught and replaced by a one-line reminder on
    standard output, so the rest of the notebook keeps running. Any other
    error goes through untouched.

    Examples
    --------
    >>> def backward():
    ...     raise NotImplementedError()
    >>> with requires_exercise("Exercise 2 (backward)"):
    ...     backward()
    This cell uses your Exercise 2 (backward): it will run once that exercise is done.

    A cell that needs several exercises names them all, starting with "Exercises":

    >>> with requires_exercise("Exercises 1 and 2 (forward, mse_loss)"):
    ...     backward()
    This cell uses your Exercises 1 and 2 (forward, mse_loss): it will run once those exercises are done.
    """
    done = "those exercises are" if what.startswith("Exercises") else "that exercise is"
    try:
        yield
    except NotImplementedError:
        print(f"This cell uses your {what}: it will run once {done} done.")


# IPython hides every frame that sets __tracebackhide__ except the one that raises, so every check raises
# through fail(): a failing test cell shows the student's cell, their own function if it raised, the few
# lines below and the message, never a check's code.
def fail(message: str, *, cause: BaseException | None = None, kind: type = AssertionError):
    """Raise ``kind(message)`` from ``cause``."""
    __tracebackhide__ = True
    raise kind(message) from cause


def assert_matches(name: str, received, expected, *, rtol: float = 1e-6, atol: float = 1e-9,
                   m: int | None = None, mistakes: dict | None = None) -> None:
    """Raise AssertionError unless ``received`` equals ``expected`` in shape and value.

    Entries pass when ``|received - expected| <= atol + rtol * |expected|``.

    Parameters
    ----------
    name : str
        What the array is called in the lesson, e.g. ``"dW1"``.
    received : array_like
        The student's value.
    expected : array_like
        The right value.
    rtol, atol : float
        Relative and absolute tolerance.
    m : int, optional
        Number of examples, so that a missing ``1/m`` can be recognised.
    mistakes : dict of str to array_like, optional
        Descriptions of lesson-specific mistakes, each mapped to the value
        that mistake would produce.

    Examples
    --------
    >>> assert_matches("dw", [[1.0, 2.0]], [[1.0, 2.0]])
    >>> assert_matches("dw", [[1.0], [2.0]], [[1.0, 2.0]])
    Traceback (most recent call last):
    ...
    AssertionError: dw has shape (2, 1), expected (1, 2): did you transpose it?
    >>> assert_matches("db", [[-0.5]], [[0.5]])
    Traceback (most recent call last):
    ...
    AssertionError: db has the right shape (1, 1) but a wrong value: at (0, 0) received -0.5,
    expected 0.5. Likely mistake: the sign is flipped (every entry is -1 times the expected value).
    """
    __tracebackhide__ = True  # see helpers.checks: the message is what the student needs
    message = describe_mismatch(name, received, expected, rtol=rtol, atol=atol, m=m,
                                mistakes=mistakes)
    if message is not None:
        fail(message)


def describe_mismatch(name, received, expected, *, rtol=1e-6, atol=1e-9, m=None,
                      mistakes=None) -> str | None:
    """Return the message :func:`assert_matches` would raise, or None when they match."""
    expected = np.asarray(expected, dtype=np.float64)
    if received is None:
        return (f"{name} is None, expected an array of shape {format_shape(expected.shape)}: "
                "did you forget to `return` it?")
    try:
        if isinstance(received, (str, bytes)):  # numpy would read "0.5" as a number
            raise TypeError
        received = np.asarray(received, dtype=np.float64)
    except (TypeError, ValueError):
        return (f"{name} is a {type(received).__name__}, expected a numeric array of shape "
                f"{format_shape(expected.shape)}")
    if received.shape != expected.shape:
        msg = f"{name} has shape {format_shape(received.shape)}, expected {format_shape(expected.shape)}"
        hint = diagnose(received, expected, m=m, mistakes=mistakes)
        return msg + (f": {hint}" if hint else "")
    if not np.all(np.isfinite(received)):
        idx = _index(np.argwhere(~np.isfinite(received))[0])
        return (f"{name} contains {received[idx]} at {idx}, expected finite numbers "
                f"(expected value there: {_fmt(expected[idx])})")
    with np.errstate(all="ignore"):
        err = np.abs(received - expected)
        bad = err > atol + rtol * np.abs(expected)
    if not bad.any():
        return None
    idx = _index(np.unravel_index(int(np.argmax(np.where(bad, err, -1))), received.shape))
    values = f"received {_fmt(received[idx])}, expected {_fmt(expected[idx])}"
    if received.size == 1:
        detail = f"a wrong value: {'at ' + str(idx) + ' ' if received.ndim else ''}{values}."
    else:
        detail = (f"wrong values: {int(bad.sum())} of {received.size} entries differ; "
                  f"the worst, at {idx}: {values}.")
    msg = f"{name} has the right shape {format_shape(received.shape)} but {detail}"
    hint = diagnose(received, expected, m=m, mistakes=mistakes, rtol=max(rtol, 1e-6), atol=atol)
    if hint:
        msg += f" Likely mistake: {hint}."
    return msg


def diagnose(received, expected, *, m=None, mistakes=None, rtol=1e-6, atol=1e-9) -> str | None:
    """Name the likely mistake that turns ``expected`` into ``received``, or return None.

    Examples
    --------
    >>> diagnose(np.ones((3,)), np.ones((3, 1)))
    'a 1-D array of shape (3,); keep it 2-D, shape (3, 1) (use keepdims=True or .reshape(3, 1))'
    >>> diagnose(np.full((1, 2), 40.0), np.full((1, 2), 0.4), m=100)
    'every entry is m = 100 times too large: the 1/m is missing'
    """
    received = np.asarray(received, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    for label, value in (mistakes or {}).items():
        value = np.asarray(value, dtype=np.float64)
        if value.shape == received.shape and _close(received, value, rtol, atol):
            return label
    if received.shape != expected.shape:
        return _diagnose_shape(received.shape, expected.shape)
    if received.ndim == 2 and received.shape[0] == received.shape[1] > 1 and \
            _close(received, expected.T, rtol, atol) and not _close(expected, expected.T, rtol, atol):
        return "it is the transpose of the expected matrix"
    if not np.any(expected):
        return None
    factors = [
        (-1.0, "the sign is flipped (every entry is -1 times the expected value)"),
        (2.0, "every entry is twice the expected value: an extra factor 2"),
        (0.5, "every entry is half the expected value: the factor 2 from differentiating the square is missing"),
    ]
    if m is not None and m > 2:
        factors = [
            (float(m), f"every entry is m = {m} times too large: the 1/m is missing"),
            (1.0 / m, f"every entry is m = {m} times too small: an extra 1/m"),
            (2.0 * m, f"every entry is 2m = {2 * m} times too large: the 1/m is missing (and an extra factor 2)"),
            (m / 2.0, f"every entry is m/2 = {m / 2:g} times too large: the 1/m and the factor 2 are both missing"),
            (-float(m), f"the sign is flipped and the 1/m is missing (every entry is -m = {-m} times "
                        "the expected value)"),
        ] + factors
    for factor, label in factors:
        if _close(received, factor * expected, rtol, atol):
            return label
    nz = np.abs(expected) > atol
    with np.errstate(all="ignore"):
        ratios = received[nz] / expected[nz]
    if ratios.size > 1 and np.all(np.isfinite(ratios)) and _close(received, ratios[0] * expected, rtol, atol):
        return f"every entry is {ratios[0]:.4g} times the expected value: a constant factor is wrong"
    return None


def _diagnose_shape(got, want):
    if len(got) == 2 and len(want) == 2 and got == want[::-1]:
        return "did you transpose it?"
    if len(want) == 2 and len(got) == 1 and got[0] == max(want) and min(want) == 1:
        return (f"a 1-D array of shape {format_shape(got)}; keep it 2-D, shape {format_shape(want)} "
                f"(use keepdims=True or .reshape{format_shape(want)})")
    if len(want) == 2 and len(got) == 2 and min(want) == 1 and got == (max(want), max(want)) and max(want) > 1:
        return (f"a ({max(want)},) array was broadcast against a {format_shape(want)} one, which gives "
                f"{format_shape(got)}; keep both 2-D")
    if len(want) == 2 and len(got) == 2 and 1 in want and 1 in got:
        return ("summed (or averaged) over the wrong axis? "
                f"axis={0 if want[0] == 1 else 1} with keepdims=True gives shape {format_shape(want)}")
    if len(got) == 0 and len(want) == 2 and 1 in want and max(want) > 1:
        return (f"summed over every axis; sum over axis={0 if want[0] == 1 else 1} only, with "
                f"keepdims=True, to get shape {format_shape(want)}")
    if len(got) == 1 and len(want) == 2 and got[0] in want:
        return (f"summed over an axis without keepdims=True? that drops the axis; "
                f"keepdims=True gives shape {format_shape(want)}")
    return None


def _close(a, b, rtol, atol):
    with np.errstate(all="ignore"):
        return bool(np.all(np.abs(a - b) <= atol + rtol * np.abs(b)))


def _index(idx):
    return tuple(int(i) for i in idx)


def _fmt(x):
    return f"{float(x):.6g}"
