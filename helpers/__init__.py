"""Helpers for the Backprop Workbook: data, gradient checks, loss surfaces, plots, feedback.

One module per idea:

=====================  ===================================================
``helpers.data``       seeded data sets, ``X`` of shape (n, m), ``y`` (1, m)
``helpers.gradcheck``  centered-difference gradient checks that raise
``helpers.surfaces``   loss over a grid of two parameters
``helpers.plots``      contours, 3-D surfaces, descent paths, learning curves
``helpers.training``   gradient descent that records its path
``helpers.feedback``   precise messages for a wrong array
``helpers.explorers``  widgets to play with descent (import it explicitly)
``helpers.animation``  a descent path as a GIF or HTML animation
=====================  ===================================================
"""

from .data import (
    make_classification,
    make_multivariate,
    make_nonlinear,
    make_univariate,
    standardize,
)
from .feedback import assert_matches, diagnose, requires_exercise
from .gradcheck import GradCheckReport, check_gradients, gradient_check, numerical_gradient
from .plots import (
    plot_fit,
    plot_learning_curve,
    plot_loss_contours,
    plot_loss_surface_3d,
    plot_trajectory,
)
from .surfaces import linear_mse_surface, loss_surface
from .training import DivergenceError, History, gradient_descent

__all__ = [
    "DivergenceError",
    "GradCheckReport",
    "History",
    "assert_matches",
    "check_gradients",
    "diagnose",
    "gradient_check",
    "gradient_descent",
    "linear_mse_surface",
    "loss_surface",
    "make_classification",
    "make_multivariate",
    "make_nonlinear",
    "make_univariate",
    "numerical_gradient",
    "plot_fit",
    "plot_learning_curve",
    "plot_loss_contours",
    "plot_loss_surface_3d",
    "plot_trajectory",
    "requires_exercise",
    "standardize",
]
