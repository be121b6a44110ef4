"""Local accounts for a class on one server, from a roster CSV (``coursetools accounts``).

The roster is a CSV file with a header row. One column is required:

``username``
    the login name, a POSIX account name (``^[a-z_][a-z0-9_-]{0,31}$``);
    it is also the student id nbgrader records.

and three are optional: ``role`` (``student``, the default, or ``instructor``),
``first_name``/``last_name`` and ``email`` (kept for the gradebook).

:func:`create_accounts` makes each account that does not exist yet with
``useradd`` (a home folder only its owner can read, mode 0700), adds it to the
course's group for its role (``<group>-students`` or ``<group>-instructors``;
JupyterHub lets in only these two groups), gives every new account a random
password set with ``chpasswd`` and writes the new passwords to a file only root
can read, to hand out. An account that already exists keeps its password and
is only added to the group. :func:`register_students` records the students' names in the
course's gradebook. :func:`remove_accounts` deletes the roster's
accounts with their homes, but only accounts that are members of the course's
groups: it never deletes an account the course did not make.
"""

from __future__ import annotations

import csv
import grp
import os
import pwd
import re
import secrets
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

__all__ = ["DEFAULT_GROUP", "Member", "RosterError", "create_accounts", "groups", "members_of",
           "read_roster", "register_students", "remove_accounts"]

DEFAULT_GROUP = "backprop"
ROLES = ("student", "instructor")
_NAME = re.compile(r"^[a-z_][a-z0-9_-]{0,31}$")


class RosterError(ValueError):
    """The roster cannot be used: a missing column, a bad name, a duplicate, an unknown role."""


@dataclass(frozen=True)
class Member:
    """One row of the roster."""

    username: str
    role: str = "student"
    first_name: str = ""
    last_name: str = ""
    email: str = ""


def groups(group: str = DEFAULT_GROUP) -> dict[str, str]:
    """The Unix group of each role: ``{"student": "<group>-students", "instructor": "<group>-instructors"}``."""
    return {"student": f"{group}-students", "instructor": f"{group}-instructors"}


def read_roster(path) -> list[Member]:
    """The members of a roster CSV, in file order; raise :class:`RosterError` on the first bad row.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "roster.csv"
    >>> _ = p.write_text("username,role\\nalice,\\nmsmith,instructor\\n")
    >>> [(m.username, m.role) for m in read_roster(p)]
    [('alice', 'student'), ('msmith', 'instructor')]
    """
    path = Path(path)
    if not path.is_file():
        raise RosterError(f"no roster at {path}: expected a CSV file with a header row and a username column")
    with path.open(newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        header = [h.strip().lower() for h in (reader.fieldnames or [])]
        if "username" not in header:
            raise RosterError(f"{path}: expected a header row with a 'username' column, received {header}")
        members, seen = [], set()
        for line, row in enumerate(reader, start=2):
            row = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}
            name, role = row.get("username", ""), row.get("role", "") or "student"
            if not name:
                continue
            if not _NAME.match(name):
                raise RosterError(f"{path}, line {line}: username {name!r} is not a valid account name "
                                  "(expected lower-case letters, digits, '_' or '-', starting with a letter or "
                                  "'_', at most 32 characters)")
            if role not in ROLES:
                raise RosterError(f"{path}, line {line}: role {role!r} for {name}; expected one of {ROLES}")
            if name in seen:
                raise RosterError(f"{path}, line {line}: {name} is listed twice")
            seen.add(name)
            members.append(Member(name, role, row.get("first_name", ""), row.get("last_name", ""),
                                  row.get("email", "")))
    if not members:
        raise RosterError(f"{path}: the roster lists no account")
    return members


def _run(cmd, **kwargs):
    proc = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:2])} failed ({proc.returncode}): {proc.stderr.strip()}")
    return proc


def _require_root(action: str):
    if os.geteuid() != 0:
        raise PermissionError(f"{action} needs root (useradd, chpasswd): run it with sudo")


def _exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def _ensure_group(name: str):
    try:
        grp.getgrnam(name)
    except KeyError:
        _run(["groupadd", "--system", name])


def create_accounts(members, *, group: str = DEFAULT_GROUP, passwords: Path, passwords_for=None) -> list[str]:
    """Create the accounts of ``members`` that do not exist; return the names of those created.

    Parameters
    ----------
    members : list of Member
        From :func:`read_roster`.
    group : str
        The course's group prefix: members join ``<group>-students`` or ``<group>-instructors``.
    passwords : Path
        Where the new accounts' passwords go (``username,password`` lines, mode 0600, appended).
    passwords_for : dict, optional
        ``{username: password}`` to use instead of random ones (tests).
    """
    _require_root("creating accounts")
    role_groups = groups(group)
    for name in role_groups.values():
        _ensure_group(name)
    created, lines = [], []
    for m in members:
        if not _exists(m.username):
            comment = " ".join(filter(None, (m.first_name, m.last_name))) or m.username
            _run(["useradd", "--create-home", "--shell", "/bin/bash", "--user-group",
                  "--comment", comment.replace(":", " "), m.username])
            password = (passwords_for or {}).get(m.username) or secrets.token_urlsafe(12)
            _run(["chpasswd"], input=f"{m.username}:{password}\n")
            created.append(m.username)
            lines.append(f"{m.username},{password}\n")
        _run(["usermod", "--append", "--groups", role_groups[m.role], m.username])
        pw = pwd.getpwnam(m.username)
        home = Path(pw.pw_dir)
        if home.is_dir():
            home.chmod(0o700)  # students see each other's nothing
            if m.username in created:
                _seed_font_cache(home, pw.pw_uid, pw.pw_gid)
    if lines:
        passwords = Path(passwords)
        passwords.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(passwords, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "w") as f:
            f.writelines(lines)
        passwords.chmod(0o600)
    return created


def _seed_font_cache(home: Path, uid: int, gid: int) -> None:
    """Copy matplotlib's font list into a new account's cache.

    Without it, the account's first plot builds the list (slow, a message on stderr, which nbgrader
    counts against a test cell, and a ``fc-list`` process that grading refuses).
    """
    import matplotlib

    source = Path(matplotlib.get_cachedir())
    lists = sorted(source.glob("fontlist-*.json"))
    if not lists:
        return
    target = home / ".cache" / "matplotlib"
    target.mkdir(parents=True, exist_ok=True)
    for f in lists:
        shutil.copyfile(f, target / f.name)
    for p in (home / ".cache", target, *target.iterdir()):
        os.chown(p, uid, gid)


def remove_accounts(members, *, group: str = DEFAULT_GROUP) -> list[str]:
    """Delete the accounts (and homes) of ``members`` that belong to the course's groups; return their names."""
    _require_root("removing accounts")
    ours = set()
    for name in groups(group).values():
        try:
            ours.update(grp.getgrnam(name).gr_mem)
        except KeyError:
            continue
    removed = []
    for m in members:
        if m.username in ours and _exists(m.username):
            _run(["userdel", "--remove", m.username])
            removed.append(m.username)
    return removed


def register_students(members, course: Path, course_id: str = "backprop-workbook") -> int:
    """Record the roster's students, with their names and emails, in ``course/gradebook.db``; return how many.

    nbgrader's export (``grades.csv``) and so the LMS gradebooks then carry the names. The gradebook
    keeps the owner of the course directory (the instructor), also when this runs as root.
    """
    from nbgrader.api import Gradebook

    course = Path(course)
    if not (course / "nbgrader_config.py").is_file():
        raise RosterError(f"{course} is not a course directory: expected nbgrader_config.py in it")
    db = course / "gradebook.db"
    students = [m for m in members if m.role == "student"]
    bin_dir = str(Path(sys.executable).parent)  # nbgrader's gradebook runs `alembic` by name
    if bin_dir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")
    with Gradebook(f"sqlite:///{db}", course_id) as gb:
        for m in students:
            gb.update_or_create_student(m.username, first_name=m.first_name or None, last_name=m.last_name or None,
                                        email=m.email or None)
    owner = course.stat()
    if os.geteuid() == 0:
        os.chown(db, owner.st_uid, owner.st_gid)
    return len(students)


def members_of(role: str, group: str = DEFAULT_GROUP) -> set[str]:
    """The accounts in the course's group for ``role`` (empty when the group does not exist)."""
    try:
        return set(grp.getgrnam(groups(group)[role]).gr_mem)
    except KeyError:
        return set()
