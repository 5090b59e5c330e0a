"""E-mails a link to set a new password to each user of an address (the reset page hands its requests
to the cluster as runs of this job); first, and alone without --email, sends the reset e-mails earlier
runs did not get out."""

from scheduling.commands import JobCommand


class Command(JobCommand):
    job_key = "send_password_reset"

    def add_arguments(self, parser):
        parser.add_argument("--email", help="The address asked about; its users each get a link.")

    def job_kwargs(self, options):
        return {"email": options["email"]}
