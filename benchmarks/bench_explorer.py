"""Latency of lesson 1's explorer: one slider move, from the new value to the new PNG in the widget.

Target (issue "Explorers"): the widget callback (gradient descent with the
lesson's functions, moving the artists, encoding the PNG) has a median under
50 ms. Measured by setting the learning-rate slider's value programmatically,
as a student's drag does through the widget's ``observe`` callback, over
learning rates and step counts that sweep the slider ranges; the first
(full) draw is excluded, later full draws (when an axis' limits change) count.
"""

from __future__ import annotations

import time

import numpy as np

from coursetools import notebooks as nbs
from coursetools.fixtures import ROOT, solution_namespace
from helpers import make_univariate
from helpers.explorers import DescentExplorer

TARGET_MS = 50.0


def run() -> bool:
    x, y = make_univariate(100, w=2.0, b=-1.0, noise=0.5, rng=0)
    lesson = solution_namespace(nbs.read(ROOT / "solutions" / "01-univariate" / "01-univariate.ipynb"))
    explorer = DescentExplorer(x, y, forward=lesson["forward"], backward=lesson["backward"], loss=lesson["mse_loss"],
                               learning_rate=0.1, steps=30, start=(-1.0, 2.0))
    times = []
    for steps in (30, 100):
        explorer.controls["steps"].value = steps
        for lr in np.geomspace(0.005, 0.6, 40):
            start = time.perf_counter()
            explorer.controls["learning_rate"].value = float(lr)
            times.append(time.perf_counter() - start)
    for _ in range(20):
        start = time.perf_counter()
        explorer.controls["step"].click()
        times.append(time.perf_counter() - start)
    ms = np.array(times) * 1e3
    median = float(np.median(ms))
    print(f"{ms.size} slider moves and step presses: median {median:.1f} ms, 90th percentile "
          f"{np.percentile(ms, 90):.1f} ms, max {ms.max():.1f} ms (target: median < {TARGET_MS:.0f} ms)"
          f"{'' if median < TARGET_MS else '  MISSED'}")
    return median < TARGET_MS
