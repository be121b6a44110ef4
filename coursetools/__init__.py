"""Instructor tooling for the Backprop Workbook (not for students).

Built on nbgrader's own applications and gradebook:

* ``coursetools release`` regenerates ``notebooks/`` (the student versions)
  from ``solutions/`` with ``nbgrader generate_assignment``.
"""
