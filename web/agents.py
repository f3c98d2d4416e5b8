"""Manage inbox agents' passwords:

  python -m web.agents set-password alice@shop.example      (asks for the password)
  python -m web.agents demo-passwords                       (INBOX_DEMO_PASSWORD for every agent)
  python -m web.agents list

Agents themselves come from seed/inbox.yml (make seed)."""

import argparse
import getpass
import sys

from sqlalchemy import select

from shop import settings
from shop.db import session_scope
from shop.handoff.routing import agent_teams
from shop.models import Agent
from web.auth import hash_password


def set_password(email: str, password: str) -> None:
    with session_scope() as session:
        agent = session.scalar(select(Agent).where(Agent.email == email.strip().lower()))
        if agent is None:
            raise SystemExit(f"No agent {email}: add them to seed/inbox.yml and run make seed.")
        agent.password_hash = hash_password(password)
        agent.session_epoch += 1  # a new password ends the old sessions


def set_all(password: str) -> int:
    hashed = hash_password(password)
    with session_scope() as session:
        agents = list(session.scalars(select(Agent).where(Agent.active.is_(True))))
        for agent in agents:
            agent.password_hash = hashed
        return len(agents)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    one = commands.add_parser("set-password")
    one.add_argument("email")
    commands.add_parser("demo-passwords")
    commands.add_parser("list")
    args = parser.parse_args(argv)
    try:
        if args.command == "set-password":
            password = getpass.getpass("New password: ") if sys.stdin.isatty() else sys.stdin.readline().rstrip("\n")
            set_password(args.email, password)
            print(f"Password set for {args.email}.")
        elif args.command == "demo-passwords":
            password = settings.get("INBOX_DEMO_PASSWORD")
            if not password:
                raise SystemExit("Set INBOX_DEMO_PASSWORD first.")
            print(f"Demo password set for {set_all(password)} agents.")
        else:
            with session_scope() as session:
                for agent in session.scalars(select(Agent).order_by(Agent.id)):
                    state = "can log in" if agent.password_hash else "no password yet"
                    print(f"{agent.email:32} {agent.name:20} {','.join(agent_teams(agent.teams)):16} {state}")
    except ValueError as problem:
        raise SystemExit(str(problem)) from None


if __name__ == "__main__":
    main()
