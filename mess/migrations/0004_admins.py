"""ManageIt admins by permission, not by is_staff: the Admins group, and every staff account in it, so
that nobody who was an admin before loses access (a superuser removes those who should not be). The
group's permissions are kept by mess.people.admins_group_sync after every migrate."""

from django.db import migrations


def staff_into_admins(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    User = apps.get_model("auth", "User")
    admins, _ = Group.objects.get_or_create(name="Admins")
    admins.user_set.add(*User.objects.filter(is_staff=True))


class Migration(migrations.Migration):
    dependencies = [
        ("mess", "0003_day_totals"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="mess",
            options={
                "ordering": ["code"],
                "permissions": [("run_every_mess", "Can see and run every mess (a ManageIt admin)")],
                "verbose_name_plural": "messes",
            },
        ),
        migrations.RunPython(staff_into_admins, migrations.RunPython.noop),
    ]
