"""What every lesson's checks share: calling the student's function and reporting success."""

from __future__ import annotations

from .._checks import format_shape

__all__ = ["call", "passed", "unpack"]


def call(fn, name: str, *args, **kwargs):
    """Call the student's function ``fn`` (called ``name`` in the lesson) and return its result.

    Raises TypeError when ``fn`` is not a function; any error inside ``fn``
    (including ``NotImplementedError`` from an unfinished stub) propagates.
    """
    if not callable(fn):
        raise TypeError(f"{name}: expected your function {name}(...), received {type(fn).__name__}")
    return fn(*args, **kwargs)


def unpack(result, names: tuple, fn_name: str) -> tuple:
    """Check that ``result`` is a tuple of ``len(names)`` values and return it.

    >>> unpack((1, 2), ("dw", "db"), "backward")
    (1, 2)
    >>> unpack(1, ("dw", "db"), "backward")
    Traceback (most recent call last):
    ...
    AssertionError: backward should return 2 values (dw, db), received one int
    """
    expected = f"{len(names)} values ({', '.join(names)})"
    if not isinstance(result, (tuple, list)):
        what = f"an array of shape {format_shape(result.shape)}" if hasattr(result, "shape") else \
            f"one {type(result).__name__}"
        raise AssertionError(f"{fn_name} should return {expected}, received {what}")
    if len(result) != len(names):
        raise AssertionError(f"{fn_name} should return {expected}, received {len(result)} values")
    return tuple(result)


def passed(message: str) -> None:
    """Print the one-line success message of a check, starting with ✓."""
    print(f"✓ {message}")
