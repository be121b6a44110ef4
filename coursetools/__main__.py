"""Command line for instructors: ``coursetools release | check-release | bundle | collect | grade | feedback |
report``, and for a class on one server ``coursetools accounts | hub | release-feedback``.

Run from the course directory (or pass ``--root``). Every command except
``release`` only reads ``solutions/`` and ``submitted/``.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from . import release as _release


def _parser():
    parser = argparse.ArgumentParser(prog="coursetools", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("release", help="regenerate notebooks/ from solutions/ with nbgrader")
    sub.add_parser("check-release", help="fail if notebooks/ differs from what nbgrader generates")
    p = sub.add_parser("bundle", help="the zip to upload to an LMS for one assignment: student notebook, "
                                      "visible fixtures, support files and the helpers wheel")
    p.add_argument("assignment", help="an assignment id, e.g. 01-univariate")
    p.add_argument("--out", type=Path, default=None, help="folder for <assignment>.zip (default: bundles/)")

    def course(p):
        p.add_argument("--root", type=Path, default=Path.cwd(),
                       help="the course directory (default: the current folder)")
        return p

    p = course(sub.add_parser("collect", help="lay out an LMS export as submitted/<student>/<assignment>/"))
    p.add_argument("export", type=Path, help="a folder or a zip of student notebooks")
    p.add_argument("--id-pattern", default=None,
                   help=r"regular expression with a group named id that finds the student id in each path, "
                        r"e.g. '_(?P<id>\d+)_assignsubmission' for Moodle")
    p.add_argument("--max-notebook-mb", type=float, default=20, help="refuse a notebook larger than this (MB)")
    p.add_argument("--max-total-mb", type=float, default=2000, help="refuse a zip that unpacks to more (MB)")
    p.add_argument("--max-entries", type=int, default=10_000, help="refuse a zip with more entries")
    p = course(sub.add_parser("grade", help="auto-grade every submission of the assignments, in parallel"))
    p.add_argument("assignments", nargs="+", help="assignment ids, e.g. 01-univariate")
    p.add_argument("--workers", type=int, default=None, help="local worker processes (default: one per core)")
    p.add_argument("--scheduler", default=None, help="Dask scheduler address, e.g. tcp://10.0.0.5:8786")
    p.add_argument("--timeout", type=float, default=None, help="seconds per cell (default: from nbgrader_config)")
    p.add_argument("--memory", type=float, default=2.0, help="memory limit per kernel in GiB (0: none)")
    p.add_argument("--force", action="store_true", help="re-grade notebooks already graded")
    p.add_argument("--rebuild", action="store_true",
                   help="set a damaged gradebook aside (kept in .gradebook-backups/) and grade everything again "
                        "into a new one")
    p.add_argument("--student", action="append", default=None, help="grade only this student (repeatable)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--isolation", choices=["auto", "required", "off"], default="auto",
                   help="auto: each kernel in the bubblewrap sandbox when available, else guarded only (reported); "
                        "required: refuse to grade without the sandbox; off: guarded only")
    p = course(sub.add_parser("feedback", help="per-student HTML feedback into feedback/"))
    p.add_argument("assignments", nargs="*", help="assignment ids (default: all graded)")
    p.add_argument("--inline-mathjax", action="store_true",
                   help="put MathJax inside each page (2.2 MB) so a page works alone, e.g. after nbgrader "
                        "release_feedback, which copies only the .html files")
    p.add_argument("--zip", action="store_true", help="also zip each student's pages into feedback-zip/<student>.zip")
    p = course(sub.add_parser("report", help="grades.csv (nbgrader export) and report.html"))
    p.add_argument("--out", type=Path, default=None, help="the HTML report (default: <root>/report.html)")
    from .hub_cli import add_parsers

    add_parsers(sub, course)
    return parser


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    os.environ["PATH"] = str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", "")
    if args.command == "release":
        names = _release.release()
        print(f"generated {len(names)} assignment(s) into notebooks/: {', '.join(names)}")
        return 0
    if args.command == "check-release":
        problems = _release.drift()
        for p in problems:
            print(p)
        return 1 if problems else 0
    if args.command == "bundle":
        from .bundle import bundle

        try:
            path = bundle(args.assignment, out=args.out)
        except (FileNotFoundError, RuntimeError) as exc:
            print(f"coursetools bundle: {exc}")
            return 2
        print(f"wrote {path}")
        return 0
    if args.command == "collect":
        from .collect import MB, CollectError, Limits, collect

        try:
            limits = Limits(notebook=int(args.max_notebook_mb * MB), total=int(args.max_total_mb * MB),
                            entries=args.max_entries)
            result = collect(args.export, root=args.root, id_pattern=args.id_pattern, limits=limits)
        except (CollectError, ValueError, OSError) as exc:
            print(f"coursetools collect: {exc}")
            return 2
        print("\n".join(result.lines()))
        return 1 if result.problems else 0
    if args.command == "grade":
        from .grade import GradingError, grade
        from .safeio import DiskFullError, GradebookError
        from .sandbox import isolation

        try:  # Ctrl-C anywhere from here on: one line, no traceback
            why = isolation() if args.isolation != "off" and not args.scheduler else None
            if args.isolation == "off" or why:
                print(f"coursetools grade: guarded only, not isolated: {why or 'switched off with --isolation off'}"
                      + (" (refusing: --isolation required)" if args.isolation == "required" else ""))
            summary = grade(args.assignments, root=args.root, workers=args.workers, scheduler=args.scheduler,
                            timeout=args.timeout, memory=int(args.memory * (1 << 30)) or None,
                            progress=not args.no_progress, force=args.force, students=args.student,
                            isolation=args.isolation, rebuild=args.rebuild)
        except (GradingError, GradebookError, DiskFullError) as exc:
            print(f"coursetools grade: {exc}")
            return 2
        except KeyboardInterrupt:
            print("coursetools grade: interrupted; what was graded is saved, run the same command to resume")
            return 130
        print(summary["gradebook"])
        print(f"graded {len(summary['graded'])} notebook(s), {len(summary['skipped'])} already graded "
              f"(skipped), {len(summary['unreadable'])} could not be graded")
        flagged = sorted(k for k, ev in summary["events"].items() if ev)
        if flagged:
            print(f"{len(flagged)} notebook(s) have events to review: run `coursetools report`")
        return 0
    if args.command == "feedback":
        from .feedback import feedback
        from .safeio import DiskFullError

        try:
            paths = feedback(args.root, args.assignments or None, inline_mathjax=args.inline_mathjax)
        except (FileNotFoundError, DiskFullError) as exc:
            print(f"coursetools feedback: {exc}")
            return 2
        print(f"wrote {len(paths)} feedback page(s) under {args.root / 'feedback'}")
        if args.zip and paths:
            from .lms import zip_feedback

            print(f"wrote {len(zip_feedback(args.root))} zip(s) under {args.root / 'feedback-zip'}")
        return 0
    if args.command in ("accounts", "hub", "release-feedback"):
        from .hub_cli import run

        return run(args)
    from .report import ReportError, report
    from .safeio import DiskFullError, GradebookError

    try:
        out = report(args.root, args.out)
    except (FileNotFoundError, GradebookError, ReportError, DiskFullError) as exc:
        print(f"coursetools report: {exc}")
        return 2
    from .lms import write_gradebooks

    lms = write_gradebooks(out.with_name("grades.csv"))  # Canvas and Moodle gradebook imports
    print(f"wrote {out}, {out.with_name('grades.csv')} and {', '.join(p.name for p in lms)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
