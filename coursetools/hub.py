"""A class on one server: JupyterHub with local (PAM) accounts and nbgrader's exchange (``coursetools hub``).

``make hub`` runs :func:`serve`: it prepares everything the hub needs, prints
the address, and hands over to ``jupyterhub``:

* **state** (default ``~/.local/state/backprop-workbook/hub``, outside the
  repository): the hub's database, its cookie secret and the proxy's token,
  all made on first start and readable by root only; the generated
  ``jupyterhub_config.py``; and, per role, the folder the single-user servers
  read their Jupyter configuration from.
* **roles**: a member of ``<group>-instructors`` (see
  :mod:`coursetools.accounts`) gets the instructor's JupyterLab
  (``jupyter/instructor/``: formgrader, create assignment, the course list)
  opened on the course directory; a member of ``<group>-students`` gets the
  student's (``jupyter/student/``: the Assignments panel and Validate,
  nothing else of nbgrader) opened on their home. No one else can log in.
* **exchange** (default ``/srv/nbgrader/exchange``): created as nbgrader
  documents; nbgrader itself makes ``outbound/`` (readable by all),
  ``inbound/`` (students may write, not list: no student sees another's
  submission) and ``feedback/`` (listed by no student; each file is named by
  the hash of one student's submission) on the first release.
* **accounts**: PAM (the accounts of this machine, see ``coursetools
  accounts``); each student's server runs as that student (JupyterHub's
  default local process spawner), in a home only they can read.
* **address**: ``127.0.0.1:8000`` by default; ``--ip 0.0.0.0`` with
  ``--ssl-cert`` and ``--ssl-key`` for a class on the network.

The single-user servers run as the students, so the Python environment must
be usable by them. When ``.venv``'s interpreter lives in a folder they cannot
enter (a pyenv build under ``/root``), :func:`shared_environment` makes a thin
virtual environment on the system's Python of the same version, in the state
folder, that loads ``.venv``'s packages.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import stat
import subprocess
import sys
import sysconfig
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .accounts import DEFAULT_GROUP, groups, members_of

__all__ = ["HubError", "HubSettings", "configure", "prepare", "private_tmp", "proxy_command", "role_of", "serve",
           "shared_environment"]

ROOT = Path(__file__).resolve().parent.parent
ROLES_DIR = ROOT / "jupyter"
COURSE_ID = "backprop-workbook"
DEFAULT_STATE = Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state") / COURSE_ID / "hub"
DEFAULT_EXCHANGE = Path("/srv/nbgrader/exchange")


class HubError(Exception):
    """The hub cannot start: a missing proxy, not root, a course folder that does not exist."""


@dataclass
class HubSettings:
    """Everything :func:`configure` needs; saved as ``settings.json`` in the state folder."""

    course: str = str(ROOT)
    state: str = str(DEFAULT_STATE)
    exchange: str = str(DEFAULT_EXCHANGE)
    ip: str = "127.0.0.1"
    port: int = 8000
    hub_port: int = 8081
    proxy_api_port: int = 8001
    group: str = DEFAULT_GROUP
    course_id: str = COURSE_ID
    ssl_cert: str | None = None
    ssl_key: str | None = None
    python: str = ""  # the interpreter of the single-user servers (set by prepare)
    proxy: list = field(default_factory=list)

    @property
    def url(self) -> str:
        scheme = "https" if self.ssl_cert else "http"
        host = "127.0.0.1" if self.ip in ("", "0.0.0.0") else self.ip
        return f"{scheme}://{host}:{self.port}/"


def proxy_command() -> list[str]:
    """The command of configurable-http-proxy, installed from npm into ``.venv/proxy`` by ``make hub``."""
    local = Path(sys.prefix) / "proxy" / "node_modules" / ".bin" / "configurable-http-proxy"
    found = str(local) if local.exists() else shutil.which("configurable-http-proxy")
    if found is None:
        raise HubError("configurable-http-proxy is not installed: `make hub` installs it from npm into "
                       ".venv/proxy (it needs Node.js 20 or newer and npm: `sudo apt-get install nodejs npm`)")
    if shutil.which("node") is None:
        raise HubError("configurable-http-proxy needs Node.js (20 or newer): `sudo apt-get install nodejs`")
    return [found]


# --------------------------------------------------------------------------- the students' Python


def _others_can_run(path: Path) -> bool:
    """Whether a user who is neither the owner nor in the group can enter every folder to ``path`` and run it."""
    path = path.resolve()
    for part in [path, *path.parents]:
        if not part.stat().st_mode & stat.S_IXOTH:
            return False
    return True


def _system_python() -> Path | None:
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    for folder in ("/usr/bin", "/usr/local/bin", "/opt/python/bin"):
        candidate = Path(folder) / version
        if candidate.exists() and _others_can_run(candidate):
            return candidate
    return None


def shared_environment(state: Path) -> Path:
    """The Python interpreter the accounts' servers run: ``.venv``'s own, or a thin venv in ``state/env``.

    The thin venv uses the system's interpreter of the same version (same ABI),
    loads ``.venv``'s site-packages (and their ``.pth`` files, so the editable
    install of this project too) and links ``share/`` and ``etc/`` to
    ``.venv``'s, so JupyterLab finds its extensions and server configuration.
    Console scripts are copied with their first line pointing at it.
    """
    venv = Path(sys.prefix)
    own = venv / "bin" / "python"
    if _others_can_run(Path(sys.executable)) and _others_can_run(venv / "bin"):
        return own
    base = _system_python()
    if base is None:
        raise HubError(f"{sys.executable} is in a folder the students' accounts cannot enter, and there is no "
                       f"system python{sys.version_info.major}.{sys.version_info.minor} to share .venv's "
                       "packages with: make .venv with a Python every account can run (PYTHON=/usr/bin/python3)")
    env = Path(state) / "env"
    if not (env / "bin" / "python").exists():
        subprocess.run([str(base), "-m", "venv", "--without-pip", str(env)], check=True)
    site = Path(sysconfig.get_paths()["purelib"])
    own_site = sorted((env / "lib").glob("python3*/site-packages"))
    if len(own_site) != 1:
        raise HubError(f"{env} is not a virtual environment of {base} (expected one lib/python3*/site-packages)")
    (own_site[0] / "_backprop_workbook.pth").write_text(f"import site; site.addsitedir({str(site)!r})\n")
    for name in ("share", "etc"):
        link = env / name
        if not link.exists() and (venv / name).exists():
            link.symlink_to(venv / name)
    for script in (venv / "bin").iterdir():
        if script.name.startswith(("python", "activate", "pip")) or not script.is_file():
            continue
        try:
            first, rest = script.read_text().split("\n", 1)
        except (UnicodeDecodeError, ValueError):
            continue
        if first.startswith("#!") and str(venv / "bin" / "python") in first:
            target = env / "bin" / script.name
            target.write_text(f"#!{env / 'bin' / 'python'}\n{rest}")
            target.chmod(0o755)
    for folder, _, _ in os.walk(env):  # does not follow the links to .venv
        Path(folder).chmod(0o755)
    return env / "bin" / "python"


# --------------------------------------------------------------------------- preparing the state folder


def _secret_file(path: Path, nbytes: int = 32) -> str:
    """The secret in ``path``, made (hex, mode 0600) when it does not exist yet."""
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(nbytes))
    return path.read_text().strip()


def _nbgrader_config(settings: HubSettings, role: str) -> str:
    lines = ['"""nbgrader for the hub\'s ' + role + 's (written by `coursetools hub`)."""', "c = get_config()",
             f"c.CourseDirectory.course_id = {settings.course_id!r}",
             f"c.Exchange.root = {settings.exchange!r}"]
    if role == "instructor":
        lines.append(f"c.CourseDirectory.root = {settings.course!r}")
    else:  # nbgrader's default, said here: a submission's folder name cannot be guessed by another student
        lines.append("c.ExchangeSubmit.add_random_string = True")
    return "\n".join(lines) + "\n"


def _exchange(settings: HubSettings, instructor: str | None):
    """The exchange root (root's, readable by all) and the course's folder in it (the instructor's)."""
    root = Path(settings.exchange)
    root.mkdir(parents=True, exist_ok=True)
    root.chmod(0o1777)  # nbgrader requires rwx for all; sticky: no one removes another's folder
    course = root / settings.course_id
    course.mkdir(exist_ok=True)
    course.chmod(0o755)  # the instructor's: only they release into it
    if instructor is not None:
        import pwd

        pw = pwd.getpwnam(instructor)
        os.chown(course, pw.pw_uid, pw.pw_gid)


def prepare(settings: HubSettings) -> Path:
    """Make the state folder (secrets, role folders, config) and the exchange; return the config file."""
    if os.geteuid() != 0:
        raise HubError("the hub must run as root: it starts each student's server as that student (sudo make hub)")
    course = Path(settings.course)
    if not (course / "nbgrader_config.py").exists():
        raise HubError(f"{course} is not a course directory: expected nbgrader_config.py in it (--course)")
    state = Path(settings.state)
    state.mkdir(parents=True, exist_ok=True)
    state.chmod(0o711)  # accounts may enter (env/, roles/), never list or read the secrets
    settings.proxy = settings.proxy or proxy_command()
    settings.python = str(shared_environment(state))
    instructors = sorted(members_of("instructor", settings.group))
    _exchange(settings, instructors[0] if instructors else None)
    for role in ("student", "instructor"):
        folder = state / "roles" / role
        if folder.exists():
            shutil.rmtree(folder)
        shutil.copytree(ROLES_DIR / role, folder)
        (folder / "nbgrader_config.py").write_text(_nbgrader_config(settings, role))
        for p in [folder, *folder.rglob("*")]:
            p.chmod(0o755 if p.is_dir() else 0o644)
    (state / "roles").chmod(0o755)
    _secret_file(state / "proxy_token")
    db = state / "jupyterhub.sqlite"  # tokens and sessions: root's only (JupyterHub would make it 0644)
    db.touch(mode=0o600)
    db.chmod(0o600)
    (state / "settings.json").write_text(json.dumps(asdict(settings), indent=1))
    config = state / "jupyterhub_config.py"
    config.write_text('"""Written by `coursetools hub`: the settings are in settings.json next to this file."""\n'
                      "from coursetools.hub import configure\n\n"
                      f"configure(c, {str(state / 'settings.json')!r})  # noqa: F821\n")
    return config


# --------------------------------------------------------------------------- JupyterHub's configuration


def role_of(username: str, group: str = DEFAULT_GROUP) -> str | None:
    """``"instructor"``, ``"student"`` or None (not in the course) for an account."""
    if username in members_of("instructor", group):
        return "instructor"
    if username in members_of("student", group):
        return "student"
    return None


def private_tmp(username: str) -> Path:
    """``/tmp/backprop-workbook-<user>``, the user's own (0700): their ``TMPDIR`` on the hub.

    ``coursetools grade`` keeps its sandboxes in one folder under ``TMPDIR``; a shared ``/tmp`` one made by
    another account (root) would refuse the instructor.
    """
    import pwd

    pw = pwd.getpwnam(username)
    path = Path(tempfile.gettempdir()) / f"{COURSE_ID}-{username}"
    if not path.exists():
        path.mkdir(mode=0o700)
        os.chown(path, pw.pw_uid, pw.pw_gid)
    st = path.lstat()
    if stat.S_ISLNK(st.st_mode) or not stat.S_ISDIR(st.st_mode) or st.st_uid != pw.pw_uid:
        raise HubError(f"{path} exists and is not {username}'s own folder: remove it")
    return path


def configure(c, settings_file) -> None:
    """Fill JupyterHub's config object ``c`` from the ``settings.json`` that :func:`prepare` wrote."""
    s = HubSettings(**json.loads(Path(settings_file).read_text()))
    state = Path(s.state)
    c.JupyterHub.bind_url = f"{'https' if s.ssl_cert else 'http'}://{s.ip}:{s.port}/"
    c.JupyterHub.hub_ip = "127.0.0.1"
    c.JupyterHub.hub_port = s.hub_port
    c.JupyterHub.db_url = f"sqlite:///{state / 'jupyterhub.sqlite'}"
    c.JupyterHub.cookie_secret_file = str(state / "jupyterhub_cookie_secret")
    c.JupyterHub.pid_file = str(state / "jupyterhub.pid")
    if s.ssl_cert:
        c.JupyterHub.ssl_cert, c.JupyterHub.ssl_key = s.ssl_cert, s.ssl_key
    c.ConfigurableHTTPProxy.command = s.proxy
    c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{s.proxy_api_port}"
    c.ConfigurableHTTPProxy.auth_token = (state / "proxy_token").read_text().strip()
    c.ConfigurableHTTPProxy.pid_file = str(state / "proxy.pid")

    c.JupyterHub.authenticator_class = "pam"
    c.Authenticator.allowed_users = set()
    c.LocalAuthenticator.allowed_groups = set(groups(s.group).values())
    c.LocalAuthenticator.create_system_users = False  # accounts come from `coursetools accounts` only
    c.PAMAuthenticator.open_sessions = False  # no login sessions (utmp, systemd) for a web login

    c.JupyterHub.spawner_class = "localprocess"
    c.Spawner.cmd = [s.python, "-m", "jupyterhub.singleuser"]
    c.Spawner.default_url = "/lab"
    c.Spawner.start_timeout = 180  # a JupyterLab server takes a while on a busy machine (a class logging in at once)
    c.Spawner.http_timeout = 180
    bin_dir = str(Path(s.python).parent)

    def pre_spawn(spawner):
        role = role_of(spawner.user.name, s.group)
        if role is None:
            raise PermissionError(f"{spawner.user.name} is in neither course group {sorted(groups(s.group).values())}")
        spawner.environment.update(
            JUPYTER_CONFIG_PATH=str(state / "roles" / role),
            PATH=os.pathsep.join([bin_dir, "/usr/local/bin", "/usr/bin", "/bin"]),
        )
        if role == "instructor":
            spawner.environment["TMPDIR"] = str(private_tmp(spawner.user.name))
        spawner.notebook_dir = s.course if role == "instructor" else "~"

    c.Spawner.pre_spawn_hook = pre_spawn


def serve(settings: HubSettings) -> int:
    """Prepare, print the address, and run JupyterHub until it is stopped (Ctrl+C)."""
    config = prepare(settings)
    jupyterhub = Path(sys.prefix) / "bin" / "jupyterhub"
    if not members_of("instructor", settings.group):
        print(f"coursetools hub: warning: no account in {groups(settings.group)['instructor']} yet: nobody can "
              "release assignments (create them with `coursetools accounts roster.csv`, then restart)")
    where = "" if settings.ip in ("127.0.0.1", "localhost", "::1") else f", listening on {settings.ip}"
    print(f"JupyterHub for {settings.course_id}: {settings.url}{where} (state in {settings.state}, "
          f"exchange {settings.exchange}); stop it with Ctrl+C", flush=True)
    proc = subprocess.run([str(jupyterhub), "-f", str(config)], cwd=settings.state)
    return proc.returncode
