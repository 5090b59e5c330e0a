from django.apps import AppConfig


class SchedulingTestsConfig(AppConfig):
    """The app of the tests' jobs (jobs.py) and their commands; only scheduling.tests.settings installs it."""

    name = "scheduling.tests"
    label = "scheduling_tests"
