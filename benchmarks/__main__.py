"""Run every benchmark: ``python -m benchmarks [name ...]``; exits 1 if a target is missed."""

from __future__ import annotations

import importlib
import sys

BENCHMARKS = ["surface", "explorer", "beyond", "notebooks", "grading"]


def main(argv=None) -> int:
    names = list(argv if argv is not None else sys.argv[1:]) or BENCHMARKS
    failed = []
    for name in names:
        if name not in BENCHMARKS:
            print(f"unknown benchmark {name!r}; expected one of {BENCHMARKS}")
            return 2
        module = importlib.import_module(f"benchmarks.bench_{name}")
        print(f"== {name}: {module.__doc__.strip().splitlines()[0]}")
        if not module.run():
            failed.append(name)
        print()
    if failed:
        print("targets missed: " + ", ".join(failed))
        return 1
    print("all targets met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
