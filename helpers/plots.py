"""Plots of loss surfaces, descent paths, learning curves and fitted models.

Every function takes ``ax=None``, makes a new figure only when no axes are
given, returns the artists it drew (so a test or a widget can inspect or
update them), and never calls ``plt.show()`` or changes global style.
"""

from __future__ import annotations

import numpy as np

from ._validate import check_array

__all__ = [
    "label_steps",
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


def label_steps(path, *, ax=None, fontsize: float = 11, offset: float = 11):
    """Number the points of a descent path 0, 1, ..., T, each number on a dark rounded label beside its point.

    Each number is moved ``offset`` points away from its point, perpendicular to the path's main line
    (the direction along which its points spread most, on the figure), to the side of that line the
    point lies on: a path that zigzags along one line (a diverging run) has its segments along that
    line, so the numbers sit beside it, not on it. Points on the line alternate sides.

    Parameters
    ----------
    path : array_like of shape (T + 1, 2)
        Successive positions, as for :func:`plot_trajectory`.
    ax : matplotlib Axes, optional
        Where the path is drawn; its limits should be final (the offsets are computed on the figure).
    fontsize : float
        In points.
    offset : float
        Distance from a point to the centre of its number, in points.

    Returns
    -------
    list of matplotlib.text.Annotation
        One per point, ``T + 1``; the text of the t-th is ``str(t)``.
    """
    path = check_array("path", path, ("T + 1", 2))
    ax = _axes(ax)
    xy = ax.transData.transform(path)  # (T + 1, 2), pixels: the directions as the reader sees them
    centred = xy - xy.mean(axis=0)
    # the path's main line: the direction along which its points spread most (a zigzag's line)
    direction = np.linalg.svd(centred, full_matrices=False)[2][0] if np.any(centred) else np.array([1.0, 0.0])
    normal = np.array([-direction[1], direction[0]])
    if normal[1] < 0:
        normal = -normal  # the positive side is upwards
    pixels_per_point = ax.figure.dpi / 72
    side = centred @ normal  # (T + 1,), pixels from the main line, positive above it
    near = np.abs(side) < 0.8 * offset * pixels_per_point
    alternate = np.where(np.arange(len(path)) % 2 == 0, 1.0, -1.0)
    signs = np.where(near, alternate, np.sign(side))
    labels = []
    for t, (point, sign) in enumerate(zip(path, signs)):
        dx, dy = sign * offset * normal
        labels.append(ax.annotate(str(t), point, xytext=(dx, dy), textcoords="offset points", ha="center",
                                  va="center", fontsize=fontsize, color="white", zorder=4,
                                  bbox={"boxstyle": "round,pad=0.2", "facecolor": "black", "edgecolor": "none",
                                        "alpha": 0.65}))
    return labels


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
