"""Prints the demo logins that still work. `make run` starts it with --when-up beside the development
server, so that the address and the logins show again once the server answers, below the cluster's
first lines, where a newcomer looks."""

import socket
import time

from django.core.management.base import BaseCommand, CommandError

from mess.demo import demo_logins, demo_logins_text


def _address(value: str) -> tuple[str, int]:
    host, _, port = value.rpartition(":")
    if not host or not port.isdigit():
        raise ValueError(f"not HOST:PORT: {value!r}")
    return host, int(port)


_address.__name__ = "HOST:PORT"  # argparse names the type in its error message


class Command(BaseCommand):
    help = "Prints the demo logins that still work; with --when-up HOST:PORT, once a server answers there, with its address."

    def add_arguments(self, parser):
        parser.add_argument("--when-up", type=_address, metavar="HOST:PORT", help="first wait until a server answers at HOST:PORT")
        parser.add_argument("--wait", type=float, default=300, metavar="SECONDS", help="how long to wait for it (default 300)")

    def handle(self, *args, when_up: tuple[str, int] | None, wait: float, **options):
        lines = []
        if when_up is not None:
            host, port = when_up
            deadline = time.monotonic() + wait
            while not _answers(host, port):
                if time.monotonic() > deadline:
                    raise CommandError(f"nothing answered at {host}:{port} within {wait:g} s")
                time.sleep(0.2)
            lines.append(f"ManageIt is up on http://{host}:{port}/ (admin: http://{host}:{port}/admin/); Ctrl-C stops it.")
        logins = demo_logins()
        if logins:
            lines.append(demo_logins_text(logins))
        elif when_up is None:
            lines.append("No demo login works here (the demo data was never loaded, or its passwords were changed).")
        return "\n".join(lines)


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False
