"""Run every benchmark: ``python -m benchmarks [name ...]``; exits 0 only if every target is met.

Each benchmark runs in a process of its own (``python -m benchmarks --one NAME``),
so one that crashes (an exception, a dead kernel, a signal) is reported as
crashed with its error, and the others still run and print their figures.
A benchmark's process exits 0 when its targets are met, 1 when one is missed
and 3 when it crashed. (``--package P`` runs ``P.bench_<name>`` modules instead,
for the tests of this runner.)
"""

from __future__ import annotations

import importlib
import subprocess
import sys
import time
import traceback

BENCHMARKS = ["surface", "explorer", "beyond", "notebooks", "grading"]
MET, MISSED, CRASHED = 0, 1, 3


def run_one(name: str, package: str = "benchmarks") -> int:
    """Run benchmark ``name`` in this process; return MET, MISSED or CRASHED (printing the traceback)."""
    try:
        module = importlib.import_module(f"{package}.bench_{name}")
        print(f"== {name}: {module.__doc__.strip().splitlines()[0]}", flush=True)
        return MET if module.run() else MISSED
    except Exception:
        print(f"== {name}: CRASHED\n{traceback.format_exc()}", flush=True)
        return CRASHED


def _outcome(returncode: int) -> str:
    if returncode == MET:
        return "met"
    if returncode == MISSED:
        return "MISSED"
    if returncode < 0:
        return f"CRASHED (killed by signal {-returncode})"
    return "CRASHED" if returncode == CRASHED else f"CRASHED (exit status {returncode})"


def main(argv=None) -> int:
    args = list(argv if argv is not None else sys.argv[1:])
    package = "benchmarks"
    if args[:1] == ["--package"] and len(args) >= 2:
        package, args = args[1], args[2:]
    known = BENCHMARKS if package == "benchmarks" else None  # another package: any name it holds
    if args[:1] == ["--one"]:
        if len(args) != 2 or (known and args[1] not in known):
            print(f"--one: expected one benchmark name from {known}, received {args[1:]}")
            return 2
        return run_one(args[1], package)
    names = args or known or []
    unknown = [n for n in names if known and n not in known]
    if unknown or not names:
        print(f"unknown benchmark {unknown[0] if unknown else None!r}; expected one of {known}")
        return 2
    outcomes = {}
    for name in names:
        start = time.perf_counter()
        # Output goes straight to ours, so each figure shows as soon as it is measured.
        code = subprocess.run([sys.executable, "-m", "benchmarks", "--package", package, "--one", name],
                              check=False).returncode
        outcomes[name] = _outcome(code)
        if code not in (MET, MISSED, CRASHED):
            print(f"== {name}: {outcomes[name]}")
        print(f"({name}: {time.perf_counter() - start:.0f} s)\n", flush=True)
    for name, outcome in outcomes.items():
        print(f"{name:10s} {outcome}")
    failed = [name for name, outcome in outcomes.items() if outcome != "met"]
    if failed:
        print("targets missed or benchmarks crashed: " + ", ".join(failed))
        return 1
    print("all targets met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
