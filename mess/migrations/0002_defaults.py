"""The default meal windows and the two role groups; admins edit the windows afterwards."""

import datetime

from django.db import migrations

DEFAULT_WINDOWS = {
    "breakfast": (datetime.time(7, 0), datetime.time(9, 0)),
    "lunch": (datetime.time(12, 0), datetime.time(14, 0)),
    "snacks": (datetime.time(17, 0), datetime.time(18, 0)),
    "dinner": (datetime.time(19, 0), datetime.time(21, 0)),
}
GROUPS = ["Students", "Mess officials"]


def create_defaults(apps, schema_editor):
    MealWindow = apps.get_model("mess", "MealWindow")
    Group = apps.get_model("auth", "Group")
    for meal, (starts_at, ends_at) in DEFAULT_WINDOWS.items():
        MealWindow.objects.get_or_create(meal=meal, defaults={"starts_at": starts_at, "ends_at": ends_at})
    for name in GROUPS:
        Group.objects.get_or_create(name=name)


class Migration(migrations.Migration):
    dependencies = [
        ("mess", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
