"""Progress bars that stay silent unless asked for.

tqdm's text bar writes to standard error, and nbgrader scores a test cell 0
when anything reaches stderr; an automatic bar would also flicker through
every test run. So :func:`progress` shows a bar (``tqdm.auto``: a widget in
JupyterLab, text elsewhere) only when called with ``enabled=True`` *and* the
work is long enough (``total >= min_total``); otherwise it returns the
iterable untouched and writes nothing anywhere.
"""

from __future__ import annotations

from ._validate import check_scalar

__all__ = ["progress"]


def progress(iterable, *, total: int | None = None, desc: str | None = None, enabled: bool = False,
             min_total: int = 2):
    """Wrap ``iterable`` in a ``tqdm.auto`` bar when ``enabled``; otherwise return it as it is.

    Parameters
    ----------
    iterable : iterable
        What to loop over.
    total : int, optional
        Number of items (default ``len(iterable)`` when it has one).
    desc : str, optional
        Label in front of the bar.
    enabled : bool
        Show a bar. Off by default: nothing is written to stdout or stderr.
    min_total : int
        Below this many items no bar is shown even when ``enabled``.

    Returns
    -------
    iterable
        ``iterable`` itself, or a tqdm bar over it.

    Examples
    --------
    >>> items = [1, 2, 3]
    >>> progress(items) is items
    True
    """
    if not isinstance(enabled, bool):
        raise TypeError(f"enabled: expected True or False, received {type(enabled).__name__} {enabled!r}")
    min_total = check_scalar("min_total", min_total, integer=True, minimum=0)
    if total is None and hasattr(iterable, "__len__"):
        total = len(iterable)
    if total is not None:
        total = check_scalar("total", total, integer=True, minimum=0)
    if not enabled or (total is not None and total < min_total):
        return iterable
    from tqdm.auto import tqdm

    return tqdm(iterable, total=total, desc=desc, leave=False)
