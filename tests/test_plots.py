"""``helpers.plots``: each function draws what it is given, where it is told, and returns it.

The conftest selects the Agg backend and closes every figure after each test.
"""

from __future__ import annotations

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pytest

from helpers.plots import (
    label_steps,
    plot_fit,
    plot_learning_curve,
    plot_loss_contours,
    plot_loss_surface_3d,
    plot_trajectory,
)


@pytest.fixture(autouse=True)
def _no_show_no_style_change(monkeypatch):
    """plt.show must never be called, and no rcParams may change."""
    def show(*args, **kwargs):
        raise AssertionError("a helpers.plots function called plt.show()")
    monkeypatch.setattr(plt, "show", show)
    before = dict(mpl.rcParams)
    yield
    changed = sorted(k for k, v in mpl.rcParams.items() if before[k] != v)
    assert changed == [], f"rcParams changed: {changed}"


@pytest.fixture
def grid():
    """A loss surface with g0 = 6 columns and g1 = 4 rows, spanning several decades."""
    values0, values1 = np.linspace(-1.0, 2.0, 6), np.linspace(0.0, 3.0, 4)
    L = 1e-3 + (values0[None, :] - 0.5) ** 2 + 10 * (values1[:, None] - 1.0) ** 2
    return values0, values1, L


def _one_new_figure(before):
    assert len(plt.get_fignums()) == len(before) + 1


# --------------------------------------------------------------------------- contours


def test_contours_make_their_own_figure_when_no_axes_are_given(grid):
    """ax=None: one new figure, and the contour set is drawn on its axes."""
    before = plt.get_fignums()
    cs = plot_loss_contours(*grid)
    _one_new_figure(before)
    assert cs.axes is plt.gcf().axes[0]
    assert (cs.axes.get_xlabel(), cs.axes.get_ylabel()) == ("w", "b")


def test_contours_draw_on_the_given_axes(grid):
    """ax given: no new figure; the contour set belongs to that axes; labels as asked."""
    _, ax = plt.subplots()
    before = plt.get_fignums()
    cs = plot_loss_contours(*grid, ax=ax, labels=("$w_1$", "$w_2$"))
    assert plt.get_fignums() == before
    assert cs.axes is ax and cs in ax.collections
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("$w_1$", "$w_2$")


def test_contour_levels_are_log_spaced_over_the_loss_range(grid):
    """log=True: `levels` levels from min L to max L, with a constant ratio between neighbours."""
    _, _, L = grid
    cs = plot_loss_contours(*grid, levels=12)
    levels = np.asarray(cs.levels)
    assert levels.size == 12
    np.testing.assert_allclose(levels[[0, -1]], [L.min(), L.max()], rtol=1e-12)
    ratios = levels[1:] / levels[:-1]
    np.testing.assert_allclose(ratios, ratios[0], rtol=1e-9)
    assert ratios[0] > 1


def test_log_levels_start_at_a_millionth_of_the_maximum_when_the_minimum_is_zero(grid):
    """An exact fit (L = 0) cannot be on a log scale: the lowest level is max L × 1e-6."""
    values0, values1, L = grid
    L = L - L.min()
    cs = plot_loss_contours(values0, values1, L, levels=5)
    np.testing.assert_allclose(cs.levels, np.geomspace(L.max() * 1e-6, L.max(), 5), rtol=1e-12)


def test_contour_levels_are_evenly_spaced_without_log(grid):
    """log=False: levels in equal steps from min L to max L."""
    _, _, L = grid
    cs = plot_loss_contours(*grid, levels=7, log=False)
    np.testing.assert_allclose(cs.levels, np.linspace(L.min(), L.max(), 7), rtol=1e-12)


@pytest.mark.parametrize("log", [True, False])
def test_a_flat_surface_can_be_drawn(log):
    """A constant loss (a parameter that does not matter) still draws, on either scale."""
    cs = plot_loss_contours(np.arange(4.0), np.arange(3.0), np.full((3, 4), 2.0), log=log)
    assert np.all(np.diff(cs.levels) > 0)


def test_non_finite_losses_are_left_out_of_the_levels(grid):
    """inf and NaN (a diverged region) do not stretch the levels; a surface with no finite value is refused."""
    values0, values1, L = grid
    L = L.copy()
    L[0, 0], L[1, 1] = np.inf, np.nan
    cs = plot_loss_contours(values0, values1, L, levels=5)
    assert cs.levels[-1] == pytest.approx(np.nanmax(L[np.isfinite(L)]), rel=1e-12)
    with pytest.raises(ValueError, match=r"^L: expected some finite losses, received none$"):
        plot_loss_contours(values0, values1, np.full_like(L, np.inf))


@pytest.mark.parametrize("plot", [plot_loss_contours, plot_loss_surface_3d])
def test_surface_plots_refuse_arrays_of_the_wrong_shape(plot, grid):
    """A transposed L, or grid values that are not 1-D, are named with both shapes."""
    values0, values1, L = grid
    with pytest.raises(ValueError) as info:
        plot(values0, values1, L.T)
    assert str(info.value) == "L: expected shape (g1, g0) = (4, 6), received shape (6, 4): did you transpose it?"
    with pytest.raises(ValueError) as info:
        plot(values0[None, :], values1, L)
    assert str(info.value) == "values0: expected shape (g0,), received shape (1, 6)"
    with pytest.raises(ValueError) as info:
        plot(values0, values1[:3], L)
    assert str(info.value) == "L: expected shape (g1, g0) = (3, 6), received shape (4, 6)"


# --------------------------------------------------------------------------- 3-D surface


def test_surface_3d_makes_3d_axes_when_none_are_given(grid):
    """ax=None: one new figure with 3-D axes, holding the returned surface."""
    before = plt.get_fignums()
    surf = plot_loss_surface_3d(*grid)
    _one_new_figure(before)
    assert surf.axes.name == "3d"
    assert surf in surf.axes.collections
    assert surf.axes.get_zlabel() == "loss"


def test_surface_3d_draws_the_given_values(grid):
    """One face per grid cell, coloured by the mean of its four corners of L (row-major order)."""
    _, _, L = grid
    fig = plt.figure()
    ax = fig.add_subplot(projection="3d")
    surf = plot_loss_surface_3d(*grid, ax=ax)
    assert surf.axes is ax
    corners = (L[:-1, :-1] + L[1:, :-1] + L[:-1, 1:] + L[1:, 1:]) / 4
    np.testing.assert_allclose(surf.get_array(), corners.ravel(), rtol=1e-12)


def test_surface_3d_refuses_2d_axes(grid):
    """Given 2-D axes, the 3-D plot says it needs projection='3d' instead of failing inside matplotlib."""
    _, ax = plt.subplots()
    with pytest.raises(ValueError) as info:
        plot_loss_surface_3d(*grid, ax=ax)
    assert str(info.value) == "ax: expected 3-D axes (projection='3d'), received 2-D axes"
    assert len(ax.collections) == 0


# --------------------------------------------------------------------------- trajectory


@pytest.fixture
def path():
    rng = np.random.default_rng(0)
    return np.cumsum(rng.standard_normal((9, 2)), axis=0)  # T = 8 steps


def test_trajectory_line_is_the_path_and_there_is_one_arrow_per_step(path):
    """line.get_xydata() is the path; the quiver has T arrows, from each point to the next."""
    before = plt.get_fignums()
    line, quiver = plot_trajectory(path)
    _one_new_figure(before)
    np.testing.assert_array_equal(line.get_xydata(), path)
    assert quiver.N == len(path) - 1
    np.testing.assert_array_equal(quiver.get_offsets(), path[:-1])
    np.testing.assert_allclose(np.column_stack([quiver.U, quiver.V]), path[1:] - path[:-1], rtol=1e-15)


def test_trajectory_on_given_axes(path):
    """ax given: both artists are on it, with the requested colour and label."""
    _, ax = plt.subplots()
    line, quiver = plot_trajectory(path, ax=ax, color="tab:blue", label="lr = 0.1")
    assert line in ax.lines and quiver in ax.collections
    assert line.get_label() == "lr = 0.1"
    assert mpl.colors.same_color(line.get_color(), "tab:blue")


def test_trajectory_without_arrows_or_with_one_point(path):
    """arrows=False draws only the line; a single position has no step to draw."""
    assert plot_trajectory(path, arrows=False)[1] is None
    line, quiver = plot_trajectory(path[:1])
    assert quiver is None and line.get_xydata().shape == (1, 2)


@pytest.mark.parametrize("bad, received", [(np.zeros((5, 3)), "(5, 3)"), (np.zeros(5), "(5,)")])
def test_trajectory_refuses_a_path_that_is_not_t_by_2(bad, received):
    """The path must have two columns, one per plotted parameter."""
    with pytest.raises(ValueError) as info:
        plot_trajectory(bad)
    assert str(info.value) == f"path: expected shape (T + 1, 2), received shape {received}"


def test_trajectory_refuses_a_transposed_path(path):
    """A (2, T + 1) path, e.g. np.array([ws, bs]) without .T, is refused with both shapes."""
    with pytest.raises(ValueError) as info:
        plot_trajectory(path.T)
    assert str(info.value) == "path: expected shape (T + 1, 2), received shape (2, 9)"


# --------------------------------------------------------------------------- learning curve


def test_learning_curve_plots_loss_against_step_on_a_log_axis():
    """x is 0..T, y the losses; positive losses get a logarithmic axis."""
    losses = 10.0 * 0.5 ** np.arange(12)
    before = plt.get_fignums()
    line = plot_learning_curve(losses, label="lr = 0.5")
    _one_new_figure(before)
    np.testing.assert_array_equal(line.get_xydata(), np.column_stack([np.arange(12), losses]))
    assert line.axes.get_yscale() == "log"
    assert line.get_label() == "lr = 0.5"
    assert (line.axes.get_xlabel(), line.axes.get_ylabel()) == ("step", "loss")


def test_learning_curve_stays_linear_when_asked_or_when_a_loss_is_zero():
    """log=False, or a loss of exactly 0, keeps the linear axis."""
    _, ax = plt.subplots()
    line = plot_learning_curve([3.0, 1.0, 0.0], ax=ax)
    assert line.axes is ax and ax.get_yscale() == "linear"
    assert plot_learning_curve([3.0, 1.0], log=False).axes.get_yscale() == "linear"


def test_learning_curve_accepts_a_diverged_run():
    """inf at the end of a diverged run is drawable (not refused as non-finite)."""
    line = plot_learning_curve([1.0, 10.0, np.inf])
    assert np.isinf(line.get_ydata()[-1])


def test_learning_curve_refuses_a_2d_array():
    """losses must be 1-D."""
    with pytest.raises(ValueError) as info:
        plot_learning_curve(np.ones((5, 1)))
    assert str(info.value) == "losses: expected shape (T + 1,), received shape (5, 1)"


# --------------------------------------------------------------------------- fit


@pytest.fixture
def data():
    rng = np.random.default_rng(1)
    X = rng.uniform(-2, 3, (1, 30))
    return X, 2 * X - 1 + 0.1 * rng.standard_normal((1, 30))


def test_fit_draws_the_data_and_the_prediction(data):
    """Points at (x, y); the model line over n_points from min x to max x, at predict's values."""
    X, y = data
    before = plt.get_fignums()
    points, line = plot_fit(X, y, lambda G: 2 * G - 1, n_points=50)
    _one_new_figure(before)
    np.testing.assert_array_equal(points.get_offsets(), np.column_stack([X[0], y[0]]))
    grid = np.linspace(X.min(), X.max(), 50)
    np.testing.assert_allclose(line.get_xydata(), np.column_stack([grid, 2 * grid - 1]), rtol=1e-15, atol=1e-15)


def test_fit_without_a_model_draws_only_the_points(data):
    """predict=None: no line; drawn on the given axes."""
    _, ax = plt.subplots()
    points, line = plot_fit(*data, ax=ax)
    assert line is None and points in ax.collections and len(ax.lines) == 0


@pytest.mark.parametrize("which, bad, message", [
    ("X", np.zeros((2, 30)), "X: expected shape (1, m), received shape (2, 30)"),
    ("X", np.zeros((30, 1)), "X: expected shape (1, m), received shape (30, 1)"),
    ("y", np.zeros((1, 29)), "y: expected shape (1, m) = (1, 30), received shape (1, 29)"),
    ("y", np.zeros(30), "y: expected shape (1, m) = (1, 30), received shape (30,): a 1-D array; "
                        "keep it 2-D with .reshape(1, 30)"),
])
def test_fit_refuses_data_of_the_wrong_shape(data, which, bad, message):
    """X and y must both be (1, m) with the same m; the message names the one that is not."""
    X, y = data
    args = {"X": X, "y": y, which: bad}
    with pytest.raises(ValueError) as info:
        plot_fit(args["X"], args["y"])
    assert str(info.value) == message


def test_fit_refuses_a_prediction_of_the_wrong_shape(data):
    """A predict that returns a 1-D array is named, with the shape it should return."""
    with pytest.raises(ValueError) as info:
        plot_fit(*data, lambda G: (2 * G - 1).ravel(), n_points=20)
    assert str(info.value) == ("predict(X_grid): expected shape (1, 20), received shape (20,): a 1-D array; "
                               "keep it 2-D with .reshape(1, 20)")


def test_step_labels_are_numbered_and_sit_beside_a_zigzag_not_on_it():
    """label_steps writes 0..T, each on a dark box, and no box covers a segment of a path zigzagging along a line
    (lesson 1's diverging run), at lesson 1's figure size."""
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2), dpi=100)
    ax = axes[2]
    # lesson 1's run with η = 0.7 (too large): it jumps across the valley, further out each time, along a line
    from helpers import make_univariate
    x, y = make_univariate(100, w=2.0, b=-1.0, noise=0.5, rng=0)
    path = [np.array([-1.0, 2.0])]
    for _ in range(8):
        error = path[-1][0] * x + path[-1][1] - y  # (1, m)
        path.append(path[-1] - 0.7 * 2 * np.array([np.mean(error * x), np.mean(error)]))
    path = np.array(path)  # (9, 2)
    t = np.arange(9)
    ax.plot(*path.T)
    ax.set(xlim=(-7, 11), ylim=(-5, 5))
    labels = label_steps(path, ax=ax)
    assert [label.get_text() for label in labels] == [str(i) for i in t]
    assert all(label.get_fontsize() >= 10 and label.get_bbox_patch() is not None for label in labels)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    xy = ax.transData.transform(path)
    along = np.linspace(0, 1, 50)[:, None]
    segments = np.concatenate([xy[i] + along * (xy[i + 1] - xy[i]) for i in range(len(xy) - 1)])
    for label in labels:
        box = label.get_bbox_patch().get_window_extent(renderer)
        inside = ((segments[:, 0] > box.x0) & (segments[:, 0] < box.x1) &
                  (segments[:, 1] > box.y0) & (segments[:, 1] < box.y1))
        assert not inside.any(), f"label {label.get_text()} covers the path"
    boxes = [label.get_bbox_patch().get_window_extent(renderer) for label in labels]
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:]), "two labels overlap"
    plt.close(fig)
