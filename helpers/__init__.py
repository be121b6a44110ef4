"""Helpers for the Backprop Workbook: data, gradient checks, loss surfaces, plots, feedback.

One module per idea:

==========================  ===================================================
``helpers.data``            seeded data sets, ``X`` of shape (n, m), ``y`` (1, m)
``helpers.gradcheck``       centered-difference gradient checks that raise
``helpers.surfaces``        loss over a grid of two parameters
``helpers.plots``           contours, 3-D surfaces, descent paths, learning curves
``helpers.descent``         the one descent engine: step rule, loop, run record, divergence
``helpers.training``        ``descend``: gradient descent on named parameters (the lessons' demos)
``helpers.feedback``        precise messages for a wrong array
``helpers.explorers``       widgets to play with descent (import it explicitly)
``helpers.animation``       a descent path as a GIF or HTML animation
``helpers.graph``           scalar computational graphs: forward, backward, drawing
``helpers.network``         a harness: lesson 4's network (given its passes) as one parameter vector
``helpers.deep``            lesson 9: parameters of any depth, flattening, decision regions
``helpers.deep_explorer``   lesson 9's explorer (import it explicitly)
``helpers.optimizers``      SGD, momentum, Nesterov, RMSprop, Adam (one interface)
``helpers.objectives``      test functions: ill-conditioned quadratic, Rosenbrock
``helpers.gradient_free``   random search, GA, PSO, annealing, ACO_R (update rules passed in)
``helpers.progress``        progress bars that stay silent unless asked
``helpers.practice``        unlimited practice problems and their widget (lesson 10)
``helpers.checks``          the lessons' test-cell checks (one module per lesson)
==========================  ===================================================
"""

from .data import (
    make_classification,
    make_multivariate,
    make_nonlinear,
    make_rings,
    make_univariate,
    make_xor,
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
from .training import DivergenceError, History, descend

__all__ = [
    "DivergenceError",
    "GradCheckReport",
    "History",
    "assert_matches",
    "check_gradients",
    "descend",
    "diagnose",
    "gradient_check",
    "linear_mse_surface",
    "loss_surface",
    "make_classification",
    "make_multivariate",
    "make_nonlinear",
    "make_rings",
    "make_univariate",
    "make_xor",
    "numerical_gradient",
    "plot_fit",
    "plot_learning_curve",
    "plot_loss_contours",
    "plot_loss_surface_3d",
    "plot_trajectory",
    "requires_exercise",
    "standardize",
]
