from django.apps import AppConfig

from scheduling.registry import jobs_discover


class SchedulingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "scheduling"

    def ready(self):
        # In ready(), as Django asks: the signal handlers import the models, which are not loaded
        # when this module is.
        from scheduling import signals  # noqa: F401, PLC0415

        jobs_discover()
