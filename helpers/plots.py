"""Plots of loss surfaces, descent paths, learning curves and fitted models.

Every function takes ``ax=None``, makes a new figure only when no axes are
given, returns the artists it drew (so a test or a widget can inspect or
update them), and never calls ``plt.show()`` or changes global style.
"""

from __future__ import annotations

import numpy as np

from ._validate import check_array

__all__ = [
    "plot_fit",
    "plot_learning_curve",
    "plot_loss_contours",
    "plot_loss_surface_3d",
    "plot_trajectory",
]


def _axes(ax, projection=None):
    if ax is not None:
        if projection == "3d" and getattr(ax, "name", "") != "3d":
            raise ValueError("ax: expected 3-D axes (projection='3d'), received 2-D axes")
        return ax
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(5, 4))
    return fig.add_subplot(projection=projection)


def _grid(values0, values1, L):
    sizes = {}
    values0 = check_array("values0", values0, ("g0",), sizes=sizes)
    values1 = check_array("values1", values1, ("g1",), sizes=sizes)
    L = check_array("L", L, ("g1", "g0"), sizes=sizes, finite=False)
    return values0, values1, L


def plot_loss_contours(values0, values1, L, *, ax=None, levels: int = 25, log: bool = True,
                       labels=("w", "b"), cmap: str = "viridis"):
    """Filled contours of a loss surface.

    Parameters
    ----------
    values0 : array_like of shape (g0,)
        Values of the parameter on the horizontal axis.
    values1 : array_like of shape (g1,)
        Values of the parameter on the vertical axis.
    L : array_like of shape (g1, g0)
        The loss at each grid point, as returned by
        :func:`helpers.surfaces.linear_mse_surface`.
    ax : matplotlib Axes, optional
    levels : int
        Number of contour levels.
    log : bool
        Space the levels logarithmically, so the valley floor stays visible.
    labels : (str, str)
        Axis labels (LaTeX allowed).
    cmap : str

    Returns
    -------
    matplotlib.contour.QuadContourSet
    """
    values0, values1, L = _grid(values0, values1, L)
    ax = _axes(ax)
    finite = L[np.isfinite(L)]
    if finite.size == 0:
        raise ValueError("L: expected some finite losses, received none")
    lo, hi = float(finite.min()), float(finite.max())
    if log and hi > lo and hi > 0:  # a flat surface (hi == lo) would give equal log levels
        lo = max(lo, hi * 1e-6, np.finfo(float).tiny)
        lvls = np.geomspace(lo, hi, levels)
    else:
        lvls = np.linspace(lo, hi if hi > lo else lo + 1, levels)
    cs = ax.contourf(values0, values1, np.clip(L, lvls[0], lvls[-1]), levels=lvls, cmap=cmap)
    ax.set_xlabel(labels[0])
    ax.set_ylabel(labels[1])
    return cs


def plot_loss_surface_3d(values0, values1, L, *, ax=None, labels=("w", "b"), cmap: str = "viridis"):
    """The loss surface as a 3-D surface.

    Parameters
    ----------
    values0 : array_like of shape (g0,)
    values1 : array_like of shape (g1,)
    L : array_like of shape (g1, g0)
    ax : 3-D matplotlib Axes, optional
    labels : (str, str)
    cmap : str

    Returns
    -------
    mpl_toolkits.mplot3d.art3d.Poly3DCollection
    """
    values0, values1, L = _grid(values0, values1, L)
    ax = _axes(ax, projection="3d")
    V0, V1 = np.meshgrid(values0, values1)
    surf = ax.plot_surface(V0, V1, L, cmap=cmap, linewidth=0, antialiased=True)
    ax.set_xlabel(labels[0])
    ax.set_ylabel(labels[1])
    ax.set_zlabel("loss")
    return surf


def plot_trajectory(path, *, ax=None, color: str = "tab:red", label: str | None = None,
                    arrows: bool = True):
    """A descent path: one marker per step, joined by arrows.

    Parameters
    ----------
    path : array_like of shape (T + 1, 2)
        Successive positions, e.g. ``history.trajectory("w", "b")``.
    ax : matplotlib Axes, optional
    color : str
    label : str, optional
    arrows : bool
        Draw an arrow for each step (a quiver); otherwise only the line.

    Returns
    -------
    line : matplotlib.lines.Line2D
        The path; ``line.get_xydata()`` is ``path``.
    quiver : matplotlib.quiver.Quiver or None
        The step arrows.
    """
    path = check_array("path", path, ("T + 1", 2), finite=False)
    ax = _axes(ax)
    (line,) = ax.plot(path[:, 0], path[:, 1], "o-", color=color, markersize=3, linewidth=1,
                      label=label)
    quiver = None
    if arrows and len(path) > 1:
        steps = np.diff(path, axis=0)
        # heads wide and long enough to read at a lesson's figure size, outlined in white on the dark map
        quiver = ax.quiver(path[:-1, 0], path[:-1, 1], steps[:, 0], steps[:, 1], color=color,
                           angles="xy", scale_units="xy", scale=1, width=0.006, headwidth=4, headlength=5,
                           headaxislength=4.5, edgecolor="white", linewidth=0.5, zorder=3)
    return line, quiver


def plot_learning_curve(losses, *, ax=None, log: bool = True, label: str | None = None):
    """Loss against step.

    Parameters
    ----------
    losses : array_like of shape (T + 1,)
        Loss before the first step and after each step.
    ax : matplotlib Axes, optional
    log : bool
        Logarithmic loss axis.
    label : str, optional

    Returns
    -------
    matplotlib.lines.Line2D
    """
    losses = check_array("losses", losses, ("T + 1",), finite=False)
    ax = _axes(ax)
    (line,) = ax.plot(np.arange(losses.size), losses, label=label)
    if log and np.all(losses[np.isfinite(losses)] > 0):
        ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    return line


def plot_fit(X, y, predict=None, *, ax=None, n_points: int = 200, label: str = "model"):
    """Data points and, optionally, a model's prediction over the input range.

    Parameters
    ----------
    X : array_like of shape (1, m)
        One input feature per example.
    y : array_like of shape (1, m)
        Targets.
    predict : callable, optional
        ``predict(X_grid) -> y_grid`` for ``X_grid`` of shape (1, n_points),
        returning shape (1, n_points).
    ax : matplotlib Axes, optional
    n_points : int
        Where the prediction is drawn.
    label : str

    Returns
    -------
    points : matplotlib.collections.PathCollection
    line : matplotlib.lines.Line2D or None
    """
    sizes = {}
    X = check_array("X", X, (1, "m"), sizes=sizes)
    y = check_array("y", y, (1, "m"), sizes=sizes)
    ax = _axes(ax)
    points = ax.scatter(X.ravel(), y.ravel(), s=10, alpha=0.6, label="data")
    line = None
    if predict is not None:
        grid = np.linspace(X.min(), X.max(), n_points)[None, :]
        y_grid = check_array("predict(X_grid)", predict(grid), (1, n_points), finite=False)
        (line,) = ax.plot(grid.ravel(), y_grid.ravel(), color="tab:red", label=label)
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    return points, line
