from scheduling.commands import JobCommand


class Command(JobCommand):
    job_key = "echo_each"
