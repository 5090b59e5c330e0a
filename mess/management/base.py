"""The base of the import commands (waste, feedback, menus, students): open the file or standard input, show progress on a
terminal, call the import service, report."""

import os
import stat
import sys
from collections.abc import Callable
from typing import IO

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from mess.imports.reader import ImportRejected, ImportResult
from mess.imports.students import InvitationsStopped


class ImportCommand(BaseCommand):
    """An import command: reads FILE (or - for standard input), imports it through `service`, prints
    the summary; or prints every bad row as "line N: reason" to standard error and fails (non-zero
    exit), having written nothing. A progress bar shows on a terminal."""

    service: Callable[..., ImportResult]
    stealth_options = ("stdin",)  # call_command(..., stdin=...) for tests

    def add_arguments(self, parser):
        parser.add_argument("file", help="the CSV file (UTF-8, with a header row), or - for standard input")

    def service_options(self, options: dict) -> dict:
        """The service's keyword arguments from the command's own options, besides the file."""
        return {}

    def handle(self, *args, file: str, **options):
        self.options = self.service_options(options)
        if file == "-":
            stdin = options.get("stdin") or sys.stdin
            return self._import(getattr(stdin, "buffer", stdin), size=None, name="stdin")
        try:
            opened = open(file, "rb")  # closed by the with below
        except OSError as error:
            raise CommandError(f"cannot open {file}: {error.strerror}") from None
        with opened:
            status = os.fstat(opened.fileno())
            return self._import(opened, size=status.st_size if stat.S_ISREG(status.st_mode) else None, name=file)

    def _import(self, file: IO, *, size: int | None, name: str) -> str:
        with tqdm(
            total=size,
            desc=os.path.basename(name),
            unit="B",
            unit_scale=True,
            unit_divisor=1024,
            file=sys.stderr,
            disable=not self.stderr.isatty(),
        ) as bar:
            try:
                result = self.service(file=file, progress=None if bar.disable else bar.update, **self.options)
            except ImportRejected as rejected:
                bar.close()
                for error in rejected.errors:
                    self.stderr.write(error)
                if rejected.count > len(rejected.errors):
                    self.stderr.write(f"... and {rejected.count - len(rejected.errors)} more")
                raise CommandError(str(rejected)) from None
        return str(result)


class PeopleImportCommand(ImportCommand):
    """An import of people (students, officials): with --invite, each new person of the file is
    e-mailed a link to set their password; a mail server that stops the invitations fails the
    command, the file being imported."""

    who = "person"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--invite", action="store_true", help=f"e-mail each new {self.who} a link to set their password")

    def service_options(self, options):
        return {"invite": options["invite"]}

    def handle(self, *args, **options):
        try:
            return super().handle(*args, **options)
        except InvitationsStopped as stopped:
            raise CommandError(str(stopped)) from None
