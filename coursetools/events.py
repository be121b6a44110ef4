"""What the grader noticed about a submission: one typed event, shared by the sandbox, ``grade`` and ``report``.

An :class:`Event` is a :class:`Kind`, the test cell it concerns (its
``grade_id``, or None for the whole notebook) and a one-line detail. Records
on disk keep events as plain dicts (``Event.to_dict``); :func:`Event.from_dict`
refuses a kind this module does not define, so a new kind cannot be dropped
silently on its way to the report. Every kind belongs to one :class:`Group`,
and :data:`ERRORS` / :data:`SUSPICIOUS` (what ``report`` lists) are derived
from it, so each kind is shown somewhere.

>>> e = Event(Kind.TIMEOUT, "test_forward", "ran longer than 10 s")
>>> e.to_dict()
{'kind': 'timeout', 'cell': 'test_forward', 'detail': 'ran longer than 10 s'}
>>> Event.from_dict(e.to_dict()) == e
True
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

__all__ = ["ERRORS", "SUSPICIOUS", "Event", "Group", "Kind"]


class Group(str, Enum):
    """Where ``report`` lists an event."""

    ERROR = "error"  #: the submission did not run to the end normally, or was not graded as usual
    SUSPICIOUS = "suspicious"  #: may be cheating, or an accident worth a look


class Kind(str, Enum):
    """Every kind of event, with its report group and label."""

    TIMEOUT = "timeout"
    KERNEL_DIED = "kernel_died"
    MEMORY = "memory"
    GAVE_UP = "gave_up"
    UNREADABLE = "unreadable"
    GRADER_ERROR = "grader_error"
    NOT_ISOLATED = "not_isolated"
    TAMPERING = "tampering"
    ERROR_REPLY = "error_reply"
    SANDBOX = "sandbox"
    LEAK = "leak"
    NBGRADER = "nbgrader"
    NBFORMAT = "nbformat"
    STRAY_FILE = "stray_file"
    STDERR = "stderr"
    FORGED = "forged"

    @classmethod
    def parse(cls, value) -> Kind:
        """The kind named ``value``; ValueError naming the known kinds otherwise."""
        try:
            return cls(value)
        except ValueError:
            raise ValueError(f"unknown event kind {value!r}; expected one of: "
                             + ", ".join(k.value for k in cls)) from None

    @property
    def group(self) -> Group:
        return _META[self][0]

    @property
    def label(self) -> str:
        return _META[self][1]


_META = {
    Kind.TIMEOUT: (Group.ERROR, "timed out"),
    Kind.KERNEL_DIED: (Group.ERROR, "kernel died"),
    Kind.MEMORY: (Group.ERROR, "memory limit"),
    Kind.GAVE_UP: (Group.ERROR, "gave up"),
    Kind.UNREADABLE: (Group.ERROR, "unreadable"),
    Kind.GRADER_ERROR: (Group.ERROR, "grader error"),
    Kind.NOT_ISOLATED: (Group.ERROR, "guarded only, not isolated"),
    Kind.TAMPERING: (Group.SUSPICIOUS, "replaced a checker"),
    Kind.ERROR_REPLY: (Group.SUSPICIOUS, "error hidden from the outputs"),
    Kind.SANDBOX: (Group.SUSPICIOUS, "refused or noted file/process/network access"),
    Kind.LEAK: (Group.SUSPICIOUS, "printed hidden tests or secrets"),
    Kind.NBGRADER: (Group.SUSPICIOUS, "edited tests or metadata"),
    Kind.NBFORMAT: (Group.SUSPICIOUS, "malformed notebook"),
    Kind.STRAY_FILE: (Group.SUSPICIOUS, "extra files"),
    Kind.STDERR: (Group.SUSPICIOUS, "wrote to stderr"),
    Kind.FORGED: (Group.SUSPICIOUS, "hidden-test outputs missing or forged"),
}

#: kind -> label of the kinds that mean a submission did not run to the end normally
ERRORS = {k.value: k.label for k in Kind if k.group is Group.ERROR}
#: kind -> label of the kinds that may be cheating (or an accident worth a look)
SUSPICIOUS = {k.value: k.label for k in Kind if k.group is Group.SUSPICIOUS}


@dataclass(frozen=True)
class Event:
    """One thing the grader noticed.

    Parameters
    ----------
    kind : Kind
    cell : str or None
        The ``grade_id`` (or ``"cell <i>"``) of the cell it concerns; None for the whole notebook.
    detail : str
        One line for the report.
    """

    kind: Kind
    cell: str | None
    detail: str

    def __post_init__(self):
        if not isinstance(self.kind, Kind):
            object.__setattr__(self, "kind", Kind.parse(self.kind))

    def to_dict(self) -> dict:
        return {"kind": self.kind.value, "cell": self.cell, "detail": self.detail}

    @classmethod
    def from_dict(cls, d: dict) -> Event:
        return cls(Kind.parse(d["kind"]), d.get("cell"), d["detail"])

