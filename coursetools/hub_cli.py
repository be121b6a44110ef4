"""The hub's subcommands of ``coursetools``: ``accounts``, ``hub`` and ``release-feedback``."""

from __future__ import annotations

from pathlib import Path

from .accounts import DEFAULT_GROUP


def add_parsers(sub, course) -> None:
    """Add the three subcommands to ``coursetools``'s subparsers; ``course`` adds ``--root``."""
    from .hub import DEFAULT_EXCHANGE, DEFAULT_STATE

    p = sub.add_parser("accounts", help="create (or --remove) the local accounts of a roster CSV, for the hub")
    p.add_argument("roster", type=Path, help="CSV with a header row: username[,role,first_name,last_name,email]")
    p.add_argument("--group", default=DEFAULT_GROUP,
                   help="the course's group prefix: <group>-students, <group>-instructors (default: %(default)s)")
    p.add_argument("--passwords", type=Path, default=DEFAULT_STATE / "passwords.csv",
                   help="where the new accounts' passwords are written, readable by root only "
                        "(default: %(default)s)")
    p.add_argument("--remove", action="store_true", help="delete the roster's accounts and their homes")
    p.add_argument("--course", type=Path, default=None,
                   help="also record the students' names and emails in this course directory's gradebook.db")

    p = sub.add_parser("hub", help="serve the course with JupyterHub (make hub)")
    p.add_argument("--course", type=Path, default=Path.cwd(),
                   help="the course directory the instructors grade in (default: the current folder)")
    p.add_argument("--ip", default="127.0.0.1", help="address to listen on (default: %(default)s; "
                   "0.0.0.0 for every interface, then also give --ssl-cert and --ssl-key)")
    p.add_argument("--port", type=int, default=8000, help="the hub's public port (default: %(default)s)")
    p.add_argument("--hub-port", type=int, default=8081, help="the hub's internal port (default: %(default)s)")
    p.add_argument("--proxy-api-port", type=int, default=8001,
                   help="the proxy's internal API port (default: %(default)s)")
    p.add_argument("--state", type=Path, default=DEFAULT_STATE,
                   help="database, secrets and generated config, outside the repository (default: %(default)s)")
    p.add_argument("--exchange", type=Path, default=DEFAULT_EXCHANGE,
                   help="nbgrader's exchange folder (default: %(default)s)")
    p.add_argument("--group", default=DEFAULT_GROUP, help="the course's group prefix (default: %(default)s)")
    p.add_argument("--ssl-cert", default=None, help="TLS certificate (PEM) for https")
    p.add_argument("--ssl-key", default=None, help="TLS private key (PEM) for https")

    p = course(sub.add_parser("release-feedback",
                              help="release feedback/ pages to the exchange (students fetch them in JupyterLab)"))
    p.add_argument("assignments", nargs="+", help="assignment ids, e.g. 01-univariate")
    p.add_argument("--exchange", type=Path, default=None,
                   help="nbgrader's exchange folder (default: from nbgrader's configuration)")


def run(args) -> int:
    """Run one of the three subcommands; return the exit status."""
    if args.command == "accounts":
        from .accounts import RosterError, create_accounts, read_roster, register_students, remove_accounts

        try:
            members = read_roster(args.roster)
            if args.remove:
                removed = remove_accounts(members, group=args.group)
                print(f"removed {len(removed)} account(s): {', '.join(removed) or 'none'}")
                return 0
            created = create_accounts(members, group=args.group, passwords=args.passwords)
        except (RosterError, PermissionError, RuntimeError) as exc:
            print(f"coursetools accounts: {exc}")
            return 2
        print(f"created {len(created)} account(s), {len(members) - len(created)} already existed")
        if created:
            print(f"their passwords are in {args.passwords} (readable by root only): hand them out, then delete it")
        if args.course is not None:
            try:
                n = register_students(members, args.course)
            except RosterError as exc:
                print(f"coursetools accounts: {exc}")
                return 2
            print(f"recorded {n} student(s) in {args.course / 'gradebook.db'}")
        return 0
    if args.command == "hub":
        from .hub import HubError, HubSettings, serve

        settings = HubSettings(course=str(args.course.resolve()), state=str(args.state.resolve()),
                               exchange=str(args.exchange.resolve()), ip=args.ip, port=args.port,
                               hub_port=args.hub_port, proxy_api_port=args.proxy_api_port, group=args.group,
                               ssl_cert=args.ssl_cert, ssl_key=args.ssl_key)
        if args.ip not in ("127.0.0.1", "localhost", "::1") and not args.ssl_cert:
            print(f"coursetools hub: warning: listening on {args.ip} without TLS: passwords cross the network "
                  "in clear; give --ssl-cert and --ssl-key (or put the hub behind a TLS proxy)")
        if bool(args.ssl_cert) != bool(args.ssl_key):
            print("coursetools hub: give both --ssl-cert and --ssl-key, or neither")
            return 2
        try:
            return serve(settings)
        except HubError as exc:
            print(f"coursetools hub: {exc}")
            return 2
        except KeyboardInterrupt:
            return 0
    from .exchange import release_feedback

    try:
        pages = release_feedback(args.root, args.assignments, exchange=args.exchange)
    except (FileNotFoundError, RuntimeError) as exc:
        print(f"coursetools release-feedback: {exc}")
        return 2
    print(f"released {len(pages)} feedback page(s) to the exchange")
    return 0
