"""Feedback checks for the lessons' exercises, one module per lesson.

Each ``check_*`` function calls a student's function on seeded data, compares
what it returns with the right answer, and either prints one line starting
with ``✓`` or raises :class:`AssertionError` with a message from
:func:`helpers.feedback.assert_matches` (shape, worst entry, likely mistake).
Visible tests call a check with its defaults; hidden tests call the same check
with another ``seed`` and other sizes, so that a hard-coded answer fails.

A ``NotImplementedError`` from an unfinished exercise is never caught here:
the test cell fails at the stub, as it should.

Every function here sets ``__tracebackhide__ = True``: IPython then leaves our
frames out of a traceback, so a failing test cell shows the student their own
cell (and their own function, if it raised), then the message, not the checks'
reference code (which would give the answer away).
"""
