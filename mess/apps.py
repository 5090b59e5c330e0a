from django.apps import AppConfig
from django.db.models.signals import post_migrate


class MessConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "mess"

    def ready(self):
        from mess.people import admins_group_sync

        post_migrate.connect(admins_group_sync, dispatch_uid="mess.people.admins_group_sync")
