"""What every lesson's checks share: calling the student's function and reporting success."""

from __future__ import annotations

import numpy as np

from .._validate import format_shape
from ..feedback import fail

__all__ = ["call", "call_on_copies", "number", "passed", "unpack"]


def call(fn, name: str, *args, **kwargs):
    """Call the student's function ``fn`` (called ``name`` in the lesson) and return its result.

    Raises TypeError when ``fn`` is not a function; any error inside ``fn``
    (including ``NotImplementedError`` from an unfinished stub) propagates.
    """
    __tracebackhide__ = True
    if not callable(fn):
        fail(f"{name}: expected your function {name}(...), received {type(fn).__name__}", kind=TypeError)
    return fn(*args, **kwargs)


def call_on_copies(fn, name: str, /, *, keywords: dict | None = None, **inputs):
    """Call ``fn(*inputs.values(), **keywords)`` on copies of the arguments; fail if it changed any of them.

    Inputs that are None are left out. Inputs may be arrays or dicts of arrays (a
    network's parameters); ``keywords`` are passed by name (keyword-only
    parameters such as ``w=0.7``) and guarded the same way. A function that edits
    its argument in place (``W1 -= ...``) also changes the caller's array, a bug
    that the numbers alone would not reveal.

    >>> import numpy as np
    >>> def bad(X):
    ...     X -= 1
    ...     return X
    >>> call_on_copies(bad, "forward", X=np.zeros((2, 3)))
    Traceback (most recent call last):
    ...
    AssertionError: forward changed its argument X in place (with -=, *=, [...] = or by replacing a dict entry), \
so the caller's X changed too: make new arrays instead, e.g. X = X - ... rather than X -= ...
    """
    __tracebackhide__ = True
    inputs = {key: value for key, value in inputs.items() if value is not None}
    keywords = keywords or {}
    given = {key: _copy(value) for key, value in {**inputs, **keywords}.items()}
    result = call(fn, name, *(given[key] for key in inputs), **{key: given[key] for key in keywords})
    for arg, value in {**inputs, **keywords}.items():
        for key, before in (value.items() if isinstance(value, dict) else [(None, value)]):
            after = given[arg] if key is None else given[arg].get(key)
            if isinstance(before, np.ndarray) and not (isinstance(after, np.ndarray)
                                                       and np.array_equal(after, before)):
                where = arg if key is None else f"{arg}[{key!r}]"
                short = arg if key is None else str(key)
                fail(f"{name} changed its argument {where} in place (with -=, *=, [...] = or by "
                    f"replacing a dict entry), so the caller's {where} changed too: make new arrays "
                    f"instead, e.g. {short} = {short} - ... rather than {short} -= ...")
    return result


def _copy(value):
    __tracebackhide__ = True
    if isinstance(value, dict):
        return {key: _copy(v) for key, v in value.items()}
    return value.copy() if isinstance(value, np.ndarray) else value


ONE_ENTRY = "np.sum(...) with no axis= gives one number (or take .item())"
MANY_ENTRIES = "add up over the examples with np.sum(...) and no axis="


def number(name: str, value, fn_name: str, *, why: str = "", one: str = ONE_ENTRY, many: str = MANY_ENTRIES):
    """Return ``value`` as a 0-d float64 array; fail with a hint when it is not one number.

    ``why`` says why it should be one number; ``one`` is the hint for an array
    holding one entry, ``many`` for an array of several.

    >>> float(number("db", 0.5, "backward"))
    0.5
    >>> number("db", [1.0, 2.0], "backward", why="b is one number, so db is one too")
    Traceback (most recent call last):
    ...
    AssertionError: db has shape (2,), expected a single number (shape ()): b is one number, so db is one too; \
add up over the examples with np.sum(...) and no axis=
    """
    __tracebackhide__ = True
    if value is None:
        fail(f"{name} is None, expected a number: did {fn_name} forget to `return` it?")
    try:
        if isinstance(value, (str, bytes)):  # numpy would read "0.5" as a number
            raise TypeError
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        fail(f"{name} is a {type(value).__name__}, expected a number")
    if arr.shape != ():
        hint = one if arr.size == 1 else many
        fail(f"{name} has shape {format_shape(arr.shape)}, expected a single number "
                             f"(shape ()): {why + '; ' if why else ''}{hint}")
    return arr


def unpack(result, names: tuple, fn_name: str) -> tuple:
    """Check that ``result`` is a tuple of ``len(names)`` values and return it.

    >>> unpack((1, 2), ("dw", "db"), "backward")
    (1, 2)
    >>> unpack(1, ("dw", "db"), "backward")
    Traceback (most recent call last):
    ...
    AssertionError: backward should return 2 values (dw, db), received one int
    """
    __tracebackhide__ = True
    expected = f"{len(names)} values ({', '.join(names)})"
    if not isinstance(result, (tuple, list)):
        what = f"an array of shape {format_shape(result.shape)}" if hasattr(result, "shape") else \
            f"one {type(result).__name__}"
        fail(f"{fn_name} should return {expected}, received {what}")
    if len(result) != len(names):
        fail(f"{fn_name} should return {expected}, received {len(result)} values")
    return tuple(result)


def passed(message: str) -> None:
    """Print the one-line success message of a check, starting with ✓."""
    __tracebackhide__ = True
    print(f"✓ {message}")
