"""Command line: ``python -m coursetools release`` (more commands come with the grading workflow)."""

from __future__ import annotations

import argparse
import sys

from . import release as _release


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="coursetools", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("release", help="regenerate notebooks/ from solutions/ with nbgrader")
    sub.add_parser("check-release", help="fail if notebooks/ differs from what nbgrader generates")
    args = parser.parse_args(argv)
    if args.command == "release":
        names = _release.release()
        print(f"generated {len(names)} assignment(s) into notebooks/: {', '.join(names)}")
        return 0
    problems = _release.drift()
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
