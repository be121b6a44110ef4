"""Execution time of each solution notebook against a kernel start plus the same imports.

Target (issue "The four core lessons"): every solution notebook executes in at
most 3× the time of a notebook holding only its first code cell (the imports
and the seed), both timed with nbclient from kernel start to finish, in this
one run. Each is timed three times and the fastest run counts. A lesson whose
notebook fails to execute is reported as crashed, and the others are still timed.
"""

from __future__ import annotations

import copy
import time

from coursetools import notebooks as nbs

TARGET = 3.0
REPEATS = 3


def _time(nb, cwd):
    best = float("inf")
    for _ in range(REPEATS):
        work = copy.deepcopy(nb)
        start = time.perf_counter()
        nbs.execute(work, cwd=cwd)
        best = min(best, time.perf_counter() - start)
    return best


def run() -> bool:
    ok = True
    for path in nbs.solution_notebooks():
        nb = nbs.read(path)
        baseline = copy.deepcopy(nb)
        first = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code")
        baseline.cells = [nb.cells[first]]
        try:
            full, base = _time(nb, path.parent), _time(baseline, path.parent)
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
