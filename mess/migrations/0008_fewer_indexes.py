"""Drops the indexes of three foreign keys that other indexes already serve (they begin with the same
column): feedback's mess and student, and waste's floor. Each is work for every row written.

Only the indexes are dropped: altering the fields the usual way would make SQLite copy the whole
feedback table, millions of rows, to drop one index."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

FIELDS = [("feedback", "mess"), ("feedback", "student"), ("wasterecord", "floor")]


def _single_column_indexes(schema_editor, model, column: str) -> list[str]:
    with schema_editor.connection.cursor() as cursor:
        constraints = schema_editor.connection.introspection.get_constraints(cursor, model._meta.db_table)
    return [
        name
        for name, info in constraints.items()
        if info["index"] and info["columns"] == [column] and not info["unique"] and not info["primary_key"] and not info["foreign_key"]
    ]


def drop_indexes(apps, schema_editor):
    for model_name, field_name in FIELDS:
        model = apps.get_model("mess", model_name)
        column = model._meta.get_field(field_name).column
        for name in _single_column_indexes(schema_editor, model, column):
            schema_editor.remove_index(model, models.Index(fields=[field_name], name=name))


def create_indexes(apps, schema_editor):
    for model_name, field_name in FIELDS:
        model = apps.get_model("mess", model_name)
        column = model._meta.get_field(field_name).column
        schema_editor.add_index(model, models.Index(fields=[field_name], name=f"{model._meta.db_table}_{column}"[:30]))


class Migration(migrations.Migration):
    dependencies = [
        ("mess", "0007_staged_imports"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="feedback",
                    name="mess",
                    field=models.ForeignKey(
                        db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name="feedback", to="mess.mess"
                    ),
                ),
                migrations.AlterField(
                    model_name="feedback",
                    name="student",
                    field=models.ForeignKey(
                        db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name="feedback", to=settings.AUTH_USER_MODEL
                    ),
                ),
                migrations.AlterField(
                    model_name="wasterecord",
                    name="floor",
                    field=models.ForeignKey(
                        db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name="waste_records", to="mess.floor"
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(drop_indexes, create_indexes)],
        ),
    ]
