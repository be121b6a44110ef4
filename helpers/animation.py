"""A descent path as an animation, for slides: one frame per step of gradient descent.

:func:`animate_descent` returns a :class:`matplotlib.animation.FuncAnimation`
(``anim.to_jshtml()`` plays it in a notebook, ``anim.to_html5_video()`` needs
ffmpeg); :func:`save_descent_animation` writes it as a GIF with Pillow, which
ships with matplotlib, so nothing else is needed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.animation import FuncAnimation, PillowWriter
from matplotlib.figure import Figure

from ._validate import check_array, check_scalar
from .plots import plot_loss_contours

__all__ = ["animate_descent", "save_descent_animation"]


def animate_descent(path, losses=None, *, surface=None, labels=("w", "b"), interval: int = 150, dpi: int = 72):
    """Animate a descent path, one frame per step.

    Parameters
    ----------
    path : array_like of shape (T + 1, 2)
        Successive positions, e.g. ``explorer.path`` or the ``path`` of lesson 1's
        ``gradient_descent``.
    losses : array_like of shape (T + 1,), optional
        The loss at each position; when given, a second panel draws the loss curve.
    surface : (values0, values1, L), optional
        A loss map to draw under the path: ``values0`` (g0,), ``values1`` (g1,)
        and ``L`` (g1, g0), as from :func:`helpers.linear_mse_surface`.
    labels : (str, str)
    interval : int
        Milliseconds between frames.
    dpi : int

    Returns
    -------
    matplotlib.animation.FuncAnimation
        With ``T + 1`` frames; frame ``t`` shows the path up to step ``t``.

    Examples
    --------
    >>> anim = animate_descent(np.array([[0.0, 0.0], [1.0, 0.5], [1.5, 0.7]]), [3.0, 1.0, 0.5])
    >>> anim.to_jshtml().count("frames[2]")  # three frames, rendered as HTML
    1
    """
    path = check_array("path", path, ("T + 1", 2))
    if losses is not None:
        losses = check_array("losses", losses, (path.shape[0],))
    fig = Figure(figsize=(8.5 if losses is not None else 4.5, 3.6), dpi=dpi, layout="constrained")
    axes = fig.subplots(1, 2 if losses is not None else 1, squeeze=False)[0]
    ax = axes[0]
    if surface is not None:
        plot_loss_contours(*surface, ax=ax, labels=labels)
    else:
        lo, hi = path.min(axis=0), path.max(axis=0)
        pad = 0.1 * np.maximum(hi - lo, 1e-3)
        ax.set(xlim=(lo[0] - pad[0], hi[0] + pad[0]), ylim=(lo[1] - pad[1], hi[1] + pad[1]),
               xlabel=labels[0], ylabel=labels[1])
    (line,) = ax.plot([], [], "o-", color="tab:red", markersize=3, linewidth=1)
    title = ax.set_title("step 0")
    artists = [line, title]
    if losses is not None:
        (curve,) = axes[1].plot([], [], color="tab:blue")
        axes[1].set(xlim=(0, max(len(losses) - 1, 1)), xlabel="step", ylabel="loss")
        if np.all(losses > 0):
            axes[1].set_yscale("log")
            axes[1].set_ylim(losses.min() / 1.5, losses.max() * 1.5)
        else:
            axes[1].set_ylim(losses.min() - 1, losses.max() + 1)
        artists.append(curve)

    def draw(t):
        line.set_data(path[: t + 1, 0], path[: t + 1, 1])
        title.set_text(f"step {t}")
        if losses is not None:
            curve.set_data(np.arange(t + 1), losses[: t + 1])
        return artists

    return FuncAnimation(fig, draw, frames=len(path), interval=interval, blit=False, repeat=False)


def save_descent_animation(filename, path, losses=None, *, fps: int = 8, **kwargs) -> Path:
    """Write :func:`animate_descent`'s animation of ``path`` to a GIF file.

    Parameters
    ----------
    filename : str or Path
        Where to write, e.g. ``"descent.gif"``.
    path : array_like of shape (T + 1, 2)
    losses : array_like of shape (T + 1,), optional
    fps : int
        Frames per second.
    **kwargs
        Passed on to :func:`animate_descent` (``surface``, ``labels``, ``dpi``).

    Returns
    -------
    Path
        The file written: a GIF of ``T + 1`` frames.
    """
    fps = check_scalar("fps", fps, integer=True, minimum=1)
    filename = Path(filename)
    anim = animate_descent(path, losses, **kwargs)
    anim.save(filename, writer=PillowWriter(fps=fps))
    return filename
