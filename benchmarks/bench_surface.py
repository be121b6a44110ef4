"""Loss surface of the univariate lesson: sufficient statistics against a per-grid-point loop.

Targets (issue "Foundation"): on a 201×201 grid with m = 10⁵ examples,
``helpers.linear_mse_surface`` runs at least 100× faster than a
straightforward loop that computes ``mean((w x + b - y)**2)`` at every grid
point, and its peak memory does not grow with ``m``.
"""

from __future__ import annotations

import time
import tracemalloc

import numpy as np

from helpers import linear_mse_surface, make_univariate

GRID = 201
M = 100_000
SPEED_TARGET = 100.0


def naive_surface(x, y, w_values, b_values):
    """The straightforward way: one full pass over the data per grid point."""
    L = np.empty((b_values.size, w_values.size))
    for j, b in enumerate(b_values):
        for i, w in enumerate(w_values):
            L[j, i] = np.mean((w * x + b - y) ** 2)
    return L


def best_of(fn, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return min(times), out


def peak_bytes(m, w_values, b_values):
    """Peak memory allocated while computing the surface, data excluded."""
    x, y = make_univariate(m, rng=1)
    tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    linear_mse_surface(x, y, w_values, b_values)
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    return peak


def run() -> bool:
    x, y = make_univariate(M, rng=0)
    w_values = np.linspace(-1.0, 5.0, GRID)
    b_values = np.linspace(-4.0, 2.0, GRID)
    fast_time, fast = best_of(lambda: linear_mse_surface(x, y, w_values, b_values), 5)
    slow_time, slow = best_of(lambda: naive_surface(x, y, w_values, b_values), 1)
    agree = np.allclose(fast, slow, rtol=1e-9, atol=1e-12)
    ratio = slow_time / fast_time
    print(f"grid {GRID}x{GRID}, m = {M}: loop {slow_time:.2f} s, sufficient statistics "
          f"{fast_time * 1e3:.2f} ms -> {ratio:,.0f}x faster (target >= {SPEED_TARGET:.0f}x); "
          f"same values: {agree}")

    sizes = [10_000, 100_000, 1_000_000]
    peaks = [peak_bytes(m, w_values, b_values) for m in sizes]
    for m, p in zip(sizes, peaks):
        print(f"peak memory with m = {m:>9,}: {p / 1024:8.1f} KiB")
    growth = peaks[-1] / peaks[0]
    data_growth = sizes[-1] / sizes[0]
    memory_ok = growth < 1.1
    print(f"peak memory grows {growth:.3f}x while m grows {data_growth:.0f}x "
          f"(target: no growth, < 1.1x)")
    return agree and ratio >= SPEED_TARGET and memory_ok
