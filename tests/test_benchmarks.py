"""`python -m benchmarks`: each benchmark runs in its own process; a crash is reported and the others still run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent

FAKES = {
    "ok": "def run():\n    print('ok figure 1.00x')\n    return True\n",
    "missed": "def run():\n    print('missed figure 9.00x')\n    return False\n",
    "raises": "def run():\n    raise RuntimeError('Kernel died before replying to kernel_info')\n",
    "killed": "import os, signal\n\ndef run():\n    os.kill(os.getpid(), signal.SIGKILL)\n",
}


def _bench(tmp_path, *names):
    pkg = tmp_path / "fakebench"
    pkg.mkdir(exist_ok=True)
    (pkg / "__init__.py").write_text("")
    for name, code in FAKES.items():
        (pkg / f"bench_{name}.py").write_text(f'"""Fake benchmark {name}."""\n{code}')
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), str(ROOT)]))
    return subprocess.run([sys.executable, "-m", "benchmarks", "--package", "fakebench", *names], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=120)


def test_a_crashed_benchmark_is_reported_and_the_others_still_print_their_figures(tmp_path):
    """An exception and a SIGKILL are each reported as crashed; the benchmarks after them still run."""
    proc = _bench(tmp_path, "raises", "ok", "killed", "missed")
    out = proc.stdout
    assert proc.returncode == 1, out + proc.stderr
    assert "RuntimeError: Kernel died before replying to kernel_info" in out
    assert "ok figure 1.00x" in out and "missed figure 9.00x" in out
    summary = dict(line.split(maxsplit=1) for line in out.splitlines()[-5:-1])
    assert summary == {"raises": "CRASHED", "ok": "met", "killed": "CRASHED (killed by signal 9)",
                       "missed": "MISSED"}, out


def test_the_run_exits_0_only_when_every_target_is_met(tmp_path):
    """All met: exit 0 and "all targets met"; one missed: exit 1."""
    proc = _bench(tmp_path, "ok", "ok")
    assert proc.returncode == 0 and proc.stdout.rstrip().endswith("all targets met"), proc.stdout
    assert _bench(tmp_path, "ok", "missed").returncode == 1


def test_the_explorer_benchmark_sweeps_every_slider_of_every_explorer():
    """Every explorer of lessons 1-4 (and 9's) is measured; a sweep moves each slider to both ends of its range."""
    from benchmarks import bench_explorer

    assert {"lesson 1", "lesson 2", "lesson 3", "lesson 4", "lesson 9"} <= set(bench_explorer.EXPLORERS)
    explorer = bench_explorer.lesson_1()
    seen = {key: [] for key in ("learning_rate", "steps", "start0", "start1")}
    for key, values in seen.items():
        explorer.controls[key].observe(lambda change, values=values: values.append(change["new"]), names="value")
    wall, cpu = bench_explorer.sweep(explorer, n=3)
    for key, values in seen.items():
        control = explorer.controls[key]
        ends = (control.base ** control.min, control.base ** control.max) if key == "learning_rate" else \
            (control.min, control.max)
        assert min(values) == pytest.approx(ends[0]) and max(values) == pytest.approx(ends[1]), (key, values)
    assert wall.shape == cpu.shape and wall.size >= 4 * 4 + 20 and np.all(wall > 0)  # 4 sliders, 20 presses


def test_an_explorer_that_trains_in_frames_is_swept_in_an_event_loop_and_timed_to_its_first_frame():
    """A move of lesson 9's kind (its run goes on in frames on the event loop) counts until it returns, and the
    sweep waits for each run to end before the next move, recording the time to the end in ``complete``."""
    import asyncio

    import ipywidgets as widgets

    from benchmarks import bench_explorer

    class Framed:
        def __init__(self):
            self.controls = {"x": widgets.IntSlider(value=0, min=0, max=3)}
            self.training, self.frames = False, []
            self.controls["x"].observe(self.move, names="value")

        def move(self, change):
            self.training = True
            asyncio.get_running_loop().call_later(0.01, self.end)

        def end(self):
            self.frames.append(self.controls["x"].value)
            self.training = False

    explorer, complete = Framed(), []
    wall, _ = bench_explorer.sweep(explorer, n=4, complete=complete)
    assert explorer.frames == [1, 2, 3, 2, 1, 0]  # each run ended before the next move
    assert wall.size == len(complete) == 6
    assert np.all(wall < np.array(complete)) and min(complete) >= 10  # the move itself, then its run 10 ms later
