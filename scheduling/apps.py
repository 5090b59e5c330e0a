from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "scheduling"

    def ready(self):
        from scheduling import signals  # noqa: F401
        from scheduling.registry import jobs_discover

        jobs_discover()
