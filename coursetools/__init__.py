"""Instructor tooling for the Backprop Workbook (not for students).

Built on nbgrader's own applications, preprocessors and gradebook:

* ``coursetools release`` regenerates ``notebooks/`` (the student versions)
  from ``solutions/`` with ``nbgrader generate_assignment`` (:mod:`.release`);
* ``coursetools collect`` lays out an LMS export as ``submitted/`` (:mod:`.collect`);
* ``coursetools grade`` auto-grades in parallel worker processes or on a Dask
  cluster, each notebook in a sandboxed, guarded kernel (:mod:`.grade`,
  :mod:`.sandbox`, :mod:`.guard`; events in :mod:`.events`, course paths in
  :mod:`.paths`);
* ``coursetools feedback`` and ``coursetools report`` write per-student
  feedback and the class report (:mod:`.feedback`, :mod:`.report`).
"""
