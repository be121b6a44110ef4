"""Execution time of each solution notebook against a kernel start plus the same imports.

Target (issue "The four core lessons"): every solution notebook executes in at
most 3× the time of a notebook holding only its first code cell (the imports
and the seed), both timed with nbclient from kernel start to finish, in this
one run. The two are timed in turn, four times each, and the fastest run of each
counts: a busy moment of the machine then slows one run of each, not all of one.
A lesson whose notebook fails to execute is reported as crashed, and the others
are still timed.
"""

from __future__ import annotations

import copy
import time

from coursetools import notebooks as nbs

TARGET = 3.0
REPEATS = 4


def _once(nb, cwd) -> float:
    work = copy.deepcopy(nb)
    start = time.perf_counter()
    nbs.execute(work, cwd=cwd)
    return time.perf_counter() - start


def _time(nb, baseline, cwd) -> tuple[float, float]:
    """The fastest of :data:`REPEATS` runs of ``nb`` and of ``baseline``, run in turn (seconds, seconds)."""
    full = base = float("inf")
    for _ in range(REPEATS):
        full = min(full, _once(nb, cwd))
        base = min(base, _once(baseline, cwd))
    return full, base


def run() -> bool:
    ok = True
    for path in nbs.solution_notebooks():
        nb = nbs.read(path)
        baseline = copy.deepcopy(nb)
        first = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code")
        baseline.cells = [nb.cells[first]]
        try:
            full, base = _time(nb, baseline, path.parent)
        except Exception as err:  # a dead kernel, a failing cell: report it, time the other lessons
            ok = False
            last = (str(err).strip().splitlines() or [""])[-1]
            print(f"{path.parent.name:24s} CRASHED: {type(err).__name__}: {last}", flush=True)
            continue
        ratio = full / base
        ok &= ratio <= TARGET
        print(f"{path.parent.name:24s} notebook {full:6.2f} s, kernel + imports {base:5.2f} s -> "
              f"{ratio:4.2f}x (target <= {TARGET:.0f}x){'' if ratio <= TARGET else '  MISSED'}", flush=True)
    return ok
