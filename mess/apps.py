from django.apps import AppConfig
from django.db.models.signals import post_migrate


class MessConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "mess"

    def ready(self):
        # In ready(), as Django asks: mess.people imports the models, which are not loaded when this
        # module is.
        from mess.people import admins_group_sync  # noqa: PLC0415

        post_migrate.connect(admins_group_sync, dispatch_uid="mess.people.admins_group_sync")
